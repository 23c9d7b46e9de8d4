/**
 * 通存通兑 between two district banks (issue #15 item 6): a quarter of cross-district redemptions
 * in both directions, one of them undone; each bank signs its settlement statement, the other
 * verifies it against its own records, and the two net to zero. Tampered, forged, misaddressed and
 * one-sided statements are refused with typed codes, per movement. Memory, PGlite and MariaDB. Then the
 * year-end star rating over a bank's year with the served persons' feedback.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ActorInput, fixedClock, type SqlClient, sqlFromMysqlPool, sqlFromPglite } from "@elderflow/core";
import { rateYearEnd, yearEndRatingPolicy } from "@elderflow/policy";
import {
  type ClearingBook,
  cityClearing,
  clearingCommunity,
  createTimeBank,
  ed25519Signer,
  ed25519Verifier,
  hmacSigner,
  memoryStore,
  mysqlStore,
  openClearingBook,
  openStoredClearingBook,
  pgliteStore,
  rateYear,
  type SettlementStatement,
  type StoredClearingBook,
  settlementStatement,
  sqlClearingStore,
  type TimeBank,
  type TimeBankStore,
  verifyStatement,
} from "@elderflow/timebank";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, mysqlPool, privateMysqlDatabase } from "./support/mysql";
import { testStars } from "./timebank-support";

const clock = fixedClock("2027-04-01T09:00:00+08:00");
const A = "district-a";
const B = "district-b";
const BUREAU_A: ActorInput = { id: "bureau-a", roles: ["bureau"] };
const BUREAU_B: ActorInput = { id: "bureau-b", roles: ["bureau"] };
const STAFF_B: ActorInput = { id: "staff-b1", roles: ["community_staff"], communities: ["b-c1"] };
const STAFF_A: ActorInput = { id: "staff-a1", roles: ["community_staff"], communities: ["a-c1"] };

/** A district's letter (`district-c` → `c`), its bureau and the staff of its first community. */
const letter = (id: string) => id.slice(-1);
const bureauOf = (id: string): ActorInput => ({ id: `bureau-${letter(id)}`, roles: ["bureau"] });
const staffOf = (id: string): ActorInput & { id: string } => ({
  id: `staff-${letter(id)}1`,
  roles: ["community_staff"],
  communities: [`${letter(id)}-c1`],
});

const keysA = generateKeyPairSync("ed25519");
const keysB = generateKeyPairSync("ed25519");

/** One district: its time bank, its clearing book, and the people who run them. */
interface District {
  readonly id: string;
  readonly bank: TimeBank;
  book: ClearingBook;
  readonly community: string;
}

/** Opens a district with two volunteers who earn hours at home. */
async function district(id: string, community: string, store: TimeBankStore): Promise<District> {
  const bank = await createTimeBank({ store, clock, stars: testStars });
  const bureau = bank.as(bureauOf(id));
  const p = letter(id);
  const results = await bureau.submitMany([
    { op: "grant", key: `${p}-g1`, person: `${p}-leader`, role: "registrar", community },
    { op: "grant", key: `${p}-g2`, person: `${p}-checker`, role: "verifier", community },
    { op: "enroll", key: `${p}-e1`, volunteer: `${p}-v1`, community, family: [] },
    { op: "enroll", key: `${p}-e2`, volunteer: `${p}-v2`, community, family: [`${p}-f2`] },
  ]);
  expect(results.every((r) => r.ok)).toBe(true);
  const host = bank.as({ id: "host", roles: ["system"] });
  for (const v of [`${p}-v1`, `${p}-v2`]) {
    const earned = await host.submitMany([
      {
        op: "record",
        key: `${v}-r1`,
        volunteer: v,
        recipient: `${p}-cadre`,
        minutes: 600,
        on: "2027-01-10",
        signedBy: `${p}-cadre`,
        registeredBy: `${p}-leader`,
      },
      { op: "verify", key: `${v}-r1:v`, entry: `${v}-r1`, by: `${p}-checker`, on: "2027-01-11" },
    ]);
    expect(earned.map((r) => r.ok)).toEqual([true, true]);
  }
  return { id, bank, book: openClearingBook({ bank: id, clock }), community };
}

/**
 * A redemption of `home`'s volunteer at `serving`: the home bank reserves and fulfils against the
 * serving bank's clearing community; the serving bank books the service against its clearing
 * account for the home bank, naming the home bank's withdrawal key.
 */
async function redeemAbroad(
  home: District,
  serving: District,
  r: { key: string; volunteer: string; beneficiary?: string; minutes: number; on: string },
): Promise<void> {
  const homeBureau = home.bank.as(bureauOf(home.id));
  const out = await homeBureau.submitMany([
    {
      op: "withdraw",
      key: r.key,
      volunteer: r.volunteer,
      beneficiary: r.beneficiary ?? r.volunteer,
      minutes: r.minutes,
      on: r.on,
      community: clearingCommunity(serving.id),
    },
    { op: "fulfil", key: `${r.key}:f`, withdrawal: r.key, on: r.on },
  ]);
  expect(out.map((x) => x.ok)).toEqual([true, true]);
  const staff = staffOf(serving.id);
  const served = serving.book.as(staff).submit({
    op: "serve",
    key: `${serving.id}/${r.key}`,
    from: home.id,
    ref: r.key,
    volunteer: r.volunteer,
    beneficiary: r.beneficiary ?? r.volunteer,
    minutes: r.minutes,
    on: r.on,
    community: serving.community,
    by: staff.id,
  });
  expect(served).toEqual({ key: `${serving.id}/${r.key}`, ok: true, status: "posted" });
}

async function settleBoth(a: District, b: District, period = "2027-Q1") {
  const fromA = await settlementStatement({
    bank: a.bank,
    actor: BUREAU_A,
    book: a.book,
    counterpart: B,
    period,
    signer: ed25519Signer(keysA.privateKey),
    clock,
  });
  const fromB = await settlementStatement({
    bank: b.bank,
    actor: BUREAU_B,
    book: b.book,
    counterpart: A,
    period,
    signer: ed25519Signer(keysB.privateKey),
    clock,
  });
  return { fromA, fromB };
}

const checkAtB = (statement: unknown, b: District) =>
  verifyStatement(statement, {
    bank: b.bank,
    actor: BUREAU_B,
    book: b.book,
    verifier: ed25519Verifier(keysA.publicKey),
    from: A,
  });
