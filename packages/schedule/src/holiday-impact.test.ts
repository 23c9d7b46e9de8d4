import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LAW_DAY_SERIES, LEGAL_AID_SERIES, STUDY_SERIES } from "./domain";
import { dayChanges, holidayImpact, type PlannedItem, plannedOnDate, seriesPlannedItems } from "./holiday-impact";
import { loadHolidayPack, sealHolidayPack } from "./holiday-pack";
import { createHolidayCalendar } from "./holidays";

const FIXTURE = new URL("../fixtures/holiday-pack-2027.test-fixture.json", import.meta.url);
const pack2027 = () => loadHolidayPack(readFileSync(FIXTURE, "utf8"));

describe("a calendar with holiday packs", () => {
  it("says per date that 2027 is provisional until a confirmed pack is loaded, then official", async () => {
    const before = createHolidayCalendar();
    expect(before.day("2027-10-05")).toMatchObject({ working: true, source: "provisional" });
    expect(before.day("2027-10-01")).toMatchObject({ working: false, source: "provisional" });
    expect(before.isPublished(2027)).toBe(false);
    expect(before.warnings("2027-01-01", "2027-12-31").map((w) => w.code)).toEqual(["HOLIDAYS_PROVISIONAL"]);

    const after = before.withPack(await pack2027());
    expect(after.day("2027-10-05")).toMatchObject({ working: false, kind: "holiday", source: "official" });
    expect(after.day("2027-10-05").name?.["zh-CN"]).toBe("国庆节");
    expect(after.day("2027-10-05").pack?.notice).toBe("国办发明电〔2026〕99号");
    expect(after.day("2027-10-09")).toMatchObject({ working: true, kind: "shifted_workday", source: "official" });
    expect(after.day("2027-11-10")).toMatchObject({ working: true, kind: "workday", source: "official" });
    expect(after.isPublished(2027)).toBe(true);
    expect(after.warnings("2027-01-01", "2027-12-31")).toEqual([]);
    // Loading returned a new calendar; the old one still answers provisionally.
    expect(before.day("2027-10-05").source).toBe("provisional");
    // Years the pack does not cover are untouched.
    expect(after.day("2026-10-01")).toMatchObject({ working: false, source: "official" });
    expect(after.day("2026-10-01").pack).toBeUndefined();
    expect(after.day("2028-01-03").source).toBe("provisional");
  });

  it("answers from a provisional pack only where nothing confirmed exists, and flags it", async () => {
    const provisional = await sealHolidayPack({
      format: "elderflow.holiday-pack/1",
      year: 2028,
      status: "provisional",
      notice: { number: "国办发明电〔2027〕1号", url: "https://example.invalid/draft" },
      daysOff: [{ date: "2028-01-03", name: { "zh-CN": "元旦", en: "New Year's Day" } }],
      workingDays: [],
    });
    const cal = createHolidayCalendar({ packs: [provisional] });
    expect(cal.day("2028-01-03")).toMatchObject({ working: false, source: "provisional" });
    expect(cal.day("2028-01-03").pack?.status).toBe("provisional");
    expect(cal.isPublished(2028)).toBe(false);
    expect(cal.warnings("2028-01-01", "2028-01-31")).toHaveLength(1);
  });

  it("lists the days the confirmed 2027 pack changes", async () => {
    const before = createHolidayCalendar();
    const after = before.withPack(await pack2027());
    const changes = dayChanges(before, after, "2027-01-01", "2027-12-31");
    expect(changes.filter((c) => c.reason === "became_holiday").map((c) => c.date)).toEqual([
      "2027-02-09",
      "2027-02-10",
      "2027-02-11",
      "2027-02-12",
      "2027-05-03",
      "2027-05-04",
      "2027-05-05",
      "2027-10-04",
      "2027-10-05",
      "2027-10-06",
      "2027-10-07",
    ]);
    expect(changes.filter((c) => c.reason === "became_working_day").map((c) => c.date)).toEqual([
      "2027-01-31",
      "2027-02-20",
      "2027-05-08",
      "2027-09-26",
      "2027-10-09",
    ]);
    // Weekend days inside a holiday (2027-02-13, a Saturday) were already off: no change.
    expect(changes.some((c) => c.date === "2027-02-13")).toBe(false);
  });
});

