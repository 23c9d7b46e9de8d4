import {
  ElderflowError,
  type ElderflowIssue,
  type ErrorCode,
  type FieldPath,
  isIsoDate,
  type MessageParams,
  type RankScale,
} from "@elderflow/core";
import type { FactSet } from "./facts";
import { OPERATORS, POLICY_FORMAT, type PolicyJSON } from "./model";
import { safeName, safeNames } from "./words";

const ARITH = new Set(["add", "sub", "mul", "div", "mod", "min", "max"]);
const AS_OF = new Set(["date", "year", "month", "day", "yearStart", "yearEnd", "rollingYearStart"]);
const HITS = new Set(["first", "unique", "collect", "priority"]);
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

class Checker {
  readonly issues: ElderflowIssue[] = [];
  params = new Set<string>();
  constructor(
    readonly facts: FactSet,
    readonly scale: RankScale,
  ) {}

  add(code: ErrorCode, path: FieldPath, params: MessageParams = {}): void {
    this.issues.push({ code, path: [...path], params });
  }
  invalid(path: FieldPath, detail: string): void {
    this.add("INVALID_POLICY", path, { detail });
  }

  text(v: unknown, path: FieldPath): void {
    if (!isObj(v) || typeof v["zh-CN"] !== "string" || typeof v.en !== "string")
      this.invalid(path, "expected a text with zh-CN and en");
  }

  id(v: unknown, path: FieldPath): void {
    if (typeof v !== "string" || !ID.test(v)) this.invalid(path, "expected an id (letters, digits, _ . : -)");
  }

  date(v: unknown, path: FieldPath): v is string {
    if (typeof v !== "string" || !isIsoDate(v)) {
      this.add("INVALID_DATE", path);
      return false;
    }
    return true;
  }

