import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, compareIsoDates } from "./dates";
import { annualStanding, annualWindow, DEFAULT_ANNUAL_READING, nextAnnualDue } from "./periods";

const day = fc.integer({ min: 0, max: 365 * 60 }).map((n) => addDays("1990-01-01", n));

describe("one definition of annual", () => {
  it("defaults to calendar years, as the seed's 每年一次 reads", () => {
    expect(DEFAULT_ANNUAL_READING).toBe("calendar-year");
  });

  it("owes a new check from 1 January after a check on 2026-12-20 (calendar), or from 2027-12-20 (rolling)", () => {
    expect(annualStanding("2026-12-20", "2027-01-05")).toEqual({
      status: "due",
      dueDate: "2027-01-01",
      overdueFrom: "2028-01-01",
    });
    expect(annualStanding("2026-12-20", "2027-01-05", "rolling-12-months")).toEqual({
      status: "done",
      dueDate: "2027-12-20",
      overdueFrom: "2028-12-20",
    });
  });

  it("marks overdue only when a whole period in which the check was owed has ended", () => {
    expect(annualStanding("2025-06-01", "2026-12-31").status).toBe("due");
    expect(annualStanding("2025-06-01", "2027-01-01").status).toBe("overdue");
    expect(annualStanding("2025-06-01", "2027-05-31", "rolling-12-months").status).toBe("due");
    expect(annualStanding("2025-06-01", "2027-06-01", "rolling-12-months").status).toBe("overdue");
  });

  it("counts someone never checked as due from the start of the period, never as overdue", () => {
    expect(annualStanding(null, "2027-04-01")).toEqual({
      status: "due",
      dueDate: "2027-01-01",
      overdueFrom: "2028-01-01",
    });
    expect(annualStanding(null, "2027-04-01", "rolling-12-months").status).toBe("due");
  });

  it("owes a check on Feb 29 again on Feb 28 of the next year, and the rolling window agrees", () => {
    expect(nextAnnualDue("2028-02-29", "rolling-12-months")).toBe("2029-02-28");
    expect(annualWindow("2029-02-28", "rolling-12-months")).toEqual({ start: "2028-03-01", end: "2029-02-28" });
    expect(annualWindow("2028-02-29", "rolling-12-months")).toEqual({ start: "2027-03-01", end: "2028-02-29" });
    expect(annualWindow("2027-01-05")).toEqual({ start: "2027-01-01", end: "2027-12-31" });
  });

  it("refuses a last check after the day asked about, an unknown reading and impossible dates", () => {
    expect(() => annualStanding("2027-02-01", "2027-01-05")).toThrow(expect.objectContaining({ code: "DATE_ORDER" }));
    expect(() => annualStanding(null, "2027-01-05", "yearly" as never)).toThrow(
      expect.objectContaining({ code: "INVALID_ENUM" }),
    );
    expect(() => nextAnnualDue("2027-02-30")).toThrow(expect.objectContaining({ code: "INVALID_DATE" }));
    expect(() => annualWindow("9999-12-31", "rolling-12-months")).not.toThrow();
    expect(() => nextAnnualDue("9999-06-01")).toThrow(expect.objectContaining({ code: "INVALID_DATE" }));
  });

  it("puts a check in the current window exactly when no new one is owed (property, both readings)", () => {
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 1200 }),
        fc.constantFrom("calendar-year", "rolling-12-months" as const),
        (last, gap, reading) => {
          const on = addDays(last, gap);
          const w = annualWindow(on, reading);
          const inWindow = compareIsoDates(w.start, last) <= 0 && compareIsoDates(last, w.end) <= 0;
          expect(inWindow).toBe(annualStanding(last, on, reading).status === "done");
          expect(inWindow).toBe(compareIsoDates(on, nextAnnualDue(last, reading)) < 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never lets a rolling interval exceed a year, and never waits less than 365 days (property)", () => {
    fc.assert(
      fc.property(day, (last) => {
        const next = nextAnnualDue(last, "rolling-12-months");
        const gap = (Date.parse(next) - Date.parse(last)) / 86_400_000;
        expect(gap === 365 || gap === 366).toBe(true);
        expect(compareIsoDates(next, addDays(last, 366)) <= 0).toBe(true);
      }),
    );
  });
});
