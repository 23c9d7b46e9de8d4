/**
 * Child process of the checkpoint crash test: opens the bank (from its newest checkpoint plus the
 * journal), then writes a checkpoint, printing `writing` just before and `written <seq>` after. The
 * parent SIGKILLs it while it writes.
 * Usage: tsx --conditions=@elderflow/source test/timebank-checkpoint-crash-child.ts <url> <schema>
 */
import { fixedClock } from "@elderflow/core";
import { createTimeBank, postgresStore } from "@elderflow/timebank";
import { testStars } from "./timebank-support";

const [url, schema] = process.argv.slice(2) as [string, string];
const bank = await createTimeBank({
  store: postgresStore({ connectionString: url, schema, max: 1 }),
  clock: fixedClock("2027-01-04T09:00:00+08:00"),
  stars: testStars,
  checkpointEvery: 0,
});
process.stdout.write("writing\n");
const seq = await bank.writeCheckpoint();
process.stdout.write(`written ${seq}\n`);
await bank.close();
