import {
  type Clock,
  containsPersonalData,
  ElderflowError,
  type FieldPath,
  ID_RULES,
  isElderflowError,
  parseOrThrow,
  redactPersonalData,
  textProblem,
} from "@elderflow/core";
import { type AnyMachineSnapshot, createActor, type InspectionEvent, type Observer } from "xstate";
import { z } from "zod";
import { redactJson } from "./audit";
import { migrateSnapshot, type WorkflowDefinition } from "./definition";
import { flattenState, initialStep, persistSnapshot, restoreSnapshot, type StepResult, step } from "./runtime";
import { checkCallerId, freeTextFields, parsePayload, WorkflowActorSchema } from "./schemas";
import type { WorkflowStore } from "./stores/store";
import {
  type Commit,
  CROSS_COMMUNITY_ROLES,
  type ListFilter,
  type LogEntry,
  type OutboxItem,
  type Role,
  type StoredInstance,
  type StoredTimer,
  SYSTEM_ACTOR,
  type WorkflowActor,
  type WorkflowEventInput,
} from "./types";

/** Receives the domain events machines emit (at least once; deduplicate on `item.id`). */
export type EventSink = (item: OutboxItem) => void | Promise<void>;

/** Options of {@link createWorkflowEngine}. */
export interface WorkflowEngineOptions {
  /** Where instances, logs, timers and the outbox live. */
  readonly store: WorkflowStore;
  /** The only source of "now". */
  readonly clock: Clock;
  /** The workflow definitions the engine runs (one per name, at its current version). */
  readonly machines: readonly WorkflowDefinition[];
  /** Consumers of emitted events, called by {@link WorkflowEngine.deliver}. */
  readonly sinks?: readonly EventSink[];
  /** How often a send reloads and retries after `CONCURRENT_UPDATE` (default 3; never with `expectedVersion`). */
  readonly retries?: number;
  /** xstate's inspection observer (e.g. Stately's inspector `.inspect`): each applied event is replayed to it. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** How many live snapshots to keep in memory (default 10,000). */
  readonly cacheSize?: number;
}

/** An instance as callers see it. */
export interface WorkflowInstance {
  /** Instance id. */
  readonly id: string;
  /** Machine name. */
  readonly machine: string;
  /** Machine version of the snapshot. */
  readonly machineVersion: number;
  /** Concurrency version (log length). */
  readonly version: number;
  /** Flattened state. */
  readonly state: string;
  /** `active` or `done`. */
  readonly status: string;
  /** Owning community. */
  readonly communityId: string;
  /** List ordering weight. */
  readonly priority: number;
  /** Machine context (ids and facts; no personal data). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Started at (epoch ms). */
  readonly createdAt: number;
  /** Last change (epoch ms). */
  readonly updatedAt: number;
}

/** The outcome of a start or send. */
export interface SendResult {
  /** The instance after the event (or as it is, for a duplicate). */
  readonly instance: WorkflowInstance;
  /** The event id was applied before; nothing changed now. */
  readonly duplicate: boolean;
  /** State before (null for a start or a duplicate). */
  readonly from: string | null;
  /** State after. */
  readonly to: string;
}

/** How {@link WorkflowEngine.runDueTimers} works through the due timers. */
export interface TimerRunOptions {
  /** Due timers read (or claimed) at a time (default 1,000). */
  readonly batch?: number;
  /** Instances fired at once (default: the whole batch, so their commits meet in a few statements). */
  readonly concurrency?: number;
  /**
   * How long a claim on due timers lasts, in milliseconds of the engine's clock (default 60,000), on
   * a store that claims (PostgreSQL, PGlite): a process that dies holding a claim delays those
   * timers by at most this long.
   */
  readonly leaseMs?: number;
}

/** The checks on `runDueTimers`' arguments: whole numbers in range, nothing else. */
const TimerRunSchema = z.strictObject({
  now: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  options: z.strictObject({
    batch: z.number().int().min(1).max(100_000).optional(),
    concurrency: z.number().int().min(1).max(100_000).optional(),
    leaseMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3_600_000)
      .optional(),
  }),
});

