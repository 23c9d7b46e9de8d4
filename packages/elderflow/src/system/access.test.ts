import { createFieldSealer, isElderflowError, makeIdNumber, manualClock, memoryKeyProvider } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { createElderflow } from "./elderflow";

const registrar = { id: "reg-1", roles: ["registrar" as const], communities: ["c1"] };
const bureau = { id: "bureau-1", roles: ["bureau" as const] };

describe("the access log in the wired system", () => {
  it("logs the audited register's reads and writes, and prunes after the configured retention", async () => {
    const clock = manualClock("2026-11-26T09:00:00+08:00");
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock,
      directory: { servicePoints: [], volunteers: [] },
      accessRetentionDays: 365,
    });
    const r = flow.audited.for({ purpose: "data_maintenance" });
    await r.record(
      [
        {
          kind: "enrol",
          personId: "p1",
          effective: "2020-01-01",
          source: { kind: "correction" },
          person: {
            id: "p1",
            name: "张小三",
            gender: "male",
            birthDate: "1930-05-04",
            retirementKind: "lixiu",
            rank: "county",
            communityId: "c1",
            idNumber: makeIdNumber("110105", "1930-05-04", 1),
          },
        },
      ],
      registrar,
    );
    await flow.audited.for({ purpose: "hotline" }).get("p1", registrar);
    expect((await flow.access.report(bureau, { subject: "p1" })).map((e) => e.operation)).toEqual(["record", "get"]);
    expect(flow.access.retentionDays).toBe(365);
    clock.advance(300 * 86_400_000);
    expect((await flow.access.prune(bureau)).removed).toBe(0);
    clock.advance(70 * 86_400_000);
    expect((await flow.access.prune(bureau)).removed).toBe(2);
    expect(await flow.access.verify(bureau)).toMatchObject({ ok: true, entries: 0 });
    await flow.close();
  });

  it("logs the audited health records' reads and writes, never the findings", async () => {
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock: manualClock("2027-05-01T09:00:00+08:00"),
      directory: { servicePoints: [], volunteers: [] },
      sealer: createFieldSealer({ keys: memoryKeyProvider() }),
    });
    const doctor = { id: "doc-1", roles: ["doctor" as const], communities: ["c1"] };
    await flow.register.record(
      [
        {
          kind: "enrol",
          personId: "p1",
          effective: "2020-01-01",
          source: { kind: "import" },
          person: {
            id: "p1",
            name: "李小四",
            gender: "female",
            birthDate: "1942-03-04",
            retirementKind: "lixiu",
            rank: "county",
            communityId: "c1",
            idNumber: makeIdNumber("110105", "1942-03-04", 2),
          },
        },
      ],
      registrar,
    );
    const health = flow.auditedHealth.for({ purpose: "health_care", note: "年度体检" });
    const out = await health.record(
      [
        { personId: "p1", examinedOn: "2027-04-13", institution: "区人民医院", findings: ["hypertension"] },
        { personId: "p1", examinedOn: "not a date" },
      ],
      doctor,
    );
    expect(out.map((o) => o.ok)).toEqual([true, false]);
    expect((await health.records("p1", doctor))[0]?.findings).toEqual(["hypertension"]);
    const rows = await health.dueList(doctor, { asOf: "2027-05-01" });
    const seen = await flow.access.report(bureau, { subject: "p1" });
    expect(seen.map((e) => e.operation)).toEqual(["health_record", "health_records"]);
    const lines: string[] = [];
    for await (const l of flow.access.exportLines(bureau)) lines.push(l);
    const last = JSON.parse(lines[lines.length - 1] ?? "{}") as { operation: string; subjects: string[] };
    expect(last).toMatchObject({ operation: "health_due_list", subjects: rows.map((r) => r.personId).sort() });
    expect(lines.join("\n")).not.toMatch(/hypertension|李|区人民医院/);
    await flow.close();
  });

  it("refuses a retention under 180 days before opening anything", async () => {
    const e = await createElderflow({
      store: { kind: "memory" },
      clock: manualClock("2026-11-26T09:00:00+08:00"),
      directory: { servicePoints: [], volunteers: [] },
      accessRetentionDays: 90,
    }).catch((x: unknown) => x);
    expect(isElderflowError(e) && e.code).toBe("RETENTION_TOO_SHORT");
  });
});
