import { isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CadenceLogEntry, type CadencePair, cadenceReport } from "./cadence";

const aPair = (over: Partial<CadencePair> = {}): CadencePair => ({
  pairId: "x1",
  volunteerId: "v1",
  personId: "p1",
  from: "2026-01-01",
  ...over,
});
const at = (date: string, time = "10:00") => `${date}T${time}:00+08:00`;

describe("pairing cadence (rule 5)", () => {
  it("counts the weeks whose Thursday is in the month, and a home visit as a contact", () => {
    // March 2027: Mondays Mar 1, 8, 15, 22, 29; the week of Mar 29 has its Thursday on Apr 1.
    const log: CadenceLogEntry[] = [
      { pairId: "x1", at: at("2027-03-01"), kind: "contact" },
      { pairId: "x1", at: at("2027-03-10"), kind: "home_visit" },
      { pairId: "x1", at: at("2027-03-21"), kind: "home_visit" },
      { pairId: "x1", at: at("2027-03-30"), kind: "home_visit" },
    ];
    const r = cadenceReport([aPair()], log, "2027-03").pairs[0];
    expect(r).toEqual({
      pairId: "x1",
      weeksRequired: 4,
      weeksMet: 3,
      missedWeeks: ["2027-W12"],
      homeVisitsRequired: 3,
      homeVisits: 3,
      compliant: false,
    });
  });

  it("gives a week that straddles the month end to the month holding its Thursday", () => {
    // The week Mon 2027-03-29 .. Sun 04-04 belongs to April; its Sunday visit is April's.
    const log: CadenceLogEntry[] = [{ pairId: "x1", at: at("2027-03-29"), kind: "contact" }];
    const april = cadenceReport([aPair()], log, "2027-04").pairs[0];
    expect(april?.missedWeeks).not.toContain("2027-W13");
    expect(april?.weeksRequired).toBe(5);
    expect(april?.weeksMet).toBe(1);
    const march = cadenceReport([aPair()], log, "2027-03").pairs[0];
    expect(march?.weeksRequired).toBe(4);
  });

  it("reads instants in Asia/Shanghai: 23:30 UTC on Sunday is Monday in Beijing", () => {
    const log: CadenceLogEntry[] = [{ pairId: "x1", at: "2027-03-07T23:30:00Z", kind: "contact" }];
    const r = cadenceReport([aPair()], log, "2027-03").pairs[0];
    expect(r?.missedWeeks).toContain("2027-W09");
    expect(r?.missedWeeks).not.toContain("2027-W10");
  });

  it("requires only weeks fully inside the pairing and prorates home visits by active days", () => {
    const r = cadenceReport([aPair({ from: "2027-03-10", to: "2027-03-25" })], [], "2027-03").pairs[0];
    // Active Mar 10-25: only the week of Mar 15-21 is fully active; 16 of 31 days -> ceil(48/31) = 2.
    expect(r).toMatchObject({ weeksRequired: 1, missedWeeks: ["2027-W11"], homeVisitsRequired: 2, homeVisits: 0 });
  });

  it("reports per volunteer and per community, and sorts pairs by id", () => {
    const pairs = [
      aPair({ pairId: "b", volunteerId: "v2", communityId: "c1" }),
      aPair({ pairId: "a", volunteerId: "v1", communityId: "c1" }),
    ];
    const log: CadenceLogEntry[] = ["2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22"].map((d) => ({
      pairId: "a",
      at: at(d),
      kind: "home_visit" as const,
    }));
    const r = cadenceReport(pairs, log, "2027-02");
    expect(r.pairs.map((p) => [p.pairId, p.compliant])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    expect(r.volunteers.map((v) => [v.id, v.compliant])).toEqual([
      ["v1", true],
      ["v2", false],
    ]);
    expect(r.communities).toMatchObject([{ id: "c1", pairs: 2, compliantPairs: 1, homeVisitsCounted: 3 }]);
  });

  it("reports every bad record in one typed error with paths, and never a partial report", () => {
    const pairs = [aPair(), aPair({ pairId: "x2", from: "2027-02-30" }), aPair({ pairId: "x1" })];
    const log = [
      { pairId: "x1", at: "2027-03-01 10:00", kind: "contact" },
      { pairId: "x1", at: at("2027-03-01"), kind: "phone" },
      { pairId: "zz", at: at("2027-03-01"), kind: "contact" },
    ] as CadenceLogEntry[];
    try {
      cadenceReport(pairs, log, "2027-03");
      expect.unreachable();
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      expect(e.issues.map((i) => [i.code, i.path.join(".")])).toEqual([
        ["INVALID_DATE", "pairs.1.from"],
        ["DUPLICATE_ID", "pairs.2.pairId"],
        ["INVALID_INSTANT", "log.0.at"],
        ["INVALID_ENUM", "log.1.kind"],
        ["NOT_FOUND", "log.2.pairId"],
      ]);
    }
    expect(() => cadenceReport([], [], "2027-13")).toThrow();
  });
});

// A brute-force oracle for the property test: plain date arithmetic over every day of the month's weeks.
const DAY = 86_400_000;
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("cadence against a day-by-day oracle", () => {
  it("agrees with the oracle on weeks required, met, missed and home visits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2025, max: 2028 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: -40, max: 40 }),
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        fc.array(fc.record({ offsetMin: fc.integer({ min: -10 * 1440, max: 45 * 1440 }), visit: fc.boolean() }), {
          maxLength: 12,
        }),
        (year, month, startOffset, length, entries) => {
          const first = Date.UTC(year, month - 1, 1);
          const last = Date.UTC(year, month, 0);
          const from = first + startOffset * DAY;
          const to = length === undefined ? undefined : from + length * DAY;
          const pair = aPair({ from: isoOf(from), ...(to === undefined ? {} : { to: isoOf(to) }) });
          const log: CadenceLogEntry[] = entries.map((e) => ({
            pairId: "x1",
            at: new Date(first + e.offsetMin * 60_000).toISOString(),
            kind: e.visit ? "home_visit" : "contact",
          }));
          const r = cadenceReport([pair], log, `${year}-${String(month).padStart(2, "0")}`).pairs[0];
          const active = (ms: number) => ms >= from && (to === undefined || ms <= to);
          const localDays = log.map((l) => ({
            day: isoOf(Date.parse(l.at) + 8 * 3600_000),
            visit: l.kind === "home_visit",
          }));
          let required = 0;
          let met = 0;
          const missed: string[] = [];
          for (let ms = first; ms <= last; ms += DAY) {
            if (new Date(ms).getUTCDay() !== 4) continue;
            const monday = ms - 3 * DAY;
            const days = Array.from({ length: 7 }, (_, i) => monday + i * DAY);
            if (!days.every(active)) continue;
            required++;
            const isos = new Set(days.map(isoOf));
            if (localDays.some((l) => isos.has(l.day))) met++;
            else {
              const jan4 = Date.UTC(new Date(ms).getUTCFullYear(), 0, 4);
              const week1Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
              const w = Math.round((monday - week1Monday) / (7 * DAY)) + 1;
              missed.push(`${new Date(ms).getUTCFullYear()}-W${String(w).padStart(2, "0")}`);
            }
          }
          let activeDays = 0;
          for (let ms = first; ms <= last; ms += DAY) if (active(ms)) activeDays++;
          const dim = Math.round((last - first) / DAY) + 1;
          const visits = localDays.filter((l) => {
            const ms = Date.parse(`${l.day}T00:00:00Z`);
            return l.visit && ms >= first && ms <= last && active(ms);
          }).length;
          const touches = activeDays > 0 || required > 0;
          if (!touches && r === undefined) return;
          expect(r).toBeDefined();
          expect(r?.weeksRequired).toBe(required);
          expect(r?.weeksMet).toBe(met);
          expect(r?.missedWeeks).toEqual(missed);
          expect(r?.homeVisitsRequired).toBe(Math.ceil((3 * activeDays) / dim));
          expect(r?.homeVisits).toBe(visits);
          expect(r?.compliant).toBe(met === required && visits >= Math.ceil((3 * activeDays) / dim));
        },
      ),
      { numRuns: 400 },
    );
  });
});
