import {
  FreeTextSchema,
  IdSchema,
  IsoDateSchema,
  isErrorCode,
  type MovementAct,
  type MovementAuthority,
  movementConflict,
} from "@elderflow/core";
import { assign, emit, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import type { MachineEvent } from "./common";

/**
 * Start input of a service-entry verification: the entry as the volunteer recorded it, by id.
 *
 * @example
 * ```ts
 * VerificationInput.parse({ communityId: "c01", entryId: "se1", volunteerId: "v1", recipientId: "p1",
 *   serviceKind: "housekeeping", minutes: 90, servedOn: "2027-03-01" });
 * ```
 */
export const VerificationInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** Entry id (shared with the time bank). */
  entryId: IdSchema,
  /** The volunteer who served. */
  volunteerId: IdSchema,
  /** The person served. */
  recipientId: IdSchema,
  /** Service kind. */
  serviceKind: IdSchema,
  /** Minutes served. */
  minutes: z.int().min(1).max(1440),
  /** The day served (YYYY-MM-DD). */
  servedOn: IsoDateSchema,
});
/** Start input of a service-entry verification. */
export type VerificationInput = z.infer<typeof VerificationInput>;

/** Why an entry is disputed by the recipient side. */
const DISPUTE_REASONS = ["not_served", "wrong_duration", "other"] as const;
/** Why an entry is rejected at verification. */
const REJECT_REASONS = ["not_served", "wrong_duration", "duplicate", "other"] as const;

/**
 * The payloads of the verification events, as callers send them. A `note` is free text: it is
 * kept in the log only (never in the context), masked on export and erased by `erasePerson`.
 *
 * @example
 * ```ts
 * VerificationPayloads.REJECT.parse({ reason: "duplicate" });
 * ```
 */
export const VerificationPayloads = {
  /** The recipient (or whoever the authority allows) signs. */
  SIGN: z.strictObject({}),
  /** The recipient side disputes the entry. */
  DISPUTE: z.strictObject({ reason: z.enum(DISPUTE_REASONS), note: FreeTextSchema.optional() }),
  /** The team leader or party secretary registers. */
  REGISTER: z.strictObject({}),
  /** Weekly verification. */
  VERIFY: z.strictObject({}),
  /** Rejected at verification. */
  REJECT: z.strictObject({ reason: z.enum(REJECT_REASONS), note: FreeTextSchema.optional() }),
} as const;

/**
 * The event a time bank consumes once a service entry is verified: everything needed to credit
 * the volunteer's hours, by id.
 *
 * @example
 * ```ts
 * ServiceVerified.parse({ type: "verification.service_verified", ...fields });
 * ```
 */
export const ServiceVerified = VerificationInput.extend({
  /** Event type. */
  type: z.literal("verification.service_verified"),
  /** Who signed (the recipient, or whom the authority allowed). */
  signedBy: IdSchema,
  /** Who registered (team leader or party secretary). */
  registeredBy: IdSchema,
  /** Who verified. */
  verifiedBy: IdSchema,
});
/** The event a time bank consumes once a service entry is verified. */
export type ServiceVerified = z.infer<typeof ServiceVerified>;

/**
 * The event emitted when an entry is disputed or rejected: no hours are credited.
 *
 * @example
 * ```ts
 * ServiceRejected.parse({ type: "verification.service_rejected", entryId: "se1", volunteerId: "v1", reason: "duplicate" });
 * ```
 */
export const ServiceRejected = z.strictObject({
  /** Event type. */
  type: z.literal("verification.service_rejected"),
  /** Entry id. */
  entryId: IdSchema,
  /** The volunteer. */
  volunteerId: IdSchema,
  /** The reason code. */
  reason: z.enum(REJECT_REASONS).nullable(),
});
/** The event emitted when an entry is disputed or rejected. */
export type ServiceRejected = z.infer<typeof ServiceRejected>;

/** Context of a service entry under verification (rule 13). */
export interface VerificationContext extends VerificationInput {
  /** Who signed (the recipient, or whom the authority allowed). */
  readonly signedBy: string | null;
  /** Who registered (team leader or party secretary). */
  readonly registeredBy: string | null;
  /** Who verified. */
  readonly verifiedBy: string | null;
  /** Why rejected (a code). */
  readonly rejection: z.infer<typeof VerificationPayloads.REJECT>["reason"] | null;
}

