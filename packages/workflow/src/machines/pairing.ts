import { FreeTextSchema, IdSchema, IsoDateSchema } from "@elderflow/core";
import { assign, emit, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import { actorIs, actorRoleIn, DAY, type MachineEvent } from "./common";

/** What the certification check is asked (rule 11: 持证上岗, serve only at the certified level). */
export interface CertificationQuery {
  /** The volunteer. */
  readonly volunteerId: string;
  /** The skill (a service kind). */
  readonly skill: string;
  /** The level the pairing needs. */
  readonly level: number;
  /** The day it must hold (ISO date in the engine's zone is the caller's business; epoch ms here). */
  readonly at: number;
}

/**
 * Injected: whether a volunteer holds a valid certificate for a skill at a level. Asked when a
 * pairing is activated or resumed; the answer is recorded in the event log.
 */
export type CertificationCheck = (query: CertificationQuery) => boolean | Promise<boolean>;

/** Context of a pairing. */
export interface PairingContext {
  /** Owning community. */
  readonly communityId: string;
  /** The volunteer. */
  readonly volunteerId: string;
  /** The cadre. */
  readonly personId: string;
  /** Skill needed. */
  readonly skill: string;
  /** Level needed. */
  readonly level: number;
  /** Contacts in the current week. */
  readonly contactsThisWeek: number;
  /** Home visits in the current week. */
  readonly visitsThisWeek: number;
  /** Weeks without any contact so far. */
  readonly missedWeeks: number;
  /** Contacts in total. */
  readonly totalContacts: number;
  /** Last contact (epoch ms). */
  readonly lastContactAt: number | null;
  /** Why it is paused (a code). */
  readonly pauseReason: string | null;
  /** The certificate that lapsed while the pairing was active (set while suspended). */
  readonly lapse: {
    /** The skill whose certificate lapsed. */
    readonly skill: string;
    /** The first day without a valid certificate. */
    readonly expiredOn: string;
  } | null;
}

/**
 * Start input of a pairing, as callers send it.
 *
 * @example
 * ```ts
 * PairingInput.parse({ communityId: "c01", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 2 });
 * ```
 */
export const PairingInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** The volunteer. */
  volunteerId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Skill needed. */
  skill: IdSchema,
  /** Level needed (1–5). */
  level: z.int().min(1).max(5),
});
/** Start input of a pairing. */
export type PairingInput = z.infer<typeof PairingInput>;

/**
 * The payloads of the pairing events, as callers send them. A `note` is free text, kept in the
 * log only.
 *
 * @example
 * ```ts
 * PairingPayloads.CONTACT.parse({ kind: "visit" });
 * ```
 */
export const PairingPayloads = {
  /** Activate, if the volunteer is certified for the level. */
  ACTIVATE: z.strictObject({}),
  /** Declined. */
  DECLINE: z.strictObject({}),
  /** The paired volunteer records a call or a home visit. */
  CONTACT: z.strictObject({ kind: z.enum(["call", "visit"]), note: FreeTextSchema.optional() }),
  /** Paused, with a reason code. */
  PAUSE: z.strictObject({
    reason: z.enum(["illness", "travel", "volunteer_unavailable", "other"]),
    note: FreeTextSchema.optional(),
  }),
  /** Resume (from paused or suspended), if certified for the level on the day. */
  RESUME: z.strictObject({}),
  /**
   * The volunteer's certificate for the skill is no longer valid (持证上岗): the pairing is
   * suspended until RESUME finds the volunteer certified again. `expiredOn` is the first day
   * without a valid certificate.
   */
  CERTIFICATE_LAPSED: z.strictObject({ volunteerId: IdSchema, skill: IdSchema, expiredOn: IsoDateSchema }),
  /** Ended, with a reason code. */
  END: z.strictObject({
    reason: z.enum(["completed", "moved", "deceased", "mismatch", "other"]),
    note: FreeTextSchema.optional(),
  }),
} as const;

/**
 * Emitted for every week without a contact (rule 5).
 *
 * @example
 * ```ts
 * MissedContact.parse({ type: "pairing.missed_contact", volunteerId: "v1", personId: "p1", missedWeeks: 1 });
 * ```
 */
export const MissedContact = z.strictObject({
  /** Event type. */
  type: z.literal("pairing.missed_contact"),
  /** The volunteer. */
  volunteerId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Weeks without contact so far. */
  missedWeeks: z.int().min(1),
});
/** Emitted for every week without a contact. */
export type MissedContact = z.infer<typeof MissedContact>;

/**
 * Emitted when a pairing is suspended because the volunteer's certificate lapsed: an alert for
 * the community's staff (find another certified volunteer, or renew the certificate).
 *
 * @example
 * ```ts
 * CertificateLapsedAlert.parse({ type: "pairing.certificate_lapsed", volunteerId: "v1", personId: "p1",
 *   skill: "medical_care", expiredOn: "2027-03-16" });
 * ```
 */
