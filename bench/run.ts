/**
 * `pnpm bench <area> [--quick]`: runs one benchmark area (a file `bench/<area>.ts` exporting `run`),
 * prints one JSON line per result on stdout, and writes them to `bench/results/<area>.json`.
 * `--quick` keeps an area under a minute. Each area runs its named peer in the same process and
 * reports the ratio; nothing here asserts a time.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
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
  writeFileSync(
    join(here, "results", `${area}${quick ? ".quick" : ""}.json`),
    `${JSON.stringify({ area, quick, node: process.version, results: lines }, null, 2)}\n`,
  );
}

await main();
