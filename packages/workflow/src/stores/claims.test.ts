/**
 * Several processes firing timers on one PostgreSQL: due timers are claimed in bulk under a lease
 * (`for update skip locked`), so no timer is held by two processes at once, each fires once, and a
 * claim left by a process that died lapses with its lease.
 */
import { manualClock } from "@elderflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { anActor, anEngine, MIN } from "../fixtures.testkit";
import type { StoredTimer } from "../types";
import { aCommit } from "./contract.testkit";
import { dropSchema, PG_URL, uniqueSchema } from "./pg.testkit";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";
import type { TimerLease, WorkflowStore } from "./store";

const staff = anActor("hotline_staff", "s1");
const timerKey = (t: StoredTimer) => `${t.instanceId}/${t.timerId}`;
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

/** A store that records every timer it claimed. */
function recording(store: WorkflowStore, claimed: string[]): WorkflowStore {
  const claim = store.claimDueTimers?.bind(store);
  if (claim === undefined) throw new Error("the store does not claim");
  return {
    ...store,
    claimDueTimers: async (now: number, limit: number, lease: TimerLease) => {
      const got = await claim(now, limit, lease);
      claimed.push(...got.map(timerKey));
      return got;
    },
  };
}

describe("timer claims on PostgreSQL", () => {
  it("lets four processes fire 240 due timers together, each timer claimed by one of them and fired once", async () => {
    const schema = uniqueSchema("claims");
    schemas.push(schema);
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const setup = await postgresStore({ connectionString: PG_URL, schema });
    const { engine } = anEngine({ store: setup, clock });
    for (let i = 0; i < 240; i++) {
      await engine.start("serviceRequest", {
        id: `r${i}`,
        input: { communityId: "c01", personId: "p1" },
        actor: staff,
      });
      await engine.send(`r${i}`, { id: `t${i}`, type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    }
    await setup.close();
    clock.advance(16 * MIN);
    // Four "processes": each its own pool, store and engine.
    const claims: string[][] = [[], [], [], []];
    const stores = await Promise.all(
      claims.map(async (c) => recording(await postgresStore({ connectionString: PG_URL, schema, max: 4 }), c)),
    );
    const runs = await Promise.all(
      stores.map((store) => anEngine({ store, clock }).engine.runDueTimers(undefined, { batch: 20 })),
    );
    expect(runs.flatMap((r) => r.failed)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.fired, 0)).toBe(240);
    // No timer was claimed twice (each claim held until its fire ended it).
    const all = claims.flat();
    expect(all).toHaveLength(240);
    expect(new Set(all).size).toBe(240);
    // Every request fired its accept timer once: it moved to the second service point, one breach.
    const check = anEngine({ store: stores[0] as WorkflowStore, clock }).engine;
    for (let i = 0; i < 240; i += 37) {
      const q = await check.query(`r${i}`, staff);
      expect(q.context.breaches).toHaveLength(1);
    }
    for (const s of stores) await s.close();
  }, 120_000);

  it("skips a timer another process claimed until the claim's lease ends, and a new fire time ends the claim", async () => {
    const schema = uniqueSchema("lease");
    schemas.push(schema);
    const a = await postgresStore({ connectionString: PG_URL, schema, max: 2 });
    const b = await postgresStore({ connectionString: PG_URL, schema, max: 2 });
    const timer = (id: string, fireAt: number): StoredTimer => ({
      instanceId: id,
      timerId: "t",
      fireAt,
      event: { type: "xstate.after.t" },
    });
    await a.commit(aCommit("x", 1, { addTimers: [timer("x", 10)] }));
    await a.commit(aCommit("y", 1, { addTimers: [timer("y", 10)] }));
    // a claims both until 1,000 and dies.
    expect((await a.claimDueTimers?.(100, 10, { at: 0, until: 1000 }))?.map(timerKey)).toEqual(["x/t", "y/t"]);
    expect(await b.claimDueTimers?.(100, 10, { at: 500, until: 1500 })).toEqual([]);
    // The plain read still lists them (what an operator's query shows).
    expect((await b.dueTimers(100, 10)).map(timerKey)).toEqual(["x/t", "y/t"]);
    // x's timer is set again by a commit: its claim ends with it, y's stays.
    await b.commit(aCommit("x", 2, { addTimers: [timer("x", 20)] }));
    expect((await b.claimDueTimers?.(100, 10, { at: 600, until: 1600 }))?.map(timerKey)).toEqual(["x/t"]);
    // At the end of a's lease, y is b's (earliest first: y at 10, x at 20).
    expect((await b.claimDueTimers?.(100, 10, { at: 1000, until: 2000 }))?.map(timerKey)).toEqual(["y/t", "x/t"]);
    // a's store, back, no longer holds them.
    expect(await a.claimDueTimers?.(100, 10, { at: 1100, until: 2100 })).toEqual([]);
    await a.close();
    await b.close();
  }, 60_000);

  it("claims on the embedded PGlite too, and the sole-writer store reads due timers from memory instead", async () => {
    const store = await pgliteStore();
    expect(typeof store.claimDueTimers).toBe("function");
    const exclusive = await pgliteStore({ exclusive: true });
    expect(exclusive.claimDueTimers).toBeUndefined();
    await store.close();
    await exclusive.close();
  });
});
