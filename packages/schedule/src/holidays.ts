import { ElderflowError, type FieldPath, formatMessage, type IsoDate, isIsoDate } from "@elderflow/core";
import chineseDays from "chinese-days";
import { fromEpochDay, toEpochDay, weekdayOfEpochDay } from "./days";
import { type HolidayPack, isVerifiedHolidayPack } from "./holiday-pack";
import { lunarOccurrenceDay, solarTerm, springFestival } from "./lunar";

/** What kind of day a date is in a holiday calendar. */
export type DayKind = "workday" | "weekend" | "holiday" | "shifted_workday";

/** One day of a {@link HolidayCalendar}. */
export interface DayInfo {
  /** The date. */
  readonly date: IsoDate;
  /** Whether offices work that day. */
  readonly working: boolean;
  /** Ordinary workday, weekend, holiday, or 调休 shifted working day (a weekend worked). */
  readonly kind: DayKind;
  /** Name of the holiday or local day (`"春节"`, `"Spring Festival"` …), when there is one. */
  readonly name?: { readonly "zh-CN": string; readonly en: string };
  /** Where the answer came from: the official schedule, a provisional guess, or a local day. */
  readonly source: "official" | "provisional" | "local" | "weekday";
  /** The holiday pack that answered, when one did: its notice number and content hash. */
  readonly pack?: { readonly notice: string; readonly hash: string; readonly status: HolidayPack["status"] };
}

/** A local day that a bureau adds to the national calendar (a local holiday, or a day worked). */
export interface LocalDay {
  /** The date. */
  readonly date: IsoDate;
  /** Whether offices work that day. */
  readonly working: boolean;
  /** Its name in both languages. */
  readonly name: { readonly "zh-CN": string; readonly en: string };
}

/** A source of official holiday data: the State Council's schedule, year by year. */
export interface HolidayProvider {
  /** Whether the official schedule of a year is published (known to the provider). */
  isPublished(year: number): boolean;
  /** The official status of a date of a published year; `undefined` for an ordinary day. */
  officialDay(date: IsoDate): { readonly working: boolean; readonly name: { "zh-CN": string; en: string } } | undefined;
}

/** A warning attached to a result that is still usable: e.g. `HOLIDAYS_PROVISIONAL`. */
export interface ScheduleWarning {
  /** Stable code from the message catalogue. */
  readonly code: "HOLIDAYS_PROVISIONAL";
  /** Message parameters. */
  readonly params: { readonly year: number };
  /** The message in both languages. */
  readonly message: { readonly "zh-CN": string; readonly en: string };
}

/** What to do with an office event that falls on a non-working day. */
export type NonWorkingDayRule = "keep" | "skip" | "next_working_day" | "previous_working_day";

/** A holiday calendar: statutory holidays, 调休 and local days. */
export interface HolidayCalendar {
  /** The status of one date. */
  day(date: IsoDate): DayInfo;
  /** Whether offices work on a date. */
  isWorkingDay(date: IsoDate): boolean;
  /** The first working day on or after a date (strictly after with `{ includeSelf: false }`). */
  nextWorkingDay(date: IsoDate, options?: { readonly includeSelf?: boolean }): IsoDate;
  /** The last working day on or before a date. */
  previousWorkingDay(date: IsoDate, options?: { readonly includeSelf?: boolean }): IsoDate;
  /** Applies a {@link NonWorkingDayRule} to a date: the date to hold the event on, or null (skip). */
  adjust(date: IsoDate, rule: NonWorkingDayRule): IsoDate | null;
  /** Whether a year's official schedule is published (otherwise the calendar is provisional). */
  isPublished(year: number): boolean;
  /** `HOLIDAYS_PROVISIONAL` for every year of `[from, to]` without a published schedule. */
  warnings(from: IsoDate, to: IsoDate): ScheduleWarning[];
  /** The holiday packs this calendar answers from, in the order given. */
  readonly packs: readonly HolidayPack[];
  /**
   * A new calendar with one more pack (this one is unchanged): a confirmed pack replaces the
   * provisional rule and any provisional pack of its year. `HOLIDAY_PACK_CONFLICT` for a second,
   * different confirmed pack of the same year.
   */
  withPack(pack: HolidayPack): HolidayCalendar;
}

