import { guardIdleClients, type PgClientLike, type PgPoolLike, sqlFromPgPool } from "@elderflow/core";
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
    pool = guardIdleClients(
      new Pool({ connectionString: options.connectionString, max: options.max ?? 10 }),
    ) as unknown as PgPoolLike;
  }
  const client = sqlFromPgPool(pool);
  const schema = options.schema ?? "public";
  try {
    await migrateWorkflowSchema(client, schema, { partitionByCommunity: options.partitionByCommunity ?? false });
  } catch (e) {
    // A store that fails to open leaves no pool of its own behind.
    if (options.pool === undefined) await client.close();
    throw e;
  }
  // One channel per schema (the schema name is checked as a plain identifier by the migration).
  const channel = `elderflow_wf_${schema}`;
  const store = sqlStore(client, {
    ...options,
    notifyChannel: channel,
    ownsClient: options.ownsClient ?? options.pool === undefined,
  });
  const listenOn = pool;
  return {
    ...store,
    async subscribe(onWake) {
      const conn = (await listenOn.connect()) as PgClientLike & Listening;
      const handler = (m: { channel: string }) => {
        if (m.channel === channel) onWake();
      };
      conn.on("notification", handler);
      try {
        await conn.query(`listen ${channel}`);
      } catch (e) {
        conn.removeListener("notification", handler);
        conn.release(true);
        throw e;
      }
      return async () => {
        conn.removeListener("notification", handler);
        try {
          await conn.query(`unlisten ${channel}`);
          conn.release();
        } catch {
          conn.release(true);
        }
      };
    },
  };
}

/** The event side of node-postgres's client that LISTEN needs. */
interface Listening {
  on(event: "notification", listener: (m: { channel: string }) => void): unknown;
  removeListener(event: "notification", listener: (m: { channel: string }) => void): unknown;
}
