import { type ActorInput, manualClock } from "@elderflow/core";
import { createHolidayCalendar } from "@elderflow/schedule";
import type { WorkflowActor } from "@elderflow/workflow";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import "../../../../test/support/fast-check";
import { createElderflow, type Elderflow, type StoreSpec } from "./elderflow";
import { escalationTask, healthCheckDay, holidayVisitTasks } from "./plans";

const bureau: ActorInput = { id: "b-1", roles: ["bureau"] };
const staffC01: ActorInput = { id: "cs-1", roles: ["community_staff"], communities: ["c01"] };
const HOUR = 3_600_000;

let open: Elderflow[] = [];
afterEach(async () => {
  for (const f of open) await f.close();
  open = [];
});

async function aFlow(start = "2027-01-10T09:00:00+08:00", store: StoreSpec = { kind: "memory" }) {
  const clock = manualClock(start);
  const flow = await createElderflow({
    store,
    clock,
    directory: { servicePoints: [], volunteers: [] },
    escalation: { limits: { association: { hours: 24 }, community: { hours: 48 }, department: { workingDays: 2 } } },
  });
  open.push(flow);
  return { flow, clock };
}

const persons = [
  { id: "p1", communityId: "c01" },
  { id: "p2", communityId: "c01", status: "deceased", statusSince: "2026-12-01" },
  // Moved after Spring Festival: still visited at Spring Festival, not on July 1.
  { id: "p3", communityId: "c01", status: "moved", statusSince: "2027-03-01" },
  { id: "bad id with spaces", communityId: "c01" },
  { id: "p5", communityId: "c02" },
  { id: "p1", communityId: "c01" },
];

