import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIO, runIn } from "../../../../../test/support/cli";

const FIXTURE = new URL("../../../../schedule/fixtures/holiday-pack-2027.test-fixture.json", import.meta.url);

function workdir(items?: unknown): string {
  const cwd = memoryIO().cwd;
  writeFileSync(join(cwd, "pack.json"), readFileSync(FIXTURE, "utf8"));
  if (items !== undefined) writeFileSync(join(cwd, "items.json"), JSON.stringify(items));
  return cwd;
}

describe("elderflow schedule holidays", () => {
  it("load: verifies the confirmed 2027 fixture and lists sessions, visits and SLA deadlines that move", async () => {
    const cwd = workdir([
      { id: "visit-home-7", kind: "visit", date: "2027-05-04" },
      { id: "case-311", kind: "sla_deadline", startedAt: "2027-09-30T10:00:00+08:00", limit: { workingDays: 3 } },
      { id: "case-312", kind: "sla_deadline", startedAt: "2027-01-28T10:00:00+08:00", limit: { workingDays: 2 } },
      { id: "case-313", kind: "sla_deadline", startedAt: "2027-03-01T10:00:00+08:00", limit: { workingDays: 2 } },
      { id: "bad", kind: "visit", date: "2027-02-30" },
    ]);
    const r = await runIn(
      cwd,
      "schedule",
      "holidays",
      "load",
      "pack.json",
      "--items",
      "items.json",
      "--format",
      "json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      pack: { year: number; status: string };
      moved: {
        id: string;
        kind: string;
        oldDate: string | null;
        newDate: string | null;
        reasons: { reason: string }[];
      }[];
      rejected: { index: number; code: string; path: unknown[] }[];
    };
    expect(out.pack).toMatchObject({ year: 2027, status: "confirmed" });
    expect(out.moved.map((m) => [m.id, m.oldDate, m.newDate])).toEqual([
      ["legal-aid:2027-02-09", "2027-02-09", null],
      ["legal-aid:2027-05-04", "2027-05-04", null],
      ["legal-aid:2027-10-05", "2027-10-05", null],
      ["study:2027-02-10", "2027-02-10", "2027-02-15"],
      ["visit-home-7", "2027-05-04", "2027-05-06"],
      // Three working days from Thursday 30 September: the National Day week is off, Saturday 9 October is worked.
      ["case-311", "2027-10-06", "2027-10-11"],
      // Sunday 31 January becomes a 调休 working day, so the deadline comes a day earlier.
      ["case-312", "2027-02-01", "2027-01-31"],
    ]);
    expect(out.moved.find((m) => m.id === "case-312")?.reasons.map((x) => x.reason)).toEqual(["became_working_day"]);
    expect(out.rejected).toEqual([{ index: 4, code: "INVALID_DATE", path: ["items", 4, "date"] }]);
    expect(r.err).toContain("INVALID_DATE");
  });

  it("load: refuses an edited pack with HOLIDAY_PACK_HASH_MISMATCH and exit 1", async () => {
    const cwd = workdir();
    const pack = JSON.parse(readFileSync(join(cwd, "pack.json"), "utf8")) as { daysOff: { date: string }[] };
    pack.daysOff = pack.daysOff.filter((d) => d.date !== "2027-10-07");
    writeFileSync(join(cwd, "pack.json"), JSON.stringify(pack));
    const r = await runIn(cwd, "schedule", "holidays", "load", "pack.json", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe("HOLIDAY_PACK_HASH_MISMATCH");
  });

  it("load: refuses hostile files with typed errors, never echoing their content", async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, "bad.json"), '{"year": "13800138000"');
    const r = await runIn(cwd, "schedule", "holidays", "load", "bad.json");
    expect(r.code).toBe(1);
    expect(r.err).toContain("INVALID_FORMAT");
    expect(r.err).not.toContain("13800138000");
    writeFileSync(join(cwd, "items.json"), JSON.stringify({ not: "an array" }));
    const i = await runIn(cwd, "schedule", "holidays", "load", "pack.json", "--items", "items.json");
    expect(i.code).toBe(1);
    expect(i.err).toContain("INVALID_TYPE");
    expect((await runIn(cwd, "schedule", "holidays", "load", "missing.json")).code).toBe(2);
  });

  it("hash: fills in the content hash of an authored pack, which load then accepts", async () => {
    const cwd = workdir();
    const pack = JSON.parse(readFileSync(join(cwd, "pack.json"), "utf8")) as Record<string, unknown>;
    const { hash, ...content } = pack;
    writeFileSync(join(cwd, "draft.json"), JSON.stringify({ ...content, hash: "sha256:stale" }));
    const h = await runIn(cwd, "schedule", "holidays", "hash", "draft.json", "--format", "text");
    expect(h.out.trim()).toBe(hash);
    const sealed = await runIn(cwd, "schedule", "holidays", "hash", "draft.json", "--format", "json");
    writeFileSync(join(cwd, "sealed.json"), sealed.out);
    const r = await runIn(cwd, "schedule", "holidays", "load", "sealed.json", "--no-series");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("legal-aid");
  });
});
