/**
 * Planners that turn the schedule package's lists into tasks on the board: holiday visits (春节,
 * 七一), anniversary visits (建国 / 建党 round years), annual health-check reminders, and the tasks an
 * escalation leaves for the department it reached. Each planner is idempotent (one task id per
 * person and occasion), checks the actor, reports a bad person and goes on, and never plans a task
 * for a person who is not active on the task's day.
 */
import {
  type Actor,
  type ActorInput,
  actorReaches,
  ElderflowError,
  type ElderflowIssue,
  fromZodError,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  PersonStatus,
} from "@elderflow/core";
import {
  activeOn,
  expandSeries,
  HEALTH_CHECK_SERIES,
  type HealthCheckRecord,
  type HolidayCalendar,
  healthCheckStatus,
  holidayVisitList,
  visitOccasions,
} from "@elderflow/schedule";
import { deadlineOf, type TimeLimit } from "@elderflow/workflow";
import type { Task } from "./tasks";

/**
 * The body that leads holiday and anniversary visits: 「春節、“七一”區大班子領導都分頭帶隊走訪慰問」
 * (rule 3) is the district's leadership teams.
 *
 * @example
 * ```ts
 * HOLIDAY_VISITORS; // "district_leaders"
 * ```
 */
export const HOLIDAY_VISITORS = "district_leaders";

/**
 * Who organises the annual check-up (rule 4: the bureau coordinates the departments), and who
 * supervises an overdue escalation that names no department (督办).
 *
 * @example
 * ```ts
 * BUREAU_BODY; // "veteran_cadres_bureau"
 * ```
 */
export const BUREAU_BODY = "veteran_cadres_bureau";

/** The fields of a person the planners read (a full `Person` fits), checked one person at a time. */
export interface PlanPerson {
  /** Record id. */
  readonly id: string;
  /** The community the person is registered in. */
  readonly communityId: string;
  /** Service status (default active). */
  readonly status?: PersonStatus | undefined;
  /** Since when a non-active status holds. */
  readonly statusSince?: IsoDate | undefined;
}

/** The first problem of one person as the planners read it, or the person. */
function parsePlanPerson(raw: unknown, index: number): PlanPerson | PlanRejection {
  const at = (field: string, code: ElderflowIssue["code"]): PlanRejection => ({
    index,
    code,
    path: ["persons", index, field],
  });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { index, code: "INVALID_TYPE", path: ["persons", index] };
  const r = raw as Record<string, unknown>;
  for (const [field, schema] of [
    ["id", IdSchema],
    ["communityId", IdSchema],
  ] as const) {
    const v = schema.safeParse(r[field]);
    if (!v.success) return { ...at(field, fromZodError(v.error).code) };
  }
  if (r.status !== undefined && !PersonStatus.safeParse(r.status).success) return at("status", "INVALID_ENUM");
  if (r.statusSince !== undefined && !IsoDateSchema.safeParse(r.statusSince).success)
    return at("statusSince", "INVALID_DATE");
  return {
    id: r.id as string,
    communityId: r.communityId as string,
    status: r.status as PersonStatus | undefined,
    statusSince: r.statusSince as IsoDate | undefined,
  };
}

/** A person a planner left out, by index in the input, with the code and path of the problem. */
export interface PlanRejection {
  /** Index in the persons given. */
  readonly index: number;
  /** What is wrong (e.g. `WRONG_COMMUNITY`, `INVALID_ID`). */
  readonly code: ElderflowIssue["code"];
  /** Where, from the persons list (`["persons", 3, "communityId"]`). */
  readonly path: ElderflowIssue["path"];
}

/** What a planner did. */
export interface PlanResult {
  /** The tasks planned (new or already on the board), in due-date then id order. */
  readonly tasks: readonly Task[];
  /** How many of them were new on the board. */
  readonly added: number;
  /** Persons reported and skipped. */
  readonly rejected: readonly PlanRejection[];
}

/** Options of {@link Planners.planHolidayVisits}. */
export interface HolidayPlanOptions {
  /** The year. */
  readonly year: number;
  /** The occasion: `spring_festival`, `july_1`, or an anniversary id of the year (`prc_founding`). */
  readonly holiday: string;
}

/** Options of {@link Planners.planHealthChecks}. */
export interface HealthCheckPlanOptions {
  /** The year. */
  readonly year: number;
  /** Checks already recorded (a person checked in the year gets no reminder). */
  readonly records?: readonly HealthCheckRecord[];
}

