import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { birthdayPolicyBuilder, presetPolicies, serializePolicy } from "@elderflow/policy";
import { afterAll, describe, expect, it } from "vitest";
import { fileWriter, runIn } from "./support/cli";

const dir = mkdtempSync(join(tmpdir(), "elderflow-policy-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PRESETS = resolve(__dirname, "../packages/policy/src/presets");

const file = fileWriter(dir);

const run = (...argv: string[]) => runIn(dir, ...argv);

describe("elderflow policy test", () => {
  it("passes every preset's tests-as-data", async () => {
    const r = await run("--format", "json", "policy", "test", PRESETS);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { total: number; failed: number; files: { policy: string }[] };
    expect(report.failed).toBe(0);
    expect(report.total).toBeGreaterThanOrEqual(35);
    expect(report.files.map((f) => f.policy).sort()).toEqual([
      "birthday",
      "health-check",
      "holiday-visit",
      "hospital-visit",
      "matching",
      "medical-volunteer-scope",
      "priority-target",
      "stars",
      "volunteer-level",
      "year-rating",
    ]);
  });

  it("reports a failing case with its trace and exits 1, using a policy file found in the directory", async () => {
    const sub = join(dir, "reform");
    mkdirSync(sub, { recursive: true });
    const reform = birthdayPolicyBuilder({ ordinaryFromAge: 75 }).toJSON();
    writeFileSync(join(sub, "birthday.policy.json"), serializePolicy({ toJSON: () => reform }));
    writeFileSync(
      join(sub, "birthday.cases.yaml"),
      [
        "policy: birthday",
        "cases:",
        "  - name: the reform celebrates 75",
        "    on: 2027-05-01",
        "    facts: { name: 张小三, retirementKind: tuixiu, rank: section, age: 75 }",
        "    expect: { granted: true }",
        "  - name: a wrong expectation",
        "    cites: 一般干部从80周岁起",
        "    on: 2027-05-01",
        "    facts: { name: 张小三, retirementKind: tuixiu, rank: section, age: 76 }",
        "    expect: { granted: true }",
        "",
      ].join("\n"),
    );
    const r = await run("--lang", "en", "policy", "test", sub);
    expect(r.code).toBe(1);
    expect(r.out).toContain("pass  birthday.cases.yaml: the reform celebrates 75");
    expect(r.out).toContain("FAIL  birthday.cases.yaml: a wrong expectation");
    expect(r.out).toContain("granted: expected true, got false");
    expect(r.out).toContain("张*三: not eligible");
    expect(r.out).not.toContain("张小三");
    expect(r.out).toContain("2 cases, 1 passed, 1 failed");
  });

  it("rejects a malformed case file with the field path", async () => {
    const sub = join(dir, "bad");
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      join(sub, "x.cases.yaml"),
      "policy: birthday\ncases:\n  - name: no date\n    facts: {}\n    expect: {}\n",
    );
    const r = await run("policy", "test", sub);
    expect(r.code).toBe(1);
    expect(r.err).toContain("REQUIRED (x.cases.yaml.cases[0].on)");
  });
});

describe("elderflow policy explain", () => {
  it("prints the decision and the sentence in the chosen language", async () => {
    const facts = file("f.json", { name: "张小三", retirementKind: "lixiu", rank: "deputy_county", age: 75 });
    const zh = await run("policy", "explain", "--policy", "birthday", "--facts", facts, "--on", "2027-05-01");
    expect(zh.code).toBe(0);
    expect(zh.out).toContain("张*三: 离休、副县级、2027年满75周岁，符合逢五排十祝寿条件");
    const en = await run(
      "--lang",
      "en",
      "--format",
      "json",
      "policy",
      "explain",
      "--policy",
      "birthday",
      "--facts",
      facts,
      "--on",
      "2027-05-01",
    );
    const body = JSON.parse(en.out) as { decision: { entitlements: string[] }; sentence: { en: string } };
    expect(body.decision.entitlements).toEqual(["birthday_visit"]);
    expect(body.sentence.en).toBe("张*三: eligible: lixiu, deputy-county, turns 75 in 2027");
    expect(en.out).not.toContain("张小三");
  });

  it("reports facts that fail the schema per record and exits 1", async () => {
    const facts = file("bad.json", [{ retirementKind: "lixiu", rank: "county", age: 70 }, { retirementKind: "x" }]);
    const r = await run(
      "--format",
      "json",
      "policy",
      "explain",
      "--policy",
      "birthday",
      "--facts",
      facts,
      "--on",
      "2027-05-01",
    );
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out) as { error?: { code: string; path: unknown[] }; decision?: unknown }[];
    expect(body[0]?.decision).toBeDefined();
    expect(body[1]?.error?.code).toBe("INVALID_ENUM");
    expect(body[1]?.error?.path).toEqual([1, "retirementKind"]);
  });

  it("rejects an unknown policy (exit 2) and a bad date (exit 2)", async () => {
    const facts = file("g.json", { retirementKind: "lixiu", rank: "county", age: 70 });
    const a = await run("policy", "explain", "--policy", "nope", "--facts", facts, "--on", "2027-05-01");
    expect(a.code).toBe(2);
    expect(a.err).toContain("UNKNOWN_POLICY");
    const b = await run("policy", "explain", "--policy", "birthday", "--facts", facts, "--on", "2027-02-30");
    expect(b.code).toBe(2);
  });

  it("loads a policy from a JSON file and fails on an unknown fact with its path", async () => {
    const json = birthdayPolicyBuilder().toJSON() as unknown as {
      versions: { decision: { rules: { when: { all: unknown[] } }[] } }[];
    };
    const bad = structuredClone(json);
    (bad.versions[0]?.decision.rules[0]?.when.all as unknown[])[0] = {
      op: "eq",
      args: [{ fact: "retirmentKind" }, { value: "lixiu" }],
    };
    const p = file("bad.policy.json", bad);
    const r = await run("policy", "show", p);
    expect(r.code).toBe(1);
    expect(r.err).toContain("UNKNOWN_FACT (versions[0].decision.rules[0].when.all[0].args[0].fact)");
  });
});

