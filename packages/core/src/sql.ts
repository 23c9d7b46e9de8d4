import { ElderflowError } from "./errors";

/** Something that runs one SQL statement with positional parameters (`$1`, `$2`, …). */
export interface SqlQueryable {
  /** Runs a statement and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** Transaction isolation levels that the adapters understand. */
export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

/** Options for {@link SqlClient.transaction}. */
export interface TransactionOptions {
  /** Isolation level (default read committed). */
  readonly isolation?: IsolationLevel;
  /**
   * How many times to run the whole function again after a serialization failure (SQLSTATE 40001)
   * or a deadlock (40P01). Default 0. The function must be safe to re-run: it sees a fresh transaction.
   */
  readonly retries?: number;
}

/**
 * The small SQL interface that Elderflow's PGlite and PostgreSQL stores are written against, so that
 * the time bank and the workflow engine share one way of talking to either database. Core does not
 * depend on any driver: wrap the driver's own object with {@link sqlFromPglite} or
 * {@link sqlFromPgPool}.
 */
export interface SqlClient extends SqlQueryable {
  /** Which dialect is behind it (both speak PostgreSQL; PGlite is single-connection). */
  readonly dialect: "pglite" | "postgres";
  /** Runs a function inside one transaction; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Releases the connection or pool (only if this client owns it); a second call does nothing. */
  close(): Promise<void>;
}

/** The part of PGlite's `PGlite` object that {@link sqlFromPglite} uses. */
export interface PgliteLike {
  /** PGlite's `query`. */
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** PGlite's `exec`. */
  exec(sql: string): Promise<unknown>;
  /** PGlite's `transaction`. */
  transaction<T>(
    fn: (tx: { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>,
  ): Promise<T>;
  /** PGlite's `close`. */
  close(): Promise<void>;
}

/** The part of node-postgres's pooled client that {@link sqlFromPgPool} uses. */
export interface PgClientLike {
  /** pg's `query`. */
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Returns the client to the pool (pass an error to discard it). */
  release(err?: Error | boolean): void;
}

/** The part of node-postgres's `Pool` that {@link sqlFromPgPool} uses. */
export interface PgPoolLike {
  /** pg's `Pool.query`. */
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** pg's `Pool.connect`. */
  connect(): Promise<PgClientLike>;
  /** pg's `Pool.end`. */
  end(): Promise<void>;
}

/** Options for the adapters. */
export interface SqlAdapterOptions {
  /** Whether `close()` closes the underlying database or pool (default true). */
  readonly owned?: boolean;
}

/**
 * Wraps a PGlite instance (the embedded default) as a {@link SqlClient}. PGlite runs one
 * connection, so its transactions are serial by construction; the isolation option is accepted
 * and has no further effect.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * const sql = sqlFromPglite(new PGlite("./.elderflow/db"));
 * ```
 */
export function sqlFromPglite(db: PgliteLike, options: SqlAdapterOptions = {}): SqlClient {
  let closed = false;
  return {
    dialect: "pglite",
    query: <R>(sql: string, params: readonly unknown[] = []) => db.query<R>(sql, [...params]),
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) =>
      db.transaction((tx) =>
        fn({ query: <R>(sql: string, params: readonly unknown[] = []) => tx.query<R>(sql, [...params]) }),
      ),
    async close() {
      // Idempotent: an owner that closes on a failed open and a caller that closes again are both fine.
      if (closed) return;
      closed = true;
      if (options.owned ?? true) await db.close();
    },
  };
}

const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * Whether an error from PostgreSQL is a serialization failure or deadlock that a retry may cure.
 *
 * @example
 * ```ts
 * if (isRetryableSqlError(e)) retry();
 * ```
 */
export function isRetryableSqlError(error: unknown): boolean {
  return typeof error === "object" && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));
}

/**
 * Wraps a node-postgres `Pool` as a {@link SqlClient}. Transactions take one pooled connection,
 * run `BEGIN ISOLATION LEVEL …`, and are retried on serialization failure or deadlock when asked.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * const sql = sqlFromPgPool(new pg.Pool({ connectionString: process.env.ELDERFLOW_PG_URL }));
 * ```
 */
