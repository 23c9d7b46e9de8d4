import { type FieldPath, fromZodError, type Result } from "@elderflow/core";
import type { z } from "zod";
import type { Text } from "./model";

type Prev = [never, 0, 1, 2, 3];

/**
 * The dotted paths of a facts type, to a depth of four: `"rank"`, `"household.livesAlone"`.
 * A misspelt fact name in the builder is a type error because names must be one of these.
 */
export type FactPath<T, D extends number = 4> = [D] extends [never]
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? {
          [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[]
            ? K
            : NonNullable<T[K]> extends object
              ? K | `${K}.${FactPath<NonNullable<T[K]>, Prev[D]>}`
              : K;
        }[keyof T & string]
      : never;

/** The shape of a fact, as the schema declares it (dates are strings marked `date` by the fact set). */
export type FactKind = "string" | "number" | "boolean" | "enum" | "date" | "array" | "object" | "other";

/** How a sensitive fact is masked in traces: as a name, an ID number, a phone, or fully (`hidden`). */
export type Sensitivity = "name" | "idNumber" | "phone" | "hidden";

/** What a fact set says about one fact: how it is labelled and rendered. */
export interface FactLabel {
  /** The fact's name for people. */
  readonly label?: Text;
  /** Display names of values (enum members), e.g. `lixiu` -> 离休 / lixiu. */
  readonly values?: { readonly [value: string]: Text };
  /**
   * How a value reads in an explanation; `{value}` is the (rendered) value, `{year}` the as-of
   * year, `{on}` the as-of date. E.g. `{ "zh-CN": "{year}年满{value}周岁", en: "turns {value} in {year}" }`.
   */
  readonly template?: Text;
  /** Overrides the kind read from the schema (e.g. `date` for an ISO date string). */
  readonly kind?: FactKind;
  /** Masks the fact in traces. */
  readonly sensitive?: Sensitivity;
  /** The fact holds a rank id: rendered with the rank scale's names. */
  readonly rank?: boolean;
}

/** One known fact of a fact set. */
export interface FactInfo extends FactLabel {
  /** Dotted path. */
  readonly path: string;
  /** Kind (from the schema unless overridden). */
  readonly kind: FactKind;
}

/** Options of {@link defineFacts}. */
export interface FactSetOptions<S extends z.ZodType> {
  /** Stable id that policy JSON refers to. */
  readonly id: string;
  /** The zod schema of the facts: the one source of fact names and types. */
  readonly schema: S;
  /** Labels, templates and sensitivity by fact path. */
  readonly labels?: { readonly [P in FactPath<z.output<S>>]?: FactLabel };
  /** The fact that names the subject of a decision (masked as a name in explanations). */
  readonly subject?: FactPath<z.output<S>>;
}

/** A named set of facts: the schema policies read, its known paths and their labels. */
export interface FactSet<S extends z.ZodType = z.ZodType> {
  /** Stable id. */
  readonly id: string;
  /** The schema. */
  readonly schema: S;
  /** Every known fact by dotted path. */
  readonly facts: ReadonlyMap<string, FactInfo>;
  /** The subject fact, if any. */
  readonly subject?: string;
  /** Parses facts at an edge; bad facts give an `ElderflowError` naming every field. */
  parse(input: unknown, basePath?: FieldPath): Result<z.output<S>>;
}

interface ZodDefLike {
  readonly type: string;
  readonly innerType?: ZodLike;
  readonly shape?: Record<string, ZodLike>;
  readonly in?: ZodLike;
}
interface ZodLike {
  readonly _zod: { readonly def: ZodDefLike };
}

function unwrap(schema: ZodLike): ZodLike {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

function kindOf(type: string): FactKind {
  switch (type) {
    case "string":
    case "number":
    case "boolean":
    case "enum":
    case "array":
    case "object":
      return type;
    case "int":
    case "bigint":
      return "number";
    default:
      return "other";
  }
}

function walk(schema: ZodLike, prefix: string, out: Map<string, FactKind>, depth: number): void {
  const s = unwrap(schema);
  const def = s._zod.def;
  if (def.type !== "object" || !def.shape || depth > 4) return;
  for (const [key, child] of Object.entries(def.shape)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const inner = unwrap(child);
    out.set(path, kindOf(inner._zod.def.type));
    walk(inner, path, out, depth + 1);
  }
}

/**
 * Declares a fact set from a zod object schema. Fact names are the schema's (nested) keys; labels
 * say how each fact reads in zh-CN and en, and which facts are personal data to be masked.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * const Facts = defineFacts({
 *   id: "demo",
 *   schema: z.object({ age: z.number().int(), name: z.string().optional() }),
 *   labels: { age: { label: { "zh-CN": "年龄", en: "age" } }, name: { sensitive: "name" } },
 *   subject: "name",
 * });
 * Facts.facts.has("age"); // true
 * ```
 */
export function defineFacts<S extends z.ZodType>(options: FactSetOptions<S>): FactSet<S> {
  const kinds = new Map<string, FactKind>();
  walk(options.schema as unknown as ZodLike, "", kinds, 0);
  const labels = (options.labels ?? {}) as Record<string, FactLabel | undefined>;
  const facts = new Map<string, FactInfo>();
  for (const [path, kind] of kinds) {
    const l = labels[path] ?? {};
    facts.set(path, { ...l, path, kind: l.kind ?? kind });
  }
  const schema = options.schema;
  return Object.freeze({
    id: options.id,
    schema,
    facts,
    ...(options.subject === undefined ? {} : { subject: options.subject as string }),
    parse(input: unknown, basePath: FieldPath = []): Result<z.output<S>> {
      const r = schema.safeParse(input);
      if (r.success) return { ok: true, value: r.data as z.output<S> };
      return { ok: false, error: fromZodError(r.error, basePath) };
    },
  });
}
