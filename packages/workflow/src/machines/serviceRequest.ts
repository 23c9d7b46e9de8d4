import { DEFAULT_ZONE, FreeTextSchema, IdSchema } from "@elderflow/core";
import { assign, emit, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import { actorIs, actorRoleIn, DAY, type MachineEvent, MINUTE } from "./common";
import { delayOf, MONDAY_TO_FRIDAY, scaleLimit, type TimeLimit, type WorkingCalendar } from "./workingTime";

/**
 * One SLA stage's limit: a number is minutes of elapsed time; a {@link TimeLimit} is elapsed
 * hours, or working hours or working days of the injected calendar (as escalation limits are).
 *
 * @example
 * ```ts
 * const limit: SlaLimit = { workingDays: 2 };
 * ```
 */
export type SlaLimit = number | TimeLimit;

/**
 * Service-level limits of one service kind: minutes, or `{ hours }` / `{ workingHours }` /
 * `{ workingDays }` (see {@link SlaLimit}). Working-time limits are turned into milliseconds at
 * triage, counted from the triage instant over the workflow's calendar, so the machine stores ms.
 */
export interface Sla {
  /** From dispatch until the service point accepts. */
  readonly acceptMinutes: SlaLimit;
  /** From acceptance until it is on site. */
  readonly arriveMinutes: SlaLimit;
  /** From arrival until the job is done. */
  readonly finishMinutes: SlaLimit;
}

/**
 * SLA configuration: a default, overrides per service kind, and a factor for priority targets
 * (rule 10: 高龄, 空巢, 多病, 生活不便 are served first, so their limits are shorter).
 */
export interface SlaConfig {
  /** Limits of every kind not listed. */
  readonly default: Sla;
  /** Overrides per service kind. */
  readonly byKind?: Readonly<Record<string, Partial<Sla>>>;
  /** Multiplies every limit for priority targets (default 0.5). */
  readonly priorityFactor?: number;
  /** How long a closed request may be reopened, in minutes (default 7 days). */
  readonly reopenWindowMinutes?: number;
}

/**
 * The 24-hour line's default limits (随叫随到): accept within 15 minutes, on site within an hour,
 * done within four; urgent help within 5 / 20 / 120 minutes.
 *
 * @example
 * ```ts
 * serviceRequestWorkflow({ servicePoints, sla: DEFAULT_SLA });
 * ```
 */
export const DEFAULT_SLA: SlaConfig = {
  default: { acceptMinutes: 15, arriveMinutes: 60, finishMinutes: 240 },
  byKind: {
    emergency_help: { acceptMinutes: 5, arriveMinutes: 20, finishMinutes: 120 },
    daily_goods: { arriveMinutes: 120 },
  },
  priorityFactor: 0.5,
  reopenWindowMinutes: 7 * 24 * 60,
};

/** The limits in ms that a request carries in its context. */
export interface SlaMs {
  /** Accept limit. */
  readonly acceptMs: number;
  /** Arrive limit. */
  readonly arriveMs: number;
  /** Finish limit. */
  readonly finishMs: number;
}

/** Where working-time SLA limits count from: the triage instant, a calendar and a zone. */
export interface SlaClock {
  /** The instant the limits count from (epoch ms; default 0, needed only for working-time limits). */
  readonly at?: number | undefined;
  /** Which days offices work (default Monday to Friday). */
  readonly calendar?: WorkingCalendar | undefined;
  /** Zone whose local days are counted (default Asia/Shanghai). */
  readonly zone?: string | undefined;
}

/**
 * The limits for a kind and priority, in milliseconds. Minutes and `{ hours }` are elapsed time;
 * `{ workingHours }` and `{ workingDays }` run from `when.at` over `when.calendar`, so a
 * two-working-day limit set on the eve of the National Day holiday ends after it.
 *
 * @example
 * ```ts
 * resolveSla(DEFAULT_SLA, "plumbing", true).acceptMs; // 450000 (7.5 minutes)
 * ```
 */
export function resolveSla(config: SlaConfig, serviceKind: string, priority: boolean, when: SlaClock = {}): SlaMs {
  const o = Object.hasOwn(config.byKind ?? {}, serviceKind) ? config.byKind?.[serviceKind] : undefined;
  const f = priority ? (config.priorityFactor ?? 0.5) : 1;
  const ms = (m: SlaLimit) =>
    typeof m === "number"
      ? Math.max(1, Math.round(m * f * MINUTE))
      : delayOf(when.at ?? 0, scaleLimit(m, f), when.calendar ?? MONDAY_TO_FRIDAY, when.zone ?? DEFAULT_ZONE);
  return {
    acceptMs: ms(o?.acceptMinutes ?? config.default.acceptMinutes),
    arriveMs: ms(o?.arriveMinutes ?? config.default.arriveMinutes),
    finishMs: ms(o?.finishMinutes ?? config.default.finishMinutes),
  };
}

/** What the dispatcher asks: which service points can do this kind, nearest first. */
export interface ServicePointQuery {
  /** The service kind. */
  readonly serviceKind: string;
  /** Where the cadre is, if known. */
  readonly location: { readonly lat: number; readonly lng: number } | null;
  /** The request's community. */
  readonly communityId: string;
  /** How many candidates at most. */
  readonly limit: number;
  /** When the request is dispatched (epoch ms): points closed at that hour are skipped. */
  readonly at?: number;
}

/**
 * Finds candidate service points (服务网点). Injected; {@link servicePointDirectory} is a ready
 * implementation over a list of `ServicePoint`s.
 */
export interface ServicePointLookup {
  /** Ids of suitable service points, best first. */
  nearest(query: ServicePointQuery): readonly string[] | Promise<readonly string[]>;
}

/** Whether a person is a priority target (rule 10). Injected; e.g. core's `isPriorityTarget`. */
export type PriorityCheck = (personId: string, communityId: string) => boolean | Promise<boolean>;

/** The context of a service request: ids and facts only (no names, phones or addresses). */
export interface ServiceRequestContext {
  /** Owning community. */
  readonly communityId: string;
  /** The cadre who called (person id). */
  readonly personId: string;
  /** How it came in. */
  readonly channel: "hotline" | "open311" | "walk_in";
  /** Id in an external system (Open311 `service_request_id`). */
  readonly externalId: string | null;
  /** Service kind, set at triage. */
  readonly serviceKind: string | null;
  /** Priority target (rule 10). */
  readonly priority: boolean;
  /** Where help is needed. */
  readonly location: { readonly lat: number; readonly lng: number } | null;
  /** SLA limits in ms (set at triage). */
  readonly sla: SlaMs;
  /** Reopen window in ms. */
  readonly reopenWindowMs: number;
  /** Candidate service points, nearest first. */
  readonly candidates: readonly string[];
  /** Index of the next candidate to try. */
  readonly attempt: number;
  /** The service point dispatched now. */
  readonly assigneeId: string | null;
  /** SLA breaches so far. */
  readonly breaches: readonly {
    readonly stage: "accept" | "arrive" | "finish";
    readonly servicePointId: string | null;
    readonly at: number;
  }[];
  /** How often it was reopened. */
  readonly reopened: number;
  /** When it was received (epoch ms). */
  readonly receivedAt: number;
  /** When it was closed (epoch ms). */
  readonly closedAt: number | null;
  /** Why it was cancelled (a code). */
  readonly cancelReason: string | null;
  /** What the caller asked for, in their words (free text: masked on export, erased by `erasePerson`). */
  readonly description: string | null;
}

const CHANNELS = ["hotline", "open311", "walk_in"] as const;
/**
 * Why a request was cancelled. `person_left`: the cadre died, moved away or was transferred, and
 * the wiring's follow-through cancelled what was still open (a new code, so no snapshot changes
 * and the machine keeps its version).
 */
const CANCEL_REASONS = ["caller_withdrew", "duplicate", "resolved_otherwise", "person_left", "other"] as const;

/**
 * Start input of a service request, as callers send it.
 *
 * @example
 * ```ts
 * ServiceRequestInput.parse({ communityId: "c01", personId: "p1", serviceKind: "plumbing" });
 * ```
 */
export const ServiceRequestInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Channel (default hotline). */
  channel: z.enum(CHANNELS).optional(),
  /** Id in an external system (Open311 `service_request_id`). */
  externalId: IdSchema.optional(),
  /** Service kind, when known at intake. */
  serviceKind: IdSchema.optional(),
  /** Latitude. */
  lat: z.number().min(-90).max(90).optional(),
  /** Longitude. */
  lng: z.number().min(-180).max(180).optional(),
  /** Priority target (rule 10), when no priority check is injected. */
  priority: z.boolean().optional(),
  /** What the caller asked for, in their words (free text). */
  description: FreeTextSchema.optional(),
});
/** Start input of a service request. */
export type ServiceRequestInput = z.infer<typeof ServiceRequestInput>;

