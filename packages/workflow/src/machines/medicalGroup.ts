/**
 * 贴心儿女 medical volunteer groups (rule 12, seed 002): "把他们与全县离休干部分组结对". A team of
 * certified medical volunteers serves a set of cadres together; each contact is made by one member
 * for one cadre, and the group keeps the contact history its subsidies are computed from.
 */
import { ElderflowError, IdSchema, MedicalContactKind, SealedValue } from "@elderflow/core";
import { assign, emit, enqueueActions, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import { actorIs, actorRoleIn, DAY, type MachineEvent } from "./common";
import type { CertificationCheck } from "./pairing";

/**
 * Most members and cadres one group holds, and most contacts its history keeps.
 *
 * @example
 * ```ts
 * MEDICAL_GROUP_LIMITS.members; // 20
 * ```
 */
export const MEDICAL_GROUP_LIMITS = Object.freeze({ members: 20, cadres: 50, contacts: 20_000 });

/**
 * The medical checks a contact may include (测量血压血糖、指导就医买药、保健知识). The measured ones
 * (`blood_pressure`, `glucose`, `pulse`) need a home visit.
 *
 * @example
 * ```ts
 * MEDICAL_CHECK_KINDS.includes("glucose"); // true
 * ```
 */
export const MEDICAL_CHECK_KINDS = [
  "blood_pressure",
  "glucose",
  "pulse",
  "medication_check",
  "care_guidance",
  "health_advice",
] as const;
/** A medical check kind. */
export type MedicalCheckKind = (typeof MEDICAL_CHECK_KINDS)[number];

/**
 * Checks that measure something and so need the volunteer at the door.
 *
 * @example
 * ```ts
 * MEASURED_CHECKS.includes("pulse"); // true
 * ```
 */
export const MEASURED_CHECKS: readonly MedicalCheckKind[] = ["blood_pressure", "glucose", "pulse"];

/** Why a glucose reading has one decimal at most: meters show mmol/L to 0.1. */
const tenths = (v: number) => Math.abs(Math.round(v * 10) - v * 10) < 1e-9;

/**
 * The readings a medical contact records, each bounded to what a meter can show. Readings are
 * sensitive health data: they never appear in errors or logs (an out-of-range value is reported by
 * its bound and path only), the workflow stores them sealed, and audit exports mask them.
 *
 * @example
 * ```ts
 * MedicalReadings.parse({ bloodPressure: { systolic: 138, diastolic: 86 }, glucose: { mmolL: 6.4, fasting: true } });
 * ```
 */
export const MedicalReadings = z
  .strictObject({
    /** Blood pressure in mmHg; the diastolic below the systolic. */
    bloodPressure: z
      .strictObject({
        /** Systolic, mmHg. */
        systolic: z.int().min(50).max(300),
        /** Diastolic, mmHg. */
        diastolic: z.int().min(30).max(200),
      })
      .refine((bp) => bp.diastolic < bp.systolic, {
        params: { code: "OUT_OF_RANGE" },
        path: ["diastolic"],
      })
      .optional(),
    /** Blood glucose in mmol/L, one decimal. */
    glucose: z
      .strictObject({
        /** mmol/L (1.0–35.0). */
        mmolL: z
          .number()
          .min(1)
          .max(35)
          .refine(tenths, { params: { code: "OUT_OF_RANGE" } }),
        /** Measured fasting. */
        fasting: z.boolean().optional(),
      })
      .optional(),
    /** Pulse, beats per minute. */
    pulse: z.strictObject({ bpm: z.int().min(20).max(250) }).optional(),
    /** Medication check: whether the cadre takes what was prescribed. */
    medication: z.strictObject({ adherent: z.boolean() }).optional(),
  })
  .refine((r) => Object.keys(r).length > 0, { params: { code: "REQUIRED" } });
/** The readings of a medical contact. */
export type MedicalReadings = z.infer<typeof MedicalReadings>;

/**
 * The check kinds a set of readings records.
 *
 * @example
 * ```ts
 * checksOf({ pulse: { bpm: 72 } }); // ["pulse"]
 * ```
 */
export function checksOf(readings: MedicalReadings): MedicalCheckKind[] {
  const out: MedicalCheckKind[] = [];
  if (readings.bloodPressure !== undefined) out.push("blood_pressure");
  if (readings.glucose !== undefined) out.push("glucose");
  if (readings.pulse !== undefined) out.push("pulse");
  if (readings.medication !== undefined) out.push("medication_check");
  return out;
}

/**
 * A contact as a volunteer records it, before its readings are sealed: the cadre, call or visit,
 * the readings taken (plain, bounded) and any other checks done. The umbrella's
 * `medical.recordContact` seals the readings and sends the group's `CONTACT`.
 *
 * @example
 * ```ts
 * MedicalContactInput.parse({ personId: "p1", kind: "visit", readings: { pulse: { bpm: 72 } }, checks: ["health_advice"] });
 * ```
 */
export const MedicalContactInput = z.strictObject({
  /** The cadre. */
  personId: IdSchema,
  /** Call or visit. */
  kind: MedicalContactKind,
  /** The readings taken, if any. */
  readings: MedicalReadings.optional(),
  /** Checks done beyond the readings (care guidance, health advice …). */
  checks: z.array(z.enum(MEDICAL_CHECK_KINDS)).max(MEDICAL_CHECK_KINDS.length).optional(),
});
/** A contact as a volunteer records it. */
export type MedicalContactInput = z.input<typeof MedicalContactInput>;

/**
 * How often each cadre must be contacted (rule 5: 每周与帮扶对象至少联系一次，每月上门三次以上).
 *
 * @example
 * ```ts
 * ContactCadence.parse({}); // { contactsPerWeek: 1, homeVisitsPerMonth: 3 }
 * ```
 */
export const ContactCadence = z.strictObject({
  /** Contacts each ISO week, per cadre. */
  contactsPerWeek: z.int().min(0).max(7).default(1),
  /** Home visits each month, per cadre. */
  homeVisitsPerMonth: z.int().min(0).max(31).default(3),
});
/** How often each cadre must be contacted. */
export type ContactCadence = z.infer<typeof ContactCadence>;

const uniqueIds = (max: number) =>
  z
    .array(IdSchema)
    .min(1)
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, { params: { code: "DUPLICATE_ID" } });

