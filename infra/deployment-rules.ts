import { MAX_ALARM_METRICS, quorumReadsLocations } from '../lambdas/core/alert-policy.ts';
import type { Check, Config } from '../lambdas/core/check.ts';
import { MAX_WORST_CASE_RUN_MS, PROBE_TIMEOUT_MS, RETRY_DELAY_MS, worstCaseRunMs } from '../lambdas/core/deployment.ts';
import { formatDuration } from '../lambdas/core/duration.ts';
import type { ConfigIssue } from '../lambdas/core/errors.ts';
import { CHECK_GROUPS, checkGroupOf } from './check-groups.ts';
import { checkAlarmNames } from './constructs/check-alarms.ts';
import { heartbeatLeadingKeys } from './constructs/heartbeats.ts';

/**
 * Rules a config must meet to be deployed to AWS, on top of `validateConfig` (which already rejects unknown
 * regions and duplicate ids): what one CloudWatch alarm and EventBridge Scheduler can express.
 */

const MINUTE_MS = 60_000;
/** Sub-minute intervals loop inside one invocation per minute, so they must divide the minute evenly. */
export const SUB_MINUTE_INTERVALS_MS = [10_000, 12_000, 15_000, 20_000, 30_000] as const;

/**
 * Check alarms one project deploys (2 a check, 3 a tls check). They are in the home stack's nested check-group
 * stacks (`check-groups.ts`), which keeps every template far from CloudFormation's 500 resources and 1 MB, but
 * CloudFormation creates, updates or deletes at most 2,500 resources in one operation of a stack and its
 * nested stacks, and a first deploy or a `cdk destroy` touches every alarm. Measured with 750 tls checks in 2
 * regions (2,250 alarms): 2,299 resources in the home stack and its nested stacks (42 in the home stack itself,
 * 14 of them the nested stacks: 8 check groups, overview pages 2 to 7), so 201 are left for more probe
 * regions (1 alarm each), heartbeats (19 in all) and failover (about 9 a service). The fullest check group held
 * 327 alarms (400 tls checks: 177); the largest template is the home stack's, 638 KB with check ids of 63
 * characters (1,125 http checks: 756 KB), because the overview's page 1 and the check dashboard (its variable
 * and settings table list every check) are in it.
 */
export const MAX_CHECK_ALARMS_PER_PROJECT = 2_250;

/**
 * Alarms one check group holds at most: its nested stack has CloudFormation's 500 resources. Never reached in
 * practice (at MAX_CHECK_ALARMS_PER_PROJECT, 281 a group on average, a group of 450 is 6 standard deviations
 * away), but the group of a check follows from its id alone, so it is checked rather than assumed.
 */
export const MAX_ALARMS_PER_CHECK_GROUP = 450;

/**
 * Characters of the heartbeat functions' partition-key patterns (JSON, as IAM counts them: 2 × id length + 15
 * per heartbeat, plus 55). Heartbeats do not count toward MAX_CHECK_ALARMS_PER_PROJECT: they add no resource
 * per heartbeat (no alarm, no widget), only 19 in all (150 TLS checks in 2 regions and 150 heartbeats: 490
 * resources, 844 KB, when the home stack still held every alarm). What grows with them is this one policy statement, in each of the three heartbeat roles,
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
  const alarmsByGroup = new Map<number, number>();
  for (const check of config.checks) {
    const group = checkGroupOf(check.id);
    alarmsByGroup.set(group, (alarmsByGroup.get(group) ?? 0) + checkAlarmNames(config.project, check).length);
  }
  const alarms = [...alarmsByGroup.values()].reduce((sum, count) => sum + count, 0);
  if (alarms > MAX_CHECK_ALARMS_PER_PROJECT) {
    issues.push({
      path: 'checks',
      message:
        `one project deploys at most ${MAX_CHECK_ALARMS_PER_PROJECT} check alarms to aws (2 a check, 3 a tls check: cloudformation creates, updates or deletes ` +
        `at most 2,500 resources in one operation of a stack and its nested stacks), got ${alarms} for ${config.checks.length} checks: split them into several projects (configs with their own \`project\`)`,
    });
  }
  for (const [group, count] of [...alarmsByGroup].sort(([a], [b]) => a - b)) {
    if (count <= MAX_ALARMS_PER_CHECK_GROUP) continue;
    issues.push({
      path: 'checks',
      message:
        `check group ${group + 1} of ${CHECK_GROUPS} (the checks whose ids hash to it) would hold ${count} alarms, at most ${MAX_ALARMS_PER_CHECK_GROUP} fit its nested stack: ` +
        `give some of its checks other ids (${config.checks.filter((c) => checkGroupOf(c.id) === group).slice(0, 3).map((c) => c.id).join(', ')}, …)`,
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
    const worstCaseMessage = worstCaseProblem(check);
    if (worstCaseMessage !== undefined) issue('timeout', worstCaseMessage);
  });
  return issues;
}

/**
 * Why one probe invocation could never finish a run of this check when every attempt times out, or undefined
 * when it can: the cycle would skip it every time (only SkippedRuns would say so, never the check's alarm).
 */
export function worstCaseProblem(check: Pick<Check, 'timeoutMs' | 'retries'>): string | undefined {
  const worst = worstCaseRunMs(check);
  if (worst <= MAX_WORST_CASE_RUN_MS) return undefined;
  const attempts = check.retries + 1;
  const pauses = check.retries === 0 ? '' : ` + ${check.retries} × ${formatDuration(RETRY_DELAY_MS)} between them`;
  return (
    `a run that times out on every attempt takes ${formatDuration(worst)} (${attempts} × ${formatDuration(check.timeoutMs)}${pauses}), ` +
    `longer than the ${formatDuration(MAX_WORST_CASE_RUN_MS)} one probe invocation gives a run (lambda stops it at ${formatDuration(PROBE_TIMEOUT_MS)}): ` +
    `lower timeout or retries`
  );
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
