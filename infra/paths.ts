import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: infra/ sits directly under it. */
export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Lambda entry points, bundled by esbuild at synth. */
export const HANDLER_ENTRIES = {
  probe: join(REPO_ROOT, 'lambdas', 'handlers', 'probe.ts'),
  notifier: join(REPO_ROOT, 'lambdas', 'handlers', 'notifier.ts'),
  alarmFallback: join(REPO_ROOT, 'lambdas', 'handlers', 'alarm-fallback.ts'),
  heartbeatPing: join(REPO_ROOT, 'lambdas', 'handlers', 'heartbeat-ping.ts'),
  heartbeatSweep: join(REPO_ROOT, 'lambdas', 'handlers', 'heartbeat-sweep.ts'),
  backupEvent: join(REPO_ROOT, 'lambdas', 'handlers', 'backup-event.ts'),
  heartbeatTokenCleanup: join(REPO_ROOT, 'lambdas', 'handlers', 'heartbeat-token-cleanup.ts'),
  monthlyReport: join(REPO_ROOT, 'lambdas', 'handlers', 'monthly-report.ts'),
  rollupCompaction: join(REPO_ROOT, 'lambdas', 'handlers', 'rollup-compaction.ts'),
} as const;

export const LOCK_FILE = join(REPO_ROOT, 'package-lock.json');