/**
 * Start input of a medical volunteer group.
 *
 * @example
 * ```ts
 * MedicalGroupInput.parse({ communityId: "c01", members: ["v1", "v2"], cadres: ["p1", "p2", "p3"], level: 2 });
 * ```
 */
export const MedicalGroupInput = z.strictObject({
  /** Owning community (the town whose bureau runs the group). */
  communityId: IdSchema,
  /** The volunteers, by id. */
  members: uniqueIds(MEDICAL_GROUP_LIMITS.members),
  /** The cadres served, by id. */
  cadres: uniqueIds(MEDICAL_GROUP_LIMITS.cadres),
  /** Skill the members must be certified for (default `medical_care`). */
  skill: IdSchema.default("medical_care"),
  /** Certified level needed (1–5; rule 11's volunteer-level policy gives 2 for medical care). */
  level: z.int().min(1).max(5),
  /** Contact cadence per cadre (default rule 5). */
  cadence: ContactCadence.default({ contactsPerWeek: 1, homeVisitsPerMonth: 3 }),
});
/** Start input of a medical volunteer group. */
export type MedicalGroupInput = z.input<typeof MedicalGroupInput>;

/** Why a member left. */
const LEAVE_REASONS = ["resigned", "moved", "reassigned", "deceased", "other"] as const;
/** Why a cadre stops being served. */
const REMOVE_REASONS = ["deceased", "moved", "transferred", "declined", "out_of_scope", "other"] as const;

/**
 * The payloads of the group's events, as callers send them. They hold ids, codes and sealed values
 * only, never free text: a group names many persons in arrays, where the engine's erasure of free
 * text would not find them, so notes belong on the task board or in the register instead.
 *
 * @example
 * ```ts
 * MedicalGroupPayloads.CONTACT.parse({ personId: "p1", kind: "visit", checks: ["blood_pressure"] });
 * ```
 */
