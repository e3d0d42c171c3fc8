import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Config } from '../../core/check.ts';
import { validateConfig } from '../../core/config/validate.ts';
import { closest } from '../../core/config/validate-fields.ts';
import { answerSide, healthFromObservations, type AnswerSide, type HealthReading } from '../../core/drill.ts';
import { UsageError } from '../../core/errors.ts';
import { ROUTE53_METRICS_REGION, failoverHealthChecks, type FailoverService, type FailoverTarget, type HealthCheckRole } from '../../core/failover.ts';
import type { LookupFn, ResolvedAddress } from '../../core/ports.ts';
import type { Check } from '../../core/check.ts';
import { Route53Failover, type FoundHealthCheck } from '../../aws/route53-failover.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';

export const FAILOVER_HELP = `Usage: skyprobe failover status [SERVICE] [--json] [--resolver HOST:PORT] [--config FILE]

For each failover service in the config (or the one named): every Route 53
health check skyprobe deployed for it (found by its tags) with the status Route
53 reports, the share of checker regions that see the endpoint healthy, and
whether it is Inverted; then the answer DNS gives for the record now, both
from Route 53 itself (TestDNSAnswer) and from a real resolver.

Options:
  --resolver HOST:PORT  resolver to ask (default: this machine's resolvers)
  --config FILE         default ${DEFAULT_CONFIG_FILE}
  --json                print the status as JSON
  -h, --help            show this help

Credentials come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL, ...). Exit status: 0 when every service is on its primary,
1 when one is failed over or Route 53 cannot be read, 2 for a usage error.`;

/** The resolver to ask: the system's, or `--resolver host:port`. */
export interface ResolverChoice {
  readonly host: string;
  readonly port: number;
}

export function parseResolver(command: string, value: string | undefined): ResolverChoice | null {
  if (value === undefined) return null;
  const match = /^(?:\[([0-9a-f:]+)\]|([^:]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3] ?? 53);
  if (host === undefined || isIP(host) === 0 || port < 1 || port > 65535) {
    throw new UsageError(`skyprobe ${command}: --resolver must be an ip address with an optional port, such as "1.1.1.1" or "127.0.0.1:5353", got ${JSON.stringify(value)}`);
  }
  return { host, port };
}

export function describeResolver(choice: ResolverChoice | null): string {
  if (choice === null) return 'system';
  return isIP(choice.host) === 6 ? `[${choice.host}]:${choice.port}` : `${choice.host}:${choice.port}`;
}

/** Real DNS resolution through one resolver: what users see. */
export class RecordResolver {
  readonly #resolver: Resolver;

  constructor(choice: ResolverChoice | null) {
    this.#resolver = new Resolver({ timeout: 2000, tries: 2 });
    if (choice !== null) this.#resolver.setServers([describeResolver(choice)]);
  }

  /** The answers for `name`, or null on NXDOMAIN, no data or an error. */
  async resolve(name: string, type: 'A' | 'AAAA' | 'CNAME'): Promise<string[] | null> {
    try {
      if (type === 'A') return await this.#resolver.resolve4(name);
      if (type === 'AAAA') return await this.#resolver.resolve6(name);
      return await this.#resolver.resolveCname(name);
    } catch {
      return null;
    }
  }