/** The planners the wired system offers (see {@link createPlanners}). */
export interface Planners {
  /**
   * A visit task per active person for one holiday of a year (rule 3: 春节 and 七一 for every
   * active retired cadre; an anniversary falling on July 1 marks it). Id
   * `holiday/<occasion>/<year>/<personId>`, due on the holiday, for the district leaders.
   */
  planHolidayVisits(persons: readonly unknown[], options: HolidayPlanOptions, actor: ActorInput): Promise<PlanResult>;
  /**
   * A visit task per active person for each round anniversary of a year that is not already a
   * holiday visit (the PRC's founding every tenth year, with gifts and money). The domain has no
   * personal anniversaries (入党, 离休 dates are not in the person record), so these are the lists.
   */
  planAnniversaries(
    persons: readonly unknown[],
    options: { readonly year: number },
    actor: ActorInput,
  ): Promise<PlanResult>;
  /**
   * A reminder task per active person not yet checked in the year, due on the check-up day of
   * `HEALTH_CHECK_SERIES` (the second Tuesday of April, moved off holidays), for the bureau.
   */
  planHealthChecks(
    persons: readonly unknown[],
    options: HealthCheckPlanOptions,
    actor: ActorInput,
  ): Promise<PlanResult>;
}

/** What {@link createPlanners} needs from the wiring. */
export interface PlannerDeps {
  /** Checks the actor may plan (a planning role) and returns it parsed; throws `NOT_AUTHORIZED`. */
  readonly planner: (actor: ActorInput) => Actor;
  /** Adds tasks to the board as the actor; returns how many were new. */
  readonly add: (tasks: readonly Task[], by: string) => Promise<number>;
  /** The holiday calendar (the check-up day moves off holidays). */
  readonly calendar: HolidayCalendar;
}

interface Checked {
  readonly persons: PlanPerson[];
  readonly rejected: PlanRejection[];
}

/** Each person parsed on its own and checked against the actor's reach; the bad ones reported. */
function checkPersons(persons: readonly unknown[], actor: Actor): Checked {
  const good: Checked["persons"] = [];
  const rejected: PlanRejection[] = [];
  const seen = new Set<string>();
  persons.forEach((raw, index) => {
    const p = parsePlanPerson(raw, index);
    if ("code" in p) {
      rejected.push(p);
      return;
    }
    if (!actorReaches(actor, p.communityId)) {
      rejected.push({ index, code: "WRONG_COMMUNITY", path: ["persons", index, "communityId"] });
      return;
    }
    if (p.status !== undefined && p.status !== "active" && p.statusSince === undefined) {
      rejected.push({ index, code: "REQUIRED", path: ["persons", index, "statusSince"] });
      return;
    }
    if (seen.has(p.id)) {
      rejected.push({ index, code: "DUPLICATE_ID", path: ["persons", index, "id"] });
      return;
    }
    seen.add(p.id);
    good.push(p);
  });
  return { persons: good, rejected };
}

const byDueThenId = (a: Task, b: Task) =>
  a.due < b.due ? -1 : a.due > b.due ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The year as planners accept it (the lunar table's range). */
function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1901 || year > 2148)
    throw new ElderflowError("OUT_OF_RANGE", { path: ["year"], params: { detail: "year 1901..2148" } });
}

/**
 * The check-up day of a year: the first event of `HEALTH_CHECK_SERIES` in it.
 *
 * @example
 * ```ts
 * healthCheckDay(2027, createHolidayCalendar()); // "2027-04-13"
 * ```
 */
export function healthCheckDay(year: number, calendar: HolidayCalendar): IsoDate {
  checkYear(year);
  const events = expandSeries(HEALTH_CHECK_SERIES, `${year}-01-01`, `${year}-12-31`, calendar).events;
  return (events[0]?.date ?? `${year}-04-01`) as IsoDate;
}

/**
 * Holiday visit tasks of one occasion, without a board: what {@link Planners.planHolidayVisits}
 * adds. Persons must already be checked; non-active persons on the day are left out.
 *
 * @example
 * ```ts
 * holidayVisitTasks([{ id: "p1", communityId: "c01" }], 2027, "spring_festival")[0]?.id;
 * // "holiday/spring_festival/2027/p1"
 * ```
 */
export function holidayVisitTasks(persons: readonly PlanPerson[], year: number, occasion: string): Task[] {
  checkYear(year);
  const community = new Map(persons.map((p) => [p.id, p.communityId]));
  return holidayVisitList(persons, { year })
    .filter((v) => v.occasion === occasion)
    .map(
      (v): Task => ({
        id: `holiday/${v.occasion}/${year}/${v.personId}`,
        kind: "holiday_visit",
        personId: v.personId,
        communityId: community.get(v.personId) as string,
        due: v.date,
        assignees: [HOLIDAY_VISITORS],
        details: { occasion: v.occasion, year, anniversary: v.anniversary ?? null },
      }),
    );
}

/**
 * Creates the planners over a board: {@link Planners}. The wired system (`createElderflow`)
 * exposes them as its own methods.
 *
 * @example
 * ```ts
 * const planners = createPlanners({ planner: (a) => Actor.parse(a), add: board.add, calendar: createHolidayCalendar() });
 * await planners.planHolidayVisits(persons, { year: 2027, holiday: "spring_festival" }, bureau);
 * ```
 */
