import { ElderflowError, isBatchingClient, type SqlClient } from "@elderflow/core";
import type { JournalEntry } from "../journal";
import type { AccountRow } from "../state";
import { assertStorable } from "./storable";
import type { PreparedBatch, TimeBankStore } from "./types";

/** Most journal entries a batch holds back before it writes them (inside the batch's transaction). */
const MAX_DEFERRED = 5_000;

/**
 * The SQL time-bank store for a process that is the only writer of its tables (an embedded PGlite,
 * which one process opens at a time). Outside a batch every call goes to `base` unchanged. Inside a
 * batch of a batching client (`flow.batch`), a commit that continues the journal from where the
 * batch's earlier commits left it is decided at once (`prepare` sees no missed entries, since no
 * one else writes) and its journal entries, account rows and notes are held back; just before the
 * batch commits they are written together through `base`: one head lock, one insert of the
 * journal, one update of the accounts as they ended, one update of the head, instead of four
 * statements per command. Each held-back part is checked as `base` would check it (a string the
 * store could not return unchanged refuses that commit alone, and nothing of it is kept). Every
 * read that could see the held-back rows (the journal, the head, accounts, notes, checkpoints,
 * erasures) writes them first. The write still takes the head lock and reads what others appended:
 * if another writer broke the exclusivity, the batch fails with `CONCURRENT_UPDATE` and rolls back
 * rather than fork the chain. A batch that rolls back drops what was held back; the system that
 * owns the batch then closes the bank, whose open state included it (see `flow.batch`).
 *
 * @example
 * ```ts
 * const sql = batchingClient(sqlFromPglite(new PGlite()));
 * const store = exclusiveTimeBankStore(sqlStore(sql), sql);
 * await sql.batch(async () => { await bank.submit(actor, commands); }); // one write at the end
 * ```
 */
export function exclusiveTimeBankStore(base: TimeBankStore, client: SqlClient): TimeBankStore {
  if (client.dialect === "mysql")
    throw new ElderflowError("INVALID_INPUT", {
      path: ["exclusive"],
      params: { detail: "the sole-writer mode is for the PostgreSQL dialects (an embedded PGlite)" },
    });
  if (!isBatchingClient(client)) return base;
  const batching = client;

  /** Where the held-back part starts (the journal length stored) and where it ends. */
  let from = -1;
  let to = -1;
  let suiteOf = "";
  let entries: JournalEntry[] = [];
  const accounts = new Map<string, AccountRow>();
  const created = new Set<string>();
  let notes: { readonly key: string; readonly text: string }[] = [];

  function clear(): void {
    from = -1;
    to = -1;
    entries = [];
    accounts.clear();
    created.clear();
    notes = [];
  }

  /** Writes what is held back, inside the open batch's transaction. */
  async function flush(): Promise<void> {
    if (from < 0) return;
    const batch: PreparedBatch<null> = {
      entries,
      accounts: [...accounts.values()],
      created: [...created],
      notes,
      value: null,
    };
    const start = from;
    const suite = suiteOf;
    clear();
    await base.commit(
      start,
      (missed) => {
        // Someone else appended meanwhile: the held-back entries would fork the chain.
        if (missed.length > 0)
          throw new ElderflowError("CONCURRENT_UPDATE", {
            params: { expected: start, actual: (missed[missed.length - 1] as JournalEntry).seq },
          });
        return batch;
      },
      suite,
    );
  }

  batching.enrol({ beforeCommit: flush, afterRollback: clear });

  /** A read that could see the held-back rows writes them first. */
  const afterWrite =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (batching.inBatch) await flush();
      return read.apply(base, args);
    };

  return {
    ...base,
    async commit(afterSeq, prepare, suite) {
      if (!batching.inBatch) return base.commit(afterSeq, prepare, suite);
      // Continues what is held back (or starts it): decided now, written at the batch's end.
      if (from < 0 || (afterSeq === to && suite === suiteOf)) {
        const p = prepare([]);
        assertStorable(p);
        if (from < 0) {
          from = afterSeq;
          to = afterSeq;
          suiteOf = suite;
        }
        for (const e of p.entries) entries.push(e);
        const last = p.entries[p.entries.length - 1];
        if (last !== undefined) to = last.seq;
        for (const a of p.accounts) accounts.set(a.id, a);
        for (const id of p.created) created.add(id);
        for (const n of p.notes) notes.push(n);
        if (entries.length >= MAX_DEFERRED) await flush();
        return p.value;
      }
      // Anything else (another position or suite) goes through the ordinary path, after the rest.
      await flush();
      return base.commit(afterSeq, prepare, suite);
    },
    readAccountAt: afterWrite(base.readAccountAt),
    readHead: afterWrite(base.readHead),
    readSnapshot: afterWrite(base.readSnapshot),
    erase: afterWrite(base.erase),
    readErasures: afterWrite(base.readErasures),
    readJournal: afterWrite(base.readJournal),
    readAccount: afterWrite(base.readAccount),
    readNote: afterWrite(base.readNote),
    async close() {
      // Closed inside a batch that goes on to commit: what was held back is still written with it.
      if (batching.inBatch) await flush();
      else clear();
      await base.close();
    },
    ...(base.writeCheckpoint === undefined ? {} : { writeCheckpoint: afterWrite(base.writeCheckpoint) }),
    ...(base.readCheckpoints === undefined ? {} : { readCheckpoints: afterWrite(base.readCheckpoints) }),
    ...(base.readCheckpoint === undefined ? {} : { readCheckpoint: afterWrite(base.readCheckpoint) }),
    // Keys of held-back entries were decided after the bank last forgot its keys, so it holds them
    // and never asks for them: the stored journal answers every key it asks about.
    ...(base.readKeys === undefined ? {} : { readKeys: base.readKeys }),
  };
}
