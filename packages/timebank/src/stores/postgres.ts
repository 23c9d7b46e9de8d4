import { ElderflowError, guardIdleClients, sqlFromPgPool } from "@elderflow/core";
import pg from "pg";
import { sqlStore } from "./sql";
import type { TimeBankStore } from "./types";

/** Options for {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** A `postgres://` URL. */
  readonly connectionString?: string;
  /** Schema to keep the tables in (created if missing); default `public`. */
  readonly schema?: string;
  /** Pool size (default 4). */
  readonly max?: number;
  /** An existing pool instead (not ended by the store; its search_path is used as is). */
  readonly pool?: pg.Pool;
}

/**
 * PostgreSQL through node-postgres. Several processes may write to one database at once: each
 * batch locks the journal head row first, so writers serialise in one fixed order.
 *
 * @example
 * ```ts
 * const store = postgresStore({ connectionString: "postgres://postgres@127.0.0.1:5432/test", schema: "timebank" });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): TimeBankStore {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new ElderflowError("INVALID_INPUT", { path: ["schema"], params: { detail: "schema name" } });
  const pool =
    options.pool ??
    guardIdleClients(
      new pg.Pool({
        ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }),
        max: options.max ?? 4,
        ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      }),
    );
  const inner = sqlStore(sqlFromPgPool(pool, { owned: options.pool === undefined }));
  return {
    ...inner,
    kind: "postgres",
    async open() {
      if (schema !== undefined && options.pool === undefined) {
        try {
          await pool.query(`create schema if not exists ${schema}`);
        } catch (error) {
          // Two processes creating the schema at the same instant: one wins, the other sees 23505.
          if ((error as { code?: string }).code !== "23505") throw error;
        }
      }
      await inner.open();
    },
  };
}