/**
 * The events of a service-entry verification as the machine sees them: `refusal` is the
 * `MovementAuthority`'s answer, asked at send time and recorded in the log by the engine.
 */
export type VerificationEvent =
  | MachineEvent<"SIGN", { refusal: string | null }>
  | MachineEvent<"DISPUTE", { refusal: string | null } & z.infer<typeof VerificationPayloads.DISPUTE>>
  | MachineEvent<"REGISTER", { refusal: string | null }>
  | MachineEvent<"VERIFY", { refusal: string | null }>
  | MachineEvent<"REJECT", { refusal: string | null } & z.infer<typeof VerificationPayloads.REJECT>>;

/**
 * Service entry verification (rule 13): recorded → signed by the recipient side → registered by
 * the team leader or party secretary → verified or rejected. Who may do each act is not decided
 * here: the `authorityAllows` guard reads the answer of the injected `MovementAuthority` (the
 * same rule the time bank applies), recorded in the event, so that the workflow never reaches a
 * state the ledger would refuse. Verification emits `verification.service_verified`.
 *
 * @example
 * ```ts
 * createActor(verificationMachine, { input: { communityId: "c01", entryId: "e1", volunteerId: "v1",
 *   recipientId: "p1", serviceKind: "housekeeping", minutes: 90, servedOn: "2027-03-01" } });
 * ```
 */
export const verificationMachine = setup({
  types: {
    context: {} as VerificationContext,
    events: {} as VerificationEvent,
    input: {} as VerificationInput,
    emitted: {} as ServiceVerified | ServiceRejected,
  },
  guards: {
    authorityAllows: ({ event }) => event.refusal === null,
  },
  actions: {
    recordSignature: assign(({ event }) => ({ signedBy: event.actor.id })),
    recordRegistration: assign(({ event }) => ({ registeredBy: event.actor.id })),
    recordVerification: assign(({ event }) => ({ verifiedBy: event.actor.id })),
    recordRejection: assign(({ event }) => ({
      rejection: event.type === "REJECT" || event.type === "DISPUTE" ? event.reason : null,
    })),
    announceVerified: emit(({ context }) => ({
      type: "verification.service_verified" as const,
      entryId: context.entryId,
      volunteerId: context.volunteerId,
      recipientId: context.recipientId,
      serviceKind: context.serviceKind,
      minutes: context.minutes,
      servedOn: context.servedOn,
      signedBy: context.signedBy ?? "",
      registeredBy: context.registeredBy ?? "",
      verifiedBy: context.verifiedBy ?? "",
      communityId: context.communityId,
    })),
    announceRejected: emit(({ context }) => ({
      type: "verification.service_rejected" as const,
      entryId: context.entryId,
      volunteerId: context.volunteerId,
      reason: context.rejection,
    })),
  },
}).createMachine({
  id: "verification",
  context: ({ input }) => ({
    communityId: input.communityId,
    entryId: input.entryId,
    volunteerId: input.volunteerId,
    recipientId: input.recipientId,
    serviceKind: input.serviceKind,
    minutes: input.minutes,
    servedOn: input.servedOn,
    signedBy: null,
    registeredBy: null,
    verifiedBy: null,
    rejection: null,
  }),
  initial: "recorded",
  states: {
    recorded: {
      description: "The volunteer recorded the service.",
      on: {
        SIGN: { guard: "authorityAllows", target: "signed", actions: "recordSignature" },
        DISPUTE: { guard: "authorityAllows", target: "rejected", actions: "recordRejection" },
      },
    },
    signed: {
      on: { REGISTER: { guard: "authorityAllows", target: "registered", actions: "recordRegistration" } },
    },
    registered: {
      description: "Scored the same day; verified weekly.",
      on: {
        VERIFY: { guard: "authorityAllows", target: "verified", actions: "recordVerification" },
        REJECT: { guard: "authorityAllows", target: "rejected", actions: "recordRejection" },
      },
    },
    verified: { type: "final", entry: "announceVerified" },
    rejected: { type: "final", entry: "announceRejected" },
  },
});

