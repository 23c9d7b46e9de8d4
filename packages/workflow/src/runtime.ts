import { type AnyMachineSnapshot, type AnyStateMachine, createActor, type StateValue } from "xstate";
import type { PersistedSnapshot, StoredTimer } from "./types";

/** What one pure step produced: the next snapshot, timers to set and cancel, events emitted. */
export interface StepResult {
  /** The snapshot after the step (the same object when no transition was enabled). */
  readonly next: AnyMachineSnapshot;
  /** Delayed events to persist: send id, delay in ms, event. */
  readonly schedule: { id: string; delay: number; event: Record<string, unknown> & { type: string } }[];
  /** Send ids cancelled. */
  readonly cancel: string[];
  /** Emitted events, in order. */
  readonly emitted: (Record<string, unknown> & { type: string })[];
}

interface Scope {
  scope: Record<string, unknown>;
  actions: { type: string; params?: unknown }[];
}

// One inert actor scope per machine, reused for every step. xstate's public `transition()` builds a
// fresh actor (and the machine's initial state) on every call, which costs four times the step.
const scopes = new WeakMap<AnyStateMachine, Scope>();

function scopeFor(machine: AnyStateMachine): Scope {
  let s = scopes.get(machine);
  if (s === undefined) {
    const self = createActor(machine);
    const holder: Scope = { scope: {}, actions: [] };
    holder.scope = {
      self,
      defer: () => {},
      id: "",
      logger: () => {},
      sessionId: "",
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: (action: { type: string; params?: unknown }) => {
        holder.actions.push(action);
      },
    };
    s = holder;
    scopes.set(machine, s);
  }
  return s;
}

function collect(next: AnyMachineSnapshot, actions: readonly { type: string; params?: unknown }[]): StepResult {
  const result: StepResult = { next, schedule: [], cancel: [], emitted: [] };
  for (const a of actions) {
    const p = a.params as Record<string, unknown> | undefined;
    if (a.type === "xstate.raise" && p !== undefined && typeof p.delay === "number") {
      result.schedule.push({
        id: String(p.id ?? (p.event as { type: string }).type),
        delay: p.delay,
        event: p.event as Record<string, unknown> & { type: string },
      });
    } else if (a.type === "xstate.cancel" && p !== undefined) {
      result.cancel.push(String(p.sendId));
    } else if (a.type === "xstate.emit" && p !== undefined) {
      result.emitted.push(p.event as Record<string, unknown> & { type: string });
    }
  }
  return result;
}

/**
 * Applies one event to a snapshot without running anything: a pure macrostep that returns the
 * next snapshot and the effects to persist.
 *
 * @example
 * ```ts
 * const { next, schedule } = step(machine, snapshot, { type: "ACCEPT", actor, at, eventId });
 * ```
 */
export function step(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: { type: string }): StepResult {
  const s = scopeFor(machine);
  s.actions = [];
  const next = machine.transition(snapshot, event, s.scope as never) as AnyMachineSnapshot;
  return collect(next, s.actions);
}

/**
 * The initial snapshot for an input, with the effects of entering the first state.
 *
 * @example
 * ```ts
 * const { next } = initialStep(machine, { communityId: "c01", personId: "p1" });
 * ```
 */
export function initialStep(machine: AnyStateMachine, input: unknown): StepResult {
  const s = scopeFor(machine);
  s.actions = [];
  const next = machine.getInitialSnapshot(s.scope as never, input) as AnyMachineSnapshot;
  return collect(next, s.actions);
}

/**
 * Turns a persisted snapshot back into a live one (without starting an actor).
 *
 * @example
 * ```ts
 * const live = restoreSnapshot(machine, stored.snapshot);
 * ```
 */
export function restoreSnapshot(machine: AnyStateMachine, persisted: PersistedSnapshot): AnyMachineSnapshot {
  return machine.restoreSnapshot(persisted as never, scopeFor(machine).scope as never) as AnyMachineSnapshot;
}

/**
 * The persisted form of a live snapshot.
 *
 * @example
 * ```ts
 * const json = JSON.stringify(persistSnapshot(machine, live));
 * ```
 */
export function persistSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): PersistedSnapshot {
  const s = snapshot as AnyMachineSnapshot & { historyValue?: object; children: object };
  // Engine machines are pure: no children and no history states. Their persisted form is then the
  // snapshot's own fields; xstate's getPersistedSnapshot would walk the context looking for actors
  // on every step. Anything else goes through xstate.
  if (isEmpty(s.children) && (s.historyValue === undefined || isEmpty(s.historyValue))) {
    const out: Record<string, unknown> = {
      status: s.status,
      value: s.value,
      historyValue: {},
      context: s.context,
      children: {},
    };
    if (s.output !== undefined) out.output = s.output;
    if (s.error !== undefined) out.error = s.error;
    return out as PersistedSnapshot;
  }
  return machine.getPersistedSnapshot(snapshot) as unknown as PersistedSnapshot;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/**
 * Flattens a state value to one string: `"dispatched"`, `"department.overdue"`; parallel regions
 * are joined with `|` in document order.
 *
 * @example
 * ```ts
 * flattenState({ department: "overdue" }); // "department.overdue"
 * ```
 */
export function flattenState(value: StateValue): string {
  if (typeof value === "string") return value;
  const parts: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const inner = flattenState(child as StateValue);
    parts.push(inner === "" ? key : `${key}.${inner}`);
  }
  return parts.join("|");
}

/**
 * Timers to persist from a step's schedule, relative to the event's time.
 *
 * @example
 * ```ts
 * const timers = timersOf("req-1", result, at);
 * ```
 */
export function timersOf(instanceId: string, result: StepResult, at: number): StoredTimer[] {
  return result.schedule.map((s) => ({ instanceId, timerId: s.id, fireAt: at + s.delay, event: s.event }));
}
