import type { Clock } from "./clock";
import { maskIdNumber, maskName, maskPhone, redactPersonalData } from "./mask";

/** The levels Elderflow logs at, lowest first (pino's names and order). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * One level's method, in pino's call shape: the structured fields first, the message second.
 *
 * @example
 * ```ts
 * const warn: LogFn = (obj, msg) => console.warn(msg, obj);
 * warn({ code: "NOT_AUTHORIZED" }, "dead letter");
 * ```
 */
export type LogFn = (obj: object, msg?: string) => void;

/**
 * The logger Elderflow writes to: five levels in pino's `(obj, msg)` shape and `child(bindings)`.
 * A `pino()` instance fits it as it is, and so do {@link consoleLogger} and {@link silentLogger}.
 * Whatever is passed in, the system logs through {@link redactingLogger}, so no personal data
 * reaches the host's logger.
 *
 * @example
 * ```ts
 * const logger: Logger = consoleLogger({ level: "info" });
 * logger.child({ component: "pump" }).warn({ code: "NOT_AUTHORIZED" }, "dead letter");
 * ```
 */
export interface Logger {
  /** Finest detail (every step). */
  readonly trace: LogFn;
  /** Detail for debugging. */
  readonly debug: LogFn;
  /** What the system did. */
  readonly info: LogFn;
  /** Something was refused or kept aside (dead letters, lapses). */
  readonly warn: LogFn;
  /** Something failed and needs an operator. */
  readonly error: LogFn;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/**
 * A logger that drops everything: the default of every Elderflow factory that takes a logger.
 *
 * @example
 * ```ts
 * silentLogger.info({ n: 1 }, "nobody hears this");
 * ```
 */
export const silentLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
});

/** The part of `console` that {@link consoleLogger} writes to. */
export type ConsoleLike = Pick<Console, "debug" | "info" | "warn" | "error">;

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** The lowest level written (default `info`). */
  readonly level?: LogLevel;
  /** Where to write (default the global `console`). */
  readonly console?: ConsoleLike;
  /** Stamps each entry with `time` (epoch ms); without it entries carry no time. */
  readonly clock?: Clock;
  /** Fields on every entry. */
  readonly bindings?: Record<string, unknown>;
}

/**
 * A logger on `console`: one line per entry, the message then the fields as JSON, at the console
 * method of the level (`trace` and `debug` go to `console.debug`).
 *
 * @example
 * ```ts
 * const logger = consoleLogger({ level: "warn" });
 * logger.warn({ code: "CERTIFICATE_LAPSED", lapsed: 2 }, "certificates lapsed");
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const out = options.console ?? console;
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const bindings = options.bindings ?? {};
  const method = { trace: "debug", debug: "debug", info: "info", warn: "warn", error: "error" } as const;
  const at = (level: LogLevel): LogFn => {
    if (LOG_LEVELS.indexOf(level) < min) return noop;
    return (obj, msg) => {
      const entry = {
        level,
        ...(options.clock === undefined ? {} : { time: options.clock.now() }),
        ...bindings,
        ...obj,
      };
      out[method[level]](`${level.toUpperCase()} ${msg ?? ""} ${safeJson(entry)}`);
    };
  };
  return loggerOf(at, (more) => consoleLogger({ ...options, bindings: { ...bindings, ...more } }));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
  } catch {
    return '"[unserialisable]"';
  }
}

/** Bounds of {@link redactForLog}: what a hostile object can make the redaction walk. */
export const LOG_REDACTION_LIMITS = Object.freeze({
  /** Nesting deeper than this is replaced by `"[depth]"`. */
  depth: 6,
  /** Keys kept per object, items per array; the rest become one `"[+n more]"` marker. */
  entries: 50,
  /** Characters kept per string (longer ones end in `…`). */
  stringLength: 512,
  /** Characters kept per key. */
  keyLength: 64,
});

type FieldKind = "name" | "id" | "phone" | "drop";

