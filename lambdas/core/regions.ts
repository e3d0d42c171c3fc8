/**
 * Commercial AWS regions (partition `aws`) that can host a probe. GovCloud and
 * China are separate partitions with their own accounts and are left out.
 * Opt-in regions are listed too: deploying there needs the region enabled.
 */
export const AWS_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-south-1',
  'me-central-1',
  'mx-central-1',
  'sa-east-1',
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

const REGION_SET: ReadonlySet<string> = new Set(AWS_REGIONS);

export function isAwsRegion(value: unknown): value is AwsRegion {
  return typeof value === 'string' && REGION_SET.has(value);
}

/** Every region some check probes from, in first-use order: one probe stack each. */
export function probeRegionsOf(config: { readonly checks: readonly { readonly regions: readonly string[] }[] }): string[] {
  return [...new Set(config.checks.flatMap((c) => c.regions))];
}
