import { DEFAULT_ZONE, FreeTextSchema, IdSchema } from "@elderflow/core";
import { and, assign, emit, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import type { Role } from "../types";
import { actorIs, actorRoleIn, type MachineEvent } from "./common";
import { delayOf, MONDAY_TO_FRIDAY, type TimeLimit, type WorkingCalendar } from "./workingTime";

/** The three levels of rule 8: the cadres' own association, the community, the responsible department. */
export type EscalationLevel = "association" | "community" | "department";

/**
 * Why a problem went up a level (a code; details stay out of the log).
 *
 * @example
 * ```ts
 * engine.send("esc-1", { id: "e2", type: "HAND_UP", actor, payload: { reason: HAND_UP_REASONS[0] } });
 * ```
 */
export const HAND_UP_REASONS = [
  "beyond_competence",
  "needs_funding",
  "needs_department",
  "time_limit",
  "other",
] as const;

/** Time limits per level: elapsed hours, or working hours or days of the injected calendar. */
export interface EscalationLimits {
  /** The association (老干部协会 / 党支部) has this long. */
  readonly association: TimeLimit;
  /** The community (社区) has this long. */
  readonly community: TimeLimit;
  /** The responsible department has this long before the case is flagged overdue. */
  readonly department: TimeLimit;
}

/**
 * Default limits: three days at the association, seven at the community, twenty-one calendar days
 * at the department (elapsed time; state `{ workingDays }` to count working days only).
 *
 * @example
 * ```ts
 * escalationWorkflow({ limits: { ...DEFAULT_ESCALATION_LIMITS, department: { workingDays: 15 } } });
 * ```
 */
export const DEFAULT_ESCALATION_LIMITS: EscalationLimits = {
  association: { hours: 72 },
  community: { hours: 7 * 24 },
  department: { hours: 21 * 24 },
};

/** One recorded hand-up. */
export interface HandUp {
  /** Level it left. */
  readonly from: EscalationLevel;
  /** Level it went to. */
  readonly to: EscalationLevel;
  /** Reason code. */
  readonly reason: (typeof HAND_UP_REASONS)[number];
  /** Who handed it up (an id, or `system` for a missed limit). */
  readonly by: string;
  /** Their role. */
  readonly role: Role;
  /** When. */
  readonly at: number;
}

/** Context of an escalation. */
export interface EscalationContext {
  /** Owning community. */
  readonly communityId: string;
  /** The cadre whose problem it is. */
  readonly personId: string;
  /** The level that holds the case now. */
  readonly level: EscalationLevel;
  /** Problem category (a code, e.g. `housing`, `pension`, `medical_reimbursement`). */
  readonly category: string;
  /** The responsible department (an org id), once known. */
  readonly departmentId: string | null;
  /** Limits per level, as recorded at the start. */
  readonly limits: { readonly association: TimeLimit; readonly community: TimeLimit; readonly department: TimeLimit };
  /** Every hand-up, in order. */
  readonly handUps: readonly HandUp[];
  /** How it was resolved. */
  readonly resolution: {
    readonly level: EscalationLevel;
    readonly by: string;
    readonly role: Role;
    readonly at: number;
    readonly outcome: string;
  } | null;
}

const LEVEL = z.enum(["association", "community", "department"]);
const OUTCOMES = ["solved", "explained", "referred_elsewhere", "not_solvable"] as const;

/**
 * Start input of an escalation, as callers send it.
 *
 * @example
 * ```ts
 * EscalationInput.parse({ communityId: "c01", personId: "p1", category: "housing" });
 * ```
 */
export const EscalationInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Category code. */
  category: IdSchema,
  /** Responsible department, if known at the start. */
  departmentId: IdSchema.optional(),
});
/** Start input of an escalation. */
export type EscalationInput = z.infer<typeof EscalationInput>;

/** The start input as the machine sees it: the caller's plus the limits recorded at the start. */
export interface EscalationMachineInput extends EscalationInput {
  /** Limits per level (filled from the config). */
  readonly limits?: EscalationLimits;
  /** When it started (filled by the engine's enricher; working-time limits count from it). */
  readonly startedAt?: number;
  /** Association limit in hours (logs of version 1). */
  readonly associationHours?: number;
  /** Community limit in hours (logs of version 1). */
  readonly communityHours?: number;
  /** Department limit in hours (logs of version 1). */
  readonly departmentHours?: number;
}

