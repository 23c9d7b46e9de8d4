/**
 * One definition of "annual": the health-check policy preset and the schedule's health-check status
 * read "once a year" alike (issue #15 item 3), for the seed's example and for random dates.
 */
import { type AnnualReading, addDays, annualWindow } from "@elderflow/core";
import { HEALTH_CHECK_WINDOW, healthCheckPolicy } from "@elderflow/policy";
import { healthCheckStatus } from "@elderflow/schedule";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const READINGS: readonly AnnualReading[] = ["calendar-year", "rolling-12-months"];
const day = fc.integer({ min: 0, max: 365 * 40 }).map((n) => addDays("2010-01-01", n));

function agree(last: string | undefined, on: string, reading: AnnualReading) {
  const granted = healthCheckPolicy({ reading }).decide(
    last === undefined ? { status: "active" } : { status: "active", lastCheckDate: last },
    on,
  ).granted;
  const [status] = healthCheckStatus([{ id: "p" }], last === undefined ? [] : [{ personId: "p", date: last }], on, {
    reading,
  });
  return { granted, status: status?.status, dueDate: status?.dueDate };
}

describe("policy and schedule read 'annual' alike", () => {
  it("after a check on 2026-12-20, both owe a new one on 2027-01-05 (calendar year, the default)", () => {
    expect(healthCheckPolicy().decide({ status: "active", lastCheckDate: "2026-12-20" }, "2027-01-05").granted).toBe(
      true,
    );
    const [s] = healthCheckStatus([{ id: "p" }], [{ personId: "p", date: "2026-12-20" }], "2027-01-05");
    expect(s).toMatchObject({ status: "due", dueDate: "2027-01-01" });
  });

  it("under rolling twelve months, both say nothing is owed until 2027-12-20", () => {
    expect(agree("2026-12-20", "2027-01-05", "rolling-12-months")).toEqual({
      granted: false,
      status: "done",
      dueDate: "2027-12-20",
    });
    expect(agree("2026-12-20", "2027-12-20", "rolling-12-months")).toMatchObject({ granted: true, status: "due" });
  });

  it("grant exactly when the schedule does not say done, and from the schedule's due date on (property)", () => {
    fc.assert(
      fc.property(
        fc.option(day, { nil: undefined }),
        fc.integer({ min: 0, max: 1500 }),
        fc.constantFrom(...READINGS),
        (last, gap, reading) => {
          const on = last === undefined ? addDays("2010-01-01", gap * 7) : addDays(last, gap);
          const r = agree(last, on, reading);
          expect(r.granted).toBe(r.status !== "done");
          // The day before the due date the policy still refuses; on it, it grants.
          if (last !== undefined && r.dueDate !== undefined && r.dueDate > last) {
            expect(agree(last, r.dueDate, reading).granted).toBe(true);
            const before = addDays(r.dueDate, -1);
            if (before >= last) expect(agree(last, before, reading).granted).toBe(false);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("bounds its window with as-of parts that mean core's annualWindow (property)", () => {
    const policy = healthCheckPolicy({ reading: "rolling-12-months" });
    fc.assert(
      fc.property(day, fc.constantFrom(...READINGS), (on, reading) => {
        const w = annualWindow(on, reading);
        const [from] = HEALTH_CHECK_WINDOW[reading];
        // A check on the window's first day counts; the day before does not.
        const p = reading === "rolling-12-months" ? policy : healthCheckPolicy();
        expect(p.decide({ status: "active", lastCheckDate: w.start }, on).granted).toBe(false);
        expect(p.decide({ status: "active", lastCheckDate: addDays(w.start, -1) }, on).granted).toBe(true);
        expect(from === "yearStart" || from === "rollingYearStart").toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
