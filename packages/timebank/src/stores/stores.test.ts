import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, isElderflowError } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { asHost, cmd, dropSchema, HOST, PG_URL, SETUP, schemaName, testStars } from "../../../../test/timebank-support";
import { createTimeBank } from "../bank";
import { type HashSuite, sm3Suite } from "../hash";
import { entryHash, type JournalEntry } from "../journal";
import { TIMEBANK_MYSQL_MIGRATIONS } from "../migrations";
import type { AccountRow } from "../state";
import { memoryStore } from "./memory";
import { mysqlStore } from "./mysql";
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
  /** Removes every journal row past the guards (as a database owner who drops the triggers). */
  cutJournal(): Promise<void>;
  /** Adds minutes to an account row's posted credits, past the guards. */
  editAccount(id: string, minutes: number): Promise<void>;
  /** Overwrites the head row's hash, past the guards. */
  editHead(hash: string): Promise<void>;
  /** SQL backends: runs one statement as a client with write rights; resolves to its error or undefined. */
  readonly sql?: (statement: string) => Promise<unknown>;
  cleanup(): Promise<void>;
}

/** What opening a bank on a store threw (undefined if it opened). */
async function openFailure(store: TimeBankStore, options: { hash?: HashSuite } = {}): Promise<unknown> {
  return createTimeBank({ store, clock, stars: testStars, ...options }).then(
    async (bank) => {
      await bank.close();
      return undefined;
    },
    async (e: unknown) => {
      await store.close();
      return e;
    },
  );
}