export const MedicalGroupPayloads = {
  /** Activate: members not certified for the level are suspended; one certified member is enough. */
  ACTIVATE: z.strictObject({}),
  /** A volunteer joins (if certified). */
  JOIN: z.strictObject({ volunteerId: IdSchema }),
  /** A member leaves. */
  LEAVE: z.strictObject({ volunteerId: IdSchema, reason: z.enum(LEAVE_REASONS) }),
  /** A suspended member comes back, if certified again. */
  REINSTATE: z.strictObject({ volunteerId: IdSchema }),
  /** A cadre is added, if in the programme's scope. */
  ADD_CADRE: z.strictObject({ personId: IdSchema }),
  /** A cadre stops being served. */
  REMOVE_CADRE: z.strictObject({ personId: IdSchema, reason: z.enum(REMOVE_REASONS) }),
  /**
   * One member contacts one cadre. `checks` names the checks done; `sealedReadings` holds their
   * readings sealed under the cadre's data key (the umbrella's `medical.recordContact` seals them).
   */
  CONTACT: z.strictObject({
    personId: IdSchema,
    kind: MedicalContactKind,
    checks: z
      .array(z.enum(MEDICAL_CHECK_KINDS))
      .max(MEDICAL_CHECK_KINDS.length)
      .refine((c) => new Set(c).size === c.length, { params: { code: "DUPLICATE_ID" } })
      .optional(),
    sealedReadings: SealedValue.optional(),
  }),
  /** A member's certificate for the group's skill lapsed: they are suspended, the others go on. */
  CERTIFICATE_LAPSED: z.strictObject({
    volunteerId: IdSchema,
    skill: IdSchema,
    /** The first day without a valid certificate. */
    expiredOn: z.iso.date(),
  }),
  /** The group ends. */
  END: z.strictObject({
    reason: z.enum(["completed", "dissolved", "no_cadres", "other"]),
  }),
} as const;

/** A member of a group. */
export interface GroupMember {
  /** The volunteer. */
  readonly volunteerId: string;
  /** Serving, suspended (certificate lapsed or missing), or left. */
  readonly status: "active" | "suspended" | "left";
  /** Since when (epoch ms; 0 until the group is activated). */
  readonly since: number;
  /** Why suspended or left (a code), or null. */
  readonly reason: string | null;
  /** For a lapse: the first day without a valid certificate. */
  readonly expiredOn: string | null;
}

/** A cadre the group serves. */
export interface GroupCadre {
  /** The cadre. */
  readonly personId: string;
  /** Served, or removed. */
  readonly status: "active" | "removed";
  /** Since when (epoch ms; 0 until the group is activated). */
  readonly since: number;
  /** Contacts since the last weekly check. */
  readonly contactsThisWeek: number;
  /** Weeks without a contact so far. */
  readonly missedWeeks: number;
}

/** One credited contact: who, for whom, how, when. Readings stay in the sealed event payload. */
export interface GroupContact {
  /** The member who made it. */
  readonly volunteerId: string;
  /** The cadre. */
  readonly personId: string;
  /** Call or visit. */
  readonly kind: MedicalContactKind;
  /** The checks done (kinds only). */
  readonly checks: readonly MedicalCheckKind[];
  /** When (epoch ms). */
  readonly at: number;
  /** The event that recorded it. */
  readonly eventId: string;
}

/** Context of a medical volunteer group. */
export interface MedicalGroupContext {
  /** Owning community. */
  readonly communityId: string;
  /** Skill the members need. */
  readonly skill: string;
  /** Level they need. */
  readonly level: number;
  /** Contact cadence per cadre. */
  readonly cadence: ContactCadence;
  /** Members, in joining order. */
  readonly members: readonly GroupMember[];
  /** Cadres, in order added. */
  readonly cadres: readonly GroupCadre[];
  /** Credited contacts, in order (at most {@link MEDICAL_GROUP_LIMITS}.contacts; older ones drop off). */
  readonly contacts: readonly GroupContact[];
  /** Why the group is suspended (a code), or null. */
  readonly pauseReason: string | null;
}

/**
 * Emitted for every cadre without a contact in a week (rule 5), naming the members who serve them.
 *
 * @example
 * ```ts
 * GroupMissedContact.parse({ type: "medicalGroup.missed_contact", personId: "p1", volunteerIds: ["v1"], missedWeeks: 1 });
 * ```
 */
