import { ElderflowError, type IsoDate, type Lang, maskIdNumber, maskName, maskPhone } from "@elderflow/core";
import type { FactInfo } from "./facts";
import type { Condition, Operand, Text, Value } from "./model";
import type { DecideOptions, Decision, Policy } from "./policy";
import { factLabel, hintOf, type RenderContext, renderCondition, renderOperand, renderValue } from "./render";
import * as S from "./semantics";
import { policyText } from "./texts";

/** One fact the evaluation read, with its value masked if the fact is personal data. */
export interface FactRead {
  /** Fact path. */
  readonly fact: string;
  /** The value as read (masked for sensitive facts). */
  readonly value: unknown;
}

/** The trace of one condition: what it says with the values read, and whether it held. */
export interface ConditionTrace {
  /** The condition with its values, in each language. */
  readonly text: Text;
  /** Whether it held. */
  readonly result: boolean;
  /** For a combination: which one. */
  readonly kind?: "all" | "any" | "not";
  /** Traces of the parts of an all / any / not. */
  readonly children?: readonly ConditionTrace[];
  /** Facts a comparison read (leaves only), masked. */
  readonly reads?: readonly FactRead[];
}

/** The trace of one rule. */
export interface RuleTrace {
  /** Rule id. */
  readonly id: string;
  /** What the rule means. */
  readonly label: Text;
  /** Whether its condition held. */
  readonly matched: boolean;
  /** Whether it is among the deciding rules (by the hit policy). */
  readonly decisive: boolean;
  /** The condition's trace. */
  readonly condition: ConditionTrace;
  /** Facts the rule read, in order, masked. */
  readonly reads: readonly FactRead[];
}

/** A decision with everything that led to it. */
export interface Explanation {
  /** The decision (the same as the compiled evaluator's). */
  readonly decision: Decision;
  /** Parameter values of the version on the date. */
  readonly params: Readonly<Record<string, Value>>;
  /** Every rule, matched or not. */
  readonly rules: readonly RuleTrace[];
  /** Every fact read by any rule, masked. */
  readonly reads: readonly FactRead[];
  /** The decision in one sentence, zh-CN and en, personal data masked. */
  readonly sentence: Text;
}

/** Reads of an age computed from a date fact are recorded as `age:<path>`. */
const AGE_PREFIX = "age:";

function mask(info: FactInfo | undefined, v: unknown): unknown {
  if (info?.sensitive === undefined || v === undefined || v === null) return v;
  const s = String(v);
  switch (info.sensitive) {
    case "name":
      return maskName(s);
    case "idNumber":
      return maskIdNumber(s);
    case "phone":
      return maskPhone(s);
    default:
      return "***";
  }
}

interface Env {
  readonly policy: Policy;
  readonly params: Readonly<Record<string, Value>>;
  readonly ranks: ReadonlyMap<string, number>;
  readonly facts: unknown;
  readonly on: IsoDate;
  reads: FactRead[];
}

interface Evaluated {
  readonly value: unknown;
  /** Display value (masked when derived from personal data). */
  readonly shown: unknown;
  readonly sensitive: boolean;
}

function evalOperand(o: Operand, env: Env): Evaluated {
  if ("fact" in o) {
    const info = env.policy.facts.facts.get(o.fact);
    const value = S.readPath(env.facts, o.fact.split("."));
    const shown = mask(info, value);
    if (!env.reads.some((r) => r.fact === o.fact)) env.reads.push({ fact: o.fact, value: shown });
    return { value, shown, sensitive: info?.sensitive !== undefined };
  }
  if ("value" in o) return { value: o.value, shown: o.value, sensitive: false };
  if ("param" in o) {
    const v = env.params[o.param] ?? null;
    return { value: v, shown: v, sensitive: false };
  }
  if ("age" in o) {
    // The age is read, not the birth date: an age in years is shown, the date itself is not.
    const value = S.age(S.readPath(env.facts, o.age.split(".")), env.on, env.policy.age);
    const fact = `${AGE_PREFIX}${o.age}`;
    if (!env.reads.some((r) => r.fact === fact)) env.reads.push({ fact, value });
    return { value, shown: value, sensitive: false };
  }
  if ("asOf" in o) {
    const v = S.asOf(env.on, o.asOf);
    return { value: v, shown: v, sensitive: false };
  }
  if ("arith" in o) {
    const a = evalOperand(o.args[0], env);
    const b = evalOperand(o.args[1], env);
    const value = S.arith(o.arith, a.value, b.value);
    const sensitive = a.sensitive || b.sensitive;
    return { value, shown: sensitive ? "***" : value, sensitive };
  }
  const a = evalOperand(o.floor, env);
  const value = S.floor(a.value);
  return { value, shown: a.sensitive ? "***" : value, sensitive: a.sensitive };
}

