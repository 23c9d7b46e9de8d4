/**
 * What a new holiday pack moves: every planned item (a visit, a legal-aid session, an SLA deadline)
 * is dated once over the calendar before the pack and once over the calendar with it; the items
 * whose dates differ are reported with the days that changed under them.
 */
import { ElderflowError, type IsoDate, isIsoDate } from "@elderflow/core";
import { fromEpochDay, toEpochDay } from "./days";
import type { OfficeSeries } from "./domain";
import { expandSeries } from "./domain";
import type { DayKind, HolidayCalendar, NonWorkingDayRule } from "./holidays";

/**
 * Something the system has planned on a date that depends on the holiday calendar. `dateOver`
 * computes its date over a calendar the way the system does (a visit moved off a holiday, an SLA
 * deadline counted in working days …); `null` means it does not take place (skipped).
 */
export interface PlannedItem {
  /** Stable id of the item (a task id, a session id, a case id …). */
  readonly id: string;
  /** What it is: `visit`, `legal_aid_session`, `sla_deadline`, or the caller's own kind. */
  readonly kind: string;
  /** The first date its date depends on: the rule date of a visit, the start of an SLA limit. */
  readonly from: IsoDate;
  /** Its date over a calendar, or null when it is skipped there. */
  dateOver(calendar: HolidayCalendar): IsoDate | null;
}

/** How one day differs between two calendars. */
export interface DayChange {
  /** The date. */
  readonly date: IsoDate;
  /** What kind of day it was. */
  readonly before: DayKind;
  /** What kind of day it is now. */
  readonly after: DayKind;
  /** `became_holiday` (a working day now off) or `became_working_day` (a day off now worked, 调休). */
  readonly reason: "became_holiday" | "became_working_day";
  /** The holiday it belongs to now (or belonged to), when named. */
  readonly name?: { readonly "zh-CN": string; readonly en: string };
}

/** One planned item whose date moves. */
export interface MovedItem {
  /** The item's id. */
  readonly id: string;
  /** The item's kind. */
  readonly kind: string;
  /** Its date over the old calendar (null: it was skipped). */
  readonly oldDate: IsoDate | null;
  /** Its date over the new calendar (null: it is now skipped). */
  readonly newDate: IsoDate | null;
  /** The changed days it depends on, from its `from` date to the later of its two dates. */
  readonly reasons: readonly DayChange[];
}

/** The result of {@link holidayImpact}. */
export interface HolidayImpact {
  /** The items that move, in the order given. */
  readonly moved: readonly MovedItem[];
  /** How many items were checked. */
  readonly checked: number;
  /** Items that could not be dated (bad `from`, or `dateOver` threw): reported, never fatal. */
  readonly rejected: readonly { readonly index: number; readonly id: string; readonly code: string }[];
}

/**
 * The days whose working status differs between two calendars in `[from, to]` (at most 3,660 days).
 *
 * @example
 * ```ts
 * const before = createHolidayCalendar();
 * const after = before.withPack(await loadHolidayPack(packJson));
 * dayChanges(before, after, "2027-01-01", "2027-12-31")[0]?.reason; // "became_holiday"
 * ```
 */
export function dayChanges(before: HolidayCalendar, after: HolidayCalendar, from: IsoDate, to: IsoDate): DayChange[] {
  const a = toEpochDay(from, ["from"]);
  const b = toEpochDay(to, ["to"]);
  if (b < a) throw new ElderflowError("DATE_ORDER", { path: ["to"] });
  if (b - a > 3660) throw new ElderflowError("OUT_OF_RANGE", { path: ["to"], params: { detail: "at most 3660 days" } });
  const out: DayChange[] = [];
  for (let e = a; e <= b; e++) {
    const date = fromEpochDay(e);
    const x = before.day(date);
    const y = after.day(date);
    if (x.working === y.working) continue;
    const name = y.name ?? x.name;
    const change = {
      date,
      before: x.kind,
      after: y.kind,
      reason: y.working ? ("became_working_day" as const) : ("became_holiday" as const),
    };
    out.push(name === undefined ? change : { ...change, name });
  }
  return out;
}