/** The start input as the machine sees it: the caller's plus what the engine recorded at intake. */
export interface ServiceRequestMachineInput extends ServiceRequestInput {
  /** Reopen window in ms (filled from the SLA config). */
  readonly reopenWindowMs?: number;
  /** Receipt time (filled by the engine's enricher). */
  readonly receivedAt?: number;
}

/**
 * The payloads of the service-request events, as callers send them.
 *
 * @example
 * ```ts
 * ServiceRequestPayloads.TRIAGE.parse({ serviceKind: "plumbing" });
 * ```
 */
export const ServiceRequestPayloads = {
  /** Staff set the service kind (and priority). */
  TRIAGE: z.strictObject({ serviceKind: IdSchema, priority: z.boolean().optional() }),
  /** The dispatched service point takes the job. */
  ACCEPT: z.strictObject({}),
  /** The dispatched service point cannot. */
  DECLINE: z.strictObject({}),
  /** On site. */
  ARRIVE: z.strictObject({}),
  /** Work done. */
  FINISH: z.strictObject({}),
  /** The cadre confirms. */
  CONFIRM: z.strictObject({}),
  /** Staff close it. */
  CLOSE: z.strictObject({}),
  /** Reopened within the window. */
  REOPEN: z.strictObject({}),
  /** Cancelled, with a reason code and an optional note (free text, log only). */
  CANCEL: z.strictObject({ reason: z.enum(CANCEL_REASONS), note: FreeTextSchema.optional() }),
  /** Staff dispatch a chosen service point by hand. */
  ASSIGN: z.strictObject({ servicePointId: IdSchema }),
} as const;

