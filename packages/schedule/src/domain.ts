import {
  type AnnualReading,
  annualStanding,
  DEFAULT_ANNUAL_READING,
  ElderflowError,
  type FieldPath,
  type IsoDate,
  isIsoDate,
} from "@elderflow/core";
import { IANAZone } from "luxon";
import { dateWindow, fromEpochDay, toEpochDay } from "./days";
import type { HolidayCalendar, NonWorkingDayRule, ScheduleWarning } from "./holidays";
import { type ExpansionOptions, occurrenceLimit } from "./limits";
import { springFestival } from "./lunar";
import { createRecurrence, isoInZone, type RecurrenceSpec, wallClockToEpochMs } from "./recurrence";
import { gregorianOccurrenceDay } from "./yearly";

/** A name in both languages. */
export interface Bilingual {
  /** Chinese. */
  readonly "zh-CN": string;
  /** English. */
  readonly en: string;
}

/** The fields of a person that visit lists, health checks and study delivery read. */
export interface ServedPerson {
  /** Record id. */
  readonly id: string;
  /** Service status (default active). */
  readonly status?: "active" | "deceased" | "moved" | "transferred" | undefined;
  /** Since when a non-active status holds. */
  readonly statusSince?: IsoDate | undefined;
  /** Health facts: `mobilityLimited` means the person cannot come to a session. */
  readonly health?: { readonly mobilityLimited?: boolean | undefined } | undefined;
}

/**
 * Whether a person is served (status active) on a date: active, or not yet deceased/moved that day.
 *
 * @example
 * ```ts
 * activeOn({ id: "p1", status: "moved", statusSince: "2027-03-01" }, "2027-02-28"); // true
 * ```
 */
export function activeOn(person: ServedPerson, date: IsoDate): boolean {
  if (person.status === undefined || person.status === "active") return true;
  return person.statusSince !== undefined && date < person.statusSince;
}

// ---- office series (rules 4, 6, 15) ------------------------------------------------------------

/** A recurring office event: a recurrence, a duration, and what happens on non-working days. */
export interface OfficeSeries {
  /** Stable id (also the CLI name): `legal-aid`, `law-day`, `study`, `health-check`. */
  readonly id: string;
  /** Event title in both languages. */
  readonly summary: Bilingual;
  /** When it recurs. */
  readonly recurrence: RecurrenceSpec;
  /** Length of each event in minutes. */
  readonly durationMinutes: number;
  /** What to do when an occurrence falls on a holiday or weekend. */
  readonly onNonWorkingDay: NonWorkingDayRule;
}

/**
 * 法律援助: the legal-aid team receives residents every Tuesday afternoon (seed 004, rule 15:
 * "每周二下午"). 14:00–17:30; no session on a statutory holiday.
 *
 * @example
 * ```ts
 * expandSeries(LEGAL_AID_SERIES, "2027-03-01", "2027-03-31", createHolidayCalendar()).events.length; // 5
 * ```
 */
export const LEGAL_AID_SERIES: OfficeSeries = {
  id: "legal-aid",
  summary: { "zh-CN": "法律援助接待（每周二下午）", en: "Legal aid reception (Tuesday afternoons)" },
  recurrence: { start: "2020-01-07T14:00", rrule: "FREQ=WEEKLY;BYDAY=TU" },
  durationMinutes: 210,
  onNonWorkingDay: "skip",
};

/**
 * 学法日: the 18th of every month is law-study day (seed 004, rule 15: "每月18日为学法日").
 * 09:00–11:00; kept on the 18th whatever the weekday, since it is a fixed day of the month.
 *
 * @example
 * ```ts
 * expandSeries(LAW_DAY_SERIES, "2027-01-01", "2027-12-31", createHolidayCalendar()).events[0]?.date; // "2027-01-18"
 * ```
 */
export const LAW_DAY_SERIES: OfficeSeries = {
  id: "law-day",
  summary: { "zh-CN": "学法日（每月18日）", en: "Law-study day (18th of each month)" },
  recurrence: { start: "2020-01-18T09:00", rrule: "FREQ=MONTHLY;BYMONTHDAY=18" },
  durationMinutes: 120,
  onNonWorkingDay: "keep",
};

