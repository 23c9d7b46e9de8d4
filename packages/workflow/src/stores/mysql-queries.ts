import { ElderflowError, isUniqueViolation, mysqlValues, type SqlClient, type SqlQueryable } from "@elderflow/core";
import type { Commit, CommitOutcome, Erasure, LogEntry, StoredInstance } from "../types";
import { addedTimers, droppedTimerIds } from "./commits";
import { EVENT_COLUMN_LIST } from "./migrations";

type Row = Record<string, unknown>;

/** Rows per multi-row statement: long batches are split so one statement stays well under `max_allowed_packet`. */
const CHUNK = 200;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));

/** `$1, $2, …` for a list of values (an `in (…)` list, built in JS as MySQL has no array parameters). */
const marks = (n: number, from = 1): string => Array.from({ length: n }, (_, k) => `$${k + from}`).join(", ");

/** `(a = $1 and b = $2) or (…)`: a lookup of pairs of key columns that the primary or unique index serves. */
function pairsOf(
  a: string,
  b: string,
  pairs: readonly (readonly [string, string])[],
): { sql: string; params: string[] } {
  const params: string[] = [];
  const terms: string[] = [];
  for (const [x, y] of pairs) {
    params.push(x, y);
    terms.push(`(${a} = $${params.length - 1} and ${b} = $${params.length})`);
  }
  return { sql: terms.join(" or "), params };
}

function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < xs.length; k += size) out.push(xs.slice(k, k + size));
  return out;
}

const key = (a: string, b: string) => `${a}\u0000${b}`;

/** The instance columns of an insert, in order. */
const INSTANCE_COLS =
  "id, machine, machine_version, version, state, status, community_id, priority, snapshot, created_at, updated_at";

function instanceValues(i: StoredInstance): unknown[] {
  return [
    i.id,
    i.machine,
    i.machineVersion,
    i.version,
    i.state,
    i.status,
    i.communityId,
    i.priority,
    JSON.stringify(i.snapshot),
    i.createdAt,
    i.updatedAt,
  ];
}

