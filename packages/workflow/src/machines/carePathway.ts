import { assign, emit, setup } from "xstate";
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

/** Start input. */
export interface CarePathwayInput {
  /** Owning community. */
  readonly communityId: string;
  /** The cadre. */
  readonly personId: string;
  /** Rank id on the rank scale. */
  readonly rank: string;
}

/** The events of the care pathway as the machine sees them (payload plus the engine's meta fields). */
export type CarePathwayEvent =
  | MachineEvent<"REFER", { hospitalId?: string }>
  | MachineEvent<"CANCEL_REFERRAL">
  | MachineEvent<"ADMIT", { hospitalId: string }>
  | MachineEvent<"DISCHARGE">
  | MachineEvent<"START_REHAB">
  | MachineEvent<"READMIT", { hospitalId: string }>
  | MachineEvent<"CLOSE">
  | MachineEvent<"TASK_OPEN", { service: ExtendedService }>
  | MachineEvent<"TASK_DONE", { service: ExtendedService }>;

/** The event emitted on every admission; rule 2 turns it into hospital visits. */
export interface HospitalVisitDue {
  /** Event type. */
  readonly type: "carePathway.hospital_visit_due";
  /** The cadre. */
  readonly personId: string;
  /** The cadre's rank (deputy-county and above: district leaders visit; others: the three offices). */
  readonly rank: string;
  /** Community. */
  readonly communityId: string;
  /** Hospital. */
  readonly hospitalId: string | null;
  /** Admission number. */
  readonly admission: number;
}

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
    emitted: {} as HospitalVisitDue | { type: "carePathway.discharged"; personId: string; hospitalId: string | null },
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
        REFER: { target: "referred", actions: "recordHospital" },
        CLOSE: { guard: "noOpenTasks", target: "closed" },
      },
    },
    referred: {
      on: {
        ADMIT: { target: "inHospital", actions: "recordHospital" },
        CANCEL_REFERRAL: { target: "communityCare" },
      },
    },
    inHospital: {
      description: "Major illness: in hospital; the hospital visit of rule 2 is due.",
      entry: ["countAdmission", "announceVisitDue"],
      on: { DISCHARGE: { target: "discharged", actions: "announceDischarge" } },
    },
    discharged: {
      on: {
        START_REHAB: { target: "rehabilitation" },
        READMIT: { target: "inHospital", actions: "recordHospital" },
      },
    },
    rehabilitation: {
      description: "Rehabilitation back in the community.",
      on: {
        READMIT: { target: "inHospital", actions: "recordHospital" },
        REFER: { target: "referred", actions: "recordHospital" },
        CLOSE: { guard: "noOpenTasks", target: "closed" },
      },
    },
    closed: { type: "final" },
  },
});

const CARE = ["doctor", "community_staff"] as const;
const service = { service: { kind: "enum" as const, values: EXTENDED_SERVICES } };

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
    input: { communityId: { kind: "id" }, personId: { kind: "id" }, rank: { kind: "id" } },
    events: {
      REFER: { roles: CARE, payload: { hospitalId: { kind: "id", optional: true } }, description: "refer to hospital" },
      CANCEL_REFERRAL: { roles: CARE },
      ADMIT: { roles: CARE, payload: { hospitalId: { kind: "id" } }, description: "admitted: hospital visit due" },
      DISCHARGE: { roles: CARE },
      START_REHAB: { roles: CARE, description: "rehabilitation in the community starts" },
      READMIT: { roles: CARE, payload: { hospitalId: { kind: "id" } } },
      CLOSE: { roles: ["community_staff"], description: "close (no extended-service task may be open)" },
      TASK_OPEN: { roles: [...CARE, "volunteer"], payload: service, description: "open an extended-service task" },
      TASK_DONE: { roles: [...CARE, "volunteer"], payload: service, description: "finish an extended-service task" },
    },
  });
}
