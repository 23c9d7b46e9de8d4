import { type Clock, ElderflowError, type FieldPath, type IsoDate, type Lang } from "@elderflow/core";
import { IANAZone } from "luxon";
import { dateWindow, fromEpochDay, toEpochDay } from "./days";
import type { SeriesExpansion } from "./domain";
import { type ExpansionOptions, occurrenceLimit, tooManyOccurrences } from "./limits";
import { createRecurrence, parseRRule } from "./recurrence";

/** A single event for {@link toICalendar}: all-day (`date`) or timed (`start`/`end` with offsets). */
export interface ICalEvent {
  /** Unique id, stable across exports. */
  readonly uid: string;
  /** Title. */
  readonly summary: string;
  /** All-day event on this date. */
  readonly date?: IsoDate;
  /** Timed event: start instant (ISO 8601 with offset). */
  readonly start?: string;
  /** Timed event: end instant. */
  readonly end?: string;
  /** Optional description. */
  readonly description?: string;
}

/** Options for {@link toICalendar}; `maxOccurrences` bounds each series, the events and the days of the window. */
export interface ICalOptions extends ExpansionOptions {
  /** The clock that stamps DTSTAMP (library code never reads the system time itself). */
  readonly clock: Clock;
  /** Language of titles (default zh-CN). */
  readonly lang?: Lang;
  /** Calendar name (X-WR-CALNAME). */
  readonly name?: string;
}

/** What to put in a calendar: office series (one RRULE each) and single events (lunar, rosters). */
export interface ICalContent {
  /** Expanded office series; each becomes one VEVENT with RRULE, EXDATE and RDATE. */
  readonly series?: readonly SeriesExpansion[];
  /** Single events, one VEVENT each (lunar recurrences, which no RRULE without RSCALE expresses). */
  readonly events?: readonly ICalEvent[];
}

function escapeText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** Folds a content line at 75 octets (RFC 5545 section 3.1), never splitting a UTF-8 character. */
function fold(line: string): string {
  const enc = new TextEncoder();
  if (enc.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let cur = "";
  let curLen = 0;
  for (const ch of line) {
    const n = enc.encode(ch).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (curLen + n > limit) {
      parts.push(cur);
      cur = "";
      curLen = 0;
    }
    cur += ch;
    curLen += n;
  }
  parts.push(cur);
  return parts.join("\r\n ");
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function utcStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(
    d.getUTCMinutes(),
  )}${pad(d.getUTCSeconds())}Z`;
}

/** Local wall-clock `YYYYMMDDTHHMMSS` of an instant in a zone. */
function localStamp(ms: number, zone: IANAZone): string {
  return utcStamp(ms + zone.offset(ms) * 60_000).slice(0, 15);
}

function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/**
 * A VTIMEZONE for a zone over a span: one sub-component per offset change found in the zone data
 * (so ical.js and other clients read TZID times exactly as Elderflow does), or a single STANDARD
 * block for a zone without changes in the span (Asia/Shanghai).
 */
function vtimezone(zoneName: string, fromMs: number, toMs: number): string[] {
  const zone = IANAZone.create(zoneName);
  const lines = ["BEGIN:VTIMEZONE", `TZID:${zoneName}`];
  const startMs = fromMs - 366 * 86_400_000;
  const endMs = toMs + 366 * 86_400_000;
  const first = zone.offset(startMs);
  lines.push(
    "BEGIN:STANDARD",
    `DTSTART:${localStamp(startMs, zone)}`,
    `TZOFFSETFROM:${offsetText(first)}`,
    `TZOFFSETTO:${offsetText(first)}`,
    "END:STANDARD",
  );
  let prev = first;
  // Weekly samples (no zone changes its offset twice within a week), each change then found to the minute.
  const step = 7 * 86_400_000;
  for (let t = startMs + step; t <= endMs + step; t += step) {
    const off = zone.offset(t);
    if (off === prev) continue;
    let lo = t - step;
    let hi = t;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (zone.offset(mid) === prev) lo = mid;
      else hi = mid;
    }
    const kind = off > prev ? "DAYLIGHT" : "STANDARD";
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${utcStamp(hi + prev * 60_000).slice(0, 15)}`,
      `TZOFFSETFROM:${offsetText(prev)}`,
      `TZOFFSETTO:${offsetText(off)}`,
      `END:${kind}`,
    );
    prev = off;
  }
  lines.push("END:VTIMEZONE");
  return lines;
}