describe("the impact of loading a confirmed pack", () => {
  it("lists the legal-aid sessions, study sessions and visits that move, with old and new dates and why", async () => {
    const before = createHolidayCalendar();
    const after = before.withPack(await pack2027());
    const items: PlannedItem[] = [
      ...seriesPlannedItems(LEGAL_AID_SERIES, "2027-01-01", "2027-12-31", before),
      ...seriesPlannedItems(STUDY_SERIES, "2027-01-01", "2027-12-31", before),
      ...seriesPlannedItems(LAW_DAY_SERIES, "2027-01-01", "2027-12-31", before),
      plannedOnDate("visit-hospital-1", "visit", "2027-02-09", "next_working_day"),
      plannedOnDate("visit-home-2", "visit", "2027-06-15", "next_working_day"),
    ];
    const impact = holidayImpact(before, after, items);
    expect(impact.rejected).toEqual([]);
    expect(impact.moved.map((m) => [m.id, m.oldDate, m.newDate])).toEqual([
      ["legal-aid:2027-02-09", "2027-02-09", null],
      ["legal-aid:2027-05-04", "2027-05-04", null],
      ["legal-aid:2027-10-05", "2027-10-05", null],
      ["study:2027-02-10", "2027-02-10", "2027-02-15"],
      ["visit-hospital-1", "2027-02-09", "2027-02-15"],
    ]);
    const session = impact.moved[0];
    expect(session?.kind).toBe("legal_aid_session");
    expect(session?.reasons).toEqual([
      { date: "2027-02-09", before: "workday", after: "holiday", reason: "became_holiday", name: expect.anything() },
    ]);
    expect(impact.moved[4]?.reasons.map((r) => r.date)).toEqual([
      "2027-02-09",
      "2027-02-10",
      "2027-02-11",
      "2027-02-12",
    ]);
    // The law day (the 18th, kept even on a holiday) never moves.
    expect(impact.moved.some((m) => m.kind === "law_day")).toBe(false);
    expect(impact.checked).toBe(items.length);
  });

  it("reports an item that cannot be dated and goes on with the rest", async () => {
    const before = createHolidayCalendar();
    const after = before.withPack(await pack2027());
    const bad: PlannedItem = {
      id: "bad",
      kind: "visit",
      from: "2027-13-01",
      dateOver: () => "2027-13-01",
    };
    const throwing: PlannedItem = {
      id: "throws",
      kind: "visit",
      from: "2027-10-05",
      dateOver: () => {
        throw new Error("boom");
      },
    };
    const good = plannedOnDate("ok", "visit", "2027-10-05", "next_working_day");
    const impact = holidayImpact(before, after, [bad, throwing, good]);
    expect(impact.rejected).toEqual([
      { index: 0, id: "bad", code: "INVALID_DATE" },
      { index: 1, id: "throws", code: "INVALID_INPUT" },
    ]);
    expect(impact.moved.map((m) => [m.id, m.newDate])).toEqual([["ok", "2027-10-08"]]);
  });

  it("moves nothing when the calendar does not change, for any planned date (property)", async () => {
    const cal = createHolidayCalendar();
    const same = cal.withPack(await pack2027());
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: 364 }), fc.constantFrom("skip", "next_working_day", "keep"), (n, rule) => {
        const date = new Date(Date.UTC(2027, 0, 1 + n)).toISOString().slice(0, 10);
        const item = plannedOnDate("x", "visit", date, rule as "skip");
        expect(holidayImpact(same, same, [item]).moved).toEqual([]);
        // And whatever moves, moves for a changed day between its plan and its dates.
        for (const m of holidayImpact(cal, same, [item]).moved) expect(m.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});
