import { type SqlClient, sqlFromMysqlPool } from "@elderflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import type { WorkflowEngine } from "../engine";
import { createTimerRunner } from "../runner";
import type { Commit } from "../types";
import { aCommit, anInstance, codeOf, describeStoreContract } from "./contract.testkit";
import { mysqlWorkflowStore } from "./mysql";
import type { WorkflowStore } from "./store";

const database = privateMysqlDatabase("wfc");
const tenant = privateMysqlDatabase("wfct").toLowerCase();
const shared = privateMysqlDatabase("wf2").toLowerCase();
let url = "";
beforeAll(async () => {
  url = await createMysqlDatabase(database);
});
afterAll(async () => {
  await dropMysqlDatabase(tenant);
  await dropMysqlDatabase(database);
});

describeStoreContract("mariadb", () => mysqlWorkflowStore({ uri: url }));
describeStoreContract("mariadb (own schema)", () => mysqlWorkflowStore({ uri: url, schema: tenant }));

describe("the MariaDB workflow store", () => {
  let a: WorkflowStore;
  let b: WorkflowStore;
  let pool: ReturnType<typeof mysqlPool>;
  beforeAll(async () => {
    // Two pools, as two processes would have: one the store's own, one the caller's.
    a = await mysqlWorkflowStore({ uri: url, schema: shared, connectionLimit: 3 });
    pool = mysqlPool(url, 3);
    b = await mysqlWorkflowStore({ pool, schema: shared });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    // A caller's pool stays open after the store closes.
    expect((await pool.query("select 1 as one"))[0]).toEqual([{ one: 1 }]);
    await pool.end();
    await dropMysqlDatabase(shared);
  });

  it("lets one of two pools create an id and tells the other DUPLICATE_ID", async () => {
    for (let k = 0; k < 20; k++) {
      const codes = await Promise.all([
        codeOf(a.commit(aCommit(`dup${k}`, 1))),
        codeOf(b.commit(aCommit(`dup${k}`, 1))),
      ]);
      expect(codes.sort()).toEqual(["DUPLICATE_ID", "none"]);
    }
  });

  it("lets exactly one of two pools win each version of one instance", async () => {
    await a.commit(aCommit("duel", 1));
    for (let v = 2; v <= 16; v++) {
      const mine = aCommit("duel", v, { entry: { ...aCommit("duel", v).entry, eventId: `a-${v}` } });
      const theirs = aCommit("duel", v, { entry: { ...aCommit("duel", v).entry, eventId: `b-${v}` } });
      const codes = await Promise.all([codeOf(a.commit(mine)), codeOf(b.commit(theirs))]);
      expect(codes.sort()).toEqual(["CONCURRENT_UPDATE", "none"]);
    }
    expect((await b.events("duel")).map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it("writes a batch longer than one multi-row statement, timers and emitted events in order", async () => {
    const many: Commit[] = Array.from({ length: 450 }, (_, k) =>
      aCommit(`big${k}`, 1, {
        addTimers: [{ instanceId: `big${k}`, timerId: "t", fireAt: 10 + k, event: { type: "xstate.after.t" } }],
        outbox: [{ id: `big${k}:1:0`, instanceId: `big${k}`, machine: "m", type: "e", payload: { k }, at: 1 }],
      }),
    );
    const out = await a.commitMany(many);
    expect(out.every((o) => o.ok)).toBe(true);
    expect((await b.loadMany(many.map((c) => c.instance.id))).size).toBe(450);
    expect((await b.dueTimers(10 + 449, 1000)).length).toBe(450);
    const box = (await b.outbox(1000)).filter((o) => o.id.startsWith("big"));
    expect(box.map((o) => o.payload.k)).toEqual(Array.from({ length: 450 }, (_, k) => k));
    await b.markDelivered(box.map((o) => o.id));
    expect((await b.outbox(1000)).filter((o) => o.id.startsWith("big"))).toEqual([]);
  });

  it("keeps ids, states and payloads exactly: case, Chinese text and a prefix with LIKE's wildcards", async () => {
    await a.commit(
      aCommit(
        "Case",
        1,
        {},
        { machine: "cm", state: "x_%.a", snapshot: { status: "active", value: "a", context: { personId: "老人1" } } },
      ),
    );
    await a.commit(aCommit("case", 1, {}, { machine: "cm", state: "xy.a" }));
    expect((await b.load("Case"))?.instance.snapshot.context).toEqual({ personId: "老人1" });
    expect((await b.list({ machine: "cm", state: "x_%." })).map((i) => i.id)).toEqual(["Case"]);
    expect((await b.list({ personId: "老人1" })).map((i) => i.id)).toEqual(["Case"]);
    expect(await b.naming("老人1")).toEqual(["Case"]);
  });

  it("finds a person only as a top-level context value or an actor, never nested or as a substring", async () => {
    const ctx = (context: Record<string, unknown>) => ({ snapshot: { status: "active", value: "a", context } });
    await a.commit(aCommit("nm1", 1, {}, ctx({ volunteerId: "pq" })));
    await a.commit(aCommit("nm2", 1, {}, ctx({ list: ["pq"], other: { id: "pq" } })));
    await a.commit(aCommit("nm3", 1, {}, ctx({ personId: "pq2" })));
    await a.commit(aCommit("nm4", 1, {}, ctx({ note: 'say "pq"' })));
    expect((await b.naming("pq")).sort()).toEqual(["nm1"]);
  });

  it("erases more log payloads than one statement holds, under its version guard", async () => {
    const commits = Array.from({ length: 205 }, (_, k) =>
      aCommit("er", k + 1, { entry: { ...aCommit("er", k + 1).entry, payload: { note: `secret ${k}` } } }),
    );
    expect((await a.commitMany(commits)).every((o) => o.ok)).toBe(true);
    const entry = { ...aCommit("er", 206).entry, eventId: "erasure:206:px", type: "elderflow.erasure", payload: {} };
    const payloads = commits.map((c) => ({ seq: c.entry.seq, payload: { note: "[erased]" } }));
    expect(await codeOf(b.erase({ instance: anInstance("er", 206), expectedVersion: 1, entry, payloads }))).toBe(
      "CONCURRENT_UPDATE",
    );
    await b.erase({ instance: anInstance("er", 206), expectedVersion: 205, entry, payloads });
    const log = await a.events("er");
    expect(log.length).toBe(206);
    expect(log.slice(0, 205).every((e) => e.payload.note === "[erased]")).toBe(true);
    expect((await a.load("er"))?.instance.version).toBe(206);
  });

  it("has no LISTEN/NOTIFY: a runner finds emitted events by polling", async () => {
    expect(a.subscribe).toBeUndefined();
    const delivered: string[] = [];
    let done: () => void = () => {};
    const got = new Promise<void>((r) => {
      done = r;
    });
    // Only the store and the two calls a runner makes matter here.
    const engine = {
      store: b,
      runDueTimers: async () => ({ fired: 0, dropped: 0, failed: [] }),
      deliver: async () => {
        const items = (await b.outbox(100)).filter((o) => o.id.startsWith("poll"));
        await b.markDelivered(items.map((o) => o.id));
        delivered.push(...items.map((o) => o.id));
        if (delivered.length > 0) done();
        return items.length;
      },
    } as unknown as WorkflowEngine;
    const runner = createTimerRunner(engine, { intervalMs: 50 });
    runner.start();
    await a.commit(
      aCommit("poll", 1, {
        outbox: [{ id: "poll:1:0", instanceId: "poll", machine: "m", type: "e", payload: {}, at: 1 }],
      }),
    );
    await got;
    await runner.stop();
    expect(delivered).toEqual(["poll:1:0"]);
  });

  it("runs on a caller's ready client and leaves it open", async () => {
    const sql = sqlFromMysqlPool(pool, { owned: false });
    const c = await mysqlWorkflowStore({ sql, schema: shared });
    expect(c.kind).toBe("mysql");
    expect((await c.load("duel"))?.instance.version).toBe(16);
    await c.close();
    expect((await sql.query<{ one: number }>("select 1 as one")).rows).toEqual([{ one: 1 }]);
  });

  it("refuses a client of another dialect, and no connection at all, as INVALID_INPUT", async () => {
    const refuse = async (): Promise<never> => {
      throw new Error("not called");
    };
    const other: SqlClient = { dialect: "postgres", query: refuse, exec: refuse, transaction: refuse, close: refuse };
    await expect(mysqlWorkflowStore({ sql: other })).rejects.toMatchObject({ code: "INVALID_INPUT", path: ["sql"] });
    await expect(mysqlWorkflowStore({})).rejects.toMatchObject({ code: "INVALID_INPUT", path: ["uri"] });
  });
});
