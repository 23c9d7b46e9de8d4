import { ElderflowError, isElderflowError } from "@elderflow/core";
import type {
  Commit,
  CommitOutcome,
  Erasure,
  ListFilter,
  LogEntry,
  OutboxItem,
  StoredInstance,
  StoredTimer,
} from "../types";
import type { WorkflowStore } from "./store";

interface Slot {
  instance: StoredInstance;
  log: LogEntry[];
  eventIds: Set<string>;
  timers: Map<string, StoredTimer>;
}

/**
 * An in-memory {@link WorkflowStore}: for tests, simulations and the benchmark. Nothing survives
 * the process; everything else behaves as the SQL stores do.
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ store: memoryStore(), clock, machines: defaultWorkflows() });
 * ```
 */
export function memoryStore(): WorkflowStore {
  const slots = new Map<string, Slot>();
  // Only the slots with pending timers, so that finding due timers does not scan finished instances.
  const timed = new Set<Slot>();
  const track = (slot: Slot) => {
    if (slot.timers.size > 0) timed.add(slot);
    else timed.delete(slot);
  };
  // Insertion-ordered; delivered items are deleted, so reading the outbox stays cheap.
  const outbox = new Map<string, OutboxItem>();
  const matches = (i: StoredInstance, f: ListFilter) =>
    (f.machine === undefined || i.machine === f.machine) &&
    (f.communityId === undefined || i.communityId === f.communityId) &&
    (f.personId === undefined || i.snapshot.context.personId === f.personId) &&
    (f.activeOnly !== true || i.status === "active") &&
    (f.state === undefined || (f.state.endsWith(".") ? i.state.startsWith(f.state) : i.state === f.state));
  const store: WorkflowStore = {
    kind: "memory",
    async load(instanceId, eventId) {
      const slot = slots.get(instanceId);
      if (slot === undefined) return undefined;
      return { instance: slot.instance, seen: eventId !== undefined && slot.eventIds.has(eventId) };
    },
    async commit(c: Commit) {
      const id = c.instance.id;
      let slot = slots.get(id);
      if (c.expectedVersion === 0) {
        if (slot !== undefined) throw new ElderflowError("DUPLICATE_ID", { params: { id } });
      } else {
        if (slot === undefined) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } });
        if (slot.instance.version !== c.expectedVersion)
          throw new ElderflowError("CONCURRENT_UPDATE", {
            params: { expected: c.expectedVersion, actual: slot.instance.version },
          });
        // As the SQL stores judge: the version, then the event id, then the fired timer.
        if (slot.eventIds.has(c.entry.eventId))
          throw new ElderflowError("DUPLICATE_ID", { params: { id: c.entry.eventId } });
        const fired = c.firedTimer;
        if (fired !== undefined && slot.timers.get(fired.timerId)?.fireAt !== fired.fireAt)
          throw new ElderflowError("CONCURRENT_UPDATE", {
            params: { expected: c.expectedVersion, actual: slot.instance.version },
          });
      }
      if (slot === undefined) {
        slot = { instance: c.instance, log: [], eventIds: new Set(), timers: new Map() };
        slots.set(id, slot);
      }
      slot.instance = c.instance;
      slot.log.push(c.entry);
      slot.eventIds.add(c.entry.eventId);
      if (c.firedTimer !== undefined) slot.timers.delete(c.firedTimer.timerId);
      for (const t of c.cancelTimers) slot.timers.delete(t);
      for (const t of c.addTimers) slot.timers.set(t.timerId, t);
      track(slot);
      for (const o of c.outbox) outbox.set(o.id, o);
    },
    async commitMany(commits) {
      const out: CommitOutcome[] = [];
      for (const c of commits)
        try {
          await store.commit(c);
          out.push({ ok: true });
        } catch (e) {
          if (!isElderflowError(e)) throw e;
          out.push({ ok: false, error: e });
        }
      return out;
    },
    async loadMany(ids) {
      const out = new Map<string, StoredInstance>();
      for (const id of ids) {
        const slot = slots.get(id);
        if (slot !== undefined) out.set(id, slot.instance);
      }
      return out;
    },
    async list(filter) {
      const out: StoredInstance[] = [];
      for (const slot of slots.values()) if (matches(slot.instance, filter)) out.push(slot.instance);
      out.sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      return out.slice(0, filter.limit ?? 100);
    },
    async events(instanceId) {
      return [...(slots.get(instanceId)?.log ?? [])];
    },
    async timers(instanceId) {
      return [...(slots.get(instanceId)?.timers.values() ?? [])];
    },
    async dueTimers(now, limit) {
      const due: StoredTimer[] = [];
      for (const slot of timed) for (const t of slot.timers.values()) if (t.fireAt <= now) due.push(t);
      due.sort((a, b) => a.fireAt - b.fireAt || (a.instanceId < b.instanceId ? -1 : 1));
      return due.slice(0, limit);
    },
    async dropTimer(timer) {
      const slot = slots.get(timer.instanceId);
      const t = slot?.timers.get(timer.timerId);
      if (slot !== undefined && t !== undefined && t.fireAt === timer.fireAt) {
        slot.timers.delete(timer.timerId);
        track(slot);
      }
    },
    async outbox(limit) {
      const out: OutboxItem[] = [];
      for (const o of outbox.values()) {
        if (out.length >= limit) break;
        out.push(o);
      }
      return out;
    },
    async markDelivered(ids) {
      for (const id of ids) outbox.delete(id);
    },
    async naming(personId) {
      const out: string[] = [];
      for (const [id, slot] of slots) {
        const named =
          Object.values(slot.instance.snapshot.context).some((v) => v === personId) ||
          slot.log.some((e) => e.actorId === personId);
        if (named) out.push(id);
      }
      return out;
    },
    async erase(e: Erasure) {
      const id = e.instance.id;
      const slot = slots.get(id);
      if (slot === undefined) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } });
      if (slot.instance.version !== e.expectedVersion)
        throw new ElderflowError("CONCURRENT_UPDATE", {
          params: { expected: e.expectedVersion, actual: slot.instance.version },
        });
      if (slot.eventIds.has(e.entry.eventId))
        throw new ElderflowError("DUPLICATE_ID", { params: { id: e.entry.eventId } });
      const bySeq = new Map(e.payloads.map((p) => [p.seq, p.payload]));
      slot.log = slot.log.map((entry) => {
        const payload = bySeq.get(entry.seq);
        return payload === undefined ? entry : { ...entry, payload };
      });
      slot.log.push(e.entry);
      slot.eventIds.add(e.entry.eventId);
      slot.instance = e.instance;
    },
    async close() {},
  };
  return store;
}
