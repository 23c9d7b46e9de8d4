/**
 * Child process of the crash test: applies a command stream to a store in small batches, from the
 * start, printing progress. The parent SIGKILLs it at random points and runs it again.
 * Usage: tsx --conditions=@elderflow/source test/timebank-crash-child.ts <commands.json> <pglite:dir|postgres:url#schema>
 */
import { readFileSync } from "node:fs";
import { fixedClock } from "@elderflow/core";
import { createTimeBank, pgliteStore, postgresStore, type TimeBankStore } from "@elderflow/timebank";
import { asHost, testStars } from "./timebank-support";

const [file, spec] = process.argv.slice(2) as [string, string];
const commands = JSON.parse(readFileSync(file, "utf8")) as unknown[];

function open(): TimeBankStore {
  if (spec.startsWith("pglite:")) return pgliteStore({ dataDir: spec.slice("pglite:".length) });
  const [url, schema] = spec.slice("postgres:".length).split("#") as [string, string];
  return postgresStore({ connectionString: url, schema, max: 1 });
}

const bank = asHost(
  await createTimeBank({ store: open(), clock: fixedClock("2027-01-04T09:00:00+08:00"), stars: testStars }),
);
process.stdout.write("ready\n");
const BATCH = 5;
for (let i = 0; i < commands.length; i += BATCH) {
  await bank.submitMany(commands.slice(i, i + BATCH));
  process.stdout.write(`applied ${Math.min(i + BATCH, commands.length)}\n`);
}
await bank.close();
process.stdout.write("done\n");
