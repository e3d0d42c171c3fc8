import type { Config } from '../lambdas/core/check.ts';
import type { ConfigIssue } from '../lambdas/core/errors.ts';

/**
 * Config fields the deployment uses that the config schema does not have yet. They are read defensively
 * from the raw config object (what monitors.config.ts exports), so that they can be added to validation
 * later without changing the stacks:
 *
 *   alerts.email: string[]  — e-mail addresses subscribed to the SNS topic (each confirms by mail)
 *   alerts.sms:   string[]  — E.164 phone numbers ("+14155550100") subscribed to the SNS topic
 *   alerts.https: string[]  — https:// URLs subscribed to the SNS topic (raw SNS JSON, confirmed by the endpoint)
 *   slo:          number    — availability target in percent for every check, e.g. 99.9 (default 99.9)
 *   checks[].slo: number    — the same, for one check
 *
 * Subscriptions are stored in the CloudFormation template, so they may not hold `{{secret:NAME}}`
 * placeholders (webhooks, which may, are delivered by the notifier function instead).
 */

export interface DeploymentExtras {
  readonly emailAddresses: readonly string[];
  readonly smsNumbers: readonly string[];
  readonly httpsUrls: readonly string[];
  /** Percent, per check id; every check of the config has an entry. */
  readonly sloPercentByCheck: Readonly<Record<string, number>>;
}

export const DEFAULT_SLO_PERCENT = 99.9;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const PLACEHOLDER = /\{\{[^{}]*\}\}/;

type Obj = Readonly<Record<string, unknown>>;

/**
 * Reads the extras from `raw` (the config object as written; a normalized `Config` works too). Returns them
 * with every problem found, each naming the field and the bad value.
 */
export function readDeploymentExtras(raw: unknown, config: Config): { extras: DeploymentExtras; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const root = asObject(raw) ?? {};
  const alerts = asObject(root['alerts']) ?? {};

  const list = (key: string, valid: (s: string) => boolean, what: string): string[] => {
    const value = alerts[key];
    const path = `alerts.${key}`;
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      issues.push({ path, message: `must be a list of ${what}, got ${describe(value)}` });
      return [];
    }
    const seen = new Set<string>();
    const out: string[] = [];
    value.forEach((item: unknown, i: number) => {
      const at = `${path}[${i}]`;
      if (typeof item === 'string' && PLACEHOLDER.test(item)) {
        issues.push({ path: at, message: `cannot hold {{...}} placeholders: subscriptions are stored in the cloudformation template, got ${describe(item)}` });
      } else if (typeof item !== 'string' || !valid(item)) {
        issues.push({ path: at, message: `must be ${what}, got ${describe(item)}` });
      } else if (seen.has(item)) {
        issues.push({ path: at, message: `duplicate subscription ${describe(item)}` });
      } else {
        seen.add(item);
        out.push(item);
      }
    });
    return out;
  };

  const emailAddresses = list('email', (s) => EMAIL.test(s), 'an e-mail address');
  const smsNumbers = list('sms', (s) => E164.test(s), 'an e.164 phone number such as "+14155550100"');
  const httpsUrls = list('https', isHttpsUrl, 'an https:// url');

  const readSlo = (value: unknown, path: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 100) return value;
    issues.push({ path, message: `must be an availability target in percent, above 0 and below 100 (e.g. 99.9), got ${describe(value)}` });
    return fallback;
  };
  const defaultSlo = readSlo(root['slo'], 'slo', DEFAULT_SLO_PERCENT);
  const rawChecks = Array.isArray(root['checks']) ? (root['checks'] as unknown[]) : [];
  const sloPercentByCheck: Record<string, number> = {};
  for (const check of config.checks) sloPercentByCheck[check.id] = defaultSlo;
  rawChecks.forEach((item, i) => {
    const obj = asObject(item);
    const id = obj?.['id'];
    if (obj === undefined || typeof id !== 'string' || !(id in sloPercentByCheck)) return;
    sloPercentByCheck[id] = readSlo(obj['slo'], `checks[${i}].slo`, defaultSlo);
  });

  return { extras: { emailAddresses, smsNumbers, httpsUrls, sloPercentByCheck }, issues: issues.map((issue) => withCheck(issue, rawChecks)) };
}

function withCheck(issue: ConfigIssue, rawChecks: readonly unknown[]): ConfigIssue {
  const match = /^checks\[(\d+)\]\./.exec(issue.path);
  if (match === null) return issue;
  const id = asObject(rawChecks[Number(match[1])])?.['id'];
  return typeof id === 'string' ? { ...issue, checkId: id } : issue;
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

function asObject(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
