import { type ActorInput, isElderflowError, makeIdNumber, manualClock, type PersonInput } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RegisterChangeInput } from "./changes";
import { memoryRegister } from "./register";
import { applySurvey, CADRE_SURVEY_2026, defineQuestion, defineSurvey } from "./survey";

const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };
const SURVEYED_ON = "2026-03-15";

const aPerson = (over: Partial<PersonInput> = {}): PersonInput => ({
  id: "p1",
  name: "赵国庆",
  gender: "male",
  birthDate: "1929-10-01",
  idNumber: makeIdNumber("110105", "1929-10-01", 5),
  phone: "13800001111",
  retirementKind: "lixiu",
  rank: "county",
  communityId: "c1",
  household: { livesAlone: false, childrenNearby: true },
  health: { chronicConditions: 1 },
  ...over,
});
const enrol = (over: Partial<PersonInput> = {}, effective = "2020-01-01"): RegisterChangeInput => ({
  kind: "enrol",
  personId: over.id ?? "p1",
  effective,
  person: aPerson(over),
  source: { kind: "import" },
});
const response = (answers: Record<string, unknown>, respondent = "p1", head: Record<string, unknown> = {}) => ({
  survey: "cadre-2026",
  version: 1,
  respondent,
  answers,
  ...head,
});

async function setup(extra: RegisterChangeInput[] = []) {
  const clock = manualClock("2026-12-01T09:00:00+08:00");
  const register = memoryRegister({ clock });
  const outcomes = await register.record([enrol(), ...extra], registrar);
  expect(outcomes.every((o) => o.ok)).toBe(true);
  return register;
}

describe("applying the 2026 cadre survey", () => {
  it("records what changed as survey events on the survey day, and reports old → new, unchanged and unmapped", async () => {
    const register = await setup();
    const report = await applySurvey(
      register,
      CADRE_SURVEY_2026,
      [
        response({
          livingArrangement: "alone",
          childrenNearby: true,
          chronicConditions: 3,
          benefitsImplemented: "partly",
          phone: "13900002222",
        }),
      ],
      registrar,
      { surveyedOn: SURVEYED_ON },
    );
    const r = report.responses[0];
    expect(r?.accepted).toBe(true);
    expect(r?.changed).toEqual([
      { field: "household.livesAlone", from: false, to: true },
      { field: "health.chronicConditions", from: "*", to: "*", masked: true },
      { field: "phone", from: "138****1111", to: "139****2222", masked: true },
    ]);
    expect(r?.unchanged).toEqual(["household.childrenNearby"]);
    expect(r?.unmapped).toEqual(["benefitsImplemented"]);
    expect(r?.conflicts).toEqual([]);
    expect(report.totals).toEqual({ responses: 1, refused: 0, changed: 3, conflicts: 0 });
    const history = await register.history("p1", registrar);
    const surveyed = history.filter((c) => c.source.kind === "survey");
    expect(surveyed.map((c) => [c.kind, c.effective, c.source.ref])).toEqual([
      ["household", SURVEYED_ON, "cadre-2026@1#p1"],
      ["health", SURVEYED_ON, "cadre-2026@1#p1"],
      ["contact", SURVEYED_ON, "cadre-2026@1#p1"],
    ]);
    expect(r?.recorded).toEqual(surveyed.map((c) => c.seq));
    // Before the survey day the register still shows the old facts.
    expect((await register.get("p1", registrar, { asOf: "2026-03-14" }))?.household?.livesAlone).toBe(false);
    const after = await register.get("p1", registrar);
    expect([after?.household?.livesAlone, after?.health?.chronicConditions, after?.phone]).toEqual([
      true,
      3,
      "13900002222",
    ]);
    // The report repeats no personal data.
    const text = JSON.stringify(report);
    for (const secret of ["赵国庆", "13800001111", "13900002222"]) expect(text).not.toContain(secret);
  });

  it("records nothing the second time the same answers are applied", async () => {
    const register = await setup();
    const answers = response({ livingArrangement: "alone", mobilityLimited: true });
    await applySurvey(register, CADRE_SURVEY_2026, [answers], registrar, { surveyedOn: SURVEYED_ON });
    const before = (await register.history("p1", registrar)).length;
    const again = await applySurvey(register, CADRE_SURVEY_2026, [answers], registrar, { surveyedOn: SURVEYED_ON });
    expect(again.responses[0]?.changed).toEqual([]);
    expect(again.responses[0]?.unchanged).toEqual(["household.livesAlone", "health.mobilityLimited"]);
    expect((await register.history("p1", registrar)).length).toBe(before);
  });

  it("refuses a response to another version or another survey, or with bad answers, and applies the rest", async () => {
    const register = await setup();
    const report = await applySurvey(
      register,
      CADRE_SURVEY_2026,
      [
        response({ livingArrangement: "alone" }, "p1", { version: 2 }),
        response({ livingArrangement: "alone" }, "p1", { survey: "housing-2025" }),
        response({ livingArrangement: "tent" }),
        response({ shoeSize: 42 }),
        response({ chronicConditions: 2 }),
        "not a response",
      ],
      registrar,
      { surveyedOn: SURVEYED_ON },
    );
    expect(report.responses.map((r) => (r.accepted ? "ok" : [r.error?.code, r.error?.path]))).toEqual([
      ["SURVEY_VERSION_MISMATCH", ["version"]],
      ["UNKNOWN_SURVEY", ["survey"]],
      ["INVALID_ENUM", ["answers", "livingArrangement"]],
      ["UNKNOWN_FIELD", ["answers", "shoeSize"]],
      "ok",
      ["INVALID_TYPE", []],
    ]);
    expect(report.responses[0]?.error?.message.en).toBe(
      "The response is to another version of the survey (expected 1, got 2)",
    );
    expect(report.totals.refused).toBe(5);
    expect((await register.get("p1", registrar))?.health?.chronicConditions).toBe(2);
    expect((await register.get("p1", registrar))?.household?.livesAlone).toBe(false);
  });

  it("leaves a field alone when the register changed it effective after the survey day, and says so", async () => {
    const register = await setup([
      {
        kind: "household",
        personId: "p1",
        effective: "2026-06-01",
        household: { livesAlone: true },
        source: { kind: "notice" },
      },
    ]);
    const report = await applySurvey(
      register,
      CADRE_SURVEY_2026,
      [response({ livingArrangement: "alone", mobilityLimited: true })],
      registrar,
      { surveyedOn: SURVEYED_ON },
    );
    const r = report.responses[0];
    expect(r?.changed.map((c) => c.field)).toEqual(["health.mobilityLimited"]);
    expect(r?.conflicts).toEqual([
      { kind: "later_change", field: "household.livesAlone", effective: "2026-06-01", seq: 2 },
    ]);
    expect((await register.get("p1", registrar))?.household?.livesAlone).toBe(true);
  });

  it("records nothing for a respondent not enrolled or not active on the survey day", async () => {
    const register = await setup([
      enrol({ id: "p2", name: "钱七" }, "2026-05-01"),
      enrol({ id: "p3", name: "孙八" }),
      { kind: "status", personId: "p3", effective: "2026-01-20", status: "deceased", source: { kind: "notice" } },
    ]);
    const report = await applySurvey(
      register,
      CADRE_SURVEY_2026,
      [
        response({ livingArrangement: "alone" }, "p2"),
        response({ livingArrangement: "alone" }, "p3"),
        response({ livingArrangement: "alone" }, "p-none"),
      ],
      registrar,
      { surveyedOn: SURVEYED_ON },
    );
    expect(report.responses.map((r) => r.conflicts)).toEqual([
      [{ kind: "not_enrolled" }],
      [{ kind: "not_active", status: "deceased", statusSince: "2026-01-20" }],
      [{ kind: "not_enrolled" }],
    ]);
    expect((await register.history("p2", registrar)).length).toBe(1);
    expect((await register.history("p3", registrar)).length).toBe(2);
  });

  it("reports a change the register refuses as a conflict and records the other answers", async () => {
    const register = await setup();
    const report = await applySurvey(
      register,
      CADRE_SURVEY_2026,
      [response({ phone: "12", movedAway: true })],
      registrar,
      { surveyedOn: SURVEYED_ON },
    );
    const r = report.responses[0];
    expect(r?.conflicts.map((c) => (c.kind === "refused" ? [c.fields, c.error.code] : c.kind))).toEqual([
      [["phone"], "INVALID_PHONE"],
    ]);
    expect(r?.changed).toEqual([{ field: "status", from: "active", to: "moved" }]);
    const p = await register.get("p1", registrar);
    expect([p?.status, p?.statusSince, p?.phone]).toEqual(["moved", SURVEYED_ON, "13800001111"]);
  });

  it("needs an actor who may write the register", async () => {
    const register = await setup();
    const report = await applySurvey(register, CADRE_SURVEY_2026, [response({ chronicConditions: 4 })], staff, {
      surveyedOn: SURVEYED_ON,
    });
    expect(report.responses[0]?.error?.code).toBe("NOT_AUTHORIZED");
    expect((await register.get("p1", registrar))?.health?.chronicConditions).toBe(1);
  });
});

