/**
 * The register's change events: the one contract between the register, its surveys and its
 * imports. A change is a zod value, declared once; its type is inferred from it.
 */
import {
  BirthdayCalendar,
  defaultRankScale,
  type ElderflowErrorJSON,
  FreeTextSchema,
  Gender,
  IdSchema,
  ISSUE_CODE_PARAM,
  IsoDateSchema,
  KeySchema,
  PersonStatus,
  personSchema,
  type RankScale,
  textProblem,
} from "@elderflow/core";
import { z } from "zod";

const code = (c: string, extra: Record<string, string | number> = {}) => ({
  params: { [ISSUE_CODE_PARAM]: c, ...extra },
});

/**
 * Where a change came from: a survey (调查问卷), a notice (通知, e.g. of a death or a transfer), a
 * correction by a registrar, or an import of the bureau's spreadsheets. `ref` names the document
 * (`cadre-2026@1#p-0001`, a notice number); it is a key, so it may not hold personal data.
 *
 * @example
 * ```ts
 * ChangeSource.parse({ kind: "notice", ref: "区老干发〔2026〕12号" });
 * ```
 */
export const ChangeSource = z.strictObject({
  /** The kind of document. */
  kind: z.enum(["survey", "notice", "correction", "import"]),
  /** The document's reference. */
  ref: KeySchema.optional(),
});
/** Where a change came from. */
export type ChangeSource = z.infer<typeof ChangeSource>;

/** A personal name as the register keeps it: trimmed, 1–100 characters of canonical text, one line. */
export const NameSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = textProblem(value, { max: 100 });
    if (problem !== null)
      ctx.addIssue({ code: "custom", ...code(problem, problem === "TOO_BIG" ? { maximum: 100 } : {}) });
  });

/**
 * A change to household facts: the fields given replace the register's, `null` clears one, a field
 * left out keeps its value (so a survey can update one fact alone).
 *
 * @example
 * ```ts
 * HouseholdPatch.parse({ livesAlone: true });
 * ```
 */
export const HouseholdPatch = z.strictObject({
  /** Lives alone. */
  livesAlone: z.boolean().nullable().optional(),
  /** Has children living nearby who can help. */
  childrenNearby: z.boolean().nullable().optional(),
  /** The household record the person belongs to. */
  householdId: IdSchema.nullable().optional(),
});
/** A change to household facts. */
export type HouseholdPatch = z.infer<typeof HouseholdPatch>;

/**
 * A change to health facts (sensitive): same rules as {@link HouseholdPatch}.
 *
 * @example
 * ```ts
 * HealthPatch.parse({ chronicConditions: 3 });
 * ```
 */
export const HealthPatch = z.strictObject({
  /** Number of chronic conditions. */
  chronicConditions: z.number().int().min(0).max(50).nullable().optional(),
  /** Mobility is limited. */
  mobilityLimited: z.boolean().nullable().optional(),
});
/** A change to health facts. */
export type HealthPatch = z.infer<typeof HealthPatch>;

/** Options for {@link registerChangeSchema}. */
export interface RegisterChangeSchemaOptions {
  /** The rank scale that ranks must be on (default: the civil-service scale). */
  readonly scale?: RankScale;
}

/**
 * Builds the schema of one change for a rank scale. Every change names the person (`personId`),
 * the day it takes effect (`effective`), why (`reason`, free text) and where it came from
 * (`source`), and optionally the earlier change it replaces (`supersedes`, a seq). The kinds:
 * - `enrol`: the first record of a person (`person` is core's person in the interchange form);
 * - `status`: active, deceased, moved (迁出) or transferred (转出), holding from `effective`;
 * - `rank`: a rank correction, on the scale;
 * - `community`: a move between communities;
 * - `household`, `health`: facts, as patches;
 * - `contact`: corrections of personal fields (name, phone, ID number, gender, birth date, birthday
 *   calendar); `null` clears the phone or the ID number.
 * {@link RegisterChangeInput} is this schema on the default scale.
 *
 * @example
 * ```ts
 * const schema = registerChangeSchema({ scale: defaultRankScale });
 * schema.parse({ kind: "rank", personId: "p1", effective: "2026-03-01", rank: "county",
 *   source: { kind: "correction" } });
 * ```
 */
