/**
 * Health records (个人健康档案, seed 003: 「每年……进行一次免费查体，建立个人健康档案」): the results of
 * check-ups attached to the persons of the register. A record has its date, the institution, the
 * findings as coded flags, readings, and a follow-up due date. Findings and readings are sensitive:
 * they are stored sealed under the person's data key (core's `FieldSealer`), and erasing that key
 * makes them unreadable while each stored record's digest, taken over the ciphertext, still checks.
 *
 * History is kept as in the register: records are only appended; a correction supersedes an
 * earlier record (by its seq) and every read shows the correction in its place.
 */
import {
  Actor,
  type ActorInput,
  type AnnualReading,
  actorReaches,
  annualStanding,
  assertText,
  type Clock,
  canonicalJson,
  compareIsoDates,
  DEFAULT_ANNUAL_READING,
  ElderflowError,
  type ElderflowErrorJSON,
  type FieldSealer,
  fromZodError,
  ID_RULES,
  IdSchema,
  ISSUE_CODE_PARAM,
  type IsoDate,
  IsoDateSchema,
  isDistrictActor,
  isElderflowError,
  isUniqueViolation,
  KeySchema,
  type Migration,
  runMigrations,
  SealedValue,
  type SqlClient,
  sha256Hex,
  today,
} from "@elderflow/core";
import { z } from "zod";
import type { MaskedPerson } from "./masking";
import type { Register } from "./register";

/**
 * The coded findings of a check-up, a bounded list (no free text, so nothing personal slips in):
 * the conditions the district's check-up reports flag most for retired cadres.
 *
 * @example
 * ```ts
 * HEALTH_FINDINGS.includes("hypertension"); // true
 * ```
 */
export const HEALTH_FINDINGS = [
  "hypertension",
  "diabetes",
  "dyslipidemia",
  "coronary_heart_disease",
  "arrhythmia",
  "cerebrovascular_disease",
  "copd",
  "chronic_kidney_disease",
  "fatty_liver",
  "hyperuricemia",
  "osteoporosis",
  "arthritis",
  "cataract",
  "hearing_loss",
  "cognitive_decline",
  "anemia",
  "thyroid_nodule",
  "prostate_hyperplasia",
  "abnormal_ecg",
  "tumor_marker_abnormal",
  "obesity",
] as const;

/**
 * One coded finding of {@link HEALTH_FINDINGS}.
 *
 * @example
 * ```ts
 * HealthFinding.parse("diabetes");
 * ```
 */
export const HealthFinding = z.enum(HEALTH_FINDINGS);
/** One coded finding. */
export type HealthFinding = z.infer<typeof HealthFinding>;

/**
 * Every finding named in zh-CN and en.
 *
 * @example
 * ```ts
 * HEALTH_FINDING_LABELS.hypertension["zh-CN"]; // "高血压"
 * ```
 */
export const HEALTH_FINDING_LABELS: {
  readonly [F in HealthFinding]: { readonly "zh-CN": string; readonly en: string };
} = {
  hypertension: { "zh-CN": "高血压", en: "hypertension" },
  diabetes: { "zh-CN": "糖尿病", en: "diabetes" },
  dyslipidemia: { "zh-CN": "血脂异常", en: "dyslipidaemia" },
  coronary_heart_disease: { "zh-CN": "冠心病", en: "coronary heart disease" },
  arrhythmia: { "zh-CN": "心律失常", en: "arrhythmia" },
  cerebrovascular_disease: { "zh-CN": "脑血管病", en: "cerebrovascular disease" },
  copd: { "zh-CN": "慢性阻塞性肺疾病", en: "COPD" },
  chronic_kidney_disease: { "zh-CN": "慢性肾脏病", en: "chronic kidney disease" },
  fatty_liver: { "zh-CN": "脂肪肝", en: "fatty liver" },
  hyperuricemia: { "zh-CN": "高尿酸血症", en: "hyperuricaemia" },
  osteoporosis: { "zh-CN": "骨质疏松", en: "osteoporosis" },
  arthritis: { "zh-CN": "关节炎", en: "arthritis" },
  cataract: { "zh-CN": "白内障", en: "cataract" },
  hearing_loss: { "zh-CN": "听力下降", en: "hearing loss" },
  cognitive_decline: { "zh-CN": "认知功能下降", en: "cognitive decline" },
  anemia: { "zh-CN": "贫血", en: "anaemia" },
  thyroid_nodule: { "zh-CN": "甲状腺结节", en: "thyroid nodule" },
  prostate_hyperplasia: { "zh-CN": "前列腺增生", en: "prostatic hyperplasia" },
  abnormal_ecg: { "zh-CN": "心电图异常", en: "abnormal ECG" },
  tumor_marker_abnormal: { "zh-CN": "肿瘤标志物异常", en: "abnormal tumour marker" },
  obesity: { "zh-CN": "肥胖", en: "obesity" },
};

