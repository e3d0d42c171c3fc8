import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/check.ts';
import { BUNDLED_CONFIG_FILE } from '../../lambdas/core/deployment.ts';
import { LOCK_FILE, REPO_ROOT } from '../paths.ts';
import { acknowledgeNag } from '../nag.ts';
import { bundledConfigFile } from './bundled-config.ts';

export interface HandlerFunctionProps {
  /** Absolute path of the handler module (`export const handler`). */
  readonly entry: string;
  /** Fixed, so that dashboards and alarms in other stacks and regions can find the function by name. */
  readonly functionName: string;
  readonly description: string;
  /** Written next to index.mjs as BUNDLED_CONFIG_FILE. */
  readonly config: Config;
  /** Plain names and ARNs only: never a secret. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  /** @default 512 */
  readonly memorySizeMb?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Fixed name of the function's log group, for what finds it by name (dashboards in another region).
   * @default a name CloudFormation generates
   */
  readonly logGroupName?: string;
}

/**
 * The bundle is an ES module (index.mjs), so `import.meta.url` works (the handlers find the bundled config
 * with it); bundled CommonJS dependencies still call `require` for Node built-ins, which ESM output lacks.
 */
const ESM_REQUIRE_SHIM = "import { createRequire as __skyprobeCreateRequire } from 'node:module'; const require = __skyprobeCreateRequire(import.meta.url);";

/**
 * A skyprobe Lambda function: Node.js 22 on arm64, bundled by the local esbuild (never Docker), minified
 * with source maps, the normalized config bundled with it, its own log group, and a role that starts with
 * nothing but writing to that log group (no AWS managed policy).
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();

    this.logGroup = new LogGroup(this, 'Logs', {
      ...(props.logGroupName === undefined ? {} : { logGroupName: props.logGroupName }),
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Logs are operational data; the results table is what is kept.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.functionName}`,
    });
    this.logGroup.grantWrite(this.role);

    const configFile = bundledConfigFile(props.config);
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: props.entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK version the tests ran against, not whatever the runtime ships this month.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [`cp ${shellQuote(configFile)} ${shellQuote(join(outputDir, BUNDLED_CONFIG_FILE))}`],
        },
      },
    });

    acknowledgeNag(
      this.function,
      'L1',
      'Pinned to nodejs22.x on purpose: the runtime the handlers are bundled (esbuild target node22) and tested for; moving to a newer runtime is a deliberate, tested change.',
    );
  }
}

function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Fails synth early instead of letting NodejsFunction fall back to Docker bundling. */
function assertLocalEsbuild(): void {
  try {
    createRequire(join(REPO_ROOT, 'package.json')).resolve('esbuild');
  } catch (error) {
    throw new Error('esbuild is not installed locally (run npm ci): skyprobe bundles its lambdas with the local esbuild, never in docker', { cause: error });
  }
}
