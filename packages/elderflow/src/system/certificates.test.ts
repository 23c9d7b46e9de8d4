import { type Certification, manualClock, type Volunteer } from "@elderflow/core";
import { matchingPolicy } from "@elderflow/policy";
import type { WorkflowActor } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";
import { lapsedSince, presetCertificateRule } from "./certificates";
import { createElderflow } from "./elderflow";

const cert = (over: Partial<Certification> = {}): Certification => ({
  skill: "medical_care",
  level: 2,
  validFrom: "2026-01-01",
  validTo: "2027-03-15",
  issuer: "区卫健委",
  ...over,
});

describe("lapsedSince", () => {
  it("is the day after the last certificate at the level ended", () => {
    expect(lapsedSince([cert()], "medical_care", 2, "2027-03-20")).toBe("2027-03-16");
    expect(lapsedSince([cert(), cert({ validTo: "2026-12-31" })], "medical_care", 2, "2027-03-20")).toBe("2027-03-16");
  });
  it("is the day itself when no certificate at the level ever covered it", () => {
    expect(lapsedSince([cert({ level: 1 })], "medical_care", 2, "2027-03-20")).toBe("2027-03-20");
    expect(lapsedSince([], "medical_care", 2, "2027-03-20")).toBe("2027-03-20");
  });
});

describe("presetCertificateRule", () => {
  it("needs the matching policy's certificate for certified kinds only, read on the day", () => {
    const rule = presetCertificateRule([{ id: "v1", certifications: [cert()] }]);
    expect(rule.required("medical_care", "2027-03-20")).toEqual({ skill: "medical_care", level: 2 });
    expect(rule.required("housekeeping", "2027-03-20")).toBeNull();
    expect(rule.certifications("v1")).toHaveLength(1);
    expect(rule.certifications("v-unknown")).toBeUndefined();
    const strict = presetCertificateRule([], matchingPolicy({ certifiedKinds: ["housekeeping"], certifiedLevel: 1 }));
    expect(strict.required("housekeeping", "2027-03-20")).toEqual({ skill: "housekeeping", level: 1 });
    expect(strict.required("medical_care", "2027-03-20")).toBeNull();
  });
});

describe("the certificate watch in the wired system", () => {
  const v: Volunteer = {
    id: "v1",
    name: "李医生",
    communityId: "c1",
    skills: ["medical_care"],
    certifications: [cert()],
  };
  const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: "c1" };
  const start = async () => {
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock,
      directory: { servicePoints: [], volunteers: [v] },
    });
    const input = { communityId: "c1", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 2 };
    await flow.workflows.start("pairing", { id: "a", input, actor: staff });
    await flow.workflows.send("a", { id: "1", type: "ACTIVATE", actor: staff });
    await flow.workflows.start("pairing", { id: "b", input: { ...input, personId: "p2" }, actor: staff });
    await flow.workflows.send("b", { id: "1", type: "ACTIVATE", actor: staff });
    await flow.workflows.send("b", { id: "2", type: "PAUSE", actor: staff, payload: { reason: "illness" } });
    await flow.workflows.start("pairing", { id: "c", input: { ...input, personId: "p3" }, actor: staff });
    return { flow, clock };
  };

  it("suspends active and paused pairings, leaves proposed ones, and reports each lapse", async () => {
    const { flow } = await start();
    const report = await flow.certificates.check("2027-03-16");
    expect(report.lapsed.map((l) => [l.instanceId, l.outcome, l.expiredOn])).toEqual([
      ["a", "suspended", "2027-03-16"],
      ["b", "suspended", "2027-03-16"],
    ]);
    expect((await flow.workflows.query("c", staff)).state).toBe("proposed");
    expect((await flow.certificates.check("2027-03-16")).lapsed).toEqual([]);
    await flow.close();
  });

  it("refuses a day that is not a date", async () => {
    const { flow } = await start();
    await expect(flow.certificates.check("2027-02-30")).rejects.toMatchObject({ code: "INVALID_DATE" });
    await flow.close();
  });
});
