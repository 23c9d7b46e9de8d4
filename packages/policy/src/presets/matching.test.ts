import { readFileSync } from "node:fs";
import type { Certification } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePolicyCases, runPolicyCases } from "../testing";
import { type MatchCandidate, matchingPolicy, rankVolunteers, requiredCertificate } from "./matching";

const medicalCert = (over: Partial<Certification> = {}): Certification => ({
  skill: "medical_care",
  level: 2,
  validFrom: "2026-01-01",
  validTo: "2027-03-15",
  issuer: "区卫健委",
  ...over,
});
const aVolunteer = (id: string, over: Partial<MatchCandidate> = {}): MatchCandidate => ({
  id,
  communityId: "c1",
  skills: [],
  certifications: [],
  ...over,
});
const medicalNeed = { serviceKind: "medical_care", communityId: "c1" };

describe("matching policy: tests as data", () => {
  it("passes matching.cases.yaml", () => {
    const file = parsePolicyCases(readFileSync(new URL("./matching.cases.yaml", import.meta.url), "utf8"));
    const results = runPolicyCases(file, matchingPolicy() as never);
    expect(results.filter((r) => !r.passed).map((r) => [r.name, r.failures])).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(9);
  });
});

describe("rankVolunteers (持证上岗: judged on the day)", () => {
  const volunteers = [
    aVolunteer("v-expired", { skills: ["medical_care"], certifications: [medicalCert()] }),
    aVolunteer("v-low", { certifications: [medicalCert({ level: 1, validTo: "2028-12-31" })] }),
    aVolunteer("v-none", { skills: ["medical_care"] }),
    aVolunteer("v-future", {
      skills: ["medical_care"],
      certifications: [medicalCert({ validFrom: "2027-04-01", validTo: "2029-01-01" })],
    }),
    aVolunteer("v-ok", { certifications: [medicalCert({ level: 3, validTo: "2028-12-31" })] }),
    aVolunteer("v-far", { communityId: "c2", certifications: [medicalCert({ validTo: "2028-12-31" })] }),
  ];

  it("never ranks a volunteer whose certificate is missing, below level, expired or not yet valid that day", () => {
    const r = rankVolunteers(medicalNeed, volunteers, "2027-03-16");
    expect(r.certificate).toEqual({ skill: "medical_care", level: 2 });
    expect(r.ranked.map((e) => e.volunteerId)).toEqual(["v-ok", "v-far"]);
    expect(Object.fromEntries(r.excluded.map((e) => [e.volunteerId, e.reasons.map((x) => x.code)]))).toEqual({
      "v-expired": ["certificate_expired"],
      "v-future": ["certificate_not_yet_valid"],
      "v-low": ["certificate_below_level"],
      "v-none": ["certificate_missing"],
    });
    const expired = r.excluded.find((e) => e.volunteerId === "v-expired");
    expect(expired?.text).toEqual({
      "zh-CN": "medical_care证书已于2027-03-15过期",
      en: "certificate for medical_care expired on 2027-03-15",
    });
  });

  it("ranks the same volunteer on the last valid day", () => {
    const r = rankVolunteers(medicalNeed, volunteers, "2027-03-15");
    expect(r.ranked.map((e) => e.volunteerId)).toContain("v-expired");
  });

  it("explains why each is ranked, and ranks the same community and free time higher", () => {
    const need = { ...medicalNeed, slots: [{ weekday: 2, slot: "morning" as const }] };
    const vs = [
      aVolunteer("a", { communityId: "c2", certifications: [medicalCert({ validTo: undefined })] }),
      aVolunteer("b", {
        certifications: [medicalCert({ validTo: undefined })],
        availability: [{ weekday: 2, slot: "morning" }],
      }),
      aVolunteer("c", {
        certifications: [medicalCert({ validTo: undefined })],
        availability: [{ weekday: 3, slot: "morning" }],
      }),
    ];
    const r = rankVolunteers(need, vs, "2027-03-16");
    expect(r.ranked.map((e) => [e.volunteerId, e.score])).toEqual([
      ["b", 90],
      ["c", 70],
      ["a", 40],
    ]);
    expect(r.ranked[0]?.text.en).toBe(
      "certified for medical_care at level 2 (needs 2); holds 1 of 1 skills asked; serves 0 now; same community; free at the times asked",
    );
    expect(r.ranked[2]?.reasons.map((x) => x.code)).toContain("availability_unknown");
  });

  it("weighs the current load and leaves out a volunteer at their most load", () => {
    const vs = [
      aVolunteer("busy", { skills: ["housekeeping"], load: 2 }),
      aVolunteer("free", { skills: ["housekeeping"] }),
      aVolunteer("full", { skills: ["housekeeping"], load: 3 }),
      aVolunteer("roomy", { skills: ["housekeeping"], load: 3, maxLoad: 6 }),
    ];
    const r = rankVolunteers({ serviceKind: "housekeeping", communityId: "c1" }, vs, "2027-03-16");
    expect(r.certificate).toBeNull();
    expect(r.ranked.map((e) => e.volunteerId)).toEqual(["free", "busy", "roomy"]);
    expect(r.excluded.map((e) => [e.volunteerId, e.text.en])).toEqual([["full", "already serves 3, the most is 3"]]);
  });

  it("counts the share of skills asked, and leaves out a volunteer with none of them", () => {
    const need = { serviceKind: "housekeeping", skills: ["daily_goods"], communityId: "c1" };
    const vs = [
      aVolunteer("both", { skills: ["housekeeping", "daily_goods"] }),
      aVolunteer("one", { skills: ["daily_goods"] }),
      aVolunteer("none", { skills: ["plumbing"] }),
    ];
    const r = rankVolunteers(need, vs, "2027-03-16");
    expect(r.ranked.map((e) => [e.volunteerId, e.score])).toEqual([
      ["both", 90],
      ["one", 70],
    ]);
    expect(r.excluded.map((e) => e.reasons[0]?.code)).toEqual(["no_skill"]);
  });

  it("takes a need's own level: a level-2 housekeeping need leaves out a level-1 volunteer", () => {
    const cert = { skill: "housekeeping", level: 1, validFrom: "2026-01-01", issuer: "街道" };
    const r = rankVolunteers(
      { serviceKind: "housekeeping", communityId: "c1", level: 2 },
      [aVolunteer("v1", { skills: ["housekeeping"], certifications: [cert] })],
      "2027-03-16",
    );
    expect(r.excluded[0]?.reasons.map((x) => x.code)).toEqual(["certificate_below_level"]);
  });

  it("follows the version in effect: a bureau's own readings change the level and weights", () => {
    const policy = matchingPolicy({ certifiedKinds: ["medical_care"], certifiedLevel: 3, weights: { community: 0 } });
    expect(requiredCertificate(medicalNeed, "2027-03-16", policy)).toEqual({ skill: "medical_care", level: 3 });
    expect(requiredCertificate({ serviceKind: "legal_aid" }, "2027-03-16", policy)).toBeNull();
    const r = rankVolunteers(medicalNeed, volunteers, "2027-03-16", { policy });
    expect(r.ranked.map((e) => e.volunteerId)).toEqual(["v-ok"]);
    expect(() => rankVolunteers(medicalNeed, volunteers, "2000-01-01")).toThrowError(
      expect.objectContaining({ code: "POLICY_NOT_EFFECTIVE" }),
    );
  });

  it("never puts personal data in its texts", () => {
    const r = rankVolunteers(medicalNeed, [aVolunteer("v1", { certifications: [medicalCert()] })], "2027-03-20");
    expect(JSON.stringify(r)).not.toMatch(/区卫健委/);
  });
});

