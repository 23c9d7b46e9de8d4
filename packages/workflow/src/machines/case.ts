import { FreeTextSchema, IdSchema, type IsoDate, IsoDateSchema, isoDateAt, isoWeekday } from "@elderflow/core";
import { assign, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import type { MachineEvent } from "./common";

/**
 * The two kinds of case the legal volunteer teams take (seed 004): 调解 (mediation of a dispute
 * between parties) and 法律咨询 (legal consultation of one resident).
 *
 * @example
 * ```ts
 * CASE_KINDS.includes("mediation"); // true
 * ```
 */
export const CASE_KINDS = ["mediation", "legal_consultation"] as const;
/** A kind from {@link CASE_KINDS}. */
export type CaseKind = (typeof CASE_KINDS)[number];

/**
 * What a dispute is about, as the reports list them (seed 004: "赡养、遗产等各类纠纷"): support of
 * elders, inheritance, marriage and family, neighbours, housing and property, labour and pensions,
 * or other.
 *
 * @example
 * ```ts
 * CASE_CATEGORIES.includes("inheritance"); // true
 * ```
 */
export const CASE_CATEGORIES = [
  "support",
  "inheritance",
  "marriage",
  "neighbour",
  "property",
  "labour",
  "other",
] as const;
/** A category from {@link CASE_CATEGORIES}. */
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

/**
 * Where a session is held: at the Tuesday-afternoon reception (`legal_aid`, 每周二下午接待), on the
 * monthly law day (`law_day`, 每月18日学法日), or elsewhere (`other`: a home visit, a 舒心会). The
 * first two must fall on a day of the reception schedule.
 *
 * @example
 * ```ts
 * RECEPTIONS.includes("law_day"); // true
 * ```
 */
export const RECEPTIONS = ["legal_aid", "law_day", "other"] as const;
/** A reception from {@link RECEPTIONS}. */
export type Reception = (typeof RECEPTIONS)[number];

/**
 * How a case ended: a mediation agreement (调解协议, `agreement`), resolved without a written
 * agreement (advice given, `resolved`), not resolved, withdrawn by the applicant, or referred on.
 *
 * @example
 * ```ts
 * CASE_OUTCOMES.includes("agreement"); // true
 * ```
 */
export const CASE_OUTCOMES = ["agreement", "resolved", "not_resolved", "withdrawn", "referred"] as const;
/** An outcome from {@link CASE_OUTCOMES}. */
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];

/**
 * Where a case is referred: the legal aid centre (法律援助中心), a court (人民法院) or another
 * department (named by id).
 *
 * @example
 * ```ts
 * REFERRAL_TARGETS.includes("court"); // true
 * ```
 */
export const REFERRAL_TARGETS = ["legal_aid_centre", "court", "department"] as const;
/** A referral target from {@link REFERRAL_TARGETS}. */
export type ReferralTarget = (typeof REFERRAL_TARGETS)[number];

/**
 * Most sessions one case may hold (a bound on the context); one more is `TOO_MANY_SESSIONS`.
 *
 * @example
 * ```ts
 * context.sessions.length <= MAX_CASE_SESSIONS; // always
 * ```
 */
export const MAX_CASE_SESSIONS = 50;

/**
 * Injected: whether a day is a day of a reception (`legal_aid`: a Tuesday afternoon the schedule
 * keeps; `law_day`: the 18th). Asked when a session is recorded; the answer is kept in the log.
 */
export type ReceptionCheck = (on: IsoDate, reception: Exclude<Reception, "other">) => boolean | Promise<boolean>;

/**
 * The reception rule without a holiday calendar: `legal_aid` on Tuesdays, `law_day` on the 18th.
 * The umbrella package passes the schedule's own series (which skip statutory holidays) instead.
 *
 * @example
 * ```ts
 * weekdayReceptions("2027-03-02", "legal_aid"); // true (a Tuesday)
 * weekdayReceptions("2027-03-18", "law_day");   // true
 * ```
 */
export function weekdayReceptions(on: IsoDate, reception: Exclude<Reception, "other">): boolean {
  return reception === "law_day" ? on.slice(8) === "18" : isoWeekday(on) === 2;
}

/** One session held on a case. */
export interface CaseSession {
  /** The day it was held. */
  readonly on: IsoDate;
  /** Where. */
  readonly reception: Reception;
}

