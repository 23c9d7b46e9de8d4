import { ACTOR_ROLES, type ActorRole, DISTRICT_ROLES, type ElderflowError } from "@elderflow/core";

/**
 * The vocabulary shared by the engine, the stores and the machines: who acts, what an event looks
 * like on the wire and in the log, and what an instance looks like when stored.
 */

/**
 * The roles that may act on a workflow: core's `ACTOR_ROLES`, under the name this package
 * always used. District roles (`department`, `bureau`, `system`) may act on instances of any
 * community; every other role only on instances of its own community.
 *
 * @example
 * ```ts
 * ROLES.includes("volunteer"); // true
 * ```
 */
export const ROLES = ACTOR_ROLES;

/** A role from {@link ROLES}: core's `ActorRole`. */
export type Role = ActorRole;

/**
 * Roles that act across communities: core's `DISTRICT_ROLES` (the district's own bodies and
 * the engine's timers).
 *
 * @example
 * ```ts
 * CROSS_COMMUNITY_ROLES.includes("bureau"); // true
 * ```
 */
export const CROSS_COMMUNITY_ROLES: readonly Role[] = DISTRICT_ROLES;

/**
 * Who performs an event: a person or body referred to by id only (never by name, so that the log
 * survives the erasure of personal data), with the role they act in.
 */
export interface WorkflowActor {
  /** Id of the person, volunteer, service point or body. */
  readonly id: string;
  /** The role they act in. */
  readonly role: Role;
  /** The community they belong to (required for every role not in {@link CROSS_COMMUNITY_ROLES}). */
  readonly communityId?: string;
  /** The organisation they act for (a department id for `department`, a service point id, …). */
  readonly orgId?: string;
}

/**
 * The engine's own actor, which fires timers (callers may not send as it).
 *
 * @example
 * ```ts
 * log.filter((e) => e.actorId === SYSTEM_ACTOR.id); // the timer firings
 * ```
 */
export const SYSTEM_ACTOR: WorkflowActor = { id: "system", role: "system" };

/** Fields the engine adds to every event it hands to a machine. */
export interface EventMeta {
  /** Who performs the event. */
  readonly actor: WorkflowActor;
  /** When the engine accepted it (epoch ms, from the engine's clock). */
  readonly at: number;
  /** The event id, applied at most once per instance. */
  readonly eventId: string;
}

/** A JSON value as stored in snapshots, payloads and logs. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** An event sent to an instance: an id (applied at most once), a type, an actor and a payload. */
export interface WorkflowEventInput {
  /** Caller-chosen id; sending the same id again is answered from the log and changes nothing. */
  readonly id: string;
  /** The event type, e.g. `"TRIAGE"`. */
  readonly type: string;
  /** Who sends it. */
  readonly actor: WorkflowActor;
  /** The event's data, checked against the event's payload spec. */
  readonly payload?: Readonly<Record<string, unknown>>;
  /** Optimistic concurrency: fail with `CONCURRENT_UPDATE` unless the instance is at this version. */
  readonly expectedVersion?: number;
}

/** The persisted form of an xstate snapshot (what `machine.getPersistedSnapshot` returns). */
export interface PersistedSnapshot {
  /** xstate status: active, done, error or stopped. */
  readonly status: string;
  /** The state value. */
  readonly value: Json;
  /** The machine context. */
  readonly context: Readonly<Record<string, unknown>>;
  /** Remaining fields xstate keeps (historyValue, children, output, error). */
  readonly [key: string]: unknown;
}

/** One workflow instance as a store keeps it. */
export interface StoredInstance {
  /** Instance id. */
  readonly id: string;
  /** Machine (workflow definition) name. */
  readonly machine: string;
  /** Version of the machine definition the snapshot belongs to. */
  readonly machineVersion: number;
  /** Optimistic-concurrency version: 1 after start, +1 per applied event. */
  readonly version: number;
  /** The flattened state value, e.g. `"dispatched"` or `"department.overdue"`. */
  readonly state: string;
  /** xstate status (`active` or `done`). */
  readonly status: string;
  /** The community the instance belongs to. */
  readonly communityId: string;
  /** Ordering weight for lists: higher first (rule 10 priority targets). */
  readonly priority: number;
  /** The persisted xstate snapshot. */
  readonly snapshot: PersistedSnapshot;
  /** When it was started (epoch ms). */
  readonly createdAt: number;
  /** When it last changed (epoch ms). */
  readonly updatedAt: number;
}