/**
 * Which planned items move when the calendar changes (typically: a confirmed holiday pack is
 * loaded). Each item is dated over both calendars; those whose dates differ are returned with old
 * and new dates and the changed days between the item's `from` date and its later date (the day it
 * stood on became a holiday, a 调休 weekend became a working day, a day counted by an SLA changed).
 * One item that cannot be dated is reported in `rejected` and the rest are still checked.
 *
 * @example
 * ```ts
 * const before = createHolidayCalendar();
 * const after = before.withPack(await loadHolidayPack(packJson));
 * const visit = plannedOnDate("visit-1", "visit", "2027-10-04", "next_working_day");
 * holidayImpact(before, after, [visit]).moved[0]?.newDate; // "2027-10-08"
 * ```
 */
export function holidayImpact(
  before: HolidayCalendar,
  after: HolidayCalendar,
  items: readonly PlannedItem[],
): HolidayImpact {
  const moved: MovedItem[] = [];
  const rejected: { index: number; id: string; code: string }[] = [];
  const changes = new Map<IsoDate, DayChange | null>();
  const changeOn = (date: IsoDate): DayChange | null => {
    let c = changes.get(date);
    if (c === undefined) {
      c = dayChanges(before, after, date, date)[0] ?? null;
      changes.set(date, c);
    }
    return c;
  };
  items.forEach((item, index) => {
    const id = typeof item?.id === "string" ? item.id : "";
    try {
      if (!isIsoDate(item.from)) throw new ElderflowError("INVALID_DATE", { path: ["items", index, "from"] });
      const oldDate = item.dateOver(before);
      const newDate = item.dateOver(after);
      if (oldDate === newDate) return;
      let last = item.from;
      for (const d of [oldDate, newDate]) if (d !== null && d > last) last = d;
      const reasons: DayChange[] = [];
      const a = toEpochDay(item.from);
      const b = Math.min(toEpochDay(last), a + 3660);
      for (let e = a; e <= b; e++) {
        const c = changeOn(fromEpochDay(e));
        if (c !== null) reasons.push(c);
      }
      moved.push({ id, kind: item.kind, oldDate, newDate, reasons });
    } catch (err) {
      rejected.push({ index, id, code: err instanceof ElderflowError ? err.code : "INVALID_INPUT" });
    }
  });
  return { moved, checked: items.length, rejected };
}

/**
 * A planned item on a rule date with a {@link NonWorkingDayRule}: a visit or session held on
 * `date`, moved or skipped when that is not a working day.
 *
 * @example
 * ```ts
 * plannedOnDate("visit-1", "visit", "2027-10-04", "next_working_day").dateOver(createHolidayCalendar());
 * ```
 */
export function plannedOnDate(id: string, kind: string, date: IsoDate, rule: NonWorkingDayRule): PlannedItem {
  return { id, kind, from: date, dateOver: (calendar) => calendar.adjust(date, rule) };
}

/**
 * The planned items of an office series over a window (e.g. legal-aid Tuesdays): one item per rule
 * date, each moved or skipped by the series' own rule. Ids are `<series id>:<rule date>`.
 *
 * @example
 * ```ts
 * seriesPlannedItems(LEGAL_AID_SERIES, "2027-01-01", "2027-12-31", createHolidayCalendar()).length; // 52
 * ```
 */
export function seriesPlannedItems(
  series: OfficeSeries,
  from: IsoDate,
  to: IsoDate,
  calendar: HolidayCalendar,
): PlannedItem[] {
  const x = expandSeries(series, from, to, calendar);
  const ruleDates = new Set<IsoDate>([...x.events.map((e) => e.movedFrom ?? e.date), ...x.skipped]);
  const kind = series.id === "legal-aid" ? "legal_aid_session" : series.id.replace(/-/g, "_");
  return [...ruleDates].sort().map((date) => plannedOnDate(`${series.id}:${date}`, kind, date, series.onNonWorkingDay));
}
