// The seven packages as a new user gets them: packed with pnpm, installed with npm into a fresh folder
// outside the workspace, and run there by child processes (plain Node, no workspace condition, no
// tsx from the workspace). Needs `pnpm build` first, as `pnpm run ci` does.
import { type ExecFileException, execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "./support/mysql";

const root = new URL("..", import.meta.url).pathname;

const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MINUTE = 60_000;

/**
 * The children's environment: this process's, without what vitest or a pnpm script would pass
 * on (a `--conditions=@elderflow/source` in NODE_OPTIONS, npm_package_* of the workspace), so the
 * installed packages resolve exactly as they do for a user.
 */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      k !== "NODE_OPTIONS" &&
      !k.startsWith("VITEST") &&
      !k.startsWith("npm_package_") &&
      !k.startsWith("npm_lifecycle_") &&
      k !== "npm_execpath" &&
      k !== "INIT_CWD",
  ),
);
childEnv.NO_COLOR = "1";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (or its timeout) and returns its exit code and output; never throws. */
function run(cmd: string, args: readonly string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: childEnv, timeout, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error: ExecFileException | null, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr: error?.killed === true ? `${stderr}\n[killed after ${timeout} ms]` : stderr });
      },
    );
  });
}

/** Shows a failed run's output in the assertion message. */
const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

/**
 * pnpm as the CI script runs it: under `pnpm run ci` the pnpm that runs the script (npm_execpath),
 * otherwise a pnpm on PATH, otherwise the pinned one through npx.
 */
function pnpm(): readonly [string, readonly string[]] {
  const exec = process.env.npm_execpath;
  if (exec !== undefined && /pnpm/.test(exec) && existsSync(exec)) return [process.execPath, [exec]];
  try {
    execFileSync("pnpm", ["--version"], { stdio: "pipe" });
    return ["pnpm", []];
  } catch {
    return ["npx", ["-y", "pnpm@10.34.8"]];
  }
}

