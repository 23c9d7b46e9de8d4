/**
 * Property test of the rules: random command streams with gifts, storage caps (refused or donated),
 * redemption ages and expiries, under random effective-dated rules. Whatever happens, the ledger
 * balances (posted and pending sums zero), no holder overdraws, pools and expiry accounts only
 * receive, a cap in force throughout is never exceeded, a balance as of a day after everything is
 * the live account on both bases, and the journal alone rebuilds the same bank under any rules.
 */
import { addDays, fixedClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cmd, HOST, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import { accountAsOf } from "./reports";
import type { TimeBankRulesInput } from "./rules";
import { memoryStore } from "./stores/memory";

const RUNS = Number(process.env.TIMEBANK_RULES_RUNS ?? 300);
const clock = fixedClock("2027-12-31T09:00:00+08:00");

const HOLDERS = ["v1", "v2", "w1", "f1", "f2"] as const;
const VOLUNTEERS = ["v1", "v2", "w1"] as const;
/** v1's household: f1 enrolled as family, w1 (another community) and f2 by the host's directory. */
const households = (p: string): readonly string[] => (p === "v1" ? ["w1", "f2"] : []);

const date = fc.integer({ min: 0, max: 729 }).map((d) => addDays("2026-01-01", d));

type Op =
  | { kind: "earn"; volunteer: string; minutes: number; on: string; lag: number }
  | { kind: "withdraw"; volunteer: string; beneficiary: string; minutes: number; on: string }
  | { kind: "settle"; ref: number; fulfil: boolean; on: string }
  | { kind: "gift"; volunteer: string; to: string; minutes: number; on: string }
  | { kind: "expire"; volunteer: string; on: string }
  | { kind: "reverse"; ref: number; on: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("earn" as const),
      volunteer: fc.constantFrom(...VOLUNTEERS),
      minutes: fc.integer({ min: 1, max: 900 }),
      on: date,
      lag: fc.integer({ min: 0, max: 20 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      volunteer: fc.constantFrom(...HOLDERS),
      beneficiary: fc.constantFrom(...HOLDERS),
      minutes: fc.integer({ min: 1, max: 600 }),
      on: date,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("settle" as const), ref: fc.nat(), fulfil: fc.boolean(), on: date }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("gift" as const),
      volunteer: fc.constantFrom(...HOLDERS),
      to: fc.constantFrom(...HOLDERS),
      minutes: fc.integer({ min: 1, max: 600 }),
      on: date,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("expire" as const), volunteer: fc.constantFrom(...HOLDERS), on: date }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reverse" as const), ref: fc.nat(), on: date }) },
);

const rules: fc.Arbitrary<TimeBankRulesInput> = fc
  .array(
    fc.record({
      from: fc.constantFrom("2020-01-01", "2026-04-01", "2026-10-01", "2027-03-01"),
      cap: fc.option(fc.record({ minutes: fc.integer({ min: 200, max: 3000 }), donate: fc.boolean() }), {
        nil: undefined,
      }),
      age: fc.option(fc.integer({ min: 60, max: 70 }), { nil: undefined }),
      months: fc.option(fc.integer({ min: 1, max: 18 }), { nil: undefined }),
    }),
    { maxLength: 3 },
  )
  .map((versions) => {
    const byFrom = new Map(versions.map((v) => [v.from, v]));
    return [...byFrom.values()].map((v) => ({
      from: v.from,
      ...(v.cap === undefined
        ? {}
        : { storageCap: { minutes: v.cap.minutes, excess: v.cap.donate ? ("donate" as const) : ("refuse" as const) } }),
      ...(v.age === undefined ? {} : { redemptionAge: { age: v.age, hardshipAge: v.age - 5 } }),
      ...(v.months === undefined ? {} : { expiry: { months: v.months } }),
    }));
  });

const persons = fc.record({
  v1: fc.constantFrom("1950-05-01", "1962-03-01", "1968-01-01"),
  v2: fc.constantFrom("1958-07-01", "1966-09-30"),
  f1: fc.constantFrom("1960-01-01", "1990-01-01"),
  hardship: fc.constantFrom("v1", "v2", "f1", "none"),
});

/** Turns ops into commands; references point at earlier records and withdrawals. */
function commandsOf(ops: readonly Op[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [...SETUP, cmd.enroll("e-f2", "v2", "c1", ["f2"])];
  const records: string[] = [];
  const withdrawals: string[] = [];
  const posted: string[] = [];
  ops.forEach((o, i) => {
    const key = `k${i}`;
    switch (o.kind) {
      case "earn": {
        out.push(cmd.record(key, o.volunteer, o.minutes, o.on, "r1", o.volunteer === "w1" ? "reg2" : "reg1"));
        out.push(cmd.verify(`${key}:v`, key, o.volunteer === "w1" ? "ver2" : "ver1", addDays(o.on, o.lag)));
        records.push(key);
        posted.push(key);
        break;
      }
      case "withdraw":
        out.push(cmd.withdraw(key, o.volunteer, o.minutes, o.beneficiary, o.on));
        withdrawals.push(key);
        break;
      case "settle": {
        const w = withdrawals[o.ref % Math.max(1, withdrawals.length)];
        if (w === undefined) break;
        out.push(o.fulfil ? cmd.fulfil(key, w, o.on) : cmd.cancel(key, w));
        if (o.fulfil) posted.push(key);
        break;
      }
      case "gift":
        out.push({ op: "gift", key, volunteer: o.volunteer, to: o.to, minutes: o.minutes, on: o.on });
        break;
      case "expire":
        out.push({ op: "expire", key, volunteer: o.volunteer, on: o.on });
        break;
      case "reverse": {
        const target = posted[o.ref % Math.max(1, posted.length)];
        if (target === undefined) break;
        const w1Side = out.some((c) => c.key === target && c.volunteer === "w1");
        out.push(cmd.reverse(key, target, o.on, w1Side ? "ver2" : "ver1", "correction"));
        break;
      }
    }
  });
  return out;
}

describe("time-bank rules, property", () => {
  it("keep the ledger balanced and the journal self-sufficient under gifts, caps, ages and expiries", async () => {
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), rules, persons, async (ops, ruleSet, born) => {
        const facts = (id: string) => {
          const birthDate = (born as Record<string, string>)[id];
          return birthDate === undefined ? undefined : { birthDate, hardship: born.hardship === id };
        };
        const store = memoryStore();
        const bank = await createTimeBank({
          store,
          clock,
          stars: testStars,
          rules: ruleSet,
          persons: facts,
          households,
        });
        const host = bank.as(HOST);
        const commands = commandsOf(ops);
        const half = Math.floor(commands.length / 2);
        const results = [
          ...(await host.submitMany(commands.slice(0, half))),
          ...(await host.submitMany(commands.slice(half))),
        ];
        for (const r of results) reached.add(r.ok ? `${r.status}` : r.code);

        const rows = host.ledgerAccounts();
        let posted = 0;
        let pendingIn = 0;
        let pendingOut = 0;
        for (const a of rows) {
          posted += a.creditsPosted - a.debitsPosted;
          pendingIn += a.creditsPending;
          pendingOut += a.debitsPending;
          if (a.id.startsWith("v:"))
            expect(a.creditsPosted - a.debitsPosted - a.debitsPending).toBeGreaterThanOrEqual(0);
          if (a.id.startsWith("pool:") || a.id.startsWith("expired:")) expect(a.debitsPosted + a.debitsPending).toBe(0);
        }
        expect(posted).toBe(0);
        expect(pendingIn).toBe(pendingOut);

        // A cap in force from before every date holds for every holder, unless a spending was reversed.
        const journal = await bank.journal();
        const capFromStart = ruleSet.find((v) => v.from === "2020-01-01")?.storageCap;
        const spentReversed = host
          .accounts()
          .some((a) => host.certificate(a.volunteer)?.lines.some((l) => l.kind === "spent-reversed"));
        if (
          capFromStart !== undefined &&
          !spentReversed &&
          ruleSet.every((v) => v.storageCap?.minutes === capFromStart.minutes)
        )
          for (const a of host.accounts()) expect(a.balanceMinutes).toBeLessThanOrEqual(capFromStart.minutes);

        for (const a of host.accounts()) {
          // The certificate's running balance ends at the balance; after every date, as-of is live.
          const cert = host.certificate(a.volunteer);
          expect(cert?.lines.at(-1)?.balance ?? 0).toBe(a.balanceMinutes);
          expect(accountAsOf(journal, a.volunteer, "2099-12-31", { stars: testStars })).toEqual(a);
          expect(accountAsOf(journal, a.volunteer, "2099-12-31", { stars: testStars, basis: "recorded" })).toEqual(a);
          // Before anything happened, nothing is held.
          expect(accountAsOf(journal, a.volunteer, "2025-12-31", { stars: testStars })).toMatchObject({
            balanceMinutes: 0,
            earnedMinutes: 0,
          });
        }

        // The journal alone rebuilds the same bank, under no rules and no directory.
        const rebuilt = await createTimeBank({ store, clock, stars: testStars });
        expect(rebuilt.as(HOST).ledgerAccounts()).toEqual(rows);
        expect(rebuilt.as(HOST).accounts()).toEqual(host.accounts());
        expect(rebuilt.anchor()).toEqual(bank.anchor());
        for (const row of rows) expect(await store.readAccount(row.id)).toEqual(row);
      }),
      { numRuns: RUNS },
    );
    // The generator reaches the outcomes the property is about.
    for (const outcome of [
      "posted",
      "reserved",
      "STORAGE_CAP",
      "REDEMPTION_AGE",
      "NOT_FAMILY",
      "NOTHING_TO_EXPIRE",
      "INSUFFICIENT_BALANCE",
    ])
      expect(reached, outcome).toContain(outcome);
  }, 300_000);
});
