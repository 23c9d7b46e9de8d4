import type { IsoDate, Lang } from "@elderflow/core";

/** A text in each language Elderflow speaks. */
export type Text = { readonly [L in Lang]: string };

/** A JSON scalar a fact, parameter or output may hold. */
export type Scalar = string | number | boolean | null;

/** A value a parameter or constant may hold: a scalar or a list of scalars. */
export type Value = Scalar | readonly Scalar[];

/**
 * The parts of the as-of date an operand may read. `yearStart` and `yearEnd` bound the calendar
 * year; `rollingYearStart` is the first day of the twelve months ending on the as-of date (core's
 * `annualWindow` under the `rolling-12-months` reading of "once a year").
 */
export type AsOfPart = "date" | "year" | "month" | "day" | "yearStart" | "yearEnd" | "rollingYearStart";

/** The arithmetic operators of an operand. */
export type ArithOperator = "add" | "sub" | "mul" | "div" | "mod" | "min" | "max";

/**
 * Where a value comes from, in the JSON form of a policy:
 * a fact (dotted path into the facts), a parameter of the version in effect, a constant, the age
 * (周岁) on the as-of date from a date fact, a part of the as-of date, or arithmetic on operands.
 */
export type Operand =
  | { readonly fact: string }
  | { readonly param: string }
  | { readonly value: Value }
  | { readonly age: string }
  | { readonly asOf: AsOfPart }
  | { readonly arith: ArithOperator; readonly args: readonly [Operand, Operand] }
  | { readonly floor: Operand };

/**
 * The comparison operators, each taking a fixed number of operands:
 * `eq ne lt le gt ge` (2), `in notIn` (value, list), `rankAtLeast rankBelow` (rank, rank, on the
 * policy's rank scale), `multipleOf` (number, divisor), `between` (value, from, to; inclusive, for
 * numbers and ISO dates), `present` (1: the value is neither missing nor null).
 */
export const OPERATORS = {
  eq: 2,
  ne: 2,
  lt: 2,
  le: 2,
  gt: 2,
  ge: 2,
  in: 2,
  notIn: 2,
  rankAtLeast: 2,
  rankBelow: 2,
  multipleOf: 2,
  between: 3,
  present: 1,
} as const;

/** A comparison operator name (a key of {@link OPERATORS}). */
export type Operator = keyof typeof OPERATORS;

/** A condition: all / any / not of conditions, or an operator applied to operands. */
export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | { readonly op: Operator; readonly args: readonly Operand[] };

/** What a rule grants: entitlement ids and computed output values. */
export interface Outcome {
  /** Entitlement ids, e.g. `"birthday_visit"`. */
  readonly entitlements?: readonly string[];
  /** Named outputs, each an operand evaluated when the rule decides (e.g. stars from hours). */
  readonly values?: { readonly [name: string]: Operand };
}

/**
 * How a decision with several matching rules ends, as in DMN: `first` (the first matching rule in
 * order), `unique` (at most one rule may match; several is a `MULTIPLE_HITS` error), `collect`
 * (every matching rule, in order), `priority` (the matching rule with the highest `priority`;
 * ties go to the earlier rule).
 */
export type HitPolicy = "first" | "unique" | "collect" | "priority";

/** One rule: when its condition holds, its outcome applies. */
export interface Rule {
  /** Stable id within the version, cited in traces. */
  readonly id: string;
  /** What the rule means, for people. */
  readonly label: Text;
  /** The condition. */
  readonly when: Condition;
  /** What it grants. */
  readonly outcome: Outcome;
  /** For the `priority` hit policy: higher wins. Default 0. */
  readonly priority?: number;
}

/** A list of rules with a hit policy. */
export interface RulesDecision {
  /** Discriminator. */
  readonly kind: "rules";
  /** Hit policy. */
  readonly hit: HitPolicy;
  /** The rules, in order. */
  readonly rules: readonly Rule[];
  /** Outcome when no rule matches (default: nothing granted). */
  readonly otherwise?: Outcome;
}

/** One input column of a decision table: an operand every row tests. */
export interface TableInput {
  /** Column id. */
  readonly id: string;
  /** Column heading. */
  readonly label: Text;
  /** The value the column tests. */
  readonly expr: Operand;
}

/** A cell of a decision table: an operator applied to the column's value and these operands; `null` matches anything ("-"). */
export type TableCell = { readonly op: Operator; readonly args: readonly Operand[] } | null;

/** One row of a decision table. */
export interface TableRow {
  /** Row id (the rule id in traces). */
  readonly id: string;
  /** What the row means. */
  readonly label: Text;
  /** One cell per input column. */
  readonly cells: readonly TableCell[];
  /** What it grants. */
  readonly outcome: Outcome;
  /** For the `priority` hit policy. */
  readonly priority?: number;
}

/** A DMN-style decision table: input columns, rows of cells, a hit policy. */
export interface TableDecision {
  /** Discriminator. */
  readonly kind: "table";
  /** Hit policy. */
  readonly hit: HitPolicy;
  /** Input columns. */
  readonly inputs: readonly TableInput[];
  /** Rows, in order. */
  readonly rows: readonly TableRow[];
  /** Outcome when no row matches. */
  readonly otherwise?: Outcome;
}

/** The logic of one version: rules or a table. */
export type DecisionLogic = RulesDecision | TableDecision;

/** A dated change of a parameter's value. */
export interface ParamChange {
  /** First day the new value holds. */
  readonly from: IsoDate;
  /** The value. */
  readonly value: Value;
}

/** A parameter of a version (an age, a threshold, a list): a value, optionally changing on dates. */
export interface Param {
  /** What it means, for people. */
  readonly label?: Text;
  /** The value from the version's first day. */
  readonly value: Value;
  /** Later values, by strictly increasing date within the version. */
  readonly changes?: readonly ParamChange[];
}

/** One version of a policy, in effect from `from` to `to` (both inclusive; no `to`: open-ended). */
export interface PolicyVersion {
  /** Version id, e.g. `"2009"`. */
  readonly version: string;
  /** First day in effect. */
  readonly from: IsoDate;
  /** Last day in effect. */
  readonly to?: IsoDate;
  /** Parameters. */
  readonly params: { readonly [name: string]: Param };
  /** The logic. */
  readonly decision: DecisionLogic;
}

/** Where a policy comes from: the report and the sentence it implements. */
export interface PolicySource {
  /** The report (e.g. `"seed 003"`). */
  readonly document: string;
  /** The sentence, quoted. */
  readonly quote: string;
  /** The rule number in docs/domain.md, if any. */
  readonly rule?: number;
}

/** The JSON form of a policy: what is stored, reviewed, diffed and loaded back. */
export interface PolicyJSON {
  /** Format marker. */
  readonly format: typeof POLICY_FORMAT;
  /** Policy id. */
  readonly id: string;
  /** Title. */
  readonly title: Text;
  /** Id of the fact set (schema) the policy reads. */
  readonly facts: string;
  /** Source sentence. */
  readonly source?: PolicySource;
  /** Readings of the source that the author chose, explained (reading id -> text). */
  readonly readings?: { readonly [id: string]: Text };
  /** Versions, by date. */
  readonly versions: readonly PolicyVersion[];
}

/** The format marker of {@link PolicyJSON}. */
export const POLICY_FORMAT = "elderflow/policy@1";
