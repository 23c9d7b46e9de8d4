/**
 * The CLI as a bureau's staff reads it (issue #12 item 7): `--as-of` on every command, every
 * `--format` implemented or refused, batch commands that report bad records and go on, Chinese
 * help, headers and values, and lists with masked names, community names and the visiting body.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { OutputFormat } from "../packages/elderflow/src/cli/io";
import { runCli } from "../packages/elderflow/src/cli/program";
import { fileWriter, memoryIO } from "./support/cli";
import { cmd, SETUP } from "./timebank-support";

const dir = mkdtempSync(join(tmpdir(), "elderflow-bureau-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = fileWriter(dir);

async function run(argv: readonly string[], env: Record<string, string> = {}) {
  const io = memoryIO({ cwd: dir });
  const code = await runCli(argv, { ...io, env, stdout: io.stdout, stderr: io.stderr });
  return { code, out: io.out, err: io.err };
}

/** A person in the interchange form. */
function aPerson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "p1",
    name: "张小三",
    gender: "male",
    birthDate: "1952-05-01",
    retirementKind: "lixiu",
    rank: "deputy_county",
    communityId: "c01",
    ...over,
  };
}

// Turns 75 on 2027-05-01: celebrated (deputy-county lixiu, from 70).
const senior = aPerson({ id: "p-senior", name: "王建国" });
// Moved away on 2027-01-15, before a round birthday on 2027-03-02.
const moved = aPerson({
  id: "p-moved",
  name: "李秀英",
  birthDate: "1947-03-02",
  status: "moved",
  statusSince: "2027-01-15",
});
const persons = file("persons.json", [senior, moved]);
const org = file("org.json", [
  { id: "s1", kind: "street_office", name: "新华街道" },
  { id: "c01", kind: "community", name: "丰华社区", parentId: "s1" },
]);

describe("--as-of", () => {
  it("lets a roster planned before the year accept a move dated in it, and every run of the same argv agrees", async () => {
    const argv = [
      "--format",
      "json",
      "roster",
      "birthdays",
      "--persons",
      persons,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
    ];
    const today = await run(argv);
    expect(today.code).toBe(1);
    expect(today.err).toContain("FUTURE_DATE (persons[1].statusSince)");
    const asOf = await run(["--as-of", "2027-01-20", ...argv]);
    expect(asOf.code).toBe(0);
    expect(asOf.err).toBe("");
    // The move is honoured: only the senior cadre is celebrated.
    expect(JSON.parse(asOf.out)).toEqual([
      { personId: "p-senior", date: "2027-05-01", age: 75, calendar: "gregorian" },
    ]);
    const env = await run(argv, { ELDERFLOW_TODAY: "2027-01-20" });
    expect(env).toEqual(asOf);
  });

  it("dates validation by the as-of day", async () => {
    expect((await run(["validate", "persons", persons])).code).toBe(1);
    expect((await run(["validate", "persons", persons, "--as-of", "2027-01-15"])).code).toBe(0);
    expect((await run(["validate", "persons", persons, "--as-of", "2027-01-14"])).code).toBe(1);
    expect((await run(["validate", "persons", persons], { ELDERFLOW_TODAY: "2027-06-01" })).code).toBe(0);
  });

  it("runs the time bank on the as-of day at 09:00 Shanghai: its checkpoint is signed then, the same on every run", async () => {
    const key = file("as-of.key", "0123456789abcdef0123456789abcdef");
    const argv = ["--format", "json", "timebank", "checkpoint", "--key", key, "--store", "memory"];
    const first = await run(["--as-of", "2027-02-01", ...argv]);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out).signedAt).toBe("2027-02-01T01:00:00.000Z");
    expect(await run(["--as-of", "2027-02-01", ...argv])).toEqual(first);
    const env = await run(argv, { ELDERFLOW_TODAY: "2027-03-15" });
    expect(JSON.parse(env.out).signedAt).toBe("2027-03-15T01:00:00.000Z");
    // Without either, the CLI's own clock (the test IO's 2026-11-26 09:00).
    expect(JSON.parse((await run(argv)).out).signedAt).toBe("2026-11-26T01:00:00.000Z");
  });

  it("refuses a date that does not exist with USAGE naming the option, exit 2, without repeating the value", async () => {
    for (const bad of ["2027-02-30", "next monday", "13800138000"]) {
      const r = await run(["--lang", "en", "--as-of", bad, "validate", "persons", persons]);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toMatch(/^USAGE \(--as-of\): /);
      expect(r.err, bad).not.toContain(bad);
    }
    const env = await run(["validate", "persons", persons], { ELDERFLOW_TODAY: "2027-13-01" });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/^USAGE \(ELDERFLOW_TODAY\)/);
    const json = await run([
      "--format",
      "json",
      "--as-of",
      "x",
      "roster",
      "visits",
      "--persons",
      persons,
      "--year",
      "2027",
    ]);
    expect(JSON.parse(json.out).error).toMatchObject({ code: "USAGE", path: ["--as-of"] });
  });
});

