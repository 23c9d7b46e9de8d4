import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { explain } from "./explain";
import { defineFacts } from "./facts";
import { loadPolicy, serializePolicy } from "./load";
import {
  type AsOfPart,
  type Condition,
  type HitPolicy,
  OPERATORS,
  type Operand,
  type Operator,
  POLICY_FORMAT,
  type PolicyJSON,
  type Rule,
  type Value,
} from "./model";
import { createPolicy, type Policy } from "./policy";

const Facts = defineFacts({
  id: "prop",
  schema: z.object({
    age: z.number(),
    kind: z.string(),
    rank: z.string(),
    joined: z.string().optional(),
    flag: z.boolean().optional(),
    home: z.object({ alone: z.boolean().optional(), size: z.number().optional() }).optional(),
  }),
});
const FACT_PATHS = ["age", "kind", "rank", "joined", "flag", "home", "home.alone", "home.size"];
const PARAMS = ["p0", "p1", "p2"];
const RANKS = ["clerk", "section", "deputy_county", "county", "ministry"];
const STRINGS = ["a", "b", "lixiu", ...RANKS, "2027-01-01", "1950-02-28", "2000-02-29", ""];

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -3, max: 110 }),
  fc.constantFrom(0.5, -0, 5, 10, 70, 80),
  fc.constantFrom(...STRINGS),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 10 }) as fc.Arbitrary<Value> },
);

const operand: fc.Arbitrary<Operand> = fc.letrec<{ o: Operand }>((tie) => ({
  o: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...FACT_PATHS).map((fact) => ({ fact })),
    value.map((v) => ({ value: v })),
    fc.constantFrom(...PARAMS).map((param) => ({ param })),
    fc.constantFrom("joined", "kind").map((age) => ({ age })),
    fc
      .constantFrom<AsOfPart>("date", "year", "month", "day", "yearStart", "yearEnd", "rollingYearStart")
      .map((asOf) => ({ asOf })),
    fc
      .tuple(fc.constantFrom("add", "sub", "mul", "div", "mod", "min", "max" as const), tie("o"), tie("o"))
      .map(([arith, a, b]) => ({ arith, args: [a, b] as [Operand, Operand] })),
    tie("o").map((floor) => ({ floor })),
  ),
})).o;

const rankOperand: fc.Arbitrary<Operand> = fc.oneof(
  fc.constantFrom(...RANKS).map((v) => ({ value: v })),
  fc.constantFrom("rank", "kind").map((fact) => ({ fact })),
);

const leaf: fc.Arbitrary<Condition> = fc
  .constantFrom(...(Object.keys(OPERATORS) as Operator[]))
  .chain(
    (op): fc.Arbitrary<Condition> =>
      op === "rankAtLeast" || op === "rankBelow"
        ? fc.tuple(operand, rankOperand).map(([a, b]): Condition => ({ op, args: [a, b] }))
        : fc
            .array(operand, { minLength: OPERATORS[op], maxLength: OPERATORS[op] })
            .map((args): Condition => ({ op, args })),
  );

const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("c"), { maxLength: 4 }).map((all) => ({ all })),
    fc.array(tie("c"), { maxLength: 4 }).map((any) => ({ any })),
    tie("c").map((not) => ({ not })),
  ),
})).c;

const rule = (i: number): fc.Arbitrary<Rule> =>
  fc
    .record({
      when: condition,
      entitlements: fc.subarray(["e1", "e2", "e3"]),
      values: fc.option(fc.dictionary(fc.constantFrom("x", "y"), operand, { maxKeys: 2 }), { nil: undefined }),
      priority: fc.option(fc.integer({ min: -2, max: 2 }), { nil: undefined }),
    })
    .map((r) => ({
      id: `r${i}`,
      label: { "zh-CN": `规则${i}`, en: `rule ${i}` },
      when: r.when,
      outcome: { entitlements: r.entitlements, ...(r.values === undefined ? {} : { values: r.values }) },
      ...(r.priority === undefined ? {} : { priority: r.priority }),
    }));

