import type { AgeOptions } from "@elderflow/core";
import type { Condition, DecisionLogic, HitPolicy, Operand, Outcome, Rule, Scalar, Value } from "./model";
import * as S from "./semantics";

/** A decision with tables lowered to rules: every row becomes a rule whose condition is the AND of its cells. */
export interface LoweredDecision {
  readonly hit: HitPolicy;
  readonly rules: readonly Rule[];
  readonly otherwise?: Outcome;
}

/** Lowers a decision table to rules (a rules decision is returned as it is). */
export function lower(decision: DecisionLogic): LoweredDecision {
  if (decision.kind === "rules") return decision;
  const rules: Rule[] = decision.rows.map((row) => {
    const tests: Condition[] = [];
    row.cells.forEach((cell, i) => {
      const input = decision.inputs[i];
      if (cell === null || input === undefined) return;
      tests.push({ op: cell.op, args: [input.expr, ...cell.args] });
    });
    return {
      id: row.id,
      label: row.label,
      when: tests.length === 1 ? (tests[0] as Condition) : { all: tests },
      outcome: row.outcome,
      ...(row.priority === undefined ? {} : { priority: row.priority }),
    };
  });
  return { hit: decision.hit, rules, ...(decision.otherwise ? { otherwise: decision.otherwise } : {}) };
}

/** What the compiled match function of a single-hit policy returns when several rules match under `unique`. */
export const SEVERAL = -2;

/** One compiled segment: a version with its parameter values fixed. */
export interface CompiledSegment {
  /** For first / unique / priority: index of the deciding rule, -1 for none, {@link SEVERAL} for several under unique. */
  readonly matchOne: (facts: unknown, on: string) => number;
  /** Every matching rule index, in order (used for collect, and to name the rules of a unique conflict). */
  readonly matchAll: (facts: unknown, on: string) => number[];
  /** Computes the outputs of rule i (or of `otherwise` for i = -1). */
  readonly outputs: (i: number, facts: unknown, on: string) => Record<string, Value>;
}

/** The environment compiled code runs against. */
export interface CompileEnv {
  /** Parameter values in effect for the segment. */
  readonly params: Readonly<Record<string, Value>>;
  /** Rank id -> position on the scale. */
  readonly ranks: ReadonlyMap<string, number>;
  /** Age counting options. */
  readonly age: AgeOptions;
}

class Gen {
  readonly consts: unknown[] = [];
  constructor(readonly env: CompileEnv) {}

  literal(v: Value | number): string {
    if (v === null) return "null";
    if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
    if (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)) return String(v);
    this.consts.push(v);
    return `K[${this.consts.length - 1}]`;
  }

  /** A constant operand's value, when it has one at compile time. */
  constant(o: Operand): { value: Value } | undefined {
    if ("value" in o) return { value: o.value };
    if ("param" in o) return { value: this.env.params[o.param] ?? null };
    return undefined;
  }

  operand(o: Operand): string {
    if ("fact" in o)
      return `f${o.fact
        .split(".")
        .map((k, i) => (i === 0 ? `[${JSON.stringify(k)}]` : `?.[${JSON.stringify(k)}]`))
        .join("")}`;
    if ("value" in o) return this.literal(o.value);
    if ("param" in o) return this.literal(this.env.params[o.param] ?? null);
    if ("age" in o) return `H.age(${this.operand({ fact: o.age })}, on, AO)`;
    if ("asOf" in o) return o.asOf === "date" ? "on" : `H.asOf(on, ${JSON.stringify(o.asOf)})`;
    if ("arith" in o)
      return `H.arith(${JSON.stringify(o.arith)}, ${this.operand(o.args[0])}, ${this.operand(o.args[1])})`;
    return `H.floor(${this.operand(o.floor)})`;
  }

  condition(c: Condition): string {
    if ("all" in c) return c.all.length === 0 ? "true" : `(${c.all.map((x) => this.condition(x)).join(" && ")})`;
    if ("any" in c) return c.any.length === 0 ? "false" : `(${c.any.map((x) => this.condition(x)).join(" || ")})`;
    if ("not" in c) return `!${this.condition(c.not)}`;
    const a = c.args.map((x) => this.operand(x));
    const right = c.args[1] === undefined ? undefined : this.constant(c.args[1]);
    switch (c.op) {
      case "eq":
      case "ne": {
        // A non-null constant on the right: plain strict comparison has the same meaning.
        const rv = right?.value;
        if (rv !== undefined && rv !== null && !Array.isArray(rv))
          return `(${a[0]} ${c.op === "eq" ? "===" : "!=="} ${a[1]})`;
        return `H.${c.op}(${a[0]}, ${a[1]})`;
      }
      case "rankAtLeast":
      case "rankBelow": {
        const rv = right?.value;
        if (typeof rv === "string") {
          const j = this.env.ranks.get(rv);
          if (j === undefined) return "false";
          return c.op === "rankAtLeast" ? `((R.get(${a[0]}) ?? -1) >= ${j})` : `((R.get(${a[0]}) ?? ${j}) < ${j})`;
        }
        return `H.${c.op}(R, ${a[0]}, ${a[1]})`;
      }
      case "multipleOf": {
        const rv = right?.value;
        if (typeof rv === "number" && Number.isFinite(rv) && rv !== 0) return `H.m(${a[0]}, ${this.literal(rv)})`;
        return `H.multipleOf(${a[0]}, ${a[1]})`;
      }
      case "in":
        return `H.isIn(${a[0]}, ${a[1]})`;
      default:
        return `H.${c.op}(${a.join(", ")})`;
    }
  }
}

