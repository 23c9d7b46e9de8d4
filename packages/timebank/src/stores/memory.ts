import { ElderflowError } from "@elderflow/core";
import type { StoredCheckpoint } from "../checkpoint";
import { GENESIS_HASH, type JournalEntry } from "../journal";
import type { AccountRow } from "../state";
import { assertStorable, assertStorableText } from "./storable";
import type { ErasureRecord, PreparedBatch, StoreHead, TimeBankStore } from "./types";

/** The in-memory store, for tests, simulations and the fastest bench. */
export interface MemoryStore extends TimeBankStore {
  readonly kind: "memory";
  /** The stored journal itself (tests tamper with it to exercise `verifyJournal`). */
  readonly entries: JournalEntry[];
  /** The stored account rows by ledger id (tests tamper with them to exercise the open check). */
  readonly accountRows: Map<string, AccountRow>;
  /** The stored head, as a database would keep it beside the journal (tests tamper with it too). */
  head: StoreHead;
  /** The stored notes by command key. */
  readonly notes: Map<string, string>;
  /** The stored state checkpoints, oldest first (tests tamper with them to exercise the fallback). */
  readonly checkpoints: StoredCheckpoint[];
  /** See {@link TimeBankStore.writeCheckpoint} (always present here). */
  writeCheckpoint(checkpoint: StoredCheckpoint, keep: number): Promise<boolean>;
}

/**
 * A store that keeps everything in this process. Several banks may share one (they serialise on
 * it like separate processes on one database). It refuses exactly what the SQL stores refuse, so
 * every backend decides alike.
 *
 * @example
 * ```ts
 * const bank = await createTimeBank({ store: memoryStore(), clock, stars: (m) => Math.min(5, Math.floor(m / 6000)) });
 * ```
 */
export function memoryStore(): MemoryStore {
  const entries: JournalEntry[] = [];
  const accountRows = new Map<string, AccountRow>();
  const notes = new Map<string, string>();
  const erasures: ErasureRecord[] = [];
  const checkpoints: StoredCheckpoint[] = [];
  /** Journal position by key: the index a SQL store has on `key`. */
  const keyIndex = new Map<string, number>();
  const missedAfter = (afterSeq: number) => (afterSeq < entries.length ? entries.slice(afterSeq) : []);
  const store: MemoryStore = {
    kind: "memory",
    entries,
    accountRows,
    notes,
    checkpoints,
    head: { seq: 0, hash: GENESIS_HASH, suite: null },
    async open() {},
    async commit<T>(
      afterSeq: number,
      prepare: (missed: readonly JournalEntry[]) => PreparedBatch<T>,
      suite: string,
    ): Promise<T> {
      // No await between reading and writing: a commit is atomic on the event loop.
      const head = store.head;
      if (head.seq > 0 && head.suite !== null && head.suite !== suite)
        throw new ElderflowError("HASH_SUITE_MISMATCH", { params: { stored: head.suite, requested: suite } });
      const p = prepare(missedAfter(afterSeq));
      assertStorable(p);
      let seq = head.seq;
      for (const e of p.entries) {
        if (e.seq !== seq + 1 || e.seq !== entries.length + 1)
          throw new ElderflowError("INTERNAL", { params: { detail: "journal sequence broken" } });
        seq = e.seq;
        entries.push(e);
        keyIndex.set(e.key, e.seq);
      }
      for (const a of p.accounts) accountRows.set(a.id, a);
      for (const n of p.notes) if (!notes.has(n.key)) notes.set(n.key, n.text);
      const last = p.entries[p.entries.length - 1];
      if (last !== undefined) store.head = { seq: last.seq, hash: last.hash, suite: head.suite ?? suite };
      return p.value;
    },
    async readJournal(afterSeq, limit = Number.POSITIVE_INFINITY) {
      return entries.slice(afterSeq, afterSeq + Math.min(limit, entries.length));
    },
    async readAccount(id) {
      return accountRows.get(id);
    },
    async readNote(key) {
      return notes.get(key);
    },
    async readAccountAt(id) {
      return { seq: store.head.seq, row: accountRows.get(id) };
    },
    async readHead() {
      return store.head;
    },
    async readSnapshot() {
      return { head: store.head, accounts: [...accountRows.values()] };
    },
    async erase(afterSeq, plan) {
      const p = plan(missedAfter(afterSeq));
      assertStorableText([...p.keys, p.record.person, p.record.actor, p.record.at], "erasure");
      let removed = 0;
      for (const key of new Set(p.keys)) if (notes.delete(key)) removed++;
      const record: ErasureRecord = { ...p.record, seq: erasures.length + 1, notes: removed };
      erasures.push(record);
      return record;
    },
    async readErasures() {
      return [...erasures];
    },
    async close() {},
    async writeCheckpoint(cp, keep) {
      if (cp.seq < 1 || entries[cp.seq - 1]?.hash !== cp.headHash) return false;
      if (!checkpoints.some((c) => c.seq === cp.seq)) {
        checkpoints.push(cp);
        checkpoints.sort((a, b) => a.seq - b.seq);
      }
      checkpoints.splice(0, Math.max(0, checkpoints.length - Math.max(1, keep)));
      return true;
    },
    async readCheckpoints() {
      return checkpoints.map(({ body: _body, ...info }) => info).reverse();
    },
    async readCheckpoint(seq) {
      return checkpoints.find((c) => c.seq === seq);
    },
    async readKeys(keys) {
      const out = [];
      for (const key of new Set(keys)) {
        const at = keyIndex.get(key);
        const e = at === undefined ? undefined : entries[at - 1];
        if (e !== undefined && e.key === key)
          out.push({ key, fingerprint: e.fingerprint, result: e.result, actor: e.command?.actor });
      }
      return out;
    },
  };
  return store;
}