/**
 * One entry of an instance's append-only event log, which is also its audit record: who (by id),
 * in which role, when, which event, from which state to which.
 */
export interface LogEntry {
  /** Instance id. */
  readonly instanceId: string;
  /** Position in the log, equal to the instance version the event produced (1 = start). */
  readonly seq: number;
  /** The event id. */
  readonly eventId: string;
  /** Event type (`"xstate.init"` for the start). */
  readonly type: string;
  /** Actor id. */
  readonly actorId: string;
  /** Actor role. */
  readonly role: Role;
  /** The organisation the actor acted for (a service point or department id), if any. */
  readonly orgId: string | null;
  /** When (epoch ms). */
  readonly at: number;
  /** The event data as applied (payload plus what enrichers recorded); the input for a start. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** State before (null for the start). */
  readonly from: string | null;
  /** State after. */
  readonly to: string;
  /** Machine definition version that applied it. */
  readonly machineVersion: number;
}

/** A persisted delayed event: fires once at `fireAt` unless cancelled by a transition first. */
export interface StoredTimer {
  /** Instance id. */
  readonly instanceId: string;
  /** The xstate send id (e.g. `xstate.after.acceptBy.serviceRequest.dispatched`). */
  readonly timerId: string;
  /** When it is due (epoch ms). */
  readonly fireAt: number;
  /** The event to deliver. */
  readonly event: Readonly<Record<string, unknown>> & { readonly type: string };
}

/** A domain event emitted by a machine (e.g. `hospital.visit_due`), kept in an outbox until delivered. */
export interface OutboxItem {
  /** Stable id (`<instanceId>:<seq>:<n>`), for consumers that deduplicate. */
  readonly id: string;
  /** Instance id. */
  readonly instanceId: string;
  /** Machine name. */
  readonly machine: string;
  /** Event type. */
  readonly type: string;
  /** The emitted event's data (ids and facts, no personal data). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** When it was emitted (epoch ms). */
  readonly at: number;
}

/** Everything one applied event writes, atomically. */
export interface Commit {
  /** The instance row after the event. */
  readonly instance: StoredInstance;
  /** The version the writer read (0 when creating). */
  readonly expectedVersion: number;
  /** The log entry. */
  readonly entry: LogEntry;
  /** Timer ids to delete (cancelled, fired, or replaced). */
  readonly cancelTimers: readonly string[];
  /** Timers to insert (replacing one with the same id). */
  readonly addTimers: readonly StoredTimer[];
  /** Emitted domain events. */
  readonly outbox: readonly OutboxItem[];
  /** The timer this commit fires: it must still be stored with this `fireAt`, else `CONCURRENT_UPDATE`. */
  readonly firedTimer?: StoredTimer;
}

/**
 * What became of one commit of a {@link WorkflowStore.commitMany} batch: applied, or refused with
 * the error `commit` would have thrown for it alone (the other commits of the batch are unaffected).
 */
export type CommitOutcome = { readonly ok: true } | { readonly ok: false; readonly error: ElderflowError };

/** Filter of {@link WorkflowStore.list}. */
export interface ListFilter {
  /** Machine name. */
  readonly machine?: string;
  /** Flattened state (exact, or a prefix ending in `.` for a parent state). */
  readonly state?: string;
  /** Community. */
  readonly communityId?: string;
  /**
   * Only instances about this person: the `personId` of their context (the cadre of a pairing,
   * service request or care pathway). Indexed in the SQL stores.
   */
  readonly personId?: string;
  /** Only active (not done) instances. */
  readonly activeOnly?: boolean;
  /** At most this many (default 100). */
  readonly limit?: number;
}

/**
 * Everything one erasure writes, atomically: free text replaced in an instance's log payloads and
 * snapshot, and the erasure recorded as a log entry (ids only). Version-guarded like a commit.
 */
export interface Erasure {
  /** The instance row after the erasure (same state, version + 1, scrubbed snapshot). */
  readonly instance: StoredInstance;
  /** The version the eraser read. */
  readonly expectedVersion: number;
  /** The log entry that records the erasure. */
  readonly entry: LogEntry;
  /** Log entries whose payload changes, by position. */
  readonly payloads: readonly { readonly seq: number; readonly payload: Readonly<Record<string, unknown>> }[];
}
