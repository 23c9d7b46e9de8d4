import { createHolidayCalendar } from "@elderflow/schedule";
import { deadlineOf, type WorkingCalendar } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";

const sh = (local: string) => Date.parse(`${local}+08:00`);
// The calendar createElderflow hands the escalation workflow, checked against the interface.
const calendar: WorkingCalendar = createHolidayCalendar();

describe("working days from the holiday data", () => {
  it("carries a 2-working-day limit over the 2026 National Day holiday", () => {
    expect(deadlineOf(sh("2026-09-30T10:00:00"), { workingDays: 2 }, calendar)).toBe(sh("2026-10-09T10:00:00"));
    // From the Thursday before (09-24): Mid-Autumn Friday 09-25 and the weekend are skipped.
    expect(deadlineOf(sh("2026-09-24T10:00:00"), { workingDays: 2 }, calendar)).toBe(sh("2026-09-29T10:00:00"));
  });

  it("counts the 调休 working Sunday 2026-09-20 and Saturday 2026-10-10", () => {
    expect(deadlineOf(sh("2026-09-19T10:00:00"), { workingDays: 1 }, calendar)).toBe(sh("2026-09-21T00:00:00"));
    expect(deadlineOf(sh("2026-10-09T10:00:00"), { workingDays: 1 }, calendar)).toBe(sh("2026-10-10T10:00:00"));
  });
});
