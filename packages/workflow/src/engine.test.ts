import { rmSync } from "node:fs";
import { IdSchema, isElderflowError, manualClock } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { assign, type InspectionEvent, setup } from "xstate";
import { z } from "zod";
import { defineWorkflow, type WorkflowDefinition } from "./definition";
import { createWorkflowEngine } from "./engine";
import { anActor, anEngine, codeOf, MIN } from "./fixtures.testkit";
import { createTimerRunner } from "./runner";
import { memoryStore } from "./stores/memory";
import { pgliteStore } from "./stores/pglite";

const staff = anActor("hotline_staff", "s1");
const sp1 = anActor("service_point", "sp1-worker", { orgId: "sp1" });
const start = { communityId: "c01", personId: "p1" };

describe("engine: start, send, query", () => {
  it("applies an event id at most once and answers a repeat from the log", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    const a = await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    expect(a.duplicate).toBe(false);
    expect(a.instance.version).toBe(2);
    const b = await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    expect(b.duplicate).toBe(true);
    expect(b.instance.version).toBe(2);
    expect((await engine.history("r1", staff)).length).toBe(2);
    const again = await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    expect(again.duplicate).toBe(true);
    expect(
      await codeOf(engine.start("serviceRequest", { id: "r1", input: start, actor: staff, eventId: "other" })),
    ).toBe("DUPLICATE_ID");
  });

  it("turns bad events into typed errors that change nothing", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    const cases: [string, Promise<unknown>][] = [
      ["UNKNOWN_EVENT", engine.send("r1", { id: "x1", type: "EXPLODE", actor: staff })],
      ["UNKNOWN_EVENT", engine.send("r1", { id: "x1b", type: "toString", actor: staff })],
      [
        "WRONG_ROLE",
        engine.send("r1", {
          id: "x2",
          type: "TRIAGE",
          actor: anActor("volunteer"),
          payload: { serviceKind: "plumbing" },
        }),
      ],
      ["REQUIRED", engine.send("r1", { id: "x3", type: "TRIAGE", actor: staff, payload: {} })],
      ["INVALID_TYPE", engine.send("r1", { id: "x4", type: "TRIAGE", actor: staff, payload: { serviceKind: 7 } })],
      [
        "UNKNOWN_FIELD",
        engine.send("r1", {
          id: "x5",
          type: "TRIAGE",
          actor: staff,
          payload: { serviceKind: "a", candidates: ["evil"] },
        }),
      ],
      ["EVENT_NOT_ALLOWED", engine.send("r1", { id: "x6", type: "ACCEPT", actor: sp1 })],
      [
        "WRONG_COMMUNITY",
        engine.send("r1", {
          id: "x7",
          type: "CANCEL",
          actor: anActor("hotline_staff", "s9", { communityId: "c02" }),
          payload: { reason: "other" },
        }),
      ],
      [
        "INVALID_ENUM",
        engine.send("r1", { id: "x8", type: "TRIAGE", actor: { id: "s1", role: "boss" as never, communityId: "c01" } }),
      ],
      ["INVALID_FORMAT", engine.send("r1", { id: "bad id with spaces", type: "TRIAGE", actor: staff })],
      [
        "WRONG_ROLE",
        engine.send("r1", {
          id: "x9",
          type: "CANCEL",
          actor: { id: "system", role: "system" },
          payload: { reason: "other" },
        }),
      ],
      [
        "UNKNOWN_INSTANCE",
        engine.send("nope", { id: "x10", type: "CANCEL", actor: staff, payload: { reason: "other" } }),
      ],
      ["UNKNOWN_MACHINE", engine.start("nope", { id: "r2", input: start, actor: staff })],
    ];
    for (const [code, p] of cases) expect(await codeOf(p)).toBe(code);
    const after = await engine.query("r1", staff);
    expect(after.version).toBe(1);
    expect(after.state).toBe("received");
    expect((await engine.history("r1", staff)).length).toBe(1);
  });

  it("reports every payload issue with its path and no personal data", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    try {
      await engine.send("r1", { id: "e", type: "TRIAGE", actor: staff, payload: { serviceKind: 5, name: "张小三" } });
      expect.unreachable();
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      expect(e.issues.map((i) => `${i.code}@${i.path.join(".")}`).sort()).toEqual([
        "INVALID_TYPE@payload.serviceKind",
        "UNKNOWN_FIELD@payload.name",
      ]);
      expect(JSON.stringify(e.toJSON())).not.toContain("张小三");
    }
  });

  it("keeps staff of another community out of reads, lists and history", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.start("serviceRequest", {
      id: "r2",
      input: { communityId: "c02", personId: "p2" },
      actor: anActor("hotline_staff", "s2", { communityId: "c02" }),
    });
    const other = anActor("community_staff", "s9", { communityId: "c02" });
    expect(await codeOf(engine.query("r1", other))).toBe("WRONG_COMMUNITY");
    expect(await codeOf(engine.history("r1", other))).toBe("WRONG_COMMUNITY");
    expect(await codeOf(engine.list({ communityId: "c01" }, other))).toBe("WRONG_COMMUNITY");
    expect((await engine.list({ machine: "serviceRequest" }, other)).map((i) => i.id)).toEqual(["r2"]);
    expect(
      (await engine.list({ machine: "serviceRequest" }, anActor("bureau", "b1", { communityId: undefined as never })))
        .length,
    ).toBe(2);
    expect(await codeOf(engine.start("serviceRequest", { id: "r3", input: start, actor: other }))).toBe(
      "WRONG_COMMUNITY",
    );
  });

  it("lists the instances about one person, within the actor's community, and refuses a malformed person id", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.start("serviceRequest", { id: "r2", input: { communityId: "c01", personId: "p2" }, actor: staff });
    await engine.start("serviceRequest", {
      id: "r3",
      input: { communityId: "c02", personId: "p1" },
      actor: anActor("hotline_staff", "s2", { communityId: "c02" }),
    });
    const bureau = anActor("bureau", "b1", { communityId: undefined as never });
    expect((await engine.list({ personId: "p1" }, bureau)).map((i) => i.id).sort()).toEqual(["r1", "r3"]);
    expect((await engine.list({ personId: "p1" }, staff)).map((i) => i.id)).toEqual(["r1"]);
    expect(await codeOf(engine.list({ personId: "p 1" }, bureau))).toBe("INVALID_FORMAT");
  });

  it("makes a stale writer with expectedVersion fail with CONCURRENT_UPDATE", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.send("r1", {
      id: "e1",
      type: "TRIAGE",
      actor: staff,
      payload: { serviceKind: "plumbing" },
      expectedVersion: 1,
    });
    expect(await codeOf(engine.send("r1", { id: "e2", type: "ACCEPT", actor: sp1, expectedVersion: 1 }))).toBe(
      "CONCURRENT_UPDATE",
    );
    expect((await engine.send("r1", { id: "e2", type: "ACCEPT", actor: sp1, expectedVersion: 2 })).to).toBe("accepted");
  });

  it("retries after a concurrent update when the caller named no version", async () => {
    const store = memoryStore();
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const a = anEngine({ store, clock }).engine;
    const b = anEngine({ store, clock }).engine;
    await a.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await b.query("r1", staff); // b caches nothing stale, but reads the same store
    await a.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    const results = await Promise.all([
      a.send("r1", { id: "acc", type: "ACCEPT", actor: sp1 }),
      b
        .send("r1", { id: "cancel", type: "CANCEL", actor: staff, payload: { reason: "other" } })
        .catch((e) => e.code as string),
    ]);
    // b lost the race for version 3, reloaded, and applied its CANCEL on top of the ACCEPT.
    const log = await a.history("r1", staff);
    expect(log.map((e) => e.eventId)).toEqual(["start:r1", "e1", "acc", "cancel"]);
    expect(results[0]).toMatchObject({ duplicate: false, to: "accepted" });
    expect(results[1]).toMatchObject({ duplicate: false, from: "accepted", to: "cancelled" });
  });
  it("re-reads the store when its cached copy is behind another worker", async () => {
    const store = memoryStore();
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const a = anEngine({ store, clock }).engine;
    const b = anEngine({ store, clock }).engine;
    await a.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await a.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    await b.send("r1", { id: "acc", type: "ACCEPT", actor: sp1 }); // a still holds "dispatched"
    expect((await a.send("r1", { id: "arr", type: "ARRIVE", actor: sp1 })).to).toBe("onSite");
    // The same id again, no longer accepted in this state: a duplicate, not an error.
    expect((await a.send("r1", { id: "acc", type: "ACCEPT", actor: sp1 })).duplicate).toBe(true);
    await b.send("r1", { id: "fin", type: "FINISH", actor: sp1 });
    const r = await a.send("r1", { id: "conf", type: "CONFIRM", actor: anActor("cadre", "p1"), expectedVersion: 5 });
    expect(r.to).toBe("confirmed");
    expect((await a.history("r1", staff)).map((e) => e.eventId)).toEqual([
      "start:r1",
      "e1",
      "acc",
      "arr",
      "fin",
      "conf",
    ]);
    // A stale writer naming the version it saw still loses.
    expect(await codeOf(b.send("r1", { id: "late", type: "CLOSE", actor: staff, expectedVersion: 5 }))).toBe(
      "CONCURRENT_UPDATE",
    );
  });
});

