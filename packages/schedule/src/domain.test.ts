import { describe, expect, it } from "vitest";
import {
  expandSeries,
  HEALTH_CHECK_SERIES,
  healthCheckStatus,
  holidayVisitList,
  LAW_DAY_SERIES,
  LEGAL_AID_SERIES,
  studyPlan,
  visitOccasions,
} from "./domain";
import { createHolidayCalendar } from "./holidays";

const cal = createHolidayCalendar();

describe("holiday visits (rule 3)", () => {
  it("visits at Spring Festival (lunar new year) and on July 1", () => {
    expect(visitOccasions(2027).map((o) => [o.occasion, o.date])).toEqual([
      ["spring_festival", "2027-02-06"],
      ["july_1", "2027-07-01"],
    ]);
  });

  it("adds a visit in round anniversary years, or marks July 1 when the anniversary is July 1", () => {
    expect(visitOccasions(2029).map((o) => [o.occasion, o.date, o.anniversary])).toEqual([
      ["spring_festival", "2029-02-13", undefined],
      ["july_1", "2029-07-01", undefined],
      ["prc_founding", "2029-10-01", 80],
    ]);
    expect(visitOccasions(2031).find((o) => o.occasion === "july_1")?.anniversary).toBe(110);
    expect(
      visitOccasions(2030, [{ id: "x", name: { "zh-CN": "x", en: "x" }, month: 5, day: 4, since: 1920, every: 5 }]),
    ).toHaveLength(3);
  });

  it("lists every active person for every occasion, sorted by date then id", () => {
    const persons = [{ id: "b" }, { id: "a" }, { id: "gone", status: "deceased" as const, statusSince: "2027-03-01" }];
    expect(holidayVisitList(persons, { year: 2027 }).map((v) => `${v.date} ${v.personId}`)).toEqual([
      "2027-02-06 a",
      "2027-02-06 b",
      "2027-02-06 gone",
      "2027-07-01 a",
      "2027-07-01 b",
    ]);
  });
});

describe("health checks (rule 4)", () => {
  it("marks done, due and overdue by calendar years (core's one definition of annual)", () => {
    const r = healthCheckStatus(
      [{ id: "never" }, { id: "old" }, { id: "recent" }, { id: "done" }, { id: "missed" }],
      [
        { personId: "old", date: "2026-03-10" },
        { personId: "recent", date: "2026-12-20" },
        { personId: "done", date: "2027-02-01" },
        { personId: "done", date: "2028-01-01" },
        { personId: "missed", date: "2025-06-01" },
      ],
      "2027-04-01",
    );
    expect(r.map((x) => [x.personId, x.status, x.dueDate, x.lastCheck])).toEqual([
      ["missed", "overdue", "2026-01-01", "2025-06-01"],
      ["never", "due", "2027-01-01", null],
      ["old", "due", "2027-01-01", "2026-03-10"],
      ["recent", "due", "2027-01-01", "2026-12-20"],
      ["done", "done", "2028-01-01", "2027-02-01"],
    ]);
  });

  it("reads rolling twelve months when asked to (Feb 29 -> Feb 28)", () => {
    const r = healthCheckStatus(
      [{ id: "a" }, { id: "b" }],
      [
        { personId: "a", date: "2026-12-20" },
        { personId: "b", date: "2024-02-29" },
      ],
      "2027-01-05",
      { reading: "rolling-12-months" },
    );
    expect(r.map((x) => [x.personId, x.status, x.dueDate, x.overdueFrom])).toEqual([
      ["b", "overdue", "2025-02-28", "2026-02-28"],
      ["a", "done", "2027-12-20", "2028-12-20"],
    ]);
  });

  it("names every record with a bad date in one error", () => {
    let issues: unknown[] = [];
    try {
      healthCheckStatus(
        [{ id: "a" }],
        [
          { personId: "a", date: "2027-02-30" },
          { personId: "a", date: "2027-01-01" },
          { personId: "a", date: 20270101 as unknown as string },
        ],
        "2027-04-01",
      );
    } catch (error) {
      issues = (error as { issues: { path: unknown[] }[] }).issues.map((i) => i.path);
    }
    expect(issues).toEqual([
      ["records", 0, "date"],
      ["records", 2, "date"],
    ]);
  });

  it("rejects a record with an impossible date", () => {
    expect(() => healthCheckStatus([{ id: "a" }], [{ personId: "a", date: "2027-02-30" }], "2027-04-01")).toThrow();
  });
});

describe("office series (rules 4, 6, 15)", () => {
  it("holds legal aid every Tuesday afternoon and skips holidays", () => {
    const x = expandSeries(LEGAL_AID_SERIES, "2026-09-28", "2026-10-11", cal);
    expect(x.events.map((e) => [e.start, e.end])).toEqual([["2026-09-29T14:00:00+08:00", "2026-09-29T17:30:00+08:00"]]);
    expect(x.skipped).toEqual(["2026-10-06"]);
  });

  it("keeps law day on the 18th even on a holiday or weekend", () => {
    const x = expandSeries(LAW_DAY_SERIES, "2026-01-01", "2026-12-31", cal);
    expect(x.events.map((e) => e.date)).toEqual(
      ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"].map((m) => `2026-${m}-18`),
    );
    expect(x.warnings).toEqual([]);
  });

  it("flags provisional years", () => {
    const x = expandSeries(HEALTH_CHECK_SERIES, "2027-01-01", "2027-12-31", cal);
    expect(x.events.map((e) => e.date)).toEqual(["2027-04-13"]);
    expect(x.warnings.map((w) => w.code)).toEqual(["HOLIDAYS_PROVISIONAL"]);
  });

  it("lists 送学上门 deliveries for active persons who cannot come", () => {
    const persons = [
      { id: "p2", health: { mobilityLimited: true } },
      { id: "p1", health: { mobilityLimited: true } },
      { id: "p3" },
      { id: "p4", health: { mobilityLimited: true }, status: "moved" as const, statusSince: "2026-03-20" },
    ];
    const plan = studyPlan(persons, { from: "2026-03-01", to: "2026-04-30", calendar: cal });
    expect(plan.sessions.map((s) => [s.date, s.deliveries])).toEqual([
      ["2026-03-11", ["p1", "p2", "p4"]],
      ["2026-04-08", ["p1", "p2"]],
    ]);
  });
});
