import { MAX_ALARM_METRICS, quorumReadsLocations } from '../lambdas/core/alert-policy.ts';
import type { Config } from '../lambdas/core/check.ts';
import { formatDuration } from '../lambdas/core/duration.ts';
import type { ConfigIssue } from '../lambdas/core/errors.ts';
import { heartbeatLeadingKeys } from './constructs/heartbeats.ts';

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

/**
 * Characters of the heartbeat functions' partition-key patterns (JSON, as IAM counts them: 2 × id length + 15
 * per heartbeat, plus 55). Heartbeats do not count toward MAX_CHECKS_PER_PROJECT: they add no resource per
 * heartbeat (no alarm, no widget), only 19 in all (150 TLS checks in 2 regions and 150 heartbeats: 490
 * resources, 844 KB). What grows with them is this one policy statement, in each of the three heartbeat roles,
 * kept whole because a BatchWriteItem of several heartbeats' results is authorized on all its partition keys
 * at once (ForAllValues). IAM allows 10,240 characters of
 * inline policy per role, and CDK moves statements past 10,000 into managed policies of at most 6,144, where
 * this statement would not fit. Measured: at 8,000 the ping role's statement is 8,300 characters and stays
 * inline; from about 9,500 CDK moves it into a managed policy and the deploy fails. 8,000 is 150 heartbeats
 * with ids of 18 characters on average, or 100 with 32 (test/infra/heartbeats.test.ts holds these figures).
 */
export const MAX_HEARTBEAT_KEY_CHARS = 8_000;

export function deploymentIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keyChars = JSON.stringify(heartbeatLeadingKeys(config.heartbeats)).length;
  if (keyChars > MAX_HEARTBEAT_KEY_CHARS) {
    issues.push({
      path: 'checks',
      message:
        `the ids of the ${config.heartbeats.length} heartbeats are too long together for the heartbeat functions' iam policy ` +
        `(each heartbeat takes 2 × its id length + 15 of at most ${MAX_HEARTBEAT_KEY_CHARS} characters), got ${keyChars}: ` +
        'shorten heartbeat ids, or split them into several projects (configs with their own `project`)',
    });
  }
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
    if (quorumReadsLocations(check) && check.regions.length > MAX_ALARM_METRICS) {
      issue(
        'regions',
        `a check every ${formatDuration(check.intervalMs)} can run in at most ${MAX_ALARM_METRICS} regions because its quorum alarm reads one metric ` +
          `per region (it runs more than once per alarm period) and one cloudwatch alarm reads at most ${MAX_ALARM_METRICS} metrics, ` +
          `got ${check.regions.length} regions (${check.regions.join(', ')}); a check every whole number of minutes has no such limit`,
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
