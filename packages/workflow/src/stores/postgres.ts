import { type PgPoolLike, sqlFromPgPool } from "@elderflow/core";
import { migrateWorkflowSchema, type SqlStoreOptions, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions extends SqlStoreOptions {
  /** A connection string (e.g. `postgres://postgres@127.0.0.1:5432/test`). Ignored when `pool` is given. */
  readonly connectionString?: string;
  /** An existing node-postgres pool (not ended by the store unless `ownsClient`). */
  readonly pool?: PgPoolLike;
  /** Pool size when the store makes its own pool (default 10). */
  readonly max?: number;
}

/**
 * A store on PostgreSQL through node-postgres, with the workflow tables created on first use.
 * Several engines (processes) may share one database: optimistic concurrency makes exactly one
 * writer win per version.
 *
 * @example
 * ```ts
 * const store = await postgresStore({ connectionString: process.env.ELDERFLOW_PG_URL, schema: "workflow" });
 * ```
 */
export async function postgresStore(options: PostgresStoreOptions = {}): Promise<WorkflowStore> {
  let pool = options.pool;
  if (pool === undefined) {
    const pg = await import("pg");
    const Pool = (pg.default ?? pg).Pool;
    pool = new Pool({ connectionString: options.connectionString, max: options.max ?? 10 }) as unknown as PgPoolLike;
  }
  const client = sqlFromPgPool(pool);
  await migrateWorkflowSchema(client, options.schema ?? "public");
  return sqlStore(client, { ...options, ownsClient: options.ownsClient ?? options.pool === undefined });
}
