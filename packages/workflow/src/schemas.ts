/**
 * The contracts at the workflow's edges that are not one machine's: the actor as the engine checks
 * it, the reserved id namespaces, the bounds of a payload, and which fields are free text.
 */
import {
  ACTOR_ROLES,
  canonicalJson,
  ElderflowError,
  type FieldPath,
  FreeTextSchema,
  ID_RULES,
  IdSchema,
  isElderflowError,
  type JsonLimits,
  parseOrThrow,
  textProblem,
} from "@elderflow/core";
import { z } from "zod";

/**
 * The actor the engine takes on every call, as a schema: an id, the one role it acts in, its
 * community (required unless a district role) and the organisation it acts for.
 *
 * @example
 * ```ts
 * WorkflowActorSchema.parse({ id: "s1", role: "hotline_staff", communityId: "c01" });
 * ```
 */
export const WorkflowActorSchema = z.strictObject({
  /** Id of the person, volunteer, service point or body. */
  id: IdSchema,
  /** The role they act in. */
  role: z.enum(ACTOR_ROLES),
  /** Their community. */
  communityId: IdSchema.optional(),
  /** The organisation they act for. */
  orgId: IdSchema.optional(),
});

/**
 * Id prefixes the engine generates itself (timer firings, default start events, erasure records,
 * xstate's own events). A caller's event id or instance id may not begin with one (`RESERVED_ID`),
 * so that no caller can pre-empt an engine event by taking its id.
 *
 * @example
 * ```ts
 * RESERVED_ID_PREFIXES.includes("timer:"); // true
 * ```
 */
export const RESERVED_ID_PREFIXES: readonly string[] = ["timer:", "start:", "erasure:", "xstate."];

/**
 * The reserved prefix an id begins with (compared without regard to case), or null.
 *
 * @example
 * ```ts
 * reservedPrefix("timer:xstate.after.weeklyCheck.pairing.active@1"); // "timer:"
 * ```
 */
export function reservedPrefix(id: string): string | null {
  const lower = id.toLowerCase();
  for (const p of RESERVED_ID_PREFIXES) if (lower.startsWith(p)) return p;
  return null;
}

/** Rules of an event id: an id that may also hold `@`, `#` and `/`, up to 200 characters. */
const EVENT_ID_RULES = { ...ID_RULES, max: 200, pattern: /^[A-Za-z0-9_.:@#/-]+$/ };

/**
 * Checks a caller's instance id or event id: canonical id text (never shaped like an ID number or
 * phone) outside the reserved namespaces. Throws the typed error with the path given.
 *
 * @example
 * ```ts
 * checkCallerId("e-1", "event", ["id"]);
 * ```
 */
export function checkCallerId(value: unknown, kind: "instance" | "event", path: FieldPath): string {
  const problem = textProblem(value, kind === "instance" ? ID_RULES : EVENT_ID_RULES);
  if (problem !== null) {
    const params: Record<string, string | number> = {};
    if (problem === "INVALID_FORMAT") params.format = kind === "instance" ? "id" : "event id";
    if (problem === "TOO_BIG") params.maximum = kind === "instance" ? ID_RULES.max : EVENT_ID_RULES.max;
    if (problem === "INVALID_TYPE") params.expected = "string";
    throw new ElderflowError(problem, { path, params });
  }
  const prefix = reservedPrefix(value as string);
  if (prefix !== null) throw new ElderflowError("RESERVED_ID", { path, params: { prefix } });
  return value as string;
}

/**
 * Bounds of an event payload or start input, checked (iteratively) before its schema sees it:
 * nesting, number of values and string length.
 *
 * @example
 * ```ts
 * PAYLOAD_LIMITS.maxDepth; // 16
 * ```
 */
export const PAYLOAD_LIMITS: Required<JsonLimits> = { maxDepth: 16, maxNodes: 10_000, maxString: 10_000 };

/**
 * Parses a payload or start input: bounded by {@link PAYLOAD_LIMITS} through core's iterative
 * `canonicalJson` (so no input depth can overflow the stack), then checked by its strict schema.
 * Errors carry codes and paths under `path`, never values.
 *
 * @example
 * ```ts
 * parsePayload(VerificationPayloads.REJECT, { reason: "duplicate" }, ["payload"]);
 * ```
 */
export function parsePayload<S extends z.ZodType>(schema: S, value: unknown, path: FieldPath): z.output<S> {
  try {
    canonicalJson(value, PAYLOAD_LIMITS);
  } catch (e) {
    if (!isElderflowError(e)) throw e;
    throw new ElderflowError(e.code, { path: [...path, ...e.path], params: e.params });
  }
  return parseOrThrow(schema, value, path);
}

/**
 * A bounded JSON value for a payload field that holds structured data: any JSON within
 * {@link PAYLOAD_LIMITS} (checked iteratively by core's `canonicalJson`).
 *
 * @example
 * ```ts
 * z.strictObject({ extra: BoundedJson.optional() });
 * ```
 */
export const BoundedJson = z.unknown().superRefine((value, ctx) => {
  try {
    canonicalJson(value, PAYLOAD_LIMITS);
  } catch (e) {
    ctx.addIssue({ code: "custom", params: { code: isElderflowError(e) ? e.code : "INVALID_INPUT" } });
  }
});

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault) s = s.def.innerType as z.ZodType;
    else return s;
  }
}

/**
 * The names of the free-text fields of an object schema: those declared with core's
 * `FreeTextSchema` (optional or nullable too). These are what `erasePerson` replaces; every other
 * field is an id, a code, a number or a date and stays.
 *
 * @example
 * ```ts
 * freeTextFields(z.strictObject({ reason: z.enum(["a"]), note: FreeTextSchema.optional() })); // ["note"]
 * ```
 */
export function freeTextFields(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const out: string[] = [];
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>))
    if (unwrap(field) === FreeTextSchema) out.push(key);
  return out;
}

/**
 * Whether an object schema refuses unknown keys (a `z.strictObject`).
 *
 * @example
 * ```ts
 * isStrictObject(z.strictObject({})); // true
 * ```
 */
export function isStrictObject(schema: z.ZodType): boolean {
  if (!(schema instanceof z.ZodObject)) return false;
  const catchall = schema.def.catchall as z.ZodType | undefined;
  return catchall instanceof z.ZodNever;
}
