import fc from "fast-check";
import { IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { fromEpochDay, weekdayOfEpochDay } from "./days";
import { createRecurrence } from "./recurrence";
import { civilToEpochDay } from "./yearly";

// A brute-force oracle: walk every day from the start to the end of the window and ask, with plain
// arithmetic written independently of rrule, whether the rule selects that day.
type Rule =
  | { kind: "daily"; interval: number }
  | { kind: "weekly"; interval: number; days: number[] }
  | { kind: "monthdays"; interval: number; day: number }
  | { kind: "nthweekday"; n: number; weekday: number }
  | { kind: "yearly"; month: number; day: number };

const WD = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

function toRRule(r: Rule): string {
  switch (r.kind) {
    case "daily":
      return `FREQ=DAILY;INTERVAL=${r.interval}`;
    case "weekly":
      return `FREQ=WEEKLY;INTERVAL=${r.interval};BYDAY=${r.days.map((d) => WD[d - 1]).join(",")}`;
    case "monthdays":
      return `FREQ=MONTHLY;INTERVAL=${r.interval};BYMONTHDAY=${r.day}`;
    case "nthweekday":
      return `FREQ=MONTHLY;BYDAY=${r.n > 0 ? "+" : ""}${r.n}${WD[r.weekday - 1]}`;
    case "yearly":
      return `FREQ=YEARLY;BYMONTH=${r.month};BYMONTHDAY=${r.day}`;
  }
}

function ymd(day: number): [number, number, number] {
  const s = fromEpochDay(day);
  return [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
}

function dim(y: number, m: number): number {
  return civilToEpochDay(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - civilToEpochDay(y, m, 1);
}

function selects(r: Rule, day: number, start: number): boolean {
  if (day < start) return false;
  const [y, m, d] = ymd(day);
  const [sy, sm] = ymd(start);
  const months = (y - sy) * 12 + (m - sm);
  switch (r.kind) {
    case "daily":
      return (day - start) % r.interval === 0;
    case "weekly": {
      const monday = (x: number) => x - (weekdayOfEpochDay(x) - 1);
      return r.days.includes(weekdayOfEpochDay(day)) && ((monday(day) - monday(start)) / 7) % r.interval === 0;
    }
    case "monthdays": {
      const target = r.day > 0 ? r.day : dim(y, m) + 1 + r.day;
      return months % r.interval === 0 && d === target;
    }
    case "nthweekday": {
      if (weekdayOfEpochDay(day) !== r.weekday) return false;
      return r.n > 0 ? Math.ceil(d / 7) === r.n : d > dim(y, m) - 7;
    }
    case "yearly":
      return m === r.month && d === r.day;
  }
}

const rule: fc.Arbitrary<Rule> = fc.oneof(
  fc.record({ kind: fc.constant("daily" as const), interval: fc.integer({ min: 1, max: 9 }) }),
  fc.record({
    kind: fc.constant("weekly" as const),
    interval: fc.integer({ min: 1, max: 4 }),
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }).map((a) => a.sort()),
  }),
  fc.record({
    kind: fc.constant("monthdays" as const),
    interval: fc.integer({ min: 1, max: 6 }),
    day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: -3, max: -1 })),
  }),
  fc.record({
    kind: fc.constant("nthweekday" as const),
    n: fc.constantFrom(1, 2, 3, 4, -1),
    weekday: fc.integer({ min: 1, max: 7 }),
  }),
  fc.record({
    kind: fc.constant("yearly" as const),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
  }),
);

describe("recurrence expansion against a day-by-day oracle", () => {
  it("yields exactly the days the rule selects, at the rule's wall-clock time, in any zone", () => {
    fc.assert(
      fc.property(
        rule,
        fc.integer({ min: civilToEpochDay(1990, 1, 1), max: civilToEpochDay(2030, 12, 31) }),
        fc.integer({ min: 0, max: 20 * 365 }),
        fc.integer({ min: 0, max: 120 }),
        fc.constantFrom("Asia/Shanghai", "America/New_York", "Europe/Berlin"),
        fc.constantFrom("00:30", "02:30", "09:00", "14:00", "23:45"),
        (r, startDay, offset, span, zoneName, time) => {
          // The start must itself be an occurrence (RFC 5545); move it to the first selected day.
          let start = startDay;
          while (!selects(r, start, start)) start++;
          const from = start + offset;
          const to = from + span;
          const rec = createRecurrence({ start: `${fromEpochDay(start)}T${time}`, rrule: toRRule(r), zone: zoneName });
          const got = rec.between(fromEpochDay(from), fromEpochDay(to));
          const want: string[] = [];
          for (let d = from; d <= to; d++) if (selects(r, d, start)) want.push(fromEpochDay(d));
          expect(got.map((o) => o.date)).toEqual(want);
          const zone = IANAZone.create(zoneName);
          for (const o of got) {
            // Every occurrence is at the rule's time, unless that time fell into a DST gap that day.
            const dayStart = Date.parse(`${o.date}T00:00:00Z`);
            const transition = zone.offset(dayStart - 86_400_000) !== zone.offset(dayStart + 86_400_000);
            if (!transition) expect(o.time).toBe(time);
            expect(new Date(o.epochMs + zone.offset(o.epochMs) * 60_000).toISOString().slice(0, 10)).toBe(o.date);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
