/**
 * Model-based test: random command streams run against the real time bank (in memory) and a plain
 * reference model written from the rules, compared after every step. Invariants: every result and
 * account agrees with the model, balances sum to zero, available minutes never go negative, stars
 * never fall except by the reversal of a record, a repeated command returns its first result.
 */
import { fixedClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asHost, type HostBank, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import type { CommandResult } from "./commands";
import { memoryStore } from "./stores/memory";

const RUNS = Number(process.env.TIMEBANK_MODEL_RUNS ?? 10_000);
const clock = fixedClock("2027-03-01T09:00:00+08:00");

type Status = "pending" | "posted" | "voided" | "reversed";
interface MEntry {
  vol: string;
  minutes: number;
  status: Status;
  kind: "record" | "withdrawal";
  /** Where a withdrawal is served (its community, or another one through clearing). */
  servedIn?: string;
}

/** The reference model: plain maps and sums, no ledger. */
class Model {
  readonly roles = new Set<string>();
  readonly vols = new Map<string, { community: string; family: Set<string> }>();
  readonly entries = new Map<string, MEntry & { community: string; counterpart: string }>();
  readonly refs = new Map<string, string>();
  readonly earned = new Map<string, number>();
  readonly balance = new Map<string, number>();
  readonly closed = new Set<string>();
  readonly seen = new Map<string, { content: string; result: CommandResult }>();
  /** Commands that were decided (not replays or conflicts): resubmitting one must replay it. */
  readonly history: Record<string, unknown>[] = [];

  private quarter(date: string): string {
    return `${date.slice(0, 4)}-Q${Math.ceil(Number(date.slice(5, 7)) / 3)}`;
  }
  private isClosed(community: string, date: string): boolean {
    return this.closed.has(`${community}|${this.quarter(date)}`);
  }
  private has(community: string, person: string, role: string): boolean {
    return this.roles.has(`${community}|${person}|${role}`);
  }
  /** The volunteer or a member of their enrolled family (one side of the conflict rule). */
  private volunteerSide(vol: string, person: string): boolean {
    return person === vol || (this.vols.get(vol)?.family.has(person) ?? false);
  }
  available(vol: string): number {
    let reserved = 0;
    for (const e of this.entries.values())
      if (e.vol === vol && e.kind === "withdrawal" && e.status === "pending") reserved += e.minutes;
    return (this.balance.get(vol) ?? 0) - reserved;
  }

  account(vol: string) {
    let pendingIn = 0;
    let reserved = 0;
    for (const e of this.entries.values()) {
      if (e.vol !== vol || e.status !== "pending") continue;
      if (e.kind === "record") pendingIn += e.minutes;
      else reserved += e.minutes;
    }
    const balance = this.balance.get(vol) ?? 0;
    const earned = this.earned.get(vol) ?? 0;
    return {
      volunteer: vol,
      earnedMinutes: earned,
      balanceMinutes: balance,
      pendingInMinutes: pendingIn,
      reservedMinutes: reserved,
      availableMinutes: balance - reserved,
      stars: testStars(earned),
    };
  }

  submit(c: Record<string, unknown>): CommandResult {
    const key = c.key as string;
    const content = JSON.stringify(
      Object.keys(c)
        .sort()
        .map((k) => [k, c[k]]),
    );
    const prior = this.seen.get(key);
    if (prior)
      return prior.content === content
        ? { ...prior.result, replayed: true }
        : { key, ok: false, code: "IDEMPOTENCY_CONFLICT" };
    const outcome = this.decide(c);
    const result: CommandResult =
      typeof outcome === "string" && outcome === outcome.toUpperCase()
        ? { key, ok: false, code: outcome as never }
        : { key, ok: true, status: outcome as never };
    this.seen.set(key, { content, result });
    this.history.push(c);
    return result;
  }

  private decide(c: Record<string, unknown>): string {
    const s = (k: string) => c[k] as string;
    const minutes = c.minutes as number;
    switch (c.op) {
      case "grant":
        this.roles.add(`${s("community")}|${s("person")}|${s("role")}`);
        return "granted";
      case "enroll": {
        const v = this.vols.get(s("volunteer"));
        if (v && v.community !== s("community")) return "DUPLICATE_ID";
        if (!v) this.vols.set(s("volunteer"), { community: s("community"), family: new Set() });
        for (const f of c.family as string[]) this.vols.get(s("volunteer"))?.family.add(f);
        return "open";
      }
      case "record": {
        if (minutes <= 0) return "INVALID_INPUT";
        const v = this.vols.get(s("volunteer"));
        if (!v) return "UNKNOWN_ACCOUNT";
        // Nobody records a service received by the volunteer's side, nor registers one they are party to.
        if (this.volunteerSide(s("volunteer"), s("recipient"))) return "SELF_REGISTRATION";
        if (this.volunteerSide(s("volunteer"), s("registeredBy")) || s("registeredBy") === s("recipient"))
          return "SELF_REGISTRATION";
        if (!this.has(v.community, s("registeredBy"), "registrar")) return "NOT_AUTHORIZED";
        if (s("signedBy") !== s("recipient") || this.volunteerSide(s("volunteer"), s("signedBy")))
          return "NOT_AUTHORIZED";
        if (this.isClosed(v.community, s("on"))) return "PERIOD_CLOSED";
        this.entries.set(s("key"), {
          vol: s("volunteer"),
          minutes,
          status: "pending",
          kind: "record",
          community: v.community,
          counterpart: s("recipient"),
        });
        return "pending";
      }
      case "verify":
      case "reject": {
        const e = this.entries.get(s("entry"));
        if (e?.kind !== "record" || e.status !== "pending") return "NOT_PENDING";
        if (this.volunteerSide(e.vol, s("by")) || s("by") === e.counterpart) return "SELF_VERIFICATION";
        if (!this.has(e.community, s("by"), "verifier")) return "NOT_AUTHORIZED";
        if (c.op === "verify" && this.isClosed(e.community, s("on"))) return "PERIOD_CLOSED";
        this.refs.set(s("key"), s("entry"));
        if (c.op === "reject") {
          e.status = "voided";
          return "voided";
        }
        e.status = "posted";
        this.earned.set(e.vol, (this.earned.get(e.vol) ?? 0) + e.minutes);
        this.balance.set(e.vol, (this.balance.get(e.vol) ?? 0) + e.minutes);
        return "posted";
      }
      case "withdraw": {
        if (minutes <= 0) return "INVALID_INPUT";
        const v = this.vols.get(s("volunteer"));
        if (!v) return "UNKNOWN_ACCOUNT";
        if (s("beneficiary") !== s("volunteer") && !v.family.has(s("beneficiary"))) return "NOT_FAMILY";
        const servedIn = (c.community as string | undefined) ?? v.community;
        if (this.isClosed(v.community, s("on")) || this.isClosed(servedIn, s("on"))) return "PERIOD_CLOSED";
        if (this.available(s("volunteer")) < minutes) return "INSUFFICIENT_BALANCE";
        this.entries.set(s("key"), {
          vol: s("volunteer"),
          minutes,
          status: "pending",
          kind: "withdrawal",
          community: v.community,
          servedIn,
          counterpart: s("beneficiary"),
        });
        return "reserved";
      }
      case "fulfil":
      case "cancel": {
        const e = this.entries.get(s("withdrawal"));
        if (e?.kind !== "withdrawal" || e.status !== "pending") return "NOT_PENDING";
        if (c.op === "fulfil" && (this.isClosed(e.community, s("on")) || this.isClosed(e.servedIn ?? "", s("on"))))
          return "PERIOD_CLOSED";
        this.refs.set(s("key"), s("withdrawal"));
        if (c.op === "cancel") {
          e.status = "voided";
          return "voided";
        }
        e.status = "posted";
        this.balance.set(e.vol, (this.balance.get(e.vol) ?? 0) - e.minutes);
        return "posted";
      }
      case "reverse": {
        const e = this.entries.get(s("entry")) ?? this.entries.get(this.refs.get(s("entry")) ?? "");
        if (e?.status !== "posted") return "NOT_REVERSIBLE";
        if (this.volunteerSide(e.vol, s("by")) || s("by") === e.counterpart) return "SELF_VERIFICATION";
        if (!this.has(e.community, s("by"), "verifier")) return "NOT_AUTHORIZED";
        if (this.isClosed(e.community, s("on")) || this.isClosed(e.servedIn ?? e.community, s("on")))
          return "PERIOD_CLOSED";
        if (e.kind === "record") {
          if (this.available(e.vol) < e.minutes) return "INSUFFICIENT_BALANCE";
          this.earned.set(e.vol, (this.earned.get(e.vol) ?? 0) - e.minutes);
          this.balance.set(e.vol, (this.balance.get(e.vol) ?? 0) - e.minutes);
        } else this.balance.set(e.vol, (this.balance.get(e.vol) ?? 0) + e.minutes);
        e.status = "reversed";
        this.refs.set(s("key"), s("entry"));
        return "posted";
      }
      case "closePeriod":
        if (!this.has(s("community"), s("by"), "registrar") && !this.has(s("community"), s("by"), "verifier"))
          return "NOT_AUTHORIZED";
        this.closed.add(`${s("community")}|${s("period")}`);
        return "closed";
    }
    return "INVALID_INPUT";
  }
}

interface Real {
  bank: HostBank;
  stars: Map<string, number>;
}

// Small pools, weighted towards the people who hold the roles, so that streams reach deep states.
const key = fc.constantFrom("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
/** Keys of commands that are rarely referenced: mostly fresh, sometimes reused (conflicts and replays). */
const freshKey = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((n) => `u${n}`) },
  { weight: 1, arbitrary: key },
);
/** Entries referenced: new keys, or the setup's verified record s5, reserved withdrawal s7, pending record s8 and small verified record s9. */
const ref = fc.constantFrom("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "s5", "s6", "s7", "s8", "s9");
const volunteer = fc.constantFrom("v1", "v1", "v1", "v2", "w1", "ghost");
const registrar = fc.constantFrom("reg1", "reg1", "reg1", "reg2", "v1");
const verifier = fc.constantFrom("ver1", "ver1", "ver1", "ver2", "v1");
const recipient = fc.constantFrom("r1", "r1", "f1", "v1");
const beneficiary = fc.constantFrom("v1", "v1", "f1", "r1");
const person = fc.constantFrom("v1", "v2", "w1", "reg1", "ver1", "reg2", "ver2", "f1", "r1");
const community = fc.constantFrom("c1", "c2");
const minutes = fc.constantFrom(0, 30, 60, 6000, 6000);
const date = fc.constantFrom("2027-03-30", "2027-03-30", "2027-04-02");

const raw = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("grant"),
      key: freshKey,
      person,
      role: fc.constantFrom("registrar", "verifier"),
      community,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("enroll"),
      key: freshKey,
      volunteer,
      community,
      family: fc.subarray(["f1", "r1"]),
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        op: fc.constant("record"),
        key,
        volunteer,
        recipient,
        minutes,
        on: date,
        registeredBy: registrar,
        signed: fc.boolean(),
      })
      .map(({ signed, ...c }) => ({ ...c, signedBy: signed || c.recipient === "f1" ? c.recipient : "f1" })),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("verify"), key: freshKey, entry: ref, by: verifier, on: date }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("reject"),
      key: freshKey,
      entry: ref,
      by: verifier,
      reason: fc.constant("x"),
    }),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        op: fc.constant("withdraw"),
        key,
        volunteer,
        beneficiary,
        minutes,
        on: date,
        servedIn: fc.constantFrom(undefined, undefined, "c2", "c9"),
      })
      .map(({ servedIn, ...c }) => (servedIn === undefined ? c : { ...c, community: servedIn })),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("fulfil"), key: freshKey, withdrawal: ref, on: date }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel"), key: freshKey, withdrawal: ref }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("reverse"),
      key: freshKey,
      entry: ref,
      by: verifier,
      reason: fc.constant("y"),
      on: date,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("closePeriod"),
      key: freshKey,
      community: fc.constantFrom("c1", "c1", "c2"),
      period: fc.constant("2027-Q1"),
      by: verifier,
    }),
  },
);