export const CertificateLapsedAlert = z.strictObject({
  /** Event type. */
  type: z.literal("pairing.certificate_lapsed"),
  /** The volunteer. */
  volunteerId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** The skill whose certificate lapsed. */
  skill: IdSchema,
  /** The first day without a valid certificate. */
  expiredOn: IsoDateSchema,
});
/** Emitted when a pairing is suspended for a lapsed certificate. */
export type CertificateLapsedAlert = z.infer<typeof CertificateLapsedAlert>;

/** The events of a pairing as the machine sees them (`certified` is recorded by the engine). */
export type PairingEvent =
  | MachineEvent<"ACTIVATE", { certified: boolean }>
  | MachineEvent<"DECLINE">
  | MachineEvent<"CONTACT", { kind: "call" | "visit"; note?: string }>
  | MachineEvent<"PAUSE", { reason: string; note?: string }>
  | MachineEvent<"RESUME", { certified: boolean }>
  | MachineEvent<"END", { reason: string; note?: string }>
  | MachineEvent<"CERTIFICATE_LAPSED", { volunteerId: string; skill: string; expiredOn: string }>;

/**
 * Volunteer pairing (rules 5, 11, 12): proposed → active ⇄ paused → ended, and active or paused →
 * suspended when the volunteer's certificate lapses (`CERTIFICATE_LAPSED`, which emits
 * `pairing.certificate_lapsed`); a suspended pairing takes no contact and leaves only by RESUME
 * once the volunteer is certified again, or by END. Only a volunteer certified for the needed
 * level may be activated or resumed (the `volunteerCertified` guard reads the answer of the
 * injected {@link CertificationCheck}); every week without a contact raises
 * `pairing.missed_contact` (rule 5: at least one contact a week).
 *
 * @example
 * ```ts
 * createActor(pairingMachine, { input: { communityId: "c01", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 2 } });
 * ```
 */
export const pairingMachine = setup({
  types: {
    context: {} as PairingContext,
    events: {} as PairingEvent,
    input: {} as PairingInput,
    emitted: {} as MissedContact | CertificateLapsedAlert,
  },
  delays: { weeklyCheck: 7 * DAY },
  guards: {
    volunteerCertified: ({ event }) => (event.type === "ACTIVATE" || event.type === "RESUME") && event.certified,
    isPairedVolunteer: ({ context, event }) => actorIs(event, context.volunteerId),
    lapseOfThisPair: ({ context, event }) =>
      event.type === "CERTIFICATE_LAPSED" && event.volunteerId === context.volunteerId && event.skill === context.skill,
    noContactThisWeek: ({ context }) => context.contactsThisWeek === 0,
    isStaffOrPair: ({ context, event }) =>
      actorRoleIn(event, ["community_staff"]) ||
      actorIs(event, context.volunteerId) ||
      actorIs(event, context.personId),
  },
  actions: {
    recordContact: assign(({ context, event }) =>
      event.type === "CONTACT"
        ? {
            contactsThisWeek: context.contactsThisWeek + 1,
            visitsThisWeek: context.visitsThisWeek + (event.kind === "visit" ? 1 : 0),
            totalContacts: context.totalContacts + 1,
            lastContactAt: event.at,
          }
        : {},
    ),
    countMissedWeek: assign(({ context }) => ({ missedWeeks: context.missedWeeks + 1 })),
    announceMissedContact: emit(({ context }) => ({
      type: "pairing.missed_contact" as const,
      volunteerId: context.volunteerId,
      personId: context.personId,
      missedWeeks: context.missedWeeks,
    })),
    startWeek: assign({ contactsThisWeek: 0, visitsThisWeek: 0 }),
    recordPause: assign(({ event }) => ({ pauseReason: event.type === "PAUSE" ? event.reason : null })),
    clearPause: assign({ pauseReason: null }),
    recordLapse: assign(({ event }) => ({
      lapse: event.type === "CERTIFICATE_LAPSED" ? { skill: event.skill, expiredOn: event.expiredOn } : null,
    })),
    clearLapse: assign({ lapse: null }),
    announceLapse: emit(({ context, event }) => ({
      type: "pairing.certificate_lapsed" as const,
      volunteerId: context.volunteerId,
      personId: context.personId,
      skill: context.skill,
      expiredOn: event.type === "CERTIFICATE_LAPSED" ? event.expiredOn : "",
    })),
  },
}).createMachine({
  id: "pairing",
  context: ({ input }) => ({
    communityId: input.communityId,
    volunteerId: input.volunteerId,
    personId: input.personId,
    skill: input.skill,
    level: input.level,
    contactsThisWeek: 0,
    visitsThisWeek: 0,
    missedWeeks: 0,
    totalContacts: 0,
    lastContactAt: null,
    pauseReason: null,
    lapse: null,
  }),
  initial: "proposed",
  states: {
    proposed: {
      on: {
        ACTIVATE: { guard: "volunteerCertified", target: "active", actions: "startWeek" },
        DECLINE: { target: "ended" },
      },
    },
    active: {
      description: "Weekly contact (rule 5) is checked every seven days.",
      on: {
        CONTACT: { guard: "isPairedVolunteer", actions: "recordContact" },
        PAUSE: { guard: "isStaffOrPair", target: "paused", actions: "recordPause" },
        END: { target: "ended" },
        CERTIFICATE_LAPSED: {
          guard: "lapseOfThisPair",
          target: "suspended",
          actions: ["recordLapse", "announceLapse"],
        },
      },
      after: {
        weeklyCheck: [
          {
            guard: "noContactThisWeek",
            target: "active",
            reenter: true,
            actions: ["countMissedWeek", "announceMissedContact", "startWeek"],
          },
          { target: "active", reenter: true, actions: "startWeek" },
        ],
      },
    },
    paused: {
      on: {
        RESUME: { guard: "volunteerCertified", target: "active", actions: ["clearPause", "startWeek"] },
        END: { target: "ended" },
        CERTIFICATE_LAPSED: {
          guard: "lapseOfThisPair",
          target: "suspended",
          actions: ["clearPause", "recordLapse", "announceLapse"],
        },
      },
    },
    suspended: {
      description: "The volunteer's certificate lapsed (持证上岗): no contact until certified again.",
      on: {
        RESUME: { guard: "volunteerCertified", target: "active", actions: ["clearLapse", "startWeek"] },
        END: { target: "ended" },
      },
    },
    ended: { type: "final" },
  },
});

