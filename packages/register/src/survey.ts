/**
 * Surveys (调查问卷) that feed the register: a versioned, zod-defined form whose answers map onto
 * register changes, and the report of what a batch of responses changed and what it ran into.
 */
import {
  type ActorInput,
  ElderflowError,
  type ElderflowErrorJSON,
  fromZodError,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  isElderflowError,
  maskIdNumber,
  maskName,
  maskPhone,
  type Person,
  type PersonStatus,
} from "@elderflow/core";
import { z } from "zod";
import { changedFields, type RegisterChange, type RegisterChangeInput } from "./changes";
import type { Register } from "./register";
import { supersededSeqs } from "./state";

/** A text in both languages. */
export interface BilingualText {
  /** Chinese. */
  readonly "zh-CN": string;
  /** English. */
  readonly en: string;
}

/** What an answer changes: a register change without person, date and source (the survey adds them). */
export type SurveyChange =
  Exclude<RegisterChangeInput, { kind: "enrol" }> extends infer C
    ? C extends unknown
      ? Omit<C, "personId" | "effective" | "source" | "reason" | "supersedes">
      : never
    : never;

/** One question: its title, the zod schema of its answer, and the register change an answer implies. */
export interface SurveyQuestion<S extends z.ZodType = z.ZodType> {
  /** The question as printed. */
  readonly title: BilingualText;
  /** The schema of an answer. */
  readonly schema: S;
  /**
   * The change an answer implies, or undefined when it implies none (a question the register has
   * no field for is kept in the report as `unmapped`).
   */
  readonly toChange?: (answer: z.output<S>) => SurveyChange | undefined;
}

/**
 * Declares one question with its answer type inferred from its schema.
 *
 * @example
 * ```ts
 * const livesAlone = defineQuestion({
 *   title: { "zh-CN": "是否独居", en: "Lives alone" },
 *   schema: z.boolean(),
 *   toChange: (a) => ({ kind: "household", household: { livesAlone: a } }),
 * });
 * ```
 */
export function defineQuestion<S extends z.ZodType>(question: SurveyQuestion<S>): SurveyQuestion<S> {
  return question;
}

/** The questions of a survey, by question id. */
export type SurveyQuestions = Readonly<Record<string, SurveyQuestion>>;

/** What {@link defineSurvey} takes. */
export interface SurveyDefinition<Q extends SurveyQuestions = SurveyQuestions> {
  /** Stable id (`cadre-2026`). */
  readonly id: string;
  /** Version, from 1: a response names the version it answers. */
  readonly version: number;
  /** Title as printed. */
  readonly title: BilingualText;
  /** The questions, by id (`[a-z][A-Za-z0-9_]*`). */
  readonly questions: Q;
}

/** The answers of a response: every question optional (a respondent may skip one). */
export type SurveyAnswers<Q extends SurveyQuestions> = {
  readonly [K in keyof Q]?: Q[K] extends SurveyQuestion<infer S> ? z.output<S> : never;
};

/** One filled-in form as a caller hands it in. */
export interface SurveyResponse<Q extends SurveyQuestions = SurveyQuestions> {
  /** The survey's id. */
  readonly survey: string;
  /** The version answered. */
  readonly version: number;
  /** The person surveyed (their register id). */
  readonly respondent: string;
  /** The answers. */
  readonly answers: SurveyAnswers<Q>;
}

/** A defined survey: the definition and the schema its responses are checked with. */
export interface Survey<Q extends SurveyQuestions = SurveyQuestions> extends SurveyDefinition<Q> {
  /** The schema of one response to this version. */
  readonly responseSchema: z.ZodType<SurveyResponse<Q>>;
}

const QUESTION_ID = /^[a-z][A-Za-z0-9_]{0,63}$/;

/**
 * Defines a versioned survey. Throws `INVALID_SURVEY` for a bad id, version or question id.
 *
 * @example
 * ```ts
 * const survey = defineSurvey({ id: "housing-2027", version: 1, title: { "zh-CN": "居住情况", en: "Housing" },
 *   questions: { livesAlone: defineQuestion({ title: { "zh-CN": "是否独居", en: "Lives alone" },
 *     schema: z.boolean(), toChange: (a) => ({ kind: "household", household: { livesAlone: a } }) }) } });
 * ```
 */