/** The ```ts blocks of a Markdown text, in order. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

/** The README's "Quick start" section, up to the next heading. */
function quickStart(readme: string): string {
  const start = readme.indexOf("## Quick start");
  expect(start, "README has a Quick start").toBeGreaterThanOrEqual(0);
  const next = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

const work = mkdtempSync(join(tmpdir(), "elderflow-packaging-"));
const packs = join(work, "packs");
const app = join(work, "app");
const npx = (args: readonly string[], timeout: number, cwd = app) => run("npx", args, cwd, timeout);

describe("the seven packages installed with npm outside the workspace", () => {
  beforeAll(async () => {
    mkdirSync(packs);
    mkdirSync(app);
    const [cmd, pre] = pnpm();
    const dirs = readdirSync(join(root, "packages")).filter((d) =>
      existsSync(join(root, "packages", d, "package.json")),
    );
    expect(dirs.sort()).toEqual(["core", "elderflow", "policy", "register", "schedule", "timebank", "workflow"]);
    for (const dir of dirs) {
      const cwd = join(root, "packages", dir);
      expect(existsSync(join(cwd, "dist", "index.js")), `packages/${dir} is built (pnpm build)`).toBe(true);
      const r = await run(cmd, [...pre, "pack", "--pack-destination", packs], cwd, 3 * MINUTE);
      expect(r.code, shown(r)).toBe(0);
    }
    const tgz = readdirSync(packs).filter((f) => f.endsWith(".tgz"));
    expect(tgz).toHaveLength(dirs.length);
    const init = await run("npm", ["init", "-y"], app, MINUTE);
    expect(init.code, shown(init)).toBe(0);
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", ...tgz.map((f) => join(packs, f))],
      app,
      10 * MINUTE,
    );
    expect(install.code, shown(install)).toBe(0);
    expect(install.stderr).not.toMatch(/Failed to create bin|ERR!/);
  }, 15 * MINUTE);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("installs the elderflow bin, and `npx elderflow --help` lists the commands", async () => {
    expect(existsSync(join(app, "node_modules", ".bin", "elderflow"))).toBe(true);
    const r = await npx(["elderflow", "--help"], MINUTE);
    expect(r.code, shown(r)).toBe(0);
    for (const command of ["demo", "validate", "reconcile"]) expect(r.stdout).toContain(command);
  });

  it(
    "runs the demo in memory and on PGlite to the same figures",
    async () => {
      const demo = (store: string, report: string) =>
        npx(
          ["elderflow", "demo", "--store", store, "--format", "json", "--lang", "en", "--report", report],
          20 * MINUTE,
        );
      const [memory, pglite] = await Promise.all([
        demo("memory", "memory-report.html"),
        demo(`pglite:${join(app, "demo-db")}`, "pglite-report.html"),
      ]);
      expect(memory.code, shown(memory)).toBe(0);
      expect(pglite.code, shown(pglite)).toBe(0);
      expect(existsSync(join(app, "demo-db")), "the PGlite data folder").toBe(true);
      const m = JSON.parse(memory.stdout);
      const p = JSON.parse(pglite.stdout);
      expect(m.district).toEqual({ communities: 98, persons: 3310, lixiu: 270, volunteers: 350, teams: 12 });
      expect(m.journalOk).toBe(true);
      expect(p.journalOk).toBe(true);
      expect(m.reconciliation.discrepancies).toBe(0);
      expect(m.reconciliation.verified).toBeGreaterThan(0);
      expect(m.summary.length).toBeGreaterThan(10);
      // The same seeded year: every figure of the summary agrees between the two stores.
      expect(p.summary).toEqual(m.summary);
      expect(p.reconciliation).toEqual(m.reconciliation);
      expect(p.district).toEqual(m.district);
      for (const f of ["memory-report.html", "pglite-report.html"])
        expect(readFileSync(join(app, f), "utf8")).toMatch(/^<!doctype html>/i);
    },
    25 * MINUTE,
  );

  it(
    "writes a register sheet with the installed @elderflow/register and imports it with the CLI into PGlite",
    async () => {
      const script = [
        'import { writeFileSync } from "node:fs";',
        'import { writePersonsXlsx } from "@elderflow/register";',
        'const base = { gender: "male", birthdayCalendar: "gregorian", retirementKind: "lixiu", rank: "deputy_county", communityId: "c-001", status: "active" };',
        "const bytes = await writePersonsXlsx([",
        '  { ...base, id: "p-0001", name: "张小三", birthDate: "1952-07-01" },',
        '  { ...base, id: "p-0002", name: "李秀英", gender: "female", birthDate: "1950-02-28" },',
        "]);",
        'writeFileSync("register.xlsx", bytes);',
      ].join("\n");
      writeFileSync(join(app, "write-sheet.mjs"), script);
      const written = await run("node", ["write-sheet.mjs"], app, MINUTE);
      expect(written.code, shown(written)).toBe(0);
      const argv = ["elderflow", "import", "persons", "register.xlsx", "--store", `pglite:${join(app, "register-db")}`];
      const first = await npx([...argv, "--format", "json", "--as-of", "2026-12-01"], 3 * MINUTE);
      expect(first.code, shown(first)).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ imported: 2, rejected: [] });
      // The same sheet again: both rows are already in the register, each reported by its sheet row.
      const again = await npx([...argv, "--format", "json", "--as-of", "2026-12-01"], 3 * MINUTE);
      expect(again.code, shown(again)).toBe(1);
      const report = JSON.parse(again.stdout);
      expect(report.imported).toBe(0);
      expect(report.rejected.map((r: { row: number; code: string }) => [r.row, r.code])).toEqual([
        [2, "ALREADY_ENROLLED"],
        [3, "ALREADY_ENROLLED"],
      ]);
    },
    6 * MINUTE,
  );

  it("validates a persons file with the CLI: the good record counts, the bad one is reported by index and path", async () => {
    const good = {
      id: "p-0001",
      name: "张小三",
      gender: "male",
      birthDate: "1952-07-01",
      birthdayCalendar: "gregorian",
      retirementKind: "lixiu",
      rank: "deputy_county",
      communityId: "c-001",
    };
    writeFileSync(join(app, "good.json"), JSON.stringify([good]));
    writeFileSync(join(app, "mixed.json"), JSON.stringify([good, { ...good, id: "p-0002", birthDate: "1950-02-30" }]));
    const ok = await npx(["elderflow", "validate", "persons", "good.json", "--format", "json"], MINUTE);
    expect(ok.code, shown(ok)).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ total: 1, valid: 1, invalid: [] });
    const bad = await npx(["elderflow", "validate", "persons", "mixed.json", "--format", "json"], MINUTE);
    expect(bad.code, shown(bad)).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report).toMatchObject({ total: 2, valid: 1 });
    expect(report.invalid).toHaveLength(1);
    expect(report.invalid[0].index).toBe(1);
    expect(report.invalid[0].issues.map((i: { path: string }) => i.path).join(" ")).toContain("birthDate");
  });

  // The deployment servers: each test gets a database of its own, and an unreachable server fails
  // the test (never a skip). MySQL needs its driver beside the packages (an optional peer).
  const servers = [
    {
      name: "PostgreSQL",
      kind: "postgres",
      driver: undefined,
      create: async () => {
        const db = `ef_pack_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
        const admin = async (statement: string) => {
          const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
          await client.connect();
          try {
            await client.query(statement);
          } finally {
            await client.end();
          }
        };
        await admin(`create database ${db}`);
        const url = new URL(PG_URL);
        url.pathname = `/${db}`;
        return { url: url.toString(), drop: () => admin(`drop database if exists ${db} with (force)`) };
      },
    },
    {
      name: "MariaDB",
      kind: "mysql",
      driver: "mysql2@^3.11.0",
      create: async () => {
        const db = privateMysqlDatabase("ef_pack");
        return { url: await createMysqlDatabase(db), drop: () => dropMysqlDatabase(db) };
      },
    },
  ] as const;

  for (const server of servers)
    it(
      `opens createElderflow on ${server.name} and turns a hospital admission into a visit task`,
      async () => {
        if (server.driver !== undefined) {
          const r = await run("npm", ["install", "--no-audit", "--no-fund", server.driver], app, 5 * MINUTE);
          expect(r.code, shown(r)).toBe(0);
        }
        const { url, drop } = await server.create();
        try {
          const script = `${server.kind}.mjs`;
          writeFileSync(
            join(app, script),
            `import { createElderflow } from "elderflow";
import { fixedClock, generateDistrict } from "@elderflow/core";

const district = generateDistrict({ seed: 1 });
const flow = await createElderflow({
  clock: fixedClock("2027-03-01T09:00:00+08:00"),
  store: { kind: "${server.kind}", url: process.argv[2], max: 2 },
  directory: { servicePoints: district.servicePoints, volunteers: district.volunteers },
});
try {
  const bureau = { id: "bureau-1", roles: ["bureau"] };
  const doctor = { id: "dr-1", role: "doctor", communityId: "d01-c001" };
  await flow.workflows.start("carePathway", {
    id: "cp-1", actor: doctor,
    input: { communityId: "d01-c001", personId: "p000001", rank: "county" },
  });
  await flow.workflows.send("cp-1", { id: "e1", type: "REFER", actor: doctor, payload: { hospitalId: "h1" } });
  await flow.workflows.send("cp-1", { id: "e2", type: "ADMIT", actor: doctor, payload: { hospitalId: "h1" } });
  const pumped = await flow.pump();
  const tasks = await flow.tasks.list(bureau, "hospital_visit");
  const reconcile = await flow.reconcile(bureau);
  console.log(JSON.stringify({ delivered: pumped.delivered, tasks, reconcile }));
} finally {
  await flow.close();
}
`,
          );
          const r = await run(process.execPath, [script, url], app, 2 * MINUTE);
          expect(r.code, shown(r)).toBe(0);
          const out = JSON.parse(r.stdout);
          expect(out.delivered).toBeGreaterThan(0);
          expect(out.tasks).toHaveLength(1);
          expect(out.tasks[0]).toMatchObject({ kind: "hospital_visit", personId: "p000001" });
          expect(out.tasks[0].assignees.length).toBeGreaterThan(0);
          expect(out.reconcile).toMatchObject({ ok: true, discrepancies: [] });
        } finally {
          await drop();
        }
      },
      8 * MINUTE,
    );

  const blocks = [
    ...tsBlocks(readFileSync(join(root, "docs", "getting-started.md"), "utf8")).map((code, i) => ({
      name: `docs/getting-started.md block ${i + 1}`,
      file: `getting-started-${i + 1}.mts`,
      code,
    })),
    ...tsBlocks(quickStart(readFileSync(join(root, "README.md"), "utf8"))).map((code, i) => ({
      name: `README quick start block ${i + 1}`,
      file: `readme-${i + 1}.mts`,
      code,
    })),
  ];

  it("finds the code blocks of the getting-started guide and the README quick start", () => {
    expect(blocks.filter((b) => b.name.startsWith("docs/")).length).toBeGreaterThan(0);
    expect(blocks.filter((b) => b.name.startsWith("README")).length).toBeGreaterThan(0);
  });

  for (const block of blocks)
    it(
      `runs ${block.name} as written (tsx)`,
      async () => {
        writeFileSync(join(app, block.file), block.code);
        const r = await npx(["-y", "tsx@4", block.file], 5 * MINUTE);
        expect(r.code, shown(r)).toBe(0);
        expect(r.stderr).not.toMatch(/Error|ERR_/);
      },
      6 * MINUTE,
    );
});
