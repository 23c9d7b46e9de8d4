import { ElderflowError } from "./errors";
import type { QueryOptions, SqlClient, SqlQueryable, TransactionOptions } from "./sql";

/** A {@link SqlClient} that can also run a unit of work (several commits) as one transaction. */
export interface BatchingSqlClient extends SqlClient {
  /**
   * Runs `fn` as one database transaction: every statement sent through this client while it runs
   * (by any store built on it) joins that transaction, and each `transaction()` call inside becomes a
   * savepoint, so an inner failure undoes only its own writes. The batch commits when `fn` resolves;
   * it rolls back when `fn` throws or when a plain statement inside failed (PostgreSQL then refuses
   * the rest of the transaction: later statements throw `BATCH_ABORTED`). A nested `batch` joins the
   * outer one. Retries on serialization failure do not apply inside a batch.
   */
  batch<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether a batch is open. */
  readonly inBatch: boolean;
  /**
   * Enrols a participant in every batch from now on: a store that defers its writes while a batch
   * is open. `beforeBegin` runs before the batch's transaction begins, `beforeCommit` runs inside the batch's transaction once its function has resolved
   * (the store writes what it deferred; a throw rolls the whole batch back), `afterRollback` once
   * a batch has rolled back for any reason (the store forgets what it deferred or cached). Returns
   * a function that withdraws the participant.
   */
  enrol(participant: BatchParticipant): () => void;
}

/** A store taking part in every batch of a {@link BatchingSqlClient} (see `enrol`). */
export interface BatchParticipant {
  /** Runs before a batch's transaction begins (a store letting its own writes settle first). */
  beforeBegin?(): Promise<void>;
  /** Writes what the store deferred during the batch, inside its transaction, before it commits. */
  beforeCommit(): Promise<void>;
  /** Called after a batch rolled back: whatever the store deferred or cached from it is void. */
  afterRollback(): void;
}

/**
 * Whether a client is a {@link BatchingSqlClient} (made by {@link batchingClient}): a store that
 * defers writes while a batch is open asks this before it enrols.
 *
 * @example
 * ```ts
 * isBatchingClient(batchingClient(sqlFromPglite(new PGlite()))); // true
 * ```
 */
export function isBatchingClient(client: SqlClient): client is BatchingSqlClient {
  return typeof (client as Partial<BatchingSqlClient>).enrol === "function" && "inBatch" in client;
}

interface OpenBatch {
  readonly tx: SqlQueryable;
  /** The first plain statement that failed: the transaction is aborted from then on. */
  failed: unknown;
  savepoints: number;
}

/**
 * Wraps a client so that a caller can group many commits into one transaction (one WAL flush instead
 * of one per statement). On PGlite, the embedded default, a commit costs more than a small
 * statement, so a day of a district's events committed as one batch runs several times faster; the
 * batch is durable as a whole or not at all. While a batch is open every statement through the
 * client joins it (a single-writer pattern: on a shared PostgreSQL, keep batches short, since their
 * row locks are held until the end).
 *
 * @example
 * ```ts
 * const sql = batchingClient(sqlFromPglite(new PGlite()));
 * await sql.batch(async () => {
 *   await sql.query("insert into t values (1)");
 *   await sql.transaction(async (tx) => tx.query("insert into t values (2)"));
 * }); // both rows, one commit
 * ```
 */
export function batchingClient(client: SqlClient): BatchingSqlClient {
  let open: OpenBatch | null = null;
  const participants = new Set<BatchParticipant>();

  async function inside<R>(
    b: OpenBatch,
    sql: string,
    params: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: R[] }> {
    if (b.failed !== undefined) throw new ElderflowError("BATCH_ABORTED", { cause: b.failed });
    try {
      return await b.tx.query<R>(sql, params, options);
    } catch (e) {
      // Inside a savepoint the failure is undone by its rollback; outside, the transaction is lost.
      if (b.savepoints === 0) b.failed = e;
      throw e;
    }
  }

  return {
    dialect: client.dialect,
    get inBatch() {
      return open !== null;
    },
    query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) {
      return open === null ? client.query<R>(sql, params, options) : inside<R>(open, sql, params, options);
    },
    async exec(sql: string) {
      if (open === null) return client.exec(sql);
      await inside(open, sql, []);
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const b = open;
      if (b === null) return client.transaction(fn, options);
      if (b.failed !== undefined) throw new ElderflowError("BATCH_ABORTED", { cause: b.failed });
      const name = `elderflow_sp_${++b.savepoints}`;
      await b.tx.query(`savepoint ${name}`);
      const q: SqlQueryable = {
        query: <R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) =>
          b.tx.query<R>(sql, params, options),
      };
      try {
        const result = await fn(q);
        await b.tx.query(`release savepoint ${name}`);
        return result;
      } catch (e) {
        try {
          await b.tx.query(`rollback to savepoint ${name}`);
          await b.tx.query(`release savepoint ${name}`);
        } catch (undo) {
          b.failed = undo;
        }
        throw e;
      } finally {
        b.savepoints--;
      }
    },
    async batch<T>(fn: () => Promise<T>): Promise<T> {
      if (open !== null) return fn();
      const enrolled = [...participants];
      for (const p of enrolled) await p.beforeBegin?.();
      try {
        return await client.transaction(async (tx) => {
          const b: OpenBatch = { tx, failed: undefined, savepoints: 0 };
          open = b;
          try {
            const result = await fn();
            if (b.failed !== undefined) throw b.failed;
            for (const p of enrolled) await p.beforeCommit();
            if (b.failed !== undefined) throw b.failed;
            return result;
          } finally {
            open = null;
          }
        });
      } catch (e) {
        for (const p of enrolled) p.afterRollback();
        throw e;
      }
    },
    enrol(participant) {
      participants.add(participant);
      return () => {
        participants.delete(participant);
      };
    },
    close: () => client.close(),
  };
}