const checkAtA = (statement: unknown, a: District) =>
  verifyStatement(statement, {
    bank: a.bank,
    actor: BUREAU_A,
    book: a.book,
    verifier: ed25519Verifier(keysB.publicKey),
    from: B,
  });

/** A whole quarter: three redemptions at B by A's people (one undone), one at A by B's volunteer. */
async function runQuarter(a: District, b: District): Promise<void> {
  await redeemAbroad(a, b, { key: "a-w1", volunteer: "a-v1", minutes: 90, on: "2027-02-03" });
  await redeemAbroad(a, b, { key: "a-w2", volunteer: "a-v2", beneficiary: "a-f2", minutes: 60, on: "2027-02-17" });
  await redeemAbroad(a, b, { key: "a-w3", volunteer: "a-v2", minutes: 45, on: "2027-03-02" });
  await redeemAbroad(b, a, { key: "b-w1", volunteer: "b-v1", minutes: 120, on: "2027-03-09" });
  // The service for a-w3 did not happen after all: both sides undo it in the quarter.
  // A reversal is a verifier's act (the one rule): the bureau acts for A's verifier.
  const undo = await a.bank
    .as({ ...BUREAU_A, onBehalfOf: ["a-checker"] })
    .submit({ op: "reverse", key: "a-w3:rev", entry: "a-w3:f", by: "a-checker", reason: "未上门", on: "2027-03-20" });
  expect(undo).toMatchObject({ ok: true });
  expect(
    b.book
      .as(STAFF_B)
      .submit({ op: "unserve", key: "b/a-w3:undo", entry: `${B}/a-w3`, on: "2027-03-20", by: "staff-b1" }),
  ).toMatchObject({ ok: true, status: "posted" });
  // The quarter is closed on both sides before the statements are drawn up.
  for (const [d, bureau, other] of [
    [a, BUREAU_A, B],
    [b, BUREAU_B, A],
  ] as const) {
    expect(
      d.book.as(bureau).submit({ op: "close", key: `close-${other}-Q1`, counterpart: other, period: "2027-Q1" }),
    ).toMatchObject({
      ok: true,
      status: "closed",
    });
  }
}

const dirs: string[] = [];
/** Run after the file's tests, newest first (stores close before their database is dropped). */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh MariaDB database of this file, dropped after its tests. */
async function mariadbDatabase(): Promise<string> {
  const database = privateMysqlDatabase("tb_clearing");
  const url = await createMysqlDatabase(database);
  cleanups.push(() => dropMysqlDatabase(database));
  return url;
}

const BACKENDS: readonly { name: string; store(): Promise<TimeBankStore> }[] = [
  { name: "memory", store: async () => memoryStore() },
  {
    name: "pglite",
    store: async () => {
      const dir = mkdtempSync(join(tmpdir(), "ef-clearing-"));
      dirs.push(dir);
      return pgliteStore({ dataDir: dir });
    },
  },
  {
    name: "mariadb",
    store: async () => {
      const store = mysqlStore({ uri: await mariadbDatabase(), connectionLimit: 2 });
      cleanups.push(() => store.close());
      return store;
    },
  },
];

