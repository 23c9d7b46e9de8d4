import { generateDistrict, isPriorityTarget } from "@elderflow/core";
import { workflow } from "elderflow";
import { beforeAll, describe, expect, it } from "vitest";
import { ON, runScenario, type ScenarioResult } from "../src/scenario";

describe("extended care services for the priority targets (seed 001)", () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario();
  });

  it("lists exactly the community's active cadres who are very old, empty-nest, multi-ill or mobility-limited", () => {
    const expected = generateDistrict({ seed: 1, year: 2026 })
      .persons.filter((p) => p.communityId === r.communityId && p.status === "active" && isPriorityTarget(p, ON))
      .map((p) => p.id);
    expect(r.targets).toEqual(expected);
    expect(r.targets.length).toBeLessThan(r.cadres);
    const flagged = Object.values(r.byFlag).reduce((a, b) => a + b, 0);
    expect(flagged).toBeGreaterThanOrEqual(r.targets.length);
  });

  it("takes both cadres community → hospital → rehabilitation back in the community → closed", () => {
    expect(r.pathways).toHaveLength(2);
    for (const p of r.pathways)
      expect(p.states).toEqual(["communityCare", "referred", "inHospital", "discharged", "rehabilitation", "closed"]);
  });

  it("turns the admission into the hospital visit of rule 2, by rank", () => {
    const [senior, ordinary] = r.pathways;
    expect(senior?.hospitalVisit).toEqual({ assignees: ["district_leaders"], mode: "in_person" });
    expect(ordinary?.hospitalVisit).toEqual({
      // 分头看望: the first office of the rotation takes this admission.
      assignees: ["organisation_department"],
      mode: "in_turn",
    });
  });

  it("delivers all five extended services and refuses to close while one is still open", () => {
    for (const p of r.pathways) {
      expect(Object.keys(p.services).sort()).toEqual([...workflow.EXTENDED_SERVICES].sort());
      expect(Object.values(p.services).every((s) => s === "done")).toBe(true);
      expect(p.refused).toEqual(["EVENT_NOT_ALLOWED"]);
    }
  });
});
