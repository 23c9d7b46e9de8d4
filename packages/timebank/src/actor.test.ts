/**
 * The actor is an input, checked everywhere, and one rule decides who may act (issue #11 items 3,
 * 5, 6, 7): `by`/`registeredBy` must be the actor, grants need an admin of the community, reads are
 * scoped to the actor's communities, and nobody verifies or reverses a movement their household is
 * party to.
 */
import { type ActorInput, fixedClock, isElderflowError, makeIdNumber } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { asHost, cmd, type HostBank, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank, type TimeBank, type TimeBankOptions } from "./bank";
import { type HashSuite, sha256Suite } from "./hash";
import { memoryStore } from "./stores/memory";

const clock = fixedClock("2027-01-04T09:00:00+08:00");

async function setUp(
  options: Partial<TimeBankOptions> = {},
  ...commands: unknown[]
): Promise<{ bank: TimeBank; host: HostBank }> {
  const bank = await createTimeBank({ store: memoryStore(), clock, stars: testStars, ...options });
  const host = asHost(bank);
  const results = await host.submitMany([...SETUP, ...commands]);
  for (const r of results) expect(r).toMatchObject({ ok: true });
  return { bank, host };
}

/** Staff of community c1 (SETUP grants reg1 registrar and ver1 verifier there). */
const reg1: ActorInput = { id: "reg1", roles: ["registrar"], communities: ["c1"] };
const ver1: ActorInput = { id: "ver1", roles: ["verifier"], communities: ["c1"] };