const typed = (e: unknown) => (isElderflowError(e) ? { code: e.code, params: e.params } : e);

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
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany([
        ...SETUP,
        cmd.record("r1", "v1", 100),
        cmd.verify("vf1", "r1"),
        cmd.withdraw("w1", "v1", 30),
      ]);
      const before = { accounts: bank.accounts(), anchor: bank.anchor() };
      await bank.close();
      const again = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      expect({ accounts: again.accounts(), anchor: again.anchor() }).toEqual(before);
      expect(await again.submit(cmd.record("r1", "v1", 100))).toMatchObject({ replayed: true, status: "pending" });
      expect(again.account("v1")).toMatchObject({ earnedMinutes: 100, reservedMinutes: 30, availableMinutes: 70 });
      await again.close();
    });

    it("reads a balance with one key lookup that matches the decided state", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
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
      const a = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      const c = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
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
      const bank = asHost(await createTimeBank({ store, clock, stars: testStars }));
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.reject("rj1", "r1", "ver1", "not signed")]);
      expect(await store.readNote("rj1")).toBe("not signed");
      expect(JSON.stringify(await bank.journal())).not.toContain("not signed");
      await bank.close();
    });

    it("names the altered entry, and a bank refuses to open on a broken chain", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
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

    it("opens a journal cut back to nothing as tampered, never as an empty bank", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100)]);
      await bank.close();
      await b.cutJournal();
      expect(typed(await openFailure(b.open()))).toEqual({
        code: "JOURNAL_TAMPERED",
        params: { position: 1, table: "timebank_journal" },
      });
    });

    it("opens a store whose head row disagrees with the journal as tampered", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany(SETUP);
      await bank.close();
      await b.editHead("e".repeat(64));
      expect(typed(await openFailure(b.open()))).toEqual({
        code: "JOURNAL_TAMPERED",
        params: { position: SETUP.length, table: "timebank_head" },
      });
    });

    it("opens a store with an edited account row as tampered, naming the table and no value", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
      await bank.close();
      await b.editAccount("v:v1", 600);
      expect(typed(await openFailure(b.open()))).toEqual({
        code: "JOURNAL_TAMPERED",
        params: { position: SETUP.length + 2, table: "timebank_accounts" },
      });
    });

    it("notices an account row edited under a running bank: readAccount checks the row against the journal", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
      expect(await bank.readAccount("v1")).toMatchObject({ balanceMinutes: 100 });
      await b.editAccount("v:v1", 600);
      const error = await bank.readAccount("v1").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(typed(error)).toEqual({
        code: "JOURNAL_TAMPERED",
        params: { position: SETUP.length + 2, table: "timebank_accounts" },
      });
      await bank.close();
    });

    it("writes and reopens an SM3 journal, and refuses to open it as SHA-256 (or the reverse)", async () => {
      const b = await fresh();
      const raw = await createTimeBank({ store: b.open(), clock, stars: testStars, hash: sm3Suite });
      const bank = asHost(raw);
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
      const journal = await raw.journal();
      expect(journal.every((e) => e.hash === entryHash(e, sm3Suite) && e.hash !== entryHash(e))).toBe(true);
      expect(await raw.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 2 });
      expect((await b.open().readHead())?.suite).toBe("sm3");
      const before = bank.accounts();
      await bank.close();
      const again = await createTimeBank({ store: b.open(), clock, stars: testStars, hash: sm3Suite });
      expect(asHost(again).accounts()).toEqual(before);
      await again.close();
      expect(typed(await openFailure(b.open()))).toEqual({
        code: "HASH_SUITE_MISMATCH",
        params: { stored: "sm3", requested: "sha256" },
      });
    });

    it("refuses a second writer of another suite on a store that was empty when it opened", async () => {
      const b = await fresh();
      const sha = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      const sm3 = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars, hash: sm3Suite }));
      await sha.submitMany(SETUP);
      const error = await sm3.submit(cmd.record("r1", "v1", 10)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(typed(error)).toMatchObject({ code: "HASH_SUITE_MISMATCH" });
      expect(await sha.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length });
      await sha.close();
      await sm3.close();
    });

    it("never writes a string it could not return unchanged: a batch with a lone surrogate or NUL writes nothing", async () => {
      const b = await fresh();
      const store = b.open();
      const bank = asHost(await createTimeBank({ store, clock, stars: testStars }));
      await bank.submitMany(SETUP);
      const [last] = await store.readJournal(SETUP.length - 1);
      const base = last as JournalEntry;
      for (const key of ["k\ud800", "k\u0000"]) {
        const body = { ...base, seq: base.seq + 1, key, prevHash: base.hash };
        const error = await store
          .commit(
            base.seq,
            () => ({ entries: [{ ...body, hash: entryHash(body) }], accounts: [], created: [], notes: [], value: 0 }),
            "sha256",
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(typed(error)).toMatchObject({ code: key.includes("\u0000") ? "CONTROL_CHARACTER" : "MALFORMED_TEXT" });
        const note = await store
          .commit(
            base.seq,
            () => ({ entries: [], accounts: [], created: [], notes: [{ key: "n", text: `a${key}` }], value: 0 }),
            "sha256",
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isElderflowError(note)).toBe(true);
      }
      expect(await store.readNote("n")).toBeUndefined();
      expect((await store.readHead())?.seq).toBe(SETUP.length);
      await bank.close();
      expect(await openFailure(b.open())).toBeUndefined();
    });

    it("erases a person's notes outside the chain, records it with ids only, and the chain still verifies", async () => {
      const b = await fresh();
      const store = b.open();
      const raw = await createTimeBank({ store, clock, stars: testStars });
      const bank = asHost(raw);
      await bank.submitMany([
        ...SETUP,
        cmd.record("r1", "v1", 100, "2027-01-05", "rcp9"),
        cmd.reject("rj1", "r1", "ver1", "老人说没来过 13800138000"),
        cmd.record("r2", "v1", 100, "2027-01-05", "rcp9"),
        cmd.verify("vf2", "r2"),
        cmd.reverse("rv2", "vf2", "2027-01-12", "ver1", "rcp9 entered twice"),
        cmd.record("r3", "v2", 50),
        cmd.reject("rj3", "r3", "ver1", "someone else's reason"),
      ]);
      const anchorBefore = raw.anchor();
      const admin = { id: "adm1", roles: ["admin" as const], communities: ["c1"] };
      const record = await raw.erasePerson("rcp9", admin);
      expect(record).toMatchObject({
        seq: 1,
        person: "rcp9",
        actor: "adm1",
        notes: 2,
        journalLength: SETUP.length + 7,
      });
      expect(await store.readNote("rj1")).toBeUndefined();
      expect(await store.readNote("rv2")).toBeUndefined();
      expect(await store.readNote("rj3")).toBe("someone else's reason");
      expect(await raw.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 7 });
      expect(raw.anchor()).toEqual(anchorBefore);
      await bank.close();
      const again = await createTimeBank({ store: b.open(), clock, stars: testStars });
      expect(await again.erasures()).toEqual([record]);
      expect(await again.verifyJournal()).toMatchObject({ ok: true });
      await again.close();
    });

    it("lets only the host, the bureau or an admin reaching the person's communities erase", async () => {
      const b = await fresh();
      const store = b.open();
      const raw = await createTimeBank({ store, clock, stars: testStars });
      await asHost(raw).submitMany([...SETUP, cmd.record("r1", "w1", 30, "2027-01-05", "rcp9", "reg2")]);
      await asHost(raw).submit(cmd.reject("rj1", "r1", "ver2", "reason"));
      const refused = async (actor: Parameters<typeof raw.erasePerson>[1]) =>
        raw.erasePerson("rcp9", actor).then(
          () => undefined,
          (e: unknown) => (isElderflowError(e) ? e.code : e),
        );
      expect(await refused({ id: "s1", roles: ["verifier"], communities: ["c2"] })).toBe("NOT_AUTHORIZED");
      expect(await refused({ id: "adm1", roles: ["admin"], communities: ["c1"] })).toBe("WRONG_COMMUNITY");
      expect(await refused({ id: "13800138000", roles: ["admin"], communities: ["c2"] })).toBe("PERSONAL_DATA_IN_ID");
      expect(await store.readNote("rj1")).toBe("reason");
      expect(await raw.erasures()).toEqual([]);
      expect(await raw.erasePerson("rcp9", HOST)).toMatchObject({ notes: 1, actor: "host" });
      expect(await store.readNote("rj1")).toBeUndefined();
      await raw.close();
    });

    it("refuses to change the journal in place", async () => {
      const b = await fresh();
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany(SETUP);
      await bank.close();
      expect(await b.updateInPlace()).toBeDefined();
    });
  });
}

