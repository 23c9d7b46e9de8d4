import type { IsoDate } from "@elderflow/core";
import type { z } from "zod";
import type { FactPath, FactSet } from "./facts";
import {
  type ArithOperator,
  type AsOfPart,
  type Condition,
  type DecisionLogic,
  type HitPolicy,
  type Operand,
  type Operator,
  type Outcome,
  type Param,
  POLICY_FORMAT,
  type PolicyJSON,
  type PolicySource,
  type PolicyVersion,
  type Rule,
  type RulesDecision,
  type TableCell,
  type TableDecision,
  type TableInput,
  type TableRow,
  type Text,
  type Value,
} from "./model";
import { createPolicy, type Policy, type PolicyOptions } from "./policy";

/** A left-hand argument: a fact path of `T` (checked by the compiler) or any operand. */
export type Left<T> = FactPath<T> | Operand;
/** A right-hand argument: an operand, or a constant value. */
export type Right = Operand | Value;

function isOperand(v: unknown): v is Operand {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The authoring vocabulary for one version, typed by the facts `T` and the parameter names `P`:
 * a misspelt fact or parameter name does not compile.
 */
export interface PolicyDsl<T, P extends string> {
  /** A fact by path. */
  fact(path: FactPath<T>): Operand;
  /** A parameter of this version. */
  param(name: P): Operand;
  /** A constant. */
  value(v: Value): Operand;
  /** Age (周岁) on the as-of date from a date fact. */
  age(path: FactPath<T>): Operand;
  /** A part of the as-of date. */
  asOf(part: AsOfPart): Operand;
  /** Arithmetic on two operands. */
  arith(op: ArithOperator, a: Left<T> | Right, b: Right): Operand;
  /** Rounds down. */
  floor(a: Left<T>): Operand;
  /** Every condition holds (an empty list holds). */
  all(...cs: Condition[]): Condition;
  /** Some condition holds (an empty list does not). */
  any(...cs: Condition[]): Condition;
  /** The condition does not hold. */
  not(c: Condition): Condition;
  /** Equal. */
  eq(a: Left<T>, b: Right): Condition;
  /** Not equal. */
  ne(a: Left<T>, b: Right): Condition;
  /** Less than. */
  lt(a: Left<T>, b: Right): Condition;
  /** At most. */
  le(a: Left<T>, b: Right): Condition;
  /** Greater than. */
  gt(a: Left<T>, b: Right): Condition;
  /** At least. */
  ge(a: Left<T>, b: Right): Condition;
  /** One of a list. */
  isIn(a: Left<T>, list: Right): Condition;
  /** None of a list. */
  notIn(a: Left<T>, list: Right): Condition;
  /** A rank at or above a minimum on the policy's rank scale. */
  rankAtLeast(a: Left<T>, minimum: Right): Condition;
  /** A rank strictly below a limit. */
  rankBelow(a: Left<T>, limit: Right): Condition;
  /** A number that is a multiple of a divisor (ages ending in 0 or 5: `multipleOf(age, 5)`). */
  multipleOf(a: Left<T>, divisor: Right): Condition;
  /** Within an inclusive window (numbers, or ISO dates for date windows). */
  between(a: Left<T>, from: Right, to: Right): Condition;
  /** The value is neither missing nor null. */
  present(a: Left<T>): Condition;
  /** A rule. */
  rule(id: string, label: Text, when: Condition, outcome: Outcome, priority?: number): Rule;
  /** An outcome granting entitlements, with optional output values. */
  grant(entitlements: readonly string[], values?: Readonly<Record<string, Right>>): Outcome;
  /** A list of rules under a hit policy. */
  rules(hit: HitPolicy, rules: readonly Rule[], otherwise?: Outcome): RulesDecision;
  /** A table cell: the column's value `op` these arguments. */
  cell(op: Operator, ...args: Right[]): TableCell;
  /** A decision table. */
  table(
    hit: HitPolicy,
    inputs: readonly { readonly id: string; readonly label: Text; readonly expr: Left<T> }[],
    rows: readonly TableRow[],
    otherwise?: Outcome,
  ): TableDecision;
}

function dsl<T, P extends string>(): PolicyDsl<T, P> {
  const left = (a: Left<T> | Right): Operand =>
    typeof a === "string" ? { fact: a } : isOperand(a) ? a : { value: a as Value };
  const right = (b: Right): Operand => (isOperand(b) ? b : { value: b });
  const op =
    (name: Operator) =>
    (a: Left<T>, b: Right): Condition => ({ op: name, args: [left(a), right(b)] });
  return {
    fact: (path) => ({ fact: path }),
    param: (name) => ({ param: name }),
    value: (v) => ({ value: v }),
    age: (path) => ({ age: path }),
    asOf: (part) => ({ asOf: part }),
    arith: (o, a, b) => ({ arith: o, args: [left(a), right(b)] }),
    floor: (a) => ({ floor: left(a) }),
    all: (...cs) => ({ all: cs }),
    any: (...cs) => ({ any: cs }),
    not: (c) => ({ not: c }),
    eq: op("eq"),
    ne: op("ne"),
    lt: op("lt"),
    le: op("le"),
    gt: op("gt"),
    ge: op("ge"),
    isIn: op("in"),
    notIn: op("notIn"),
    rankAtLeast: op("rankAtLeast"),
    rankBelow: op("rankBelow"),
    multipleOf: op("multipleOf"),
    between: (a, from, to) => ({ op: "between", args: [left(a), right(from), right(to)] }),
    present: (a) => ({ op: "present", args: [left(a)] }),
    rule: (id, label, when, outcome, priority) => ({
      id,
      label,
      when,
      outcome,
      ...(priority === undefined ? {} : { priority }),
    }),
    grant: (entitlements, values) => ({
      entitlements: [...entitlements],
      ...(values === undefined
        ? {}
        : { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, right(v)])) }),
    }),
    rules: (hit, rules, otherwise) => ({ kind: "rules", hit, rules, ...(otherwise ? { otherwise } : {}) }),
    cell: (o, ...args) => ({ op: o, args: args.map(right) }),
    table: (hit, inputs, rows, otherwise) => ({
      kind: "table",
      hit,
      inputs: inputs.map((i): TableInput => ({ id: i.id, label: i.label, expr: left(i.expr) })),
      rows,
      ...(otherwise ? { otherwise } : {}),
    }),
  };
}

