import { type AgeOptions, ageOn, annualWindow, daysInMonth } from "@elderflow/core";
import type { ArithOperator, AsOfPart, Operator, Value } from "./model";

/**
 * The meaning of every operator and operand, shared by the compiled evaluator and the tracing
 * interpreter so that both decide alike. Missing values (undefined) behave as null; an ordering
 * comparison between values of different types, or with NaN, is false.
 */

/** A value read from facts: anything JSON-like, or undefined when missing. */
export type Read = unknown;

function ordered(a: Read, b: Read): boolean {
  const t = typeof a;
  return t === typeof b && (t === "number" || t === "string");
}

export function eq(a: Read, b: Read): boolean {
  return (a ?? null) === (b ?? null);
}
export function ne(a: Read, b: Read): boolean {
  return (a ?? null) !== (b ?? null);
}
export function lt(a: Read, b: Read): boolean {
  return ordered(a, b) && (a as number) < (b as number);
}
export function le(a: Read, b: Read): boolean {
  return ordered(a, b) && (a as number) <= (b as number);
}
export function gt(a: Read, b: Read): boolean {
  return ordered(a, b) && (a as number) > (b as number);
}
export function ge(a: Read, b: Read): boolean {
  return ordered(a, b) && (a as number) >= (b as number);
}
export function isIn(a: Read, list: Read): boolean {
  return Array.isArray(list) && list.includes(a ?? null);
}
export function notIn(a: Read, list: Read): boolean {
  return Array.isArray(list) && !list.includes(a ?? null);
}
export function multipleOf(a: Read, b: Read): boolean {
  return typeof a === "number" && typeof b === "number" && b !== 0 && a % b === 0;
}
export function between(x: Read, from: Read, to: Read): boolean {
  return ge(x, from) && le(x, to);
}
export function present(x: Read): boolean {
  return x !== undefined && x !== null;
}
export function rankAtLeast(ranks: ReadonlyMap<string, number>, a: Read, b: Read): boolean {
  const i = typeof a === "string" ? ranks.get(a) : undefined;
  const j = typeof b === "string" ? ranks.get(b) : undefined;
  return i !== undefined && j !== undefined && i >= j;
}
export function rankBelow(ranks: ReadonlyMap<string, number>, a: Read, b: Read): boolean {
  const i = typeof a === "string" ? ranks.get(a) : undefined;
  const j = typeof b === "string" ? ranks.get(b) : undefined;
  return i !== undefined && j !== undefined && i < j;
}

export function num(x: Read): number {
  return typeof x === "number" ? x : Number.NaN;
}

export function arith(op: ArithOperator, a: Read, b: Read): number {
  const x = num(a);
  const y = num(b);
  switch (op) {
    case "add":
      return x + y;
    case "sub":
      return x - y;
    case "mul":
      return x * y;
    case "div":
      return x / y;
    case "mod":
      return x % y;
    case "min":
      return Math.min(x, y);
    case "max":
      return Math.max(x, y);
  }
}

export function floor(x: Read): number {
  return Math.floor(num(x));
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * Age (周岁) on a date from a birth date fact; NaN when the fact is not a valid date or lies after
 * the date (core's ageOn refuses a future birth; a total function keeps the compiled evaluator,
 * which short-circuits, and the tracing interpreter deciding alike).
 */
export function age(birth: Read, on: string, options: AgeOptions): number {
  if (typeof birth !== "string" || !validDate(birth) || birth > on) return Number.NaN;
  return ageOn(birth, on, options);
}

export function asOf(on: string, part: AsOfPart): string | number {
  switch (part) {
    case "date":
      return on;
    case "year":
      return Number(on.slice(0, 4));
    case "month":
      return Number(on.slice(5, 7));
    case "day":
      return Number(on.slice(8, 10));
    case "yearStart":
      return `${on.slice(0, 4)}-01-01`;
    case "yearEnd":
      return `${on.slice(0, 4)}-12-31`;
    case "rollingYearStart":
      return annualWindow(on, "rolling-12-months").start;
  }
}

/** Reads a dotted fact path (missing anywhere along the way: undefined). */
export function readPath(facts: Read, path: readonly string[]): Read {
  let v: Read = facts;
  for (const k of path) {
    if (v === undefined || v === null) return undefined;
    v = (v as Record<string, Read>)[k];
  }
  return v;
}

/** Normalises an output value: undefined becomes null, arrays are copied. */
export function outputValue(v: Read): Value {
  if (v === undefined) return null;
  if (Array.isArray(v)) return [...(v as Value[] & unknown[])] as Value;
  return v as Value;
}

/** Applies an operator to evaluated operands. */
export function applyOperator(op: Operator, v: readonly Read[], ranks: ReadonlyMap<string, number>): boolean {
  const [a, b, c] = v;
  switch (op) {
    case "eq":
      return eq(a, b);
    case "ne":
      return ne(a, b);
    case "lt":
      return lt(a, b);
    case "le":
      return le(a, b);
    case "gt":
      return gt(a, b);
    case "ge":
      return ge(a, b);
    case "in":
      return isIn(a, b);
    case "notIn":
      return notIn(a, b);
    case "rankAtLeast":
      return rankAtLeast(ranks, a, b);
    case "rankBelow":
      return rankBelow(ranks, a, b);
    case "multipleOf":
      return multipleOf(a, b);
    case "between":
      return between(a, b, c);
    case "present":
      return present(a);
  }
}