/** Context of a case. */
export interface CaseContext {
  /** Owning community. */
  readonly communityId: string;
  /** Mediation or legal consultation. */
  readonly kind: CaseKind;
  /** What it is about. */
  readonly category: CaseCategory;
  /** The applicant (the first party): the person the case is listed under. */
  readonly personId: string;
  /** Every party, by person id, the applicant first. */
  readonly parties: readonly string[];
  /** The intake summary (free text, may name people; erased with the applicant). */
  readonly summary: string;
  /** The day of intake (in the engine's zone). */
  readonly openedOn: IsoDate;
  /** Sessions held, oldest first. */
  readonly sessions: readonly CaseSession[];
  /** How it ended (null while open). */
  readonly outcome: CaseOutcome | null;
  /** Where it was referred (null unless referred). */
  readonly referral: { readonly to: ReferralTarget; readonly departmentId: string | null } | null;
  /** The day it ended (null while open). */
  readonly closedOn: IsoDate | null;
}

/**
 * Start input of a case (intake), as callers send it.
 *
 * @example
 * ```ts
 * CaseInput.parse({ communityId: "c01", kind: "mediation", category: "support", parties: ["p1", "p2"], summary: "赡养纠纷" });
 * ```
 */
export const CaseInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** Mediation or legal consultation. */
  kind: z.enum(CASE_KINDS),
  /** What it is about (default `other`). */
  category: z.enum(CASE_CATEGORIES).default("other"),
  /** The parties by person id, the applicant first: 1 to 10, no repeats. */
  parties: z
    .array(IdSchema)
    .min(1)
    .max(10)
    .refine((p) => new Set(p).size === p.length, { params: { code: "DUPLICATE_PARTY" } }),
  /** The intake summary, bounded free text. */
  summary: FreeTextSchema,
});
/** Start input of a case. */
export type CaseInput = z.infer<typeof CaseInput>;

/**
 * The payloads of the case events, as callers send them.
 *
 * @example
 * ```ts
 * CasePayloads.SESSION.parse({ on: "2027-03-02", reception: "legal_aid" });
 * ```
 */
export const CasePayloads = {
  /** A session held on a day, at a reception (or elsewhere). */
  SESSION: z.strictObject({ on: IsoDateSchema, reception: z.enum(RECEPTIONS), note: FreeTextSchema.optional() }),
  /** The case ends with an outcome (a mediation agreement, resolved, or not resolved). */
  CLOSE: z.strictObject({
    outcome: z.enum(["agreement", "resolved", "not_resolved"]),
    note: FreeTextSchema.optional(),
  }),
  /**
   * The applicant withdraws; `reason: "party_left"` when the case is withdrawn because the
   * applicant died or moved away (the follow-through of a status change sends it).
   */
  WITHDRAW: z.strictObject({ note: FreeTextSchema.optional(), reason: z.enum(["party_left"]).optional() }),
  /** Referred to the legal aid centre, a court, or a department (then `departmentId` is required). */
  REFER: z.strictObject({ to: z.enum(REFERRAL_TARGETS), departmentId: IdSchema.optional() }),
} as const;

/** The machine's input: the parsed intake and the day it was taken. */
export type CaseMachineInput = CaseInput & { readonly openedOn: IsoDate };

/** The events of a case as the machine sees them (`scheduled` and `day` are recorded by the engine). */
export type CaseEvent =
  | MachineEvent<"SESSION", { on: IsoDate; reception: Reception; note?: string; scheduled: boolean; day: IsoDate }>
  | MachineEvent<"CLOSE", { outcome: "agreement" | "resolved" | "not_resolved"; note?: string; day: IsoDate }>
  | MachineEvent<"WITHDRAW", { note?: string; reason?: "party_left"; day: IsoDate }>
  | MachineEvent<"REFER", { to: ReferralTarget; departmentId?: string; day: IsoDate }>;

/**
 * A mediation or legal-consultation case (seeds 000, 004): `open` from intake, sessions held at
 * the Tuesday reception, on the law day or elsewhere (a reception session only on a day of the
 * schedule, never in the future, never before intake, at most {@link MAX_CASE_SESSIONS}), then
 * `closed` with its outcome, `withdrawn`, or `referred` on.
 *
 * @example
 * ```ts
 * createActor(caseMachine, { input: { communityId: "c01", kind: "mediation", category: "support", parties: ["p1"], summary: "…", openedOn: "2027-03-02" } });
 * ```
 */
