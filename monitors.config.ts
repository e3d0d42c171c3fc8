// Example monitors for an online marketplace. `skyprobe validate` checks this file,
// `skyprobe test` runs every check once, and `npx cdk deploy --all` deploys them.
import { defineConfig, heartbeat } from 'skyprobe';

export default defineConfig({
  project: 'skyprobe',
  homeRegion: 'us-east-1',
  defaults: {
    interval: '1m',
    timeout: '10s',
    retries: 1,
    regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
    // Down when 2 of the 3 regions fail in 2 of the last 3 minutes.
    alertPolicy: { failingLocations: 2, failingPeriods: 2, evaluationPeriods: 3 },
  },
  checks: [
    {
      id: 'storefront',
      name: 'Storefront home page',
      type: 'http',
      url: 'https://www.example.com/',
      interval: '30s',
      severity: 'critical',
      tags: ['storefront', 'public'],
      degradedAfter: '2s',
      assertions: [
        { type: 'body', contains: 'Example Domain' },
        { type: 'totalTime', lessThan: '5s' },
      ],
    },
    {
      id: 'api-checkout',
      name: 'Checkout API: log in, then read the cart',
      type: 'http',
      severity: 'critical',
      tags: ['api', 'payments'],
      steps: [
        {
          name: 'log in',
          url: 'https://api.example.com/v1/login',
          method: 'POST',
          body: { user: 'synthetic-monitor', password: '{{secret:CHECKOUT_PASSWORD}}' },
          expectStatus: 200,
          extract: { token: { json: '$.token' } },
        },
        {
          name: 'read the cart',
          url: 'https://api.example.com/v1/cart',
          headers: { authorization: 'Bearer {{token}}' },
          expectStatus: [200],
          assertions: [
            { type: 'json', path: '$.items', exists: true },
            { type: 'header', name: 'content-type', matches: 'application/json' },
          ],
        },
      ],
    },
    {
      id: 'payments-db',
      type: 'tcp',
      host: 'db.example.com',
      port: 5432,
      regions: ['us-east-1'],
      // One region probes it, so one failing location is enough.
      alertPolicy: { failingLocations: 1 },
      allowPrivateTargets: true,
      tags: ['payments'],
    },
    {
      id: 'storefront-dns',
      type: 'dns',
      domain: 'www.example.com',
      recordType: 'A',
      interval: '5m',
      tags: ['storefront'],
    },
    {
      id: 'storefront-cert',
      type: 'tls',
      host: 'www.example.com',
      minDaysRemaining: 21,
      interval: '1h',
      timeout: '15s',
      tags: ['storefront'],
    },
    // A job that must report in: the nightly database dump ends with
    //   curl -fsS -X POST -H "Authorization: Bearer $TOKEN" <url>/ping/nightly-db-dump
    // (skyprobe heartbeat url nightly-db-dump prints the URL, the token and this line).
    heartbeat({ id: 'nightly-db-dump', name: 'Nightly database dump', every: '1d', grace: '2h', tags: ['backups'] }),
    // AWS Backup jobs of this vault count as pings: a backup that did not complete in its window alerts.
    heartbeat({ id: 'prod-vault-backups', name: 'AWS Backup: prod vault', every: '1d', grace: '3h', tags: ['backups'], backup: { vaults: ['prod-vault'] } }),
  ],
  // DNS failover of the storefront: Route 53 answers www.example.com with the primary load balancer while
  // it is healthy (its Route 53 health check and the storefront check's quorum alarm, combined), else with
  // the standby. `skyprobe failover status` shows it; `skyprobe drill storefront --yes` proves it.
  failover: [
    {
      id: 'storefront',
      hostedZoneId: 'Z0000000000EXAMPLE', // placeholder: your hosted zone's id
      zoneName: 'example.com',
      recordName: 'www.example.com',
      recordType: 'A',
      check: 'storefront',
      rto: '5m',
      primary: {
        alias: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'shop-primary-123456.us-east-1.elb.amazonaws.com' },
        // Checks the load balancer itself (its DNS name, the default for an alias), never the failover record.
        healthCheck: { protocol: 'https', path: '/', searchString: 'Example Domain', interval: '10s' },
      },
      secondary: {
        values: ['192.0.2.10'],
        healthCheck: { protocol: 'https', host: 'www.example.com', ipAddress: '192.0.2.10', path: '/' },
      },
    },
  ],
});
