/**
 * AWS list prices that `skyprobe cost` uses: us-east-1, USD, taken on 2026-11-01.
 *
 * One table, in one place. Each price says what it buys (`per` × `unit`), which
 * public page it comes from, and how it was checked: `'search'` when a search of
 * stored public pages (AWS pages and docs, or write-ups quoting them) confirmed the
 * figure; `'public price list as known'` when the figure is the well-known
 * published value that the search did not turn up. Free tiers, taxes, discounts
 * (Savings Plans, EDP) and other regions' prices (often 10–25% higher) are left out.
 * Refresh the table, its date and its sources together.
 */

export type PriceVerification = 'search' | 'public price list as known';

export interface PriceEntry {
  /** USD for `per` units. */
  readonly usd: number;
  /** How many units `usd` buys, e.g. 1_000_000 for "per million requests". */
  readonly per: number;
  /** The unit, plural, e.g. "requests", "GB-seconds". */
  readonly unit: string;
  /** The public page the price is published on. */
  readonly source: string;
  readonly verifiedBy: PriceVerification;
  readonly note?: string;
}

export interface MetricTier {
  /** The tier ends at this many metrics in the month (cumulative); null: no end. */
  readonly upToMetrics: number | null;
  readonly usdPerMetricMonth: number;
}

export interface PriceTable {
  /** ISO date the prices were taken. */
  readonly takenOn: string;
  readonly region: string;
  readonly currency: 'USD';
  /** Page names the prices come from. */
  readonly sources: readonly string[];
  readonly lambda: {
    /** Arm (Graviton) duration, first 7.5 billion GB-seconds a month; INIT is billed too since 2025-08-01. */
    readonly arm64Duration: PriceEntry;
    readonly requests: PriceEntry;
  };
  readonly scheduler: { readonly invocations: PriceEntry };
  readonly dynamodb: {
    /** On-demand, Standard table class, single-Region table. */
    readonly writeRequestUnits: PriceEntry;
    /** On-demand global table: every write is billed in every replica, including the one written to. */
    readonly replicatedWriteRequestUnits: PriceEntry;
    /** On-demand reads: 1 RRU per strongly consistent 4 KB, half for eventually consistent. */
    readonly readRequestUnits: PriceEntry;
    readonly storage: PriceEntry;
    /** Continuous backups (point-in-time recovery), billed on the table's size in each replica that has it on. */
    readonly pitrStorage: PriceEntry;
  };
  readonly kms: {
    /** A customer managed key a month; each of its first two automatic rotations adds the same again. */
    readonly customerManagedKeys: PriceEntry;
    readonly requests: PriceEntry;
  };
  readonly sqs: {
    /** Standard queue: every API call, empty long-poll receives included, per 64 KB chunk of payload. */
    readonly requests: PriceEntry;
  };
  readonly cloudwatch: {
    readonly customMetrics: {
      readonly tiers: readonly MetricTier[];
      readonly source: string;
      readonly verifiedBy: PriceVerification;
      readonly note: string;
    };
    readonly putMetricDataRequests: PriceEntry;
    /** Billed per metric an alarm reads: a metric-math alarm over n metrics counts n. */
    readonly standardAlarmMetrics: PriceEntry;
    readonly highResolutionAlarmMetrics: PriceEntry;
    /** The first `freeDashboards` dashboards are free while each reads at most `freeDashboardMaxMetrics` metrics. */
    readonly dashboards: PriceEntry & { readonly freeDashboards: number; readonly freeDashboardMaxMetrics: number };
    readonly logsIngestion: PriceEntry;
  };
  readonly sns: {
    readonly publishes: PriceEntry;
    readonly emailDeliveries: PriceEntry;
    readonly httpDeliveries: PriceEntry;
    /** Varies by destination country and carrier; the US figure is only an example. */
    readonly smsUs: PriceEntry;
  };
  readonly route53: {
    readonly healthCheckAwsEndpoint: PriceEntry;
    readonly healthCheckNonAwsEndpoint: PriceEntry;
    /** HTTPS, string matching, fast interval (10 s), latency measurement: each one. */
    readonly optionalFeatureAwsEndpoint: PriceEntry;
    readonly optionalFeatureNonAwsEndpoint: PriceEntry;
  };
  readonly dataTransfer: { readonly interRegion: PriceEntry };
  readonly synthetics: { readonly canaryRuns: PriceEntry };
}

