import { ElderflowError, type FieldPath, type IsoDate, isLeapYear } from "@elderflow/core";
import { dateWindow, fromEpochDay } from "./days";
import { type ExpansionOptions, occurrenceLimit, tooManyOccurrences } from "./limits";
import { LUNAR_RANGE, lunarOccurrenceDay, lunarOfEpochDay, SKIP_VALUES, type Skip } from "./lunar";

/** Days from 1970-01-01 to a Gregorian date, by integer arithmetic (Howard Hinnant's days_from_civil). */
export function civilToEpochDay(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Epoch day of a yearly Gregorian occurrence (month, day) in a year under RFC 7529 SKIP, or -1 when
 * SKIP=OMIT drops it. Only Feb 29 can be missing: BACKWARD gives Feb 28, FORWARD Mar 1.
 */
export function gregorianOccurrenceDay(year: number, month: number, day: number, skip: Skip): number {
  if (month === 2 && day === 29 && !isLeapYear(year)) {
    if (skip === "OMIT") return -1;
    return skip === "BACKWARD" ? civilToEpochDay(year, 2, 28) : civilToEpochDay(year, 3, 1);
  }
  return civilToEpochDay(year, month, day);
}

/** A yearly recurrence in either calendar: a birthday, Spring Festival, July 1. */
export interface YearlySpec {
  /** The calendar the month and day are counted in. */
  readonly calendar: "gregorian" | "lunar";
  /** Month 1 to 12. */
  readonly month: number;
  /** Day 1 to 31 (Gregorian) or 1 to 30 (lunar). */
  readonly day: number;
  /** Lunar leap month (闰月); only with `calendar: "lunar"`. */
  readonly leap?: boolean;
  /** What to do when the date does not exist in a year (default BACKWARD). */
  readonly skip?: Skip;
  /** First year of the series (in the rule's calendar; default: no lower bound). */
  readonly firstYear?: number;
}

/** One occurrence of a {@link YearlySpec}. */
export interface YearlyOccurrence {
  /** Gregorian date. */
  readonly date: IsoDate;
  /** The year of the rule's calendar this occurrence belongs to (the lunar year for lunar rules). */
  readonly year: number;
}

/** A yearly recurrence expanded on demand. */
export interface YearlyRecurrence {
  /** The rule. */
  readonly spec: YearlySpec;
  /**
   * Occurrences whose Gregorian date lies in `[from, to]`, in date order; cost proportional to the
   * window. Stops with `TOO_MANY_OCCURRENCES` past `options.maxOccurrences` (default 100,000).
   */
  between(from: IsoDate, to: IsoDate, options?: ExpansionOptions): YearlyOccurrence[];
}

/** Validates a yearly rule; typed errors with the path of the field at fault. */
export function checkYearlySpec(spec: YearlySpec, path: FieldPath = []): void {
  const bad = (field: string, detail: string) =>
    new ElderflowError(spec.calendar === "lunar" ? "INVALID_LUNAR_DATE" : "INVALID_DATE", {
      path: [...path, field],
      ...(spec.calendar === "lunar" ? { params: { detail } } : {}),
    });
  if (spec.calendar !== "gregorian" && spec.calendar !== "lunar")
    throw new ElderflowError("INVALID_ENUM", { path: [...path, "calendar"], params: { options: "gregorian, lunar" } });
  if (!Number.isInteger(spec.month) || spec.month < 1 || spec.month > 12) throw bad("month", "month 1..12");
  const maxDay = spec.calendar === "lunar" ? 30 : [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][spec.month - 1];
  if (!Number.isInteger(spec.day) || spec.day < 1 || spec.day > (maxDay ?? 0)) throw bad("day", "day 1..30");
  if (spec.leap && spec.calendar !== "lunar") throw bad("leap", "leap months are lunar");
  if (spec.firstYear !== undefined && !Number.isInteger(spec.firstYear))
    throw new ElderflowError("NOT_A_NUMBER", { path: [...path, "firstYear"] });
  if (spec.skip !== undefined && !SKIP_VALUES.includes(spec.skip))
    throw new ElderflowError("INVALID_ENUM", { path: [...path, "skip"], params: { options: SKIP_VALUES.join(", ") } });
}

/**
 * A yearly recurrence on a Gregorian or lunar month and day, following RFC 7529 (RSCALE=CHINESE
 * for lunar rules, leap months, SKIP). The Gregorian date of a lunar occurrence comes from
 * Elderflow's lunar table (see {@link toLunar}). `between` costs one step per year of the window.
 *
 * @example
 * ```ts
 * // 闰四月初十 (leap 4th month, day 10) every year, moved back to 四月初十 in years without 闰四月:
 * const r = createYearlyRecurrence({ calendar: "lunar", month: 4, leap: true, day: 10, skip: "BACKWARD" });
 * r.between("2027-01-01", "2028-12-31").map((o) => o.date); // ["2027-05-15", "2028-05-04"]
 * ```
 */
export function createYearlyRecurrence(spec: YearlySpec, path: FieldPath = []): YearlyRecurrence {
  checkYearlySpec(spec, path);
  const skip = spec.skip ?? "BACKWARD";
  const leap = spec.leap ?? false;
  return {
    spec,
    between(from, to, options) {
      const max = occurrenceLimit(options);
      const [a, b] = dateWindow(from, to);
      const out: YearlyOccurrence[] = [];
      let y0: number;
      let y1: number;
      if (spec.calendar === "lunar") {
        // A lunar occurrence moved FORWARD may land in the next lunar year: start one year early.
        y0 = lunarOfEpochDay(a, ["from"]).year - 1;
        y1 = lunarOfEpochDay(b, ["to"]).year;
      } else {
        y0 = Number(from.slice(0, 4));
        y1 = Number(to.slice(0, 4));
      }
      if (spec.firstYear !== undefined) y0 = Math.max(y0, spec.firstYear);
      for (let y = y0; y <= y1; y++) {
        if (spec.calendar === "lunar" && (y < LUNAR_RANGE.first || y > LUNAR_RANGE.last)) continue;
        const d =
          spec.calendar === "lunar"
            ? lunarOccurrenceDay(y, spec.month, leap, spec.day, skip)
            : gregorianOccurrenceDay(y, spec.month, spec.day, skip);
        if (d < a || d > b) continue;
        if (out.length >= max) throw tooManyOccurrences(max);
        out.push({ date: fromEpochDay(d), year: y });
      }
      return out;
    },
  };
}
