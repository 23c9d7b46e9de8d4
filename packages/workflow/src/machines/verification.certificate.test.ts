import { type CertificateRule, manualClock, withCertificates } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../engine";
import { anActor, codeOf } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import { defaultMovementAuthority, verificationWorkflow } from "./verification";

const rule: CertificateRule = {
  required: (kind) => (kind === "medical_care" ? { skill: "medical_care", level: 2 } : null),
  certifications: () => [
    { skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" },
  ],
};

async function registered(servedOn: string, serviceKind = "medical_care") {
  const engine = createWorkflowEngine({
    store: memoryStore(),
    clock: manualClock("2027-03-22T09:00:00+08:00"),
    machines: [verificationWorkflow({ authority: withCertificates(defaultMovementAuthority, rule) })],
  });
  const input = {
    communityId: "c01",
    entryId: "se1",
    volunteerId: "v1",
    recipientId: "p1",
    serviceKind,
    minutes: 60,
    servedOn,
  };
  await engine.start("verification", { id: "se1", input, actor: anActor("volunteer", "v1") });
  await engine.send("se1", { id: "s", type: "SIGN", actor: anActor("cadre", "p1") });
  await engine.send("se1", { id: "r", type: "REGISTER", actor: anActor("team_leader", "t1") });
  return engine;
}

describe("verification: credit refused for a service without a valid certificate on its day (rule 11)", () => {
  it("refuses VERIFY with CERTIFICATE_INVALID for a service after the certificate expired, and emits nothing", async () => {
    const engine = await registered("2027-03-20");
    expect(await codeOf(engine.send("se1", { id: "v", type: "VERIFY", actor: anActor("verifier", "s1") }))).toBe(
      "CERTIFICATE_INVALID",
    );
    expect((await engine.query("se1", anActor("verifier", "s1"))).state).toBe("registered");
    expect((await engine.store.outbox(10)).filter((o) => o.type === "verification.service_verified")).toEqual([]);
  });
  it("verifies a service given while the certificate was valid, though it expired before verification", async () => {
    const engine = await registered("2027-03-10");
    expect((await engine.send("se1", { id: "v", type: "VERIFY", actor: anActor("verifier", "s1") })).to).toBe(
      "verified",
    );
  });
  it("verifies a service kind that needs no certificate", async () => {
    const engine = await registered("2027-03-20", "housekeeping");
    expect((await engine.send("se1", { id: "v", type: "VERIFY", actor: anActor("verifier", "s1") })).to).toBe(
      "verified",
    );
  });
  it("still lets the entry be rejected", async () => {
    const engine = await registered("2027-03-20");
    const r = await engine.send("se1", {
      id: "x",
      type: "REJECT",
      actor: anActor("verifier", "s1"),
      payload: { reason: "other" },
    });
    expect(r.to).toBe("rejected");
  });
});
