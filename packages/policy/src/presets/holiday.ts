import { PersonStatus, RetirementKind } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, RANK_LABEL, RETIREMENT_KIND_LABEL, t } from "./common";

/** The occasions of holiday visits: Spring Festival (lunar new year), July 1, National Day. */
export const HolidayOccasion = z.enum(["spring_festival", "july_1", "national_day"]);
/** A holiday-visit occasion. */
export type HolidayOccasion = z.infer<typeof HolidayOccasion>;

/** The facts the holiday-visit list reads. */
export const HolidayFactsSchema = z.object({
  /** Name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** lixiu or tuixiu. */
  retirementKind: RetirementKind,
  /** Rank id. */
  rank: z.string().min(1).max(40).optional(),
  /** Whether the person is still served. */
  status: PersonStatus.default("active"),
  /** The occasion the list is drawn up for. */
  occasion: HolidayOccasion,
});
/** The facts the holiday-visit list reads. */
export type HolidayFacts = z.output<typeof HolidayFactsSchema>;

/**
 * The fact set of the holiday-visit list.
 *
 * @example
 * ```ts
 * HolidayFactSet.parse({ retirementKind: "tuixiu", occasion: "july_1" }).ok; // true
 * ```
 */
export const HolidayFactSet = defineFacts({
  id: "holiday",
  schema: HolidayFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    retirementKind: RETIREMENT_KIND_LABEL,
    rank: RANK_LABEL,
    status: {
      label: t("状态", "status"),
      values: {
        active: t("在册", "active"),
        deceased: t("已故", "deceased"),
        moved: t("迁出", "moved away"),
        transferred: t("转出", "transferred"),
      },
    },
    occasion: {
      label: t("节日", "occasion"),
      values: {
        spring_festival: t("春节", "Spring Festival"),
        july_1: t("“七一”", "July 1"),
        national_day: t("国庆", "National Day"),
      },
    },
  },
});

/**
 * Holiday visits (rule 3, seed 003): "春节、“七一”区大班子领导都分头带队走访慰问老干部" and, in the
 * PRC's round anniversaries, "围绕建国60周年……走访慰问老干部……送去慰问品和慰问金". Hit policy
 * `collect`: the regular visit and the anniversary visit both apply. A round anniversary is read as
 * a year whose distance from 1949 is a multiple of `anniversaryEvery` (default 10).
 *
 * @example
 * ```ts
 * holidayVisitPolicy().decide({ retirementKind: "tuixiu", status: "active", occasion: "national_day" }, "2029-10-01").entitlements;
 * // ["anniversary_visit"]
 * ```
 */
export function holidayVisitPolicy(options: PolicyOptions = {}): Policy<HolidayFacts> {
  return definePolicy(HolidayFactSet, {
    id: "holiday-visit",
    title: t("节日走访慰问", "Holiday visits"),
    source: {
      document: "seed 003",
      quote:
        "春节、“七一”区大班子领导都分头带队走访慰问老干部……尤其今年围绕建国60周年，全区各级各部门深入开展了走访慰问老干部……活动",
      rule: 3,
    },
    readings: {
      who: t("走访全体在册离退休干部", "every active retired cadre is visited"),
      special: t(
        "逢建国整十周年的国庆加走访，并送慰问品和慰问金",
        "in round PRC anniversaries National Day adds a visit with gifts and money",
      ),
    },
  })
    .version(
      {
        version: "2009",
        from: "2009-01-01",
        params: {
          regularOccasions: { label: t("例行走访节日", "regular occasions"), value: ["spring_festival", "july_1"] },
          foundingYear: { label: t("建国年份", "founding year"), value: 1949 },
          anniversaryEvery: { label: t("整数周年间隔", "round anniversaries every"), value: 10 },
        },
      },
      (d) =>
        d.rules("collect", [
          d.rule(
            "regular",
            t("春节、“七一”领导班子走访慰问", "leadership visits at Spring Festival and July 1"),
            d.all(d.eq("status", "active"), d.isIn("occasion", d.param("regularOccasions"))),
            d.grant(["holiday_visit"], { visitors: "leadership_team" }),
          ),
          d.rule(
            "anniversary",
            t(
              "建国整十周年国庆走访，送慰问品和慰问金",
              "round PRC anniversary: National Day visit with gifts and money",
            ),
            d.all(
              d.eq("status", "active"),
              d.eq("occasion", "national_day"),
              d.multipleOf(d.arith("sub", d.asOf("year"), d.param("foundingYear")), d.param("anniversaryEvery")),
            ),
            d.grant(["anniversary_visit"], { visitors: "leadership_team", gifts: ["gifts", "money"] }),
          ),
        ]),
    )
    .build(options);
}