export function sqlFromPgPool(pool: PgPoolLike, options: SqlAdapterOptions = {}): SqlClient {
  let closed = false;
  return {
    dialect: "postgres",
    query: async <R>(sql: string, params: readonly unknown[] = []) =>
      (await pool.query(sql, [...params])) as { rows: R[] },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      const retries = txOptions.retries ?? 0;
      for (let attempt = 0; ; attempt++) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query(`BEGIN ISOLATION LEVEL ${(txOptions.isolation ?? "read committed").toUpperCase()}`);
          const result = await fn({
            query: async <R>(sql: string, params: readonly unknown[] = []) =>
              (await client.query(sql, [...params])) as { rows: R[] },
          });
          await client.query("COMMIT");
          return result;
        } catch (error) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
          if (attempt < retries && isRetryableSqlError(error)) continue;
          throw error;
        } finally {
          client.release(broken);
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (options.owned ?? true) await pool.end();
    },
  };
}

/** One versioned schema migration. */
export interface Migration {
  /** Version number; migrations run in ascending order, each once. */
  readonly version: number;
  /** Short name, for the record. */
  readonly name: string;
  /** The SQL script. */
  readonly sql: string;
}

/**
 * Applies the migrations of one namespace (e.g. `"timebank"`) that have not run yet, each in its
 * own transaction, recording them in `elderflow_migrations`. Safe to call on every start and from
 * several processes at once (an advisory lock on PostgreSQL serialises them).
 *
 * @example
 * ```ts
 * await runMigrations(sql, "timebank", [{ version: 1, name: "init", sql: "create table …" }]);
 * ```
 */
export async function runMigrations(
  client: SqlClient,
  namespace: string,
  migrations: readonly Migration[],
): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as Migration).version === (sorted[i - 1] as Migration).version)
      throw new ElderflowError("DUPLICATE_ID", { params: { id: `${namespace}@${(sorted[i] as Migration).version}` } });
  }
  const applied: number[] = [];
  await client.transaction(async (tx) => {
    // One lock for every namespace: the bookkeeping table itself is created under it, so two
    // processes opening a fresh database at once never race on `create table`.
    if (client.dialect === "postgres") await tx.query("select pg_advisory_xact_lock(hashtext('elderflow:migrations'))");
    await tx.query(
      "create table if not exists elderflow_migrations (namespace text not null, version integer not null, name text not null, primary key (namespace, version))",
    );
    const done = await tx.query<{ version: number }>("select version from elderflow_migrations where namespace = $1", [
      namespace,
    ]);
    const have = new Set(done.rows.map((r) => Number(r.version)));
    for (const m of sorted) {
      if (have.has(m.version)) continue;
      for (const statement of splitSqlStatements(m.sql)) await tx.query(statement);
      await tx.query("insert into elderflow_migrations (namespace, version, name) values ($1, $2, $3)", [
        namespace,
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
  });
  return applied;
}

/**
 * Splits a migration script into statements at semicolons outside quotes, dollar-quoted bodies
 * and comments (parameterised `query` runs one statement at a time).
 *
 * @example
 * ```ts
 * splitSqlStatements("create table a (x int); create table b (y int);").length; // 2
 * ```
 */
export function splitSqlStatements(script: string): string[] {
  const out: string[] = [];
  let cur = "";
  let i = 0;
  while (i < script.length) {
    const ch = script[i] as string;
    const rest = script.slice(i);
    if (rest.startsWith("--")) {
      const end = script.indexOf("\n", i);
      i = end === -1 ? script.length : end + 1;
      continue;
    }
    if (rest.startsWith("/*")) {
      const end = script.indexOf("*/", i + 2);
      i = end === -1 ? script.length : end + 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = script.indexOf(ch, i + 1);
      const stop = end === -1 ? script.length : end + 1;
      cur += script.slice(i, stop);
      i = stop;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = script.indexOf(tag, i + tag.length);
      const stop = end === -1 ? script.length : end + tag.length;
      cur += script.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
