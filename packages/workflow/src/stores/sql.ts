import { ElderflowError, runMigrations, type SqlClient } from "@elderflow/core";
import type { Commit, CommitOutcome, Erasure, ListFilter, LogEntry, Role, StoredInstance } from "../types";
import { addedTimers, droppedTimerIds } from "./commits";
import { type ExclusiveStoreOptions, exclusiveStore, type WorkflowTables } from "./exclusive";
import { listQuery } from "./list";
import { EVENT_COLUMN_LIST, workflowMigrations, workflowMysqlMigrations } from "./migrations";
import { logEntryValues, mysqlQueries, mysqlTables } from "./mysql-queries";
import {
  assertLayout,
  eventCommunity,
  madeCtes,
  sameCommunity,
  workflowPartitionedMigrations,
  workflowTables,
} from "./partitions";
import {
  byDue,
  entryColumns,
  instanceColumns,
  json,
  num,
  type Row,
  toInstance,
  toOutboxItem,
  toTimer,
  truthy,
} from "./rows";
import type { TimerLease, WorkflowStore } from "./store";

/** The store's hot statements (every commit, load, timer and outbox poll) are prepared where the adapter can. */
const HOT = { prepare: true } as const;

/** Options of the SQL stores. */
export interface SqlStoreOptions {
  /**
   * PostgreSQL schema holding the tables (default `public`); one per tenant or test. On MySQL a
   * database: `public` is the connection's own, any other name a database of that name.
   */
  readonly schema?: string;
  /** Whether `close()` closes the client (default true). */
  readonly ownsClient?: boolean;
  /** Most commits written in one group-commit statement (default 500). */
  readonly maxBatch?: number;
  /**
   * A channel to `pg_notify` after commits that add timers or emitted events (PostgreSQL; default
   * none). Ignored on MySQL, which has no LISTEN/NOTIFY: its workers find work by polling.
   */
  readonly notifyChannel?: string;
  /** Group-commit batches written at once (default 2 on PostgreSQL, 1 on PGlite, which has one connection). */
  readonly inFlight?: number;
  /**
   * This process is the only writer of the tables (an embedded PGlite, which one process opens at a
   * time): keep what was read in memory and, inside a batch of a `batchingClient`, write the batch's
   * commits as one statement at its end (see {@link exclusiveStore}). PostgreSQL dialects only; on
   * MySQL it is refused. Default false. Another writer on the same tables while it is on is
   * detected when a batch is written (the batch fails with `CONCURRENT_UPDATE`), not prevented.
   */
  readonly exclusive?: boolean | ExclusiveStoreOptions;
  /**
   * The tables are partitioned by community (`PARTITION BY LIST (community_id)`, PostgreSQL
   * dialects; see {@link workflowPartitionedMigrations} and {@link addCommunityPartition}). Chosen
   * when a schema is created: a schema opened in the other layout is refused. Default false.
   */
  readonly partitionByCommunity?: boolean;
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
 * processes at once). On a `mysql` client a schema is a database: `"public"` (the default) means
 * the connection's own database, any other name a database of that name, created if missing
 * (which needs the CREATE privilege); the migration record stays in the connection's database.
 *
 * @example
 * ```ts
 * await migrateWorkflowSchema(sqlFromPgPool(pool), "public");
 * ```
 */
export async function migrateWorkflowSchema(
  client: SqlClient,
  schema = "public",
  options: { readonly partitionByCommunity?: boolean } = {},
): Promise<number[]> {
  const S = checkSchemaName(schema);
  const namespace = S === "public" ? "workflow" : `workflow:${S}`;
  const partitioned = options.partitionByCommunity ?? false;
  if (partitioned && client.dialect === "mysql") throw partitionsNeedPostgres();
  // Two processes creating the shared bookkeeping table at the same instant can collide on
  // PostgreSQL's catalog; the loser simply tries again.
  for (let attempt = 0; ; attempt++) {
    try {
      const applied = await runMigrations(
        client,
        namespace,
        client.dialect === "mysql"
          ? workflowMysqlMigrations(S)
          : partitioned
            ? workflowPartitionedMigrations(S)
            : workflowMigrations(S),
      );
      // After the run, so that of two processes creating one schema in different layouts the
      // second is refused whichever took the lock first.
      if (client.dialect !== "mysql") await assertLayout(client, S, partitioned);
      return applied;
    } catch (e) {
      if (attempt >= 3 || (e as { code?: unknown }).code !== "23505") throw e;
    }
  }
}

const partitionsNeedPostgres = () =>
  new ElderflowError("INVALID_INPUT", {
    path: ["partitionByCommunity"],
    params: { detail: "partitions by community need a PostgreSQL dialect" },
  });