const STAGE = z.enum(["accept", "arrive", "finish"]);

/**
 * Emitted when a service point misses a limit.
 *
 * @example
 * ```ts
 * SlaBreached.parse({ type: "serviceRequest.sla_breached", stage: "accept", servicePointId: "sp1" });
 * ```
 */
export const SlaBreached = z.strictObject({
  /** Event type. */
  type: z.literal("serviceRequest.sla_breached"),
  /** Which limit. */
  stage: STAGE,
  /** The service point that missed it. */
  servicePointId: IdSchema.nullable(),
});
/** Emitted when a service point misses a limit. */
export type SlaBreached = z.infer<typeof SlaBreached>;

/**
 * Emitted when no service point could take a request in time: staff must assign one.
 *
 * @example
 * ```ts
 * RequestEscalated.parse({ type: "serviceRequest.escalated", personId: "p1", communityId: "c01", serviceKind: null });
 * ```
 */
export const RequestEscalated = z.strictObject({
  /** Event type. */
  type: z.literal("serviceRequest.escalated"),
  /** The cadre. */
  personId: IdSchema,
  /** Community. */
  communityId: IdSchema,
  /** Service kind. */
  serviceKind: IdSchema.nullable(),
});
/** Emitted when no service point could take a request in time. */
export type RequestEscalated = z.infer<typeof RequestEscalated>;

/**
 * Emitted when staff close a request.
 *
 * @example
 * ```ts
 * RequestClosed.parse({ type: "serviceRequest.closed", personId: "p1", servicePointId: "sp1" });
 * ```
 */
export const RequestClosed = z.strictObject({
  /** Event type. */
  type: z.literal("serviceRequest.closed"),
  /** The cadre. */
  personId: IdSchema,
  /** The service point that did the work. */
  servicePointId: IdSchema.nullable(),
});
/** Emitted when staff close a request. */
export type RequestClosed = z.infer<typeof RequestClosed>;