function seriesLines(
  x: SeriesExpansion,
  from: IsoDate,
  to: IsoDate,
  lang: Lang,
  stamp: string,
  limit: ExpansionOptions,
  path: FieldPath,
): string[] {
  const rec = createRecurrence(x.series.recurrence, [...path, "series", "recurrence"]);
  const zone = IANAZone.create(rec.zone);
  const raw = rec.between(from, to, limit);
  const summary = escapeText(x.series.summary[lang]);
  const uidBase = `${x.series.id}-${from}-${to}@elderflow`;
  const durationMs = x.series.durationMinutes * 60_000;
  const local = (ms: number) => localStamp(ms, zone);
  const first = raw[0];
  const last = raw[raw.length - 1];
  if (first === undefined || last === undefined) {
    // No rule date in the window (only events moved in from outside): write them one by one.
    return x.events.flatMap((e, i) =>
      singleLines(
        { uid: `${uidBase}-${i}`, summary: x.series.summary[lang], start: e.start, end: e.end },
        stamp,
        rec.zone,
      ),
    );
  }
  // The rule without its own COUNT/UNTIL: the window bounds it by UNTIL (UTC, as RFC 5545 asks
  // when DTSTART carries a TZID). DTSTART is the first rule date in the window, so the series' phase
  // is unchanged.
  const rule = x.series.recurrence.rrule
    .replace(/^RRULE:/i, "")
    .split(";")
    .filter((p) => !/^(COUNT|UNTIL)=/i.test(p))
    .join(";");
  parseRRule(rule, [...path, "series", "recurrence", "rrule"]);
  const lines = [
    "BEGIN:VEVENT",
    `UID:${uidBase}`,
    `DTSTAMP:${stamp}`,
    `DTSTART;TZID=${rec.zone}:${local(first.epochMs)}`,
    `DTEND;TZID=${rec.zone}:${local(first.epochMs + durationMs)}`,
    `RRULE:${rule};UNTIL=${utcStamp(last.epochMs)}`,
    `SUMMARY:${summary}`,
  ];
  const byDate = new Map(raw.map((o) => [o.date, o]));
  const exdates = [...x.skipped, ...x.moved.map((m) => m.from)]
    .map((d) => byDate.get(d))
    .filter((o) => o !== undefined);
  for (const o of exdates) lines.push(`EXDATE;TZID=${rec.zone}:${local(o.epochMs)}`);
  for (const e of x.events)
    if (e.movedFrom !== undefined) lines.push(`RDATE;TZID=${rec.zone}:${local(Date.parse(e.start))}`);
  lines.push("END:VEVENT");
  return lines;
}

function singleLines(e: ICalEvent, stamp: string, zoneName?: string, path: FieldPath = ["events"]): string[] {
  const lines = ["BEGIN:VEVENT", `UID:${e.uid}`, `DTSTAMP:${stamp}`];
  if (e.date !== undefined) {
    const d = toEpochDay(e.date, [...path, "date"]);
    lines.push(
      `DTSTART;VALUE=DATE:${e.date.replace(/-/g, "")}`,
      `DTEND;VALUE=DATE:${fromEpochDay(d + 1).replace(/-/g, "")}`,
    );
  } else if (e.start !== undefined && e.end !== undefined) {
    const s = Date.parse(e.start);
    const t = Date.parse(e.end);
    if (Number.isNaN(s) || Number.isNaN(t)) throw new ElderflowError("INVALID_INSTANT", { path: [...path, "start"] });
    if (zoneName) {
      const zone = IANAZone.create(zoneName);
      lines.push(`DTSTART;TZID=${zoneName}:${localStamp(s, zone)}`, `DTEND;TZID=${zoneName}:${localStamp(t, zone)}`);
    } else lines.push(`DTSTART:${utcStamp(s)}`, `DTEND:${utcStamp(t)}`);
  } else throw new ElderflowError("REQUIRED", { path: [...path, "date"] });
  lines.push(`SUMMARY:${escapeText(e.summary)}`);
  if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  lines.push("END:VEVENT");
  return lines;
}

/**
 * Writes an RFC 5545 calendar: each office series as one VEVENT with an RRULE (EXDATE for
 * occurrences dropped or moved by holidays, RDATE for the days they moved to) and a VTIMEZONE built
 * from the zone data, and single events (lunar dates, which a plain RRULE cannot express) as one
 * VEVENT each. Lines end in CRLF and are folded at 75 octets.
 *
 * @example
 * ```ts
 * const cal = createHolidayCalendar();
 * const ics = toICalendar(
 *   { series: [expandSeries(LEGAL_AID_SERIES, "2026-09-01", "2026-10-31", cal)] },
 *   "2026-09-01", "2026-10-31", { clock: fixedClock("2026-08-01T00:00:00+08:00") },
 * );
 * ics.includes("RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL="); // true
 * ics.includes("EXDATE;TZID=Asia/Shanghai:20261006T140000"); // true
 * ```
 */
export function toICalendar(content: ICalContent, from: IsoDate, to: IsoDate, options: ICalOptions): string {
  const lang = options.lang ?? "zh-CN";
  const stamp = utcStamp(options.clock.now());
  const max = occurrenceLimit(options);
  const limit = { maxOccurrences: max };
  const [a, b] = dateWindow(from, to);
  if (b - a + 1 > max || (content.events?.length ?? 0) > max) throw tooManyOccurrences(max);
  const fromMs = a * 86_400_000;
  const toMs = (b + 1) * 86_400_000;
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Elderflow//schedule//EN", "CALSCALE:GREGORIAN"];
  if (options.name) lines.push(`X-WR-CALNAME:${escapeText(options.name)}`);
  const series = content.series ?? [];
  const zones = new Set(series.map((x, i) => createRecurrence(x.series.recurrence, ["series", i, "recurrence"]).zone));
  for (const z of [...zones].sort()) lines.push(...vtimezone(z, fromMs, toMs));
  series.forEach((x, i) => {
    lines.push(...seriesLines(x, from, to, lang, stamp, limit, ["series", i]));
  });
  (content.events ?? []).forEach((e, i) => {
    lines.push(...singleLines(e, stamp, undefined, ["events", i]));
  });
  lines.push("END:VCALENDAR");
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