  /** A lookup for probes: A and AAAA through this resolver. */
  readonly lookup: LookupFn = async (hostname) => {
    const family = isIP(hostname);
    if (family === 4 || family === 6) return [{ address: hostname, family }];
    const [v4, v6] = await Promise.all([this.resolve(hostname, 'A'), this.resolve(hostname, 'AAAA')]);
    const found: ResolvedAddress[] = [...(v4 ?? []).map((address) => ({ address, family: 4 as const })), ...(v6 ?? []).map((address) => ({ address, family: 6 as const }))];
    if (found.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return found;
  };
}

/** The clients the commands use: Route 53 (its API lives in us-east-1) and DynamoDB in the home region. */
export function awsClients(config: Config): { readonly route53: Route53Client; readonly dynamo: DynamoDBClient } {
  return { route53: new Route53Client({ region: ROUTE53_METRICS_REGION }), dynamo: new DynamoDBClient({ region: config.homeRegion }) };
}

export function findService(command: string, config: Config, id: string): FailoverService {
  const service = config.failover.find((s) => s.id === id);
  if (service !== undefined) return service;
  const ids = config.failover.map((s) => s.id);
  if (ids.length === 0) throw new UsageError(`skyprobe ${command}: the config has no failover entries`);
  const hint = closest(id, ids);
  throw new UsageError(`skyprobe ${command}: no failover service ${JSON.stringify(id)} in the config${hint === undefined ? '' : ` (did you mean "${hint}"?)`} (services: ${ids.join(', ')})`);
}

/** What a side's record answers with, as the resolver sees it now: the values, or the alias target's addresses. */
export async function expectedAnswers(target: FailoverTarget, service: FailoverService, resolver: RecordResolver): Promise<string[]> {
  if (target.kind === 'values') return [...target.values];
  return (await resolver.resolve(target.dnsName, service.recordType === 'CNAME' ? 'A' : service.recordType)) ?? [];
}

/** Both sides' answers, and which side Route 53's and the resolver's answers point to now. */
export interface DnsNow {
  readonly route53: { readonly answers: readonly string[] | null; readonly responseCode: string | null; readonly side: AnswerSide; readonly error: string | null };
  readonly resolver: { readonly server: string; readonly answers: readonly string[] | null; readonly side: AnswerSide };
}

export async function dnsNow(service: FailoverService, route53: Route53Failover, resolver: RecordResolver, resolverName: string): Promise<DnsNow> {
  const [primary, secondary] = await Promise.all([expectedAnswers(service.primary.target, service, resolver), expectedAnswers(service.secondary.target, service, resolver)]);
  let r53: DnsNow['route53'];
  try {
    const answer = await route53.testDnsAnswer(service.hostedZoneId, service.recordName, service.recordType);
    r53 = { answers: answer.answers, responseCode: answer.responseCode, side: answerSide(answer.answers, primary, secondary), error: null };
  } catch (error) {
    r53 = { answers: null, responseCode: null, side: 'none', error: errorMessage(error) };
  }
  const answers = await resolver.resolve(service.recordName, service.recordType);
  return { route53: r53, resolver: { server: resolverName, answers, side: answerSide(answers, primary, secondary) } };
}

export interface HealthCheckStatus extends FoundHealthCheck, HealthReading {}

export interface ServiceStatus {
  readonly service: string;
  readonly recordName: string;
  readonly recordType: string;
  readonly health: FailoverService['health'];
  readonly healthChecks: readonly HealthCheckStatus[];
  /** Roles the config implies but no tagged health check was found for (not deployed yet?). */
  readonly missing: readonly HealthCheckRole[];
  readonly dns: DnsNow;
  /** The primary's health check is inverted or unhealthy, or Route 53 answers with the secondary. */
  readonly failedOver: boolean;
}

export async function serviceStatus(project: string, service: FailoverService, route53: Route53Failover, resolver: RecordResolver, resolverName: string): Promise<ServiceStatus> {
  const found = await route53.healthChecksOf(project, service.id);
  const roles = failoverHealthChecks(service).map((spec) => spec.role);
  const healthChecks: HealthCheckStatus[] = [];
  for (const role of roles) {
    const hc = found.get(role);
    if (hc === undefined) continue;
    const observations = await route53.observations(hc.id);
    healthChecks.push({ ...hc, ...healthFromObservations(observations.map((o) => o.status), hc.inverted) });
  }
  const dns = await dnsNow(service, route53, resolver, resolverName);
  const primary = healthChecks.find((h) => h.role === 'primary');
  return {
    service: service.id,
    recordName: service.recordName,
    recordType: service.recordType,
    health: service.health,
    healthChecks,
    missing: roles.filter((role) => !found.has(role)),
    dns,
    failedOver: primary?.inverted === true || primary?.health === 'unhealthy' || dns.route53.side === 'secondary',
  };
}

export async function failoverCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'failover',
    argv,
    { config: { type: 'string' }, json: { type: 'boolean' }, resolver: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    2,
  );
  if (values.help) {
    writeLine(io.stdout, FAILOVER_HELP);
    return 0;
  }
  const [sub, serviceId] = positionals;
  if (sub !== 'status') {
    throw new UsageError(`skyprobe failover: ${sub === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(sub)}`}: use skyprobe failover status [SERVICE]`);
  }
  const choice = parseResolver('failover', values.resolver);
  const config = await loadConfig(resolvePath(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  const services = serviceId === undefined ? config.failover : [findService('failover', config, serviceId)];
  if (services.length === 0) throw new UsageError('skyprobe failover: the config has no failover entries');
  const route53 = new Route53Failover({ client: awsClients(config).route53 });
  const resolver = new RecordResolver(choice);
  const statuses: ServiceStatus[] = [];
  try {
    for (const service of services) statuses.push(await serviceStatus(config.project, service, route53, resolver, describeResolver(choice)));
  } catch (error) {
    writeLine(io.stderr, `skyprobe failover: cannot read route 53: ${errorMessage(error)}`);
    return 1;
  }
  if (values.json) writeLine(io.stdout, JSON.stringify(statuses, null, 2));
  else for (const line of formatStatus(statuses)) writeLine(io.stdout, line);
  return statuses.some((s) => s.failedOver || s.missing.length > 0) ? 1 : 0;
}

export function formatStatus(statuses: readonly ServiceStatus[]): string[] {
  const lines: string[] = [];
  for (const s of statuses) {
    lines.push(`${s.service}: ${s.recordName} ${s.recordType}, health from ${s.health}${s.failedOver ? ', FAILED OVER' : ', on the primary'}`);
    for (const h of s.healthChecks) {
      const share = h.healthyShare === null ? 'no checker reports' : `${Math.round(h.healthyShare * 100)}% of ${h.observations} checker regions healthy`;
      lines.push(`  ${h.role.padEnd(17)}${h.id}  ${h.type.padEnd(16)}${h.health.padEnd(10)}${share}${h.inverted ? ', INVERTED' : ''}${h.disabled ? ', DISABLED' : ''}`);
    }
    for (const role of s.missing) lines.push(`  ${role.padEnd(17)}not found: no health check tagged for it (is the stack deployed?)`);
    const r53 = s.dns.route53;
    lines.push(`  route 53 answers ${r53.error !== null ? `nothing: ${r53.error}` : `${(r53.answers ?? []).join(', ') || 'nothing'} (${r53.responseCode}): ${r53.side}`}`);
    lines.push(`  resolver ${s.dns.resolver.server} answers ${(s.dns.resolver.answers ?? []).join(', ') || 'nothing'}: ${s.dns.resolver.side}`);
  }
  return lines;
}

/**
 * The check a drill runs against a side: the service's configured check, else one built from the side's
 * Route 53 health check (same protocol, port, path and search string) against the record name, so that it
 * goes where users go.
 */
export function drillCheck(config: Config, service: FailoverService, side: 'primary' | 'secondary'): Check {
  const configured = service.checkId === null ? undefined : config.checks.find((c) => c.id === service.checkId);
  if (configured !== undefined) return configured;
  const h = (side === 'primary' ? service.primary.healthCheck : null) ?? service.secondary.healthCheck;
  const id = `drill-${service.id}`;
  const input =
    h.protocol === 'tcp'
      ? { id, type: 'tcp', host: service.recordName, port: h.port, retries: 0 }
      : {
          id,
          type: 'http',
          url: `${h.protocol}://${service.recordName}:${h.port}${h.path ?? '/'}`,
          retries: 0,
          ...(h.searchString === null ? {} : { assertions: [{ type: 'body', contains: h.searchString }] }),
        };
  const [check] = validateConfig({ checks: [input] }).checks;
  if (check === undefined) throw new Error(`cannot build the drill check of ${service.id}`);
  return check;
}

export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
