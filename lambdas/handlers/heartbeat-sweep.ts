/**
 * The heartbeat sweep (home region), run every minute by an EventBridge schedule: heartbeats past their
 * deadline get a missed run recorded, an incident and a DOWN alert on the SNS topic; half-done work of an
 * earlier invocation (an incident not opened, an alert not sent) is finished.
 */
import type { HeartbeatSweepOutcome } from '../monitor/heartbeat-monitor.ts';
import { bundleDirectory } from './bundled-config.ts';
import { createHeartbeatRuntime, heartbeatDepsFromEnv, lazyHandler, type HeartbeatRuntimeDeps } from './heartbeat-runtime.ts';

export function createHeartbeatSweepHandler(deps: HeartbeatRuntimeDeps): (event: unknown) => Promise<HeartbeatSweepOutcome> {
  const runtime = createHeartbeatRuntime(deps);
  return async () => {
    const outcome = await runtime.monitor.sweep();
    if (outcome.opened.length > 0 || outcome.closed.length > 0 || outcome.missedRecorded > 0) runtime.log(JSON.stringify({ level: 'info', sweep: outcome }));
    return outcome;
  };
}

export const handler = lazyHandler(async () => createHeartbeatSweepHandler(await heartbeatDepsFromEnv(process.env, bundleDirectory())));
