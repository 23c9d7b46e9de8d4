import { ElderflowError } from "@elderflow/core";
import type { JournalEntry } from "../journal";
import type { AccountRow } from "../state";
import type { PreparedBatch, TimeBankStore } from "./types";

/** The in-memory store, for tests, simulations and the fastest bench. */
export interface MemoryStore extends TimeBankStore {
  readonly kind: "memory";
  /** The stored journal itself (tests tamper with it to exercise `verifyJournal`). */
  readonly entries: JournalEntry[];
}

/**
 * A store that keeps everything in this process. Several banks may share one (they serialise on
 * it like separate processes on one database).
 *
 * @example
 * ```ts
 * const bank = await createTimeBank({ store: memoryStore(), clock, stars: (m) => Math.min(5, Math.floor(m / 6000)) });
 * ```
 */
export function memoryStore(): MemoryStore {
  const entries: JournalEntry[] = [];
  const accounts = new Map<string, AccountRow>();
  const notes = new Map<string, string>();
  return {
    kind: "memory",
    entries,
    async open() {},
    async commit<T>(afterSeq: number, prepare: (missed: readonly JournalEntry[]) => PreparedBatch<T>): Promise<T> {
      // No await between reading and writing: a commit is atomic on the event loop.
      const p = prepare(afterSeq < entries.length ? entries.slice(afterSeq) : []);
      for (const e of p.entries) {
        if (e.seq !== entries.length + 1)
          throw new ElderflowError("INTERNAL", { params: { detail: "journal sequence broken" } });
        entries.push(e);
      }
      for (const a of p.accounts) accounts.set(a.id, a);
      for (const n of p.notes) notes.set(n.key, n.text);
      return p.value;
    },
    async readJournal(afterSeq, limit = Number.POSITIVE_INFINITY) {
      return entries.slice(afterSeq, afterSeq + Math.min(limit, entries.length));
    },
    async readAccount(id) {
      return accounts.get(id);
    },
    async readNote(key) {
      return notes.get(key);
    },
    async close() {},
  };
}