/** Every outcome the generator reached, so that the test proves it explores the whole rule set. */
const reached = new Map<string, number>();

class Submit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly c: Record<string, unknown>) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const expected = model.submit(this.c);
    const got = await real.bank.submit(this.c);
    expect(got).toEqual(expected);
    const outcome = `${String(this.c.op)}:${got.ok ? got.status : got.code}`;
    reached.set(outcome, (reached.get(outcome) ?? 0) + 1);
    await checkInvariants(model, real, this.c.op === "reverse");
  }
  toString = () => JSON.stringify(this.c);
}

class Resubmit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.history.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const c = model.history[this.index % model.history.length] as Record<string, unknown>;
    const first = model.seen.get(c.key as string);
    const expected = model.submit(c);
    expect(expected).toEqual({ ...first?.result, replayed: true });
    expect(await real.bank.submit(c)).toEqual(expected);
    await checkInvariants(model, real, false);
  }
  toString = () => `resubmit#${this.index}`;
}

async function checkInvariants(model: Model, real: Real, mayLowerStars: boolean): Promise<void> {
  const accounts = real.bank.accounts();
  expect(accounts).toEqual([...model.vols.keys()].sort().map((v) => model.account(v)));
  let posted = 0;
  let pendingDebits = 0;
  let pendingCredits = 0;
  for (const a of real.bank.ledgerAccounts()) {
    posted += a.creditsPosted - a.debitsPosted;
    pendingDebits += a.debitsPending;
    pendingCredits += a.creditsPending;
  }
  expect(posted).toBe(0);
  expect(pendingDebits).toBe(pendingCredits);
  // The reports read the state's per-community indexes, which a failed command must leave as they were.
  for (const c of ["c1", "c2"]) {
    const months = ["2027-03", "2027-04"].map((m) => real.bank.monthlySummary(c, m));
    let pending = 0;
    for (const e of model.entries.values())
      if (e.kind === "record" && e.status === "pending" && e.community === c) pending++;
    for (const m of months) expect(m.pendingRecords).toBe(pending);
    let earned = 0;
    for (const [v, { community: home }] of model.vols) if (home === c) earned += model.earned.get(v) ?? 0;
    expect(months.reduce((n, m) => n + m.earnedMinutes, 0)).toBe(earned);
  }
  for (const a of accounts) {
    expect(a.availableMinutes).toBeGreaterThanOrEqual(0);
    const before = real.stars.get(a.volunteer) ?? 0;
    if (!mayLowerStars) expect(a.stars).toBeGreaterThanOrEqual(before);
    real.stars.set(a.volunteer, a.stars);
  }
}