describe("the actor", () => {
  it("throws a typed error without its values for an actor that does not parse", async () => {
    const { bank } = await setUp();
    const error = (() => {
      try {
        bank.as({ id: "13800138000", roles: ["registrar"], communities: [] });
      } catch (e) {
        return e;
      }
    })();
    expect(isElderflowError(error) && error.code).toBe("PERSONAL_DATA_IN_ID");
    expect(JSON.stringify(isElderflowError(error) ? error.toJSON() : error)).not.toContain("13800138000");
    expect(() => bank.as({ id: "a1", roles: ["nobody" as never] })).toThrow(
      expect.objectContaining({ code: expect.any(String) }),
    );
  });

  it("refuses a by or registeredBy that is not the actor (ACTOR_MISMATCH), unless delegated", async () => {
    const { bank, host } = await setUp({}, cmd.record("r1", "v1", 60));
    const staff = bank.as(reg1);
    expect(await staff.submit(cmd.record("r2", "v1", 60, "2027-01-05", "r1", "reg2"))).toEqual({
      key: "r2",
      ok: false,
      code: "ACTOR_MISMATCH",
    });
    expect(await staff.submit(cmd.verify("vf1", "r1", "ver1"))).toMatchObject({ code: "ACTOR_MISMATCH" });
    expect(await staff.submit(cmd.close("cl1", "2027-Q1", "c1", "ver1"))).toMatchObject({ code: "ACTOR_MISMATCH" });
    const clerk = bank.as({ id: "clerk", roles: ["community_staff"], communities: ["c1"], onBehalfOf: ["ver1"] });
    expect(await clerk.submit(cmd.verify("vf2", "r1", "ver1"))).toEqual({ key: "vf2", ok: true, status: "posted" });
    expect(await bank.as(ver1).submit(cmd.reverse("rv1", "r1"))).toMatchObject({ status: "posted" });
    expect(host.account("v1")).toMatchObject({ earnedMinutes: 0 });
    // The journal keeps who submitted each command.
    const journal = await bank.journal();
    expect(journal.find((e) => e.key === "vf2")?.command).toMatchObject({ actor: "clerk", by: "ver1" });
    expect(journal.find((e) => e.key === "r2")?.command).toMatchObject({ actor: "reg1" });
  });

  it("replays a key for its own actor only: the same content from another actor is a conflict", async () => {
    const { bank } = await setUp();
    const command = cmd.record("r-mine", "v1", 60);
    expect(await bank.as(reg1).submit(command)).toMatchObject({ ok: true, status: "pending" });
    expect(await bank.as(reg1).submit(command)).toMatchObject({ ok: true, replayed: true });
    const other = bank.as({ id: "reg1b", roles: ["registrar"], communities: ["c1"], onBehalfOf: ["reg1"] });
    expect(await other.submit(command)).toEqual({ key: "r-mine", ok: false, code: "IDEMPOTENCY_CONFLICT" });
  });

  it("lets only an admin of the community (or the district) grant roles", async () => {
    const { bank } = await setUp();
    const admin = bank.as({ id: "adm1", roles: ["admin"], communities: ["c1"] });
    expect(await admin.submit(cmd.grant("g-a", "p7", "registrar", "c1"))).toMatchObject({ status: "granted" });
    expect(await admin.submit(cmd.grant("g-b", "p7", "registrar", "c2"))).toMatchObject({ code: "NOT_AUTHORIZED" });
    expect(await bank.as(reg1).submit(cmd.grant("g-c", "reg1", "verifier", "c1"))).toMatchObject({
      code: "NOT_AUTHORIZED",
    });
    const bureau = bank.as({ id: "bureau-1", roles: ["bureau"] });
    expect(await bureau.submit(cmd.grant("g-d", "p8", "verifier", "c2"))).toMatchObject({ status: "granted" });
  });

  it("keeps an actor of community c1 from granting itself roles, recording or reading in c2", async () => {
    const { bank, host } = await setUp({}, cmd.record("r-c2", "w1", 45, "2027-01-05", "r1", "reg2"));
    const intruder = bank.as({ id: "x1", roles: ["admin", "registrar", "verifier"], communities: ["c1"] });
    expect(
      await intruder.submitMany([
        cmd.grant("i1", "x1", "registrar", "c2"),
        cmd.grant("i2", "x1", "verifier", "c2"),
        cmd.record("i3", "w1", 60, "2027-01-05", "r1", "x1"),
        cmd.verify("i4", "r-c2", "x1"),
        cmd.enroll("i5", "x-vol", "c2"),
        cmd.close("i6", "2027-Q1", "c2", "x1"),
      ]),
    ).toEqual([
      { key: "i1", ok: false, code: "NOT_AUTHORIZED" },
      { key: "i2", ok: false, code: "NOT_AUTHORIZED" },
      { key: "i3", ok: false, code: "WRONG_COMMUNITY" },
      { key: "i4", ok: false, code: "WRONG_COMMUNITY" },
      { key: "i5", ok: false, code: "WRONG_COMMUNITY" },
      { key: "i6", ok: false, code: "WRONG_COMMUNITY" },
    ]);
    // Reads see c1 only.
    expect(intruder.account("w1")).toBeUndefined();
    expect(await intruder.readAccount("w1")).toBeUndefined();
    expect(intruder.certificate("w1")).toBeUndefined();
    expect(intruder.accounts().map((a) => a.volunteer)).toEqual(["v1", "v2"]);
    expect(intruder.ledgerAccounts().some((a) => a.id.endsWith(":c2") || a.id === "v:w1")).toBe(false);
    expect(intruder.entries().map((e) => e.key)).toEqual([]);
    for (const read of [
      () => intruder.publicNotice("c2", "2027-Q1"),
      () => intruder.verificationBatch("c2", "2027-01-04"),
      () => intruder.monthlySummary("c2", "2027-01"),
      () => intruder.entries({ community: "c2" }),
    ])
      expect(read).toThrow(expect.objectContaining({ code: "WRONG_COMMUNITY" }));
    // The district's bureau sees both.
    const bureau = bank.as({ id: "bureau-1", roles: ["bureau"] });
    expect(bureau.accounts().map((a) => a.volunteer)).toEqual(["v1", "v2", "w1"]);
    expect(bureau.entries({ community: "c2" }).map((e) => [e.key, e.status])).toEqual([["r-c2", "pending"]]);
    expect(host.account("w1")).toMatchObject({ pendingInMinutes: 45, earnedMinutes: 0 });
  });

  it("defeats the 60,000-minute self-grant attack: nothing is posted", async () => {
    const { bank, host } = await setUp();
    const before = host.ledgerAccounts();
    const attacker = bank.as({ id: "cadre-9", roles: ["cadre"], communities: ["c1"] });
    const results = await attacker.submitMany([
      cmd.grant("a1", "cadre-9", "registrar", "c2"),
      cmd.grant("a2", "cadre-9", "verifier", "c2"),
      cmd.record("a3", "w1", 60_000, "2027-01-05", "r1", "cadre-9"),
      cmd.record("a4", "w1", 60_000, "2027-01-05", "r1", "reg2"),
      cmd.verify("a5", "a3", "cadre-9"),
      cmd.verify("a6", "a4", "ver2"),
    ]);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(host.account("w1")).toMatchObject({ balanceMinutes: 0, pendingInMinutes: 0, earnedMinutes: 0 });
    expect(host.ledgerAccounts()).toEqual(before);
  });
});