/** The events of a service request as the machine sees them (`candidates` and `sla` are recorded at triage). */
export type ServiceRequestEvent =
  | MachineEvent<"TRIAGE", { serviceKind: string; priority?: boolean; candidates: string[]; sla: SlaMs }>
  | MachineEvent<"ACCEPT">
  | MachineEvent<"DECLINE">
  | MachineEvent<"ARRIVE">
  | MachineEvent<"FINISH">
  | MachineEvent<"CONFIRM">
  | MachineEvent<"CLOSE">
  | MachineEvent<"REOPEN">
  | MachineEvent<"CANCEL", { reason: string; note?: string }>
  | MachineEvent<"ASSIGN", { servicePointId: string }>;

const NO_SLA: SlaMs = { acceptMs: 15 * MINUTE, arriveMs: 60 * MINUTE, finishMs: 240 * MINUTE };

/**
 * The hotline service request (rule 7): received → triaged → dispatched to the nearest suitable
 * service point → accepted → on site → done → confirmed by the cadre → closed. A missed accept or
 * arrive limit re-dispatches to the next candidate; with none left, or a missed finish limit, the
 * request escalates to staff. Closed requests may be reopened within a window.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 * const actor = createActor(serviceRequestMachine, { input: { communityId: "c01", personId: "p1" } }).start();
 * ```
 */
