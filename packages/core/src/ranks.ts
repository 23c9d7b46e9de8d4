import { ElderflowError } from "./errors";

/** One step on a rank scale. */
export interface RankLevel {
  /** Stable id used in records, e.g. `"deputy_county"`. */
  readonly id: string;
  /** Chinese name, e.g. 副县/副处级. */
  readonly zh: string;
  /** English name. */
  readonly en: string;
}

/**
 * An ordered, configurable rank scale. Comparisons always go through the scale's order, never
 * through string order of the ids.
 */
export interface RankScale {
  /** The levels, lowest first. */
  readonly levels: readonly RankLevel[];
  /** The ids, lowest first. */
  readonly ids: readonly string[];
  /** Whether an id is on the scale. */
  has(rank: string): boolean;
  /** Position of a rank (0 = lowest); throws `UNKNOWN_RANK` for an id not on the scale. */
  indexOf(rank: string): number;
  /** Negative if a is lower than b, 0 if equal, positive if higher. */
  compare(a: string, b: string): number;
  /** Whether `rank` is at or above `minimum`. */
  atLeast(rank: string, minimum: string): boolean;
  /** Whether `rank` is strictly below `limit`. */
  below(rank: string, limit: string): boolean;
  /** The level record for an id. */
  level(rank: string): RankLevel;
}

/**
 * Builds a rank scale from its levels, lowest first. Ids must be unique and non-empty.
 *
 * @example
 * ```ts
 * const scale = createRankScale([
 *   { id: "staff", zh: "职员", en: "staff" },
 *   { id: "head", zh: "负责人", en: "head" },
 * ]);
 * scale.atLeast("head", "staff"); // true
 * ```
 */
export function createRankScale(levels: readonly RankLevel[]): RankScale {
  if (levels.length === 0) throw new ElderflowError("INVALID_RANK_SCALE", { params: { detail: "no levels" } });
  const index = new Map<string, number>();
  levels.forEach((l, i) => {
    if (!l.id) throw new ElderflowError("INVALID_RANK_SCALE", { path: [i, "id"], params: { detail: "empty id" } });
    if (index.has(l.id))
      throw new ElderflowError("INVALID_RANK_SCALE", { path: [i, "id"], params: { detail: `duplicate id ${l.id}` } });
    index.set(l.id, i);
  });
  const frozen = Object.freeze(levels.map((l) => Object.freeze({ ...l })));
  const indexOf = (rank: string): number => {
    const i = index.get(rank);
    if (i === undefined) throw new ElderflowError("UNKNOWN_RANK", { path: ["rank"] });
    return i;
  };
  return Object.freeze({
    levels: frozen,
    ids: Object.freeze(frozen.map((l) => l.id)),
    has: (rank: string) => index.has(rank),
    indexOf,
    compare: (a: string, b: string) => indexOf(a) - indexOf(b),
    atLeast: (rank: string, minimum: string) => indexOf(rank) >= indexOf(minimum),
    below: (rank: string, limit: string) => indexOf(rank) < indexOf(limit),
    level: (rank: string) => frozen[indexOf(rank)] as RankLevel,
  });
}

/**
 * The default civil-service rank scale, lowest first: 办事员, 科员, 副科级, 正科级, 副县/副处级,
 * 正县/正处级, 副厅/副局级, 正厅/正局级, 副部级, 正部级.
 */
export const DEFAULT_RANK_LEVELS: readonly RankLevel[] = [
  { id: "clerk", zh: "办事员", en: "clerk" },
  { id: "section_member", zh: "科员", en: "section member" },
  { id: "deputy_section", zh: "副科级", en: "deputy section" },
  { id: "section", zh: "正科级", en: "section" },
  { id: "deputy_county", zh: "副县级", en: "deputy-county" },
  { id: "county", zh: "正县级", en: "county" },
  { id: "deputy_department", zh: "副厅级", en: "deputy-department" },
  { id: "department", zh: "正厅级", en: "department" },
  { id: "deputy_ministry", zh: "副部级", en: "deputy-ministry" },
  { id: "ministry", zh: "正部级", en: "ministry" },
];

/** The ids of the default rank scale, lowest first. */
export const DEFAULT_RANK_IDS = [
  "clerk",
  "section_member",
  "deputy_section",
  "section",
  "deputy_county",
  "county",
  "deputy_department",
  "department",
  "deputy_ministry",
  "ministry",
] as const;

/** A rank id of the default scale. */
export type DefaultRank = (typeof DEFAULT_RANK_IDS)[number];

/**
 * The default rank scale.
 *
 * @example
 * ```ts
 * defaultRankScale.atLeast("county", "deputy_county"); // true
 * defaultRankScale.atLeast("section", "deputy_county"); // false
 * ```
 */
export const defaultRankScale: RankScale = createRankScale(DEFAULT_RANK_LEVELS);

/**
 * Whether a rank is at or above a minimum on a scale (the default scale if none is given).
 * 副县级以上 (deputy-county and above) is `atLeast(rank, "deputy_county")`.
 *
 * @example
 * ```ts
 * atLeast("deputy_county", "deputy_county"); // true
 * ```
 */
export function atLeast(rank: string, minimum: string, scale: RankScale = defaultRankScale): boolean {
  return scale.atLeast(rank, minimum);
}
