import { ElderflowError, isBatchingClient, type SqlClient } from "@elderflow/core";
import type { Commit, Erasure, ListFilter, LogEntry, OutboxItem, StoredInstance, StoredTimer } from "../types";
import { addedTimers, droppedTimerIds } from "./commits";
import { listQuery } from "./list";
import { EVENT_COLUMN_LIST } from "./migrations";
import { eventCommunity, madeCtes, sameCommunity } from "./partitions";
import { byDue, entryColumns, instanceColumns, num, type Row, toInstance, toOutboxItem, toTimer } from "./rows";
import type { WorkflowStore } from "./store";

/** Table names of one schema (PostgreSQL dialects). */
export interface WorkflowTables {
  readonly i: string;
  readonly e: string;
  readonly t: string;
  readonly o: string;
  /** The instance-id table of a schema partitioned by community; absent in the single-table layout. */
  readonly ids?: string;
}

/** A cached instance: its row and every event id in its log (stored or deferred). */
interface Entry {
  instance: StoredInstance;
  readonly eventIds: Set<string>;
}

const timerKey = (instanceId: string, timerId: string) => `${instanceId}\u0000${timerId}`;

/** Options of {@link exclusiveStore}. */
export interface ExclusiveStoreOptions {
  /** Most instances kept in memory (default 20,000); pending timers and undelivered items are all kept. */
  readonly cacheSize?: number;
  /**
   * Most instance ids held in memory to tell a new id from a stored one without a statement
   * (default 500,000, about 40 MB). With more instances stored, a new id is looked up in SQL.
   */
  readonly knownIds?: number;
}

/**
 * The SQL workflow store for a process that is the only writer of its tables (an embedded PGlite,
 * which one process opens at a time). It keeps what it has read in memory (instances with their
 * event ids, every pending timer, every undelivered outbox item), so loads, due-timer and outbox
 * polls cost no statement. Outside a batch each commit is written at once, through `base` (its
 * gates, its group commit) and cached once it is durable. Inside a batch of a batching client the
 * store checks each commit against its memory, exactly as the memory store does (version, fired
 * timer, event id: the same errors), and writes everything the batch committed as one set-based
 * statement just before the batch commits, the instance rows as they ended, every log entry, the
 * timers' net changes and the outbox in commit order. The statement still checks each row's stored
 * version: if another writer broke the exclusivity, the batch fails with `CONCURRENT_UPDATE` and
 * rolls back rather than overwrite. A batch that rolls back empties the memory, which is then
 * read again.
 */
