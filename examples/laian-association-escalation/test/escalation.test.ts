import { beforeAll, describe, expect, it } from "vitest";
import { type CaseOutcome, runScenario, type ScenarioResult } from "../src/scenario";

describe("Laian's association → community → department escalation (seed 000)", () => {
  let result: ScenarioResult;
  let byId: Map<string, CaseOutcome>;
  beforeAll(async () => {
    result = await runScenario();
    byId = new Map(result.cases.map((c) => [c.id, c]));
  });

  it("models Laian's two-level network: 22 residents' committees, one block (片) under each", () => {
    expect(result.network).toEqual({ committees: 22, blocks: 22 });
  });

  it("lets the association solve what it can without involving anyone else", () => {
    expect(byId.get("case-1")).toMatchObject({
      state: "resolved",
      levels: ["association"],
      resolvedBy: { level: "association", by: "laian-association", outcome: "explained" },
    });
  });

  it("sends what the association cannot solve to the community", () => {
    expect(byId.get("case-2")).toMatchObject({
      state: "resolved",
      levels: ["association", "community"],
      reasons: ["needs_funding"],
      resolvedBy: { level: "community", by: "laian-community-office" },
    });
  });

  it("sends what the community cannot solve to the department responsible for the category", () => {
    expect(byId.get("case-3")).toMatchObject({
      state: "resolved",
      levels: ["association", "community", "department"],
      reasons: ["beyond_competence", "needs_department"],
      resolvedBy: { level: "department", by: "county-medical-insurance-bureau", outcome: "solved" },
    });
  });

  it("refuses a body acting out of turn: the association after hand-up, the wrong department", () => {
    expect(result.refused).toEqual(["NOT_AUTHORIZED", "NOT_AUTHORIZED"]);
  });

  it("hands a case up by itself when the association misses its 72-hour limit", () => {
    expect(result.timersFired).toBe(1);
    expect(byId.get("case-4")).toMatchObject({
      state: "community.working",
      levels: ["association", "community"],
      reasons: ["time_limit"],
      resolvedBy: null,
    });
  });
});
