/**
 * The time bank's effective-dated rules: parsing (and refusing hostile rules), the storage cap,
 * 转赠 gifts, the redemption age and expiry, and that a journal decided under rules replays the
 * same without them, on memory and PGlite.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Actor, fixedClock, manualClock } from "@elderflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { cmd, HOST, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank, type TimeBankOptions } from "./bank";
import type { CommandResult } from "./commands";
import { accountAsOf } from "./reports";
import { addMonths, expiringMinutes, mayRedeem, ruleBook, type TimeBankRulesInput } from "./rules";
import { memoryStore } from "./stores/memory";
import { pgliteStore } from "./stores/pglite";
import type { TimeBankStore } from "./stores/types";

const dir = mkdtempSync(join(tmpdir(), "timebank-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = fixedClock("2027-06-01T09:00:00+08:00");
const open = (options: Partial<TimeBankOptions> = {}, store: TimeBankStore = memoryStore()) =>
  createTimeBank({ store, clock, stars: testStars, ...options });
const codes = (results: readonly CommandResult[]) => results.map((r) => (r.ok ? r.status : r.code));
const gift = (key: string, volunteer: string, to: string, minutes: number, on = "2027-04-15") => ({
  op: "gift",
  key,
  volunteer,
  to,
  minutes,
  on,
});
const expire = (key: string, volunteer: string, on: string) => ({ op: "expire", key, volunteer, on });
const earn = (key: string, volunteer: string, minutes: number, on = "2027-04-10") => [
  cmd.record(key, volunteer, minutes, on),
  cmd.verify(`${key}:v`, key, "ver1", on),
];

describe("rules as effective-dated versions", () => {
  it("reads the version in force on a day, none before the first", () => {
    const book = ruleBook([
      { from: "2026-01-01", redemptionAge: { age: 65, hardshipAge: 60 } },
      { from: "2019-01-01", storageCap: { minutes: 90_000 } },
    ]);
    expect(book.on("2018-12-31")).toBeUndefined();
    expect(book.on("2019-01-01")?.storageCap).toEqual({ minutes: 90_000, excess: "refuse" });
    expect(book.on("2025-12-31")?.redemptionAge).toBeUndefined();
    // A version is complete: the 2026 one has no cap.
    expect(book.on("2026-06-01")).toMatchObject({ redemptionAge: { age: 65, hardshipAge: 60 } });
    expect(book.on("2026-06-01")?.storageCap).toBeUndefined();
  });

  it("refuses hostile rules with a typed error and a path, never the value", () => {
    const bad: [unknown, string, (string | number)[]][] = [
      [[{ from: "2027-02-30" }], "INVALID_DATE", ["rules", 0, "from"]],
      [[{ from: "2027-01-01", storageCap: { minutes: 0 } }], "TOO_SMALL", ["rules", 0, "storageCap", "minutes"]],
      [
        [{ from: "2027-01-01", storageCap: { minutes: 60, excess: "burn" } }],
        "INVALID_ENUM",
        ["rules", 0, "storageCap", "excess"],
      ],
      [
        [{ from: "2027-01-01", redemptionAge: { age: 60, hardshipAge: 65 } }],
        "TOO_BIG",
        ["rules", 0, "redemptionAge", "hardshipAge"],
      ],
      [[{ from: "2027-01-01", expiry: { months: 1.5 } }], "INVALID_TYPE", ["rules", 0, "expiry", "months"]],
      [[{ from: "2027-01-01", surprise: true }], "UNKNOWN_FIELD", ["rules", 0, "surprise"]],
      [[{ from: "2027-01-01" }, { from: "2027-01-01" }], "DUPLICATE_ID", ["rules", 1, "from"]],
      [{ from: "2027-01-01" }, "INVALID_TYPE", ["rules"]],
    ];
    for (const [rules, code, path] of bad) {
      expect(() => ruleBook(rules as TimeBankRulesInput), code).toThrow(expect.objectContaining({ code, path }));
    }
    expect(() => ruleBook([{ from: "2027-01-01", source: "13812345678\u0000" }])).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining("13812345678") }),
    );
  });

  it("counts months on the calendar and ages in completed years", () => {
    expect(addMonths("2024-02-29", 12)).toBe("2025-02-28");
    expect(addMonths("2027-05-31", -3)).toBe("2027-02-28");
    expect(addMonths("2027-01-15", -36)).toBe("2024-01-15");
    const rule = { age: 65, hardshipAge: 60 };
    expect(mayRedeem(rule, { birthDate: "1962-05-01" }, "2027-05-01")).toBe(true);
    expect(mayRedeem(rule, { birthDate: "1962-05-02" }, "2027-05-01")).toBe(false);
    expect(mayRedeem(rule, { birthDate: "1967-05-01", hardship: true }, "2027-05-01")).toBe(true);
    expect(mayRedeem(rule, { birthDate: "1967-05-02", hardship: true }, "2027-05-01")).toBe(false);
    expect(mayRedeem({ age: 65 }, { birthDate: "1967-05-01", hardship: true }, "2027-05-01")).toBe(false);
    expect(mayRedeem(rule, undefined, "2027-05-01")).toBe(false);
    expect(mayRedeem(rule, { birthDate: "2030-01-01" }, "2027-05-01")).toBe(false);
  });

  it("expires the oldest unspent minutes only, never reserved ones", () => {
    const moves = [
      { on: "2024-01-10", minutes: 600 },
      { on: "2024-03-01", minutes: 300 },
      { on: "2025-06-01", minutes: -400 },
      { on: "2026-12-01", minutes: 100 },
    ];
    expect(expiringMinutes(moves, { months: 36 }, "2027-01-09", 600)).toBe(0);
    expect(expiringMinutes(moves, { months: 36 }, "2027-01-10", 600)).toBe(200);
    expect(expiringMinutes(moves, { months: 36 }, "2027-03-01", 600)).toBe(500);
    expect(expiringMinutes(moves, { months: 36 }, "2027-03-01", 120)).toBe(120);
    // A debit after the day does not count yet.
    expect(expiringMinutes([...moves, { on: "2027-02-01", minutes: -50 }], { months: 36 }, "2027-01-10", 600)).toBe(
      200,
    );
  });
});

describe("the storage cap", () => {
  const cap = (excess: "refuse" | "donate", pool?: string): TimeBankRulesInput => [
    { from: "2027-01-01", storageCap: { minutes: 600, excess, ...(pool === undefined ? {} : { pool }) } },
  ];

  it("refuses a verification over the cap under refuse; the record stays pending and can be verified once there is room", async () => {
    const bank = await open({ rules: cap("refuse") });
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 500), cmd.record("b", "v1", 200, "2027-04-11")]);
    expect(codes(await host.submitMany([cmd.verify("b:v", "b", "ver1", "2027-04-12")]))).toEqual(["STORAGE_CAP"]);
    expect(host.account("v1")).toMatchObject({ balanceMinutes: 500, pendingInMinutes: 200 });
    await host.submitMany([cmd.withdraw("w", "v1", 150, "v1", "2027-04-13"), cmd.fulfil("f", "w", "2027-04-13")]);
    expect(codes(await host.submitMany([cmd.verify("b:v2", "b", "ver1", "2027-04-14")]))).toEqual(["posted"]);
    expect(host.account("v1")).toMatchObject({ balanceMinutes: 550, earnedMinutes: 700 });
    await bank.close();
  });

  it("donates the excess (only this service's minutes) to the configured pool under donate", async () => {
    const bank = await open({ rules: cap("donate", "district-pool") });
    const host = bank.as(HOST);
    expect(codes(await host.submitMany([...SETUP, ...earn("a", "v1", 500), ...earn("b", "v1", 300)]))).not.toContain(
      "STORAGE_CAP",
    );
    expect(host.account("v1")).toMatchObject({ earnedMinutes: 800, balanceMinutes: 600 });
    const pool = host.ledgerAccounts().find((a) => a.id === "pool:district-pool");
    expect(pool).toMatchObject({ creditsPosted: 200, debitsPosted: 0 });
    const journal = await bank.journal();
    expect(journal.find((e) => e.key === "b:v")?.command).toMatchObject({ donated: 200, pool: "district-pool" });
    await bank.close();
  });

  it("refuses a gift that would lift the relative over the cap", async () => {
    const bank = await open({ rules: [{ from: "2027-04-12", storageCap: { minutes: 300 } }] });
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 500)]);
    expect(codes(await host.submitMany([gift("gift-1", "v1", "f1", 301), gift("gift-2", "v1", "f1", 300)]))).toEqual([
      "STORAGE_CAP",
      "posted",
    ]);
    await bank.close();
  });
});

describe("转赠 gifts", () => {
  it("gives to a member of the volunteer's registered household, across communities through clearing", async () => {
    const bank = await open({ households: (p) => (p === "v1" ? ["h1", "w1"] : []) });
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 500)]);
    expect(codes(await host.submitMany([gift("gift-1", "v1", "h1", 100), gift("gift-2", "v1", "w1", 50)]))).toEqual([
      "posted",
      "posted",
    ]);
    expect(host.account("h1")).toMatchObject({ balanceMinutes: 100, earnedMinutes: 0 });
    expect(host.account("w1")).toMatchObject({ balanceMinutes: 50 });
    const rows = host.ledgerAccounts();
    const row = (id: string) => rows.find((r) => r.id === id);
    expect(row("clearing:c1")).toMatchObject({ creditsPosted: 50 });
    expect(row("clearing:c2")).toMatchObject({ debitsPosted: 50 });
    expect(
      bank
        .as(HOST)
        .certificate("v1")
        ?.lines.map((l) => l.kind),
    ).toEqual(["earned", "gifted", "gifted"]);
    await bank.close();
  });

  it("checks the actor through the one rule: reach of both communities and acting as the volunteer", async () => {
    const bank = await open({ households: (p) => (p === "v1" ? ["w1"] : []) });
    await bank.as(HOST).submitMany([...SETUP, ...earn("a", "v1", 500)]);
    const c1Only: Actor = { id: "v1", roles: ["volunteer"], communities: ["c1"] };
    expect(codes([await bank.as(c1Only).submit(gift("gift-1", "v1", "w1", 10))])).toEqual(["WRONG_COMMUNITY"]);
    expect(codes([await bank.as(c1Only).submit(gift("gift-2", "v1", "f1", 10))])).toEqual(["posted"]);
    const other: Actor = { id: "v2", roles: ["volunteer"], communities: ["c1"] };
    expect(codes([await bank.as(other).submit(gift("gift-3", "v1", "f1", 10))])).toEqual(["ACTOR_MISMATCH"]);
    await bank.close();
  });

  it("is refused in a closed period and leaves a refused command without trace", async () => {
    const bank = await open();
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 500), cmd.close("cl", "2027-Q1")]);
    expect(codes(await host.submitMany([gift("gift-1", "v1", "f1", 10, "2027-03-30")]))).toEqual(["PERIOD_CLOSED"]);
    expect(host.account("f1")).toBeUndefined();
    await bank.close();
  });
});

describe("the redemption age", () => {
  const rules: TimeBankRulesInput = [{ from: "2026-01-01", redemptionAge: { age: 65, hardshipAge: 60 } }];

  it("refuses a beneficiary whose facts are missing or garbage, and a lookup that throws fails only its command", async () => {
    const persons = (id: string) => {
      if (id === "v1") return { birthDate: "1950-01-01" };
      if (id === "f1") return { birthDate: "not a date", hardship: "yes" } as never;
      if (id === "v2") throw new Error("register down: 13812345678");
      return undefined;
    };
    const bank = await open({ rules, persons });
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 500), ...earn("b", "v2", 500)]);
    const results = await host.submitMany([
      cmd.withdraw("w1", "v1", 10, "v1", "2027-05-01"),
      cmd.withdraw("w2", "v1", 10, "f1", "2027-05-01"),
      cmd.withdraw("w3", "v2", 10, "v2", "2027-05-01"),
      cmd.withdraw("w4", "v1", 10, "v1", "2025-12-31"),
    ]);
    expect(codes(results)).toEqual(["reserved", "REDEMPTION_AGE", "INTERNAL", "reserved"]);
    expect(JSON.stringify(results)).not.toContain("13812345678");
    expect(host.account("v1")).toMatchObject({ reservedMinutes: 20 });
    await bank.close();
  });

  it("refuses a persons option that is not a function when the bank is made", async () => {
    await expect(open({ persons: "everyone" as never })).rejects.toMatchObject({
      code: "INVALID_TYPE",
      path: ["persons"],
    });
  });
});

describe("expiry", () => {
  it("posts the due minutes to the community's expiry account, once, from the journal", async () => {
    const bank = await open({ rules: [{ from: "2020-01-01", expiry: { months: 24 } }] });
    const host = bank.as(HOST);
    await host.submitMany([
      ...SETUP,
      ...earn("a", "v1", 600, "2025-03-10"),
      ...earn("b", "v1", 300, "2026-08-01"),
      cmd.withdraw("w", "v1", 100, "v1", "2026-09-01"),
      cmd.fulfil("f", "w", "2026-09-02"),
    ]);
    expect(
      codes(
        await host.submitMany([
          expire("x0", "v1", "2027-03-09"),
          expire("x1", "v1", "2027-03-10"),
          expire("x2", "v1", "2027-03-11"),
          expire("x3", "zz", "2027-03-11"),
        ]),
      ),
    ).toEqual(["NOTHING_TO_EXPIRE", "posted", "NOTHING_TO_EXPIRE", "UNKNOWN_ACCOUNT"]);
    expect(host.account("v1")).toMatchObject({ earnedMinutes: 900, balanceMinutes: 300 });
    expect(host.ledgerAccounts().find((a) => a.id === "expired:c1")).toMatchObject({ creditsPosted: 500 });
    expect((await bank.journal()).find((e) => e.key === "x1")?.command).toMatchObject({ minutes: 500 });
    // As of the day before, the minutes were still there.
    const journal = await bank.journal();
    expect(accountAsOf(journal, "v1", "2027-03-09", { stars: testStars })).toMatchObject({ balanceMinutes: 800 });
    await bank.close();
  });

  it("has nothing to expire without a rule in force", async () => {
    const bank = await open({ rules: [{ from: "2028-01-01", expiry: { months: 1 } }] });
    const host = bank.as(HOST);
    await host.submitMany([...SETUP, ...earn("a", "v1", 600, "2025-03-10")]);
    expect(codes([await host.submit(expire("x", "v1", "2027-12-31"))])).toEqual(["NOTHING_TO_EXPIRE"]);
    await bank.close();
  });
});

describe("a journal decided under rules replays the same without them", () => {
  const rules: TimeBankRulesInput = [
    { from: "2020-01-01", storageCap: { minutes: 700, excess: "donate" }, expiry: { months: 12 } },
  ];
  const stream = [
    ...SETUP,
    ...earn("a", "v1", 500, "2026-01-10"),
    ...earn("b", "v1", 400, "2026-02-10"),
    gift("g", "v1", "f1", 100, "2026-03-01"),
    expire("x", "v1", "2027-02-10"),
  ];

  for (const [name, makeStore] of [
    ["memory", () => memoryStore()],
    ["pglite", () => pgliteStore({ dataDir: join(dir, "replay-db") })],
  ] as const) {
    it(`on ${name}: same accounts, rows and head, whatever rules the reopening bank has`, async () => {
      const store = makeStore();
      const bank = await open({ rules }, store);
      const host = bank.as(HOST);
      expect(codes(await host.submitMany(stream)).slice(-6)).toEqual([
        "pending",
        "posted",
        "pending",
        "posted",
        "posted",
        "posted",
      ]);
      expect(host.account("v1")).toMatchObject({ earnedMinutes: 900, balanceMinutes: 0 });
      const accounts = host.accounts();
      const rows = host.ledgerAccounts();
      const anchor = bank.anchor();
      if (name === "memory") {
        // Reopen the same store with other rules: the journal's decisions stand.
        const again = await open({ rules: [{ from: "2020-01-01", storageCap: { minutes: 10 } }] }, store);
        expect(again.as(HOST).accounts()).toEqual(accounts);
        expect(again.as(HOST).ledgerAccounts()).toEqual(rows);
        expect(again.anchor()).toEqual(anchor);
      } else {
        await bank.close();
        const again = await open({}, pgliteStore({ dataDir: join(dir, "replay-db") }));
        expect(again.as(HOST).accounts()).toEqual(accounts);
        expect(again.as(HOST).ledgerAccounts()).toEqual(rows);
        expect(again.anchor()).toEqual(anchor);
        expect((await again.verifyJournal()).ok).toBe(true);
        await again.close();
      }
    }, 120_000);
  }

  it("records an expire at a later instant than a back-dated verification without changing the recorded past", async () => {
    const manual = manualClock("2026-03-01T09:00:00+08:00");
    const bank = await createTimeBank({ store: memoryStore(), clock: manual, stars: testStars, rules });
    const host = bank.as(HOST);
    await host.submitMany(stream.slice(0, -1));
    manual.set("2027-02-10T09:00:00+08:00");
    await host.submit(expire("x", "v1", "2027-02-10"));
    const journal = await bank.journal();
    expect(accountAsOf(journal, "v1", "2027-02-09", { stars: testStars, basis: "recorded" })).toMatchObject({
      balanceMinutes: 600,
    });
    expect(accountAsOf(journal, "v1", "2027-02-10", { stars: testStars, basis: "recorded" })).toMatchObject({
      balanceMinutes: 0,
    });
    await bank.close();
  });
});
