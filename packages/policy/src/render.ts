import type { Lang, RankScale } from "@elderflow/core";
import { lower } from "./compile";
import type { FactInfo, FactSet } from "./facts";
import type { Condition, Operand, Outcome, Param, PolicyJSON, Value } from "./model";
import type { Policy } from "./policy";
import { type PolicyTextKey, policyText } from "./texts";

/** What rendering needs besides the tree: language, fact labels, rank names, parameters. */
export interface RenderContext {
  readonly lang: Lang;
  readonly facts: FactSet;
  readonly scale: RankScale;
  readonly params: Readonly<Record<string, Param>>;
  /** Parameter values on the date being explained (default: each parameter's first value). */
  readonly paramValues?: Readonly<Record<string, Value>>;
}

/** Renders a value, with the labels of the fact it is compared with (enum names, rank names). */
export function renderValue(v: unknown, ctx: Pick<RenderContext, "lang" | "scale">, hint?: FactInfo): string {
  const { lang } = ctx;
  if (Array.isArray(v)) return v.map((x) => renderValue(x, ctx, hint)).join(policyText("listSep", lang));
  if (v === null || v === undefined) return policyText("none", lang);
  if (typeof v === "boolean") return policyText(v ? "yes" : "no", lang);
  if (typeof v === "string") {
    const label = hint?.values?.[v];
    if (label) return label[lang];
    if (hint?.rank && ctx.scale.has(v)) {
      const level = ctx.scale.level(v);
      return lang === "zh-CN" ? level.zh : level.en;
    }
  }
  if (typeof v === "number" && !Number.isFinite(v)) return policyText("none", lang);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The fact an operand reads directly, if any (for labels of the other side). */
export function hintOf(o: Operand | undefined, facts: FactSet): FactInfo | undefined {
  if (o === undefined) return undefined;
  if ("fact" in o) return facts.facts.get(o.fact);
  return undefined;
}

/** The label of a fact. */
export function factLabel(path: string, ctx: Pick<RenderContext, "lang" | "facts">): string {
  return ctx.facts.facts.get(path)?.label?.[ctx.lang] ?? path;
}

/** Renders an operand as words (parameters with their value). */
export function renderOperand(o: Operand, ctx: RenderContext, hint?: FactInfo): string {
  const { lang } = ctx;
  if ("fact" in o) return factLabel(o.fact, ctx);
  if ("value" in o) return renderValue(o.value, ctx, hint);
  if ("param" in o) {
    const p = ctx.params[o.param];
    const value = ctx.paramValues?.[o.param] ?? p?.value ?? null;
    return policyText("param", lang, { label: p?.label?.[lang] ?? o.param, value: renderValue(value, ctx, hint) });
  }
  if ("age" in o) return policyText("age", lang, { a: factLabel(o.age, ctx) });
  if ("asOf" in o) return policyText(`asOf.${o.asOf}` as PolicyTextKey, lang);
  if ("arith" in o)
    return policyText(`arith.${o.arith}` as PolicyTextKey, lang, {
      a: renderOperand(o.args[0], ctx),
      b: renderOperand(o.args[1], ctx),
    });
  return policyText("floor", lang, { a: renderOperand(o.floor, ctx) });
}

/** Renders a condition as a sentence fragment. */
export function renderCondition(c: Condition, ctx: RenderContext, nested = false): string {
  const { lang } = ctx;
  if ("all" in c || "any" in c) {
    const list = "all" in c ? c.all : c.any;
    if (list.length === 0) return policyText("all" in c ? "always" : "never", lang);
    if (list.length === 1) return renderCondition(list[0] as Condition, ctx, nested);
    const text = list.map((x) => renderCondition(x, ctx, true)).join(policyText("all" in c ? "and" : "or", lang));
    return nested ? (lang === "zh-CN" ? `（${text}）` : `(${text})`) : text;
  }
  if ("not" in c) return policyText("not", lang, { a: renderCondition(c.not, ctx) });
  const hint = hintOf(c.args[0], ctx.facts);
  const [a, b, x] = c.args.map((o, i) => renderOperand(o, ctx, i === 0 ? undefined : hint));
  return policyText(c.op, lang, { a: a ?? "", b: b ?? "", c: x ?? "" });
}

/** For each parameter compared with a fact, that fact (so its value renders with the fact's labels). */
function paramHints(conditions: readonly Condition[], facts: FactSet): Map<string, FactInfo> {
  const out = new Map<string, FactInfo>();
  const walk = (c: Condition): void => {
    if ("all" in c) c.all.forEach(walk);
    else if ("any" in c) c.any.forEach(walk);
    else if ("not" in c) walk(c.not);
    else {
      const hint = hintOf(c.args[0], facts);
      if (hint) for (const a of c.args.slice(1)) if ("param" in a && !out.has(a.param)) out.set(a.param, hint);
    }
  };
  conditions.forEach(walk);
  return out;
}

/** Renders an outcome. */
export function renderOutcome(o: Outcome, ctx: RenderContext): string {
  const parts: string[] = [];
  const sep = policyText("listSep", ctx.lang);
  if (o.entitlements && o.entitlements.length > 0)
    parts.push(policyText("outcome.grant", ctx.lang, { entitlements: o.entitlements.join(sep) }));
  for (const [name, v] of Object.entries(o.values ?? {}))
    parts.push(policyText("outcome.value", ctx.lang, { name, value: renderOperand(v, ctx) }));
  return parts.length === 0 ? policyText("none", ctx.lang) : parts.join(ctx.lang === "zh-CN" ? "；" : "; ");
}

/**
 * Prints a policy as readable text in zh-CN or en: title, source sentence, readings, and per
 * version its period, parameters (with dated changes), hit policy and each rule.
 *
 * @example
 * ```ts
 * console.log(renderPolicy(birthdayPolicy(), "zh-CN"));
 * ```
 */
export function renderPolicy(
  policy: Policy | { json: PolicyJSON; facts: FactSet; scale: RankScale },
  lang: Lang,
): string {
  const p = policy.json;
  const lines: string[] = [policyText("policy.head", lang, { title: p.title[lang], id: p.id })];
  if (p.source) lines.push(policyText("policy.source", lang, { document: p.source.document, quote: p.source.quote }));
  if (p.readings && Object.keys(p.readings).length > 0) {
    lines.push(policyText("policy.readings", lang));
    for (const [id, text] of Object.entries(p.readings)) lines.push(`  - ${id}: ${text[lang]}`);
  }
  for (const v of p.versions) {
    const ctx: RenderContext = { lang, facts: policy.facts, scale: policy.scale, params: v.params };
    const logic = lower(v.decision);
    lines.push("");
    lines.push(
      policyText("policy.version", lang, {
        version: v.version,
        from: v.from,
        to: v.to === undefined ? "" : policyText("policy.until", lang, { to: v.to }),
      }),
    );
    const names = Object.keys(v.params);
    const hints = paramHints(
      logic.rules.map((r) => r.when),
      policy.facts,
    );
    if (names.length > 0) {
      lines.push(`  ${policyText("policy.params", lang)}`);
      for (const name of names) {
        const param = v.params[name] as Param;
        const changes = (param.changes ?? [])
          .map((ch) =>
            policyText("policy.changes", lang, { from: ch.from, value: renderValue(ch.value, ctx, hints.get(name)) }),
          )
          .join("");
        lines.push(
          `    - ${param.label?.[lang] ?? name} [${name}] = ${renderValue(param.value, ctx, hints.get(name))}${changes}`,
        );
      }
    }
    lines.push(
      `  ${policyText("policy.hit", lang, { hit: policyText(`hit.${v.decision.hit}` as PolicyTextKey, lang) })}`,
    );
    for (const r of logic.rules) {
      lines.push(`  ${policyText("policy.rule", lang, { id: r.id, label: r.label[lang] })}`);
      lines.push(`    ${policyText("policy.when", lang, { condition: renderCondition(r.when, ctx) })}`);
      lines.push(`    ${policyText("policy.then", lang, { outcome: renderOutcome(r.outcome, ctx) })}`);
      if (r.priority !== undefined) lines.push(`    ${policyText("policy.priority", lang, { priority: r.priority })}`);
    }
    if (logic.otherwise)
      lines.push(`  ${policyText("policy.otherwise", lang, { outcome: renderOutcome(logic.otherwise, ctx) })}`);
  }
  return lines.join("\n");
}
