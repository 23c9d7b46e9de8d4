import { birthdayRoster, type RosterPerson, type Skip } from "@elderflow/schedule";
import fc from "fast-check";
import lunisolar from "lunisolar";
import { describe, expect, it } from "vitest";

// Brute-force oracle: walk every day of the window and, for every person, decide from first
// principles whether that day is their celebration. Lunar dates come from lunisolar (a separate
// package with its own tables), not from the roster's lunar table.
interface L {
  year: number;
  month: number;
  leap: boolean;
  day: number;
  big: boolean;
  leapMonth: number;
}
const cache = new Map<string, L>();
function lun(iso: string): L {
  let l = cache.get(iso);
  if (!l) {
    const x = lunisolar(iso).lunar;
    l = {
      year: x.year,
      month: x.isLeapMonth ? x.month - 100 : x.month,
      leap: x.isLeapMonth,
      day: x.day,
      big: x.isBigMonth,
      leapMonth: x.leapMonth,
    };
    cache.set(iso, l);
  }
  return l;
}
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function gregorianYear(day: string, birth: string, skip: Skip): number | null {
  const [y, m, d] = [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
  const [bm, bd] = [Number(birth.slice(5, 7)), Number(birth.slice(8, 10))];
  if (m === bm && d === bd) return y;
  if (bm === 2 && bd === 29 && !isLeapYear(y)) {
    if (skip === "BACKWARD" && m === 2 && d === 28) return y;
    if (skip === "FORWARD" && m === 3 && d === 1) return y;
  }
  return null;
}

function lunarYear(dayMs: number, b: L, skip: Skip): number | null {
  const target = (l: L): { month: number; leap: boolean } | null => {
    if (!b.leap || l.leapMonth === b.month) return { month: b.month, leap: b.leap };
    if (skip === "OMIT") return null;
    return skip === "BACKWARD" ? { month: b.month, leap: false } : { month: b.month + 1, leap: false };
  };
  const l = lun(iso(dayMs));
  const t = target(l);
  if (t && l.month === t.month && l.leap === t.leap) {
    if (l.day === b.day) return l.year;
    if (b.day === 30 && l.day === 29 && !l.big && skip === "BACKWARD") return l.year;
  }
  if (skip === "FORWARD" && b.day === 30 && l.day === 1) {
    const p = lun(iso(dayMs - 86_400_000));
    const tp = target(p);
    if (tp && p.month === tp.month && p.leap === tp.leap && p.day === 29) return p.year;
  }
  return null;
}

const person = fc.record({
  birthMs: fc.integer({ min: Date.UTC(1920, 0, 1), max: Date.UTC(1965, 11, 31) }).map((ms) => ms - (ms % 86_400_000)),
  lunar: fc.boolean(),
  status: fc.constantFrom("active", "active", "deceased", "moved"),
  sinceMs: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2056, 0, 1) }),
});

describe("birthday roster against a day-by-day oracle", () => {
  it("lists exactly the celebrations the oracle finds, with their ages, in order", () => {
    fc.assert(
      fc.property(
        fc.array(person, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2055, 0, 1) }).map((ms) => ms - (ms % 86_400_000)),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom<Skip>("OMIT", "BACKWARD", "FORWARD"),
        fc.constantFrom<Skip>("OMIT", "BACKWARD", "FORWARD"),
        (raw, fromMs, span, gSkip, lSkip) => {
          const persons: RosterPerson[] = raw.map((r, i) => ({
            id: `p${String(i).padStart(2, "0")}`,
            birthDate: iso(r.birthMs),
            birthdayCalendar: r.lunar ? "lunar" : "gregorian",
            status: r.status as RosterPerson["status"],
            ...(r.status === "active" ? {} : { statusSince: iso(r.sinceMs) }),
          }));
          const from = iso(fromMs);
          const to = iso(fromMs + span * 86_400_000);
          const got = birthdayRoster(persons, { from, to, skip: { gregorian: gSkip, lunar: lSkip } });
          const want: { personId: string; date: string; age: number; calendar: string }[] = [];
          for (let ms = fromMs; ms <= fromMs + span * 86_400_000; ms += 86_400_000) {
            const day = iso(ms);
            for (const p of persons) {
              if (p.status !== "active" && day >= (p.statusSince as string)) continue;
              if (p.birthdayCalendar === "lunar") {
                const b = lun(p.birthDate);
                const y = lunarYear(ms, b, lSkip);
                if (y !== null && y > b.year)
                  want.push({ personId: p.id, date: day, age: y - b.year, calendar: "lunar" });
              } else {
                const y = gregorianYear(day, p.birthDate, gSkip);
                const by = Number(p.birthDate.slice(0, 4));
                if (y !== null && y > by) want.push({ personId: p.id, date: day, age: y - by, calendar: "gregorian" });
              }
            }
          }
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
