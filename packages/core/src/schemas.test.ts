import { describe, expect, it } from "vitest";
import { ElderflowError } from "./errors";
import { makeIdNumber } from "./idnumber";
import { buildOrgTree } from "./org";
import { certifiedLevel, isPriorityTarget, priorityFlags } from "./priority";
import { Person, type PersonInput, Volunteer } from "./schemas";
import { generateDistrict } from "./synthetic";
import { parsePerson, parseWith, validatePersons } from "./validate";

function aPerson(overrides: Partial<Record<keyof PersonInput, unknown>> = {}): Record<string, unknown> {
  return {
    id: "p-0001",
    name: "张小三",
    gender: "male",
    birthDate: "1952-07-01",
    retirementKind: "lixiu",
    rank: "deputy_county",
    communityId: "c-001",
    ...overrides,
  };
}

function codesOf(input: unknown, today?: string): string[] {
  const r = parseWith(today === undefined ? Person : Person, input);
  if (today !== undefined) {
    const v = validatePersons([input], { today });
    return v.invalid.flatMap((x) => x.issues.map((i) => `${i.path.join(".")}:${i.code}`));
  }
  return r.ok ? [] : r.error.issues.map((i) => `${i.path.join(".")}:${i.code}`);
}

describe("Person", () => {
  it("accepts a record with just the required fields and fills defaults", () => {
    const p = parsePerson(aPerson());
    expect(p.birthdayCalendar).toBe("gregorian");
    expect(p.status).toBe("active");
  });

  it("accepts the optional facts", () => {
    const p = parsePerson(
      aPerson({
        idNumber: makeIdNumber("371402", "1952-07-01", 11),
        phone: "13812345678",
        birthdayCalendar: "lunar",
        household: { livesAlone: true, childrenNearby: false },
        health: { chronicConditions: 3, mobilityLimited: true },
      }),
    );
    expect(p.household?.livesAlone).toBe(true);
  });

  it("reports every bad field with its code and path, not just the first", () => {
    expect(
      codesOf(
        aPerson({ gender: "m", birthDate: "1950-02-30", rank: "general", idNumber: "11010519491231002Y", phone: "12" }),
      ),
    ).toEqual([
      "gender:INVALID_ENUM",
      "birthDate:INVALID_DATE",
      "idNumber:INVALID_ID_NUMBER",
      "phone:INVALID_PHONE",
      "rank:UNKNOWN_RANK",
    ]);
  });

  it("flags a missing required field and an unknown field", () => {
    const { name: _n, ...noName } = aPerson();
    expect(codesOf(noName)).toEqual(["name:REQUIRED"]);
    expect(codesOf(aPerson({ birthdate: "1950-01-01" } as never))).toEqual(["birthdate:UNKNOWN_FIELD"]);
  });

  it("checks the ID number's checksum and its consistency with birth date and gender", () => {
    const good = makeIdNumber("371402", "1952-07-01", 11);
    const badCheck = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
    expect(codesOf(aPerson({ idNumber: badCheck }))).toEqual(["idNumber:ID_NUMBER_CHECKSUM"]);
    expect(codesOf(aPerson({ idNumber: makeIdNumber("371402", "1952-07-02", 11) }))).toEqual([
      "idNumber:ID_NUMBER_BIRTH_DATE_MISMATCH",
    ]);
    expect(codesOf(aPerson({ idNumber: makeIdNumber("371402", "1952-07-01", 12) }))).toEqual([
      "idNumber:ID_NUMBER_GENDER_MISMATCH",
    ]);
  });

  it("rejects birth dates after today when today is known", () => {
    expect(codesOf(aPerson({ birthDate: "2030-01-01" }), "2026-11-26")).toEqual(["birthDate:FUTURE_DATE"]);
  });

  it("requires statusSince unless active", () => {
    expect(codesOf(aPerson({ status: "deceased" }))).toEqual(["statusSince:REQUIRED"]);
    expect(codesOf(aPerson({ status: "deceased", statusSince: "2026-05-01" }))).toEqual([]);
  });

  it("never puts personal data into errors", () => {
    const r = parseWith(Person, aPerson({ name: 42, idNumber: "110105194912310021", phone: "13812345678x" }));
    expect(r.ok).toBe(false);
    const text = JSON.stringify(!r.ok && r.error.toJSON());
    expect(text).not.toContain("110105194912310021");
    expect(text).not.toContain("13812345678");
  });

  it("renders errors in zh-CN and en", () => {
    const r = parseWith(Person, aPerson({ rank: "general" }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(ElderflowError);
      expect(r.error.messageIn("zh-CN")).toBe("职级不在职级表中");
      expect(r.error.messageIn("en")).toBe("Rank is not on the rank scale");
      expect(JSON.stringify(r.error.toJSON())).not.toContain("general");
      expect(r.error.path).toEqual(["rank"]);
    }
  });
});

describe("validatePersons", () => {
  it("reports every invalid record with its index and flags duplicate ids", () => {
    const report = validatePersons([aPerson(), aPerson({ id: "p2", rank: "x" }), aPerson(), "nope"]);
    expect(report.valid.map((v) => v.index)).toEqual([0]);
    expect(report.invalid.map((r) => [r.index, r.issues.map((i) => i.code)])).toEqual([
      [1, ["UNKNOWN_RANK"]],
      [2, ["DUPLICATE_ID"]],
      [3, ["INVALID_TYPE"]],
    ]);
  });
});

describe("priority flags (rule 10)", () => {
  it("derives 高龄, 空巢, 多病 and 生活不便 from facts and a date", () => {
    const p = parsePerson(
      aPerson({ birthDate: "1946-05-01", household: { livesAlone: true }, health: { chronicConditions: 2 } }),
    );
    expect(priorityFlags(p, "2026-04-30")).toEqual({
      advancedAge: false,
      emptyNest: true,
      multiIllness: true,
      mobilityLimited: false,
    });
    expect(priorityFlags(p, "2026-05-01").advancedAge).toBe(true);
    expect(priorityFlags(p, "2026-05-01", { advancedAge: 85, multiIllnessFrom: 3 })).toMatchObject({
      advancedAge: false,
      multiIllness: false,
    });
    expect(isPriorityTarget(parsePerson(aPerson()), "2026-05-01")).toBe(false);
  });
});

describe("volunteers and the organisation tree", () => {
  it("knows the certified level of a volunteer on a date", () => {
    const v = Volunteer.parse({
      id: "v1",
      name: "李四",
      communityId: "c-001",
      certifications: [
        { skill: "medical_care", level: 2, validFrom: "2025-01-01", validTo: "2027-12-31", issuer: "区民政局" },
        { skill: "medical_care", level: 4, validFrom: "2028-01-01", issuer: "区民政局" },
      ],
    });
    expect(certifiedLevel(v, "medical_care", "2026-06-01")).toBe(2);
    expect(certifiedLevel(v, "medical_care", "2024-06-01")).toBe(0);
    expect(certifiedLevel(v, "medical_care", "2028-06-01")).toBe(4);
    expect(certifiedLevel(v, "legal_aid", "2026-06-01")).toBe(0);
  });

  it("checks the tree's shape and finds the community of a unit", () => {
    const tree = buildOrgTree([
      { id: "s1", kind: "street_office", name: "新华街道" },
      { id: "c1", kind: "community", name: "丰华社区", parentId: "s1" },
      { id: "r1", kind: "residents_committee", name: "一居", parentId: "c1" },
      { id: "b1", kind: "block", name: "一片", parentId: "r1" },
    ]);
    expect(tree.communityOf("b1")?.id).toBe("c1");
    expect(tree.ancestors("b1").map((u) => u.id)).toEqual(["b1", "r1", "c1", "s1"]);
    expect(() =>
      buildOrgTree([
        { id: "s1", kind: "street_office", name: "x" },
        { id: "b1", kind: "block", name: "y", parentId: "s1" },
      ]),
    ).toThrow(/INVALID_INPUT/);
  });
});

describe("generateDistrict", () => {
  it("has the reports' scale, valid records, and is deterministic for a seed", () => {
    const a = generateDistrict({ seed: 5 });
    expect(a.persons).toHaveLength(3310);
    expect(a.persons.filter((p) => p.retirementKind === "lixiu")).toHaveLength(270);
    expect(a.communities).toHaveLength(98);
    expect(a.volunteers).toHaveLength(350);
    expect(a.teams).toHaveLength(12);
    expect(validatePersons(a.persons, { today: "2026-12-31" }).invalid).toEqual([]);
    expect(Volunteer.array().safeParse(a.volunteers).success).toBe(true);
    expect(() => buildOrgTree(a.orgUnits)).not.toThrow();
    expect(JSON.stringify(generateDistrict({ seed: 5 }))).toBe(JSON.stringify(a));
    expect(generateDistrict({ seed: 6 }).persons[0]).not.toEqual(a.persons[0]);
    const lunar = a.persons.filter((p) => p.birthdayCalendar === "lunar").length / a.persons.length;
    expect(lunar).toBeGreaterThan(0.2);
    expect(lunar).toBeLessThan(0.3);
  });

  it("scales by whole districts", () => {
    const d = generateDistrict({ seed: 1, scale: 2 });
    expect(d.persons).toHaveLength(6620);
    expect(d.communities).toHaveLength(196);
    expect(new Set(d.persons.map((p) => p.id)).size).toBe(6620);
  });
});
