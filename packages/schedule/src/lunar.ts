/// <reference path="./vendor.d.ts" />
import { ElderflowError, type FieldPath, type IsoDate } from "@elderflow/core";
import lunarJavascript from "lunar-javascript";
import { epochDayOf, fromEpochDay, toEpochDay } from "./days";

/**
 * RFC 7529 `SKIP`: what to do with an occurrence whose date does not exist in a given year (Feb 29
 * in a common year; a leap month the year does not have; day 30 of a 29-day lunar month).
 * `OMIT` drops it, `BACKWARD` moves it to the previous valid date (Feb 28, day 29, the regular month
 * of the same number), `FORWARD` to the next (Mar 1, the first day of the next month, the month after).
 */
export type Skip = "OMIT" | "BACKWARD" | "FORWARD";

/**
 * The values of {@link Skip}, for validation.
 *
 * @example
 * ```ts
 * SKIP_VALUES.includes("BACKWARD"); // true
 * ```
 */
export const SKIP_VALUES: readonly Skip[] = ["OMIT", "BACKWARD", "FORWARD"];

/** A date in the Chinese lunisolar calendar (农历). */
export interface LunarDate {
  /** Lunar year, numbered as the Gregorian year in which its first month (正月) begins. */
  readonly year: number;
  /** Month number 1 to 12 (正月 = 1). */
  readonly month: number;
  /** Whether it is the leap month (闰月) that follows the regular month of the same number. */
  readonly leap: boolean;
  /** Day of the month, 1 to 30. */
  readonly day: number;
}

/**
 * First and last lunar year that Elderflow's lunar table covers.
 *
 * @example
 * ```ts
 * LUNAR_RANGE.last; // 2149
 * ```
 */
export const LUNAR_RANGE = { first: 1870, last: 2149 } as const;

// The lunar table: one row per lunar month, in order. Built once from lunar-javascript (which
// computes the calendar astronomically with the official corrections); cached so that a roster of a
// million persons does integer lookups instead of object allocation.
interface LunarTable {
  readonly start: Int32Array; // epoch day of the month's first day
  readonly year: Int16Array;
  readonly month: Int8Array; // 1..12
  readonly leap: Uint8Array; // 1 = leap month
  readonly days: Int8Array; // 29 or 30
  readonly yearFirst: Int32Array; // index of the first month of each lunar year (offset by LUNAR_RANGE.first)
  readonly leapOf: Int8Array; // the leap month of each year, 0 if none
}

let table: LunarTable | undefined;

function buildTable(): LunarTable {
  const { LunarYear, Solar } = lunarJavascript;
  const years = LUNAR_RANGE.last - LUNAR_RANGE.first + 1;
  const rows: { start: number; year: number; month: number; leap: boolean; days: number }[] = [];
  const yearFirst = new Int32Array(years + 1);
  const leapOf = new Int8Array(years);
  for (let y = LUNAR_RANGE.first; y <= LUNAR_RANGE.last; y++) {
    const ly = LunarYear.fromYear(y);
    yearFirst[y - LUNAR_RANGE.first] = rows.length;
    leapOf[y - LUNAR_RANGE.first] = ly.getLeapMonth();
    for (const m of ly.getMonthsInYear()) {
      const s = Solar.fromJulianDay(m.getFirstJulianDay());
      rows.push({
        start: epochDayOf(s.getYear(), s.getMonth(), s.getDay()),
        year: m.getYear(),
        month: Math.abs(m.getMonth()),
        leap: m.isLeap(),
        days: m.getDayCount(),
      });
    }
  }
  yearFirst[years] = rows.length;
  const n = rows.length;
  const t: LunarTable = {
    start: new Int32Array(n),
    year: new Int16Array(n),
    month: new Int8Array(n),
    leap: new Uint8Array(n),
    days: new Int8Array(n),
    yearFirst,
    leapOf,
  };
  rows.forEach((r, i) => {
    t.start[i] = r.start;
    t.year[i] = r.year;
    t.month[i] = r.month;
    t.leap[i] = r.leap ? 1 : 0;
    t.days[i] = r.days;
  });
  return t;
}

function lunarTable(): LunarTable {
  table ??= buildTable();
  return table;
}

function checkYear(year: number, path: FieldPath): void {
  if (!Number.isInteger(year) || year < LUNAR_RANGE.first || year > LUNAR_RANGE.last)
    throw new ElderflowError("OUT_OF_RANGE", {
      path,
      params: { detail: `lunar year ${LUNAR_RANGE.first}..${LUNAR_RANGE.last}` },
    });
}

