import { generateDistrict, manualClock, type ServicePoint } from "@elderflow/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { createElderflow } from "./elderflow";

const district = generateDistrict({ seed: 3, year: 2027 });

describe("createElderflow with a tracer", () => {
  it("records spans for tick, pump, batch and time-bank commits, with no personal attributes", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer("t");
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      directory: { servicePoints: district.servicePoints as ServicePoint[], volunteers: district.volunteers },
      tracer,
    });
    try {
      await flow.batch(async () => {
        await flow.timebank
          .as({ id: "adm-1", roles: ["admin", "bureau"] })
          .submit({ op: "grant", key: "g1", person: "sec-1", role: "registrar", community: "d01-c001" });
      });
      await flow.tick();
    } finally {
      await flow.close();
    }
    const names = exporter.getFinishedSpans().map((s) => s.name);
    for (const n of ["elderflow.flow.batch", "elderflow.timebank.commit", "elderflow.tick", "elderflow.pump"])
      expect(names).toContain(n);
    for (const span of exporter.getFinishedSpans())
      for (const value of Object.values(span.attributes))
        expect(typeof value === "number" || (typeof value === "string" && value.length <= 128)).toBe(true);
  });
});
