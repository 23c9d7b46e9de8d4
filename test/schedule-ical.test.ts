import { fixedClock } from "@elderflow/core";
import {
  createHolidayCalendar,
  createYearlyRecurrence,
  expandSeries,
  HEALTH_CHECK_SERIES,
  LAW_DAY_SERIES,
  LEGAL_AID_SERIES,
  type OfficeSeries,
  STUDY_SERIES,
  toICalendar,
} from "@elderflow/schedule";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";

const clock = fixedClock("2026-11-26T09:00:00+08:00");

/** Parses a calendar with ical.js (the client) and expands every VEVENT to its start instants. */
function expandWithIcalJs(ics: string, until: string): number[] {
  const root = new ICAL.Component(ICAL.parse(ics));
  for (const tz of root.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(tz);
  const starts: number[] = [];
  const end = ICAL.Time.fromDateTimeString(`${until}T23:59:59`);
  for (const ve of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(ve);
    if (!event.isRecurring()) {
      starts.push(event.startDate.toJSDate().getTime());
      continue;
    }
    const it = event.iterator();
    for (let t = it.next(); t && t.compare(end) <= 0; t = it.next()) starts.push(t.toJSDate().getTime());
  }
  for (const tz of root.getAllSubcomponents("vtimezone"))
    ICAL.TimezoneService.remove(tz.getFirstPropertyValue("tzid") as string);
  return starts.sort((a, b) => a - b);
}

describe("iCalendar export, read back by ical.js", () => {
  const cal = createHolidayCalendar();

  for (const series of [LEGAL_AID_SERIES, LAW_DAY_SERIES, STUDY_SERIES, HEALTH_CHECK_SERIES]) {
    it(`expands ${series.id} to the same instants as Elderflow (RRULE + EXDATE/RDATE around holidays)`, () => {
      const from = "2025-12-01";
      const to = "2027-03-31";
      const x = expandSeries(series, from, to, cal);
      const ics = toICalendar({ series: [x] }, from, to, { clock });
      expect(ics).toContain("RRULE:");
      expect(expandWithIcalJs(ics, to)).toEqual(x.events.map((e) => Date.parse(e.start)));
    });
  }

  it("writes EXDATE for legal-aid Tuesdays that fall in the National Day holiday", () => {
    const x = expandSeries(LEGAL_AID_SERIES, "2026-09-01", "2026-10-31", cal);
    const ics = toICalendar({ series: [x] }, "2026-09-01", "2026-10-31", { clock });
    expect(x.skipped).toEqual(["2026-10-06"]);
    expect(ics).toContain("EXDATE;TZID=Asia/Shanghai:20261006T140000");
    expect(ics.endsWith("\r\n")).toBe(true);
    expect(ics.split("\r\n").every((l) => new TextEncoder().encode(l).length <= 75)).toBe(true);
  });

  it("writes RDATE for a session moved off a local holiday, and ical.js follows it", () => {
    const local = createHolidayCalendar({
      localDays: [{ date: "2026-01-14", working: false, name: { "zh-CN": "区庆", en: "District day" } }],
    });
    const x = expandSeries(STUDY_SERIES, "2026-01-01", "2026-03-31", local);
    expect(x.moved).toEqual([{ from: "2026-01-14", to: "2026-01-15" }]);
    const ics = toICalendar({ series: [x] }, "2026-01-01", "2026-03-31", { clock });
    expect(ics).toContain("EXDATE;TZID=Asia/Shanghai:20260114T090000");
    expect(ics).toContain("RDATE;TZID=Asia/Shanghai:20260115T090000");
    expect(expandWithIcalJs(ics, "2026-03-31")).toEqual(x.events.map((e) => Date.parse(e.start)));
  });

  it("keeps a DST zone's wall-clock time in the client (Europe/Berlin, VTIMEZONE from zone data)", () => {
    const berlin: OfficeSeries = {
      id: "berlin-weekly",
      summary: { "zh-CN": "柏林例会", en: "Berlin weekly" },
      recurrence: { start: "2027-01-04T09:00", rrule: "FREQ=WEEKLY;BYDAY=MO", zone: "Europe/Berlin" },
      durationMinutes: 60,
      onNonWorkingDay: "keep",
    };
    const x = expandSeries(berlin, "2027-03-01", "2027-11-30", cal);
    const ics = toICalendar({ series: [x] }, "2027-03-01", "2027-11-30", { clock, lang: "en" });
    const got = expandWithIcalJs(ics, "2027-11-30");
    expect(got).toEqual(x.events.map((e) => Date.parse(e.start)));
    expect(got.length).toBeGreaterThan(30);
  });

  it("writes lunar occurrences as single VEVENTs that ical.js reads back on the same dates", () => {
    // 闰二月初十 kept in other years in the regular 二月 (SKIP=BACKWARD): no plain RRULE expresses it.
    const r = createYearlyRecurrence({ calendar: "lunar", month: 2, leap: true, day: 10 });
    const occ = r.between("2020-01-01", "2035-12-31");
    const ics = toICalendar(
      { events: occ.map((o) => ({ uid: `lunar-${o.year}@test`, summary: "闰二月初十", date: o.date })) },
      "2020-01-01",
      "2035-12-31",
      { clock },
    );
    expect(ics).not.toContain("RRULE");
    const root = new ICAL.Component(ICAL.parse(ics));
    const dates = root
      .getAllSubcomponents("vevent")
      .map((v) => new ICAL.Event(v).startDate.toString())
      .sort();
    expect(dates).toEqual(occ.map((o) => o.date));
  });

  it("bounds an export by maxOccurrences: each series, the single events and the days of the window", () => {
    const x = expandSeries(LEGAL_AID_SERIES, "2027-01-01", "2027-12-31", cal);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return "ok";
    };
    expect(code(() => toICalendar({ series: [x] }, "2027-01-01", "2027-12-31", { clock, maxOccurrences: 365 }))).toBe(
      "ok",
    );
    // Fewer than the 52 Tuesdays of the year.
    expect(code(() => toICalendar({ series: [x] }, "2027-01-01", "2027-01-31", { clock, maxOccurrences: 3 }))).toBe(
      "TOO_MANY_OCCURRENCES",
    );
    // A window of more days than the limit, even with nothing in it.
    expect(code(() => toICalendar({}, "2000-01-01", "2399-12-31", { clock }))).toBe("TOO_MANY_OCCURRENCES");
    const events = Array.from({ length: 11 }, (_, i) => ({ uid: `e${i}`, summary: "x", date: "2027-01-05" }));
    expect(code(() => toICalendar({ events }, "2027-01-01", "2027-01-31", { clock, maxOccurrences: 10 }))).toBe(
      "TOO_MANY_OCCURRENCES",
    );
    expect(code(() => toICalendar({}, "2027-01-01", "2027-01-31", { clock, maxOccurrences: Number.NaN }))).toBe(
      "NOT_A_NUMBER",
    );
  });

  it("bounds a lunar series by maxOccurrences", () => {
    const r = createYearlyRecurrence({ calendar: "lunar", month: 1, day: 1 });
    expect(r.between("2027-01-01", "2036-12-31", { maxOccurrences: 10 })).toHaveLength(10);
    expect(() => r.between("2027-01-01", "2037-12-31", { maxOccurrences: 10 })).toThrow(/TOO_MANY_OCCURRENCES/);
  });
});