// The instant a delay counts from: the event's time, or at the start the time the engine recorded.
function eventTime(event: unknown): number {
  const e = event as { at?: unknown; input?: { startedAt?: unknown } };
  if (typeof e.at === "number") return e.at;
  return typeof e.input?.startedAt === "number" ? e.input.startedAt : 0;
}

function escalationDelays(calendar: WorkingCalendar, zone: string) {
  return {
    associationLimit: ({ context, event }: { context: EscalationContext; event: unknown }) =>
      delayOf(eventTime(event), context.limits.association, calendar, zone),
    communityLimit: ({ context, event }: { context: EscalationContext; event: unknown }) =>
      delayOf(eventTime(event), context.limits.community, calendar, zone),
    departmentLimit: ({ context, event }: { context: EscalationContext; event: unknown }) =>
      delayOf(eventTime(event), context.limits.department, calendar, zone),
  };
}

function limitOf(limit: TimeLimit | undefined, hours: number | undefined, fallback: TimeLimit): TimeLimit {
  return limit ?? (hours === undefined ? fallback : { hours });
}

/**
 * The payloads of the escalation events, as callers send them. A `note` is free text, kept in the
 * log only.
 *
 * @example
 * ```ts
 * EscalationPayloads.HAND_UP.parse({ reason: "needs_department", departmentId: "dept-housing" });
 * ```
 */
export const EscalationPayloads = {
  /** The responsible body of the current level resolves it. */
  RESOLVE: z.strictObject({ outcome: z.enum(OUTCOMES), note: FreeTextSchema.optional() }),
  /** The current level hands the problem up, with a reason. */
  HAND_UP: z.strictObject({
    reason: z.enum(HAND_UP_REASONS).exclude(["time_limit"]),
    departmentId: IdSchema.optional(),
    note: FreeTextSchema.optional(),
  }),
  /** The cadre withdraws the problem. */
  WITHDRAW: z.strictObject({}),
} as const;

/**
 * Emitted when a case goes up a level (by hand or on a missed limit).
 *
 * @example
 * ```ts
 * EscalationHandedUp.parse({ type: "escalation.handed_up", from: "association", to: "community", reason: "time_limit" });
 * ```
 */
export const EscalationHandedUp = z.strictObject({
  /** Event type. */
  type: z.literal("escalation.handed_up"),
  /** Level it left. */
  from: LEVEL,
  /** Level it went to. */
  to: LEVEL,
  /** Reason code. */
  reason: z.enum(HAND_UP_REASONS),
});
/** Emitted when a case goes up a level. */
export type EscalationHandedUp = z.infer<typeof EscalationHandedUp>;

/**
 * Emitted when a limit is missed with nowhere higher to go.
 *
 * @example
 * ```ts
 * EscalationOverdue.parse({ type: "escalation.overdue", departmentId: null, personId: "p1" });
 * ```
 */
export const EscalationOverdue = z.strictObject({
  /** Event type. */
  type: z.literal("escalation.overdue"),
  /** The responsible department, if known. */
  departmentId: IdSchema.nullable(),
  /** The cadre. */
  personId: IdSchema,
});
/** Emitted when a limit is missed with nowhere higher to go. */
export type EscalationOverdue = z.infer<typeof EscalationOverdue>;

/**
 * Emitted when a case is resolved.
 *
 * @example
 * ```ts
 * EscalationResolved.parse({ type: "escalation.resolved", level: "community", personId: "p1" });
 * ```
 */
export const EscalationResolved = z.strictObject({
  /** Event type. */
  type: z.literal("escalation.resolved"),
  /** The level that resolved it. */
  level: LEVEL,
  /** The cadre. */
  personId: IdSchema,
});
/** Emitted when a case is resolved. */
export type EscalationResolved = z.infer<typeof EscalationResolved>;

/** The events of an escalation as the machine sees them. */
export type EscalationEvent =
  | MachineEvent<"RESOLVE", { outcome: string; note?: string }>
  | MachineEvent<"HAND_UP", { reason: (typeof HAND_UP_REASONS)[number]; departmentId?: string; note?: string }>
  | MachineEvent<"WITHDRAW">;

/**
 * The role that answers for each level: only it may resolve or hand up there.
 *
 * @example
 * ```ts
 * RESPONSIBLE_ROLE.community; // "community_staff"
 * ```
 */
export const RESPONSIBLE_ROLE: Readonly<Record<EscalationLevel, Role>> = {
  association: "association",
  community: "community_staff",
  department: "department",
};