describe.each(BACKENDS)("two district banks settle a quarter ($name)", ({ store }) => {
  let a: District;
  let b: District;
  let statements: { fromA: SettlementStatement; fromB: SettlementStatement };

  it("runs a quarter of cross-district redemptions and each bank verifies the other's signed statement", async () => {
    a = await district(A, "a-c1", await store());
    b = await district(B, "b-c1", await store());
    await runQuarter(a, b);
    statements = await settleBoth(a, b);
    const { fromA, fromB } = statements;

    // A's people spent 90 + 60 at B (45 spent and given back); B's volunteer spent 120 at A.
    expect(fromA.totals).toEqual({ outMinutes: 150, inMinutes: 120, netMinutes: -30 });
    expect(fromB.totals).toEqual({ outMinutes: 120, inMinutes: 150, netMinutes: 30 });
    expect(fromA.totals.netMinutes + fromB.totals.netMinutes).toBe(0);
    expect(fromA.lines.map((l) => [l.ref, l.direction, l.kind, l.minutes])).toEqual([
      ["a-w1", "out", "redemption", 90],
      ["a-w2", "out", "redemption", 60],
      ["a-w3", "out", "redemption", 45],
      ["b-w1", "in", "redemption", 120],
      ["a-w3", "out", "reversal", -45],
    ]);
    expect(fromA.volunteers).toEqual([
      { home: A, volunteer: "a-v1", outMinutes: 90, inMinutes: 0 },
      { home: A, volunteer: "a-v2", outMinutes: 60, inMinutes: 0 },
      { home: B, volunteer: "b-v1", outMinutes: 0, inMinutes: 120 },
    ]);
    expect(fromA.covers.journal).toEqual(a.bank.anchor());
    expect(fromA.covers.book).toEqual(a.book.anchor());

    const atB = await checkAtB(fromA, b);
    const atA = await checkAtA(fromB, a);
    expect(atB).toMatchObject({ ok: true, problems: [], netDifference: 0 });
    expect(atA).toMatchObject({ ok: true, problems: [], netDifference: 0 });

    // The home side really spent the minutes: a-v1 had 600, spent 90 at B.
    expect(a.bank.as(BUREAU_A).account("a-v1")).toMatchObject({ balanceMinutes: 510, earnedMinutes: 600 });
    expect(a.bank.as(BUREAU_A).account("a-v2")).toMatchObject({ balanceMinutes: 540 });
    // A's clearing account for B holds what A owes B.
    const owed = a.bank
      .as(BUREAU_A)
      .ledgerAccounts()
      .find((r) => r.id === `redeemed:${clearingCommunity(B)}`);
    expect((owed?.creditsPosted ?? 0) - (owed?.debitsPosted ?? 0)).toBe(150);
    expect(await a.bank.verifyJournal()).toMatchObject({ ok: true });
  });

  it("refuses a tampered statement with CLEARING_SIGNATURE and names nothing else", async () => {
    const { fromA } = statements;
    const lines = fromA.lines.map((l) => (l.ref === "a-w1" ? { ...l, minutes: 30 } : l));
    const tampered = { ...fromA, lines, totals: { outMinutes: 90, inMinutes: 120, netMinutes: 30 } };
    const check = await checkAtB(tampered, b);
    expect(check).toMatchObject({ ok: false, code: "CLEARING_SIGNATURE", problems: [{ code: "CLEARING_SIGNATURE" }] });
    // Signed with another key (B's own), or with HMAC under a guessed secret: still refused.
    const forged = await settlementStatement({
      bank: a.bank,
      actor: BUREAU_A,
      book: a.book,
      counterpart: B,
      period: "2027-Q1",
      signer: ed25519Signer(keysB.privateKey),
      clock,
    });
    expect((await checkAtB(forged, b)).code).toBe("CLEARING_SIGNATURE");
    const hmac = await settlementStatement({
      bank: a.bank,
      actor: BUREAU_A,
      book: a.book,
      counterpart: B,
      period: "2027-Q1",
      signer: hmacSigner("a guessed secret of 16+ bytes"),
      clock,
    });
    expect((await checkAtB(hmac, b)).code).toBe("CLEARING_SIGNATURE");
    // The same statement shown to B for another quarter's figures cannot pass either.
    expect((await checkAtB({ ...fromA, period: "2027-Q2" }, b)).code).toBe("CLEARING_SIGNATURE");
  });

  it("reports a statement for another bank as CLEARING_PARTY", async () => {
    const toC = await settlementStatement({
      bank: a.bank,
      actor: BUREAU_A,
      book: a.book,
      counterpart: "district-c",
      period: "2027-Q1",
      signer: ed25519Signer(keysA.privateKey),
      clock,
    });
    expect(await checkAtB(toC, b)).toMatchObject({
      ok: false,
      code: "CLEARING_PARTY",
      problems: [{ fields: ["counterpart"] }],
    });
  });

  it("reports one-sided movements per item and still checks the rest", async () => {
    // B books a service A never withdrew, in Q2; A books a withdrawal at B that B never served.
    const ghost = b.book.as(STAFF_B).submit({
      op: "serve",
      key: "b/ghost",
      from: A,
      ref: "a-ghost",
      volunteer: "a-v1",
      beneficiary: "a-v1",
      minutes: 30,
      on: "2027-04-08",
      community: "b-c1",
      by: "staff-b1",
    });
    expect(ghost).toMatchObject({ ok: true });
    const bureauA = a.bank.as(BUREAU_A);
    const lone = await bureauA.submitMany([
      {
        op: "withdraw",
        key: "a-lone",
        volunteer: "a-v2",
        beneficiary: "a-v2",
        minutes: 20,
        on: "2027-04-09",
        community: clearingCommunity(B),
      },
      { op: "fulfil", key: "a-lone:f", withdrawal: "a-lone", on: "2027-04-09" },
    ]);
    expect(lone.every((r) => r.ok)).toBe(true);
    await redeemAbroad(a, b, { key: "a-w4", volunteer: "a-v1", minutes: 15, on: "2027-04-10" });
    const q2 = await settleBoth(a, b, "2027-Q2");
    const atB = await checkAtB(q2.fromA, b);
    expect(atB.ok).toBe(false);
    expect(atB.problems).toEqual([
      { code: "CLEARING_UNMATCHED", home: A, ref: "a-lone", kind: "redemption" },
      { code: "CLEARING_MISSING", home: A, ref: "a-ghost", kind: "redemption" },
      { code: "CLEARING_NOT_NETTING", fields: ["totals", "netMinutes"] },
    ]);
    expect(atB.netDifference).toBe(10);
    const atA = await checkAtA(q2.fromB, a);
    expect(atA.problems.map((p) => [p.code, p.ref])).toEqual([
      ["CLEARING_UNMATCHED", "a-ghost"],
      ["CLEARING_MISSING", "a-lone"],
      ["CLEARING_NOT_NETTING", undefined],
    ]);
    // a-w4 matched on both sides and is not reported.
    expect(JSON.stringify(atB.problems)).not.toContain("a-w4");
  });
});

