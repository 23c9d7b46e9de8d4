import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { ElderflowError } from "./errors";
import { noopTracer, SPAN_ATTRIBUTE_LIMITS, spanAttributes, type Tracer, withSpan } from "./tracing";

function otel() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer: Tracer = provider.getTracer("elderflow-test");
  return { exporter, tracer };
}

describe("tracing", () => {
  it("an OpenTelemetry tracer fits Tracer and records a span with bounded, non-personal attributes", async () => {
    const { exporter, tracer } = otel();
    const result = await withSpan(
      tracer,
      "elderflow.pump",
      {
        "elderflow.limit": 100,
        "elderflow.machine": "carePathway",
        "elderflow.person.name": "张小三",
        phone: "13812345678",
        note: "call 13812345678",
        long: "x".repeat(10_000),
        obj: { a: 1 },
        nan: Number.NaN,
      },
      async () => 7,
    );
    expect(result).toBe(7);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("elderflow.pump");
    expect(span?.attributes).toEqual({
      "elderflow.limit": 100,
      "elderflow.machine": "carePathway",
      note: "[redacted]",
      long: "x".repeat(SPAN_ATTRIBUTE_LIMITS.valueLength),
    });
  });

  it("marks a failed span with the error's code only, ends it, and rethrows", async () => {
    const { exporter, tracer } = otel();
    const error = new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
    await expect(withSpan(tracer, "elderflow.tick", {}, async () => Promise.reject(error))).rejects.toBe(error);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: 2, message: "NOT_AUTHORIZED" });
    expect(span?.attributes).toEqual({ "elderflow.error.code": "NOT_AUTHORIZED" });
    expect(span?.ended).toBe(true);
  });

  it("keeps at most the attribute count, whatever a hostile caller passes", () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(spanAttributes(many))).toHaveLength(SPAN_ATTRIBUTE_LIMITS.count);
    expect(spanAttributes({ ["k".repeat(65)]: 1, "11010519491231002X": 1, "\uD800": 1, lone: "\uDC00" })).toEqual({
      lone: "\uFFFD",
    });
  });

  it("the no-op tracer runs the work and records nothing", async () => {
    const n = await withSpan(noopTracer, "x", { a: 1 }, async (span) => {
      span.setAttribute("b", 2);
      return 3;
    });
    expect(n).toBe(3);
  });
});