/**
 * A {@link WorkflowStore} over core's `SqlClient`, shared by the PGlite, PostgreSQL and MySQL
 * stores. The tables must exist (see {@link migrateWorkflowSchema}; the factories call it). On a
 * `mysql` client (MySQL 8, MariaDB 10.6+) each commit round is one transaction that locks the
 * instance rows in id order and writes with multi-row statements; `notifyChannel` is ignored
 * there (no LISTEN/NOTIFY), so runners pick work up by polling.
 *
 * @example
 * ```ts
 * const store = sqlStore(sqlFromPgPool(pool), { schema: "public" });
 * ```
 */
export function sqlStore(client: SqlClient, options: SqlStoreOptions = {}): WorkflowStore {
  const S = checkSchemaName(options.schema ?? "public");
  const my = client.dialect === "mysql" ? mysqlQueries(client, S) : undefined;
  /** This store's name on the timers it claims (one per store, so per process). */
  const owner = globalThis.crypto.randomUUID();
  if (my !== undefined && options.partitionByCommunity === true) throw partitionsNeedPostgres();
  const T: WorkflowTables =
    my !== undefined ? mysqlTables(S) : workflowTables(S, options.partitionByCommunity ?? false);

  // PostgreSQL (MySQL's rounds are in mysql-queries.ts, one transaction of several statements).
  // One statement per round of distinct instances (atomic on its own, one round trip, one WAL
  // flush), set-based over the whole batch. Each commit passes its own gate: an update only when
  // its row still has the expected version (and the fired timer is still stored as read; the row
  // lock taken here makes a concurrent writer wait, then re-checks), a create only when the id is
  // free. Only the gated commits whose log entry is new (`on conflict do nothing`: a repeated
  // event id) write their instance row, timers and outbox items, so a refused commit leaves no
  // trace and never undoes the others.
  const COMMIT_COLS = `x(ord int, id text, expected int, machine text, machine_version int, version int, state text,
    status text, community_id text, priority int, snapshot jsonb, created_at bigint, updated_at bigint,
    fired_id text, fired_at bigint, seq int, event_id text, type text, actor_id text, role text, org_id text,
    at bigint, payload jsonb, from_state text, to_state text, entry_version int)`;
  const COMMIT_MANY = `with x as materialized (select * from jsonb_to_recordset($1::jsonb) as ${COMMIT_COLS}),
    gate as (
      select i.id from ${T.i} i join x on x.id = i.id
       where x.expected > 0 and i.version = x.expected${sameCommunity(T, "i", "x")}
         and (x.fired_id is null or exists (
           select 1 from ${T.t} t where t.instance_id = x.id and t.timer_id = x.fired_id and t.fire_at = x.fired_at))
       order by i.id for update of i),
    ${madeCtes(T, "x.expected = 0")},
    ev as (
      insert into ${T.e} (${eventCommunity(T)}${EVENT_COLUMN_LIST})
      select ${T.ids === undefined ? "" : "x.community_id, "}x.id, x.seq, x.event_id, x.type, x.actor_id, x.role, x.org_id, x.at, x.payload, x.from_state, x.to_state, x.entry_version
        from x where x.id in (select id from gate union all select id from made)
      on conflict do nothing returning instance_id),
    upd as (
      update ${T.i} i set machine_version = x.machine_version, version = x.version, state = x.state, status = x.status,
             priority = x.priority, snapshot = x.snapshot, updated_at = x.updated_at
        from x where i.id = x.id${sameCommunity(T, "i", "x")} and x.expected > 0 and x.id in (select instance_id from ev)),
    del as (
      delete from ${T.t} t using jsonb_to_recordset($2::jsonb) as d(instance_id text, timer_id text)
       where t.instance_id = d.instance_id and t.timer_id = d.timer_id and d.instance_id in (select instance_id from ev)),
    addt as (
      insert into ${T.t} (instance_id, timer_id, fire_at, event)
      select a.instance_id, a.timer_id, a.fire_at, a.event
        from jsonb_to_recordset($3::jsonb) as a(instance_id text, timer_id text, fire_at bigint, event jsonb)
       where a.instance_id in (select instance_id from ev)
      on conflict (instance_id, timer_id) do update
        set fire_at = excluded.fire_at, event = excluded.event, claimed_by = null, claimed_until = null),
    box as (
      insert into ${T.o} (id, instance_id, machine, type, payload, at)
      select b.id, b.instance_id, b.machine, b.type, b.payload, b.at
        from jsonb_to_recordset($4::jsonb) as b(ord int, id text, instance_id text, machine text, type text, payload jsonb, at bigint)
       where b.instance_id in (select instance_id from ev) order by b.ord
      on conflict (id) do nothing),
    note as (select pg_notify($5::text, '') where $5::text is not null and exists (select 1 from ev))
    select instance_id as id from ev cross join (select count(*) from note) as woke`;

  /** Writes one round (distinct instance ids); returns the outcome of each commit, in order. */
  async function round(commits: readonly Commit[]): Promise<CommitOutcome[]> {
    const rows: unknown[] = [];
    const drops: unknown[] = [];
    const adds: unknown[] = [];
    const boxes: unknown[] = [];
    let ord = 0;
    for (const c of commits) {
      const i = c.instance;
      const e = c.entry;
      const { machine_version: entry_version, ...entry } = entryColumns(e);
      rows.push({
        id: i.id,
        expected: c.expectedVersion,
        ...instanceColumns(i),
        fired_id: c.firedTimer?.timerId ?? null,
        fired_at: c.firedTimer?.fireAt ?? null,
        ...entry,
        entry_version,
      });
      for (const t of droppedTimerIds(c)) drops.push({ instance_id: i.id, timer_id: t });
      for (const t of addedTimers(c))
        adds.push({ instance_id: t.instanceId, timer_id: t.timerId, fire_at: t.fireAt, event: t.event });
      for (const o of c.outbox)
        boxes.push({
          ord: ord++,
          id: o.id,
          instance_id: o.instanceId,
          machine: o.machine,
          type: o.type,
          payload: o.payload,
          at: o.at,
        });
    }
    const r = await client.query<{ id: string }>(
      COMMIT_MANY,
      [
        JSON.stringify(rows),
        JSON.stringify(drops),
        JSON.stringify(adds),
        JSON.stringify(boxes),
        options.notifyChannel !== undefined && (adds.length > 0 || boxes.length > 0) ? options.notifyChannel : null,
      ],
      HOT,
    );
    const written = new Set(r.rows.map((x) => x.id));
    const refused = commits.filter((c) => !written.has(c.instance.id) && c.expectedVersion > 0);
    // Why each refused update was refused, read after the fact (the rare path).
    const why = new Map<string, { version: number; seen: boolean }>();
    if (refused.length > 0) {
      const q = await client.query<Row>(
        `select x.id, i.version, exists (select 1 from ${T.e} e where e.instance_id = x.id and e.event_id = x.event_id) as seen
           from jsonb_to_recordset($1::jsonb) as x(id text, event_id text) join ${T.i} i on i.id = x.id`,
        [JSON.stringify(refused.map((c) => ({ id: c.instance.id, event_id: c.entry.eventId })))],
      );
      for (const row of q.rows) why.set(row.id as string, { version: num(row.version), seen: row.seen === true });
    }
    return commits.map((c): CommitOutcome => {
      const id = c.instance.id;
      if (written.has(id)) return { ok: true };
      if (c.expectedVersion === 0) return { ok: false, error: new ElderflowError("DUPLICATE_ID", { params: { id } }) };
      const w = why.get(id);
      if (w === undefined)
        return { ok: false, error: new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } }) };
      // As a lone commit is judged: the version first, then the event id.
      if (w.seen && w.version === c.expectedVersion)
        return {
          ok: false,
          error: new ElderflowError("DUPLICATE_ID", { params: { id: c.entry.eventId.slice(0, 64) } }),
        };
      // Either another writer moved the version on, or the timer being fired was fired or replaced.
      return {
        ok: false,
        error: new ElderflowError("CONCURRENT_UPDATE", { params: { expected: c.expectedVersion, actual: w.version } }),
      };
    });
  }

  async function commitMany(commits: readonly Commit[]): Promise<CommitOutcome[]> {
    const out: CommitOutcome[] = new Array(commits.length);
    // Rounds of distinct instances: a second commit of an instance goes in the next round, after the first.
    let todo = commits.map((c, k) => ({ c, k }));
    while (todo.length > 0) {
      const seen = new Set<string>();
      const now: { c: Commit; k: number }[] = [];
      const later: { c: Commit; k: number }[] = [];
      for (const t of todo) {
        if (seen.has(t.c.instance.id)) later.push(t);
        else {
          seen.add(t.c.instance.id);
          now.push(t);
        }
      }
      const r = await (my?.round ?? round)(now.map((t) => t.c));
      for (let n = 0; n < now.length; n++) out[(now[n] as { k: number }).k] = r[n] as CommitOutcome;
      todo = later;
    }
    return out;
  }

  // Group commit: a commit that arrives while a batch is being written waits for the next batch,
  // which takes everything that arrived meanwhile (one statement for all). A lone writer is never
  // delayed: with nothing in flight, its commit goes at once.
  const maxBatch = options.maxBatch ?? 500;
  const maxInFlight = Math.max(1, options.inFlight ?? (client.dialect === "pglite" ? 1 : 2));
  const queue: { c: Commit; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      commitMany(batch.map((b) => b.c)).then(
        (outcomes) => {
          inFlight--;
          for (let n = 0; n < batch.length; n++) {
            const o = outcomes[n] as CommitOutcome;
            const b = batch[n] as (typeof batch)[number];
            if (o.ok) b.resolve();
            else b.reject(o.error);
          }
          pump();
        },
        (err) => {
          inFlight--;
          for (const b of batch) b.reject(err);
          pump();
        },
      );
    }
  };

  const store: WorkflowStore = {
    kind: client.dialect,
    async load(instanceId, eventId) {
      const r = await client.query<Row>(
        `select i.*, exists (select 1 from ${T.e} e where e.instance_id = i.id and e.event_id = $2) as seen
         from ${T.i} i where i.id = $1`,
        [instanceId, eventId ?? null],
        HOT,
      );
      const row = r.rows[0];
      return row === undefined ? undefined : { instance: toInstance(row), seen: truthy(row.seen) };
    },
    commit(c) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ c, resolve, reject });
        pump();
      });
    },
    commitMany,
    async loadMany(ids) {
      const out = new Map<string, StoredInstance>();
      if (ids.length === 0) return out;
      const rows =
        my !== undefined
          ? await my.loadMany(ids)
          : (await client.query<Row>(`select * from ${T.i} where id = any($1::text[])`, [ids])).rows;
      for (const row of rows) out.set(row.id as string, toInstance(row));
      return out;
    },
    async list(f: ListFilter) {
      const q = listQuery(T.i, f, "*", my?.prefix);
      const r = await client.query<Row>(q.text, q.params);
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
        HOT,
      );
      return r.rows.map(toTimer);
    },
    ...(my !== undefined
      ? {}
      : {
          async claimDueTimers(now: number, limit: number, lease: TimerLease) {
            // Due timers nobody else holds a live lease on; the rows being claimed by another
            // process right now are skipped, not waited for.
            const r = await client.query<Row>(
              `with c as (
                 select instance_id, timer_id from ${T.t}
                  where fire_at <= $1 and (claimed_until is null or claimed_until <= $2 or claimed_by = $3)
                  order by fire_at, instance_id, timer_id limit $4
                  for update skip locked)
               update ${T.t} t set claimed_by = $3, claimed_until = $5
                 from c where t.instance_id = c.instance_id and t.timer_id = c.timer_id
               returning t.instance_id, t.timer_id, t.fire_at, t.event`,
              [now, lease.at, owner, limit, lease.until],
              HOT,
            );
            return r.rows.map(toTimer).sort(byDue);
          },
        }),
    async dropTimer(t) {
      await client.query(`delete from ${T.t} where instance_id=$1 and timer_id=$2 and fire_at=$3`, [
        t.instanceId,
        t.timerId,
        t.fireAt,
      ]);
    },
    async outbox(limit) {
      const rows =
        my !== undefined
          ? await my.outbox(limit)
          : (await client.query<Row>(`select * from ${T.o} where not delivered order by n limit $1`, [limit], HOT))
              .rows;
      return rows.map(toOutboxItem);
    },
    async markDelivered(ids) {
      if (my !== undefined) {
        if (ids.length > 0) await my.markDelivered(ids);
      } else if (ids.length > 0)
        await client.query(`update ${T.o} set delivered = true where id = any($1::text[])`, [ids]);
    },
    async naming(personId) {
      if (my !== undefined) return my.naming(personId);
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
      if (my !== undefined) return my.erase(x);
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
          T.ids === undefined
            ? `insert into ${T.e} (${EVENT_COLUMN_LIST})
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)`
            : `insert into ${T.e} (${EVENT_COLUMN_LIST}, community_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13)`,
          T.ids === undefined ? [i.id, ...logEntryValues(e)] : [i.id, ...logEntryValues(e), i.communityId],
        );
      });
    },
    async close() {
      if (options.ownsClient ?? true) await client.close();
    },
  };
  const exclusive = options.exclusive ?? false;
  if (exclusive === false) return store;
  if (my !== undefined)
    throw new ElderflowError("INVALID_INPUT", {
      path: ["exclusive"],
      params: { detail: "exclusive needs a PostgreSQL dialect" },
    });
  // A sole writer has nobody to wake; a notify channel says there are other workers.
  if (options.notifyChannel !== undefined)
    throw new ElderflowError("INVALID_INPUT", {
      path: ["notifyChannel"],
      params: { detail: "exclusive with a notify channel" },
    });
  return exclusiveStore(store, client, T, exclusive === true ? {} : exclusive);
}