describe("statement checks against the counterpart's own records (memory)", () => {
  it("reports a movement both record but differently as CLEARING_MISMATCH with the fields", async () => {
    const a = await district(A, "a-c1", memoryStore());
    const b = await district(B, "b-c1", memoryStore());
    await redeemAbroad(a, b, { key: "a-w1", volunteer: "a-v1", minutes: 90, on: "2027-02-03" });
    const w = await a.bank.as(BUREAU_A).submitMany([
      {
        op: "withdraw",
        key: "a-w2",
        volunteer: "a-v1",
        beneficiary: "a-v1",
        minutes: 60,
        on: "2027-02-05",
        community: clearingCommunity(B),
      },
      { op: "fulfil", key: "a-w2:f", withdrawal: "a-w2", on: "2027-02-05" },
    ]);
    expect(w.every((r) => r.ok)).toBe(true);
    // B books the same movement with other minutes and another date.
    b.book.as(STAFF_B).submit({
      op: "serve",
      key: "b/a-w2",
      from: A,
      ref: "a-w2",
      volunteer: "a-v1",
      beneficiary: "a-v1",
      minutes: 50,
      on: "2027-02-06",
      community: "b-c1",
      by: "staff-b1",
    });
    const { fromA } = await settleBoth(a, b);
    const check = await checkAtB(fromA, b);
    expect(check.problems).toEqual([
      { code: "CLEARING_MISMATCH", home: A, ref: "a-w2", kind: "redemption", fields: ["minutes", "on"] },
      { code: "CLEARING_NOT_NETTING", fields: ["totals", "netMinutes"] },
    ]);
  });

  it("never throws for hostile statements: non-objects, deep or huge values, altered totals under a valid signature", async () => {
    const a = await district(A, "a-c1", memoryStore());
    const b = await district(B, "b-c1", memoryStore());
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = { lines: deep };
    for (const bad of [
      null,
      42,
      "x",
      [],
      {},
      deep,
      { format: "elderflow-clearing-statement-v1", lines: "x".repeat(100_000) },
    ]) {
      const check = await checkAtB(bad, b);
      expect(check).toMatchObject({ ok: false, code: "INVALID_INPUT" });
    }
    // A bank that signs totals which do not add up from its own lines is caught, not trusted.
    const honest = await settlementStatement({
      bank: a.bank,
      actor: BUREAU_A,
      book: a.book,
      counterpart: B,
      period: "2027-Q1",
      signer: ed25519Signer(keysA.privateKey),
      clock,
    });
    const { signature: _s, ...body } = honest;
    const lying = { ...body, totals: { outMinutes: 0, inMinutes: 500, netMinutes: 500 } };
    const signer = ed25519Signer(keysA.privateKey);
    const { statementSigningText } = await import("@elderflow/timebank");
    const signedLie = { ...lying, signature: signer.sign(statementSigningText(lying)) };
    const check = await checkAtB(signedLie, b);
    expect(check.problems.map((p) => p.code)).toEqual(["CLEARING_TOTALS", "CLEARING_NOT_NETTING"]);
  });

  it("lets only a district body draw up or check a statement", async () => {
    const a = await district(A, "a-c1", memoryStore());
    await expect(
      settlementStatement({
        bank: a.bank,
        actor: STAFF_A,
        book: a.book,
        counterpart: B,
        period: "2027-Q1",
        signer: ed25519Signer(keysA.privateKey),
        clock,
      }),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
    await expect(
      verifyStatement({}, { bank: a.bank, actor: STAFF_A, book: a.book, verifier: ed25519Verifier(keysB.publicKey) }),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
  });
});

describe("the clearing book", () => {
  const serve = (over: Record<string, unknown> = {}) => ({
    op: "serve",
    key: "s1",
    from: A,
    ref: "a-w1",
    volunteer: "a-v1",
    beneficiary: "a-v1",
    minutes: 60,
    on: "2027-02-03",
    community: "b-c1",
    by: "staff-b1",
    ...over,
  });

  it("checks who may act with the one rule, and each command fails only itself", () => {
    const book = openClearingBook({ bank: B, clock });
    const results = book
      .as(STAFF_B)
      .submitMany([
        serve({ key: "wrong", community: "b-c2" }),
        serve({ key: "mismatch", by: "someone-else" }),
        serve({ key: "self", by: "staff-b1", volunteer: "staff-b1" }),
        serve({ key: "ours", from: B }),
        serve(),
        serve({ key: "s2" }),
        serve({ key: { nested: true } }),
        serve({ key: "13800138000" }),
        serve({ key: "s3", minutes: 1.5 }),
        serve(),
        serve({ minutes: 61 }),
      ]);
    expect(results).toEqual([
      { key: "wrong", ok: false, code: "WRONG_COMMUNITY", path: ["community"] },
      { key: "mismatch", ok: false, code: "ACTOR_MISMATCH", path: ["by"] },
      { key: "self", ok: false, code: "SELF_VERIFICATION", path: ["by"] },
      { key: "ours", ok: false, code: "INVALID_INPUT", path: ["from"] },
      { key: "s1", ok: true, status: "posted" },
      { key: "s2", ok: false, code: "DUPLICATE_ID", path: ["ref"] },
      { key: null, ok: false, code: "INVALID_INPUT", path: ["key"] },
      { key: null, ok: false, code: "INVALID_INPUT", path: ["key"] },
      { key: "s3", ok: false, code: "INVALID_INPUT", path: ["minutes"] },
      { key: "s1", ok: true, status: "posted", replayed: true },
      { key: "s1", ok: false, code: "IDEMPOTENCY_CONFLICT" },
    ]);
    // The family member of the volunteer may not confirm the service either.
    expect(
      book
        .as({ id: "a-f2", roles: ["community_staff"], communities: ["b-c1"] })
        .submit(serve({ key: "fam", ref: "a-w9", volunteer: "a-v2", beneficiary: "a-f2", by: "a-f2" })),
    ).toMatchObject({ ok: false, code: "SELF_VERIFICATION" });
    // A hostile object fails alone.
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error("boom");
        },
        ownKeys: () => {
          throw new Error("boom");
        },
      },
    );
    expect(book.as(STAFF_B).submitMany([hostile, serve({ key: "s4", ref: "a-w4" })])).toEqual([
      { key: null, ok: false, code: "INVALID_INPUT" },
      { key: "s4", ok: true, status: "posted" },
    ]);
    expect(book.inbound(A).map((s) => s.key)).toEqual(["s1", "s4"]);
  });

  it("refuses a bank id that is not a canonical id, or too long to name a clearing community", () => {
    expect(clearingCommunity("district-b")).toBe("bank:district-b");
    for (const bad of ["13800138000", "a b", "", "x".repeat(60), "区\u0000"])
      expect(() => clearingCommunity(bad)).toThrowError(expect.objectContaining({ path: ["bank"] }));
    expect(() => openClearingBook({ bank: "13800138000", clock })).toThrowError(
      expect.objectContaining({ path: ["bank"] }),
    );
  });

  it("refuses entries dated in a closed quarter, and closing is the bureau's", () => {
    const book = openClearingBook({ bank: B, clock });
    expect(book.as(STAFF_B).submit({ op: "close", key: "c1", counterpart: A, period: "2027-Q1" })).toMatchObject({
      ok: false,
      code: "NOT_AUTHORIZED",
    });
    expect(book.as(STAFF_B).submit(serve())).toMatchObject({ ok: true });
    expect(book.as(BUREAU_B).submit({ op: "close", key: "c1", counterpart: A, period: "2027-Q1" })).toMatchObject({
      ok: true,
    });
    expect(book.isClosed(A, "2027-Q1")).toBe(true);
    expect(book.as(STAFF_B).submit(serve({ key: "late", ref: "a-w2", on: "2027-03-30" }))).toMatchObject({
      code: "PERIOD_CLOSED",
    });
    expect(
      book.as(STAFF_B).submit({ op: "unserve", key: "u1", entry: "s1", on: "2027-03-31", by: "staff-b1" }),
    ).toMatchObject({
      code: "PERIOD_CLOSED",
    });
    // Undone in the open quarter instead.
    expect(
      book.as(STAFF_B).submit({ op: "unserve", key: "u2", entry: "s1", on: "2027-04-02", by: "staff-b1" }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      book.as(STAFF_B).submit({ op: "unserve", key: "u3", entry: "s1", on: "2027-04-03", by: "staff-b1" }),
    ).toMatchObject({
      code: "NOT_REVERSIBLE",
    });
  });

  it("reopens from its journal to the same head, and a journal altered anywhere is JOURNAL_TAMPERED", () => {
    const book = openClearingBook({ bank: B, clock });
    book.as(STAFF_B).submitMany([serve(), serve({ key: "s2", ref: "a-w2", minutes: 30 })]);
    book.as(BUREAU_B).submit({ op: "close", key: "c1", counterpart: A, period: "2027-Q1" });
    const kept = JSON.parse(JSON.stringify(book.journal()));
    const again = openClearingBook({ bank: B, clock, entries: kept });
    expect(again.anchor()).toEqual(book.anchor());
    expect(again.inbound()).toEqual(book.inbound());
    expect(again.isClosed(A, "2027-Q1")).toBe(true);
    // Replayed keys stay idempotent after the reopen.
    expect(again.as(STAFF_B).submit(serve())).toMatchObject({ ok: true, replayed: true });
    for (let i = 0; i < kept.length; i++) {
      const altered = JSON.parse(JSON.stringify(kept));
      altered[i].command.key = `${altered[i].command.key}x`;
      expect(() => openClearingBook({ bank: B, clock, entries: altered })).toThrowError(
        expect.objectContaining({ code: "JOURNAL_TAMPERED", params: { position: i + 1 } }),
      );
    }
    expect(() => openClearingBook({ bank: B, clock, entries: kept.slice(1) })).toThrowError(
      expect.objectContaining({ code: "JOURNAL_TAMPERED", params: { position: 1 } }),
    );
  });
});