describe("one rule for who may act", () => {
  it("refuses the volunteer's own family member as verifier, rejecter or reverser", async () => {
    const { bank, host } = await setUp({}, cmd.grant("g-f1", "f1", "verifier"), cmd.record("r1", "v1", 60));
    const family = bank.as({ id: "f1", roles: ["verifier"], communities: ["c1"] });
    expect(await family.submit(cmd.verify("vf1", "r1", "f1"))).toMatchObject({ code: "SELF_VERIFICATION" });
    expect(await family.submit(cmd.reject("rj1", "r1", "f1"))).toMatchObject({ code: "SELF_VERIFICATION" });
    expect(await host.submit(cmd.verify("vf2", "r1"))).toMatchObject({ status: "posted" });
    expect(await family.submit(cmd.reverse("rv1", "r1", "2027-01-12", "f1"))).toMatchObject({
      code: "SELF_VERIFICATION",
    });
    // Nor may the recipient verify the service they received.
    await host.submitMany([cmd.grant("g-r1", "r1", "verifier"), cmd.record("r2", "v2", 30)]);
    expect(await host.submit(cmd.verify("vf3", "r2", "r1"))).toMatchObject({ code: "SELF_VERIFICATION" });
    expect(bank.authority("verify", "f1", { communityId: "c1", volunteer: "v1", counterpart: "r1" })).toBe(
      "SELF_VERIFICATION",
    );
    expect(bank.authority("verify", "ver1", { communityId: "c1", volunteer: "v1", counterpart: "r1" })).toBeNull();
  });

  it("makes the family double spend impossible: 60 minutes earned is never 120 received", async () => {
    const { bank, host } = await setUp({}, cmd.grant("g-f1", "f1", "verifier"), cmd.record("r1", "v1", 60));
    const family = bank.as({ id: "f1", roles: ["verifier"], communities: ["c1"] });
    const attempts = [
      await family.submit(cmd.verify("vf1", "r1", "f1")),
      await host.submit(cmd.verify("vf2", "r1")),
      await host.submit(cmd.withdraw("w1", "v1", 60, "f1")),
      await host.submit(cmd.fulfil("fu1", "w1")),
      await family.submit(cmd.reverse("rv1", "fu1", "2027-01-12", "f1")),
      await host.submit(cmd.reverse("rv2", "fu1", "2027-01-12", "f1")),
      await host.submit(cmd.withdraw("w2", "v1", 60, "f1")),
    ];
    expect(attempts.map((r) => (r.ok ? r.status : r.code))).toEqual([
      "SELF_VERIFICATION",
      "posted",
      "reserved",
      "posted",
      "SELF_VERIFICATION",
      "SELF_VERIFICATION",
      "INSUFFICIENT_BALANCE",
    ]);
    const cert = host.certificate("v1");
    const earned = (cert?.lines ?? []).filter((l) => l.kind === "earned").reduce((s, l) => s + l.minutes, 0);
    const received = (cert?.lines ?? []).filter((l) => l.kind === "spent").reduce((s, l) => s - l.minutes, 0);
    expect([earned, received]).toEqual([60, 60]);
    expect(host.account("v1")).toMatchObject({ balanceMinutes: 0, availableMinutes: 0 });
  });

  it("lets the recipient's registered household sign for a bedridden cadre, as bank.authority says", async () => {
    const households = (p: string) => (p === "r9" ? ["r9-son"] : p === "v1" ? ["v1-wife"] : []);
    const { bank, host } = await setUp({ households });
    const m = { communityId: "c1", volunteer: "v1", counterpart: "r9" };
    expect(bank.authority("sign", "r9-son", m)).toBeNull();
    expect(bank.authority("sign", "stranger", m)).toBe("NOT_AUTHORIZED");
    expect(bank.authority("register", "v1-wife", m)).toBe("SELF_REGISTRATION");
    expect(bank.authority("register", "reg1", m)).toBeNull();
    expect(bank.authority("register", "reg2", m)).toBe("NOT_AUTHORIZED");
    expect(
      await host.submitMany([
        { ...cmd.record("s1", "v1", 60, "2027-01-05", "r9"), signedBy: "r9-son" },
        { ...cmd.record("s2", "v1", 60, "2027-01-05", "r9"), signedBy: "stranger" },
        cmd.record("s3", "v1", 60, "2027-01-05", "r9", "v1-wife"),
      ]),
    ).toEqual([
      { key: "s1", ok: true, status: "pending" },
      { key: "s2", ok: false, code: "NOT_AUTHORIZED" },
      { key: "s3", ok: false, code: "SELF_REGISTRATION" },
    ]);
  });

  it("replays the journal whatever the directory says today", async () => {
    const store = memoryStore();
    const households = (p: string) => (p === "r9" ? ["r9-son"] : []);
    const first = asHost(await createTimeBank({ store, clock, stars: testStars, households }));
    await first.submitMany([...SETUP, { ...cmd.record("s1", "v1", 60, "2027-01-05", "r9"), signedBy: "r9-son" }]);
    const again = asHost(await createTimeBank({ store, clock, stars: testStars }));
    expect(again.account("v1")).toEqual(first.account("v1"));
    expect(again.account("v1")?.pendingInMinutes).toBe(60);
  });
});

