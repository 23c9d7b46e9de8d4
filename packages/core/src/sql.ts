import { ElderflowError } from "./errors";

/** What one statement returned: its rows (empty for a write without `returning`). */
export interface SqlResult<R> {
  /** The rows, in the order the database sent them. */
  rows: R[];
  /** Rows returned or affected, when the driver reports it. */
  rowCount?: number | null;
  /** MySQL only: the first auto-increment id an insert generated. */
  insertId?: number;
}

/** Which database family a {@link SqlClient} talks to: PostgreSQL's (PGlite is single-connection) or MySQL's. */
export type SqlDialect = "pglite" | "postgres" | "mysql";

/** Something that runs one SQL statement with positional parameters (`$1`, `$2`, …). */
export interface SqlQueryable {
  /** Runs a statement and returns its rows. */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<R>>;
}

/** Hints for one {@link SqlQueryable.query}; an adapter that cannot use one ignores it. */
export interface QueryOptions {
  /**
   * The statement runs again and again (a store's hot path): the PGlite adapter parses and plans
   * it once per database (`PREPARE`), then only executes it. Only for statements whose text is
   * fixed; the parameters may vary.
   */
  readonly prepare?: boolean;
}

/** A parameter as an escape-string literal (`E'…'`, the same under either `standard_conforming_strings`). */
function sqlLiteral(value: unknown): string | undefined {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? `'${value}'` : undefined;
  if (typeof value === "bigint" || typeof value === "boolean") return `'${value}'`;
  if (typeof value !== "string") return undefined;
  return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * Runs statements marked {@link QueryOptions.prepare} as prepared statements on a one-session
 * database (PGlite): `PREPARE` on first use, `EXECUTE` with the parameters as literals after
 * (an `EXECUTE` cannot take bound parameters). Prepared statements outlive transactions, so one
 * prepared inside a transaction that rolls back stays usable. A statement being prepared by
 * another caller, or parameters that are not scalars, run the ordinary way.
 */
/** The statements prepared on each PGlite database, shared by every client that wraps it (a session has one namespace). */
/** Names are never reused, even after a failed `PREPARE`. */
let preparedCount = 0;
const preparedByDatabase = new WeakMap<object, Map<string, { readonly name: string; ready: boolean }>>();

function preparedRunner(
  db: object,
): <R>(
  q: { query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> },
  sql: string,
  params: readonly unknown[],
  options: QueryOptions | undefined,
) => Promise<SqlResult<R>> {
  let statements = preparedByDatabase.get(db);
  if (statements === undefined) {
    statements = new Map();
    preparedByDatabase.set(db, statements);
  }
  const prepared = statements;
  return async <R>(
    q: { query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> },
    sql: string,
    params: readonly unknown[],
    options: QueryOptions | undefined,
  ) => {
    const literals = options?.prepare === true ? params.map(sqlLiteral) : undefined;
    if (literals === undefined || literals.some((l) => l === undefined)) return q.query<R>(sql, [...params]);
    let statement = prepared.get(sql);
    if (statement === undefined) {
      statement = { name: `elderflow_p${++preparedCount}`, ready: false };
      prepared.set(sql, statement);
      try {
        await q.query(`prepare ${statement.name} as ${sql}`);
      } catch (e) {
        prepared.delete(sql);
        throw e;
      }
      statement.ready = true;
    } else if (!statement.ready) return q.query<R>(sql, [...params]);
    return q.query<R>(
      params.length === 0 ? `execute ${statement.name}` : `execute ${statement.name}(${literals.join(", ")})`,
    );
  };
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
  /** Which dialect is behind it (`pglite` and `postgres` speak PostgreSQL; `mysql` covers MySQL, MariaDB, TiDB). */
  readonly dialect: SqlDialect;
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
  /** pg's `Client.on`: a checked-out client reports a broken connection as an `error` event. */
  on?(event: "error", listener: (error: Error) => void): unknown;
  /** pg's `Client.off`. */
  off?(event: "error", listener: (error: Error) => void): unknown;
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

/**
 * Keeps a node-postgres pool that Elderflow created from crashing its host when the server goes
 * away: an idle pooled client whose connection breaks (a restart, a failover, a killed backend)
 * makes the pool emit `error`, which without a listener is an uncaught exception. The pool drops
 * that client by itself and the next query opens a new connection (or fails with the driver's
 * error), so the listener only has to exist. Pools a caller injects are left to the caller.
 *
 * @example
 * ```ts
 * const pool = guardIdleClients(new pg.Pool({ connectionString }));
 * ```
 */
export function guardIdleClients<P extends { on(event: "error", listener: (error: Error) => void): unknown }>(
  pool: P,
): P {
  pool.on("error", () => undefined);
  return pool;
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
  const run = preparedRunner(db);
  return {
    dialect: "pglite",
    query: <R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) =>
      run<R>(db, sql, params, options),
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) =>
      db.transaction((tx) =>
        fn({
          query: <R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) =>
            run<R>(tx, sql, params, options),
        }),
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
/** MySQL error numbers a retry may cure: 1213 deadlock, 1205 lock wait timeout. */
const RETRYABLE_MYSQL = new Set([1213, 1205]);

/**
 * The SQLSTATE of a driver error: node-postgres and PGlite put it in `code`, mysql2 in `sqlState`.
 *
 * @example
 * ```ts
 * sqlStateOf({ code: "23505" }); // "23505"
 * ```
 */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; sqlState?: unknown };
  if (typeof e.sqlState === "string") return e.sqlState;
  return typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}

