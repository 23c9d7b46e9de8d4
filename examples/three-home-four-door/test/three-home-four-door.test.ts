import { schedule } from "elderflow";
import { beforeAll, describe, expect, it } from "vitest";
import { CADRES } from "../src/cast";
import { runScenario, type ScenarioResult } from "../src/scenario";

describe("三到家、四上门 in one community for 2027 (seed 003)", () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario();
  });

  it("celebrates 逢五排十: deputy-county lixiu from 70, everyone else from 80, lunar birthdays on the lunar date", () => {
    expect(r.birthdays.map((b) => [b.personId, b.age, b.calendar])).toEqual([
      ["c4", 90, "gregorian"],
      ["c1", 75, "gregorian"],
      ["c3", 80, "lunar"],
    ]);
    // c2 (lixiu below deputy-county, 75) waits for 80; c5 died in 2026; c6 turns 97.
    const c3 = r.birthdays.find((b) => b.personId === "c3");
    const born = schedule.toLunar("1947-09-15");
    const celebrated = schedule.toLunar(c3?.date ?? "");
    expect([celebrated.month, celebrated.day]).toEqual([born.month, born.day]);
    expect(celebrated.year - born.year).toBe(80);
  });

  it("sends district leaders to a deputy-county cadre in hospital, the three offices to an ordinary one", () => {
    expect(r.hospitalVisits).toEqual({
      c1: ["district_leaders"],
      c4: ["organisation_department"], // 分头看望: the first office of the rotation
    });
  });

  it("lists every living cadre for Spring Festival (lunar new year) and July 1, and adds anniversaries in round years", () => {
    const living = CADRES.filter((c) => c.status === "active").map((c) => c.id);
    expect(r.holidayVisits.filter((v) => v.occasion === "spring_festival").map((v) => v.personId)).toEqual(living);
    expect(new Set(r.holidayVisits.map((v) => v.date))).toEqual(new Set(["2027-02-06", "2027-07-01"]));
    expect(r.specialYear.find((o) => o.anniversary !== undefined)).toMatchObject({
      date: "2029-10-01",
      anniversary: 80,
    });
  });

  it("knows who is due or overdue for the annual free health check", () => {
    expect(r.healthCheckDay).toBe("2027-04-13");
    expect(Object.fromEntries(r.healthChecks.map((h) => [h.personId, h.status]))).toEqual({
      // One check per calendar year: not yet this year is due, a whole year missed is overdue.
      c1: "due",
      c2: "due",
      c3: "done",
      c4: "due",
      c6: "overdue",
    });
  });

  it("holds one study session a month, moved off holidays, and delivers the materials to the housebound", () => {
    expect(r.study).toHaveLength(12);
    expect(r.study.every((s) => s.deliveries.join() === "c4,c6")).toBe(true);
    expect(r.study.find((s) => s.movedFrom !== undefined)).toMatchObject({
      date: "2027-06-10",
      movedFrom: "2027-06-09",
    });
  });

  it("dispatches a hotline call to the nearest service point and closes it once the cadre confirms", () => {
    expect(r.hotline).toEqual({ dispatchedTo: "sp-near", state: "closed" });
  });

  it("puts every visit on one task board", () => {
    expect(r.taskCounts).toMatchObject({ birthday_visit: 3, hospital_visit: 2, holiday_visit: 10 });
  });
});
