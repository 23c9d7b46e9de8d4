import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioResult } from "../src/scenario";

describe("medical volunteers paired with lixiu cadres (seed 002)", () => {
  let r: ScenarioResult;
  beforeAll(async () => {
    r = await runScenario();
  });

  it("activates a pair only when the volunteer holds a valid certificate at the required level", () => {
    expect(r.requiredLevel).toBe(2);
    expect(r.refused).toEqual({ "pair-4": ["NOT_CERTIFIED"] });
    expect(r.states).toEqual({
      "pair-1": "active",
      "pair-2": "active",
      "pair-3": "active",
      "pair-4": "ended",
      "pair-5": "active",
    });
  });

  it("raises a missed-contact alert for the one week without any contact", () => {
    expect(r.missedContactAlerts).toEqual([{ personId: "lixiu-03", volunteerId: "v-nurse-1" }]);
  });

  it("measures the month per pair: a contact every week and three home visits", () => {
    const byPair = Object.fromEntries(r.cadence.pairs.map((p) => [p.pairId, p]));
    expect(byPair["pair-1"]).toMatchObject({ weeksRequired: 4, weeksMet: 4, homeVisits: 4, compliant: true });
    expect(byPair["pair-2"]).toMatchObject({ weeksMet: 4, homeVisits: 1, homeVisitsRequired: 3, compliant: false });
    expect(byPair["pair-3"]).toMatchObject({ weeksMet: 3, missedWeeks: ["2027-W11"], homeVisits: 3, compliant: false });
    expect(byPair["pair-5"]).toMatchObject({ weeksMet: 4, homeVisits: 3, compliant: true });
    expect(byPair["pair-4"]).toBeUndefined();
  });

  it("aggregates per volunteer and per town, and files an alert for each non-compliant pair", () => {
    const vols = Object.fromEntries(r.cadence.volunteers.map((v) => [v.id, [v.compliantPairs, v.pairs]]));
    expect(vols).toEqual({ "v-nurse-1": [1, 2], "v-doctor-2": [1, 2] });
    expect(r.cadence.communities.every((c) => c.pairs === 2 && c.compliantPairs === 1)).toBe(true);
    expect([...r.cadenceAlerts].sort()).toEqual(["cadence/pair-2/2027-03", "cadence/pair-3/2027-03"]);
  });

  it("counts visits and calls per volunteer for the travel and phone subsidy", () => {
    expect(r.subsidyBasis).toEqual({ "v-nurse-1": { visits: 7, calls: 1 }, "v-doctor-2": { visits: 4, calls: 4 } });
  });
});