/**
 * Field names that hold personal data, normalised (lower case, no `_`, `-` or spaces). Names are
 * masked by `maskName`, ID numbers by `maskIdNumber`, phones by `maskPhone`; health and address
 * fields are dropped whole, since no mask of a diagnosis is safe to log.
 */
const PERSONAL_FIELDS: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ...[
    "name",
    "fullname",
    "firstname",
    "lastname",
    "givenname",
    "familyname",
    "displayname",
    "personname",
    "contactname",
    "guardianname",
    "姓名",
    "名字",
  ].map((k): [string, FieldKind] => [k, "name"]),
  ...[
    "idnumber",
    "idno",
    "idcard",
    "identitynumber",
    "nationalid",
    "citizenid",
    "身份证",
    "身份证号",
    "身份证号码",
  ].map((k): [string, FieldKind] => [k, "id"]),
  ...[
    "phone",
    "mobile",
    "tel",
    "telephone",
    "phonenumber",
    "contactphone",
    "cellphone",
    "电话",
    "手机",
    "手机号",
    "联系电话",
  ].map((k): [string, FieldKind] => [k, "phone"]),
  ...[
    "health",
    "healthfacts",
    "diagnosis",
    "conditions",
    "chronicconditions",
    "medical",
    "medication",
    "reading",
    "readings",
    "bloodpressure",
    "address",
    "健康",
    "诊断",
    "病情",
    "住址",
    "地址",
  ].map((k): [string, FieldKind] => [k, "drop"]),
]);

/** Whether a field of this name holds personal data (used by tracing to drop such attributes). */
export function isPersonalField(key: string): boolean {
  return fieldKind(key) !== undefined;
}

function fieldKind(key: string): FieldKind | undefined {
  return PERSONAL_FIELDS.get(key.toLowerCase().replace(/[\s_-]/g, ""));
}

function boundString(s: string): string {
  const { stringLength } = LOG_REDACTION_LIMITS;
  const chars = Array.from(s.length > stringLength * 2 ? s.slice(0, stringLength * 2) : s);
  const kept = chars.length > stringLength ? `${chars.slice(0, stringLength).join("")}…` : chars.join("");
  // Lone surrogates cannot be written as UTF-8: they become U+FFFD.
  return kept.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

function maskField(kind: FieldKind, value: unknown): unknown {
  if (kind === "drop") return "[redacted]";
  if (typeof value === "number" || typeof value === "bigint") value = String(value);
  if (typeof value !== "string") return "[redacted]";
  const bounded = boundString(value);
  return kind === "name" ? maskName(bounded) : kind === "id" ? maskIdNumber(bounded) : maskPhone(bounded);
}

/**
 * A copy of `value` safe to log: known personal fields (names, ID numbers, phones, health,
 * addresses, in English or Chinese, at any depth) masked with core's masks, every other string
 * passed through `redactPersonalData` (ID and mobile numbers by their shape), and the walk bounded
 * ({@link LOG_REDACTION_LIMITS}): cycles, getters that throw, proxies, symbols, functions and huge
 * strings cannot make it throw, loop or leak. Errors keep their name, `code`, `path` and a redacted
 * message; stacks are dropped (they repeat the message).
 *
 * @example
 * ```ts
 * redactForLog({ person: { name: "张小三", phone: "13812345678" }, note: "id 11010519491231002X" });
 * // { person: { name: "张*三", phone: "138****5678" }, note: "id 110105********002X" }
 * ```
 */
export function redactForLog(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case "string":
      return redactPersonalData(boundString(value));
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "bigint":
      return redactPersonalData(value.toString());
    case "symbol":
      return "[symbol]";
    case "function":
      return "[function]";
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[circular]";
  if (depth >= LOG_REDACTION_LIMITS.depth) return "[depth]";
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return walkArray(obj, depth, seen);
    if (obj instanceof Error) return walkError(obj, depth, seen);
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "[invalid date]" : obj.toISOString();
    return walkObject(obj, depth, seen);
  } catch {
    // A proxy or exotic object that refuses to be read is logged as a marker, never as itself.
    return "[unreadable]";
  } finally {
    seen.delete(obj);
  }
}

