import { Duration, NestedStack, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import type { Check, Config } from '../lambdas/core/check.ts';
import { HANDLER_ENV, MAINTENANCE_SWEEP_EVENT, resourceNames, shardsFor } from '../lambdas/core/deployment.ts';
import { alarmNames, alarmStateChangePattern, notifiedAlarms } from '../lambdas/core/alarm-names.ts';
import { AlertTopic } from './constructs/alert-topic.ts';
import { alarmsInHomeStack, CHECK_GROUPS, checkGroupOf, checkGroupStackId, overviewPages, overviewPageStackId } from './check-groups.ts';
import { CheckAlarms, checkAlarmNames } from './constructs/check-alarms.ts';
import { Failover, failoverDashboardName } from './constructs/failover.ts';
import { CheckDashboard, OverviewDashboard, type MonitoredCheck } from './constructs/dashboards.ts';
import { HandlerFunction } from './constructs/handler-function.ts';
import { Heartbeats } from './constructs/heartbeats.ts';
import { MonthlyReport } from './constructs/monthly-report.ts';
import { NotifierFallback, undeliveredQueue } from './constructs/notifier-fallback.ts';
import { RollupCompaction } from './constructs/rollup-compaction.ts';
import { ResultsTable } from './constructs/results-table.ts';
import { locationAliveMetric } from './metrics.ts';
import { HANDLER_ENTRIES } from './paths.ts';
import { acknowledgeNag } from './nag.ts';
import { grantWebhookSecretRead, tableDataStatement } from './permissions.ts';
import { probeLogGroupName } from './probe-stack.ts';
import { dashboardNames, functionNames, handlerEnvironment, probeRegionsOf } from './naming.ts';

export interface HomeStackProps extends StackProps {
  readonly config: Config;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/** A probe location is silent when it reported in fewer than this many of the last LOCATION_WINDOW minutes. */
const LOCATION_WINDOW_MINUTES = 5;
const LOCATION_SILENT_MINUTES = 3;

/**
 * The home region: the results table (global, replicated to every probe region), the alert topic, every
 * alarm (probe metrics land here), the notifier, and the dashboards. A large project's check alarms and
 * overview pages beyond the first are in nested stacks of this one (`check-groups.ts`).
 */
export class HomeStack extends Stack {
  readonly table: ResultsTable;
  readonly alertTopic: AlertTopic;
  readonly notifier: HandlerFunction;
  /** The notifier's fallback, the undelivered queue and the alert path's alarms. */
  readonly fallback: NotifierFallback;
  /** In config order. */
  readonly checkAlarms: readonly CheckAlarms[];
  /** The nested stacks holding check alarms, by check group; none when this stack holds them. */
  readonly checkGroups: ReadonlyMap<number, NestedStack>;
  /** The nested stacks of overview pages 2, 3, …; page 1 is in this stack. */
  readonly overviewPageStacks: readonly NestedStack[];

  constructor(scope: Construct, id: string, props: HomeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const project = config.project;
    const probeRegions = probeRegionsOf(config);

    this.table = new ResultsTable(this, 'Results', {
      tableName: resourceNames.table(project),
      replicaRegions: probeRegions.filter((r) => r !== this.region),
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.alertTopic = new AlertTopic(this, 'Alerts', {
      topicName: resourceNames.topic(project),
      emailAddresses: config.alerts.email,
      smsNumbers: config.alerts.sms,
      httpsUrls: config.alerts.https,
      // The alert path's own alarms publish straight to the topic (NotifierFallback, and the home region's probe stack).
      alarmNamePattern: `${resourceNames.alarmPrefix(project)}*`,
    });
    const topic = this.alertTopic.topic;

    // Check alarms: here for a project of up to HOME_STACK_MAX_CHECKS checks (where they always were), else in
    // the nested stack of each check's group.
    const checkGroups = new Map<number, NestedStack>();
    if (!alarmsInHomeStack(config.checks)) {
      const used = new Set(config.checks.map((c) => checkGroupOf(c.id)));
      for (let group = 0; group < CHECK_GROUPS; group++) {
        if (!used.has(group)) continue;
        checkGroups.set(
          group,
          new NestedStack(this, checkGroupStackId(group), {
            description: `skyprobe ${project}: alarms of the checks in check group ${group + 1} of ${CHECK_GROUPS}`,
            suppressTemplateIndentation: true,
          }),
        );
      }
    }
    this.checkGroups = checkGroups;
    const alarmScope = (check: Check): Construct => checkGroups.get(checkGroupOf(check.id)) ?? this;
    this.checkAlarms = config.checks.map((check) => new CheckAlarms(alarmScope(check), `Check-${check.id}`, { project, check }));
    const monitored: MonitoredCheck[] = this.checkAlarms.map(({ check, latencyThresholdMillis }) => ({
      check,
      alarmNames: checkAlarmNames(project, check),
      latencyThresholdMillis,
      sloPercent: check.sloPercent,
    }));
    // Each shard's scheduled invocation puts one LocationAlive stamped with its minute, so a region with n shards
    // puts n a minute: fewer means a shard (or the whole region) stopped probing.
    const locationSilentAlarms = probeRegions.map((region) => {
      const shards = shardsFor(config.checks.filter((c) => c.regions.includes(region)));
      const every = shards === 1 ? 'its probe' : `all ${shards} of its probe shards`;
      return new Alarm(this, `LocationSilent-${region}`, {
        alarmName: alarmNames.locationSilent(project, region),
        alarmDescription:
          `probe location ${region} silent: ${every} did not report in ${LOCATION_SILENT_MINUTES} of the last ${LOCATION_WINDOW_MINUTES} minutes. ` +
          'Skyprobe itself is not probing (all of its checks) from there; this says nothing about the targets.',
        metric: locationAliveMetric(project, region, Duration.minutes(1)),
        threshold: shards,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: LOCATION_WINDOW_MINUTES,
        datapointsToAlarm: LOCATION_SILENT_MINUTES,
        // Silence is the very thing this alarm is for.
        treatMissingData: TreatMissingData.BREACHING,
      });
    });

    // Notifier: every state change of a skyprobe alarm (here, or forwarded from a probe region) reaches it.
    this.notifier = new HandlerFunction(this, 'Notifier', {
      entry: HANDLER_ENTRIES.notifier,
      functionName: functionNames.notifier(project),
      description: 'skyprobe: turns CloudWatch alarm state changes into incidents and alerts',
      config,
      environment: { ...handlerEnvironment(this, config, this.region), [HANDLER_ENV.topicArn]: topic.topicArn },
      timeout: Duration.seconds(30),
      memorySizeMb: 256,
    });
    const notifierFn = this.notifier.function;
    this.notifier.role.addToPolicy(tableDataStatement(this, project, this.region));
    // `{{secret:NAME}}` in webhook URLs and headers: read from SSM in this region when sending.
    grantWebhookSecretRead(this.notifier.role, config, this.region);
    topic.grantPublish(notifierFn);
    // Two async retries, then the fallback: it publishes what the topic never got (an alert is never dropped
    // silently, nor sent twice), logs the rest, and the alert path's alarms say the notifier is failing.
    const undelivered = undeliveredQueue(this, 'UndeliveredAlarmEvents');
    // In a nested stack of its own: the home stack holds up to 150 checks' alarms and nears CloudFormation's 500 resources.
    const alertPath = new NestedStack(this, 'AlertPath', {
      description: `skyprobe ${project}: the notifier's fallback, its undelivered queue and the alert path's alarms`,
      suppressTemplateIndentation: true,
    });
    this.fallback = new NotifierFallback(alertPath, 'NotifierFallback', {
      config,
      notifier: notifierFn,
      topic,
      undelivered,
      functionName: functionNames.alarmFallback(project),
      environment: { ...handlerEnvironment(this, config, this.region), [HANDLER_ENV.topicArn]: topic.topicArn },
    });
    notifierFn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1), onFailure: this.fallback.destination(alertPath) });

    // This config's alarms only (another project's "shop-staging-..." is not "shop"'s), as exactly as the
    // quota on a pattern's size allows; what EventBridge cannot deliver goes to the undelivered queue.
    const pattern = alarmStateChangePattern(project, notifiedAlarms(config));
    new Rule(this, 'AlarmStateChanges', {
      description: 'skyprobe alarm state changes (home and forwarded from probe regions) to the notifier',
      eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
      targets: [new LambdaFunction(notifierFn, { retryAttempts: 8, maxEventAge: Duration.hours(2), deadLetterQueue: undelivered })],
    });

    // A check still down when its maintenance window ends raises no new alarm transition: the sweep finds it.
    if (config.maintenance.length > 0) {
      new Rule(this, 'MaintenanceSweep', {
        description: 'skyprobe: every minute, alert on checks still down after their maintenance window ended',
        schedule: Schedule.rate(Duration.minutes(1)),
        targets: [new LambdaFunction(notifierFn, { event: RuleTargetInput.fromObject(MAINTENANCE_SWEEP_EVENT), retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
      });
    }

    // Dashboards: the overview in pages of OVERVIEW_PAGE_MAX_CHECKS checks (page 1 here, each further page in a
    // nested stack of its own), and one check dashboard for every check (a variable picks the check).
    const pages = overviewPages(monitored);
    const pageNames = pages.map((_, i) => dashboardNames.overviewPage(project, i + 1));
    const overviewPageStacks: NestedStack[] = [];
    pages.forEach((checks, i) => {
      const page = i + 1;
      let scope: Construct = this;
      if (page > 1) {
        const stack = new NestedStack(this, overviewPageStackId(page), {
          description: `skyprobe ${project}: overview page ${page} of ${pages.length}`,
          suppressTemplateIndentation: true,
        });
        overviewPageStacks.push(stack);
        scope = stack;
      }
      new OverviewDashboard(scope, 'Overview', {
        project,
        pageNames,
        page,
        checks,
        probeRegions,
        ...(page === 1 ? { locationSilentAlarms } : {}),
        probeFunctionName: functionNames.probe(project),
        probeLogGroupName: probeLogGroupName(project),
        notifierFunctionName: functionNames.notifier(project),
        homeRegion: this.region,
      });
    });
    this.overviewPageStacks = overviewPageStacks;
    new CheckDashboard(this, 'CheckDashboard', {
      dashboardName: dashboardNames.check(project),
      project,
      checks: monitored,
      probeRegions,
      overviewPageNames: pageNames,
      probeFunctionName: functionNames.probe(project),
      probeLogGroupName: probeLogGroupName(project),
    });

    // Route 53 failover: health checks, failover records, HealthCheckStatus alarms (their names carry the
    // alarm prefix, so the rule above sends them to the notifier) and a dashboard of their own.
    if (config.failover.length > 0) {
      const failover = new Failover(this, 'Failover', { project, services: config.failover, dashboardName: failoverDashboardName(project) });
      // A CLOUDWATCH_METRIC health check names its quorum alarm: create the alarm (or its check group) first.
      for (const checkId of new Set(config.failover.flatMap((s) => (s.checkId === null ? [] : [s.checkId])))) {
        const alarms = this.checkAlarms.find((a) => a.check.id === checkId);
        if (alarms === undefined) throw new Error(`failover names check ${checkId}, which the validated config does not have`);
        failover.node.addDependency(checkGroups.get(checkGroupOf(checkId)) ?? alarms);
      }
    }

    // Monthly uptime and SLO report: built on the 1st, stored in the table, summary to the alert topic.
    new MonthlyReport(this, 'MonthlyReport', {
      config,
      topic,
      functionName: functionNames.monthlyReport(project),
      environment: { ...handlerEnvironment(this, config, this.region), [HANDLER_ENV.topicArn]: topic.topicArn },
    });

    // Day packs of the hourly rollups, once a day: what keeps month reports fast.
    new RollupCompaction(this, 'RollupCompaction', {
      config,
      functionName: functionNames.rollupCompaction(project),
      environment: { ...handlerEnvironment(this, config, this.region), [HANDLER_ENV.topicArn]: topic.topicArn },
    });

    // Heartbeats: jobs (and AWS Backup) report in; a missed deadline opens an incident.
    if (config.heartbeats.length > 0) {
      new Heartbeats(this, 'Heartbeats', {
        config,
        topic,
        environment: { ...handlerEnvironment(this, config, this.region), [HANDLER_ENV.topicArn]: topic.topicArn },
        functionNames: { ping: functionNames.heartbeatPing(project), sweep: functionNames.heartbeatSweep(project), backupEvents: functionNames.backupEvents(project) },
      });
    }

    acknowledgeNag(
      this.notifier.role,
      'IAM5',
      'Publishing to the KMS-encrypted topic needs kms:GenerateDataKey* (the action family SNS uses); the grant is on the one topic key only.',
      'Action::kms:GenerateDataKey*',
    );

  }
}