/**
 * Escalation (rule 8): "what the association can solve it solves, the rest goes to the community,
 * and from there to the responsible department". Each level has a time limit; a missed limit
 * hands the case up automatically (recorded with reason `time_limit`); at the department a missed
 * limit flags it overdue. Only the body responsible for the current level may resolve or hand up.
 *
 * @example
 * ```ts
 * createActor(escalationMachine, { input: { communityId: "c01", personId: "p1", category: "housing" } }).start();
 * ```
 */
export const escalationMachine = setup({
  types: {
    context: {} as EscalationContext,
    events: {} as EscalationEvent,
    input: {} as EscalationMachineInput,
    emitted: {} as EscalationHandedUp | EscalationOverdue | EscalationResolved,
  },
  delays: escalationDelays(MONDAY_TO_FRIDAY, DEFAULT_ZONE),
  guards: {
    isResponsibleBody: ({ context, event }) => {
      const level = context.level;
      if (!actorRoleIn(event, [RESPONSIBLE_ROLE[level]])) return false;
      return level !== "department" || actorIs(event, context.departmentId);
    },
    canReachDepartment: ({ context, event }) =>
      context.departmentId !== null || (event.type === "HAND_UP" && event.departmentId !== undefined),
    isCadreOrStaff: ({ context, event }) => actorIs(event, context.personId) || actorRoleIn(event, ["community_staff"]),
  },
  actions: {
    enterLevel: assign((_, params: { level: EscalationLevel }) => ({ level: params.level })),
    recordHandUp: assign(({ context, event }) => {
      const from = context.level;
      const to: EscalationLevel = from === "association" ? "community" : "department";
      const timed = event.type !== "HAND_UP";
      return {
        departmentId:
          event.type === "HAND_UP" && event.departmentId !== undefined ? event.departmentId : context.departmentId,
        handUps: [
          ...context.handUps,
          {
            from,
            to,
            reason: timed ? ("time_limit" as const) : event.reason,
            by: timed ? "system" : event.actor.id,
            role: timed ? ("system" as const) : event.actor.role,
            at: (event as { at: number }).at,
          },
        ],
      };
    }),
    announceHandUp: emit(({ context }) => {
      const last = context.handUps[context.handUps.length - 1];
      return {
        type: "escalation.handed_up" as const,
        from: last?.from ?? "association",
        to: last?.to ?? "community",
        reason: last?.reason ?? "other",
      };
    }),
    recordResolution: assign(({ context, event }) =>
      event.type === "RESOLVE"
        ? {
            resolution: {
              level: context.level,
              by: event.actor.id,
              role: event.actor.role,
              at: event.at,
              outcome: event.outcome,
            },
          }
        : {},
    ),
    announceResolved: emit(({ context }) => ({
      type: "escalation.resolved" as const,
      level: context.resolution?.level ?? "association",
      personId: context.personId,
    })),
    announceOverdue: emit(({ context }) => ({
      type: "escalation.overdue" as const,
      departmentId: context.departmentId,
      personId: context.personId,
    })),
  },
}).createMachine({
  id: "escalation",
  context: ({ input }) => ({
    communityId: input.communityId,
    personId: input.personId,
    level: "association",
    category: input.category,
    departmentId: input.departmentId ?? null,
    limits: {
      association: limitOf(input.limits?.association, input.associationHours, DEFAULT_ESCALATION_LIMITS.association),
      community: limitOf(input.limits?.community, input.communityHours, DEFAULT_ESCALATION_LIMITS.community),
      department: limitOf(input.limits?.department, input.departmentHours, DEFAULT_ESCALATION_LIMITS.department),
    },
    handUps: [],
    resolution: null,
  }),
  initial: "association",
  on: { WITHDRAW: { guard: "isCadreOrStaff", target: ".withdrawn" } },
  states: {
    association: {
      description: "The cadres' association and party branch solve what they can.",
      entry: { type: "enterLevel", params: { level: "association" } },
      on: {
        RESOLVE: { guard: "isResponsibleBody", target: "resolved", actions: "recordResolution" },
        HAND_UP: { guard: "isResponsibleBody", target: "community", actions: ["recordHandUp", "announceHandUp"] },
      },
      after: { associationLimit: { target: "community", actions: ["recordHandUp", "announceHandUp"] } },
    },
    community: {
      entry: { type: "enterLevel", params: { level: "community" } },
      initial: "working",
      on: {
        RESOLVE: { guard: "isResponsibleBody", target: "resolved", actions: "recordResolution" },
        HAND_UP: {
          guard: and(["isResponsibleBody", "canReachDepartment"]),
          target: "department",
          actions: ["recordHandUp", "announceHandUp"],
        },
      },
      states: {
        working: {
          after: {
            communityLimit: [
              {
                guard: "canReachDepartment",
                target: "#escalation.department",
                actions: ["recordHandUp", "announceHandUp"],
              },
              { target: "overdue", actions: "announceOverdue" },
            ],
          },
        },
        overdue: { description: "Limit missed and no responsible department named yet." },
      },
    },
    department: {
      entry: { type: "enterLevel", params: { level: "department" } },
      initial: "working",
      on: { RESOLVE: { guard: "isResponsibleBody", target: "resolved", actions: "recordResolution" } },
      states: {
        working: { after: { departmentLimit: { target: "overdue", actions: "announceOverdue" } } },
        overdue: {},
      },
    },
    resolved: { type: "final", entry: "announceResolved" },
    withdrawn: { type: "final" },
  },
});