export const serviceRequestMachine = setup({
  types: {
    context: {} as ServiceRequestContext,
    events: {} as ServiceRequestEvent,
    input: {} as ServiceRequestMachineInput,
    emitted: {} as SlaBreached | RequestEscalated | RequestClosed,
  },
  delays: {
    acceptBy: ({ context }) => context.sla.acceptMs,
    arriveBy: ({ context }) => context.sla.arriveMs,
    finishBy: ({ context }) => context.sla.finishMs,
    reopenWindow: ({ context }) => context.reopenWindowMs,
  },
  guards: {
    hasCandidate: ({ context }) => context.attempt < context.candidates.length,
    isAssignee: ({ context, event }) => actorIs(event, context.assigneeId),
    isRequesterOrStaff: ({ context, event }) =>
      actorIs(event, context.personId) || actorRoleIn(event, ["family", "hotline_staff", "community_staff"]),
    withinReopenWindow: ({ context, event }) =>
      context.closedAt !== null && event.at - context.closedAt <= context.reopenWindowMs,
  },
  actions: {
    recordTriage: assign(({ event, context }) =>
      event.type === "TRIAGE"
        ? {
            serviceKind: event.serviceKind,
            priority: event.priority ?? context.priority,
            candidates: event.candidates,
            sla: event.sla,
            attempt: 0,
          }
        : {},
    ),
    dispatchNext: assign(({ context }) => ({
      assigneeId: context.candidates[context.attempt] ?? null,
      attempt: context.attempt + 1,
    })),
    assignChosen: assign(({ event }) => (event.type === "ASSIGN" ? { assigneeId: event.servicePointId } : {})),
    clearAssignee: assign({ assigneeId: null }),
    breachAccept: assign(({ context, event }) => ({
      breaches: [...context.breaches, { stage: "accept" as const, servicePointId: context.assigneeId, at: event.at }],
    })),
    breachArrive: assign(({ context, event }) => ({
      breaches: [...context.breaches, { stage: "arrive" as const, servicePointId: context.assigneeId, at: event.at }],
    })),
    breachFinish: assign(({ context, event }) => ({
      breaches: [...context.breaches, { stage: "finish" as const, servicePointId: context.assigneeId, at: event.at }],
    })),
    announceBreach: emit(({ context }) => {
      const last = context.breaches[context.breaches.length - 1];
      return {
        type: "serviceRequest.sla_breached" as const,
        stage: last?.stage ?? "accept",
        servicePointId: last?.servicePointId ?? null,
      };
    }),
    announceEscalation: emit(({ context }) => ({
      type: "serviceRequest.escalated" as const,
      personId: context.personId,
      communityId: context.communityId,
      serviceKind: context.serviceKind,
    })),
    markClosed: assign(({ event }) => ({ closedAt: event.at })),
    announceClosed: emit(({ context }) => ({
      type: "serviceRequest.closed" as const,
      personId: context.personId,
      servicePointId: context.assigneeId,
    })),
    markReopened: assign(({ context }) => ({ reopened: context.reopened + 1, attempt: 0, closedAt: null })),
    markCancelled: assign(({ event }) => ({ cancelReason: event.type === "CANCEL" ? event.reason : null })),
  },
}).createMachine({
  id: "serviceRequest",
  context: ({ input }) => ({
    communityId: input.communityId,
    personId: input.personId,
    channel: input.channel ?? "hotline",
    externalId: input.externalId ?? null,
    serviceKind: input.serviceKind ?? null,
    priority: input.priority ?? false,
    location: input.lat !== undefined && input.lng !== undefined ? { lat: input.lat, lng: input.lng } : null,
    sla: NO_SLA,
    reopenWindowMs: input.reopenWindowMs ?? 7 * DAY,
    candidates: [],
    attempt: 0,
    assigneeId: null,
    breaches: [],
    reopened: 0,
    receivedAt: input.receivedAt ?? 0,
    closedAt: null,
    cancelReason: null,
    description: input.description ?? null,
  }),
  initial: "received",
  states: {
    received: {
      description: "A call came in on the 24-hour line (or an Open311 request).",
      on: {
        TRIAGE: { target: "triaged", actions: "recordTriage" },
        CANCEL: { target: "cancelled", actions: "markCancelled" },
      },
    },
    triaged: {
      description: "Kind, priority, SLA and the candidate service points are known; dispatch the next one.",
      always: [
        { guard: "hasCandidate", target: "dispatched", actions: "dispatchNext" },
        { target: "escalated", actions: "clearAssignee" },
      ],
    },
    dispatched: {
      on: {
        ACCEPT: { guard: "isAssignee", target: "accepted" },
        DECLINE: { guard: "isAssignee", target: "triaged" },
        CANCEL: { target: "cancelled", actions: "markCancelled" },
      },
      after: { acceptBy: { target: "triaged", actions: ["breachAccept", "announceBreach"] } },
    },
    accepted: {
      on: {
        ARRIVE: { guard: "isAssignee", target: "onSite" },
        CANCEL: { target: "cancelled", actions: "markCancelled" },
      },
      after: { arriveBy: { target: "triaged", actions: ["breachArrive", "announceBreach"] } },
    },
    onSite: {
      on: { FINISH: { guard: "isAssignee", target: "done" } },
      after: { finishBy: { target: "escalated", actions: ["breachFinish", "announceBreach"] } },
    },
    done: {
      on: { CONFIRM: { guard: "isRequesterOrStaff", target: "confirmed" } },
    },
    confirmed: {
      description: "The cadre confirmed the service.",
      on: { CLOSE: { target: "closed", actions: ["markClosed", "announceClosed"] } },
    },
    closed: {
      on: { REOPEN: { guard: "withinReopenWindow", target: "triaged", actions: "markReopened" } },
      after: { reopenWindow: "archived" },
    },
    escalated: {
      description: "No service point could take it in time: staff assign one by hand.",
      entry: "announceEscalation",
      on: {
        ASSIGN: { target: "dispatched", actions: "assignChosen" },
        CANCEL: { target: "cancelled", actions: "markCancelled" },
      },
    },
    cancelled: { type: "final" },
    archived: { type: "final" },
  },
});

/** What {@link serviceRequestWorkflow} needs from the outside. */
export interface ServiceRequestDeps {
  /** Finds candidate service points at triage. */
  readonly servicePoints: ServicePointLookup;
  /** SLA limits (default {@link DEFAULT_SLA}). */
  readonly sla?: SlaConfig;
  /** Decides rule-10 priority at intake (default: the `priority` input field). */
  readonly priority?: PriorityCheck;
  /** How many candidates to keep (default 5). */
  readonly candidates?: number;
  /** Working days for `{ workingDays }` / `{ workingHours }` SLA limits (default Monday to Friday). */
  readonly calendar?: WorkingCalendar;
  /** Zone whose local days are counted (default Asia/Shanghai). */
  readonly zone?: string;
}

