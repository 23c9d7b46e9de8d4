import { fixedClock, isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { asHost, cmd, type HostBank, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import { memoryStore } from "./stores/memory";
import type { TimeBankStore } from "./stores/types";

const clock = fixedClock("2027-01-04T09:00:00+08:00");

async function bankWith(...commands: unknown[]): Promise<HostBank> {
  const bank = asHost(await createTimeBank({ store: memoryStore(), clock, stars: testStars }));
  const results = await bank.submitMany([...SETUP, ...commands]);
  for (const r of results.slice(0, SETUP.length)) expect(r.ok).toBe(true);
  return bank;
}

async function last(bank: HostBank, command: unknown) {
  return bank.submit(command);
}

describe("two-phase service records", () => {
  it("keeps a recorded service pending until verified, then posts it as earned minutes", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 90));
    expect(bank.account("v1")).toMatchObject({ pendingInMinutes: 90, earnedMinutes: 0, balanceMinutes: 0 });
    expect(await last(bank, cmd.verify("vf1", "r1"))).toEqual({ key: "vf1", ok: true, status: "posted" });
    expect(bank.account("v1")).toMatchObject({
      pendingInMinutes: 0,
      earnedMinutes: 90,
      balanceMinutes: 90,
      availableMinutes: 90,
    });
  });

  it("voids a rejected record and refuses to verify it afterwards", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 90));
    expect(await last(bank, cmd.reject("rj1", "r1"))).toEqual({ key: "rj1", ok: true, status: "voided" });
    expect(bank.account("v1")).toMatchObject({ pendingInMinutes: 0, earnedMinutes: 0 });
    expect(await last(bank, cmd.verify("vf1", "r1"))).toMatchObject({ ok: false, code: "NOT_PENDING" });
  });

  it("refuses to verify the same record twice", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 90), cmd.verify("vf1", "r1"));
    expect(await last(bank, cmd.verify("vf2", "r1"))).toMatchObject({ ok: false, code: "NOT_PENDING" });
    expect(bank.account("v1")?.earnedMinutes).toBe(90);
  });
});

describe("who may register and verify", () => {
  it("never lets a volunteer register their own service, even as a registrar", async () => {
    const bank = await bankWith(cmd.grant("g9", "v2", "registrar"));
    expect(await last(bank, cmd.record("r1", "v2", 60, "2027-01-05", "r1", "v2"))).toMatchObject({
      code: "SELF_REGISTRATION",
    });
  });

  it("never lets a volunteer verify their own hours, even as a verifier", async () => {
    const bank = await bankWith(cmd.grant("g9", "v1", "verifier"), cmd.record("r1", "v1", 60));
    expect(await last(bank, cmd.verify("vf1", "r1", "v1"))).toMatchObject({ code: "SELF_VERIFICATION" });
    expect(await last(bank, cmd.reject("rj1", "r1", "v1"))).toMatchObject({ code: "SELF_VERIFICATION" });
  });

  it("refuses another community's staff", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 60));
    expect(await last(bank, cmd.record("r2", "v1", 60, "2027-01-05", "r1", "reg2"))).toMatchObject({
      code: "NOT_AUTHORIZED",
    });
    expect(await last(bank, cmd.verify("vf1", "r1", "ver2"))).toMatchObject({ code: "NOT_AUTHORIZED" });
  });

  it("requires the recipient's own signature and a registrar", async () => {
    const bank = await bankWith();
    expect(await last(bank, { ...cmd.record("r1", "v1", 60), signedBy: "someone" })).toMatchObject({
      code: "NOT_AUTHORIZED",
    });
    expect(await last(bank, cmd.record("r2", "v1", 60, "2027-01-05", "r1", "ver1"))).toMatchObject({
      code: "NOT_AUTHORIZED",
    });
  });

  it("refuses services of volunteers who are not enrolled", async () => {
    const bank = await bankWith();
    expect(await last(bank, cmd.record("r1", "nobody", 60))).toMatchObject({ code: "UNKNOWN_ACCOUNT" });
    expect(await last(bank, cmd.withdraw("w1", "nobody", 60))).toMatchObject({ code: "UNKNOWN_ACCOUNT" });
  });
});