// The month row of every day the table covers (about 102,000 days, 200 KB), built once on first
// use: a roster looks up each lunar keeper's birth day, so this turns a binary search into one read.
let rowOfDay: Uint16Array | undefined;

function dayRows(t: LunarTable): Uint16Array {
  if (rowOfDay === undefined) {
    const last = t.start.length - 1;
    const first = t.start[0] as number;
    const rows = new Uint16Array((t.start[last] as number) + (t.days[last] as number) - first);
    for (let i = 0; i <= last; i++)
      rows.fill(i, (t.start[i] as number) - first, (t.start[i] as number) - first + (t.days[i] as number));
    rowOfDay = rows;
  }
  return rowOfDay;
}

/** Index of the month row holding an epoch day, or -1 outside the table. */
function monthIndexOfDay(epochDay: number): number {
  const t = lunarTable();
  const rows = dayRows(t);
  const k = epochDay - (t.start[0] as number);
  if (!(k >= 0 && k < rows.length)) return -1;
  return rows[k] as number;
}

/** Index of the row of a lunar month, or -1 when that year has no such month. */
function monthIndex(year: number, month: number, leap: boolean): number {
  const t = lunarTable();
  const yi = year - LUNAR_RANGE.first;
  if (yi < 0 || yi >= t.leapOf.length) return -1;
  const first = t.yearFirst[yi] as number;
  const lm = t.leapOf[yi] as number;
  if (leap && lm !== month) return -1;
  // Months before the leap month sit at first + month - 1; the leap month and later ones one further.
  const offset = lm !== 0 && (month > lm || (leap && month === lm)) ? month : month - 1;
  return first + offset;
}

/**
 * Converts a Gregorian date to the lunar calendar.
 *
 * @example
 * ```ts
 * toLunar("2027-02-06"); // { year: 2027, month: 1, leap: false, day: 1 } (Spring Festival 2027)
 * toLunar("2023-03-22"); // { year: 2023, month: 2, leap: true, day: 1 } (闰二月初一)
 * ```
 */
export function toLunar(date: IsoDate, path: FieldPath = []): LunarDate {
  return lunarOfEpochDay(toEpochDay(date, path), path);
}

/** Lunar date of an epoch day (internal fast path of {@link toLunar}). */
export function lunarOfEpochDay(epochDay: number, path: FieldPath = []): LunarDate {
  const i = monthIndexOfDay(epochDay);
  if (i < 0) throw new ElderflowError("OUT_OF_RANGE", { path, params: { detail: "date outside the lunar table" } });
  const t = lunarTable();
  return {
    year: t.year[i] as number,
    month: t.month[i] as number,
    leap: t.leap[i] === 1,
    day: epochDay - (t.start[i] as number) + 1,
  };
}

/**
 * The lunar date of an epoch day packed in one integer, `year << 10 | leap << 9 | month << 5 | day`,
 * or -1 outside the table: the allocation-free path of {@link lunarOfEpochDay} for rosters, which
 * read one lunar birthday per lunar keeper. Unpack with {@link unpackLunar}.
 */
export function lunarCodeOfEpochDay(epochDay: number): number {
  const i = monthIndexOfDay(epochDay);
  if (i < 0) return -1;
  const t = lunarTable();
  return (
    ((t.year[i] as number) << 10) |
    ((t.leap[i] as number) << 9) |
    ((t.month[i] as number) << 5) |
    (epochDay - (t.start[i] as number) + 1)
  );
}

/** The fields of a code of {@link lunarCodeOfEpochDay} (not -1). */
export function unpackLunar(code: number): LunarDate {
  return { year: code >> 10, month: (code >> 5) & 15, leap: ((code >> 9) & 1) === 1, day: code & 31 };
}

/**
 * The leap month (闰月) of a lunar year, or 0 when it has none.
 *
 * @example
 * ```ts
 * leapMonthOf(2023); // 2 (闰二月)
 * leapMonthOf(2027); // 0
 * ```
 */
export function leapMonthOf(year: number): number {
  checkYear(year, ["year"]);
  return lunarTable().leapOf[year - LUNAR_RANGE.first] as number;
}

/**
 * Days in a lunar month (29 or 30); `INVALID_LUNAR_DATE` when the year has no such month.
 *
 * @example
 * ```ts
 * lunarMonthDays(2030, 1, false); // 29
 * ```
 */
export function lunarMonthDays(year: number, month: number, leap = false): number {
  checkLunarFields(year, month, 1, ["lunar"]);
  const i = monthIndex(year, month, leap);
  if (i < 0)
    throw new ElderflowError("INVALID_LUNAR_DATE", {
      path: ["lunar", "leap"],
      params: { detail: `year ${year} has no leap month ${month}` },
    });
  return lunarTable().days[i] as number;
}