const STAFF = ["hotline_staff", "community_staff"] as const;

/**
 * The service-request workflow with its dependencies: the service-point lookup and SLA config are
 * asked at triage and their answers recorded in the event log.
 *
 * @example
 * ```ts
 * const def = serviceRequestWorkflow({ servicePoints: servicePointDirectory(district.servicePoints) });
 * ```
 */
export function serviceRequestWorkflow(deps: ServiceRequestDeps): WorkflowDefinition<typeof serviceRequestMachine> {
  const sla = deps.sla ?? DEFAULT_SLA;
  return defineWorkflow({
    name: "serviceRequest",
    version: 2,
    machine: serviceRequestMachine,
    startRoles: ["hotline_staff", "community_staff", "cadre", "family"],
    input: ServiceRequestInput,
    events: {
      TRIAGE: {
        roles: STAFF,
        payload: ServiceRequestPayloads.TRIAGE,
        description: "staff set the service kind (and priority); the nearest service points are looked up",
      },
      ACCEPT: {
        roles: ["service_point"],
        payload: ServiceRequestPayloads.ACCEPT,
        description: "the dispatched service point takes the job",
      },
      DECLINE: {
        roles: ["service_point"],
        payload: ServiceRequestPayloads.DECLINE,
        description: "the dispatched service point cannot; try the next",
      },
      ARRIVE: { roles: ["service_point"], payload: ServiceRequestPayloads.ARRIVE, description: "on site" },
      FINISH: { roles: ["service_point"], payload: ServiceRequestPayloads.FINISH, description: "work done" },
      CONFIRM: {
        roles: ["cadre", "family", ...STAFF],
        payload: ServiceRequestPayloads.CONFIRM,
        description: "the cadre confirms the service",
      },
      CLOSE: { roles: STAFF, payload: ServiceRequestPayloads.CLOSE, description: "staff close the request" },
      REOPEN: {
        roles: ["cadre", "family", ...STAFF],
        payload: ServiceRequestPayloads.REOPEN,
        description: "reopen within the window",
      },
      CANCEL: { roles: ["cadre", "family", ...STAFF], payload: ServiceRequestPayloads.CANCEL },
      ASSIGN: {
        roles: STAFF,
        payload: ServiceRequestPayloads.ASSIGN,
        description: "staff dispatch a chosen service point by hand",
      },
    },
    priorityOf: (context) => (context.priority === true ? 1 : 0),
    // Version 2 keeps the caller's description (free text) in the context.
    migrations: [
      {
        from: 1,
        to: 2,
        migrate: (snapshot) => ({ ...snapshot, context: { ...snapshot.context, description: null } }),
      },
    ],
    async enrichInput(input, at) {
      const priority =
        deps.priority === undefined
          ? input.priority === true
          : await deps.priority(input.personId as string, input.communityId as string);
      return { priority, receivedAt: at, reopenWindowMs: (sla.reopenWindowMinutes ?? 7 * 24 * 60) * MINUTE };
    },
    async enrich({ type, payload, context, at }) {
      if (type !== "TRIAGE") return {};
      const serviceKind = payload.serviceKind as string;
      const priority = (payload.priority as boolean | undefined) ?? (context.priority as boolean);
      const candidates = await deps.servicePoints.nearest({
        serviceKind,
        location: context.location as ServicePointQuery["location"],
        communityId: context.communityId as string,
        limit: deps.candidates ?? 5,
        at,
      });
      const when = { at, calendar: deps.calendar, zone: deps.zone };
      return { priority, candidates: [...candidates], sla: resolveSla(sla, serviceKind, priority, when) };
    },
    explain: ({ type, context, actor }) =>
      ["ACCEPT", "DECLINE", "ARRIVE", "FINISH"].includes(type) &&
      typeof context.assigneeId === "string" &&
      !actorIs({ actor }, context.assigneeId)
        ? "NOT_AUTHORIZED"
        : undefined,
  });
}