/**
 * 集中学习: one central study session a month (seed 003, rule 6: "每月集中学习一次"). Held on the
 * second Wednesday at 09:00 for 90 minutes, moved to the next working day when that is a holiday.
 *
 * @example
 * ```ts
 * expandSeries(STUDY_SERIES, "2026-03-01", "2026-03-31", createHolidayCalendar()).events[0]?.date; // "2026-03-11"
 * ```
 */
export const STUDY_SERIES: OfficeSeries = {
  id: "study",
  summary: { "zh-CN": "老干部月度集中学习", en: "Monthly central study session" },
  recurrence: { start: "2020-01-08T09:00", rrule: "FREQ=MONTHLY;BYDAY=+2WE" },
  durationMinutes: 90,
  onNonWorkingDay: "next_working_day",
};

/**
 * 年度体检: one free health check a year for every retired cadre (seed 003, rule 4). The bureau's
 * check-up day: the second Tuesday of April, 08:00–11:30, moved to the next working day if needed.
 *
 * @example
 * ```ts
 * expandSeries(HEALTH_CHECK_SERIES, "2027-01-01", "2027-12-31", createHolidayCalendar()).events[0]?.date; // "2027-04-13"
 * ```
 */
export const HEALTH_CHECK_SERIES: OfficeSeries = {
  id: "health-check",
  summary: { "zh-CN": "离退休干部年度免费体检", en: "Annual free health check for retired cadres" },
  recurrence: { start: "2020-04-14T08:00", rrule: "FREQ=YEARLY;BYMONTH=4;BYDAY=+2TU" },
  durationMinutes: 210,
  onNonWorkingDay: "next_working_day",
};

/**
 * The series that ship with Elderflow, by id (the names `elderflow calendar <series>` accepts).
 *
 * @example
 * ```ts
 * Object.keys(OFFICE_SERIES); // ["legal-aid", "law-day", "study", "health-check"]
 * ```
 */
export const OFFICE_SERIES: Readonly<Record<string, OfficeSeries>> = {
  "legal-aid": LEGAL_AID_SERIES,
  "law-day": LAW_DAY_SERIES,
  study: STUDY_SERIES,
  "health-check": HEALTH_CHECK_SERIES,
};

/** One event of an expanded {@link OfficeSeries}. */
export interface SeriesEvent {
  /** Local date of the event. */
  readonly date: IsoDate;
  /** Start, ISO 8601 with offset. */
  readonly start: string;
  /** End, ISO 8601 with offset. */
  readonly end: string;
  /** The rule's date, when the event was moved off a non-working day. */
  readonly movedFrom?: IsoDate;
}

/** An office series expanded over a window, with what the holiday calendar changed. */
export interface SeriesExpansion {
  /** The series. */
  readonly series: OfficeSeries;
  /** Events in the window, in date order. */
  readonly events: SeriesEvent[];
  /** Rule dates in the window left out because they were not working days (`skip`). */
  readonly skipped: IsoDate[];
  /** Rule dates moved to another day (`next_working_day` / `previous_working_day`). */
  readonly moved: { readonly from: IsoDate; readonly to: IsoDate }[];
  /** `HOLIDAYS_PROVISIONAL` for every year of the window whose schedule is unpublished. */
  readonly warnings: ScheduleWarning[];
}

/** Options of {@link expandSeries}: the occurrence limit, and where the series sits in a larger input. */
export interface SeriesOptions extends ExpansionOptions {
  /** Path of the series in the caller's input, prefixed to error paths. */
  readonly path?: FieldPath;
}

/**
 * Expands an office series over `[from, to]` against a holiday calendar: occurrences on
 * non-working days are kept, skipped or moved as the series says. Stops with
 * `TOO_MANY_OCCURRENCES` past `options.maxOccurrences` (default 100,000).
 *
 * @example
 * ```ts
 * const x = expandSeries(LEGAL_AID_SERIES, "2026-09-28", "2026-10-11", createHolidayCalendar());
 * x.events.map((e) => e.date); // ["2026-09-29"]  (Oct 6 is in the National Day holiday)
 * x.skipped; // ["2026-10-06"]
 * ```
 */
