import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { runIn } from "../../../../../test/support/cli";
import { createElderflow } from "../../system/elderflow";

const registrar = { id: "reg-1", roles: ["registrar" as const], communities: ["c1"] };

describe("elderflow audit", () => {
  it("lists who looked at a person, verifies the chain, and exits 1 with the position once it is edited", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "elderflow-audit-"));
    const dataDir = join(cwd, "db");
    const flow = await createElderflow({
      store: { kind: "pglite", dataDir },
      clock: fixedClock("2026-11-26T09:00:00+08:00"),
      directory: { servicePoints: [], volunteers: [] },
    });
    await flow.access.append(registrar, { purpose: "hotline", note: "工单 7", operation: "get", subjects: ["p7"] });
    await flow.access.append(registrar, { purpose: "statistics", operation: "list", subjects: ["p7", "p8"] });
    await flow.access.append(registrar, { purpose: "statistics", operation: "list", subjects: ["p8"] });
    await flow.close();

    const store = `pglite:${dataDir}`;
    const seen = await runIn(cwd, "--format", "json", "audit", "access", "--person", "p7", "--store", store);
    expect(seen.code).toBe(0);
    expect((JSON.parse(seen.out) as { seq: number; purpose: string }[]).map((e) => [e.seq, e.purpose])).toEqual([
      [1, "hotline"],
      [2, "statistics"],
    ]);
    const outOfRange = await runIn(
      cwd,
      "--format",
      "json",
      "audit",
      "access",
      "--person",
      "p7",
      "--from",
      "2026-11-27",
      "--store",
      store,
    );
    expect(JSON.parse(outOfRange.out)).toEqual([]);
    const ok = await runIn(cwd, "--format", "json", "audit", "verify", "--store", store);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, entries: 3 });
    const exported = await runIn(cwd, "audit", "export", "--store", store);
    expect(exported.out.trim().split("\n")).toHaveLength(3);

    const db = new PGlite(dataDir);
    await db.exec(`update access_log set entry = jsonb_set(entry, '{purpose}', '"audit"') where seq = 2`);
    await db.close();
    const broken = await runIn(cwd, "--format", "json", "audit", "verify", "--store", store);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.out)).toEqual({ ok: false, position: 2, reason: "hash" });
  }, 60_000);

  it("refuses an ID number as the person, without echoing it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "elderflow-audit-"));
    const r = await runIn(cwd, "audit", "access", "--person", "11010519300504001X", "--store", "memory");
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).not.toContain("11010519300504001X");
  });
});
