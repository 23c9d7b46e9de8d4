import { isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { fromLunar } from "./lunar";
import { createYearlyRecurrence } from "./yearly";

function errorOf(fn: () => unknown): { code: string; path: readonly (string | number)[] } {
  try {
    fn();
  } catch (e) {
    if (isElderflowError(e)) return { code: e.code, path: e.path };
    throw e;
  }
  throw new Error("expected an ElderflowError");
}

describe("yearly recurrences in both calendars", () => {
  it("recurs on Feb 29 with SKIP in common years", () => {
    const dates = (skip: "OMIT" | "BACKWARD" | "FORWARD") =>
      createYearlyRecurrence({ calendar: "gregorian", month: 2, day: 29, skip })
        .between("2027-01-01", "2028-12-31")
        .map((o) => o.date);
    expect(dates("BACKWARD")).toEqual(["2027-02-28", "2028-02-29"]);
    expect(dates("FORWARD")).toEqual(["2027-03-01", "2028-02-29"]);
    expect(dates("OMIT")).toEqual(["2028-02-29"]);
  });

  it("recurs on Spring Festival (正月初一) every lunar year", () => {
    const r = createYearlyRecurrence({ calendar: "lunar", month: 1, day: 1 });
    expect(r.between("2026-01-01", "2030-12-31").map((o) => [o.date, o.year])).toEqual([
      ["2026-02-17", 2026],
      ["2027-02-06", 2027],
      ["2028-01-26", 2028],
      ["2029-02-13", 2029],
      ["2030-02-03", 2030],
    ]);
  });

  it("moves a day-30 occurrence forward into the next month, even across the lunar new year", () => {
    // 腊月三十 (除夕 in years whose 12th month has 30 days) with SKIP=FORWARD.
    const r = createYearlyRecurrence({ calendar: "lunar", month: 12, day: 30, skip: "FORWARD" });
    for (const o of r.between("2020-01-01", "2035-12-31")) {
      const exact = (() => {
        try {
          return fromLunar({ year: o.year, month: 12, leap: false, day: 30 });
        } catch {
          return fromLunar({ year: o.year + 1, month: 1, leap: false, day: 1 });
        }
      })();
      expect(o.date).toBe(exact);
    }
  });

  it("rejects month 13, lunar day 31, Feb 30 and unknown SKIP values with their paths", () => {
    expect(errorOf(() => createYearlyRecurrence({ calendar: "lunar", month: 13, day: 1 }))).toEqual({
      code: "INVALID_LUNAR_DATE",
      path: ["month"],
    });
    expect(errorOf(() => createYearlyRecurrence({ calendar: "lunar", month: 1, day: 31 }))).toEqual({
      code: "INVALID_LUNAR_DATE",
      path: ["day"],
    });
    expect(errorOf(() => createYearlyRecurrence({ calendar: "gregorian", month: 2, day: 30 }))).toEqual({
      code: "INVALID_DATE",
      path: ["day"],
    });
    expect(errorOf(() => createYearlyRecurrence({ calendar: "gregorian", month: 2, day: 1, leap: true }))).toEqual({
      code: "INVALID_DATE",
      path: ["leap"],
    });
    expect(
      errorOf(() => createYearlyRecurrence({ calendar: "lunar", month: 1, day: 1, skip: "LATER" as "OMIT" })),
    ).toEqual({ code: "INVALID_ENUM", path: ["skip"] });
  });
});