/** What one SQL dialect's guards are asked to refuse, and how an owner gets past them. */
interface SqlGuards {
  /** Statements that would empty or remove a guarded table; each is refused with "refused" in its message. */
  readonly wipes: readonly string[];
  /** Statements that would remove a guarded table; each is refused (the message need not say why). */
  readonly drops: readonly string[];
  /** Empties journal, head and accounts as an owner who lifts the guards first (one session). */
  readonly wipePastGuards: string;
}

const GUARDED = ["timebank_journal", "timebank_head", "timebank_accounts", "timebank_erasures"];

/** PostgreSQL and PGlite: statement triggers refuse TRUNCATE; an owner disables them. */
const PG_GUARDS: SqlGuards = {
  wipes: [
    ...GUARDED.map((t) => `truncate ${t}`),
    "truncate timebank_journal, timebank_head, timebank_accounts cascade",
  ],
  drops: [],
  wipePastGuards: [
    ...GUARDED.slice(0, 3).map((t) => `alter table ${t} disable trigger user`),
    `truncate ${GUARDED.slice(0, 3).join(", ")}`,
    ...GUARDED.slice(0, 3).map((t) => `alter table ${t} enable trigger user`),
  ].join("; "),
};

/**
 * MySQL family: no TRUNCATE triggers, so the always-empty `timebank_guard` table's foreign keys
 * refuse TRUNCATE (naming the `…_truncate_refused` constraint) and DROP; an owner turns
 * `foreign_key_checks` off for the session (TRUNCATE fires no DELETE trigger).
 */
const MYSQL_GUARDS: SqlGuards = {
  wipes: GUARDED.map((t) => `truncate ${t}`),
  drops: [...GUARDED.map((t) => `drop table ${t}`), `drop table ${GUARDED.join(", ")}`],
  wipePastGuards: [
    "set foreign_key_checks = 0",
    ...GUARDED.slice(0, 3).map((t) => `truncate ${t}`),
    "set foreign_key_checks = 1",
  ].join("; "),
};

