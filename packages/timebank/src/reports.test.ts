import { fixedClock } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import { noticeToCsv, noticeToHtml, quarterBounds } from "./reports";
import { memoryStore } from "./stores/memory";

async function cycle() {
  const bank = asHost(
    await createTimeBank({
      store: memoryStore(),
      clock: fixedClock("2027-04-02T09:00:00+08:00"),
      stars: testStars,
    }),
  );
  await bank.submitMany([
    ...SETUP,
    cmd.record("r1", "v1", 6000, "2027-01-04"), // Monday
    cmd.record("r2", "v2", 60, "2027-01-06"),
    cmd.record("r3", "v1", 30, "2027-01-10"), // Sunday, same week
    cmd.record("r4", "v1", 45, "2027-01-11"), // next Monday
    cmd.verify("vf1", "r1", "ver1", "2027-01-08"),
    cmd.reject("rj2", "r2"),
    cmd.verify("vf4", "r4", "ver1", "2027-02-01"),
    cmd.withdraw("w1", "v1", 100, "f1", "2027-02-03"),
    cmd.fulfil("fu1", "w1", "2027-02-05"),
    cmd.reverse("rv4", "r4", "2027-02-06"),
    cmd.record("r5", "v2", 120, "2027-04-01"),
    cmd.verify("vf5", "r5", "ver1", "2027-04-02"),
  ]);
  return bank;
}

describe("weekly verification batches", () => {
  it("lists the week's verifications and every record of the community still pending", async () => {
    const bank = await cycle();
    const batch = bank.verificationBatch("c1", "2027-01-07");
    expect(batch).toMatchObject({ from: "2027-01-04", to: "2027-01-10", verifiedMinutes: 6000 });
    expect(batch.verified.map((i) => i.key)).toEqual(["r1"]);
    expect(batch.recorded.map((i) => [i.key, i.status])).toEqual([
      ["r1", "posted"],
      ["r2", "voided"],
      ["r3", "pending"],
    ]);
    expect(batch.stillPending.map((i) => i.key)).toEqual(["r3"]);
    expect(bank.verificationBatch("c2", "2027-01-07").recorded).toEqual([]);
  });
});

describe("monthly summaries", () => {
  it("sums earned and spent minutes per volunteer, net of reversals dated in the month", async () => {
    const bank = await cycle();
    expect(bank.monthlySummary("c1", "2027-01")).toMatchObject({
      lines: [{ volunteer: "v1", services: 1, earnedMinutes: 6000, spentMinutes: 0 }],
      earnedMinutes: 6000,
      pendingRecords: 1,
    });
    expect(bank.monthlySummary("c1", "2027-02")).toMatchObject({
      lines: [{ volunteer: "v1", services: 1, earnedMinutes: 0, spentMinutes: 100 }],
      spentMinutes: 100,
    });
  });
});

describe("the quarterly public notice", () => {
  const nameOf = (id: string) => ({ v1: "张小三", v2: "Li Si" })[id];

  it("lists every volunteer of the community with masked names, quarter and cumulative minutes", async () => {
    const bank = await cycle();
    const q1 = bank.publicNotice("c1", "2027-Q1", { nameOf });
    expect(q1).toMatchObject({ from: "2027-01-01", to: "2027-03-31", closed: false, totalMinutes: 6000 });
    expect(q1.lines).toEqual([
      { no: 1, volunteer: "v1", name: "张*三", services: 2, minutes: 6000, cumulativeMinutes: 6000, stars: 1 },
      { no: 2, volunteer: "v2", name: "L* S*", services: 0, minutes: 0, cumulativeMinutes: 0, stars: 0 },
    ]);
    const q2 = bank.publicNotice("c1", "2027-Q2", { nameOf });
    expect(q2.lines[1]).toMatchObject({ volunteer: "v2", minutes: 120, cumulativeMinutes: 120 });
    expect(q2.anchor).toEqual(bank.anchor());
  });

  it("renders CSV safe for spreadsheets and HTML with everything escaped", async () => {
    const bank = await cycle();
    const notice = bank.publicNotice("c1", "2027-Q1", { nameOf: () => "=HYPERLINK(1)<b>" });
    const csv = noticeToCsv(notice);
    expect(csv.split("\r\n")[1]).toBe("1,v1,'=***,2,6000,6000,1");
    const html = noticeToHtml(bank.publicNotice("c1", "2027-Q1", { nameOf: () => "<script>" }));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;***");
  });

  it("knows the bounds of every quarter", () => {
    expect(quarterBounds("2028-Q1")).toEqual({ from: "2028-01-01", to: "2028-03-31" });
    expect(quarterBounds("2027-Q4")).toEqual({ from: "2027-10-01", to: "2027-12-31" });
  });
});

describe("the time-savings certificate", () => {
  it("lists every posted movement in journal order with a running balance that ends at the balance", async () => {
    const bank = await cycle();
    const cert = bank.certificate("v1", { nameOf: () => "张小三" });
    expect(cert?.name).toBe("张*三");
    expect(cert?.lines.map((l) => [l.kind, l.minutes, l.balance])).toEqual([
      ["earned", 6000, 6000],
      ["earned", 45, 6045],
      ["spent", -100, 5945],
      ["earned-reversed", -45, 5900],
    ]);
    expect(cert?.balanceMinutes).toBe(5900);
    expect(cert?.pendingInMinutes).toBe(30);
    expect(bank.certificate("nobody")).toBeUndefined();
  });
});
