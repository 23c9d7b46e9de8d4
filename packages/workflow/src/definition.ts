import { ElderflowError, type ErrorCode } from "@elderflow/core";
import type { AnyStateMachine } from "xstate";
import type { z } from "zod";
import { isStrictObject } from "./schemas";
import type { PersistedSnapshot, Role, WorkflowActor } from "./types";

/** What an event type requires: the roles that may send it and the schema of its payload. */
export interface EventSpec {
  /** Roles allowed to send it; anyone else gets `WRONG_ROLE` and nothing changes. */
  readonly roles: readonly Role[];
  /** The payload, a `z.strictObject` (absent: no payload fields at all). */
  readonly payload?: z.ZodObject;
  /** One line for the docs and the CLI. */
  readonly description?: string;
}

/** Upgrades a persisted snapshot from one machine version to the next. */
export interface SnapshotMigration {
  /** Version it reads. */
  readonly from: number;
  /** Version it writes. */
  readonly to: number;
  /** The upgrade; must be pure. */
  readonly migrate: (snapshot: PersistedSnapshot) => PersistedSnapshot;
}

/** What an enricher sees: the current context and the event about to be applied. */
export interface EnrichArgs {
  /** The event type. */
  readonly type: string;
  /** The checked payload. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** The instance's current machine context. */
  readonly context: Readonly<Record<string, unknown>>;
  /** Who sends it. */
  readonly actor: WorkflowActor;
  /** The engine's now (epoch ms). */
  readonly at: number;
}

/**
 * A machine plus what the engine needs to run it durably: a name and version, who may start it
 * and send which event with which payload, how to pick its community and priority, and the
 * migrations of its old snapshots.
 *
 * Machines run by the engine must be pure (assign, raise, emit, after; no side-effecting actions,
 * no invoked actors): time enters through `after` (persisted timers), the outside world through
 * `enrich` (asked once at send time and recorded in the event log, so that replays are exact) and
 * effects leave through `emit` (an outbox delivered to sinks).
 */
export interface WorkflowDefinition<TMachine extends AnyStateMachine = AnyStateMachine> {
  /** Stable name, e.g. `"serviceRequest"`. */
  readonly name: string;
  /** Version of the machine; bump it when the states or context change, and add a migration. */
  readonly version: number;
  /** The xstate machine, built with `setup()`. */
  readonly machine: TMachine;
  /** Roles that may start an instance. */
  readonly startRoles: readonly Role[];
  /** The start input, a `z.strictObject` with a `communityId`. */
  readonly input: z.ZodObject;
  /** Every event type the outside may send. */
  readonly events: Readonly<Record<string, EventSpec>>;
  /** Ordering weight from the context: higher is listed first (default 0). */
  readonly priorityOf?: (context: Readonly<Record<string, unknown>>) => number;
  /** Adds facts to the start input before the machine sees it (recorded in the log). */
  readonly enrichInput?: (
    input: Readonly<Record<string, unknown>>,
    at: number,
  ) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Adds facts to an event before the machine sees it (recorded in the log). */
  readonly enrich?: (args: EnrichArgs) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /**
   * Names a more specific error than `EVENT_NOT_ALLOWED` when the machine refuses an event (its
   * `payload` includes what `enrich` recorded).
   */
  readonly explain?: (args: EnrichArgs & { readonly state: string }) => ErrorCode | undefined;
  /** Snapshot migrations from older versions. */
  readonly migrations?: readonly SnapshotMigration[];
}

/**
 * Checks a workflow definition (name, version, strict schemas, a `communityId` in the input,
 * migrations one step at a time) and returns it typed (a definition is a plain value).
 *
 * @example
 * ```ts
 * const def = defineWorkflow({ name: "demo", version: 1, machine, startRoles: ["community_staff"],
 *   input: z.strictObject({ communityId: IdSchema }), events: { GO: { roles: ["community_staff"] } } });
 * ```
 */
export function defineWorkflow<TMachine extends AnyStateMachine>(
  definition: WorkflowDefinition<TMachine>,
): WorkflowDefinition<TMachine> {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,47}$/.test(definition.name))
    throw new ElderflowError("INVALID_FORMAT", { path: ["name"], params: { format: "workflow name" } });
  if (!Number.isInteger(definition.version) || definition.version < 1)
    throw new ElderflowError("TOO_SMALL", { path: ["version"], params: { minimum: 1 } });
  if (!isStrictObject(definition.input))
    throw new ElderflowError("INVALID_INPUT", { path: ["input"], params: { detail: "a z.strictObject" } });
  if (!Object.hasOwn(definition.input.shape, "communityId"))
    throw new ElderflowError("REQUIRED", { path: ["input", "communityId"] });
  for (const [type, spec] of Object.entries(definition.events)) {
    if (spec.payload !== undefined && !isStrictObject(spec.payload))
      throw new ElderflowError("INVALID_INPUT", {
        path: ["events", type, "payload"],
        params: { detail: "a z.strictObject" },
      });
  }
  for (const m of definition.migrations ?? []) {
    if (m.to !== m.from + 1)
      throw new ElderflowError("INVALID_INPUT", {
        path: ["migrations"],
        params: { detail: "a migration goes from n to n+1" },
      });
  }
  return definition;
}

/**
 * Upgrades a persisted snapshot from `from` to the definition's version through its registered
 * migrations, one version at a time; fails loudly with `NO_MIGRATION_PATH` when a step is missing
 * (or the snapshot is newer than the definition), never guessing.
 *
 * @example
 * ```ts
 * const upgraded = migrateSnapshot(def, 1, stored.snapshot);
 * ```
 */
export function migrateSnapshot(
  definition: WorkflowDefinition,
  from: number,
  snapshot: PersistedSnapshot,
): PersistedSnapshot {
  let version = from;
  let current = snapshot;
  while (version < definition.version) {
    const step = definition.migrations?.find((m) => m.from === version);
    if (step === undefined) break;
    current = step.migrate(current);
    version = step.to;
  }
  if (version !== definition.version)
    throw new ElderflowError("NO_MIGRATION_PATH", {
      params: { machine: definition.name, from, to: definition.version },
    });
  return current;
}