describe("withdrawals", () => {
  it("reserves minutes, then posts or voids them, never overdrawing available minutes", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1"));
    expect(await last(bank, cmd.withdraw("w1", "v1", 60))).toMatchObject({ ok: true, status: "reserved" });
    expect(bank.account("v1")).toMatchObject({ balanceMinutes: 100, reservedMinutes: 60, availableMinutes: 40 });
    expect(await last(bank, cmd.withdraw("w2", "v1", 41))).toMatchObject({ code: "INSUFFICIENT_BALANCE" });
    expect(await last(bank, cmd.fulfil("fu1", "w1"))).toMatchObject({ ok: true, status: "posted" });
    expect(bank.account("v1")).toMatchObject({ balanceMinutes: 40, reservedMinutes: 0, earnedMinutes: 100 });
    expect(await last(bank, cmd.withdraw("w3", "v1", 40))).toMatchObject({ status: "reserved" });
    expect(await last(bank, cmd.cancel("c3", "w3"))).toMatchObject({ status: "voided" });
    expect(bank.account("v1")).toMatchObject({ availableMinutes: 40 });
    expect(await last(bank, cmd.fulfil("fu3", "w3"))).toMatchObject({ code: "NOT_PENDING" });
  });

  it("does not count pending service as spendable", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100));
    expect(await last(bank, cmd.withdraw("w1", "v1", 1))).toMatchObject({ code: "INSUFFICIENT_BALANCE" });
  });

  it("lets registered family members draw on the volunteer's hours, nobody else", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1"));
    expect(await last(bank, cmd.withdraw("w1", "v1", 30, "f1"))).toMatchObject({ status: "reserved" });
    expect(await last(bank, cmd.withdraw("w2", "v1", 30, "stranger"))).toMatchObject({ code: "NOT_FAMILY" });
  });

  it("pays a family member served in another community through the clearing accounts", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1"));
    expect(await last(bank, { ...cmd.withdraw("w1", "v1", 30, "f1"), community: "c2" })).toMatchObject({
      status: "reserved",
    });
    await last(bank, cmd.fulfil("fu1", "w1"));
    const rows = new Map(bank.ledgerAccounts().map((a) => [a.id, a.creditsPosted - a.debitsPosted]));
    expect(rows.get("v:v1")).toBe(70);
    expect(rows.get("clearing:c1")).toBe(30);
    expect(rows.get("clearing:c2")).toBe(-30);
    expect(rows.get("redeemed:c2")).toBe(30);
    expect([...rows.values()].reduce((s, b) => s + b, 0)).toBe(0);
  });
});

describe("corrections by reversal", () => {
  it("reverses a posted record without touching the original entry", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1"));
    expect(await last(bank, cmd.reverse("rv1", "r1"))).toMatchObject({ ok: true, status: "posted" });
    expect(bank.account("v1")).toMatchObject({ earnedMinutes: 0, balanceMinutes: 0 });
    expect(await last(bank, cmd.reverse("rv2", "r1"))).toMatchObject({ code: "NOT_REVERSIBLE" });
    const journal = await bank.journal();
    expect(journal.map((e) => e.key)).toContain("vf1");
    expect(bank.certificate("v1")?.lines.map((l) => l.kind)).toEqual(["earned", "earned-reversed"]);
  });

  it("reverses a fulfilment, giving the minutes back without changing earned minutes", async () => {
    const bank = await bankWith(
      cmd.record("r1", "v1", 100),
      cmd.verify("vf1", "r1"),
      cmd.withdraw("w1", "v1", 60),
      cmd.fulfil("fu1", "w1"),
    );
    expect(await last(bank, cmd.reverse("rv1", "fu1"))).toMatchObject({ status: "posted" });
    expect(bank.account("v1")).toMatchObject({ earnedMinutes: 100, balanceMinutes: 100 });
  });

  it("refuses to reverse a record whose minutes were already spent", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1"), cmd.withdraw("w1", "v1", 60));
    expect(await last(bank, cmd.reverse("rv1", "r1"))).toMatchObject({ code: "INSUFFICIENT_BALANCE" });
    expect(bank.account("v1")?.availableMinutes).toBe(40);
  });

  it("refuses to reverse a pending record", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100));
    expect(await last(bank, cmd.reverse("rv1", "r1"))).toMatchObject({ code: "NOT_REVERSIBLE" });
  });
});

