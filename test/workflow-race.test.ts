import { isElderflowError, manualClock } from "@elderflow/core";
import { createWorkflowEngine, type WorkflowActor, type WorkflowStore } from "@elderflow/workflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropWorkflowPlace,
  loadWorkflows,
  openWorkflowStore,
  prepareWorkflowPlace,
  WORKFLOW_BACKENDS,
} from "./workflow-support";

const cs: WorkflowActor = { id: "cs1", role: "community_staff", communityId: "c01" };
const vol: WorkflowActor = { id: "v1", role: "volunteer", communityId: "c01" };

const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return "won";
  } catch (e) {
    if (isElderflowError(e)) return e.code;
    throw e;
  }
};

describe.each(WORKFLOW_BACKENDS)("workflow reliability: two workers racing on one instance (%s)", (backend) => {
  let place = "";
  let storeA: WorkflowStore;
  let storeB: WorkflowStore;
  beforeAll(async () => {
    place = await prepareWorkflowPlace(backend, "race");
    // Two workers: two pools, as two processes would have.
    storeA = await openWorkflowStore(backend, place, 4);
    storeB = await openWorkflowStore(backend, place, 4);
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await dropWorkflowPlace(backend, place);
  });

  it("lets exactly one writer win per version", async () => {
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const a = createWorkflowEngine({ store: storeA, clock, machines: loadWorkflows() });
    const b = createWorkflowEngine({ store: storeB, clock, machines: loadWorkflows() });
    const input = { communityId: "c01", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 1 };
    await a.start("pairing", { id: "pair", input, actor: cs });
    await a.send("pair", { id: "act", type: "ACTIVATE", actor: cs });
    for (let v = 2; v < 32; v++) {
      const results = await Promise.all([
        outcome(
          a.send("pair", { id: `a${v}`, type: "CONTACT", actor: vol, payload: { kind: "call" }, expectedVersion: v }),
        ),
        outcome(
          b.send("pair", { id: `b${v}`, type: "CONTACT", actor: vol, payload: { kind: "visit" }, expectedVersion: v }),
        ),
      ]);
      expect(results.sort()).toEqual(["CONCURRENT_UPDATE", "won"]);
    }
    const q = await a.query("pair", cs);
    expect(q.version).toBe(32);
    expect(q.context.totalContacts).toBe(30);
  });

  it("applies every event once when racing writers retry, and fires each due timer once", async () => {
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const a = createWorkflowEngine({ store: storeA, clock, machines: loadWorkflows(), retries: 50 });
    const b = createWorkflowEngine({ store: storeB, clock, machines: loadWorkflows(), retries: 50 });
    const input = { communityId: "c01", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 1 };
    await a.start("pairing", { id: "p2", input, actor: cs });
    await a.send("p2", { id: "act", type: "ACTIVATE", actor: cs });
    const sends = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).send("p2", { id: `c${i}`, type: "CONTACT", actor: vol, payload: { kind: "call" } }),
    );
    // The same event id from both workers at once: applied once.
    sends.push(b.send("p2", { id: "c0", type: "CONTACT", actor: vol, payload: { kind: "call" } }));
    await Promise.all(sends);
    const q = await a.query("p2", cs);
    expect(q.context.totalContacts).toBe(20);
    expect(q.version).toBe(22);

    for (let i = 0; i < 10; i++) {
      await a.start("pairing", { id: `t${i}`, input, actor: cs });
      await a.send(`t${i}`, { id: "act", type: "ACTIVATE", actor: cs });
    }
    clock.advance(7 * 24 * 3600_000);
    const [ra, rb] = await Promise.all([a.runDueTimers(), b.runDueTimers()]);
    // ten new pairings, p2 and the first test's pairing: one weekly check each, fired by one worker
    expect(ra.fired + rb.fired).toBe(12);
    expect([...ra.failed, ...rb.failed]).toEqual([]);
    for (let i = 0; i < 10; i++) {
      const log = await a.history(`t${i}`, cs);
      expect(log.filter((e) => e.type.startsWith("xstate.after.")).length).toBe(1);
    }
  });
});
