import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { containsPersonalData } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryIO } from "../../../../test/support/cli";
import { describeStore, parseStoreOption } from "./options";
import { runCli } from "./program";
import { renderCsv } from "./table";

/** A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes), to read the CLI's CSV back. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && field === "") {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new Error("unterminated quote");
        if (text[q + 1] === '"') {
          field += text.slice(j, q + 1);
          j = q + 2;
        } else {
          field += text.slice(j, q);
          i = q + 1;
          break;
        }
      }
    } else if (c === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (text.startsWith("\r\n", i)) {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || row.length > 0) throw new Error("last record without CRLF");
  return rows;
}

const good = {
  id: "p1",
  name: "张小三",
  gender: "male",
  birthDate: "1952-07-01",
  retirementKind: "lixiu",
  rank: "county",
  communityId: "c1",
};

describe("elderflow CLI", () => {
  it("prints help and version with exit 0", async () => {
    const io = memoryIO();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(io.out).toContain("validate");
    const io2 = memoryIO();
    expect(await runCli(["--version"], io2)).toBe(0);
    expect(io2.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("exits 2 on bad usage", async () => {
    expect(await runCli(["no-such-command"], memoryIO())).toBe(2);
    expect(await runCli(["--format", "xml", "validate", "persons", "x.json"], memoryIO())).toBe(2);
    expect(await runCli(["demo", "--scale", "0"], memoryIO())).toBe(2);
    expect(await runCli(["demo", "--store", "mysql:x"], memoryIO())).toBe(2);
    const io = memoryIO();
    expect(await runCli(["validate", "persons", "missing.json", "--lang", "en"], io)).toBe(2);
    expect(io.err).toContain("FILE_NOT_FOUND: File not found: missing.json");
  });

  it("validates persons: every invalid record with index, path and code, exit 1", async () => {
    const io = memoryIO();
    writeFileSync(
      join(io.cwd, "persons.json"),
      JSON.stringify([
        good,
        { ...good, id: "p2", birthDate: "1950-02-30", rank: "general" },
        { ...good, id: "p3" },
        { ...good, id: "p4", gender: 1 },
      ]),
    );
    const code = await runCli(["validate", "persons", "persons.json", "--format", "json", "--lang", "en"], io);
    expect(code).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.total).toBe(4);
    expect(report.valid).toBe(2);
    expect(
      report.invalid.map((r: { index: number; issues: { path: string; code: string }[] }) => [
        r.index,
        r.issues.map((i) => `${i.path}:${i.code}`),
      ]),
    ).toEqual([
      [1, ["birthDate:INVALID_DATE", "rank:UNKNOWN_RANK"]],
      [3, ["gender:INVALID_ENUM"]],
    ]);
    expect(report.invalid[0].issues[1].message).toBe("Rank is not on the rank scale");
    expect(io.out).not.toContain("张小三");
  });

  it("validates a clean file with exit 0, messages in zh-CN by default", async () => {
    const io = memoryIO();
    writeFileSync(join(io.cwd, "ok.json"), JSON.stringify([good]));
    expect(await runCli(["validate", "persons", "ok.json"], io)).toBe(0);
    expect(io.out).toContain("共 1 条，有效 1 条，无效 0 条");
  });

  it("reports malformed JSON as INVALID_JSON with exit 1, in the chosen language", async () => {
    const io = memoryIO();
    writeFileSync(join(io.cwd, "bad.json"), "[{");
    expect(await runCli(["--lang", "zh-CN", "validate", "persons", "bad.json"], io)).toBe(1);
    expect(io.err).toMatch(/^INVALID_JSON: JSON 解析失败：第1行第3列/);
  });

  it("never prints a name, ID number or phone from its input: malformed JSON, odd fields, file names, options", async () => {
    const NAME = "林芳丽";
    const leaks = (text: string) => containsPersonalData(text) || text.includes(NAME);
    const io = memoryIO();
    // Malformed JSON around a name and a phone: Node's own message would quote `"name": 林芳丽`.
    writeFileSync(
      join(io.cwd, "broken.json"),
      `\uFEFF[\n  { "id": "p1", "name": ${NAME}, "phone": "13800138000", "idNumber": "11010519491231002X" }\n]`,
    );
    // Well-formed JSON with personal data where only field names and ids belong.
    writeFileSync(
      join(io.cwd, "odd.json"),
      JSON.stringify([
        { ...good, id: "11010519491231002X", rank: NAME, "phone 13800138000": "13800138000", gender: NAME },
        { ...good, id: NAME, birthDate: "13800138000" },
      ]),
    );
    writeFileSync(join(io.cwd, "ok.json"), JSON.stringify([good]));
    const runs: [string[], number][] = [
      [["--lang", "en", "validate", "persons", "broken.json"], 1],
      [["--format", "json", "validate", "persons", "broken.json"], 1],
      [["--lang", "en", "validate", "persons", "odd.json"], 1],
      [["--format", "json", "validate", "persons", "odd.json"], 1],
      [["roster", "birthdays", "--persons", "odd.json", "--from", "2027-01-01", "--to", "2027-12-31"], 1],
      [["--format", "json", "roster", "visits", "--persons", "broken.json", "--year", "2027"], 1],
      [["validate", "persons", `${NAME}13800138000.json`], 2],
      [["roster", "visits", "--persons", "ok.json", "--year", "13800138000"], 1],
      [["roster", "visits", "--persons", "ok.json", "--year", `${NAME}1`], 2],
      [["roster", "birthdays", "--persons", "ok.json", "--from", NAME, "--to", "2027-12-31"], 1],
      [["demo", "--store", "postgres:x", "--scale", "0"], 2],
      [["policy", "decide", "--policy", `${NAME}.json`, "--facts", "odd.json", "--on", "2027-01-01"], 2],
    ];
    for (const [argv, code] of runs) {
      const before = { out: io.out.length, err: io.err.length };
      expect(await runCli(argv, io), argv.join(" ")).toBe(code);
      const printed = io.out.slice(before.out) + io.err.slice(before.err);
      expect(printed.length, argv.join(" ")).toBeGreaterThan(0);
      expect(leaks(printed), `${argv.join(" ")}:\n${printed}`).toBe(false);
    }
    // Malformed JSON is located by line and column.
    expect(io.err).toContain("INVALID_JSON: Could not parse JSON at line 2, column 25");
  });

  it("writes CSV that an RFC 4180 reader reads back cell for cell, whatever the text", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "张", ",", '"', "\r", "\n", " ", "x") });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 8 }), (pairs) => {
        const rows = pairs.map(([a, b]) => ({ a, b }));
        expect(readCsv(renderCsv(rows, ["a", "b"]))).toEqual([["a", "b"], ...pairs]);
      }),
    );
  });

  it("reads every form of --store the same way in every command", () => {
    expect(parseStoreOption("memory", "/w")).toEqual({ kind: "memory" });
    expect(parseStoreOption("pglite", "/w")).toEqual({ kind: "pglite" });
    expect(parseStoreOption("pglite:db", "/w")).toEqual({ kind: "pglite", dataDir: "/w/db" });
    expect(parseStoreOption("pglite:/abs", "/w")).toEqual({ kind: "pglite", dataDir: "/abs" });
    const url = "postgres://postgres@127.0.0.1:5432/test";
    expect(parseStoreOption(url, "/w")).toEqual({ kind: "postgres", url });
    expect(parseStoreOption(`postgres:${url}`, "/w")).toEqual({ kind: "postgres", url });
    expect(parseStoreOption("postgresql://h/db", "/w")).toEqual({ kind: "postgres", url: "postgresql://h/db" });
    expect(parseStoreOption("mysql://root@h:3306/db", "/w")).toEqual({ kind: "mysql", url: "mysql://root@h:3306/db" });
    expect(parseStoreOption("mysql:mysql://h/db", "/w")).toEqual({ kind: "mysql", url: "mysql://h/db" });
    expect(() => parseStoreOption("mysql:x", "/w")).toThrow();
    expect(() => parseStoreOption("mysql:", "/w")).toThrow();
    // Printed without the password.
    const secret = describeStore(parseStoreOption("mysql://root:s3cret@h:3306/db", "/w"));
    expect(secret).toBe("mysql://root:***@h:3306/db");
    expect(describeStore(parseStoreOption("postgres://u:pw%40x@h/db", "/w"))).not.toContain("pw");
    expect(() => parseStoreOption("pglite:", "/w")).toThrow();
  });
});
