/**
 * `elderflow import persons` and `elderflow export persons` (issue #12 item 3): the JSON contract
 * `{"imported":N,"rejected":[{"row":n,"column":"…","code":"…"}]}`, exit 1 on any refused row and 0
 * otherwise, `--all-or-nothing`, refusals by the register (already enrolled), every store, and the
 * rosters reading the same files.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDistrict, makeIdNumber } from "@elderflow/core";
import { readPersons } from "@elderflow/register";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../packages/elderflow/src/cli/program";
import { xlsx as sheet, unzipEntries } from "../packages/register/src/import/fixtures.testkit";
import { memoryIO } from "./support/cli";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "./support/pg";

const dir = mkdtempSync(join(tmpdir(), "elderflow-import-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = memoryIO({ cwd: dir });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

const HEADER = ["编号", "姓名", "性别", "身份证号", "出生日期", "离休/退休", "职级", "社区", "生日历法", "状态"];
const row = (id: string, name: string, birth: string, over: Partial<Record<number, string>> = {}) => {
  const r = [
    id,
    name,
    "男",
    // An ID number only for a birth date that exists (else it would be the row's first problem).
    /-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$/.test(birth) ? makeIdNumber("110105", birth, 11 + 2 * id.length) : "",
    birth,
    "离休",
    "副县级",
    "c01",
    "公历",
    "在册",
  ];
  for (const [i, v] of Object.entries(over)) r[Number(i)] = v as string;
  return r;
};
const csv = (rows: string[][]) => `\uFEFF${rows.map((r) => r.join(",")).join("\r\n")}\r\n`;

function write(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("elderflow import persons", () => {
  const mixed = write(
    "mixed.csv",
    csv([
      HEADER,
      row("p1", "张小三", "1952-05-01"),
      row("p2", "李秀英", "1950-02-30"),
      row("p3", "王建国", "1947-03-02", { 2: "未知" }),
      row("p4", "赵敏", "1946-12-10", { 6: "正处级" }),
    ]),
  );

  it("prints the contract's JSON: the good rows imported, each bad row by sheet row, header and code; exit 1", async () => {
    const r = await run("import", "persons", mixed, "--store", "memory", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      imported: 2,
      rejected: [
        { row: 3, column: "出生日期", code: "INVALID_DATE" },
        { row: 4, column: "性别", code: "INVALID_ENUM" },
      ],
    });
    for (const name of ["李秀英", "王建国", "110105"]) expect(r.out + r.err).not.toContain(name);
  });

  it("exits 0 with no rejection, and reads XLSX, GB18030-free UTF-8 and JSON with a BOM alike", async () => {
    const rows = [HEADER, row("p1", "张小三", "1952-05-01"), row("p4", "赵敏", "1946-12-10")];
    const xlsx = write("ok.xlsx", await sheet(rows));
    const json = write(
      "ok.json",
      `\uFEFF${JSON.stringify(rows.slice(1).map((r) => Object.fromEntries(HEADER.map((h, i) => [h, r[i]]))))}`,
    );
    for (const file of [xlsx, json, write("ok.csv", csv(rows))]) {
      const r = await run("--format", "json", "import", "persons", file, "--store", "memory");
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toEqual({ imported: 2, rejected: [] });
    }
  });

  it("with --all-or-nothing imports nothing when any row is bad, then the register refuses what it already holds", async () => {
    const db = privateDatabase("import_all");
    await pgAdmin(`create database ${db}`);
    afterAll(() => dropPgDatabase(db));
    const store = `postgres:${PG_URL.replace(/\/[^/]*$/, `/${db}`)}`;
    const none = await run("import", "persons", mixed, "--store", store, "--format", "json", "--all-or-nothing");
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out).imported).toBe(0);
    const good = write("good.csv", csv([HEADER, row("p1", "张小三", "1952-05-01"), row("p4", "赵敏", "1946-12-10")]));
    const first = await run("import", "persons", good, "--store", store, "--format", "json", "--all-or-nothing");
    expect(JSON.parse(first.out)).toEqual({ imported: 2, rejected: [] });
    expect(first.code).toBe(0);
    // A second run of an overlapping file: the register's refusals are reported like the reader's.
    const again = await run("import", "persons", mixed, "--store", store, "--format", "json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toEqual({
      imported: 0,
      rejected: [
        { row: 2, column: "编号", code: "ALREADY_ENROLLED" },
        { row: 3, column: "出生日期", code: "INVALID_DATE" },
        { row: 4, column: "性别", code: "INVALID_ENUM" },
        { row: 5, column: "编号", code: "ALREADY_ENROLLED" },
      ],
    });
    // --all-or-nothing foresees those refusals: nothing more is written.
    const withNew = write("new.csv", csv([HEADER, row("p9", "孙丽", "1949-09-09"), row("p1", "张小三", "1952-05-01")]));
    const atomic = await run("import", "persons", withNew, "--store", store, "--format", "json", "--all-or-nothing");
    expect(JSON.parse(atomic.out)).toEqual({
      imported: 0,
      rejected: [{ row: 3, column: "编号", code: "ALREADY_ENROLLED" }],
    });
    const retry = await run(
      "import",
      "persons",
      write("p9.csv", csv([HEADER, row("p9", "孙丽", "1949-09-09")])),
      "--store",
      store,
      "--format",
      "json",
    );
    expect(JSON.parse(retry.out)).toEqual({ imported: 1, rejected: [] });
  });

  it("refuses an actor without a writing role, and one outside the persons' community row by row", async () => {
    const file = write("one.csv", csv([HEADER, row("p1", "张小三", "1952-05-01")]));
    const staff = JSON.stringify({ id: "u1", roles: ["community_staff"], communities: ["c01"] });
    const denied = await run("import", "persons", file, "--store", "memory", "--format", "json", "--actor", staff);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.out).error.code).toBe("NOT_AUTHORIZED");
    const elsewhere = JSON.stringify({ id: "u2", roles: ["registrar"], communities: ["c02"] });
    const far = await run("import", "persons", file, "--store", "memory", "--format", "json", "--actor", elsewhere);
    expect(JSON.parse(far.out)).toEqual({
      imported: 0,
      rejected: [{ row: 2, column: "社区", code: "WRONG_COMMUNITY" }],
    });
  });

  it("stops with a typed error for a file it cannot read at all: missing (exit 2), a legacy .xls or damaged (exit 1)", async () => {
    expect((await run("import", "persons", "nope.xlsx", "--store", "memory")).code).toBe(2);
    const xls = write("old.xls", new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    const r = await run("import", "persons", xls, "--store", "memory", "--format", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe("IMPORT_UNSUPPORTED_FORMAT");
    const bad = await run(
      "import",
      "persons",
      write("bad.xlsx", new Uint8Array([0x50, 0x4b, 3, 4, 1, 2])),
      "--store",
      "memory",
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^IMPORT_INVALID_FILE/);
    // A file over 64 MiB is refused before it is read (a sparse file: no disk is used).
    const huge = write("huge.csv", "");
    truncateSync(huge, 65 * 1024 * 1024);
    const big = await run("import", "persons", huge, "--store", "memory", "--format", "json");
    expect(big.code).toBe(1);
    expect(JSON.parse(big.out).error.code).toBe("IMPORT_FILE_TOO_LARGE");
  });

  it("prints a table in the chosen language and reports unknown columns on stderr", async () => {
    const file = write(
      "extra.csv",
      csv([[...HEADER, "备注"], [...row("p1", "张小三", "1952-05-01"), "x"], row("p2", "李秀英", "1950-02-30")]),
    );
    const zh = await run("--lang", "zh-CN", "import", "persons", file, "--store", "memory");
    expect(zh.code).toBe(1);
    expect(zh.out).toContain("已导入 1 人，拒绝 1 行");
    expect(zh.out).toMatch(/3\s+出生日期\s+INVALID_DATE/);
    expect(zh.err).toContain("UNKNOWN_COLUMN (row 1, 备注)");
    const en = await run("--lang", "en", "import", "persons", file, "--store", "memory");
    expect(en.out).toContain("Imported 1 persons, rejected 1 rows");
  });

  it("imports the 3,310 cadres of a synthetic district into PostgreSQL, 20 planted bad rows reported", async () => {
    const db = privateDatabase("import_cli");
    await pgAdmin(`create database ${db}`);
    try {
      const persons = generateDistrict().persons;
      const planted = persons.flatMap((_, i) => (i % 160 === 7 ? [i] : [])).slice(0, 20);
      const file = write(
        "district.json",
        JSON.stringify(persons.map((p, i) => (planted.includes(i) ? { ...p, rank: "处长" } : p))),
      );
      const url = PG_URL.replace(/\/[^/]*$/, `/${db}`);
      const r = await run("import", "persons", file, "--store", `postgres:${url}`, "--format", "json");
      expect(r.code).toBe(1);
      const out = JSON.parse(r.out);
      expect(out.imported).toBe(3290);
      // JSON rows are the element's index + 2, as on the same persons exported as a sheet.
      expect(out.rejected).toEqual(planted.map((i) => ({ row: i + 2, column: "rank", code: "UNKNOWN_RANK" })));
      // The register exports them back as the masked sheet with the same headers.
      const xlsx = join(dir, "district.xlsx");
      const e = await run("export", "persons", "--out", xlsx, "--store", `postgres:${url}`, "--format", "json");
      expect(e.code, e.err).toBe(0);
      expect(JSON.parse(e.out).persons).toBe(3290);
      const bytes = readFileSync(xlsx);
      const read = await readPersons(bytes, { today: "2026-11-26" });
      expect(read.rows).toBe(3290);
      const text = [...unzipEntries(bytes).values()].map((b) => new TextDecoder().decode(b)).join("\n");
      expect(text).toContain("身份证号");
      for (const p of persons.slice(0, 200)) {
        expect(text).not.toContain(p.name);
        if (p.idNumber !== undefined) expect(text).not.toContain(p.idNumber);
      }
    } finally {
      await dropPgDatabase(db);
    }
  }, 120_000);
});

describe("the rosters read the same files", () => {
  it("roster birthdays reads an XLSX with Chinese headers and values, and reports its bad row by sheet row", async () => {
    const file = write(
      "roster.xlsx",
      await sheet([HEADER, row("p1", "张小三", "1952-05-01"), row("p2", "李秀英", "1950-02-30")]),
    );
    const r = await run(
      "--format",
      "json",
      "--as-of",
      "2026-12-01",
      "roster",
      "birthdays",
      "--persons",
      file,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([{ personId: "p1", date: "2027-05-01", age: 75, calendar: "gregorian" }]);
    expect(r.err).toContain("INVALID_DATE (row[3].birthDate)");
  });
});

describe("the real process", () => {
  it("exits 1 with the JSON contract on stdout when a row is refused, 0 when none is (tsx)", () => {
    const cli = join(__dirname, "../packages/elderflow/src/cli.ts");
    const spawn = (file: string) =>
      spawnSync(
        process.execPath,
        [
          "--conditions=@elderflow/source",
          "--import",
          "tsx",
          cli,
          "import",
          "persons",
          file,
          "--store",
          "memory",
          "--format",
          "json",
        ],
        {
          // From the repository, where tsx resolves; the files are given by absolute path.
          cwd: join(__dirname, ".."),
          encoding: "utf8",
          env: { ...process.env, ELDERFLOW_TODAY: "2026-12-01" },
          timeout: 60_000,
        },
      );
    const bad = spawn(
      write("spawn-bad.csv", csv([HEADER, row("p1", "张小三", "1952-05-01"), row("p2", "李秀英", "1950-13-01")])),
    );
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stdout, bad.stderr).not.toBe("");
    expect(JSON.parse(bad.stdout)).toEqual({
      imported: 1,
      rejected: [{ row: 3, column: "出生日期", code: "INVALID_DATE" }],
    });
    const ok = spawn(write("spawn-ok.csv", csv([HEADER, row("p1", "张小三", "1952-05-01")])));
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ imported: 1, rejected: [] });
  }, 120_000);
});
