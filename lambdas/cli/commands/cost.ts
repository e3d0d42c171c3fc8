import { resolve } from 'node:path';
import { estimateMonthlyCost, type CostEstimate } from '../../core/cost.ts';
import { PRICES } from '../../core/pricing.ts';
import { parseCommandArgs } from '../args.ts';
import { painter, type Paint } from '../format.ts';
import { useColor, writeLine, type Io } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';

export const COST_HELP = `Usage: skyprobe cost [--config FILE] [--json]

Estimates what the monitors in the config cost a month once deployed to AWS
(a ${730}-hour month at ${PRICES.region} list prices taken ${PRICES.takenOn}): Lambda,
EventBridge Scheduler, the DynamoDB global table, CloudWatch metrics, alarms
and dashboards, SNS, and Route 53 health checks for failover entries. Beside
it: CloudWatch Synthetics canaries running the same checks as often, and
whether skyprobe stays within the goal of 1/50 of their price per check and
region. Every assumption is printed with the estimate.

Options:
  --config FILE   monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  --json          print the estimate (line items, totals, per check and region,
                  canary comparison, assumptions) as JSON
  -h, --help      show this help

List prices only: free tiers, taxes, discounts and other regions' prices are
left out. Exit status: 0 with an estimate, 2 for a config or usage error.`;

export async function costCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('cost', argv, { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 0);
  if (values.help) {
    writeLine(io.stdout, COST_HELP);
    return 0;
  }
  const config = await loadConfig(resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  const estimate = estimateMonthlyCost(config, PRICES);
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(estimate, null, 2));
  } else {
    for (const line of formatCostReport(estimate, painter(useColor(io)))) writeLine(io.stdout, line);
  }
  return 0;
}

/** The human report: line items, the canary comparison, then every assumption. */
export function formatCostReport(estimate: CostEstimate, paint: Paint): string[] {
  const { canary, prices } = estimate;
  const lines = [
    `Monthly estimate for "${estimate.project}": ${estimate.monthHours}-hour month, ${prices.region} list prices in ${prices.currency} taken ${prices.takenOn}`,
    '',
    ...table(
      ['SERVICE', 'ITEM', 'QUANTITY', 'UNIT', 'UNIT PRICE', 'MONTHLY'],
      [
        ...estimate.lineItems.map((l) => [l.service, l.item, quantity(l.quantity), l.unit, unitPrice(l.unitPrice), money(l.monthlyUsd)]),
        ['', '', '', '', 'TOTAL', money(estimate.totals.monthlyUsd)],
      ],
      new Set([2, 4, 5]),
      paint,
    ),
    '',
    'Per check and region (each cost on the checks that cause it; the rest spread evenly):',
    ...table(
      ['CHECK', 'REGION', 'RUNS/MONTH', 'SKYPROBE', 'CANARY', 'RATIO', 'GOAL'],
      estimate.perCheckRegion.map((c) => [
        c.checkId,
        c.region,
        quantity(c.runsPerMonth),
        money(c.monthlyUsd),
        money(c.canaryMonthlyUsd),
        ratio(c.ratio),
        c.goalMet ? paint('green', 'met') : paint('yellow', 'not met'),
      ]),
      new Set([2, 3, 4, 5]),
      paint,
    ),
    '',
    `CloudWatch Synthetics canaries for the same checks and intervals: ${money(canary.canaryMonthlyUsd)}/month ` +
      `(${quantity(canary.runsPerMonth)} canary runs at ${unitPrice(canary.pricePerRunUsd)})`,
    `skyprobe: ${money(canary.skyprobeMonthlyUsd)}/month, ${ratio(canary.ratio)} of the canary price; per check and region ` +
      `${money(canary.skyprobePerCheckRegionUsd)} against ${money(canary.canaryPerCheckRegionUsd)}`,
    `Goal, at most ${ratio(canary.goalRatio)} of the canary price per check and region: ` +
      (canary.goalMet ? paint('green', 'met') : paint('yellow', `not met (${ratio(canary.ratio)})`)) +
      `; ${canary.checkRegionsMeetingGoal} of ${canary.checkRegions} check-region${canary.checkRegions === 1 ? '' : 's'} meet it on their own`,
    ...unattainable(estimate),
    '',
    'Assumptions:',
    ...estimate.assumptions.map((a) => `  - ${a}`),
    ...estimate.lineItems.map((l) => `  - ${l.service}, ${l.item}: ${l.assumption}`),
    `  - Prices from: ${prices.sources.join('; ')}`,
  ];
  return lines;
}

/**
 * The rows no design could bring to the goal at list prices: the alarms the check must have (quorum, latency, tls expiry)
 * cost more than the goal's share of its canary, so the comparison says so rather than leave the row unexplained.
 */
function unattainable(estimate: CostEstimate): string[] {
  const rows = estimate.perCheckRegion.filter((c) => !c.goalAttainable);
  if (rows.length === 0) return [];
  const byCheck = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (!byCheck.has(r.checkId)) byCheck.set(r.checkId, r);
  const goal = estimate.canary.goalRatio;
  const one = byCheck.size === 1;
  return [
    `Out of reach at list prices for ${rows.length} check-region${rows.length === 1 ? '' : 's'}: the alarms ${one ? 'its check' : 'their checks'} must have ` +
      `(quorum, latency, tls expiry; ${unitPrice(PRICES.cloudwatch.standardAlarmMetrics.usd)} an alarm metric) cost more than ${ratio(goal)} of ${one ? 'its canary' : 'their canaries'}: ` +
      [...byCheck.values()].map((r) => `${r.checkId} ${money(r.requiredAlarmsUsd)} against ${money(r.canaryMonthlyUsd * goal)} a region`).join(', '),
  ];
}

/** Left-aligned text, right-aligned numbers, two spaces between columns. Widths ignore ANSI color codes. */
function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>, paint: Paint): string[] {
  const visible = (s: string) => s.replace(/\u001b\[\d+m/g, '').length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(cell)));
        return rightAligned.has(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [paint('bold', render(header)), ...rows.map(render)];
}

/** Whole dollars and cents from $1 up, 4 decimals below, so that small items do not read as $0.00. */
export function money(usd: number): string {
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) < 0.0001) return '<$0.0001';
  const digits = Math.abs(usd) >= 1 ? 2 : 4;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

function unitPrice(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd >= 0.01) return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
  return `$${usd.toFixed(12).replace(/0+$/, '')}`;
}

function quantity(value: number): string {
  if (value !== 0 && Math.abs(value) < 1) return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2 });
}

/** 0.0809 → "1/12"; 0.87 → "0.87×" (as a fraction it would round to "1/1"); 2.4 → "2.4×". */
export function ratio(value: number): string {
  if (value <= 0) return '0';
  if (value >= 1) return `${value.toFixed(1)}×`;
  return value > 0.5 ? `${value.toFixed(2)}×` : `1/${Math.round(1 / value)}`;
}
