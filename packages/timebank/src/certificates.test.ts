import { type CertificateRule, fixedClock } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import { screenCertificate } from "./certificates";
import { memoryStore } from "./stores/memory";

const clock = fixedClock("2027-03-22T09:00:00+08:00");
const rule: CertificateRule = {
  required: (kind) => (kind === "medical_care" ? { skill: "medical_care", level: 2 } : null),
  certifications: (v) =>
    v === "v1"
      ? [{ skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" }]
      : [],
};
const medical = (key: string, on: string, volunteer = "v1") => ({
  ...cmd.record(key, volunteer, 60, on),
  serviceKind: "medical_care",
});

async function bank(certificates: CertificateRule | null = rule) {
  const b = await createTimeBank({
    store: memoryStore(),
    clock,
    stars: testStars,
    ...(certificates === null ? {} : { certificates }),
  });
  const host = asHost(b);
  for (const r of await host.submitMany(SETUP)) expect(r.ok).toBe(true);
  return { bank: b, host };
}

describe("time bank: no credit for a service without a valid certificate on its day (rule 11)", () => {
  it("refuses a record dated after the certificate expired, and credits nothing", async () => {
    const { host } = await bank();
    const [recorded, verified] = await host.submitMany([medical("r1", "2027-03-20"), cmd.verify("vf1", "r1")]);
    expect(recorded).toEqual({ key: "r1", ok: false, code: "CERTIFICATE_INVALID" });
    expect(verified).toMatchObject({ ok: false, code: "NOT_PENDING" });
    expect(host.account("v1")).toMatchObject({ pendingInMinutes: 0, earnedMinutes: 0, balanceMinutes: 0 });
  });

  it("credits a service given while the certificate was valid, verified after it expired", async () => {
    const { host } = await bank();
    const results = await host.submitMany([medical("r1", "2027-03-10"), cmd.verify("vf1", "r1", "ver1", "2027-03-22")]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(host.account("v1")?.earnedMinutes).toBe(60);
  });

  it("keeps every other command's result in its place in a mixed batch", async () => {
    const { host } = await bank();
    const results = await host.submitMany([
      cmd.record("a", "v2", 30),
      medical("b", "2027-03-20"),
      { ...cmd.record("c", "v2", 45), serviceKind: "housekeeping" },
      medical("d", "2027-03-01", "v2"),
    ]);
    expect(results.map((r) => [r.key, r.ok])).toEqual([
      ["a", true],
      ["b", false],
      ["c", true],
      ["d", false],
    ]);
    expect(host.account("v2")?.pendingInMinutes).toBe(75);
  });

  it("refuses through bank.authority for the verification workflow: verify of a movement naming its kind and day", async () => {
    const { bank: b } = await bank();
    const m = { communityId: "c1", volunteer: "v1", counterpart: "r1", serviceKind: "medical_care" };
    expect(b.authority("verify", "ver1", { ...m, servedOn: "2027-03-20" })).toBe("CERTIFICATE_INVALID");
    expect(b.authority("verify", "ver1", { ...m, servedOn: "2027-03-10" })).toBeNull();
    // the conflict of interest still comes first
    expect(b.authority("verify", "v1", { ...m, servedOn: "2027-03-20" })).toBe("SELF_VERIFICATION");
  });

  it("without a rule, a named kind is dropped and the record decided as before", async () => {
    const { host, bank: b } = await bank(null);
    expect(await host.submit(medical("r1", "2027-03-20"))).toEqual({ key: "r1", ok: true, status: "pending" });
    expect(
      b.authority("verify", "ver1", {
        communityId: "c1",
        volunteer: "v1",
        serviceKind: "medical_care",
        servedOn: "2027-03-20",
      }),
    ).toBeNull();
  });

  it("refuses hostile kinds as INVALID_INPUT and passes anything that is not a record untouched", () => {
    for (const serviceKind of ["Medical", "a".repeat(49), 7, null, "medical_care\u0000", "医疗"])
      expect(screenCertificate({ ...medical("r1", "2027-03-10"), serviceKind }, rule)).toEqual({
        refused: { key: "r1", ok: false, code: "INVALID_INPUT" },
      });
    for (const raw of [null, 3, "record", [1], { op: "verify", serviceKind: "x" }, { op: "record", key: "k" }])
      expect(screenCertificate(raw, rule)).toEqual({ pass: raw });
  });
});
