/**
 * PostgreSQL for tests: the server's URL and a database of a test file's own. An unreachable
 * server fails the test that needs it (never a skip).
 */
import pg from "pg";

/** The PostgreSQL URL of the test server. */
export const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A database name unique to one test file and process. */
export function privateDatabase(tag: string): string {
  return `${tag}_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Runs one statement as the server's admin (create or drop a test database). */
export async function pgAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
