import type { IsoDate } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
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
