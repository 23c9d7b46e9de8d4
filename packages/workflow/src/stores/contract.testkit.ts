import { isElderflowError } from "@elderflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Commit, StoredInstance, StoredTimer } from "../types";
import type { WorkflowStore } from "./store";

/** Builds an instance row for store tests. */
export function anInstance(id: string, version: number, over: Partial<StoredInstance> = {}): StoredInstance {
  return {
    id,
    machine: "m",
    machineVersion: 1,
    version,
    state: "a",
    status: "active",
    communityId: "c01",
    priority: 0,
    snapshot: { status: "active", value: "a", context: { n: version } },
    createdAt: 1000,
    updatedAt: 1000 + version,
    ...over,
  };
}

/** Builds a commit that moves an instance from `version - 1` to `version`. */
export function aCommit(
  id: string,
  version: number,
  over: Partial<Commit> = {},
  inst: Partial<StoredInstance> = {},
): Commit {
  return {
    instance: anInstance(id, version, inst),
    expectedVersion: version - 1,
    entry: {
      instanceId: id,
      seq: version,
      eventId: `ev-${version}`,
      type: version === 1 ? "xstate.init" : "GO",
      actorId: "u1",
      role: "community_staff",
      orgId: null,
      at: 1000 + version,
      payload: { k: version },
      from: version === 1 ? null : "a",
      to: "a",
      machineVersion: 1,
    },
    cancelTimers: [],
    addTimers: [],
    outbox: [],
    ...over,
  };
}

const timer = (instanceId: string, timerId: string, fireAt: number): StoredTimer => ({
  instanceId,
  timerId,
  fireAt,
  event: { type: `xstate.after.${timerId}` },
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    return isElderflowError(e) ? e.code : `raw:${String(e)}`;
  }
}

/**
 * The contract every {@link WorkflowStore} must meet, written once and run against each backend.
 */
