import type { z } from "zod";
import { redactPersonalData } from "./mask";
import { type ErrorCode, formatMessage, isErrorCode, type Lang, type MessageParams } from "./messages";

/** Longest string param an error keeps; longer ones are cut (an error never repeats a large input). */
export const MAX_PARAM_LENGTH = 80;

/**
 * Makes params safe to print: strings lose control characters and lone surrogates, anything shaped
 * like an ID number or mobile phone is masked, and the length is bounded. Applied to every
 * {@link ElderflowError}, so no error can carry such data whatever a caller passes in.
 *
 * @example
 * ```ts
 * safeParams({ key: "k-13800138000" }); // { key: "k-138****8000" }
 * ```
 */
export function safeParams(params: MessageParams): MessageParams {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === "string" ? safeString(v) : v;
  return out;
}

const UNSAFE_CHARS =
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function safeString(value: string): string {
  const text = redactPersonalData(value.replace(UNSAFE_CHARS, "\uFFFD"));
  if (text.length <= MAX_PARAM_LENGTH) return text;
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(MAX_PARAM_LENGTH - 2)) ? MAX_PARAM_LENGTH - 2 : MAX_PARAM_LENGTH - 1;
  return `${text.slice(0, cut)}…`;
}

/** A path into the input: object keys and array indexes, outermost first. */
export type FieldPath = readonly (string | number)[];

/** One problem with an input: a stable code, where it is, and the values that fill its message. */
export interface ElderflowIssue {
  /** Stable code from the catalogue. */
  readonly code: ErrorCode;
  /** Where in the input the problem is (empty when it is about the whole input). */
  readonly path: FieldPath;
  /** Message parameters: ids, field names, limits. Never personal data. */
  readonly params: MessageParams;
}

/** Options for {@link ElderflowError}. */
export interface ElderflowErrorOptions {
  /** Where in the input the problem is. */
  readonly path?: FieldPath;
  /** Message parameters (never personal data). */
  readonly params?: MessageParams;
  /** Further issues found in the same input; the first issue is the error itself. */
  readonly issues?: readonly ElderflowIssue[];
  /** The underlying error, kept for debugging; it is not serialised. */
  readonly cause?: unknown;
}

/**
 * The one error type of Elderflow's public API. It carries a stable {@link ErrorCode}, the path of
 * the bad field, and renders in zh-CN and en. It never holds personal data: messages are built
 * from the catalogue and params, not from the input.
 *
 * @example
 * ```ts
 * const err = new ElderflowError("UNKNOWN_RANK", { path: ["rank"] });
 * err.code;               // "UNKNOWN_RANK"
 * err.messageIn("zh-CN"); // "职级不在职级表中"
 * ```
 */
export class ElderflowError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Path of the bad field (empty if the input as a whole is at fault). */
  readonly path: FieldPath;
  /** Message parameters. */
  readonly params: MessageParams;
  /** Every issue found; the first is this error's own code and path. */
  readonly issues: readonly ElderflowIssue[];

  constructor(code: ErrorCode, options: ElderflowErrorOptions = {}) {
    const path = safePath(options.path ?? []);
    const params = safeParams(options.params ?? {});
    super(`${code}${path.length > 0 ? ` at ${formatPath(path)}` : ""}: ${formatMessage(code, "en", params)}`, {
      cause: options.cause,
    });
    this.name = "ElderflowError";
    this.code = code;
    this.path = path;
    this.params = params;
    this.issues =
      options.issues && options.issues.length > 0
        ? options.issues.map((i) => ({ code: i.code, path: safePath(i.path), params: safeParams(i.params) }))
        : [{ code, path, params }];
  }

  /**
   * The message in a language, without code or path.
   *
   * @example
   * ```ts
   * new ElderflowError("PERIOD_CLOSED", { params: { period: "2027-Q1" } }).messageIn("en");
   * ```
   */
  messageIn(lang: Lang): string {
    return formatMessage(this.code, lang, this.params);
  }

  /** A plain JSON form: code, path, params, both messages and every issue. */
  toJSON(): ElderflowErrorJSON {
    return {
      code: this.code,
      path: [...this.path],
      params: { ...this.params },
      message: { "zh-CN": this.messageIn("zh-CN"), en: this.messageIn("en") },
      issues: this.issues.map((i) => ({
        code: i.code,
        path: [...i.path],
        params: { ...i.params },
        message: { "zh-CN": formatMessage(i.code, "zh-CN", i.params), en: formatMessage(i.code, "en", i.params) },
      })),
    };
  }
}