/**
 * What only a SQL store can be asked: the guards of migration 2 refuse TRUNCATE, DELETE, UPDATE of
 * the journal and erasures, and a head moved back or off the journal, whoever sends the statement.
 */
function describeSqlGuards(name: string, makeBackend: () => Promise<Backend>, guards: SqlGuards): void {
  describe(`sql guards: ${name}`, () => {
    const backends: Backend[] = [];
    afterAll(async () => {
      for (const b of backends) await b.cleanup();
    });

    it("refuses TRUNCATE of the journal, the head, the accounts and the erasures, and the bank still opens whole", async () => {
      const b = await makeBackend();
      backends.push(b);
      const raw = await createTimeBank({ store: b.open(), clock, stars: testStars });
      const bank = asHost(raw);
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.reject("rj1", "r1", "ver1", "why")]);
      expect(await raw.erasePerson("r1", HOST)).toMatchObject({ seq: 1, notes: 1 });
      const before = { accounts: bank.accounts(), anchor: bank.anchor(), erasures: await raw.erasures() };
      await bank.close();
      const sql = b.sql as (statement: string) => Promise<unknown>;
      for (const statement of guards.wipes) expect(String(await sql(statement)), statement).toContain("refused");
      for (const statement of guards.drops) expect(await sql(statement), statement).toBeDefined();
      const refused: [string, RegExp][] = [
        ["delete from timebank_head", /DELETE on timebank_head is refused/],
        ["delete from timebank_accounts", /DELETE on timebank_accounts is refused/],
        ["delete from timebank_journal", /timebank_journal is append-only/],
        ["update timebank_journal set at = 'x' where seq = 1", /timebank_journal is append-only/],
        ["delete from timebank_erasures", /DELETE on timebank_erasures is refused/],
        ["update timebank_erasures set notes = 0", /UPDATE on timebank_erasures is refused/],
        ["update timebank_head set seq = 1", /timebank_head may not move back/],
        // Back onto a real entry, hash and all: still refused.
        [
          "update timebank_head set seq = 1, hash = (select hash from timebank_journal where seq = 1) where id = 1",
          /timebank_head may not move back/,
        ],
        [
          `update timebank_head set seq = seq + 1, hash = '${"e".repeat(64)}'`,
          /timebank_head must name the last journal entry/,
        ],
        ["update timebank_head set suite = 'sm3'", /timebank_head suite may not change/],
      ];
      for (const [statement, message] of refused) expect(String(await sql(statement)), statement).toMatch(message);
      const again = await createTimeBank({ store: b.open(), clock, stars: testStars });
      expect({ accounts: asHost(again).accounts(), anchor: again.anchor(), erasures: await again.erasures() }).toEqual(
        before,
      );
      expect(await again.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 2 });
      await again.close();
    });

    it("writes a batch whole or not at all: a missing account row leaves journal, head and notes as they were", async () => {
      const b = await makeBackend();
      backends.push(b);
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany(SETUP);
      await bank.close();
      const store = b.open();
      await store.open();
      const head = (await store.readHead()) as NonNullable<Awaited<ReturnType<TimeBankStore["readHead"]>>>;
      const body = {
        seq: head.seq + 1,
        key: "hostile-1",
        fingerprint: "f".repeat(64),
        at: "2027-01-04T01:00:00.000Z",
        command: null,
        result: { key: "hostile-1", ok: false as const, code: "NOT_PENDING" as const },
        prevHash: head.hash,
      };
      const entry: JournalEntry = { ...body, hash: entryHash(body) };
      const ghost: AccountRow = {
        id: "v:nobody",
        debitsPending: 0,
        debitsPosted: 0,
        creditsPending: 0,
        creditsPosted: 60,
        earned: 60,
      };
      const failure = await store
        .commit(
          head.seq,
          () => ({
            entries: [entry],
            accounts: [ghost],
            created: [],
            notes: [{ key: "hostile-1", text: "x" }],
            value: 1,
          }),
          head.suite ?? "sha256",
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(typed(failure)).toEqual({ code: "INTERNAL", params: { detail: "account row missing" } });
      expect(await store.readHead()).toEqual(head);
      expect(await store.readJournal(head.seq)).toEqual([]);
      expect(await store.readNote("hostile-1")).toBeUndefined();
      expect(await store.readAccount("v:nobody")).toBeUndefined();
      // The same entry with the account created goes through whole, and the bank opens on it.
      await store.commit(
        head.seq,
        () => ({ entries: [entry], accounts: [], created: [], notes: [{ key: "hostile-1", text: "x" }], value: 1 }),
        head.suite ?? "sha256",
      );
      expect(await store.readHead()).toEqual({ seq: head.seq + 1, hash: entry.hash, suite: head.suite });
      expect(await store.readNote("hostile-1")).toBe("x");
      await store.close();
      const again = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      expect(await again.verifyJournal()).toMatchObject({ ok: true, length: head.seq + 1 });
      await again.close();
    });

    it("opens as tampered, never empty, when journal, head and accounts were all truncated past the guards", async () => {
      const b = await makeBackend();
      backends.push(b);
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany(SETUP);
      await bank.close();
      const sql = b.sql as (statement: string) => Promise<unknown>;
      expect(await sql(guards.wipePastGuards)).toBeUndefined();
      expect(typed(await openFailure(b.open()))).toEqual({
        code: "JOURNAL_TAMPERED",
        params: { position: 0, table: "timebank_head" },
      });
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
        .commit(
          0,
          () => ({
            entries: [store.entries[0] as JournalEntry],
            accounts: [],
            created: [],
            notes: [],
            value: 0,
          }),
          "sha256",
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    },
    async cutJournal() {
      store.entries.length = 0;
    },
    async editAccount(id, minutes) {
      const row = store.accountRows.get(id) as AccountRow;
      store.accountRows.set(id, { ...row, creditsPosted: row.creditsPosted + minutes });
    },
    async editHead(hash) {
      store.head = { ...store.head, hash };
    },
    async cleanup() {},
  };
});

