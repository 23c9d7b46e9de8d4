/**
 * Canonical text at the trust boundary: what may be an identifier or a key, what may be free text,
 * and how personal data is recognised by its shape. Every string that reaches a hash, a store or a
 * message goes through one of these checks, so what is hashed is exactly what every store returns.
 */
import { z } from "zod";
import { ElderflowError, ISSUE_CODE_PARAM } from "./errors";
import { containsPersonalData } from "./mask";
import type { ErrorCode } from "./messages";

/** Lone surrogates, C0/C1 controls and DEL, bidi overrides and isolates, and the two noncharacters U+FFFE/U+FFFF. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/;

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate), so that every store and every
 * encoder returns it unchanged.
 *
 * @example
 * ```ts
 * isWellFormedText("k\ud800"); // false
 * ```
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Limits of one kind of canonical text. */
export interface TextRules {
  /** Most characters (UTF-16 code units). */
  readonly max: number;
  /** Fewest characters (default 1). */
  readonly min?: number;
  /** Allow line feeds, carriage returns and tabs (free text only). */
  readonly lines?: boolean;
  /** Refuse anything shaped like an ID number or mobile phone (identifiers and keys). */
  readonly noPersonalData?: boolean;
  /** A pattern the whole string must match. */
  readonly pattern?: RegExp;
}

/**
 * The first problem of a string against a kind of canonical text, as a catalogue code, or null
 * when it is acceptable. The order is fixed (type, length, well-formedness, control characters,
 * normal form, pattern, personal data), so one input always reports the same code.
 *
 * @example
 * ```ts
 * textProblem("a\u0000b", { max: 10 }); // "CONTROL_CHARACTER"
 * ```
 */
export function textProblem(value: unknown, rules: TextRules): ErrorCode | null {
  if (typeof value !== "string") return "INVALID_TYPE";
  if (value.length < (rules.min ?? 1)) return value.length === 0 ? "REQUIRED" : "TOO_SMALL";
  if (value.length > rules.max) return "TOO_BIG";
  if (!isWellFormedText(value)) return "MALFORMED_TEXT";
  if ((rules.lines ? CONTROL_BUT_LINES : CONTROL).test(value)) return "CONTROL_CHARACTER";
  if (value.normalize("NFC") !== value) return "NOT_NORMALIZED";
  if (rules.pattern !== undefined && !rules.pattern.test(value)) return "INVALID_FORMAT";
  if (rules.noPersonalData && containsPersonalData(value)) return "PERSONAL_DATA_IN_ID";
  return null;
}

function textSchema(rules: TextRules) {
  return z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, rules);
    if (problem === null) return;
    const params: Record<string, string | number> = { [ISSUE_CODE_PARAM]: problem };
    if (problem === "TOO_BIG") params.maximum = rules.max;
    if (problem === "TOO_SMALL") params.minimum = rules.min ?? 1;
    if (problem === "INVALID_FORMAT") params.format = "id";
    ctx.addIssue({ code: "custom", params });
  });
}

/** Rules of {@link IdSchema}. */
export const ID_RULES: TextRules = { max: 64, pattern: /^[A-Za-z0-9_.:-]+$/, noPersonalData: true };
/** Rules of {@link KeySchema}. */
export const KEY_RULES: TextRules = { max: 200, noPersonalData: true };
/** Rules of {@link FreeTextSchema}. */
export const FREE_TEXT_RULES: TextRules = { max: 2000, lines: true };

/**
 * A record id: 1 to 64 characters of letters, digits, `_`, `-`, `.` or `:`, never shaped like a
 * resident ID number or mobile phone (`PERSONAL_DATA_IN_ID`): ids enter hash chains and logs,
 * where personal data could not be erased.
 *
 * @example
 * ```ts
 * IdSchema.parse("p-0001");
 * IdSchema.safeParse("13800138000").success; // false
 * ```
 */
export const IdSchema = textSchema(ID_RULES);

/**
 * An idempotency key or external reference: 1 to 200 characters of well-formed Unicode in NFC,
 * no control characters, never shaped like an ID number or mobile phone.
 *
 * @example
 * ```ts
 * KeySchema.parse("社区-2027-03-01#1");
 * KeySchema.safeParse("k\ud800").success; // false (lone surrogate)
 * ```
 */
export const KeySchema = textSchema(KEY_RULES);

/**
 * Free text a person types (a reason, a note): at most 2,000 characters of well-formed Unicode
 * in NFC; line breaks and tabs allowed, other control characters refused. It may hold personal
 * data, so it is kept outside hash chains and masked on export.
 *
 * @example
 * ```ts
 * FreeTextSchema.parse("上门服务，老人满意");
 * ```
 */
export const FreeTextSchema = textSchema(FREE_TEXT_RULES);

/**
 * Checks a string against a kind of canonical text and throws the typed error of its first
 * problem, with the path given.
 *
 * @example
 * ```ts
 * assertText("k-1", KEY_RULES, ["key"]);
 * ```
 */
export function assertText(value: unknown, rules: TextRules, path: readonly (string | number)[] = []): string {
  const problem = textProblem(value, rules);
  if (problem === null) return value as string;
  const params: Record<string, string | number> = {};
  if (problem === "TOO_BIG") params.maximum = rules.max;
  if (problem === "TOO_SMALL") params.minimum = rules.min ?? 1;
  if (problem === "INVALID_TYPE") params.expected = "string";
  if (problem === "INVALID_FORMAT") params.format = "id";
  throw new ElderflowError(problem, { path, params });
}

