// The CDK app: `npx cdk synth` / `npx cdk deploy --all` (cdk.json runs this file with tsx).
//   -c config=path       the monitors file (default monitors.config.ts)
//   -c account=123…      pin the account (default: CDK_DEFAULT_ACCOUNT, else region-only stacks)
//   -c retainTable=false let the results table be deleted with the stack (default: retained)
import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../lambdas/cli/load-config.ts';
import { ConfigError, formatConfigIssue } from '../lambdas/core/errors.ts';
import { addSkyprobeStacks, parseAccount, parseRetainTable } from './skyprobe-app.ts';

async function main(): Promise<void> {
  const app = new App();
  // The same loader and validation as the skyprobe command.
  const config = await loadConfig(contextString(app, 'config') ?? DEFAULT_CONFIG_FILE);
  addSkyprobeStacks(app, {
    config,
    account: parseAccount(contextString(app, 'account') ?? nonEmpty(process.env['CDK_DEFAULT_ACCOUNT'])),
    retainTable: parseRetainTable(app.node.tryGetContext('retainTable')),
  });
  app.synth();
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' ? nonEmpty(value) : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

try {
  await main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A config a user wrote is wrong: one line per problem, no stack trace.
  for (const issue of error.issues) process.stderr.write(`skyprobe: cannot deploy: ${formatConfigIssue(issue)}\n`);
  process.exitCode = 1;
}
