import {
  daysInMonth,
  ElderflowError,
  type ElderflowIssue,
  type IsoDate,
  isElderflowError,
  isIsoDate,
  type MessageParams,
} from "@elderflow/core";
import { dateWindow, fromEpochDay } from "./days";
import { type ExpansionOptions, occurrenceLimit, tooManyOccurrences } from "./limits";
import { LUNAR_RANGE, lunarCodeOfEpochDay, lunarOccurrenceDay, lunarOfEpochDay, SKIP_VALUES, type Skip } from "./lunar";
import { civilToEpochDay, gregorianOccurrenceDay } from "./yearly";

/** The fields of a person that a birthday roster reads (a parsed `Person` has them all). */
export interface RosterPerson {
  /** Record id. */
  readonly id: string;
  /** Gregorian birth date (the lunar birthday is derived from it). */
  readonly birthDate: IsoDate;
  /** Which calendar the birthday is kept by (default gregorian). */
  readonly birthdayCalendar?: "gregorian" | "lunar" | undefined;
  /** Service status (default active). */
  readonly status?: "active" | "deceased" | "moved" | "transferred" | undefined;
  /** Since when a non-active status holds: the person is served on days before it. */
  readonly statusSince?: IsoDate | undefined;
}

/**
 * Decides whether a birthday is celebrated: the person, the age reached that day (周岁, counted in
 * the calendar the person keeps) and the Gregorian date. The birthday preset of `@elderflow/policy`
 * (`createBirthdayCheck()`) has this shape; the roster itself knows no policy.
 */
export type CelebrationPredicate<P extends RosterPerson = RosterPerson> = (
  person: P,
  age: number,
  date: IsoDate,
) => boolean;

/** SKIP rules for birthdays that do not exist in a year, per calendar. */
export interface BirthdaySkip {
  /** Feb 29 in a common year (default BACKWARD: Feb 28). */
  readonly gregorian?: Skip;
  /**
   * Lunar day 30 in a 29-day month, or a leap-month birthday in a year without that leap month
   * (default BACKWARD: day 29; the regular month of the same number).
   */
  readonly lunar?: Skip;
}

/** Options for {@link birthdayRoster}; `maxOccurrences` bounds the entries and the days of the window. */
export interface BirthdayRosterOptions<P extends RosterPerson> extends ExpansionOptions {
  /** First Gregorian date of the window (Asia/Shanghai calendar day). */
  readonly from: IsoDate;
  /** Last Gregorian date of the window, inclusive. */
  readonly to: IsoDate;
  /** Which birthdays are celebrated (default: every birthday). */
  readonly isCelebration?: CelebrationPredicate<P>;
  /** SKIP rules (default BACKWARD in both calendars). */
  readonly skip?: BirthdaySkip;
}

/** One celebration due: the CLI contract of `elderflow roster birthdays`. */
export interface BirthdayEntry {
  /** The person's record id. */
  readonly personId: string;
  /** Gregorian date of the celebration. */
  readonly date: IsoDate;
  /** Age in completed years reached that day, in the calendar the person keeps. */
  readonly age: number;
  /** The calendar the birthday is kept by. */
  readonly calendar: "gregorian" | "lunar";
}

/** The number written by the decimal digits s[from..to), or -1 if any is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function checkSkip(value: Skip | undefined, path: (string | number)[]): Skip {
  if (value === undefined) return "BACKWARD";
  if (!SKIP_VALUES.includes(value))
    throw new ElderflowError("INVALID_ENUM", { path, params: { options: SKIP_VALUES.join(", ") } });
  return value;
}

/** A person the roster could not read: where, and why (a code from the catalogue). */
export interface RosterRejection {
  /** Index of the person in the input. */
  readonly index: number;
  /** The first problem: code, path (from the persons list) and params, never the value. */
  readonly issue: ElderflowIssue;
}

/** The roster with the persons it could not read, each reported on its own. */
export interface BirthdayRosterReport {
  /** Celebrations of the persons that could be read, sorted by date then personId. */
  readonly entries: BirthdayEntry[];
  /** Persons left out, in input order: an impossible or future birth date, an unknown calendar or status. */
  readonly rejected: RosterRejection[];
}

/**
 * The birthday roster of {@link birthdayRoster}, reading every person on its own: a person whose
 * record is bad (an impossible birth date, a birth date after the window, an unknown calendar or
 * status) is reported in `rejected` with its index and a typed issue, and every other person is
 * still on the roster. Only bad options (the window, SKIP, the limit) throw.
 *
 * @example
 * ```ts
 * const r = birthdayRosterReport(
 *   [{ id: "p1", birthDate: "1947-03-02" }, { id: "p2", birthDate: "2031-01-01" }],
 *   { from: "2027-01-01", to: "2027-12-31" },
 * );
 * r.entries.map((e) => e.personId); // ["p1"]
 * r.rejected; // [{ index: 1, issue: { code: "FUTURE_DATE", path: ["persons", 1, "birthDate"], params: { limit: "2027-12-31" } } }]
 * ```
 */