/** What {@link pairingWorkflow} needs. */
export interface PairingDeps {
  /** The certification check (rule 11). */
  readonly certification: CertificationCheck;
}

/**
 * The pairing workflow: the certification check is asked on ACTIVATE and RESUME and its answer is
 * recorded in the event, so that replays do not depend on today's certificates.
 *
 * @example
 * ```ts
 * const def = pairingWorkflow({ certification: ({ volunteerId, level }) => level <= levels.get(volunteerId) });
 * ```
 */
export function pairingWorkflow(deps: PairingDeps): WorkflowDefinition<typeof pairingMachine> {
  const STAFF = ["community_staff"] as const;
  return defineWorkflow({
    name: "pairing",
    version: 2,
    machine: pairingMachine,
    startRoles: STAFF,
    input: PairingInput,
    events: {
      ACTIVATE: {
        roles: STAFF,
        payload: PairingPayloads.ACTIVATE,
        description: "activate, if the volunteer is certified for the level",
      },
      DECLINE: { roles: [...STAFF, "cadre", "volunteer"], payload: PairingPayloads.DECLINE },
      CONTACT: {
        roles: ["volunteer"],
        payload: PairingPayloads.CONTACT,
        description: "the paired volunteer records a call or a home visit",
      },
      PAUSE: { roles: [...STAFF, "volunteer", "cadre"], payload: PairingPayloads.PAUSE },
      RESUME: { roles: STAFF, payload: PairingPayloads.RESUME, description: "resume, if still certified" },
      END: { roles: STAFF, payload: PairingPayloads.END },
      CERTIFICATE_LAPSED: {
        roles: [...STAFF, "bureau"],
        payload: PairingPayloads.CERTIFICATE_LAPSED,
        description: "the volunteer's certificate lapsed: suspend until certified again",
      },
    },
    async enrich({ type, context, at }) {
      if (type !== "ACTIVATE" && type !== "RESUME") return {};
      const certified = await deps.certification({
        volunteerId: context.volunteerId as string,
        skill: context.skill as string,
        level: context.level as number,
        at,
      });
      return { certified };
    },
    explain: ({ type, state }) =>
      (type === "ACTIVATE" && state === "proposed") ||
      (type === "RESUME" && (state === "paused" || state === "suspended"))
        ? "NOT_CERTIFIED"
        : (type === "CONTACT" || type === "PAUSE") && state === "active"
          ? "NOT_AUTHORIZED"
          : type === "CONTACT" && state === "suspended"
            ? "CERTIFICATE_INVALID"
            : type === "CERTIFICATE_LAPSED" && (state === "active" || state === "paused")
              ? "ID_MISMATCH"
              : undefined,
    // Version 2 adds the suspended state and `lapse` (null for every pairing of version 1).
    migrations: [
      {
        from: 1,
        to: 2,
        migrate: (snapshot) => ({ ...snapshot, context: { lapse: null, ...snapshot.context } }),
      },
    ],
  });
}
