/**
 * The shape every benchmark section returns. `npm run bench` (bench/run.ts) imports each
 * bench/sections/<name>.ts, calls its `run()` and writes all sections to bench/results/latest.md and .json.
 */
export type BenchCell = string | number | null;

export interface BenchSection {
  title: string;
  columns: readonly string[];
  rows: readonly (readonly BenchCell[])[];
  /** Method, caveats and conclusions, one paragraph or bullet each. */
  notes: readonly string[];
  /** Execution providers the section's sessions ran on (e.g. ['cpu']); collected into the machine info. */
  providers?: readonly string[];
}

export type BenchSectionModule = { run(): Promise<BenchSection> };
