import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isIsoDate } from "./dates";
import { isElderflowError } from "./errors";
import { checkIdNumber, makeIdNumber } from "./idnumber";
import { isErrorCode } from "./messages";
import { defaultRankScale } from "./ranks";
import { personSchema } from "./schemas";
import { parsePerson, validatePersons } from "./validate";

const TODAY = "2026-11-26";
const schema = personSchema({ today: TODAY });

const validBase = fc.record({
  id: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  name: fc.constantFrom("张小三", "李四", "欧阳明"),
  gender: fc.constantFrom("male", "female"),
  birthDate: fc
    .date({ min: new Date("1920-01-01T00:00:00Z"), max: new Date("1970-12-31T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  retirementKind: fc.constantFrom("lixiu", "tuixiu"),
  rank: fc.constantFrom(...defaultRankScale.ids),
  communityId: fc.constantFrom("c-001", "c-002"),
});

/** One way to break a record, with the field it breaks. */
type Breaker = [field: string, value: unknown];
const breakers: fc.Arbitrary<Breaker> = fc.oneof(
  fc.tuple(
    fc.constant("birthDate"),
    fc.constantFrom(
      "1950-02-30",
      "1949-02-29",
      "1950-13-01",
      "1950-00-10",
      "50-01-01",
      "2030-01-01",
      "2099-12-31",
      "",
      19500101,
      null,
    ),
  ),
  fc.tuple(fc.constant("rank"), fc.oneof(fc.constantFrom("general", "Deputy_County", "", "county "), fc.integer())),
  fc.tuple(fc.constant("gender"), fc.oneof(fc.constantFrom("m", "F", "other"), fc.boolean())),
  fc.tuple(fc.constant("retirementKind"), fc.oneof(fc.string({ maxLength: 5 }), fc.integer())),
  fc.tuple(
    fc.constant("idNumber"),
    fc.oneof(fc.stringMatching(/^\d{17}[0-9X]$/), fc.string({ maxLength: 20 }), fc.integer()),
  ),
  fc.tuple(fc.constant("name"), fc.oneof(fc.constant(""), fc.integer(), fc.constant(null), fc.array(fc.string()))),
  fc.tuple(fc.constant("id"), fc.oneof(fc.constant(""), fc.constant("has space"), fc.integer())),
  fc.tuple(fc.constant("phone"), fc.oneof(fc.constantFrom("12", "1381234567x", "+1 555 0100"), fc.integer())),
  fc.tuple(fc.constant("status"), fc.constantFrom("dead", "ACTIVE", 1)),
  fc.tuple(
    fc.constant("health"),
    fc.oneof(fc.constant({ chronicConditions: -1 }), fc.constant({ chronicConditions: 1.5 }), fc.constant("sick")),
  ),
  fc.tuple(fc.constant("birthdayCalendar"), fc.constantFrom("chinese", "", 0)),
  fc.tuple(fc.constant("unknownField"), fc.anything()),
);

/** Whether a broken value could still be valid (e.g. a random 18-digit string with a right checksum). */
function stillValid(field: string, value: unknown, birthDate: string): boolean {
  if (field === "idNumber" && typeof value === "string") {
    const r = checkIdNumber(value);
    return r.ok && r.info.birthDate === birthDate;
  }
  if (field === "birthDate" && typeof value === "string") return isIsoDate(value) && value <= TODAY;
  return false;
}

describe("malformed persons (10,000 cases)", () => {
  it("yield typed errors with a catalogue code and the bad field's path, never a crash or a silent accept", () => {
    fc.assert(
      fc.property(validBase, fc.array(breakers, { minLength: 1, maxLength: 3 }), (base, breaks) => {
        const record: Record<string, unknown> = { ...base };
        for (const [field, value] of breaks) record[field] = value;
        const effective = new Map(breaks.map(([f, v]) => [f, v]));
        const birth = typeof record.birthDate === "string" ? record.birthDate : "";
        const mayPass = [...effective].every(([f, v]) => stillValid(f, v, birth));
        let threw: unknown;
        try {
          parsePerson(record, { today: TODAY });
        } catch (e) {
          threw = e;
        }
        if (threw === undefined) {
          expect(mayPass).toBe(true);
          return;
        }
        expect(isElderflowError(threw)).toBe(true);
        const err = threw as { issues: { code: string; path: (string | number)[] }[] };
        expect(err.issues.length).toBeGreaterThan(0);
        for (const issue of err.issues) expect(isErrorCode(issue.code)).toBe(true);
        // At least one issue points at a field that was broken (or its cross-field partner).
        const paths = new Set(err.issues.map((i) => String(i.path[0])));
        const broken = [...effective.keys()];
        expect(broken.some((f) => paths.has(f)) || paths.has("idNumber") || paths.has("statusSince")).toBe(true);
      }),
      { numRuns: 10_000, seed: 20261126 },
    );
  });

  it("keeps the good records of a batch and reports each bad one", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(validBase, fc.boolean()), { minLength: 1, maxLength: 20 }), (rows) => {
        const records = rows.map(([p, bad], i) => ({ ...p, id: `p${i}`, ...(bad ? { rank: "general" } : {}) }));
        const report = validatePersons(records, { today: TODAY });
        expect(report.valid.map((v) => v.index)).toEqual(rows.flatMap(([, bad], i) => (bad ? [] : [i])));
        expect(report.invalid.map((v) => v.index)).toEqual(rows.flatMap(([, bad], i) => (bad ? [i] : [])));
        for (const v of report.valid) expect(schema.safeParse(records[v.index]).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts any well-formed generated person, with an ID number that matches", () => {
    fc.assert(
      fc.property(validBase, fc.integer({ min: 0, max: 99 }), (base, seq) => {
        const digit = base.gender === "male" ? 1 : 0;
        const idNumber = makeIdNumber("371402", base.birthDate, seq * 10 + digit);
        expect(() => parsePerson({ ...base, idNumber }, { today: TODAY })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
