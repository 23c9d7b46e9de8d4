import {
  DEFAULT_ZONE,
  ElderflowError,
  type FieldPath,
  type IsoDate,
  isIsoDate,
  isValidTimeZone,
} from "@elderflow/core";
import { IANAZone } from "luxon";
import type { Options, RRule as RRuleType } from "rrule";
import * as rruleNs from "rrule";
import { dateWindow } from "./days";
import { type ExpansionOptions, occurrenceLimit, tooManyOccurrences } from "./limits";
import { type CheckedRRule, checkRRuleText } from "./rrule-text";

// rrule 2.8 ships a UMD main and an ESM "module" without an exports map: Node's ESM loader sees
// the CommonJS object under `default`, bundlers see the named exports. Accept both.
const rrulePkg = ((rruleNs as unknown as { default?: typeof rruleNs }).default ?? rruleNs) as typeof rruleNs;
const { RRule, Weekday } = rrulePkg;

/**
 * A recurring event: an RFC 5545 RRULE anchored at a local wall-clock start in an IANA time zone.
 * The wall-clock time stays put across DST changes (a 09:00 meeting is at 09:00 in winter and summer).
 */
export interface RecurrenceSpec {
  /** First occurrence, local wall clock: `YYYY-MM-DDTHH:mm` (or `YYYY-MM-DD` for midnight). */
  readonly start: string;
  /** The RRULE body, e.g. `FREQ=WEEKLY;BYDAY=TU`. */
  readonly rrule: string;
  /** IANA time zone (default Asia/Shanghai). */
  readonly zone?: string;
}

/** One occurrence of a {@link Recurrence}. */
export interface Occurrence {
  /** Local calendar date in the recurrence's zone. */
  readonly date: IsoDate;
  /** Local wall-clock time `HH:mm` (after resolving a DST gap, see {@link createRecurrence}). */
  readonly time: string;
  /** The instant, ISO 8601 with the zone's offset. */
  readonly start: string;
  /** The instant in epoch milliseconds. */
  readonly epochMs: number;
}

/** An expanded-on-demand recurrence. */
export interface Recurrence {
  /** The time zone occurrences are read in. */
  readonly zone: string;
  /** The RRULE body as given. */
  readonly rrule: string;
  /** The local start `YYYY-MM-DDTHH:mm`. */
  readonly start: string;
  /**
   * Occurrences whose local date lies in `[from, to]`. Costs in proportion to the window, not to
   * the distance from the start (unless the rule has a COUNT, which has to be counted from the start).
   * Stops with `TOO_MANY_OCCURRENCES` past `options.maxOccurrences` (default 100,000), counted as
   * they come, or at once when a rule without BYxxx parts is known to exceed it.
   */
  between(from: IsoDate, to: IsoDate, options?: ExpansionOptions): Occurrence[];
}

