import {
  type AgeOptions,
  addDays,
  defaultRankScale,
  ElderflowError,
  type IsoDate,
  isIsoDate,
  type RankScale,
  type Result,
} from "@elderflow/core";
import { checkPolicyJSON } from "./check";
import { type CompiledSegment, compileSegment, type LoweredDecision, lower, SEVERAL } from "./compile";
import type { FactSet } from "./facts";
import type { PolicyJSON, PolicyVersion, Value } from "./model";
import { safeName } from "./words";

/** The decision of a policy for one set of facts on one date. */
export interface Decision {
  /** Policy id. */
  readonly policy: string;
  /** The version that decided. */
  readonly version: string;
  /** The as-of date. */
  readonly on: IsoDate;
  /** Whether any rule matched. */
  readonly granted: boolean;
  /** Ids of the deciding rules (one for first / unique / priority, every match for collect). */
  readonly rules: readonly string[];
  /** Entitlements granted, in rule order, without repeats. */
  readonly entitlements: readonly string[];
  /** Output values (for several rules under collect, the earliest rule's value of a name wins). */
  readonly values: Readonly<Record<string, Value>>;
}

/** Options of {@link createPolicy} and {@link loadPolicy}. */
export interface PolicyOptions {
  /** Rank scale for `rankAtLeast` / `rankBelow` (default: the civil-service scale). */
  readonly scale?: RankScale;
  /** Age counting (how a Feb 29 birthday completes a year in common years). */
  readonly age?: AgeOptions;
}

/** Which version to evaluate: by default the one in effect on the date; naming one evaluates it as if in effect (impact analysis). */
export interface DecideOptions {
  /** A version id to evaluate regardless of its effective period. */
  readonly version?: string;
}

/** A resolved version: the JSON, its index, lowered logic and parameter change dates. */
export interface ResolvedVersion {
  /** Position in the policy's `versions`. */
  readonly index: number;
  /** The version as authored. */
  readonly json: PolicyVersion;
  /** Tables lowered to rules. */
  readonly logic: LoweredDecision;
}

/**
 * A validated, effective-dated policy, ready to decide. Compiles each (version, parameter values)
 * segment once, on first use, into a specialised function.
 */
export interface Policy<T = unknown> {
  /** Policy id. */
  readonly id: string;
  /** The JSON form (validated). */
  readonly json: PolicyJSON;
  /** The fact set the policy reads. */
  readonly facts: FactSet;
  /** The rank scale. */
  readonly scale: RankScale;
  /** Age counting options. */
  readonly age: AgeOptions;
  /** The version in effect on a date (or the named one); `POLICY_NOT_EFFECTIVE` / `NOT_FOUND` otherwise. */
  resolve(on: IsoDate, options?: DecideOptions): ResolvedVersion;
  /** Parameter values of the version on a date. */
  paramsOn(on: IsoDate, options?: DecideOptions): Readonly<Record<string, Value>>;
  /** Decides for trusted, typed facts (no parsing). Throws `MULTIPLE_HITS` under `unique` conflicts. */
  decide(facts: T, on: IsoDate, options?: DecideOptions): Decision;
  /**
   * Whether any rule matches: the fastest path, no allocation. The date is trusted (checked only
   * when it leaves the cached segment); {@link Policy.decide} checks every date.
   */
  matches(facts: T, on: IsoDate): boolean;
  /**
   * The compiled evaluator for one date, for bulk evaluation: `(facts) => whether any rule matches`.
   * The version and parameters are resolved once, here.
   */
  evaluator(on: IsoDate, options?: DecideOptions): (facts: T) => boolean;
  /** Parses untrusted facts with the fact set's schema, then decides; never throws for bad input. */
  evaluate(input: unknown, on: IsoDate, options?: DecideOptions): Result<Decision>;
  /** The JSON form. */
  toJSON(): PolicyJSON;
}

interface Segment {
  readonly lo: string;
  readonly hiEx: string;
  readonly version: ResolvedVersion;
  readonly params: Readonly<Record<string, Value>>;
  compiled?: CompiledSegment;
}

const END = "\uffff";

function paramValues(v: PolicyVersion, on: IsoDate): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, p] of Object.entries(v.params)) {
    let value = p.value;
    for (const ch of p.changes ?? []) if (ch.from <= on) value = ch.value;
    out[name] = value;
  }
  return out;
}

