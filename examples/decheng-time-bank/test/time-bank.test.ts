import { isoWeekday } from "@elderflow/core";
import { beforeAll, describe, expect, it } from "vitest";
import { NAMES, runScenario, type ScenarioResult } from "../src/scenario";

describe("Decheng's time bank and legal-aid days (seed 004)", () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario();
  });

  it("credits a service only once signed, registered and verified; the weekly batch and monthly summary add up", () => {
    // e1 (120 min) and e2 (180 min) verified on Friday; e3 was disputed by the recipient.
    expect(r.week1.verified.map((i) => [i.key, i.minutes])).toEqual([
      ["svc/r/e1", 120],
      ["svc/r/e2", 180],
    ]);
    expect(r.week1.verifiedMinutes).toBe(300);
    expect(r.january.earnedMinutes).toBe(300);
    expect(r.refused).toEqual(["SELF_REGISTRATION"]);
  });

  it("publishes the quarter with masked names, quarter and cumulative hours, and stars per 100 h", () => {
    expect(r.notice.closed).toBe(true);
    expect(r.notice.lines.map((l) => [l.volunteer, l.name, l.minutes, l.cumulativeMinutes, l.stars])).toEqual([
      ["v-01", "冯*才", 720, 6120, 1],
      ["v-02", "张*兰", 1380, 30180, 5],
      ["v-03", "李*国", 360, 360, 0],
    ]);
    const text = JSON.stringify(r.notice);
    for (const name of Object.values(NAMES)) expect(text).not.toContain(name);
  });

  it("refuses a service dated in the closed quarter", () => {
    // The workflow verified e7, the ledger refused it: it is kept as a dead letter, never dropped.
    expect(r.failedPostings).toEqual([{ key: expect.stringMatching(/^e7:/), code: "PERIOD_CLOSED" }]);
    expect(r.unreconciled).toEqual(["verified_not_posted", "dead_letter"]);
    expect(r.accounts["v-03"]?.earnedMinutes).toBe(360);
  });

  it("lets family spend banked hours without lowering the star rating", () => {
    expect(r.accounts["v-01"]).toMatchObject({ earnedMinutes: 6120, balanceMinutes: 6120 - 180, stars: 1 });
    expect(r.starsBeforeSpending["v-01"]).toBe(1);
    expect(r.journalOk).toBe(true);
  });

  it("explains each year-end rating with the star policy, names masked", () => {
    expect(Object.fromEntries(Object.entries(r.ratings).map(([v, x]) => [v, x.stars]))).toEqual({
      "v-01": 1,
      "v-02": 5,
      "v-03": 0,
    });
    expect(r.ratings["v-01"]?.why["zh-CN"]).toContain("冯*才");
    for (const name of Object.values(NAMES)) expect(JSON.stringify(r.ratings)).not.toContain(name);
  });

  it("holds legal aid every Tuesday afternoon and law day on the 18th of every month", () => {
    // 13 Tuesdays in the quarter; any that fall on a statutory holiday are skipped, not moved.
    expect(r.legalAid.dates.length + r.legalAid.skipped.length).toBe(13);
    expect([...r.legalAid.dates, ...r.legalAid.skipped].every((d) => isoWeekday(d) === 2)).toBe(true);
    expect(r.lawDays).toEqual(["2027-01-18", "2027-02-18", "2027-03-18"]);
  });
});