const issue = (c: string, extra: Record<string, string | number> = {}) => ({
  params: { [ISSUE_CODE_PARAM]: c, ...extra },
});

/**
 * Readings taken at a check-up, each within what a living person can show (a typo such as 1500
 * for a systolic pressure is refused, not stored).
 *
 * @example
 * ```ts
 * CheckupReadings.parse({ systolic: 148, diastolic: 92, fastingGlucose: 7.4 });
 * ```
 */
export const CheckupReadings = z
  .strictObject({
    /** Systolic blood pressure, mmHg. */
    systolic: z.number().int().min(50).max(300).optional(),
    /** Diastolic blood pressure, mmHg. */
    diastolic: z.number().int().min(20).max(200).optional(),
    /** Resting heart rate, beats per minute. */
    heartRate: z.number().int().min(20).max(250).optional(),
    /** Fasting blood glucose, mmol/L. */
    fastingGlucose: z.number().min(1).max(40).optional(),
    /** Height, cm. */
    heightCm: z.number().min(100).max(230).optional(),
    /** Weight, kg. */
    weightKg: z.number().min(20).max(250).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.systolic !== undefined && r.diastolic !== undefined && r.diastolic >= r.systolic)
      ctx.addIssue({ code: "custom", path: ["diastolic"], ...issue("DATE_ORDER") });
  });
/** Readings taken at a check-up. */
export type CheckupReadings = z.infer<typeof CheckupReadings>;

/**
 * What a check-up was: the `annual` free check (counts for "once a year") or a `follow_up`
 * examination (closes an open follow-up, does not count as the annual check).
 *
 * @example
 * ```ts
 * CheckupKind.parse("follow_up");
 * ```
 */
export const CheckupKind = z.enum(["annual", "follow_up"]);
/** What a check-up was. */
export type CheckupKind = z.infer<typeof CheckupKind>;

/**
 * A check-up result as a caller records it. `findings` are coded flags (at most one of each);
 * `followUpDue` is when the person is to be seen again; `supersedes` names the seq of an earlier
 * record of the same person that this one corrects; `ref` the report's number (a key, never
 * personal data).
 *
 * @example
 * ```ts
 * CheckupInput.parse({ personId: "p-0001", examinedOn: "2027-04-13", institution: "区人民医院体检中心",
 *   findings: ["hypertension"], readings: { systolic: 152, diastolic: 95 }, followUpDue: "2027-07-13" });
 * ```
 */
export const CheckupInput = z
  .strictObject({
    /** The person in the register. */
    personId: IdSchema,
    /** Annual check or follow-up (default annual). */
    kind: CheckupKind.default("annual"),
    /** The day of the examination. */
    examinedOn: IsoDateSchema,
    /** Where it was done (体检机构). */
    institution: KeySchema,
    /** Coded findings; empty when nothing was found. */
    findings: z.array(HealthFinding).max(HEALTH_FINDINGS.length).default([]),
    /** Readings. */
    readings: CheckupReadings.default({}),
    /** When a follow-up is due (复查), if one is. */
    followUpDue: IsoDateSchema.optional(),
    /** The seq of the record this one corrects. */
    supersedes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    /** The report's reference. */
    ref: KeySchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (new Set(c.findings).size !== c.findings.length)
      ctx.addIssue({ code: "custom", path: ["findings"], ...issue("DUPLICATE_ID", { id: "finding" }) });
    if (c.followUpDue !== undefined && c.followUpDue < c.examinedOn)
      ctx.addIssue({ code: "custom", path: ["followUpDue"], ...issue("FOLLOW_UP_BEFORE_CHECK") });
  });
/** A check-up result as a caller records it. */
export type CheckupInput = z.input<typeof CheckupInput>;

/** The plain fields of a check-up, as stored and as read. */
export interface CheckupFields {
  /** Order of recording, assigned by the store. */
  readonly seq: number;
  /** The person. */
  readonly personId: string;
  /** Annual or follow-up. */
  readonly kind: CheckupKind;
  /** The day of the examination. */
  readonly examinedOn: IsoDate;
  /** Where. */
  readonly institution: string;
  /** When a follow-up is due, or null. */
  readonly followUpDue: IsoDate | null;
  /** The seq this record corrects, or null. */
  readonly supersedes: number | null;
  /** The report's reference, or null. */
  readonly ref: string | null;
  /** When it was recorded (ISO instant). */
  readonly recordedAt: string;
  /** The actor id who recorded it. */
  readonly by: string;
}

