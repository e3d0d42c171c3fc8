import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Config } from '../../lambdas/core/check.ts';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { addSkyprobeStacks, type SkyprobeAppProps, type SkyprobeStacks } from '../../infra/skyprobe-app.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The feature flags and context of cdk.json, so in-process synths match `npx cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** The example monitors.config.ts: its object as written (to build variants from) and normalized. */
export async function loadExample(): Promise<{ config: Config; raw: unknown }> {
  const raw = (await import('../../monitors.config.ts')).default as unknown;
  return { config: validateConfig(raw), raw };
}

export interface Synthesized {
  readonly stacks: SkyprobeStacks;
  readonly outdir: string;
  /** By stack name; a nested stack's as `<parent stack name>/<its construct id>`. */
  readonly templates: ReadonlyMap<string, Template>;
  /** By stack name (nested: as in `templates`), the raw JSON. */
  readonly json: ReadonlyMap<string, Record<string, unknown>>;
  /** CDK's policy validation report (cdk-nag). */
  readonly validationReport: ValidationReport;
}

export interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly severity?: string; readonly violatingConstructs?: readonly { readonly constructPath: string }[] }[];
    readonly suppressedViolations?: readonly { readonly ruleName: string; readonly reason: string; readonly acknowledgedAt: string }[];
  }[];
}

/**
 * Synthesizes skyprobe in process. Bundling is skipped unless asked for (the CLI synth test bundles for
 * real), and CDK's built-in CloudFormation schema validation is off here (it costs seconds per synth;
 * the CLI synth test and cfn-lint cover the schema). cdk-nag runs as in every synth.
 */
export function synthesize(props: SkyprobeAppProps, options: { readonly bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'skyprobe-infra-test-'));
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { ...cdkJsonContext(), ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stacks = addSkyprobeStacks(app, props);
  const assembly = app.synth();
  const templates = new Map<string, Template>();
  const json = new Map<string, Record<string, unknown>>();
  for (const stack of assembly.stacks) {
    json.set(stack.stackName, stack.template as Record<string, unknown>);
    templates.set(stack.stackName, Template.fromJSON(stack.template as Record<string, unknown>));
  }
  // Nested stacks are file assets of their parent, not stacks of the assembly.
  for (const nested of app.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c))) {
    const parent = nested.nestedStackParent;
    if (parent === undefined) throw new Error(`nested stack ${nested.node.path} has no parent stack`);
    const template = JSON.parse(readFileSync(join(outdir, nested.templateFile), 'utf8')) as Record<string, unknown>;
    json.set(`${parent.stackName}/${nested.node.id}`, template);
    templates.set(`${parent.stackName}/${nested.node.id}`, Template.fromJSON(template));
  }
  const validationReport = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return { stacks, outdir, templates, json, validationReport };
}

export function templateOf(s: Synthesized, stackName: string): Template {
  const t = s.templates.get(stackName);
  if (t === undefined) throw new Error(`no stack ${stackName}; have ${[...s.templates.keys()].join(', ')}`);
  return t;
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Array<[string, { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }]> {
  return Object.entries(template.findResources(type)) as Array<[string, { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }]>;
}

export type CfnResourceJson = { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The one resource of a type in a template, as [logical id, resource]; fails when there is not exactly one. */
export function onlyResource(template: Template, type: string): [string, CfnResourceJson] {
  const all = resourcesOf(template, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
}

/** A config from input, through the real validator. */
export function configOf(input: unknown): Config {
  return validateConfig(input);
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command and collects its output (never rejects). */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMillis?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, timeout: options.timeoutMillis ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of a machine with no AWS credentials and no metadata service. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_VERSION_CHECK: 'true', ...extra };
  for (const key of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) {
    delete env[key];
  }
  return env;
}

/** A statement of an IAM policy document, as synthesized. */
export type PolicyStatementJson = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** Every statement of the policies attached to the role of the function named `functionName`. */
export function functionRoleStatements(template: Template, functionName: string): PolicyStatementJson[] {
  const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([, r]) => r.Properties['FunctionName'] === functionName) ?? [];
  assert.ok(fn, `function ${functionName}`);
  const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties['Roles'] as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties['PolicyDocument'] as { Statement: PolicyStatementJson[] }).Statement);
}

export const actionsOf = (st: PolicyStatementJson): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);
