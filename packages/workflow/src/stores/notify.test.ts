import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowEngine } from "../engine";
import { createTimerRunner } from "../runner";
import { aCommit } from "./contract.testkit";
import { memoryStore } from "./memory";
import { dropSchema, PG_URL, uniqueSchema } from "./pg.testkit";
import { postgresStore } from "./postgres";
import type { WorkflowStore } from "./store";

const schema = uniqueSchema("notify");
let writer: WorkflowStore;
let worker: WorkflowStore;
beforeAll(async () => {
  // Two pools, as two processes would have.
  writer = await postgresStore({ connectionString: PG_URL, schema, max: 2 });
  worker = await postgresStore({ connectionString: PG_URL, schema, max: 2 });
});
afterAll(async () => {
  await writer.close();
  await worker.close();
  await dropSchema(schema);
});

const item = (id: string) => ({ id: `${id}:1:0`, instanceId: id, machine: "m", type: "t", payload: {}, at: 1 });
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("waking workers (PostgreSQL LISTEN/NOTIFY)", () => {
  it("wakes a listener in another pool when a commit adds emitted events or timers, not for a bare event", async () => {
    let wakes = 0;
    let woke: () => void = () => {};
    const off = await worker.subscribe?.(() => {
      wakes++;
      woke();
    });
    expect(off).toBeDefined();
    await writer.commit(aCommit("quiet", 1));
    const first = new Promise<void>((r) => {
      woke = r;
    });
    await writer.commit(aCommit("loud", 1, { outbox: [item("loud")] }));
    expect(await within(first, 5000)).not.toBe("timeout");
    expect(wakes).toBe(1);
    await off?.();
    await writer.commit(aCommit("after", 1, { outbox: [item("after")] }));
    await new Promise((r) => setTimeout(r, 300));
    expect(wakes).toBe(1);
  });

  it("runs a runner's poll at once on a wake-up, long before its interval", async () => {
    let delivers = 0;
    let second: () => void = () => {};
    const polled = new Promise<void>((r) => {
      second = r;
    });
    // Only the store and the two calls a runner makes matter here.
    const engine = {
      store: worker,
      runDueTimers: async () => ({ fired: 0, dropped: 0, failed: [] }),
      deliver: async () => {
        delivers++;
        if (delivers === 2) second();
        return 0;
      },
    } as unknown as WorkflowEngine;
    const runner = createTimerRunner(engine, { intervalMs: 3_600_000 });
    runner.start();
    // The listener is set up while the first poll runs; commit until it hears one.
    let n = 0;
    let got: unknown = "timeout";
    while (got === "timeout" && n < 20) {
      await writer.commit(aCommit(`r${n}`, 1, { outbox: [item(`r${n}`)] }));
      n++;
      got = await within(polled, 250);
    }
    await runner.stop();
    expect(got).not.toBe("timeout");
    expect(delivers).toBeGreaterThanOrEqual(2);
  });

  it("is absent on the polled stores", () => {
    expect(memoryStore().subscribe).toBeUndefined();
  });
});