/** A statement run with a table's own triggers off, as an owner who drops them would. */
const pastGuards = (table: string, statement: string) =>
  `alter table ${table} disable trigger user; ${statement}; alter table ${table} enable trigger user;`;

// PGlite is single-connection and its initdb takes seconds: one database for the file, one schema
// per backend (the file's tests run one after another, so the session's search_path is theirs).
let sharedPglite: { db: PGlite; dir: string } | undefined;
let pgliteSchemas = 0;

const pgliteBackend = async (): Promise<Backend> => {
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
    cutJournal: () => db.exec(pastGuards("timebank_journal", "truncate timebank_journal")).then(() => undefined),
    editAccount: (id, minutes) =>
      db
        .query(
          `update timebank_accounts set credits_posted = credits_posted + ${Number(minutes)} where id = $1 returning 1`,
          [id],
        )
        .then(() => undefined),
    editHead: (hash) =>
      db
        .exec(pastGuards("timebank_head", `update timebank_head set hash = '${hash}' where id = 1`))
        .then(() => undefined),
    sql: (statement) =>
      db.exec(statement).then(
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
};
describeStoreContract("pglite", pgliteBackend);
describeSqlGuards("pglite", pgliteBackend, PG_GUARDS);

const postgresBackend = async (): Promise<Backend> => {
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
    cutJournal: () => run(pastGuards("timebank_journal", "truncate timebank_journal")).then(() => undefined),
    editAccount: (id, minutes) =>
      run(`update timebank_accounts set credits_posted = credits_posted + ${Number(minutes)} where id = $1`, [id]).then(
        () => undefined,
      ),
    editHead: (hash) =>
      run(pastGuards("timebank_head", `update timebank_head set hash = '${hash}' where id = 1`)).then(() => undefined),
    sql: (statement) =>
      run(statement).then(
        () => undefined,
        (e: unknown) => e,
      ),
    cleanup: () => dropSchema(schema),
  };
};
describeStoreContract("postgres", postgresBackend);
describeSqlGuards("postgres", postgresBackend, PG_GUARDS);