/** One database holding a bank and its clearing book, as a host would open it. */
interface BookDatabase {
  /** The bank's store on the database. */
  bankStore(): TimeBankStore;
  /** A client on the same database for the clearing book. */
  readonly client: SqlClient;
  /** Runs a statement as a client with write rights (to tamper, or to count). */
  run(statement: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const BOOK_DATABASES: readonly { name: string; open(): Promise<BookDatabase> }[] = [
  {
    name: "PGlite",
    async open() {
      const db = new PGlite();
      return {
        bankStore: () => pgliteStore({ db }),
        client: sqlFromPglite(db),
        run: async (statement) => (await db.query<Record<string, unknown>>(statement)).rows,
        close: () => db.close(),
      };
    },
  },
  {
    name: "MariaDB",
    async open() {
      const url = await mariadbDatabase();
      const pool = mysqlPool(url, 4);
      const client = sqlFromMysqlPool(pool, { owned: false });
      return {
        bankStore: () => mysqlStore({ pool }),
        client,
        run: async (statement) => (await client.query<Record<string, unknown>>(statement)).rows,
        close: () => pool.end(),
      };
    },
  },
];

describe.each(BOOK_DATABASES)("the clearing book kept in the bank's $name database", ({ open }) => {
  const serve = (key: string, ref: string, minutes = 60) => ({
    op: "serve",
    key,
    from: A,
    ref,
    volunteer: "a-v1",
    beneficiary: "a-v1",
    minutes,
    on: "2027-02-03",
    community: "b-c1",
    by: "staff-b1",
  });

  it("stores every decision, reopens to the same head, and settles a quarter from the stored book", async () => {
    const db = await open();
    try {
      const a = await district(A, "a-c1", memoryStore());
      const bank = await createTimeBank({ store: db.bankStore(), clock, stars: testStars });
      const stored = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      const b: District = { id: B, bank, book: stored.book, community: "b-c1" };
      const withdrawn = await a.bank.as(BUREAU_A).submitMany([
        {
          op: "withdraw",
          key: "a-w1",
          volunteer: "a-v1",
          beneficiary: "a-v1",
          minutes: 60,
          on: "2027-02-03",
          community: clearingCommunity(B),
        },
        { op: "fulfil", key: "a-w1:f", withdrawal: "a-w1", on: "2027-02-03" },
      ]);
      expect(withdrawn.every((r) => r.ok)).toBe(true);
      expect(await stored.as(STAFF_B).submitMany([serve("s1", "a-w1"), serve("s2", "a-w1")])).toEqual([
        { key: "s1", ok: true, status: "posted" },
        { key: "s2", ok: false, code: "DUPLICATE_ID", path: ["ref"] },
      ]);
      expect(
        await stored.as(BUREAU_B).submit({ op: "close", key: "c1", counterpart: A, period: "2027-Q1" }),
      ).toMatchObject({ ok: true });
      const rows = await db.run("select count(*) as n from timebank_clearing");
      expect(Number(rows[0]?.n)).toBe(2);

      const again = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      expect(again.book.anchor()).toEqual(stored.book.anchor());
      b.book = again.book;
      const { fromA } = await settleBoth(a, b);
      expect(await checkAtB(fromA, b)).toMatchObject({ ok: true, netDifference: 0 });
      await bank.close();

      // A row edited under the bank is found at its position on the next open.
      await db.run(
        "update timebank_clearing set entry = replace(entry, '\"minutes\":60', '\"minutes\":600') where seq = 1",
      );
      await expect(
        openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) }),
      ).rejects.toMatchObject({
        code: "JOURNAL_TAMPERED",
        params: { position: 1 },
      });
    } finally {
      await db.close();
    }
  });

  it("a writer that fell behind another fails with INTERNAL and reads only what is stored", async () => {
    const db = await open();
    try {
      const first = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      const second = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      expect(await first.as(STAFF_B).submit(serve("s1", "a-w1"))).toMatchObject({ ok: true });
      await expect(second.as(STAFF_B).submit(serve("s9", "a-w9"))).rejects.toMatchObject({ code: "INTERNAL" });
      // Rebuilt from the store: it sees the first writer's entry, not its own refused one.
      expect(second.book.inbound().map((x) => x.key)).toEqual(["s1"]);
      expect(await second.as(STAFF_B).submit(serve("s9", "a-w9"))).toMatchObject({ ok: true });
      await first.reload();
      expect(first.book.anchor()).toEqual(second.book.anchor());
    } finally {
      await db.close();
    }
  });

  it("stores a submission of hundreds of entries whole, and reopens to the same head", async () => {
    const db = await open();
    try {
      const stored = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      const many = Array.from({ length: 450 }, (_, i) => serve(`s${i}`, `a-w${i}`, 1 + (i % 90)));
      const results = await stored.as(STAFF_B).submitMany(many);
      expect(results.every((r) => r.ok)).toBe(true);
      const again = await openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) });
      expect(again.book.anchor()).toEqual(stored.book.anchor());
      expect(again.book.anchor().length).toBe(450);
    } finally {
      await db.close();
    }
  });

  it("lets exactly one of two writers appending at once win the next position, and neither forks the book", async () => {
    const db = await open();
    try {
      const writers = await Promise.all(
        [0, 1].map(() => openStoredClearingBook({ bank: B, clock, store: sqlClearingStore(db.client) })),
      );
      const outcomes = await Promise.allSettled(
        writers.map((w, i) => w.as(STAFF_B).submitMany([serve(`s${i}a`, `a-w${i}a`), serve(`s${i}b`, `a-w${i}b`)])),
      );
      // Both decided positions 1 and 2 on an empty book: one stores them, the other is told it fell
      // behind (by the count, or by the primary key when both counted before either inserted).
      expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
      const lost = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({
        code: "INTERNAL",
        params: { detail: "clearing book moved on under this writer" },
      });
      const rows = await db.run("select seq from timebank_clearing order by seq");
      expect(rows.map((r) => Number(r.seq))).toEqual([1, 2]);
      for (const w of writers) await w.reload();
      const [x, y] = writers as [StoredClearingBook, StoredClearingBook];
      expect(x.book.anchor()).toEqual(y.book.anchor());
      expect(x.book.inbound().length).toBe(2);
    } finally {
      await db.close();
    }
  });
});

