import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, isElderflowError } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { cmd, dropSchema, PG_URL, SETUP, schemaName, testStars } from "../../../../test/timebank-support";
import { createTimeBank } from "../bank";
import type { JournalEntry } from "../journal";
import { memoryStore } from "./memory";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";
import type { TimeBankStore } from "./types";

const clock = fixedClock("2027-01-04T09:00:00+08:00");

/** One backend under test: opens handles on the same data, tampers with it, cleans up. */
interface Backend {
  /** A new handle on the same stored data (as another process would open it). */
  open(): TimeBankStore;
  /** Replaces the stored journal entry at seq with a changed copy (as an attacker with DB rights). */
  tamper(seq: number, change: (e: JournalEntry) => Partial<JournalEntry>): Promise<void>;
  /** Tries to update a journal row through the normal path; resolves to the error or undefined. */
  updateInPlace(): Promise<unknown>;
  cleanup(): Promise<void>;
}

/**
 * The contract every store must keep, written once and run against each backend.
 */
function describeStoreContract(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`store contract: ${name}`, () => {
    const backends: Backend[] = [];
    const fresh = async () => {
      const b = await makeBackend();
      backends.push(b);
      return b;
    };
    afterAll(async () => {
      for (const b of backends) await b.cleanup();
    });

    it("keeps every decision across a reopen, and opens twice without migrating twice", async () => {
      const b = await fresh();
      const bank = await createTimeBank({ store: b.open(), clock, stars: testStars });
      await bank.submitMany([
        ...SETUP,
        cmd.record("r1", "v1", 100),
        cmd.verify("vf1", "r1"),
        cmd.withdraw("w1", "v1", 30),
      ]);
      const before = { accounts: bank.accounts(), anchor: bank.anchor() };
      await bank.close();
      const again = await createTimeBank({ store: b.open(), clock, stars: testStars });
      expect({ accounts: again.accounts(), anchor: again.anchor() }).toEqual(before);
      expect(await again.submit(cmd.record("r1", "v1", 100))).toMatchObject({ replayed: true, status: "pending" });
      expect(again.account("v1")).toMatchObject({ earnedMinutes: 100, reservedMinutes: 30, availableMinutes: 70 });
      await again.close();
    });

    it("reads a balance with one key lookup that matches the decided state", async () => {
      const b = await fresh();
      const bank = await createTimeBank({ store: b.open(), clock, stars: testStars });
      await bank.submitMany([
        ...SETUP,
        cmd.record("r1", "v1", 100),
        cmd.verify("vf1", "r1"),
        cmd.withdraw("w1", "v1", 30),
      ]);
      expect(await bank.readAccount("v1")).toEqual(bank.account("v1"));
      expect(await bank.readAccount("nobody")).toBeUndefined();
      await bank.close();
    });

    it("lets two writers share the store: each catches up before it decides", async () => {
      const b = await fresh();
      const a = await createTimeBank({ store: b.open(), clock, stars: testStars });
      const c = await createTimeBank({ store: b.open(), clock, stars: testStars });
      await a.submitMany([...SETUP, cmd.record("r1", "v1", 100)]);
      expect(await c.submit(cmd.verify("vf1", "r1"))).toMatchObject({ ok: true, status: "posted" });
      expect(await a.submit(cmd.verify("vf2", "r1"))).toMatchObject({ ok: false, code: "NOT_PENDING" });
      expect(await c.submit(cmd.record("r1", "v1", 100))).toMatchObject({ replayed: true });
      await a.refresh();
      expect(a.accounts()).toEqual(c.accounts());
      expect(a.anchor()).toEqual(c.anchor());
      await a.close();
      await c.close();
    });

    it("keeps reasons beside the journal, not in it", async () => {
      const b = await fresh();
      const store = b.open();
      const bank = await createTimeBank({ store, clock, stars: testStars });
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.reject("rj1", "r1", "ver1", "not signed")]);
      expect(await store.readNote("rj1")).toBe("not signed");
      expect(JSON.stringify(await bank.journal())).not.toContain("not signed");
      await bank.close();
    });

    it("names the altered entry, and a bank refuses to open on a broken chain", async () => {
      const b = await fresh();
      const bank = await createTimeBank({ store: b.open(), clock, stars: testStars });
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
      expect(await bank.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 2 });
      await bank.close();
      await b.tamper(SETUP.length + 1, (e) => ({
        command: { ...(e.command as object), minutes: 1000 } as JournalEntry["command"],
      }));
      const store = b.open();
      const error = await createTimeBank({ store, clock, stars: testStars }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isElderflowError(error) && error.code).toBe("JOURNAL_TAMPERED");
      await store.close();
    });

    it("refuses to change the journal in place", async () => {
      const b = await fresh();
      const bank = await createTimeBank({ store: b.open(), clock, stars: testStars });
      await bank.submitMany(SETUP);
      await bank.close();
      expect(await b.updateInPlace()).toBeDefined();
    });
  });
}