const policyArb: fc.Arbitrary<PolicyJSON> = fc
  .record({
    hit: fc.constantFrom<HitPolicy>("first", "unique", "collect", "priority"),
    count: fc.integer({ min: 1, max: 4 }),
    params: fc.tuple(value, value, value),
    change: fc.option(value, { nil: undefined }),
    otherwise: fc.option(operand, { nil: undefined }),
  })
  .chain(({ hit, count, params, change, otherwise }) =>
    fc.tuple(...Array.from({ length: count }, (_, i) => rule(i))).map(
      (rules): PolicyJSON => ({
        format: POLICY_FORMAT,
        id: "prop",
        title: { "zh-CN": "性质", en: "property" },
        facts: "prop",
        versions: [
          {
            version: "1",
            from: "2000-01-01",
            to: "2029-12-31",
            params: Object.fromEntries(
              PARAMS.map((p, i) => [
                p,
                {
                  value: params[i] as Value,
                  ...(i === 0 && change !== undefined ? { changes: [{ from: "2027-06-01", value: change }] } : {}),
                },
              ]),
            ),
            decision: {
              kind: "rules",
              hit,
              rules,
              ...(otherwise === undefined ? {} : { otherwise: { values: { x: otherwise } } }),
            },
          },
          {
            version: "2",
            from: "2030-01-01",
            params: Object.fromEntries(PARAMS.map((p, i) => [p, { value: params[(i + 1) % 3] as Value }])),
            decision: { kind: "rules", hit, rules: [...rules].reverse() },
          },
        ],
      }),
    ),
  );

const anything: fc.Arbitrary<unknown> = fc.oneof(scalar, fc.constant(undefined), fc.array(scalar, { maxLength: 3 }));
const factsArb = fc.record(
  {
    age: fc.oneof(fc.integer({ min: 60, max: 105 }), anything),
    kind: fc.oneof(fc.constantFrom(...STRINGS), anything),
    rank: fc.oneof(fc.constantFrom(...RANKS), anything),
    joined: fc.oneof(fc.constantFrom("1950-02-28", "2000-02-29", "2027-03-01", "2027-13-01"), anything),
    flag: anything,
    home: fc.oneof(fc.record({ alone: anything, size: anything }, { requiredKeys: [] }), anything),
  },
  { requiredKeys: [] },
);
const dateArb = fc.constantFrom(
  "2001-02-28",
  "2027-05-31",
  "2027-06-01",
  "2028-02-29",
  "2029-12-31",
  "2030-01-01",
  "2040-07-01",
);

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };
function attempt(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") throw e;
    return { ok: false, code };
  }
}

function build(json: PolicyJSON): Policy | string {
  const r = attempt(() => createPolicy(json, Facts));
  return r.ok ? (r.value as Policy) : r.code;
}

describe("policies as data (property)", () => {
  it("serialising and loading any generated policy gives the same decisions on any generated facts", () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.tuple(factsArb, dateArb), { minLength: 1, maxLength: 8 }), (json, cases) => {
        const original = build(json);
        const loaded = attempt(() => loadPolicy(JSON.parse(JSON.stringify(json)), [Facts]));
        if (typeof original === "string") {
          // Invalid either way, with the same code.
          expect(loaded.ok ? "loaded" : loaded.code).toBe(original);
          return;
        }
        const again = loadPolicy(serializePolicy(original), [Facts]);
        for (const [facts, on] of cases) {
          const a = attempt(() => original.decide(facts, on));
          const b = attempt(() => again.decide(facts, on));
          expect(b).toEqual(a);
          // The compiled evaluator and the tracing interpreter decide alike.
          const traced = attempt(() => explain(original, facts, on).decision);
          expect(JSON.stringify(traced)).toEqual(JSON.stringify(a));
          const m = attempt(() => original.matches(facts, on));
          expect(m.ok ? m.value : m.code).toEqual(a.ok ? (a.value as { granted: boolean }).granted : a.code);
          const ev = attempt(() => again.evaluator(on)(facts));
          expect(ev.ok ? ev.value : ev.code).toEqual(a.ok ? (a.value as { granted: boolean }).granted : a.code);
          // A named version evaluated as if in effect decides as the loaded copy and the interpreter do.
          for (const version of ["1", "2"]) {
            const x = attempt(() => original.decide(facts, on, { version }));
            expect(attempt(() => again.decide(facts, on, { version }))).toEqual(x);
            expect(JSON.stringify(attempt(() => explain(original, facts, on, { version }).decision))).toEqual(
              JSON.stringify(x),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("policies as data (regressions found by the property)", () => {
  it("compiles notIn an empty list as always true, like the interpreter (seed 341400721)", () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.tuple(factsArb, dateArb), { minLength: 1, maxLength: 8 }), (json, cases) => {
        const original = build(json);
        if (typeof original === "string") return;
        for (const [facts, on] of cases) {
          const a = attempt(() => original.decide(facts, on));
          expect(JSON.stringify(attempt(() => explain(original, facts, on).decision))).toEqual(JSON.stringify(a));
        }
      }),
      { numRuns: 100, seed: 341400721, path: "77:13:1:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2", endOnFailure: true },
    );
  });
});
