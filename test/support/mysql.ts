/**
 * MariaDB / MySQL for tests: the server's URL and a database of a test file's own. An unreachable
 * server fails the test that needs it (never a skip); `.ci/run` starts the machine's MariaDB when
 * it is not running.
 */
import mysql from "mysql2/promise";

/** The MySQL-family URL of the test server. */
export const MYSQL_URL = process.env.ELDERFLOW_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** A database name unique to one test file and process. */
export function privateMysqlDatabase(tag: string): string {
  return `${tag}_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Runs one statement as the server's admin (create or drop a test database). */
export async function mysqlAdmin(statement: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 5000 });
  try {
    await conn.query(statement);
  } finally {
    await conn.end();
  }
}

/** The URL of a database on the test server. */
export function mysqlUrlFor(database: string): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates a fresh utf8mb4 database and returns its URL. */
export async function createMysqlDatabase(database: string): Promise<string> {
  await mysqlAdmin(`create database \`${database}\` character set utf8mb4 collate utf8mb4_bin`);
  return mysqlUrlFor(database);
}

/** Drops a database made by {@link createMysqlDatabase}. */
export async function dropMysqlDatabase(database: string): Promise<void> {
  await mysqlAdmin(`drop database if exists \`${database}\``);
}

/** A mysql2 pool as the stores expect it (utf8mb4, several connections). */
export function mysqlPool(url: string, connectionLimit = 4): mysql.Pool {
  return mysql.createPool({ uri: url, charset: "utf8mb4", connectionLimit, supportBigNumbers: true });
}