/** What a version is declared with in the builder. */
export interface VersionSpec<P extends string> {
  /** Version id. */
  readonly version: string;
  /** First day in effect. */
  readonly from: IsoDate;
  /** Last day in effect (inclusive). */
  readonly to?: IsoDate;
  /** Parameters: a plain value, or a {@link Param} with a label and dated changes. */
  readonly params: { readonly [K in P]: Value | Param };
}

/** What a policy is declared with. */
export interface PolicyMeta {
  /** Policy id. */
  readonly id: string;
  /** Title. */
  readonly title: Text;
  /** The report sentence it implements. */
  readonly source?: PolicySource;
  /** The readings of the source the author chose. */
  readonly readings?: { readonly [id: string]: Text };
}

/** A policy under construction: add versions, then build (validated) or take the JSON. */
export interface PolicyBuilder<T> {
  /** Adds a version whose logic is written with the typed vocabulary. */
  version<P extends string = never>(
    spec: VersionSpec<P>,
    logic: (d: PolicyDsl<T, P>) => DecisionLogic,
  ): PolicyBuilder<T>;
  /** The JSON form so far (not yet validated). */
  toJSON(): PolicyJSON;
  /** Validates and builds the policy. */
  build(options?: PolicyOptions): Policy<T>;
}

function isParam(v: Value | Param): v is Param {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Starts a policy over a fact set. Facts come from the set's zod schema, so fact names are checked
 * by the TypeScript compiler; parameters are named per version and typed likewise.
 *
 * @example
 * ```ts
 * const policy = definePolicy(BirthdayFacts, { id: "demo", title: { "zh-CN": "示例", en: "demo" } })
 *   .version({ version: "1", from: "2000-01-01", params: { from: 80 } }, (d) =>
 *     d.rules("first", [
 *       d.rule("r1", { "zh-CN": "八十以上", en: "80 and over" }, d.ge("age", d.param("from")), d.grant(["visit"])),
 *     ]),
 *   )
 *   .build();
 * policy.decide({ retirementKind: "tuixiu", rank: "section", age: 85 }, "2027-01-01").granted; // true
 * ```
 */
export function definePolicy<S extends z.ZodType>(facts: FactSet<S>, meta: PolicyMeta): PolicyBuilder<z.output<S>> {
  type T = z.output<S>;
  const versions: PolicyVersion[] = [];
  const builder: PolicyBuilder<T> = {
    version<P extends string = never>(spec: VersionSpec<P>, logic: (d: PolicyDsl<T, P>) => DecisionLogic) {
      const params: Record<string, Param> = {};
      for (const [k, v] of Object.entries(spec.params) as [string, Value | Param][])
        params[k] = isParam(v) ? v : { value: v };
      versions.push({
        version: spec.version,
        from: spec.from,
        ...(spec.to === undefined ? {} : { to: spec.to }),
        params,
        decision: logic(dsl<T, P>()),
      });
      return builder;
    },
    toJSON: () => ({
      format: POLICY_FORMAT,
      id: meta.id,
      title: meta.title,
      facts: facts.id,
      ...(meta.source ? { source: meta.source } : {}),
      ...(meta.readings ? { readings: meta.readings } : {}),
      versions: [...versions],
    }),
    build: (options) => createPolicy<T>(builder.toJSON(), facts as unknown as FactSet, options),
  };
  return builder;
}