/** MariaDB: triggers cannot be disabled, so tampering drops a table's triggers and re-creates them from the migrations. */
const mysqlBackend = async (): Promise<Backend> => {
  const database = privateMysqlDatabase("tb_contract");
  const url = await createMysqlDatabase(database);
  const admin = mysqlPool(url, 1);
  const run = (statement: string, params: unknown[] = []) => admin.query(statement, params);
  const triggersOn = (table: string) =>
    TIMEBANK_MYSQL_MIGRATIONS.flatMap((m) => m.statements ?? []).filter((s) =>
      new RegExp(`^create trigger if not exists \\w+ [a-z ]+ on ${table} `).test(s),
    );
  const pastTriggers = async (table: string, statement: string, params: unknown[] = []) => {
    for (const s of triggersOn(table)) {
      const name = /if not exists (\w+)/.exec(s)?.[1] as string;
      await run(`drop trigger if exists ${name}`);
    }
    try {
      await run(statement, params);
    } finally {
      for (const s of triggersOn(table)) await run(s);
    }
  };
  return {
    open: () => mysqlStore({ uri: url, connectionLimit: 2 }),
    async tamper(seq, change) {
      const [rows] = (await run("select command from timebank_journal where seq = ?", [seq])) as unknown as [
        { command: string }[],
      ];
      const patched = change({ command: JSON.parse((rows[0] as { command: string }).command) } as JournalEntry);
      await pastTriggers("timebank_journal", "update timebank_journal set command = ? where seq = ?", [
        JSON.stringify(patched.command),
        seq,
      ]);
    },
    updateInPlace: () =>
      run("delete from timebank_journal where seq = 1").then(
        () => undefined,
        (e: unknown) => e,
      ),
    cutJournal: () => pastTriggers("timebank_journal", "delete from timebank_journal"),
    editAccount: (id, minutes) =>
      run(`update timebank_accounts set credits_posted = credits_posted + ${Number(minutes)} where id = ?`, [id]).then(
        () => undefined,
      ),
    editHead: (hash) => pastTriggers("timebank_head", "update timebank_head set hash = ? where id = 1", [hash]),
    // Its own session each time, several statements allowed (a session setting and what it lifts).
    async sql(statement) {
      const conn = await mysql.createConnection({ uri: url, charset: "utf8mb4", multipleStatements: true });
      try {
        await conn.query(statement);
        return undefined;
      } catch (e: unknown) {
        return e;
      } finally {
        await conn.end();
      }
    },
    async cleanup() {
      await admin.end();
      await dropMysqlDatabase(database);
    },
  };
};
describeStoreContract("mysql (MariaDB)", mysqlBackend);
describeSqlGuards("mysql (MariaDB)", mysqlBackend, MYSQL_GUARDS);

describe("mysql (MariaDB): keys compare as bytes", () => {
  it("keeps keys that differ only by trailing spaces or by 4-byte characters apart, across a reopen", async () => {
    const b = await mysqlBackend();
    try {
      const bank = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      await bank.submitMany(SETUP);
      const keys = ["r1", "r1 ", "r𠀋", "r👵🏻"];
      for (const [i, key] of keys.entries())
        expect(await bank.submit(cmd.record(key, "v1", 10 * (i + 1)))).toMatchObject({ ok: true });
      const before = { accounts: bank.accounts(), anchor: bank.anchor() };
      await bank.close();
      const again = asHost(await createTimeBank({ store: b.open(), clock, stars: testStars }));
      expect({ accounts: again.accounts(), anchor: again.anchor() }).toEqual(before);
      for (const [i, key] of keys.entries())
        expect(await again.submit(cmd.record(key, "v1", 10 * (i + 1)))).toMatchObject({ replayed: true });
      await again.close();
    } finally {
      await b.cleanup();
    }
  });
});