const LAMBDA = 'AWS Lambda pricing (aws.amazon.com/lambda/pricing)';
const SCHEDULER = 'Amazon EventBridge pricing, Scheduler (aws.amazon.com/eventbridge/pricing)';
const DYNAMODB = 'Amazon DynamoDB pricing, on-demand (aws.amazon.com/dynamodb/pricing/on-demand)';
const DYNAMODB_GLOBAL = 'Amazon DynamoDB Developer Guide: Understanding billing for global tables';
const CLOUDWATCH = 'Amazon CloudWatch pricing (aws.amazon.com/cloudwatch/pricing)';
const SNS = 'Amazon SNS pricing (aws.amazon.com/sns/pricing)';
const ROUTE53 = 'Amazon Route 53 pricing, health checks (aws.amazon.com/route53/pricing)';
const DATA_TRANSFER = 'Amazon EC2 on-demand pricing, data transfer (aws.amazon.com/ec2/pricing/on-demand)';
const SQS = 'Amazon SQS pricing (aws.amazon.com/sqs/pricing)';
const KMS = 'AWS KMS pricing (aws.amazon.com/kms/pricing)';
const DYNAMODB_BACKUP = 'Amazon DynamoDB Developer Guide: Understanding billing for backups; DynamoDB pricing, continuous backups (PITR)';
const LAMBDA_SQS = 'AWS Lambda Developer Guide: Configuring scaling behavior for SQS event source mappings';