const LOCAL = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses `YYYY-MM-DDTHH:mm[:ss]` into a floating Date (UTC fields = wall clock). */
export function parseLocal(value: string, path: FieldPath): Date {
  const m = typeof value === "string" ? LOCAL.exec(value) : null;
  if (!m || !isIsoDate(m[1] as string)) throw new ElderflowError("INVALID_DATE", { path });
  const [y, mo, d] = (m[1] as string).split("-").map(Number) as [number, number, number];
  const h = Number(m[2] ?? 0);
  const mi = Number(m[3] ?? 0);
  const s = Number(m[4] ?? 0);
  if (h > 23 || mi > 59 || s > 59) throw new ElderflowError("INVALID_DATE", { path });
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/**
 * The instant of a wall-clock time in a zone, following RFC 5545 section 3.3.5: a time that occurs
 * twice (DST overlap) is the first of the two; a time that does not exist (DST gap) is read with the
 * offset in force before the gap, so 02:30 on a spring-forward night becomes 03:30.
 */
export function wallClockToEpochMs(floatingMs: number, zone: IANAZone): number {
  return resolveWallClock(floatingMs, zone, undefined).ms;
}

const DAY_MS = 86_400_000;
const SAMPLE_DAYS = 7;

/**
 * The zone's offsets sampled every 7 days over a window: where two neighbouring samples agree, the
 * offset is constant in between (no zone changes its offset twice within a week). Reading a zone's
 * offset goes through Intl and costs tens of microseconds, so a window of a year costs about 55
 * lookups instead of several per occurrence.
 */
interface OffsetSamples {
  readonly first: number; // day index of the first sample
  readonly values: number[];
}

function sampleOffsets(zone: IANAZone, fromDay: number, toDay: number): OffsetSamples {
  const first = fromDay - 2;
  const values: number[] = [];
  for (let d = first; d <= toDay + 2 + SAMPLE_DAYS; d += SAMPLE_DAYS) values.push(zone.offset(d * DAY_MS));
  return { first, values };
}

/** The offset if it is the same on every day boundary from day k-1 to day k+2, else undefined. */
function constantOffset(samples: OffsetSamples, k: number): number | undefined {
  const i = Math.floor((k - 1 - samples.first) / SAMPLE_DAYS);
  const j = Math.ceil((k + 2 - samples.first) / SAMPLE_DAYS);
  if (i < 0 || j >= samples.values.length) return undefined;
  const v = samples.values[i] as number;
  for (let x = i + 1; x <= j; x++) if (samples.values[x] !== v) return undefined;
  return v;
}

/** {@link wallClockToEpochMs} with the offset it used; `samples` lets most occurrences skip Intl. */
function resolveWallClock(
  floatingMs: number,
  zone: IANAZone,
  samples: OffsetSamples | undefined,
): { ms: number; offset: number } {
  const k = Math.floor(floatingMs / DAY_MS);
  const known = samples === undefined ? undefined : constantOffset(samples, k);
  if (known !== undefined) return { ms: floatingMs - known * 60_000, offset: known };
  const before = zone.offset((k - 1) * DAY_MS);
  const after = zone.offset((k + 2) * DAY_MS);
  if (before === after) return { ms: floatingMs - before * 60_000, offset: before };
  let best = Number.NaN;
  let bestOff = before;
  for (const off of [before, after]) {
    const t = floatingMs - off * 60_000;
    if (zone.offset(t) === off && !(t >= best)) {
      best = t;
      bestOff = off;
    }
  }
  if (!Number.isNaN(best)) return { ms: best, offset: bestOff };
  // A gap: no offset reproduces the wall clock; use the offset before the gap.
  const ms = floatingMs - before * 60_000;
  return { ms, offset: zone.offset(ms) };
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function offsetString(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

/** Renders an instant as local ISO 8601 with the zone's offset, without allocating a luxon DateTime. */
export function isoInZone(
  epochMs: number,
  zone: IANAZone,
  knownOffset?: number,
): { iso: string; date: IsoDate; time: string } {
  const off = knownOffset ?? zone.offset(epochMs);
  const local = new Date(epochMs + off * 60_000);
  const date = local.toISOString().slice(0, 10);
  const time = `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}`;
  return { iso: `${date}T${time}:${pad2(local.getUTCSeconds())}${offsetString(off)}`, date, time };
}

const REBASE_FREQS = new Set([RRule.YEARLY, RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY]);
const SUB_DAILY_MS: Partial<Record<number, number>> = {
  [RRule.HOURLY]: 3_600_000,
  [RRule.MINUTELY]: 60_000,
  [RRule.SECONDLY]: 1_000,
};

/**
 * Parses and checks an RRULE body: RFC 5545 part by part first (see `checkRRuleText`), so that
 * rrule.js only ever sees text it reads as written. `INVALID_RECURRENCE` at `[...path, PART]`.
 */
export function parseRRule(text: string, path: FieldPath): Partial<Options> {
  const checked = checkRRuleText(text, path);
  try {
    return RRule.parseString(checked.text);
  } catch (e) {
    // Unreachable for checked text; kept so that a library change cannot leak a plain Error.
    throw new ElderflowError("INVALID_RECURRENCE", { path, params: { detail: "unreadable rule" }, cause: e });
  }
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * rrule.js steps a sub-daily rule until the hour (minute, second) is one the BYxxx lists allow,
 * and loops for ever when the INTERVAL never lands on one (`FREQ=HOURLY;INTERVAL=24;BYHOUR=5` from
 * midnight). Whether it can is arithmetic: the position within the day moves by INTERVAL modulo
 * the day, so it reaches exactly the positions congruent to the start modulo gcd(INTERVAL, day).
 */
function assertReachable(o: RRuleType["options"], path: FieldPath): void {
  const unit = SUB_DAILY_MS[o.freq];
  if (unit === undefined) return;
  const perDay = 86_400_000 / unit;
  const g = gcd(o.interval % perDay === 0 ? perDay : o.interval % perDay, perDay);
  const s = o.dtstart;
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  const hours = o.byhour ?? all(24);
  const minutes = o.freq === RRule.HOURLY ? [0] : (o.byminute ?? all(60));
  const seconds = o.freq === RRule.SECONDLY ? (o.bysecond ?? all(60)) : [0];
  const start =
    o.freq === RRule.HOURLY
      ? s.getUTCHours()
      : o.freq === RRule.MINUTELY
        ? s.getUTCHours() * 60 + s.getUTCMinutes()
        : s.getUTCHours() * 3600 + s.getUTCMinutes() * 60 + s.getUTCSeconds();
  const scale = o.freq === RRule.HOURLY ? [1, 0, 0] : o.freq === RRule.MINUTELY ? [60, 1, 0] : [3600, 60, 1];
  const [kh, km, ks] = scale as [number, number, number];
  for (const h of hours)
    for (const m of minutes)
      for (const sec of seconds) if ((((h * kh + m * km + sec * ks - start) % g) + g) % g === 0) return;
  throw new ElderflowError("INVALID_RECURRENCE", {
    path: [...path, "INTERVAL"],
    params: { detail: "INTERVAL never reaches a time that BYHOUR, BYMINUTE and BYSECOND allow" },
  });
}

/** Builds an equivalent rule whose DTSTART is moved forward by whole periods, with every BYxxx explicit. */
function rebased(rule: RRuleType, windowStart: Date): RRuleType | null {
  const o = rule.options;
  if (o.count !== null) return null;
  const s = o.dtstart;
  const f = windowStart;
  let start: Date;
  const unit = SUB_DAILY_MS[o.freq];
  if (unit !== undefined) {
    // Whole steps of INTERVAL units keep the phase: without BYHOUR/BYMINUTE/BYSECOND, rrule.js only
    // ever visits start + j * step. With them it jumps hours in its own way, so such rules keep their start.
    const timeParts = [
      o.byhour,
      o.freq === RRule.HOURLY ? null : o.byminute,
      o.freq === RRule.SECONDLY ? o.bysecond : null,
    ];
    if (timeParts.some((p) => p !== null && p !== undefined)) return null;
    const step = unit * o.interval;
    const k = Math.floor((f.getTime() - s.getTime()) / step);
    if (k <= 0) return null;
    start = new Date(s.getTime() + k * step);
  } else if (!REBASE_FREQS.has(o.freq)) {
    return null;
  } else if (o.freq === RRule.YEARLY) {
    const k = Math.floor((f.getUTCFullYear() - s.getUTCFullYear()) / o.interval) * o.interval;
    if (k <= 0) return null;
    start = new Date(Date.UTC(s.getUTCFullYear() + k, 0, 1));
  } else if (o.freq === RRule.MONTHLY) {
    const months = (f.getUTCFullYear() - s.getUTCFullYear()) * 12 + f.getUTCMonth() - s.getUTCMonth();
    const k = Math.floor(months / o.interval) * o.interval;
    if (k <= 0) return null;
    start = new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + k, 1));
  } else {
    const day = (d: Date) => Math.floor(d.getTime() / 86_400_000);
    let sDay = day(s);
    if (o.freq === RRule.WEEKLY) {
      // Align to the start of dtstart's week (rrule numbers weekdays 0 = Monday).
      const wd = (((sDay + 3) % 7) + 7) % 7;
      sDay -= (wd - o.wkst + 7) % 7;
    }
    const step = o.freq === RRule.WEEKLY ? 7 * o.interval : o.interval;
    const k = Math.floor((day(f) - sDay) / step) * step;
    if (k <= 0) return null;
    start = new Date((sDay + k) * 86_400_000);
  }
  const byweekday = [
    ...(o.byweekday ?? []).map((w) => new Weekday(w)),
    ...(o.bynweekday ?? []).map(([w, n]) => new Weekday(w as number, n)),
  ];
  const bymonthday = [...(o.bymonthday ?? []), ...(o.bynmonthday ?? [])];
  return new RRule({
    freq: o.freq,
    interval: o.interval,
    wkst: o.wkst,
    dtstart: start,
    until: o.until,
    bysetpos: o.bysetpos,
    bymonth: o.bymonth,
    bymonthday: bymonthday.length > 0 ? bymonthday : null,
    byyearday: o.byyearday,
    byweekno: o.byweekno,
    byweekday: byweekday.length > 0 ? byweekday : null,
    byhour: o.byhour,
    byminute: o.byminute,
    bysecond: o.bysecond,
    byeaster: o.byeaster,
  });
}

/** Periods of a rule (FREQ x INTERVAL) from its start to `hi`, rounded up, plus one on each side. */
function periodsTo(o: RRuleType["options"], hi: Date): number {
  const s = o.dtstart;
  const unit = SUB_DAILY_MS[o.freq];
  let units: number;
  if (unit !== undefined) units = (hi.getTime() - s.getTime()) / unit;
  else if (o.freq === RRule.YEARLY) units = hi.getUTCFullYear() - s.getUTCFullYear();
  else if (o.freq === RRule.MONTHLY)
    units = (hi.getUTCFullYear() - s.getUTCFullYear()) * 12 + hi.getUTCMonth() - s.getUTCMonth();
  else if (o.freq === RRule.WEEKLY) units = (hi.getTime() - s.getTime()) / (7 * DAY_MS) + 1;
  else units = (hi.getTime() - s.getTime()) / DAY_MS;
  return Math.max(0, Math.ceil(units / o.interval)) + 2;
}

/** Thrown from inside rrule.js to stop it; never leaves {@link expandBounded}. */
const STOP = Symbol("stop");

/**
 * The rule's dates in `[lo, hi]`, with two bounds that rrule.js lacks:
 * - at most `max` dates, counted as they come (`TOO_MANY_OCCURRENCES`);
 * - at most as many periods as the window needs. rrule.js stops only at a date past the window,
 *   so a rule that matches nothing after it (`FREQ=DAILY;BYSETPOS=2`, `BYMONTH=2;BYMONTHDAY=30`)
 *   would scan every period up to the year 9999. It reads `options.interval` at least once per
 *   period (to test for 0 and to step), so a getter counts periods and stops the scan once they
 *   cover the window. A window that needs more periods than `4 x max + 1024` is refused as too much
 *   work, the same error as too many dates.
 */
function expandBounded(rule: RRuleType, lo: Date, hi: Date, max: number, path: FieldPath): Date[] {
  const o = rule.options;
  const needed = periodsTo(o, o.until !== null && o.until < hi ? o.until : hi);
  const budget = Math.min(needed, 4 * max + 1024);
  // Without a COUNT nothing ends the scan before the window does: refuse it before scanning.
  if (budget < needed && o.count === null) throw tooManyOccurrences(max, path);
  let reads = 0;
  const guarded = { ...o };
  Object.defineProperty(guarded, "interval", {
    get() {
      reads += 1;
      if (reads > 2 * budget + 2) throw STOP;
      return o.interval;
    },
  });
  const probe = new RRule({ freq: o.freq, dtstart: o.dtstart }, true);
  Object.defineProperty(probe, "options", { value: guarded });
  const out: Date[] = [];
  try {
    probe.between(lo, hi, true, (d) => {
      if (out.length >= max) throw STOP;
      out.push(d);
      return true;
    });
  } catch (e) {
    if (e !== STOP) throw e;
    if (out.length >= max || budget < needed) throw tooManyOccurrences(max, path);
  }
  return out;
}

/** For rules that select every period (no BYxxx narrowing them), the count is known before expanding. */
function assertCountBound(
  checked: CheckedRRule,
  o: RRuleType["options"],
  lo: Date,
  hi: Date,
  max: number,
  path: FieldPath,
) {
  if (checked.freq === "YEARLY" || checked.freq === "MONTHLY") return; // BYMONTHDAY defaults can skip
  for (const k of checked.parts.keys()) if (k.startsWith("BY") || k === "COUNT") return;
  const until = o.until === null ? hi.getTime() : Math.min(hi.getTime(), o.until.getTime());
  const from = Math.max(lo.getTime(), o.dtstart.getTime());
  const step = (SUB_DAILY_MS[o.freq] ?? (o.freq === RRule.WEEKLY ? 7 : 1) * DAY_MS) * o.interval;
  if ((until - from) / step - 1 > max) throw tooManyOccurrences(max, path);
}

/**
 * Creates a recurrence from an RRULE and a local start in a time zone, expanded with rrule.js in
 * floating (wall-clock) time and placed in the zone with luxon's zone data, so that DST changes never
 * move the wall-clock time. DST overlaps take the first instant, gaps the offset before the gap
 * (RFC 5545). Errors: `INVALID_DATE` (start), `INVALID_RECURRENCE` (rrule), `UNKNOWN_TIME_ZONE` (zone).
 *
 * @example
 * ```ts
 * const legalAid = createRecurrence({ start: "2027-01-05T14:00", rrule: "FREQ=WEEKLY;BYDAY=TU" });
 * legalAid.between("2027-03-01", "2027-03-31").map((o) => o.date);
 * // ["2027-03-02", "2027-03-09", "2027-03-16", "2027-03-23", "2027-03-30"]
 * ```
 */
export function createRecurrence(spec: RecurrenceSpec, path: FieldPath = []): Recurrence {
  if (spec === null || typeof spec !== "object")
    throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "object" } });
  const zoneName = checkZone(spec.zone ?? DEFAULT_ZONE, [...path, "zone"]);
  const zone = IANAZone.create(zoneName);
  const dtstart = parseLocal(spec.start, [...path, "start"]);
  const checked = checkRRuleText(spec.rrule, [...path, "rrule"]);
  const opts = parseRRule(checked.text, [...path, "rrule"]);
  // rrule.js expands in floating time here, so a UTC UNTIL (RFC 5545 requires UTC when the start has
  // a zone) is turned into the zone's wall clock at that instant; a date-only UNTIL is already local.
  if (opts.until && /UNTIL=\d{8}T\d{6}Z/.test(checked.text)) {
    const u = opts.until.getTime();
    opts.until = new Date(u + zone.offset(u) * 60_000);
  } else if (opts.until && /UNTIL=\d{8}(;|$)/.test(checked.text)) {
    // A date-only UNTIL with a timed start is read as the whole of that day (as rrule-temporal does).
    opts.until = new Date(opts.until.getTime() + 86_400_000 - 1);
  }
  let rule: RRuleType;
  try {
    rule = new RRule({ ...opts, dtstart });
  } catch (e) {
    throw new ElderflowError("INVALID_RECURRENCE", {
      path: [...path, "rrule"],
      params: { detail: "rrule.js refused the rule" },
      cause: e,
    });
  }
  assertReachable(rule.options, [...path, "rrule"]);
  return {
    zone: zoneName,
    rrule: spec.rrule,
    start: spec.start,
    between(from: IsoDate, to: IsoDate, options?: ExpansionOptions): Occurrence[] {
      const max = occurrenceLimit(options);
      const [a, b] = dateWindow(from, to);
      const lo = new Date(a * 86_400_000);
      const hi = new Date((b + 1) * 86_400_000 - 1);
      const r = rebased(rule, lo) ?? rule;
      assertCountBound(checked, r.options, lo, hi, max, path);
      const out: Occurrence[] = [];
      const found = expandBounded(r, lo, hi, max, path);
      // Sampling pays off only when there are more occurrences than samples.
      const samples = found.length > (b - a) / SAMPLE_DAYS + 4 ? sampleOffsets(zone, a, b) : undefined;
      for (const d of found) {
        const { ms, offset } = resolveWallClock(d.getTime(), zone, samples);
        const { iso, date, time } = isoInZone(ms, zone, offset);
        out.push({ date, time, start: iso, epochMs: ms });
      }
      return out;
    },
  };
}

const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * The zone, checked: `UNKNOWN_TIME_ZONE` otherwise. The message names the zone only when it has
 * the shape of an IANA name (ASCII, at most 64 characters, no run of three digits, so never an
 * ID number or a phone); anything else is not repeated, whatever its length.
 */
export function checkZone(zone: unknown, path: FieldPath): string {
  const shaped = typeof zone === "string" && ZONE_SHAPE.test(zone) && !/\d{3}/.test(zone);
  if (shaped && isValidTimeZone(zone)) return zone;
  throw new ElderflowError("UNKNOWN_TIME_ZONE", { path, params: { zone: shaped ? zone : "?" } });
}
