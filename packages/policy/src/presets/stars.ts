import { type IsoDate, maskName } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { explain } from "../explain";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, t } from "./common";

/** The facts the star rating reads: cumulative verified service minutes (spending never lowers them). */
export const StarFactsSchema = z.object({
  /** Volunteer name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** Cumulative verified service, in minutes (earned, not the balance). */
  verifiedMinutes: z.number().int().min(0),
});
/** The facts the star rating reads. */
export type StarFacts = z.output<typeof StarFactsSchema>;

/**
 * The fact set of the star rating.
 *
 * @example
 * ```ts
 * StarFactSet.parse({ verifiedMinutes: 6000 }).ok; // true
 * ```
 */
export const StarFactSet = defineFacts({
  id: "stars",
  schema: StarFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    verifiedMinutes: {
      label: t("累计核实服务分钟数", "cumulative verified minutes"),
      template: t("累计服务{value}分钟", "{value} verified minutes"),
    },
  },
});

/** Readings of rule 14. */
export interface StarReadings {
  /** Minutes per star. Default 6000 (100 hours). */
  readonly minutesPerStar?: number;
  /** Highest rating. Default 5 (500 hours or more). */
  readonly maxStars?: number;
  /** First day in effect. Default `"2000-01-01"`. */
  readonly from?: IsoDate;
}

/**
 * The star rating (rule 14, seed 004): "each 100 hours of cumulative verified service is one star
 * (100 h = 1 star … 500 h or more = 5 stars; under 100 h: no star)". The report also weighs the
 * feedback of those served; it gives no formula for it, so feedback is left to the assessors and
 * not part of this policy.
 *
 * @example
 * ```ts
 * starPolicy().decide({ verifiedMinutes: 250 * 60 }, "2027-01-01").values.stars; // 2
 * ```
 */
export function starPolicy(readings: StarReadings = {}, options: PolicyOptions = {}): Policy<StarFacts> {
  return definePolicy(StarFactSet, {
    id: "stars",
    title: t("志愿者星级评定", "Volunteer star rating"),
    source: {
      document: "seed 004",
      quote: "每累计服务100小时为一星级，100小时为一星……500小时以上为五星（不足100小时不评星）",
      rule: 14,
    },
    readings: {
      hours: t(
        "只计累计核实服务时长，兑换不减星级",
        "only cumulative verified hours count; spending never lowers a rating",
      ),
      feedback: t(
        "报告未给出服务对象评价的计分方法，不纳入本政策",
        "the report gives no formula for feedback, so it is not part of this policy",
      ),
    },
  })
    .version(
      {
        version: "2010",
        from: readings.from ?? "2000-01-01",
        params: {
          minutesPerStar: { label: t("每星分钟数", "minutes per star"), value: readings.minutesPerStar ?? 6000 },
          maxStars: { label: t("最高星级", "highest rating"), value: readings.maxStars ?? 5 },
        },
      },
      (d) =>
        d.rules(
          "first",
          [
            d.rule(
              "rated",
              t("每累计核实服务100小时为一星，最高五星", "one star per 100 verified hours, at most five"),
              d.ge("verifiedMinutes", d.param("minutesPerStar")),
              d.grant(["star_rating"], {
                stars: d.arith(
                  "min",
                  d.floor(d.arith("div", "verifiedMinutes", d.param("minutesPerStar"))),
                  d.param("maxStars"),
                ),
              }),
            ),
          ],
          d.grant([], { stars: 0 }),
        ),
    )
    .build(options);
}

let defaultStars: Policy<StarFacts> | undefined;

/**
 * Stars for cumulative verified (earned) minutes under the star rating in effect on `on` (default:
 * the current version). 100 h = 1 star, 500 h or more = 5, under 100 h = 0.
 *
 * @example
 * ```ts
 * starsForMinutes(99 * 60);  // 0
 * starsForMinutes(100 * 60); // 1
 * starsForMinutes(900 * 60); // 5
 * ```
 */
export function starsForMinutes(earnedMinutes: number, on?: IsoDate): number {
  defaultStars ??= starPolicy();
  const date = on ?? (defaultStars.json.versions.at(-1)?.from as IsoDate);
  const stars = defaultStars.decide({ verifiedMinutes: earnedMinutes }, date).values.stars;
  return typeof stars === "number" && Number.isFinite(stars) ? stars : 0;
}

// --- #15 year-end rating (评定) ---