export function birthdayRosterReport<P extends RosterPerson>(
  persons: readonly P[],
  options: BirthdayRosterOptions<P>,
): BirthdayRosterReport {
  return roster(persons, options);
}

/**
 * The birthday roster (docs/domain.md rule 1): every celebration whose Gregorian date lies in
 * `[from, to]`, sorted by date then personId. Lunar keepers celebrate on their lunar birthday
 * (month, leap flag and day of their birth in the lunar calendar) and count lunar years; dates that
 * do not exist in a year follow the SKIP rules (default BACKWARD: Feb 29 -> Feb 28, day 30 -> day 29,
 * a leap-month birthday in a year without that leap month -> the regular month of the same number).
 * A person whose status is not active on a date is left out for that date. Bad input (an impossible
 * or future birth date, `from` after `to`) throws a typed error with its path and an issue per bad
 * person; {@link birthdayRosterReport} reports bad persons instead and lists every other one. Cost is
 * linear in persons; past `maxOccurrences` entries (default 100,000) it stops with
 * `TOO_MANY_OCCURRENCES`.
 *
 * @example
 * ```ts
 * const roster = birthdayRoster(
 *   [{ id: "p1", birthDate: "1947-03-02" }, { id: "p2", birthDate: "1952-01-31", birthdayCalendar: "lunar" }],
 *   { from: "2027-01-01", to: "2027-12-31", isCelebration: (_p, age) => age % 5 === 0 },
 * );
 * // [{ personId: "p2", date: "2027-02-10", age: 75, calendar: "lunar" },
 * //  { personId: "p1", date: "2027-03-02", age: 80, calendar: "gregorian" }]
 * ```
 */
export function birthdayRoster<P extends RosterPerson>(
  persons: readonly P[],
  options: BirthdayRosterOptions<P>,
): BirthdayEntry[] {
  const report = roster(persons, options);
  const first = report.rejected[0];
  if (first !== undefined)
    throw new ElderflowError(first.issue.code, {
      path: first.issue.path,
      params: first.issue.params,
      issues: report.rejected.map((r) => r.issue),
    });
  return report.entries;
}

