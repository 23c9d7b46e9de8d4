import { FreeTextSchema, IdSchema } from "@elderflow/core";
import { assign, emit, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "../definition";
import type { MachineEvent } from "./common";

/**
 * The five extended services of rule 9: medical care, housekeeping, study, emotional comfort, emergency help.
 *
 * @example
 * ```ts
 * EXTENDED_SERVICES.includes("housekeeping"); // true
 * ```
 */
export const EXTENDED_SERVICES = [
  "medical_care",
  "housekeeping",
  "study_activities",
  "emotional_comfort",
  "emergency_help",
] as const;

/** One of {@link EXTENDED_SERVICES}. */
export type ExtendedService = (typeof EXTENDED_SERVICES)[number];

/** State of one extended-service task. */
export type TaskState = "none" | "open" | "done";

/** Context of a care pathway. */
export interface CarePathwayContext {
  /** Owning community. */
  readonly communityId: string;
  /** The cadre. */
  readonly personId: string;
  /** The cadre's rank id (rule 2 decides who visits from it). */
  readonly rank: string;
  /** The hospital of the current or last stay. */
  readonly hospitalId: string | null;
  /** Number of admissions so far. */
  readonly admissions: number;
  /** The five extended services as tasks. */
  readonly tasks: Readonly<Record<ExtendedService, TaskState>>;
}

/**
 * Start input of a care pathway, as callers send it.
 *
 * @example
 * ```ts
 * CarePathwayInput.parse({ communityId: "c01", personId: "p1", rank: "county" });
 * ```
 */
export const CarePathwayInput = z.strictObject({
  /** Owning community. */
  communityId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Rank id on the rank scale. */
  rank: IdSchema,
});
/** Start input of a care pathway. */
export type CarePathwayInput = z.infer<typeof CarePathwayInput>;

const SERVICE = z.strictObject({ service: z.enum(EXTENDED_SERVICES), note: FreeTextSchema.optional() });

/**
 * The payloads of the care-pathway events, as callers send them. A task's `note` is free text,
 * kept in the log only.
 *
 * @example
 * ```ts
 * CarePathwayPayloads.ADMIT.parse({ hospitalId: "h1" });
 * ```
 */
export const CarePathwayPayloads = {
  /** Refer to hospital. */
  REFER: z.strictObject({ hospitalId: IdSchema.optional() }),
  /** The referral is cancelled. */
  CANCEL_REFERRAL: z.strictObject({}),
  /** Admitted. */
  ADMIT: z.strictObject({ hospitalId: IdSchema }),
  /** Discharged. */
  DISCHARGE: z.strictObject({}),
  /** Rehabilitation starts. */
  START_REHAB: z.strictObject({}),
  /** Admitted again. */
  READMIT: z.strictObject({ hospitalId: IdSchema }),
  /** Closed. */
  CLOSE: z.strictObject({}),
  /** An extended-service task opens. */
  TASK_OPEN: SERVICE,
  /** An extended-service task is done. */
  TASK_DONE: SERVICE,
  /**
   * The cadre died, moved away or was transferred: the pathway closes from any stage, with the
   * reason (the wiring's follow-through of a status change sends it).
   */
  PERSON_LEFT: z.strictObject({
    reason: z.enum(["deceased", "moved", "transferred"]),
    note: FreeTextSchema.optional(),
  }),
} as const;

/**
 * The event emitted on every admission; rule 2 turns it into hospital visits.
 *
 * @example
 * ```ts
 * HospitalVisitDue.parse({ type: "carePathway.hospital_visit_due", personId: "p1", rank: "county",
 *   communityId: "c01", hospitalId: "h1", admission: 1 });
 * ```
 */
export const HospitalVisitDue = z.strictObject({
  /** Event type. */
  type: z.literal("carePathway.hospital_visit_due"),
  /** The cadre. */
  personId: IdSchema,
  /** The cadre's rank (deputy-county and above: district leaders visit; others: the three offices). */
  rank: IdSchema,
  /** Community. */
  communityId: IdSchema,
  /** Hospital. */
  hospitalId: IdSchema.nullable(),
  /** Admission number. */
  admission: z.int().min(1),
});
/** The event emitted on every admission. */
export type HospitalVisitDue = z.infer<typeof HospitalVisitDue>;

/**
 * The event emitted on discharge.
 *
 * @example
 * ```ts
 * Discharged.parse({ type: "carePathway.discharged", personId: "p1", hospitalId: "h1" });
 * ```
 */
export const Discharged = z.strictObject({
  /** Event type. */
  type: z.literal("carePathway.discharged"),
  /** The cadre. */
  personId: IdSchema,
  /** Hospital. */
  hospitalId: IdSchema.nullable(),
});
/** The event emitted on discharge. */
export type Discharged = z.infer<typeof Discharged>;

/** The events of the care pathway as the machine sees them (payload plus the engine's meta fields). */
export type CarePathwayEvent =
  | MachineEvent<"REFER", { hospitalId?: string }>
  | MachineEvent<"CANCEL_REFERRAL">
  | MachineEvent<"ADMIT", { hospitalId: string }>
  | MachineEvent<"DISCHARGE">
  | MachineEvent<"START_REHAB">
  | MachineEvent<"READMIT", { hospitalId: string }>
  | MachineEvent<"CLOSE">
  | MachineEvent<"TASK_OPEN", { service: ExtendedService; note?: string }>
  | MachineEvent<"TASK_DONE", { service: ExtendedService; note?: string }>
  | MachineEvent<"PERSON_LEFT", { reason: string; note?: string }>;

const NO_TASKS: Record<ExtendedService, TaskState> = {
  medical_care: "none",
  housekeeping: "none",
  study_activities: "none",
  emotional_comfort: "none",
  emergency_help: "none",
};

/**
 * The care pathway (rule 9): "minor illness in the community, major illness to hospital,
 * rehabilitation back in the community". Community care → hospital referral → in hospital (emits
 * `carePathway.hospital_visit_due` with the cadre's rank, for rule 2) → discharged → community
 * rehabilitation → closed; the five extended services are tasks opened and done at any stage.
 * `PERSON_LEFT` (the cadre died, moved away or was transferred) closes it from any stage, so that
 * nothing stays planned for them.
 *
 * @example
 * ```ts
 * createActor(carePathwayMachine, { input: { communityId: "c01", personId: "p1", rank: "county" } }).start();
 * ```
 */
export const carePathwayMachine = setup({
  types: {
    context: {} as CarePathwayContext,
    events: {} as CarePathwayEvent,
    input: {} as CarePathwayInput,
    emitted: {} as HospitalVisitDue | Discharged,
  },
  guards: {
    taskIsOpen: ({ context, event }) => event.type === "TASK_DONE" && context.tasks[event.service] === "open",
    taskNotOpen: ({ context, event }) => event.type === "TASK_OPEN" && context.tasks[event.service] !== "open",
    noOpenTasks: ({ context }) => !Object.values(context.tasks).includes("open"),
  },
  actions: {
    openTask: assign(({ context, event }) =>
      event.type === "TASK_OPEN" ? { tasks: { ...context.tasks, [event.service]: "open" as const } } : {},
    ),
    finishTask: assign(({ context, event }) =>
      event.type === "TASK_DONE" ? { tasks: { ...context.tasks, [event.service]: "done" as const } } : {},
    ),
    recordHospital: assign(({ context, event }) =>
      event.type === "ADMIT" || event.type === "READMIT" || (event.type === "REFER" && event.hospitalId !== undefined)
        ? { hospitalId: event.hospitalId ?? context.hospitalId }
        : {},
    ),
    countAdmission: assign(({ context }) => ({ admissions: context.admissions + 1 })),
    announceVisitDue: emit(({ context }) => ({
      type: "carePathway.hospital_visit_due" as const,
      personId: context.personId,
      rank: context.rank,
      communityId: context.communityId,
      hospitalId: context.hospitalId,
      admission: context.admissions,
    })),
    announceDischarge: emit(({ context }) => ({
      type: "carePathway.discharged" as const,
      personId: context.personId,
      hospitalId: context.hospitalId,
    })),
  },
}).createMachine({
  id: "carePathway",
  context: ({ input }) => ({
    communityId: input.communityId,
    personId: input.personId,
    rank: input.rank,
    hospitalId: null,
    admissions: 0,
    tasks: NO_TASKS,
  }),
  initial: "communityCare",
  on: {
    TASK_OPEN: { guard: "taskNotOpen", actions: "openTask" },
    TASK_DONE: { guard: "taskIsOpen", actions: "finishTask" },
  },
  states: {
    communityCare: {
      description: "Minor illness: cared for in the community.",
      on: {
        PERSON_LEFT: { target: "closed" },
        REFER: { target: "referred", actions: "recordHospital" },
        CLOSE: { guard: "noOpenTasks", target: "closed" },
      },
    },
    referred: {
      on: {
        PERSON_LEFT: { target: "closed" },
        ADMIT: { target: "inHospital", actions: "recordHospital" },
        CANCEL_REFERRAL: { target: "communityCare" },
      },
    },
    inHospital: {
      description: "Major illness: in hospital; the hospital visit of rule 2 is due.",
      entry: ["countAdmission", "announceVisitDue"],
      on: {
        DISCHARGE: { target: "discharged", actions: "announceDischarge" },
        PERSON_LEFT: { target: "closed" },
      },
    },
    discharged: {
      on: {
        PERSON_LEFT: { target: "closed" },
        START_REHAB: { target: "rehabilitation" },
        READMIT: { target: "inHospital", actions: "recordHospital" },
      },
    },
    rehabilitation: {
      description: "Rehabilitation back in the community.",
      on: {
        PERSON_LEFT: { target: "closed" },
        READMIT: { target: "inHospital", actions: "recordHospital" },
        REFER: { target: "referred", actions: "recordHospital" },
        CLOSE: { guard: "noOpenTasks", target: "closed" },
      },
    },
    closed: { type: "final" },
  },
});

const CARE = ["doctor", "community_staff"] as const;

/**
 * The care-pathway workflow.
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ store, clock, machines: [carePathwayWorkflow()] });
 * ```
 */
export function carePathwayWorkflow(): WorkflowDefinition<typeof carePathwayMachine> {
  return defineWorkflow({
    name: "carePathway",
    version: 1,
    machine: carePathwayMachine,
    startRoles: CARE,
    input: CarePathwayInput,
    events: {
      REFER: { roles: CARE, payload: CarePathwayPayloads.REFER, description: "refer to hospital" },
      CANCEL_REFERRAL: { roles: CARE, payload: CarePathwayPayloads.CANCEL_REFERRAL },
      ADMIT: { roles: CARE, payload: CarePathwayPayloads.ADMIT, description: "admitted: hospital visit due" },
      DISCHARGE: { roles: CARE, payload: CarePathwayPayloads.DISCHARGE },
      START_REHAB: {
        roles: CARE,
        payload: CarePathwayPayloads.START_REHAB,
        description: "rehabilitation in the community starts",
      },
      READMIT: { roles: CARE, payload: CarePathwayPayloads.READMIT },
      CLOSE: {
        roles: ["community_staff"],
        payload: CarePathwayPayloads.CLOSE,
        description: "close (no extended-service task may be open)",
      },
      TASK_OPEN: {
        roles: [...CARE, "volunteer"],
        payload: CarePathwayPayloads.TASK_OPEN,
        description: "open an extended-service task",
      },
      TASK_DONE: {
        roles: [...CARE, "volunteer"],
        payload: CarePathwayPayloads.TASK_DONE,
        description: "finish an extended-service task",
      },
      PERSON_LEFT: {
        roles: ["community_staff"],
        payload: CarePathwayPayloads.PERSON_LEFT,
        description: "the cadre died, moved away or was transferred: close from any stage",
      },
    },
  });
}