export function expandSeries(
  series: OfficeSeries,
  from: IsoDate,
  to: IsoDate,
  calendar: HolidayCalendar,
  options: SeriesOptions = {},
): SeriesExpansion {
  const path = options.path ?? [];
  const [a, b] = dateWindow(from, to, path);
  if (!Number.isInteger(series.durationMinutes) || series.durationMinutes < 1 || series.durationMinutes > 1440)
    throw new ElderflowError("OUT_OF_RANGE", {
      path: [...path, "durationMinutes"],
      params: { detail: "durationMinutes 1..1440" },
    });
  const rec = createRecurrence(series.recurrence, [...path, "recurrence"]);
  const zone = IANAZone.create(rec.zone);
  const events: SeriesEvent[] = [];
  const skipped: IsoDate[] = [];
  const moved: { from: IsoDate; to: IsoDate }[] = [];
  // Look back a little so that an occurrence moved forward into the window is not lost.
  const lookBack = series.onNonWorkingDay === "next_working_day" ? 31 : 0;
  const lookAhead = series.onNonWorkingDay === "previous_working_day" ? 31 : 0;
  const limit = { maxOccurrences: occurrenceLimit(options, path) };
  for (const o of rec.between(fromEpochDay(a - lookBack), fromEpochDay(b + lookAhead), limit)) {
    const target = calendar.adjust(o.date, series.onNonWorkingDay);
    const inWindow = (d: IsoDate) => d >= from && d <= to;
    if (target === null) {
      if (inWindow(o.date)) skipped.push(o.date);
      continue;
    }
    if (!inWindow(target)) continue;
    let startMs = o.epochMs;
    if (target !== o.date) {
      moved.push({ from: o.date, to: target });
      const floating = Date.parse(`${target}T${o.time}:00Z`);
      startMs = wallClockToEpochMs(floating, zone);
    }
    const s = isoInZone(startMs, zone);
    const e = isoInZone(startMs + series.durationMinutes * 60_000, zone);
    events.push(
      target === o.date
        ? { date: s.date, start: s.iso, end: e.iso }
        : { date: s.date, start: s.iso, end: e.iso, movedFrom: o.date },
    );
  }
  events.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  return { series, events, skipped, moved, warnings: calendar.warnings(from, to) };
}

// ---- study and 送学上门 (docs/domain.md rule 6) --------------------------------------------------------------------

/** One study session with its delivery list. */
export interface StudySession extends SeriesEvent {
  /** Ids of the active persons who cannot come and get the materials delivered (送学上门), sorted. */
  readonly deliveries: string[];
}

/**
 * The monthly study sessions in a window, each with its 送学上门 delivery list: active persons who
 * cannot come (default: `health.mobilityLimited`) get the materials and documents delivered.
 *
 * @example
 * ```ts
 * const plan = studyPlan([{ id: "p1", health: { mobilityLimited: true } }, { id: "p2" }], {
 *   from: "2026-03-01", to: "2026-03-31", calendar: createHolidayCalendar(),
 * });
 * plan.sessions[0]; // { date: "2026-03-11", ..., deliveries: ["p1"] }
 * ```
 */
export function studyPlan<P extends ServedPerson>(
  persons: readonly P[],
  options: {
    readonly from: IsoDate;
    readonly to: IsoDate;
    readonly calendar: HolidayCalendar;
    readonly series?: OfficeSeries;
    readonly cannotAttend?: (person: P) => boolean;
    readonly maxOccurrences?: number;
  },
): { sessions: StudySession[]; warnings: ScheduleWarning[] } {
  const limit = options.maxOccurrences === undefined ? {} : { maxOccurrences: options.maxOccurrences };
  const x = expandSeries(options.series ?? STUDY_SERIES, options.from, options.to, options.calendar, limit);
  const cannot = options.cannotAttend ?? ((p: P) => p.health?.mobilityLimited === true);
  const away = persons.filter((p) => cannot(p));
  const sessions = x.events.map((e) => ({
    ...e,
    deliveries: away
      .filter((p) => activeOn(p, e.date))
      .map((p) => p.id)
      .sort(),
  }));
  return { sessions, warnings: x.warnings };
}

// ---- holiday visits (docs/domain.md rule 3) ------------------------------------------------------------------------

/** An anniversary that adds a visit in its round years (e.g. the founding of the PRC every 10 years). */
export interface AnniversaryRule {
  /** Stable id, e.g. `prc_founding`. */
  readonly id: string;
  /** Name in both languages. */
  readonly name: Bilingual;
  /** Gregorian month and day of the anniversary. */
  readonly month: number;
  /** Day of month. */
  readonly day: number;
  /** Year of the founding event. */
  readonly since: number;
  /** Round years: every `every` years (default 10). */
  readonly every?: number;
}

