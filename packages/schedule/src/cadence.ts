import {
  DEFAULT_ZONE,
  ElderflowError,
  type ElderflowIssue,
  type IsoDate,
  isIsoDate,
  parseInstant,
} from "@elderflow/core";
import { IANAZone } from "luxon";
import { fromEpochDay, weekdayOfEpochDay } from "./days";
import { checkZone } from "./recurrence";
import { civilToEpochDay } from "./yearly";

/** A volunteer paired with a cadre (结对), active from `from` to `to` (both days included). */
export interface CadencePair {
  /** Pair id. */
  readonly pairId: string;
  /** The volunteer. */
  readonly volunteerId: string;
  /** The cadre. */
  readonly personId: string;
  /** First active day. */
  readonly from: IsoDate;
  /** Last active day (absent: still active). */
  readonly to?: IsoDate;
  /** The cadre's community, for the per-community report (optional). */
  readonly communityId?: string;
}

/** One logged contact or home visit of a pair. */
export interface CadenceLogEntry {
  /** The pair. */
  readonly pairId: string;
  /** When it happened: ISO 8601 instant with an offset. */
  readonly at: string;
  /** A contact (call, message, visit) or a home visit; a home visit also counts as a contact. */
  readonly kind: "contact" | "home_visit";
}

/** Compliance of one pair in one month: the CLI contract of `elderflow cadence check`. */
export interface PairCompliance {
  /** Pair id. */
  readonly pairId: string;
  /** ISO weeks of the month in which the pair was active on all seven days. */
  readonly weeksRequired: number;
  /** Required weeks with at least one contact or home visit. */
  readonly weeksMet: number;
  /** Required weeks without any, as `YYYY-Www`. */
  readonly missedWeeks: string[];
  /** ceil(3 x active days in the month / days in the month). */
  readonly homeVisitsRequired: number;
  /** Home visits on active days of the month. */
  readonly homeVisits: number;
  /** Every required week met and enough home visits. */
  readonly compliant: boolean;
}

/** Compliance summed over a group of pairs (a volunteer's, a community's). */
export interface GroupCompliance {
  /** The volunteer or community id. */
  readonly id: string;
  /** Pairs in the group. */
  readonly pairs: number;
  /** Pairs that are compliant. */
  readonly compliantPairs: number;
  /** Sum of required weeks. */
  readonly weeksRequired: number;
  /** Sum of met weeks. */
  readonly weeksMet: number;
  /** Sum of required home visits. */
  readonly homeVisitsRequired: number;
  /** Sum of home visits (capped per pair at what was required, so one pair cannot cover another). */
  readonly homeVisitsCounted: number;
  /** Every pair compliant. */
  readonly compliant: boolean;
}

/** The full cadence report of a month. */
export interface CadenceReport {
  /** The month `YYYY-MM`. */
  readonly month: string;
  /** Per pair, sorted by pairId. */
  readonly pairs: PairCompliance[];
  /** Per volunteer, sorted by id. */
  readonly volunteers: GroupCompliance[];
  /** Per community (pairs with a communityId), sorted by id. */
  readonly communities: GroupCompliance[];
}

/** Options for {@link cadenceReport}. */
export interface CadenceOptions {
  /** Zone in which weeks and days are read (default Asia/Shanghai). */
  readonly zone?: string;
}

