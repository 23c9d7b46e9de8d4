import { isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { chineseDaysProvider, createHolidayCalendar, type HolidayProvider } from "./holidays";

describe("holiday calendar", () => {
  const cal = createHolidayCalendar();

  it("knows the published statutory holidays and the 调休 weekends worked", () => {
    expect(cal.day("2026-10-01")).toMatchObject({ working: false, kind: "holiday", source: "official" });
    expect(cal.day("2026-10-01").name?.["zh-CN"]).toBe("国庆节");
    // Saturday 2026-02-14 is worked in exchange for the long Spring Festival holiday.
    expect(cal.day("2026-02-14")).toMatchObject({ working: true, kind: "shifted_workday", source: "official" });
    expect(cal.day("2026-11-28")).toMatchObject({ working: false, kind: "weekend" });
    expect(cal.day("2026-11-26")).toMatchObject({ working: true, kind: "workday" });
  });

  it("covers the years the chinese-days package publishes (2004 to 2026 in this version)", () => {
    expect(chineseDaysProvider.isPublished(2004)).toBe(true);
    expect(chineseDaysProvider.isPublished(2026)).toBe(true);
    expect(chineseDaysProvider.isPublished(2027)).toBe(false);
    expect(chineseDaysProvider.isPublished(2003)).toBe(false);
  });

  it("finds the next and previous working day around the National Day holiday", () => {
    expect(cal.nextWorkingDay("2026-10-01")).toBe("2026-10-08");
    expect(cal.nextWorkingDay("2026-09-30")).toBe("2026-09-30");
    expect(cal.nextWorkingDay("2026-09-30", { includeSelf: false })).toBe("2026-10-08");
    expect(cal.previousWorkingDay("2026-10-05")).toBe("2026-09-30");
    expect(cal.adjust("2026-10-06", "skip")).toBeNull();
    expect(cal.adjust("2026-10-06", "keep")).toBe("2026-10-06");
    expect(cal.adjust("2026-10-06", "next_working_day")).toBe("2026-10-08");
  });

  it("lets a bureau add local days that override the national calendar", () => {
    const local = createHolidayCalendar({
      localDays: [
        { date: "2026-11-26", working: false, name: { "zh-CN": "区庆", en: "District day" } },
        { date: "2026-11-28", working: true, name: { "zh-CN": "补班", en: "Make-up day" } },
      ],
    });
    expect(local.day("2026-11-26")).toMatchObject({ working: false, kind: "holiday", source: "local" });
    expect(local.day("2026-11-28")).toMatchObject({ working: true, kind: "shifted_workday", source: "local" });
    expect(local.nextWorkingDay("2026-11-26")).toBe("2026-11-27");
  });

  it("answers an unpublished year provisionally and says so with HOLIDAYS_PROVISIONAL", () => {
    const w = cal.warnings("2026-06-01", "2028-01-31");
    expect(w.map((x) => [x.code, x.params.year])).toEqual([
      ["HOLIDAYS_PROVISIONAL", 2027],
      ["HOLIDAYS_PROVISIONAL", 2028],
    ]);
    expect(w[0]?.message["zh-CN"]).toContain("2027");
    expect(cal.warnings("2026-01-01", "2026-12-31")).toEqual([]);
    // Spring Festival 2027 is Feb 6: eve and the first three days are provisional holidays.
    for (const d of ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"])
      expect(cal.day(d)).toMatchObject({ working: false, kind: "holiday", source: "provisional" });
    expect(cal.day("2027-02-09")).toMatchObject({ working: true, source: "provisional" });
    expect(cal.day("2027-10-01").name?.en).toBe("National Day");
    expect(cal.day("2027-04-05").name?.en).toBe("Tomb-sweeping Day");
  });

  it("takes another official source through the provider interface", () => {
    const provider: HolidayProvider = {
      isPublished: (y) => y === 2030,
      officialDay: (d) => (d === "2030-01-02" ? { working: false, name: { "zh-CN": "测试", en: "Test" } } : undefined),
    };
    const c = createHolidayCalendar({ provider });
    expect(c.day("2030-01-02")).toMatchObject({ working: false, source: "official" });
    expect(c.warnings("2030-01-01", "2030-12-31")).toEqual([]);
  });

  it("rejects impossible dates with a path", () => {
    try {
      cal.day("2027-02-30");
      expect.unreachable();
    } catch (e) {
      expect(isElderflowError(e) && [e.code, e.path]).toEqual(["INVALID_DATE", ["date"]]);
    }
  });
});
