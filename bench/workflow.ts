import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, sqlFromPglite, sqlFromPgPool } from "@elderflow/core";
import {
  builtInWorkflows,
  type Commit,
  carePathwayMachine,
  createWorkflowEngine,
  memoryStore,
  migrateWorkflowSchema,
  pgliteStore,
  postgresStore,
  serviceRequestMachine,
  type WorkflowActor,
  type WorkflowStore,
} from "@elderflow/workflow";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createActor } from "xstate";
import { type BenchContext, peakRssMiB } from "./lib";

const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const T0 = Date.UTC(2027, 2, 1, 1);
const staff: WorkflowActor = { id: "s1", role: "hotline_staff", communityId: "c01" };
const doc: WorkflowActor = { id: "d1", role: "doctor", communityId: "c01" };
const spw: WorkflowActor = { id: "w1", role: "service_point", communityId: "c01", orgId: "sp1" };
const cadre = (i: number): WorkflowActor => ({ id: `p${i}`, role: "cadre", communityId: "c01" });

const machines = () =>
  builtInWorkflows({
    serviceRequest: { servicePoints: { nearest: () => ["sp1", "sp2", "sp3"] } },
    pairing: { certification: () => true },
  });

function movingClock(): Clock & { tick(ms: number): void } {
  let now = T0;
  return {
    zone: "Asia/Shanghai",
    now: () => now,
    tick(ms) {
      now += ms;
    },
  };
}

/** The request lifecycle after the start: 6 events, with SLA timers set and cancelled on the way. */
const LIFECYCLE = (i: number) => [
  { type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } },
  { type: "ACCEPT", actor: spw },
  { type: "ARRIVE", actor: spw },
  { type: "FINISH", actor: spw },
  { type: "CONFIRM", actor: cadre(i) },
  { type: "CLOSE", actor: staff },
];

/** A loop on the care pathway (no timers): refer, cancel the referral, open and finish a task. */
const CARE_LOOP = [
  { type: "REFER", actor: doc, payload: {} },
  { type: "CANCEL_REFERRAL", actor: doc, payload: {} },
  { type: "TASK_OPEN", actor: doc, payload: { service: "housekeeping" } },
  { type: "TASK_DONE", actor: doc, payload: { service: "housekeeping" } },
];

/** Best (least disturbed) of several alternating rounds: the machine is shared with other work. */
async function bestOf(rounds: number, kinds: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let r = 0; r < rounds; r++)
    for (const [k, f] of Object.entries(kinds)) {
      const ms = await f();
      if (r > 0 || rounds === 1) best[k] = Math.min(best[k] ?? Number.POSITIVE_INFINITY, ms);
    }
  return best;
}

