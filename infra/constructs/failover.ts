import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, AlarmStatusWidget, Metric, TextWidget, TreatMissingData, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnHealthCheck, CfnRecordSet } from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { alarmNames, type FailoverAlarmRole } from '../../lambdas/core/alarm-names.ts';
import {
  FAILOVER_SET_IDENTIFIERS,
  HEALTH_CHECK_PERCENTAGE_HEALTHY_METRIC,
  HEALTH_CHECK_STATUS_METRIC,
  INSUFFICIENT_DATA_HEALTH_STATUS,
  ROUTE53_METRICS_NAMESPACE,
  ROUTE53_METRICS_REGION,
  endpointHealthCheckType,
  failoverHealthChecks,
  failoverTags,
  type EndpointHealthCheck,
  type FailoverEndpoint,
  type FailoverService,
  type HealthCheckRole,
  type HealthCheckSpec,
} from '../../lambdas/core/failover.ts';

/** The failover dashboard, beside the overview and check dashboards. */
export const failoverDashboardName = (project: string) => `${project}-failover`;

export interface FailoverProps {
  readonly project: string;
  readonly services: readonly FailoverService[];
  /** Name of the failover dashboard. @default no dashboard */
  readonly dashboardName?: string;
}

/** The health-check alarms of one service. */
export interface ServiceFailover {
  readonly service: FailoverService;
  readonly healthChecks: ReadonlyMap<HealthCheckRole, CfnHealthCheck>;
  readonly primaryAlarm: Alarm;
  readonly secondaryAlarm: Alarm;
}

/**
 * Route 53 DNS failover of each service: its health checks (`failoverHealthChecks`), tagged so the CLI finds
 * them, the PRIMARY and SECONDARY records, an alarm on `HealthCheckStatus` of the primary's and of the
 * secondary's health check, and a dashboard. Must be in us-east-1, the one region with Route 53's metrics
 * (the config validator requires homeRegion us-east-1 when there are failover entries). The alarms have no
 * actions: their names carry the project's alarm prefix, so the home stack's EventBridge rule sends their
 * state changes to the notifier, which publishes a `failover-health` notice to the alert topic.
 */
export class Failover extends Construct {
  readonly services: readonly ServiceFailover[];

  constructor(scope: Construct, id: string, props: FailoverProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (props.services.length > 0 && region !== ROUTE53_METRICS_REGION) {
      throw new Error(`failover must be deployed in ${ROUTE53_METRICS_REGION} (route 53 health-check metrics exist only there), got stack region ${region}`);
    }
    this.services = props.services.map((service) => this.#service(props.project, service));
    if (props.dashboardName !== undefined && this.services.length > 0) this.#dashboard(props.dashboardName);
  }

  #service(project: string, service: FailoverService): ServiceFailover {
    const scope = new Construct(this, `Service-${service.id}`);
    const healthChecks = new Map<HealthCheckRole, CfnHealthCheck>();
    // Children come before the calculated check in the list, so their ids exist when it is built.
    for (const spec of failoverHealthChecks(service)) {
      healthChecks.set(spec.role, healthCheck(scope, project, service, spec, healthChecks));
    }
    const primaryCheck = healthChecks.get('primary');
    const secondaryCheck = healthChecks.get('secondary');
    if (primaryCheck === undefined || secondaryCheck === undefined) throw new Error(`failover ${service.id}: the validated config has no primary or secondary health check`);

    record(scope, 'Primary', service, service.primary, 'PRIMARY', primaryCheck);
    record(scope, 'Secondary', service, service.secondary, 'SECONDARY', secondaryCheck);

    return {
      service,
      healthChecks,
      primaryAlarm: statusAlarm(scope, project, service, 'primary', primaryCheck),
      secondaryAlarm: statusAlarm(scope, project, service, 'secondary', secondaryCheck),
    };
  }

  #dashboard(dashboardName: string): void {
    const widgets: IWidget[][] = [
      [new TextWidget({ markdown: '# Route 53 failover\nHealth check status (1 healthy, 0 unhealthy) and the share of checker regions reporting healthy. `skyprobe failover status` shows the DNS answers now.', width: 24, height: 2 })],
      [new AlarmStatusWidget({ title: 'Failover alarms', alarms: this.services.flatMap((s) => [s.primaryAlarm, s.secondaryAlarm]), width: 24, height: 3 })],
    ];
    for (const s of this.services) {
      const checks = [...s.healthChecks.entries()];
      widgets.push([
        new GraphWidget({
          title: `${s.service.id}: health check status`,
          left: checks.map(([role, hc]) => healthCheckMetric(HEALTH_CHECK_STATUS_METRIC, hc, 'Minimum', role)),
          leftYAxis: { min: 0, max: 1 },
          width: 12,
          height: 6,
        }),
        new GraphWidget({
          title: `${s.service.id}: checker regions reporting healthy (%)`,
          left: checks
            .filter(([role]) => role === 'secondary' || role === 'primary-endpoint' || (role === 'primary' && s.service.health === 'endpoint'))
            .map(([role, hc]) => healthCheckMetric(HEALTH_CHECK_PERCENTAGE_HEALTHY_METRIC, hc, 'Average', role)),
          leftYAxis: { min: 0, max: 100 },
          width: 12,
          height: 6,
        }),
      ]);
    }
    new Dashboard(this, 'Dashboard', { dashboardName, widgets });
  }
}