function mysqlErrno(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === "number" ? errno : undefined;
}

/**
 * Whether a driver error is a serialization failure or deadlock that a retry may cure
 * (SQLSTATE 40001 or 40P01; on MySQL also error 1213 deadlock and 1205 lock wait timeout).
 *
 * @example
 * ```ts
 * if (isRetryableSqlError(e)) retry();
 * ```
 */
export function isRetryableSqlError(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined && RETRYABLE.has(state)) return true;
  const errno = mysqlErrno(error);
  return errno !== undefined && RETRYABLE_MYSQL.has(errno);
}

/**
 * Whether a driver error is a unique-key violation (PostgreSQL 23505, MySQL error 1062), the
 * sign that another writer got there first.
 *
 * @example
 * ```ts
 * if (isUniqueViolation(e)) return existing();
 * ```
 */
export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === "23505" || mysqlErrno(error) === 1062;
}

/**
 * Rethrows a driver error, as `STORE_READ_ONLY` when the server refused a write because it is
 * read-only (SQLSTATE 25006: a hot standby, a replica, `default_transaction_read_only`); the
 * driver's error stays the cause. Every other error passes unchanged.
 */
function refuseReadOnly(error: unknown): never {
  if (sqlStateOf(error) === "25006") throw new ElderflowError("STORE_READ_ONLY", { cause: error });
  throw error;
}

/** One pooled connection as {@link runPooledTransaction} drives it (one per dialect adapter). */
export interface PooledTransaction {
  /** Opens the transaction at the wanted isolation level. */
  begin(): Promise<void>;
  /** Runs the statements of the transaction. */
  readonly tx: SqlQueryable;
  /** Commits or rolls back. */
  end(how: "commit" | "rollback"): Promise<void>;
  /** Gives the connection back; `broken` when its rollback failed, so the pool drops it. */
  release(broken: boolean): void;
}

/**
 * The transaction loop every pooled adapter shares: take a connection, begin, run `fn`, commit;
 * on failure roll back (a connection whose rollback failed is released as broken) and try again,
 * up to `retries` times, when the error is one a retry may cure ({@link isRetryableSqlError}).
 *
 * @example
 * ```ts
 * await runPooledTransaction(connect, (tx) => tx.query("select 1"), 3);
 * ```
 */