/** What {@link WorkflowEngine.start} needs. */
export interface StartOptions {
  /** Instance id (1–64 of `A-Za-z0-9_.:-`). */
  readonly id: string;
  /** Input, checked against the definition's input spec. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Who starts it. */
  readonly actor: WorkflowActor;
  /** Event id of the start (default `start:<id>`). */
  readonly eventId?: string;
}

/** Outcome of {@link WorkflowEngine.erasePerson}. */
export interface ErasureResult {
  /** Instances whose free text was replaced (each got an erasure entry in its log). */
  readonly instances: readonly string[];
  /** Log entries whose payload changed, over all instances. */
  readonly entries: number;
  /** Instances naming the person in communities the actor does not reach (left as they are). */
  readonly outOfReach: number;
}

/** Outcome of {@link WorkflowEngine.runDueTimers}. */
export interface TimerRun {
  /** Timers whose event was applied. */
  readonly fired: number;
  /** Timers dropped because their event no longer applied. */
  readonly dropped: number;
  /** Timers that failed (left in place, retried on the next run), with their error code. */
  readonly failed: readonly { readonly instanceId: string; readonly timerId: string; readonly code: string }[];
}

/** The durable workflow engine: see {@link createWorkflowEngine}. */
export interface WorkflowEngine {
  /** Starts an instance; starting the same id with the same event id again is a duplicate. */
  start(machine: string, options: StartOptions): Promise<SendResult>;
  /** Applies one event to an instance (at most once per event id). */
  send(instanceId: string, event: WorkflowEventInput): Promise<SendResult>;
  /** Reads an instance (community rules apply). */
  query(instanceId: string, actor: WorkflowActor): Promise<WorkflowInstance>;
  /** Lists instances (an actor bound to a community sees only that community). */
  list(filter: ListFilter, actor: WorkflowActor): Promise<WorkflowInstance[]>;
  /** The event log (= audit trail) of an instance. */
  history(instanceId: string, actor: WorkflowActor): Promise<LogEntry[]>;
  /** Pending timers of an instance. */
  timers(instanceId: string, actor: WorkflowActor): Promise<StoredTimer[]>;
  /**
   * Fires every timer due at `now` (default: the clock), at most once each: an instance's timers in
   * due order, up to `concurrency` instances at a time (default: the whole batch): each batch of due
   * timers (default 1,000) reads its instances in one query, and their commits share the store's
   * group commit (a few set-based statements per batch on the SQL stores). On a store that claims
   * (PostgreSQL, PGlite) each batch is claimed under a lease, so several processes share the due
   * timers. `now` and the options must be whole numbers in range (`INVALID_INPUT`, with the path of
   * the bad one, before anything is read).
   */
  runDueTimers(now?: number, options?: TimerRunOptions): Promise<TimerRun>;
  /**
   * Erases a person's free text (reasons' notes, descriptions: every field declared with core's
   * `FreeTextSchema`) from the log payloads and snapshot contexts of the instances that name them
   * (in their context or as an actor), in the communities the actor reaches. Ids, codes, numbers,
   * dates and states stay, so the log still replays; each instance records the erasure as a log
   * entry of type `elderflow.erasure` holding ids only.
   */
  erasePerson(personId: string, actor: WorkflowActor): Promise<ErasureResult>;
  /** Delivers undelivered emitted events to the sinks; returns how many were delivered. */
  deliver(limit?: number): Promise<number>;
  /** The definition of a machine by name. */
  definition(machine: string): WorkflowDefinition;
  /**
   * The store, unscoped: the host's own handle (the one it passed in), for maintenance. Reads on
   * behalf of an actor go through `query`, `list`, `history` and `timers`, which are scoped.
   */
  readonly store: WorkflowStore;
}

/** The log entry type of an erasure. */
const ERASURE = "elderflow.erasure";
/** What replaces erased free text. */
const ERASED = "[erased]";
/** Roles that may erase a person's free text in the communities they reach. */
const ERASE_ROLES: readonly Role[] = ["admin", "community_staff", "bureau", "system"];