describe("engine: durable timers", () => {
  it("fires a persisted timer after a restart on PGlite, once", async () => {
    const dir = `/tmp/wf-pglite-${process.pid}-${Date.now()}`;
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    {
      const store = await pgliteStore({ dataDir: dir });
      const { engine } = anEngine({ store, clock });
      await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
      await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
      expect((await engine.timers("r1", staff)).map((t) => t.timerId)).toEqual([
        "xstate.after.acceptBy.serviceRequest.dispatched",
      ]);
      await store.close();
    }
    clock.advance(16 * MIN);
    const store = await pgliteStore({ dataDir: dir });
    const { engine } = anEngine({ store, clock });
    const run = await engine.runDueTimers();
    expect(run).toEqual({ fired: 1, dropped: 0, failed: [] });
    const q = await engine.query("r1", staff);
    expect(q.context.assigneeId).toBe("sp2");
    expect(q.context.breaches).toEqual([{ stage: "accept", servicePointId: "sp1", at: clock.now() }]);
    expect((await engine.runDueTimers()).fired).toBe(0);
    const delivered: string[] = [];
    const withSink = createWorkflowEngine({
      store,
      clock,
      machines: [engine.definition("serviceRequest")],
      sinks: [(item) => void delivered.push(item.type)],
    });
    expect(await withSink.deliver()).toBe(1);
    expect(delivered).toEqual(["serviceRequest.sla_breached"]);
    expect(await withSink.deliver()).toBe(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("cancels a timer when its state is left before it is due", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    await engine.send("r1", { id: "e2", type: "ACCEPT", actor: sp1 });
    expect((await engine.timers("r1", staff)).map((t) => t.timerId)).toEqual([
      "xstate.after.arriveBy.serviceRequest.accepted",
    ]);
    clock.advance(16 * MIN);
    expect((await engine.runDueTimers()).fired).toBe(0);
    expect((await engine.query("r1", staff)).state).toBe("accepted");
  });

  it("refuses a timer run whose time or options are not whole numbers in range, before it fires anything", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    clock.advance(16 * MIN);
    const refusal = async (run: Promise<unknown>) => {
      const e = await run.catch((x: unknown) => x);
      return isElderflowError(e) ? { code: e.code, path: e.path } : e;
    };
    expect(await refusal(engine.runDueTimers(Number.NaN))).toMatchObject({ path: ["now"] });
    expect(await refusal(engine.runDueTimers(undefined, { leaseMs: 1.5 }))).toMatchObject({
      path: ["options", "leaseMs"],
    });
    expect(await refusal(engine.runDueTimers(undefined, { batch: 0 }))).toMatchObject({ path: ["options", "batch"] });
    expect(await refusal(engine.runDueTimers(undefined, { concurrency: Infinity }))).toMatchObject({
      path: ["options", "concurrency"],
    });
    expect(await refusal(engine.runDueTimers(undefined, { claim: true } as never))).toMatchObject({
      path: ["options", "claim"],
    });
    // Nothing fired: the due timer is still there for a good run.
    expect((await engine.query("r1", staff)).state).toBe("dispatched");
    expect((await engine.runDueTimers(undefined, { batch: 1, leaseMs: 1000 })).fired).toBe(1);
  });

  it("runs timers from a polling runner", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    clock.advance(16 * MIN);
    const runs: number[] = [];
    const runner = createTimerRunner(engine, { intervalMs: 5, onRun: (r) => runs.push(r.fired) });
    runner.start();
    for (let i = 0; i < 100 && runs.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await runner.stop();
    expect(runs[0]).toBe(1);
    expect((await engine.query("r1", staff)).context.assigneeId).toBe("sp2");
  });
});

const v1 = setup({
  types: { context: {} as { communityId: string; count: number }, events: {} as { type: "INC" } },
  actions: { inc: assign(({ context }) => ({ count: context.count + 1 })) },
}).createMachine({
  id: "counter",
  context: ({ input }) => ({ communityId: (input as { communityId: string }).communityId, count: 0 }),
  initial: "counting",
  states: { counting: { on: { INC: { actions: "inc" } } } },
});
const v2 = setup({
  types: { context: {} as { communityId: string; total: number }, events: {} as { type: "INC" } },
  actions: { inc: assign(({ context }) => ({ total: context.total + 1 })) },
}).createMachine({
  id: "counter",
  context: ({ input }) => ({ communityId: (input as { communityId: string }).communityId, total: 0 }),
  initial: "counting",
  states: { counting: { on: { INC: { actions: "inc" } } } },
});
const counter = (version: number, machine: typeof v1 | typeof v2, migrations: WorkflowDefinition["migrations"] = []) =>
  defineWorkflow({
    name: "counter",
    version,
    machine: machine as never,
    startRoles: ["community_staff"],
    input: z.strictObject({ communityId: IdSchema }),
    events: { INC: { roles: ["community_staff"] } },
    migrations,
  }) as WorkflowDefinition;

describe("engine: machine versions", () => {
  const cs = anActor("community_staff");
  it("upgrades old snapshots through a registered migration", async () => {
    const store = memoryStore();
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const old = createWorkflowEngine({ store, clock, machines: [counter(1, v1)] });
    await old.start("counter", { id: "k1", input: { communityId: "c01" }, actor: cs });
    await old.send("k1", { id: "i1", type: "INC", actor: cs });
    const migrate = (s: Parameters<NonNullable<WorkflowDefinition["migrations"]>[number]["migrate"]>[0]) => {
      const { count, ...rest } = s.context as { count: number };
      return { ...s, context: { ...rest, total: count } };
    };
    const upgraded = createWorkflowEngine({ store, clock, machines: [counter(2, v2, [{ from: 1, to: 2, migrate }])] });
    expect((await upgraded.query("k1", cs)).context).toEqual({ communityId: "c01", total: 1 });
    const r = await upgraded.send("k1", { id: "i2", type: "INC", actor: cs });
    expect(r.instance).toMatchObject({ machineVersion: 2, context: { total: 2 } });
  });

  it("fails loudly with NO_MIGRATION_PATH when none is registered", async () => {
    const store = memoryStore();
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const old = createWorkflowEngine({ store, clock, machines: [counter(1, v1)] });
    await old.start("counter", { id: "k1", input: { communityId: "c01" }, actor: cs });
    const next = createWorkflowEngine({ store, clock, machines: [counter(2, v2)] });
    expect(await codeOf(next.send("k1", { id: "i2", type: "INC", actor: cs }))).toBe("NO_MIGRATION_PATH");
    expect(await codeOf(next.query("k1", cs))).toBe("NO_MIGRATION_PATH");
    expect((await old.query("k1", cs)).version).toBe(1);
  });
});

describe("engine: inspection", () => {
  it("passes xstate inspection events to the given observer", async () => {
    const seen: InspectionEvent[] = [];
    const { engine } = anEngine({ inspect: (e) => void seen.push(e) });
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await engine.send("r1", { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    const types = new Set(seen.map((e) => e.type));
    expect(types).toContain("@xstate.actor");
    expect(types).toContain("@xstate.snapshot");
    const sent = seen
      .filter((e) => e.type === "@xstate.event")
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(sent).toContain("TRIAGE");
    const last = seen.filter((e) => e.type === "@xstate.snapshot").at(-1) as unknown as {
      snapshot: { value: unknown };
    };
    expect(last.snapshot.value).toBe("dispatched");
  });
});

describe("engine: PGlite handle", () => {
  it("accepts an open PGlite database and leaves it open", async () => {
    const db = new PGlite();
    const store = await pgliteStore({ db, schema: "wf_handle" });
    const { engine } = anEngine({ store });
    await engine.start("serviceRequest", { id: "r1", input: start, actor: staff });
    await store.close();
    const r = await db.query<{ n: number }>("select count(*)::int as n from wf_handle.wf_instances");
    expect(r.rows[0]?.n).toBe(1);
    await db.close();
  });
});
