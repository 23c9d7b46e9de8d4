/**
 * The time bank against today's rules (#15 item 6): a volunteer's balance on 2027-05-01 after
 * back-dated corrections, by effective date and by recorded time, through the library and the CLI;
 * 转赠 gifts to relatives, the storage cap and the redemption age through the CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, manualClock } from "@elderflow/core";
import { accountAsOf, createTimeBank, memoryStore, type VolunteerAccount } from "@elderflow/timebank";
import { type CliIO, runCli } from "elderflow";
import { afterAll, describe, expect, it } from "vitest";
import { cmd, HOST, SETUP, testStars } from "./timebank-support";

const dir = mkdtempSync(join(tmpdir(), "timebank-asof-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryIO(instant = "2027-06-05T10:00:00+08:00"): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    env: {},
    clock: fixedClock(instant),
    cwd: dir,
  };
  return io;
}

const jsonl = (name: string, commands: readonly object[]): string => {
  const file = join(dir, name);
  writeFileSync(file, `${commands.map((c) => JSON.stringify(c)).join("\n")}\n`);
  return file;
};

async function cli(args: string[], io = memoryIO()): Promise<{ code: number; out: string; err: string }> {
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

const account = (volunteer: string, fields: Partial<VolunteerAccount>): VolunteerAccount => ({
  volunteer,
  earnedMinutes: 0,
  balanceMinutes: 0,
  pendingInMinutes: 0,
  reservedMinutes: 0,
  availableMinutes: 0,
  stars: 0,
  ...fields,
});

/**
 * April: two services verified (600 min on 04-10, 300 on 04-20) and one still pending (04-28).
 * June: the 04-10 record turns out to be wrong: it is reversed with the service date (04-10) and
 * recorded again as 480 min, verified in June; a withdrawal applied for on 04-29 is fulfilled on 05-03.
 */
const APRIL = [
  ...SETUP,
  cmd.record("r1", "v1", 600, "2027-04-10"),
  cmd.verify("vf1", "r1", "ver1", "2027-04-12"),
  cmd.record("r2", "v1", 300, "2027-04-20"),
  cmd.verify("vf2", "r2", "ver1", "2027-04-22"),
  cmd.record("r3", "v1", 45, "2027-04-28"),
  cmd.withdraw("w1", "v1", 100, "v1", "2027-04-29"),
];
const JUNE = [
  cmd.reverse("rv1", "r1", "2027-04-10", "ver1", "entered 600 instead of 480"),
  cmd.record("r1b", "v1", 480, "2027-04-10"),
  cmd.verify("vf1b", "r1b", "ver1", "2027-06-02"),
  cmd.fulfil("fu1", "w1", "2027-05-03"),
];