/** A stored check-up: the plain fields, the sealed findings and readings, and a digest of them all. */
export interface StoredCheckup extends CheckupFields {
  /** Findings and readings, sealed for the person (`health/checkup`). */
  readonly sealed: SealedValue;
  /** SHA-256 (hex) of the canonical JSON of every field above except `seq`: checkable without the key. */
  readonly digest: string;
}

/** A check-up as a reader with a health role sees it: findings and readings opened. */
export interface CheckupRecord extends CheckupFields {
  /** The findings, or null once the person's key was erased. */
  readonly findings: readonly HealthFinding[] | null;
  /** The readings, or null once the person's key was erased. */
  readonly readings: CheckupReadings | null;
}

/** The outcome of one item of {@link HealthRecords.record}. */
export type CheckupOutcome =
  | { readonly ok: true; readonly index: number; readonly seq: number }
  | { readonly ok: false; readonly index: number; readonly error: ElderflowErrorJSON };

/** Where health records are kept (memory, PGlite, PostgreSQL, MySQL/MariaDB). Records are only appended. */
export interface HealthRecordStore {
  /**
   * Appends a record and returns its seq. Throws `ALREADY_SUPERSEDED` when another record already
   * supersedes the same seq (also when two writers race).
   */
  append(entry: Omit<StoredCheckup, "seq">): Promise<number>;
  /** Every record of one person, in order of seq. */
  recordsOf(personId: string): Promise<StoredCheckup[]>;
  /** Every record, in order of seq. */
  all(): Promise<StoredCheckup[]>;
  /** Releases the store. */
  close(): Promise<void>;
}

/**
 * A person's line on the check-up list: masked name, the annual check's standing and the
 * follow-up's, never a finding.
 */
export interface HealthDueRow {
  /** The person. */
  readonly personId: string;
  /** The name, masked. */
  readonly maskedName: string;
  /** The community. */
  readonly communityId: string;
  /** The annual check: `done` this period, `due` in it, or `overdue` since an earlier one. */
  readonly check: "done" | "due" | "overdue";
  /** The last annual check on or before the day, or null. */
  readonly lastCheck: IsoDate | null;
  /** When the next annual check is owed. */
  readonly dueDate: IsoDate;
  /** From when it is overdue. */
  readonly overdueFrom: IsoDate;
  /** The follow-up: `none`, `pending` (due later) or `due` (due on or before the day, not yet done). */
  readonly followUp: "none" | "pending" | "due";
  /** When the open follow-up is due, or null. */
  readonly followUpDue: IsoDate | null;
}

/** Options of {@link HealthRecords.dueList}. */
export interface HealthDueListOptions {
  /** The day (default: the clock's today). */
  readonly asOf?: IsoDate;
  /** How "once a year" is read (default core's `calendar-year`). */
  readonly reading?: AnnualReading;
  /** Only this community. */
  readonly communityId?: string;
  /** `attention` (default): only persons due, overdue or with a follow-up due; `all`: every active person. */
  readonly include?: "attention" | "all";
}

/**
 * The register's health records. Every method takes the authenticated actor and checks it with
 * core's one rule (`actorHasRole`, `actorReaches`):
 * - `record` and `records` need a role of {@link HEALTH_RECORD_ROLES} and reach of the person's
 *   community;
 * - `dueList` is open to any role within its reach (it shows no finding);
 * - `erase` needs a role of {@link HEALTH_ERASE_ROLES}.
 */
export interface HealthRecords {
  /**
   * Records a batch of check-up results, each on its own: a bad item is refused with a typed
   * error and never fails the others. Throws only for a bad actor, an actor without a health role
   * (`NOT_AUTHORIZED`), or a batch that is not an array of at most {@link MAX_CHECKUP_BATCH} items.
   *
   * @example
   * ```ts
   * const [o] = await health.record([{ personId: "p-0001", examinedOn: "2027-04-13",
   *   institution: "区人民医院", findings: ["hypertension"], followUpDue: "2027-07-13" }], doctor);
   * ```
   */
  record(inputs: readonly unknown[], actor: ActorInput): Promise<CheckupOutcome[]>;
  /**
   * A person's records in effect on a day (examined on or before it, corrections in place of what
   * they correct), findings and readings opened, sorted by examination day then seq.
   *
   * @example
   * ```ts
   * (await health.records("p-0001", doctor))[0]?.findings; // ["hypertension"]
   * ```
   */
  records(personId: string, actor: ActorInput, options?: { asOf?: IsoDate }): Promise<CheckupRecord[]>;
  /**
   * Every stored record of a person as stored (sealed, with digests), superseded ones included.
   *
   * @example
   * ```ts
   * const stored = await health.history("p-0001", doctor);
   * ```
   */
  history(personId: string, actor: ActorInput): Promise<StoredCheckup[]>;
  /**
   * The seqs of stored records whose digest no longer matches their fields (empty when intact).
   * Needs no key, so it also checks the records of erased persons.
   *
   * @example
   * ```ts
   * (await health.verify(bureau)).length; // 0
   * ```
   */
  verify(actor: ActorInput): Promise<number[]>;
  /**
   * Persons due, overdue or with a follow-up due on a day, from the register's active persons and
   * these records, masked: sorted by check (overdue, due, done), then follow-up due first, then
   * due date, then id.
   *
   * @example
   * ```ts
   * const rows = await health.dueList(staff, { asOf: "2027-04-01" });
   * ```
   */
  dueList(actor: ActorInput, options?: HealthDueListOptions): Promise<HealthDueRow[]>;
  /**
   * Erases the person's data key: their findings and readings can never be read again; the stored
   * records, their dates and their digests stay.
   *
   * @example
   * ```ts
   * await health.erase("p-0001", bureau);
   * ```
   */
  erase(personId: string, actor: ActorInput): Promise<void>;
}