function healthCheck(scope: Construct, project: string, service: FailoverService, spec: HealthCheckSpec, built: ReadonlyMap<HealthCheckRole, CfnHealthCheck>): CfnHealthCheck {
  const tags = Object.entries(failoverTags(project, service.id, spec.role)).map(([key, value]) => ({ key, value }));
  const id = `HealthCheck-${spec.role}`;
  switch (spec.kind) {
    case 'endpoint':
      return new CfnHealthCheck(scope, id, { healthCheckConfig: endpointConfig(spec.endpoint), healthCheckTags: tags });
    case 'alarm':
      return new CfnHealthCheck(scope, id, {
        healthCheckConfig: {
          type: 'CLOUDWATCH_METRIC',
          // The quorum alarm lives in the home region, which is us-east-1 whenever there is failover.
          alarmIdentifier: { region: ROUTE53_METRICS_REGION, name: alarmNames.quorum(project, spec.checkId) },
          insufficientDataHealthStatus: INSUFFICIENT_DATA_HEALTH_STATUS,
        },
        healthCheckTags: tags,
      });
    case 'calculated': {
      const children = spec.children.map((role) => {
        const child = built.get(role);
        if (child === undefined) throw new Error(`failover ${service.id}: child health check ${role} is built after its parent`);
        return child.attrHealthCheckId;
      });
      return new CfnHealthCheck(scope, id, {
        // Healthy only while every child is: the endpoint answers and skyprobe's quorum says up.
        healthCheckConfig: { type: 'CALCULATED', childHealthChecks: children, healthThreshold: children.length },
        healthCheckTags: tags,
      });
    }
  }
}

function endpointConfig(h: EndpointHealthCheck): CfnHealthCheck.HealthCheckConfigProperty {
  return {
    type: endpointHealthCheckType(h),
    ...(h.host === null ? {} : { fullyQualifiedDomainName: h.host }),
    ...(h.ipAddress === null ? {} : { ipAddress: h.ipAddress }),
    port: h.port,
    ...(h.path === null ? {} : { resourcePath: h.path }),
    ...(h.searchString === null ? {} : { searchString: h.searchString }),
    requestInterval: h.intervalSeconds,
    failureThreshold: h.failureThreshold,
    regions: [...h.regions],
    // SNI with the host name, so a TLS endpoint serving several names presents the right certificate.
    ...(h.protocol === 'https' && h.host !== null ? { enableSni: true } : {}),
  };
}

function record(scope: Construct, id: string, service: FailoverService, endpoint: FailoverEndpoint, failover: 'PRIMARY' | 'SECONDARY', check: CfnHealthCheck): CfnRecordSet {
  const target = endpoint.target;
  return new CfnRecordSet(scope, id, {
    hostedZoneId: service.hostedZoneId,
    name: `${service.recordName}.`,
    type: service.recordType,
    failover,
    setIdentifier: FAILOVER_SET_IDENTIFIERS[failover === 'PRIMARY' ? 'primary' : 'secondary'],
    healthCheckId: check.attrHealthCheckId,
    ...(target.kind === 'alias'
      ? { aliasTarget: { hostedZoneId: target.hostedZoneId, dnsName: target.dnsName, evaluateTargetHealth: target.evaluateTargetHealth } }
      : { ttl: String(service.ttlSeconds), resourceRecords: [...target.values] }),
  });
}

/** A Route 53 health-check metric; `label` only for graphs (a labelled metric makes an alarm use the metric-math form). */
function healthCheckMetric(metricName: string, hc: CfnHealthCheck, statistic: string, label?: string): Metric {
  return new Metric({
    namespace: ROUTE53_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { HealthCheckId: hc.attrHealthCheckId },
    statistic,
    period: Duration.minutes(1),
    ...(label === undefined ? {} : { label }),
  });
}

function statusAlarm(scope: Construct, project: string, service: FailoverService, role: FailoverAlarmRole, hc: CfnHealthCheck): Alarm {
  const what =
    role === 'primary'
      ? `the primary of ${service.id} (${service.recordName}) is unhealthy: route 53 answers with the secondary`
      : `the secondary (standby) of ${service.id} (${service.recordName}) is unhealthy: a failover would have nowhere to go`;
  return new Alarm(scope, role === 'primary' ? 'PrimaryUnhealthy' : 'SecondaryUnhealthy', {
    alarmName: alarmNames.failoverHealth(project, service.id, role),
    alarmDescription: `${what}. Health from ${role === 'primary' ? service.health : 'endpoint'}; see skyprobe failover status ${service.id}.`,
    metric: healthCheckMetric(HEALTH_CHECK_STATUS_METRIC, hc, 'Minimum'),
    threshold: 1,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // Route 53 publishes every minute; a gap is no news about the endpoint.
    treatMissingData: TreatMissingData.MISSING,
  });
}