export const GroupMissedContact = z.strictObject({
  /** Event type. */
  type: z.literal("medicalGroup.missed_contact"),
  /** The cadre. */
  personId: IdSchema,
  /** The active members. */
  volunteerIds: z.array(IdSchema).max(MEDICAL_GROUP_LIMITS.members),
  /** Weeks without contact so far. */
  missedWeeks: z.int().min(1),
});
/** Emitted for every cadre without a contact in a week. */
export type GroupMissedContact = z.infer<typeof GroupMissedContact>;

/**
 * Emitted when a member is suspended because their certificate lapsed.
 *
 * @example
 * ```ts
 * GroupMemberSuspended.parse({ type: "medicalGroup.member_suspended", volunteerId: "v1", skill: "medical_care", expiredOn: "2027-03-16", activeMembers: 1 });
 * ```
 */
export const GroupMemberSuspended = z.strictObject({
  /** Event type. */
  type: z.literal("medicalGroup.member_suspended"),
  /** The member. */
  volunteerId: IdSchema,
  /** The skill whose certificate lapsed. */
  skill: IdSchema,
  /** The first day without a valid certificate. */
  expiredOn: z.iso.date(),
  /** Members still serving. */
  activeMembers: z.int().min(0),
});
/** Emitted when a member is suspended because their certificate lapsed. */
export type GroupMemberSuspended = z.infer<typeof GroupMemberSuspended>;

/** The events of a group as the machine sees them (`certified`, `inScope` are recorded by the engine). */
export type MedicalGroupEvent =
  | MachineEvent<"ACTIVATE", { certified: readonly string[] }>
  | MachineEvent<"JOIN", z.output<(typeof MedicalGroupPayloads)["JOIN"]> & { certified: boolean }>
  | MachineEvent<"LEAVE", z.output<(typeof MedicalGroupPayloads)["LEAVE"]>>
  | MachineEvent<"REINSTATE", z.output<(typeof MedicalGroupPayloads)["REINSTATE"]> & { certified: boolean }>
  | MachineEvent<"ADD_CADRE", z.output<(typeof MedicalGroupPayloads)["ADD_CADRE"]> & { inScope: boolean }>
  | MachineEvent<"REMOVE_CADRE", z.output<(typeof MedicalGroupPayloads)["REMOVE_CADRE"]>>
  | MachineEvent<"CONTACT", z.output<(typeof MedicalGroupPayloads)["CONTACT"]> & { inScope?: boolean }>
  | MachineEvent<"CERTIFICATE_LAPSED", z.output<(typeof MedicalGroupPayloads)["CERTIFICATE_LAPSED"]>>
  | MachineEvent<"END", z.output<(typeof MedicalGroupPayloads)["END"]>>;

type Ctx = MedicalGroupContext;
const memberOf = (c: Ctx, id: string) => c.members.find((m) => m.volunteerId === id);
const cadreOf = (c: Ctx, id: string) => c.cadres.find((p) => p.personId === id);
const activeMembers = (c: Ctx) => c.members.filter((m) => m.status === "active");
const setMember = (c: Ctx, id: string, patch: Partial<GroupMember>): GroupMember[] =>
  c.members.map((m) => (m.volunteerId === id ? { ...m, ...patch } : m));
const isActiveMember = (c: Ctx, id: string) => memberOf(c, id)?.status === "active";
/** The one member who would be left without a colleague by removing `id`. */
const lastActive = (c: Ctx, id: string) => isActiveMember(c, id) && activeMembers(c).length === 1;

/**
 * A medical volunteer group (rules 5, 11, 12): proposed → active ⇄ suspended → ended. Members must
 * be certified for the skill at the level (`ACTIVATE`, `JOIN`, `REINSTATE` read the injected
 * {@link CertificationCheck}'s answer recorded in the event); cadres must be in the programme's
 * scope (`ADD_CADRE` and every `CONTACT` read the recorded `inScope`, so nothing is credited for a
 * cadre who died or moved away; the start input is checked before the machine sees it). A `CONTACT` is credited only when its sender is an active member and the cadre is
 * served by the group. `CERTIFICATE_LAPSED` suspends that member; the group goes on while another
 * member serves, and is suspended when none is left. Every seven days each cadre without a contact
 * raises `medicalGroup.missed_contact`.
 *
 * @example
 * ```ts
 * createActor(medicalGroupMachine, { input: { communityId: "c01", members: ["v1"], cadres: ["p1"], skill: "medical_care", level: 2, cadence: { contactsPerWeek: 1, homeVisitsPerMonth: 3 } } });
 * ```
 */