export function createPlanners(deps: PlannerDeps): Planners {
  async function plan(
    persons: readonly unknown[],
    actor: ActorInput,
    build: (checked: Checked["persons"]) => Task[],
  ): Promise<PlanResult> {
    const a = deps.planner(actor);
    if (!Array.isArray(persons))
      throw new ElderflowError("INVALID_TYPE", { path: ["persons"], params: { expected: "array" } });
    const checked = checkPersons(persons, a);
    const tasks = build(checked.persons).sort(byDueThenId);
    const added = tasks.length === 0 ? 0 : await deps.add(tasks, a.id);
    return { tasks, added, rejected: checked.rejected };
  }

  return {
    planHolidayVisits(persons, options, actor) {
      return plan(persons, actor, (ps) => {
        const occasions = visitOccasions(options.year).map((o) => o.occasion);
        if (!occasions.includes(options.holiday))
          throw new ElderflowError("UNKNOWN_OCCASION", {
            path: ["holiday"],
            params: { occasion: String(options.holiday).slice(0, 40) },
          });
        return holidayVisitTasks(ps, options.year, options.holiday);
      });
    },
    planAnniversaries(persons, options, actor) {
      return plan(persons, actor, (ps) => {
        checkYear(options.year);
        const community = new Map(ps.map((p) => [p.id, p.communityId]));
        const extra = new Set(
          visitOccasions(options.year)
            .filter((o) => o.anniversary !== undefined && o.occasion !== "spring_festival" && o.occasion !== "july_1")
            .map((o) => o.occasion),
        );
        return holidayVisitList(ps, { year: options.year })
          .filter((v) => extra.has(v.occasion))
          .map(
            (v): Task => ({
              id: `anniversary/${v.occasion}/${options.year}/${v.personId}`,
              kind: "anniversary_visit",
              personId: v.personId,
              communityId: community.get(v.personId) as string,
              due: v.date,
              assignees: [HOLIDAY_VISITORS],
              details: { occasion: v.occasion, year: options.year, anniversary: v.anniversary ?? null, gifts: true },
            }),
          );
      });
    },
    planHealthChecks(persons, options, actor) {
      return plan(persons, actor, (ps) => {
        const day = healthCheckDay(options.year, deps.calendar);
        const records = options.records ?? [];
        return healthCheckStatus(ps, records, day)
          .filter((s) => s.status !== "done")
          .flatMap((s): Task[] => {
            const p = ps.find((x) => x.id === s.personId);
            if (p === undefined || !activeOn(p, day)) return [];
            return [
              {
                id: `health-check/${options.year}/${s.personId}`,
                kind: "health_check_reminder",
                personId: s.personId,
                communityId: p.communityId,
                due: day,
                assignees: [BUREAU_BODY],
                details: { year: options.year, lastCheck: s.lastCheck, status: s.status },
              },
            ];
          });
      });
    },
  };
}

/** What an escalation task is made from: the emitted event's facts and the instance's context. */
export interface EscalationFacts {
  /** The outbox item id (the task id derives from it, so a redelivery adds nothing). */
  readonly itemId: string;
  /** The escalation instance. */
  readonly instanceId: string;
  /** `handed_up` to the department, or `overdue` with nowhere higher to go. */
  readonly event: "handed_up" | "overdue";
  /** The cadre. */
  readonly personId: string;
  /** The case's community. */
  readonly communityId: string;
  /** The responsible department, when known. */
  readonly departmentId: string | null;
  /** The problem's category code. */
  readonly category: string;
  /** The department's limit, as recorded at the start. */
  readonly limit?: TimeLimit;
  /** When the event happened (epoch ms). */
  readonly at: number;
}

/**
 * The task an escalation leaves (rule 8): handed up to the department, a follow-up task for that
 * department due when its limit runs out (working days over the holiday calendar); overdue, a
 * supervision task (督办) for the department, or for the bureau when none is named, due that day.
 *
 * @example
 * ```ts
 * escalationTask({ itemId: "o1", instanceId: "esc-1", event: "overdue", personId: "p1", communityId: "c01",
 *   departmentId: null, category: "housing", at: 0 }, isoDateAt, createHolidayCalendar()).assignees; // ["veteran_cadres_bureau"]
 * ```
 */
export function escalationTask(
  f: EscalationFacts,
  dayOf: (epochMs: number) => IsoDate,
  calendar: HolidayCalendar,
  zone?: string,
): Task {
  const day = dayOf(f.at);
  const due = f.event === "handed_up" && f.limit !== undefined ? dayOf(deadlineOf(f.at, f.limit, calendar, zone)) : day;
  return {
    id: `escalation/${f.itemId}`,
    kind: f.event === "handed_up" ? "escalation_followup" : "escalation_overdue",
    personId: f.personId,
    communityId: f.communityId,
    // ISO dates compare as strings; Math.max would turn them into NaN.
    // biome-ignore lint/complexity/useMathMinMax: string comparison, not numbers
    due: due < day ? day : due,
    assignees: [f.departmentId ?? BUREAU_BODY],
    details: { instanceId: f.instanceId, category: f.category, departmentId: f.departmentId },
  };
}
