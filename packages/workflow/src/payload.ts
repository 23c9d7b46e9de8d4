import { ElderflowError, type ElderflowIssue, isIsoDate } from "@elderflow/core";

/** The kind of one payload field. */
export type FieldKind = "string" | "id" | "date" | "int" | "number" | "boolean" | "enum" | "instant" | "json";

/** One field of an event payload or a start input. */
export interface FieldSpec {
  /** What it holds. */
  readonly kind: FieldKind;
  /** May be left out. */
  readonly optional?: boolean;
  /** Allowed values (for `enum`). */
  readonly values?: readonly string[];
  /** Smallest value (numbers) or length (strings). */
  readonly min?: number;
  /** Largest value (numbers) or length (strings; default 500). */
  readonly max?: number;
}

/** The fields of a payload, by name. Unknown fields are rejected. */
export type PayloadSpec = Readonly<Record<string, FieldSpec>>;

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const RESERVED = new Set(["type", "actor", "at", "eventId"]);

function checkField(name: string, spec: FieldSpec, value: unknown, path: (string | number)[]): ElderflowIssue | null {
  const at = [...path, name];
  switch (spec.kind) {
    case "string":
    case "id":
      if (typeof value !== "string") return { code: "INVALID_TYPE", path: at, params: { expected: "string" } };
      if (spec.kind === "id" && !ID.test(value)) return { code: "INVALID_FORMAT", path: at, params: { format: "id" } };
      if (value.length > (spec.max ?? 500)) return { code: "TOO_BIG", path: at, params: { maximum: spec.max ?? 500 } };
      if (value.length < (spec.min ?? 0)) return { code: "TOO_SMALL", path: at, params: { minimum: spec.min ?? 0 } };
      return null;
    case "date":
      return typeof value === "string" && isIsoDate(value) ? null : { code: "INVALID_DATE", path: at, params: {} };
    case "enum":
      if (typeof value !== "string" || !(spec.values ?? []).includes(value))
        return { code: "INVALID_ENUM", path: at, params: { options: (spec.values ?? []).join(", ") } };
      return null;
    case "int":
    case "number":
    case "instant":
      if (typeof value !== "number" || !Number.isFinite(value) || (spec.kind !== "number" && !Number.isInteger(value)))
        return { code: "INVALID_TYPE", path: at, params: { expected: spec.kind === "number" ? "number" : "integer" } };
      if (spec.min !== undefined && value < spec.min)
        return { code: "TOO_SMALL", path: at, params: { minimum: spec.min } };
      if (spec.max !== undefined && value > spec.max)
        return { code: "TOO_BIG", path: at, params: { maximum: spec.max } };
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : { code: "INVALID_TYPE", path: at, params: { expected: "boolean" } };
    case "json":
      return null;
  }
}

/**
 * Checks a payload against its spec: every issue is collected (unknown fields, missing required
 * fields, wrong types); the first becomes the thrown `ElderflowError`, all are in its `issues`.
 * Values are never copied into the error.
 *
 * @example
 * ```ts
 * checkPayload({ reason: { kind: "string", min: 1 } }, { reason: "" }, ["payload"]); // throws TOO_SMALL
 * ```
 */
export function checkPayload(
  spec: PayloadSpec,
  payload: unknown,
  path: (string | number)[] = ["payload"],
): Readonly<Record<string, unknown>> {
  const value = payload ?? {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "object" } });
  const record = value as Record<string, unknown>;
  const issues: ElderflowIssue[] = [];
  for (const key of Object.keys(record)) {
    if (RESERVED.has(key) || !Object.hasOwn(spec, key))
      issues.push({ code: "UNKNOWN_FIELD", path: [...path, key], params: { field: key.slice(0, 40) } });
  }
  for (const [name, field] of Object.entries(spec)) {
    const v = record[name];
    if (v === undefined) {
      if (field.optional !== true) issues.push({ code: "REQUIRED", path: [...path, name], params: {} });
      continue;
    }
    const issue = checkField(name, field, v, path);
    if (issue !== null) issues.push(issue);
  }
  const first = issues[0];
  if (first !== undefined) throw new ElderflowError(first.code, { path: first.path, params: first.params, issues });
  return record;
}
