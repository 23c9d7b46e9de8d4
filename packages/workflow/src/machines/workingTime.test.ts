import { manualClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../engine";
import { anActor, testWorkflows } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import { escalationWorkflow } from "./escalation";
import { builtInWorkflows } from "./index";
import { deadlineOf, localTimeAt, MONDAY_TO_FRIDAY, type WorkingCalendar } from "./workingTime";

// The State Council's 2026 schedule around Mid-Autumn and National Day (as in @elderflow/schedule):
// Sunday 09-20 worked (调休), Friday 09-25 Mid-Autumn, 10-01..10-07 National Day, Saturday 10-10 worked.
const OFF = new Set(["2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"]);
const WORKED = new Set(["2026-09-20", "2026-10-10"]);
const cal2026: WorkingCalendar = {
  isWorkingDay: (d) => WORKED.has(d) || (!OFF.has(d) && MONDAY_TO_FRIDAY.isWorkingDay(d)),
};
const sh = (local: string) => Date.parse(`${local}+08:00`);

describe("working-time limits", () => {
  it("counts elapsed hours on every day, holiday or not", () => {
    expect(deadlineOf(sh("2026-09-30T10:00:00"), { hours: 48 }, cal2026)).toBe(sh("2026-10-02T10:00:00"));
  });

  it("carries a 2-working-day limit from the last day before National Day to after it", () => {
    expect(deadlineOf(sh("2026-09-30T10:00:00"), { workingDays: 2 }, cal2026)).toBe(sh("2026-10-09T10:00:00"));
    // Started on the Thursday before (09-24), it skips Mid-Autumn Friday and the weekend.
    expect(deadlineOf(sh("2026-09-24T10:00:00"), { workingDays: 2 }, cal2026)).toBe(sh("2026-09-29T10:00:00"));
    // Over Monday to Friday only, the same start would end in the holiday.
    expect(deadlineOf(sh("2026-09-30T10:00:00"), { workingDays: 2 }, MONDAY_TO_FRIDAY)).toBe(sh("2026-10-02T10:00:00"));
  });

  it("counts a 调休 working Sunday and Saturday as working days", () => {
    // From Saturday 09-19: Sunday 09-20 is worked, so one working day ends at its close.
    expect(deadlineOf(sh("2026-09-19T10:00:00"), { workingDays: 1 }, cal2026)).toBe(sh("2026-09-21T00:00:00"));
    expect(deadlineOf(sh("2026-09-19T10:00:00"), { workingDays: 1 }, MONDAY_TO_FRIDAY)).toBe(sh("2026-09-22T00:00:00"));
    expect(deadlineOf(sh("2026-10-09T10:00:00"), { workingHours: 24 }, cal2026)).toBe(sh("2026-10-10T10:00:00"));
  });

  it("reads the local time of day in Asia/Shanghai", () => {
    expect(localTimeAt(sh("2026-10-01T03:00:00"))).toBe("03:00");
    expect(localTimeAt(Date.UTC(2026, 9, 1, 16))).toBe("00:00");
  });

  it("never ends before the limit's length, and working time only grows over days off", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: sh("2026-01-01T00:00:00"), max: sh("2026-12-31T00:00:00") }),
        fc.integer({ min: 1, max: 24 * 20 }),
        (start, hours) => {
          const elapsed = deadlineOf(start, { hours }, cal2026);
          const weekdays = deadlineOf(start, { workingHours: hours }, MONDAY_TO_FRIDAY);
          const working = deadlineOf(start, { workingHours: hours }, cal2026);
          expect(elapsed).toBe(start + hours * 3_600_000);
          expect(weekdays).toBeGreaterThanOrEqual(elapsed);
          expect(working).toBeGreaterThanOrEqual(elapsed);
          // Twice the working hours never ends sooner (monotone in the amount).
          expect(deadlineOf(start, { workingHours: 2 * hours }, cal2026)).toBeGreaterThan(working);
        },
      ),
    );
  });

  it("stops with OUT_OF_RANGE on a calendar without working days", () => {
    expect(() => deadlineOf(0, { workingDays: 1 }, { isWorkingDay: () => false })).toThrowError(
      expect.objectContaining({ code: "OUT_OF_RANGE" }),
    );
  });
});

describe("escalation limits in working days", () => {
  const cadre = anActor("cadre", "p1");
  const base = testWorkflows();
  const machines = builtInWorkflows({
    serviceRequest: { servicePoints: { nearest: () => [] } },
    pairing: { certification: () => true },
    escalation: {
      limits: { association: { workingDays: 2 }, community: { workingDays: 1 }, department: { hours: 24 } },
      calendar: cal2026,
    },
  });

  it("hands up after two working days across the National Day holiday, then counts the worked Saturday", async () => {
    const clock = manualClock("2026-09-30T10:00:00+08:00");
    const engine = createWorkflowEngine({ machines, store: memoryStore(), clock });
    const staff = anActor("community_staff", "cs1");
    await engine.start("escalation", {
      id: "x",
      input: { communityId: "c01", personId: "p1", category: "housing" },
      actor: cadre,
    });
    expect((await engine.timers("x", staff)).map((t) => t.fireAt)).toEqual([sh("2026-10-09T10:00:00")]);
    clock.set(sh("2026-10-09T09:59:00"));
    await engine.runDueTimers();
    expect((await engine.query("x", staff)).state).toBe("association");
    clock.set(sh("2026-10-09T10:00:00"));
    await engine.runDueTimers();
    expect((await engine.query("x", staff)).state).toBe("community.working");
    // One working day from Friday 10:00 ends on the 调休 Saturday 10-10, not on Monday.
    expect((await engine.timers("x", staff)).map((t) => t.fireAt)).toEqual([sh("2026-10-10T10:00:00")]);
  });

  it("keeps elapsed-hour limits by default", async () => {
    const clock = manualClock("2026-09-30T10:00:00+08:00");
    const engine = createWorkflowEngine({ machines: base, store: memoryStore(), clock });
    await engine.start("escalation", {
      id: "y",
      input: { communityId: "c01", personId: "p1", category: "housing" },
      actor: cadre,
    });
    const timers = await engine.timers("y", anActor("community_staff", "cs1"));
    expect(timers.map((t) => t.fireAt)).toEqual([sh("2026-10-03T10:00:00")]);
  });
});

describe("escalation version 2", () => {
  it("migrates version-1 limits in ms to elapsed-hour limits", () => {
    const migrate = escalationWorkflow().migrations?.[0]?.migrate;
    const v1 = { status: "active", value: "association", context: { limits: { association: 48 * 3_600_000 } } };
    const v2 = migrate?.(v1 as never) as unknown as { context: { limits: unknown } };
    expect(v2.context.limits).toEqual({
      association: { hours: 48 },
      community: { hours: 168 },
      department: { hours: 504 },
    });
  });
});