/**
 * Anniversaries that add visits by default: the founding of the People's Republic (Oct 1, 1949)
 * and of the Party (July 1, 1921), in every tenth year.
 *
 * @example
 * ```ts
 * visitOccasions(2029, DEFAULT_ANNIVERSARIES).at(-1)?.anniversary; // 80 (PRC founding)
 * ```
 */
export const DEFAULT_ANNIVERSARIES: readonly AnniversaryRule[] = [
  {
    id: "party_founding",
    name: { "zh-CN": "建党纪念日", en: "Party founding anniversary" },
    month: 7,
    day: 1,
    since: 1921,
  },
  { id: "prc_founding", name: { "zh-CN": "国庆", en: "National Day anniversary" }, month: 10, day: 1, since: 1949 },
];

/** One visit occasion of a year. */
export interface VisitOccasion {
  /** `spring_festival`, `july_1`, or the id of an anniversary rule. */
  readonly occasion: string;
  /** Gregorian date. */
  readonly date: IsoDate;
  /** Name in both languages. */
  readonly name: Bilingual;
  /** The round anniversary number, in anniversary years (e.g. 110 for July 1, 2031). */
  readonly anniversary?: number;
}

/**
 * The holiday visit occasions of a year (docs/domain.md rule 3): Spring Festival (lunar new year, from
 * the lunar table, so Feb 6 in 2027) and July 1, plus one extra visit for each anniversary in a
 * round year. An anniversary falling on an occasion already listed marks it instead of doubling it.
 *
 * @example
 * ```ts
 * visitOccasions(2029).map((o) => [o.occasion, o.date, o.anniversary]);
 * // [["spring_festival", "2029-02-13", undefined], ["july_1", "2029-07-01", undefined],
 * //  ["prc_founding", "2029-10-01", 80]]
 * ```
 */
