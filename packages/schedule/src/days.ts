import { ElderflowError, type FieldPath, formatIsoDate, type IsoDate, isIsoDate } from "@elderflow/core";

// Epoch days (days since 1970-01-01) are the inner currency of the package: integer arithmetic,
// no allocation, no time zone. Strings appear only at the edges.

/** Days since 1970-01-01 of a Gregorian date given as numbers. */
export function epochDayOf(year: number, month: number, day: number): number {
  // Date.UTC maps years 0..99 to 1900..1999, so those take the slow path.
  const ms = year >= 100 ? Date.UTC(year, month - 1, day) : new Date(0).setUTCFullYear(year, month - 1, day);
  return Math.floor(ms / 86_400_000);
}

/** Epoch day of an ISO date, or `INVALID_DATE` at `path`. */
export function toEpochDay(date: string, path: FieldPath = []): number {
  if (typeof date !== "string" || !isIsoDate(date)) throw new ElderflowError("INVALID_DATE", { path });
  return epochDayOf(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

/** ISO date of an epoch day. */
export function fromEpochDay(epochDay: number): IsoDate {
  const t = new Date(epochDay * 86_400_000);
  return formatIsoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** ISO weekday (1 = Monday … 7 = Sunday) of an epoch day. */
export function weekdayOfEpochDay(epochDay: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

/** Checks `from <= to` (both ISO dates) and returns their epoch days; `DATE_ORDER` at `path` otherwise. */
export function dateWindow(from: string, to: string, path: FieldPath = []): readonly [number, number] {
  const a = toEpochDay(from, [...path, "from"]);
  const b = toEpochDay(to, [...path, "to"]);
  if (a > b) throw new ElderflowError("DATE_ORDER", { path: [...path, "from"] });
  return [a, b];
}