function both(f: (lang: Lang) => string): Text {
  return { "zh-CN": f("zh-CN"), en: f("en") };
}

function ctxOf(env: Env, lang: Lang, version: number): RenderContext {
  const v = env.policy.json.versions[version];
  return { lang, facts: env.policy.facts, scale: env.policy.scale, params: v?.params ?? {}, paramValues: env.params };
}

function evalCondition(c: Condition, env: Env, version: number): ConditionTrace {
  if ("all" in c || "any" in c) {
    const list = "all" in c ? c.all : c.any;
    // Every part is evaluated (no short cut) so the trace shows each; the result is the same.
    const children = list.map((x) => evalCondition(x, env, version));
    const result = "all" in c ? children.every((x) => x.result) : children.some((x) => x.result);
    return {
      text: both((lang) => {
        if (children.length === 0) return renderCondition(c, ctxOf(env, lang, version));
        const joined = children.map((x) => x.text[lang]).join(policyText("all" in c ? "and" : "or", lang));
        return children.length === 1 ? joined : lang === "zh-CN" ? `（${joined}）` : `(${joined})`;
      }),
      result,
      kind: "all" in c ? "all" : "any",
      children,
    };
  }
  if ("not" in c) {
    const child = evalCondition(c.not, env, version);
    return {
      text: both((lang) => policyText("not", lang, { a: child.text[lang] })),
      result: !child.result,
      kind: "not",
      children: [child],
    };
  }
  const outer = env.reads;
  env.reads = [];
  const values = c.args.map((a) => evalOperand(a, env));
  const reads = env.reads;
  env.reads = outer;
  for (const r of reads) if (!outer.some((x) => x.fact === r.fact)) outer.push(r);
  const result = S.applyOperator(
    c.op,
    values.map((x) => x.value),
    env.ranks,
  );
  const hint = hintOf(c.args[0], env.policy.facts);
  const text = both((lang) => {
    const ctx = ctxOf(env, lang, version);
    const parts = c.args.map((o, i) => {
      const label = renderOperand(o, ctx, i === 0 ? undefined : hint);
      if ("value" in o || "param" in o) return label;
      const shown = renderValue(values[i]?.shown, ctx, "fact" in o ? env.policy.facts.facts.get(o.fact) : undefined);
      return policyText("read", lang, { label, value: shown });
    });
    return policyText(c.op, lang, { a: parts[0] ?? "", b: parts[1] ?? "", c: parts[2] ?? "" });
  });
  return { text, result, reads };
}

/**
 * The reads that decided a condition's result: for an `all` that held, every part's; for one that
 * failed, only the failing parts'; for an `any` that held, its first part that held (as a
 * short-circuit would), for one that failed, every part's.
 */
function decidingReads(t: ConditionTrace, out: FactRead[]): void {
  for (const r of t.reads ?? []) if (!out.some((x) => x.fact === r.fact)) out.push(r);
  const children = t.children ?? [];
  if (children.length === 0) return;
  const firstHeld = children.find((c) => c.result);
  for (const c of children) {
    const relevant = t.kind === "not" || (t.kind === "all" ? t.result || !c.result : !t.result || c === firstHeld);
    if (relevant) decidingReads(c, out);
  }
}

function renderRead(r: FactRead, env: Env, lang: Lang): string {
  if (r.fact.startsWith(AGE_PREFIX)) return policyText("read.age", lang, { value: String(r.value) });
  const info = env.policy.facts.facts.get(r.fact);
  const ctx = { lang, scale: env.policy.scale };
  const value = renderValue(r.value, ctx, info);
  const template = info?.template?.[lang];
  if (template)
    return template.replaceAll("{value}", value).replaceAll("{year}", env.on.slice(0, 4)).replaceAll("{on}", env.on);
  if (info?.values || info?.rank) return value;
  if (typeof r.value === "boolean")
    return r.value
      ? factLabel(r.fact, { lang, facts: env.policy.facts })
      : `${policyText("not", lang, { a: factLabel(r.fact, { lang, facts: env.policy.facts }) })}`;
  return `${factLabel(r.fact, { lang, facts: env.policy.facts })} ${value}`;
}

