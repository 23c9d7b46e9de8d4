/**
 * Child process of the crash and concurrency tests: applies a command stream to a store in small
 * batches, from the start, printing progress. The crash test SIGKILLs it at random points and runs
 * it again. With `--race` it waits for a line on stdin once its bank is open (so that several
 * children start together) and prints every result as `result <json>`.
 * Usage: tsx --conditions=@elderflow/source test/timebank-crash-child.ts <commands.json> <pglite:dir|postgres:url#schema|mysql:url> [--race]
 */
import { readFileSync } from "node:fs";
import { fixedClock } from "@elderflow/core";
import { createTimeBank, mysqlStore, pgliteStore, postgresStore, type TimeBankStore } from "@elderflow/timebank";
import { asHost, testStars } from "./timebank-support";

const [file, spec, mode] = process.argv.slice(2) as [string, string, string | undefined];
const race = mode === "--race";
const commands = JSON.parse(readFileSync(file, "utf8")) as unknown[];

function open(): TimeBankStore {
  if (spec.startsWith("pglite:")) return pgliteStore({ dataDir: spec.slice("pglite:".length) });
  if (spec.startsWith("mysql:")) return mysqlStore({ uri: spec.slice("mysql:".length), connectionLimit: 1 });
  const [url, schema] = spec.slice("postgres:".length).split("#") as [string, string];
  return postgresStore({ connectionString: url, schema, max: 1 });
}

const bank = asHost(
  await createTimeBank({ store: open(), clock: fixedClock("2027-01-04T09:00:00+08:00"), stars: testStars }),
);
process.stdout.write("ready\n");
if (race) await new Promise((resolve) => process.stdin.once("data", resolve));
const BATCH = 5;
for (let i = 0; i < commands.length; i += BATCH) {
  const results = await bank.submitMany(commands.slice(i, i + BATCH));
  if (race) process.stdout.write(results.map((r) => `result ${JSON.stringify(r)}\n`).join(""));
  process.stdout.write(`applied ${Math.min(i + BATCH, commands.length)}\n`);
}
if (race) process.stdin.destroy();
await bank.close();
process.stdout.write("done\n");
