import { ElderflowError, runMigrations, type SqlClient } from "@elderflow/core";
import type {
  Commit,
  Erasure,
  ListFilter,
  LogEntry,
  OutboxItem,
  PersistedSnapshot,
  Role,
  StoredInstance,
  StoredTimer,
} from "../types";
import { workflowMigrations } from "./migrations";
import type { WorkflowStore } from "./store";

/** Options of the SQL stores. */
export interface SqlStoreOptions {
  /** PostgreSQL schema holding the tables (default `public`); one per tenant or test. */
  readonly schema?: string;
  /** Whether `close()` closes the client (default true). */
  readonly ownsClient?: boolean;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const json = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));

function toInstance(r: Row): StoredInstance {
  return {
    id: r.id as string,
    machine: r.machine as string,
    machineVersion: num(r.machine_version),
    version: num(r.version),
    state: r.state as string,
    status: r.status as string,
    communityId: r.community_id as string,
    priority: num(r.priority),
    snapshot: json<PersistedSnapshot>(r.snapshot),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function toTimer(r: Row): StoredTimer {
  return {
    instanceId: r.instance_id as string,
    timerId: r.timer_id as string,
    fireAt: num(r.fire_at),
    event: json<StoredTimer["event"]>(r.event),
  };
}

/** A log entry's column values after its instance id, in the order of the log table's insert. */
function logEntryValues(e: LogEntry): unknown[] {
  return [
    e.seq,
    e.eventId,
    e.type,
    e.actorId,
    e.role,
    e.orgId,
    e.at,
    JSON.stringify(e.payload),
    e.from,
    e.to,
    e.machineVersion,
  ];
}

/**
 * Checks that a schema name is a plain lower-case identifier, since it is spliced into SQL.
 *
 * @example
 * ```ts
 * checkSchemaName("wf_test_1"); // "wf_test_1"
 * ```
 */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new ElderflowError("INVALID_FORMAT", { path: ["schema"], params: { format: "schema name" } });
  return schema;
}

/**
 * Creates the workflow tables in a schema if they are missing (idempotent; safe from several
 * processes at once).
 *
 * @example
 * ```ts
 * await migrateWorkflowSchema(sqlFromPgPool(pool), "public");
 * ```
 */
export async function migrateWorkflowSchema(client: SqlClient, schema = "public"): Promise<number[]> {
  const S = checkSchemaName(schema);
  const namespace = S === "public" ? "workflow" : `workflow:${S}`;
  // Two processes creating the shared bookkeeping table at the same instant can collide on
  // PostgreSQL's catalog; the loser simply tries again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await runMigrations(client, namespace, workflowMigrations(S));
    } catch (e) {
      if (attempt >= 3 || (e as { code?: unknown }).code !== "23505") throw e;
    }
  }
}

/**
 * A {@link WorkflowStore} over core's `SqlClient`, shared by the PGlite and PostgreSQL stores. The
 * tables must exist (see {@link migrateWorkflowSchema}; the factories call it).
 *
 * @example
 * ```ts
 * const store = sqlStore(sqlFromPgPool(pool), { schema: "public" });
 * ```
 */
