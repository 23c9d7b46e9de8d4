/**
 * A durable clearing book: the serving side of 通存通兑 kept in the same database as the time bank
 * (PGlite, PostgreSQL or the MySQL family, through core's `SqlClient`), one row per journal entry.
 * Commands are decided in memory by the book and written in one transaction per submission; if the
 * write fails, the book is rebuilt from what is stored and the submission fails with `INTERNAL`, so
 * nobody reads a decision that was not kept.
 */
import {
  chunkMysqlRows,
  ElderflowError,
  isElderflowError,
  isUniqueViolation,
  type Migration,
  runMigrations,
  type SqlClient,
} from "@elderflow/core";
import {
  type ActingClearingBook,
  type ClearingBook,
  type ClearingBookOptions,
  type ClearingEntry,
  type ClearingResult,
  openClearingBook,
} from "./clearing";

/**
 * Where a clearing book's journal is kept: every entry in order, and appending new ones at once.
 *
 * @example
 * ```ts
 * const store: ClearingBookStore = sqlClearingStore(sqlFromPglite(db));
 * ```
 */
export interface ClearingBookStore {
  /** Every stored entry, in order (as stored: the book re-checks the chain). */
  load(): Promise<unknown[]>;
  /** Appends entries after `after` stored ones, all or none (a conflicting writer makes it fail). */
  append(after: number, entries: readonly ClearingEntry[]): Promise<void>;
}

/**
 * The versioned schema of the clearing book (namespace `timebank-clearing`): version 1,
 * `timebank_clearing (seq primary key, entry json text)`.
 *
 * @example
 * ```ts
 * await runMigrations(client, "timebank-clearing", CLEARING_MIGRATIONS);
 * ```
 */
export const CLEARING_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "clearing book",
    sql: "create table if not exists timebank_clearing (seq integer primary key check (seq > 0), entry text not null)",
  },
];

/**
 * {@link CLEARING_MIGRATIONS} on the MySQL family (MariaDB 10.6+, MySQL 8.0.16+, which enforce
 * `check`), same namespace and version: an InnoDB table in binary UTF-8 (transactions and row
 * locks, JSON text kept byte for byte), `entry` as `longtext`.
 *
 * @example
 * ```ts
 * await runMigrations(sqlFromMysqlPool(pool), "timebank-clearing", CLEARING_MYSQL_MIGRATIONS);
 * ```
 */
export const CLEARING_MYSQL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "clearing book",
    sql: `create table if not exists timebank_clearing (
  seq integer primary key,
  entry longtext not null,
  constraint timebank_clearing_seq check (seq > 0)
) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`,
  },
];

/** The writer lost the race for the next position: typed, so the stored book rebuilds and says why. */
const movedOn = () =>
  new ElderflowError("INTERNAL", { params: { detail: "clearing book moved on under this writer" } });

/**
 * A clearing book's journal in a SQL database (PGlite, PostgreSQL or the MySQL family, picked by
 * `client.dialect`), migrated on first use. The primary key on `seq` makes a second writer that
 * appended first turn this append into a failure, never a fork.
 *
 * On `mysql` the schema is {@link CLEARING_MYSQL_MIGRATIONS} and an append is written with
 * multi-row `insert … values` (the statements are otherwise the same). On every dialect, a writer
 * that lost the race for the next position fails with `INTERNAL` ("moved on under this writer"),
 * whether its count or the primary key noticed first.
 *
 * @example
 * ```ts
 * const db = new PGlite("./.elderflow/district-b");
 * const bank = await createTimeBank({ store: pgliteStore({ db }), clock, stars });
 * const book = await openStoredClearingBook({ bank: "district-b", clock, store: sqlClearingStore(sqlFromPglite(db)) });
 * ```
 */