/**
 * Roles that may record and read health records: doctors, registrars, the bureau, the host
 * system and admins (within their reach).
 *
 * @example
 * ```ts
 * HEALTH_RECORD_ROLES.includes("volunteer"); // false
 * ```
 */
export const HEALTH_RECORD_ROLES = ["doctor", "registrar", "bureau", "system", "admin"] as const;

/**
 * Roles that may erase a person's health data (crypto-shredding).
 *
 * @example
 * ```ts
 * HEALTH_ERASE_ROLES.includes("doctor"); // false
 * ```
 */
export const HEALTH_ERASE_ROLES = ["bureau", "system", "admin"] as const;

/** Most check-ups one `record` call takes. */
export const MAX_CHECKUP_BATCH = 1_000;

/** The sealing context of a check-up's findings and readings. */
const CONTEXT = "health/checkup";

const INPUT_LIMITS = { maxDepth: 6, maxNodes: 200, maxString: 400 } as const;

/** Options of {@link createHealthRecords}. */
export interface HealthRecordsOptions {
  /** The register the persons are in. */
  readonly register: Register;
  /** Where records are kept. */
  readonly store: HealthRecordStore;
  /** Seals findings and readings under each person's key. */
  readonly sealer: FieldSealer;
  /** The source of today and of recording instants. */
  readonly clock: Clock;
}

function parseActor(input: ActorInput): Actor {
  const r = Actor.safeParse(input, { reportInput: true });
  if (!r.success) throw fromZodError(r.error, ["actor"]);
  return r.data;
}

function assertRole(actor: Actor, roles: readonly string[]): void {
  if (!actor.roles.some((r) => roles.includes(r))) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
}

/** The digested form: every stored field but seq and digest, in canonical JSON. */
async function digestOf(entry: Omit<StoredCheckup, "seq" | "digest">): Promise<string> {
  const { personId, kind, examinedOn, institution, followUpDue, supersedes, ref, recordedAt, by, sealed } = entry;
  return sha256Hex(
    canonicalJson({ personId, kind, examinedOn, institution, followUpDue, supersedes, ref, recordedAt, by, sealed }),
  );
}

/** Records in effect: superseded ones replaced by their corrections. */
function inEffect(records: readonly StoredCheckup[]): StoredCheckup[] {
  const superseded = new Set<number>();
  for (const r of records) if (r.supersedes !== null) superseded.add(r.supersedes);
  return records.filter((r) => !superseded.has(r.seq));
}

const byExamined = (a: StoredCheckup, b: StoredCheckup) => compareIsoDates(a.examinedOn, b.examinedOn) || a.seq - b.seq;

/** The annual check and follow-up standing of one person on a day. */
function standing(records: readonly StoredCheckup[], asOf: IsoDate, reading: AnnualReading) {
  const seen = records.filter((r) => r.examinedOn <= asOf).sort(byExamined);
  let lastCheck: IsoDate | null = null;
  for (const r of seen) if (r.kind === "annual") lastCheck = r.examinedOn;
  const annual = annualStanding(lastCheck, asOf, reading);
  // The open follow-up: the latest record asking for one, unless someone examined the person later.
  let followUpDue: IsoDate | null = null;
  let followUp: HealthDueRow["followUp"] = "none";
  const last = seen[seen.length - 1];
  for (let i = seen.length - 1; i >= 0; i--) {
    const r = seen[i] as StoredCheckup;
    if (r.followUpDue === null) continue;
    if (last !== undefined && last.examinedOn > r.examinedOn) break;
    followUpDue = r.followUpDue;
    followUp = r.followUpDue <= asOf ? "due" : "pending";
    break;
  }
  return { lastCheck, ...annual, followUp, followUpDue };
}

