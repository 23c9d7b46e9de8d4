import { batchingClient, fixedClock, isElderflowError, type SqlClient, sqlFromPglite } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../../test/timebank-support";
import { createTimeBank } from "../bank";
import type { JournalEntry } from "../journal";
import { exclusiveTimeBankStore } from "./exclusive";
import { sqlStore } from "./sql";
import type { PreparedBatch } from "./types";

const clock = fixedClock("2027-01-04T09:00:00+08:00");

// One PGlite for the file (its initdb takes seconds), one schema per case.
const db = new PGlite();
afterAll(() => db.close());
let schemas = 0;
async function freshSchema(): Promise<void> {
  await db.exec(`create schema tbx_${++schemas}; set search_path to tbx_${schemas}`);
}

/** A client counting the statements sent through it. */
function counting(client: SqlClient): { client: SqlClient; count: () => number } {
  let n = 0;
  const wrap = <Q extends { query: SqlClient["query"] }>(q: Q): Q => ({
    ...q,
    query: (sql: string, params?: readonly unknown[], o?: Parameters<SqlClient["query"]>[2]) => {
      n++;
      return q.query(sql, params, o);
    },
  });
  return {
    client: {
      ...wrap(client),
      exec: client.exec.bind(client),
      transaction: (fn, o) => client.transaction((tx) => fn(wrap(tx)), o),
      close: async () => {},
    },
    count: () => n,
  };
}

const noClose = (c: SqlClient): SqlClient => ({ ...c, close: async () => {} });

/** A bank on the sole-writer store of the test database, with the setup commands in. */
async function openSoleWriter() {
  const sql = batchingClient(noClose(sqlFromPglite(db)));
  const bank = asHost(
    await createTimeBank({ store: exclusiveTimeBankStore(sqlStore(sql), sql), clock, stars: testStars }),
  );
  await bank.submitMany(SETUP);
  return { sql, bank };
}

/** Commands of one volunteer community: records, verifications and withdrawals, some refused. */
const commandArb = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant("record" as const),
      v: fc.constantFrom("v1", "v2"),
      minutes: fc.integer({ min: 1, max: 600 }),
    }),
    fc.record({ op: fc.constant("verify" as const), k: fc.nat(30) }),
    fc.record({
      op: fc.constant("withdraw" as const),
      v: fc.constantFrom("v1", "v2"),
      minutes: fc.integer({ min: 1, max: 300 }),
    }),
  ),
  { minLength: 1, maxLength: 40 },
);
const toCommands = (ops: readonly { op: string; v?: string; minutes?: number; k?: number }[]) =>
  ops.map((o, i) => {
    if (o.op === "record") return cmd.record(`r${i}`, o.v as string, o.minutes as number);
    if (o.op === "verify") return cmd.verify(`vf${i}`, `r${o.k}`);
    return cmd.withdraw(`w${i}`, o.v as string, o.minutes as number);
  });