describe("--format on every command", () => {
  const checks = file("checks.json", [{ personId: "p-senior", date: "2026-03-01" }]);
  const facts = file("facts.json", { name: "张小三", retirementKind: "lixiu", rank: "deputy_county", age: 75 });
  const population = file("population.json", [{ id: "q1", retirementKind: "tuixiu", rank: "section", age: 80 }]);
  const pairs = file("pairs.json", [{ pairId: "a", volunteerId: "v1", personId: "p1", from: "2027-01-01" }]);
  const log = file("log.json", [{ pairId: "a", at: "2027-03-02T10:00:00+08:00", kind: "home_visit" }]);
  const script = file("script.jsonl", '{"op":"timers"}\n');
  const tb = file(
    "tb-format.jsonl",
    [...SETUP, cmd.record("r1", "v1", 600), cmd.verify("vf1", "r1")].map((c) => JSON.stringify(c)).join("\n"),
  );
  const key = file("hmac.key", "0123456789abcdef0123456789abcdef");
  const asOf = ["--as-of", "2027-04-02"];
  const COMMANDS: Record<string, { argv: string[]; formats: OutputFormat[]; runs?: false }> = {
    demo: { argv: ["demo", "--store", "memory"], formats: ["table", "json"], runs: false },
    "validate persons": { argv: ["validate", "persons", persons], formats: ["table", "json", "csv"] },
    generate: { argv: ["generate", "persons", "--scale", "1"], formats: ["json"] },
    "policy list": { argv: ["policy", "list"], formats: ["table", "json", "csv"] },
    "policy show": { argv: ["policy", "show", "birthday"], formats: ["text", "json"] },
    "policy explain": {
      argv: ["policy", "explain", "--policy", "birthday", "--facts", facts, "--on", "2027-05-01"],
      formats: ["text", "json"],
    },
    "policy impact": {
      argv: [
        "policy",
        "impact",
        "--before",
        "birthday",
        "--after",
        "birthday",
        "--population",
        population,
        "--on",
        "2027-05-01",
      ],
      formats: ["table", "json", "csv"],
    },
    "roster birthdays": {
      argv: ["roster", "birthdays", "--persons", persons, "--from", "2027-01-01", "--to", "2027-12-31"],
      formats: ["table", "json", "csv", "ics", "html"],
    },
    "roster visits": {
      argv: ["roster", "visits", "--persons", persons, "--year", "2027"],
      formats: ["table", "json", "csv", "html"],
    },
    "roster health-checks": {
      argv: ["roster", "health-checks", "--persons", persons, "--checks", checks, "--on", "2027-04-01"],
      formats: ["table", "json", "csv"],
    },
    "cadence check": {
      argv: ["cadence", "check", "--pairs", pairs, "--log", log, "--month", "2027-03"],
      formats: ["table", "json", "csv"],
    },
    calendar: {
      argv: ["calendar", "legal-aid", "--from", "2027-03-01", "--to", "2027-03-31"],
      formats: ["table", "json", "csv", "ics"],
    },
    "timebank replay": { argv: ["timebank", "replay", "--commands", tb], formats: ["table", "json"] },
    "timebank notice": {
      argv: ["timebank", "notice", "--commands", tb, "--community", "c1", "--period", "2027-Q1"],
      formats: ["table", "json", "csv", "html"],
    },
    "timebank certificate": {
      argv: ["timebank", "certificate", "--commands", tb, "--volunteer", "v1"],
      formats: ["table", "json", "html"],
    },
    "timebank verify": { argv: ["timebank", "verify", "--commands", tb], formats: ["json", "text"] },
    "timebank checkpoint": { argv: ["timebank", "checkpoint", "--key", key], formats: ["json"] },
    "workflow machines": { argv: ["workflow", "machines"], formats: ["table", "json", "csv"] },
    "workflow diagram": { argv: ["workflow", "diagram", "verification"], formats: ["text", "json"] },
    "workflow diagrams": { argv: ["workflow", "diagrams", "--out", "diagrams"], formats: ["text", "json"] },
    "workflow run": { argv: ["workflow", "run", script], formats: ["table", "json"] },
    reconcile: { argv: ["reconcile", "--store", "memory"], formats: ["table", "json"] },
    erase: { argv: ["erase", "p-senior", "--store", "memory"], formats: ["text", "json"] },
  };
  const ALL: OutputFormat[] = ["json", "table", "text", "ics", "csv", "html"];
  const isJson = (s: string) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  };
  const produces: Record<OutputFormat, (out: string) => boolean> = {
    json: isJson,
    csv: (out) => out.endsWith("\r\n") && /^[^{[\r\n][^\r\n]*,[^\r\n]*\r\n/.test(out) && !isJson(out),
    ics: (out) => out.startsWith("BEGIN:VCALENDAR") && out.trimEnd().endsWith("END:VCALENDAR"),
    html: (out) => /^<!DOCTYPE html>/i.test(out) && out.includes("<table"),
    table: (out) => out.trim().length > 0 && !isJson(out) && !out.startsWith("<") && !out.startsWith("BEGIN:"),
    text: (out) => out.trim().length > 0 && !isJson(out) && !out.startsWith("<") && !out.startsWith("BEGIN:"),
  };

  for (const [name, spec] of Object.entries(COMMANDS))
    for (const format of ALL)
      it(`${name} --format ${format} ${spec.formats.includes(format) ? "prints it" : "is refused (exit 2)"}`, async () => {
        if (!spec.formats.includes(format)) {
          const r = await run([...asOf, "--lang", "en", "--format", format, ...spec.argv]);
          expect(r.code).toBe(2);
          expect(r.err).toMatch(/^USAGE \(--format\): /);
          expect(r.out).toBe("");
          return;
        }
        if (spec.runs === false) return;
        const r = await run([...asOf, "--format", format, ...spec.argv]);
        expect(r.code, r.err).toBe(0);
        expect(produces[format](r.out), r.out.slice(0, 300)).toBe(true);
      }, 60_000);

  it("uses a command's own first format when --format is not given", async () => {
    const show = await run(["policy", "show", "birthday"]);
    expect(show.code).toBe(0);
    expect(produces.text(show.out)).toBe(true);
    const gen = await run(["generate", "persons"]);
    expect(Array.isArray(JSON.parse(gen.out))).toBe(true);
  });
});

describe("batch commands report bad records and go on", () => {
  const mixed = file("mixed.json", [
    senior,
    aPerson({ id: "p-bad", birthDate: "1950-02-30" }),
    aPerson({ id: "p-ordinary", name: "赵敏", retirementKind: "tuixiu", rank: "section", birthDate: "1946-12-10" }),
  ]);

  it("roster birthdays --as-of 2026-12-01 lists the rest and reports the bad one, exit 1", async () => {
    const argv = [
      "roster",
      "birthdays",
      "--persons",
      mixed,
      "--from",
      "2026-12-01",
      "--to",
      "2027-12-31",
      "--as-of",
      "2026-12-01",
    ];
    const json = await run(["--format", "json", "--lang", "en", ...argv]);
    expect(json.code).toBe(1);
    // stdout keeps the roster's shape; the bad record is a `CODE (path)` line on stderr.
    expect(JSON.parse(json.out)).toEqual([
      { personId: "p-ordinary", date: "2026-12-10", age: 80, calendar: "gregorian" },
      { personId: "p-senior", date: "2027-05-01", age: 75, calendar: "gregorian" },
    ]);
    expect(json.err.trim().split("\n")).toEqual([
      "INVALID_DATE (persons[1].birthDate): Invalid date (expected an existing YYYY-MM-DD date)",
    ]);
    const table = await run(["--lang", "en", ...argv]);
    expect(table.code).toBe(1);
    expect(table.out).toContain("p-ordinary");
    expect(table.out).toContain("p-senior");
    expect(table.err).toContain("INVALID_DATE (persons[1].birthDate)");
  });

  it("roster visits and health-checks list the good persons and report the bad one", async () => {
    const visits = await run([
      "--format",
      "json",
      "roster",
      "visits",
      "--persons",
      mixed,
      "--year",
      "2027",
      "--as-of",
      "2026-12-01",
    ]);
    expect(visits.code).toBe(1);
    const ids = new Set((JSON.parse(visits.out) as { personId: string }[]).map((v) => v.personId));
    expect(ids).toEqual(new Set(["p-senior", "p-ordinary"]));
    expect(visits.err).toContain("INVALID_DATE (persons[1].birthDate)");
    const hc = await run([
      "--format",
      "csv",
      "roster",
      "health-checks",
      "--persons",
      mixed,
      "--checks",
      file("none.json", []),
      "--on",
      "2027-01-01",
    ]);
    expect(hc.code).toBe(1);
    expect(hc.out.trim().split("\r\n")).toHaveLength(3);
  });
});

describe("lists a bureau can read", () => {
  it("shows masked names, community names and the visiting body, never the full name", async () => {
    const r = await run([
      "--lang",
      "en",
      "--format",
      "csv",
      "roster",
      "birthdays",
      "--persons",
      persons,
      "--org",
      org,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
      "--as-of",
      "2027-01-20",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      "date,person,name,community,age,calendar,visiting body\r\n2027-05-01,p-senior,王*国,丰华社区,75,gregorian,Bureau of Veteran Cadres\r\n",
    );
    const visits = await run([
      "--lang",
      "zh-CN",
      "roster",
      "visits",
      "--persons",
      persons,
      "--year",
      "2027",
      "--as-of",
      "2027-01-20",
    ]);
    expect(visits.out).toContain("王*国");
    expect(visits.out).toContain("区领导");
    expect(visits.out).toContain("春节");
    // Without an org file the community id stands in for its name.
    expect(visits.out).toContain("c01");
    expect(visits.out + visits.err).not.toContain("王建国");
    expect(visits.out + visits.err).not.toContain("李秀英");
  });

  it("prints a printable, escaped HTML birthday list (祝寿名单)", async () => {
    const r = await run([
      "--format",
      "html",
      "roster",
      "birthdays",
      "--persons",
      persons,
      "--org",
      org,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
      "--as-of",
      "2027-01-20",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("<title>离退休干部生日祝寿名单</title>");
    expect(r.out).toContain("期间：2027-01-01 至 2027-12-31");
    expect(r.out).toContain("@page { size: A4;");
    expect(r.out).toContain("<th>姓名</th>");
    expect(r.out).toContain("<td><bdi>王*国</bdi></td>");
    expect(r.out).toContain("<td><bdi>丰华社区</bdi></td>");
    expect(r.out).toContain("<td><bdi>老干部局</bdi></td>");
    expect(r.out).toContain("经办人（签字）：");
    expect(r.out).not.toContain("王建国");
  });

  // A name that tries to open a script, and one that reverses the line it is printed on (U+202E).
  const hostile = file("hostile.json", [
    aPerson({ id: "p-x", name: "<script>alert(1)</script>", birthDate: "1952-06-01" }),
    aPerson({ id: "p-y", name: "王\u202e建国", birthDate: "1952-07-01", communityId: "c02" }),
  ]);
  const hostileOrg = file("hostile-org.json", { c01: "丰华社区", c02: '<img src=x onerror="alert(1)">' });

  for (const [name, argv] of [
    ["birthday list", ["roster", "birthdays", "--from", "2027-01-01", "--to", "2027-12-31"]],
    ["holiday visit list", ["roster", "visits", "--year", "2027"]],
  ] as const)
    it(`escapes hostile names and community names in the printable ${name}`, async () => {
      const r = await run([
        "--format",
        "html",
        "--as-of",
        "2027-01-20",
        ...argv,
        "--persons",
        hostile,
        "--org",
        hostileOrg,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).not.toMatch(/<script|<img|\u202e/);
      expect(r.out).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;");
      expect(r.out).toContain("<bdi>王**国</bdi>"); // the control is masked with the middle
      expect((r.out.match(/<tr>/g) ?? []).length).toBeGreaterThan(2);
    });

  it("prints the holiday visit list (节日走访慰问名单) in Chinese and in English", async () => {
    const zh = await run([
      "--format",
      "html",
      "--as-of",
      "2027-01-20",
      "roster",
      "visits",
      "--persons",
      persons,
      "--org",
      org,
      "--year",
      "2027",
    ]);
    expect(zh.code).toBe(0);
    expect(zh.out).toContain("<h1>2027年节日走访慰问名单</h1>");
    expect(zh.out).toContain("<td><bdi>春节</bdi></td>");
    expect(zh.out).toContain("<td><bdi>区领导</bdi></td>");
    expect(zh.out).toContain("带队领导（签字）：");
    expect(zh.out).not.toMatch(/spring_festival|district_leaders|王建国/);
    const en = await run([
      "--format",
      "html",
      "--lang",
      "en",
      "--as-of",
      "2027-01-20",
      "roster",
      "visits",
      "--persons",
      persons,
      "--year",
      "2027",
    ]);
    expect(en.out).toContain('<html lang="en">');
    expect(en.out).toContain("<td><bdi>Spring Festival</bdi></td>");
    expect(en.out).toContain("Leading official (signature):");
  });

  it("prints the time-bank certificate (时间储蓄证明) with hours, balance, journal head and signature lines", async () => {
    const tb = file(
      "tb-cert.jsonl",
      [...SETUP, cmd.record("r1", "v1", 90), cmd.verify("vf1", "r1")].map((c) => JSON.stringify(c)).join("\n"),
    );
    const names = file("cert-names.json", { v1: "<b>赵\u202e志愿</b>" });
    const certOrg = file("cert-org.json", { c1: "丰华社区" });
    const r = await run([
      "--format",
      "html",
      "--as-of",
      "2027-04-02",
      "timebank",
      "certificate",
      "--commands",
      tb,
      "--volunteer",
      "v1",
      "--names",
      names,
      "--org",
      certOrg,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("<h1>志愿服务时间储蓄证明</h1>");
    expect(r.out).toContain("社区：丰华社区");
    expect(r.out).toContain("出具日期：2027-04-02");
    expect(r.out).toContain("<td><bdi>服务存入</bdi></td>");
    expect(r.out).toContain('<td class="num"><bdi>1.5</bdi></td>');
    expect(r.out).toContain("登记人（签字）：");
    expect(r.out).not.toMatch(/<b>|\u202e|赵\u202e志愿/);
  });
});

describe("--lang zh-CN", () => {
  it("labels headers and enum values in Chinese, and keeps English under --lang en", async () => {
    const lunar = file("lunar.json", [
      aPerson({
        id: "p-l",
        birthDate: "1947-11-12",
        birthdayCalendar: "lunar",
        retirementKind: "tuixiu",
        rank: "section",
      }),
    ]);
    const argv = ["roster", "birthdays", "--persons", lunar, "--from", "2027-01-01", "--to", "2027-12-31"];
    const zh = await run(["--lang", "zh-CN", ...argv]);
    expect(zh.code).toBe(0);
    const [header, rule, row] = zh.out.split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["日期", "人员编号", "姓名", "社区", "周岁", "历法", "走访单位"]);
    expect(rule).toMatch(/^-+/);
    expect(row).toContain("农历");
    expect(row).toContain("老干部局");
    const en = await run(["--lang", "en", ...argv]);
    expect(en.out.split("\n")[0]?.split(/\s{2,}/)).toEqual([
      "date",
      "person",
      "name",
      "community",
      "age",
      "calendar",
      "visiting body",
    ]);
    expect(en.out).toContain("lunar");
    expect(en.out).not.toContain("农历");
  });

  it("labels retirement kinds and ranks", async () => {
    const { labelRows } = await import("../packages/elderflow/src/cli/labels");
    expect(
      labelRows([{ retirementKind: "lixiu", rank: "deputy_county" }, { retirementKind: "tuixiu" }], "zh-CN"),
    ).toEqual([{ "离休/退休": "离休", 职级: "副县级" }, { "离休/退休": "退休" }]);
  });

  it("prints --help in Chinese: headings, the program, its commands and the global options", async () => {
    const r = await run(["--lang", "zh-CN", "--help"]);
    expect(r.code).toBe(0);
    for (const s of ["用法：", "选项：", "命令：", "离退休干部社区服务", "按日程生成名单", "输出格式", "显示帮助"])
      expect(r.out).toContain(s);
    const sub = await run(["--lang", "zh-CN", "roster", "--help"]);
    expect(sub.out).toContain("生日祝寿名单（逢五排十）");
    const leaf = await run(["--lang", "zh-CN", "roster", "birthdays", "--help"]);
    expect(leaf.out).toContain("人员 JSON 数组（交换格式）");
    expect(leaf.out).toContain("全局选项：");
    const enLeaf = await run(["--lang", "en", "roster", "birthdays", "--help"]);
    expect(enLeaf.out).toContain("Global Options:");
    expect(enLeaf.out).toContain("--as-of <date>");
    const en = await run(["--lang", "en", "--help"]);
    expect(en.out).toContain("Usage:");
    expect(en.out).toContain("--as-of <date>");
    expect(en.out).not.toContain("用法");
  });
});