describe("idempotency", () => {
  it("returns the first result for a repeated key with the same content", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100));
    expect(await last(bank, cmd.record("r1", "v1", 100))).toEqual({
      key: "r1",
      ok: true,
      status: "pending",
      replayed: true,
    });
    expect(bank.account("v1")?.pendingInMinutes).toBe(100);
  });

  it("refuses a repeated key with different content and keeps the first", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 100));
    expect(await last(bank, cmd.record("r1", "v1", 101))).toEqual({
      key: "r1",
      ok: false,
      code: "IDEMPOTENCY_CONFLICT",
    });
    expect(bank.account("v1")?.pendingInMinutes).toBe(100);
  });

  it("keeps a failed key failing the same way, even once it would succeed", async () => {
    const bank = await bankWith(cmd.withdraw("w1", "v1", 10));
    await bank.submitMany([cmd.record("r1", "v1", 100), cmd.verify("vf1", "r1")]);
    expect(await last(bank, cmd.withdraw("w1", "v1", 10))).toEqual({
      key: "w1",
      ok: false,
      code: "INSUFFICIENT_BALANCE",
      replayed: true,
    });
    expect(bank.account("v1")?.reservedMinutes).toBe(0);
  });

  it("returns a failed result for input that is not a command, and goes on", async () => {
    const bank = await bankWith();
    const results = await bank.submitMany([
      null,
      { op: "record", key: "x1" },
      { op: "teleport", key: "x2" },
      { ...cmd.record("x3", "v1", 10), minutes: 1.5 },
      cmd.record("x4", "v1", 10),
    ]);
    expect(results.map((r) => (r.ok ? r.status : r.code))).toEqual([
      "INVALID_INPUT",
      "INVALID_INPUT",
      "INVALID_INPUT",
      "INVALID_INPUT",
      "pending",
    ]);
  });
});

describe("period close", () => {
  it("refuses entries dated in a closed quarter and takes corrections in the open one", async () => {
    const bank = await bankWith(
      cmd.record("r1", "v1", 100, "2027-03-30"),
      cmd.verify("vf1", "r1", "ver1", "2027-03-31"),
    );
    expect(await last(bank, cmd.close("cl1", "2027-Q1"))).toMatchObject({ status: "closed" });
    expect(await last(bank, cmd.record("r2", "v1", 10, "2027-03-31"))).toMatchObject({ code: "PERIOD_CLOSED" });
    expect(await last(bank, cmd.reverse("rv1", "r1", "2027-03-31"))).toMatchObject({ code: "PERIOD_CLOSED" });
    expect(await last(bank, cmd.reverse("rv2", "r1", "2027-04-01"))).toMatchObject({ status: "posted" });
    expect(await last(bank, cmd.record("r3", "v1", 10, "2027-04-01"))).toMatchObject({ status: "pending" });
    // Other communities are not affected.
    expect(await last(bank, cmd.record("r4", "w1", 10, "2027-03-31", "r1", "reg2"))).toMatchObject({
      status: "pending",
    });
  });

  it("only lets the community's own staff close its period", async () => {
    const bank = await bankWith();
    expect(await last(bank, cmd.close("cl1", "2027-Q1", "c1", "ver2"))).toMatchObject({ code: "NOT_AUTHORIZED" });
  });
});

describe("stars", () => {
  it("derives stars from earned minutes and never lowers them by spending", async () => {
    const bank = await bankWith(cmd.record("r1", "v1", 12_000), cmd.verify("vf1", "r1"));
    expect(bank.account("v1")?.stars).toBe(2);
    await bank.submitMany([cmd.withdraw("w1", "v1", 11_000), cmd.fulfil("fu1", "w1")]);
    expect(bank.account("v1")).toMatchObject({ stars: 2, balanceMinutes: 1000, earnedMinutes: 12_000 });
  });
});

describe("the journal", () => {
  it("holds ids only: no reason text and nothing of a failed command's content", async () => {
    const bank = await bankWith(
      cmd.record("r1", "v1", 100),
      cmd.reject("rj1", "r1", "ver1", "张小三 13812345678 did not sign"),
      { ...cmd.record("r2", "v1", 10), recipient: "张小三 13812345678" },
    );
    const text = JSON.stringify(await bank.journal());
    expect(text).not.toContain("张小三");
    expect(text).not.toContain("13812345678");
    expect(await bank.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 3 });
  });
});

