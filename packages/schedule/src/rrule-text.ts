import { ElderflowError, type FieldPath, isIsoDate } from "@elderflow/core";

// rrule.js accepts much that RFC 5545 forbids (INTERVAL=0, COUNT with UNTIL, BYDAY=+9MO with
// FREQ=WEEKLY), quotes the input in its messages and throws plain Errors. So the RRULE text is
// checked here first, part by part, against RFC 5545 section 3.3.10: every refusal is an
// INVALID_RECURRENCE whose path names the part and whose detail is fixed text, never the input.

/** The longest RRULE body accepted. */
export const MAX_RRULE_LENGTH = 500;

const FREQS = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"] as const;
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;

/** One checked rule: the text to hand to rrule.js and the facts the caller still needs. */
export interface CheckedRRule {
  /** Upper-case body without an `RRULE:` prefix or a trailing `;`. */
  readonly text: string;
  readonly freq: (typeof FREQS)[number];
  readonly interval: number;
  /** Parts present, by name. */
  readonly parts: ReadonlyMap<string, string>;
}

function invalid(path: FieldPath, detail: string): ElderflowError {
  return new ElderflowError("INVALID_RECURRENCE", { path, params: { detail } });
}

/** A list of whole numbers, each nonzero if asked, within `[-max, max]` or `[min, max]`. */
function intList(value: string, min: number, max: number, signed: boolean): number[] | null {
  const items = value.split(",");
  const out: number[] = [];
  for (const item of items) {
    if (!(signed ? /^[+-]?\d{1,3}$/ : /^\d{1,3}$/).test(item)) return null;
    const n = Number(item);
    if (signed ? n === 0 || Math.abs(n) > max : n < min || n > max) return null;
    out.push(n);
  }
  return out;
}

function validUntil(value: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
  if (!m) return false;
  if (!isIsoDate(`${m[1]}-${m[2]}-${m[3]}`)) return false;
  if (m[4] === undefined) return true;
  return Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59;
}

/**
 * Checks an RRULE body against RFC 5545 and returns it normalised; `INVALID_RECURRENCE` at
 * `[...path, PART]` (or at `path` for the whole text) with a fixed detail otherwise.
 */
