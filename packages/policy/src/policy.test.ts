import {
  containsPersonalData,
  createRankScale,
  ElderflowError,
  generateDistrict,
  priorityFlags,
} from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definePolicy } from "./builder";
import { evaluateAll } from "./bulk";
import { explain } from "./explain";
import { defineFacts } from "./facts";
import { analyseImpact } from "./impact";
import { loadPolicy, serializePolicy } from "./load";
import type { PolicyJSON } from "./model";
import { createPolicy } from "./policy";
import { BirthdayFactSet, type BirthdayFacts, birthdayPolicy, birthdayPolicyBuilder } from "./presets/birthday";
import { hospitalVisitors } from "./presets/hospital";
import { priorityTargetPolicy } from "./presets/priority";
import { renderPolicy } from "./render";
import { parsePolicyCases } from "./testing";

const Facts = defineFacts({
  id: "test",
  schema: z.object({
    name: z.string().optional(),
    age: z.number().int(),
    kind: z.enum(["a", "b"]),
    rank: z.string(),
    joined: z.string().optional(),
    home: z.object({ alone: z.boolean().optional() }).optional(),
  }),
  labels: { name: { sensitive: "name" }, kind: { values: { a: { "zh-CN": "甲", en: "A" } } } },
  subject: "name",
});
type F = z.output<typeof Facts.schema>;
const aFact = (over: Partial<F> = {}): F => ({ age: 80, kind: "a", rank: "section", ...over });
const t = (s: string) => ({ "zh-CN": s, en: s });

function thrown(fn: () => unknown): ElderflowError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ElderflowError) return e;
    throw e;
  }
  throw new Error("expected an ElderflowError");
}

function baseJSON(): PolicyJSON {
  return birthdayPolicyBuilder().toJSON();
}

describe("authoring", () => {
  it("rejects a misspelt fact name at compile time", () => {
    definePolicy(Facts, { id: "x", title: t("x") }).version({ version: "1", from: "2000-01-01", params: {} }, (d) =>
      // @ts-expect-error "agee" is not a fact of the schema
      d.rules("first", [d.rule("r", t("r"), d.ge("agee", 1), d.grant(["e"]))]),
    );
    definePolicy(Facts, { id: "x", title: t("x") }).version(
      { version: "1", from: "2000-01-01", params: { min: 1 } },
      (d) =>
        // @ts-expect-error "mni" is not a parameter of the version
        d.rules("first", [d.rule("r", t("r"), d.ge("age", d.param("mni")), d.grant(["e"]))]),
    );
    expect(Facts.facts.has("home.alone")).toBe(true);
  });

  it("composes all / any / not, membership, comparisons, date windows and nested facts", () => {
    const p = definePolicy(Facts, { id: "c", title: t("c") })
      .version({ version: "1", from: "2000-01-01", params: { kinds: ["a"] } }, (d) =>
        d.rules("collect", [
          d.rule("member", t("m"), d.isIn("kind", d.param("kinds")), d.grant(["m"])),
          d.rule("window", t("w"), d.between("joined", d.asOf("yearStart"), d.asOf("date")), d.grant(["w"])),
          d.rule("nested", t("n"), d.all(d.eq("home.alone", true), d.not(d.lt("age", 70))), d.grant(["n"])),
          d.rule("either", t("e"), d.any(d.eq("kind", "b"), d.gt("age", 90)), d.grant(["e"])),
        ]),
      )
      .build();
    const d = p.decide(aFact({ joined: "2027-02-01", home: { alone: true }, age: 95 }), "2027-03-01");
    expect(d.entitlements).toEqual(["m", "w", "n", "e"]);
    expect(p.decide(aFact({ joined: "2026-12-31", kind: "b", age: 60 }), "2027-03-01").entitlements).toEqual(["e"]);
    expect(p.decide(aFact({ joined: "2027-03-02" }), "2027-03-01").rules).toEqual(["member"]);
  });

  it("compares ranks through the policy's rank scale, not string order", () => {
    const scale = createRankScale([
      { id: "z_low", zh: "低", en: "low" },
      { id: "a_high", zh: "高", en: "high" },
    ]);
    const p = definePolicy(Facts, { id: "r", title: t("r") })
      .version({ version: "1", from: "2000-01-01", params: {} }, (d) =>
        d.rules("first", [d.rule("hi", t("hi"), d.rankAtLeast("rank", "a_high"), d.grant(["hi"]))]),
      )
      .build({ scale });
    expect(p.matches(aFact({ rank: "a_high" }), "2027-01-01")).toBe(true);
    expect(p.matches(aFact({ rank: "z_low" }), "2027-01-01")).toBe(false);
    expect(p.matches(aFact({ rank: "unknown" }), "2027-01-01")).toBe(false);
  });
});