function splitName(raw: string): { "zh-CN": string; en: string } {
  const [en = raw, zh = raw] = raw.split(",");
  return { "zh-CN": zh, en };
}

const publishedCache = new Map<number, boolean>();

/**
 * The official schedule from the `chinese-days` package (State Council announcements, 2004 to the
 * latest published year, updated with each announcement).
 *
 * @example
 * ```ts
 * chineseDaysProvider.officialDay("2026-10-01"); // { working: false, name: { "zh-CN": "国庆节", en: "National Day" } }
 * ```
 */
export const chineseDaysProvider: HolidayProvider = {
  isPublished(year: number): boolean {
    let p = publishedCache.get(year);
    if (p === undefined) {
      // Every published year has New Year's Day among its holidays.
      p = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-01-31`, false).length > 0;
      publishedCache.set(year, p);
    }
    return p;
  },
  officialDay(date: IsoDate) {
    const d = chineseDays.getDayDetail(date);
    const weekend = weekdayOfEpochDay(toEpochDay(date)) >= 6;
    // A named day carries "English,中文,days"; a plain day is named by its weekday.
    const named = d.name.includes(",");
    if (weekend === d.work || (weekend && named)) return { working: d.work, name: splitName(d.name) };
    return undefined;
  },
};

const PROVISIONAL_NAMES = {
  ny: { "zh-CN": "元旦", en: "New Year's Day" },
  sf: { "zh-CN": "春节", en: "Spring Festival" },
  qm: { "zh-CN": "清明", en: "Tomb-sweeping Day" },
  ld: { "zh-CN": "劳动节", en: "Labour Day" },
  db: { "zh-CN": "端午", en: "Dragon Boat Festival" },
  ma: { "zh-CN": "中秋", en: "Mid-autumn Festival" },
  nd: { "zh-CN": "国庆节", en: "National Day" },
} as const;

const provisionalCache = new Map<number, Map<IsoDate, { "zh-CN": string; en: string }>>();

/**
 * The statutory holidays of a year whose schedule is not yet published, by the current regulation
 * (全国年节及纪念日放假办法, 2025): New Year's Day 1 day, Spring Festival 4 days (eve to the 3rd),
 * Qingming 1, Labour Day 2, Dragon Boat 1, Mid-autumn 1, National Day 3. No 调休 is guessed.
 */
function provisionalHolidays(year: number): Map<IsoDate, { "zh-CN": string; en: string }> {
  let m = provisionalCache.get(year);
  if (m) return m;
  m = new Map();
  const add = (d: IsoDate, n: { "zh-CN": string; en: string }) => m?.set(d, n);
  add(`${year}-01-01`, PROVISIONAL_NAMES.ny);
  const sf = toEpochDay(springFestival(year));
  for (let i = -1; i <= 2; i++) add(fromEpochDay(sf + i), PROVISIONAL_NAMES.sf);
  add(solarTerm(year, "清明"), PROVISIONAL_NAMES.qm);
  add(`${year}-05-01`, PROVISIONAL_NAMES.ld);
  add(`${year}-05-02`, PROVISIONAL_NAMES.ld);
  add(fromEpochDay(lunarOccurrenceDay(year, 5, false, 5, "BACKWARD")), PROVISIONAL_NAMES.db);
  add(fromEpochDay(lunarOccurrenceDay(year, 8, false, 15, "BACKWARD")), PROVISIONAL_NAMES.ma);
  for (const d of ["10-01", "10-02", "10-03"]) add(`${year}-${d}`, PROVISIONAL_NAMES.nd);
  provisionalCache.set(year, m);
  return m;
}

/** Options for {@link createHolidayCalendar}. */
export interface HolidayCalendarOptions {
  /** Local days that override the national calendar (a bureau's own holidays or worked days). */
  readonly localDays?: readonly LocalDay[];
  /** Where official data comes from (default {@link chineseDaysProvider}). */
  readonly provider?: HolidayProvider;
  /**
   * Holiday packs from {@link loadHolidayPack}. A confirmed pack is the official schedule of its
   * year and wins over the provider; a provisional pack answers a year that neither the provider
   * nor a confirmed pack covers (still with `source: "provisional"` and the warning).
   */
  readonly packs?: readonly HolidayPack[];
}

interface PackDayEntry {
  readonly working: boolean;
  readonly name: { readonly "zh-CN": string; readonly en: string };
  readonly pack: HolidayPack;
}

interface PackIndex {
  readonly years: Map<number, HolidayPack>;
  readonly days: Map<IsoDate, PackDayEntry>;
}

/** Checks the packs and indexes them by status: confirmed years and days, provisional ones. */
function indexPacks(packs: readonly HolidayPack[]): { confirmed: PackIndex; provisional: PackIndex } {
  const confirmed: PackIndex = { years: new Map(), days: new Map() };
  const provisional: PackIndex = { years: new Map(), days: new Map() };
  packs.forEach((pack, i) => {
    if (!isVerifiedHolidayPack(pack))
      throw new ElderflowError("INVALID_INPUT", {
        path: ["packs", i],
        params: { detail: "a holiday pack must come from loadHolidayPack" },
      });
    const index = pack.status === "confirmed" ? confirmed : provisional;
    const other = index.years.get(pack.year);
    if (other !== undefined && other.hash !== pack.hash)
      throw new ElderflowError("HOLIDAY_PACK_CONFLICT", { path: ["packs", i], params: { year: pack.year } });
    index.years.set(pack.year, pack);
    for (const d of pack.daysOff) index.days.set(d.date, { working: false, name: d.name, pack });
    for (const d of pack.workingDays) index.days.set(d.date, { working: true, name: d.name, pack });
  });
  return { confirmed, provisional };
}

/**
 * Creates a holiday calendar: Chinese statutory holidays and 调休 shifted working days from the
 * official schedule, local days on top, weekends (Saturday, Sunday) otherwise. A year whose
 * schedule is not published yet is answered from the statutory holiday list without 调休 and
 * flagged by {@link HolidayCalendar.warnings} with `HOLIDAYS_PROVISIONAL`, never silently.
 *
 * @example
 * ```ts
 * const cal = createHolidayCalendar({
 *   localDays: [{ date: "2026-09-18", working: false, name: { "zh-CN": "区庆", en: "District day" } }],
 * });
 * cal.isWorkingDay("2026-02-14"); // true (a Saturday worked for Spring Festival)
 * cal.nextWorkingDay("2026-10-01"); // "2026-10-08"
 * cal.warnings("2027-01-01", "2027-12-31")[0]?.code; // "HOLIDAYS_PROVISIONAL"
 * ```
 */
export function createHolidayCalendar(options: HolidayCalendarOptions = {}): HolidayCalendar {
  const provider = options.provider ?? chineseDaysProvider;
  const packs = Object.freeze([...(options.packs ?? [])]);
  const { confirmed, provisional } = indexPacks(packs);
  const isPublished = (year: number) => confirmed.years.has(year) || provider.isPublished(year);
  const fromPack = (date: IsoDate, weekend: boolean, e: PackDayEntry | undefined, p: HolidayPack): DayInfo => {
    const source = p.status === "confirmed" ? "official" : "provisional";
    const ref = { notice: p.notice.number, hash: p.hash, status: p.status };
    if (e === undefined) return { date, working: !weekend, kind: weekend ? "weekend" : "workday", source, pack: ref };
    const pack = { notice: e.pack.notice.number, hash: e.pack.hash, status: e.pack.status };
    return { date, working: e.working, kind: e.working ? "shifted_workday" : "holiday", name: e.name, source, pack };
  };
  const local = new Map<IsoDate, LocalDay>();
  (options.localDays ?? []).forEach((d, i) => {
    if (!isIsoDate(d.date)) throw new ElderflowError("INVALID_DATE", { path: ["localDays", i, "date"] });
    local.set(d.date, d);
  });
  const cache = new Map<IsoDate, DayInfo>();
  const day = (date: IsoDate, path: FieldPath = ["date"]): DayInfo => {
    const hit = cache.get(date);
    if (hit) return hit;
    const ed = toEpochDay(date, path);
    const weekend = weekdayOfEpochDay(ed) >= 6;
    const year = Number(date.slice(0, 4));
    let info: DayInfo;
    const l = local.get(date);
    if (l) {
      info = {
        date,
        working: l.working,
        kind: l.working ? (weekend ? "shifted_workday" : "workday") : "holiday",
        name: l.name,
        source: "local",
      };
    } else if (confirmed.days.has(date) || confirmed.years.has(year)) {
      const e = confirmed.days.get(date);
      info = fromPack(date, weekend, e, e?.pack ?? (confirmed.years.get(year) as HolidayPack));
    } else if (provider.isPublished(year)) {
      const o = provider.officialDay(date);
      if (o)
        info = {
          date,
          working: o.working,
          kind: o.working ? "shifted_workday" : "holiday",
          name: o.name,
          source: "official",
        };
      else info = { date, working: !weekend, kind: weekend ? "weekend" : "workday", source: "weekday" };
    } else if (provisional.days.has(date) || provisional.years.has(year)) {
      const e = provisional.days.get(date);
      info = fromPack(date, weekend, e, e?.pack ?? (provisional.years.get(year) as HolidayPack));
    } else {
      const n = year >= 1901 && year <= 2148 ? provisionalHolidays(year).get(date) : undefined;
      info = n
        ? { date, working: false, kind: "holiday", name: n, source: "provisional" }
        : { date, working: !weekend, kind: weekend ? "weekend" : "workday", source: "provisional" };
    }
    cache.set(date, info);
    return info;
  };
  const step = (date: IsoDate, dir: 1 | -1, includeSelf: boolean): IsoDate => {
    let ed = toEpochDay(date, ["date"]);
    if (!includeSelf) ed += dir;
    // The longest run of non-working days in China is 9 (Spring Festival 2026); 60 is generous.
    for (let i = 0; i < 60; i++, ed += dir) {
      const d = fromEpochDay(ed);
      if (day(d).working) return d;
    }
    throw new ElderflowError("OUT_OF_RANGE", { path: ["date"], params: { detail: "no working day within 60 days" } });
  };
  const cal: HolidayCalendar = {
    day: (date) => day(date),
    isWorkingDay: (date) => day(date).working,
    nextWorkingDay: (date, o) => step(date, 1, o?.includeSelf ?? true),
    previousWorkingDay: (date, o) => step(date, -1, o?.includeSelf ?? true),
    adjust(date, rule) {
      if (rule === "keep" || day(date).working) return date;
      if (rule === "skip") return null;
      return rule === "next_working_day" ? step(date, 1, false) : step(date, -1, false);
    },
    isPublished,
    packs,
    withPack: (pack) => createHolidayCalendar({ ...options, packs: [...packs, pack] }),
    warnings(from, to) {
      const a = Number(from.slice(0, 4));
      const b = Number(to.slice(0, 4));
      toEpochDay(from, ["from"]);
      toEpochDay(to, ["to"]);
      const out: ScheduleWarning[] = [];
      for (let y = a; y <= b; y++) if (!isPublished(y)) out.push(provisionalWarning(y));
      return out;
    },
  };
  return cal;
}

/**
 * The `HOLIDAYS_PROVISIONAL` warning for a year, with its message in both languages.
 *
 * @example
 * ```ts
 * provisionalWarning(2027).message.en;
 * // "The official holiday schedule for 2027 is not published yet; the calendar is provisional"
 * ```
 */
export function provisionalWarning(year: number): ScheduleWarning {
  return {
    code: "HOLIDAYS_PROVISIONAL",
    params: { year },
    message: {
      "zh-CN": formatMessage("HOLIDAYS_PROVISIONAL", "zh-CN", { year }),
      en: formatMessage("HOLIDAYS_PROVISIONAL", "en", { year }),
    },
  };
}