export function registerChangeSchema(options: RegisterChangeSchemaOptions = {}) {
  const scale = options.scale ?? defaultRankScale;
  const base = {
    /** The person the change is about. */
    personId: IdSchema,
    /** The day the change takes effect (the register on any later day shows it). */
    effective: IsoDateSchema,
    /** Why (free text; masked on export). */
    reason: FreeTextSchema.optional(),
    /** Where it came from. */
    source: ChangeSource,
    /**
     * The seq of an earlier change of the same kind that this one replaces: the earlier change was
     * wrong, and no longer counts on any day (it stays in the history).
     */
    supersedes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  };
  const person = personSchema({ scale }).superRefine((p, ctx) => {
    const problem = textProblem(p.name, { max: 100 });
    if (problem !== null) ctx.addIssue({ code: "custom", path: ["name"], ...code(problem) });
  });
  return z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("enrol"), ...base, person }),
    z.strictObject({ kind: z.literal("status"), ...base, status: PersonStatus }),
    z.strictObject({
      kind: z.literal("rank"),
      ...base,
      rank: z.string().superRefine((r, ctx) => {
        if (!scale.has(r)) ctx.addIssue({ code: "custom", ...code("UNKNOWN_RANK") });
      }),
    }),
    z.strictObject({ kind: z.literal("community"), ...base, communityId: IdSchema }),
    z.strictObject({ kind: z.literal("household"), ...base, household: HouseholdPatch }).superRefine((c, ctx) => {
      if (Object.keys(c.household).length === 0)
        ctx.addIssue({ code: "custom", path: ["household"], ...code("EMPTY_CHANGE") });
    }),
    z.strictObject({ kind: z.literal("health"), ...base, health: HealthPatch }).superRefine((c, ctx) => {
      if (Object.keys(c.health).length === 0)
        ctx.addIssue({ code: "custom", path: ["health"], ...code("EMPTY_CHANGE") });
    }),
    z
      .strictObject({
        kind: z.literal("contact"),
        ...base,
        name: NameSchema.optional(),
        phone: z.string().max(40).nullable().optional(),
        idNumber: z.string().max(18).nullable().optional(),
        gender: Gender.optional(),
        birthDate: IsoDateSchema.optional(),
        birthdayCalendar: BirthdayCalendar.optional(),
      })
      .superRefine((c, ctx) => {
        if (CONTACT_FIELDS.every((f) => c[f] === undefined)) ctx.addIssue({ code: "custom", ...code("EMPTY_CHANGE") });
      }),
  ]);
}

/** The personal fields a `contact` change may correct. */
export const CONTACT_FIELDS = ["name", "phone", "idNumber", "gender", "birthDate", "birthdayCalendar"] as const;

/**
 * One change to the register as a caller writes it (on the default rank scale; a register checks
 * ranks on its own scale).
 *
 * @example
 * ```ts
 * RegisterChangeInput.parse({ kind: "status", personId: "p1", effective: "2026-05-02",
 *   status: "deceased", source: { kind: "notice", ref: "讣告-2026-05" } });
 * ```
 */
export const RegisterChangeInput = registerChangeSchema();
/** One change as a caller writes it (before defaults are filled). */
export type RegisterChangeInput = z.input<typeof RegisterChangeInput>;
/** One change, parsed (defaults of the enrolled person filled). */
export type RegisterChange = z.output<typeof RegisterChangeInput>;
/** The kinds of change. */
export type RegisterChangeKind = RegisterChange["kind"];

/**
 * A change as the register holds it: the change, its place in the log (`seq`, the order of
 * recording, which breaks ties between changes effective on one day), when it was recorded (an
 * ISO instant from the register's clock) and by whom (the actor's id). `masked` is set on the
 * copies that {@link Register.history} hands to an actor who may not see personal data.
 */
export type RecordedChange = RegisterChange & {
  /** Position in the log, from 1. */
  readonly seq: number;
  /** When it was recorded (ISO 8601 instant, UTC). */
  readonly recordedAt: string;
  /** The actor who recorded it. */
  readonly by: string;
  /** Personal fields of this copy are masked. */
  readonly masked?: true;
  /** Sensitive fields of this change whose person's data key was erased: they are left out. */
  readonly erased?: readonly SensitiveField[];
  /** Sensitive fields whose sealed value did not open (altered or misplaced): they are left out. */
  readonly unreadable?: readonly SensitiveField[];
};

/**
 * The fields a register with encryption seals per person: ID number, phone and health facts
 * (sensitive personal information under PIPL art. 28).
 *
 * @example
 * ```ts
 * SENSITIVE_FIELDS.includes("phone"); // true
 * ```
 */
export const SENSITIVE_FIELDS = ["idNumber", "phone", "health"] as const;
/** A field the register seals per person. */
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];

/** The outcome of recording one change of a batch: the recorded change, or why it was refused. */
export type RecordOutcome =
  | { readonly ok: true; readonly index: number; readonly change: RecordedChange }
  | { readonly ok: false; readonly index: number; readonly error: ElderflowErrorJSON };

/**
 * The register fields a change sets, as dotted paths (`household.livesAlone`, `rank`,
 * `status`): what a survey report compares, and what conflicts are found on.
 *
 * @example
 * ```ts
 * changedFields({ kind: "health", personId: "p1", effective: "2026-03-01",
 *   health: { chronicConditions: 2 }, source: { kind: "survey" } }); // ["health.chronicConditions"]
 * ```
 */
export function changedFields(change: RegisterChange): string[] {
  switch (change.kind) {
    case "enrol":
      return ["*"];
    case "status":
      return ["status"];
    case "rank":
      return ["rank"];
    case "community":
      return ["communityId"];
    case "household":
      return Object.keys(change.household).map((k) => `household.${k}`);
    case "health":
      return Object.keys(change.health).map((k) => `health.${k}`);
    case "contact":
      return CONTACT_FIELDS.filter((f) => change[f] !== undefined);
  }
}