const SETUP = [
  { op: "grant", key: "s1", person: "reg1", role: "registrar", community: "c1" },
  { op: "grant", key: "s2", person: "ver1", role: "verifier", community: "c1" },
  { op: "grant", key: "s3", person: "ver2", role: "verifier", community: "c2" },
  { op: "enroll", key: "s4", volunteer: "v1", community: "c1", family: ["f1"] },
  {
    op: "record",
    key: "s5",
    volunteer: "v1",
    recipient: "r1",
    minutes: 6000,
    on: "2027-03-02",
    signedBy: "r1",
    registeredBy: "reg1",
  },
  { op: "verify", key: "s6", entry: "s5", by: "ver1", on: "2027-03-03" },
  { op: "withdraw", key: "s7", volunteer: "v1", beneficiary: "f1", minutes: 60, on: "2027-03-04" },
  {
    op: "record",
    key: "s8",
    volunteer: "v1",
    recipient: "r1",
    minutes: 60,
    on: "2027-03-05",
    signedBy: "r1",
    registeredBy: "reg1",
  },
  {
    op: "record",
    key: "s9",
    volunteer: "v1",
    recipient: "r1",
    minutes: 30,
    on: "2027-03-06",
    signedBy: "r1",
    registeredBy: "reg1",
  },
  { op: "verify", key: "s10", entry: "s9", by: "ver1", on: "2027-03-07" },
];

