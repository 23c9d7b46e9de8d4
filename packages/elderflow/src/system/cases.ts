import {
  Actor,
  type ActorInput,
  type ActorRole,
  DISTRICT_ROLES,
  ElderflowError,
  type IsoDate,
  parseOrThrow,
} from "@elderflow/core";
import {
  expandSeries,
  type HolidayCalendar,
  LAW_DAY_SERIES,
  LEGAL_AID_SERIES,
  type OfficeSeries,
} from "@elderflow/schedule";
import {
  type CaseCounts,
  caseCounts,
  type ReceptionCheck,
  type WorkflowEngine,
  workflowActor,
} from "@elderflow/workflow";

/**
 * The case workflow's reception check from the schedule: a `legal_aid` session on a day of the
 * Tuesday-afternoon series (statutory holidays skipped), a `law_day` session on a day of the
 * law-day series (the 18th). Each year's days are expanded once and kept.
 *
 * @example
 * ```ts
 * const check = scheduleReceptions(createHolidayCalendar());
 * check("2026-10-06", "legal_aid"); // false: a Tuesday in the National Day holiday
 * check("2026-09-29", "legal_aid"); // true
 * ```
 */
export function scheduleReceptions(
  calendar: HolidayCalendar,
  series: { readonly legal_aid?: OfficeSeries; readonly law_day?: OfficeSeries } = {},
): ReceptionCheck {
  const days = new Map<string, ReadonlySet<string>>();
  return (on: IsoDate, reception) => {
    const year = on.slice(0, 4);
    const key = `${reception}:${year}`;
    let set = days.get(key);
    if (set === undefined) {
      const s = reception === "law_day" ? (series.law_day ?? LAW_DAY_SERIES) : (series.legal_aid ?? LEGAL_AID_SERIES);
      set = new Set(expandSeries(s, `${year}-01-01`, `${year}-12-31`, calendar).events.map((e) => e.date));
      days.set(key, set);
    }
    return set.has(on);
  };
}

/**
 * The yearly case figures of the communities an actor reaches: every case instance taken in the
 * year, counted by kind and outcome (see `caseCounts` in @elderflow/workflow). A district body
 * reads the whole district; anyone else each of its communities, in its first role.
 *
 * @example
 * ```ts
 * const figures = await yearlyCases(flow.workflows, { id: "b1", roles: ["bureau"] }, 2026);
 * figures.byKind.mediation.outcomes.agreement; // e.g. 21 (调解纠纷21起)
 * ```
 */
export async function yearlyCases(workflows: WorkflowEngine, actor: ActorInput, year: number): Promise<CaseCounts> {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  if (!Number.isInteger(year) || year < 1900 || year > 2200)
    throw new ElderflowError("OUT_OF_RANGE", { path: ["year"], params: { detail: "1900..2200" } });
  const district = a.roles.find((r) => DISTRICT_ROLES.includes(r));
  const readers =
    district === undefined
      ? a.communities.map((c) => workflowActor(a, a.roles[0] as ActorRole, c))
      : [workflowActor(a, district)];
  const contexts = [];
  for (const reader of readers)
    for (const c of await workflows.list({ machine: "case", limit: Number.MAX_SAFE_INTEGER }, reader))
      contexts.push(c.context);
  return caseCounts(contexts, year);
}