export function sqlStore(client: SqlClient, options: SqlStoreOptions = {}): WorkflowStore {
  const S = checkSchemaName(options.schema ?? "public");
  const T = {
    i: `${S}.wf_instances`,
    e: `${S}.wf_events`,
    t: `${S}.wf_timers`,
    o: `${S}.wf_outbox`,
  };

  const TIMER_COLS = "x(instance_id text, timer_id text, fire_at bigint, event jsonb)";
  const OUTBOX_COLS = "x(ord int, id text, instance_id text, machine text, type text, payload jsonb, at bigint)";
  const effects = (gate: string, first: number) => `
    del as (delete from ${T.t} where instance_id = $1 and timer_id = any($${first}::text[]) and exists (select 1 from ${gate})),
    addt as (
      insert into ${T.t} (instance_id, timer_id, fire_at, event)
      select x.instance_id, x.timer_id, x.fire_at, x.event from jsonb_to_recordset($${first + 1}::jsonb) as ${TIMER_COLS}
      where exists (select 1 from ${gate})
      on conflict (instance_id, timer_id) do update set fire_at = excluded.fire_at, event = excluded.event),
    box as (
      insert into ${T.o} (id, instance_id, machine, type, payload, at)
      select x.id, x.instance_id, x.machine, x.type, x.payload, x.at from jsonb_to_recordset($${first + 2}::jsonb) as ${OUTBOX_COLS}
      where exists (select 1 from ${gate}) order by x.ord
      on conflict (id) do nothing)
    insert into ${T.e} (instance_id, seq, event_id, type, actor_id, role, org_id, at, payload, from_state, to_state, machine_version)
    select $1, $${first + 3}, $${first + 4}, $${first + 5}, $${first + 6}, $${first + 7}, $${first + 8}, $${first + 9},
           $${first + 10}::jsonb, $${first + 11}, $${first + 12}, $${first + 13}
    from ${gate} returning seq`;
  // One statement per commit (atomic on its own, one round trip): the instance row is written only
  // if its version (and the fired timer) is as expected, and every other write is gated on it. A
  // repeated event id violates the log's unique key, which undoes the whole statement.
  const CREATE = `with gate as (
      insert into ${T.i} (id, machine, machine_version, version, state, status, community_id, priority, snapshot, created_at, updated_at)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) on conflict (id) do nothing returning id),
    ${effects("gate", 12)}`;
  const UPDATE = `with gate as (
      update ${T.i} set machine_version = $3, version = $4, state = $5, status = $6, priority = $7, snapshot = $8::jsonb, updated_at = $9
      where id = $1 and version = $2
        and ($10::text is null or exists (select 1 from ${T.t} where instance_id = $1 and timer_id = $10 and fire_at = $11))
      returning id),
    ${effects("gate", 12)}`;

  async function write(c: Commit): Promise<void> {
    const i = c.instance;
    const e = c.entry;
    const readded = new Set(c.addTimers.map((t) => t.timerId));
    const drop = [...c.cancelTimers, ...(c.firedTimer === undefined ? [] : [c.firedTimer.timerId])].filter(
      (t) => !readded.has(t),
    );
    const tail = [
      [...new Set(drop)],
      JSON.stringify(
        c.addTimers.map((t) => ({ instance_id: t.instanceId, timer_id: t.timerId, fire_at: t.fireAt, event: t.event })),
      ),
      JSON.stringify(
        c.outbox.map((o, ord) => ({
          ord,
          id: o.id,
          instance_id: o.instanceId,
          machine: o.machine,
          type: o.type,
          payload: o.payload,
          at: o.at,
        })),
      ),
      ...logEntryValues(e),
    ];
    const snap = JSON.stringify(i.snapshot);
    let rows: unknown[];
    try {
      rows =
        c.expectedVersion === 0
          ? (
              await client.query(CREATE, [
                i.id,
                i.machine,
                i.machineVersion,
                i.version,
                i.state,
                i.status,
                i.communityId,
                i.priority,
                snap,
                i.createdAt,
                i.updatedAt,
                ...tail,
              ])
            ).rows
          : (
              await client.query(UPDATE, [
                i.id,
                c.expectedVersion,
                i.machineVersion,
                i.version,
                i.state,
                i.status,
                i.priority,
                snap,
                i.updatedAt,
                c.firedTimer?.timerId ?? null,
                c.firedTimer?.fireAt ?? null,
                ...tail,
              ])
            ).rows;
    } catch (err) {
      if ((err as { code?: unknown }).code === "23505")
        throw new ElderflowError("DUPLICATE_ID", { params: { id: e.eventId.slice(0, 64) }, cause: err });
      throw err;
    }
    if (rows.length === 1) return;
    if (c.expectedVersion === 0) throw new ElderflowError("DUPLICATE_ID", { params: { id: i.id } });
    const now = await client.query<{ version: number }>(`select version from ${T.i} where id = $1`, [i.id]);
    const row = now.rows[0];
    if (row === undefined) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: i.id } });
    // Either another writer moved the version on, or the timer being fired was fired or replaced.
    throw new ElderflowError("CONCURRENT_UPDATE", {
      params: { expected: c.expectedVersion, actual: num(row.version) },
    });
  }

  return {
    kind: client.dialect,
    async load(instanceId, eventId) {
      const r = await client.query<Row>(
        `select i.*, exists (select 1 from ${T.e} e where e.instance_id = i.id and e.event_id = $2) as seen
         from ${T.i} i where i.id = $1`,
        [instanceId, eventId ?? null],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : { instance: toInstance(row), seen: row.seen === true };
    },
    async commit(c) {
      await write(c);
    },
    async list(f: ListFilter) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        where.push(sql.replace("?", `$${params.length}`));
      };
      if (f.machine !== undefined) add("machine = ?", f.machine);
      if (f.communityId !== undefined) add("community_id = ?", f.communityId);
      // The expression of the wf_instances_person index (migration 2), so the index answers it.
      if (f.personId !== undefined) add("(snapshot->'context'->>'personId') = ?", f.personId);
      if (f.activeOnly === true) where.push("status = 'active'");
      if (f.state !== undefined) {
        if (f.state.endsWith(".")) add("starts_with(state, ?)", f.state);
        else add("state = ?", f.state);
      }
      params.push(f.limit ?? 100);
      const r = await client.query<Row>(
        `select * from ${T.i} ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
         order by priority desc, created_at, id limit $${params.length}`,
        params,
      );
      return r.rows.map(toInstance);
    },
    async events(instanceId) {
      const r = await client.query<Row>(`select * from ${T.e} where instance_id = $1 order by seq`, [instanceId]);
      return r.rows.map(
        (x): LogEntry => ({
          instanceId: x.instance_id as string,
          seq: num(x.seq),
          eventId: x.event_id as string,
          type: x.type as string,
          actorId: x.actor_id as string,
          role: x.role as Role,
          orgId: (x.org_id as string | null) ?? null,
          at: num(x.at),
          payload: json<Record<string, unknown>>(x.payload),
          from: (x.from_state as string | null) ?? null,
          to: x.to_state as string,
          machineVersion: num(x.machine_version),
        }),
      );
    },
    async timers(instanceId) {
      const r = await client.query<Row>(`select * from ${T.t} where instance_id = $1 order by fire_at, timer_id`, [
        instanceId,
      ]);
      return r.rows.map(toTimer);
    },
    async dueTimers(now, limit) {
      const r = await client.query<Row>(
        `select * from ${T.t} where fire_at <= $1 order by fire_at, instance_id, timer_id limit $2`,
        [now, limit],
      );
      return r.rows.map(toTimer);
    },
    async dropTimer(t) {
      await client.query(`delete from ${T.t} where instance_id=$1 and timer_id=$2 and fire_at=$3`, [
        t.instanceId,
        t.timerId,
        t.fireAt,
      ]);
    },
    async outbox(limit) {
      const r = await client.query<Row>(`select * from ${T.o} where not delivered order by n limit $1`, [limit]);
      return r.rows.map(
        (x): OutboxItem => ({
          id: x.id as string,
          instanceId: x.instance_id as string,
          machine: x.machine as string,
          type: x.type as string,
          payload: json<Record<string, unknown>>(x.payload),
          at: num(x.at),
        }),
      );
    },
    async markDelivered(ids) {
      if (ids.length > 0) await client.query(`update ${T.o} set delivered = true where id = any($1::text[])`, [ids]);
    },
    async naming(personId) {
      const r = await client.query<{ id: string }>(
        `select i.id from ${T.i} i
          where exists (select 1 from jsonb_each(i.snapshot->'context') kv where kv.value = to_jsonb($1::text))
         union
         select distinct e.instance_id from ${T.e} e where e.actor_id = $1`,
        [personId],
      );
      return r.rows.map((x) => x.id);
    },
    async erase(x: Erasure) {
      const i = x.instance;
      const e = x.entry;
      await client.transaction(async (tx) => {
        const gate = await tx.query<{ id: string }>(
          `update ${T.i} set version = $3, snapshot = $4::jsonb, updated_at = $5 where id = $1 and version = $2 returning id`,
          [i.id, x.expectedVersion, i.version, JSON.stringify(i.snapshot), i.updatedAt],
        );
        if (gate.rows.length !== 1) {
          const now = await tx.query<{ version: number }>(`select version from ${T.i} where id = $1`, [i.id]);
          const row = now.rows[0];
          if (row === undefined) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: i.id } });
          throw new ElderflowError("CONCURRENT_UPDATE", {
            params: { expected: x.expectedVersion, actual: num(row.version) },
          });
        }
        if (x.payloads.length > 0)
          await tx.query(
            `update ${T.e} e set payload = x.payload
               from jsonb_to_recordset($2::jsonb) as x(seq int, payload jsonb)
              where e.instance_id = $1 and e.seq = x.seq`,
            [i.id, JSON.stringify(x.payloads.map((p) => ({ seq: p.seq, payload: p.payload })))],
          );
        await tx.query(
          `insert into ${T.e} (instance_id, seq, event_id, type, actor_id, role, org_id, at, payload, from_state, to_state, machine_version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)`,
          [i.id, ...logEntryValues(e)],
        );
      });
    },
    async close() {
      if (options.ownsClient ?? true) await client.close();
    },
  };
}