export const caseMachine = setup({
  types: { context: {} as CaseContext, events: {} as CaseEvent, input: {} as CaseMachineInput },
  guards: {
    sessionAllowed: ({ context, event }) =>
      event.type === "SESSION" &&
      event.scheduled &&
      event.on <= event.day &&
      event.on >= context.openedOn &&
      context.sessions.length < MAX_CASE_SESSIONS,
    referralComplete: ({ event }) =>
      event.type === "REFER" && (event.to === "department") === (event.departmentId !== undefined),
  },
  actions: {
    recordSession: assign(({ context, event }) =>
      event.type === "SESSION" ? { sessions: [...context.sessions, { on: event.on, reception: event.reception }] } : {},
    ),
    recordClose: assign(({ event }) => (event.type === "CLOSE" ? { outcome: event.outcome, closedOn: event.day } : {})),
    recordWithdrawal: assign(({ event }) =>
      event.type === "WITHDRAW" ? { outcome: "withdrawn" as const, closedOn: event.day } : {},
    ),
    recordReferral: assign(({ event }) =>
      event.type === "REFER"
        ? {
            outcome: "referred" as const,
            referral: { to: event.to, departmentId: event.departmentId ?? null },
            closedOn: event.day,
          }
        : {},
    ),
  },
}).createMachine({
  id: "case",
  context: ({ input }) => ({
    communityId: input.communityId,
    kind: input.kind,
    category: input.category,
    personId: input.parties[0] as string,
    parties: [...input.parties],
    summary: input.summary,
    openedOn: input.openedOn,
    sessions: [],
    outcome: null,
    referral: null,
    closedOn: null,
  }),
  initial: "open",
  states: {
    open: {
      description: "Sessions at the Tuesday reception, on the law day (18th) or elsewhere.",
      on: {
        SESSION: { guard: "sessionAllowed", actions: "recordSession" },
        CLOSE: { target: "closed", actions: "recordClose" },
        WITHDRAW: { target: "withdrawn", actions: "recordWithdrawal" },
        REFER: { guard: "referralComplete", target: "referred", actions: "recordReferral" },
      },
    },
    closed: { type: "final" },
    withdrawn: { type: "final" },
    referred: { type: "final" },
  },
});

/** What {@link caseWorkflow} needs. */
export interface CaseDeps {
  /** Whether a day is a reception day (default {@link weekdayReceptions}, without holidays). */
  readonly receptions?: ReceptionCheck;
  /** Zone whose local days are recorded (default Asia/Shanghai). */
  readonly zone?: string;
}

/** Roles that take and work cases: community staff, the mediation association, legal volunteers. */
const CASE_ROLES = ["community_staff", "association", "volunteer"] as const;

/**
 * The case workflow (mediation and legal consultation): the reception check is asked when a
 * session is recorded and its answer is kept in the event, so replays never depend on today's
 * calendar. A refused session names why: `NOT_RECEPTION_DAY` (not a day of that reception),
 * `SESSION_IN_FUTURE`, `BEFORE_INTAKE` or `TOO_MANY_SESSIONS`.
 *
 * @example
 * ```ts
 * const def = caseWorkflow({ receptions: (on, r) => r === "law_day" ? on.endsWith("-18") : isTuesday(on) });
 * ```
 */
