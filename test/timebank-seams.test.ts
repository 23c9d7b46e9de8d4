/**
 * The seams of issue #11 on every store (memory, PGlite, PostgreSQL): a command can only ever fail
 * itself. Keys that are not canonical text never reach the journal, so the chain verifies after a
 * reopen; keys that used to collide as transfer ids are decided independently; a field nested
 * 20,000 deep fails alone; random poison commands in random batches leave every other command
 * with exactly the result it gets without them. PostgreSQL tests fail (never skip) when the server
 * is unreachable.
 */
import { fixedClock, makeIdNumber } from "@elderflow/core";
import {
  type CommandResult,
  createTimeBank,
  type HashSuite,
  memoryStore,
  pgliteStore,
  postgresStore,
  sha256Suite,
  type TimeBankStore,
} from "@elderflow/timebank";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { asHost, cmd, dropSchema, type HostBank, PG_URL, SETUP, schemaName, testStars } from "./timebank-support";

const clock = fixedClock("2027-01-04T09:00:00+08:00");
const ID_NUMBER = makeIdNumber("110101", "1949-10-01", 7);
const PHONE = "13800138000";

/** A field nested 20,000 deep (built without recursion). */
const DEEP: unknown = (() => {
  let v: unknown = 0;
  for (let i = 0; i < 20_000; i++) v = [v];
  return v;
})();

/** One backend: fresh stored data per call, and a way to reopen it as another process would. */
interface Backend {
  readonly name: string;
  fresh(): Promise<{ open(): TimeBankStore }>;
  cleanup(): Promise<void>;
}

let pglite: PGlite | undefined;
let pgliteSchemas = 0;
const pgSchemas: string[] = [];

const BACKENDS: readonly Backend[] = [
  {
    name: "memory",
    async fresh() {
      const store = memoryStore();
      return { open: () => store };
    },
    async cleanup() {},
  },
  {
    name: "pglite",
    async fresh() {
      // One database for the file (initdb takes seconds), one schema per case.
      pglite ??= new PGlite();
      const db = pglite;
      const schema = `seams_${++pgliteSchemas}`;
      await db.exec(`create schema ${schema}; set search_path to ${schema}`);
      return { open: () => pgliteStore({ db }) };
    },
    async cleanup() {
      await pglite?.close();
      pglite = undefined;
    },
  },
  {
    name: "postgres",
    async fresh() {
      const schema = schemaName("seams");
      pgSchemas.push(schema);
      return { open: () => postgresStore({ connectionString: PG_URL, schema, max: 2 }) };
    },
    async cleanup() {
      for (const s of pgSchemas.splice(0)) await dropSchema(s);
    },
  },
];

afterAll(async () => {
  for (const b of BACKENDS) await b.cleanup();
});

async function open(store: TimeBankStore, hash: HashSuite = sha256Suite): Promise<HostBank> {
  return asHost(await createTimeBank({ store, clock, stars: testStars, hash }));
}

/**
 * SHA-256, except that hashing the journal entry of a command keyed `poison-boom…` throws: that
 * happens after the command was decided and moved minutes, so only the savepoint can undo it.
 */
const faultyHash: HashSuite = {
  name: "sha256-faulty",
  digest(text) {
    if (/^[0-9a-f]{64}\n/.test(text) && text.includes('"key":"poison-boom')) throw new Error("fault injected");
    return sha256Suite.digest(text);
  },
};

/** What a reopened bank must agree on with the one that wrote the data. */
async function expectSameAfterReopen(
  bank: HostBank,
  reopen: () => TimeBankStore,
  hash: HashSuite = sha256Suite,
): Promise<void> {
  expect(await bank.verifyJournal()).toMatchObject({ ok: true });
  const accounts = bank.ledgerAccounts();
  const anchor = bank.anchor();
  await bank.close();
  const again = await open(reopen(), hash);
  try {
    expect(again.ledgerAccounts()).toEqual(accounts);
    expect(again.anchor()).toEqual(anchor);
    expect(await again.verifyJournal()).toMatchObject({ ok: true, length: anchor.length });
  } finally {
    await again.close();
  }
}

const earnAndSpend = [
  cmd.record("x#1", "v1", 90),
  cmd.verify("x#1:verify", "x#1"),
  cmd.withdraw("x", "v1", 30),
  cmd.fulfil("x:fulfil", "x"),
  cmd.record("zz", "v2", 60),
  cmd.record("zz:verify", "v2", 45),
  cmd.verify("vf-zz", "zz"),
  cmd.verify("vf-zz:verify", "zz:verify"),
];
const earnAndSpendResults = [
  { key: "x#1", ok: true, status: "pending" },
  { key: "x#1:verify", ok: true, status: "posted" },
  { key: "x", ok: true, status: "reserved" },
  { key: "x:fulfil", ok: true, status: "posted" },
  { key: "zz", ok: true, status: "pending" },
  { key: "zz:verify", ok: true, status: "pending" },
  { key: "vf-zz", ok: true, status: "posted" },
  { key: "vf-zz:verify", ok: true, status: "posted" },
];

