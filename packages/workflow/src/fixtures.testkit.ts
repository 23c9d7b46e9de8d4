import { isElderflowError, type ManualClock, manualClock } from "@elderflow/core";
import { createWorkflowEngine, type WorkflowEngine, type WorkflowEngineOptions } from "./engine";
import { builtInWorkflows } from "./machines/index";
import { memoryStore } from "./stores/memory";
import type { WorkflowStore } from "./stores/store";
import type { Role, WorkflowActor } from "./types";

/** An actor of a role in community c01 (or another). */
export function anActor(role: Role, id = `${role}-1`, over: Partial<WorkflowActor> = {}): WorkflowActor {
  return { id, role, communityId: "c01", ...over };
}

/** The certified volunteers of the test fixtures: id → level. */
export const CERTIFIED = new Map([
  ["v-cert", 3],
  ["v-low", 1],
]);

/** The five workflows with deterministic test dependencies. */
export function testWorkflows() {
  return builtInWorkflows({
    serviceRequest: {
      servicePoints: { nearest: (q) => (q.serviceKind === "nothing" ? [] : ["sp1", "sp2", "sp3"].slice(0, q.limit)) },
    },
    pairing: { certification: ({ volunteerId, level }) => (CERTIFIED.get(volunteerId) ?? 0) >= level },
    escalation: { departmentFor: (category) => (category === "housing" ? "dept-housing" : null) },
    medicalGroup: {
      certification: ({ volunteerId, level }) => (CERTIFIED.get(volunteerId) ?? 0) >= level,
      // The programme's scope: the fixtures' cadres p1–p3.
      scope: ({ personId }) => ["p1", "p2", "p3"].includes(personId),
    },
  });
}

/** An engine on a manual clock (2027-03-01 09:00 Shanghai) with the five test workflows. */
export function anEngine(over: Partial<WorkflowEngineOptions> & { store?: WorkflowStore; clock?: ManualClock } = {}): {
  engine: WorkflowEngine;
  clock: ManualClock;
  store: WorkflowStore;
} {
  const clock = over.clock ?? manualClock("2027-03-01T09:00:00+08:00");
  const store = over.store ?? memoryStore();
  const engine = createWorkflowEngine({ machines: testWorkflows(), ...over, store, clock });
  return { engine, clock, store };
}

/** The error code a promise rejects with ("none" if it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    return isElderflowError(e) ? e.code : `raw:${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Minutes in ms. */
export const MIN = 60_000;
