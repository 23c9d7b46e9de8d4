/**
 * One definition of "annual" (每年一次) for every package that counts yearly services: the policy
 * that grants the free health check, the schedule that lists who is due, the register's health
 * records. Two readings exist and the choice is named, never implied:
 *
 * - `calendar-year`: one per calendar year (1 January to 31 December). A check on 2026-12-20
 *   leaves a new one owed from 2027-01-01. This is the default: the seed says 「每年……进行一次免费
 *   查体」, the bureau organises one check-up round per year, and its yearly reports count by year.
 * - `rolling-12-months`: one per twelve months since the last. A check on 2026-12-20 leaves a new
 *   one owed from 2027-12-20 (a check on Feb 29 is owed again on Feb 28 of the next year, so no
 *   interval exceeds twelve months).
 *
 * Under both, "due" means a check is owed in the current period, and "overdue" means it was owed
 * already in an earlier period that ended without one.
 */
import { z } from "zod";
import { addDays, compareIsoDates, formatIsoDate, type IsoDate, isLeapYear, parseIsoDate } from "./dates";
import { ElderflowError } from "./errors";

/**
 * The readings of "once a year": `calendar-year` (the default) or `rolling-12-months`.
 *
 * @example
 * ```ts
 * AnnualReading.parse("calendar-year");
 * ```
 */
export const AnnualReading = z.enum(["calendar-year", "rolling-12-months"]);
/** A reading of "once a year". */
export type AnnualReading = z.infer<typeof AnnualReading>;

/**
 * The reading the seed implies: calendar years (「每年……一次」, one check-up round a year).
 *
 * @example
 * ```ts
 * DEFAULT_ANNUAL_READING; // "calendar-year"
 * ```
 */
export const DEFAULT_ANNUAL_READING: AnnualReading = "calendar-year";

/**
 * Each reading named in zh-CN and en, for explanations and policy readings.
 *
 * @example
 * ```ts
 * ANNUAL_READING_LABELS["calendar-year"].en; // "“once a year” counts calendar years"
 * ```
 */
export const ANNUAL_READING_LABELS: {
  readonly [R in AnnualReading]: { readonly "zh-CN": string; readonly en: string };
} = {
  "calendar-year": { "zh-CN": "“每年一次”按公历年计", en: "“once a year” counts calendar years" },
  "rolling-12-months": {
    "zh-CN": "“每年一次”按上次起满12个月计",
    en: "“once a year” counts twelve months from the last",
  },
};

/** The same month and day some years later (or earlier); Feb 29 falls on Feb 28 in a common year. */
function sameDayInYear(date: IsoDate, years: number): IsoDate {
  const { year, month, day } = parseIsoDate(date);
  const y = year + years;
  if (y < 1 || y > 9999) throw new ElderflowError("INVALID_DATE", { path: ["date"] });
  return formatIsoDate(y, month, month === 2 && day === 29 && !isLeapYear(y) ? 28 : day);
}

function readingOf(reading: unknown): AnnualReading {
  const r = AnnualReading.safeParse(reading);
  if (!r.success)
    throw new ElderflowError("INVALID_ENUM", {
      path: ["reading"],
      params: { options: AnnualReading.options.join(", ") },
    });
  return r.data;
}

/**
 * The first day a new occurrence is owed after one on `last`: 1 January of the next year
 * (`calendar-year`), or the same day a year later, Feb 29 → Feb 28 (`rolling-12-months`).
 *
 * @example
 * ```ts
 * nextAnnualDue("2026-12-20"); // "2027-01-01"
 * nextAnnualDue("2026-12-20", "rolling-12-months"); // "2027-12-20"
 * ```
 */
export function nextAnnualDue(last: IsoDate, reading: AnnualReading = DEFAULT_ANNUAL_READING): IsoDate {
  parseIsoDate(last, ["last"]);
  if (readingOf(reading) === "calendar-year") {
    const y = Number(last.slice(0, 4)) + 1;
    if (y > 9999) throw new ElderflowError("INVALID_DATE", { path: ["last"] });
    return formatIsoDate(y, 1, 1);
  }
  return sameDayInYear(last, 1);
}

/** The days, as of one day, in which an occurrence counts for the current period. */
export interface AnnualWindow {
  /** First day of the period. */
  readonly start: IsoDate;
  /** Last day: 31 December (`calendar-year`), or the as-of day itself (`rolling-12-months`). */
  readonly end: IsoDate;
}

/**
 * The current period on a day: an occurrence on a day from `start` to `end` means none is owed.
 * `calendar-year`: the calendar year of `on`. `rolling-12-months`: the days whose
 * {@link nextAnnualDue} is after `on` (the twelve months up to `on`).
 *
 * @example
 * ```ts
 * annualWindow("2027-01-05"); // { start: "2027-01-01", end: "2027-12-31" }
 * annualWindow("2027-01-05", "rolling-12-months"); // { start: "2026-01-06", end: "2027-01-05" }
 * ```
 */
export function annualWindow(on: IsoDate, reading: AnnualReading = DEFAULT_ANNUAL_READING): AnnualWindow {
  parseIsoDate(on, ["on"]);
  if (readingOf(reading) === "calendar-year") {
    const y = on.slice(0, 4);
    return { start: `${y}-01-01`, end: `${y}-12-31` };
  }
  // The latest day still owed again by `on` is a year back (at most a day or two later around
  // Feb 29); the window starts the day after it.
  let owed = sameDayInYear(on, -1);
  for (;;) {
    const next = addDays(owed, 1);
    // A day in the as-of year is owed again only next year, after `on`.
    if (next.slice(0, 4) === on.slice(0, 4) || compareIsoDates(sameDayInYear(next, 1), on) > 0) break;
    owed = next;
  }
  return { start: addDays(owed, 1), end: on };
}

/** Where a yearly service stands for one person on a day. */
export interface AnnualStanding {
  /** `done`: had in the current period; `due`: owed in it; `overdue`: owed since an earlier period. */
  readonly status: "done" | "due" | "overdue";
  /** When the next one is owed: {@link nextAnnualDue} of the last, or the current period's start if never had. */
  readonly dueDate: IsoDate;
  /** From when it is overdue: the period in which it fell due has ended (`nextAnnualDue(dueDate)`). */
  readonly overdueFrom: IsoDate;
}

/**
 * Where a yearly service (the free health check) stands on `on`, given the last one on or before
 * it (null: never). Someone never checked is due from the start of the current period and not
 * overdue, since nothing says since when it was owed.
 *
 * @example
 * ```ts
 * annualStanding("2026-12-20", "2027-01-05"); // { status: "due", dueDate: "2027-01-01", overdueFrom: "2028-01-01" }
 * annualStanding("2025-06-01", "2027-01-05").status; // "overdue"
 * ```
 */
export function annualStanding(
  last: IsoDate | null,
  on: IsoDate,
  reading: AnnualReading = DEFAULT_ANNUAL_READING,
): AnnualStanding {
  const r = readingOf(reading);
  parseIsoDate(on, ["on"]);
  if (last !== null) {
    parseIsoDate(last, ["last"]);
    if (compareIsoDates(last, on) > 0) throw new ElderflowError("DATE_ORDER", { path: ["last"] });
  }
  const dueDate = last === null ? annualWindow(on, r).start : nextAnnualDue(last, r);
  const overdueFrom = nextAnnualDue(dueDate, r);
  const status = compareIsoDates(on, dueDate) < 0 ? "done" : compareIsoDates(on, overdueFrom) >= 0 ? "overdue" : "due";
  return { status, dueDate, overdueFrom };
}
