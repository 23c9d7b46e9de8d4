/**
 * `pnpm bench <area> [--quick]`: runs one benchmark area (a file `bench/<area>.ts` exporting `run`),
 * prints one JSON line per result on stdout, and writes them to `bench/results/<area>.json`.
 * `--quick` runs an area at a smaller size. Each line carries both sides' figures and the check that
 * both produced the same answer (an area throws, and the run fails, when they differ); nothing here
 * asserts a time. A partial run (`--only=<part>`, or section names after the area) replaces its own
 * lines in the results file and keeps the others.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { BenchArea, BenchLine } from "./lib";

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const area = args.find((a) => !a.startsWith("--"));
  const quick = args.includes("--quick");
  if (!area || !/^[a-z][a-z0-9-]*$/.test(area) || !existsSync(join(here, `${area}.ts`))) {
    process.stderr.write(`usage: pnpm bench <area> [--quick]; areas are the files bench/<area>.ts\n`);
    process.exitCode = 2;
    return;
  }
  const lines: BenchLine[] = [];
  const mod = (await import(`./${area}.ts`)) as BenchArea;
  await mod.run({
    quick,
    args: args.filter((a) => a !== area),
    emit: (line) => {
      lines.push(line);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    },
    log: (m) => process.stderr.write(`${m}\n`),
  });
  mkdirSync(join(here, "results"), { recursive: true });
  const file = join(here, "results", `${area}${quick ? ".quick" : ""}.json`);
  // A partial run (`--only=<part>` or section names) replaces its own lines and keeps the others.
  const partial = args.some((a) => a.startsWith("--only=")) || args.filter((a) => !a.startsWith("--")).length > 1;
  let results = lines;
  if (partial && existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as { results?: BenchLine[] };
    const fresh = new Map(lines.map((l) => [l.bench, l]));
    results = (old.results ?? []).map((l) => fresh.get(l.bench) ?? l);
    const placed = new Set(results.map((l) => l.bench));
    results.push(...lines.filter((l) => !placed.has(l.bench)));
  }
  writeFileSync(file, `${JSON.stringify({ area, quick, node: process.version, results }, null, 2)}\n`);
}

await main();
