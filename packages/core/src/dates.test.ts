import { describe, expect, it } from "vitest";
import { addDays, ageOn, birthdayForAge, daysBetween, isIsoDate, isoDateAt, isoWeekday, parseIsoDate } from "./dates";
import { ElderflowError } from "./errors";

describe("isIsoDate", () => {
  it("accepts existing dates and rejects impossible ones", () => {
    expect(isIsoDate("1950-10-01")).toBe(true);
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("1950-02-30")).toBe(false);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("1900-02-29")).toBe(false);
    expect(isIsoDate("2000-02-29")).toBe(true);
    expect(isIsoDate("2026-13-01")).toBe(false);
    expect(isIsoDate("2026-1-01")).toBe(false);
    expect(isIsoDate("2026-01-01T00:00")).toBe(false);
  });

  it("throws INVALID_DATE with the path when parsing an impossible date", () => {
    try {
      parseIsoDate("1950-02-30", ["birthDate"]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ElderflowError);
      expect((e as ElderflowError).code).toBe("INVALID_DATE");
      expect((e as ElderflowError).path).toEqual(["birthDate"]);
    }
  });
});

describe("ageOn (周岁, completed years)", () => {
  it("counts a year only once the birthday is reached", () => {
    expect(ageOn("1952-07-01", "2027-06-30")).toBe(74);
    expect(ageOn("1952-07-01", "2027-07-01")).toBe(75);
    expect(ageOn("1952-07-01", "2027-07-02")).toBe(75);
    expect(ageOn("1952-12-31", "2027-01-01")).toBe(74);
  });

  it("is zero on the day of birth and refuses a date before it with FUTURE_DATE", () => {
    expect(ageOn("2026-11-26", "2026-11-26")).toBe(0);
    expect(() => ageOn("2026-11-26", "2026-11-25")).toThrow(expect.objectContaining({ code: "FUTURE_DATE" }));
  });

  it("lets a Feb 29 birth complete its year on Mar 1 in common years by default", () => {
    expect(ageOn("1948-02-29", "2027-02-28")).toBe(78);
    expect(ageOn("1948-02-29", "2027-03-01")).toBe(79);
    expect(ageOn("1948-02-29", "2028-02-28")).toBe(79);
    expect(ageOn("1948-02-29", "2028-02-29")).toBe(80);
  });

  it("moves a Feb 29 birthday to Feb 28 when configured", () => {
    expect(ageOn("1948-02-29", "2027-02-28", { leapDay: "feb28" })).toBe(79);
    expect(ageOn("1948-02-29", "2027-02-27", { leapDay: "feb28" })).toBe(78);
    expect(birthdayForAge("1948-02-29", 79, { leapDay: "feb28" })).toBe("2027-02-28");
  });

  it("agrees with birthdayForAge: the age changes exactly on that day", () => {
    for (const birth of ["1948-02-29", "1950-01-01", "1949-12-31", "1960-03-01"]) {
      for (let age = 60; age < 90; age++) {
        const day = birthdayForAge(birth, age);
        expect(ageOn(birth, day)).toBe(age);
        expect(ageOn(birth, addDays(day, -1))).toBe(age - 1);
      }
    }
  });
});

describe("calendar helpers", () => {
  it("refuses a day count that is not a safe integer with NOT_A_NUMBER", () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 60])
      expect(() => addDays("2026-01-01", n)).toThrow(expect.objectContaining({ code: "NOT_A_NUMBER", path: ["days"] }));
  });

  it("adds days across month and year ends", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2023-02-28", 1)).toBe("2023-03-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(daysBetween("2026-01-01", "2026-03-01")).toBe(59);
  });

  it("numbers weekdays from Monday", () => {
    expect(isoWeekday("2026-11-23")).toBe(1);
    expect(isoWeekday("2026-11-29")).toBe(7);
  });

  it("reads the calendar date of an instant in Asia/Shanghai", () => {
    expect(isoDateAt(Date.UTC(2026, 11, 31, 16, 0), "Asia/Shanghai")).toBe("2027-01-01");
    expect(isoDateAt(Date.UTC(2026, 11, 31, 15, 59), "Asia/Shanghai")).toBe("2026-12-31");
  });
});