export function checkRRuleText(input: unknown, path: FieldPath): CheckedRRule {
  if (typeof input !== "string") throw invalid(path, "the rule must be text");
  if (input.length === 0 || input.length > MAX_RRULE_LENGTH)
    throw invalid(path, `the rule must have 1 to ${MAX_RRULE_LENGTH} characters`);
  let text = input.toUpperCase();
  if (text.startsWith("RRULE:")) text = text.slice(6);
  if (text.endsWith(";")) text = text.slice(0, -1);
  if (!/^[A-Z0-9=;,+-]+$/.test(text)) throw invalid(path, "the rule may hold only letters, digits and = ; , + -");
  const parts = new Map<string, string>();
  for (const [i, part] of text.split(";").entries()) {
    const eq = part.indexOf("=");
    const name = eq > 0 ? part.slice(0, eq) : "";
    const value = eq > 0 ? part.slice(eq + 1) : "";
    if (name === "" || value === "") throw invalid([...path, i], "each part is NAME=VALUE");
    if (name === "DTSTART") throw invalid([...path, "DTSTART"], "give DTSTART as start, not inside the rule");
    if (name === "TZID") throw invalid([...path, "TZID"], "give TZID as zone, not inside the rule");
    if (!PART_NAMES.has(name)) throw invalid([...path, i], "unknown part (RFC 5545 names only)");
    if (parts.has(name)) throw invalid([...path, name], "a part may appear only once");
    parts.set(name, value);
  }
  const freqText = parts.get("FREQ");
  const freq = FREQS.find((f) => f === freqText);
  if (freq === undefined) throw invalid([...path, "FREQ"], `FREQ is required: one of ${FREQS.join(", ")}`);
  const at = (name: string) => [...path, name];
  let interval = 1;
  for (const [name, value] of parts) {
    switch (name) {
      case "INTERVAL":
        if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
          throw invalid(at(name), "INTERVAL is a whole number from 1 to 999999");
        interval = Number(value);
        break;
      case "COUNT":
        if (!/^\d{1,7}$/.test(value) || Number(value) < 1)
          throw invalid(at(name), "COUNT is a whole number from 1 to 9999999");
        if (parts.has("UNTIL")) throw invalid(at(name), "COUNT and UNTIL may not both be given");
        break;
      case "UNTIL":
        if (!validUntil(value)) throw invalid(at(name), "UNTIL is YYYYMMDD or YYYYMMDDTHHMMSSZ");
        break;
      case "BYSECOND":
        if (!intList(value, 0, 59, false)) throw invalid(at(name), "BYSECOND is a list of 0..59");
        break;
      case "BYMINUTE":
        if (!intList(value, 0, 59, false)) throw invalid(at(name), "BYMINUTE is a list of 0..59");
        break;
      case "BYHOUR":
        if (!intList(value, 0, 23, false)) throw invalid(at(name), "BYHOUR is a list of 0..23");
        break;
      case "BYMONTH":
        if (!intList(value, 1, 12, false)) throw invalid(at(name), "BYMONTH is a list of 1..12");
        break;
      case "BYMONTHDAY":
        if (!intList(value, 1, 31, true)) throw invalid(at(name), "BYMONTHDAY is a list of ±1..31");
        if (freq === "WEEKLY") throw invalid(at(name), "BYMONTHDAY may not be used with FREQ=WEEKLY");
        break;
      case "BYYEARDAY":
        if (!intList(value, 1, 366, true)) throw invalid(at(name), "BYYEARDAY is a list of ±1..366");
        if (freq === "DAILY" || freq === "WEEKLY" || freq === "MONTHLY")
          throw invalid(at(name), "BYYEARDAY may not be used with FREQ=DAILY, WEEKLY or MONTHLY");
        break;
      case "BYWEEKNO":
        if (!intList(value, 1, 53, true)) throw invalid(at(name), "BYWEEKNO is a list of ±1..53");
        if (freq !== "YEARLY") throw invalid(at(name), "BYWEEKNO may only be used with FREQ=YEARLY");
        break;
      case "BYSETPOS":
        if (!intList(value, 1, 366, true)) throw invalid(at(name), "BYSETPOS is a list of ±1..366");
        break;
      case "WKST":
        if (!(WEEKDAYS as readonly string[]).includes(value)) throw invalid(at(name), "WKST is one of MO..SU");
        break;
      case "BYDAY":
        checkByDay(value, freq, parts.has("BYWEEKNO"), at(name));
        break;
    }
  }
  if (parts.has("BYSETPOS") && ![...parts.keys()].some((k) => k.startsWith("BY") && k !== "BYSETPOS"))
    throw invalid(at("BYSETPOS"), "BYSETPOS needs another BYxxx part");
  return { text, freq, interval, parts };
}

const PART_NAMES = new Set([
  "FREQ",
  "INTERVAL",
  "COUNT",
  "UNTIL",
  "BYSECOND",
  "BYMINUTE",
  "BYHOUR",
  "BYDAY",
  "BYMONTHDAY",
  "BYYEARDAY",
  "BYWEEKNO",
  "BYMONTH",
  "BYSETPOS",
  "WKST",
]);

function checkByDay(value: string, freq: string, withWeekNo: boolean, path: FieldPath): void {
  for (const item of value.split(",")) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    if (!m) throw invalid(path, "BYDAY is a list of MO..SU, each with an optional ordinal ±1..53");
    if (m[1] === undefined) continue;
    const n = Number(m[1]);
    if (n === 0 || Math.abs(n) > (freq === "MONTHLY" ? 5 : 53))
      throw invalid(path, "a BYDAY ordinal is ±1..5 (MONTHLY) or ±1..53 (YEARLY)");
    if (freq !== "MONTHLY" && freq !== "YEARLY")
      throw invalid(path, "a BYDAY ordinal needs FREQ=MONTHLY or FREQ=YEARLY");
    if (withWeekNo) throw invalid(path, "a BYDAY ordinal may not be used with BYWEEKNO");
  }
}