describe("the clearing book on MariaDB: a writer that counted before another inserted", () => {
  it("is told it fell behind (the primary key refuses its insert), and the other's entry stands", async () => {
    const url = await mariadbDatabase();
    const pool = mysqlPool(url, 2);
    const other = await mysql.createConnection({ uri: url, charset: "utf8mb4" });
    try {
      const store = sqlClearingStore(sqlFromMysqlPool(pool, { owned: false }));
      expect(await store.load()).toEqual([]);
      const book = openClearingBook({ bank: B, clock });
      book.as(STAFF_B).submit({
        op: "serve",
        key: "s1",
        from: A,
        ref: "a-w1",
        volunteer: "a-v1",
        beneficiary: "a-v1",
        minutes: 60,
        on: "2027-02-03",
        community: "b-c1",
        by: "staff-b1",
      });
      const [entry] = book.journal();
      // Another writer has inserted position 1 and not yet committed: our count still reads 0, and
      // our insert waits on its row lock until it commits.
      await other.query("start transaction");
      await other.query("insert into timebank_clearing (seq, entry) values (1, ?)", [JSON.stringify(entry)]);
      const appended = store.append(0, [entry as NonNullable<typeof entry>]).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 300));
      await other.query("commit");
      expect(await appended).toMatchObject({
        code: "INTERNAL",
        params: { detail: "clearing book moved on under this writer" },
      });
      expect(await store.load()).toHaveLength(1);
    } finally {
      await other.end();
      await pool.end();
    }
  });
});

describe("a city clearing house nets its districts (the second level)", () => {
  const C = "district-c";
  const keysC = generateKeyPairSync("ed25519");
  const keysCity = generateKeyPairSync("ed25519");
  const keyOf: Record<string, ReturnType<typeof generateKeyPairSync>> = { [A]: keysA, [B]: keysB, [C]: keysC };
  const verifierOf = (bank: string) => (keyOf[bank] ? ed25519Verifier(keyOf[bank].publicKey) : undefined);
  const statementsOf = async (ds: readonly District[]) => {
    const out: SettlementStatement[] = [];
    for (const d of ds)
      for (const other of ds)
        if (other !== d)
          out.push(
            await settlementStatement({
              bank: d.bank,
              actor: bureauOf(d.id),
              book: d.book,
              counterpart: other.id,
              period: "2027-Q1",
              signer: ed25519Signer((keyOf[d.id] as ReturnType<typeof generateKeyPairSync>).privateKey),
              clock,
            }),
          );
    return out;
  };
  const run = (statements: readonly unknown[]) =>
    cityClearing({
      city: "city-x",
      period: "2027-Q1",
      statements,
      verifierOf,
      signer: ed25519Signer(keysCity.privateKey),
      clock,
    });

  it("takes the pairwise statements, nets them to one position per district, and each district verifies the house's statement", async () => {
    const a = await district(A, "a-c1", memoryStore());
    const b = await district(B, "b-c1", memoryStore());
    const c = await district(C, "c-c1", memoryStore());
    await redeemAbroad(a, b, { key: "a-w1", volunteer: "a-v1", minutes: 90, on: "2027-02-03" });
    await redeemAbroad(b, a, { key: "b-w1", volunteer: "b-v1", minutes: 120, on: "2027-02-04" });
    await redeemAbroad(a, c, { key: "a-w2", volunteer: "a-v2", minutes: 30, on: "2027-02-05" });
    await redeemAbroad(c, b, { key: "c-w1", volunteer: "c-v1", minutes: 40, on: "2027-02-06" });
    const result = run(await statementsOf([a, b, c]));
    expect(result.problems).toEqual([]);
    expect(result.positions).toEqual([
      { bank: A, outMinutes: 120, inMinutes: 120, netMinutes: 0, counterparts: [B, C] },
      { bank: B, outMinutes: 120, inMinutes: 130, netMinutes: 10, counterparts: [A, C] },
      { bank: C, outMinutes: 40, inMinutes: 30, netMinutes: -10, counterparts: [A, B] },
    ]);
    expect(result.positions.reduce((sum, p) => sum + p.netMinutes, 0)).toBe(0);
    expect(result.statements.reduce((sum, st) => sum + st.totals.netMinutes, 0)).toBe(0);
    for (const d of [a, b, c]) {
      const st = result.statements.find((x) => x.counterpart === d.id);
      const position = result.positions.find((x) => x.bank === d.id);
      const check = await verifyStatement(st, {
        bank: d.bank,
        actor: bureauOf(d.id),
        book: d.book,
        verifier: ed25519Verifier(keysCity.publicKey),
        from: "city-x",
        via: position?.counterparts ?? [],
      });
      expect(check).toMatchObject({ ok: true, netDifference: 0 });
    }
  });

  it("reports a pair that disagrees, a forged and a missing statement, and settles the other pairs", async () => {
    const a = await district(A, "a-c1", memoryStore());
    const b = await district(B, "b-c1", memoryStore());
    const c = await district(C, "c-c1", memoryStore());
    await redeemAbroad(a, b, { key: "a-w1", volunteer: "a-v1", minutes: 90, on: "2027-02-03" });
    await redeemAbroad(c, b, { key: "c-w1", volunteer: "c-v1", minutes: 40, on: "2027-02-06" });
    // A withdrew for a service at C that C never booked.
    await a.bank.as(BUREAU_A).submitMany([
      {
        op: "withdraw",
        key: "a-w2",
        volunteer: "a-v2",
        beneficiary: "a-v2",
        minutes: 30,
        on: "2027-02-05",
        community: clearingCommunity(C),
      },
      { op: "fulfil", key: "a-w2:f", withdrawal: "a-w2", on: "2027-02-05" },
    ]);
    const all = await statementsOf([a, b, c]);
    const result = run(all);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { code: "CLEARING_UNMATCHED", bank: A, counterpart: C, home: A, ref: "a-w2", kind: "redemption" },
    ]);
    expect(result.positions.map((p) => [p.bank, p.netMinutes, p.counterparts])).toEqual([
      [A, -90, [B]],
      [B, 130, [A, C]],
      [C, -40, [B]],
    ]);
    // A statement re-signed by someone else, a missing one, and garbage: each reported, the rest settle.
    const bToC = all.find((st) => st.bank === B && st.counterpart === C) as SettlementStatement;
    const forged = { ...bToC, signature: ed25519Signer(keysA.privateKey).sign("x") };
    const partial = run([...all.filter((st) => st !== bToC && !(st.bank === C && st.counterpart === A)), forged, 7]);
    expect(partial.problems.map((p) => [p.code, p.bank, p.counterpart, p.index])).toEqual([
      ["CLEARING_SIGNATURE", B, C, undefined],
      ["INVALID_INPUT", undefined, undefined, 5],
      ["CLEARING_MISSING", C, A, undefined],
      ["CLEARING_MISSING", B, C, undefined],
    ]);
    expect(partial.positions.map((p) => [p.bank, p.netMinutes])).toEqual([
      [A, -90],
      [B, 90],
    ]);
  });
});