export function defineSurvey<Q extends SurveyQuestions>(definition: SurveyDefinition<Q>): Survey<Q> {
  if (!IdSchema.safeParse(definition.id).success)
    throw new ElderflowError("INVALID_SURVEY", { path: ["id"], params: { detail: "id" } });
  if (!Number.isSafeInteger(definition.version) || definition.version < 1)
    throw new ElderflowError("INVALID_SURVEY", { path: ["version"], params: { detail: "version" } });
  const ids = Object.keys(definition.questions);
  if (ids.length === 0)
    throw new ElderflowError("INVALID_SURVEY", { path: ["questions"], params: { detail: "no questions" } });
  const shape: Record<string, z.ZodType> = {};
  for (const id of ids) {
    if (!QUESTION_ID.test(id))
      throw new ElderflowError("INVALID_SURVEY", { path: ["questions", id], params: { detail: "question id" } });
    shape[id] = (definition.questions[id] as SurveyQuestion).schema.optional();
  }
  const responseSchema = z.strictObject({
    survey: z.literal(definition.id),
    version: z.literal(definition.version),
    respondent: IdSchema,
    answers: z.strictObject(shape),
  }) as unknown as z.ZodType<SurveyResponse<Q>>;
  return Object.freeze({ ...definition, responseSchema });
}

/** A field's value as a report shows it (personal values masked). */
export type ReportValue = string | number | boolean | null;

/** One field a response changed. */
export interface FieldChange {
  /** Dotted field path (`household.livesAlone`, `phone`). */
  readonly field: string;
  /** The register's value on the survey day (null: none). */
  readonly from: ReportValue;
  /** The answer's value. */
  readonly to: ReportValue;
  /** The values are masked (names, phones, ID numbers, health facts). */
  readonly masked?: true;
}

/** Something that kept a response, or part of it, from being recorded. */
export type SurveyConflict =
  | {
      /** The register holds a change to this field effective after the survey day: it is left alone. */
      readonly kind: "later_change";
      /** The field. */
      readonly field: string;
      /** The later change's effective date. */
      readonly effective: IsoDate;
      /** The later change's seq. */
      readonly seq: number;
    }
  | {
      /** The respondent was not enrolled on the survey day (or is outside the actor's reach). */
      readonly kind: "not_enrolled";
    }
  | {
      /** The respondent was not active on the survey day: nothing is recorded. */
      readonly kind: "not_active";
      /** Their status. */
      readonly status: PersonStatus;
      /** Since when. */
      readonly statusSince?: IsoDate;
    }
  | {
      /** The register refused the change. */
      readonly kind: "refused";
      /** The fields of the refused change. */
      readonly fields: readonly string[];
      /** Why. */
      readonly error: ElderflowErrorJSON;
    };

/** What became of one response. */
export interface SurveyResponseReport {
  /** Index in the input. */
  readonly index: number;
  /** The respondent, when the response named a valid one. */
  readonly respondent?: string;
  /** The response itself was refused (wrong survey, wrong version, bad answers): see `error`. */
  readonly accepted: boolean;
  /** Why the response was refused. */
  readonly error?: ElderflowErrorJSON;
  /** Fields recorded, old → new. */
  readonly changed: readonly FieldChange[];
  /** Fields whose answer matched the register. */
  readonly unchanged: readonly string[];
  /** What was not recorded, and why. */
  readonly conflicts: readonly SurveyConflict[];
  /** Questions answered that feed no register field. */
  readonly unmapped: readonly string[];
  /** The seqs of the changes recorded for this response. */
  readonly recorded: readonly number[];
}

/** The report of {@link applySurvey}. */
export interface SurveyReport {
  /** The survey id. */
  readonly survey: string;
  /** Its version. */
  readonly version: number;
  /** The day the answers hold from. */
  readonly surveyedOn: IsoDate;
  /** One entry per response, in input order. */
  readonly responses: readonly SurveyResponseReport[];
  /** Counts over the responses. */
  readonly totals: {
    /** Responses handed in. */
    readonly responses: number;
    /** Responses refused as a whole. */
    readonly refused: number;
    /** Fields recorded. */
    readonly changed: number;
    /** Conflicts. */
    readonly conflicts: number;
  };
}

