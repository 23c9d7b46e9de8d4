import type { AgeOptions } from "@elderflow/core";
import type { Condition, DecisionLogic, HitPolicy, Operand, Outcome, Rule, Scalar, Value } from "./model";
import * as S from "./semantics";

/** A decision with tables lowered to rules: every row becomes a rule whose condition is the AND of its cells. */
export interface LoweredDecision {
  /** Hit policy. */
  readonly hit: HitPolicy;
  /** The rules (a table's rows, in order). */
  readonly rules: readonly Rule[];
  /** Outcome when no rule matches. */
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

/** The code that reads a dotted fact path from `f` (missing anywhere along the way: undefined). */
function factAccess(path: string): string {
  return `f${path
    .split(".")
    .map((k) => `?.[${JSON.stringify(k)}]`)
    .join("")}`;
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

  /** Whether fact reads go to locals read once at the top of the function (not in output functions). */
  hoist = true;
  /** Fact path -> local variable, in order of first use. */
  readonly hoisted = new Map<string, string>();

  operand(o: Operand): string {
    if ("fact" in o && this.hoist) {
      let v = this.hoisted.get(o.fact);
      if (v === undefined) {
        v = `v${this.hoisted.size}`;
        this.hoisted.set(o.fact, v);
      }
      return v;
    }
    if ("fact" in o) return factAccess(o.fact);
    if ("value" in o) return this.literal(o.value);
    if ("param" in o) return this.literal(this.env.params[o.param] ?? null);
    if ("age" in o) return `H.age(${this.operand({ fact: o.age })}, on, AO)`;
    if ("asOf" in o) return o.asOf === "date" ? "on" : `H.asOf(on, ${JSON.stringify(o.asOf)})`;
    if ("arith" in o)
      return `H.arith(${JSON.stringify(o.arith)}, ${this.operand(o.args[0])}, ${this.operand(o.args[1])})`;
    return `H.floor(${this.operand(o.floor)})`;
  }

  /** Number of temporaries the generated code uses (declared once per function). */
  temps = 0;

  /** A variable holding the operand's value: the operand itself when it is a hoisted fact, else a new temporary. */
  temp(code: string): { name: string; bind: string } {
    if (/^v\d+$/.test(code)) return { name: code, bind: code };
    const name = `t${this.temps++}`;
    return { name, bind: `(${name} = ${code})` };
  }

  /**
   * A rough cost of computing an operand, to order the parts of an all / any cheapest first.
   * Condition costs also lean on selectivity: equality, membership and divisibility (which
   * usually fail) come before ranges (which usually hold).
   */
  operandCost(o: Operand): number {
    if ("fact" in o) return 0.5 * o.fact.split(".").length;
    if ("value" in o || "param" in o) return 0;
    if ("age" in o) return 30;
    if ("asOf" in o) return 2;
    if ("arith" in o) return 2 + this.operandCost(o.args[0]) + this.operandCost(o.args[1]);
    return 1 + this.operandCost(o.floor);
  }

  /**
   * Code for a condition, with its cost. Every condition is pure and total, so the parts of an
   * all / any may run in any order: the cheapest go first, and parts known at compile time fold.
   */
  condition(c: Condition): { code: string; cost: number } {
    if ("all" in c || "any" in c) {
      const isAll = "all" in c;
      const parts = (isAll ? c.all : c.any).map((x) => this.condition(x));
      const neutral = isAll ? "true" : "false";
      const absorbing = isAll ? "false" : "true";
      if (parts.some((x) => x.code === absorbing)) return { code: absorbing, cost: 0 };
      const live = parts.filter((x) => x.code !== neutral).sort((x, y) => x.cost - y.cost);
      if (live.length === 0) return { code: neutral, cost: 0 };
      if (live.length === 1) return live[0] as { code: string; cost: number };
      return {
        code: `(${live.map((x) => x.code).join(isAll ? " && " : " || ")})`,
        cost: live.reduce((n, x) => n + x.cost, 0),
      };
    }
    if ("not" in c) {
      const inner = this.condition(c.not);
      if (inner.code === "true" || inner.code === "false")
        return { code: inner.code === "true" ? "false" : "true", cost: 0 };
      return { code: `!${inner.code}`, cost: inner.cost };
    }
    const consts = c.args.map((x) => this.constant(x));
    if (consts.every((x) => x !== undefined))
      return {
        code: String(
          S.applyOperator(
            c.op,
            consts.map((x) => (x as { value: Value }).value),
            this.env.ranks,
          ),
        ),
        cost: 0,
      };
    const base = c.args.reduce((n, x) => n + this.operandCost(x), 0);
    const a = c.args.map((x) => this.operand(x));
    const rv = consts[1]?.value;
    const lit = (v: Value) => this.literal(v);
    switch (c.op) {
      case "eq":
      case "ne":
        // A non-null scalar constant on the right: strict comparison has the same meaning.
        if (rv !== undefined && rv !== null && !Array.isArray(rv))
          return { code: `(${a[0]} ${c.op === "eq" ? "===" : "!=="} ${a[1]})`, cost: base + 1 };
        return { code: `H.${c.op}(${a[0]}, ${a[1]})`, cost: base + 2 };
      case "lt":
      case "le":
      case "gt":
      case "ge": {
        const sym = { lt: "<", le: "<=", gt: ">", ge: ">=" }[c.op];
        if ((typeof rv === "number" && Number.isFinite(rv)) || typeof rv === "string") {
          const t = this.temp(a[0] as string);
          return { code: `(typeof ${t.bind} === "${typeof rv}" && ${t.name} ${sym} ${lit(rv)})`, cost: base + 1.5 };
        }
        return { code: `H.${c.op}(${a[0]}, ${a[1]})`, cost: base + 2 };
      }
      case "in":
      case "notIn": {
        if (Array.isArray(rv) && rv.length <= 8) {
          // Nothing is in an empty list: `in` never holds, `notIn` always does.
          if (rv.length === 0) return { code: c.op === "in" ? "false" : "true", cost: 0 };
          const t = this.temp(`${a[0]} ?? null`);
          const test = rv.map((x, i) => `${i === 0 ? t.bind : t.name} === ${lit(x)}`).join(" || ");
          return { code: c.op === "in" ? `(${test})` : `!(${test})`, cost: base + 1 + 0.5 * rv.length };
        }
        return { code: `H.${c.op === "in" ? "isIn" : "notIn"}(${a[0]}, ${a[1]})`, cost: base + 4 };
      }
      case "rankAtLeast":
      case "rankBelow": {
        if (typeof rv === "string") {
          const j = this.env.ranks.get(rv);
          if (j === undefined) return { code: "false", cost: 0 };
          return {
            code: c.op === "rankAtLeast" ? `((R.get(${a[0]}) ?? -1) >= ${j})` : `((R.get(${a[0]}) ?? ${j}) < ${j})`,
            cost: base + 3,
          };
        }
        return { code: `H.${c.op}(R, ${a[0]}, ${a[1]})`, cost: base + 4 };
      }
      case "multipleOf": {
        if (typeof rv === "number" && Number.isFinite(rv) && rv !== 0) {
          const t = this.temp(a[0] as string);
          return { code: `(typeof ${t.bind} === "number" && ${t.name} % ${lit(rv)} === 0)`, cost: base + 1 };
        }
        return { code: `H.multipleOf(${a[0]}, ${a[1]})`, cost: base + 2 };
      }
      case "present": {
        const t = this.temp(a[0] as string);
        return { code: `(${t.bind} !== undefined && ${t.name} !== null)`, cost: base + 1 };
      }
      default:
        return { code: `H.${c.op}(${a.join(", ")})`, cost: base + 3 };
    }
  }
}

const HELPERS = S;

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
  const conds = decision.rules.map((r) => gen.condition(r.when).code);
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
  gen.hoist = false;
  const outs = [...decision.rules.map((r) => r.outcome), decision.otherwise ?? {}].map((o) => {
    const entries = Object.entries(o.values ?? {}).map(
      ([k, v]) => `${JSON.stringify(k)}: H.outputValue(${gen.operand(v)})`,
    );
    return `(f, on) => ({${entries.join(", ")}})`;
  });
  const reads =
    gen.hoisted.size === 0
      ? ""
      : `const ${[...gen.hoisted].map(([path, v]) => `${v} = ${factAccess(path)}`).join(", ")};\n`;
  const temps = `${reads}${gen.temps === 0 ? "" : `let ${Array.from({ length: gen.temps }, (_, i) => `t${i}`).join(", ")};\n`}`;
  const fns = build(
    `return { one: function match(f, on) {\n${temps}${one}\n}, all: function matchAll(f, on) {\n${temps}${all}\n}, outs: [${outs.join(",\n")}] };`,
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
