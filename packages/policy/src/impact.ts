import type { IsoDate } from "@elderflow/core";
import type { Policy } from "./policy";

/** One side of an impact analysis: a policy and, optionally, the version to evaluate as if in effect. */
export interface ImpactSide<T> {
  /** The policy. */
  readonly policy: Policy<T>;
  /** Version id (default: the version in effect on the date). */
  readonly version?: string;
}

/** Options of {@link analyseImpact}. */
export interface ImpactOptions<T> {
  /** The as-of date both sides are evaluated on. */
  readonly on: IsoDate;
  /** The current rule. */
  readonly before: ImpactSide<T>;
  /** The reform. */
  readonly after: ImpactSide<T>;
  /** Id of a record for the report (never a name: reports are shared). */
  readonly idOf: (facts: T, index: number) => string;
  /** Only this entitlement (default: every entitlement). */
  readonly entitlement?: string;
}

/** A person whose entitlements change. */
export interface ImpactChange {
  /** Record id. */
  readonly id: string;
  /** The entitlements gained (in `gains`) or lost (in `losses`). */
  readonly entitlements: readonly string[];
}

/** Who gains and who loses between two versions, with counts (like an OpenFisca reform). */
export interface ImpactReport {
  /** The as-of date. */
  readonly on: IsoDate;
  /** Policy and version before. */
  readonly before: { readonly policy: string; readonly version: string | null };
  /** Policy and version after. */
  readonly after: { readonly policy: string; readonly version: string | null };
  /** Records evaluated. */
  readonly total: number;
  /** Records that gain at least one entitlement. */
  readonly gained: number;
  /** Records that lose at least one entitlement. */
  readonly lost: number;
  /** Records with the same entitlements. */
  readonly unchanged: number;
  /** Records whose evaluation failed on either side (by index and error code). */
  readonly errors: readonly { readonly index: number; readonly code: string }[];
  /** Per entitlement: how many hold it before and after. */
  readonly byEntitlement: Readonly<Record<string, { readonly before: number; readonly after: number }>>;
  /** Who gains what. */
  readonly gains: readonly ImpactChange[];
  /** Who loses what. */
  readonly losses: readonly ImpactChange[];
}

/**
 * Impact analysis of a reform: evaluates two versions (or two policies) over a population on one
 * date with the compiled evaluators, and lists who gains and who loses each entitlement. Streams
 * the population; only the changes are kept.
 *
 * @example
 * ```ts
 * const report = await analyseImpact(population, {
 *   on: "2027-01-01",
 *   before: { policy: birthdayPolicy() },
 *   after: { policy: birthdayPolicy({ ordinaryFromAge: 75 }) },
 *   idOf: (_f, i) => String(i),
 * });
 * report.gained; // how many more people are celebrated
 * ```
 */
export async function analyseImpact<T>(
  population: Iterable<T> | AsyncIterable<T>,
  options: ImpactOptions<T>,
): Promise<ImpactReport> {
  const { on, before, after, idOf, entitlement } = options;
  const gains: ImpactChange[] = [];
  const losses: ImpactChange[] = [];
  const errors: { index: number; code: string }[] = [];
  const byEntitlement: Record<string, { before: number; after: number }> = {};
  let total = 0;
  let unchanged = 0;
  let beforeVersion: string | null = null;
  let afterVersion: string | null = null;
  const keep = (list: readonly string[]) => (entitlement === undefined ? list : list.filter((e) => e === entitlement));
  for await (const facts of population) {
    const index = total++;
    let b: readonly string[];
    let a: readonly string[];
    try {
      const db = before.policy.decide(facts, on, before.version === undefined ? {} : { version: before.version });
      const da = after.policy.decide(facts, on, after.version === undefined ? {} : { version: after.version });
      beforeVersion ??= db.version;
      afterVersion ??= da.version;
      b = keep(db.entitlements);
      a = keep(da.entitlements);
    } catch (e) {
      errors.push({ index, code: (e as { code?: string }).code ?? "INTERNAL" });
      continue;
    }
    const count = (e: string) => {
      byEntitlement[e] ??= { before: 0, after: 0 };
      return byEntitlement[e];
    };
    for (const e of b) count(e).before++;
    for (const e of a) count(e).after++;
    const gained = a.filter((e) => !b.includes(e));
    const lost = b.filter((e) => !a.includes(e));
    if (gained.length === 0 && lost.length === 0) {
      unchanged++;
      continue;
    }
    const id = idOf(facts, index);
    if (gained.length > 0) gains.push({ id, entitlements: gained });
    if (lost.length > 0) losses.push({ id, entitlements: lost });
  }
  return {
    on,
    before: { policy: before.policy.id, version: beforeVersion ?? before.version ?? null },
    after: { policy: after.policy.id, version: afterVersion ?? after.version ?? null },
    total,
    gained: gains.length,
    lost: losses.length,
    unchanged,
    errors,
    byEntitlement,
    gains,
    losses,
  };
}
