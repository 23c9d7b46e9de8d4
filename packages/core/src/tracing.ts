import { isPersonalField } from "./log";
import { containsPersonalData } from "./mask";

/** A span attribute's value: what OpenTelemetry accepts, without arrays. */
export type SpanAttributeValue = string | number | boolean;

/** The part of an OpenTelemetry `Span` Elderflow uses. */
export interface SpanLike {
  /** Sets one attribute. */
  setAttribute(key: string, value: SpanAttributeValue): unknown;
  /** Sets the status (`2` is OpenTelemetry's `SpanStatusCode.ERROR`). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span. */
  end(): void;
}

/**
 * The part of an OpenTelemetry `Tracer` Elderflow uses: `startActiveSpan(name, options, fn)`.
 * The tracer from `trace.getTracer(...)` of `@opentelemetry/api` fits it as it is.
 *
 * @example
 * ```ts
 * const tracer: Tracer = noopTracer;
 * await withSpan(tracer, "elderflow.pump", { limit: 100 }, async () => 1);
 * ```
 */
export interface Tracer {
  /** Runs `fn` inside a new active span. */
  startActiveSpan<F extends (span: SpanLike) => unknown>(
    name: string,
    options: { attributes?: Record<string, SpanAttributeValue> },
    fn: F,
  ): ReturnType<F>;
}

const noopSpan: SpanLike = { setAttribute: () => noopSpan, setStatus: () => noopSpan, end: () => {} };

/**
 * A tracer that records nothing: what Elderflow uses when no tracer is given and
 * `@opentelemetry/api` is not installed.
 *
 * @example
 * ```ts
 * noopTracer.startActiveSpan("x", {}, (span) => span.end());
 * ```
 */
export const noopTracer: Tracer = Object.freeze({
  startActiveSpan: <F extends (span: SpanLike) => unknown>(_name: string, _options: unknown, fn: F) =>
    fn(noopSpan) as ReturnType<F>,
});

/** Bounds of {@link spanAttributes}. */
export const SPAN_ATTRIBUTE_LIMITS = Object.freeze({ count: 16, keyLength: 64, valueLength: 128 });

/**
 * Attributes safe to put on a span: at most 16, keys of at most 64 characters, strings of at most
 * 128; a key that names personal data (`name`, `phone`, `idNumber`, `health`, …) is dropped, and a
 * string shaped like an ID or mobile number becomes `"[redacted]"`. Values other than strings,
 * finite numbers and booleans are dropped.
 *
 * @example
 * ```ts
 * spanAttributes({ "elderflow.machine": "carePathway", phone: "13812345678" });
 * // { "elderflow.machine": "carePathway" }
 * ```
 */
export function spanAttributes(input: Readonly<Record<string, unknown>>): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = Object.create(null);
  let n = 0;
  for (const [key, value] of Object.entries(input)) {
    if (n >= SPAN_ATTRIBUTE_LIMITS.count) break;
    if (
      key.length > SPAN_ATTRIBUTE_LIMITS.keyLength ||
      key === "" ||
      /[\uD800-\uDFFF]/.test(key) ||
      containsPersonalData(key)
    )
      continue;
    if (isPersonalField(key.slice(key.lastIndexOf(".") + 1))) continue;
    if (typeof value === "string") {
      const bounded = value.slice(0, SPAN_ATTRIBUTE_LIMITS.valueLength).replace(/[\uD800-\uDFFF]/g, "\uFFFD");
      out[key] = containsPersonalData(value) ? "[redacted]" : bounded;
    } else if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) out[key] = value;
    else continue;
    n++;
  }
  return { ...out };
}

/**
 * Runs `fn` in a span named `name` with {@link spanAttributes} of `attributes`; a thrown error
 * marks the span as failed with the error's `code` (never its message, which may quote input) and
 * is rethrown; the span always ends.
 *
 * @example
 * ```ts
 * const n = await withSpan(noopTracer, "elderflow.tick", { "elderflow.at": 0 }, async () => 3);
 * ```
 */
export function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Readonly<Record<string, unknown>>,
  fn: (span: SpanLike) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes: spanAttributes(attributes) }, async (span: SpanLike) => {
    try {
      return await fn(span);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const safe = typeof code === "string" ? spanAttributes({ "elderflow.error.code": code }) : {};
      for (const [k, v] of Object.entries(safe)) span.setAttribute(k, v);
      span.setStatus({
        code: 2,
        ...(typeof code === "string" ? { message: String(safe["elderflow.error.code"]) } : {}),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