export function visitOccasions(
  year: number,
  anniversaries: readonly AnniversaryRule[] = DEFAULT_ANNIVERSARIES,
): VisitOccasion[] {
  if (!Number.isInteger(year) || year < 1901 || year > 2148)
    throw new ElderflowError("OUT_OF_RANGE", { path: ["year"], params: { detail: "year 1901..2148" } });
  const list: VisitOccasion[] = [
    { occasion: "spring_festival", date: springFestival(year), name: { "zh-CN": "春节", en: "Spring Festival" } },
    { occasion: "july_1", date: `${year}-07-01`, name: { "zh-CN": "七一", en: "July 1" } },
  ];
  anniversaries.forEach((r, i) => {
    if (!Number.isInteger(r.since)) throw new ElderflowError("NOT_A_NUMBER", { path: ["anniversaries", i, "since"] });
    if (r.every !== undefined && !Number.isInteger(r.every))
      throw new ElderflowError("NOT_A_NUMBER", { path: ["anniversaries", i, "every"] });
    if (r.every !== undefined && r.every < 1)
      throw new ElderflowError("TOO_SMALL", { path: ["anniversaries", i, "every"], params: { minimum: 1 } });
    const every = r.every ?? 10;
    const n = year - r.since;
    if (n <= 0 || n % every !== 0) return;
    if (!isIsoDate(`2000-${String(r.month).padStart(2, "0")}-${String(r.day).padStart(2, "0")}`))
      throw new ElderflowError("INVALID_DATE", { path: ["anniversaries", i] });
    const date = fromEpochDay(gregorianOccurrenceDay(year, r.month, r.day, "BACKWARD"));
    const same = list.findIndex((o) => o.date === date);
    if (same >= 0) list[same] = { ...(list[same] as VisitOccasion), anniversary: n };
    else list.push({ occasion: r.id, date, name: r.name, anniversary: n });
  });
  return list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/** One visit due to a person. */
export interface VisitEntry {
  /** The person. */
  readonly personId: string;
  /** Date of the visit. */
  readonly date: IsoDate;
  /** The occasion id. */
  readonly occasion: string;
  /** Anniversary number in round years. */
  readonly anniversary?: number;
}

/**
 * The visit list of a year: every active person (optionally filtered) for every occasion of
 * {@link visitOccasions}, sorted by date then personId.
 *
 * @example
 * ```ts
 * holidayVisitList([{ id: "p1" }], { year: 2027 }).map((v) => v.date); // ["2027-02-06", "2027-07-01"]
 * ```
 */
export function holidayVisitList<P extends ServedPerson>(
  persons: readonly P[],
  options: {
    readonly year: number;
    readonly anniversaries?: readonly AnniversaryRule[];
    readonly eligible?: (person: P) => boolean;
  },
): VisitEntry[] {
  const occasions = visitOccasions(options.year, options.anniversaries);
  const ids = persons
    .filter((p) => options.eligible?.(p) ?? true)
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const out: VisitEntry[] = [];
  for (const o of occasions)
    for (const p of ids)
      if (activeOn(p, o.date))
        out.push(
          o.anniversary === undefined
            ? { personId: p.id, date: o.date, occasion: o.occasion }
            : { personId: p.id, date: o.date, occasion: o.occasion, anniversary: o.anniversary },
        );
  return out;
}

// ---- health checks (docs/domain.md rule 4) ----------------------------------------------------------------------

/** A recorded health check. */
export interface HealthCheckRecord {
  /** The person. */
  readonly personId: string;
  /** The day of the check. */
  readonly date: IsoDate;
}

/** Health-check status of one person on a date. */
export interface HealthCheckStatus {
  /** The person. */
  readonly personId: string;
  /** Latest check on or before the date, or null. */
  readonly lastCheck: IsoDate | null;
  /**
   * When the next check is owed (core's `nextAnnualDue`): 1 January after the last check under the
   * default calendar-year reading, or the start of the current period if never checked.
   */
  readonly dueDate: IsoDate;
  /** From when it is overdue: the period in which it fell due has ended. */
  readonly overdueFrom: IsoDate;
  /** `done`: checked in the current period; `due`: owed in it; `overdue`: owed since an earlier period. */
  readonly status: "done" | "due" | "overdue";
}

/** Options of {@link healthCheckStatus}. */
export interface HealthCheckStatusOptions {
  /** How "once a year" is read (core's `AnnualReading`; default `calendar-year`, as the policy preset). */
  readonly reading?: AnnualReading;
}

/**
 * Health checks due and overdue on a date (docs/domain.md rule 4: one free check a year), read
 * with core's one definition of "annual" (`annualStanding`), the same the `health-check` policy
 * preset uses: for every person active on that date, sorted by status (overdue, due, done), then
 * due date, then personId. Records after the date are not known yet and are ignored. Records
 * with bad dates throw one error listing every bad record's path.
 *
 * @example
 * ```ts
 * healthCheckStatus([{ id: "p1" }, { id: "p2" }], [{ personId: "p1", date: "2026-12-20" }], "2027-01-05");
 * // [{ personId: "p1", lastCheck: "2026-12-20", dueDate: "2027-01-01", overdueFrom: "2028-01-01", status: "due" },
 * //  { personId: "p2", lastCheck: null, dueDate: "2027-01-01", overdueFrom: "2028-01-01", status: "due" }]
 * ```
 */
export function healthCheckStatus<P extends ServedPerson>(
  persons: readonly P[],
  records: readonly HealthCheckRecord[],
  on: IsoDate,
  options: HealthCheckStatusOptions = {},
): HealthCheckStatus[] {
  toEpochDay(on, ["on"]);
  const reading = options.reading ?? DEFAULT_ANNUAL_READING;
  const last = new Map<string, IsoDate>();
  const bad: FieldPath[] = [];
  records.forEach((r, i) => {
    if (typeof r?.date !== "string" || !isIsoDate(r.date)) {
      bad.push(["records", i, "date"]);
      return;
    }
    if (r.date > on) return;
    const prev = last.get(r.personId);
    if (prev === undefined || r.date > prev) last.set(r.personId, r.date);
  });
  if (bad.length > 0)
    throw new ElderflowError("INVALID_DATE", {
      path: bad[0] as FieldPath,
      issues: bad.map((path) => ({ code: "INVALID_DATE" as const, path, params: {} })),
    });
  const rank = { overdue: 0, due: 1, done: 2 } as const;
  return persons
    .filter((p) => activeOn(p, on))
    .map((p): HealthCheckStatus => {
      const l = last.get(p.id) ?? null;
      const s = annualStanding(l, on, reading);
      return { personId: p.id, lastCheck: l, dueDate: s.dueDate, overdueFrom: s.overdueFrom, status: s.status };
    })
    .sort(
      (x, y) =>
        rank[x.status] - rank[y.status] ||
        (x.dueDate < y.dueDate ? -1 : x.dueDate > y.dueDate ? 1 : 0) ||
        (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : 0),
    );
}
