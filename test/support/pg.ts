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

/**
 * Drops a test database once its sessions have gone. `pool.end()` resolves before its sockets
 * close, so a forced drop right after it kills sessions that are still closing, and their clients
 * raise an unhandled 57P01; this waits for them (up to 15 s) and forces only what remains.
 */
export async function dropPgDatabase(name: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      await pgAdmin(`drop database if exists ${name}`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== "55006") throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await pgAdmin(`drop database if exists ${name} with (force)`);
}
