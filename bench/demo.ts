/**
 * Demo: the simulated year of `pnpm demo` (one district at the reports' scale, seeded) on the
 * embedded PGlite store and on the memory store. The two years must be the same (every figure of
 * the result but the wall time); the ratio is what persisting every step to PGlite costs.
 */
import { type SimulationResult, simulateYear } from "../packages/elderflow/src/demo/simulate";
import { checksum } from "./check";
import { type BenchContext, peakRssMiB } from "./lib";

/** The result without its wall time, as canonical text. */
function yearText(r: SimulationResult): string {
  const { ms: _ms, ...rest } = r;
  return JSON.stringify(rest);
}

export async function run(ctx: BenchContext): Promise<void> {
  const seed = 1;
  const year = 2026;
  const runs: Record<string, { ms: number; text: string }> = {};
  for (const kind of ["memory", "pglite"] as const) {
    ctx.log(`simulating ${year} on ${kind}…`);
    const t = performance.now();
    const r = await simulateYear({ seed, year, scale: 1, store: { kind } });
    runs[kind] = { ms: performance.now() - t, text: yearText(r) };
  }
  const memory = runs.memory as { ms: number; text: string };
  const pglite = runs.pglite as { ms: number; text: string };
  const same = memory.text === pglite.text;
  ctx.emit({
    bench: "demo.pglite_vs_memory",
    seed,
    year,
    memory_ms: Math.round(memory.ms),
    pglite_ms: Math.round(pglite.ms),
    ratio: Math.round((pglite.ms / memory.ms) * 100) / 100,
    checksum: checksum([memory.text]),
    same_year: same,
    peak_rss_mib: peakRssMiB(),
  });
  if (!same) throw new Error("demo.pglite_vs_memory: the year on PGlite differs from the year in memory");
}