/** Options for {@link applySurvey}. */
export interface ApplySurveyOptions {
  /** The day the survey was taken: the recorded changes take effect on it. */
  readonly surveyedOn: IsoDate;
}

const PERSONAL = new Set(["name", "phone", "idNumber"]);

function fieldValue(person: Person, field: string): ReportValue {
  const [head, tail] = field.split(".") as [string, string | undefined];
  const top = (person as unknown as Record<string, unknown>)[head];
  const v = tail === undefined ? top : (top as Record<string, unknown> | undefined)?.[tail];
  return v === undefined ? null : (v as ReportValue);
}

function changeValue(change: SurveyChange, field: string): ReportValue {
  const [head, tail] = field.split(".") as [string, string | undefined];
  const record = change as unknown as Record<string, unknown>;
  const v = tail === undefined ? record[head] : (record[head] as Record<string, unknown>)[tail];
  return v === undefined ? null : (v as ReportValue);
}

function shown(field: string, value: ReportValue): ReportValue {
  if (value === null) return null;
  if (field.startsWith("health.")) return "*";
  if (field === "name") return maskName(String(value));
  if (field === "phone") return maskPhone(String(value));
  if (field === "idNumber") return maskIdNumber(String(value));
  return value;
}

/** The change with only the given fields kept; undefined when none is left. */
function keepFields(change: SurveyChange, fields: ReadonlySet<string>): SurveyChange | undefined {
  if (change.kind === "household" || change.kind === "health") {
    const inner = (change.kind === "household" ? change.household : change.health) as Record<string, unknown>;
    const kept = Object.fromEntries(Object.entries(inner).filter(([k]) => fields.has(`${change.kind}.${k}`)));
    if (Object.keys(kept).length === 0) return undefined;
    return { ...change, [change.kind]: kept } as SurveyChange;
  }
  if (change.kind === "contact") {
    const out: Record<string, unknown> = { kind: "contact" };
    for (const [k, v] of Object.entries(change)) if (k !== "kind" && fields.has(k)) out[k] = v;
    return Object.keys(out).length === 1 ? undefined : (out as SurveyChange);
  }
  const [only] = changedFields({
    ...change,
    personId: "x",
    effective: "2000-01-01",
    source: { kind: "survey" },
  } as RegisterChange);
  return only !== undefined && fields.has(only) ? change : undefined;
}

/**
 * Applies survey responses to the register. Each response is checked against the survey's
 * version (another survey → `UNKNOWN_SURVEY`, another version → `SURVEY_VERSION_MISMATCH`, bad
 * answers → their codes); its answers become change events effective on `surveyedOn`, with
 * source `{ kind: "survey", ref: "<id>@<version>#<respondent>" }`. Only fields whose answer
 * differs from the register on that day are recorded. Nothing is recorded for a respondent not
 * enrolled or not active that day, nor for a field the register changed with a later effective
 * date (the later fact stands; the report names it). Personal and health values are masked in the
 * report. The actor needs a role that may write the register and see personal data.
 *
 * @example
 * ```ts
 * const report = await applySurvey(register, CADRE_SURVEY_2026, [
 *   { survey: "cadre-2026", version: 1, respondent: "p1", answers: { livingArrangement: "alone", chronicConditions: 3 } },
 * ], registrar, { surveyedOn: "2026-03-15" });
 * report.responses[0]?.changed; // [{ field: "household.livesAlone", from: null, to: true }, …]
 * ```
 */
export async function applySurvey<Q extends SurveyQuestions>(
  register: Register,
  survey: Survey<Q>,
  responses: readonly unknown[],
  actor: ActorInput,
  options: ApplySurveyOptions,
): Promise<SurveyReport> {
  const day = IsoDateSchema.safeParse(options.surveyedOn);
  if (!day.success) throw new ElderflowError("INVALID_DATE", { path: ["surveyedOn"] });
  const surveyedOn = day.data;
  const reports: SurveyResponseReport[] = [];
  for (const [index, raw] of responses.entries()) {
    reports.push(await applyOne(register, survey, raw, index, actor, surveyedOn));
  }
  return {
    survey: survey.id,
    version: survey.version,
    surveyedOn,
    responses: reports,
    totals: {
      responses: reports.length,
      refused: reports.filter((r) => !r.accepted).length,
      changed: reports.reduce((n, r) => n + r.changed.length, 0),
      conflicts: reports.reduce((n, r) => n + r.conflicts.length, 0),
    },
  };
}