/**
 * Creates the health records of a register.
 *
 * @example
 * ```ts
 * const health = createHealthRecords({ register, store: memoryHealthRecordStore(),
 *   sealer: createFieldSealer({ keys: memoryKeyProvider() }), clock });
 * ```
 */
export function createHealthRecords(options: HealthRecordsOptions): HealthRecords {
  const { register, store, sealer, clock } = options;

  /** The actor's listing of the register on a day, by id (masked rows: community and status). */
  const listing = async (actor: Actor, asOf: IsoDate): Promise<Map<string, MaskedPerson>> =>
    new Map((await register.list(actor, { asOf })).map((p) => [p.id, p]));

  const personInReach = async (actor: Actor, personId: string): Promise<MaskedPerson> => {
    assertText(personId, ID_RULES, ["personId"]);
    const p = (await listing(actor, today(clock))).get(personId);
    if (p === undefined || !actorReaches(actor, p.communityId))
      throw new ElderflowError("UNKNOWN_PERSON", { path: ["personId"] });
    return p;
  };

  const open = async (r: StoredCheckup): Promise<CheckupRecord> => {
    let findings: HealthFinding[] | null = null;
    let readings: CheckupReadings | null = null;
    try {
      const v = (await sealer.open(r.personId, CONTEXT, r.sealed)) as { findings: HealthFinding[]; readings: object };
      findings = v.findings;
      readings = v.readings as CheckupReadings;
    } catch (error) {
      if (!(isElderflowError(error) && error.code === "KEY_ERASED")) throw error;
    }
    const { sealed: _sealed, digest: _digest, ...plain } = r;
    return { ...plain, findings, readings };
  };

  const recordOne = async (
    raw: unknown,
    actor: Actor,
    persons: Map<string, MaskedPerson>,
    todayDate: IsoDate,
    meta: { recordedAt: string; by: string },
  ): Promise<number> => {
    canonicalJson(raw, INPUT_LIMITS);
    const r = CheckupInput.safeParse(raw, { reportInput: true });
    if (!r.success) throw fromZodError(r.error);
    const c = r.data;
    const person = persons.get(c.personId);
    if (person === undefined) throw new ElderflowError("UNKNOWN_PERSON", { path: ["personId"] });
    if (!actorReaches(actor, person.communityId)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["personId"] });
    if (c.examinedOn > todayDate)
      throw new ElderflowError("FUTURE_DATE", { path: ["examinedOn"], params: { limit: todayDate } });
    if (c.supersedes !== undefined) {
      const seq = c.supersedes;
      const existing = await store.recordsOf(c.personId);
      if (!existing.some((e) => e.seq === seq))
        throw new ElderflowError("UNKNOWN_CHANGE", { path: ["supersedes"], params: { seq } });
      if (existing.some((e) => e.supersedes === seq))
        throw new ElderflowError("ALREADY_SUPERSEDED", { path: ["supersedes"], params: { seq } });
    }
    const sealed = await sealer.seal(c.personId, CONTEXT, { findings: [...c.findings].sort(), readings: c.readings });
    const entry = {
      personId: c.personId,
      kind: c.kind,
      examinedOn: c.examinedOn,
      institution: c.institution,
      followUpDue: c.followUpDue ?? null,
      supersedes: c.supersedes ?? null,
      ref: c.ref ?? null,
      ...meta,
      sealed,
    };
    return store.append({ ...entry, digest: await digestOf(entry) });
  };

  return {
    async record(inputs, actorInput) {
      const actor = parseActor(actorInput);
      assertRole(actor, HEALTH_RECORD_ROLES);
      if (!Array.isArray(inputs)) throw new ElderflowError("INVALID_TYPE", { params: { expected: "array" } });
      if (inputs.length > MAX_CHECKUP_BATCH)
        throw new ElderflowError("TOO_MANY_ITEMS", { params: { maximum: MAX_CHECKUP_BATCH } });
      const todayDate = today(clock);
      const meta = { recordedAt: new Date(clock.now()).toISOString(), by: actor.id };
      const persons = await listing(actor, todayDate);
      const out: CheckupOutcome[] = [];
      for (const [index, raw] of inputs.entries()) {
        try {
          out.push({ ok: true, index, seq: await recordOne(raw, actor, persons, todayDate, meta) });
        } catch (error) {
          if (!isElderflowError(error)) throw error;
          out.push({ ok: false, index, error: error.toJSON() });
        }
      }
      return out;
    },

    async records(personId, actorInput, opts) {
      const actor = parseActor(actorInput);
      assertRole(actor, HEALTH_RECORD_ROLES);
      let asOf = today(clock);
      if (opts?.asOf !== undefined) {
        const d = IsoDateSchema.safeParse(opts.asOf);
        if (!d.success) throw new ElderflowError("INVALID_DATE", { path: ["asOf"] });
        asOf = d.data;
      }
      await personInReach(actor, personId);
      const mine = inEffect(await store.recordsOf(personId))
        .filter((r) => r.examinedOn <= asOf)
        .sort(byExamined);
      return Promise.all(mine.map(open));
    },

    async history(personId, actorInput) {
      const actor = parseActor(actorInput);
      assertRole(actor, HEALTH_RECORD_ROLES);
      await personInReach(actor, personId);
      return (await store.recordsOf(personId)).map((r) => structuredClone(r));
    },

    async verify(actorInput) {
      const actor = parseActor(actorInput);
      assertRole(actor, HEALTH_ERASE_ROLES);
      const bad: number[] = [];
      for (const r of await store.all()) {
        const { seq: _seq, digest, ...rest } = r;
        if ((await digestOf(rest)) !== digest) bad.push(r.seq);
      }
      return bad;
    },

    async dueList(actorInput, opts = {}) {
      const actor = parseActor(actorInput);
      let asOf = today(clock);
      if (opts.asOf !== undefined) {
        const d = IsoDateSchema.safeParse(opts.asOf);
        if (!d.success) throw new ElderflowError("INVALID_DATE", { path: ["asOf"] });
        asOf = d.data;
      }
      const reading = opts.reading ?? DEFAULT_ANNUAL_READING;
      const include = opts.include ?? "attention";
      if (include !== "attention" && include !== "all")
        throw new ElderflowError("INVALID_ENUM", { path: ["include"], params: { options: "attention, all" } });
      const persons = await register.list(actor, {
        asOf,
        status: "active",
        ...(opts.communityId === undefined ? {} : { communityId: opts.communityId }),
      });
      const byPerson = new Map<string, StoredCheckup[]>();
      for (const r of inEffect(await store.all())) {
        const list = byPerson.get(r.personId) ?? [];
        list.push(r);
        byPerson.set(r.personId, list);
      }
      const rank = { overdue: 0, due: 1, done: 2 } as const;
      return persons
        .filter((p) => actorReaches(actor, p.communityId))
        .map((p): HealthDueRow => {
          const s = standing(byPerson.get(p.id) ?? [], asOf, reading);
          return {
            personId: p.id,
            maskedName: p.maskedName,
            communityId: p.communityId,
            check: s.status,
            lastCheck: s.lastCheck,
            dueDate: s.dueDate,
            overdueFrom: s.overdueFrom,
            followUp: s.followUp,
            followUpDue: s.followUpDue,
          };
        })
        .filter((row) => include === "all" || row.check !== "done" || row.followUp === "due")
        .sort(
          (a, b) =>
            rank[a.check] - rank[b.check] ||
            Number(b.followUp === "due") - Number(a.followUp === "due") ||
            compareIsoDates(a.dueDate, b.dueDate) ||
            (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0),
        );
    },

    async erase(personId, actorInput) {
      const actor = parseActor(actorInput);
      assertRole(actor, HEALTH_ERASE_ROLES);
      assertText(personId, ID_RULES, ["personId"]);
      // The listing has every status (a person who died or left is erased too) within the actor's
      // reach; someone absent from it is unknown, or out of reach of a community-bound actor.
      const p = (await listing(actor, today(clock))).get(personId);
      if (p === undefined && !isDistrictActor(actor))
        throw new ElderflowError("UNKNOWN_PERSON", { path: ["personId"] });
      await sealer.erase(personId);
    },
  };
}