function roster<P extends RosterPerson>(
  persons: readonly P[],
  options: BirthdayRosterOptions<P>,
): BirthdayRosterReport {
  const max = occurrenceLimit(options);
  const [a, b] = dateWindow(options.from, options.to);
  if (b - a + 1 > max) throw tooManyOccurrences(max);
  const gSkip = checkSkip(options.skip?.gregorian, ["skip", "gregorian"]);
  const lSkip = checkSkip(options.skip?.lunar, ["skip", "lunar"]);
  const accept = options.isCelebration;
  const to = options.to;
  const gy0 = Number(options.from.slice(0, 4));
  const gy1 = Number(to.slice(0, 4));
  // A lunar birthday moved FORWARD can fall into the next lunar year, so then look one year back.
  const ly0 = Math.max(LUNAR_RANGE.first, lunarOfEpochDay(a, ["from"]).year - (lSkip === "FORWARD" ? 1 : 0));
  const ly1 = Math.min(LUNAR_RANGE.last, lunarOfEpochDay(b, ["to"]).year);
  // One bucket per day of the window, and the day's ISO string made once: the output is then
  // sorted by construction (buckets in date order, ids sorted within a bucket).
  const span = b - a + 1;
  const buckets: BirthdayEntry[][] = new Array(span);
  const isoCache: (string | undefined)[] = new Array(span);
  const iso = (d: number): string => {
    const k = d - a;
    let s = isoCache[k];
    if (s === undefined) {
      s = fromEpochDay(d);
      isoCache[k] = s;
    }
    return s;
  };
  // The celebrations of the person being read, held here until the whole record has been read: a
  // record that turns out bad halfway (its predicate refusing a later birthday) adds nothing. Two
  // arrays reused for every person, as the loop below runs once per person of a province and
  // nothing in it should allocate per person but the entries themselves (no closures, no tuples).
  const foundDays: number[] = [];
  const foundEntries: BirthdayEntry[] = [];
  let found = 0;
  const keep = (d: number, e: BirthdayEntry) => {
    foundDays[found] = d;
    foundEntries[found] = e;
    found++;
  };
  // Whether a birthday is celebrated; a predicate's own typed error (a policy refusing the record)
  // becomes this person's problem, with only its numeric params, as strings in them may repeat
  // the record.
  const celebrates = (p: P, i: number, age: number, date: IsoDate): boolean => {
    if (!accept) return true;
    try {
      return accept(p, age, date);
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      const params: Record<string, string | number | boolean> = e.code === "FUTURE_DATE" ? { limit: date } : {};
      for (const [k, v] of Object.entries(e.params)) if (typeof v !== "string") params[k] = v;
      throw new RecordProblem({ code: e.code, path: ["persons", i, ...e.path], params });
    }
  };
  // Reads one person into `found` entries, or throws a RecordProblem.
  const read = (p: P, i: number): void => {
    if (p === null || typeof p !== "object") throw problem("INVALID_TYPE", ["persons", i], { expected: "object" });
    const bd = p.birthDate;
    // Parsed by character codes: this loop runs once per person of a province.
    const by = typeof bd === "string" && bd.length === 10 ? digits(bd, 0, 4) : -1;
    const bm = by > 0 && bd.charCodeAt(4) === 45 && bd.charCodeAt(7) === 45 ? digits(bd, 5, 7) : -1;
    const bdd = bm > 0 ? digits(bd, 8, 10) : -1;
    if (bdd < 1 || bm > 12 || bdd > daysInMonth(by, bm)) throw problem("INVALID_DATE", ["persons", i, "birthDate"]);
    // Born after the window: no age can be reached in it (core's ageOn refuses it the same way).
    if (bd > to) throw problem("FUTURE_DATE", ["persons", i, "birthDate"], { limit: to });
    let inactiveFrom = Number.POSITIVE_INFINITY;
    const cal = p.birthdayCalendar;
    if (cal !== undefined && cal !== "gregorian" && cal !== "lunar")
      throw problem("INVALID_ENUM", ["persons", i, "birthdayCalendar"], { options: "gregorian, lunar" });
    const st = p.status;
    if (st !== undefined && st !== "active" && st !== "deceased" && st !== "moved" && st !== "transferred")
      throw problem("INVALID_ENUM", ["persons", i, "status"], { options: "active, deceased, moved, transferred" });
    if (st !== undefined && st !== "active") {
      const since = p.statusSince;
      if (since === undefined) throw problem("REQUIRED", ["persons", i, "statusSince"]);
      if (typeof since !== "string" || !isIsoDate(since)) throw problem("INVALID_DATE", ["persons", i, "statusSince"]);
      inactiveFrom = civilToEpochDay(digits(since, 0, 4), digits(since, 5, 7), digits(since, 8, 10));
    }
    if (cal === "lunar") {
      const birth = lunarCodeOfEpochDay(civilToEpochDay(by, bm, bdd));
      if (birth < 0)
        throw problem("OUT_OF_RANGE", ["persons", i, "birthDate"], { detail: "date outside the lunar table" });
      // The code's fields (see lunarCodeOfEpochDay), read without allocating a LunarDate.
      const year = birth >> 10;
      const leap = ((birth >> 9) & 1) === 1;
      const month = (birth >> 5) & 15;
      const day = birth & 31;
      for (let y = Math.max(ly0, year + 1); y <= ly1; y++) {
        const d = lunarOccurrenceDay(y, month, leap, day, lSkip);
        if (d < a || d > b || d >= inactiveFrom) continue;
        const age = y - year;
        const date = iso(d);
        if (!celebrates(p, i, age, date)) continue;
        keep(d, { personId: p.id, date, age, calendar: "lunar" });
      }
    } else {
      for (let y = Math.max(gy0, by + 1); y <= gy1; y++) {
        const d = gregorianOccurrenceDay(y, bm, bdd, gSkip);
        if (d < a || d > b || d >= inactiveFrom) continue;
        const age = y - by;
        const date = iso(d);
        if (!celebrates(p, i, age, date)) continue;
        keep(d, { personId: p.id, date, age, calendar: "gregorian" });
      }
    }
  };
  const rejected: RosterRejection[] = [];
  let count = 0;
  for (let i = 0; i < persons.length; i++) {
    found = 0;
    try {
      read(persons[i] as P, i);
    } catch (e) {
      if (!(e instanceof RecordProblem)) throw e;
      rejected.push({ index: i, issue: e.issue });
      continue;
    }
    if (count + found > max) throw tooManyOccurrences(max);
    count += found;
    for (let k = 0; k < found; k++) {
      const j = (foundDays[k] as number) - a;
      const e = foundEntries[k] as BirthdayEntry;
      const bucket = buckets[j];
      if (bucket) bucket.push(e);
      else buckets[j] = [e];
    }
  }
  const out: BirthdayEntry[] = [];
  for (const bucket of buckets) {
    if (bucket === undefined) continue;
    if (bucket.length > 1) bucket.sort((x, y) => (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : 0));
    for (const e of bucket) out.push(e);
  }
  return { entries: out, rejected };
}

function problem(code: ElderflowIssue["code"], path: (string | number)[], params: MessageParams = {}): RecordProblem {
  return new RecordProblem({ code, path, params });
}

/** A problem with one person of a batch, carried to the batch loop (never leaves this module). */
class RecordProblem extends Error {
  constructor(readonly issue: ElderflowIssue) {
    super(issue.code);
  }
}
