import { generateDistrict, validatePersons } from "@elderflow/core";
import { type BenchContext, peakRssMiB } from "./lib";

/** Core: how fast a district is generated and validated (no peer; a baseline for the demo). */
export async function run(ctx: BenchContext): Promise<void> {
  const scale = ctx.quick ? 1 : 10;
  let t = performance.now();
  const d = generateDistrict({ seed: 1, scale });
  const genMs = performance.now() - t;
  t = performance.now();
  const r = validatePersons(d.persons);
  const valMs = performance.now() - t;
  ctx.emit({
    bench: "core.validate",
    n: d.persons.length,
    generate_ops_s: Math.round(d.persons.length / (genMs / 1000)),
    elderflow_ops_s: Math.round(d.persons.length / (valMs / 1000)),
    invalid: r.invalid.length,
    peak_rss_mib: peakRssMiB(),
  });
}
