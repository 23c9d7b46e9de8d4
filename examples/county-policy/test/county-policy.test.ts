import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { addDays, daysBetween, defaultRankScale, generateDistrict, type IsoDate } from "@elderflow/core";
import {
  BirthdayFactSet,
  birthdayPolicy,
  loadPolicy,
  parsePolicyCases,
  runPolicyCases,
  serializePolicy,
} from "@elderflow/policy";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { birthdaysOf, countyImpact } from "../src/impact";
import { countyBirthdayPolicy, REFORM_VERSION } from "../src/policy";
import { renderImpact } from "../src/report";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../..");
const policies = join(here, "../policies");
const casesText = readFileSync(join(policies, "birthday.cases.yaml"), "utf8");

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run("pnpm", ["-s", "elderflow", ...args], { cwd: root });
    return { code: 0, stdout: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "" };
  }
}

describe("the county's birthday policy", () => {
  const county = countyBirthdayPolicy();

  it("passes its tests-as-data through the policy package's case runner", () => {
    // Loaded from its JSON form, as a bureau's system would load it (checked against src below).
    const stored = loadPolicy(readFileSync(join(policies, "birthday.policy.json"), "utf8"));
    const results = runPolicyCases(parsePolicyCases(casesText), stored);
    expect(results.length).toBe(9);
    expect(results.filter((r) => !r.passed).map((r) => [r.name, r.failures])).toEqual([]);
  });

  it("adds one version that changes only the ordinary cadres' age and the label that states it", () => {
    const [old, reform] = county.json.versions;
    expect([old?.version, old?.to, reform?.version, reform?.from, reform?.to]).toEqual([
      "2009",
      "2026-12-31",
      REFORM_VERSION,
      "2027-01-01",
      undefined,
    ]);
    expect(reform?.params.ordinaryFromAge?.value).toBe(75);
    expect({ ...reform?.params, ordinaryFromAge: null }).toEqual({ ...old?.params, ordinaryFromAge: null });
    const label = (v: typeof old) =>
      v?.decision.kind === "rules" ? v.decision.rules.find((r) => r.id === "ordinary")?.label.en : undefined;
    expect(label(old)).toContain("from 80");
    expect(label(reform)).toContain("from 75");
  });

  it("keeps its JSON form (what the CLI loads) up to date with src/policy.ts", () => {
    expect(readFileSync(join(policies, "birthday.policy.json"), "utf8")).toBe(serializePolicy(county));
  });

  it("passes the same cases through `elderflow policy test` from the repository root", async () => {
    const r = await cli(["--format", "json", "policy", "test", "examples/county-policy/policies"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { total: number; passed: number; files: { policy: string }[] };
    expect(out).toMatchObject({ total: 9, passed: 9, failed: 0 });
    expect(out.files.map((f) => f.policy)).toEqual(["birthday"]);
  });

  it("fails in the CLI when a case expects the old rule in 2027", async () => {
    const dir = mkdtempSync(join(tmpdir(), "county-policy-"));
    try {
      copyFileSync(join(policies, "birthday.policy.json"), join(dir, "birthday.policy.json"));
      writeFileSync(
        join(dir, "birthday.cases.yaml"),
        "policy: birthday\ncases:\n  - name: old rule\n    on: 2027-03-01\n" +
          "    facts: { retirementKind: tuixiu, rank: section, age: 75 }\n    expect: { granted: false }\n",
      );
      const r = await cli(["--format", "json", "policy", "test", dir]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ total: 1, passed: 0, failed: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decides exactly like the preset before 2027 and grants at least as much from 2027", () => {
    const preset = birthdayPolicy();
    const facts = fc.record({
      retirementKind: fc.constantFrom("lixiu" as const, "tuixiu" as const),
      rank: fc.constantFrom(...defaultRankScale.ids),
      age: fc.integer({ min: 55, max: 110 }),
    });
    const day = (from: IsoDate, to: IsoDate) =>
      fc.integer({ min: 0, max: daysBetween(from, to) }).map((n) => addDays(from, n));
    fc.assert(
      fc.property(facts, day("2009-01-01", "2026-12-31"), (f, on) => {
        expect(county.decide(f, on)).toEqual(preset.decide(f, on));
      }),
    );
    fc.assert(
      fc.property(facts, day("2027-01-01", "2040-12-31"), (f, on) => {
        const d = county.decide(f, on);
        expect(d.version).toBe(REFORM_VERSION);
        if (preset.decide(f, on).granted) expect(d.granted).toBe(true);
        expect(BirthdayFactSet.parse(f).ok).toBe(true);
      }),
    );
  });
});

describe("the impact of the change over the synthetic district", () => {
  it("gains exactly the ordinary cadres turning 75 in 2027, and nobody loses", async () => {
    const impact = await countyImpact(1);
    const { report } = impact;
    // Oracle, written independently: every 2027 birthday at 75 of someone outside the 70 group.
    const persons = generateDistrict({ seed: 1, year: 2026 }).persons;
    const expected = birthdaysOf(persons, 2027)
      .filter(
        (b) =>
          b.facts.age === 75 &&
          !(b.facts.retirementKind === "lixiu" && defaultRankScale.atLeast(b.facts.rank, "deputy_county")),
      )
      .map((b) => `${b.personId}@${b.date}`)
      .sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(report.gains.map((g) => g.id).sort()).toEqual(expected);
    expect(report.gained).toBe(expected.length);
    expect(report.lost).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.unchanged).toBe(report.total - report.gained);
    const counts = report.byEntitlement.birthday_visit;
    expect(counts && counts.after - counts.before).toBe(report.gained);
    expect(impact.gainedBy.reduce((n, g) => n + g.count, 0)).toBe(report.gained);
    expect(Object.values(impact.gainedByMonth).reduce((n, m) => n + m, 0)).toBe(report.gained);
    expect(report.before.version).toBe("2009");
    expect(report.after.version).toBe(REFORM_VERSION);
  });

  it("prints the report in zh-CN and en with the same figures and no names", async () => {
    const impact = await countyImpact(1);
    const zh = renderImpact(impact, "zh-CN");
    const en = renderImpact(impact, "en");
    expect(zh).toContain(`新增${impact.report.gained}人次，减少0人次`);
    expect(en).toContain(`${impact.report.gained} gained, 0 lost`);
    const names = generateDistrict({ seed: 1, year: 2026 }).persons.map((p) => p.name);
    for (const text of [zh, en]) expect(names.some((n) => text.includes(n))).toBe(false);
  });
});