const REGISTRARS = ["team_leader", "party_secretary"] as const;

/** Which act of the one rule each event is. */
const ACTS: Readonly<Record<string, MovementAct>> = {
  SIGN: "sign",
  DISPUTE: "sign",
  REGISTER: "register",
  VERIFY: "verify",
  REJECT: "reject",
};

/** The state each event leaves, where a refusal is the authority's and not the state's. */
const SOURCE: Readonly<Record<string, string>> = {
  SIGN: "recorded",
  DISPUTE: "recorded",
  REGISTER: "signed",
  VERIFY: "registered",
  REJECT: "registered",
};

/**
 * The authority used when the host supplies none: core's `movementConflict` with no
 * household knowledge, so only the recipient signs and nobody party to the entry registers or
 * verifies it.
 *
 * @example
 * ```ts
 * defaultMovementAuthority("sign", "p1", { communityId: "c01", volunteer: "v1", counterpart: "p1" }); // null
 * ```
 */
export const defaultMovementAuthority: MovementAuthority = (act, person, m) =>
  movementConflict(act, person, {
    volunteer: m.volunteer,
    ...(m.counterpart === undefined ? {} : { counterpart: m.counterpart }),
  });

/** What {@link verificationWorkflow} takes. */
export interface VerificationDeps {
  /**
   * Who may sign, register, verify or reject (default {@link defaultMovementAuthority}). Pass the
   * time bank's `bank.authority`, which knows households and grants, so both apply one rule.
   */
  readonly authority?: MovementAuthority;
}

/**
 * The verification workflow. Every act asks the `MovementAuthority` once, at send time; its
 * answer is recorded in the log and the refusal code (`NOT_AUTHORIZED`, `SELF_REGISTRATION`,
 * `SELF_VERIFICATION`, `CERTIFICATE_INVALID` from an authority with a certificate rule, or whatever
 * the authority returns) is the error the sender gets. The authority is told the entry's service
 * kind and day of service, so a volunteer whose required certificate was not valid that day is
 * refused at VERIFY and no hours are credited.
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ store, clock, machines: [verificationWorkflow({ authority: bank.authority })] });
 * ```
 */
export function verificationWorkflow(deps: VerificationDeps = {}): WorkflowDefinition<typeof verificationMachine> {
  const authority = deps.authority ?? defaultMovementAuthority;
  return defineWorkflow({
    name: "verification",
    version: 2,
    machine: verificationMachine,
    startRoles: ["volunteer", "team_leader", "community_staff"],
    input: VerificationInput,
    events: {
      SIGN: { roles: ["cadre", "family"], payload: VerificationPayloads.SIGN, description: "the recipient signs" },
      DISPUTE: { roles: ["cadre", "family"], payload: VerificationPayloads.DISPUTE },
      REGISTER: {
        roles: REGISTRARS,
        payload: VerificationPayloads.REGISTER,
        description: "team leader or party secretary registers",
      },
      VERIFY: {
        roles: [...REGISTRARS, "community_staff", "verifier"],
        payload: VerificationPayloads.VERIFY,
        description: "weekly verification",
      },
      REJECT: { roles: [...REGISTRARS, "community_staff", "verifier"], payload: VerificationPayloads.REJECT },
    },
    enrich({ type, context, actor }) {
      const act = ACTS[type];
      if (act === undefined) return {};
      // The service's kind and day go with it: a certificate rule (rule 11) judges the day of service.
      const refusal = authority(act, actor.id, {
        communityId: context.communityId as string,
        volunteer: context.volunteerId as string,
        counterpart: context.recipientId as string,
        serviceKind: context.serviceKind as string,
        servedOn: context.servedOn as string,
      });
      return { refusal };
    },
    explain: ({ type, payload, state }) =>
      SOURCE[type] === state && typeof payload.refusal === "string" && isErrorCode(payload.refusal)
        ? payload.refusal
        : undefined,
    // Version 2 asks the authority instead of fixed guards; the context is unchanged.
    migrations: [{ from: 1, to: 2, migrate: (snapshot) => snapshot }],
  });
}