async function memoryVsRaw(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 4 : 6;
  // 1. One long-lived care pathway: the same events through xstate's own actor and through the engine.
  const n = ctx.quick ? 20_000 : 100_000;
  const events = CARE_LOOP.map((e, k) => ({ ...e.payload, type: e.type, actor: e.actor, at: T0, eventId: `x${k}` }));
  const loop = await bestOf(rounds, {
    xstate: async () => {
      const t = performance.now();
      const actor = createActor(carePathwayMachine, {
        input: { communityId: "c01", personId: "p1", rank: "county" },
      }).start();
      for (let i = 0; i < n; i++) actor.send(events[i % 4] as never);
      actor.stop();
      return performance.now() - t;
    },
    engine: async () => {
      const engine = createWorkflowEngine({ store: memoryStore(), clock: movingClock(), machines: machines() });
      await engine.start("carePathway", {
        id: "c",
        input: { communityId: "c01", personId: "p1", rank: "county" },
        actor: doc,
      });
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        const e = CARE_LOOP[i % 4] as (typeof CARE_LOOP)[number];
        await engine.send("c", { id: `e${i}`, type: e.type, actor: e.actor, payload: e.payload });
      }
      return performance.now() - t;
    },
  });
  ctx.emit({
    bench: "workflow.memory.carePathway_loop",
    events: n,
    xstate_events_s: Math.round(n / ((loop.xstate ?? 1) / 1000)),
    elderflow_events_s: Math.round(n / ((loop.engine ?? 1) / 1000)),
    cost_ratio: Math.round(((loop.engine ?? 0) / (loop.xstate ?? 1)) * 100) / 100,
    peak_rss_mib: peakRssMiB(),
  });

  // 2. Many hotline requests through their lifecycle (start + 6 events; timers set and cancelled).
  const requests = ctx.quick ? 3_000 : 20_000;
  const triage = {
    serviceKind: "plumbing",
    candidates: ["sp1", "sp2"],
    sla: { acceptMs: 9e5, arriveMs: 36e5, finishMs: 144e5 },
  };
  const life = await bestOf(rounds, {
    xstate: async () => {
      const t = performance.now();
      for (let i = 0; i < requests; i++) {
        const actor = createActor(serviceRequestMachine, { input: { communityId: "c01", personId: `p${i}` } }).start();
        for (const e of LIFECYCLE(i)) {
          const base = { type: e.type, actor: e.actor, at: T0, eventId: "x" };
          actor.send((e.type === "TRIAGE" ? { ...base, ...triage } : base) as never);
        }
        actor.stop();
      }
      return performance.now() - t;
    },
    engine: async () => {
      const engine = createWorkflowEngine({
        store: memoryStore(),
        clock: movingClock(),
        machines: machines(),
        cacheSize: requests,
      });
      const t = performance.now();
      for (let i = 0; i < requests; i++) {
        const id = `r${i}`;
        await engine.start("serviceRequest", { id, input: { communityId: "c01", personId: `p${i}` }, actor: staff });
        let k = 0;
        for (const e of LIFECYCLE(i)) await engine.send(id, { id: `${id}-${k++}`, ...e });
      }
      return performance.now() - t;
    },
  });
  ctx.emit({
    bench: "workflow.memory.request_lifecycle",
    requests,
    events: requests * 7,
    xstate_events_s: Math.round((requests * 7) / ((life.xstate ?? 1) / 1000)),
    elderflow_events_s: Math.round((requests * 7) / ((life.engine ?? 1) / 1000)),
    cost_ratio: Math.round(((life.engine ?? 0) / (life.xstate ?? 1)) * 100) / 100,
    peak_rss_mib: peakRssMiB(),
  });
}

async function persisted(
  ctx: BenchContext,
  name: string,
  store: WorkflowStore,
  peerQuery: (sql: string, params?: unknown[]) => Promise<unknown>,
): Promise<void> {
  const workers = 8;
  const perWorker = ctx.quick ? 25 : 150;
  const clock = movingClock();
  const engines = Array.from({ length: workers }, () => createWorkflowEngine({ store, clock, machines: machines() }));
  let t = performance.now();
  await Promise.all(
    engines.map(async (engine, w) => {
      for (let j = 0; j < perWorker; j++) {
        const i = w * perWorker + j;
        const id = `r${i}`;
        await engine.start("serviceRequest", { id, input: { communityId: "c01", personId: `p${i}` }, actor: staff });
        let k = 0;
        for (const e of LIFECYCLE(i)) await engine.send(id, { id: `${id}-${k++}`, ...e });
      }
    }),
  );
  const ms = performance.now() - t;
  const events = workers * perWorker * 7;
  // Peer: the floor of any durable engine on this database — one autocommitted insert of a
  // snapshot-sized JSON row per event, from the same 8 workers.
  await peerQuery("create table if not exists wf_bench_peer (id text, n int, body jsonb)");
  const body = JSON.stringify((await store.load("r0"))?.instance.snapshot ?? {});
  t = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let j = 0; j < perWorker * 7; j++)
        await peerQuery("insert into wf_bench_peer values ($1, $2, $3::jsonb)", [`w${w}`, j, body]);
    }),
  );
  const peerMs = performance.now() - t;
  await peerQuery("drop table wf_bench_peer");
  ctx.emit({
    bench: `workflow.persisted.${name}`,
    workers,
    events,
    elderflow_events_s: Math.round(events / (ms / 1000)),
    peer_insert_rows_s: Math.round(events / (peerMs / 1000)),
    cost_ratio: Math.round((ms / peerMs) * 100) / 100,
  });
}

