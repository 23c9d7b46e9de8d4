import type { JournalEntry } from "../journal";
import type { AccountRow } from "../state";

/** What one group-committed batch writes: journal entries, changed account rows and reasons. */
export interface PreparedBatch<T> {
  /** New journal entries, continuing the chain. */
  readonly entries: readonly JournalEntry[];
  /** Account rows changed by the batch (written whole: balances are read in O(1)). */
  readonly accounts: readonly AccountRow[];
  /** Ids among `accounts` opened by this batch (no stored row yet); the others are updated in place. */
  readonly created: readonly string[];
  /** Free-text reasons, kept beside the journal so that they can be erased. */
  readonly notes: readonly { readonly key: string; readonly text: string }[];
  /** What the commit resolves to. */
  readonly value: T;
}

/**
 * The small interface every time-bank backend implements (memory, PGlite, PostgreSQL). The bank
 * decides in memory; a store makes the decisions durable and serialises writers.
 *
 * `commit` is the one write path: under the store's write lock it reads the journal entries that
 * other writers appended after `afterSeq`, hands them to `prepare` (which catches up and decides the
 * batch), and writes what `prepare` returns in the same transaction. Either all of it is durable or
 * none of it.
 */
export interface TimeBankStore {
  /** Which backend. */
  readonly kind: "memory" | "pglite" | "postgres";
  /** Creates or migrates the schema. Safe to call more than once. */
  open(): Promise<void>;
  /** Appends one batch atomically (see the interface doc). */
  commit<T>(afterSeq: number, prepare: (missed: readonly JournalEntry[]) => PreparedBatch<T>): Promise<T>;
  /** Journal entries with seq > afterSeq, in order (at most `limit`). */
  readJournal(afterSeq: number, limit?: number): Promise<JournalEntry[]>;
  /** One account row by ledger id, in O(1) (primary-key lookup). */
  readAccount(id: string): Promise<AccountRow | undefined>;
  /** The free-text reason stored for a command key. */
  readNote(key: string): Promise<string | undefined>;
  /** Releases connections (only those the store owns). */
  close(): Promise<void>;
}
