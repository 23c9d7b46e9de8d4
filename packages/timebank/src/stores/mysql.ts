import { ElderflowError, type MysqlPoolLike, openMysqlClient, type SqlClient, sqlFromMysqlPool } from "@elderflow/core";
import { sqlStore } from "./sql";
import type { TimeBankStore } from "./types";

/** Options for {@link mysqlStore}: a URL, a mysql2 pool, or a ready client. */
export interface MysqlStoreOptions {
  /** A `mysql://user:password@host:port/database` URL (the database must exist). */
  readonly uri?: string;
  /** Pool size when the store opens its own pool (default 4). */
  readonly connectionLimit?: number;
  /** An existing mysql2 promise pool (created with `charset: "utf8mb4"`); not ended by the store. */
  readonly pool?: MysqlPoolLike;
  /** A ready client of dialect `mysql`; not closed by the store. */
  readonly sql?: SqlClient;
}

/**
 * MySQL 8 or MariaDB 10.6+ through mysql2 (an optional peer dependency: install `mysql2` to use
 * it). The schema is the PostgreSQL one translated (`TIMEBANK_MYSQL_MIGRATIONS`): InnoDB tables in
 * `utf8mb4`, command keys compared as bytes, append-only triggers, TRUNCATE refused by foreign keys.
 * Several processes may write to one database: each batch locks the head row first.
 *
 * @example
 * ```ts
 * const store = mysqlStore({ uri: "mysql://root@127.0.0.1:3306/test" });
 * ```
 */
export function mysqlStore(options: MysqlStoreOptions): TimeBankStore {
  if (options.sql !== undefined && options.sql.dialect !== "mysql")
    throw new ElderflowError("INVALID_INPUT", { path: ["sql"], params: { detail: "a mysql client" } });
  if (options.sql === undefined && options.pool === undefined && (options.uri ?? "") === "")
    throw new ElderflowError("INVALID_INPUT", { path: ["uri"], params: { detail: "a uri, a pool or a client" } });
  let made: Promise<SqlClient> | undefined;
  // The driver is loaded on first use, so importing the package never needs mysql2.
  const real = (): Promise<SqlClient> => {
    made ??= connect(options);
    return made;
  };
  const lazy: SqlClient = {
    dialect: "mysql",
    query: async (sql, params) => (await real()).query(sql, params),
    exec: async (sql) => (await real()).exec(sql),
    transaction: async (fn, txOptions) => (await real()).transaction(fn, txOptions),
    async close() {
      if (made !== undefined) await (await made).close();
    },
  };
  return { ...sqlStore(lazy), kind: "mysql" };
}

async function connect(options: MysqlStoreOptions): Promise<SqlClient> {
  if (options.sql !== undefined) return { ...options.sql, close: async () => {} };
  if (options.pool !== undefined) return sqlFromMysqlPool(options.pool, { owned: false });
  return openMysqlClient({ uri: options.uri ?? "", connectionLimit: options.connectionLimit ?? 4 });
}
