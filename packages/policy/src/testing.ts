import { ElderflowError, fromZodError, IsoDateSchema, isElderflowError } from "@elderflow/core";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Explanation, explain } from "./explain";
import type { Decision, Policy } from "./policy";

const ScalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One test case as data: facts, a date, and the expected outcome. */
export const PolicyCase = z.strictObject({
  /** What the case shows. */
  name: z.string().min(1).max(300),
  /** The report sentence (or the part of it) the case checks. */
  cites: z.string().max(500).optional(),
  /** The as-of date. */
  on: IsoDateSchema,
  /** A version to evaluate as if in effect (default: the one in effect on `on`). */
  version: z.string().optional(),
  /** The facts. */
  facts: z.record(z.string(), z.unknown()),
  /** What is expected; only the fields given are checked. */
  expect: z.strictObject({
    /** Whether any rule matches. */
    granted: z.boolean().optional(),
    /** Exactly these entitlements (in any order). */
    entitlements: z.array(z.string()).optional(),
    /** Exactly these deciding rules, in order. */
    rules: z.array(z.string()).optional(),
    /** These output values (others are not checked). */
    values: z.record(z.string(), z.union([ScalarSchema, z.array(ScalarSchema)])).optional(),
    /** The explanation sentence, per language given. */
    sentence: z.strictObject({ "zh-CN": z.string().optional(), en: z.string().optional() }).optional(),
    /** An error code instead of a decision (e.g. MULTIPLE_HITS, POLICY_NOT_EFFECTIVE, REQUIRED). */
    error: z.string().optional(),
  }),
});
/** One test case as data. */
export type PolicyCase = z.output<typeof PolicyCase>;

/** A file of cases for one policy, kept next to it (`<policy>.cases.yaml`). */
export const PolicyCaseFile = z.strictObject({
  /** The policy id the cases are for. */
  policy: z.string().min(1),
  /** The source document and sentence the policy implements. */
  source: z.string().max(1000).optional(),
  /** The cases. */
  cases: z.array(PolicyCase).min(1),
});
/** A file of cases for one policy. */
export type PolicyCaseFile = z.output<typeof PolicyCaseFile>;

/**
 * Parses a case file (YAML or JSON text), or throws an `ElderflowError` naming the bad field.
 *
 * @example
 * ```ts
 * const file = parsePolicyCases("policy: stars\ncases:\n  - name: none\n    on: 2027-01-01\n    facts: { verifiedMinutes: 0 }\n    expect: { granted: false }\n");
 * ```
 */
export function parsePolicyCases(text: string): PolicyCaseFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    // The YAML parser's message quotes the offending line; say only where it is.
    const pos = (e as { linePos?: readonly { line: number; col: number }[] }).linePos?.[0];
    const where = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`;
    throw new ElderflowError("INVALID_INPUT", { params: { detail: `the YAML could not be read${where}` }, cause: e });
  }
  const r = PolicyCaseFile.safeParse(data);
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

/** The outcome of one case. */
export interface PolicyCaseResult {
  /** The case's name. */
  readonly name: string;
  /** The sentence it cites. */
  readonly cites?: string;
  /** Whether every expectation held. */
  readonly passed: boolean;
  /** What differed: `field: expected X, got Y`. */
  readonly failures: readonly string[];
  /** The decision, when there was one. */
  readonly decision?: Decision;
  /** The explanation (trace), when there was a decision. */
  readonly explanation?: Explanation;
  /** The error code, when evaluation failed. */
  readonly error?: string;
}

const show = (v: unknown) => JSON.stringify(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Runs a case file against a policy: each case's facts are parsed with the policy's fact set,
 * decided by the compiled evaluator and explained by the tracing interpreter; both must agree with
 * the expectation (and with each other).
 *
 * @example
 * ```ts
 * const results = runPolicyCases(parsePolicyCases(text), birthdayPolicy());
 * results.every((r) => r.passed);
 * ```
 */
export function runPolicyCases(file: PolicyCaseFile, policy: Policy): PolicyCaseResult[] {
  return file.cases.map((c) => {
    const failures: string[] = [];
    const base = { name: c.name, ...(c.cites === undefined ? {} : { cites: c.cites }) };
    const options = c.version === undefined ? {} : { version: c.version };
    const evaluated = policy.evaluate(c.facts, c.on, options);
    if (!evaluated.ok) {
      const code = evaluated.error.code;
      if (c.expect.error !== code) failures.push(`error: expected ${c.expect.error ?? "none"}, got ${code}`);
      return { ...base, passed: failures.length === 0, failures, error: code };
    }
    const decision = evaluated.value;
    let explanation: Explanation | undefined;
    try {
      const parsed = policy.facts.parse(c.facts);
      explanation = explain(policy, parsed.ok ? parsed.value : c.facts, c.on, options);
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      failures.push(`explain: ${e.code}`);
    }
    const e = c.expect;
    if (e.error !== undefined) failures.push(`error: expected ${e.error}, got a decision`);
    if (e.granted !== undefined && e.granted !== decision.granted)
      failures.push(`granted: expected ${e.granted}, got ${decision.granted}`);
    if (e.entitlements !== undefined && !same([...e.entitlements].sort(), [...decision.entitlements].sort()))
      failures.push(`entitlements: expected ${show(e.entitlements)}, got ${show(decision.entitlements)}`);
    if (e.rules !== undefined && !same(e.rules, decision.rules))
      failures.push(`rules: expected ${show(e.rules)}, got ${show(decision.rules)}`);
    for (const [k, v] of Object.entries(e.values ?? {}))
      if (!same(v, decision.values[k]))
        failures.push(`values.${k}: expected ${show(v)}, got ${show(decision.values[k])}`);
    if (explanation) {
      if (!same(explanation.decision, decision))
        failures.push("trace: the explanation disagrees with the compiled decision");
      for (const lang of ["zh-CN", "en"] as const) {
        const want = e.sentence?.[lang];
        if (want !== undefined && want !== explanation.sentence[lang])
          failures.push(`sentence.${lang}: expected ${show(want)}, got ${show(explanation.sentence[lang])}`);
      }
    }
    return {
      ...base,
      passed: failures.length === 0,
      failures,
      decision,
      ...(explanation ? { explanation } : {}),
    };
  });
}