describe("rankVolunteers: invariants (property)", () => {
  const day = fc.integer({ min: 0, max: 900 }).map((n) => {
    const d = new Date(Date.UTC(2026, 0, 1 + n));
    return d.toISOString().slice(0, 10);
  });
  const cert = fc.record({
    skill: fc.constantFrom("medical_care", "legal_aid", "housekeeping"),
    level: fc.integer({ min: 1, max: 5 }),
    validFrom: day,
    span: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  });
  const volunteer = fc.record({
    id: fc.stringMatching(/^v[0-9]{1,3}$/),
    communityId: fc.constantFrom("c1", "c2"),
    skills: fc.subarray(["medical_care", "legal_aid", "housekeeping", "plumbing"]),
    certs: fc.array(cert, { maxLength: 3 }),
    load: fc.integer({ min: 0, max: 5 }),
  });
  it("ranks only those the policy grants, certified on the day when the kind needs it, in score order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(volunteer, { selector: (v) => v.id, maxLength: 8 }),
        fc.constantFrom("medical_care", "legal_aid", "housekeeping"),
        day,
        (raw, serviceKind, on) => {
          const vs: MatchCandidate[] = raw.map((v) => ({
            id: v.id,
            communityId: v.communityId,
            skills: v.skills,
            load: v.load,
            certifications: v.certs.map((c) => {
              const to = c.span === undefined ? undefined : new Date(Date.parse(c.validFrom) + c.span * 86_400_000);
              return {
                skill: c.skill,
                level: c.level,
                validFrom: c.validFrom,
                ...(to === undefined ? {} : { validTo: to.toISOString().slice(0, 10) }),
                issuer: "x",
              };
            }),
          }));
          const r = rankVolunteers({ serviceKind, communityId: "c1" }, vs, on);
          expect(r.ranked.length + r.excluded.length).toBe(vs.length);
          for (const e of r.ranked) {
            expect(e.decision.entitlements).toContain("match");
            if (r.certificate !== null) {
              const v = vs.find((x) => x.id === e.volunteerId) as MatchCandidate;
              const valid = v.certifications.some(
                (c) =>
                  c.skill === serviceKind &&
                  c.level >= (r.certificate?.level ?? 0) &&
                  c.validFrom <= on &&
                  (c.validTo === undefined || on <= c.validTo),
              );
              expect(valid).toBe(true);
            }
          }
          for (const e of r.excluded) {
            expect(e.decision.entitlements).not.toContain("match");
            expect(e.reasons.length).toBeGreaterThan(0);
          }
          for (let i = 1; i < r.ranked.length; i++)
            expect((r.ranked[i - 1]?.score ?? 0) >= (r.ranked[i]?.score ?? 0)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