function refusedResponse(index: number, error: ElderflowError, respondent?: string): SurveyResponseReport {
  return {
    index,
    ...(respondent === undefined ? {} : { respondent }),
    accepted: false,
    error: error.toJSON(),
    changed: [],
    unchanged: [],
    conflicts: [],
    unmapped: [],
    recorded: [],
  };
}

async function applyOne<Q extends SurveyQuestions>(
  register: Register,
  survey: Survey<Q>,
  raw: unknown,
  index: number,
  actor: ActorInput,
  surveyedOn: IsoDate,
): Promise<SurveyResponseReport> {
  const head = (raw !== null && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  if (head.survey !== undefined && head.survey !== survey.id)
    return refusedResponse(
      index,
      new ElderflowError("UNKNOWN_SURVEY", { path: ["survey"], params: { survey: survey.id } }),
    );
  if (typeof head.version === "number" && head.version !== survey.version)
    return refusedResponse(
      index,
      new ElderflowError("SURVEY_VERSION_MISMATCH", {
        path: ["version"],
        params: { expected: survey.version, actual: Number.isSafeInteger(head.version) ? head.version : "?" },
      }),
    );
  const parsed = survey.responseSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return refusedResponse(index, fromZodError(parsed.error));
  const response = parsed.data;
  const respondent = response.respondent;
  const base = { index, respondent, accepted: true };
  const empty = { changed: [], unchanged: [], unmapped: [], recorded: [] };
  let person: Person | undefined;
  try {
    person = await register.get(respondent, actor, { asOf: surveyedOn });
  } catch (error) {
    if (isElderflowError(error)) return refusedResponse(index, error, respondent);
    throw error;
  }
  if (person === undefined) return { ...base, ...empty, conflicts: [{ kind: "not_enrolled" }] };
  if (person.status !== "active")
    return {
      ...base,
      ...empty,
      conflicts: [
        {
          kind: "not_active",
          status: person.status,
          ...(person.statusSince === undefined ? {} : { statusSince: person.statusSince }),
        },
      ],
    };
  const later = new Map<string, { effective: IsoDate; seq: number }>();
  const log = await register.history(respondent, actor);
  const superseded = supersededSeqs(log);
  for (const c of log) {
    if (c.effective <= surveyedOn || superseded.has(c.seq)) continue;
    for (const f of c.kind === "enrol" ? [] : changedFields(c)) {
      const seen = later.get(f);
      if (seen === undefined || c.effective > seen.effective) later.set(f, { effective: c.effective, seq: c.seq });
    }
  }
  const unchanged: string[] = [];
  const unmapped: string[] = [];
  const conflicts: SurveyConflict[] = [];
  const planned: { change: SurveyChange; diffs: FieldChange[] }[] = [];
  const answers = response.answers as Record<string, unknown>;
  for (const [qid, question] of Object.entries(survey.questions)) {
    if (answers[qid] === undefined) continue;
    const implied = question.toChange?.(answers[qid] as never);
    if (implied === undefined) {
      unmapped.push(qid);
      continue;
    }
    const keep = new Set<string>();
    const diffs: FieldChange[] = [];
    const fields = changedFields({
      ...implied,
      personId: respondent,
      effective: surveyedOn,
      source: { kind: "survey" },
    } as RegisterChange);
    for (const field of fields) {
      const from = fieldValue(person, field);
      const to = changeValue(implied, field);
      if (from === to) {
        unchanged.push(field);
        continue;
      }
      const newer = later.get(field);
      if (newer !== undefined) {
        conflicts.push({ kind: "later_change", field, ...newer });
        continue;
      }
      keep.add(field);
      const masked = PERSONAL.has(field) || field.startsWith("health.");
      diffs.push({
        field,
        from: shown(field, from),
        to: shown(field, to),
        ...(masked ? { masked: true as const } : {}),
      });
    }
    const kept = keepFields(implied, keep);
    if (kept !== undefined) planned.push({ change: kept, diffs });
  }
  const ref = `${survey.id}@${survey.version}#${respondent}`;
  const outcomes =
    planned.length === 0
      ? []
      : await register.record(
          planned.map((p) => ({
            ...p.change,
            personId: respondent,
            effective: surveyedOn,
            source: { kind: "survey", ref },
          })),
          actor,
        );
  const changed: FieldChange[] = [];
  const recorded: number[] = [];
  outcomes.forEach((o, i) => {
    const plan = planned[i] as (typeof planned)[number];
    if (o.ok) {
      changed.push(...plan.diffs);
      recorded.push(o.change.seq);
    } else conflicts.push({ kind: "refused", fields: plan.diffs.map((d) => d.field), error: o.error });
  });
  return { ...base, changed, unchanged, conflicts, unmapped, recorded };
}

const t = (zh: string, en: string): BilingualText => ({ "zh-CN": zh, en });

/**
 * The bureau's survey of retired cadres on its four topics (seed 003: "发放《全区离休干部调查问卷》
 * 100余份，对离休干部的家庭情况、居住情况、医疗情况、生活待遇落实情况等进行了详尽的调查摸底……并及时对
 * 离休干部的信息库数据进行了修改和完善"):
 * - family (家庭情况): `childrenNearby` → household.childrenNearby;
 * - housing (居住情况): `livingArrangement` (alone, with_spouse, with_children, care_home) →
 *   household.livesAlone; `movedAway` (是否已迁出) → status moved when yes;
 * - medical care (医疗情况): `chronicConditions` → health.chronicConditions, `mobilityLimited` →
 *   health.mobilityLimited, `medicalCare` (how the person is cared for; no register field);
 * - benefits (生活待遇落实情况): `benefitsImplemented` (no register field; kept in the report);
 * - `phone` (联系电话) → phone.
 *
 * @example
 * ```ts
 * CADRE_SURVEY_2026.responseSchema.safeParse({ survey: "cadre-2026", version: 1, respondent: "p1",
 *   answers: { livingArrangement: "alone" } }).success; // true
 * ```
 */
export const CADRE_SURVEY_2026 = defineSurvey({
  id: "cadre-2026",
  version: 1,
  title: t("全区离休干部调查问卷（2026）", "District survey of retired cadres (2026)"),
  questions: {
    childrenNearby: defineQuestion({
      title: t("子女是否在附近居住", "Do children live nearby?"),
      schema: z.boolean(),
      toChange: (a) => ({ kind: "household", household: { childrenNearby: a } }),
    }),
    livingArrangement: defineQuestion({
      title: t("现居住情况", "Living arrangement"),
      schema: z.enum(["alone", "with_spouse", "with_children", "care_home"]),
      toChange: (a) => ({ kind: "household", household: { livesAlone: a === "alone" } }),
    }),
    movedAway: defineQuestion({
      title: t("是否已迁出", "Has moved away?"),
      schema: z.boolean(),
      toChange: (a) => (a ? { kind: "status", status: "moved" } : undefined),
    }),
    chronicConditions: defineQuestion({
      title: t("慢性病数量", "Number of chronic conditions"),
      schema: z.number().int().min(0).max(50),
      toChange: (a) => ({ kind: "health", health: { chronicConditions: a } }),
    }),
    mobilityLimited: defineQuestion({
      title: t("行动是否不便", "Is mobility limited?"),
      schema: z.boolean(),
      toChange: (a) => ({ kind: "health", health: { mobilityLimited: a } }),
    }),
    medicalCare: defineQuestion({
      title: t("医疗情况", "Medical care"),
      schema: z.enum(["regular_checkups", "occasional", "hospitalised", "none"]),
    }),
    benefitsImplemented: defineQuestion({
      title: t("生活待遇落实情况", "Are benefits implemented?"),
      schema: z.enum(["fully", "partly", "not"]),
    }),
    phone: defineQuestion({
      title: t("联系电话", "Phone"),
      schema: z.string().trim().min(1).max(20),
      toChange: (a) => ({ kind: "contact", phone: a }),
    }),
  },
});