/** The JSON form of an issue, with its message in both languages. */
export interface ElderflowIssueJSON {
  /** Stable code. */
  code: ErrorCode;
  /** Field path. */
  path: (string | number)[];
  /** Message parameters. */
  params: Record<string, string | number | boolean>;
  /** The rendered message in each language. */
  message: { "zh-CN": string; en: string };
}

/** The JSON form of an {@link ElderflowError}. */
export interface ElderflowErrorJSON extends ElderflowIssueJSON {
  /** Every issue, the first being the error's own. */
  issues: ElderflowIssueJSON[];
}

/** Path segments are field names and indexes; one that came from an input's keys is made safe too. */
function safePath(path: FieldPath): FieldPath {
  return path.map((p) => (typeof p === "number" ? p : safeString(p)));
}

/**
 * Formats a field path as `persons[3].household.livesAlone`.
 *
 * @example
 * ```ts
 * formatPath(["household", "livesAlone"]); // "household.livesAlone"
 * ```
 */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out.length === 0 ? part : `.${part}`;
  }
  return out;
}

/**
 * Whether a value is an {@link ElderflowError}, also across bundle copies (checks the name and code).
 *
 * @example
 * ```ts
 * try { parsePerson({}); } catch (e) { if (isElderflowError(e)) console.log(e.code); }
 * ```
 */
export function isElderflowError(value: unknown): value is ElderflowError {
  return (
    value instanceof ElderflowError ||
    (value instanceof Error &&
      value.name === "ElderflowError" &&
      typeof (value as { code?: unknown }).code === "string")
  );
}

/** Params key that a zod refinement uses to name its catalogue code: `params: { code: "UNKNOWN_RANK" }`. */
export const ISSUE_CODE_PARAM = "code";

function issueFromZod(issue: z.core.$ZodIssue, basePath: FieldPath): ElderflowIssue {
  const path: (string | number)[] = [...basePath];
  for (const p of issue.path) path.push(typeof p === "number" ? p : String(p));
  switch (issue.code) {
    case "invalid_type":
      // zod reports the input only when asked (`reportInput: true`, as parseWith does); otherwise its
      // message says what it received. The input itself is never copied into the error.
      if ("input" in issue ? issue.input === undefined : /received undefined/.test(issue.message))
        return { code: "REQUIRED", path, params: {} };
      return { code: "INVALID_TYPE", path, params: { expected: String(issue.expected) } };
    case "invalid_value":
      return {
        code: "INVALID_ENUM",
        path,
        params: { options: issue.values.map((v) => String(v)).join(", ") },
      };
    case "unrecognized_keys":
      return { code: "UNKNOWN_FIELD", path: [...path, issue.keys[0] ?? ""], params: { field: issue.keys.join(", ") } };
    case "too_small":
      return { code: "TOO_SMALL", path, params: { minimum: String(issue.minimum) } };
    case "too_big":
      return { code: "TOO_BIG", path, params: { maximum: String(issue.maximum) } };
    case "invalid_format":
      return { code: "INVALID_FORMAT", path, params: { format: issue.format } };
    case "custom": {
      const raw = issue.params?.[ISSUE_CODE_PARAM];
      if (typeof raw === "string" && isErrorCode(raw)) {
        const params: Record<string, string | number | boolean> = {};
        for (const [k, v] of Object.entries(issue.params ?? {})) {
          if (k !== ISSUE_CODE_PARAM && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))
            params[k] = v;
        }
        return { code: raw, path, params };
      }
      return { code: "INVALID_INPUT", path, params: { detail: "custom check failed" } };
    }
    default:
      return { code: "INVALID_INPUT", path, params: { detail: issue.code } };
  }
}

/**
 * Turns a zod error into an {@link ElderflowError} whose issues keep every zod issue's path, with a
 * catalogue code instead of zod's message. The input is never copied into the error.
 *
 * @example
 * ```ts
 * const r = Person.safeParse(input);
 * if (!r.success) throw fromZodError(r.error);
 * ```
 */
export function fromZodError(error: z.core.$ZodError, basePath: FieldPath = []): ElderflowError {
  const issues = error.issues.map((i) => issueFromZod(i, basePath));
  const first = issues[0] ?? { code: "INVALID_INPUT" as const, path: basePath, params: { detail: "unknown" } };
  return new ElderflowError(first.code, { path: first.path, params: first.params, issues });
}

/** The outcome of a parse or command that may fail with an expected, typed error. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ElderflowError };