function isoWeekLabel(monday: number): string {
  const thursday = monday + 3;
  const iso = fromEpochDay(thursday);
  const year = Number(iso.slice(0, 4));
  const week = Math.floor((thursday - civilToEpochDay(year, 1, 1)) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

const MONTH = /^(\d{4})-(\d{2})$/;

/**
 * Pairing cadence compliance for one month (docs/domain.md rule 5: at least one contact every week,
 * three home visits a month). Weeks are ISO weeks (Monday to Sunday) in Asia/Shanghai; a week belongs
 * to the month that holds its Thursday and is required when the pair is active on all seven days;
 * a home visit also counts as a contact. Home visits required = ceil(3 x active days in the month /
 * days in the month). Every bad record (dates, unknown kinds, instants without an offset, log entries
 * of unknown pairs, duplicate pair ids) is reported in one `ElderflowError` whose issues carry paths.
 *
 * @example
 * ```ts
 * const r = cadenceReport(
 *   [{ pairId: "x1", volunteerId: "v1", personId: "p1", from: "2027-01-01" }],
 *   [{ pairId: "x1", at: "2027-03-02T10:00:00+08:00", kind: "home_visit" }],
 *   "2027-03",
 * );
 * r.pairs[0]; // { pairId: "x1", weeksRequired: 4, weeksMet: 1, missedWeeks: ["2027-W10", "2027-W11", "2027-W12"],
 * //              homeVisitsRequired: 3, homeVisits: 1, compliant: false }
 * ```
 */
export function cadenceReport(
  pairs: readonly CadencePair[],
  log: readonly CadenceLogEntry[],
  month: string,
  options: CadenceOptions = {},
): CadenceReport {
  const zoneName = options.zone ?? DEFAULT_ZONE;
  checkZone(zoneName, ["zone"]);
  const zone = IANAZone.create(zoneName);
  const m = typeof month === "string" ? MONTH.exec(month) : null;
  const mo = m ? Number(m[2]) : 0;
  if (!m || mo < 1 || mo > 12) throw new ElderflowError("INVALID_DATE", { path: ["month"] });
  const year = Number(m[1]);
  const first = civilToEpochDay(year, mo, 1);
  const last = civilToEpochDay(mo === 12 ? year + 1 : year, mo === 12 ? 1 : mo + 1, 1) - 1;
  const daysInMonth = last - first + 1;
  // The month's weeks: those whose Thursday lies in the month.
  const mondays: number[] = [];
  for (let d = first; d <= last; d++) if (weekdayOfEpochDay(d) === 4) mondays.push(d - 3);

  const issues: ElderflowIssue[] = [];
  const issue = (code: ElderflowIssue["code"], path: (string | number)[], params: Record<string, string> = {}) =>
    issues.push({ code, path, params });
  const ranges = new Map<string, { pair: CadencePair; from: number; to: number; index: number }>();
  for (const [i, p] of pairs.entries()) {
    const at = ["pairs", i];
    if (p === null || typeof p !== "object") {
      issue("INVALID_TYPE", at, { expected: "object" });
      continue;
    }
    for (const f of ["pairId", "volunteerId", "personId"] as const)
      if (typeof p[f] !== "string" || p[f].length === 0) issue("REQUIRED", [...at, f]);
    const okFrom = typeof p.from === "string" && isIsoDate(p.from);
    if (!okFrom) issue("INVALID_DATE", [...at, "from"]);
    const okTo = p.to === undefined || (typeof p.to === "string" && isIsoDate(p.to));
    if (!okTo) issue("INVALID_DATE", [...at, "to"]);
    if (!okFrom || !okTo || typeof p.pairId !== "string") continue;
    const dayOf = (s: string) => civilToEpochDay(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)));
    const from = dayOf(p.from);
    const to = p.to === undefined ? Number.POSITIVE_INFINITY : dayOf(p.to);
    if (to < from) issue("DATE_ORDER", [...at, "to"]);
    // The message points at the first entry with that id, never repeats the id itself.
    else if (ranges.has(p.pairId))
      issue("DUPLICATE_ID", [...at, "pairId"], { id: `pairs[${ranges.get(p.pairId)?.index}]` });
    else ranges.set(p.pairId, { pair: p, from, to, index: i });
  }
  const contacts = new Map<string, Set<number>>(); // pairId -> local epoch days with a contact
  const visits = new Map<string, number[]>(); // pairId -> local epoch days of home visits
  for (const [i, e] of log.entries()) {
    const at = ["log", i];
    if (e === null || typeof e !== "object") {
      issue("INVALID_TYPE", at, { expected: "object" });
      continue;
    }
    if (e.kind !== "contact" && e.kind !== "home_visit")
      issue("INVALID_ENUM", [...at, "kind"], { options: "contact, home_visit" });
    let ms = Number.NaN;
    try {
      if (typeof e.at !== "string") throw new Error("not a string");
      ms = parseInstant(e.at, [...at, "at"]);
    } catch {
      issue("INVALID_INSTANT", [...at, "at"]);
    }
    if (typeof e.pairId !== "string" || !ranges.has(e.pairId)) {
      if (pairs.every((p) => p?.pairId !== e.pairId)) issue("NOT_FOUND", [...at, "pairId"], { what: "pair" });
      continue;
    }
    if (Number.isNaN(ms) || (e.kind !== "contact" && e.kind !== "home_visit")) continue;
    const day = Math.floor((ms + zone.offset(ms) * 60_000) / 86_400_000);
    const c = contacts.get(e.pairId);
    if (c) c.add(day);
    else contacts.set(e.pairId, new Set([day]));
    if (e.kind === "home_visit") {
      const v = visits.get(e.pairId);
      if (v) v.push(day);
      else visits.set(e.pairId, [day]);
    }
  }
  if (issues.length > 0) {
    const head = issues[0] as ElderflowIssue;
    throw new ElderflowError(head.code, { path: head.path, params: head.params, issues });
  }

  const results: { r: PairCompliance; pair: CadencePair }[] = [];
  const spanFirst = Math.min(first, mondays[0] ?? first);
  const spanLast = Math.max(last, (mondays[mondays.length - 1] ?? last) + 6);
  for (const { pair, from, to } of ranges.values()) {
    if (to < spanFirst || from > spanLast) continue; // not active in the month at all
    const c = contacts.get(pair.pairId);
    let weeksRequired = 0;
    let weeksMet = 0;
    const missedWeeks: string[] = [];
    for (const monday of mondays) {
      if (from > monday || to < monday + 6) continue;
      weeksRequired++;
      let met = false;
      for (let d = monday; d <= monday + 6 && !met; d++) met = c?.has(d) ?? false;
      if (met) weeksMet++;
      else missedWeeks.push(isoWeekLabel(monday));
    }
    const activeDays = Math.max(0, Math.min(to, last) - Math.max(from, first) + 1);
    const homeVisitsRequired = Math.ceil((3 * activeDays) / daysInMonth);
    const homeVisits = (visits.get(pair.pairId) ?? []).filter(
      (d) => d >= first && d <= last && d >= from && d <= to,
    ).length;
    results.push({
      pair,
      r: {
        pairId: pair.pairId,
        weeksRequired,
        weeksMet,
        missedWeeks,
        homeVisitsRequired,
        homeVisits,
        compliant: weeksMet === weeksRequired && homeVisits >= homeVisitsRequired,
      },
    });
  }
  results.sort((x, y) => (x.r.pairId < y.r.pairId ? -1 : x.r.pairId > y.r.pairId ? 1 : 0));
  const group = (key: (p: CadencePair) => string | undefined): GroupCompliance[] => {
    const g = new Map<string, PairCompliance[]>();
    for (const { r, pair } of results) {
      const k = key(pair);
      if (k === undefined) continue;
      const list = g.get(k);
      if (list) list.push(r);
      else g.set(k, [r]);
    }
    return [...g.entries()]
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([id, rs]) => ({
        id,
        pairs: rs.length,
        compliantPairs: rs.filter((r) => r.compliant).length,
        weeksRequired: rs.reduce((s, r) => s + r.weeksRequired, 0),
        weeksMet: rs.reduce((s, r) => s + r.weeksMet, 0),
        homeVisitsRequired: rs.reduce((s, r) => s + r.homeVisitsRequired, 0),
        homeVisitsCounted: rs.reduce((s, r) => s + Math.min(r.homeVisits, r.homeVisitsRequired), 0),
        compliant: rs.every((r) => r.compliant),
      }));
  };
  return {
    month,
    pairs: results.map((x) => x.r),
    volunteers: group((p) => p.volunteerId),
    communities: group((p) => p.communityId),
  };
}