export const medicalGroupMachine = setup({
  types: {
    context: {} as MedicalGroupContext,
    events: {} as MedicalGroupEvent,
    input: {} as z.output<typeof MedicalGroupInput>,
    emitted: {} as GroupMissedContact | GroupMemberSuspended,
  },
  delays: { weeklyCheck: 7 * DAY },
  guards: {
    someCertified: ({ event }) => event.type === "ACTIVATE" && event.certified.length > 0,
    mayJoin: ({ context, event }) =>
      event.type === "JOIN" &&
      event.certified &&
      memberOf(context, event.volunteerId)?.status !== "active" &&
      memberOf(context, event.volunteerId)?.status !== "suspended" &&
      context.members.filter((m) => m.status !== "left").length < MEDICAL_GROUP_LIMITS.members,
    isMember: ({ context, event }) =>
      event.type === "LEAVE" &&
      memberOf(context, event.volunteerId) !== undefined &&
      memberOf(context, event.volunteerId)?.status !== "left",
    leavingLast: ({ context, event }) => event.type === "LEAVE" && lastActive(context, event.volunteerId),
    mayReinstate: ({ context, event }) =>
      event.type === "REINSTATE" && event.certified && memberOf(context, event.volunteerId)?.status === "suspended",
    mayAddCadre: ({ context, event }) =>
      event.type === "ADD_CADRE" &&
      event.inScope &&
      cadreOf(context, event.personId)?.status !== "active" &&
      context.cadres.filter((p) => p.status === "active").length < MEDICAL_GROUP_LIMITS.cadres,
    isServedCadre: ({ context, event }) =>
      event.type === "REMOVE_CADRE" && cadreOf(context, event.personId)?.status === "active",
    creditedContact: ({ context, event }) =>
      event.type === "CONTACT" &&
      event.inScope !== false &&
      cadreOf(context, event.personId)?.status === "active" &&
      activeMembers(context).some((m) => actorIs(event, m.volunteerId)) &&
      (event.kind === "visit" || !(event.checks ?? []).some((c) => MEASURED_CHECKS.includes(c))),
    lapsedLast: ({ context, event }) =>
      event.type === "CERTIFICATE_LAPSED" && event.skill === context.skill && lastActive(context, event.volunteerId),
    lapsed: ({ context, event }) =>
      event.type === "CERTIFICATE_LAPSED" &&
      event.skill === context.skill &&
      isActiveMember(context, event.volunteerId),
  },
  actions: {
    activateMembers: assign(({ context, event }) =>
      event.type === "ACTIVATE"
        ? {
            // The start input's members and cadres date from activation.
            members: context.members.map((m) =>
              m.status === "left"
                ? m
                : event.certified.includes(m.volunteerId)
                  ? { ...m, since: m.since === 0 ? event.at : m.since }
                  : { ...m, status: "suspended" as const, since: event.at, reason: "not_certified" },
            ),
            cadres: context.cadres.map((p) => (p.since === 0 ? { ...p, since: event.at } : p)),
          }
        : {},
    ),
    join: assign(({ context, event }) => {
      if (event.type !== "JOIN") return {};
      const fresh: GroupMember = {
        volunteerId: event.volunteerId,
        status: "active",
        since: event.at,
        reason: null,
        expiredOn: null,
      };
      return {
        members: memberOf(context, event.volunteerId)
          ? setMember(context, event.volunteerId, fresh)
          : [...context.members, fresh],
      };
    }),
    leave: assign(({ context, event }) =>
      event.type === "LEAVE"
        ? {
            members: setMember(context, event.volunteerId, {
              status: "left",
              since: event.at,
              reason: event.reason,
              expiredOn: null,
            }),
          }
        : {},
    ),
    reinstate: assign(({ context, event }) =>
      event.type === "REINSTATE"
        ? {
            members: setMember(context, event.volunteerId, {
              status: "active",
              since: event.at,
              reason: null,
              expiredOn: null,
            }),
          }
        : {},
    ),
    addCadre: assign(({ context, event }) => {
      if (event.type !== "ADD_CADRE") return {};
      const fresh: GroupCadre = {
        personId: event.personId,
        status: "active",
        since: event.at,
        contactsThisWeek: 0,
        missedWeeks: 0,
      };
      return {
        cadres: cadreOf(context, event.personId)
          ? context.cadres.map((p) => (p.personId === event.personId ? fresh : p))
          : [...context.cadres, fresh],
      };
    }),
    removeCadre: assign(({ context, event }) =>
      event.type === "REMOVE_CADRE"
        ? {
            cadres: context.cadres.map((p) =>
              p.personId === event.personId ? { ...p, status: "removed" as const, since: event.at } : p,
            ),
          }
        : {},
    ),
    recordContact: assign(({ context, event }) => {
      if (event.type !== "CONTACT") return {};
      const contact: GroupContact = {
        volunteerId: event.actor.id,
        personId: event.personId,
        kind: event.kind,
        checks: [...(event.checks ?? [])],
        at: event.at,
        eventId: event.eventId,
      };
      const contacts = [...context.contacts, contact];
      return {
        contacts: contacts.length > MEDICAL_GROUP_LIMITS.contacts ? contacts.slice(1) : contacts,
        cadres: context.cadres.map((p) =>
          p.personId === event.personId ? { ...p, contactsThisWeek: p.contactsThisWeek + 1 } : p,
        ),
      };
    }),
    suspendLapsed: assign(({ context, event }) =>
      event.type === "CERTIFICATE_LAPSED"
        ? {
            members: setMember(context, event.volunteerId, {
              status: "suspended",
              since: event.at,
              reason: "certificate_lapsed",
              expiredOn: event.expiredOn,
            }),
          }
        : {},
    ),
    announceSuspended: emit(({ context, event }) => {
      const e = event as Extract<MedicalGroupEvent, { type: "CERTIFICATE_LAPSED" }>;
      return {
        type: "medicalGroup.member_suspended" as const,
        volunteerId: e.volunteerId,
        skill: e.skill,
        expiredOn: e.expiredOn,
        activeMembers: activeMembers(context).length,
      };
    }),
    weeklyCheck: enqueueActions(({ context, enqueue }) => {
      const serving = activeMembers(context).map((m) => m.volunteerId);
      const cadres = context.cadres.map((p) =>
        p.status === "active" && p.contactsThisWeek === 0 ? { ...p, missedWeeks: p.missedWeeks + 1 } : p,
      );
      for (const p of cadres)
        if (p.status === "active" && p.contactsThisWeek === 0)
          enqueue.emit({
            type: "medicalGroup.missed_contact",
            personId: p.personId,
            volunteerIds: serving,
            missedWeeks: p.missedWeeks,
          });
      enqueue.assign({ cadres: cadres.map((p) => ({ ...p, contactsThisWeek: 0 })) });
    }),
    startWeek: assign(({ context }) => ({ cadres: context.cadres.map((p) => ({ ...p, contactsThisWeek: 0 })) })),
    noMembers: assign({ pauseReason: "no_active_member" }),
    clearPause: assign({ pauseReason: null }),
  },
}).createMachine({
  id: "medicalGroup",
  context: ({ input }) => ({
    communityId: input.communityId,
    skill: input.skill,
    level: input.level,
    cadence: input.cadence,
    members: input.members.map((volunteerId) => ({
      volunteerId,
      status: "active" as const,
      since: 0,
      reason: null,
      expiredOn: null,
    })),
    cadres: input.cadres.map((personId) => ({
      personId,
      status: "active" as const,
      since: 0,
      contactsThisWeek: 0,
      missedWeeks: 0,
    })),
    contacts: [],
    pauseReason: null,
  }),
  initial: "proposed",
  states: {
    proposed: {
      on: {
        ACTIVATE: { guard: "someCertified", target: "active", actions: ["activateMembers", "startWeek"] },
        JOIN: { guard: "mayJoin", actions: "join" },
        LEAVE: { guard: "isMember", actions: "leave" },
        ADD_CADRE: { guard: "mayAddCadre", actions: "addCadre" },
        REMOVE_CADRE: { guard: "isServedCadre", actions: "removeCadre" },
        END: { target: "ended" },
      },
    },
    active: {
      description: "Each cadre's weekly contact (rule 5) is checked every seven days.",
      on: {
        CONTACT: { guard: "creditedContact", actions: "recordContact" },
        JOIN: { guard: "mayJoin", actions: "join" },
        LEAVE: [
          { guard: "leavingLast", target: "suspended", actions: ["leave", "noMembers"] },
          { guard: "isMember", actions: "leave" },
        ],
        REINSTATE: { guard: "mayReinstate", actions: "reinstate" },
        ADD_CADRE: { guard: "mayAddCadre", actions: "addCadre" },
        REMOVE_CADRE: { guard: "isServedCadre", actions: "removeCadre" },
        CERTIFICATE_LAPSED: [
          { guard: "lapsedLast", target: "suspended", actions: ["suspendLapsed", "announceSuspended", "noMembers"] },
          { guard: "lapsed", actions: ["suspendLapsed", "announceSuspended"] },
        ],
        END: { target: "ended" },
      },
      after: { weeklyCheck: { target: "active", reenter: true, actions: "weeklyCheck" } },
    },
    suspended: {
      description: "No member may serve: a certified volunteer joins, or a suspended one is reinstated.",
      on: {
        JOIN: { guard: "mayJoin", target: "active", actions: ["join", "clearPause", "startWeek"] },
        REINSTATE: { guard: "mayReinstate", target: "active", actions: ["reinstate", "clearPause", "startWeek"] },
        LEAVE: { guard: "isMember", actions: "leave" },
        ADD_CADRE: { guard: "mayAddCadre", actions: "addCadre" },
        REMOVE_CADRE: { guard: "isServedCadre", actions: "removeCadre" },
        END: { target: "ended" },
      },
    },
    ended: { type: "final" },
  },
});