function checkLunarFields(year: number, month: number, day: number, path: FieldPath): void {
  checkYear(year, [...path, "year"]);
  if (!Number.isInteger(month) || month < 1 || month > 12)
    throw new ElderflowError("INVALID_LUNAR_DATE", { path: [...path, "month"], params: { detail: "month 1..12" } });
  if (!Number.isInteger(day) || day < 1 || day > 30)
    throw new ElderflowError("INVALID_LUNAR_DATE", { path: [...path, "day"], params: { detail: "day 1..30" } });
}

/**
 * Converts an existing lunar date to the Gregorian calendar. Throws `INVALID_LUNAR_DATE` (with the
 * path of the field at fault) for month 13, a leap month that year never had, or day 30 of a
 * 29-day month; use {@link lunarOccurrence} to apply a SKIP rule instead.
 *
 * @example
 * ```ts
 * fromLunar({ year: 2030, month: 1, leap: false, day: 1 }); // "2030-02-03"
 * ```
 */
export function fromLunar(date: LunarDate, path: FieldPath = []): IsoDate {
  checkLunarFields(date.year, date.month, date.day, path);
  const i = monthIndex(date.year, date.month, date.leap);
  if (i < 0)
    throw new ElderflowError("INVALID_LUNAR_DATE", {
      path: [...path, "leap"],
      params: { detail: `year ${date.year} has no leap month ${date.month}` },
    });
  const t = lunarTable();
  if (date.day > (t.days[i] as number))
    throw new ElderflowError("INVALID_LUNAR_DATE", {
      path: [...path, "day"],
      params: { detail: `month ${date.month} of ${date.year} has ${t.days[i]} days` },
    });
  return fromEpochDay((t.start[i] as number) + date.day - 1);
}

/**
 * Epoch day of a yearly lunar occurrence (month, leap flag, day) in a lunar year under a SKIP rule,
 * or -1 when SKIP=OMIT drops it. Month first, then day, as RFC 7529 orders them. Fast path for rosters.
 */
export function lunarOccurrenceDay(year: number, month: number, leap: boolean, day: number, skip: Skip): number {
  const t = lunarTable();
  const yi = year - LUNAR_RANGE.first;
  if (yi < 0 || yi >= t.leapOf.length) return -1;
  let i = monthIndex(year, month, leap);
  let d = day;
  if (i < 0) {
    // A leap month this year does not have.
    if (skip === "OMIT") return -1;
    i = monthIndex(year, month, false);
    if (skip === "FORWARD") i += 1;
  }
  const len = t.days[i] as number;
  if (d > len) {
    if (skip === "OMIT") return -1;
    if (skip === "BACKWARD") d = len;
    else return (t.start[i] as number) + len; // the first day of the next month
  }
  return (t.start[i] as number) + d - 1;
}

/**
 * The Gregorian date of a yearly lunar occurrence in a given lunar year under RFC 7529 SKIP, or
 * `null` when SKIP=OMIT drops it.
 *
 * @example
 * ```ts
 * // A birthday on 闰四月 (leap 4th month) in 2027, which has no leap month:
 * lunarOccurrence(2027, { month: 4, leap: true, day: 10 }, "BACKWARD"); // 四月初十 = "2027-05-15"
 * lunarOccurrence(2027, { month: 4, leap: true, day: 10 }, "OMIT"); // null
 * ```
 */
export function lunarOccurrence(
  year: number,
  monthDay: { readonly month: number; readonly leap: boolean; readonly day: number },
  skip: Skip = "BACKWARD",
): IsoDate | null {
  checkLunarFields(year, monthDay.month, monthDay.day, []);
  const d = lunarOccurrenceDay(year, monthDay.month, monthDay.leap, monthDay.day, skip);
  return d < 0 ? null : fromEpochDay(d);
}

/**
 * The Gregorian date of Spring Festival (春节, lunar new year) of a year.
 *
 * @example
 * ```ts
 * springFestival(2027); // "2027-02-06"
 * ```
 */
export function springFestival(year: number): IsoDate {
  checkYear(year, ["year"]);
  const t = lunarTable();
  return fromEpochDay(t.start[t.yearFirst[year - LUNAR_RANGE.first] as number] as number);
}

/** Gregorian date of a solar term (节气) such as 清明 in a Gregorian year (used for Qingming). */
export function solarTerm(year: number, name: string): IsoDate {
  const s = lunarJavascript.Lunar.fromYmd(year, 1, 1).getJieQiTable()[name];
  if (s === undefined) throw new ElderflowError("INTERNAL", { params: { detail: `no solar term ${name}` } });
  return s.toYmd();
}
