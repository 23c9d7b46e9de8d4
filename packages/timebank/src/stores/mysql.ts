import { checkMysqlClientOptions, type MysqlClientOptions, openMysqlClient, type SqlClient } from "@elderflow/core";
import { sqlStore } from "./sql";
import type { TimeBankStore } from "./types";

/** Options for {@link mysqlStore}: a URL, a mysql2 pool, or a ready client (core's {@link MysqlClientOptions}; own pool default 4). */
export type MysqlStoreOptions = MysqlClientOptions;

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
  checkMysqlClientOptions(options);
  let made: Promise<SqlClient> | undefined;
  // The driver is loaded on first use, so importing the package never needs mysql2.
  const real = (): Promise<SqlClient> => {
    made ??= openMysqlClient({ ...options, connectionLimit: options.connectionLimit ?? 4 });
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