/**
 * Builds a policy from its JSON form, validating it against the fact set (unknown facts and
 * operators, overlapping periods, bad dates: an `ElderflowError` naming the place).
 *
 * @example
 * ```ts
 * const policy = createPolicy(json, BirthdayFacts);
 * policy.decide({ retirementKind: "lixiu", rank: "county", age: 75 }, "2027-05-01").granted;
 * ```
 */
export function createPolicy<T = unknown>(json: unknown, facts: FactSet, options: PolicyOptions = {}): Policy<T> {
  const scale = options.scale ?? defaultRankScale;
  const age = options.age ?? {};
  // A policy is what its JSON says: building from objects goes through JSON too (so -0 is 0, and
  // undefined fields are absent), and a stored and reloaded policy decides exactly alike.
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(json));
  } catch {
    throw new ElderflowError("INVALID_POLICY", { params: { detail: "not representable as JSON" } });
  }
  const p = checkPolicyJSON(copy, facts, scale);
  deepFreeze(p);
  const ranks = new Map<string, number>(scale.ids.map((id, i) => [id, i]));
  const versions: ResolvedVersion[] = p.versions.map((v, index) => ({ index, json: v, logic: lower(v.decision) }));
  const byDate = [...versions].sort((a, b) => (a.json.from < b.json.from ? -1 : 1));
  const segments = new Map<string, Segment>();

  function versionOn(on: IsoDate, opts?: DecideOptions): ResolvedVersion {
    if (!isIsoDate(on)) throw new ElderflowError("INVALID_DATE", { path: ["on"] });
    if (opts?.version !== undefined) {
      const v = versions.find((x) => x.json.version === opts.version);
      if (!v)
        throw new ElderflowError("NOT_FOUND", {
          path: ["version"],
          params: { what: `${p.id}@${safeName(opts.version)}` },
        });
      return v;
    }
    for (const v of byDate) if (v.json.from <= on && (v.json.to === undefined || on <= v.json.to)) return v;
    throw new ElderflowError("POLICY_NOT_EFFECTIVE", { path: ["on"], params: { policy: p.id, date: on } });
  }

  function segmentOn(on: IsoDate, opts?: DecideOptions): Segment {
    const v = versionOn(on, opts);
    let lo = v.json.from;
    let hiEx = v.json.to === undefined ? END : addDays(v.json.to, 1);
    for (const x of Object.values(v.json.params))
      for (const c of x.changes ?? []) {
        if (c.from <= on) {
          if (c.from > lo) lo = c.from;
        } else if (c.from < hiEx) hiEx = c.from;
      }
    const key = `${v.index}:${lo}:${hiEx}`;
    let seg = segments.get(key);
    if (!seg) {
      seg = { lo, hiEx, version: v, params: Object.freeze(paramValues(v.json, on)) };
      segments.set(key, seg);
    }
    return seg;
  }

  function compiled(seg: Segment): CompiledSegment {
    if (!seg.compiled) seg.compiled = compileSegment(seg.version.logic, { params: seg.params, ranks, age });
    return seg.compiled;
  }

  // One-entry cache of the segment in effect: the hot path is one string identity check (or two
  // comparisons when the date changes within the segment).
  let cur: Segment | undefined;
  let curLo = "";
  let curHiEx = "";
  const hot: { lastOn: string; match: ((f: unknown, on: string) => number) | undefined } = {
    lastOn: "",
    match: undefined,
  };
  function current(on: IsoDate): CompiledSegment {
    if (cur === undefined || !(on >= curLo && on < curHiEx)) {
      cur = segmentOn(on);
      curLo = cur.lo;
      curHiEx = cur.hiEx;
    }
    const fn = compiled(cur);
    hot.match = fn.matchOne;
    hot.lastOn = on;
    return fn;
  }

  function conflict(seg: Segment, f: unknown, on: IsoDate): never {
    const ids = compiled(seg)
      .matchAll(f, on)
      .map((i) => seg.version.logic.rules[i]?.id ?? String(i));
    const kind = seg.version.json.decision.kind === "table" ? "rows" : "rules";
    throw new ElderflowError("MULTIPLE_HITS", {
      path: ["versions", seg.version.index, "decision", kind],
      params: { rules: ids.join(", ") },
    });
  }

  // Per rule (and for `otherwise`, at index rules.length) the frozen lists a decision shares.
  const shared = new Map<
    LoweredDecision,
    { ents: readonly (readonly string[])[]; ids: readonly (readonly string[])[] }
  >();
  function sharedOf(logic: LoweredDecision) {
    let s = shared.get(logic);
    if (!s) {
      const outcomes = [...logic.rules.map((r) => r.outcome), logic.otherwise];
      s = {
        ents: outcomes.map((o) => Object.freeze([...new Set(o?.entitlements ?? [])])),
        ids: logic.rules.map((r) => Object.freeze([r.id])),
      };
      shared.set(logic, s);
    }
    return s;
  }
  const NONE: readonly string[] = Object.freeze([]);
  let lastValidOn = "";

  function decide(f: T, on: IsoDate, opts?: DecideOptions): Decision {
    if (on !== lastValidOn) {
      if (!isIsoDate(on)) throw new ElderflowError("INVALID_DATE", { path: ["on"] });
      lastValidOn = on;
    }
    let seg: Segment;
    if (opts?.version === undefined) {
      current(on);
      seg = cur as Segment;
    } else seg = segmentOn(on, opts);
    const fn = compiled(seg);
    const logic = seg.version.logic;
    const lists = sharedOf(logic);
    const version = seg.version.json.version;
    if (logic.hit !== "collect") {
      // One deciding rule (or none): the decision shares the rule's frozen lists.
      const i = fn.matchOne(f, on);
      if (i === SEVERAL) conflict(seg, f, on);
      const k = i < 0 ? logic.rules.length : i;
      return {
        policy: p.id,
        version,
        on,
        granted: i >= 0,
        rules: i < 0 ? NONE : (lists.ids[i] as readonly string[]),
        entitlements: lists.ents[k] as readonly string[],
        values: fn.outputs(i, f, on),
      };
    }
    const hits = fn.matchAll(f, on);
    const entitlements: string[] = [];
    const values: Record<string, Value> = {};
    const take = (i: number) => {
      for (const e of lists.ents[i < 0 ? logic.rules.length : i] ?? [])
        if (!entitlements.includes(e)) entitlements.push(e);
      for (const [k, v] of Object.entries(fn.outputs(i, f, on))) if (!Object.hasOwn(values, k)) values[k] = v;
    };
    if (hits.length === 0) take(-1);
    for (const i of hits) take(i);
    return {
      policy: p.id,
      version,
      on,
      granted: hits.length > 0,
      rules: hits.map((i) => logic.rules[i]?.id ?? String(i)),
      entitlements,
      values,
    };
  }

  const policy: Policy<T> = {
    id: p.id,
    json: p,
    facts,
    scale,
    age,
    resolve: versionOn,
    paramsOn: (on, opts) => segmentOn(on, opts).params,
    decide,
    matches: monomorphic<(f: T, on: IsoDate) => boolean>(
      ["hot", "current", "conflict"],
      `return function matches(f, on) {
        let match = hot.match;
        if (on !== hot.lastOn || match === undefined) match = current(on).matchOne;
        const i = match(f, on);
        if (i === ${SEVERAL}) conflict(f, on);
        return i >= 0;
      };`,
      hot,
      current,
      (f: unknown, on: IsoDate) => conflict(cur as Segment, f, on),
    ),
    evaluator(on: IsoDate, opts?: DecideOptions): (facts: T) => boolean {
      const seg = segmentOn(on, opts);
      return monomorphic<(f: T) => boolean>(
        ["match", "on", "conflict"],
        `return function evaluate(f) {
          const i = match(f, on);
          if (i === ${SEVERAL}) conflict(f);
          return i >= 0;
        };`,
        compiled(seg).matchOne,
        on,
        (f: unknown) => conflict(seg, f, on),
      );
    },
    evaluate(input: unknown, on: IsoDate, opts?: DecideOptions): Result<Decision> {
      const parsed = facts.parse(input, ["facts"]);
      if (!parsed.ok) return parsed;
      try {
        return { ok: true, value: decide(parsed.value as T, on, opts) };
      } catch (e) {
        if (e instanceof ElderflowError) return { ok: false, error: e };
        throw e;
      }
    },
    toJSON: () => p,
  };
  return Object.freeze(policy);
}

/**
 * Builds a small wrapper from source, once per policy (or evaluator). A closure literal shared by
 * every policy would see every policy's compiled function at one call site and stop inlining it;
 * a wrapper of its own keeps the call site monomorphic, so the compiled rule inlines into it.
 */
function monomorphic<F>(names: readonly string[], source: string, ...deps: unknown[]): F {
  return new Function(...names, source)(...deps) as F;
}

function deepFreeze(v: unknown): void {
  if (typeof v !== "object" || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
