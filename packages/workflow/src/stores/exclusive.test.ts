import { batchingClient, isElderflowError, type SqlClient, sqlFromPglite } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anActor, anEngine } from "../fixtures.testkit";
import type { Commit, StoredTimer } from "../types";
import { aCommit } from "./contract.testkit";
import { memoryStore } from "./memory";
import { migrateWorkflowSchema, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

const IDS = ["a", "b", "c"];
const timer = (instanceId: string, timerId: string, fireAt: number): StoredTimer => ({
  instanceId,
  timerId,
  fireAt,
  event: { type: `xstate.after.${timerId}` },
});

/** One step of a random run: a commit against some version (often the current one), or a delivery. */
type Step =
  | {
      kind: "commit";
      id: string;
      lag: number;
      event: number;
      add: [string, number][];
      cancel: string[];
      fire?: [string, number] | undefined;
    }
  | { kind: "deliver"; n: number }
  | { kind: "drop"; id: string; timer: string; at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("commit" as const),
      id: fc.constantFrom(...IDS),
      lag: fc.constantFrom(0, 0, 0, 1, -1),
      event: fc.integer({ min: 0, max: 12 }),
      add: fc.array(fc.tuple(fc.constantFrom("t", "u"), fc.integer({ min: 1, max: 4 })), { maxLength: 2 }),
      cancel: fc.array(fc.constantFrom("t", "u"), { maxLength: 1 }),
      fire: fc.option(fc.tuple(fc.constantFrom("t", "u"), fc.integer({ min: 1, max: 4 })), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deliver" as const), n: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("drop" as const),
      id: fc.constantFrom(...IDS),
      timer: fc.constantFrom("t", "u"),
      at: fc.integer({ min: 1, max: 4 }),
    }),
  },
);

let outboxN = 0;
function commitOf(s: Extract<Step, { kind: "commit" }>, current: number): Commit {
  const version = Math.max(1, current + 1 - s.lag);
  const base = aCommit(s.id, version);
  return {
    ...base,
    entry: { ...base.entry, eventId: `e${s.event}` },
    addTimers: s.add.map(([t, at]) => timer(s.id, t, at)),
    cancelTimers: s.cancel,
    outbox: [{ id: `o${++outboxN}`, instanceId: s.id, machine: "m", type: "X", payload: { n: outboxN }, at: 1 }],
    ...(s.fire === undefined ? {} : { firedTimer: timer(s.id, s.fire[0], s.fire[1]) }),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (isElderflowError(e)) return e.code;
    throw e;
  }
}

/** What a store holds, read through its public interface. */
async function contents(store: WorkflowStore) {
  const out: Record<string, unknown> = {};
  for (const id of IDS) {
    const loaded = await store.load(id);
    out[id] = {
      version: loaded?.instance.version,
      events: (await store.events(id)).map((e) => e.eventId),
      // Sorted: the memory store lists timers of equal times in insertion order, SQL by id.
      timers: (await store.timers(id)).map((t) => `${t.timerId}@${t.fireAt}`).sort(),
    };
  }
  out.outbox = (await store.outbox(1000)).map((o) => o.id);
  // Lists: whole instances, in the stores' order, read from memory where it holds them.
  out.list = await store.list({ limit: 2 });
  out.listAll = await store.list({ activeOnly: true });
  out.due = (await store.dueTimers(3, 100)).map((t) => `${t.fireAt}:${t.instanceId}/${t.timerId}`).sort();
  return out;
}

/** A client that records every statement sent through it, in transactions too. */
function countingClient(raw: SqlClient, statements: string[]): SqlClient {
  return {
    ...raw,
    query: (q, p, o) => {
      statements.push(q);
      return raw.query(q, p, o);
    },
    transaction: (fn, o) =>
      raw.transaction(
        (tx) =>
          fn({
            query: (q, p, qo) => {
              statements.push(q);
              return tx.query(q, p, qo);
            },
          }),
        o,
      ),
  };
}

async function openExclusive(db: PGlite, schema = "public") {
  const sql = batchingClient(sqlFromPglite(db as never));
  await migrateWorkflowSchema(sql, schema);
  return { sql, store: sqlStore(sql, { schema, exclusive: true, ownsClient: false }) };
}

