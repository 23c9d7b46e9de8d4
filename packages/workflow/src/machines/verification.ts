import { assign, emit, setup } from "xstate";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import { actorIs, actorRoleIn, type MachineEvent } from "./common";

/** Context of a service entry under verification (rule 13). */
export interface VerificationContext {
  /** Owning community. */
  readonly communityId: string;
  /** The service entry id (shared with the time bank). */
  readonly entryId: string;
  /** The volunteer who served. */
  readonly volunteerId: string;
  /** The person served. */
  readonly recipientId: string;
  /** Service kind. */
  readonly serviceKind: string;
  /** Minutes served. */
  readonly minutes: number;
  /** The day served (YYYY-MM-DD). */
  readonly servedOn: string;
  /** Who signed (recipient or family member). */
  readonly signedBy: string | null;
  /** Who registered (team leader or party secretary). */
  readonly registeredBy: string | null;
  /** Who verified. */
  readonly verifiedBy: string | null;
  /** Why rejected (a code). */
  readonly rejection: string | null;
}

/** Start input. */
export interface VerificationInput {
  /** Owning community. */
  readonly communityId: string;
  /** Entry id. */
  readonly entryId: string;
  /** Volunteer. */
  readonly volunteerId: string;
  /** Recipient. */
  readonly recipientId: string;
  /** Service kind. */
  readonly serviceKind: string;
  /** Minutes. */
  readonly minutes: number;
  /** Day served. */
  readonly servedOn: string;
}

/**
 * The event a time bank consumes once a service entry is verified: everything needed to credit
 * the volunteer's hours, by id.
 */
export interface ServiceVerified {
  /** Event type. */
  readonly type: "verification.service_verified";
  /** Entry id (the time bank's idempotency key). */
  readonly entryId: string;
  /** Volunteer to credit. */
  readonly volunteerId: string;
  /** Person served. */
  readonly recipientId: string;
  /** Service kind. */
  readonly serviceKind: string;
  /** Minutes. */
  readonly minutes: number;
  /** Day served. */
  readonly servedOn: string;
  /** Who signed (the recipient, or a family member). */
  readonly signedBy: string;
  /** Who registered (team leader or party secretary). */
  readonly registeredBy: string;
  /** Who verified. */
  readonly verifiedBy: string;
  /** Community. */
  readonly communityId: string;
}

/** The events of a service-entry verification as the machine sees them. */
export type VerificationEvent =
  | MachineEvent<"SIGN">
  | MachineEvent<"DISPUTE", { reason: string }>
  | MachineEvent<"REGISTER">
  | MachineEvent<"VERIFY">
  | MachineEvent<"REJECT", { reason: string }>;

/**
 * Service entry verification (rule 13): recorded → signed by the recipient → registered by the
 * team leader or party secretary → verified or rejected. The volunteer never registers or
 * verifies their own entry. Verification emits `verification.service_verified` for the time bank.
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
    emitted: {} as
      | ServiceVerified
      | { type: "verification.service_rejected"; entryId: string; volunteerId: string; reason: string | null },
  },
  guards: {
    signerIsRecipientSide: ({ context, event }) =>
      actorIs(event, context.recipientId) || actorRoleIn(event, ["family"]),
    notTheVolunteer: ({ context, event }) => !actorIs(event, context.volunteerId),
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
    ...input,
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
        SIGN: { guard: "signerIsRecipientSide", target: "signed", actions: "recordSignature" },
        DISPUTE: { guard: "signerIsRecipientSide", target: "rejected", actions: "recordRejection" },
      },
    },
    signed: {
      on: { REGISTER: { guard: "notTheVolunteer", target: "registered", actions: "recordRegistration" } },
    },
    registered: {
      description: "Scored the same day; verified weekly.",
      on: {
        VERIFY: { guard: "notTheVolunteer", target: "verified", actions: "recordVerification" },
        REJECT: { guard: "notTheVolunteer", target: "rejected", actions: "recordRejection" },
      },
    },
    verified: { type: "final", entry: "announceVerified" },
    rejected: { type: "final", entry: "announceRejected" },
  },
});

const REGISTRARS = ["team_leader", "party_secretary"] as const;

/**
 * The verification workflow.
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ store, clock, machines: [verificationWorkflow()] });
 * ```
 */
export function verificationWorkflow(): WorkflowDefinition<typeof verificationMachine> {
  return defineWorkflow({
    name: "verification",
    version: 1,
    machine: verificationMachine,
    startRoles: ["volunteer", "team_leader", "community_staff"],
    input: {
      communityId: { kind: "id" },
      entryId: { kind: "id" },
      volunteerId: { kind: "id" },
      recipientId: { kind: "id" },
      serviceKind: { kind: "id" },
      minutes: { kind: "int", min: 1, max: 1440 },
      servedOn: { kind: "date" },
    },
    events: {
      SIGN: { roles: ["cadre", "family"], description: "the recipient (or family) signs" },
      DISPUTE: {
        roles: ["cadre", "family"],
        payload: { reason: { kind: "enum", values: ["not_served", "wrong_duration", "other"] } },
      },
      REGISTER: { roles: REGISTRARS, description: "team leader or party secretary registers" },
      VERIFY: { roles: [...REGISTRARS, "community_staff"], description: "weekly verification" },
      REJECT: {
        roles: [...REGISTRARS, "community_staff"],
        payload: { reason: { kind: "enum", values: ["not_served", "wrong_duration", "duplicate", "other"] } },
      },
    },
    explain: ({ type, context, actor, state }) => {
      const own = actor.id === context.volunteerId || actor.orgId === context.volunteerId;
      if (own && type === "REGISTER" && state === "signed") return "SELF_REGISTRATION";
      if (own && (type === "VERIFY" || type === "REJECT") && state === "registered") return "SELF_VERIFICATION";
      if ((type === "SIGN" || type === "DISPUTE") && state === "recorded") return "NOT_AUTHORIZED";
      return undefined;
    },
  });
}