describe("elderflow policy show / list / impact", () => {
  it("prints a policy as text and as JSON", async () => {
    const en = await run("--lang", "en", "policy", "show", "hospital-visit");
    expect(en.out).toContain("Hospital visits to retired cadres (hospital-visit)");
    expect(en.out).toContain("exactly one rule may match (unique)");
    const json = await run("--format", "json", "policy", "show", "stars");
    expect((JSON.parse(json.out) as { id: string }).id).toBe("stars");
    const list = await run("--format", "json", "policy", "list");
    // Every preset, each once: the report's rules plus the #15 presets (matching, medical volunteer scope).
    const ids = (JSON.parse(list.out) as { id: string }[]).map((p) => p.id);
    expect(ids).toEqual([...presetPolicies().keys()]);
    expect(ids).toEqual(expect.arrayContaining(["birthday", "stars", "medical-volunteer-scope"]));
  });

  it("lists who gains and loses between a preset and a reform", async () => {
    const reform = file("reform.json", birthdayPolicyBuilder({ ordinaryFromAge: 75 }).toJSON());
    const population = file("pop.json", [
      { id: "p1", retirementKind: "tuixiu", rank: "section", age: 75 },
      { id: "p2", retirementKind: "tuixiu", rank: "section", age: 80 },
    ]);
    const r = await run(
      "--format",
      "json",
      "policy",
      "impact",
      "--before",
      "birthday",
      "--after",
      reform,
      "--population",
      population,
      "--on",
      "2027-05-01",
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { gained: number; lost: number; gains: { id: string }[] };
    expect([report.gained, report.lost]).toEqual([1, 0]);
    expect(report.gains[0]?.id).toBe("p1");
  });
});
