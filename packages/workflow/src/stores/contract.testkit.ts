import { isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Commit, StoredInstance, StoredTimer } from "../types";
import { memoryStore } from "./memory";
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

/** The code of the typed error a promise rejects with, `none` when it resolves, `raw:…` for any other error. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
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

    it("applies a batch set-based, each commit checked alone: a refused one leaves no trace and stops no other", async () => {
      await store.commit(aCommit("b1", 1, { addTimers: [timer("b1", "x", 100)] }));
      await store.commit(aCommit("b2", 1));
      await store.commit(aCommit("b2", 2));
      await store.commit(aCommit("b3", 1));
      const batch = [
        aCommit("b1", 2, {
          firedTimer: timer("b1", "x", 100),
          addTimers: [timer("b1", "y", 200)],
          outbox: [{ id: "b1:2:0", instanceId: "b1", machine: "m", type: "done", payload: {}, at: 2 }],
        }),
        // stale: b2 is at version 2
        aCommit("b2", 2, { entry: { ...aCommit("b2", 2).entry, eventId: "late" }, addTimers: [timer("b2", "z", 1)] }),
        // repeated event id
        aCommit("b3", 2, {
          entry: { ...aCommit("b3", 2).entry, eventId: "ev-1" },
          outbox: [{ id: "b3:2:0", instanceId: "b3", machine: "m", type: "t", payload: {}, at: 2 }],
        }),
        aCommit("ghost-b", 4),
        aCommit("b2", 1, { entry: { ...aCommit("b2", 1).entry, eventId: "again" } }),
        aCommit("b4", 1, { addTimers: [timer("b4", "w", 50)] }),
      ];
      const out = await store.commitMany(batch);
      expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual([
        "ok",
        "CONCURRENT_UPDATE",
        "DUPLICATE_ID",
        "UNKNOWN_INSTANCE",
        "DUPLICATE_ID",
        "ok",
      ]);
      expect((await store.load("b1"))?.instance.version).toBe(2);
      expect((await store.timers("b1")).map((t) => t.timerId)).toEqual(["y"]);
      expect((await store.load("b2"))?.instance.version).toBe(2);
      expect(await store.timers("b2")).toEqual([]);
      expect((await store.events("b3")).length).toBe(1);
      expect((await store.load("b3"))?.instance.version).toBe(1);
      expect((await store.outbox(100)).map((o) => o.id)).toContain("b1:2:0");
      expect((await store.outbox(100)).map((o) => o.id)).not.toContain("b3:2:0");
      expect(await store.load("ghost-b")).toBeUndefined();
      expect((await store.load("b4"))?.instance.version).toBe(1);
      const many = await store.loadMany(["b1", "b4", "ghost-b"]);
      expect([...many.keys()].sort()).toEqual(["b1", "b4"]);
      expect(many.get("b1")?.version).toBe(2);
    });

    it("applies two commits of one instance in a batch in order, the second against the first", async () => {
      const out = await store.commitMany([aCommit("s1", 1), aCommit("s1", 2), aCommit("s1", 3)]);
      expect(out.every((o) => o.ok)).toBe(true);
      expect((await store.events("s1")).map((e) => e.seq)).toEqual([1, 2, 3]);
      const twice = await store.commitMany([
        aCommit("s1", 4, { entry: { ...aCommit("s1", 4).entry, eventId: "p" } }),
        aCommit("s1", 4, { entry: { ...aCommit("s1", 4).entry, eventId: "q" } }),
      ]);
      expect(twice.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ok", "CONCURRENT_UPDATE"]);
    });

    it("groups concurrent commits, and one stale commit among them fails alone", async () => {
      await store.commit(aCommit("g-old", 1));
      await store.commit(aCommit("g-old", 2));
      const commits = Array.from({ length: 40 }, (_, k) => aCommit(`g${k}`, 1));
      const codes = await Promise.all([
        ...commits.map((c) => codeOf(store.commit(c))),
        codeOf(store.commit(aCommit("g-old", 2, { entry: { ...aCommit("g-old", 2).entry, eventId: "x" } }))),
      ]);
      expect(codes.slice(0, 40).every((c) => c === "none")).toBe(true);
      expect(codes[40]).toBe("CONCURRENT_UPDATE");
      expect((await store.loadMany(commits.map((c) => c.instance.id))).size).toBe(40);
    });

    it("gives each commit of any batch the outcome it gets alone, in order (model: the memory store)", async () => {
      let run = 0;
      // A batch of commits over three instances, each naming a version and an event id at random.
      const aBatch = fc.array(
        fc.record({ inst: fc.integer({ min: 0, max: 2 }), version: fc.integer({ min: 1, max: 4 }), ev: fc.nat(3) }),
        { minLength: 1, maxLength: 8 },
      );
      await fc.assert(
        fc.asyncProperty(aBatch, async (spec) => {
          run++;
          const model = memoryStore();
          const commits = spec.map((s) =>
            aCommit(`pm${run}-${s.inst}`, s.version, {
              entry: { ...aCommit("x", s.version).entry, eventId: `e${s.ev}` },
            }),
          );
          const fixed = (cs: Commit[]) => cs.map((c) => ({ ...c, entry: { ...c.entry, instanceId: c.instance.id } }));
          const batch = fixed(commits);
          const expected: string[] = [];
          for (const c of batch) expected.push(await codeOf(model.commit(c)));
          const got = (await store.commitMany(batch)).map((o) => (o.ok ? "none" : o.error.code));
          expect(got).toEqual(expected);
          for (let k = 0; k < 3; k++) {
            const id = `pm${run}-${k}`;
            expect((await store.load(id))?.instance.version).toBe((await model.load(id))?.instance.version);
            expect((await store.events(id)).map((e) => e.eventId)).toEqual(
              (await model.events(id)).map((e) => e.eventId),
            );
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}