for (const backend of BACKENDS) {
  describe(`command isolation on ${backend.name}`, () => {
    it("refuses lone-surrogate, NUL, control and personal-data keys unrecorded, and the journal verifies after reopen", async () => {
      const data = await backend.fresh();
      const bank = await open(data.open());
      await bank.submitMany(SETUP);
      const before = bank.anchor();
      const bad = ["k\ud800", "k\u0000", "k\u001b[31m", `k-${PHONE}`, `k-${ID_NUMBER}`, "k".repeat(201), ""];
      const results = await bank.submitMany([
        cmd.record("ok-1", "v1", 60),
        ...bad.map((key) => cmd.record(key, "v1", 60)),
        { ...cmd.reject("bad-reason", "ok-1"), reason: "lone \udc00 half" },
        { ...cmd.record("bad-id", "v1", 60), recipient: "r\u0000" },
        cmd.record("ok-2", "v1", 30),
      ]);
      expect(results[0]).toEqual({ key: "ok-1", ok: true, status: "pending" });
      for (const r of results.slice(1, 1 + bad.length))
        expect(r).toEqual({ key: null, ok: false, code: "INVALID_INPUT" });
      expect(results.slice(1 + bad.length)).toEqual([
        { key: "bad-reason", ok: false, code: "INVALID_INPUT" },
        { key: "bad-id", ok: false, code: "INVALID_INPUT" },
        { key: "ok-2", ok: true, status: "pending" },
      ]);
      // Only the two records and the refusal whose text is well-formed were journaled (a lone
      // surrogate anywhere keeps a command out of the chain).
      expect(bank.anchor().length).toBe(before.length + 3);
      const journal = JSON.stringify(await bank.journal());
      for (const text of ["\\ud800", "\\udc00", "\\u0000", "\\u001b", PHONE, ID_NUMBER])
        expect(journal).not.toContain(text);
      expect(bank.account("v1")?.pendingInMinutes).toBe(90);
      await expectSameAfterReopen(bank, data.open);
    }, 60_000);

    it("decides x#1 then x, and zz then zz:verify, independently in one batch", async () => {
      const data = await backend.fresh();
      const bank = await open(data.open());
      await bank.submitMany(SETUP);
      expect(await bank.submitMany(earnAndSpend)).toEqual(earnAndSpendResults);
      expect(bank.account("v1")).toMatchObject({ earnedMinutes: 90, balanceMinutes: 60, availableMinutes: 60 });
      expect(bank.account("v2")).toMatchObject({ earnedMinutes: 105, pendingInMinutes: 0 });
      await expectSameAfterReopen(bank, data.open);
    }, 60_000);

    it("fails a field nested 20,000 deep alone: its batch-mates are decided", async () => {
      const data = await backend.fresh();
      const bank = await open(data.open());
      await bank.submitMany(SETUP);
      const results = await bank.submitMany([
        cmd.record("before", "v1", 60),
        { ...cmd.record("deep", "v1", 60), note: DEEP },
        { op: "record", key: "deep-2", volunteer: DEEP },
        cmd.record("after", "v1", 30),
      ]);
      expect(results).toEqual([
        { key: "before", ok: true, status: "pending" },
        { key: "deep", ok: false, code: "INVALID_INPUT" },
        { key: "deep-2", ok: false, code: "INVALID_INPUT" },
        { key: "after", ok: true, status: "pending" },
      ]);
      await expectSameAfterReopen(bank, data.open);
    }, 60_000);
  });
}

// ---- the property: poison commands in random batches harm nobody else

/** Innocent commands over a few volunteers, with keys that used to collide as transfer ids. */
const key = fc.constantFrom("x", "x#1", "x#2", "x:verify", "y", "y#1", "社区-1", "😀-k", "e\u0301", "é");
const innocent: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .record({ k: key, v: fc.constantFrom("v1", "v2", "w1"), m: fc.constantFrom(30, 60, 90) })
    .map(({ k, v, m }) => cmd.record(k, v, m, "2027-01-05", "r1", v === "w1" ? "reg2" : "reg1")),
  fc.record({ k: key, e: key }).map(({ k, e }) => cmd.verify(`vf-${k}`, e)),
  fc.record({ k: key, m: fc.constantFrom(10, 30, 200) }).map(({ k, m }) => cmd.withdraw(`w-${k}`, "v1", m, "f1")),
  fc.record({ k: key }).map(({ k }) => cmd.fulfil(`fu-${k}`, `w-${k}`)),
  fc.record({ k: key }).map(({ k }) => cmd.cancel(`ca-${k}`, `w-${k}`)),
  fc.record({ k: key, e: key }).map(({ k, e }) => cmd.reverse(`rv-${k}`, e)),
);

