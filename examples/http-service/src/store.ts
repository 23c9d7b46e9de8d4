/**
 * Where the service keeps its state: PGlite (embedded, the default) in a local folder or in
 * memory, or a PostgreSQL server. On PostgreSQL the service uses a database of its own (created
 * if missing), so its tables never mix with other applications' or tests'.
 */
import { ElderflowError } from "@elderflow/core";
import type { StoreSpec } from "elderflow";
import pg from "pg";

/** The PostgreSQL server used when none is configured (the local test server). */
export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkDatabaseName(name: string): string {
  if (!DB_NAME.test(name))
    throw new ElderflowError("INVALID_FORMAT", { path: ["database"], params: { format: "database name" } });
  return name;
}

/** The same server URL with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${checkDatabaseName(database)}`;
  return u.toString();
}

/**
 * Creates a database on the server of `url` unless it exists, and returns the URL of that database.
 *
 * @example
 * ```ts
 * const url = await ensureDatabase(process.env.ELDERFLOW_PG_URL ?? DEFAULT_PG_URL, "elderflow_http");
 * ```
 */
export async function ensureDatabase(url: string, database: string): Promise<string> {
  const name = checkDatabaseName(database);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${name}`);
      } catch (error) {
        // Another process created it first (42P04 duplicate_database): that is what we wanted.
        if ((error as { code?: unknown }).code !== "42P04") throw error;
      }
    }
  } finally {
    await client.end();
  }
  return withDatabase(url, name);
}

/**
 * Drops a database (closing its sessions); for tests that made one of their own.
 *
 * @example
 * ```ts
 * await dropDatabase(DEFAULT_PG_URL, "ef_http_test_1");
 * ```
 */
export async function dropDatabase(url: string, database: string): Promise<void> {
  const name = checkDatabaseName(database);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * The store from the environment: `ELDERFLOW_STORE` = `pglite` (default) | `postgres` | `memory`;
 * for PGlite `ELDERFLOW_DATA_DIR` (default `.elderflow/http-service`; `memory` for an in-memory
 * database); for PostgreSQL `ELDERFLOW_PG_URL` (the server) and `ELDERFLOW_PG_DATABASE` (default
 * `elderflow_http`, created if missing).
 *
 * @example
 * ```ts
 * const store = await storeFromEnv(process.env);
 * ```
 */
export async function storeFromEnv(env: Readonly<Record<string, string | undefined>>): Promise<StoreSpec> {
  const kind = env.ELDERFLOW_STORE ?? "pglite";
  if (kind === "memory") return { kind: "memory" };
  if (kind === "postgres") {
    const server = env.ELDERFLOW_PG_URL ?? DEFAULT_PG_URL;
    return { kind: "postgres", url: await ensureDatabase(server, env.ELDERFLOW_PG_DATABASE ?? "elderflow_http") };
  }
  if (kind !== "pglite")
    throw new ElderflowError("INVALID_ENUM", {
      path: ["ELDERFLOW_STORE"],
      params: { options: "pglite, postgres, memory" },
    });
  const dir = env.ELDERFLOW_DATA_DIR ?? ".elderflow/http-service";
  return dir === "memory" ? { kind: "pglite" } : { kind: "pglite", dataDir: dir };
}
