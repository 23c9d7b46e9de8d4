/**
 * Two clients on one fresh database, each with a pool of its own, as two processes of one
 * deployment would have: for the race tests of the system's stores on PostgreSQL and MariaDB.
 */
import { type SqlClient, sqlFromMysqlPool, sqlFromPgPool } from "@elderflow/core";
import pg from "pg";
import { createMysqlDatabase, dropMysqlDatabase, mysqlPool } from "./mysql";
import { dropPgDatabase, PG_URL, pgAdmin } from "./pg";

/** Two clients and the cleanup that drops their database (close the clients first). */
export interface TwoClients {
  /** The first process's client. */
  readonly a: SqlClient;
  /** The second process's client. */
  readonly b: SqlClient;
  /** Drops the database. */
  cleanup(): Promise<void>;
}

/** A client of its own pool (two connections) on an existing PostgreSQL database. */
export function pgClient(db: string): SqlClient {
  const url = new URL(PG_URL);
  url.pathname = `/${db}`;
  return sqlFromPgPool(new pg.Pool({ connectionString: url.toString(), max: 2 }));
}

/** Creates the PostgreSQL database `db` and opens two clients on it. */
export async function twoPgClients(db: string): Promise<TwoClients> {
  await pgAdmin(`create database ${db}`);
  return { a: pgClient(db), b: pgClient(db), cleanup: () => dropPgDatabase(db) };
}

/** Creates the MariaDB database `db` and opens two clients on it. */
export async function twoMysqlClients(db: string): Promise<TwoClients> {
  const url = await createMysqlDatabase(db);
  return {
    a: sqlFromMysqlPool(mysqlPool(url, 2)),
    b: sqlFromMysqlPool(mysqlPool(url, 2)),
    cleanup: () => dropMysqlDatabase(db),
  };
}
