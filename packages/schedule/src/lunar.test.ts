import { isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { fromEpochDay, toEpochDay } from "./days";
import {
  fromLunar,
  LUNAR_RANGE,
  leapMonthOf,
  lunarCodeOfEpochDay,
  lunarMonthDays,
  lunarOccurrence,
  springFestival,
  toLunar,
  unpackLunar,
} from "./lunar";

function codeOf(fn: () => unknown): { code: string; path: readonly (string | number)[] } {
  try {
    fn();
  } catch (e) {
    if (isElderflowError(e)) return { code: e.code, path: e.path };
    throw e;
  }
  throw new Error("expected an ElderflowError");
}

describe("lunar calendar", () => {
  it("puts Spring Festival on the official dates where ICU's Chinese calendar is off (2027, 2030)", () => {
    expect(springFestival(2027)).toBe("2027-02-06");
    expect(springFestival(2030)).toBe("2030-02-03");
    expect(springFestival(2026)).toBe("2026-02-17");
  });

  it("knows the leap months (闰月), including the 2033 闰十一月", () => {
    expect(leapMonthOf(2023)).toBe(2);
    expect(leapMonthOf(2025)).toBe(6);
    expect(leapMonthOf(2027)).toBe(0);
    expect(leapMonthOf(2033)).toBe(11);
    expect(toLunar("2023-03-22")).toEqual({ year: 2023, month: 2, leap: true, day: 1 });
    expect(toLunar("2023-04-20")).toEqual({ year: 2023, month: 3, leap: false, day: 1 });
  });

  it("round-trips every day of a decade", () => {
    for (let y = 2020; y < 2030; y++)
      for (let m = 1; m <= 12; m++)
        for (let d = 1; d <= 28; d += 3) {
          const iso = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
          expect(fromLunar(toLunar(iso))).toBe(iso);
        }
  });

  it("applies SKIP to a missing day 30", () => {
    // 2030 正月 has 29 days.
    expect(lunarMonthDays(2030, 1)).toBe(29);
    const rule = { month: 1, leap: false, day: 30 };
    expect(lunarOccurrence(2030, rule, "BACKWARD")).toBe(fromLunar({ year: 2030, month: 1, leap: false, day: 29 }));
    expect(lunarOccurrence(2030, rule, "FORWARD")).toBe(fromLunar({ year: 2030, month: 2, leap: false, day: 1 }));
    expect(lunarOccurrence(2030, rule, "OMIT")).toBeNull();
  });

  it("applies SKIP to a leap month the year does not have", () => {
    const rule = { month: 2, leap: true, day: 10 };
    expect(lunarOccurrence(2023, rule, "OMIT")).toBe(fromLunar({ year: 2023, month: 2, leap: true, day: 10 }));
    expect(lunarOccurrence(2027, rule, "BACKWARD")).toBe(fromLunar({ year: 2027, month: 2, leap: false, day: 10 }));
    expect(lunarOccurrence(2027, rule, "FORWARD")).toBe(fromLunar({ year: 2027, month: 3, leap: false, day: 10 }));
    expect(lunarOccurrence(2027, rule, "OMIT")).toBeNull();
  });

  it("rejects impossible lunar dates with the path of the field at fault", () => {
    expect(codeOf(() => fromLunar({ year: 2027, month: 13, leap: false, day: 1 }))).toEqual({
      code: "INVALID_LUNAR_DATE",
      path: ["month"],
    });
    expect(codeOf(() => fromLunar({ year: 2027, month: 4, leap: true, day: 1 }))).toEqual({
      code: "INVALID_LUNAR_DATE",
      path: ["leap"],
    });
    expect(codeOf(() => fromLunar({ year: 2030, month: 1, leap: false, day: 30 }))).toEqual({
      code: "INVALID_LUNAR_DATE",
      path: ["day"],
    });
    expect(codeOf(() => toLunar("1950-02-30", ["birthDate"]))).toEqual({ code: "INVALID_DATE", path: ["birthDate"] });
    expect(codeOf(() => leapMonthOf(2300)).code).toBe("OUT_OF_RANGE");
  });

  it("reads the lunar date of every day of the table from the day index, and nothing outside it", () => {
    const first = toEpochDay(springFestival(LUNAR_RANGE.first));
    const end = toEpochDay(springFestival(LUNAR_RANGE.last)) + 400;
    expect(lunarCodeOfEpochDay(first - 1)).toBe(-1);
    let d = first;
    for (; lunarCodeOfEpochDay(d) >= 0; d++) {
      const lunar = unpackLunar(lunarCodeOfEpochDay(d));
      if (fromLunar(lunar) !== fromEpochDay(d)) expect(fromLunar(lunar)).toBe(fromEpochDay(d));
    }
    // The last day read is the eve of the lunar year after the table's last.
    expect(d).toBeLessThan(end);
    expect(unpackLunar(lunarCodeOfEpochDay(d - 1)).year).toBe(LUNAR_RANGE.last);
    expect(unpackLunar(lunarCodeOfEpochDay(first))).toEqual({ year: LUNAR_RANGE.first, month: 1, leap: false, day: 1 });
  });
});