describe("the exclusive workflow store", () => {
  it("gives every commit the memory store's outcome, in batches or not, and leaves the tables as a plain store reads them (property)", async () => {
    // One database, a schema per run (a PGlite takes seconds to start).
    const db = new PGlite();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        async (groups, batched) => {
          const schema = `run_${++run}`;
          const { sql, store } = await openExclusive(db, schema);
          const model = memoryStore();
          {
            for (const [g, steps] of groups.entries()) {
              const run = async () => {
                for (const s of steps) {
                  if (s.kind === "deliver") {
                    const [want, got] = [await model.outbox(s.n), await store.outbox(s.n)];
                    expect(got).toEqual(want);
                    await model.markDelivered(want.map((o) => o.id));
                    await store.markDelivered(got.map((o) => o.id));
                  } else if (s.kind === "drop") {
                    await model.dropTimer(timer(s.id, s.timer, s.at));
                    await store.dropTimer(timer(s.id, s.timer, s.at));
                  } else {
                    const c = commitOf(s, (await model.load(s.id))?.instance.version ?? 0);
                    expect(await codeOf(store.commit(c))).toBe(await codeOf(model.commit(c)));
                  }
                }
              };
              if (batched[g] === true) await sql.batch(run);
              else await run();
            }
            const want = await contents(model);
            expect(await contents(store)).toEqual(want);
            // What is in the tables, read by a store with no memory of its own.
            expect(await contents(sqlStore(sql, { schema, ownsClient: false }))).toEqual(want);
          }
        },
      ),
      { numRuns: 40 },
    );
    await db.close();
  }, 120_000);

  it("writes a batch's many commits as one statement at its end, and nothing if the batch fails", async () => {
    const db = new PGlite();
    const statements: string[] = [];
    const counting = countingClient(sqlFromPglite(db as never), statements);
    const sql = batchingClient(counting);
    await migrateWorkflowSchema(sql);
    const store = sqlStore(sql, { exclusive: true, ownsClient: false });
    const plain = sqlStore(sql, { ownsClient: false });
    await store.commit(aCommit("k", 1, { addTimers: [timer("k", "t", 5)] }));
    await store.dueTimers(10, 10);
    statements.length = 0;
    await sql.batch(async () => {
      await store.commit(aCommit("k", 2, { cancelTimers: ["t"] }));
      for (let v = 3; v <= 40; v++) await store.commit(aCommit("k", v));
      for (let n = 0; n < 20; n++) await store.commit(aCommit(`n${n}`, 1));
      expect((await store.load("k"))?.instance.version).toBe(40);
      expect(await store.dueTimers(10, 10)).toEqual([]);
    });
    // One flush (the instance rows, 59 log entries, the timer's deletion), not 59 commits.
    expect(statements.filter((q) => q.includes("jsonb_to_recordset"))).toHaveLength(1);
    expect((await plain.load("k"))?.instance.version).toBe(40);
    expect(await plain.events("k")).toHaveLength(40);
    expect(await plain.dueTimers(10, 10)).toEqual([]);

    const failed = sql.batch(async () => {
      await store.commit(aCommit("k", 41, { addTimers: [timer("k", "t", 7)] }));
      await store.commit(aCommit("gone", 1));
      throw new Error("host failure");
    });
    await expect(failed).rejects.toThrow("host failure");
    // The rolled-back batch left nothing, in the tables or in the store's memory.
    expect((await store.load("k"))?.instance.version).toBe(40);
    expect(await store.load("gone")).toBeUndefined();
    expect(await store.dueTimers(10, 10)).toEqual([]);
    expect((await plain.load("k"))?.instance.version).toBe(40);
    await store.commit(aCommit("k", 41));
    expect((await plain.load("k"))?.instance.version).toBe(41);
    await db.close();
  });

  it("fails a batch with CONCURRENT_UPDATE and writes nothing when another writer broke the exclusivity", async () => {
    const db = new PGlite();
    const { sql, store } = await openExclusive(db);
    const intruder = sqlStore(sqlFromPglite(db as never), { ownsClient: false });
    await store.commit(aCommit("x", 1));
    expect((await store.load("x"))?.instance.version).toBe(1);
    await intruder.commit(aCommit("x", 2, { entry: { ...aCommit("x", 2).entry, eventId: "theirs" } }));
    const batch = sql.batch(async () => {
      // The store still remembers version 1, so the commit passes its own check...
      await store.commit(aCommit("x", 2));
      await store.commit(aCommit("y", 1));
    });
    // ...and the write at the batch's end finds version 2 stored: nothing of the batch is written.
    await expect(batch).rejects.toMatchObject({ code: "CONCURRENT_UPDATE" });
    expect((await intruder.events("x")).map((e) => e.eventId)).toEqual(["ev-1", "theirs"]);
    expect(await intruder.load("y")).toBeUndefined();
    // Its memory was dropped with the batch: it reads the intruder's version now.
    expect((await store.load("x"))?.instance.version).toBe(2);
    await db.close();
  });

  it("refuses a poison event in a batch alone, with a typed error that shows none of it, and writes the rest", async () => {
    const db = new PGlite();
    const { sql, store } = await openExclusive(db);
    const { engine } = anEngine({ store });
    const staff = anActor("hotline_staff", "s1");
    const stranger = anActor("community_staff", "s9", { communityId: "c99" });
    const refusals: unknown[] = [];
    const refused = async (p: Promise<unknown>) => {
      try {
        await p;
        refusals.push("accepted");
      } catch (e) {
        refusals.push(e);
      }
    };
    await sql.batch(async () => {
      await engine.start("serviceRequest", { id: "r1", input: { communityId: "c01", personId: "p1" }, actor: staff });
      // A NUL, a lone surrogate, an oversized note, an unknown field (named in the error, as a path;
      // its value is not), an actor of another
      // community: each refused before it reaches the store's memory.
      for (const note of ["SECRET\u0000", "SECRET\ud800", `SECRET${"x".repeat(2001)}`])
        await refused(
          engine.send("r1", {
            id: `c-${refusals.length}`,
            type: "CANCEL",
            actor: staff,
            payload: { reason: "duplicate", note },
          }),
        );
      await refused(
        engine.send("r1", {
          id: "c-x",
          type: "CANCEL",
          actor: staff,
          payload: { reason: "duplicate", extra: "SECRET" },
        }),
      );
      await refused(
        engine.send("r1", { id: "t-o", type: "TRIAGE", actor: stranger, payload: { serviceKind: "plumbing" } }),
      );
      await engine.send("r1", { id: "t-1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
      await engine.start("serviceRequest", { id: "r2", input: { communityId: "c01", personId: "p2" }, actor: staff });
    });
    expect(refusals.map((e) => (e as { code?: string }).code)).toEqual([
      "CONTROL_CHARACTER",
      "MALFORMED_TEXT",
      "TOO_BIG",
      "UNKNOWN_FIELD",
      "WRONG_COMMUNITY",
    ]);
    for (const e of refusals) {
      expect(isElderflowError(e)).toBe(true);
      expect(`${(e as Error).message} ${JSON.stringify(e)}`).not.toContain("SECRET");
    }
    // What the batch wrote, read by a store with no memory: both requests and the triage, no poison.
    const plain = sqlStore(sql, { ownsClient: false });
    expect((await plain.events("r1")).map((e) => e.eventId)).toEqual(["start:r1", "t-1"]);
    expect((await plain.load("r2"))?.instance.version).toBe(1);
    expect(JSON.stringify((await db.query("select * from wf_events")).rows)).not.toContain("SECRET");
    await db.close();
  });

  it("knows every stored id once it has read them: a new instance costs no read, a stored id is still refused, and past its limit it asks SQL", async () => {
    const db = new PGlite();
    const statements: string[] = [];
    const raw = sqlFromPglite(db as never);
    const counting = countingClient(raw, statements);
    await migrateWorkflowSchema(raw);
    // An earlier process stored "old".
    await sqlStore(raw, { ownsClient: false }).commit(aCommit("old", 1));
    for (const knownIds of [10, 0]) {
      const store = sqlStore(counting, { exclusive: { knownIds }, ownsClient: false });
      expect(await store.load(`warm${knownIds}`)).toBeUndefined();
      statements.length = 0;
      // Ids never stored: with the ids known, neither the load nor the check before the insert reads an instance.
      for (let n = 0; n < 5; n++) {
        expect(await store.load(`new${knownIds}-${n}`)).toBeUndefined();
        await store.commit(aCommit(`new${knownIds}-${n}`, 1));
      }
      const reads = statements.filter((q) => /from \S*wf_instances i where/.test(q));
      expect(reads.length === 0).toBe(knownIds > 0);
      // The id the earlier process stored is stored still.
      expect(await codeOf(store.commit(aCommit("old", 1)))).toBe("DUPLICATE_ID");
      expect((await store.load("old"))?.instance.version).toBe(1);
    }
    // Past the limit (10 ids known, then 6 more written) the store falls back to SQL and stays right.
    const small = sqlStore(counting, { exclusive: { knownIds: 10 }, ownsClient: false });
    for (let n = 0; n < 12; n++) await small.commit(aCommit(`more-${n}`, 1));
    expect(await codeOf(small.commit(aCommit("new10-0", 1)))).toBe("DUPLICATE_ID");
    expect((await small.load("more-11"))?.instance.version).toBe(1);
    await db.close();
  });

  it("is refused on MySQL and beside a notify channel", () => {
    const fake = { dialect: "mysql" } as unknown as SqlClient;
    expect(() => sqlStore(fake, { exclusive: true })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    const db = { dialect: "pglite" } as unknown as SqlClient;
    expect(() => sqlStore(db, { exclusive: true, notifyChannel: "wake" })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", path: ["notifyChannel"] }),
    );
  });
});