/**
 * Explains a decision: evaluates the policy by walking its rule tree (not the compiled code),
 * recording every rule, every condition with the values it read, every fact read (personal data
 * masked), and one sentence in zh-CN and en. The decision equals {@link Policy.decide}'s.
 *
 * @example
 * ```ts
 * const e = explain(birthdayPolicy(), { name: "张小三", retirementKind: "lixiu", rank: "deputy_county", age: 75 }, "2027-05-01");
 * e.sentence["zh-CN"]; // "张*三: 离休、副县级、2027年满75周岁，符合逢五排十祝寿条件"
 * e.sentence.en;       // "张*三: eligible: lixiu, deputy-county, turns 75 in 2027"
 * ```
 */
export function explain<T>(policy: Policy<T>, facts: T, on: IsoDate, options: DecideOptions = {}): Explanation {
  const resolved = policy.resolve(on, options);
  const params = policy.paramsOn(on, options);
  const ranks = new Map(policy.scale.ids.map((id, i) => [id, i]));
  const env: Env = { policy: policy as Policy, params, ranks, facts, on, reads: [] };
  const logic = resolved.logic;
  const traces = logic.rules.map((r) => {
    env.reads = [];
    const condition = evalCondition(r.when, env, resolved.index);
    return { rule: r, condition, reads: env.reads };
  });
  const matched = traces.flatMap((t, i) => (t.condition.result ? [i] : []));
  let decisive: number[];
  switch (logic.hit) {
    case "collect":
      decisive = matched;
      break;
    case "unique":
      if (matched.length > 1)
        throw new ElderflowError("MULTIPLE_HITS", {
          path: ["versions", resolved.index, "decision", resolved.json.decision.kind === "table" ? "rows" : "rules"],
          params: { rules: matched.map((i) => logic.rules[i]?.id ?? String(i)).join(", ") },
        });
      decisive = matched;
      break;
    case "priority": {
      let best = -1;
      for (const i of matched)
        if (best === -1 || (logic.rules[i]?.priority ?? 0) > (logic.rules[best]?.priority ?? 0)) best = i;
      decisive = best === -1 ? [] : [best];
      break;
    }
    default:
      decisive = matched.slice(0, 1);
  }
  const entitlements: string[] = [];
  const values: Record<string, Value> = {};
  const outEnv: Env = { ...env, reads: [] };
  const take = (o: (typeof logic.rules)[number]["outcome"] | undefined) => {
    for (const e of o?.entitlements ?? []) if (!entitlements.includes(e)) entitlements.push(e);
    for (const [k, v] of Object.entries(o?.values ?? {}))
      if (!Object.hasOwn(values, k)) values[k] = S.outputValue(evalOperand(v, outEnv).value);
  };
  if (decisive.length === 0) take(logic.otherwise);
  for (const i of decisive) take(logic.rules[i]?.outcome);
  const decision: Decision = {
    policy: policy.id,
    version: resolved.json.version,
    on,
    granted: decisive.length > 0,
    rules: decisive.map((i) => logic.rules[i]?.id ?? String(i)),
    entitlements,
    values,
  };
  const rules: RuleTrace[] = traces.map((t, i) => ({
    id: t.rule.id,
    label: t.rule.label,
    matched: t.condition.result,
    decisive: decisive.includes(i),
    condition: t.condition,
    reads: t.reads,
  }));
  const allReads: FactRead[] = [];
  for (const t of traces) for (const r of t.reads) if (!allReads.some((x) => x.fact === r.fact)) allReads.push(r);
  const subjectPath = policy.facts.subject;
  const subject = subjectPath === undefined ? undefined : S.readPath(facts, subjectPath.split("."));
  const deciding: FactRead[] = [];
  for (const [i, t] of traces.entries())
    if (decisive.length === 0 || decisive.includes(i)) decidingReads(t.condition, deciding);
  const shownReads = deciding.filter(
    (r, i, list) =>
      r.fact !== subjectPath &&
      r.value !== undefined &&
      r.value !== null &&
      list.findIndex((x) => x.fact === r.fact) === i,
  );
  const sentence = both((lang) =>
    policyText(decision.granted ? "sentence.granted" : "sentence.denied", lang, {
      subject:
        typeof subject === "string" && subject.length > 0
          ? policyText("sentence.subject", lang, { name: maskName(subject) })
          : "",
      facts: shownReads.map((r) => renderRead(r, env, lang)).join(policyText("listSep", lang)),
      title: policy.json.title[lang],
    }),
  );
  return { decision, params, rules, reads: allReads, sentence };
}
