/**
 * Child process of the checkpoint crash test: opens the bank (from its newest checkpoint plus the
 * journal), then writes a checkpoint, printing `writing` just before and `written <seq>` after. The
 * parent SIGKILLs it while it writes.
 * Usage: tsx --conditions=@elderflow/source test/timebank-checkpoint-crash-child.ts <postgres:url#schema|mysql:url>
 */
import { fixedClock } from "@elderflow/core";
import { createTimeBank, mysqlStore, postgresStore, type TimeBankStore } from "@elderflow/timebank";
import { testStars } from "./timebank-support";

const [spec] = process.argv.slice(2) as [string];

function open(): TimeBankStore {
  if (spec.startsWith("mysql:")) return mysqlStore({ uri: spec.slice("mysql:".length), connectionLimit: 1 });
  const [url, schema] = spec.slice("postgres:".length).split("#") as [string, string];
  return postgresStore({ connectionString: url, schema, max: 1 });
}

const bank = await createTimeBank({
  store: open(),
  clock: fixedClock("2027-01-04T09:00:00+08:00"),
  stars: testStars,
  checkpointEvery: 0,
});
process.stdout.write("writing\n");
const seq = await bank.writeCheckpoint();
process.stdout.write(`written ${seq}\n`);
await bank.close();
