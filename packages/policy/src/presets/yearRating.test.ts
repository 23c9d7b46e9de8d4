import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Policy } from "../policy";
import { parsePolicyCases, runPolicyCases } from "../testing";
import { rateYearEnd, starsForMinutes, yearEndRatingPolicy } from "./stars";

describe("year-end star rating (rule 14, 评定)", () => {
  it("passes its cases as data", () => {
    const file = parsePolicyCases(readFileSync(join(__dirname, "yearRating.cases.yaml"), "utf8"));
    expect(file.policy).toBe("year-rating");
    const results = runPolicyCases(file, yearEndRatingPolicy() as unknown as Policy);
    expect(results.filter((r) => !r.passed).map((r) => [r.name, r.failures])).toEqual([]);
    expect(results).toHaveLength(5);
  });

  it("with good or no feedback and service in the year, equals the live stars on cumulative hours", () => {
    const policy = yearEndRatingPolicy();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 80, max: 100 }),
        fc.nat(50),
        (cumulative, year, satisfied, feedback) => {
          const facts = {
            yearMinutes: Math.min(year, cumulative + year),
            cumulativeMinutes: cumulative + year,
            services: 1,
            feedbackCount: feedback,
            satisfiedPercent: satisfied,
          };
          expect(rateYearEnd(policy, facts, "2027-12-31").level).toBe(starsForMinutes(cumulative + year));
        },
      ),
    );
  });

  it("never rates higher with worse feedback, and lowers by at most one", () => {
    const policy = yearEndRatingPolicy();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (m, p, q) => {
          const base = { yearMinutes: m, cumulativeMinutes: m, services: 1, feedbackCount: 5 };
          const [lo, hi] = p <= q ? [p, q] : [q, p];
          const worse = rateYearEnd(policy, { ...base, satisfiedPercent: lo }, "2027-12-31").level;
          const better = rateYearEnd(policy, { ...base, satisfiedPercent: hi }, "2027-12-31").level;
          expect(worse).toBeLessThanOrEqual(better);
          expect(better - worse).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("masks the name in the explanation and gives the title in both languages", () => {
    const r = rateYearEnd(
      yearEndRatingPolicy(),
      {
        name: "张小三",
        yearMinutes: 600,
        cumulativeMinutes: 18000,
        services: 2,
        feedbackCount: 0,
        satisfiedPercent: 100,
      },
      "2027-12-31",
    );
    expect(r.title).toEqual({ "zh-CN": "三星志愿者", en: "three-star volunteer" });
    expect(r.explanation["zh-CN"].startsWith("张*三：三星志愿者")).toBe(true);
    expect(JSON.stringify(r)).not.toContain("张小三");
  });
});