export const PRICES = {
  takenOn: '2026-11-01',
  region: 'us-east-1',
  currency: 'USD',
  sources: [LAMBDA, SCHEDULER, DYNAMODB, DYNAMODB_GLOBAL, DYNAMODB_BACKUP, SQS, LAMBDA_SQS, KMS, CLOUDWATCH, SNS, ROUTE53, DATA_TRANSFER],
  lambda: {
    arm64Duration: {
      usd: 0.0000133334,
      per: 1,
      unit: 'GB-seconds',
      source: LAMBDA,
      verifiedBy: 'search',
      note: 'Arm, first 7.5 billion GB-s/month; INIT duration billed for managed runtimes since 2025-08-01',
    },
    requests: { usd: 0.2, per: 1_000_000, unit: 'requests', source: LAMBDA, verifiedBy: 'search' },
  },
  scheduler: {
    invocations: {
      usd: 1.0,
      per: 1_000_000,
      unit: 'invocations',
      source: SCHEDULER,
      verifiedBy: 'search',
      note: 'after 14 million free invocations a month (the free tier is ignored here)',
    },
  },
  dynamodb: {
    writeRequestUnits: {
      usd: 0.625,
      per: 1_000_000,
      unit: 'write request units',
      source: DYNAMODB,
      verifiedBy: 'search',
      note: 'halved on 2024-11-01; 1 WRU per 1 KB written',
    },
    replicatedWriteRequestUnits: {
      usd: 0.625,
      per: 1_000_000,
      unit: 'replicated write request units',
      source: DYNAMODB_GLOBAL,
      verifiedBy: 'search',
      note: 'priced like WRUs since 2024-11-01; charged in every replica; replicas get TTL deletes as replicated writes',
    },
    readRequestUnits: {
      usd: 0.125,
      per: 1_000_000,
      unit: 'read request units',
      source: DYNAMODB,
      verifiedBy: 'public price list as known',
      note: 'halved with the write price on 2024-11-01; an eventually consistent read of up to 4 KB is half a unit',
    },
    storage: {
      usd: 0.25,
      per: 1,
      unit: 'GB-months',
      source: DYNAMODB,
      verifiedBy: 'search',
      note: 'Standard table class; each replica stores a full copy; first 25 GB free (ignored here)',
    },
    pitrStorage: {
      usd: 0.2,
      per: 1,
      unit: 'GB-months',
      source: DYNAMODB_BACKUP,
      verifiedBy: 'search',
      note: 'continuous backups, on the size of the table in each replica with point-in-time recovery on (every replica here)',
    },
  },
  kms: {
    customerManagedKeys: {
      usd: 1.0,
      per: 1,
      unit: 'key-months',
      source: KMS,
      verifiedBy: 'search',
      note: 'each of the first two automatic yearly rotations adds $1 a month (so $1, then $2, then $3 from the third year on)',
    },
    requests: { usd: 0.03, per: 10_000, unit: 'requests', source: KMS, verifiedBy: 'search', note: 'symmetric keys; the first 20,000 a month free (ignored)' },
  },
  sqs: {
    requests: {
      usd: 0.4,
      per: 1_000_000,
      unit: 'requests',
      source: SQS,
      verifiedBy: 'search',
      note:
        'standard queues, first 100 billion a month; first 1 million free (ignored here). An event source mapping long-polls with ' +
        'five pollers at low traffic, down to two ("' + LAMBDA_SQS + '"), whether or not messages arrive',
    },
  },
  cloudwatch: {
    customMetrics: {
      tiers: [
        { upToMetrics: 10_000, usdPerMetricMonth: 0.3 },
        { upToMetrics: 250_000, usdPerMetricMonth: 0.1 },
        { upToMetrics: 1_000_000, usdPerMetricMonth: 0.05 },
        { upToMetrics: null, usdPerMetricMonth: 0.02 },
      ],
      source: CLOUDWATCH,
      verifiedBy: 'search',
      note: 'first tier ($0.30) confirmed by search; the later tiers are the published values as known; prorated by the hour a metric is sent',
    },
    putMetricDataRequests: {
      usd: 0.01,
      per: 1_000,
      unit: 'requests',
      source: CLOUDWATCH,
      verifiedBy: 'public price list as known',
      note: 'PutMetricData is priced like GetMetricData ($0.01 per 1,000), which search confirmed',
    },
    standardAlarmMetrics: {
      usd: 0.1,
      per: 1,
      unit: 'alarm metric-months',
      source: CLOUDWATCH,
      verifiedBy: 'search',
      note: '$0.10 confirmed by search; billed per metric the alarm reads, so a metric-math alarm over n metrics counts n (the published semantics, as known)',
    },
    highResolutionAlarmMetrics: { usd: 0.3, per: 1, unit: 'alarm metric-months', source: CLOUDWATCH, verifiedBy: 'search' },
    dashboards: {
      usd: 3.0,
      per: 1,
      unit: 'dashboard-months',
      source: CLOUDWATCH,
      verifiedBy: 'public price list as known',
      freeDashboards: 3,
      freeDashboardMaxMetrics: 50,
      note: 'the first 3 dashboards (up to 50 metrics each) are free',
    },
    logsIngestion: {
      usd: 0.5,
      per: 1,
      unit: 'GB ingested',
      source: CLOUDWATCH,
      verifiedBy: 'search',
      note: 'Standard log class; Lambda logs are tiered from 2025-05-01 with this as the first tier',
    },
  },
  sns: {
    publishes: { usd: 0.5, per: 1_000_000, unit: 'publishes', source: SNS, verifiedBy: 'search', note: 'standard topics; first 1 million free (ignored)' },
    emailDeliveries: { usd: 2.0, per: 100_000, unit: 'email notifications', source: SNS, verifiedBy: 'search' },
    httpDeliveries: { usd: 0.6, per: 1_000_000, unit: 'HTTP notifications', source: SNS, verifiedBy: 'search' },
    smsUs: {
      usd: 0.00581,
      per: 1,
      unit: 'SMS messages (US)',
      source: 'Amazon SNS pricing, SMS (aws.amazon.com/sns/sms-pricing)',
      verifiedBy: 'public price list as known',
      note: 'varies by country, carrier and origination identity; US carrier fees come on top; far higher elsewhere',
    },
  },
  route53: {
    healthCheckAwsEndpoint: {
      usd: 0.5,
      per: 1,
      unit: 'health check-months',
      source: ROUTE53,
      verifiedBy: 'search',
      note: 'also the price of CloudWatch-alarm and calculated health checks',
    },
    healthCheckNonAwsEndpoint: { usd: 0.75, per: 1, unit: 'health check-months', source: ROUTE53, verifiedBy: 'search' },
    optionalFeatureAwsEndpoint: { usd: 1.0, per: 1, unit: 'feature-months', source: ROUTE53, verifiedBy: 'public price list as known' },
    optionalFeatureNonAwsEndpoint: { usd: 2.0, per: 1, unit: 'feature-months', source: ROUTE53, verifiedBy: 'public price list as known' },
  },
  dataTransfer: {
    interRegion: {
      usd: 0.02,
      per: 1,
      unit: 'GB',
      source: DATA_TRANSFER,
      verifiedBy: 'search',
      note: 'out of us-east-1 to another region; some source regions charge up to about $0.09–0.14/GB',
    },
  },
  synthetics: {
    canaryRuns: {
      usd: 0.0012,
      per: 1,
      unit: 'canary runs',
      source: `${CLOUDWATCH}, Synthetics`,
      verifiedBy: 'search',
      note: 'per run, before the Lambda, S3 and alarm charges a canary also incurs',
    },
  },
} as const satisfies PriceTable;
