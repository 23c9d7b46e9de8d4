import { fixedClock } from "@elderflow/core";
import { createElderflow, schedule, type TaskKind, type workflow } from "elderflow";
import { CADRES, COMMUNITY, SERVICE_POINTS } from "./cast";

/** The year of the scenario. */
export const YEAR = 2027;

/** What the year's plans and the day's events came to. */
export interface ScenarioResult {
  /** 生日祝寿: the birthday visits planned for the year. */
  readonly birthdays: readonly schedule.BirthdayEntry[];
  /** 生病探望: hospital-visit tasks, per cadre, with the bodies that visit. */
  readonly hospitalVisits: Readonly<Record<string, readonly string[]>>;
  /** 春节、“七一”走访慰问: the holiday visit list. */
  readonly holidayVisits: readonly schedule.VisitEntry[];
  /** Occasions of a special year (2029: the PRC's 80th anniversary adds a visit). */
  readonly specialYear: readonly schedule.VisitOccasion[];
  /** 健康查体: the district's check-up day and each cadre's status on April 1. */
  readonly healthCheckDay: string | undefined;
  readonly healthChecks: readonly schedule.HealthCheckStatus[];
  /** 学习材料送上门: monthly study sessions with their delivery lists. */
  readonly study: readonly schedule.StudySession[];
  /** 家政维修送上门: a call on the 24-hour line, the service point dispatched, the final state. */
  readonly hotline: { readonly dispatchedTo: unknown; readonly state: string };
  /** Every task on the board, by kind. */
  readonly taskCounts: Readonly<Record<TaskKind, number>>;
}

/**
 * Seed 003's 三到家、四上门 and its standing systems (走访慰问、生日祝寿、生病探望、健康查体) for one
 * community in 2027, on the wired system with PGlite in memory.
 */
export async function runScenario(): Promise<ScenarioResult> {
  const clock = fixedClock(`${YEAR}-04-01T09:00:00+08:00`);
  const flow = await createElderflow({
    clock,
    store: { kind: "pglite" },
    directory: { servicePoints: SERVICE_POINTS, volunteers: [] },
  });
  const active = CADRES.filter((c) => c.status === "active");
  // The community's staff plan the year and read its tasks.
  const staff = { id: "staff-1", roles: ["community_staff" as const], communities: [COMMUNITY] };

  // 生日祝寿: the roster in both calendars with the birthday policy; a visit task per celebration.
  const birthdays = await flow.planBirthdayVisits(CADRES, { from: `${YEAR}-01-01`, to: `${YEAR}-12-31` }, staff);

  // 生病探望: two cadres are admitted to hospital; the care pathway's admission becomes a visit task.
  const doctor: workflow.WorkflowActor = { id: "doc-1", role: "doctor", communityId: COMMUNITY };
  for (const id of ["c1", "c4"]) {
    const cadre = CADRES.find((c) => c.id === id);
    if (cadre === undefined) continue;
    await flow.workflows.start("carePathway", {
      id: `care-${id}`,
      actor: doctor,
      input: { communityId: COMMUNITY, personId: id, rank: cadre.rank },
    });
    await flow.workflows.send(`care-${id}`, { id: `refer-${id}`, type: "REFER", actor: doctor });
    await flow.workflows.send(`care-${id}`, {
      id: `admit-${id}`,
      type: "ADMIT",
      actor: doctor,
      payload: { hospitalId: "district-hospital" },
    });
  }
  await flow.pump();
  const hospitalVisits = Object.fromEntries(
    (await flow.tasks.list(staff, "hospital_visit")).map((t) => [t.personId, t.assignees]),
  );

  // 春节、“七一”走访慰问, and what a special year adds.
  const holidayVisits = schedule.holidayVisitList(active, { year: YEAR });
  const specialYear = schedule.visitOccasions(2029);
  await flow.addTasks(
    holidayVisits.map((v) => ({
      id: `holiday/${v.occasion}/${v.personId}/${v.date}`,
      kind: "holiday_visit" as const,
      personId: v.personId,
      communityId: COMMUNITY,
      due: v.date,
      assignees: ["district_leaders"],
      details: { occasion: v.occasion },
    })),
    staff,
  );

  // 健康查体: the check-up day and who is due on April 1.
  const calendar = schedule.createHolidayCalendar();
  const checkDay = schedule.expandSeries(schedule.HEALTH_CHECK_SERIES, `${YEAR}-01-01`, `${YEAR}-12-31`, calendar);
  const healthChecks = schedule.healthCheckStatus(
    CADRES,
    [
      { personId: "c1", date: "2026-04-14" },
      { personId: "c3", date: "2027-03-20" },
      { personId: "c6", date: "2025-10-09" }, // missed the whole of 2026: overdue
    ],
    `${YEAR}-04-01`,
  );

  // 学习材料送上门: one central session a month; who cannot come gets the materials at home.
  const study = schedule.studyPlan(CADRES, { from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, calendar }).sessions;

  // 家政维修送上门: a blocked pipe reported on the 24-hour line goes to the nearest service point.
  const hotline: workflow.WorkflowActor = { id: "line-1", role: "hotline_staff", communityId: COMMUNITY };
  const point: workflow.WorkflowActor = { id: "sp-near", role: "service_point", communityId: COMMUNITY };
  await flow.workflows.start("serviceRequest", {
    id: "call-1",
    actor: hotline,
    input: { communityId: COMMUNITY, personId: "c6", channel: "hotline", lat: 36.8135, lng: 118.0551 },
  });
  const step = (type: string, actor: workflow.WorkflowActor, payload?: Record<string, unknown>) =>
    flow.workflows.send("call-1", { id: `call-1-${type}`, type, actor, ...(payload ? { payload } : {}) });
  const triaged = await step("TRIAGE", hotline, { serviceKind: "plumbing" });
  const dispatchedTo = triaged.instance.context.assigneeId;
  for (const type of ["ACCEPT", "ARRIVE", "FINISH"]) await step(type, point);
  await step("CONFIRM", { id: "c6", role: "cadre", communityId: COMMUNITY });
  const closed = await step("CLOSE", hotline);

  const taskCounts = await flow.tasks.counts(staff);
  await flow.close();
  return {
    birthdays,
    hospitalVisits,
    holidayVisits,
    specialYear,
    healthCheckDay: checkDay.events[0]?.date,
    healthChecks,
    study,
    hotline: { dispatchedTo, state: closed.instance.state },
    taskCounts,
  };
}