describe("defining a survey", () => {
  const livesAlone = defineQuestion({
    title: { "zh-CN": "是否独居", en: "Lives alone" },
    schema: z.boolean(),
    toChange: (a) => ({ kind: "household", household: { livesAlone: a } }),
  });

  it("checks a response against its own version only", () => {
    const v1 = defineSurvey({
      id: "housing",
      version: 1,
      title: { "zh-CN": "居住", en: "Housing" },
      questions: { livesAlone },
    });
    const v2 = defineSurvey({
      ...v1,
      version: 2,
      questions: {
        livesAlone,
        floor: defineQuestion({ title: { "zh-CN": "楼层", en: "Floor" }, schema: z.number().int() }),
      },
    });
    const answer = { survey: "housing", version: 1, respondent: "p1", answers: { livesAlone: true } };
    expect(v1.responseSchema.safeParse(answer).success).toBe(true);
    expect(v2.responseSchema.safeParse(answer).success).toBe(false);
    expect(v2.responseSchema.safeParse({ ...answer, version: 2, answers: { floor: 3 } }).success).toBe(true);
    expect(v1.responseSchema.safeParse({ ...answer, answers: { floor: 3 } }).success).toBe(false);
  });

  it("refuses a bad id, version or question id with INVALID_SURVEY", () => {
    const title = { "zh-CN": "问卷", en: "Survey" };
    const attempts = [
      () => defineSurvey({ id: "has space", version: 1, title, questions: { livesAlone } }),
      () => defineSurvey({ id: "s", version: 0, title, questions: { livesAlone } }),
      () => defineSurvey({ id: "s", version: 1.5, title, questions: { livesAlone } }),
      () => defineSurvey({ id: "s", version: 1, title, questions: {} }),
      () => defineSurvey({ id: "s", version: 1, title, questions: { "Bad-Id": livesAlone } }),
    ];
    for (const attempt of attempts) {
      let code = "none";
      try {
        attempt();
      } catch (e) {
        if (isElderflowError(e)) code = e.code;
      }
      expect(code).toBe("INVALID_SURVEY");
    }
  });
});
