import {
  containsPersonalData,
  ElderflowError,
  maskIdNumber,
  maskName,
  maskPhone,
  redactPersonalData,
} from "@elderflow/core";
import type { AnyMachineSnapshot } from "xstate";
import type { WorkflowDefinition } from "./definition";
import { flattenState, initialStep, persistSnapshot, step } from "./runtime";
import type { LogEntry, PersistedSnapshot, StoredTimer } from "./types";

/** One audit record: who (by id), in which role, when, which event, from which state to which. */
export interface AuditRecord {
  /** Instance id. */
  readonly instanceId: string;
  /** Position in the instance's log. */
  readonly seq: number;
  /** When, as an ISO 8601 UTC instant. */
  readonly time: string;
  /** Who (an id; never a name). */
  readonly actorId: string;
  /** Their role. */
  readonly role: string;
  /** The organisation they acted for. */
  readonly orgId: string | null;
  /** Event type. */
  readonly event: string;
  /** Event id. */
  readonly eventId: string;
  /** State before. */
  readonly from: string | null;
  /** State after. */
  readonly to: string;
  /** The event data, personal fields masked. */
  readonly data: Readonly<Record<string, unknown>>;
}

const NAME_KEYS = new Set(["name", "firstName", "lastName", "first_name", "last_name", "fullName"]);
const PHONE_KEYS = new Set(["phone", "mobile", "telephone"]);
const ID_NUMBER_KEYS = new Set(["idNumber", "id_number"]);
const TEXT_KEYS = new Set([
  "address",
  "address_string",
  "description",
  "note",
  "notes",
  "email",
  "status_notes",
  "health",
  // Health readings (medical volunteer contacts), in the clear or sealed: never in an export.
  "readings",
  "sealedReadings",
]);

/** How a string at a field of a given name leaves: masked by the field's name, then by its shape. */
type KeyMask = (key: string, value: string) => string | undefined;

/** Deepest nesting walked; anything deeper is replaced whole (payloads are bounded far below). */
const MAX_DEPTH = 64;

/**
 * A copy of a JSON value with every string passed through `leaf` (by the name of the field it is
 * in), walked with an explicit stack so that no input depth can overflow the call stack.
 */
function mapJson(
  value: unknown,
  leaf: (key: string, value: string) => unknown,
  whole: (key: string, value: unknown) => unknown,
): unknown {
  const root: { v: unknown } = { v: undefined };
  const stack: { src: unknown; key: string; set: (v: unknown) => void; depth: number }[] = [
    { src: value, key: "", set: (v) => (root.v = v), depth: 0 },
  ];
  while (stack.length > 0) {
    const { src, key, set, depth } = stack.pop() as (typeof stack)[number];
    const replaced = whole(key, src);
    if (replaced !== src) set(replaced);
    else if (typeof src === "string") set(leaf(key, src));
    else if (typeof src === "number" && Number.isInteger(src) && containsPersonalData(String(src)))
      // A phone or ID number typed as a number: it leaves masked, as text.
      set(leaf(key, String(src)));
    else if (typeof src !== "object" || src === null) set(src);
    else if (depth >= MAX_DEPTH) set("***");
    else if (Array.isArray(src)) {
      const out: unknown[] = new Array(src.length);
      set(out);
      for (let i = 0; i < src.length; i++) stack.push({ src: src[i], key, set: (v) => (out[i] = v), depth: depth + 1 });
    } else {
      const out: Record<string, unknown> = {};
      set(out);
      for (const [k, v] of Object.entries(src as Record<string, unknown>))
        stack.push({ src: v, key: k, set: (x) => (out[k] = x), depth: depth + 1 });
    }
  }
  return root.v;
}

/**
 * A copy of a JSON value in which every ID number and mobile phone inside any string (or typed as
 * a whole number) is masked by its shape (core's `redactPersonalData`), iteratively. Used for history views and exports.
 *
 * @example
 * ```ts
 * redactJson({ note: "call 13812345678" }); // { note: "call 138****5678" }
 * ```
 */
export function redactJson(value: unknown): unknown {
  return mapJson(
    value,
    (_k, v) => redactPersonalData(v),
    (_k, v) => v,
  );
}

function maskRecord(record: Readonly<Record<string, unknown>>, extra: ReadonlySet<string>): Record<string, unknown> {
  const byName: KeyMask = (key, value) => {
    if (NAME_KEYS.has(key)) return maskName(value);
    if (PHONE_KEYS.has(key)) return maskPhone(value);
    if (ID_NUMBER_KEYS.has(key)) return maskIdNumber(value);
    return undefined;
  };
  return mapJson(
    record,
    (key, value) => byName(key, value) ?? redactPersonalData(value),
    (key, value) => (value !== null && value !== undefined && (TEXT_KEYS.has(key) || extra.has(key)) ? "***" : value),
  ) as Record<string, unknown>;
}