/**
 * Health records in memory (tests, demos, the browser).
 *
 * @example
 * ```ts
 * const store = memoryHealthRecordStore();
 * ```
 */
export function memoryHealthRecordStore(): HealthRecordStore {
  const log: StoredCheckup[] = [];
  return {
    async append(entry) {
      if (entry.supersedes !== null && log.some((r) => r.supersedes === entry.supersedes))
        throw new ElderflowError("ALREADY_SUPERSEDED", {
          path: ["supersedes"],
          params: { seq: entry.supersedes },
        });
      const seq = log.length + 1;
      log.push(structuredClone({ ...entry, seq }));
      return seq;
    },
    recordsOf: async (personId) => log.filter((r) => r.personId === personId).map((r) => structuredClone(r)),
    all: async () => log.map((r) => structuredClone(r)),
    close: async () => {},
  };
}

/**
 * The health records' SQL schema, applied with `runMigrations(sql, "register-health",
 * HEALTH_MIGRATIONS)` (its own namespace beside the register's). `register_checkups` is
 * append-only (a trigger refuses UPDATE, DELETE and TRUNCATE); `sealed` holds the ciphertext;
 * `supersedes` is unique, so of two corrections of one record only one is stored.
 *
 * @example
 * ```ts
 * await runMigrations(sql, "register-health", HEALTH_MIGRATIONS);
 * ```
 */
