import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourcesCommand,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
  type HealthCheck,
  type ListResourceRecordSetsCommandOutput,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { FAILOVER_TAG_KEYS, HEALTH_CHECK_ROLES, normalizeDnsName, type FailoverRecordType, type HealthCheckRole } from '../core/failover.ts';

/**
 * Route 53 for the `failover` and `drill` commands: finds a service's health checks by the tags the CDK
 * app puts on them (`skyprobe:project`, `skyprobe:service`, `skyprobe:role`), reads their status, sets and
 * clears `Inverted`, asks Route 53 what it answers for a record (TestDNSAnswer), and lists the failover
 * records. Receives its client (Route 53 is global; its API is in us-east-1).
 */

export interface FoundHealthCheck {
  readonly id: string;
  readonly role: HealthCheckRole;
  readonly type: string;
  readonly inverted: boolean;
  readonly disabled: boolean;
}

export interface CheckerObservation {
  readonly region: string;
  /** e.g. "Success: HTTP Status Code 200, OK" or "Failure: Connection timed out". */
  readonly status: string;
  readonly checkedAt: string | null;
}

export interface DnsAnswer {
  readonly answers: readonly string[];
  /** NOERROR, NXDOMAIN, ... */
  readonly responseCode: string;
  readonly nameserver: string | null;
}

export interface FailoverRecord {
  readonly setIdentifier: string;
  readonly failover: 'PRIMARY' | 'SECONDARY';
  readonly healthCheckId: string | null;
  readonly ttlSeconds: number | null;
  readonly values: readonly string[];
  readonly alias: { readonly hostedZoneId: string; readonly dnsName: string; readonly evaluateTargetHealth: boolean } | null;
}

/** ListTagsForResources takes at most this many ids. */
const TAG_BATCH = 10;

export class Route53Failover {
  readonly #client: Route53Client;

  constructor(props: { readonly client: Route53Client }) {
    this.#client = props.client;
  }

  /** The service's health checks by role (every page of ListHealthChecks, tags read ten at a time). */
  async healthChecksOf(project: string, serviceId: string): Promise<Map<HealthCheckRole, FoundHealthCheck>> {
    const all: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.#client.send(new ListHealthChecksCommand({ ...(marker === undefined ? {} : { Marker: marker }) }));
      all.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated === true ? page.NextMarker : undefined;
    } while (marker !== undefined);

    const found = new Map<HealthCheckRole, FoundHealthCheck>();
    for (let i = 0; i < all.length; i += TAG_BATCH) {
      const batch = all.slice(i, i + TAG_BATCH);
      const ids = batch.map((h) => h.Id).filter((id): id is string => id !== undefined);
      if (ids.length === 0) continue;
      const tagged = await this.#client.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: ids }));
      for (const set of tagged.ResourceTagSets ?? []) {
        const tags = new Map((set.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        const role = tags.get(FAILOVER_TAG_KEYS.role);
        if (tags.get(FAILOVER_TAG_KEYS.project) !== project || tags.get(FAILOVER_TAG_KEYS.service) !== serviceId || !isRole(role)) continue;
        const check = batch.find((h) => h.Id === set.ResourceId);
        if (check?.Id === undefined) continue;
        found.set(role, {
          id: check.Id,
          role,
          type: check.HealthCheckConfig?.Type ?? 'UNKNOWN',
          inverted: check.HealthCheckConfig?.Inverted === true,
          disabled: check.HealthCheckConfig?.Disabled === true,
        });
      }
    }
    return found;
  }

  /** Inverted as Route 53 has it now. */
  async isInverted(healthCheckId: string): Promise<boolean> {
    const out = await this.#client.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId }));
    return out.HealthCheck?.HealthCheckConfig?.Inverted === true;
  }

  /** Sets or clears Inverted, then reads it back: resolves only once Route 53 has it. */
  async setInverted(healthCheckId: string, inverted: boolean): Promise<void> {
    await this.#client.send(new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Inverted: inverted }));
    const now = await this.isInverted(healthCheckId);
    if (now !== inverted) throw new Route53FailoverError(`health check ${healthCheckId} still has Inverted=${now} after setting it to ${inverted}`);
  }

  /** What each checker region last saw (GetHealthCheckStatus). */
  async observations(healthCheckId: string): Promise<CheckerObservation[]> {
    const out = await this.#client.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }));
    return (out.HealthCheckObservations ?? []).map((o) => ({
      region: o.Region ?? 'unknown',
      status: o.StatusReport?.Status ?? '',
      checkedAt: o.StatusReport?.CheckedTime?.toISOString() ?? null,
    }));
  }

  /** Route 53's own answer for the record now (TestDNSAnswer), from its name servers. */
  async testDnsAnswer(hostedZoneId: string, recordName: string, recordType: FailoverRecordType): Promise<DnsAnswer> {
    const out = await this.#client.send(new TestDNSAnswerCommand({ HostedZoneId: hostedZoneId, RecordName: recordName, RecordType: recordType }));
    return {
      answers: (out.RecordData ?? []).map((a) => (recordType === 'CNAME' ? normalizeDnsName(a) : a)),
      responseCode: out.ResponseCode ?? 'UNKNOWN',
      nameserver: out.Nameserver ?? null,
    };
  }

  /** The PRIMARY and SECONDARY records of `recordName`/`recordType` in the zone. */
  async failoverRecords(hostedZoneId: string, recordName: string, recordType: FailoverRecordType): Promise<FailoverRecord[]> {
    const wanted = normalizeDnsName(recordName);
    const records: FailoverRecord[] = [];
    let start: { name: string; type: string; id: string | undefined } | undefined = { name: wanted, type: recordType, id: undefined };
    while (start !== undefined) {
      const page: ListResourceRecordSetsCommandOutput = await this.#client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: start.name,
          StartRecordType: start.type as FailoverRecordType,
          ...(start.id === undefined ? {} : { StartRecordIdentifier: start.id }),
        }),
      );
      let past = false;
      for (const r of page.ResourceRecordSets ?? []) {
        if (normalizeDnsName(r.Name ?? '') !== wanted || r.Type !== recordType) {
          // Records come sorted by name then type: once past ours, the rest are not ours.
          if (records.length > 0) past = true;
          continue;
        }
        if (r.Failover !== 'PRIMARY' && r.Failover !== 'SECONDARY') continue;
        records.push({
          setIdentifier: r.SetIdentifier ?? '',
          failover: r.Failover,
          healthCheckId: r.HealthCheckId ?? null,
          ttlSeconds: r.TTL ?? null,
          values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
          alias:
            r.AliasTarget === undefined
              ? null
              : { hostedZoneId: r.AliasTarget.HostedZoneId ?? '', dnsName: normalizeDnsName(r.AliasTarget.DNSName ?? ''), evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth === true },
        });
      }
      start = page.IsTruncated === true && !past && page.NextRecordName !== undefined ? { name: page.NextRecordName, type: page.NextRecordType ?? recordType, id: page.NextRecordIdentifier } : undefined;
    }
    return records;
  }
}

/** Route 53 did not do what was asked (a health check kept its old setting). */
export class Route53FailoverError extends Error {
  override readonly name = 'Route53FailoverError';
}

function isRole(value: string | undefined): value is HealthCheckRole {
  return (HEALTH_CHECK_ROLES as readonly (string | undefined)[]).includes(value);
}