/** Configuration of {@link escalationWorkflow}. */
export interface EscalationDeps {
  /** Limits per level (default {@link DEFAULT_ESCALATION_LIMITS}). */
  readonly limits?: EscalationLimits;
  /** Working days for `{ workingDays }` and `{ workingHours }` limits (default Monday to Friday). */
  readonly calendar?: WorkingCalendar;
  /** Zone whose local days are counted (default Asia/Shanghai). */
  readonly zone?: string;
  /** Finds the responsible department for a category (asked at the start; recorded). */
  readonly departmentFor?: (category: string, communityId: string) => string | null | Promise<string | null>;
}

/**
 * The escalation workflow with its limits and department lookup.
 *
 * @example
 * ```ts
 * const def = escalationWorkflow({ departmentFor: (c) => (c === "housing" ? "dept-housing" : null) });
 * ```
 */
export function escalationWorkflow(deps: EscalationDeps = {}): WorkflowDefinition<typeof escalationMachine> {
  const limits = deps.limits ?? DEFAULT_ESCALATION_LIMITS;
  const machine =
    deps.calendar === undefined && deps.zone === undefined
      ? escalationMachine
      : escalationMachine.provide({
          delays: escalationDelays(deps.calendar ?? MONDAY_TO_FRIDAY, deps.zone ?? DEFAULT_ZONE),
        });
  return defineWorkflow({
    name: "escalation",
    version: 2,
    machine,
    startRoles: ["cadre", "family", "association", "community_staff", "hotline_staff"],
    input: EscalationInput,
    events: {
      RESOLVE: {
        roles: ["association", "community_staff", "department"],
        payload: EscalationPayloads.RESOLVE,
        description: "the responsible body of the current level resolves it",
      },
      HAND_UP: {
        roles: ["association", "community_staff"],
        payload: EscalationPayloads.HAND_UP,
        description: "the current level hands the problem up, with a reason",
      },
      WITHDRAW: {
        roles: ["cadre", "community_staff"],
        payload: EscalationPayloads.WITHDRAW,
        description: "the cadre withdraws the problem",
      },
    },
    async enrichInput(input, at) {
      const dept =
        input.departmentId !== undefined || deps.departmentFor === undefined
          ? undefined
          : await deps.departmentFor(input.category as string, input.communityId as string);
      return {
        ...(dept === null || dept === undefined ? {} : { departmentId: dept }),
        limits,
        startedAt: at,
      };
    },
    // Version 2 records limits as time limits (elapsed or working time) instead of milliseconds.
    migrations: [
      {
        from: 1,
        to: 2,
        migrate: (snapshot) => {
          const old = (snapshot.context.limits ?? {}) as Record<string, unknown>;
          const hours = (k: string, d: TimeLimit) => (typeof old[k] === "number" ? { hours: old[k] / 3_600_000 } : d);
          return {
            ...snapshot,
            context: {
              ...snapshot.context,
              limits: {
                association: hours("association", DEFAULT_ESCALATION_LIMITS.association),
                community: hours("community", DEFAULT_ESCALATION_LIMITS.community),
                department: hours("department", DEFAULT_ESCALATION_LIMITS.department),
              },
            },
          };
        },
      },
    ],
    explain: ({ type, state }) =>
      (type === "RESOLVE" || type === "HAND_UP" || type === "WITHDRAW") && state !== "resolved" && state !== "withdrawn"
        ? "NOT_AUTHORIZED"
        : undefined,
  });
}