/** A log entry's column values after its instance id, in the order of the log table's insert. */
export function logEntryValues(e: LogEntry): unknown[] {
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

function eventValues(c: Commit | Erasure): unknown[] {
  return [c.instance.id, ...logEntryValues(c.entry)];
}

/** The table names of one schema on MySQL: `"public"` is the connection's own database, else a database of that name. */
export function mysqlTables(schema: string): { i: string; e: string; t: string; o: string } {
  const q = schema === "public" ? "" : `\`${schema}\`.`;
  return { i: `${q}wf_instances`, e: `${q}wf_events`, t: `${q}wf_timers`, o: `${q}wf_outbox` };
}

/**
 * The statements of the SQL store that differ on the MySQL family (MySQL 8, MariaDB 10.6+), kept
 * apart so the PostgreSQL path reads as one piece. A commit round is one transaction: the updated
 * instance rows are locked with `select … for update` in id order (two rounds over the same
 * instances never wait on each other in a cycle), every gate is checked in JS against what the
 * locked reads returned (version, fired timer, repeated event id), then the winners are written
 * with multi-row statements. Nothing here can LISTEN: workers find new work by polling.
 */
export function mysqlQueries(client: SqlClient, schema: string) {
  const T = mysqlTables(schema);

  /** Judges and writes one round (distinct instance ids) inside a transaction; outcomes in order. */
  async function roundIn(tx: SqlQueryable, commits: readonly Commit[]): Promise<CommitOutcome[]> {
    const updates = commits.filter((c) => c.expectedVersion > 0);
    const creates = commits.filter((c) => c.expectedVersion === 0);
    const stored = new Map<string, number>();
    for (const part of chunks([...new Set(updates.map((c) => c.instance.id))].sort())) {
      const r = await tx.query<Row>(
        `select id, version from ${T.i} where id in (${marks(part.length)}) order by id for update`,
        part,
      );
      for (const row of r.rows) stored.set(row.id as string, num(row.version));
    }
    // Ids never disappear, so a plain read is enough to refuse a create; a create racing another
    // process's create of the same id meets a unique violation, and the round runs again.
    const taken = new Set<string>();
    for (const part of chunks(creates.map((c) => c.instance.id))) {
      const r = await tx.query<Row>(`select id from ${T.i} where id in (${marks(part.length)})`, part);
      for (const row of r.rows) taken.add(row.id as string);
    }
    // Under READ COMMITTED each read sees the last committed rows, and every writer of an
    // instance's log holds its row lock, which this transaction now has. The fired timers are
    // locked too: `dropTimer` deletes a timer without the instance lock.
    const firing = updates.filter((c) => c.firedTimer !== undefined && stored.get(c.instance.id) === c.expectedVersion);
    const timerAt = new Map<string, number>();
    for (const part of chunks(firing)) {
      const p = pairsOf(
        "instance_id",
        "timer_id",
        part.map((c) => [c.instance.id, c.firedTimer?.timerId ?? ""] as const),
      );
      const r = await tx.query<Row>(
        `select instance_id, timer_id, fire_at from ${T.t} where ${p.sql} for update`,
        p.params,
      );
      for (const row of r.rows) timerAt.set(key(row.instance_id as string, row.timer_id as string), num(row.fire_at));
    }
    const gated = commits.filter((c) =>
      c.expectedVersion === 0
        ? !taken.has(c.instance.id)
        : stored.get(c.instance.id) === c.expectedVersion &&
          (c.firedTimer === undefined || timerAt.get(key(c.instance.id, c.firedTimer.timerId)) === c.firedTimer.fireAt),
    );
    const seen = new Set<string>();
    for (const part of chunks(gated)) {
      const p = pairsOf(
        "instance_id",
        "event_id",
        part.map((c) => [c.instance.id, c.entry.eventId] as const),
      );
      const r = await tx.query<Row>(`select instance_id, event_id from ${T.e} where ${p.sql}`, p.params);
      for (const row of r.rows) seen.add(key(row.instance_id as string, row.event_id as string));
    }
    const passed = new Set(gated);
    const winners = gated.filter((c) => !seen.has(key(c.instance.id, c.entry.eventId)));
    await write(tx, winners);

    const won = new Set(winners.map((c) => c.instance.id));
    // As the memory store judges a lone commit: the version, then the fired timer, then the event id.
    return commits.map((c): CommitOutcome => {
      const id = c.instance.id;
      if (won.has(id)) return { ok: true };
      if (c.expectedVersion === 0) {
        if (taken.has(id)) return { ok: false, error: new ElderflowError("DUPLICATE_ID", { params: { id } }) };
        return {
          ok: false,
          error: new ElderflowError("DUPLICATE_ID", { params: { id: c.entry.eventId.slice(0, 64) } }),
        };
      }
      const version = stored.get(id);
      if (version === undefined)
        return { ok: false, error: new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } }) };
      if (passed.has(c))
        return {
          ok: false,
          error: new ElderflowError("DUPLICATE_ID", { params: { id: c.entry.eventId.slice(0, 64) } }),
        };
      return {
        ok: false,
        error: new ElderflowError("CONCURRENT_UPDATE", { params: { expected: c.expectedVersion, actual: version } }),
      };
    });
  }

  /** Writes the commits that passed their gates: instance rows, log entries, timers, outbox items. */
  async function write(tx: SqlQueryable, winners: readonly Commit[]): Promise<void> {
    if (winners.length === 0) return;
    const byId = [...winners].sort((a, b) =>
      a.instance.id < b.instance.id ? -1 : a.instance.id > b.instance.id ? 1 : 0,
    );
    const won = new Set(winners.map((c) => c.instance.id));
    for (const part of chunks(byId.filter((c) => c.expectedVersion === 0))) {
      const v = mysqlValues(part.map((c) => instanceValues(c.instance)));
      await tx.query(`insert into ${T.i} (${INSTANCE_COLS}) values ${v.list}`, v.params);
    }
    // The rows exist and are locked: the upsert is a multi-row update (id, machine, community and
    // creation time are not changed by an event).
    for (const part of chunks(byId.filter((c) => c.expectedVersion > 0))) {
      const v = mysqlValues(part.map((c) => instanceValues(c.instance)));
      await tx.query(
        `insert into ${T.i} (${INSTANCE_COLS}) values ${v.list}
         on duplicate key update machine_version = values(machine_version), version = values(version),
           state = values(state), status = values(status), priority = values(priority),
           snapshot = values(snapshot), updated_at = values(updated_at)`,
        v.params,
      );
    }
    for (const part of chunks(byId)) {
      const v = mysqlValues(part.map(eventValues));
      await tx.query(`insert into ${T.e} (${EVENT_COLUMN_LIST}) values ${v.list}`, v.params);
    }
    const drops: [string, string][] = [];
    const adds: unknown[][] = [];
    const boxes: unknown[][] = [];
    for (const c of winners) {
      for (const t of droppedTimerIds(c)) drops.push([c.instance.id, t]);
      for (const t of addedTimers(c))
        if (won.has(t.instanceId)) adds.push([t.instanceId, t.timerId, t.fireAt, JSON.stringify(t.event)]);
      for (const o of c.outbox)
        if (won.has(o.instanceId)) boxes.push([o.id, o.instanceId, o.machine, o.type, JSON.stringify(o.payload), o.at]);
    }
    for (const part of chunks(drops)) {
      const p = pairsOf("instance_id", "timer_id", part);
      await tx.query(`delete from ${T.t} where ${p.sql}`, p.params);
    }
    for (const part of chunks(adds)) {
      const v = mysqlValues(part);
      await tx.query(
        `insert into ${T.t} (instance_id, timer_id, fire_at, event) values ${v.list}
         on duplicate key update fire_at = values(fire_at), event = values(event)`,
        v.params,
      );
    }
    // In input order, so the auto-increment keeps emitted events in the order they were emitted.
    for (const part of chunks(boxes)) {
      const v = mysqlValues(part);
      await tx.query(
        `insert into ${T.o} (id, instance_id, machine, type, payload, at) values ${v.list}
         on duplicate key update id = id`,
        v.params,
      );
    }
  }

  return {
    /** Writes one round of distinct instances as one transaction; deadlocks and create races run it again. */
    async round(commits: readonly Commit[]): Promise<CommitOutcome[]> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.transaction((tx) => roundIn(tx, commits), { isolation: "read committed", retries: 5 });
        } catch (e) {
          if (attempt < 3 && isUniqueViolation(e)) continue;
          throw e;
        }
      }
    },

    async loadMany(ids: readonly string[]): Promise<Row[]> {
      const rows: Row[] = [];
      for (const part of chunks([...new Set(ids)], 1000)) {
        const r = await client.query<Row>(`select * from ${T.i} where id in (${marks(part.length)})`, part);
        rows.push(...r.rows);
      }
      return rows;
    },

    /** A state prefix: MySQL has no `starts_with`; `$n` is passed twice by the placeholder rewrite. */
    prefix: (n: number) => `left(state, char_length($${n})) = $${n}`,

    async outbox(limit: number): Promise<Row[]> {
      // `delivered = 0` reads the (delivered, n) index in order.
      const r = await client.query<Row>(`select * from ${T.o} where delivered = 0 order by n limit $1`, [limit]);
      return r.rows;
    },

    async markDelivered(ids: readonly string[]): Promise<void> {
      for (const part of chunks([...new Set(ids)], 1000))
        await client.query(`update ${T.o} set delivered = 1 where id in (${marks(part.length)})`, part);
    },

    async naming(personId: string): Promise<string[]> {
      // The snapshot is stored as JSON.stringify wrote it, so a context value equal to the id
      // contains its JSON text: the server narrows by that text, and the exact test (a top-level
      // context value, as PostgreSQL's jsonb_each) is made on the parsed rows.
      const quoted = JSON.stringify(personId);
      const named = await client.query<Row>(`select id, snapshot from ${T.i} where locate($1, snapshot) > 0`, [quoted]);
      const out = new Set<string>();
      for (const row of named.rows) {
        const snap = JSON.parse(row.snapshot as string) as { context?: Record<string, unknown> };
        if (Object.values(snap.context ?? {}).some((v) => v === personId)) out.add(row.id as string);
      }
      const acted = await client.query<Row>(`select distinct instance_id from ${T.e} where actor_id = $1`, [personId]);
      for (const row of acted.rows) out.add(row.instance_id as string);
      return [...out];
    },

    async erase(x: Erasure): Promise<void> {
      const i = x.instance;
      await client.transaction(
        async (tx) => {
          const now = await tx.query<Row>(`select version from ${T.i} where id = $1 for update`, [i.id]);
          const row = now.rows[0];
          if (row === undefined) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: i.id } });
          if (num(row.version) !== x.expectedVersion)
            throw new ElderflowError("CONCURRENT_UPDATE", {
              params: { expected: x.expectedVersion, actual: num(row.version) },
            });
          await tx.query(`update ${T.i} set version = $2, snapshot = $3, updated_at = $4 where id = $1`, [
            i.id,
            i.version,
            JSON.stringify(i.snapshot),
            i.updatedAt,
          ]);
          for (const part of chunks(x.payloads)) {
            const params: unknown[] = [i.id];
            const cases: string[] = [];
            for (const p of part) {
              params.push(p.seq, JSON.stringify(p.payload));
              cases.push(`when $${params.length - 1} then $${params.length}`);
            }
            await tx.query(
              `update ${T.e} set payload = case seq ${cases.join(" ")} else payload end
                where instance_id = $1 and seq in (${part.map((_, k) => `$${2 + 2 * k}`).join(", ")})`,
              params,
            );
          }
          await tx.query(
            `insert into ${T.e} (${EVENT_COLUMN_LIST}) values ${mysqlValues([eventValues(x)]).list}`,
            eventValues(x),
          );
        },
        { isolation: "read committed", retries: 5 },
      );
    },
  };
}