/**
 * Whether a cadre may be served by a medical volunteer group on a day (the programme's scope
 * policy, e.g. `medicalVolunteerScopePolicy` of @elderflow/policy over the register's facts).
 */
export type ProgrammeScopeCheck = (query: {
  readonly personId: string;
  /** The engine's now (epoch ms). */
  readonly at: number;
}) => boolean | Promise<boolean>;

/** What {@link medicalGroupWorkflow} needs. */
export interface MedicalGroupDeps {
  /** The certification check (rule 11), asked per member on ACTIVATE, JOIN and REINSTATE. */
  readonly certification: CertificationCheck;
  /** The programme's scope (rule 12), asked per cadre at start, on ADD_CADRE and on the day of each CONTACT. */
  readonly scope: ProgrammeScopeCheck;
}

const STAFF = ["community_staff", "admin", "bureau"] as const;

/**
 * The medical volunteer group workflow. The certification and scope answers are recorded in the
 * event log, so replays do not depend on today's certificates or register. Starting a group with a
 * cadre outside the programme's scope fails with `OUTSIDE_PROGRAMME_SCOPE` at `input.cadres.<i>`;
 * a refused `CONTACT` says why: `NOT_IN_GROUP`, `OUTSIDE_PROGRAMME_SCOPE` (the cadre left the scope,
 * e.g. died), `MEMBER_SUSPENDED`, `NOT_GROUP_MEMBER` or `MEASUREMENT_NEEDS_VISIT`.
 *
 * @example
 * ```ts
 * const def = medicalGroupWorkflow({ certification: () => true, scope: ({ personId }) => lixiu.has(personId) });
 * ```
 */
