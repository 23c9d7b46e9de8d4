/**
 * Test support for the workflow crash and race tests: a scripted hotline load that is safe to
 * re-run after a crash (deterministic event ids, a clock that never goes back), and the places the
 * tests keep their tables in: a PostgreSQL schema or a MariaDB database of their own.
 */
import { randomBytes } from "node:crypto";
import { type Clock, isElderflowError } from "@elderflow/core";
import {
  builtInWorkflows,
  createWorkflowEngine,
  mysqlWorkflowStore,
  postgresStore,
  type WorkflowActor,
  type WorkflowDefinition,
  type WorkflowEngine,
  type WorkflowStore,
} from "@elderflow/workflow";
import mysql from "mysql2/promise";
import pg from "pg";
import { createMysqlDatabase, dropMysqlDatabase, mysqlUrlFor, privateMysqlDatabase } from "./support/mysql";

/** The PostgreSQL URL of the test server. */
export const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A schema unique to one test file and run. */
export function workflowSchema(tag: string): string {
  return `wf_${tag}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

/** Drops a test schema and its migration record. */
export async function dropWorkflowSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.query("delete from elderflow_migrations where namespace = $1", [`workflow:${schema}`]);
  } finally {
    await client.end();
  }
}

/** The servers the reliability tests run on. */
export const WORKFLOW_BACKENDS = ["postgres", "mariadb"] as const;
/** One of {@link WORKFLOW_BACKENDS}. */
export type WorkflowBackend = (typeof WORKFLOW_BACKENDS)[number];

/**
 * Makes a place of a test file's own for the workflow tables and returns its name: a PostgreSQL
 * schema (created by the store), or a MariaDB database (created here; the store uses it as its
 * connection's database, so the migration record goes with it).
 */
export async function prepareWorkflowPlace(backend: WorkflowBackend, tag: string): Promise<string> {
  if (backend === "postgres") return workflowSchema(tag);
  const database = privateMysqlDatabase(`wf_${tag}`).toLowerCase();
  await createMysqlDatabase(database);
  return database;
}

/** Removes a place made by {@link prepareWorkflowPlace}. */
export async function dropWorkflowPlace(backend: WorkflowBackend, place: string): Promise<void> {
  if (backend === "postgres") await dropWorkflowSchema(place);
  else await dropMysqlDatabase(place);
}

/** Opens a workflow store (a pool of `max` connections, as one process would have) on a place. */
export function openWorkflowStore(backend: WorkflowBackend, place: string, max: number): Promise<WorkflowStore> {
  return backend === "postgres"
    ? postgresStore({ connectionString: PG_URL, schema: place, max })
    : mysqlWorkflowStore({ uri: mysqlUrlFor(place), connectionLimit: max });
}

/** The time of the latest logged event in a place (0 before the tables exist), so a re-run's clock never goes back. */
export async function latestEventAt(backend: WorkflowBackend, place: string): Promise<number> {
  try {
    if (backend === "postgres") {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const r = await client.query(`select coalesce(max(at), 0)::bigint as at from ${place}.wf_events`);
        return Number(r.rows[0]?.at ?? 0);
      } finally {
        await client.end();
      }
    }
    const conn = await mysql.createConnection({ uri: mysqlUrlFor(place) });
    try {
      const [rows] = await conn.query("select coalesce(max(at), 0) as at from wf_events");
      return Number((rows as { at: unknown }[])[0]?.at ?? 0);
    } finally {
      await conn.end();
    }
  } catch {
    return 0;
  }
}

/** The workflows of the load, with fixed dependencies. */
export function loadWorkflows(): WorkflowDefinition[] {
  return builtInWorkflows({
    serviceRequest: { servicePoints: { nearest: () => ["sp1", "sp2", "sp3"] } },
    pairing: { certification: () => true },
  });
}

/** Start of the load's virtual time. */
export const T0 = Date.UTC(2027, 2, 1, 1, 0, 0);
/** Virtual minutes between chunks. */
export const CHUNK_MINUTES = 2;

const staff: WorkflowActor = { id: "s1", role: "hotline_staff", communityId: "c01" };
const sp = (n: number): WorkflowActor => ({ id: `w${n}`, role: "service_point", communityId: "c01", orgId: `sp${n}` });
const cadre = (i: number): WorkflowActor => ({ id: `p${i}`, role: "cadre", communityId: "c01" });

/** The scripted events of request i: how far it gets depends on i, so that many stay open with timers. */
export function scriptOf(i: number): { type: string; actor: WorkflowActor; payload?: Record<string, unknown> }[] {
  const steps: { type: string; actor: WorkflowActor; payload?: Record<string, unknown> }[] = [
    { type: "TRIAGE", actor: staff, payload: { serviceKind: i % 7 === 0 ? "emergency_help" : "plumbing" } },
  ];
  const depth = i % 6; // 0: left dispatched; 1: accepted; 2: on site; 3: done; 4: closed; 5: cancelled
  if (depth === 5) return [...steps, { type: "CANCEL", actor: cadre(i), payload: { reason: "caller_withdrew" } }];
  if (depth >= 1) steps.push({ type: "ACCEPT", actor: sp(1) });
  if (depth >= 2) steps.push({ type: "ARRIVE", actor: sp(1) });
  if (depth >= 3) steps.push({ type: "FINISH", actor: sp(1) });
  if (depth >= 4)
    steps.push({ type: "CONFIRM", actor: cadre(i), payload: undefined as never }, { type: "CLOSE", actor: staff });
  return steps.map((s) => (s.payload === undefined ? { type: s.type, actor: s.actor } : s));
}

/** Codes a re-run may meet when an earlier run moved an instance on (a timer re-dispatched it, …). */
const TOLERATED = new Set(["EVENT_NOT_ALLOWED", "NOT_AUTHORIZED"]);

/**
 * Drives `count` requests in chunks of `parallel`, firing due timers after each chunk. Re-running
 * it after a crash continues where the log says: applied event ids are answered as duplicates.
 */
export async function driveLoad(
  store: WorkflowStore,
  options: { count: number; parallel: number; floor: number; onChunk?: (n: number) => void },
): Promise<{ engine: WorkflowEngine; end: number }> {
  let now = Math.max(T0, options.floor);
  const clock: Clock = { zone: "Asia/Shanghai", now: () => now };
  const engine = createWorkflowEngine({ store, clock, machines: loadWorkflows() });
  const chunks = Math.ceil(options.count / options.parallel);
  for (let c = 0; c < chunks; c++) {
    now = Math.max(now, T0 + c * CHUNK_MINUTES * 60_000);
    const ids = Array.from({ length: options.parallel }, (_, k) => c * options.parallel + k).filter(
      (i) => i < options.count,
    );
    await Promise.all(
      ids.map(async (i) => {
        const id = `r${i}`;
        await engine.start("serviceRequest", { id, input: { communityId: "c01", personId: `p${i}` }, actor: staff });
        let n = 0;
        for (const step of scriptOf(i)) {
          try {
            await engine.send(id, { id: `${id}-${n++}`, ...step });
          } catch (e) {
            if (!isElderflowError(e) || !TOLERATED.has(e.code)) throw e;
          }
        }
      }),
    );
    await engine.runDueTimers(now);
    options.onChunk?.(c);
  }
  return { engine, end: now };
}