const HELPERS = {
  ...S,
  // multipleOf with a known finite non-zero divisor.
  m: (a: unknown, b: number) => typeof a === "number" && a % b === 0,
};

function build(source: string, gen: Gen): unknown {
  // Compiled once per segment: the rule tree becomes straight-line code, with parameters and rank
  // positions inlined as constants, so bulk evaluation never walks the tree per record.
  return new Function("H", "K", "R", "AO", source)(HELPERS, gen.consts, gen.env.ranks, gen.env.age);
}

/**
 * Compiles a lowered decision for fixed parameter values into JavaScript functions.
 *
 * @internal
 */
export function compileSegment(decision: LoweredDecision, env: CompileEnv): CompiledSegment {
  const gen = new Gen(env);
  const conds = decision.rules.map((r) => gen.condition(r.when));
  let one: string;
  if (decision.hit === "first") {
    one = `${conds.map((c, i) => `if (${c}) return ${i};`).join("\n")}\nreturn -1;`;
  } else if (decision.hit === "priority") {
    const order = decision.rules
      .map((r, i) => ({ i, p: r.priority ?? 0 }))
      .sort((x, y) => y.p - x.p || x.i - y.i)
      .map((x) => x.i);
    one = `${order.map((i) => `if (${conds[i]}) return ${i};`).join("\n")}\nreturn -1;`;
  } else if (decision.hit === "unique") {
    one = `let h = -1;\n${conds.map((c, i) => `if (${c}) { if (h !== -1) return ${SEVERAL}; h = ${i}; }`).join("\n")}\nreturn h;`;
  } else {
    one = `${conds.map((c, i) => `if (${c}) return ${i};`).join("\n")}\nreturn -1;`;
  }
  const all = `const o = [];\n${conds.map((c, i) => `if (${c}) o.push(${i});`).join("\n")}\nreturn o;`;
  const outs = [...decision.rules.map((r) => r.outcome), decision.otherwise ?? {}].map((o) => {
    const entries = Object.entries(o.values ?? {}).map(
      ([k, v]) => `${JSON.stringify(k)}: H.outputValue(${gen.operand(v)})`,
    );
    return `(f, on) => ({${entries.join(", ")}})`;
  });
  const fns = build(
    `return { one: function match(f, on) {\n${one}\n}, all: function matchAll(f, on) {\n${all}\n}, outs: [${outs.join(",\n")}] };`,
    gen,
  ) as {
    one: (f: unknown, on: string) => number;
    all: (f: unknown, on: string) => number[];
    outs: ((f: unknown, on: string) => Record<string, Value>)[];
  };
  const otherwiseIndex = decision.rules.length;
  return {
    matchOne: fns.one,
    matchAll: fns.all,
    outputs: (i, f, on) =>
      (fns.outs[i < 0 ? otherwiseIndex : i] as (f: unknown, on: string) => Record<string, Value>)(f, on),
  };
}

/** A scalar or list is a constant value. */
export function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}