describe("a balance on 2027-05-01 after back-dated corrections (library)", () => {
  it("counts the June correction by its effective date, but not in what the bank recorded by May 1", async () => {
    const clock = manualClock("2027-04-30T18:00:00+08:00");
    const bank = await createTimeBank({ store: memoryStore(), clock, stars: testStars });
    const host = bank.as(HOST);
    expect((await host.submitMany(APRIL)).every((r) => r.ok)).toBe(true);
    clock.set("2027-06-03T09:00:00+08:00");
    expect((await host.submitMany(JUNE)).map((r) => r.ok)).toEqual([true, true, true, true]);
    const journal = await bank.journal();

    const effective = accountAsOf(journal, "v1", "2027-05-01", { stars: testStars });
    // 480 (corrected, service 04-10) + 300; the 04-28 record is pending; w1 reserved until 05-03.
    expect(effective).toEqual(
      account("v1", {
        earnedMinutes: 780,
        balanceMinutes: 780,
        pendingInMinutes: 45,
        reservedMinutes: 100,
        availableMinutes: 680,
      }),
    );
    const recorded = accountAsOf(journal, "v1", "2027-05-01", { stars: testStars, basis: "recorded" });
    // As the bank held it at the end of May 1: the wrong 600 still stands, nothing of June.
    expect(recorded).toEqual(
      account("v1", {
        earnedMinutes: 900,
        balanceMinutes: 900,
        pendingInMinutes: 45,
        reservedMinutes: 100,
        availableMinutes: 800,
      }),
    );
    // Before the April services: nothing, on either basis.
    expect(accountAsOf(journal, "v1", "2027-04-09", { stars: testStars })).toEqual(account("v1", {}));
    // After everything, both bases agree with the live account.
    const live = host.account("v1");
    expect(accountAsOf(journal, "v1", "2027-06-30", { stars: testStars })).toEqual(live);
    expect(accountAsOf(journal, "v1", "2027-06-30", { stars: testStars, basis: "recorded" })).toEqual(live);
    expect(live).toMatchObject({ earnedMinutes: 780, balanceMinutes: 680, pendingInMinutes: 45 });
    await bank.close();
  });

  it("refuses a date that does not exist and a journal that was altered", async () => {
    const bank = await createTimeBank({
      store: memoryStore(),
      clock: fixedClock("2027-04-30T18:00:00+08:00"),
      stars: testStars,
    });
    await bank.as(HOST).submitMany(APRIL);
    const journal = await bank.journal();
    expect(() => accountAsOf(journal, "v1", "2027-02-30", { stars: testStars })).toThrow(
      expect.objectContaining({ code: "INVALID_DATE" }),
    );
    const altered = journal.map((e, i) =>
      i === 8 && e.command !== null ? { ...e, command: { ...e.command, minutes: 6000 } } : e,
    ) as typeof journal;
    expect(() => accountAsOf(altered, "v1", "2027-05-01", { stars: testStars })).toThrow(
      expect.objectContaining({ code: "JOURNAL_TAMPERED" }),
    );
    await bank.close();
  });
});

