import { containsPersonalData, fixedClock, isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cadenceReport } from "./cadence";
import { expandSeries, LEGAL_AID_SERIES, visitOccasions } from "./domain";
import { createHolidayCalendar } from "./holidays";
import { toICalendar } from "./ical";
import { fromLunar, lunarOccurrence, toLunar } from "./lunar";
import { createRecurrence } from "./recurrence";
import { birthdayRosterReport } from "./roster";
import { createYearlyRecurrence } from "./yearly";

// Hostile input to the public schedule API: malformed RRULEs, windows, zones, NaN and Infinity,
// with personal data planted in the strings. Whatever comes in, only a typed ElderflowError may
// come out, and neither its message (both languages) nor its params repeat the planted data.
// Windows stay within a few years so that a run is bounded whatever the rule.

const NAME = "林芳丽";
const PHONE = "13800138000";
const ID_NUMBER = "11010519491231002X";

const personal = fc.constantFrom(NAME, PHONE, ID_NUMBER, `x${PHONE}`, `FREQ=${ID_NUMBER}`);
const hostileNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 0.5, 1e308),
  fc.integer({ min: -5, max: 400 }),
);
const numberText = fc.oneof(
  fc.constantFrom("0", "-1", "NaN", "Infinity", "1e3", "1.5", "", "+", "999999999", PHONE),
  fc.integer({ min: -60, max: 400 }).map(String),
);
const partName = fc.constantFrom(
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
  "DTSTART",
  "TZID",
  "RSCALE",
  "X-NAME",
  "",
);
const partValue = fc.oneof(
  fc.constantFrom("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "FOO"),
  fc.constantFrom("MO", "+1TU", "-1FR", "0WE", "+9MO", "XX", "MO,TU,WE", "20270301", "20270301T000000Z", "20271301"),
  numberText,
  fc.array(numberText, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(",")),
  personal,
  fc.string({ maxLength: 8 }),
);
const part = fc.tuple(partName, partValue).map(([n, v]) => (n === "" ? v : `${n}=${v}`));
const rrule = fc.oneof(
  { weight: 6, arbitrary: fc.array(part, { minLength: 1, maxLength: 5 }).map((ps) => ps.join(";")) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("HOURLY", "MINUTELY", "SECONDLY", "DAILY", "WEEKLY"), fc.array(part, { maxLength: 3 }))
      .map(([f, ps]) => [`FREQ=${f}`, ...ps].join(";")),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(`FREQ=DAILY;${"BYHOUR=1;".repeat(100)}`) },
);
const date = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .date({ min: new Date("2025-01-01"), max: new Date("2029-12-31"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  },
  { weight: 1, arbitrary: fc.constantFrom("2027-02-30", "2027-13-01", "0000-00-00", "", "NaN", PHONE, NAME) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const start = fc.oneof(
  date.map((d) => `${d}T09:00`),
  date,
  fc.constantFrom("2027-01-05T25:00", "2027-01-05T09:60", "2027-01-05T09:00:00Z", NAME),
);
const zone = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, "Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC") },
  { weight: 1, arbitrary: fc.constantFrom("Mars/Olympus", "", "Asia/", `Asia/${"x".repeat(10_000)}`, "Etc/GMT+8") },
  { weight: 1, arbitrary: personal },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const maxOccurrences = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 3000 }), hostileNumber);

function leaks(text: string): boolean {
  return containsPersonalData(text) || text.includes(NAME);
}

/** Runs a call: it returns, or throws an ElderflowError that repeats nothing personal. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isElderflowError(e)) throw e;
    const words = [e.message, e.messageIn("zh-CN"), JSON.stringify(e.toJSON())].join("\n");
    expect(leaks(words), words).toBe(false);
  }
}

const clock = fixedClock("2027-01-01T00:00:00+08:00");
const calendar = createHolidayCalendar();

describe("the schedule API under hostile input", () => {
  it("answers malformed RRULEs, windows, zones and limits only with typed errors that repeat no personal data", () => {
    fc.assert(
      fc.property(rrule, start, zone, date, date, maxOccurrences, (rule, s, z, from, to, max) => {
        const limit = max === undefined ? {} : { maxOccurrences: max };
        onlyTypedErrors(() => {
          const spec = z === undefined ? { start: s, rrule: rule } : { start: s, rrule: rule, zone: z };
          const r = createRecurrence(spec);
          const got = r.between(from, to, limit);
          // What comes back is in the window and, when asked, within the limit.
          for (const o of got) expect(o.date >= from && o.date <= to).toBe(true);
          if (typeof max === "number" && Number.isInteger(max)) expect(got.length).toBeLessThanOrEqual(max);
        });
        onlyTypedErrors(() =>
          expandSeries(
            { ...LEGAL_AID_SERIES, recurrence: { start: s, rrule: rule, ...(z === undefined ? {} : { zone: z }) } },
            from,
            to,
            calendar,
            limit,
          ),
        );
        onlyTypedErrors(() =>
          toICalendar({ series: [expandSeries(LEGAL_AID_SERIES, "2027-01-01", "2027-03-31", calendar)] }, from, to, {
            clock,
            ...limit,
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("answers NaN, Infinity and out-of-range numbers in yearly, lunar and visit calls only with typed errors", () => {
    fc.assert(
      fc.property(hostileNumber, hostileNumber, hostileNumber, date, date, maxOccurrences, (a, b, c, from, to, max) => {
        onlyTypedErrors(() =>
          createYearlyRecurrence({ calendar: "lunar", month: a, day: b, firstYear: c }).between(
            from,
            to,
            max === undefined ? {} : { maxOccurrences: max },
          ),
        );
        onlyTypedErrors(() => createYearlyRecurrence({ calendar: "gregorian", month: a, day: b }).between(from, to));
        onlyTypedErrors(() => lunarOccurrence(a, { month: b, leap: false, day: c }));
        onlyTypedErrors(() => fromLunar({ year: a, month: b, leap: true, day: c }));
        onlyTypedErrors(() => toLunar(from));
        onlyTypedErrors(() =>
          visitOccasions(a, [{ id: "x", name: { "zh-CN": "x", en: "x" }, month: b, day: c, since: a, every: b }]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("reports hostile roster and cadence records with typed issues that repeat no personal data", () => {
    const person = fc.record({
      id: fc.oneof(fc.constantFrom("p1", "p2"), personal),
      birthDate: fc.oneof(date, personal),
      birthdayCalendar: fc.constantFrom(undefined, "gregorian", "lunar", NAME),
      status: fc.constantFrom(undefined, "active", "deceased", PHONE),
      statusSince: fc.constantFrom(undefined, "2027-06-01", ID_NUMBER),
    });
    fc.assert(
      fc.property(fc.array(person, { maxLength: 6 }), date, date, maxOccurrences, (persons, from, to, max) => {
        onlyTypedErrors(() => {
          const r = birthdayRosterReport(persons as never, {
            from,
            to,
            ...(max === undefined ? {} : { maxOccurrences: max }),
          });
          expect(leaks(JSON.stringify(r.rejected))).toBe(false);
        });
        onlyTypedErrors(() =>
          cadenceReport(
            persons.map((p) => ({ pairId: p.id, volunteerId: "v1", personId: p.id, from: p.birthDate })),
            persons.map((p) => ({ pairId: `${p.id}${PHONE}`, at: p.birthDate, kind: "contact" })),
            from.slice(0, 7),
            { zone: persons[0]?.status ?? "Asia/Shanghai" },
          ),
        );
      }),
      { numRuns: 200 },
    );
  });
});