const throwingKey = Object.defineProperty({ op: "record" }, "key", {
  enumerable: true,
  get() {
    throw new Error("poison getter");
  },
});
const throwingKeys = new Proxy(
  { key: "poison-proxy", op: "record" },
  {
    ownKeys() {
      throw new Error("poison proxy");
    },
  },
);

/**
 * Poison: whatever a hostile or careless caller can send, and valid commands whose decision throws
 * after it moved minutes (see {@link faultyHash}). Each must fail itself and change nothing.
 */
const poison: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(innocent, fc.nat()).map(([c, n]) => ({ ...c, key: `poison-boom-${n}` })),
  fc.constantFrom<unknown>(
    null,
    42,
    "record",
    [cmd.record("poison-array", "v1", 60)],
    cmd.record("k\ud800", "v1", 60),
    cmd.record("k\u0000", "v1", 60),
    cmd.record(`张三-${PHONE}-1`, "v1", 60),
    cmd.record(ID_NUMBER, "v1", 60),
    { ...cmd.record("poison-deep", "v1", 60), deep: DEEP },
    { ...cmd.record("poison-nan", "v1", 60), minutes: Number.NaN },
    { ...cmd.record("poison-bigint", "v1", 60), minutes: 10n },
    { ...cmd.enroll("poison-wide", "v9"), family: Array.from({ length: 100_000 }, (_, i) => `f${i}`) },
    { ...cmd.reject("poison-nul-reason", "x"), reason: "no\u0000signature" },
    { ...cmd.record("poison-phone-id", "v1", 60), recipient: PHONE },
    throwingKey,
    throwingKeys,
  ),
  fc.string({ unit: "binary", maxLength: 8 }).map((junk) => cmd.record(`poison-${junk}\ud800`, "v1", 60)),
);

/** A batch: innocents with poisons at random places, split into concurrent submissions. */
const scenario = fc.record({
  innocents: fc.array(innocent, { minLength: 1, maxLength: 12 }),
  poisons: fc.array(fc.tuple(fc.nat(), poison), { minLength: 1, maxLength: 4 }),
  chunk: fc.integer({ min: 1, max: 6 }),
});

/** The innocents' results without any poison, on a fresh memory bank. */
async function alone(innocents: readonly unknown[], chunk: number): Promise<CommandResult[]> {
  const bank = await open(memoryStore());
  await bank.submitMany(SETUP);
  const out = await submitChunked(bank, innocents, chunk);
  await bank.close();
  return out;
}

/** Submits in chunks at once, so that they share the group-commit batch. */
async function submitChunked(bank: HostBank, all: readonly unknown[], chunk: number): Promise<CommandResult[]> {
  const parts: unknown[][] = [];
  for (let i = 0; i < all.length; i += chunk) parts.push(all.slice(i, i + chunk));
  return (await Promise.all(parts.map((p) => bank.submitMany(p)))).flat();
}

const RUNS: Record<string, number> = { memory: 60, pglite: 12, postgres: 12 };

for (const backend of BACKENDS) {
  describe(`poison in a batch on ${backend.name}`, () => {
    it("leaves every other command with exactly the result it gets without the poison", async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ innocents, poisons, chunk }) => {
          const expected = await alone(innocents, chunk);
          const mixed: unknown[] = [...innocents];
          const isPoison = new Set<number>();
          for (const [at, p] of poisons) mixed.splice(at % (mixed.length + 1), 0, p);
          for (const [i, c] of mixed.entries()) if (!innocents.includes(c as Record<string, unknown>)) isPoison.add(i);
          const data = await backend.fresh();
          const bank = await open(data.open(), faultyHash);
          await bank.submitMany(SETUP);
          const got = await submitChunked(bank, mixed, chunk);
          expect(got.filter((_, i) => !isPoison.has(i))).toEqual(expected);
          for (const i of isPoison) {
            const r = got[i] as CommandResult;
            expect(r.ok).toBe(false);
            expect(r.key === null || r.key.startsWith("poison-")).toBe(true);
          }
          const text = JSON.stringify(got);
          for (const t of [PHONE, ID_NUMBER, "\\ud800", "\\u0000"]) expect(text).not.toContain(t);
          await expectSameAfterReopen(bank, data.open, faultyHash);
        }),
        { numRuns: RUNS[backend.name] ?? 10 },
      );
    }, 180_000);
  });
}
