import { describe, expect, it } from "vitest";
import { createPolicy } from "../policy";
import { BirthdayFactSet, type BirthdayFacts, birthdayPolicyBuilder, createBirthdayCheck } from "./birthday";
import { hospitalVisitors } from "./hospital";
import { starsForMinutes } from "./stars";

describe("cross-package contract", () => {
  const celebrates = createBirthdayCheck();
  it("celebrates lixiu cadres of deputy-county rank and above from 70 at ages ending in 0 or 5", () => {
    for (const age of [70, 75, 80, 85, 100]) {
      expect(celebrates({ retirementKind: "lixiu", rank: "deputy_county" }, age, "2027-03-01")).toBe(true);
      expect(celebrates({ retirementKind: "lixiu", rank: "ministry" }, age, "2027-03-01")).toBe(true);
    }
    for (const age of [65, 69, 71, 74, 76, 81]) {
      expect(celebrates({ retirementKind: "lixiu", rank: "county" }, age, "2027-03-01")).toBe(false);
    }
  });
  it("celebrates everyone else only from 80", () => {
    expect(celebrates({ retirementKind: "tuixiu", rank: "deputy_county" }, 75, "2027-03-01")).toBe(false);
    expect(celebrates({ retirementKind: "lixiu", rank: "section" }, 70, "2027-03-01")).toBe(false);
    expect(celebrates({ retirementKind: "tuixiu", rank: "clerk" }, 80, "2027-03-01")).toBe(true);
    expect(celebrates({ retirementKind: "tuixiu", rank: "clerk" }, 95, "2027-03-01")).toBe(true);
    expect(celebrates({ retirementKind: "tuixiu", rank: "clerk" }, 82, "2027-03-01")).toBe(false);
  });
  it("makes each reading of rule 1 configurable", () => {
    const loose = createBirthdayCheck({ seniorKinds: ["lixiu", "tuixiu"] });
    expect(loose({ retirementKind: "tuixiu", rank: "deputy_county" }, 75, "2027-03-01")).toBe(true);
    const narrow = createBirthdayCheck({ ordinaryScope: "below_rank_only" });
    expect(narrow({ retirementKind: "tuixiu", rank: "county" }, 80, "2027-03-01")).toBe(false);
    expect(narrow({ retirementKind: "tuixiu", rank: "section" }, 80, "2027-03-01")).toBe(true);
    const decades = createBirthdayCheck({ ageStep: 10 });
    expect(decades({ retirementKind: "tuixiu", rank: "section" }, 85, "2027-03-01")).toBe(false);
    expect(decades({ retirementKind: "tuixiu", rank: "section" }, 90, "2027-03-01")).toBe(true);
  });
  it("refuses dates before the policy is in effect", () => {
    expect(() => celebrates({ retirementKind: "lixiu", rank: "county" }, 75, "2001-01-01")).toThrowError(
      expect.objectContaining({ code: "POLICY_NOT_EFFECTIVE" }),
    );
  });
  it("rates one star per 100 verified hours, at most five", () => {
    expect(
      [0, 99 * 60, 100 * 60, 199 * 60 + 59, 200 * 60, 499 * 60, 500 * 60, 2000 * 60].map((m) => starsForMinutes(m)),
    ).toEqual([0, 0, 1, 1, 2, 4, 5, 5]);
    expect(starsForMinutes(300 * 60, "2027-06-30")).toBe(3);
  });
  it("sends district leaders to deputy-county cadres and three bodies in turn to the others", () => {
    expect(hospitalVisitors({ rank: "deputy_county" }, "2027-01-01")).toMatchObject({
      bodies: ["district_leaders"],
      mode: "in_person",
    });
    expect(hospitalVisitors({ rank: "section" }, "2027-01-01")).toMatchObject({
      bodies: ["organisation_department", "veteran_cadres_bureau", "personnel_bureau"],
      mode: "in_turn",
      rule: "departments",
    });
    expect(() => hospitalVisitors({ rank: "general" }, "2027-01-01")).toThrowError(
      expect.objectContaining({ code: "UNKNOWN_RANK" }),
    );
  });

  it("follows the version in effect on each call, dates alternating across versions and parameter changes", () => {
    const json = birthdayPolicyBuilder({ from: "2009-01-01" })
      .version(
        {
          version: "2030",
          from: "2030-01-01",
          params: { from: { value: 80, changes: [{ from: "2031-01-01", value: 70 }] } },
        },
        (d) =>
          d.rules("first", [
            d.rule(
              "any",
              { "zh-CN": "任何人", en: "anyone" },
              d.ge("age", d.param("from")),
              d.grant(["birthday_visit"]),
            ),
          ]),
      )
      .toJSON();
    const policy = createPolicy<BirthdayFacts>(
      { ...json, versions: [{ ...json.versions[0], to: "2029-12-31" }, json.versions[1]] },
      BirthdayFactSet,
    );
    const check = createBirthdayCheck({ policy });
    const person = { retirementKind: "tuixiu" as const, rank: "section" };
    const dates = ["2029-12-31", "2030-01-01", "2030-12-31", "2031-01-01", "2029-06-01", "2031-06-01", "2030-06-01"];
    for (let round = 0; round < 3; round++)
      for (const on of dates)
        for (const age of [71, 75, 80, 83]) {
          expect(check(person, age, on)).toBe(policy.decide({ ...person, age }, on).granted);
        }
    expect(check(person, 71, "2031-01-01")).toBe(true);
    expect(check(person, 71, "2030-12-31")).toBe(false);
    expect(check(person, 83, "2029-12-31")).toBe(false);
  });
});