  value(v: unknown, path: FieldPath): void {
    const scalar = (x: unknown) =>
      x === null || typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x));
    if (Array.isArray(v) ? !v.every(scalar) : !scalar(v)) this.invalid(path, "expected a scalar or a list of scalars");
  }

  fact(name: unknown, path: FieldPath): void {
    if (typeof name !== "string" || !this.facts.facts.has(name))
      this.add("UNKNOWN_FACT", path, { fact: typeof name === "string" ? safeName(name) : typeof name });
  }

  operand(o: unknown, path: FieldPath): void {
    if (!isObj(o)) {
      this.invalid(path, "expected an operand object");
      return;
    }
    const keys = Object.keys(o);
    const kind = keys.find(
      (k) =>
        k === "fact" || k === "param" || k === "value" || k === "age" || k === "asOf" || k === "arith" || k === "floor",
    );
    if (kind === undefined) {
      this.add("UNKNOWN_OPERATOR", path, { operator: safeNames(keys, ",") });
      return;
    }
    const extra = keys.filter((k) => k !== kind && !(kind === "arith" && k === "args"));
    if (extra.length > 0) this.add("UNKNOWN_FIELD", [...path, safeName(extra[0])], { field: safeNames(extra) });
    switch (kind) {
      case "fact": {
        this.fact(o.fact, [...path, "fact"]);
        return;
      }
      case "age": {
        this.fact(o.age, [...path, "age"]);
        return;
      }
      case "param":
        if (typeof o.param !== "string" || !this.params.has(o.param))
          this.invalid([...path, "param"], `unknown parameter ${safeName(o.param)}`);
        return;
      case "value": {
        this.value(o.value, [...path, "value"]);
        return;
      }
      case "asOf":
        if (typeof o.asOf !== "string" || !AS_OF.has(o.asOf))
          this.add("UNKNOWN_OPERATOR", [...path, "asOf"], { operator: `asOf:${safeName(o.asOf)}` });
        return;
      case "arith": {
        if (typeof o.arith !== "string" || !ARITH.has(o.arith))
          this.add("UNKNOWN_OPERATOR", [...path, "arith"], { operator: safeName(o.arith) });
        if (!Array.isArray(o.args) || o.args.length !== 2) {
          this.invalid([...path, "args"], "expected 2 operands");
          return;
        }
        o.args.forEach((a, i) => {
          this.operand(a, [...path, "args", i]);
        });
        return;
      }
      case "floor": {
        this.operand(o.floor, [...path, "floor"]);
        return;
      }
    }
  }

  opArgs(op: unknown, args: unknown, path: FieldPath, implicit: number): void {
    if (typeof op !== "string" || !Object.hasOwn(OPERATORS, op)) {
      this.add("UNKNOWN_OPERATOR", [...path, "op"], { operator: safeName(op) });
      return;
    }
    const arity = OPERATORS[op as keyof typeof OPERATORS] - implicit;
    if (!Array.isArray(args) || args.length !== arity) {
      this.invalid([...path, "args"], `${op} expects ${arity} operand(s)`);
      return;
    }
    args.forEach((a, i) => {
      this.operand(a, [...path, "args", i]);
    });
    if ((op === "rankAtLeast" || op === "rankBelow") && isObj(args[implicit === 1 ? 0 : 1])) {
      const r = args[implicit === 1 ? 0 : 1] as Obj;
      if ("value" in r && (typeof r.value !== "string" || !this.scale.has(r.value)))
        this.add("UNKNOWN_RANK", [...path, "args", implicit === 1 ? 0 : 1, "value"], { rank: safeName(r.value) });
    }
  }

  condition(c: unknown, path: FieldPath, depth = 0): void {
    if (depth > 64) {
      this.invalid(path, "conditions nested too deep");
      return;
    }
    if (!isObj(c)) {
      this.invalid(path, "expected a condition object");
      return;
    }
    if ("all" in c || "any" in c) {
      const key = "all" in c ? "all" : "any";
      const list = c[key];
      if (!Array.isArray(list)) {
        this.invalid([...path, key], "expected a list of conditions");
        return;
      }
      list.forEach((x, i) => {
        this.condition(x, [...path, key, i], depth + 1);
      });
      return;
    }
    if ("not" in c) {
      this.condition(c.not, [...path, "not"], depth + 1);
      return;
    }
    if ("op" in c) {
      this.opArgs(c.op, c.args, path, 0);
      return;
    }
    this.add("UNKNOWN_OPERATOR", path, { operator: safeNames(Object.keys(c), ",") });
  }

  outcome(o: unknown, path: FieldPath): void {
    if (!isObj(o)) {
      this.invalid(path, "expected an outcome object");
      return;
    }
    if (o.entitlements !== undefined) {
      if (!Array.isArray(o.entitlements)) this.invalid([...path, "entitlements"], "expected a list of ids");
      else
        o.entitlements.forEach((e, i) => {
          this.id(e, [...path, "entitlements", i]);
        });
    }
    if (o.values !== undefined) {
      if (!isObj(o.values)) this.invalid([...path, "values"], "expected an object of operands");
      else for (const [k, v] of Object.entries(o.values)) this.operand(v, [...path, "values", k]);
    }
  }

  rule(r: unknown, path: FieldPath): void {
    if (!isObj(r)) {
      this.invalid(path, "expected a rule object");
      return;
    }
    this.id(r.id, [...path, "id"]);
    this.text(r.label, [...path, "label"]);
    this.condition(r.when, [...path, "when"]);
    this.outcome(r.outcome, [...path, "outcome"]);
    if (r.priority !== undefined && (typeof r.priority !== "number" || !Number.isFinite(r.priority)))
      this.invalid([...path, "priority"], "expected a number");
  }

  decision(d: unknown, path: FieldPath): void {
    if (!isObj(d)) {
      this.invalid(path, "expected a decision object");
      return;
    }
    if (typeof d.hit !== "string" || !HITS.has(d.hit))
      this.invalid([...path, "hit"], "hit policy must be first, unique, collect or priority");
    if (d.otherwise !== undefined) this.outcome(d.otherwise, [...path, "otherwise"]);
    const ids = new Set<string>();
    const unique = (id: unknown, p: FieldPath) => {
      if (typeof id === "string" && ids.has(id)) this.add("DUPLICATE_ID", p, { id: safeName(id) });
      if (typeof id === "string") ids.add(id);
    };
    if (d.kind === "rules") {
      if (!Array.isArray(d.rules)) {
        this.invalid([...path, "rules"], "expected a list of rules");
        return;
      }
      d.rules.forEach((r, i) => {
        this.rule(r, [...path, "rules", i]);
        if (isObj(r)) unique(r.id, [...path, "rules", i, "id"]);
      });
      return;
    }
    if (d.kind !== "table") {
      this.invalid([...path, "kind"], "decision kind must be rules or table");
      return;
    }
    if (!Array.isArray(d.inputs)) {
      this.invalid([...path, "inputs"], "expected a list of inputs");
      return;
    }
    d.inputs.forEach((inp, i) => {
      if (!isObj(inp)) {
        this.invalid([...path, "inputs", i], "expected an input object");
        return;
      }
      this.id(inp.id, [...path, "inputs", i, "id"]);
      this.text(inp.label, [...path, "inputs", i, "label"]);
      this.operand(inp.expr, [...path, "inputs", i, "expr"]);
    });
    if (!Array.isArray(d.rows)) {
      this.invalid([...path, "rows"], "expected a list of rows");
      return;
    }
    d.rows.forEach((row, i) => {
      const rp = [...path, "rows", i];
      if (!isObj(row)) {
        this.invalid(rp, "expected a row object");
        return;
      }
      this.id(row.id, [...rp, "id"]);
      unique(row.id, [...rp, "id"]);
      this.text(row.label, [...rp, "label"]);
      this.outcome(row.outcome, [...rp, "outcome"]);
      const inputs = d.inputs as unknown[];
      if (!Array.isArray(row.cells) || row.cells.length !== inputs.length) {
        this.invalid([...rp, "cells"], `expected ${inputs.length} cells`);
        return;
      }
      row.cells.forEach((cell, j) => {
        if (cell === null) return;
        if (!isObj(cell)) {
          this.invalid([...rp, "cells", j], "expected a cell object or null");
          return;
        }
        this.opArgs(cell.op, cell.args, [...rp, "cells", j], 1);
      });
      if (row.priority !== undefined && (typeof row.priority !== "number" || !Number.isFinite(row.priority)))
        this.invalid([...rp, "priority"], "expected a number");
    });
  }

  version(v: unknown, path: FieldPath): void {
    if (!isObj(v)) {
      this.invalid(path, "expected a version object");
      return;
    }
    this.id(v.version, [...path, "version"]);
    const fromOk = this.date(v.from, [...path, "from"]);
    if (v.to !== undefined && this.date(v.to, [...path, "to"]) && fromOk && (v.to as string) < (v.from as string))
      this.add("DATE_ORDER", [...path, "to"]);
    this.params = new Set();
    if (!isObj(v.params)) this.invalid([...path, "params"], "expected an object of parameters");
    else
      for (const [name, p] of Object.entries(v.params)) {
        const pp = [...path, "params", name];
        this.params.add(name);
        if (!isObj(p)) {
          this.invalid(pp, "expected a parameter object");
          continue;
        }
        if (p.label !== undefined) this.text(p.label, [...pp, "label"]);
        this.value(p.value, [...pp, "value"]);
        if (p.changes !== undefined) {
          if (!Array.isArray(p.changes)) {
            this.invalid([...pp, "changes"], "expected a list of dated values");
            continue;
          }
          let last = typeof v.from === "string" ? v.from : "";
          p.changes.forEach((ch, i) => {
            if (!isObj(ch)) {
              this.invalid([...pp, "changes", i], "expected a dated value");
              return;
            }
            this.value(ch.value, [...pp, "changes", i, "value"]);
            if (this.date(ch.from, [...pp, "changes", i, "from"])) {
              if ((ch.from as string) <= last)
                this.add("OVERLAPPING_PERIODS", [...pp, "changes", i, "from"], { policy: safeName(name) });
              last = ch.from as string;
            }
          });
        }
      }
    this.decision(v.decision, [...path, "decision"]);
  }

  policy(p: unknown): void {
    if (!isObj(p)) {
      this.invalid([], "expected a policy object");
      return;
    }
    if (p.format !== POLICY_FORMAT) this.invalid(["format"], `expected ${POLICY_FORMAT}`);
    this.id(p.id, ["id"]);
    this.text(p.title, ["title"]);
    if (p.facts !== this.facts.id) this.invalid(["facts"], `expected fact set ${this.facts.id}`);
    if (p.source !== undefined) {
      if (!isObj(p.source) || typeof p.source.document !== "string" || typeof p.source.quote !== "string")
        this.invalid(["source"], "expected { document, quote }");
    }
    if (p.readings !== undefined) {
      if (!isObj(p.readings)) this.invalid(["readings"], "expected an object of texts");
      else for (const [k, t] of Object.entries(p.readings)) this.text(t, ["readings", safeName(k)]);
    }
    if (!Array.isArray(p.versions) || p.versions.length === 0) {
      this.invalid(["versions"], "expected at least one version");
      return;
    }
    p.versions.forEach((v, i) => {
      this.version(v, ["versions", i]);
    });
    // Versions of one policy may not overlap: on any date at most one is in effect.
    const spans = p.versions
      .map((v, i) => ({ v: v as Obj, i }))
      .filter(({ v }) => isObj(v) && typeof v.from === "string")
      .sort((a, b) => ((a.v.from as string) < (b.v.from as string) ? -1 : 1));
    const seen = new Set<string>();
    for (let k = 0; k < spans.length; k++) {
      const cur = spans[k] as { v: Obj; i: number };
      if (typeof cur.v.version === "string") {
        if (seen.has(cur.v.version))
          this.add("DUPLICATE_ID", ["versions", cur.i, "version"], { id: safeName(cur.v.version) });
        seen.add(cur.v.version);
      }
      const next = spans[k + 1];
      if (next && (cur.v.to === undefined || (cur.v.to as string) >= (next.v.from as string)))
        this.add("OVERLAPPING_PERIODS", ["versions", next.i, "from"], {
          policy: `${safeName(p.id)}@${safeName(next.v.version)}`,
        });
    }
  }
}

/**
 * Validates a policy in its JSON form against a fact set and a rank scale, collecting every issue:
 * unknown facts (`UNKNOWN_FACT`), unknown operators (`UNKNOWN_OPERATOR`), overlapping versions or
 * parameter changes (`OVERLAPPING_PERIODS`), unknown ranks, and structural errors (`INVALID_POLICY`),
 * each with the path of the offending place.
 *
 * @internal
 */
export function checkPolicyJSON(input: unknown, facts: FactSet, scale: RankScale): PolicyJSON {
  const c = new Checker(facts, scale);
  c.policy(input);
  const first = c.issues[0];
  if (first) throw new ElderflowError(first.code, { path: first.path, params: first.params, issues: c.issues });
  return input as PolicyJSON;
}
