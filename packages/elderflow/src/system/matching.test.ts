import { type ActorInput, manualClock, type Volunteer } from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";
import { createElderflow } from "./elderflow";

const cert = { skill: "medical_care", level: 2, validFrom: "2026-01-01", issuer: "区卫健委" };
const volunteers: Volunteer[] = [
  { id: "v-near", name: "甲", communityId: "c1", skills: ["medical_care"], certifications: [cert] },
  { id: "v-far", name: "乙", communityId: "c2", skills: ["medical_care"], certifications: [cert] },
  {
    id: "v-lapsed",
    name: "丙",
    communityId: "c1",
    skills: ["medical_care"],
    certifications: [{ ...cert, validTo: "2027-03-15" }],
  },
  { id: "v-busy", name: "丁", communityId: "c1", skills: ["medical_care"], certifications: [cert], maxLoad: 1 },
];
const officer: ActorInput = { id: "officer-1", roles: ["team_leader"], communities: ["c1"] };
const other: ActorInput = { id: "officer-2", roles: ["team_leader"], communities: ["c2"] };
const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: "c1" };

describe("needs and matching in the wired system", () => {
  it("records a need and ranks the directory's volunteers for it, with loads and certificates on the day", async () => {
    const clock = manualClock("2027-03-16T09:00:00+08:00");
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock,
      directory: { servicePoints: [], volunteers },
    });
    await flow.workflows.start("pairing", {
      id: "busy-pair",
      input: { communityId: "c1", volunteerId: "v-busy", personId: "p9", skill: "medical_care", level: 2 },
      actor: staff,
    });
    await flow.workflows.send("busy-pair", { id: "a", type: "ACTIVATE", actor: staff });
    const [o] = await flow.needs.record(
      [
        {
          id: "n1",
          personId: "p1",
          communityId: "c1",
          serviceKind: "medical_care",
          urgency: "high",
          recordedOn: "2027-03-16",
        },
      ],
      officer,
    );
    expect(o?.ok).toBe(true);
    const result = await flow.matchNeed("n1", officer);
    expect(result.ranked.map((e) => e.volunteerId)).toEqual(["v-near", "v-far"]);
    expect(Object.fromEntries(result.excluded.map((e) => [e.volunteerId, e.reasons[0]?.code]))).toEqual({
      "v-busy": "at_capacity",
      "v-lapsed": "certificate_expired",
    });
    // On the last valid day the lapsed volunteer still ranks.
    expect((await flow.matchNeed("n1", officer, "2027-03-15")).ranked.map((e) => e.volunteerId)).toContain("v-lapsed");
    // A matched need counts in the volunteer's load.
    await flow.needs.match("n1", "v-near", officer);
    await flow.needs.record(
      [{ id: "n2", personId: "p2", communityId: "c1", serviceKind: "medical_care", recordedOn: "2027-03-16" }],
      officer,
    );
    const second = await flow.matchNeed("n2", officer);
    expect(second.ranked.find((e) => e.volunteerId === "v-near")?.facts.load).toBe(1);
    await expect(flow.matchNeed("n2", other)).rejects.toMatchObject({ code: "UNKNOWN_NEED" });
    await flow.close();
  });
});
