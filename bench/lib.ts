/** Shared types and helpers of the benchmark areas. */

/** One benchmark result line. */
export type BenchLine = Record<string, string | number | boolean | null>;

/** What an area's `run` receives. */
export interface BenchContext {
  /** Keep the run under a minute. */
  readonly quick: boolean;
  /** Prints a result line (and records it for the results file). */
  readonly emit: (line: BenchLine) => void;
  /** Progress messages (stderr). */
  readonly log: (message: string) => void;
  /** Extra arguments after the area name. */
  readonly args: readonly string[];
}

/** An area module. */
export interface BenchArea {
  run(ctx: BenchContext): Promise<void>;
}

/** Peak resident set size so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