/** The facts the year-end rating reads: the year's service from the ledger and the served persons' feedback. */
export const YearRatingFactsSchema = z.object({
  /** Volunteer name (personal data, masked in every sentence). */
  name: z.string().min(1).max(100).optional(),
  /** Verified service minutes given in the year, net of reversals. */
  yearMinutes: z.number().int().min(0),
  /** Cumulative verified service minutes up to the year's end (what rule 14's stars count). */
  cumulativeMinutes: z.number().int().min(0),
  /** Verified services given in the year. */
  services: z.number().int().min(0),
  /** How many served persons gave feedback (满意/不满意 or a score). */
  feedbackCount: z.number().int().min(0),
  /** Share of satisfied feedback, 0–100 (100 when there was none). */
  satisfiedPercent: z.number().min(0).max(100),
});
/** The facts the year-end rating reads. */
export type YearRatingFacts = z.output<typeof YearRatingFactsSchema>;

/**
 * The fact set of the year-end rating.
 *
 * @example
 * ```ts
 * YearRatingFactSet.parse({ yearMinutes: 600, cumulativeMinutes: 6000, services: 5, feedbackCount: 0, satisfiedPercent: 100 }).ok; // true
 * ```
 */
export const YearRatingFactSet = defineFacts({
  id: "year-rating",
  schema: YearRatingFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    yearMinutes: {
      label: t("本年度核实服务分钟数", "verified minutes in the year"),
      template: t("本年度服务{value}分钟", "{value} verified minutes in the year"),
    },
    cumulativeMinutes: {
      label: t("累计核实服务分钟数", "cumulative verified minutes"),
      template: t("累计服务{value}分钟", "{value} cumulative verified minutes"),
    },
    services: {
      label: t("本年度服务次数", "services in the year"),
      template: t("本年度服务{value}次", "{value} services in the year"),
    },
    feedbackCount: {
      label: t("服务对象评价数", "feedback received"),
      template: t("收到评价{value}条", "{value} pieces of feedback"),
    },
    satisfiedPercent: {
      label: t("服务对象满意率（%）", "served persons satisfied (%)"),
      template: t("满意率{value}%", "{value}% satisfied"),
    },
  },
});

/** Default titles of the levels 0 to 5 (configurable). */
export const DEFAULT_RATING_TITLES: readonly { readonly "zh-CN": string; readonly en: string }[] = [
  t("未评星", "not rated"),
  t("一星志愿者", "one-star volunteer"),
  t("二星志愿者", "two-star volunteer"),
  t("三星志愿者", "three-star volunteer"),
  t("四星志愿者", "four-star volunteer"),
  t("五星志愿者", "five-star volunteer"),
];

/** Parameters of the year-end rating that may change on a date (within the one version). */
export interface YearRatingChange {
  /** First day of the new values. */
  readonly from: IsoDate;
  /** Hours for levels 1 to 5. */
  readonly levelHours?: readonly [number, number, number, number, number];
  /** Lowest satisfied share (%) that keeps the level. */
  readonly minSatisfiedPercent?: number;
  /** Fewest pieces of feedback for the share to count. */
  readonly minFeedback?: number;
  /** Fewest verified minutes in the year to be rated at all. */
  readonly minYearMinutes?: number;
  /** Fewest verified services in the year to be rated at all. */
  readonly minServices?: number;
}

/** Readings of the year-end rating (every one configurable; defaults are rule 14's). */
export interface YearRatingReadings {
  /** Which hours the levels count: `cumulative` (rule 14, default) or the year's own. */
  readonly basis?: "cumulative" | "year";
  /** Hours for levels 1 to 5. Default 100, 200, 300, 400, 500 (rule 14). */
  readonly levelHours?: readonly [number, number, number, number, number];
  /** Lowest satisfied share (%) that keeps the level. Default 80 (a local parameter: the report gives none). */
  readonly minSatisfiedPercent?: number;
  /** Fewest pieces of feedback for the share to count. Default 1. */
  readonly minFeedback?: number;
  /** Poor feedback lowers the level by one (`lower`, default) or withholds the rating (`withhold`). */
  readonly poorFeedback?: "lower" | "withhold";
  /** Fewest verified minutes in the year to be rated at all. Default 1 (some service in the year). */
  readonly minYearMinutes?: number;
  /** Fewest verified services in the year to be rated at all. Default 0. */
  readonly minServices?: number;
  /** Titles of levels 0 to 5, zh-CN and en. Default {@link DEFAULT_RATING_TITLES}. */
  readonly titles?: readonly { readonly "zh-CN": string; readonly en: string }[];
  /** First day in effect. Default `"2000-01-01"`. */
  readonly from?: IsoDate;
  /** Later values of the parameters, by strictly increasing date. */
  readonly changes?: readonly YearRatingChange[];
}

const LEVEL_PARAMS = ["level1Minutes", "level2Minutes", "level3Minutes", "level4Minutes", "level5Minutes"] as const;

