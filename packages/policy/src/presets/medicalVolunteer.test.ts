import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explain } from "../explain";
import type { Policy } from "../policy";
import { parsePolicyCases, runPolicyCases } from "../testing";
import { MEDICAL_VOLUNTEER_POLICY_ID, medicalVolunteerScopePolicy } from "./medicalVolunteer";

describe("medical volunteer programme scope (rule 12)", () => {
  it("passes its cases as data", () => {
    const file = parsePolicyCases(readFileSync(join(__dirname, "medicalVolunteer.cases.yaml"), "utf8"));
    expect(file.policy).toBe(MEDICAL_VOLUNTEER_POLICY_ID);
    const results = runPolicyCases(file, medicalVolunteerScopePolicy() as unknown as Policy);
    expect(results.filter((r) => !r.passed).map((r) => [r.name, r.failures])).toEqual([]);
    expect(results).toHaveLength(4);
  });

  it("serves lixiu cadres only, by default, on every date", () => {
    const policy = medicalVolunteerScopePolicy();
    const day = fc
      .date({ min: new Date("2009-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.constantFrom("lixiu", "tuixiu") as fc.Arbitrary<"lixiu" | "tuixiu">, day, (kind, on) => {
        expect(policy.decide({ retirementKind: kind, status: "active" }, on).granted).toBe(kind === "lixiu");
      }),
    );
  });

  it("widens to tuixiu cadres only from the day a county says", () => {
    const policy = medicalVolunteerScopePolicy({ kinds: ["lixiu", "tuixiu"], kindsFrom: "2028-01-01" });
    expect(policy.decide({ retirementKind: "tuixiu", status: "active" }, "2027-12-31").granted).toBe(false);
    expect(policy.decide({ retirementKind: "tuixiu", status: "active" }, "2028-01-01").granted).toBe(true);
    expect(policy.decide({ retirementKind: "lixiu", status: "active" }, "2027-12-31").granted).toBe(true);
  });

  it("explains the refusal in zh-CN and en, the name masked", () => {
    const policy = medicalVolunteerScopePolicy();
    const e = explain(policy, { name: "李四光", retirementKind: "tuixiu", status: "active" }, "2027-01-01");
    expect(e.decision.granted).toBe(false);
    expect(e.sentence["zh-CN"]).toContain("退休");
    expect(e.sentence.en).toContain("tuixiu");
    expect(JSON.stringify(e)).not.toContain("李四光");
  });
});
