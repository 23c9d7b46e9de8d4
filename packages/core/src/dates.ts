import { DateTime, IANAZone } from "luxon";
import { ElderflowError } from "./errors";

/** The default time zone of every Elderflow computation. */
export const DEFAULT_ZONE = "Asia/Shanghai";

/** An ISO calendar date, `YYYY-MM-DD`, as printed on an ID card. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Whether a string is an existing calendar date in `YYYY-MM-DD` form (so `1950-02-30` is not).
 *
 * @example
 * ```ts
 * isIsoDate("2024-02-29"); // true
 * isIsoDate("2023-02-29"); // false
 * ```
 */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * Whether a Gregorian year is a leap year.
 *
 * @example
 * ```ts
 * isLeapYear(2000); // true
 * ```
 */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Days in a Gregorian month (month 1 to 12).
 *
 * @example
 * ```ts
 * daysInMonth(2024, 2); // 29
 * ```
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return MONTH_DAYS[month - 1] ?? 0;
}

/** A calendar date split into numbers. */
export interface DateParts {
  /** Gregorian year. */
  readonly year: number;
  /** Month, 1 to 12. */
  readonly month: number;
  /** Day of month, 1 to 31. */
  readonly day: number;
}

/**
 * Splits an ISO date into numbers; throws `INVALID_DATE` for anything that is not an existing date.
 *
 * @example
 * ```ts
 * parseIsoDate("1950-10-01"); // { year: 1950, month: 10, day: 1 }
 * ```
 */
export function parseIsoDate(value: string, path: readonly (string | number)[] = []): DateParts {
  if (!isIsoDate(value)) throw new ElderflowError("INVALID_DATE", { path });
  return { year: Number(value.slice(0, 4)), month: Number(value.slice(5, 7)), day: Number(value.slice(8, 10)) };
}

/**
 * Formats numbers as `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * formatIsoDate(2027, 2, 6); // "2027-02-06"
 * ```
 */
export function formatIsoDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Compares two ISO dates (string order is date order for `YYYY-MM-DD`).
 *
 * @example
 * ```ts
 * compareIsoDates("2026-01-01", "2026-12-31"); // -1
 * ```
 */
export function compareIsoDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a string names a time zone that luxon (and so the platform's Intl) knows.
 *
 * @example
 * ```ts
 * isValidTimeZone("Asia/Shanghai"); // true
 * ```
 */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Throws `UNKNOWN_TIME_ZONE` unless the zone is a valid IANA zone.
 *
 * @example
 * ```ts
 * assertTimeZone("Europe/Berlin");
 * ```
 */
export function assertTimeZone(zone: string, path: readonly (string | number)[] = []): void {
  if (!isValidTimeZone(zone)) throw new ElderflowError("UNKNOWN_TIME_ZONE", { path, params: { zone } });
}

/**
 * The calendar date of an instant in a time zone.
 *
 * @example
 * ```ts
 * isoDateAt(Date.UTC(2026, 11, 31, 17), "Asia/Shanghai"); // "2027-01-01"
 * ```
 */
export function isoDateAt(epochMs: number, zone: string = DEFAULT_ZONE): IsoDate {
  const dt = DateTime.fromMillis(epochMs, { zone });
  return formatIsoDate(dt.year, dt.month, dt.day);
}

/**
 * Adds days to an ISO date (negative to go back).
 *
 * @example
 * ```ts
 * addDays("2024-02-28", 1); // "2024-02-29"
 * ```
 */
export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isSafeInteger(days)) throw new ElderflowError("NOT_A_NUMBER", { path: ["days"] });
  const { year, month, day } = parseIsoDate(date);
  const t = new Date(Date.UTC(year, month - 1, day + days));
  return formatIsoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/**
 * Days from `a` to `b` (positive when b is later).
 *
 * @example
 * ```ts
 * daysBetween("2026-01-01", "2026-03-01"); // 59
 * ```
 */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  const pa = parseIsoDate(a);
  const pb = parseIsoDate(b);
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / 86_400_000);
}

/**
 * ISO day of week of a date: 1 = Monday … 7 = Sunday (weeks start on Monday).
 *
 * @example
 * ```ts
 * isoWeekday("2026-11-26"); // 4 (Thursday)
 * ```
 */
export function isoWeekday(date: IsoDate): number {
  const { year, month, day } = parseIsoDate(date);
  const d = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return d === 0 ? 7 : d;
}

/**
 * How a birthday on Feb 29 is reached in a common year: on Feb 28, or on Mar 1 (the default: the
 * anniversary is completed only once Feb 28 has fully passed).
 */
export type LeapDayRule = "feb28" | "mar1";

/** Options for {@link ageOn}. */
export interface AgeOptions {
  /** When someone born on Feb 29 completes a year in a common year. Default `"mar1"`. */
  readonly leapDay?: LeapDayRule;
}

/**
 * Age in completed years (周岁) on a date: the number of birthdays that have been reached by that
 * day. Not 虚岁 (nominal age). Someone born on Feb 29 reaches their birthday on Mar 1 in common
 * years by default (`leapDay: "feb28"` to move it to Feb 28). Returns a negative number before birth.
 *
 * @example
 * ```ts
 * ageOn("1952-07-01", "2027-06-30"); // 74
 * ageOn("1952-07-01", "2027-07-01"); // 75
 * ```
 */
export function ageOn(birthDate: IsoDate, on: IsoDate, options: AgeOptions = {}): number {
  const b = parseIsoDate(birthDate, ["birthDate"]);
  const d = parseIsoDate(on, ["on"]);
  if (compareIsoDates(birthDate, on) > 0)
    throw new ElderflowError("FUTURE_DATE", { path: ["birthDate"], params: { limit: on } });
  let age = d.year - b.year;
  let bMonth = b.month;
  let bDay = b.day;
  if (b.month === 2 && b.day === 29 && !isLeapYear(d.year)) {
    if ((options.leapDay ?? "mar1") === "mar1") {
      bMonth = 3;
      bDay = 1;
    } else {
      bDay = 28;
    }
  }
  if (d.month < bMonth || (d.month === bMonth && d.day < bDay)) age -= 1;
  return age;
}

/**
 * The Gregorian date on which someone reaches a given age (completed years), using the same leap
 * day rule as {@link ageOn}.
 *
 * @example
 * ```ts
 * birthdayForAge("1948-02-29", 79); // "2027-03-01"
 * ```
 */
export function birthdayForAge(birthDate: IsoDate, age: number, options: AgeOptions = {}): IsoDate {
  const b = parseIsoDate(birthDate, ["birthDate"]);
  const year = b.year + age;
  if (b.month === 2 && b.day === 29 && !isLeapYear(year)) {
    return (options.leapDay ?? "mar1") === "mar1" ? formatIsoDate(year, 3, 1) : formatIsoDate(year, 2, 28);
  }
  return formatIsoDate(year, b.month, b.day);
}