/**
 * The bureau's year-end star rating (评定, rule 14, seed 004): at the year's end each volunteer is
 * rated one to five stars on their verified hours ("每累计服务100小时为一星级……500小时以上为五星"),
 * provided they served in the year, and weighed by the served persons' feedback. The report gives
 * no formula for the feedback, so it is a reading: below `minSatisfiedPercent` satisfied (with at
 * least `minFeedback` pieces) the level is lowered by one, or withheld. Titles are parameters, so a
 * district names its levels (一星…五星志愿者) and changes them by date.
 *
 * @example
 * ```ts
 * const policy = yearEndRatingPolicy();
 * const facts = { yearMinutes: 3000, cumulativeMinutes: 13000, services: 20, feedbackCount: 10, satisfiedPercent: 90 };
 * policy.decide(facts, "2027-12-31").values.level; // 2
 * ```
 */
export function yearEndRatingPolicy(
  readings: YearRatingReadings = {},
  options: PolicyOptions = {},
): Policy<YearRatingFacts> {
  const hours = readings.levelHours ?? [100, 200, 300, 400, 500];
  const titles = readings.titles ?? DEFAULT_RATING_TITLES;
  const changes = readings.changes ?? [];
  const basis = readings.basis === "year" ? "yearMinutes" : "cumulativeMinutes";
  const dated = (pick: (c: YearRatingChange) => number | undefined) =>
    changes.flatMap((c) => {
      const v = pick(c);
      return v === undefined ? [] : [{ from: c.from, value: v }];
    });
  const param = (label: ReturnType<typeof t>, value: number, pick: (c: YearRatingChange) => number | undefined) => {
    const later = dated(pick);
    return { label, value, ...(later.length > 0 ? { changes: later } : {}) };
  };
  const lower = (readings.poorFeedback ?? "lower") === "lower";
  return definePolicy(YearRatingFactSet, {
    id: "year-rating",
    title: t("志愿者年终星级评定", "Volunteer year-end star rating"),
    source: {
      document: "seed 004",
      quote: "每累计服务100小时为一星级，100小时为一星……500小时以上为五星（不足100小时不评星）",
      rule: 14,
    },
    readings: {
      basis:
        basis === "cumulativeMinutes"
          ? t(
              "按累计核实服务时长定星级，当年须有核实服务",
              "levels count cumulative verified hours; the volunteer must have served in the year",
            )
          : t("按本年度核实服务时长定星级", "levels count the year's verified hours"),
      feedback: lower
        ? t(
            "服务对象满意率低于下限时降一星（报告未给出计分方法，下限为本地参数）",
            "feedback below the satisfied share lowers the level by one (the report gives no formula: the share is a local parameter)",
          )
        : t(
            "服务对象满意率低于下限时本年度不评星（下限为本地参数）",
            "feedback below the satisfied share withholds the year's rating (the share is a local parameter)",
          ),
    },
  })
    .version(
      {
        version: "2010",
        from: readings.from ?? "2000-01-01",
        params: {
          level1Minutes: param(t("一星所需分钟数", "minutes for one star"), hours[0] * 60, (c) =>
            mul60(c.levelHours?.[0]),
          ),
          level2Minutes: param(t("二星所需分钟数", "minutes for two stars"), hours[1] * 60, (c) =>
            mul60(c.levelHours?.[1]),
          ),
          level3Minutes: param(t("三星所需分钟数", "minutes for three stars"), hours[2] * 60, (c) =>
            mul60(c.levelHours?.[2]),
          ),
          level4Minutes: param(t("四星所需分钟数", "minutes for four stars"), hours[3] * 60, (c) =>
            mul60(c.levelHours?.[3]),
          ),
          level5Minutes: param(t("五星所需分钟数", "minutes for five stars"), hours[4] * 60, (c) =>
            mul60(c.levelHours?.[4]),
          ),
          minSatisfiedPercent: param(
            t("满意率下限（%）", "lowest satisfied share (%)"),
            readings.minSatisfiedPercent ?? 80,
            (c) => c.minSatisfiedPercent,
          ),
          minFeedback: param(
            t("满意率计入所需评价数", "feedback needed for the share to count"),
            readings.minFeedback ?? 1,
            (c) => c.minFeedback,
          ),
          minYearMinutes: param(
            t("本年度最少服务分钟数", "fewest minutes in the year"),
            readings.minYearMinutes ?? 1,
            (c) => c.minYearMinutes,
          ),
          minServices: param(
            t("本年度最少服务次数", "fewest services in the year"),
            readings.minServices ?? 0,
            (c) => c.minServices,
          ),
          titlesZh: { label: t("各级称号（中文）", "titles (zh-CN)"), value: titles.map((x) => x["zh-CN"]) },
          titlesEn: { label: t("各级称号（英文）", "titles (en)"), value: titles.map((x) => x.en) },
        },
      },
      (d) => {
        const poor = d.all(
          d.ge("feedbackCount", d.param("minFeedback")),
          d.lt("satisfiedPercent", d.param("minSatisfiedPercent")),
        );
        const reaches = (k: number) => d.ge(basis, d.param(LEVEL_PARAMS[k - 1] as (typeof LEVEL_PARAMS)[number]));
        const levels = [5, 4, 3, 2, 1];
        return d.rules(
          "first",
          [
            d.rule(
              "inactive",
              t(
                "本年度无核实服务（或不足下限），不参加评定",
                "no verified service in the year (or too little): not rated",
              ),
              d.any(d.lt("yearMinutes", d.param("minYearMinutes")), d.lt("services", d.param("minServices"))),
              d.grant([], { level: 0 }),
            ),
            ...(lower
              ? levels.map((k) =>
                  d.rule(
                    `level${k}_lowered`,
                    t(
                      `达到${k}星时长，但服务对象满意率不足，${k > 1 ? `降为${k - 1}星` : "本年度不评星"}`,
                      `hours for ${k} star${k > 1 ? "s" : ""}, but feedback below the share: ${k > 1 ? `lowered to ${k - 1}` : "not rated"}`,
                    ),
                    d.all(poor, reaches(k)),
                    d.grant(k - 1 > 0 ? ["star_rating"] : [], { level: k - 1 }),
                  ),
                )
              : [
                  d.rule(
                    "withheld",
                    t("服务对象满意率不足，本年度不评星", "feedback below the share: the year's rating is withheld"),
                    poor,
                    d.grant([], { level: 0 }),
                  ),
                ]),
            ...levels.map((k) =>
              d.rule(
                `level${k}`,
                t(`达到${k}星所需核实服务时长`, `verified hours for ${k} star${k > 1 ? "s" : ""}`),
                reaches(k),
                d.grant(["star_rating"], { level: k }),
              ),
            ),
          ],
          d.grant([], { level: 0 }),
        );
      },
    )
    .build(options);
}

