import type { Config } from '../../core/check.ts';
import type { ProbeResult } from '../../core/result.ts';
import type { HeartbeatState } from '../../core/heartbeat.ts';
import type { ResultsStore } from '../../core/store.ts';

/** What the local runner knows about one check right now (the dashboard reads it on every request). */
export interface CheckRuntimeState {
  readonly checkId: string;
  readonly state: 'up' | 'degraded' | 'down' | 'pending';
  /** ISO time the state began; null while pending. */
  readonly since: string | null;
  readonly lastResult: ProbeResult | null;
  readonly inMaintenance: boolean;
  readonly openIncidentId: string | null;
}

/** Everything the dashboard reads, handed in by the runner; the dashboard never writes. */
export interface DashboardSource {
  /** The normalized config now in effect (it may change between calls). */
  config(): Config;
  states(): readonly CheckRuntimeState[];
  /** The stored state of the config's heartbeats (last ping, pending /start, down since). @default none: every heartbeat waits for its first ping */
  heartbeatStates?(): Promise<ReadonlyMap<string, HeartbeatState>>;
  readonly store: ResultsStore;
  /** The location name this runner probes from. */
  readonly location: string;
  /** ISO time the runner started. */
  readonly startedAt: string;
  /** Epoch ms: every window (24 h, 90 days, open incident durations) and the cache's age are measured with this clock. */
  now(): number;
  /** Store writes waiting to be retried. */
  pendingWrites(): number;
}
