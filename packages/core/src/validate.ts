import type { z } from "zod";
import { type ElderflowIssue, type FieldPath, fromZodError, type Result } from "./errors";
import { type PersonSchemaOptions, personSchema } from "./schemas";

/**
 * Parses input with a zod schema into a {@link Result}: the value, or an `ElderflowError` naming
 * every issue with code and path. Never throws for bad input.
 *
 * @example
 * ```ts
 * const r = parseWith(Person, json);
 * if (!r.ok) console.log(r.error.issues);
 * ```
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  basePath: FieldPath = [],
): Result<z.output<S>> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: fromZodError(r.error, basePath) };
}

/**
 * Parses input with a zod schema, throwing an `ElderflowError` on bad input.
 *
 * @example
 * ```ts
 * const volunteer = parseOrThrow(Volunteer, json);
 * ```
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, basePath: FieldPath = []): z.output<S> {
  const r = parseWith(schema, input, basePath);
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * Parses one person in the interchange form, throwing an `ElderflowError` on bad input.
 *
 * @example
 * ```ts
 * const p = parsePerson(json, { today: "2026-11-26" });
 * ```
 */
export function parsePerson(input: unknown, options: PersonSchemaOptions = {}) {
  return parseOrThrow(personSchema(options), input);
}

/** One invalid record of a batch: where it was and everything wrong with it. */
export interface InvalidRecord {
  /** Index of the record in the input array. */
  readonly index: number;
  /** The record's id, when it had a readable one. */
  readonly id?: string;
  /** Every issue, with paths relative to the record. */
  readonly issues: readonly ElderflowIssue[];
}

/** The outcome of validating a batch: the good records, and every bad one with its issues. */
export interface BatchValidation<T> {
  /** The records that parsed, with their index. */
  readonly valid: readonly { readonly index: number; readonly value: T }[];
  /** The records that did not, in input order. */
  readonly invalid: readonly InvalidRecord[];
}

/**
 * Validates every record of a batch without stopping at the first bad one, and flags repeated ids
 * (`DUPLICATE_ID`). Paths in the issues are relative to each record.
 *
 * @example
 * ```ts
 * const { valid, invalid } = validateMany(Person, records);
 * ```
 */
export function validateMany<S extends z.ZodType>(
  schema: S,
  records: readonly unknown[],
): BatchValidation<z.output<S>> {
  const valid: { index: number; value: z.output<S> }[] = [];
  const invalid: InvalidRecord[] = [];
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const rawId =
      record !== null && typeof record === "object" && typeof (record as { id?: unknown }).id === "string"
        ? ((record as { id: string }).id.slice(0, 64) as string)
        : undefined;
    const r = schema.safeParse(record, { reportInput: true });
    const issues: ElderflowIssue[] = r.success ? [] : [...fromZodError(r.error).issues];
    if (rawId !== undefined) {
      if (seen.has(rawId)) issues.push({ code: "DUPLICATE_ID", path: ["id"], params: { id: rawId } });
      seen.add(rawId);
    }
    if (issues.length === 0 && r.success) valid.push({ index, value: r.data });
    else invalid.push(rawId === undefined ? { index, issues } : { index, id: rawId, issues });
  });
  return { valid, invalid };
}

/**
 * Validates a batch of persons in the interchange form (see {@link validateMany}).
 *
 * @example
 * ```ts
 * const report = validatePersons(JSON.parse(text), { today: "2026-11-26" });
 * ```
 */
export function validatePersons(records: readonly unknown[], options: PersonSchemaOptions = {}) {
  return validateMany(personSchema(options), records);
}