export function sqlClearingStore(client: SqlClient): ClearingBookStore {
  const mysql = client.dialect === "mysql";
  let migrated: Promise<unknown> | undefined;
  const ready = () => {
    migrated ??= runMigrations(client, "timebank-clearing", mysql ? CLEARING_MYSQL_MIGRATIONS : CLEARING_MIGRATIONS);
    return migrated;
  };
  return {
    async load() {
      await ready();
      const { rows } = await client.query<{ seq: number; entry: string }>(
        "select seq, entry from timebank_clearing order by seq",
      );
      return rows.map((r) => {
        try {
          return JSON.parse(r.entry) as unknown;
        } catch {
          // An unreadable row fails the chain check at its position, like any altered entry.
          return null;
        }
      });
    },
    async append(after, entries) {
      if (entries.length === 0) return;
      await ready();
      await client
        .transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number | string }>("select count(*) as n from timebank_clearing");
          if (Number(rows[0]?.n ?? 0) !== after) throw movedOn();
          if (mysql) {
            // MySQL: multi-row inserts, a few hundred rows each (within the server's packet size),
            // instead of a round trip per entry.
            const rows = entries.map((e) => [e.seq, JSON.stringify(e)] as const);
            for (const part of chunkMysqlRows(rows, (r) => r[1].length)) {
              const list = part.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
              await tx.query(`insert into timebank_clearing (seq, entry) values ${list}`, part.flat());
            }
          } else
            for (const e of entries)
              await tx.query("insert into timebank_clearing (seq, entry) values ($1, $2)", [e.seq, JSON.stringify(e)]);
        })
        .catch((error: unknown) => {
          // A writer that appended between our count and our insert: the same story as a moved count.
          throw isUniqueViolation(error) ? movedOn() : error;
        });
    },
  };
}

/**
 * A stored clearing book as one authenticated actor uses it: like {@link ActingClearingBook}, but
 * each submission resolves once its entries are stored.
 *
 * @example
 * ```ts
 * const desk = stored.as({ id: "staff-b1", roles: ["community_staff"], communities: ["b-c1"] });
 * await desk.submit({ op: "serve", key: "b/a-w1", from: "district-a", ref: "a-w1", volunteer: "a-v1",
 *   beneficiary: "a-v1", minutes: 90, on: "2027-02-03", community: "b-c1", by: "staff-b1" });
 * ```
 */
export interface ActingStoredClearingBook {
  /** Decides one command and stores it. */
  submit(command: unknown): Promise<ClearingResult>;
  /** Decides commands in order and stores them in one transaction. */
  submitMany(commands: readonly unknown[]): Promise<ClearingResult[]>;
}

/**
 * A clearing book whose journal is kept in a {@link ClearingBookStore}.
 *
 * @example
 * ```ts
 * const stored = await openStoredClearingBook({ bank: "district-b", clock, store });
 * await settlementStatement({ bank, actor, book: stored.book, counterpart: "district-a", period: "2027-Q1", signer, clock });
 * ```
 */
export interface StoredClearingBook {
  /** The book as last stored (reads, statements and checks take this). */
  readonly book: ClearingBook;
  /** The book as an authenticated actor writes to it; an actor that does not parse throws a typed error. */
  as(actor: Parameters<ClearingBook["as"]>[0]): ActingStoredClearingBook;
  /** Rebuilds the book from the store (after another writer appended). */
  reload(): Promise<void>;
}

/**
 * Opens a clearing book from its store: reads every entry, re-checks the chain (`JOURNAL_TAMPERED`
 * at the first bad one) and replays it.
 *
 * @example
 * ```ts
 * const stored = await openStoredClearingBook({ bank: "district-b", clock, store: sqlClearingStore(client) });
 * stored.book.anchor(); // { length, headHash } as stored
 * ```
 */
export async function openStoredClearingBook(
  options: Omit<ClearingBookOptions, "entries"> & { readonly store: ClearingBookStore },
): Promise<StoredClearingBook> {
  const { store, ...rest } = options;
  const open = async () => openClearingBook({ ...rest, entries: await store.load() });
  let book = await open();
  let queue: Promise<unknown> = Promise.resolve();

  function serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    get book() {
      return book;
    },
    as(actor) {
      // Parse now, so a bad actor throws at once, typed.
      book.as(actor);
      const many = (commands: readonly unknown[]) =>
        serialised(async () => {
          const before = book.anchor().length;
          const results = book.as(actor).submitMany(commands);
          const added = book.journal().slice(before);
          try {
            await store.append(before, added);
          } catch (error) {
            // What was decided but not stored must not be read: rebuild from the store.
            book = await open();
            throw isElderflowError(error)
              ? error
              : new ElderflowError("INTERNAL", { params: { detail: "clearing store failure" }, cause: error });
          }
          return results;
        });
      return {
        submitMany: many,
        submit: async (command) => (await many([command]))[0] as ClearingResult,
      };
    },
    async reload() {
      await serialised(async () => {
        book = await open();
      });
    },
  };
}
