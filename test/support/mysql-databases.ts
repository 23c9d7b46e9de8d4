/**
 * MariaDB databases for store tests: every backend a test file opens gets a database of its own
 * (on MySQL a schema is a database, and the append-only tables cannot be emptied between tests),
 * named after the file; `dropAll` in the file's `afterAll` ends every pool first, then drops them.
 * An unreachable server fails the tests (never a skip).
 */
import { type SqlClient, sqlFromMysqlPool } from "@elderflow/core";
import type mysql from "mysql2/promise";
import { createMysqlDatabase, dropMysqlDatabase, mysqlPool, privateMysqlDatabase } from "./mysql";

/** One test database: clients on it (each a pool of its own, as another process would have). */
export interface MysqlTestDatabase {
  /** The database's name. */
  readonly name: string;
  /** A new client of dialect `mysql` on the database (not owning its pool: `dropAll` ends it). */
  client(connectionLimit?: number): SqlClient;
  /** Runs one statement on the database outside any store (`?` placeholders, mysql2's form). */
  run(statement: string, params?: unknown[]): Promise<unknown>;
  /** Ends this database's pools (a backend's own cleanup; `dropAll` does it anyway). */
  end(): Promise<void>;
}

/** The MariaDB databases of one test file. */
export function mysqlTestDatabases(tag: string): {
  create(): Promise<MysqlTestDatabase>;
  dropAll(): Promise<void>;
} {
  const names: string[] = [];
  const allPools = new Set<mysql.Pool>();
  const ended = new WeakSet<mysql.Pool>();
  const endPool = async (pool: mysql.Pool) => {
    if (ended.has(pool)) return;
    ended.add(pool);
    await pool.end();
  };
  return {
    async create() {
      const name = privateMysqlDatabase(tag);
      names.push(name);
      const url = await createMysqlDatabase(name);
      const pools: mysql.Pool[] = [];
      const pool = (limit: number) => {
        const p = mysqlPool(url, limit);
        pools.push(p);
        allPools.add(p);
        return p;
      };
      let admin: mysql.Pool | undefined;
      return {
        name,
        client: (connectionLimit = 3) => sqlFromMysqlPool(pool(connectionLimit), { owned: false }),
        run: async (statement, params = []) => {
          admin ??= pool(1);
          return (await admin.query(statement, params))[0];
        },
        async end() {
          for (const p of pools) await endPool(p);
        },
      };
    },
    async dropAll() {
      for (const p of allPools) await endPool(p);
      for (const name of names) await dropMysqlDatabase(name);
    },
  };
}