/**
 * Turns log entries into audit records with personal data masked, recursively (and iteratively)
 * over payload values: names, phones and ID numbers by field name through core's maskers; free
 * text (addresses, descriptions, notes, health) replaced by `***`, plus any extra field names
 * given; and in every other string, ID numbers and mobiles masked by their shape (core's
 * `redactPersonalData`), whatever field they were typed into. People appear by id only, so erasing a person's personal data
 * elsewhere never requires rewriting this history.
 *
 * @example
 * ```ts
 * const records = exportAudit(await engine.history("req-1", staff));
 * ```
 */
export function exportAudit(
  entries: readonly LogEntry[],
  options: { readonly maskFields?: readonly string[] } = {},
): AuditRecord[] {
  const extra = new Set(options.maskFields ?? []);
  return entries.map((e) => ({
    instanceId: e.instanceId,
    seq: e.seq,
    time: new Date(e.at).toISOString(),
    actorId: e.actorId,
    role: e.role,
    orgId: e.orgId,
    event: e.type,
    eventId: e.eventId,
    from: e.from,
    to: e.to,
    data: maskRecord(e.payload, extra),
  }));
}

/** What replaying a log produced. */
export interface Replay {
  /** The snapshot the log leads to. */
  readonly snapshot: PersistedSnapshot;
  /** Its flattened state. */
  readonly state: string;
  /** The timers that should be pending, by id. */
  readonly timers: ReadonlyMap<string, Omit<StoredTimer, "instanceId">>;
  /** Entries whose recorded `to` state differs from the replay (empty when the log is consistent). */
  readonly mismatches: readonly number[];
}

/**
 * Replays an instance's event log through its machine (choosing, for each entry, the definition
 * of the version that applied it and migrating between versions) and returns the snapshot and
 * pending timers it leads to. Used to prove that a stored snapshot is reachable from its log.
 *
 * @example
 * ```ts
 * const r = replayLog([serviceRequestWorkflow(deps)], await engine.history("req-1", staff));
 * r.state === (await engine.query("req-1", staff)).state; // true
 * ```
 */
export function replayLog(versions: readonly WorkflowDefinition[], entries: readonly LogEntry[]): Replay {
  const byVersion = new Map(versions.map((d) => [d.version, d]));
  const first = entries[0];
  if (first === undefined || first.type !== "xstate.init")
    throw new ElderflowError("INVALID_INPUT", { params: { detail: "a log starts with xstate.init" } });
  let def = byVersion.get(first.machineVersion);
  if (def === undefined)
    throw new ElderflowError("NO_MIGRATION_PATH", {
      params: { machine: versions[0]?.name ?? "?", from: first.machineVersion, to: first.machineVersion },
    });
  const timers = new Map<string, Omit<StoredTimer, "instanceId">>();
  const mismatches: number[] = [];
  let snapshot: AnyMachineSnapshot | undefined;
  for (const e of entries) {
    const target = byVersion.get(e.machineVersion);
    if (target === undefined || def === undefined)
      throw new ElderflowError("NO_MIGRATION_PATH", {
        params: { machine: versions[0]?.name ?? "?", from: def?.version ?? 0, to: e.machineVersion },
      });
    if (snapshot !== undefined && target.version !== def.version) {
      let persisted = persistSnapshot(def.machine, snapshot);
      for (let v = def.version; v < target.version; v++) {
        const m = target.migrations?.find((x) => x.from === v);
        if (m === undefined)
          throw new ElderflowError("NO_MIGRATION_PATH", {
            params: { machine: target.name, from: def.version, to: target.version },
          });
        persisted = m.migrate(persisted);
      }
      snapshot = target.machine.resolveState(persisted as never) as AnyMachineSnapshot;
    }
    def = target;
    const event = {
      ...e.payload,
      type: e.type,
      actor: { id: e.actorId, role: e.role, ...(e.orgId === null ? {} : { orgId: e.orgId }) },
      at: e.at,
      eventId: e.eventId,
    };
    const result = snapshot === undefined ? initialStep(def.machine, e.payload) : step(def.machine, snapshot, event);
    snapshot = result.next;
    for (const c of result.cancel) timers.delete(c);
    if (e.type.startsWith("xstate.after.")) {
      for (const [id, t] of timers) if (t.event.type === e.type) timers.delete(id);
    }
    for (const s of result.schedule) timers.set(s.id, { timerId: s.id, fireAt: e.at + s.delay, event: s.event });
    if (flattenState(snapshot.value) !== e.to) mismatches.push(e.seq);
  }
  if (snapshot === undefined || def === undefined)
    throw new ElderflowError("INTERNAL", { params: { detail: "empty log" } });
  return { snapshot: persistSnapshot(def.machine, snapshot), state: flattenState(snapshot.value), timers, mismatches };
}