describe("hit policies", () => {
  const build = (hit: "first" | "unique" | "collect" | "priority") =>
    definePolicy(Facts, { id: `h-${hit}`, title: t("h") })
      .version({ version: "1", from: "2000-01-01", params: {} }, (d) =>
        d.table(
          hit,
          [{ id: "age", label: t("age"), expr: "age" }],
          [
            {
              id: "old",
              label: t("old"),
              cells: [d.cell("ge", 80)],
              outcome: d.grant(["old"], { band: "80+" }),
              priority: 1,
            },
            {
              id: "older",
              label: t("older"),
              cells: [d.cell("ge", 90)],
              outcome: d.grant(["older"], { band: "90+" }),
              priority: 5,
            },
            { id: "any", label: t("any"), cells: [null], outcome: d.grant([], { band: "all" }) },
          ],
        ),
      )
      .build();

  it("first takes the first matching row", () => {
    expect(build("first").decide(aFact({ age: 95 }), "2027-01-01").rules).toEqual(["old"]);
  });
  it("priority takes the highest priority among the matches", () => {
    const d = build("priority").decide(aFact({ age: 95 }), "2027-01-01");
    expect(d.rules).toEqual(["older"]);
    expect(d.values.band).toBe("90+");
  });
  it("collect takes every match in order, the earliest value of a name winning", () => {
    const d = build("collect").decide(aFact({ age: 95 }), "2027-01-01");
    expect(d.rules).toEqual(["old", "older", "any"]);
    expect(d.entitlements).toEqual(["old", "older"]);
    expect(d.values.band).toBe("80+");
  });
  it("unique fails with MULTIPLE_HITS naming the rows, in decide, explain and evaluate", () => {
    const p = build("unique");
    const e = thrown(() => p.decide(aFact({ age: 95 }), "2027-01-01"));
    expect(e.code).toBe("MULTIPLE_HITS");
    expect(e.params.rules).toBe("old, older, any");
    expect(e.path).toEqual(["versions", 0, "decision", "rows"]);
    expect(thrown(() => explain(p, aFact({ age: 95 }), "2027-01-01")).code).toBe("MULTIPLE_HITS");
    expect(thrown(() => p.matches(aFact({ age: 95 }), "2027-01-01")).code).toBe("MULTIPLE_HITS");
    const r = p.evaluate(aFact({ age: 95 }), "2027-01-01");
    expect(r.ok ? "ok" : r.error.code).toBe("MULTIPLE_HITS");
    expect(p.decide(aFact({ age: 50 }), "2027-01-01").rules).toEqual(["any"]);
  });
});

