/** `elderflow subsidies statement`: the medical volunteers' subsidy statement from files (rule 12). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTableXlsx } from "@elderflow/register";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../packages/elderflow/src/cli/program";
import { countyBudgetLines } from "../packages/elderflow/src/system/subsidies";
import { fileWriter, memoryIO } from "./support/cli";

const dir = mkdtempSync(join(tmpdir(), "elderflow-subsidies-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = fileWriter(dir);

async function run(argv: readonly string[]) {
  const io = memoryIO({ cwd: dir });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

const contact = (volunteerId: string, kind: string, on: string) => ({
  groupId: "g1",
  volunteerId,
  personId: "p1",
  kind,
  on,
});
const contacts = file(
  "contacts.json",
  JSON.stringify([
    contact("v1", "visit", "2027-03-02"),
    contact("v1", "visit", "2027-03-09"),
    contact("v2", "call", "2027-03-04"),
    contact("v2", "call", "2027-04-01"),
  ]),
);
const lines = file("lines.json", JSON.stringify(countyBudgetLines({ from: "2027-01-01" })));

describe("elderflow subsidies statement", () => {
  it("prints the month's statement per volunteer and per line, in yuan", async () => {
    const r = await run([
      "subsidies",
      "statement",
      "--contacts",
      contacts,
      "--lines",
      lines,
      "--year",
      "2027",
      "--month",
      "3",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("2027-03");
    expect(r.out).toMatch(/v1\s+40\.00 \(2\)\s+0\.00\s+40\.00/);
    expect(r.out).toMatch(/合计\s+40\.00 \(2\)\s+30\.00 \(1\)\s+70\.00/);
  });

  it("gives the year as JSON, and writes the XLSX workbook", async () => {
    const r = await run([
      "subsidies",
      "statement",
      "--contacts",
      contacts,
      "--lines",
      lines,
      "--year",
      "2027",
      "--out",
      "year.xlsx",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: "year", period: "2027", totalFen: 10000 });
    const sheet = await readTableXlsx(readFileSync(join(dir, "year.xlsx")), "补贴明细");
    expect(sheet.at(-1)).toEqual(["合计", null, 2, 40, 2, 60, 100]);
  });

  it("prints the page for the finance bureau with --format html", async () => {
    const r = await run([
      "subsidies",
      "statement",
      "--contacts",
      contacts,
      "--lines",
      lines,
      "--year",
      "2027",
      "--month",
      "3",
      "--format",
      "html",
      "--issued-by",
      "县委老干部局",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("<!DOCTYPE html>");
    expect(r.out).toContain("制表单位：县委老干部局");
  });

  it("refuses bad input with a code and the field, and bad usage with exit 2", async () => {
    const bad = file(
      "bad-lines.json",
      JSON.stringify([{ ...countyBudgetLines({ from: "2027-01-01" })[0], rates: [] }]),
    );
    const r = await run(["subsidies", "statement", "--contacts", contacts, "--lines", bad, "--year", "2027"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("TOO_SMALL (lines[0].rates)");
    const m = await run([
      "subsidies",
      "statement",
      "--contacts",
      contacts,
      "--lines",
      lines,
      "--year",
      "2027",
      "--month",
      "13",
    ]);
    expect(m.code).toBe(2);
    const f = await run([
      "subsidies",
      "statement",
      "--contacts",
      contacts,
      "--lines",
      lines,
      "--year",
      "2027",
      "--format",
      "csv",
    ]);
    expect(f.code).toBe(2);
  });
});
