// Example monitors for an online marketplace. `skyprobe validate` checks this file,
// `skyprobe test` runs every check once, and `npx cdk deploy --all` deploys them.
import { defineConfig } from 'skyprobe';

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
  ],
});