function walkArray(arr: readonly unknown[], depth: number, seen: WeakSet<object>): unknown[] {
  const { entries } = LOG_REDACTION_LIMITS;
  const n = Math.min(arr.length, entries);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(readSafely(() => arr[i], depth, seen));
  if (arr.length > entries) out.push(`[+${arr.length - entries} more]`);
  return out;
}

function walkError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const e = error as Error & { code?: unknown; path?: unknown };
  const out: Record<string, unknown> = {
    name: readSafely(() => e.name, depth, seen),
    message: readSafely(() => e.message, depth, seen),
  };
  const code = readSafely(() => e.code, depth, seen);
  if (code !== undefined) out.code = code;
  const path = readSafely(() => e.path, depth, seen);
  if (path !== undefined) out.path = path;
  return out;
}

function walkObject(obj: object, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const { entries, keyLength } = LOG_REDACTION_LIMITS;
  // A null-prototype result: a key `__proto__` in the input stays a plain key, never a prototype.
  const out: Record<string, unknown> = Object.create(null);
  const keys = Object.keys(obj);
  let kept = 0;
  for (const key of keys) {
    if (kept >= entries) break;
    kept++;
    const safeKey = redactPersonalData(boundString(key.length > keyLength ? key.slice(0, keyLength) : key));
    const kind = fieldKind(key);
    const read = () => (obj as Record<string, unknown>)[key];
    if (kind === undefined) out[safeKey] = readSafely(read, depth, seen);
    else {
      let raw: unknown;
      try {
        raw = read();
      } catch {
        raw = undefined;
      }
      out[safeKey] = isPlainContainer(raw) && kind !== "drop" ? walk(raw, depth + 1, seen) : maskField(kind, raw);
    }
  }
  if (keys.length > kept) out["[more]"] = keys.length - kept;
  return out;
}

/** A `name` holding an object (e.g. `{ name: { family, given } }`) is walked, its leaves masked as text. */
function isPlainContainer(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

function readSafely(read: () => unknown, depth: number, seen: WeakSet<object>): unknown {
  let v: unknown;
  try {
    v = read();
  } catch {
    return "[unreadable]";
  }
  return walk(v, depth + 1, seen);
}

/**
 * Wraps a logger so that every entry passes {@link redactForLog} (fields and bindings) and every
 * message passes `redactPersonalData`. The system wraps the host's logger in it before logging
 * anything; a host logs through it too when it logs Elderflow's objects.
 *
 * @example
 * ```ts
 * const logger = redactingLogger(consoleLogger());
 * logger.info({ phone: "13812345678" }, "called"); // logs phone: "138****5678"
 * ```
 */
export function redactingLogger(inner: Logger): Logger {
  if (inner === silentLogger) return silentLogger;
  const at =
    (level: LogLevel): LogFn =>
    (obj, msg) => {
      const fields = redactForLog(obj);
      const safe = asFields(fields) ?? { value: fields };
      if (msg === undefined) inner[level]({ ...safe });
      else inner[level]({ ...safe }, redactPersonalData(boundString(msg)));
    };
  return loggerOf(at, (bindings) => redactingLogger(inner.child({ ...(asFields(redactForLog(bindings)) ?? {}) })));
}

/** A redacted value as log fields, or undefined when it is not a plain object. */
function asFields(safe: unknown): Record<string, unknown> | undefined {
  return typeof safe === "object" && safe !== null && !Array.isArray(safe)
    ? (safe as Record<string, unknown>)
    : undefined;
}

/** A logger whose every level is `at(level)`. */
function loggerOf(at: (level: LogLevel) => LogFn, child: Logger["child"]): Logger {
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child,
  };
}