const mul60 = (h: number | undefined) => (h === undefined ? undefined : h * 60);

/**
 * One volunteer's year-end rating: the level, its title in zh-CN and en, the rule that decided it,
 * and the explanation sentence (name masked).
 *
 * @example
 * ```ts
 * const r: YearRating = rateYearEnd(yearEndRatingPolicy(), facts, "2027-12-31");
 * r.title.en; // "two-star volunteer"
 * ```
 */
export interface YearRating {
  /** 0 (not rated) to 5. */
  readonly level: number;
  /** The level's title. */
  readonly title: { readonly "zh-CN": string; readonly en: string };
  /** The deciding rule id (`level3`, `level3_lowered`, `inactive`, …; empty when none matched). */
  readonly rule: string;
  /** Why, in one sentence per language, personal data masked. */
  readonly explanation: { readonly "zh-CN": string; readonly en: string };
}

/**
 * Rates one volunteer's year under the year-end rating in force on `on` (usually 31 December).
 *
 * @example
 * ```ts
 * rateYearEnd(yearEndRatingPolicy(), { name: "张小三", yearMinutes: 600, cumulativeMinutes: 6000,
 *   services: 4, feedbackCount: 2, satisfiedPercent: 100 }, "2027-12-31").explanation["zh-CN"]; // names 张*三
 * ```
 */
export function rateYearEnd(policy: Policy<YearRatingFacts>, facts: YearRatingFacts, on: IsoDate): YearRating {
  const e = explain(policy, facts, on);
  const level = typeof e.decision.values.level === "number" ? e.decision.values.level : 0;
  const zh = e.params.titlesZh;
  const en = e.params.titlesEn;
  const titleZh = Array.isArray(zh) ? zh[level] : undefined;
  const titleEn = Array.isArray(en) ? en[level] : undefined;
  const rule = e.decision.rules[0] ?? "";
  const trace = e.rules.find((r) => r.id === rule);
  const name = facts.name === undefined ? undefined : maskName(facts.name);
  const because = (lang: "zh-CN" | "en") => {
    const title = String((lang === "en" ? titleEn : titleZh) ?? level);
    const why =
      trace === undefined
        ? ""
        : `${trace.label[lang]}${lang === "en" ? " (" : "（"}${trace.condition.text[lang]}${lang === "en" ? ")" : "）"}`;
    const sep = lang === "en" ? ": " : "：";
    return `${name === undefined ? "" : `${name}${sep}`}${title}${why === "" ? "" : `${sep}${why}`}`;
  };
  return {
    level,
    title: { "zh-CN": String(titleZh ?? level), en: String(titleEn ?? level) },
    rule,
    explanation: { "zh-CN": because("zh-CN"), en: because("en") },
  };
}
