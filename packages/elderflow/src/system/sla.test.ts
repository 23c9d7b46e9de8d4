import { manualClock } from "@elderflow/core";
import { createHolidayCalendar } from "@elderflow/schedule";
import { resolveSla, type SlaConfig, type WorkflowActor } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";
import { createElderflow } from "./elderflow";

const HOUR = 3_600_000;
const sh = (local: string) => Date.parse(`${local}+08:00`);
const calendar = createHolidayCalendar();

const sla: SlaConfig = {
  default: { acceptMinutes: { workingDays: 2 }, arriveMinutes: 60, finishMinutes: { workingHours: 4 } },
  byKind: { daily_goods: { acceptMinutes: { hours: 3 } } },
};

describe("SLA limits in working days of the Chinese calendar", () => {
  it("carries a two-working-day limit over the National Day week (2026-10-01..07)", () => {
    const at = sh("2026-09-30T10:00:00");
    const ms = resolveSla(sla, "plumbing", false, { at, calendar });
    expect(at + ms.acceptMs).toBe(sh("2026-10-09T10:00:00"));
    expect(ms.arriveMs).toBe(HOUR); // minutes stay elapsed time
    expect(at + ms.finishMs).toBe(sh("2026-09-30T14:00:00"));
    // Halved for a priority target, in its own unit: one working day, still over the holiday.
    expect(at + resolveSla(sla, "plumbing", true, { at, calendar }).acceptMs).toBe(sh("2026-10-08T10:00:00"));
    expect(resolveSla(sla, "daily_goods", false, { at, calendar }).acceptMs).toBe(3 * HOUR);
  });

  it("counts the 调休 Saturday 2026-10-10 as a working day (Monday to Friday would not)", () => {
    const at = sh("2026-10-09T10:00:00");
    const one: SlaConfig = { default: { acceptMinutes: { workingDays: 1 }, arriveMinutes: 60, finishMinutes: 60 } };
    expect(at + resolveSla(one, "plumbing", false, { at, calendar }).acceptMs).toBe(sh("2026-10-10T10:00:00"));
    expect(at + resolveSla(one, "plumbing", false, { at }).acceptMs).toBe(sh("2026-10-12T10:00:00"));
  });

  it("is resolved at triage by the wired system with the holiday calendar, and stored in ms", async () => {
    const clock = manualClock("2026-09-30T10:00:00+08:00");
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock,
      sla,
      directory: { servicePoints: [], volunteers: [] },
    });
    try {
      const staff: WorkflowActor = { id: "h-1", role: "hotline_staff", communityId: "c01" };
      await flow.workflows.start("serviceRequest", {
        id: "req-1",
        input: { communityId: "c01", personId: "p1", channel: "hotline" },
        actor: staff,
      });
      await flow.workflows.send("req-1", {
        id: "t1",
        type: "TRIAGE",
        actor: staff,
        payload: { serviceKind: "plumbing" },
      });
      const q = await flow.workflows.query("req-1", staff);
      expect(q.context.sla).toEqual({
        acceptMs: sh("2026-10-09T10:00:00") - sh("2026-09-30T10:00:00"),
        arriveMs: HOUR,
        finishMs: 4 * HOUR,
      });
    } finally {
      await flow.close();
    }
  });
});
