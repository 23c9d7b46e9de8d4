import { isElderflowError, manualClock } from "@elderflow/core";
import { createHolidayCalendar } from "@elderflow/schedule";
import type { WorkflowActor } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";
import { scheduleReceptions } from "./cases";
import { createElderflow, type StoreSpec } from "./elderflow";

const C1 = "d01-c001";
const mediator: WorkflowActor = { id: "med-1", role: "association", communityId: C1 };
const bureau: WorkflowActor = { id: "b-1", role: "bureau" };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    if (isElderflowError(e)) return e.code;
    throw e;
  }
}

describe("the reception check from the schedule", () => {
  it("keeps Tuesday afternoons but not in the National Day holiday, and the law day on the 18th", () => {
    const check = scheduleReceptions(createHolidayCalendar());
    expect(check("2026-09-29", "legal_aid")).toBe(true);
    expect(check("2026-10-06", "legal_aid")).toBe(false);
    expect(check("2026-09-30", "legal_aid")).toBe(false);
    expect(check("2026-10-18", "law_day")).toBe(true);
    expect(check("2026-10-19", "law_day")).toBe(false);
  });
});

describe.each<[string, StoreSpec]>([
  ["memory", { kind: "memory" }],
  ["PGlite", { kind: "pglite" }],
  ["PGlite partitioned by community", { kind: "pglite", partitionByCommunity: true }],
])("cases and deliveries through the wired system on %s", (_name, store) => {
  it("runs a mediation against the schedule, counts it, and erases deliveries with the person", async () => {
    const clock = manualClock("2026-10-08T09:00:00+08:00");
    const flow = await createElderflow({ store, clock, directory: { servicePoints: [], volunteers: [] } });
    try {
      await flow.workflows.start("case", {
        id: "case-1",
        input: {
          communityId: C1,
          kind: "mediation",
          category: "inheritance",
          parties: ["p1", "p2"],
          summary: "遗产纠纷",
        },
        actor: mediator,
      });
      clock.set(Date.parse("2026-10-20T16:00:00+08:00"));
      const send = (id: string, type: string, payload: Record<string, unknown>) =>
        flow.workflows.send("case-1", { id, type, actor: mediator, payload });
      // 6 October 2026 is a Tuesday in the National Day holiday: no reception that day.
      expect(await codeOf(send("s0", "SESSION", { on: "2026-10-06", reception: "legal_aid" }))).toBe(
        "NOT_RECEPTION_DAY",
      );
      await send("s1", "SESSION", { on: "2026-10-13", reception: "legal_aid" });
      await send("s2", "SESSION", { on: "2026-10-18", reception: "law_day" });
      await send("s3", "CLOSE", { outcome: "agreement" });
      const counts = await flow.caseCounts(2026, { id: "b-1", roles: ["bureau"] });
      expect(counts.byKind.mediation).toMatchObject({ opened: 1, open: 0, outcomes: { agreement: 1 } });
      expect(counts.byKind.mediation.sessions).toEqual({ legal_aid: 1, law_day: 1, other: 0 });
      expect((await flow.caseCounts(2025, { id: "b-1", roles: ["bureau"] })).byKind.mediation.opened).toBe(0);
      // Community staff count their own communities only.
      const here = { id: "cs-9", roles: ["community_staff" as const], communities: [C1] };
      const elsewhere = { id: "cs-8", roles: ["community_staff" as const], communities: ["d01-c002"] };
      expect((await flow.caseCounts(2026, here)).byKind.mediation.opened).toBe(1);
      expect((await flow.caseCounts(2026, elsewhere)).byKind.mediation.opened).toBe(0);
      expect(await codeOf(flow.caseCounts(2026, { id: "x", roles: [] }))).toBe("TOO_SMALL");

      const staff = { id: "cs-1", roles: ["community_staff" as const], communities: [C1] };
      await flow.deliveries.subscribe(
        [
          { personId: "p1", communityId: C1, title: "laoganbu_zhijia", year: 2026 },
          { personId: "p3", communityId: C1, title: "laoganbu_zhijia", year: 2026 },
        ],
        staff,
      );
      await flow.deliveries.planPeriodicalRound(
        { title: "laoganbu_zhijia", issue: "2026-11", due: "2026-11-10" },
        staff,
      );
      const erased = await flow.erasePerson("p1", { id: "b-1", roles: ["bureau"] });
      expect(erased.deliveries).toBe(2);
      expect(await flow.deliveries.completeness("2026-11", staff)).toEqual([
        { communityId: C1, due: 1, delivered: 0, missed: 0, outstanding: 1 },
      ]);
      // The case's summary went with the applicant.
      expect(JSON.stringify((await flow.workflows.query("case-1", bureau)).context)).not.toContain("遗产纠纷");
    } finally {
      await flow.close();
    }
  }, 120_000);
});
