/**
 * Child process of workflow-crash.test.ts: drives the hotline load against PostgreSQL and prints
 * one line per chunk, until the parent SIGKILLs it (or it finishes and prints "done").
 */
import { postgresStore } from "@elderflow/workflow";
import pg from "pg";
import { driveLoad, PG_URL } from "./workflow-support";

const [schema, count] = process.argv.slice(2);
if (schema === undefined || count === undefined) throw new Error("usage: driver <schema> <count>");
const client = new pg.Client({ connectionString: PG_URL });
await client.connect();
let floor = 0;
try {
  const r = await client.query(`select coalesce(max(at), 0)::bigint as at from ${schema}.wf_events`);
  floor = Number(r.rows[0]?.at ?? 0);
} catch {
  floor = 0;
} finally {
  await client.end();
}
const store = await postgresStore({ connectionString: PG_URL, schema, max: 8 });
process.stdout.write("ready\n");
await driveLoad(store, {
  count: Number(count),
  parallel: 8,
  floor,
  onChunk: (c) => process.stdout.write(`chunk ${c}\n`),
});
await store.close();
process.stdout.write("done\n");