export function caseWorkflow(deps: CaseDeps = {}): WorkflowDefinition<typeof caseMachine> {
  const receptions = deps.receptions ?? weekdayReceptions;
  const zone = deps.zone ?? "Asia/Shanghai";
  return defineWorkflow({
    name: "case",
    version: 1,
    machine: caseMachine,
    startRoles: CASE_ROLES,
    input: CaseInput,
    events: {
      SESSION: {
        roles: CASE_ROLES,
        payload: CasePayloads.SESSION,
        description: "a session held at the Tuesday reception, on the law day or elsewhere",
      },
      CLOSE: {
        roles: ["community_staff", "association"],
        payload: CasePayloads.CLOSE,
        description: "the case ends: agreement, resolved or not resolved",
      },
      WITHDRAW: {
        roles: ["community_staff", "association", "cadre"],
        payload: CasePayloads.WITHDRAW,
        description: "the applicant withdraws",
      },
      REFER: {
        roles: ["community_staff", "association"],
        payload: CasePayloads.REFER,
        description: "referred to the legal aid centre, a court or a department",
      },
    },
    enrichInput: (_input, at) => ({ openedOn: isoDateAt(at, zone) }),
    async enrich({ type, payload, at }) {
      const day = isoDateAt(at, zone);
      if (type !== "SESSION") return { day };
      const reception = payload.reception as Reception;
      const scheduled = reception === "other" ? true : await receptions(payload.on as IsoDate, reception);
      return { day, scheduled };
    },
    explain: ({ type, state, payload, context }) => {
      if (state !== "open") return undefined;
      if (type === "REFER") return "REFERRAL_DEPARTMENT";
      if (type !== "SESSION") return undefined;
      if (payload.scheduled !== true) return "NOT_RECEPTION_DAY";
      if ((payload.on as string) > (payload.day as string)) return "SESSION_IN_FUTURE";
      if ((payload.on as string) < (context.openedOn as string)) return "BEFORE_INTAKE";
      return "TOO_MANY_SESSIONS";
    },
  });
}

/** Cases of one kind in a year, by how they stand. */
export interface CaseKindCounts {
  /** Cases taken in the year. */
  readonly opened: number;
  /** Ended, by outcome. */
  readonly outcomes: Readonly<Record<CaseOutcome, number>>;
  /** Still open. */
  readonly open: number;
  /** Sessions held on them in the year, by reception. */
  readonly sessions: Readonly<Record<Reception, number>>;
}

/** The yearly figures of {@link caseCounts}: by kind, and referrals by target. */
export interface CaseCounts {
  /** The year. */
  readonly year: number;
  /** Per kind. */
  readonly byKind: Readonly<Record<CaseKind, CaseKindCounts>>;
  /** Referrals by target. */
  readonly referrals: Readonly<Record<ReferralTarget, number>>;
}

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * The yearly figures the reports give ("已调解赡养、遗产等各类纠纷21起"): the cases taken in a year
 * (by intake day), by kind and by how they ended, with the still open ones, the sessions held and
 * the referrals. Reads the contexts of case instances (as `engine.list` returns them); anything
 * that is not a case context is ignored.
 * A case withdrawn because its applicant died or moved away (`WITHDRAW` with reason
 * `party_left`, sent by the follow-through of a status change) counts once, as `withdrawn`, in the
 * year of its intake, like any other withdrawal; it is no longer open.
 *
 * @example
 * ```ts
 * const cases = await engine.list({ machine: "case", limit: 10_000 }, bureau);
 * caseCounts(cases.map((c) => c.context), 2027).byKind.mediation.outcomes.agreement; // 21
 * ```
 */
export function caseCounts(contexts: readonly Readonly<Record<string, unknown>>[], year: number): CaseCounts {
  const prefix = `${year}-`;
  const kinds = Object.fromEntries(
    CASE_KINDS.map((k) => [k, { opened: 0, outcomes: zeroes(CASE_OUTCOMES), open: 0, sessions: zeroes(RECEPTIONS) }]),
  ) as Record<
    CaseKind,
    { opened: number; outcomes: Record<CaseOutcome, number>; open: number; sessions: Record<Reception, number> }
  >;
  const referrals = zeroes(REFERRAL_TARGETS);
  for (const c of contexts) {
    const kind = c.kind as CaseKind;
    if (!CASE_KINDS.includes(kind) || typeof c.openedOn !== "string" || !c.openedOn.startsWith(prefix)) continue;
    const k = kinds[kind];
    k.opened++;
    const outcome = c.outcome as CaseOutcome | null;
    if (outcome !== null && CASE_OUTCOMES.includes(outcome)) k.outcomes[outcome]++;
    else k.open++;
    for (const s of (Array.isArray(c.sessions) ? c.sessions : []) as CaseSession[])
      if (s.on.startsWith(prefix) && RECEPTIONS.includes(s.reception)) k.sessions[s.reception]++;
    const referral = c.referral as CaseContext["referral"];
    if (referral !== null && referral !== undefined && REFERRAL_TARGETS.includes(referral.to)) referrals[referral.to]++;
  }
  return { year, byKind: kinds, referrals };
}
