import { App, CfnResource, RemovalPolicy, Stack, Tags, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Config } from '../lambdas/core/check.ts';
import { resourceNames } from '../lambdas/core/deployment.ts';
import { ConfigError, type ConfigIssue } from '../lambdas/core/errors.ts';
import { deploymentIssues } from './deployment-rules.ts';
import { HomeStack } from './home-stack.ts';
import { probeRegionsOf } from './naming.ts';
import { ProbeStack } from './probe-stack.ts';

export interface SkyprobeAppProps {
  /** The validated config. */
  readonly config: Config;
  /** @default the account of the credentials in use at deploy time (stacks are region-only) */
  readonly account?: string;
  /** Keep the results table when the stack is deleted or the table replaced. @default true */
  readonly retainTable?: boolean;
}

export interface SkyprobeStacks {
  readonly home: HomeStack;
  /** By region. */
  readonly probes: ReadonlyMap<string, ProbeStack>;
}

/**
 * Adds skyprobe's stacks to `app`: one home stack in `homeRegion`, one probe stack per region some check
 * uses, each with an explicit environment. Stacks refer to each other only by deterministic names and
 * ARNs (never cross-region exports); a probe stack depends on the home stack, which creates the table
 * replica the probes write to. Throws `ConfigError` (every problem at once) when the config cannot be
 * deployed.
 */
export function addSkyprobeStacks(app: App, props: SkyprobeAppProps): SkyprobeStacks {
  const { config } = props;
  const issues = deploymentIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);

  const env = (region: string): Environment => (props.account === undefined ? { region } : { account: props.account, region });
  const home = new HomeStack(app, resourceNames.homeStack(config.project), {
    stackName: resourceNames.homeStack(config.project),
    description: `skyprobe ${config.project}: results table, alarms, alerts and dashboards (home region ${config.homeRegion})`,
    env: env(config.homeRegion),
    config,
    tableRemovalPolicy: props.retainTable === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    crossRegionReferences: false,
    // CloudFormation takes templates up to 1 MB; indentation alone is a third of a large home stack's.
    suppressTemplateIndentation: true,
  });
  const probes = new Map<string, ProbeStack>();
  for (const region of probeRegionsOf(config)) {
    const stack = new ProbeStack(app, resourceNames.probeStack(config.project, region), {
      stackName: resourceNames.probeStack(config.project, region),
      description: `skyprobe ${config.project}: probes in ${region}`,
      env: env(region),
      config,
      crossRegionReferences: false,
      suppressTemplateIndentation: true,
    });
    stack.addStackDependency(home, 'the results table replica in this region is created by the home stack');
    probes.set(region, stack);
  }
  const oversized = oversizedStacks(app, config);
  if (oversized.length > 0) throw new ConfigError(oversized);
  // Dashboards left out: CloudFormation added Tags to AWS::CloudWatch::Dashboard only recently, and
  // linters (cfn-lint 1.51) and some partitions do not accept it yet; dashboards need no cost tag.
  Tags.of(app).add('skyprobe:project', config.project, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
  // cdk-nag 3 is a policy validation plugin: synth fails on any unacknowledged error finding.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { home, probes };
}

/** CloudFormation's limit of resources in one stack (nested stacks count apart). */
export const MAX_RESOURCES_PER_STACK = 500;

/**
 * Stacks over CloudFormation's resource limit, found before synth so the user gets one line saying what fills
 * them rather than CDK's own error. The check-alarm and dashboard limits keep most configs far from it; what
 * is left in the home stack grows with heartbeats, probe regions and failover services.
 */
function oversizedStacks(app: App, config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const stack of app.node.findAll().filter(Stack.isStack)) {
    const resources = stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
    if (resources <= MAX_RESOURCES_PER_STACK) continue;
    issues.push({
      path: 'checks',
      message:
        `stack ${stack.node.path} would hold ${resources} resources, cloudformation allows ${MAX_RESOURCES_PER_STACK} in one stack ` +
        `(${config.checks.length} checks, ${config.heartbeats.length} heartbeats, ${probeRegionsOf(config).length} probe regions, ${config.failover.length} failover services): ` +
        `give some checks or heartbeats a project of their own`,
    });
  }
  return issues;
}

/** `account` context or CDK_DEFAULT_ACCOUNT: twelve digits, or nothing (region-only stacks). */
export function parseAccount(value: string | undefined): string | undefined {
  if (value === undefined || /^\d{12}$/.test(value)) return value;
  throw new ConfigError([{ path: 'context account', message: `must be a 12-digit aws account id, got ${JSON.stringify(value)}` }]);
}

/** `retainTable` context: `-c retainTable=false` arrives as a string, cdk.json may hold a boolean. */
export function parseRetainTable(value: unknown): boolean {
  if (value === undefined || value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError([{ path: 'context retainTable', message: `must be true or false, got ${JSON.stringify(value)}` }]);
}
