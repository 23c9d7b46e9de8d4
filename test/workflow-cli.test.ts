import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixedClock } from "@elderflow/core";
import { diagramDocuments } from "@elderflow/workflow";
import { runCli } from "elderflow";
import { describe, expect, it } from "vitest";
import { memoryIO as supportIO } from "./support/cli";

const memoryIO = () => supportIO({ clock: fixedClock("2027-03-01T09:00:00+08:00") });

describe("elderflow workflow (CLI)", () => {
  it("prints a machine's Mermaid diagram, and refuses an unknown machine with exit 2", async () => {
    const io = memoryIO();
    expect(await runCli(["workflow", "diagram", "verification"], io)).toBe(0);
    expect(io.out).toContain("registered --> verified : VERIFY [authorityAllows]");
    const bad = memoryIO();
    expect(await runCli(["workflow", "diagram", "nope"], bad)).toBe(2);
  });

  it("writes the diagram pages, then --check passes; a stale page fails the check", async () => {
    const io = memoryIO();
    expect(await runCli(["workflow", "diagrams", "--out", "d"], io)).toBe(0);
    const first = diagramDocuments()[0];
    if (first === undefined) throw new Error("no diagrams");
    expect(readFileSync(join(io.cwd, "d", first.file), "utf8")).toBe(first.content);
    expect(await runCli(["workflow", "diagrams", "--out", "d", "--check"], io)).toBe(0);
    writeFileSync(join(io.cwd, "d", first.file), "stale");
    expect(await runCli(["workflow", "diagrams", "--out", "d", "--check"], io)).toBe(1);
  });

  it("runs a JSONL script with one result per line, failing lines as typed errors", async () => {
    const io = memoryIO();
    const staff = { id: "s1", role: "hotline_staff", communityId: "c01" };
    const lines = [
      { op: "start", machine: "serviceRequest", id: "r1", input: { communityId: "c01", personId: "p1" }, actor: staff },
      {
        op: "send",
        instance: "r1",
        event: { id: "e1", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } },
      },
      { op: "send", instance: "r1", event: { id: "e2", type: "CLOSE", actor: { ...staff, communityId: "c09" } } },
      { op: "timers", at: "2027-03-01T10:00:00+08:00" },
      { op: "open311", instance: "r1", actor: staff },
    ];
    writeFileSync(join(io.cwd, "s.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\nnot json\n`);
    expect(await runCli(["--format", "json", "workflow", "run", "s.jsonl"], io)).toBe(1);
    const results = JSON.parse(io.out) as {
      line: number;
      ok: boolean;
      code?: string;
      result?: Record<string, unknown>;
    }[];
    expect(results.map((r) => [r.line, r.ok, r.code ?? null])).toEqual([
      [1, true, null],
      [2, true, null],
      [3, false, "WRONG_COMMUNITY"],
      [4, true, null],
      [5, true, null],
      [6, false, "INVALID_JSON"],
    ]);
    expect(results[1]?.result?.to).toBe("dispatched");
    expect(results[3]?.result).toMatchObject({ fired: 1 });
    expect(results[4]?.result).toMatchObject({ service_request_id: "r1", status: "open", service_code: "plumbing" });
  });

  it("reports a JSON error by line and column without the text, and never echoes personal data", async () => {
    const io = memoryIO();
    const staff = { id: "s1", role: "hotline_staff", communityId: "c01" };
    const start = { op: "start", machine: "serviceRequest", id: "r1", actor: staff };
    const lines = [
      JSON.stringify({ ...start, input: { communityId: "c01", personId: "p1", description: "电话13800138000" } }),
      '{"op": "query", "name": 林芳丽}',
      JSON.stringify({ ...start, id: "r2", input: { communityId: "c01", personId: "p1", phone: "13800138000" } }),
      JSON.stringify({ op: "history", instance: "r1", actor: staff }),
      JSON.stringify({ op: "open311", instance: "r1", actor: staff }),
      JSON.stringify({ op: "erase", person: "p1", actor: { id: "cs1", role: "community_staff", communityId: "c01" } }),
    ];
    writeFileSync(join(io.cwd, "s.jsonl"), `${lines.join("\n")}\n`);
    expect(await runCli(["--format", "json", "workflow", "run", "s.jsonl"], io)).toBe(1);
    const results = JSON.parse(io.out) as { line: number; ok: boolean; code?: string; message?: string }[];
    expect(results.map((r) => [r.line, r.ok, r.code ?? null])).toEqual([
      [1, true, null],
      [2, false, "INVALID_JSON"],
      [3, false, "UNKNOWN_FIELD"],
      [4, true, null],
      [5, true, null],
      [6, true, null],
    ]);
    expect(results[1]?.message).toBe("JSON 解析失败：第2行第25列");
    expect(io.out).not.toContain("林芳丽");
    expect(io.out).not.toMatch(/13800138000/);
    expect(io.out).toContain("138****8000");
  });
});