describe("the time bank against a reference model", () => {
  it(`agrees with the model on every result and account (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands([raw.map((c) => new Submit(c)), fc.nat().map((i) => new Resubmit(i))], { maxCommands: 12 }),
        async (cmds) => {
          const model = new Model();
          const store = memoryStore();
          const bank = asHost(await createTimeBank({ store, clock, stars: testStars }));
          const real: Real = { bank, stars: new Map() };
          for (const c of SETUP) expect(await bank.submit(c)).toEqual(model.submit(c));
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          expect(await bank.verifyJournal()).toMatchObject({ ok: true });
          // The journal alone rebuilds exactly this state, and the stored rows are the state's.
          const rebuilt = asHost(await createTimeBank({ store, clock, stars: testStars }));
          expect(rebuilt.ledgerAccounts()).toEqual(bank.ledgerAccounts());
          expect(rebuilt.accounts()).toEqual(bank.accounts());
          expect(rebuilt.anchor()).toEqual(bank.anchor());
          for (const c of ["c1", "c2"]) {
            expect(rebuilt.monthlySummary(c, "2027-03")).toEqual(bank.monthlySummary(c, "2027-03"));
            expect(rebuilt.verificationBatch(c, "2027-03-30")).toEqual(bank.verificationBatch(c, "2027-03-30"));
            expect(rebuilt.publicNotice(c, "2027-Q2")).toEqual(bank.publicNotice(c, "2027-Q2"));
          }
          for (const row of bank.ledgerAccounts()) expect(await store.readAccount(row.id)).toEqual(row);
        },
      ),
      { numRuns: RUNS },
    );
    if (RUNS >= 5000) {
      for (const outcome of [
        "record:pending",
        "verify:posted",
        "reject:voided",
        "withdraw:reserved",
        "withdraw:INSUFFICIENT_BALANCE",
        "withdraw:NOT_FAMILY",
        "fulfil:posted",
        "cancel:voided",
        "reverse:posted",
        "reverse:INSUFFICIENT_BALANCE",
        "record:SELF_REGISTRATION",
        "verify:SELF_VERIFICATION",
        "record:PERIOD_CLOSED",
        "record:IDEMPOTENCY_CONFLICT",
      ])
        expect([outcome, reached.get(outcome) ?? 0]).not.toEqual([outcome, 0]);
    }
  }, 180_000);
});
