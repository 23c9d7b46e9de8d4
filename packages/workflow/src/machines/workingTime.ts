import { addDays, DEFAULT_ZONE, ElderflowError, type IsoDate, isoDateAt, isoWeekday } from "@elderflow/core";
import { z } from "zod";

const HOUR = 3_600_000;

/**
 * Which dates offices work. Injected so that the workflow package does not depend on the holiday
 * data: `@elderflow/schedule`'s `createHolidayCalendar()` is one (statutory holidays and 调休
 * tiaoxiu, the weekends worked in exchange for a longer holiday).
 *
 * @example
 * ```ts
 * const calendar: WorkingCalendar = { isWorkingDay: (date) => date !== "2026-10-01" };
 * ```
 */
export interface WorkingCalendar {
  /** Whether offices work on an ISO date (`YYYY-MM-DD`). */
  isWorkingDay(date: IsoDate): boolean;
}

/**
 * The calendar used when none is injected: Monday to Friday, no holidays.
 *
 * @example
 * ```ts
 * MONDAY_TO_FRIDAY.isWorkingDay("2026-10-03"); // false (a Saturday)
 * ```
 */
export const MONDAY_TO_FRIDAY: WorkingCalendar = { isWorkingDay: (date) => isoWeekday(date) <= 5 };

/**
 * A time limit: `{ hours }` is elapsed time, every hour counts; `{ workingHours }` counts only the
 * hours of working days (whole days, midnight to midnight in the zone); `{ workingDays: n }` is
 * `{ workingHours: 24 * n }`, so a limit started on a working day ends at the same time of day on
 * the n-th working day after it, and one started on a day off ends at the close of the n-th
 * working day.
 *
 * @example
 * ```ts
 * TimeLimit.parse({ workingDays: 2 });
 * ```
 */
export const TimeLimit = z.union([
  z.strictObject({ hours: z.number().positive().finite() }),
  z.strictObject({ workingHours: z.number().positive().finite() }),
  z.strictObject({ workingDays: z.number().positive().finite() }),
]);
/** A time limit in elapsed hours, working hours or working days. */
export type TimeLimit = z.infer<typeof TimeLimit>;

/**
 * A limit multiplied by a factor, in its own unit (e.g. halved for priority targets).
 *
 * @example
 * ```ts
 * scaleLimit({ workingDays: 2 }, 0.5); // { workingDays: 1 }
 * ```
 */
export function scaleLimit(limit: TimeLimit, factor: number): TimeLimit {
  if ("hours" in limit) return { hours: limit.hours * factor };
  if ("workingHours" in limit) return { workingHours: limit.workingHours * factor };
  return { workingDays: limit.workingDays * factor };
}

// Offset of a zone from UTC at an instant, in ms (whole seconds: zones have no finer offsets).
const formatters = new Map<string, Intl.DateTimeFormat>();
function offsetAt(epochMs: number, zone: string): number {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(epochMs)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/** Epoch ms of local midnight at the start of a date in a zone. */
function startOfDay(date: IsoDate, zone: string): number {
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  let t = wall - offsetAt(wall, zone);
  t = wall - offsetAt(t, zone);
  return t;
}

/**
 * The local wall-clock time of an instant in a zone, as `HH:MM`.
 *
 * @example
 * ```ts
 * localTimeAt(Date.UTC(2026, 9, 1, 19), "Asia/Shanghai"); // "03:00"
 * ```
 */
export function localTimeAt(epochMs: number, zone: string = DEFAULT_ZONE): string {
  const m = Math.floor((epochMs + offsetAt(epochMs, zone)) / 60_000);
  const minuteOfDay = ((m % 1440) + 1440) % 1440;
  const hh = String(Math.floor(minuteOfDay / 60)).padStart(2, "0");
  const mm = String(minuteOfDay % 60).padStart(2, "0");
  return `${hh}:${mm}`;
}

// No real calendar has a year without a working day; stop rather than loop on a broken one.
const MAX_DAYS = 3660;

/**
 * When a limit started at an instant runs out (epoch ms), counted in the zone's local days over a
 * working calendar. Deterministic: the same instant, limit and calendar give the same deadline.
 *
 * @example
 * ```ts
 * // 10:00 on Wednesday 2026-09-30, the last working day before the National Day holiday:
 * const calendar = createHolidayCalendar(); // from @elderflow/schedule
 * deadlineOf(Date.UTC(2026, 8, 30, 2), { workingDays: 2 }, calendar);
 * // Friday 2026-10-09 10:00 in Asia/Shanghai
 * ```
 */
export function deadlineOf(
  start: number,
  limit: TimeLimit,
  calendar: WorkingCalendar = MONDAY_TO_FRIDAY,
  zone: string = DEFAULT_ZONE,
): number {
  if ("hours" in limit) return start + Math.round(limit.hours * HOUR);
  let remaining = Math.round(("workingHours" in limit ? limit.workingHours : limit.workingDays * 24) * HOUR);
  let t = start;
  let date = isoDateAt(t, zone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const next = addDays(date, 1);
    const end = startOfDay(next, zone);
    if (calendar.isWorkingDay(date)) {
      const available = end - t;
      if (remaining <= available) return t + remaining;
      remaining -= available;
    }
    t = end;
    date = next;
  }
  throw new ElderflowError("OUT_OF_RANGE", {
    path: ["calendar"],
    params: { detail: "not enough working days within ten years" },
  });
}

/**
 * The delay from an instant until its limit runs out, in ms (at least 1, as xstate needs).
 *
 * @example
 * ```ts
 * delayOf(Date.UTC(2026, 8, 30, 2), { hours: 72 }); // 259200000
 * ```
 */
export function delayOf(
  start: number,
  limit: TimeLimit,
  calendar: WorkingCalendar = MONDAY_TO_FRIDAY,
  zone: string = DEFAULT_ZONE,
): number {
  return Math.max(1, deadlineOf(start, limit, calendar, zone) - start);
}