/** Bounds of a JSON value from outside. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 32). */
  readonly maxDepth?: number;
  /** Most values in all (default 100,000). */
  readonly maxNodes?: number;
  /** Longest string, in UTF-16 code units (default 100,000). */
  readonly maxString?: number;
}

/**
 * The canonical JSON text of a value: object keys sorted by code unit, no white space, strings
 * checked to be well-formed. Iterative, so no input depth can overflow the stack; a value over the
 * limits, a lone surrogate, a non-finite number or a non-JSON value throws a typed error with the
 * path of the offending part and nothing of its content.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown, limits: JsonLimits = {}): string {
  const maxDepth = limits.maxDepth ?? 32;
  const maxNodes = limits.maxNodes ?? 100_000;
  const maxString = limits.maxString ?? 100_000;
  const out: string[] = [];
  // A work stack of values to write (with their depth and path) and literal text to emit.
  type Item = { v: unknown; depth: number; path: (string | number)[] } | string;
  const stack: Item[] = [{ v: value, depth: 0, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if (typeof item === "string") {
      out.push(item);
      continue;
    }
    const { v, depth, path } = item;
    if (++nodes > maxNodes) throw new ElderflowError("TOO_BIG", { path, params: { maximum: maxNodes } });
    if (v === null) out.push("null");
    else if (typeof v === "boolean") out.push(v ? "true" : "false");
    else if (typeof v === "number") {
      if (!Number.isFinite(v))
        throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "finite number" } });
      out.push(JSON.stringify(v));
    } else if (typeof v === "string") {
      if (v.length > maxString) throw new ElderflowError("TOO_BIG", { path, params: { maximum: maxString } });
      if (!isWellFormedText(v)) throw new ElderflowError("MALFORMED_TEXT", { path });
      out.push(JSON.stringify(v));
    } else if (typeof v === "object") {
      if (depth >= maxDepth) throw new ElderflowError("TOO_DEEP", { path, params: { maximum: maxDepth } });
      if (Array.isArray(v)) {
        out.push("[");
        stack.push("]");
        for (let i = v.length - 1; i >= 0; i--) {
          stack.push({ v: v[i], depth: depth + 1, path: [...path, i] });
          if (i > 0) stack.push(",");
        }
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null)
          throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "plain object" } });
        const rec = v as Record<string, unknown>;
        const keys = Object.keys(rec)
          .filter((k) => rec[k] !== undefined)
          .sort();
        out.push("{");
        stack.push("}");
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i] as string;
          if (!isWellFormedText(k)) throw new ElderflowError("MALFORMED_TEXT", { path: [...path, i] });
          stack.push({ v: rec[k], depth: depth + 1, path: [...path, k] });
          stack.push(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`);
        }
      }
    } else {
      throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "JSON value" } });
    }
  }
  return out.join("");
}

/**
 * Parses JSON text from a file or a request. A UTF-8 byte-order mark is dropped; a syntax error
 * becomes `INVALID_JSON` with the line and column (1-based) and none of the text, since the text
 * may hold personal data.
 *
 * @example
 * ```ts
 * parseJsonText('{"a":1}'); // { a: 1 }
 * parseJsonText('{"name": 林}'); // throws INVALID_JSON { line: 1, column: 10 }
 * ```
 */
export function parseJsonText(text: string, path: readonly (string | number)[] = []): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const { line, column } = jsonErrorPosition(body, error);
    throw new ElderflowError("INVALID_JSON", { path, params: { line, column } });
  }
}

function jsonErrorPosition(text: string, error: unknown): { line: number; column: number } {
  const message = error instanceof Error ? error.message : "";
  // Newer V8 says where; Node 20 often only quotes the text, so find the offset by scanning.
  const pos = /position (\d+)/.exec(message);
  const offset = pos ? Number(pos[1]) : jsonSyntaxErrorOffset(text);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The offset of the first JSON syntax error (iterative: no input depth can overflow the stack). */
function jsonSyntaxErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text.charAt(i))) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return true;
    }
    return false;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 32) return false;
      if (c === 92) {
        const e = text.charAt(i + 1);
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if ('"\\/bfnrt'.includes(e) && e !== "") i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) return false;
    i += m[0].length;
    return true;
  };
  // Each frame is "[" or "{"; after a value we expect "," or the close, inside an object a key first.
  const stack: string[] = [];
  const value = (): boolean => {
    ws();
    const c = text.charAt(i);
    if (c === '"') return string();
    if (c === "{" || c === "[") {
      stack.push(c);
      i++;
      ws();
      if (text.charAt(i) === (c === "{" ? "}" : "]")) {
        stack.pop();
        i++;
        return true;
      }
      if (c === "{") return key();
      return value();
    }
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    return number();
  };
  const key = (): boolean => {
    ws();
    if (text.charAt(i) !== '"' || !string()) return false;
    ws();
    if (text.charAt(i) !== ":") return false;
    i++;
    return value();
  };
  if (!value()) return i;
  for (;;) {
    ws();
    const top = stack[stack.length - 1];
    if (top === undefined) return Math.min(i, text.length);
    const c = text.charAt(i);
    if (c === ",") {
      i++;
      if (!(top === "{" ? key() : value())) return i;
    } else if (c === (top === "{" ? "}" : "]")) {
      stack.pop();
      i++;
    } else return i;
  }
}
