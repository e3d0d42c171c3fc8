import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { HANDLER_ENV } from '../../lambdas/core/deployment.ts';
import { heartbeatTokenParameterPrefix } from '../../lambdas/core/heartbeat.ts';
import { acknowledgeNag, asNagFinding } from '../nag.ts';
import { HANDLER_ENTRIES } from '../paths.ts';
import { HandlerFunction } from './handler-function.ts';

export interface HeartbeatTokenCleanupProps {
  readonly config: Config;
  readonly functionName: string;
}

/** The CloudFormation type of the resource, as it shows in the stack's events. */
export const HEARTBEAT_TOKEN_CLEANUP_TYPE = 'Custom::SkyprobeHeartbeatTokens';

/**
 * How long CloudFormation waits for the function's answer: far more than deleting a few hundred parameters
 * takes, far less than the default hour a lost answer would hold `cdk destroy`.
 */
export const HEARTBEAT_TOKEN_CLEANUP_TIMEOUT = Duration.minutes(5);

/**
 * Deletes the heartbeat tokens (`/<project>/heartbeat-tokens/*`, created after deploy by `skyprobe heartbeat
 * url --aws`, never by the template) when the stack is deleted, so that `cdk destroy` leaves no token behind:
 * a custom resource whose Delete runs lambdas/handlers/heartbeat-token-cleanup.ts. Its function may list the
 * token path and delete what is under it, nothing else; it reads no token value (no kms:Decrypt).
 *
 * The resource's Delete also runs when it leaves the template: a config without heartbeats deletes the tokens
 * on its deploy, and so would a changed construct id (a new resource is created, the old one deleted), so
 * the ids of this construct and its parent stay fixed.
 */
export class HeartbeatTokenCleanup extends Construct {
  readonly handler: HandlerFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: HeartbeatTokenCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const project = props.config.project;
    // `/<project>/heartbeat-tokens`: GetParametersByPath is authorized on the path itself, DeleteParameters on each name.
    const path = heartbeatTokenParameterPrefix(project).slice(1, -1);
    const parameterArn = (resourceName: string) => stack.formatArn({ service: 'ssm', region: stack.region, resource: 'parameter', resourceName });

    this.handler = new HandlerFunction(this, 'Function', {
      entry: HANDLER_ENTRIES.heartbeatTokenCleanup,
      functionName: props.functionName,
      description: 'skyprobe: deletes the heartbeat tokens in SSM when the stack is deleted (custom resource)',
      config: props.config,
      environment: { [HANDLER_ENV.project]: project, [HANDLER_ENV.homeRegion]: stack.region },
      timeout: Duration.minutes(2),
      memorySizeMb: 256,
    });
    this.handler.role.addToPolicy(new PolicyStatement({ sid: 'ListHeartbeatTokens', actions: ['ssm:GetParametersByPath'], resources: [parameterArn(path)] }));
    const tokens = parameterArn(`${path}/*`);
    this.handler.role.addToPolicy(new PolicyStatement({ sid: 'DeleteHeartbeatTokens', actions: ['ssm:DeleteParameters'], resources: [tokens] }));
    acknowledgeNag(
      this.handler.role,
      'IAM5',
      'Heartbeat tokens are one SecureString per heartbeat under /<project>/heartbeat-tokens/, created after deploy; the stack deletion deletes whatever is there, so the grant is that prefix only.',
      `Resource::${asNagFinding(this, tokens)}`,
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: HEARTBEAT_TOKEN_CLEANUP_TYPE,
      serviceTimeout: HEARTBEAT_TOKEN_CLEANUP_TIMEOUT,
    });
  }
}