describeStoreContract("memory", async () => {
  const store = memoryStore();
  return {
    open: () => store,
    async tamper(seq, change) {
      const i = seq - 1;
      store.entries[i] = { ...(store.entries[i] as JournalEntry), ...change(store.entries[i] as JournalEntry) };
    },
    async updateInPlace() {
      // The memory store exposes no update path at all; its commit refuses a rewritten seq.
      return store
        .commit(0, () => ({
          entries: [store.entries[0] as JournalEntry],
          accounts: [],
          created: [],
          notes: [],
          value: 0,
        }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    },
    async cleanup() {},
  };
});

// PGlite is single-connection and its initdb takes seconds: one database for the file, one schema
// per backend (the file's tests run one after another, so the session's search_path is theirs).
let sharedPglite: { db: PGlite; dir: string } | undefined;
let pgliteSchemas = 0;

describeStoreContract("pglite", async () => {
  if (sharedPglite === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "timebank-contract-"));
    sharedPglite = { db: new PGlite(dir), dir };
  }
  const { db } = sharedPglite;
  const schema = `contract_${++pgliteSchemas}`;
  await db.exec(`create schema ${schema}; set search_path to ${schema}`);
  return {
    open: () => pgliteStore({ db }),
    async tamper(seq, change) {
      const row = (await db.query<{ command: string }>("select command from timebank_journal where seq = $1", [seq]))
        .rows[0];
      const patched = change({ command: JSON.parse(row?.command ?? "null") } as JournalEntry);
      await db.exec("alter table timebank_journal disable trigger timebank_journal_no_change");
      await db.query("update timebank_journal set command = $1 where seq = $2", [JSON.stringify(patched.command), seq]);
      await db.exec("alter table timebank_journal enable trigger timebank_journal_no_change");
    },
    updateInPlace: () =>
      db.query("update timebank_journal set at = 'x' where seq = 1").then(
        () => undefined,
        (e: unknown) => e,
      ),
    async cleanup() {
      if (sharedPglite !== undefined) {
        await sharedPglite.db.close();
        rmSync(sharedPglite.dir, { recursive: true, force: true });
        sharedPglite = undefined;
      }
    },
  };
});

describeStoreContract("postgres", async () => {
  const schema = schemaName("contract");
  const run = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    open: () => postgresStore({ connectionString: PG_URL, schema, max: 2 }),
    async tamper(seq, change) {
      const row = (await run("select command from timebank_journal where seq = $1", [seq])).rows[0] as {
        command: string;
      };
      const patched = change({ command: JSON.parse(row.command) } as JournalEntry);
      await run("alter table timebank_journal disable trigger timebank_journal_no_change");
      await run("update timebank_journal set command = $1 where seq = $2", [JSON.stringify(patched.command), seq]);
      await run("alter table timebank_journal enable trigger timebank_journal_no_change");
    },
    updateInPlace: () =>
      run("delete from timebank_journal where seq = 1").then(
        () => undefined,
        (e: unknown) => e,
      ),
    cleanup: () => dropSchema(schema),
  };
});
