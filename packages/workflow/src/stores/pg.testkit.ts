import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server of the tests (trust auth). */
export const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A schema name unique to this test file and run, so that parallel test files never collide. */
export function uniqueSchema(tag: string): string {
  return `wf_${tag}_${randomBytes(4).toString("hex")}`;
}

/** Drops a test schema and its migration bookkeeping. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.query("delete from elderflow_migrations where namespace = $1", [`workflow:${schema}`]);
  } finally {
    await client.end();
  }
}
