import { assertTimeZone, DEFAULT_ZONE, ElderflowError, type FieldPath, type IsoDate, isIsoDate } from "@elderflow/core";
import { IANAZone } from "luxon";
import type { Options, RRule as RRuleType } from "rrule";
import * as rruleNs from "rrule";
import { dateWindow } from "./days";

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
   */
  between(from: IsoDate, to: IsoDate): Occurrence[];
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

/** Parses and checks an RRULE body; `INVALID_RECURRENCE` at `path` for anything rrule.js would misread. */
export function parseRRule(text: string, path: FieldPath): Partial<Options> {
  let opts: Partial<Options>;
  try {
    if (typeof text !== "string" || text.length === 0 || text.length > 500) throw new Error("empty or too long");
    opts = RRule.parseString(text.replace(/^RRULE:/i, ""));
  } catch (e) {
    throw new ElderflowError("INVALID_RECURRENCE", {
      path,
      params: { detail: e instanceof Error ? e.message.slice(0, 80) : "unparseable" },
    });
  }
  const bad = (detail: string) => new ElderflowError("INVALID_RECURRENCE", { path, params: { detail } });
  if (opts.freq === undefined || opts.freq === null) throw bad("FREQ is missing or unknown");
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || (typeof v === "number" && Number.isNaN(v))) throw bad(`${k} is malformed`);
    if (Array.isArray(v) && v.some((x) => x === undefined || (typeof x === "number" && Number.isNaN(x))))
      throw bad(`${k} is malformed`);
  }
  if (opts.dtstart) throw bad("give DTSTART as start, not inside the rule");
  if (opts.tzid) throw bad("give TZID as zone, not inside the rule");
  return opts;
}

/** Builds an equivalent rule whose DTSTART is moved forward by whole periods, with every BYxxx explicit. */
function rebased(rule: RRuleType, windowStart: Date): RRuleType | null {
  const o = rule.options;
  if (o.count !== null || !REBASE_FREQS.has(o.freq)) return null;
  const s = o.dtstart;
  const f = windowStart;
  let start: Date;
  if (o.freq === RRule.YEARLY) {
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
  const zoneName = spec.zone ?? DEFAULT_ZONE;
  assertTimeZone(zoneName, [...path, "zone"]);
  const zone = IANAZone.create(zoneName);
  const dtstart = parseLocal(spec.start, [...path, "start"]);
  const opts = parseRRule(spec.rrule, [...path, "rrule"]);
  // rrule.js expands in floating time here, so a UTC UNTIL (RFC 5545 requires UTC when the start has
  // a zone) is turned into the zone's wall clock at that instant; a date-only UNTIL is already local.
  if (opts.until && /UNTIL=\d{8}T\d{6}Z/i.test(spec.rrule)) {
    const u = opts.until.getTime();
    opts.until = new Date(u + zone.offset(u) * 60_000);
  } else if (opts.until && /UNTIL=\d{8}(;|$)/i.test(spec.rrule)) {
    // A date-only UNTIL with a timed start is read as the whole of that day (as rrule-temporal does).
    opts.until = new Date(opts.until.getTime() + 86_400_000 - 1);
  }
  let rule: RRuleType;
  try {
    rule = new RRule({ ...opts, dtstart });
  } catch (e) {
    throw new ElderflowError("INVALID_RECURRENCE", {
      path: [...path, "rrule"],
      params: { detail: e instanceof Error ? e.message.slice(0, 80) : "invalid" },
    });
  }
  return {
    zone: zoneName,
    rrule: spec.rrule,
    start: spec.start,
    between(from: IsoDate, to: IsoDate): Occurrence[] {
      const [a, b] = dateWindow(from, to);
      const lo = new Date(a * 86_400_000);
      const hi = new Date((b + 1) * 86_400_000 - 1);
      const r = rebased(rule, lo) ?? rule;
      const out: Occurrence[] = [];
      const found = r.between(lo, hi, true);
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