export async function runPooledTransaction<T>(
  connect: () => Promise<PooledTransaction>,
  fn: (tx: SqlQueryable) => Promise<T>,
  retries: number,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const conn = await connect();
    let broken = false;
    try {
      await conn.begin();
      const result = await fn(conn.tx);
      await conn.end("commit");
      return result;
    } catch (error) {
      try {
        await conn.end("rollback");
      } catch {
        broken = true;
      }
      if (attempt < retries && isRetryableSqlError(error)) continue;
      throw error;
    } finally {
      conn.release(broken);
    }
  }
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
      (await pool.query(sql, [...params]).catch(refuseReadOnly)) as SqlResult<R>,
    async exec(sql: string) {
      await pool.query(sql).catch(refuseReadOnly);
    },
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> =>
      runPooledTransaction(
        async () => {
          const client = await pool.connect();
          // A connection that breaks between two statements of the transaction (a failover) is an
          // `error` event on the checked-out client, uncaught without a listener; the next
          // statement fails with it anyway, and the broken client is released as broken.
          const onError = () => undefined;
          client.on?.("error", onError);
          return {
            begin: async () => {
              await client.query(`BEGIN ISOLATION LEVEL ${(txOptions.isolation ?? "read committed").toUpperCase()}`);
            },
            tx: {
              query: async <R>(sql: string, params: readonly unknown[] = []) =>
                (await client.query(sql, [...params]).catch(refuseReadOnly)) as SqlResult<R>,
            },
            end: async (how) => {
              await client.query(how === "commit" ? "COMMIT" : "ROLLBACK");
            },
            release: (broken) => {
              client.off?.("error", onError);
              client.release(broken);
            },
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

/** One versioned schema migration. */
export interface Migration {
  /** Version number; migrations run in ascending order, each once. */
  readonly version: number;
  /** Short name, for the record. */
  readonly name: string;
  /** The SQL script, split into statements at semicolons outside quotes and comments. */
  readonly sql: string;
  /**
   * The statements, when a script cannot be split at semicolons (a MySQL trigger with a
   * `BEGIN … END` body); used instead of `sql` when present.
   */
  readonly statements?: readonly string[];
}

/**
 * Applies the migrations of one namespace (e.g. `"timebank"`) that have not run yet, recording
 * them in `elderflow_migrations`. Safe to call on every start and from several processes at once:
 * an advisory lock serialises them (`pg_advisory_xact_lock` on PostgreSQL, `GET_LOCK` on MySQL).
 *
 * On PostgreSQL each run is one transaction, so a migration applies whole or not at all. MySQL
 * commits every DDL statement implicitly, so there each statement's completion is recorded in
 * `elderflow_migration_steps` and a run cut short resumes at the first statement not done; write
 * MySQL migrations so that a statement cut off before its record can run again (`if not exists`).
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
  if (client.dialect === "mysql") return runMysqlMigrations(client, namespace, sorted);
  // A schema already current takes no lock and writes nothing: every start after the first is one
  // read, and a read-only server (a hot standby, a read replica) opens a store whose schema its
  // primary has migrated. Only a schema that lacks a version goes on to the locked run below.
  if (await allApplied(client, namespace, sorted)) return [];
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
      for (const statement of statementsOf(m)) await tx.query(statement);
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

/** Whether every migration of a namespace is recorded already (PostgreSQL dialects; no lock). */
async function allApplied(client: SqlClient, namespace: string, sorted: readonly Migration[]): Promise<boolean> {
  const table = await client.query<{ t: string | null }>("select to_regclass('elderflow_migrations')::text as t");
  if (table.rows[0]?.t == null) return false;
  const done = await client.query<{ version: number }>(
    "select version from elderflow_migrations where namespace = $1",
    [namespace],
  );
  const have = new Set(done.rows.map((r) => Number(r.version)));
  return sorted.every((m) => have.has(m.version));
}

function statementsOf(m: Migration): readonly string[] {
  return m.statements ?? splitSqlStatements(m.sql);
}

/** Seconds a MySQL process waits for another's migrations before giving up. */
const MYSQL_MIGRATION_LOCK_S = 120;

async function runMysqlMigrations(
  client: SqlClient,
  namespace: string,
  sorted: readonly Migration[],
): Promise<number[]> {
  const applied: number[] = [];
  // GET_LOCK belongs to a session, so everything runs on the one connection a transaction holds;
  // each DDL statement commits implicitly, which is why progress is recorded per statement.
  await client.transaction(async (tx) => {
    const got = await tx.query<{ ok: number | null }>("select get_lock('elderflow:migrations', $1) as ok", [
      MYSQL_MIGRATION_LOCK_S,
    ]);
    if (Number(got.rows[0]?.ok) !== 1)
      throw new ElderflowError("MIGRATION_LOCK_TIMEOUT", { params: { seconds: MYSQL_MIGRATION_LOCK_S } });
    try {
      await tx.query(
        "create table if not exists elderflow_migrations (namespace varchar(64) not null, version integer not null, name varchar(200) not null, primary key (namespace, version)) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin",
      );
      await tx.query(
        "create table if not exists elderflow_migration_steps (namespace varchar(64) not null, version integer not null, step integer not null, primary key (namespace, version, step)) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin",
      );
      const done = await tx.query<{ version: number }>(
        "select version from elderflow_migrations where namespace = $1",
        [namespace],
      );
      const have = new Set(done.rows.map((r) => Number(r.version)));
      for (const m of sorted) {
        if (have.has(m.version)) continue;
        const steps = await tx.query<{ step: number }>(
          "select step from elderflow_migration_steps where namespace = $1 and version = $2",
          [namespace, m.version],
        );
        const stepsDone = new Set(steps.rows.map((r) => Number(r.step)));
        const statements = statementsOf(m);
        for (let k = 0; k < statements.length; k++) {
          if (stepsDone.has(k)) continue;
          await tx.query(statements[k] as string);
          await tx.query("insert into elderflow_migration_steps (namespace, version, step) values ($1, $2, $3)", [
            namespace,
            m.version,
            k,
          ]);
          await tx.query("commit");
        }
        await tx.query("insert into elderflow_migrations (namespace, version, name) values ($1, $2, $3)", [
          namespace,
          m.version,
          m.name,
        ]);
        await tx.query("delete from elderflow_migration_steps where namespace = $1 and version = $2", [
          namespace,
          m.version,
        ]);
        await tx.query("commit");
        applied.push(m.version);
      }
    } finally {
      await tx.query("select release_lock('elderflow:migrations')");
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