/** An instance id a caller names: canonical id text (its value never reaches an error). */
function checkInstanceRef(instanceId: unknown): string {
  const problem = textProblem(instanceId, ID_RULES);
  if (problem !== null)
    throw new ElderflowError(problem, {
      path: ["instance"],
      params: problem === "INVALID_FORMAT" ? { format: "id" } : {},
    });
  return instanceId as string;
}

function checkActor(actor: unknown, path: FieldPath): WorkflowActor {
  if (typeof actor !== "object" || actor === null) throw new ElderflowError("REQUIRED", { path });
  return parseOrThrow(WorkflowActorSchema, actor, path) as WorkflowActor;
}

function mayAccess(actor: WorkflowActor, communityId: string): boolean {
  return CROSS_COMMUNITY_ROLES.includes(actor.role) || actor.communityId === communityId;
}

function assertAccess(actor: WorkflowActor, communityId: string): void {
  if (!mayAccess(actor, communityId)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communityId"] });
}

/** A view of an instance for people: phones and ID numbers in its free-text fields masked by shape. */
function view(
  i: StoredInstance,
  freeText: ReadonlySet<string> | undefined,
  context = i.snapshot.context,
): WorkflowInstance {
  let shown = context;
  for (const key of freeText ?? []) {
    const v = shown[key];
    if (typeof v === "string" && containsPersonalData(v)) shown = { ...shown, [key]: redactPersonalData(v) };
  }
  return {
    id: i.id,
    machine: i.machine,
    machineVersion: i.machineVersion,
    version: i.version,
    state: i.state,
    status: i.status,
    communityId: i.communityId,
    priority: i.priority,
    context: shown,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

const NO_PAYLOAD = z.strictObject({});

const INERT_CLOCK = { setTimeout: () => 0, clearTimeout: () => {} };

/**
 * Creates the durable engine. Each instance is a persisted xstate snapshot plus an append-only
 * event log with a version number; every event is applied through a pure xstate step, and its
 * effects (log entry, new snapshot, timers set and cancelled, emitted events) are committed in
 * one atomic write guarded by the version (a stale writer gets `CONCURRENT_UPDATE` and, unless it
 * named an `expectedVersion`, reloads and retries). Event ids are applied at most once. Delayed
 * transitions become persisted timers that {@link WorkflowEngine.runDueTimers} fires, also after
 * a restart.
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ store: memoryStore(), clock: systemClock(), machines: defaultWorkflows() });
 * await engine.start("serviceRequest", { id: "req-1", input: { communityId: "c01", personId: "p1" }, actor });
 * await engine.send("req-1", { id: "e1", type: "TRIAGE", actor, payload: { serviceKind: "plumbing" } });
 * ```
 */
export function createWorkflowEngine(options: WorkflowEngineOptions): WorkflowEngine {
  const { store, clock } = options;
  const defs = new Map<string, WorkflowDefinition>();
  for (const d of options.machines) {
    if (defs.has(d.name)) throw new ElderflowError("DUPLICATE_ID", { params: { id: d.name } });
    defs.set(d.name, d);
  }
  const retries = options.retries ?? 3;
  const cacheSize = options.cacheSize ?? 10_000;
  // What this engine last committed per instance. A send starts from it without reading the store:
  // the commit is guarded by the version (and the log's unique event ids), so a stale entry only
  // costs a failed commit and a fresh read.
  const cache = new Map<string, { instance: StoredInstance; snapshot: AnyMachineSnapshot }>();
  const remember = (instance: StoredInstance, snapshot: AnyMachineSnapshot) => {
    const hit = cache.get(instance.id);
    if (hit !== undefined) {
      // Update in place: eviction is first-in first-out, which is enough for a snapshot cache.
      hit.instance = instance;
      hit.snapshot = snapshot;
      return;
    }
    cache.set(instance.id, { instance, snapshot });
    if (cache.size > cacheSize) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  };

  const definition = (name: string): WorkflowDefinition => {
    const d = defs.get(name);
    if (d === undefined) throw new ElderflowError("UNKNOWN_MACHINE", { params: { machine: name.slice(0, 64) } });
    return d;
  };

  const live = (def: WorkflowDefinition, inst: StoredInstance): AnyMachineSnapshot => {
    const hit = cache.get(inst.id);
    if (hit !== undefined && hit.instance.version === inst.version && inst.machineVersion === def.version)
      return hit.snapshot;
    const persisted =
      inst.machineVersion === def.version ? inst.snapshot : migrateSnapshot(def, inst.machineVersion, inst.snapshot);
    return restoreSnapshot(def.machine, persisted);
  };

  const inspectStep = (
    def: WorkflowDefinition,
    id: string,
    before: AnyMachineSnapshot | undefined,
    input: unknown,
    event: { type: string } | undefined,
  ) => {
    if (options.inspect === undefined) return;
    try {
      const actor = createActor(def.machine, {
        id,
        inspect: options.inspect,
        clock: INERT_CLOCK,
        ...(before === undefined ? { input } : { snapshot: persistSnapshot(def.machine, before) }),
      } as never);
      actor.start();
      if (event !== undefined) actor.send(event as never);
      actor.stop();
    } catch {
      // Inspection is for humans watching; it never changes or fails a committed step.
    }
  };

  const buildCommit = (
    def: WorkflowDefinition,
    prev: StoredInstance | undefined,
    id: string,
    communityId: string,
    result: StepResult,
    entryBase: Omit<LogEntry, "seq" | "from" | "to" | "machineVersion" | "instanceId">,
    firedTimer?: StoredTimer,
  ): Commit => {
    // Plain object literals, no spreads: this runs once per event and is on the hot path.
    const version = (prev?.version ?? 0) + 1;
    const next = result.next;
    const state = flattenState(next.value);
    const at = entryBase.at;
    const instance: StoredInstance = {
      id,
      machine: def.name,
      machineVersion: def.version,
      version,
      state,
      status: next.status,
      communityId,
      priority: def.priorityOf === undefined ? 0 : def.priorityOf(next.context),
      snapshot: persistSnapshot(def.machine, next),
      createdAt: prev === undefined ? at : prev.createdAt,
      updatedAt: at,
    };
    const cancelTimers = firedTimer === undefined ? result.cancel : [...result.cancel, firedTimer.timerId];
    const entry: LogEntry = {
      instanceId: id,
      seq: version,
      eventId: entryBase.eventId,
      type: entryBase.type,
      actorId: entryBase.actorId,
      role: entryBase.role,
      orgId: entryBase.orgId,
      at,
      payload: entryBase.payload,
      from: prev === undefined ? null : prev.state,
      to: state,
      machineVersion: def.version,
    };
    const addTimers: StoredTimer[] = [];
    for (const s of result.schedule)
      addTimers.push({ instanceId: id, timerId: s.id, fireAt: at + s.delay, event: s.event });
    const outbox: OutboxItem[] = [];
    for (let n = 0; n < result.emitted.length; n++) {
      const { type, ...payload } = result.emitted[n] as { type: string };
      outbox.push({ id: `${id}:${version}:${n}`, instanceId: id, machine: def.name, type, payload, at });
    }
    const commit: Commit = {
      instance,
      expectedVersion: prev === undefined ? 0 : prev.version,
      entry,
      cancelTimers,
      addTimers,
      outbox,
    };
    return firedTimer === undefined ? commit : { ...commit, firedTimer };
  };

  const duplicateResult = (inst: StoredInstance): SendResult => ({
    instance: view(inst, textOf(inst.machine)),
    duplicate: true,
    from: null,
    to: inst.state,
  });

  async function start(machine: string, opts: StartOptions): Promise<SendResult> {
    const def = definition(machine);
    checkCallerId(opts.id, "instance", ["id"]);
    const actor = checkActor(opts.actor, ["actor"]);
    const ownStartId = `start:${opts.id}`;
    const eventId = opts.eventId ?? ownStartId;
    if (eventId !== ownStartId) checkCallerId(eventId, "event", ["eventId"]);
    if (!def.startRoles.includes(actor.role))
      throw new ElderflowError("WRONG_ROLE", { path: ["actor", "role"], params: { role: actor.role, event: "start" } });
    const checked = parsePayload(def.input, opts.input, ["input"]) as Record<string, unknown>;
    const communityId = checked.communityId as string;
    assertAccess(actor, communityId);
    const existing = await store.load(opts.id, eventId);
    if (existing !== undefined) {
      if (existing.seen) return duplicateResult(existing.instance);
      throw new ElderflowError("DUPLICATE_ID", { path: ["id"], params: { id: opts.id } });
    }
    const at = clock.now();
    const input = def.enrichInput === undefined ? checked : { ...checked, ...(await def.enrichInput(checked, at)) };
    const result = initialStep(def.machine, input);
    const commit = buildCommit(def, undefined, opts.id, communityId, result, {
      eventId,
      type: "xstate.init",
      actorId: actor.id,
      role: actor.role,
      orgId: actor.orgId ?? null,
      at,
      payload: input,
    });
    try {
      await store.commit(commit);
    } catch (e) {
      if (isElderflowError(e) && e.code === "DUPLICATE_ID") {
        const again = await store.load(opts.id, eventId);
        if (again?.seen === true) return duplicateResult(again.instance);
      }
      throw e;
    }
    remember(commit.instance, result.next);
    inspectStep(def, opts.id, undefined, input, undefined);
    return {
      instance: view(commit.instance, textOf(def.name)),
      duplicate: false,
      from: null,
      to: commit.instance.state,
    };
  }

  async function apply(
    instanceId: string,
    input: WorkflowEventInput,
    firedTimer: StoredTimer | undefined,
    preloaded?: Map<string, StoredInstance>,
  ): Promise<SendResult | "dropped"> {
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      let hit = fresh ? undefined : cache.get(instanceId);
      // A timer run reads its batch's instances in one query; the row counts as cached (a stale one
      // only costs a refused commit and a fresh read).
      const pre = hit === undefined && !fresh ? preloaded?.get(instanceId) : undefined;
      if (pre !== undefined) {
        preloaded?.delete(instanceId);
        const d = defs.get(pre.machine);
        if (d !== undefined) hit = { instance: pre, snapshot: live(d, pre) };
      }
      const fromCache = hit !== undefined;
      let inst: StoredInstance;
      const actor = input.actor;
      if (hit !== undefined) {
        inst = hit.instance;
        assertAccess(actor, inst.communityId);
      } else {
        const loaded = await store.load(instanceId, input.id);
        if (loaded === undefined)
          throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: instanceId.slice(0, 64) } });
        inst = loaded.instance;
        assertAccess(actor, inst.communityId);
        if (loaded.seen) return duplicateResult(inst);
      }
      // From here on, anything that depends on the stored state is re-checked against the store
      // before it becomes an error: the cached copy may be behind another writer.
      const refresh = () => {
        fresh = true;
        attempt--;
      };
      if (input.expectedVersion !== undefined && input.expectedVersion !== inst.version) {
        if (fromCache) {
          refresh();
          continue;
        }
        throw new ElderflowError("CONCURRENT_UPDATE", {
          params: { expected: input.expectedVersion, actual: inst.version },
        });
      }
      const def = definition(inst.machine);
      let payload: Readonly<Record<string, unknown>>;
      if (firedTimer === undefined) {
        const spec = def.events[input.type];
        if (spec === undefined || !Object.hasOwn(def.events, input.type))
          throw new ElderflowError("UNKNOWN_EVENT", { path: ["type"], params: { event: input.type.slice(0, 64) } });
        if (!spec.roles.includes(actor.role))
          throw new ElderflowError("WRONG_ROLE", {
            path: ["actor", "role"],
            params: { role: actor.role, event: input.type },
          });
        payload = parsePayload(spec.payload ?? NO_PAYLOAD, input.payload ?? {}, ["payload"]) as Record<string, unknown>;
      } else {
        const { type: _type, ...rest } = firedTimer.event;
        payload = { ...rest, fireAt: firedTimer.fireAt };
      }
      const before = live(def, inst);
      // A late timer acts at its due time or later, never earlier, so that what it schedules next is
      // measured from when it was due even when runDueTimers is asked about a future instant.
      const at = firedTimer === undefined ? clock.now() : Math.max(clock.now(), firedTimer.fireAt);
      const args = () => ({ type: input.type, payload, context: before.context as Record<string, unknown>, actor, at });
      const extra = firedTimer === undefined && def.enrich !== undefined ? await def.enrich(args()) : undefined;
      const data = extra === undefined ? payload : { ...payload, ...extra };
      const event = { ...data, type: input.type, actor, at, eventId: input.id };
      const result = step(def.machine, before, event);
      if (result.next === before) {
        if (fromCache) {
          refresh();
          continue;
        }
        if (firedTimer !== undefined) return "dropped";
        const code = def.explain?.({ ...args(), payload: data, state: inst.state }) ?? "EVENT_NOT_ALLOWED";
        throw new ElderflowError(code, { path: ["type"], params: { event: input.type, state: inst.state } });
      }
      const commit = buildCommit(
        def,
        inst,
        instanceId,
        inst.communityId,
        result,
        {
          eventId: input.id,
          type: input.type,
          actorId: actor.id,
          role: actor.role,
          orgId: actor.orgId ?? null,
          at,
          payload: data,
        },
        firedTimer,
      );
      try {
        await store.commit(commit);
      } catch (e) {
        if (isElderflowError(e)) {
          if (e.code === "DUPLICATE_ID") {
            const again = await store.load(instanceId, input.id);
            if (again?.seen === true) return duplicateResult(again.instance);
          }
          if (e.code === "CONCURRENT_UPDATE") {
            cache.delete(instanceId);
            fresh = true;
            if (input.expectedVersion === undefined && attempt < retries) continue;
          }
        }
        throw e;
      }
      remember(commit.instance, result.next);
      inspectStep(def, instanceId, before, undefined, event);
      return {
        instance: view(commit.instance, textOf(def.name)),
        duplicate: false,
        from: inst.state,
        to: commit.instance.state,
      };
    }
  }

  async function send(instanceId: string, input: WorkflowEventInput): Promise<SendResult> {
    if (typeof input !== "object" || input === null) throw new ElderflowError("REQUIRED", { path: [] });
    checkInstanceRef(instanceId);
    checkCallerId(input.id, "event", ["id"]);
    if (typeof input.type !== "string" || input.type.length === 0)
      throw new ElderflowError("REQUIRED", { path: ["type"] });
    checkActor(input.actor, ["actor"]);
    if (input.actor.role === "system")
      throw new ElderflowError("WRONG_ROLE", {
        path: ["actor", "role"],
        params: { role: "system", event: input.type.slice(0, 64) },
      });
    const r = await apply(instanceId, input, undefined);
    return r as SendResult;
  }

  async function runDueTimers(now: number = clock.now(), options: TimerRunOptions = {}): Promise<TimerRun> {
    // Checked before anything is read: a NaN or a fraction would otherwise reach a statement.
    const { options: opts } = parseOrThrow(TimerRunSchema, { now, options });
    const batch = opts.batch ?? 1000;
    const leaseMs = opts.leaseMs ?? 60_000;
    // On a store that claims (PostgreSQL), several processes share the due timers without racing.
    const claim = store.claimDueTimers?.bind(store);
    const nextDue = (limit: number) => {
      if (claim === undefined) return store.dueTimers(now, limit);
      const at = clock.now();
      return claim(now, limit, { at, until: at + leaseMs });
    };
    // Every instance of a batch at once by default: their commits then meet in a few set-based
    // statements of the store's group commit instead of trickling in 64 at a time.
    const concurrency = opts.concurrency ?? batch;
    let fired = 0;
    let dropped = 0;
    const failed: { instanceId: string; timerId: string; code: string }[] = [];
    const skip = new Set<string>();
    let preloaded = new Map<string, StoredInstance>();
    const conflicts = new Map<string, number>();
    const key = (t: StoredTimer) => `${t.instanceId}\u0000${t.timerId}\u0000${t.fireAt}`;
    const fire = async (t: StoredTimer) => {
      try {
        const r = await apply(
          t.instanceId,
          { id: `timer:${t.timerId}@${t.fireAt}`, type: t.event.type, actor: SYSTEM_ACTOR },
          t,
          preloaded,
        );
        if (r === "dropped" || r.duplicate) {
          await store.dropTimer(t);
          dropped++;
        } else fired++;
      } catch (e) {
        // Another worker fired or replaced it first: the next query shows what is left. A timer that
        // keeps conflicting is reported instead of being retried for ever.
        const k = key(t);
        if (isElderflowError(e) && e.code === "CONCURRENT_UPDATE" && (conflicts.get(k) ?? 0) < 5) {
          conflicts.set(k, (conflicts.get(k) ?? 0) + 1);
          return;
        }
        skip.add(k);
        failed.push({ instanceId: t.instanceId, timerId: t.timerId, code: isElderflowError(e) ? e.code : "INTERNAL" });
      }
    };
    for (;;) {
      const due = (await nextDue(batch + skip.size)).filter((t) => !skip.has(key(t)));
      if (due.length === 0) break;
      // The batch's instances in one read; their commits meet in the store's group commit.
      const missing = [...new Set(due.map((t) => t.instanceId))].filter((id) => !cache.has(id));
      preloaded = await store.loadMany(missing);
      // Timers of one instance fire in due order, one after another; different instances in parallel.
      const byInstance = new Map<string, StoredTimer[]>();
      for (const t of due) {
        const list = byInstance.get(t.instanceId);
        if (list === undefined) byInstance.set(t.instanceId, [t]);
        else list.push(t);
      }
      const queues = [...byInstance.values()];
      let next = 0;
      const worker = async () => {
        for (;;) {
          const q = queues[next++];
          if (q === undefined) return;
          for (const t of q) await fire(t);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    }
    return { fired, dropped, failed };
  }

  async function deliver(limit = 1000): Promise<number> {
    const items = await store.outbox(limit);
    if (items.length === 0) return 0;
    for (const item of items) for (const sink of options.sinks ?? []) await sink(item);
    await store.markDelivered(items.map((i) => i.id));
    return items.length;
  }

  // The free-text fields of each definition: every field of its input and payloads declared with
  // core's FreeTextSchema. Context fields of the same name hold the same text.
  const freeText = new Map<string, ReadonlySet<string>>();
  const freeTextOf = (def: WorkflowDefinition): ReadonlySet<string> => {
    let set = freeText.get(def.name);
    if (set === undefined) {
      set = new Set([
        ...freeTextFields(def.input),
        ...Object.values(def.events).flatMap((e) => (e.payload === undefined ? [] : freeTextFields(e.payload))),
      ]);
      freeText.set(def.name, set);
    }
    return set;
  };
  const textOf = (machine: string) => {
    const d = defs.get(machine);
    return d === undefined ? undefined : freeTextOf(d);
  };
  const scrub = (record: Readonly<Record<string, unknown>>, fields: ReadonlySet<string>) => {
    let out: Record<string, unknown> | undefined;
    for (const key of fields) {
      const v = record[key];
      if (typeof v === "string" && v !== ERASED) {
        out ??= { ...record };
        out[key] = ERASED;
      }
    }
    return out;
  };

  async function erasePerson(personId: string, actorInput: WorkflowActor): Promise<ErasureResult> {
    checkCallerId(personId, "instance", ["personId"]);
    const actor = checkActor(actorInput, ["actor"]);
    if (!ERASE_ROLES.includes(actor.role))
      throw new ElderflowError("WRONG_ROLE", { path: ["actor", "role"], params: { role: actor.role, event: "erase" } });
    const instances: string[] = [];
    let entries = 0;
    let outOfReach = 0;
    for (const id of await store.naming(personId)) {
      for (let attempt = 0; ; attempt++) {
        const loaded = await store.load(id);
        if (loaded === undefined) break;
        const inst = loaded.instance;
        if (!mayAccess(actor, inst.communityId)) {
          outOfReach++;
          break;
        }
        const def = defs.get(inst.machine);
        if (def === undefined) break;
        const fields = freeTextOf(def);
        const payloads: { seq: number; payload: Record<string, unknown> }[] = [];
        for (const e of await store.events(id)) {
          const p = scrub(e.payload, fields);
          if (p !== undefined) payloads.push({ seq: e.seq, payload: p });
        }
        const context = scrub(inst.snapshot.context, fields);
        if (payloads.length === 0 && context === undefined) break;
        const at = clock.now();
        const version = inst.version + 1;
        try {
          await store.erase({
            instance: {
              ...inst,
              version,
              updatedAt: at,
              snapshot: context === undefined ? inst.snapshot : { ...inst.snapshot, context },
            },
            expectedVersion: inst.version,
            entry: {
              instanceId: id,
              seq: version,
              eventId: `erasure:${version}:${personId}`,
              type: ERASURE,
              actorId: actor.id,
              role: actor.role,
              orgId: actor.orgId ?? null,
              at,
              payload: { personId, entries: payloads.length },
              from: inst.state,
              to: inst.state,
              machineVersion: inst.machineVersion,
            },
            payloads,
          });
        } catch (e) {
          if (isElderflowError(e) && e.code === "CONCURRENT_UPDATE" && attempt < retries) continue;
          throw e;
        } finally {
          cache.delete(id);
        }
        instances.push(id);
        entries += payloads.length;
        break;
      }
    }
    return { instances, entries, outOfReach };
  }

  async function loadFor(instanceId: string, actor: WorkflowActor): Promise<StoredInstance> {
    checkActor(actor, ["actor"]);
    checkInstanceRef(instanceId);
    const loaded = await store.load(instanceId);
    if (loaded === undefined)
      throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: instanceId.slice(0, 64) } });
    assertAccess(actor, loaded.instance.communityId);
    return loaded.instance;
  }

  return {
    store,
    start,
    send,
    definition,
    runDueTimers,
    deliver,
    async query(instanceId, actor) {
      const inst = await loadFor(instanceId, actor);
      const def = definition(inst.machine);
      if (inst.machineVersion === def.version) return view(inst, freeTextOf(def));
      const snapshot = migrateSnapshot(def, inst.machineVersion, inst.snapshot);
      return { ...view(inst, freeTextOf(def), snapshot.context), machineVersion: def.version };
    },
    async list(filter, actor) {
      checkActor(actor, ["actor"]);
      if (filter.personId !== undefined) checkCallerId(filter.personId, "instance", ["personId"]);
      if (!CROSS_COMMUNITY_ROLES.includes(actor.role)) {
        if (filter.communityId !== undefined && filter.communityId !== actor.communityId)
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["communityId"] });
        if (actor.communityId === undefined)
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communityId"] });
        return (await store.list({ ...filter, communityId: actor.communityId })).map((i) => view(i, textOf(i.machine)));
      }
      return (await store.list(filter)).map((i) => view(i, textOf(i.machine)));
    },
    async history(instanceId, actor) {
      await loadFor(instanceId, actor);
      // A view for people: ID numbers and phones typed into free text are masked by their shape.
      return (await store.events(instanceId)).map((e) => ({
        ...e,
        payload: redactJson(e.payload) as Record<string, unknown>,
      }));
    },
    erasePerson,
    async timers(instanceId, actor) {
      await loadFor(instanceId, actor);
      return store.timers(instanceId);
    },
  };
}