describe("planHolidayVisits", () => {
  it("plans one visit per active person, reports the bad ones and goes on", async () => {
    const { flow } = await aFlow();
    const r = await flow.planHolidayVisits(persons, { year: 2027, holiday: "spring_festival" }, staffC01);
    expect(r.tasks.map((t) => t.id)).toEqual(["holiday/spring_festival/2027/p1", "holiday/spring_festival/2027/p3"]);
    expect(r.tasks.every((t) => t.due === "2027-02-06" && t.kind === "holiday_visit")).toBe(true);
    expect(r.tasks[0]?.assignees).toEqual(["district_leaders"]);
    expect(r.added).toBe(2);
    expect(r.rejected.map((x) => [x.index, x.code, x.path[2]])).toEqual([
      [3, "INVALID_FORMAT", "id"],
      [4, "WRONG_COMMUNITY", "communityId"],
      [5, "DUPLICATE_ID", "id"],
    ]);
    const july = await flow.planHolidayVisits(persons.slice(0, 3), { year: 2027, holiday: "july_1" }, staffC01);
    expect(july.tasks.map((t) => t.personId)).toEqual(["p1"]);
  });

  it("is idempotent: planning the same list twice adds nothing", async () => {
    const { flow } = await aFlow();
    await flow.planHolidayVisits(persons, { year: 2027, holiday: "spring_festival" }, bureau);
    const again = await flow.planHolidayVisits(persons, { year: 2027, holiday: "spring_festival" }, bureau);
    expect(again.added).toBe(0);
    expect(again.tasks).toHaveLength(3);
    expect(await flow.tasks.list(bureau, { kind: "holiday_visit" })).toHaveLength(3);
  });

  it("is idempotent on PGlite too: the SQL board keeps one task per person and occasion", async () => {
    const { flow } = await aFlow("2027-01-10T09:00:00+08:00", { kind: "pglite" });
    const first = await flow.planHealthChecks(persons, { year: 2027 }, bureau);
    const again = await flow.planHealthChecks(persons, { year: 2027 }, bureau);
    // p3 moved away on 03-01, before the check-up day (04-13): no reminder.
    expect(first.added).toBe(2);
    expect(again.added).toBe(0);
    expect((await flow.tasks.list(bureau, { kind: "health_check_reminder" })).map((t) => t.personId)).toEqual([
      "p1",
      "p5",
    ]);
  }, 60_000);

  it("refuses an actor without a planning role and an occasion the year does not have", async () => {
    const { flow } = await aFlow();
    const volunteer = { id: "v1", roles: ["volunteer"], communities: ["c01"] } as ActorInput;
    await expect(flow.planHolidayVisits(persons, { year: 2027, holiday: "july_1" }, volunteer)).rejects.toMatchObject({
      code: "NOT_AUTHORIZED",
    });
    await expect(
      flow.planHolidayVisits(persons, { year: 2027, holiday: "prc_founding" }, bureau),
    ).rejects.toMatchObject({ code: "UNKNOWN_OCCASION", path: ["holiday"] });
    expect(await flow.tasks.list(bureau)).toHaveLength(0);
  });

  it("marks July 1 in a round Party anniversary (2031, the 110th)", () => {
    const [t] = holidayVisitTasks([{ id: "p1", communityId: "c01" }], 2031, "july_1");
    expect(t?.details.anniversary).toBe(110);
  });

  it("never plans a task for a person who is not active on the day (property)", () => {
    const statuses = fc.constantFrom("active", "deceased", "moved", "transferred", undefined);
    const person = fc.record({
      id: fc.stringMatching(/^p[0-9]{1,3}$/),
      communityId: fc.constant("c01"),
      status: statuses,
      statusSince: fc.date({ min: new Date("2026-01-01"), max: new Date("2028-12-31"), noInvalidDate: true }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(person, { selector: (p) => p.id, maxLength: 12 }),
        fc.constantFrom(2027, 2028),
        (ps, year) => {
          const list = ps.map((p) =>
            p.status === undefined || p.status === "active"
              ? { id: p.id, communityId: p.communityId }
              : {
                  id: p.id,
                  communityId: p.communityId,
                  status: p.status,
                  statusSince: p.statusSince.toISOString().slice(0, 10),
                },
          );
          for (const occasion of ["spring_festival", "july_1"]) {
            const tasks = holidayVisitTasks(list, year, occasion);
            expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
            for (const t of tasks) {
              const p = list.find((x) => x.id === t.personId);
              expect(p).toBeDefined();
              if (p !== undefined && "statusSince" in p) expect(t.due < p.statusSince).toBe(true);
            }
          }
        },
      ),
    );
  });
});

describe("planAnniversaries", () => {
  it("adds the PRC founding visit in a round year only, with gifts", async () => {
    const { flow } = await aFlow();
    const r = await flow.planAnniversaries(persons, { year: 2029 }, bureau);
    expect(r.tasks.map((t) => [t.id, t.due, t.kind])).toEqual([
      ["anniversary/prc_founding/2029/p1", "2029-10-01", "anniversary_visit"],
      ["anniversary/prc_founding/2029/p5", "2029-10-01", "anniversary_visit"],
    ]);
    expect(r.tasks[0]?.details).toMatchObject({ anniversary: 80, gifts: true });
    expect((await flow.planAnniversaries(persons, { year: 2027 }, bureau)).tasks).toEqual([]);
  });
});

describe("planHealthChecks", () => {
  it("reminds every active person not yet checked in the year, due on the check-up day", async () => {
    const { flow } = await aFlow();
    expect(healthCheckDay(2027, createHolidayCalendar())).toBe("2027-04-13");
    const ps = [
      { id: "p1", communityId: "c01" },
      { id: "p2", communityId: "c01" },
      { id: "p3", communityId: "c01", status: "deceased", statusSince: "2027-03-01" },
      { id: "p4", communityId: "c01" },
    ];
    const records = [
      { personId: "p1", date: "2027-02-01" },
      { personId: "p4", date: "2026-05-01" },
    ];
    const r = await flow.planHealthChecks(ps, { year: 2027, records }, bureau);
    expect(r.tasks.map((t) => [t.id, t.due, t.assignees[0]])).toEqual([
      ["health-check/2027/p2", "2027-04-13", "veteran_cadres_bureau"],
      ["health-check/2027/p4", "2027-04-13", "veteran_cadres_bureau"],
    ]);
    expect((await flow.planHealthChecks(ps, { year: 2027, records }, bureau)).added).toBe(0);
    expect((await flow.tasks.counts(bureau)).health_check_reminder).toBe(2);
  });
});

describe("escalations leave tasks", () => {
  const cid = "c01";
  const association: WorkflowActor = { id: "as-1", role: "association", communityId: cid };
  const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: cid };

  it("hands up to the department: a follow-up task for it, due after 2 working days; then an overdue task", async () => {
    // Wednesday 2026-09-30: the department's two working days run over the National Day week.
    const { flow, clock } = await aFlow("2026-09-30T09:00:00+08:00");
    await flow.workflows.start("escalation", {
      id: "esc-1",
      input: { communityId: cid, personId: "p1", category: "housing" },
      actor: { id: "p1", role: "cadre", communityId: cid },
    });
    await flow.workflows.send("esc-1", {
      id: "e1",
      type: "HAND_UP",
      actor: association,
      payload: { reason: "beyond_competence" },
    });
    await flow.workflows.send("esc-1", {
      id: "e2",
      type: "HAND_UP",
      actor: staff,
      payload: { reason: "needs_department", departmentId: "dept-housing" },
    });
    const first = await flow.pump();
    expect(first.tasks).toBe(1);
    const [followUp] = await flow.tasks.list(bureau, { kind: "escalation_followup" });
    expect(followUp).toMatchObject({
      personId: "p1",
      communityId: cid,
      assignees: ["dept-housing"],
      due: "2026-10-09",
      details: { instanceId: "esc-1", departmentId: "dept-housing" },
    });
    // Redelivery changes nothing; the department's limit then runs out.
    clock.set(Date.parse("2026-10-09T10:00:00+08:00"));
    const ticked = await flow.tick();
    expect(ticked.fired).toBeGreaterThan(0);
    const overdue = await flow.tasks.list(bureau, { kind: "escalation_overdue" });
    expect(overdue.map((t) => [t.assignees[0], t.due])).toEqual([["dept-housing", "2026-10-09"]]);
    expect(await flow.tasks.list(bureau)).toHaveLength(2);
  });

  it("an overdue case with no department goes to the bureau", () => {
    const t = escalationTask(
      {
        itemId: "o1",
        instanceId: "esc-2",
        event: "overdue",
        personId: "p1",
        communityId: cid,
        departmentId: null,
        category: "pension",
        at: Date.parse("2027-01-04T09:00:00+08:00"),
      },
      (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10),
      createHolidayCalendar(),
    );
    expect(t).toMatchObject({ id: "escalation/o1", kind: "escalation_overdue", assignees: ["veteran_cadres_bureau"] });
  });

  it("a community hand-up leaves no task (only the department is tasked)", async () => {
    const { flow } = await aFlow();
    await flow.workflows.start("escalation", {
      id: "esc-3",
      input: { communityId: cid, personId: "p1", category: "housing" },
      actor: { id: "p1", role: "cadre", communityId: cid },
    });
    await flow.workflows.send("esc-3", {
      id: "e1",
      type: "HAND_UP",
      actor: association,
      payload: { reason: "beyond_competence" },
    });
    expect((await flow.pump()).tasks).toBe(0);
  });
});