/** Builds `count` open requests with pending timers in memory, capturing every commit for bulk loading. */
async function openRequests(count: number): Promise<Commit[]> {
  const inner = memoryStore();
  const commits: Commit[] = [];
  const store: WorkflowStore = {
    ...inner,
    commit(c) {
      commits.push(c);
      return inner.commit(c);
    },
  };
  const clock = movingClock();
  const engine = createWorkflowEngine({ store, clock, machines: machines(), cacheSize: 1000 });
  for (let i = 0; i < count; i++) {
    clock.tick(60_000 / 100); // calls spread over time, so timers fall due one after another
    const id = `r${i}`;
    await engine.start("serviceRequest", { id, input: { communityId: "c01", personId: `p${i}` }, actor: staff });
    await engine.send(id, { id: `${id}-t`, type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    if (i % 2 === 0) await engine.send(id, { id: `${id}-a`, type: "ACCEPT", actor: spw });
  }
  return commits;
}

async function bulkLoad(
  client: { query(sql: string, p?: readonly unknown[]): Promise<unknown> },
  schema: string,
  commits: Commit[],
) {
  const last = new Map<string, Commit>();
  for (const c of commits) last.set(c.instance.id, c);
  const timers = new Map<string, unknown>();
  for (const c of commits) {
    for (const id of c.cancelTimers) timers.delete(`${c.instance.id}\u0000${id}`);
    for (const tm of c.addTimers)
      timers.set(`${tm.instanceId}\u0000${tm.timerId}`, {
        instance_id: tm.instanceId,
        timer_id: tm.timerId,
        fire_at: tm.fireAt,
        event: tm.event,
      });
  }
  const batch = 5000;
  const insts = [...last.values()].map((c) => {
    const i = c.instance;
    return {
      id: i.id,
      machine: i.machine,
      machine_version: i.machineVersion,
      version: i.version,
      state: i.state,
      status: i.status,
      community_id: i.communityId,
      priority: i.priority,
      snapshot: i.snapshot,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
    };
  });
  for (let k = 0; k < insts.length; k += batch)
    await client.query(
      `insert into ${schema}.wf_instances select * from jsonb_populate_recordset(null::${schema}.wf_instances, $1::jsonb)`,
      [JSON.stringify(insts.slice(k, k + batch))],
    );
  const events = commits.map((c) => {
    const e = c.entry;
    return {
      instance_id: e.instanceId,
      seq: e.seq,
      event_id: e.eventId,
      type: e.type,
      actor_id: e.actorId,
      role: e.role,
      org_id: e.orgId,
      at: e.at,
      payload: e.payload,
      from_state: e.from,
      to_state: e.to,
      machine_version: e.machineVersion,
    };
  });
  for (let k = 0; k < events.length; k += batch)
    await client.query(
      `insert into ${schema}.wf_events select * from jsonb_populate_recordset(null::${schema}.wf_events, $1::jsonb)`,
      [JSON.stringify(events.slice(k, k + batch))],
    );
  const tl = [...timers.values()];
  for (let k = 0; k < tl.length; k += batch)
    await client.query(
      `insert into ${schema}.wf_timers select * from jsonb_populate_recordset(null::${schema}.wf_timers, $1::jsonb)`,
      [JSON.stringify(tl.slice(k, k + batch))],
    );
  return { instances: insts.length, timers: tl.length };
}

async function restore(ctx: BenchContext, commits: Commit[], count: number): Promise<void> {
  // "Now" after the restart: the earliest-called tenth of the requests have missed a deadline.
  const now = T0 + Math.round((count / 10) * 600) + 15 * 60_000;
  const run = async (name: string, open: () => Promise<WorkflowStore>, done: () => Promise<void>) => {
    let t = performance.now();
    const store = await open();
    const openMs = performance.now() - t;
    const clock: Clock = { zone: "Asia/Shanghai", now: () => now };
    const engine = createWorkflowEngine({ store, clock, machines: machines() });
    const due = (await store.dueTimers(now, 10 * count)).length;
    t = performance.now();
    const r = await engine.runDueTimers(now);
    const fireMs = performance.now() - t;
    await store.close();
    await done();
    ctx.emit({
      bench: `workflow.restore.${name}`,
      open_requests: count,
      restart_ms: Math.round(openMs),
      due_timers: due,
      fired: r.fired,
      dropped: r.dropped,
      fire_due_ms: Math.round(fireMs),
      fired_per_s: Math.round(r.fired / (fireMs / 1000)),
      peak_rss_mib: peakRssMiB(),
    });
  };

  // PGlite: load into a directory, close, then reopen as after a restart.
  const dir = join(tmpdir(), `elderflow-wf-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  {
    const db = new PGlite(dir);
    const client = sqlFromPglite(db as never);
    await migrateWorkflowSchema(client, "public");
    const loaded = await bulkLoad(client, "public", commits);
    ctx.log(`pglite: loaded ${loaded.instances} instances, ${loaded.timers} timers`);
    await db.close();
  }
  await run(
    "pglite",
    () => pgliteStore({ dataDir: dir }),
    async () => rmSync(dir, { recursive: true, force: true }),
  );

  // PostgreSQL: a private schema.
  const schema = `wf_bench_${process.pid}`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  const client = sqlFromPgPool(pool, { owned: false });
  await pool.query(`drop schema if exists ${schema} cascade`);
  await pool.query("delete from elderflow_migrations where namespace = $1", [`workflow:${schema}`]);
  await migrateWorkflowSchema(client, schema);
  const loaded = await bulkLoad(client, schema, commits);
  ctx.log(`postgres: loaded ${loaded.instances} instances, ${loaded.timers} timers`);
  await run(
    "postgres",
    () => postgresStore({ connectionString: PG_URL, schema, max: 4 }),
    async () => {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.query("delete from elderflow_migrations where namespace = $1", [`workflow:${schema}`]);
      await pool.end();
    },
  );
}

/** Workflow: the engine beside raw xstate, persisted throughput with 8 workers, and restart with 100,000 open requests. */
export async function run(ctx: BenchContext): Promise<void> {
  // Optional section names after the area (memory, persisted, restore) run only those sections.
  const only = new Set(ctx.args.filter((a) => !a.startsWith("--")));
  const want = (section: string) => only.size === 0 || only.has(section);
  if (want("memory")) await memoryVsRaw(ctx);

  if (want("persisted")) {
    const db = new PGlite();
    const pgl = await pgliteStore({ db });
    await persisted(ctx, "pglite", pgl, (sql, params) => db.query(sql, params));
    await pgl.close();
    await db.close();
    const schema = `wf_benchp_${process.pid}`;
    const pgs = await postgresStore({ connectionString: PG_URL, schema, max: 8 });
    const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
    await pool.query(`create schema if not exists ${schema}`);
    await persisted(ctx, "postgres", pgs, (sql, params) =>
      pool.query(sql.replace("wf_bench_peer", `${schema}.wf_bench_peer`), params),
    );
    await pgs.close();
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.query("delete from elderflow_migrations where namespace = $1", [`workflow:${schema}`]);
    await pool.end();
  }

  if (want("restore")) {
    const count = ctx.quick ? 10_000 : 100_000;
    ctx.log(`building ${count} open requests …`);
    const commits = await openRequests(count);
    await restore(ctx, commits, count);
  }
}
