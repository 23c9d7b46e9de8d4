import { ElderflowError } from "./errors";
import type { IsolationLevel, SqlAdapterOptions, SqlClient, SqlQueryable, SqlResult, TransactionOptions } from "./sql";
import { runPooledTransaction, splitSqlStatements } from "./sql";

/** What mysql2's promise API returns from `query`: rows for a select, a header for a write. */
export type MysqlQueryResult = [unknown, unknown];

/** The part of a mysql2 promise connection that {@link sqlFromMysqlPool} uses. */
export interface MysqlConnectionLike {
  /** mysql2's `query` (text protocol, client-side escaping of `?` values). */
  query(sql: string, values?: unknown[]): Promise<MysqlQueryResult>;
  /** Returns the connection to the pool. */
  release(): void;
  /** Closes the connection instead of returning it (after a failed rollback). */
  destroy(): void;
}

/** The part of a mysql2 promise `Pool` (`mysql2/promise`'s `createPool`) that {@link sqlFromMysqlPool} uses. */
export interface MysqlPoolLike {
  /** mysql2's `Pool.query`. */
  query(sql: string, values?: unknown[]): Promise<MysqlQueryResult>;
  /** mysql2's `Pool.getConnection`. */
  getConnection(): Promise<MysqlConnectionLike>;
  /** mysql2's `Pool.end`. */
  end(): Promise<void>;
}

/** Most statements translated from `$n` to `?` that are kept (the stores use a few dozen). */
const PLACEHOLDER_CACHE_LIMIT = 512;
const placeholderCache = new Map<string, { sql: string; order: number[] }>();

/**
 * Rewrites PostgreSQL-style positional parameters (`$1`, `$2`, …) as MySQL's `?` and returns the
 * parameter order, leaving quoted strings, quoted identifiers and comments alone. A parameter used
 * twice is passed twice.
 *
 * @example
 * ```ts
 * toMysqlPlaceholders("select * from t where a = $2 and b = $1"); // { sql: "select * from t where a = ? and b = ?", order: [1, 0] }
 * ```
 */
export function toMysqlPlaceholders(sql: string): { sql: string; order: number[] } {
  const hit = placeholderCache.get(sql);
  if (hit !== undefined) return hit;
  let out = "";
  const order: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"' || ch === "`") {
      // A quoted run; a doubled quote or a backslash escape stays inside it.
      let j = i + 1;
      while (j < sql.length) {
        const c = sql[j] as string;
        if (c === "\\" && ch !== "`") j += 2;
        else if (c === ch && sql[j + 1] === ch) j += 2;
        else if (c === ch) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === "$") {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 8));
      if (m) {
        order.push(Number(m[1]) - 1);
        out += "?";
        i += m[0].length;
        continue;
      }
    }
    out += ch;
    i++;
  }
  const result = { sql: out, order };
  if (placeholderCache.size >= PLACEHOLDER_CACHE_LIMIT) placeholderCache.clear();
  placeholderCache.set(sql, result);
  return result;
}

function toResult<R>(raw: MysqlQueryResult): SqlResult<R> {
  const [rows] = raw;
  if (Array.isArray(rows)) return { rows: rows as R[], rowCount: rows.length };
  const header = rows as { affectedRows?: number; insertId?: number | bigint } | undefined;
  return {
    rows: [],
    rowCount: header?.affectedRows ?? 0,
    ...(header?.insertId === undefined ? {} : { insertId: Number(header.insertId) }),
  };
}

function runner(target: { query(sql: string, values?: unknown[]): Promise<MysqlQueryResult> }): SqlQueryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      if (params.length === 0) return toResult<R>(await target.query(sql));
      const t = toMysqlPlaceholders(sql);
      return toResult<R>(
        await target.query(
          t.sql,
          t.order.map((k) => params[k]),
        ),
      );
    },
  };
}

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  "read committed": "READ COMMITTED",
  "repeatable read": "REPEATABLE READ",
  serializable: "SERIALIZABLE",
};

/**
 * Wraps a mysql2 promise pool (MySQL 8, MariaDB 10.6+, TiDB, OceanBase's MySQL mode) as a
 * {@link SqlClient} with dialect `"mysql"`. Statements keep PostgreSQL-style `$n` parameters, so
 * code that runs on every dialect (migrations, plain selects) is written once; the stores keep
 * their dialect-specific SQL apart. Transactions take one pooled connection, set the isolation
 * level for that transaction, and are retried on a deadlock or serialization failure when asked.
 *
 * Use a pool created with `charset: "utf8mb4"` (so every Unicode string round-trips) and with
 * `supportBigNumbers: true, bigNumberStrings: false` left at mysql2's defaults. DDL commits
 * implicitly on MySQL, so {@link runMigrations} records each statement's progress on this dialect.
 *
 * @example
 * ```ts
 * import mysql from "mysql2/promise";
 * const sql = sqlFromMysqlPool(mysql.createPool({ uri: "mysql://root@127.0.0.1:3306/test", charset: "utf8mb4" }));
 * ```
 */