describe("a command that throws while being decided", () => {
  it("fails alone with INTERNAL and leaves the state as if it was never sent", async () => {
    // A hash that breaks on one entry, after the command has moved minutes: the savepoint undoes it.
    let armed = true;
    const flaky: HashSuite = {
      name: "flaky",
      digest: (text) => {
        // Only the entry's hash (prevHash, newline, body), computed after the command moved minutes.
        if (armed && text.includes('"key":"boom') && /^[0-9a-f]{64}\n/.test(text)) throw new Error("disk on fire");
        return sha256Suite.digest(text);
      },
    };
    const store = memoryStore();
    const bank = asHost(await createTimeBank({ store, clock, stars: testStars, hash: flaky }));
    await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
    const before = { rows: bank.ledgerAccounts(), anchor: bank.anchor(), entries: bank.entries() };
    const reports = () => ({
      month: bank.monthlySummary("c1", "2027-01"),
      week: bank.verificationBatch("c1", "2027-01-05"),
      notice: { ...bank.publicNotice("c1", "2027-Q1"), anchor: null },
    });
    const reportsBefore = reports();
    const results = await bank.submitMany([
      { ...cmd.withdraw("boom", "v1", 40, "f1"), community: "c9" },
      cmd.record("boom-record", "v1", 30),
      cmd.withdraw("w-ok", "v1", 100),
    ]);
    expect(results).toEqual([
      { key: "boom", ok: false, code: "INTERNAL" },
      { key: "boom-record", ok: false, code: "INTERNAL" },
      { key: "w-ok", ok: true, status: "reserved" },
    ]);
    // The reports' indexes (entries and pending records by community) were undone too.
    expect(reports()).toEqual(reportsBefore);
    // No accounts opened in c9, no minutes held for it, only the innocent entry added.
    expect(bank.ledgerAccounts().filter((a) => a.id.endsWith(":c9"))).toEqual([]);
    expect(bank.account("v1")).toMatchObject({ reservedMinutes: 100, availableMinutes: 0 });
    expect(bank.entries().map((e) => e.key)).toEqual([...before.entries.map((e) => e.key), "w-ok"]);
    expect(bank.anchor().length).toBe(before.anchor.length + 1);
    // Not journaled: the same key can be sent again once the fault is gone.
    armed = false;
    await bank.submit(cmd.cancel("ca-ok", "w-ok"));
    expect(await bank.submit({ ...cmd.withdraw("boom", "v1", 40, "f1"), community: "c9" })).toEqual({
      key: "boom",
      ok: true,
      status: "reserved",
    });
    const reopened = asHost(await createTimeBank({ store, clock, stars: testStars, hash: flaky }));
    expect(reopened.ledgerAccounts()).toEqual(bank.ledgerAccounts());
  });
});

describe("no personal data in words", () => {
  it("never puts an ID number, a phone or a refused key into a result or an error", async () => {
    const { bank, host } = await setUp();
    const idNumber = makeIdNumber("110101", "1949-10-01", 7);
    const phone = "13800138000";
    const results = await host.submitMany([
      cmd.record(`张三-${phone}-1`, "v1", 60),
      cmd.record(idNumber, "v1", 60),
      cmd.record("k\ud800", "v1", 60),
      { ...cmd.record("r-ok", "v1", 60), recipient: phone },
      { ...cmd.enroll("e-ok", idNumber), community: "c1" },
      cmd.record("r-dup", "v1", 60),
      cmd.record("r-dup", "v1", 61),
    ]);
    expect(results.slice(0, 3)).toEqual([
      { key: null, ok: false, code: "INVALID_INPUT" },
      { key: null, ok: false, code: "INVALID_INPUT" },
      { key: null, ok: false, code: "INVALID_INPUT" },
    ]);
    expect(results[6]).toEqual({ key: "r-dup", ok: false, code: "IDEMPOTENCY_CONFLICT" });
    const errors: unknown[] = [];
    for (const read of [
      () => bank.as({ id: idNumber, roles: ["bureau"] }),
      () => bank.as({ id: "a1", roles: ["verifier"], communities: [phone] }),
      () => bank.as({ id: "a1", roles: ["verifier"], communities: ["c1"] }).publicNotice("c-secret-2", "2027-Q1"),
    ])
      try {
        read();
      } catch (e) {
        errors.push(isElderflowError(e) ? { json: e.toJSON(), message: e.message, zh: e.messageIn("zh-CN") } : e);
      }
    expect(errors).toHaveLength(3);
    const text = JSON.stringify([results, errors, await bank.journal()]);
    for (const t of [idNumber, phone, "张三", "\\ud800", "c-secret-2"]) expect(text).not.toContain(t);
  });
});