export const HEALTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "sealed check-up records",
    sql: `
create table register_checkups (
  seq bigint generated always as identity primary key,
  person_id text not null,
  kind text not null,
  examined_on date not null,
  institution text not null,
  follow_up_due date,
  supersedes bigint unique references register_checkups (seq),
  ref text,
  recorded_at text not null,
  actor text not null,
  sealed jsonb not null,
  digest text not null
);
create index register_checkups_person on register_checkups (person_id, seq);
create function register_checkups_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% on % is refused: health records only grow', tg_op, tg_table_name;
end
$$;
create trigger register_checkups_no_change before update or delete on register_checkups
  for each row execute function register_checkups_append_only();
create trigger register_checkups_no_truncate before truncate on register_checkups
  for each statement execute function register_checkups_append_only();
`,
  },
];

/** Every MySQL table: InnoDB (transactions, row locks, foreign keys), binary UTF-8. */
const MYSQL_TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";

/** A MySQL trigger that refuses the statement, worded as the PostgreSQL one. */
const mysqlRefuse = (op: "update" | "delete") =>
  `create trigger if not exists register_checkups_no_${op} before ${op} on register_checkups for each row begin
  signal sqlstate '45000' set message_text = '${op.toUpperCase()} on register_checkups is refused: health records only grow';
end`;

/** Version 1 of {@link HEALTH_MYSQL_MIGRATIONS}, statement by statement (trigger bodies hold semicolons). */
const MYSQL_V1 = [
  `create table if not exists register_checkups (
  seq bigint not null auto_increment primary key,
  person_id varchar(64) not null,
  kind varchar(16) not null,
  examined_on date not null,
  institution varchar(200) not null,
  follow_up_due date,
  supersedes bigint,
  ref varchar(200),
  recorded_at varchar(64) not null,
  actor varchar(64) not null,
  sealed longtext not null,
  digest varchar(64) not null,
  constraint register_checkups_supersedes_once unique (supersedes),
  constraint register_checkups_supersedes_known foreign key (supersedes) references register_checkups (seq),
  index register_checkups_person (person_id, seq)
) ${MYSQL_TABLE}`,
  mysqlRefuse("update"),
  mysqlRefuse("delete"),
  // MySQL fires no trigger on TRUNCATE, but refuses TRUNCATE (and DROP) of a table that another
  // table's foreign key references: this one stays empty, and its constraint's name says why.
  `create table if not exists register_checkups_guard (
  checkup_seq bigint,
  constraint register_checkups_truncate_refused foreign key (checkup_seq) references register_checkups (seq),
  constraint register_checkups_guard_stays_empty check (1 = 0)
) ${MYSQL_TABLE}`,
];

/**
 * The health records' schema on the MySQL family (MariaDB 10.6+, MySQL 8.0.29+): the same version
 * and meaning as {@link HEALTH_MIGRATIONS} under the same `register-health` namespace;
 * {@link sqlHealthRecordStore} picks one list by `sql.dialect`. Where it differs:
 *
 * - `seq` is `bigint auto_increment` (the store reads the insert id in place of `returning`);
 * - bounded `varchar` columns where PostgreSQL has `text` (ids 64 characters, institution and
 *   reference 200 as their schemas allow, instants 64, the digest 64 hex digits); the store refuses
 *   a longer string with `TOO_BIG` before writing; ids cannot end in a space, so `utf8mb4_bin`'s
 *   padded comparison never merges two of them; the sealed value is `longtext` holding its JSON;
 * - append-only by `BEGIN … SIGNAL … END` triggers on UPDATE and DELETE, and since MySQL fires
 *   none on TRUNCATE, the always-empty `register_checkups_guard` holds a foreign key to the table,
 *   which makes the server refuse TRUNCATE and DROP of it;
 * - every statement can run again (`if not exists`): MySQL commits each DDL statement on its own
 *   and `runMigrations` resumes at the first one not recorded.
 *
 * @example
 * ```ts
 * await runMigrations(sqlFromMysqlPool(pool), "register-health", HEALTH_MYSQL_MIGRATIONS);
 * ```
 */
export const HEALTH_MYSQL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "sealed check-up records", statements: MYSQL_V1, sql: MYSQL_V1.join(";\n") },
];

interface CheckupRow {
  seq: string | number;
  person_id: string;
  kind: string;
  examined_on: string | Date;
  institution: string;
  follow_up_due: string | Date | null;
  supersedes: string | number | null;
  ref: string | null;
  recorded_at: string;
  actor: string;
  sealed: unknown;
  digest: string;
}