describe("a failed commit", () => {
  it("rejects the batch, leaves nothing half-applied, and the same keys can be sent again", async () => {
    const inner = memoryStore();
    let failNext = false;
    const store: TimeBankStore = {
      ...inner,
      async commit(afterSeq, prepare, suite) {
        if (!failNext) return inner.commit(afterSeq, prepare, suite);
        failNext = false;
        prepare([]); // decided in memory, then the database connection drops
        throw new Error("connection reset");
      },
    };
    const bank = asHost(await createTimeBank({ store, clock, stars: testStars }));
    await bank.submitMany([...SETUP, cmd.record("r1", "v1", 100)]);
    failNext = true;
    const error = await bank.submitMany([cmd.verify("vf1", "r1"), cmd.record("r2", "v1", 5)]).catch((e: unknown) => e);
    expect(isElderflowError(error) && error.code).toBe("INTERNAL");
    expect(bank.account("v1")).toMatchObject({ pendingInMinutes: 100, earnedMinutes: 0 });
    expect(await bank.submitMany([cmd.verify("vf1", "r1"), cmd.record("r2", "v1", 5)])).toEqual([
      { key: "vf1", ok: true, status: "posted" },
      { key: "r2", ok: true, status: "pending" },
    ]);
    expect(await bank.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length + 3 });
  });
});

describe("refused commands", () => {
  it("leave no trace: a refused withdrawal in another community opens no accounts there", async () => {
    const bank = await bankWith();
    const before = bank.ledgerAccounts();
    expect(await bank.submit({ ...cmd.withdraw("w1", "v1", 30, "f1"), community: "c9" })).toMatchObject({
      code: "INSUFFICIENT_BALANCE",
    });
    expect(bank.ledgerAccounts()).toEqual(before);
    // What a bank rebuilt from the journal holds is what this one holds.
    const store = memoryStore();
    const a = asHost(await createTimeBank({ store, clock, stars: testStars }));
    await a.submitMany([...SETUP, { ...cmd.withdraw("w1", "v1", 30, "f1"), community: "c9" }]);
    const b = asHost(await createTimeBank({ store, clock, stars: testStars }));
    expect(b.ledgerAccounts()).toEqual(a.ledgerAccounts());
  });
});

describe("opening the bank", () => {
  /** A memory store that counts its opens and closes, optionally failing to read the journal. */
  function countingStore(failRead = false) {
    const inner = memoryStore();
    const counts = { open: 0, close: 0 };
    const store: TimeBankStore = {
      ...inner,
      open: async () => {
        counts.open++;
        await inner.open();
      },
      close: async () => {
        counts.close++;
        await inner.close();
      },
      readJournal: failRead
        ? async () => {
            throw new Error("disk gone");
          }
        : inner.readJournal,
    };
    return { store, counts };
  }

  it("refuses rules that do not parse before it opens the store", async () => {
    const { store, counts } = countingStore();
    await expect(
      createTimeBank({ store, clock, stars: testStars, rules: [{ from: "2027-02-30" }] }),
    ).rejects.toMatchObject({ code: "INVALID_DATE", path: ["rules", 0, "from"] });
    expect(counts).toEqual({ open: 0, close: 0 });
  });

  it("refuses a persons lookup that is not a function before it opens the store", async () => {
    const { store, counts } = countingStore();
    await expect(createTimeBank({ store, clock, stars: testStars, persons: "everyone" as never })).rejects.toSatisfy(
      isElderflowError,
    );
    expect(counts.open).toBe(0);
  });

  it("closes the store it opened when reading the journal fails, and rethrows that failure", async () => {
    const { store, counts } = countingStore(true);
    await expect(createTimeBank({ store, clock, stars: testStars })).rejects.toThrow("disk gone");
    expect(counts).toEqual({ open: 1, close: 1 });
  });

  it("leaves the store open for the bank when everything parses, and closes it with the bank", async () => {
    const { store, counts } = countingStore();
    const bank = await createTimeBank({ store, clock, stars: testStars, rules: [{ from: "2027-01-01" }] });
    expect(counts).toEqual({ open: 1, close: 0 });
    await bank.close();
    expect(counts.close).toBe(1);
  });
});
