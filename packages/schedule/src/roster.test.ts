import { ElderflowError, isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { fromLunar, toLunar } from "./lunar";
import { birthdayRoster, birthdayRosterReport, type RosterPerson } from "./roster";

const aPerson = (over: Partial<RosterPerson> & { id: string; birthDate: string }): RosterPerson => ({ ...over });
const year2027 = { from: "2027-01-01", to: "2027-12-31" } as const;

function errorOf(fn: () => unknown): { code: string; path: readonly (string | number)[] } {
  try {
    fn();
  } catch (e) {
    if (isElderflowError(e)) return { code: e.code, path: e.path };
    throw e;
  }
  throw new Error("expected an ElderflowError");
}

describe("birthday roster", () => {
  it("moves a Feb 29 birthday to Feb 28 by default, to Mar 1 with FORWARD, and drops it with OMIT", () => {
    const p = [aPerson({ id: "p1", birthDate: "1952-02-29" })];
    expect(birthdayRoster(p, year2027)).toEqual([
      { personId: "p1", date: "2027-02-28", age: 75, calendar: "gregorian" },
    ]);
    expect(birthdayRoster(p, { ...year2027, skip: { gregorian: "FORWARD" } })[0]?.date).toBe("2027-03-01");
    expect(birthdayRoster(p, { ...year2027, skip: { gregorian: "OMIT" } })).toEqual([]);
    expect(birthdayRoster(p, { from: "2028-01-01", to: "2028-12-31" })[0]?.date).toBe("2028-02-29");
  });

  it("moves a lunar day-30 birthday to day 29 in a 29-day month by default", () => {
    // 1947-11-12 is 九月三十 of lunar 1947; 九月 of 2027 has 29 days.
    expect(toLunar("1947-11-12")).toEqual({ year: 1947, month: 9, leap: false, day: 30 });
    const p = [aPerson({ id: "p1", birthDate: "1947-11-12", birthdayCalendar: "lunar" })];
    const back = fromLunar({ year: 2027, month: 9, leap: false, day: 29 });
    const fwd = fromLunar({ year: 2027, month: 10, leap: false, day: 1 });
    expect(birthdayRoster(p, year2027)).toEqual([{ personId: "p1", date: back, age: 80, calendar: "lunar" }]);
    expect(birthdayRoster(p, { ...year2027, skip: { lunar: "FORWARD" } })[0]?.date).toBe(fwd);
    expect(birthdayRoster(p, { ...year2027, skip: { lunar: "OMIT" } })).toEqual([]);
  });

  it("celebrates a leap-month (闰月) birthday in the regular month of the same number in other years", () => {
    const born = fromLunar({ year: 1947, month: 2, leap: true, day: 10 });
    const p = [aPerson({ id: "p1", birthDate: born, birthdayCalendar: "lunar" })];
    expect(birthdayRoster(p, year2027)).toEqual([
      { personId: "p1", date: fromLunar({ year: 2027, month: 2, leap: false, day: 10 }), age: 80, calendar: "lunar" },
    ]);
    expect(birthdayRoster(p, { ...year2027, skip: { lunar: "FORWARD" } })[0]?.date).toBe(
      fromLunar({ year: 2027, month: 3, leap: false, day: 10 }),
    );
    expect(birthdayRoster(p, { ...year2027, skip: { lunar: "OMIT" } })).toEqual([]);
    // 2023 has a 闰二月: the birthday is kept in the leap month itself.
    expect(birthdayRoster(p, { from: "2023-01-01", to: "2023-12-31" })[0]?.date).toBe(
      fromLunar({ year: 2023, month: 2, leap: true, day: 10 }),
    );
  });

  it("counts a lunar keeper's age in lunar years, which can differ from the Gregorian age that day", () => {
    // Born 1952-01-31 = 正月初五 of lunar 1952; 正月初五 2027 is Feb 10, his 75th lunar anniversary.
    const p = [aPerson({ id: "p1", birthDate: "1952-01-31", birthdayCalendar: "lunar" })];
    expect(birthdayRoster(p, year2027)).toEqual([{ personId: "p1", date: "2027-02-10", age: 75, calendar: "lunar" }]);
  });

  it("leaves out persons not active on the date and keeps them before their status changed", () => {
    const p = [
      aPerson({ id: "a", birthDate: "1947-03-02", status: "deceased", statusSince: "2027-03-01" }),
      aPerson({ id: "b", birthDate: "1947-03-02", status: "moved", statusSince: "2027-03-03" }),
      aPerson({ id: "c", birthDate: "1947-03-02", status: "active" }),
    ];
    expect(birthdayRoster(p, year2027).map((e) => e.personId)).toEqual(["b", "c"]);
  });

  it("passes person, age and date to the celebration predicate and keeps only what it accepts", () => {
    const seen: [string, number, string][] = [];
    const p = [aPerson({ id: "x", birthDate: "1947-06-01" }), aPerson({ id: "y", birthDate: "1950-06-01" })];
    const out = birthdayRoster(p, {
      ...year2027,
      isCelebration: (person, age, date) => {
        seen.push([person.id, age, date]);
        return age % 5 === 0;
      },
    });
    expect(seen).toEqual([
      ["x", 80, "2027-06-01"],
      ["y", 77, "2027-06-01"],
    ]);
    expect(out.map((e) => e.personId)).toEqual(["x"]);
  });

  it("sorts by date then personId and spans windows across years", () => {
    const p = [
      aPerson({ id: "z", birthDate: "1947-01-05" }),
      aPerson({ id: "a", birthDate: "1947-01-05" }),
      aPerson({ id: "m", birthDate: "1947-12-30" }),
    ];
    expect(birthdayRoster(p, { from: "2026-12-01", to: "2027-01-31" })).toEqual([
      { personId: "m", date: "2026-12-30", age: 79, calendar: "gregorian" },
      { personId: "a", date: "2027-01-05", age: 80, calendar: "gregorian" },
      { personId: "z", date: "2027-01-05", age: 80, calendar: "gregorian" },
    ]);
  });

  it("rejects impossible dates, bad SKIP values and reversed windows with typed errors", () => {
    expect(errorOf(() => birthdayRoster([aPerson({ id: "a", birthDate: "1950-02-30" })], year2027))).toEqual({
      code: "INVALID_DATE",
      path: ["persons", 0, "birthDate"],
    });
    expect(errorOf(() => birthdayRoster([], { from: "2027-02-01", to: "2027-01-01" }))).toEqual({
      code: "DATE_ORDER",
      path: ["from"],
    });
    expect(errorOf(() => birthdayRoster([], { ...year2027, skip: { lunar: "SIDEWAYS" as "OMIT" } }))).toEqual({
      code: "INVALID_ENUM",
      path: ["skip", "lunar"],
    });
    expect(
      errorOf(() => birthdayRoster([aPerson({ id: "a", birthDate: "1950-01-01", status: "moved" })], year2027)),
    ).toEqual({ code: "REQUIRED", path: ["persons", 0, "statusSince"] });
    const chinese = { id: "a", birthDate: "1950-01-01", birthdayCalendar: "chinese" } as unknown as RosterPerson;
    expect(errorOf(() => birthdayRoster([chinese], year2027))).toEqual({
      code: "INVALID_ENUM",
      path: ["persons", 0, "birthdayCalendar"],
    });
  });

  it("reports a future birth date per record and keeps everyone else on the roster, never a negative age", () => {
    const persons = [
      aPerson({ id: "p1", birthDate: "1947-03-02" }),
      aPerson({ id: "p2", birthDate: "2031-01-01" }),
      aPerson({ id: "p3", birthDate: "1950-02-30" }),
      aPerson({ id: "p4", birthDate: "1952-05-05", birthdayCalendar: "lunar" }),
    ];
    const r = birthdayRosterReport(persons, year2027);
    expect(r.entries.map((e) => e.personId)).toEqual(["p1", "p4"]);
    expect(r.entries.every((e) => e.age >= 0)).toBe(true);
    expect(r.rejected).toEqual([
      { index: 1, issue: { code: "FUTURE_DATE", path: ["persons", 1, "birthDate"], params: { limit: "2027-12-31" } } },
      { index: 2, issue: { code: "INVALID_DATE", path: ["persons", 2, "birthDate"], params: {} } },
    ]);
    // The throwing form names every bad record in one typed error.
    try {
      birthdayRoster(persons, year2027);
      expect.unreachable();
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      expect(e.code).toBe("FUTURE_DATE");
      expect(e.issues.map((i) => i.path)).toEqual([
        ["persons", 1, "birthDate"],
        ["persons", 2, "birthDate"],
      ]);
    }
  });

  it("turns a celebration predicate's typed error into that person's rejection, without its text params", () => {
    const persons = [aPerson({ id: "p1", birthDate: "1947-03-02" }), aPerson({ id: "p2", birthDate: "1952-07-01" })];
    const r = birthdayRosterReport(persons, {
      ...year2027,
      isCelebration: (p) => {
        if (p.id === "p2") throw new ElderflowError("UNKNOWN_RANK", { path: ["rank"], params: { rank: "林芳丽" } });
        return true;
      },
    });
    expect(r.entries.map((e) => e.personId)).toEqual(["p1"]);
    expect(r.rejected).toEqual([
      { index: 1, issue: { code: "UNKNOWN_RANK", path: ["persons", 1, "rank"], params: {} } },
    ]);
  });

  it("adds none of a person's celebrations when the predicate refuses a later one of them", () => {
    const persons = [aPerson({ id: "p1", birthDate: "1947-03-02" }), aPerson({ id: "p2", birthDate: "1952-07-01" })];
    const seen: string[] = [];
    const r = birthdayRosterReport(persons, {
      from: "2026-01-01",
      to: "2027-12-31",
      isCelebration: (p, _age, date) => {
        seen.push(`${p.id} ${date}`);
        if (p.id === "p2" && date === "2027-07-01") throw new ElderflowError("UNKNOWN_RANK", { path: ["rank"] });
        return true;
      },
    });
    expect(seen).toEqual(["p1 2026-03-02", "p1 2027-03-02", "p2 2026-07-01", "p2 2027-07-01"]);
    expect(r.entries.map((e) => `${e.personId} ${e.date}`)).toEqual(["p1 2026-03-02", "p1 2027-03-02"]);
    expect(r.rejected).toEqual([
      { index: 1, issue: { code: "UNKNOWN_RANK", path: ["persons", 1, "rank"], params: {} } },
    ]);
  });

  it("stops past maxOccurrences entries or days with TOO_MANY_OCCURRENCES", () => {
    const persons = Array.from({ length: 30 }, (_, i) => aPerson({ id: `p${i}`, birthDate: "1950-06-01" }));
    expect(birthdayRoster(persons, { ...year2027, maxOccurrences: 400 })).toHaveLength(30);
    expect(
      errorOf(() => birthdayRoster(persons, { from: "2027-06-01", to: "2027-06-01", maxOccurrences: 29 })).code,
    ).toBe("TOO_MANY_OCCURRENCES");
    expect(
      errorOf(() => birthdayRosterReport(persons, { from: "2027-01-01", to: "2027-01-31", maxOccurrences: 29 })).code,
    ).toBe("TOO_MANY_OCCURRENCES");
    expect(errorOf(() => birthdayRoster(persons, { from: "1900-01-01", to: "2199-12-31" })).code).toBe(
      "TOO_MANY_OCCURRENCES",
    );
  });
});