describe("the time bank's sole-writer store (commands held back in a batch, written at its end)", () => {
  it("decides and stores exactly what the ordinary store does, whatever the batches", async () => {
    await fc.assert(
      fc.asyncProperty(
        commandArb,
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
        async (ops, cuts) => {
          const commands = [...SETUP, ...toCommands(ops)];
          // The ordinary store, no batches.
          await freshSchema();
          const plain = asHost(
            await createTimeBank({ store: sqlStore(noClose(sqlFromPglite(db))), clock, stars: testStars }),
          );
          const expected: unknown[] = [];
          for (const c of commands) expected.push(await plain.submit(c));
          const want = { accounts: plain.accounts(), anchor: plain.anchor() };
          await plain.close();
          // The sole-writer store, the same commands in batches of the given sizes.
          await freshSchema();
          const sql = batchingClient(noClose(sqlFromPglite(db)));
          const bank = asHost(
            await createTimeBank({ store: exclusiveTimeBankStore(sqlStore(sql), sql), clock, stars: testStars }),
          );
          const got: unknown[] = [];
          let at = 0;
          for (let b = 0; at < commands.length; b++) {
            const size = cuts[b % cuts.length] as number;
            const part = commands.slice(at, at + size);
            at += size;
            await sql.batch(async () => {
              for (const c of part) got.push(await bank.submit(c));
            });
          }
          expect(got).toEqual(expected);
          expect({ accounts: bank.accounts(), anchor: bank.anchor() }).toEqual(want);
          await bank.close();
          // What is stored opens on the ordinary store as the same bank, and its chain verifies.
          const again = asHost(
            await createTimeBank({ store: sqlStore(noClose(sqlFromPglite(db))), clock, stars: testStars }),
          );
          expect({ accounts: again.accounts(), anchor: again.anchor() }).toEqual(want);
          expect(await again.verifyJournal()).toMatchObject({ ok: true, length: commands.length });
          await again.close();
        },
      ),
      { numRuns: 12 },
    );
  });

  it("writes a batch of twenty commands with a handful of statements, not four per command", async () => {
    await freshSchema();
    const base = counting(sqlFromPglite(db));
    const sql = batchingClient(base.client);
    const bank = asHost(
      await createTimeBank({ store: exclusiveTimeBankStore(sqlStore(sql), sql), clock, stars: testStars }),
    );
    await bank.submitMany(SETUP);
    const before = base.count();
    await sql.batch(async () => {
      for (let i = 0; i < 20; i++) await bank.submit(cmd.record(`r${i}`, "v1", 30));
    });
    // One head lock, the journal, the accounts, the head: a few statements for the whole batch.
    expect(base.count() - before).toBeLessThanOrEqual(6);
    expect(await bank.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 20 });
    await bank.close();
  });

  it("lets reads inside the batch see what it holds back", async () => {
    await freshSchema();
    const sql = batchingClient(noClose(sqlFromPglite(db)));
    const store = exclusiveTimeBankStore(sqlStore(sql), sql);
    const bank = asHost(await createTimeBank({ store, clock, stars: testStars }));
    await sql.batch(async () => {
      await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
      expect(await bank.readAccount("v1")).toEqual(bank.account("v1"));
      expect((await store.readHead())?.seq).toBe(SETUP.length + 2);
      expect((await store.readJournal(0)).map((e) => e.key)).toEqual([...SETUP.map((c) => c.key), "r1", "vf1"]);
      // And what comes after the reads is held back again, then written.
      await bank.submit(cmd.withdraw("w1", "v1", 30));
    });
    expect((await sqlStore(sqlFromPglite(db)).readHead())?.seq).toBe(SETUP.length + 3);
    await bank.close();
  });

  it("leaves nothing of a batch that rolls back", async () => {
    await freshSchema();
    const { sql, bank } = await openSoleWriter();
    const failed = await sql
      .batch(async () => {
        await bank.submit(cmd.record("r1", "v1", 100));
        throw new Error("the host's own failure");
      })
      .catch((e: unknown) => e);
    expect(String(failed)).toContain("the host's own failure");
    const stored = sqlStore(noClose(sqlFromPglite(db)));
    expect((await stored.readHead())?.seq).toBe(SETUP.length);
    expect((await stored.readJournal(0)).map((e) => e.key)).not.toContain("r1");
    await bank.close();
  });

  it("fails the batch, and forks nothing, when another writer appended since the bank last read", async () => {
    await freshSchema();
    const { sql, bank } = await openSoleWriter();
    // An intruder breaks the exclusivity between two batches.
    const other = asHost(
      await createTimeBank({ store: sqlStore(noClose(sqlFromPglite(db))), clock, stars: testStars }),
    );
    await other.submit(cmd.record("r-other", "v2", 45));
    await other.close();
    const failed = await sql.batch(() => bank.submit(cmd.record("r1", "v1", 100))).catch((e: unknown) => e);
    expect(isElderflowError(failed) && failed.code).toBe("CONCURRENT_UPDATE");
    const check = asHost(
      await createTimeBank({ store: sqlStore(noClose(sqlFromPglite(db))), clock, stars: testStars }),
    );
    expect(await check.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 1 });
    expect((await sqlStore(noClose(sqlFromPglite(db))).readJournal(0)).map((e) => e.key)).not.toContain("r1");
    await check.close();
    await bank.close().catch(() => undefined);
  });

  it("refuses a poison commit alone (NUL, lone surrogate), shows none of its text, and writes the rest", async () => {
    await freshSchema();
    const sql = batchingClient(noClose(sqlFromPglite(db)));
    const base = sqlStore(sql);
    await base.open();
    const store = exclusiveTimeBankStore(base, sql);
    const entry = (seq: number, key: string): JournalEntry => ({
      seq,
      key,
      fingerprint: `fp-${key}`,
      at: "2027-01-04T01:00:00.000Z",
      command: null,
      result: { ok: false, code: "UNKNOWN_ACCOUNT" } as unknown as JournalEntry["result"],
      prevHash: `h${seq - 1}`,
      hash: `h${seq}`,
    });
    const batch = (seq: number, key: string, note?: string): PreparedBatch<string> => ({
      entries: [entry(seq, key)],
      accounts: [],
      created: [],
      notes: note === undefined ? [] : [{ key, text: note }],
      value: key,
    });
    const errors: unknown[] = [];
    await sql.batch(async () => {
      expect(await store.commit(0, () => batch(1, "a", "fine"), "sha256")).toBe("a");
      for (const poison of ["secret\u0000name", "secret\ud800name"])
        errors.push(await store.commit(1, () => batch(2, "b", poison), "sha256").catch((e: unknown) => e));
      expect(await store.commit(1, () => batch(2, "c"), "sha256")).toBe("c");
    });
    expect(errors.map((e) => isElderflowError(e) && { code: e.code, path: e.path })).toEqual([
      { code: "CONTROL_CHARACTER", path: ["notes", 0, "text"] },
      { code: "MALFORMED_TEXT", path: ["notes", 0, "text"] },
    ]);
    for (const e of errors) expect(`${(e as Error).message} ${JSON.stringify(e)}`).not.toContain("secret");
    expect((await base.readJournal(0)).map((e) => [e.seq, e.key])).toEqual([
      [1, "a"],
      [2, "c"],
    ]);
    expect(await base.readNote("a")).toBe("fine");
    expect(await base.readNote("b")).toBeUndefined();
  });

  it("is refused on MySQL, and is the ordinary store on a client without batches", () => {
    const mysqlLike = { dialect: "mysql" } as unknown as SqlClient;
    let error: unknown;
    try {
      exclusiveTimeBankStore(sqlStore(sqlFromPglite(db)), mysqlLike);
    } catch (e) {
      error = e;
    }
    expect(isElderflowError(error) && { code: error.code, path: error.path }).toEqual({
      code: "INVALID_INPUT",
      path: ["exclusive"],
    });
    const plain = sqlStore(sqlFromPglite(db));
    expect(exclusiveTimeBankStore(plain, sqlFromPglite(db))).toBe(plain);
    let viaOption: unknown;
    try {
      sqlStore(mysqlLike, { exclusive: true });
    } catch (e) {
      viaOption = e;
    }
    expect(isElderflowError(viaOption) && viaOption.code).toBe("INVALID_INPUT");
  });
});
