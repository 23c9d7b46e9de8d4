import type { LogEntry, OutboxItem, PersistedSnapshot, StoredInstance, StoredTimer } from "../types";

/** A row as a driver returns it. */
export type Row = Record<string, unknown>;

/** A numeric column (PGlite and pg give bigint columns as strings or numbers). */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
/** A JSON column: parsed by PostgreSQL's drivers, text on MySQL. */
export const json = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));
/** A boolean column or expression: PostgreSQL gives booleans, MySQL 1/0. */
export const truthy = (v: unknown): boolean => v === true || v === 1 || v === "1";

/** An instance row of `wf_instances`. */
export function toInstance(r: Row): StoredInstance {
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

/** Timers in due order: earliest first, then by instance and timer id (as the SQL stores order them). */
export const byDue = (a: StoredTimer, b: StoredTimer): number =>
  a.fireAt - b.fireAt ||
  (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : a.timerId < b.timerId ? -1 : 1);

/** A timer row of `wf_timers`. */
export function toTimer(r: Row): StoredTimer {
  return {
    instanceId: r.instance_id as string,
    timerId: r.timer_id as string,
    fireAt: num(r.fire_at),
    event: json<StoredTimer["event"]>(r.event),
  };
}

/** An emitted-event row of `wf_outbox`. */
export function toOutboxItem(x: Row): OutboxItem {
  return {
    id: x.id as string,
    instanceId: x.instance_id as string,
    machine: x.machine as string,
    type: x.type as string,
    payload: json<Record<string, unknown>>(x.payload),
    at: num(x.at),
  };
}

/** An instance's columns of `wf_instances` but its id, as `jsonb_to_recordset` reads them. */
export function instanceColumns(i: StoredInstance) {
  return {
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
}

/** A log entry's columns of `wf_events` but its instance id, as `jsonb_to_recordset` reads them. */
export function entryColumns(e: LogEntry) {
  return {
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
}