describe("effective dates", () => {
  const policy = birthdayPolicyBuilder({ version: "2009", from: "2009-01-01" })
    .version(
      {
        version: "2030",
        from: "2030-01-01",
        params: { from: { value: 80, changes: [{ from: "2035-01-01", value: 75 }] } },
      },
      (d) => d.rules("first", [d.rule("all", t("all"), d.ge("age", d.param("from")), d.grant(["birthday_visit"]))]),
    )
    .toJSON();
  const multi = createPolicy<BirthdayFacts>(
    { ...policy, versions: [{ ...policy.versions[0], to: "2029-12-31" }, policy.versions[1]] },
    BirthdayFactSet,
  );
  const tuixiu77: BirthdayFacts = { retirementKind: "tuixiu", rank: "section", age: 77 };

  it("evaluates as of a date: the version and the parameter values in effect then", () => {
    expect(multi.decide(tuixiu77, "2029-12-31").version).toBe("2009");
    expect(multi.decide(tuixiu77, "2029-12-31").granted).toBe(false);
    expect(multi.decide(tuixiu77, "2030-01-01").version).toBe("2030");
    expect(multi.decide(tuixiu77, "2034-12-31").granted).toBe(false);
    expect(multi.decide(tuixiu77, "2035-01-01").granted).toBe(true);
    expect(multi.matches(tuixiu77, "2034-12-31")).toBe(false);
    expect(multi.matches(tuixiu77, "2035-01-01")).toBe(true);
    expect(multi.matches(tuixiu77, "2029-06-01")).toBe(false);
    expect(multi.paramsOn("2036-01-01").from).toBe(75);
  });
  it("evaluates a named version as if in effect", () => {
    expect(multi.decide(tuixiu77, "2020-01-01", { version: "2030" }).version).toBe("2030");
    expect(thrown(() => multi.decide(tuixiu77, "2020-01-01", { version: "1999" })).code).toBe("NOT_FOUND");
  });
  it("rejects overlapping versions and out-of-order parameter changes, naming the place", () => {
    const e = thrown(() => createPolicy(policy, BirthdayFactSet));
    expect(e.code).toBe("OVERLAPPING_PERIODS");
    expect(e.path).toEqual(["versions", 1, "from"]);
    const bad = structuredClone(policy) as unknown as {
      versions: { params: Record<string, { changes?: unknown[] }> }[];
    };
    (bad.versions[1] as { params: Record<string, { changes?: unknown[] }> }).params.from = {
      value: 80,
      changes: [
        { from: "2035-01-01", value: 75 },
        { from: "2034-01-01", value: 70 },
      ],
    } as never;
    const e2 = thrown(() =>
      createPolicy(
        { ...bad, versions: [{ ...policy.versions[0], to: "2029-12-31" }, bad.versions[1]] },
        BirthdayFactSet,
      ),
    );
    expect(e2.code).toBe("OVERLAPPING_PERIODS");
    expect(e2.path).toEqual(["versions", 1, "params", "from", "changes", 1, "from"]);
  });
  it("refuses dates outside every version", () => {
    expect(thrown(() => multi.decide(tuixiu77, "2008-12-31")).code).toBe("POLICY_NOT_EFFECTIVE");
    expect(thrown(() => multi.decide(tuixiu77, "2027-02-30")).code).toBe("INVALID_DATE");
  });
});