const SELECT_CHECKUPS = `select seq, person_id, kind, to_char(examined_on, 'YYYY-MM-DD') as examined_on, institution,
  to_char(follow_up_due, 'YYYY-MM-DD') as follow_up_due, supersedes, ref, recorded_at, actor, sealed, digest
  from register_checkups`;

function fromCheckupRow(row: CheckupRow): StoredCheckup {
  const sealed = (typeof row.sealed === "string" ? JSON.parse(row.sealed) : row.sealed) as SealedValue;
  return {
    seq: Number(row.seq),
    personId: row.person_id,
    kind: row.kind as CheckupKind,
    examinedOn: String(row.examined_on),
    institution: row.institution,
    followUpDue: row.follow_up_due === null ? null : String(row.follow_up_due),
    supersedes: row.supersedes === null ? null : Number(row.supersedes),
    ref: row.ref,
    recordedAt: row.recorded_at,
    by: row.actor,
    sealed: SealedValue.parse(sealed),
    digest: row.digest,
  };
}

const SELECT_CHECKUPS_MYSQL = `select seq, person_id, kind, date_format(examined_on, '%Y-%m-%d') as examined_on,
  institution, date_format(follow_up_due, '%Y-%m-%d') as follow_up_due, supersedes, ref, recorded_at, actor, sealed, digest
  from register_checkups`;

/** Widest value of each bounded MySQL column, in characters (code points). */
const MYSQL_WIDTHS = {
  personId: 64,
  kind: 16,
  institution: 200,
  ref: 200,
  recordedAt: 64,
  by: 64,
  digest: 64,
} as const;

/** Refuses, before writing, a string wider than its MySQL column (strict mode would fail the insert). */
function assertFitsMysql(e: Omit<StoredCheckup, "seq">): void {
  for (const [field, maximum] of Object.entries(MYSQL_WIDTHS)) {
    const v = e[field as keyof typeof MYSQL_WIDTHS];
    if (v !== null && [...v].length > maximum)
      throw new ElderflowError("TOO_BIG", { path: [field], params: { maximum } });
  }
}

/**
 * Health records on SQL (PGlite, PostgreSQL, or the MySQL family), beside the register in the same
 * database. Runs the migrations first ({@link HEALTH_MIGRATIONS}, or {@link HEALTH_MYSQL_MIGRATIONS}
 * on a `mysql` client). Each record is one insert; `close` leaves the client open for its owner.
 *
 * @example
 * ```ts
 * const store = await sqlHealthRecordStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlHealthRecordStore(sql: SqlClient): Promise<HealthRecordStore> {
  const mysql = sql.dialect === "mysql";
  await runMigrations(sql, "register-health", mysql ? HEALTH_MYSQL_MIGRATIONS : HEALTH_MIGRATIONS);
  const select = mysql ? SELECT_CHECKUPS_MYSQL : SELECT_CHECKUPS;
  const insert = async (e: Omit<StoredCheckup, "seq">): Promise<number> => {
    const values = [
      e.personId,
      e.kind,
      e.examinedOn,
      e.institution,
      e.followUpDue,
      e.supersedes,
      e.ref,
      e.recordedAt,
      e.by,
      JSON.stringify(e.sealed),
      e.digest,
    ];
    if (mysql) {
      assertFitsMysql(e);
      const r = await sql.query(
        `insert into register_checkups (person_id, kind, examined_on, institution, follow_up_due, supersedes, ref,
           recorded_at, actor, sealed, digest)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        values,
      );
      if (r.insertId === undefined) throw new ElderflowError("INTERNAL", { params: { detail: "no insert id" } });
      return r.insertId;
    }
    const r = await sql.query<{ seq: string | number }>(
      `insert into register_checkups (person_id, kind, examined_on, institution, follow_up_due, supersedes, ref,
         recorded_at, actor, sealed, digest)
       values ($1, $2, $3::date, $4, $5::date, $6, $7, $8, $9, $10::jsonb, $11) returning seq`,
      values,
    );
    return Number(r.rows[0]?.seq);
  };
  return {
    async append(e) {
      try {
        return await insert(e);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ElderflowError("ALREADY_SUPERSEDED", { path: ["supersedes"], params: { seq: e.supersedes ?? 0 } });
        throw error;
      }
    },
    async recordsOf(personId) {
      const r = await sql.query<CheckupRow>(`${select} where person_id = $1 order by seq`, [personId]);
      // utf8mb4_bin pads with spaces when it compares; the exact match is kept here.
      return r.rows.map(fromCheckupRow).filter((c) => c.personId === personId);
    },
    async all() {
      const r = await sql.query<CheckupRow>(`${select} order by seq`);
      return r.rows.map(fromCheckupRow);
    },
    // The client is shared with the register: whoever opened it closes it.
    close: async () => {},
  };
}
