import { MAX_ALARM_METRICS } from '../lambdas/core/alert-policy.ts';
import type { Config } from '../lambdas/core/check.ts';
import { formatDuration } from '../lambdas/core/duration.ts';
import type { ConfigIssue } from '../lambdas/core/errors.ts';

/**
 * Rules a config must meet to be deployed to AWS, on top of `validateConfig` (which already rejects unknown
 * regions and duplicate ids): what one CloudWatch alarm and EventBridge Scheduler can express.
 */

const MINUTE_MS = 60_000;
/** Sub-minute intervals loop inside one invocation per minute, so they must divide the minute evenly. */
export const SUB_MINUTE_INTERVALS_MS = [10_000, 12_000, 15_000, 20_000, 30_000] as const;

/**
 * Checks one project deploys. Measured with 150 TLS checks (the kind with the most alarms) in 2 regions: the
 * home stack has 471 of CloudFormation's 500 resources, its template 809 KB of 1 MB, and the overview
 * dashboard 464 of CloudWatch's 500 widgets; at 200 checks all three are over or at their limit.
 */
export const MAX_CHECKS_PER_PROJECT = 150;

export function deploymentIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.checks.length > MAX_CHECKS_PER_PROJECT) {
    issues.push({
      path: 'checks',
      message:
        `one project deploys at most ${MAX_CHECKS_PER_PROJECT} checks to aws (its home stack would pass cloudformation's 500 resources ` +
        `and 1 MB template, its overview dashboard cloudwatch's 500 widgets), got ${config.checks.length}: split them into several projects (configs with their own \`project\`)`,
    });
  }
  config.checks.forEach((check, index) => {
    // Paths as the config validator writes them: `checks[2].interval`.
    const issue = (field: string, message: string) => issues.push({ checkId: check.id, path: `checks[${index}].${field}`, message });
    if (check.regions.length > MAX_ALARM_METRICS) {
      issue(
        'regions',
        `a check can run in at most ${MAX_ALARM_METRICS} regions because one cloudwatch alarm reads at most ` +
          `${MAX_ALARM_METRICS} metrics (one per region), got ${check.regions.length} regions (${check.regions.join(', ')})`,
      );
    }
    const intervalMessage = intervalProblem(check.intervalMs);
    if (intervalMessage !== undefined) issue('interval', intervalMessage);
  });
  return issues;
}

/** Why EventBridge Scheduler (at most once a minute) cannot keep this interval, or undefined when it can. */
export function intervalProblem(intervalMs: number): string | undefined {
  const got = formatDuration(intervalMs);
  if (intervalMs < MINUTE_MS) {
    if ((SUB_MINUTE_INTERVALS_MS as readonly number[]).includes(intervalMs)) return undefined;
    const allowed = SUB_MINUTE_INTERVALS_MS.map((ms) => formatDuration(ms)).join(', ');
    return `the scheduler fires once a minute, so an interval under a minute must divide 60s evenly (${allowed}), got ${got}`;
  }
  if (intervalMs % MINUTE_MS !== 0) {
    return `the scheduler fires once a minute, so an interval over a minute must be whole minutes, got ${got}`;
  }
  return undefined;
}