describe("rules as data", () => {
  it("round-trips through JSON with the same decisions", () => {
    const p = birthdayPolicy();
    const again = loadPolicy<BirthdayFacts>(serializePolicy(p));
    expect(again.toJSON()).toEqual(p.toJSON());
    const f: BirthdayFacts = { retirementKind: "lixiu", rank: "county", age: 70 };
    expect(again.decide(f, "2027-01-01")).toEqual(p.decide(f, "2027-01-01"));
  });
  it("fails to load unknown facts, unknown operators and unknown ranks with typed errors and paths", () => {
    const json = baseJSON() as unknown as { versions: { decision: { rules: { when: { all: unknown[] } }[] } }[] };
    const withFact = structuredClone(json);
    (withFact.versions[0]?.decision.rules[0]?.when.all as unknown[])[2] = {
      op: "ge",
      args: [{ fact: "agee" }, { value: 70 }],
    };
    const e1 = thrown(() => loadPolicy(withFact));
    expect(e1.code).toBe("UNKNOWN_FACT");
    expect(e1.path).toEqual(["versions", 0, "decision", "rules", 0, "when", "all", 2, "args", 0, "fact"]);
    expect(e1.params.fact).toBe("agee");
    const withOp = structuredClone(json);
    (withOp.versions[0]?.decision.rules[0]?.when.all as unknown[])[0] = {
      op: "regex",
      args: [{ fact: "rank" }, { value: "x" }],
    };
    const e2 = thrown(() => loadPolicy(withOp));
    expect(e2.code).toBe("UNKNOWN_OPERATOR");
    expect(e2.path).toEqual(["versions", 0, "decision", "rules", 0, "when", "all", 0, "op"]);
    const withOperand = structuredClone(json);
    (withOperand.versions[0]?.decision.rules[0]?.when.all as unknown[])[0] = {
      op: "eq",
      args: [{ script: "1" }, { value: 1 }],
    };
    expect(thrown(() => loadPolicy(withOperand)).code).toBe("UNKNOWN_OPERATOR");
    const withRank = structuredClone(json);
    (withRank.versions[0]?.decision.rules[0]?.when.all as unknown[])[1] = {
      op: "rankAtLeast",
      args: [{ fact: "rank" }, { value: "general" }],
    };
    expect(thrown(() => loadPolicy(withRank)).code).toBe("UNKNOWN_RANK");
  });
  it("collects every issue, and rejects unknown fact sets, bad JSON and bad dates", () => {
    const json = structuredClone(baseJSON()) as unknown as Record<string, unknown> & {
      versions: Record<string, unknown>[];
    };
    (json.versions[0] as Record<string, unknown>).from = "2009-02-30";
    (json.versions[0] as Record<string, unknown>).version = "bad id!";
    const e = thrown(() => loadPolicy(json));
    expect(e.issues.map((i) => i.code).sort()).toEqual(["INVALID_DATE", "INVALID_POLICY"]);
    expect(thrown(() => loadPolicy({ ...json, facts: "nope" })).path).toEqual(["facts"]);
    expect(thrown(() => loadPolicy("{ not json")).code).toBe("INVALID_JSON");
    expect(thrown(() => loadPolicy({ ...baseJSON(), versions: [] })).code).toBe("INVALID_POLICY");
  });
  it("never repeats a value from the input in an error: ranks, fields, facts, versions and JSON text", () => {
    const words = (e: ElderflowError) => `${e.message}\n${e.messageIn("zh-CN")}\n${JSON.stringify(e.toJSON())}`;
    const leaks = (e: ElderflowError) => containsPersonalData(words(e)) || words(e).includes("林芳丽");
    const json = structuredClone(baseJSON()) as unknown as {
      versions: { decision: { rules: { when: { all: unknown[] } }[] } }[];
    };
    const rules = json.versions[0]?.decision.rules[0]?.when.all as unknown[];
    rules[1] = { op: "rankAtLeast", args: [{ fact: "rank" }, { value: "11010519491231002X" }] };
    rules[0] = { op: "eq", args: [{ fact: "林芳丽", "phone 13800138000": 1 }, { value: 1 }] };
    const e = thrown(() => loadPolicy(json));
    expect(e.issues.map((i) => i.code).sort()).toEqual(["UNKNOWN_FACT", "UNKNOWN_FIELD", "UNKNOWN_RANK"]);
    expect(leaks(e)).toBe(false);
    // An identifier-shaped name is still named, to help the author.
    rules[0] = { op: "eq", args: [{ fact: "agee" }, { value: 1 }] };
    rules[1] = { op: "rankAtLeast", args: [{ fact: "rank" }, { value: "general" }] };
    const named = thrown(() => loadPolicy(json));
    expect(named.issues.map((i) => i.params)).toEqual([{ fact: "agee" }, { rank: "general" }]);
    // The hospital preset refuses a rank off the scale without repeating it.
    const h = thrown(() => hospitalVisitors({ rank: "林芳丽13800138000" }, "2027-01-01"));
    expect([h.code, leaks(h)]).toEqual(["UNKNOWN_RANK", false]);
    // JSON text: line and column, never the text; a BOM is fine.
    const bad = thrown(() => loadPolicy('{\n  "name": 林芳丽 13800138000\n}'));
    expect([bad.code, bad.params, leaks(bad)]).toEqual(["INVALID_JSON", { line: 2, column: 11 }, false]);
    expect(loadPolicy(`\uFEFF${serializePolicy(birthdayPolicy())}`).id).toBe("birthday");
    // YAML case files: where, never the line.
    const y = thrown(() => parsePolicyCases("policy: birthday\ncases: [ { name: 林芳丽 13800138000\n"));
    expect([y.code, leaks(y)]).toEqual(["INVALID_INPUT", false]);
  });
  it("gives a birth date after the decision date no age (never a negative one), in both evaluators alike", () => {
    const p = definePolicy(Facts, { id: "born", title: { "zh-CN": "出生", en: "Born" } })
      .version({ version: "1", from: "2000-01-01", params: {} }, (d) =>
        d.rules("first", [d.rule("r1", { "zh-CN": "已出生", en: "born" }, d.ge(d.age("joined"), 0), d.grant([]))]),
      )
      .build();
    const facts = aFact({ joined: "2030-01-01" });
    expect(p.decide(facts, "2027-01-01").granted).toBe(false);
    expect(explain(p, facts, "2027-01-01").decision.granted).toBe(false);
    expect(p.decide(aFact({ joined: "2020-01-01" }), "2027-01-01").granted).toBe(true);
  });
  it("rejects facts that fail the schema with a typed error naming the field, never throwing", () => {
    const r = birthdayPolicy().evaluate({ retirementKind: "lixiu", rank: "county", age: "75" }, "2027-01-01");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("INVALID_TYPE");
      expect(r.error.path).toEqual(["facts", "age"]);
    }
  });
  it("prints readable zh-CN and en text with parameters and rules", () => {
    const zh = renderPolicy(birthdayPolicy(), "zh-CN");
    expect(zh).toContain("逢五排十祝寿（birthday）");
    expect(zh).toContain("职级不低于70岁组最低职级（副县级）");
    const en = renderPolicy(birthdayPolicy(), "en");
    expect(en).toContain("Hit policy: first matching rule (first)");
    expect(en).toContain("age ≥ first age of the 70 group (70)");
  });
});

