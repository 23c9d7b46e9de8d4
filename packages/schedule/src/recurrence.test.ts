import { isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { createRecurrence } from "./recurrence";

function errorOf(fn: () => unknown): { code: string; path: readonly (string | number)[] } {
  try {
    fn();
  } catch (e) {
    if (isElderflowError(e)) return { code: e.code, path: e.path };
    throw e;
  }
  throw new Error("expected an ElderflowError");
}

describe("recurrences in time zones", () => {
  it("keeps 09:00 at 09:00 across both DST changes in Europe/Berlin", () => {
    const r = createRecurrence({ start: "2027-01-04T09:00", rrule: "FREQ=WEEKLY;BYDAY=MO", zone: "Europe/Berlin" });
    const all = r.between("2027-03-20", "2027-11-10");
    expect(all.every((o) => o.time === "09:00")).toBe(true);
    expect(all.find((o) => o.date === "2027-03-22")?.start).toBe("2027-03-22T09:00:00+01:00");
    expect(all.find((o) => o.date === "2027-03-29")?.start).toBe("2027-03-29T09:00:00+02:00");
    expect(all.find((o) => o.date === "2027-11-01")?.start).toBe("2027-11-01T09:00:00+01:00");
  });

  it("moves a time inside the spring-forward gap by the gap (America/New_York, 02:30 -> 03:30)", () => {
    const r = createRecurrence({ start: "2027-01-01T02:30", rrule: "FREQ=DAILY", zone: "America/New_York" });
    expect(r.between("2027-03-13", "2027-03-15").map((o) => o.start)).toEqual([
      "2027-03-13T02:30:00-05:00",
      "2027-03-14T03:30:00-04:00",
      "2027-03-15T02:30:00-04:00",
    ]);
  });

  it("takes the first of two equal wall-clock times in an overlap (New York and Berlin)", () => {
    const ny = createRecurrence({ start: "2027-01-01T01:30", rrule: "FREQ=DAILY", zone: "America/New_York" });
    expect(ny.between("2027-11-07", "2027-11-07")[0]?.start).toBe("2027-11-07T01:30:00-04:00");
    const be = createRecurrence({ start: "2027-01-01T02:30", rrule: "FREQ=DAILY", zone: "Europe/Berlin" });
    expect(be.between("2027-10-31", "2027-10-31")[0]?.start).toBe("2027-10-31T02:30:00+02:00");
    const gap = createRecurrence({ start: "2027-01-01T02:30", rrule: "FREQ=DAILY", zone: "Europe/Berlin" });
    expect(gap.between("2027-03-28", "2027-03-28")[0]?.start).toBe("2027-03-28T03:30:00+02:00");
  });

  it("expands a window a century after the start to the same dates as from the start", () => {
    const spec = { start: "1950-01-18T09:00", rrule: "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=18" };
    const far = createRecurrence(spec).between("2049-01-01", "2051-12-31");
    expect(far.map((o) => o.date)).toEqual([
      "2049-03-18",
      "2049-08-18",
      "2050-01-18",
      "2050-06-18",
      "2050-11-18",
      "2051-04-18",
      "2051-09-18",
    ]);
  });

  it("honours COUNT and UNTIL", () => {
    expect(
      createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY;COUNT=3" }).between("2027-01-01", "2027-12-31"),
    ).toHaveLength(3);
    // UNTIL is a UTC instant: 06:00Z is 14:00 in Shanghai, so Jan 19 14:00 is the last occurrence.
    const until = createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY;UNTIL=20270119T060000Z" });
    expect(until.between("2027-01-01", "2027-12-31").map((o) => o.date)).toEqual([
      "2027-01-05",
      "2027-01-12",
      "2027-01-19",
    ]);
    const before = createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY;UNTIL=20270119T055900Z" });
    expect(before.between("2027-01-01", "2027-12-31")).toHaveLength(2);
    const dateOnly = createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY;UNTIL=20270119" });
    expect(dateOnly.between("2027-01-01", "2027-12-31")).toHaveLength(3);
  });

  it("rejects bad input with typed errors and paths", () => {
    expect(
      errorOf(() => createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY", zone: "Mars/Olympus" })),
    ).toEqual({
      code: "UNKNOWN_TIME_ZONE",
      path: ["zone"],
    });
    expect(errorOf(() => createRecurrence({ start: "1950-02-30T09:00", rrule: "FREQ=DAILY" }))).toEqual({
      code: "INVALID_DATE",
      path: ["start"],
    });
    expect(errorOf(() => createRecurrence({ start: "2027-01-05T25:00", rrule: "FREQ=DAILY" })).code).toBe(
      "INVALID_DATE",
    );
    for (const bad of ["FREQ=FOO", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;FOO=1", "", "BYDAY=MO"])
      expect(errorOf(() => createRecurrence({ start: "2027-01-05T14:00", rrule: bad }))).toEqual({
        code: "INVALID_RECURRENCE",
        path: ["rrule"],
      });
    const r = createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=DAILY" });
    expect(errorOf(() => r.between("2027-02-01", "2027-01-01"))).toEqual({ code: "DATE_ORDER", path: ["from"] });
    expect(errorOf(() => r.between("2027-13-01", "2027-12-01"))).toEqual({ code: "INVALID_DATE", path: ["from"] });
  });
});
