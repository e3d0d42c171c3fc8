/** One measured figure. Sections return these; `bench/index.ts` prints them in the summary table and writes them to results.json. */
export interface BenchFigure {
  /** The section that measured it, e.g. `probe`. */
  readonly section: string;
  readonly name: string;
  /** null when the figure could not be measured (a peer that is not installed, an invalid run). */
  readonly value: number | null;
  readonly unit: string;
  /** Human-readable goal, e.g. `>= 1.5x`. Absent for figures that are information only. */
  readonly goal?: string;
  /** Whether the goal was met; absent when there is no goal or it could not be judged. */
  readonly pass?: boolean;
  /** Short qualifier shown next to the value (method, why it was skipped). */
  readonly note?: string;
}

/** A bench section module: `bench/index.ts` imports it and awaits `run()`. */
export interface BenchSection {
  run(): Promise<BenchFigure[]>;
}