describe("explanations", () => {
  it("renders the report's sentence in zh-CN and en with the name masked", () => {
    const e = explain(
      birthdayPolicy(),
      { name: "张小三", retirementKind: "lixiu", rank: "deputy_county", age: 75 },
      "2027-05-01",
    );
    expect(e.sentence["zh-CN"]).toBe("张*三: 离休、副县级、2027年满75周岁，符合逢五排十祝寿条件");
    expect(e.sentence.en).toBe("张*三: eligible: lixiu, deputy-county, turns 75 in 2027");
    expect(e.rules[0]?.decisive).toBe(true);
    expect(e.rules[0]?.reads.map((r) => r.fact)).toEqual(["retirementKind", "rank", "age"]);
    expect(JSON.stringify(e)).not.toContain("张小三");
  });
  it("masks health facts in traces and never shows a birth date", () => {
    const facts = { name: "王小五", birthDate: "1940-05-01", health: { chronicConditions: 3, mobilityLimited: true } };
    const e = explain(priorityTargetPolicy(), facts, "2027-01-01");
    const text = JSON.stringify(e);
    expect(text).not.toContain("王小五");
    expect(text).not.toContain("1940-05-01");
    expect(e.reads.find((r) => r.fact === "health.chronicConditions")?.value).toBe("***");
    expect(e.decision.entitlements).toContain("priority:multi_illness");
  });
  it("agrees with the compiled decision", () => {
    const p = birthdayPolicy();
    for (const age of [69, 70, 75, 79, 80, 81, 85]) {
      for (const rank of ["section", "deputy_county", "ministry"]) {
        for (const retirementKind of ["lixiu", "tuixiu"] as const) {
          const f = { retirementKind, rank, age };
          expect(explain(p, f, "2027-01-01").decision).toEqual(p.decide(f, "2027-01-01"));
        }
      }
    }
  });
});