export function exclusiveStore(
  base: WorkflowStore,
  client: SqlClient,
  T: WorkflowTables,
  options: ExclusiveStoreOptions = {},
): WorkflowStore {
  const maxEntries = Math.max(16, options.cacheSize ?? 20_000);
  /** Instances by id; `null` marks an id known to be free. Insertion order is recency (oldest first). */
  const entries = new Map<string, Entry | null>();
  /**
   * Every stored instance id (and every id this store has written or is writing), read once, so a
   * new id is known to be free without a statement; false when there are too many to hold. An id
   * here that is not stored only costs a read.
   */
  let known: Set<string> | false | undefined;
  const maxKnown = Math.max(0, options.knownIds ?? 500_000);
  /** Ids written before the known ids were read. */
  const early = new Set<string>();
  let timers: Map<string, StoredTimer> | undefined;
  let outbox: Map<string, OutboxItem> | undefined;

  // What the open batch has committed and not yet written.
  /** Dirty instances: the version stored before the batch (0: created in it) and the row now. */
  const dirty = new Map<string, { readonly stored: number; instance: StoredInstance }>();
  let logEntries: LogEntry[] = [];
  /** Net timer changes: the timer as it must be stored, or null to delete it. */
  const timerChanges = new Map<string, StoredTimer | null>();
  let boxes: { item: OutboxItem; delivered: boolean }[] = [];
  const pendingBoxes = new Map<string, { item: OutboxItem; delivered: boolean }>();
  let deliveredStored: string[] = [];

  const inBatch = () => isBatchingClient(client) && client.inBatch;
  const pendingWrites = () => dirty.size > 0 || timerChanges.size > 0 || deliveredStored.length > 0 || boxes.length > 0;

  /**
   * Ids the partitioned layout's id table holds without an instance row (their partition was
   * detached, to an archive): taken, so a create of one is a duplicate, and nothing to load.
   */
  const taken = new Set<string>();

  function forget() {
    entries.clear();
    taken.clear();
    timers = undefined;
    outbox = undefined;
    clearPending();
  }
  function clearPending() {
    dirty.clear();
    logEntries = [];
    timerChanges.clear();
    boxes = [];
    pendingBoxes.clear();
    deliveredStored = [];
  }

  function touch(id: string, entry: Entry | null) {
    entries.delete(id);
    entries.set(id, entry);
  }
  /** Keeps the cache bounded: drops the oldest clean instances (a dirty one is written first). */
  async function trim() {
    if (entries.size <= maxEntries) return;
    if (dirty.size > 0) await flush();
    for (const id of entries.keys()) {
      if (entries.size <= maxEntries * 0.9) break;
      entries.delete(id);
    }
  }

  async function knownIds(): Promise<Set<string> | false> {
    if (known === undefined) {
      // Partitioned, the id table knows every id ever created, also those archived since.
      const r = await client.query<{ id: string }>(`select id from ${T.ids ?? T.i} limit $1`, [maxKnown + 1]);
      if (known === undefined) {
        const set = r.rows.length > maxKnown ? false : new Set(r.rows.map((row) => row.id));
        // Ids written while the read was on (it may not see them) are added too.
        if (set !== false) for (const id of early) set.add(id);
        known = set;
        early.clear();
      }
    }
    return known;
  }
  /** An id this store writes: from now on it may be stored. */
  function mayExist(id: string): void {
    if (known === undefined) early.add(id);
    else if (known !== false) {
      known.add(id);
      if (known.size > maxKnown) known = false;
    }
  }

  async function fetchEntries(all: readonly string[]): Promise<void> {
    const set = await knownIds();
    const ids = set === false ? all : all.filter((id) => set.has(id));
    for (const id of all) if (set !== false && !set.has(id)) touch(id, null);
    if (ids.length === 0) return trim();
    // Partitioned, the id table is read with the instances in the same statement: an id it holds
    // without an instance row was archived (its partition detached) and stays taken.
    const r = await client.query<Row>(
      T.ids === undefined
        ? `select i.*, array(select e.event_id from ${T.e} e where e.instance_id = i.id) as event_ids
             from ${T.i} i where i.id = any($1::text[])`
        : `select d.id as taken_id, i.*, array(select e.event_id from ${T.e} e where e.instance_id = i.id) as event_ids
             from ${T.ids} d left join ${T.i} i on i.id = d.id and i.community_id = d.community_id
            where d.id = any($1::text[])`,
      [ids],
    );
    const found = new Set<string>();
    const archived: string[] = [];
    for (const row of r.rows) {
      if (row.id == null) {
        archived.push(row.taken_id as string);
        continue;
      }
      const id = row.id as string;
      found.add(id);
      touch(id, { instance: toInstance(row), eventIds: new Set(row.event_ids as string[]) });
    }
    for (const id of ids) if (!found.has(id)) touch(id, null);
    if (taken.size + archived.length > maxEntries) {
      // Bounded: forgotten ids are read again when next asked for.
      for (const id of taken) entries.delete(id);
      taken.clear();
    }
    for (const id of archived) taken.add(id);
    await trim();
  }

  async function entryOf(id: string): Promise<Entry | null> {
    let e = entries.get(id);
    if (e === undefined) {
      await fetchEntries([id]);
      e = entries.get(id) ?? null;
    }
    return e;
  }

  async function timerMap(): Promise<Map<string, StoredTimer>> {
    if (timers === undefined) {
      const r = await client.query<Row>(`select * from ${T.t}`);
      const m = new Map<string, StoredTimer>();
      for (const row of r.rows) {
        const t = toTimer(row);
        m.set(timerKey(t.instanceId, t.timerId), t);
      }
      timers ??= m;
    }
    return timers;
  }

  async function outboxMap(): Promise<Map<string, OutboxItem>> {
    if (outbox === undefined) {
      const r = await client.query<Row>(`select * from ${T.o} where not delivered order by n`);
      const m = new Map<string, OutboxItem>();
      for (const row of r.rows) m.set(row.id as string, toOutboxItem(row));
      outbox ??= m;
    }
    return outbox;
  }

  /** The changes a commit makes to the timers: keys to drop and timers to store. */
  function timerEffects(c: Commit): { drop: string[]; add: StoredTimer[] } {
    return { drop: droppedTimerIds(c).map((t) => timerKey(c.instance.id, t)), add: addedTimers(c) };
  }

  /**
   * Applies a durable commit (written outside a batch) to memory. Memory read while it was being
   * written may or may not hold it already, so each change is one that can be applied twice: an
   * instance is updated only from the version the commit expected (else it is dropped and read
   * again), timers are deleted and set, outbox items set. Commits settle in the order they were
   * written, so the last change to a key wins, as in the tables.
   */
  function remember(c: Commit) {
    const id = c.instance.id;
    const e = entries.get(id);
    if (c.expectedVersion === 0 ? e === null : e?.instance.version === c.expectedVersion) {
      const eventIds = e === null || e === undefined ? new Set<string>() : e.eventIds;
      eventIds.add(c.entry.eventId);
      touch(id, { instance: c.instance, eventIds });
    } else entries.delete(id);
    if (timers !== undefined) {
      const { drop, add } = timerEffects(c);
      for (const k of drop) timers.delete(k);
      for (const t of add) timers.set(timerKey(t.instanceId, t.timerId), t);
    }
    if (outbox !== undefined) for (const o of c.outbox) outbox.set(o.id, o);
  }

  /** Writes outside a batch that have not settled; a batch begins only once they have. */
  const writing = new Set<Promise<unknown>>();
  function track<R>(p: Promise<R>): Promise<R> {
    writing.add(p);
    const done = () => writing.delete(p);
    p.then(done, done);
    return p;
  }

  /** Checks a commit against memory as the memory store does, then defers it to the batch's end. */
  async function defer(c: Commit): Promise<void> {
    await trim();
    const id = c.instance.id;
    const e = await entryOf(id);
    const tm = await timerMap();
    const ob = await outboxMap();
    if (c.expectedVersion === 0) {
      if (e !== null || taken.has(id)) throw new ElderflowError("DUPLICATE_ID", { params: { id } });
    } else {
      if (e === null) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } });
      const conflict = () =>
        new ElderflowError("CONCURRENT_UPDATE", {
          params: { expected: c.expectedVersion, actual: e.instance.version },
        });
      // As the SQL gate judges: the version, then the event id, then the fired timer.
      if (e.instance.version !== c.expectedVersion) throw conflict();
      if (e.eventIds.has(c.entry.eventId))
        throw new ElderflowError("DUPLICATE_ID", { params: { id: c.entry.eventId.slice(0, 64) } });
      const f = c.firedTimer;
      if (f !== undefined && tm.get(timerKey(id, f.timerId))?.fireAt !== f.fireAt) throw conflict();
    }
    // Checked: from here on nothing awaits, so the batch's memory moves in one step.
    const eventIds = e === null ? new Set<string>() : e.eventIds;
    eventIds.add(c.entry.eventId);
    touch(id, { instance: c.instance, eventIds });
    const d = dirty.get(id);
    if (d === undefined) dirty.set(id, { stored: c.expectedVersion, instance: c.instance });
    else d.instance = c.instance;
    logEntries.push(c.entry);
    const { drop, add } = timerEffects(c);
    for (const k of drop) {
      tm.delete(k);
      timerChanges.set(k, null);
    }
    for (const t of add) {
      const k = timerKey(t.instanceId, t.timerId);
      tm.set(k, t);
      timerChanges.set(k, t);
    }
    for (const o of c.outbox) {
      ob.set(o.id, o);
      const b = { item: o, delivered: false };
      boxes.push(b);
      pendingBoxes.set(o.id, b);
    }
  }

  const FLUSH = `with x as materialized (
      select * from jsonb_to_recordset($1::jsonb) as x(id text, stored int, machine text, machine_version int,
        version int, state text, status text, community_id text, priority int, snapshot jsonb, created_at bigint,
        updated_at bigint)),
    ${madeCtes(T, "x.stored = 0")},
    upd as (
      update ${T.i} i set machine_version = x.machine_version, version = x.version, state = x.state, status = x.status,
             priority = x.priority, snapshot = x.snapshot, updated_at = x.updated_at
        from x where i.id = x.id${sameCommunity(T, "i", "x")} and x.stored > 0 and i.version = x.stored returning i.id),
    ev as (
      insert into ${T.e} (${eventCommunity(T)}${EVENT_COLUMN_LIST})
      select ${T.ids === undefined ? "" : "v.community_id, "}v.instance_id, v.seq, v.event_id, v.type, v.actor_id, v.role, v.org_id, v.at, v.payload, v.from_state,
             v.to_state, v.machine_version
        from jsonb_to_recordset($2::jsonb) as v(community_id text, instance_id text, seq int, event_id text, type text, actor_id text,
             role text, org_id text, at bigint, payload jsonb, from_state text, to_state text, machine_version int)
      on conflict do nothing returning 1),
    del as (
      delete from ${T.t} t using jsonb_to_recordset($3::jsonb) as d(instance_id text, timer_id text)
       where t.instance_id = d.instance_id and t.timer_id = d.timer_id),
    addt as (
      insert into ${T.t} (instance_id, timer_id, fire_at, event)
      select a.instance_id, a.timer_id, a.fire_at, a.event
        from jsonb_to_recordset($4::jsonb) as a(instance_id text, timer_id text, fire_at bigint, event jsonb)
      on conflict (instance_id, timer_id) do update
        set fire_at = excluded.fire_at, event = excluded.event, claimed_by = null, claimed_until = null),
    box as (
      insert into ${T.o} (id, instance_id, machine, type, payload, at, delivered)
      select b.id, b.instance_id, b.machine, b.type, b.payload, b.at, b.delivered
        from jsonb_to_recordset($5::jsonb) as b(ord int, id text, instance_id text, machine text, type text,
             payload jsonb, at bigint, delivered boolean)
       order by b.ord
      on conflict (id) do nothing),
    done as (update ${T.o} set delivered = true where id = any($6::text[]))
    select (select count(*) from made) as made, (select count(*) from upd) as updated, (select count(*) from ev) as events`;

  /** Writes what the open batch deferred, as one statement (inside the batch's transaction). */
  async function flush(): Promise<void> {
    if (!pendingWrites()) return;
    const rows = [...dirty].map(([id, d]) => ({ id, stored: d.stored, ...instanceColumns(d.instance) }));
    const events = logEntries.map((e) => ({
      community_id: dirty.get(e.instanceId)?.instance.communityId ?? null,
      instance_id: e.instanceId,
      ...entryColumns(e),
    }));
    const drops: unknown[] = [];
    const adds: unknown[] = [];
    for (const [k, t] of timerChanges) {
      if (t === null) {
        const [instance_id, timer_id] = k.split("\u0000") as [string, string];
        drops.push({ instance_id, timer_id });
      } else adds.push({ instance_id: t.instanceId, timer_id: t.timerId, fire_at: t.fireAt, event: t.event });
    }
    const items = boxes.map((b, ord) => ({
      ord,
      id: b.item.id,
      instance_id: b.item.instanceId,
      machine: b.item.machine,
      type: b.item.type,
      payload: b.item.payload,
      at: b.item.at,
      delivered: b.delivered,
    }));
    const expectMade = rows.filter((r) => r.stored === 0).length;
    const expectUpdated = rows.length - expectMade;
    const delivered = deliveredStored;
    clearPending();
    const expectEvents = events.length;
    const r = await client.query<{ made: unknown; updated: unknown; events: unknown }>(FLUSH, [
      JSON.stringify(rows),
      JSON.stringify(events),
      JSON.stringify(drops),
      JSON.stringify(adds),
      JSON.stringify(items),
      delivered,
    ]);
    const got = r.rows[0];
    if (
      got === undefined ||
      num(got.made) !== expectMade ||
      num(got.updated) !== expectUpdated ||
      num(got.events) !== expectEvents
    )
      // Another writer changed the tables: the exclusivity this store relies on was broken.
      throw new ElderflowError("CONCURRENT_UPDATE", {
        params: { expected: expectMade + expectUpdated, actual: num(got?.made) + num(got?.updated) },
      });
  }

  if (isBatchingClient(client))
    client.enrol({
      // A write begun outside the batch settles (and is remembered) before the batch reads memory.
      beforeBegin: async () => {
        while (writing.size > 0) await Promise.allSettled([...writing]);
      },
      beforeCommit: flush,
      afterRollback: forget,
    });

  /** Reads that the memory cannot answer see the batch's writes: they are written first. */
  const written = async () => {
    if (inBatch()) await flush();
  };

  return {
    kind: base.kind,
    async load(instanceId, eventId) {
      const e = await entryOf(instanceId);
      if (e === null) return undefined;
      touch(instanceId, e);
      return { instance: e.instance, seen: eventId !== undefined && e.eventIds.has(eventId) };
    },
    async commit(c) {
      mayExist(c.instance.id);
      if (inBatch()) return defer(c);
      return track(
        base.commit(c).then(
          () => remember(c),
          (err: unknown) => {
            entries.delete(c.instance.id);
            throw err;
          },
        ),
      );
    },
    async commitMany(commits) {
      for (const c of commits) mayExist(c.instance.id);
      if (inBatch()) {
        const out = [];
        for (const c of commits)
          try {
            await defer(c);
            out.push({ ok: true } as const);
          } catch (err) {
            if (!(err instanceof ElderflowError)) throw err;
            out.push({ ok: false, error: err } as const);
          }
        return out;
      }
      return track(
        base.commitMany(commits).then(
          (out) => {
            commits.forEach((c, k) => {
              if (out[k]?.ok === true) remember(c);
              else entries.delete(c.instance.id);
            });
            return out;
          },
          (err: unknown) => {
            for (const c of commits) entries.delete(c.instance.id);
            throw err;
          },
        ),
      );
    },
    async loadMany(ids) {
      const missing = ids.filter((id) => !entries.has(id));
      await fetchEntries([...new Set(missing)]);
      const out = new Map<string, StoredInstance>();
      for (const id of ids) {
        const e = entries.get(id) ?? (await entryOf(id));
        if (e !== null) out.set(id, e.instance);
      }
      return out;
    },
    async list(filter: ListFilter) {
      await written();
      // Which instances match, in order; an instance held in memory at the stored version is not read again.
      const q = listQuery(T.i, filter, "id, version");
      const r = await client.query<{ id: string; version: unknown }>(q.text, q.params);
      const out = new Map<string, StoredInstance | undefined>();
      for (const row of r.rows) {
        const e = entries.get(row.id);
        out.set(
          row.id,
          e !== undefined && e !== null && e.instance.version === num(row.version) ? e.instance : undefined,
        );
      }
      const missing = [...out].filter(([, i]) => i === undefined).map(([id]) => id);
      for (const [id, instance] of await base.loadMany(missing)) out.set(id, instance);
      return [...out.values()].filter((i): i is StoredInstance => i !== undefined);
    },
    async events(instanceId) {
      await written();
      return base.events(instanceId);
    },
    async timers(instanceId) {
      const tm = await timerMap();
      const out: StoredTimer[] = [];
      for (const t of tm.values()) if (t.instanceId === instanceId) out.push(t);
      return out.sort((a, b) => a.fireAt - b.fireAt || (a.timerId < b.timerId ? -1 : 1));
    },
    async dueTimers(now, limit) {
      const tm = await timerMap();
      const due: StoredTimer[] = [];
      for (const t of tm.values()) if (t.fireAt <= now) due.push(t);
      return due.sort(byDue).slice(0, limit);
    },
    async dropTimer(t) {
      const k = timerKey(t.instanceId, t.timerId);
      if (inBatch()) {
        const tm = await timerMap();
        if (tm.get(k)?.fireAt === t.fireAt) {
          tm.delete(k);
          timerChanges.set(k, null);
        }
        return;
      }
      await base.dropTimer(t);
      if (timers?.get(k)?.fireAt === t.fireAt) timers.delete(k);
    },
    async outbox(limit) {
      const ob = await outboxMap();
      const out: OutboxItem[] = [];
      for (const o of ob.values()) {
        if (out.length >= limit) break;
        out.push(o);
      }
      return out;
    },
    async markDelivered(ids) {
      if (inBatch()) {
        const ob = await outboxMap();
        for (const id of ids) {
          ob.delete(id);
          const b = pendingBoxes.get(id);
          if (b !== undefined) b.delivered = true;
          else deliveredStored.push(id);
        }
        return;
      }
      await base.markDelivered(ids);
      for (const id of ids) outbox?.delete(id);
    },
    async naming(personId) {
      await written();
      return base.naming(personId);
    },
    async erase(x: Erasure) {
      await written();
      try {
        await base.erase(x);
      } finally {
        entries.delete(x.instance.id);
      }
    },
    ...(base.subscribe === undefined ? {} : { subscribe: base.subscribe.bind(base) }),
    async close() {
      forget();
      await base.close();
    },
  };
}