export function medicalGroupWorkflow(deps: MedicalGroupDeps): WorkflowDefinition<typeof medicalGroupMachine> {
  const certified = async (context: Readonly<Record<string, unknown>>, volunteerId: string, at: number) =>
    deps.certification({
      volunteerId,
      skill: context.skill as string,
      level: context.level as number,
      at,
    });
  return defineWorkflow({
    name: "medicalGroup",
    version: 1,
    machine: medicalGroupMachine,
    startRoles: STAFF,
    input: MedicalGroupInput,
    events: {
      ACTIVATE: {
        roles: STAFF,
        payload: MedicalGroupPayloads.ACTIVATE,
        description: "activate; members not certified for the level are suspended",
      },
      JOIN: { roles: STAFF, payload: MedicalGroupPayloads.JOIN, description: "a certified volunteer joins" },
      LEAVE: { roles: [...STAFF, "volunteer"], payload: MedicalGroupPayloads.LEAVE },
      REINSTATE: {
        roles: STAFF,
        payload: MedicalGroupPayloads.REINSTATE,
        description: "a suspended member returns, if certified again",
      },
      ADD_CADRE: {
        roles: STAFF,
        payload: MedicalGroupPayloads.ADD_CADRE,
        description: "add a cadre in the programme's scope",
      },
      REMOVE_CADRE: { roles: STAFF, payload: MedicalGroupPayloads.REMOVE_CADRE },
      CONTACT: {
        roles: ["volunteer"],
        payload: MedicalGroupPayloads.CONTACT,
        description: "an active member records a call or a home visit for a cadre of the group",
      },
      CERTIFICATE_LAPSED: {
        roles: [...STAFF, "department"],
        payload: MedicalGroupPayloads.CERTIFICATE_LAPSED,
        description: "a member's certificate lapsed: that member is suspended",
      },
      END: { roles: STAFF, payload: MedicalGroupPayloads.END },
    },
    async enrichInput(input, at) {
      const cadres = input.cadres as readonly string[];
      for (const [i, personId] of cadres.entries())
        if (!(await deps.scope({ personId, at })))
          throw new ElderflowError("OUTSIDE_PROGRAMME_SCOPE", {
            path: ["input", "cadres", i],
            params: { policy: "medical-volunteer-scope" },
          });
      return {};
    },
    async enrich({ type, payload, context, at }) {
      switch (type) {
        case "ACTIVATE": {
          const out: string[] = [];
          for (const m of context.members as readonly GroupMember[])
            if (m.status !== "left" && (await certified(context, m.volunteerId, at))) out.push(m.volunteerId);
          return { certified: out };
        }
        case "JOIN":
        case "REINSTATE":
          return { certified: await certified(context, payload.volunteerId as string, at) };
        case "ADD_CADRE":
          return { inScope: await deps.scope({ personId: payload.personId as string, at }) };
        case "CONTACT": {
          // Asked again on the day of each contact: a cadre who died or moved away is out of scope,
          // so nothing is credited for them from then on.
          const served = (context.cadres as readonly GroupCadre[]).some(
            (p) => p.personId === payload.personId && p.status === "active",
          );
          return served ? { inScope: await deps.scope({ personId: payload.personId as string, at }) } : {};
        }
        default:
          return {};
      }
    },
    explain: ({ type, state, payload, context, actor }) => {
      const c = context as unknown as Ctx;
      if (state === "ended") return undefined;
      switch (type) {
        case "ACTIVATE":
          return state === "proposed" ? "NOT_CERTIFIED" : undefined;
        case "JOIN":
        case "REINSTATE":
          return payload.certified === false ? "NOT_CERTIFIED" : undefined;
        case "ADD_CADRE":
          return payload.inScope === false ? "OUTSIDE_PROGRAMME_SCOPE" : undefined;
        case "CONTACT": {
          if (state !== "active") return state === "suspended" ? "MEMBER_SUSPENDED" : undefined;
          if (cadreOf(c, payload.personId as string)?.status !== "active") return "NOT_IN_GROUP";
          if (payload.inScope === false) return "OUTSIDE_PROGRAMME_SCOPE";
          const m = memberOf(c, actor.id);
          if (m?.status === "suspended") return "MEMBER_SUSPENDED";
          if (m?.status !== "active" || !actorRoleIn({ actor }, ["volunteer"])) return "NOT_GROUP_MEMBER";
          return "MEASUREMENT_NEEDS_VISIT";
        }
        case "CERTIFICATE_LAPSED":
        case "LEAVE":
          return "NOT_GROUP_MEMBER";
        default:
          return undefined;
      }
    },
  });
}