export function sqlFromMysqlPool(pool: MysqlPoolLike, options: SqlAdapterOptions = {}): SqlClient {
  let closed = false;
  const direct = runner(pool);
  return {
    dialect: "mysql",
    query: direct.query,
    async exec(script: string) {
      for (const statement of splitSqlStatements(script)) await pool.query(statement);
    },
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> =>
      runPooledTransaction(
        async () => {
          const conn = await pool.getConnection();
          return {
            begin: async () => {
              await conn.query(
                `SET TRANSACTION ISOLATION LEVEL ${ISOLATION_SQL[txOptions.isolation ?? "read committed"]}`,
              );
              await conn.query("START TRANSACTION");
            },
            tx: runner(conn),
            end: async (how) => {
              await conn.query(how === "commit" ? "COMMIT" : "ROLLBACK");
            },
            release: (broken) => (broken ? conn.destroy() : conn.release()),
          };
        },
        fn,
        txOptions.retries ?? 0,
      ),
    async close() {
      if (closed) return;
      closed = true;
      if (options.owned ?? true) await pool.end();
    },
  };
}

/** Where {@link openMysqlClient} gets its connections: a URL, a caller's mysql2 pool, or a ready client. */
export interface MysqlClientOptions {
  /** `mysql://user:password@host:3306/database` (the database must exist): a pool of its own. */
  readonly uri?: string;
  /** Connections in its own pool (default 8). */
  readonly connectionLimit?: number;
  /** A caller's mysql2 promise pool (created with `charset: "utf8mb4"`); never ended here. */
  readonly pool?: MysqlPoolLike;
  /** A ready client of dialect `mysql`; never closed here. */
  readonly sql?: SqlClient;
}

/**
 * Checks {@link MysqlClientOptions} without connecting (for a store that connects on first use).
 *
 * @throws ElderflowError `INVALID_INPUT` for a client of another dialect or when none of `uri`,
 * `pool` and `sql` is given.
 * @example
 * ```ts
 * checkMysqlClientOptions({ uri: "mysql://root@127.0.0.1:3306/elderflow" });
 * ```
 */
export function checkMysqlClientOptions(options: MysqlClientOptions): void {
  if (options.sql !== undefined && options.sql.dialect !== "mysql")
    throw new ElderflowError("INVALID_INPUT", { path: ["sql"], params: { detail: "a mysql client" } });
  if (options.sql === undefined && options.pool === undefined && (options.uri ?? "") === "")
    throw new ElderflowError("INVALID_INPUT", { path: ["uri"], params: { detail: "a uri, a pool or a client" } });
}

/**
 * A {@link SqlClient} on a MySQL-family server, the one way every MySQL store connects: a ready
 * client or a caller's pool is used as given and left open on close; a URL gets a pool of its own
 * with the settings the stores expect (utf8mb4, big numbers as numbers when safe), ended on close.
 * The `mysql2` driver is loaded only then: it is an optional peer dependency, so nothing needs it
 * until a MySQL store is opened.
 *
 * @throws ElderflowError `DRIVER_MISSING` when `mysql2` is not installed; `INVALID_INPUT` for a
 * client of another dialect or when none of the three is given.
 * @example
 * ```ts
 * const sql = await openMysqlClient({ uri: "mysql://root@127.0.0.1:3306/elderflow" });
 * ```
 */
export async function openMysqlClient(options: MysqlClientOptions): Promise<SqlClient> {
  checkMysqlClientOptions(options);
  if (options.sql !== undefined) return { ...options.sql, close: async () => {} };
  if (options.pool !== undefined) return sqlFromMysqlPool(options.pool, { owned: false });
  let driver: { createPool(o: object): MysqlPoolLike };
  try {
    // A name, not a literal: bundlers (a browser build of core) must not pull the driver in.
    const driverModule: string = "mysql2/promise";
    const mod = (await import(driverModule)) as { default?: unknown };
    driver = (mod.default ?? mod) as { createPool(o: object): MysqlPoolLike };
  } catch (cause) {
    throw new ElderflowError("DRIVER_MISSING", { params: { driver: "mysql2" }, cause });
  }
  return sqlFromMysqlPool(
    driver.createPool({
      uri: options.uri as string,
      charset: "utf8mb4",
      connectionLimit: options.connectionLimit ?? 8,
      supportBigNumbers: true,
    }),
  );
}

/** How {@link chunkMysqlRows} splits rows: at most `rows` per statement and about `chars` characters. */
export interface MysqlChunking {
  /** Most rows in one multi-row statement (default 200). */
  readonly rows?: number;
  /** About the most characters of values in one statement (default 1,000,000, far below a 16 MiB packet). */
  readonly chars?: number;
}

/**
 * Splits rows into multi-row MySQL statements of bounded size (PostgreSQL takes whole arrays to
 * `unnest` instead); `size` tells how many characters a row carries. A row larger than the limit
 * goes alone.
 *
 * @example
 * ```ts
 * for (const part of chunkMysqlRows(rows, (r) => r.text.length)) await insert(part);
 * ```
 */
export function chunkMysqlRows<T>(
  items: readonly T[],
  size: (item: T) => number = () => 0,
  limits: MysqlChunking = {},
): T[][] {
  const maxRows = limits.rows ?? 200;
  const maxChars = limits.chars ?? 1_000_000;
  const out: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && (current.length >= maxRows || chars + n > maxChars)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(item);
    chars += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * `($1, $2), ($3, $4), …` and the parameters in order, for a multi-row MySQL `values` list.
 *
 * @example
 * ```ts
 * mysqlValues([["a", 1], ["b", 2]]); // { list: "($1, $2), ($3, $4)", params: ["a", 1, "b", 2] }
 * ```
 */
export function mysqlValues(rows: readonly (readonly unknown[])[]): { list: string; params: unknown[] } {
  const params: unknown[] = [];
  const groups = rows.map((row) => `(${row.map((v) => `$${params.push(v)}`).join(", ")})`);
  return { list: groups.join(", "), params };
}
