/**
 * The cost goal of the AWS deployment: at most 1/50 of what CloudWatch Synthetics canaries cost for the same
 * checks at the same frequency, per check and region. The peer is the canary list price, computed in the same
 * run from the same price table (`lambdas/core/pricing.ts`) as skyprobe's own estimate (`skyprobe cost`).
 * Measured on the example config and on the fleets in bench/configs; rows that no design with the alarms the
 * checks must have could bring to the goal are counted apart.
 */
import { join } from 'node:path';
import { estimateMonthlyCost } from '../lambdas/core/cost.ts';
import { PRICES } from '../lambdas/core/pricing.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../lambdas/cli/load-config.ts';
import { announce, PROJECT_DIR } from './lib.ts';
import type { BenchFigure } from './types.ts';

const CONFIGS: ReadonlyArray<{ readonly label: string; readonly file: string }> = [
  { label: 'example (5 checks, 30 s to 1 h)', file: join(PROJECT_DIR, DEFAULT_CONFIG_FILE) },
  { label: '20 × 1-minute http, 3 regions', file: join(PROJECT_DIR, 'bench/configs/fleet-20x1m.json') },
  { label: '100 × 1-minute http, 3 regions', file: join(PROJECT_DIR, 'bench/configs/fleet-100x1m.json') },
];

export async function run(): Promise<BenchFigure[]> {
  const section = 'cost';
  const figures: BenchFigure[] = [];
  for (const { label, file } of CONFIGS) {
    const estimate = estimateMonthlyCost(await loadConfig(file), PRICES);
    const { canary } = estimate;
    const rows = estimate.perCheckRegion;
    const worst = Math.max(...rows.map((r) => r.ratio));
    const outOfReach = canary.checkRegionsGoalUnattainable;
    figures.push(
      announce({ section, name: `${label}: skyprobe a month`, value: canary.skyprobeMonthlyUsd, unit: 'USD', note: `canaries ${canary.canaryMonthlyUsd.toFixed(2)} USD` }),
      announce({ section, name: `${label}: canaries / skyprobe`, value: 1 / canary.ratio, unit: 'x', note: 'the whole config' }),
      announce({
        section,
        name: `${label}: canary / skyprobe, worst row`,
        value: 1 / worst,
        unit: 'x',
        goal: '>= 50x',
        pass: worst <= canary.goalRatio,
        note: `${canary.checkRegionsMeetingGoal} of ${canary.checkRegions} check-regions meet 1/50${outOfReach > 0 ? `; ${outOfReach} out of reach at list prices` : ''}`,
      }),
    );
  }
  return figures;
}
