import type { CheckpointInfo, StoredCheckpoint } from "../checkpoint";
import type { JournalEntry } from "../journal";
import type { AccountRow, KeyRecord } from "../state";

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
 * The end of the hash chain as the store records it, beside the journal rows.
 *
 * @example
 * ```ts
 * const head: StoreHead | undefined = await store.readHead(); // { seq: 16, hash: "…", suite: "sha256" }
 * ```
 */
export interface StoreHead {
  /** Journal length. */
  readonly seq: number;
  /** Hash of the last entry (the genesis hash when empty). */
  readonly hash: string;
  /** The hash suite the journal is written with; null until its first entry. */
  readonly suite: string | null;
}

/**
 * The head and every account row, read at one consistent point (no writer in between).
 *
 * @example
 * ```ts
 * const { head, accounts }: StoreSnapshot = await store.readSnapshot();
 * ```
 */
export interface StoreSnapshot {
  /** The head row; undefined when it is missing (which only tampering can do). */
  readonly head: StoreHead | undefined;
  /** Every stored account row, in no particular order. */
  readonly accounts: readonly AccountRow[];
}

/**
 * One erasure of a person's data outside the chain, as recorded: ids and a count only.
 *
 * @example
 * ```ts
 * const [first]: ErasureRecord[] = await bank.erasures(); // { seq: 1, person: "r-0042", actor: "adm1", notes: 2, … }
 * ```
 */
export interface ErasureRecord {
  /** Position among erasures, from 1. */
  readonly seq: number;
  /** Whose data was erased (an id, never a name). */
  readonly person: string;
  /** Who erased it (the actor's id). */
  readonly actor: string;
  /** When (ISO 8601 instant, from the bank's clock). */
  readonly at: string;
  /** Journal length when the erasure was made (later entries were not looked at). */
  readonly journalLength: number;
  /** How many free-text notes were removed. */
  readonly notes: number;
}

/**
 * What an erasure removes and how it is recorded (the store counts the notes and numbers it).
 *
 * @example
 * ```ts
 * await store.erase(0, (): ErasurePlan => ({ keys: ["rj1"], record: { person: "r-0042", actor: "adm1", at, journalLength: 0 } }));
 * ```
 */
export interface ErasurePlan {
  /** Command keys whose notes to remove. */
  readonly keys: readonly string[];
  /** The record, without what the store fills in. */
  readonly record: Omit<ErasureRecord, "seq" | "notes">;
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
  readonly kind: "memory" | "pglite" | "postgres" | "mysql";
  /** Creates or migrates the schema. Safe to call more than once. */
  open(): Promise<void>;
  /**
   * Appends one batch atomically (see the interface doc), hashed with the named suite: a journal
   * written with another suite refuses it with `HASH_SUITE_MISMATCH` before `prepare` runs; the
   * first batch records the suite. A string the store could not return unchanged (a lone
   * surrogate or NUL in a key, reason or id) refuses the batch and writes nothing.
   */
  commit<T>(
    afterSeq: number,
    prepare: (missed: readonly JournalEntry[]) => PreparedBatch<T>,
    suite: string,
  ): Promise<T>;
  /**
   * One account row and the journal length it belongs to, read together in one statement, so
   * that the bank can check the row against the journal (an edited row is then `JOURNAL_TAMPERED`).
   */
  readAccountAt(id: string): Promise<{ readonly seq: number; readonly row: AccountRow | undefined }>;
  /** The head row (length, head hash, suite). */
  readHead(): Promise<StoreHead | undefined>;
  /** The head and every account row at one consistent point, for the cross-check on open. */
  readSnapshot(): Promise<StoreSnapshot>;
  /**
   * Removes notes and records the erasure atomically, under the same lock as `commit`: `plan`
   * sees the journal entries appended after `afterSeq`, so no note decided meanwhile escapes it.
   */
  erase(afterSeq: number, plan: (missed: readonly JournalEntry[]) => ErasurePlan): Promise<ErasureRecord>;
  /** Every recorded erasure, in order. */
  readErasures(): Promise<ErasureRecord[]>;
  /** Journal entries with seq > afterSeq, in order (at most `limit`). */
  readJournal(afterSeq: number, limit?: number): Promise<JournalEntry[]>;
  /** One account row by ledger id, in O(1) (primary-key lookup). */
  readAccount(id: string): Promise<AccountRow | undefined>;
  /** The free-text reason stored for a command key. */
  readNote(key: string): Promise<string | undefined>;
  /** Releases connections (only those the store owns). */
  close(): Promise<void>;
  /**
   * Stores a checkpoint and keeps only the newest `keep`, in one transaction (a crash leaves the
   * previous ones). Refused (false) unless the journal entry at `seq` has hash `headHash`; a
   * checkpoint already stored at `seq` is left as it is. A store without checkpoints opens by
   * replaying the whole journal.
   */
  writeCheckpoint?(checkpoint: StoredCheckpoint, keep: number): Promise<boolean>;
  /** The stored checkpoints without their bodies, newest first. */
  readCheckpoints?(): Promise<CheckpointInfo[]>;
  /** One stored checkpoint with its body. */
  readCheckpoint?(seq: number): Promise<StoredCheckpoint | undefined>;
  /** What the journal holds about these command keys (by the key index), in no particular order. */
  readKeys?(keys: readonly string[]): Promise<KeyRecord[]>;
}
