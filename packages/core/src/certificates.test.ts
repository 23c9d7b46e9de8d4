import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CertificateRule,
  certificateConflict,
  type MovementAct,
  type MovementAuthority,
  movementConflict,
  withCertificates,
} from "./authority";
import { addDays } from "./dates";
import { Volunteer } from "./schemas";

const cert = { skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" };
const rule: CertificateRule = {
  required: (kind) => (kind === "medical_care" ? { skill: "medical_care", level: 2 } : null),
  certifications: (v) => (v === "v1" ? [cert] : v === "v-low" ? [{ ...cert, level: 1 }] : undefined),
};
const medical = (servedOn: string, volunteer = "v1") => ({
  communityId: "c1",
  volunteer,
  counterpart: "p1",
  serviceKind: "medical_care",
  servedOn,
});

describe("certificateConflict (rule 11: 持证上岗, judged on the day of service)", () => {
  it("refuses credit for a service after the certificate expired, and allows one on its last day", () => {
    expect(certificateConflict("verify", medical("2027-03-16"), rule)).toBe("CERTIFICATE_INVALID");
    expect(certificateConflict("record", medical("2027-03-20"), rule)).toBe("CERTIFICATE_INVALID");
    expect(certificateConflict("verify", medical("2027-03-15"), rule)).toBeNull();
    expect(certificateConflict("verify", medical("2027-03-10"), rule)).toBeNull();
  });
  it("refuses a certificate below the level, a missing one, and one not yet valid", () => {
    expect(certificateConflict("verify", medical("2027-03-10", "v-low"), rule)).toBe("CERTIFICATE_INVALID");
    expect(certificateConflict("verify", medical("2027-03-10", "v-none"), rule)).toBe("CERTIFICATE_INVALID");
    expect(certificateConflict("verify", medical("2025-12-31"), rule)).toBe("CERTIFICATE_INVALID");
  });
  it("leaves kinds without a required certificate, non-credit acts and movements without a day alone", () => {
    expect(certificateConflict("verify", { ...medical("2027-03-20"), serviceKind: "housekeeping" }, rule)).toBeNull();
    for (const act of ["sign", "register", "reject", "reverse", "fulfil", "cancel"] as MovementAct[])
      expect(certificateConflict(act, medical("2027-03-20"), rule)).toBeNull();
    expect(
      certificateConflict("verify", { communityId: "c1", volunteer: "v1", serviceKind: "medical_care" }, rule),
    ).toBeNull();
  });
  it("is valid exactly on the days from validFrom to validTo (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 800 }), (offset) => {
        const day = addDays("2026-01-01", offset);
        const valid = day >= cert.validFrom && day <= cert.validTo;
        expect(certificateConflict("verify", medical(day), rule)).toBe(valid ? null : "CERTIFICATE_INVALID");
      }),
    );
  });
});

describe("withCertificates", () => {
  const base: MovementAuthority = (act, person, m) =>
    movementConflict(act, person, { volunteer: m.volunteer, ...(m.counterpart ? { counterpart: m.counterpart } : {}) });
  const authority = withCertificates(base, rule);
  it("keeps the conflict-of-interest refusal first, then refuses the uncertified service", () => {
    expect(authority("verify", "v1", medical("2027-03-20"))).toBe("SELF_VERIFICATION");
    expect(authority("verify", "staff-1", medical("2027-03-20"))).toBe("CERTIFICATE_INVALID");
    expect(authority("verify", "staff-1", medical("2027-03-10"))).toBeNull();
    expect(authority("sign", "p1", medical("2027-03-20"))).toBeNull();
  });
});

describe("volunteer profiles", () => {
  it("take availability by ISO weekday and part of day, and a most load", () => {
    const v = Volunteer.parse({
      id: "v1",
      name: "王小明",
      communityId: "c1",
      skills: ["medical_care"],
      availability: [{ weekday: 1, slot: "morning" }],
      maxLoad: 3,
    });
    expect(v.availability).toEqual([{ weekday: 1, slot: "morning" }]);
  });
  it("refuses a weekday outside 1–7, an unknown slot, and unknown fields", () => {
    for (const availability of [
      [{ weekday: 0, slot: "morning" }],
      [{ weekday: 8, slot: "morning" }],
      [{ weekday: 1, slot: "night" }],
    ])
      expect(Volunteer.safeParse({ id: "v1", name: "王", communityId: "c1", availability }).success).toBe(false);
    expect(Volunteer.safeParse({ id: "v1", name: "王", communityId: "c1", maxLoad: -1 }).success).toBe(false);
    expect(
      Volunteer.safeParse({
        id: "v1",
        name: "王",
        communityId: "c1",
        availability: [{ weekday: 1, slot: "morning", x: 1 }],
      }).success,
    ).toBe(false);
  });
});