describe("bulk and impact", () => {
  const population: BirthdayFacts[] = [
    { retirementKind: "tuixiu", rank: "section", age: 75 },
    { retirementKind: "tuixiu", rank: "section", age: 80 },
    { retirementKind: "lixiu", rank: "county", age: 70 },
    { retirementKind: "tuixiu", rank: "county", age: 75 },
  ];

  it("streams results and returns bad records as errors without stopping", async () => {
    async function* source() {
      yield population[0];
      yield { retirementKind: "lixiu" };
      yield population[2];
    }
    const out = [];
    for await (const r of evaluateAll(birthdayPolicy(), source(), { on: "2027-01-01" })) out.push(r);
    expect(out.map((r) => r.ok)).toEqual([true, false, true]);
    expect(out[1]?.ok === false && out[1].error.code).toBe("REQUIRED");
    expect(out[1]?.ok === false && out[1].error.path[0]).toBe(1);
    expect(out[2]?.ok === true && out[2].decision.granted).toBe(true);
  });

  it("attaches explanations only when asked", async () => {
    const out = [];
    for await (const r of evaluateAll(birthdayPolicy(), population, {
      on: "2027-01-01",
      explain: true,
      validate: false,
    }))
      out.push(r);
    expect(out.every((r) => r.ok && r.explanation !== undefined)).toBe(true);
  });

  it("compares two versions of one policy, each evaluated as if in effect", async () => {
    const json = birthdayPolicyBuilder()
      .version({ version: "2030", from: "2030-01-01", params: { from: 75 } }, (d) =>
        d.rules("first", [
          d.rule(
            "all",
            t("all"),
            d.all(d.ge("age", d.param("from")), d.multipleOf("age", 5)),
            d.grant(["birthday_visit"]),
          ),
        ]),
      )
      .toJSON();
    const policy = createPolicy<BirthdayFacts>(
      { ...json, versions: [{ ...json.versions[0], to: "2029-12-31" }, json.versions[1]] },
      BirthdayFactSet,
    );
    const report = await analyseImpact(population, {
      on: "2027-01-01",
      before: { policy, version: "2009" },
      after: { policy, version: "2030" },
      idOf: (_f, i) => `p${i}`,
    });
    expect(report.before.version).toBe("2009");
    expect(report.after.version).toBe("2030");
    expect(report.gains.map((g) => g.id)).toEqual(["p0", "p3"]);
    expect(report.losses.map((g) => g.id)).toEqual(["p2"]);
  });

  it("lists who gains and who loses between two versions, with counts", async () => {
    const report = await analyseImpact(population, {
      on: "2027-01-01",
      before: { policy: birthdayPolicy() },
      after: { policy: birthdayPolicy({ ordinaryFromAge: 75, seniorFromAge: 80 }) },
      idOf: (_f, i) => `p${i}`,
    });
    expect(report.total).toBe(4);
    expect(report.gains.map((g) => g.id)).toEqual(["p0", "p3"]);
    expect(report.losses.map((g) => g.id)).toEqual(["p2"]);
    expect([report.gained, report.lost, report.unchanged]).toEqual([2, 1, 1]);
    expect(report.byEntitlement.birthday_visit).toEqual({ before: 2, after: 3 });
  });
});

describe("presets agree with core", () => {
  it("priority-target decides exactly core's priorityFlags for every person of a synthetic district", () => {
    const policy = priorityTargetPolicy();
    const district = generateDistrict({ seed: 7 });
    let flagged = 0;
    for (const person of district.persons) {
      const flags = priorityFlags(person, "2027-01-01");
      const expected = [
        flags.advancedAge ? "priority:advanced_age" : "",
        flags.emptyNest ? "priority:empty_nest" : "",
        flags.multiIllness ? "priority:multi_illness" : "",
        flags.mobilityLimited ? "priority:mobility_limited" : "",
      ].filter((x) => x !== "");
      if (expected.length > 0) flagged++;
      expect(policy.decide(person, "2027-01-01").entitlements).toEqual(expected);
    }
    expect(flagged).toBeGreaterThan(100);
  });
});