describe("property: settlement of random quarters", () => {
  it("both statements verify and net to zero, and a movement only one side booked is the one reported", async () => {
    const movement = fc.record({
      home: fc.constantFrom(A, B),
      volunteer: fc.constantFrom("v1", "v2"),
      minutes: fc.integer({ min: 1, max: 120 }),
      day: fc.integer({ min: 1, max: 89 }),
      undone: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(movement, { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (moves, dropAt) => {
          const a = await district(A, "a-c1", memoryStore());
          const b = await district(B, "b-c1", memoryStore());
          const day = (n: number) => {
            const d = new Date(Date.UTC(2027, 0, 1 + n));
            return d.toISOString().slice(0, 10);
          };
          const drop = dropAt === undefined || moves.length === 0 ? -1 : dropAt % moves.length;
          let net = 0;
          let droppedRef: string | undefined;
          for (const [i, m] of moves.entries()) {
            const [home, serving] = m.home === A ? [a, b] : [b, a];
            const volunteer = `${m.home === A ? "a" : "b"}-${m.volunteer}`;
            const key = `${m.home}-w${i}`;
            const on = day(m.day);
            const bureau = home.bank.as(home.id === A ? BUREAU_A : BUREAU_B);
            const r = await bureau.submitMany([
              {
                op: "withdraw",
                key,
                volunteer,
                beneficiary: volunteer,
                minutes: m.minutes,
                on,
                community: clearingCommunity(serving.id),
              },
              { op: "fulfil", key: `${key}:f`, withdrawal: key, on },
            ]);
            if (!r.every((x) => x.ok)) continue; // out of hours: nothing moved on either side
            if (i === drop) droppedRef = key;
            if (i !== drop) {
              const staff = serving.id === B ? STAFF_B : STAFF_A;
              serving.book.as(staff).submit({
                op: "serve",
                key: `s-${key}`,
                from: home.id,
                ref: key,
                volunteer,
                beneficiary: volunteer,
                minutes: m.minutes,
                on,
                community: serving.community,
                by: staff.id,
              });
            }
            if (m.undone) {
              const checker = `${m.home === A ? "a" : "b"}-checker`;
              const undo = await home.bank
                .as({ id: "host", roles: ["system"] })
                .submit({ op: "reverse", key: `${key}:r`, entry: `${key}:f`, by: checker, reason: "x", on: day(89) });
              expect(undo.ok).toBe(true);
              if (i !== drop) {
                const staff = serving.id === B ? STAFF_B : STAFF_A;
                serving.book
                  .as(staff)
                  .submit({ op: "unserve", key: `u-${key}`, entry: `s-${key}`, on: day(89), by: staff.id });
              }
            } else if (m.home === A)
              net -= m.minutes; // A's own journal always has it
            else if (i !== drop) net += m.minutes; // A's book has it unless A never booked it
          }
          const { fromA, fromB } = await settleBoth(a, b);
          expect(fromA.totals.netMinutes).toBe(net);
          const atB = await checkAtB(fromA, b);
          const atA = await checkAtA(fromB, a);
          if (droppedRef === undefined) {
            expect(atB).toMatchObject({ ok: true, netDifference: 0 });
            expect(atA).toMatchObject({ ok: true, netDifference: 0 });
            expect(fromA.totals.netMinutes + fromB.totals.netMinutes).toBe(0);
          } else {
            // The one movement only its home bank booked is reported on both sides, and nothing else.
            for (const check of [atB, atA]) {
              const refs = check.problems.flatMap((p) => (p.ref === undefined ? [] : [p.ref]));
              expect(refs.length).toBeGreaterThan(0);
              expect(new Set(refs)).toEqual(new Set([droppedRef]));
              expect(check.ok).toBe(false);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("year-end star rating (评定)", () => {
  it("rates each volunteer's year on verified hours and the served persons' feedback, masked", async () => {
    const bank = await createTimeBank({ store: memoryStore(), clock, stars: testStars });
    const host = bank.as({ id: "host", roles: ["system"] });
    const setup = await host.submitMany([
      { op: "grant", key: "g1", person: "leader", role: "registrar", community: "c1" },
      { op: "grant", key: "g2", person: "checker", role: "verifier", community: "c1" },
      ...["v1", "v2", "v3", "v4"].map((v) => ({
        op: "enroll",
        key: `e-${v}`,
        volunteer: v,
        community: "c1",
        family: [],
      })),
      { op: "enroll", key: "e-x", volunteer: "x1", community: "c2", family: [] },
    ]);
    expect(setup.every((r) => r.ok)).toBe(true);
    const serve = (v: string, key: string, minutes: number, on: string, verifiedOn: string) => [
      {
        op: "record",
        key,
        volunteer: v,
        recipient: "cadre-1",
        minutes,
        on,
        signedBy: "cadre-1",
        registeredBy: "leader",
      },
      { op: "verify", key: `${key}:v`, entry: key, by: "checker", on: verifiedOn },
    ];
    const r = await host.submitMany([
      // v1: 150 h in 2026, 70 h in 2027: two stars cumulatively, served this year.
      ...serve("v1", "v1-a", 150 * 60, "2026-05-01", "2026-05-02"),
      ...serve("v1", "v1-b", 70 * 60, "2027-03-01", "2027-03-02"),
      // v2: 320 h in 2027, but most served persons were dissatisfied: lowered from three to two.
      ...serve("v2", "v2-a", 320 * 60, "2027-06-01", "2027-06-02"),
      // v3: 400 h, all in 2026: did not serve in 2027, not rated.
      ...serve("v3", "v3-a", 400 * 60, "2026-02-01", "2026-02-02"),
      // v4: 110 h given in December 2027, one record verified only in January: counts 60 h as of 31 Dec.
      ...serve("v4", "v4-a", 60 * 60, "2027-12-10", "2027-12-11"),
      ...serve("v4", "v4-b", 50 * 60, "2027-12-28", "2028-01-04"),
      // x1 is in another community and out of the rating's scope.
      ...serve("x1", "x1-a", 100 * 60, "2027-02-01", "2027-02-02"),
    ]);
    expect(r.filter((x) => !x.ok)).toEqual([
      { key: "x1-a", ok: false, code: "NOT_AUTHORIZED" },
      { key: "x1-a:v", ok: false, code: "NOT_PENDING" },
    ]);
    const reversal = await host.submit({
      op: "reverse",
      key: "v1-b:rev",
      entry: "v1-b",
      by: "checker",
      reason: "重复登记",
      on: "2028-02-01",
    });
    expect(reversal.ok).toBe(true);

    const policy = yearEndRatingPolicy();
    const names: Record<string, string> = { v1: "张小三", v2: "李四", v3: "王五", v4: "赵六" };
    const ratings = rateYear(bank.as({ id: "bureau", roles: ["bureau"] }), 2027, {
      rate: (facts, on) => rateYearEnd(policy, facts, on),
      community: "c1",
      nameOf: (id) => names[id],
      feedback: (v) =>
        v === "v2" ? { satisfied: 3, dissatisfied: 7 } : v === "v1" ? { score: 96, responses: 12 } : undefined,
    });
    expect(ratings.map((x) => (x.ok ? [x.volunteer, x.name, x.level, x.title["zh-CN"], x.rule] : x))).toEqual([
      ["v1", "张*三", 2, "二星志愿者", "level2"],
      ["v2", "李*", 2, "二星志愿者", "level3_lowered"],
      ["v3", "王*", 0, "未评星", "inactive"],
      ["v4", "赵*", 0, "未评星", ""],
    ]);
    // v1's reversal is dated after the year's end: as of 31 December the 70 hours still count.
    expect(ratings[0]).toMatchObject({
      yearMinutes: 70 * 60,
      cumulativeMinutes: 220 * 60,
      services: 1,
      feedbackCount: 12,
      satisfiedPercent: 96,
    });
    expect(ratings[3]).toMatchObject({ yearMinutes: 60 * 60, services: 1 });
    // Read later, the reversal and the January verification count.
    const later = rateYear(bank.as({ id: "bureau", roles: ["bureau"] }), 2027, {
      rate: (facts, on) => rateYearEnd(policy, facts, on),
      community: "c1",
      asOf: "2028-03-01",
    });
    expect(later.map((x) => (x.ok ? [x.volunteer, x.yearMinutes, x.level] : x))).toEqual([
      ["v1", 0, 0],
      ["v2", 320 * 60, 3],
      ["v3", 0, 0],
      ["v4", 110 * 60, 1],
    ]);
    // No personal data: names appear masked only, in the explanation too.
    const text = JSON.stringify(ratings);
    for (const n of Object.values(names)) expect(text).not.toContain(n);
    expect(ratings[1]?.ok && ratings[1].explanation["zh-CN"]).toContain("满意率");
  });

  it("takes configurable thresholds, feedback handling and titles, effective by date", () => {
    const policy = yearEndRatingPolicy({
      basis: "year",
      levelHours: [20, 50, 100, 150, 200],
      poorFeedback: "withhold",
      minSatisfiedPercent: 90,
      titles: [
        { "zh-CN": "—", en: "—" },
        { "zh-CN": "铜牌", en: "bronze" },
        { "zh-CN": "银牌", en: "silver" },
        { "zh-CN": "金牌", en: "gold" },
        { "zh-CN": "白金", en: "platinum" },
        { "zh-CN": "钻石", en: "diamond" },
      ],
      changes: [{ from: "2028-01-01", levelHours: [30, 60, 120, 180, 240] }],
    });
    const facts = {
      yearMinutes: 55 * 60,
      cumulativeMinutes: 55 * 60,
      services: 9,
      feedbackCount: 4,
      satisfiedPercent: 100,
    };
    expect(rateYearEnd(policy, facts, "2027-12-31")).toMatchObject({ level: 2, title: { en: "silver" } });
    expect(rateYearEnd(policy, facts, "2028-12-31")).toMatchObject({ level: 1, title: { "zh-CN": "铜牌" } });
    expect(rateYearEnd(policy, { ...facts, satisfiedPercent: 75 }, "2027-12-31")).toMatchObject({
      level: 0,
      rule: "withheld",
    });
    // Feedback too thin to count (fewer than minFeedback) keeps the level.
    const thin = yearEndRatingPolicy({ minFeedback: 5 });
    expect(
      rateYearEnd(
        thin,
        { yearMinutes: 60, cumulativeMinutes: 6000, services: 1, feedbackCount: 2, satisfiedPercent: 0 },
        "2027-12-31",
      ).level,
    ).toBe(1);
  });

  it("fails a volunteer whose feedback is malformed alone", async () => {
    const bank = await createTimeBank({ store: memoryStore(), clock, stars: testStars });
    const host = bank.as({ id: "host", roles: ["system"] });
    await host.submitMany([
      { op: "enroll", key: "e1", volunteer: "v1", community: "c1", family: [] },
      { op: "enroll", key: "e2", volunteer: "v2", community: "c1", family: [] },
    ]);
    const policy = yearEndRatingPolicy();
    const ratings = rateYear(host, 2027, {
      rate: (facts, on) => rateYearEnd(policy, facts, on),
      feedback: (v) => (v === "v1" ? { satisfied: -1, dissatisfied: Number.NaN } : { score: 101, responses: 1 }),
    });
    expect(ratings).toEqual([
      { ok: false, volunteer: "v1", community: "c1", code: "INVALID_INPUT" },
      { ok: false, volunteer: "v2", community: "c1", code: "INVALID_INPUT" },
    ]);
    expect(() =>
      rateYear(host, 20270, {
        rate: () => ({ level: 0, title: { "zh-CN": "", en: "" }, rule: "", explanation: { "zh-CN": "", en: "" } }),
      }),
    ).toThrowError(expect.objectContaining({ code: "INVALID_INPUT", path: ["year"] }));
  });
});