export function describeStoreContract(name: string, make: () => Promise<WorkflowStore>): void {
  describe(`WorkflowStore contract: ${name}`, () => {
    let store: WorkflowStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => {
      await store.close();
    });

    it("creates an instance once and loads it back with its log", async () => {
      await store.commit(
        aCommit("i1", 1, {}, { snapshot: { status: "active", value: { x: "y" }, context: { deep: [1, { a: "b" }] } } }),
      );
      const loaded = await store.load("i1", "ev-1");
      expect(loaded?.seen).toBe(true);
      expect(loaded?.instance.snapshot.context).toEqual({ deep: [1, { a: "b" }] });
      expect(loaded?.instance.createdAt).toBe(1000);
      expect((await store.load("i1", "ev-2"))?.seen).toBe(false);
      expect(await store.load("nope")).toBeUndefined();
      expect(await codeOf(store.commit(aCommit("i1", 1)))).toBe("DUPLICATE_ID");
      expect((await store.events("i1")).map((e) => e.eventId)).toEqual(["ev-1"]);
    });

    it("refuses a stale writer with CONCURRENT_UPDATE and writes nothing", async () => {
      await store.commit(aCommit("i2", 1));
      await store.commit(aCommit("i2", 2));
      const stale = aCommit("i2", 2, { entry: { ...aCommit("i2", 2).entry, eventId: "other" } });
      expect(await codeOf(store.commit(stale))).toBe("CONCURRENT_UPDATE");
      expect((await store.events("i2")).length).toBe(2);
      expect((await store.load("i2"))?.instance.version).toBe(2);
      expect(await codeOf(store.commit(aCommit("ghost", 5)))).toBe("UNKNOWN_INSTANCE");
    });

    it("applies an event id at most once", async () => {
      await store.commit(aCommit("i3", 1));
      await store.commit(aCommit("i3", 2));
      const again = aCommit("i3", 3, { entry: { ...aCommit("i3", 3).entry, eventId: "ev-2" } });
      expect(await codeOf(store.commit(again))).toBe("DUPLICATE_ID");
      expect((await store.load("i3"))?.instance.version).toBe(2);
      expect((await store.events("i3")).map((e) => e.seq)).toEqual([1, 2]);
    });

    it("keeps timers: add, replace, cancel, due order, and fires each at most once", async () => {
      await store.commit(aCommit("t1", 1, { addTimers: [timer("t1", "a", 5000), timer("t1", "b", 3000)] }));
      await store.commit(aCommit("t2", 1, { addTimers: [timer("t2", "a", 4000)] }));
      expect((await store.dueTimers(4500, 10)).map((t) => `${t.instanceId}/${t.timerId}`)).toEqual(["t1/b", "t2/a"]);
      // replace t1/a with a later time, cancel t1/b
      await store.commit(aCommit("t1", 2, { cancelTimers: ["b"], addTimers: [timer("t1", "a", 9000)] }));
      expect((await store.timers("t1")).map((t) => [t.timerId, t.fireAt])).toEqual([["a", 9000]]);
      // firing with a stale fireAt is a conflict and changes nothing
      const stale = aCommit("t1", 3, { firedTimer: timer("t1", "a", 5000) });
      expect(await codeOf(store.commit(stale))).toBe("CONCURRENT_UPDATE");
      expect((await store.load("t1"))?.instance.version).toBe(2);
      await store.commit(aCommit("t1", 3, { firedTimer: timer("t1", "a", 9000) }));
      expect(await store.timers("t1")).toEqual([]);
      const dueEvent = (await store.dueTimers(10_000, 10))[0];
      expect(dueEvent?.event.type).toBe("xstate.after.a");
      await store.dropTimer(timer("t2", "a", 1)); // wrong fireAt: kept
      expect((await store.timers("t2")).length).toBe(1);
      await store.dropTimer(timer("t2", "a", 4000));
      expect(await store.dueTimers(10_000, 10)).toEqual([]);
    });

    it("lists by machine, state, state prefix and community, priority first then oldest", async () => {
      await store.commit(aCommit("l1", 1, {}, { machine: "lm", state: "x.y", createdAt: 3 }));
      await store.commit(aCommit("l2", 1, {}, { machine: "lm", state: "x.z", priority: 1, createdAt: 5 }));
      await store.commit(aCommit("l3", 1, {}, { machine: "lm", state: "w", communityId: "c02", createdAt: 1 }));
      await store.commit(aCommit("l4", 1, {}, { machine: "lm", state: "w", status: "done", createdAt: 2 }));
      expect((await store.list({ machine: "lm" })).map((i) => i.id)).toEqual(["l2", "l3", "l4", "l1"]);
      expect((await store.list({ machine: "lm", state: "x." })).map((i) => i.id)).toEqual(["l2", "l1"]);
      expect((await store.list({ machine: "lm", state: "w", communityId: "c01" })).map((i) => i.id)).toEqual(["l4"]);
      expect((await store.list({ machine: "lm", activeOnly: true, limit: 2 })).map((i) => i.id)).toEqual(["l2", "l3"]);
    });

    it("lists the instances about one person by their context's personId, with the other filters", async () => {
      const about = (personId: unknown) => ({ snapshot: { status: "active", value: "a", context: { personId } } });
      await store.commit(aCommit("pp1", 1, {}, { machine: "pm", createdAt: 1, ...about("pz") }));
      await store.commit(aCommit("pp2", 1, {}, { machine: "pm", createdAt: 2, status: "done", ...about("pz") }));
      await store.commit(aCommit("pp3", 1, {}, { machine: "pm", createdAt: 3, communityId: "c02", ...about("pz") }));
      await store.commit(aCommit("pp4", 1, {}, { machine: "pm", createdAt: 4, ...about("pz-2") }));
      // Named elsewhere (an actor, another context field) is not "about" the person.
      await store.commit(
        aCommit(
          "pp5",
          1,
          { entry: { ...aCommit("pp5", 1).entry, actorId: "pz" } },
          { machine: "pm", createdAt: 5, snapshot: { status: "active", value: "a", context: { volunteerId: "pz" } } },
        ),
      );
      await store.commit(aCommit("pp6", 1, {}, { machine: "pm", createdAt: 6, ...about(7) }));
      expect((await store.list({ personId: "pz" })).map((i) => i.id)).toEqual(["pp1", "pp2", "pp3"]);
      expect((await store.list({ personId: "pz", activeOnly: true, communityId: "c01" })).map((i) => i.id)).toEqual([
        "pp1",
      ]);
      expect((await store.list({ personId: "pz-2", machine: "pm" })).map((i) => i.id)).toEqual(["pp4"]);
      expect(await store.list({ personId: "nobody" })).toEqual([]);
    });

    it("keeps emitted events in order until delivered", async () => {
      const item = (n: number) => ({
        id: `o1:1:${n}`,
        instanceId: "o1",
        machine: "m",
        type: `e${n}`,
        payload: { n },
        at: 7,
      });
      await store.commit(aCommit("o1", 1, { outbox: [item(0), item(1), item(2)] }));
      const pending = (await store.outbox(10)).filter((o) => o.instanceId === "o1");
      expect(pending.map((o) => o.type)).toEqual(["e0", "e1", "e2"]);
      expect(pending[1]?.payload).toEqual({ n: 1 });
      await store.markDelivered(["o1:1:0", "o1:1:2"]);
      expect((await store.outbox(10)).filter((o) => o.instanceId === "o1").map((o) => o.id)).toEqual(["o1:1:1"]);
    });

    it("finds the instances naming a person, and erases under a version guard, all or nothing", async () => {
      await store.commit(
        aCommit("n1", 1, {}, { snapshot: { status: "active", value: "a", context: { personId: "px" } } }),
      );
      await store.commit(aCommit("n2", 1, { entry: { ...aCommit("n2", 1).entry, actorId: "px" } }));
      await store.commit(
        aCommit("n3", 1, {}, { snapshot: { status: "active", value: "a", context: { personId: "py" } } }),
      );
      await store.commit(
        aCommit(
          "n1",
          2,
          { entry: { ...aCommit("n1", 2).entry, payload: { note: "secret" } } },
          { snapshot: { status: "active", value: "a", context: { personId: "px" } } },
        ),
      );
      expect((await store.naming("px")).sort()).toEqual(["n1", "n2"]);
      const erasure = (expectedVersion: number) => ({
        instance: anInstance("n1", 3, { snapshot: { status: "active", value: "a", context: { personId: "px" } } }),
        expectedVersion,
        entry: {
          ...aCommit("n1", 3).entry,
          eventId: "erasure:3:px",
          type: "elderflow.erasure",
          payload: { personId: "px" },
        },
        payloads: [{ seq: 2, payload: { note: "[erased]" } }],
      });
      expect(await codeOf(store.erase(erasure(1)))).toBe("CONCURRENT_UPDATE");
      expect((await store.events("n1")).map((e) => e.payload)).toEqual([{ k: 1 }, { note: "secret" }]);
      await store.erase(erasure(2));
      const log = await store.events("n1");
      expect(log.map((e) => [e.seq, e.type, e.payload])).toEqual([
        [1, "xstate.init", { k: 1 }],
        [2, "GO", { note: "[erased]" }],
        [3, "elderflow.erasure", { personId: "px" }],
      ]);
      expect((await store.load("n1", "erasure:3:px"))?.seen).toBe(true);
      expect((await store.load("n1"))?.instance.version).toBe(3);
    });

    it("lets exactly one of two racing writers win each version", async () => {
      await store.commit(aCommit("race", 1));
      for (let v = 2; v <= 21; v++) {
        const a = aCommit("race", v, { entry: { ...aCommit("race", v).entry, eventId: `a-${v}` } });
        const b = aCommit("race", v, { entry: { ...aCommit("race", v).entry, eventId: `b-${v}` } });
        const codes = await Promise.all([codeOf(store.commit(a)), codeOf(store.commit(b))]);
        expect(codes.filter((c) => c === "none").length).toBe(1);
        expect(codes.filter((c) => c === "CONCURRENT_UPDATE").length).toBe(1);
      }
      const log = await store.events("race");
      expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    });
  });
}