describe("elderflow timebank balance", () => {
  const file = jsonl("asof.jsonl", [...APRIL, ...JUNE]);
  const balance = (...more: string[]) =>
    cli(["timebank", "balance", "--commands", file, "--volunteer", "v1", "--format", "json", ...more]);

  it("prints the account as of 2027-05-01 by effective date: the back-dated correction counts", async () => {
    const r = await balance("--as-of", "2027-05-01");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(
      account("v1", {
        earnedMinutes: 780,
        balanceMinutes: 780,
        pendingInMinutes: 45,
        reservedMinutes: 100,
        availableMinutes: 680,
      }),
    );
  });

  it("prints the same fields replay prints for an account, with the same values once every date has passed", async () => {
    const replay = await cli(["timebank", "replay", "--commands", file, "--format", "json"]);
    const accounts = (JSON.parse(replay.out) as { accounts: VolunteerAccount[] }).accounts;
    const r = await balance("--as-of", "2099-12-31");
    expect(JSON.parse(r.out)).toEqual(accounts.find((a) => a.volunteer === "v1"));
    expect(Object.keys(JSON.parse(r.out))).toEqual(Object.keys(accounts[0] as object));
  });

  it("by recorded time on a kept store: April replayed on Apr 30, June on Jun 3; May 1 shows what was recorded by then", async () => {
    const store = `pglite:${join(dir, "asof-db")}`;
    const april = jsonl("asof-april.jsonl", APRIL);
    const june = jsonl("asof-june.jsonl", JUNE);
    const run = (file: string, day: string) =>
      cli(["timebank", "replay", "--commands", file, "--store", store, "--as-of", day, "--format", "json"]);
    expect((await run(april, "2027-04-30")).code).toBe(0);
    expect((await run(june, "2027-06-03")).code).toBe(0);
    const at = (basis: string) =>
      cli([
        "timebank",
        "balance",
        "--store",
        store,
        "--volunteer",
        "v1",
        "--as-of",
        "2027-05-01",
        "--basis",
        basis,
        "--format",
        "json",
      ]);
    const recorded = await at("recorded");
    expect(recorded.code).toBe(0);
    expect(JSON.parse(recorded.out)).toEqual(
      account("v1", {
        earnedMinutes: 900,
        balanceMinutes: 900,
        pendingInMinutes: 45,
        reservedMinutes: 100,
        availableMinutes: 800,
      }),
    );
    expect(JSON.parse((await at("effective")).out)).toMatchObject({ earnedMinutes: 780, balanceMinutes: 780 });
  }, 60_000);

  it("refuses a bad date or basis as a usage error, and an unknown volunteer without its id", async () => {
    expect((await balance("--as-of", "2027-02-30")).code).toBe(2);
    expect((await balance("--as-of", "2027-05-01", "--basis", "whenever")).code).toBe(2);
    const r = await cli([
      "timebank",
      "balance",
      "--commands",
      file,
      "--volunteer",
      "nobody-7",
      "--as-of",
      "2027-05-01",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("UNKNOWN_ACCOUNT");
    expect(r.err).not.toContain("nobody-7");
  });
});

type Replay = {
  results: { key: string | null; ok: boolean; status?: string; code?: string }[];
  accounts: VolunteerAccount[];
};
const replay = async (file: string, ...more: string[]): Promise<Replay> => {
  const r = await cli(["timebank", "replay", "--commands", file, "--format", "json", ...more]);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Replay;
};
const outcome = (out: Replay, key: string) => {
  const r = out.results.find((x) => x.key === key);
  return r?.ok ? r.status : r?.code;
};

describe("转赠: gifts to relatives through the CLI", () => {
  const file = jsonl("gift.jsonl", [
    ...SETUP,
    cmd.record("r1", "v1", 600, "2027-04-10"),
    cmd.verify("vf1", "r1", "ver1", "2027-04-12"),
    { op: "gift", key: "g-f1", volunteer: "v1", to: "f1", minutes: 200, on: "2027-04-15" },
    { op: "gift", key: "g-x", volunteer: "v1", to: "x9", minutes: 10, on: "2027-04-15" },
    { op: "gift", key: "g-self", volunteer: "v1", to: "v1", minutes: 10, on: "2027-04-15" },
    { op: "gift", key: "g-much", volunteer: "v1", to: "f1", minutes: 401, on: "2027-04-15" },
    { op: "gift", key: "g-nobody", volunteer: "zz", to: "f1", minutes: 1, on: "2027-04-15" },
    { op: "gift", key: "g-phone", volunteer: "v1", to: "13812345678", minutes: 1, on: "2027-04-15" },
    // The relative spends the gift from an account of their own.
    cmd.withdraw("w-f1", "f1", 150, "f1", "2027-04-20"),
    cmd.fulfil("fu-f1", "w-f1", "2027-04-21"),
  ]);

  it("posts a gift to a registered family member, who holds it in an account of their own; refuses anyone else", async () => {
    const out = await replay(file);
    expect(outcome(out, "g-f1")).toBe("posted");
    expect(outcome(out, "g-x")).toBe("NOT_FAMILY");
    expect(outcome(out, "g-self")).toBe("NOT_FAMILY");
    expect(outcome(out, "g-much")).toBe("INSUFFICIENT_BALANCE");
    expect(outcome(out, "g-nobody")).toBe("UNKNOWN_ACCOUNT");
    expect(outcome(out, "g-phone")).toBe("INVALID_INPUT");
    expect(outcome(out, "w-f1")).toBe("reserved");
    expect(outcome(out, "fu-f1")).toBe("posted");
    expect(out.accounts.find((a) => a.volunteer === "v1")).toMatchObject({ earnedMinutes: 600, balanceMinutes: 400 });
    // A gift is not earned service: no stars, no earned minutes for the relative.
    expect(out.accounts.find((a) => a.volunteer === "f1")).toEqual(
      account("f1", { balanceMinutes: 50, availableMinutes: 50 }),
    );
    expect(JSON.stringify(out)).not.toContain("13812345678");
  });

  it("lets only the volunteer (or a delegate, or the host) give their hours", async () => {
    const own = jsonl("gift-actor.jsonl", [
      cmd.grant("g1", "reg1", "registrar"),
      cmd.grant("g2", "ver1", "verifier"),
      cmd.enroll("e1", "v1", "c1", ["f1"]),
      cmd.record("r1", "v1", 600, "2027-04-10"),
      cmd.verify("vf1", "r1", "ver1", "2027-04-12"),
      { op: "gift", key: "g-by", volunteer: "v1", to: "f1", minutes: 10, on: "2027-04-15" },
    ]);
    const admin = (onBehalfOf: string[]) =>
      JSON.stringify({ id: "adm-1", roles: ["admin"], communities: ["c1"], onBehalfOf });
    const staff = await replay(own, "--actor", admin(["reg1", "ver1"]));
    expect(outcome(staff, "vf1")).toBe("posted");
    expect(outcome(staff, "g-by")).toBe("ACTOR_MISMATCH");
    const delegate = await replay(own, "--actor", admin(["reg1", "ver1", "v1"]));
    expect(outcome(delegate, "g-by")).toBe("posted");
  });

  it("shows the gift on both balances as of its date", async () => {
    const before = await cli([
      "timebank",
      "balance",
      "--commands",
      file,
      "--volunteer",
      "f1",
      "--as-of",
      "2027-04-14",
      "--format",
      "json",
    ]);
    expect(JSON.parse(before.out)).toEqual(account("f1", {}));
    const after = await cli([
      "timebank",
      "balance",
      "--commands",
      file,
      "--volunteer",
      "f1",
      "--as-of",
      "2027-04-15",
      "--format",
      "json",
    ]);
    expect(JSON.parse(after.out)).toEqual(account("f1", { balanceMinutes: 200, availableMinutes: 200 }));
  });
});

describe("the storage cap through the CLI (--cap-hours)", () => {
  const file = jsonl("cap.jsonl", [
    ...SETUP,
    cmd.record("r1", "v1", 400, "2027-04-10"),
    cmd.verify("vf1", "r1", "ver1", "2027-04-12"),
    cmd.record("r2", "v1", 300, "2027-04-20"),
    cmd.verify("vf2", "r2", "ver1", "2027-04-22"),
    cmd.record("r3", "v1", 200, "2027-04-21"),
    cmd.verify("vf3", "r3", "ver1", "2027-04-22"),
  ]);

  it("refuses a verification that would lift the balance above the cap (default policy), leaving it pending", async () => {
    const out = await replay(file, "--cap-hours", "10");
    expect(["vf1", "vf2", "vf3"].map((k) => outcome(out, k))).toEqual(["posted", "STORAGE_CAP", "posted"]);
    expect(out.accounts.find((a) => a.volunteer === "v1")).toMatchObject({
      earnedMinutes: 600,
      balanceMinutes: 600,
      pendingInMinutes: 300,
    });
    // Without the cap, the same file posts everything.
    const free = await replay(file);
    expect(free.accounts.find((a) => a.volunteer === "v1")).toMatchObject({ balanceMinutes: 900 });
  });

  it("donates the excess to the pool when the policy says so: earned counts the service, the balance stops at the cap", async () => {
    const out = await replay(file, "--cap-hours", "10", "--cap-excess", "donate");
    expect(["vf1", "vf2", "vf3"].map((k) => outcome(out, k))).toEqual(["posted", "posted", "posted"]);
    expect(out.accounts.find((a) => a.volunteer === "v1")).toMatchObject({ earnedMinutes: 900, balanceMinutes: 600 });
    const cert = await cli([
      "timebank",
      "certificate",
      "--commands",
      file,
      "--volunteer",
      "v1",
      "--format",
      "json",
      "--cap-hours",
      "10",
      "--cap-excess",
      "donate",
    ]);
    const lines = (JSON.parse(cert.out) as { lines: { kind: string; minutes: number; balance: number }[] }).lines;
    expect(lines.map((l) => [l.kind, l.minutes, l.balance])).toEqual([
      ["earned", 400, 400],
      ["earned", 300, 700],
      ["donated", -100, 600],
      ["earned", 200, 800],
      ["donated", -200, 600],
    ]);
  });

  it("applies a cap only from the day it is in force (--rules-from)", async () => {
    const out = await replay(file, "--cap-hours", "10", "--rules-from", "2027-04-22");
    expect(["vf1", "vf2", "vf3"].map((k) => outcome(out, k))).toEqual(["posted", "STORAGE_CAP", "posted"]);
    const later = await replay(file, "--cap-hours", "10", "--rules-from", "2027-04-23");
    expect(later.accounts.find((a) => a.volunteer === "v1")).toMatchObject({ balanceMinutes: 900 });
  });

  it("refuses malformed rule options as usage errors, and a rules file that does not parse with its path", async () => {
    expect((await cli(["timebank", "replay", "--commands", file, "--cap-hours", "ten"])).code).toBe(2);
    expect((await cli(["timebank", "replay", "--commands", file, "--cap-hours", "0"])).code).toBe(2);
    expect(
      (await cli(["timebank", "replay", "--commands", file, "--cap-hours", "10", "--cap-excess", "burn"])).code,
    ).toBe(2);
    expect((await cli(["timebank", "replay", "--commands", file, "--cap-excess", "donate"])).code).toBe(2);
    const bad = join(dir, "bad-rules.json");
    writeFileSync(bad, JSON.stringify([{ from: "2027-01-01", storageCap: { minutes: -5 } }]));
    const r = await cli(["timebank", "replay", "--commands", file, "--rules", bad, "--format", "json"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("TOO_SMALL");
    const good = join(dir, "rules.json");
    writeFileSync(
      good,
      JSON.stringify([
        { from: "2019-01-01", storageCap: { minutes: 1500 * 60 }, source: "南京 2019" },
        { from: "2027-04-22", storageCap: { minutes: 600 } },
      ]),
    );
    const viaFile = await replay(file, "--rules", good);
    expect(["vf1", "vf2", "vf3"].map((k) => outcome(viaFile, k))).toEqual(["posted", "STORAGE_CAP", "posted"]);
  });
});

describe("the redemption age through the CLI (--redemption-age, --hardship-age, --persons)", () => {
  const persons = join(dir, "persons.json");
  writeFileSync(
    persons,
    JSON.stringify([
      { id: "v1", name: "张小三", birthDate: "1960-01-01" },
      { id: "f1", birthDate: "1965-06-01", hardship: true },
      { id: "v2", birthDate: "1965-06-01" },
      { id: "w1" },
    ]),
  );
  const file = jsonl("age.jsonl", [
    ...SETUP,
    cmd.enroll("e4", "v2", "c1", ["f2"]),
    cmd.record("r1", "v1", 600, "2027-04-10"),
    cmd.verify("vf1", "r1", "ver1", "2027-04-12"),
    cmd.record("r2", "v2", 600, "2027-04-10"),
    cmd.verify("vf2", "r2", "ver1", "2027-04-12"),
    cmd.withdraw("w-v1", "v1", 60, "v1", "2027-05-01"),
    cmd.withdraw("w-f1", "v1", 60, "f1", "2027-05-01"),
    cmd.withdraw("w-v2", "v2", 60, "v2", "2027-05-01"),
    cmd.withdraw("w-f2", "v2", 60, "f2", "2027-05-01"),
  ]);

  it("lets a 67-year-old and a 61-year-old in hardship redeem, refuses 61 without hardship and an unknown birth date", async () => {
    const out = await replay(file, "--redemption-age", "65", "--hardship-age", "60", "--persons", persons);
    expect(["w-v1", "w-f1", "w-v2", "w-f2"].map((k) => outcome(out, k))).toEqual([
      "reserved",
      "reserved",
      "REDEMPTION_AGE",
      "REDEMPTION_AGE",
    ]);
    expect(out.accounts.find((a) => a.volunteer === "v2")).toMatchObject({ reservedMinutes: 0, availableMinutes: 600 });
    expect(JSON.stringify(out)).not.toContain("张小三");
    // Without the rule, everybody redeems.
    const free = await replay(file);
    expect(["w-v1", "w-f1", "w-v2", "w-f2"].map((k) => outcome(free, k))).toEqual([
      "reserved",
      "reserved",
      "reserved",
      "reserved",
    ]);
  });

  it("refuses a persons file whose facts do not parse, naming the path and not the value", async () => {
    const bad = join(dir, "bad-persons.json");
    writeFileSync(bad, JSON.stringify([{ id: "v1", birthDate: "1960-02-30" }]));
    const r = await cli([
      "timebank",
      "replay",
      "--commands",
      file,
      "--redemption-age",
      "65",
      "--persons",
      bad,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("INVALID_DATE");
    expect(r.err).not.toContain("1960-02-30");
  });
});
