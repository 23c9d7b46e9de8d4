import { IsoDateSchema } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, t } from "./common";

/** The facts the priority-target flags read: the person fields of core's Person that rule 10 uses. */
export const PriorityFactsSchema = z.object({
  /** Name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** Birth date. */
  birthDate: IsoDateSchema,
  /** Household facts. */
  household: z
    .object({
      /** Lives alone. */
      livesAlone: z.boolean().optional(),
      /** Has children nearby. */
      childrenNearby: z.boolean().optional(),
    })
    .optional(),
  /** Health facts (personal data: masked in traces). */
  health: z
    .object({
      /** Number of chronic conditions. */
      chronicConditions: z.number().int().min(0).max(50).optional(),
      /** Mobility limited. */
      mobilityLimited: z.boolean().optional(),
    })
    .optional(),
});
/** The facts the priority-target flags read. */
export type PriorityFacts = z.output<typeof PriorityFactsSchema>;

/**
 * The fact set of the priority-target flags.
 *
 * @example
 * ```ts
 * PriorityFactSet.parse({ birthDate: "1940-01-01" }).ok; // true
 * ```
 */
export const PriorityFactSet = defineFacts({
  id: "priority",
  schema: PriorityFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    birthDate: { label: t("出生日期", "birth date"), kind: "date" },
    "household.livesAlone": { label: t("独居", "lives alone") },
    "household.childrenNearby": { label: t("子女在身边", "children nearby") },
    "health.chronicConditions": { label: t("慢性病数", "chronic conditions"), sensitive: "hidden" },
    "health.mobilityLimited": { label: t("行动不便", "mobility limited"), sensitive: "hidden" },
  },
});

/**
 * Priority targets (rule 10, seed 001): "高龄、空巢、多病、生活不便的老干部作为重点服务对象". Hit policy
 * `collect`: each flag is an entitlement (`priority:advanced_age`, `priority:empty_nest`,
 * `priority:multi_illness`, `priority:mobility_limited`). Thresholds are parameters (80 and 2,
 * as in core's `priorityFlags`, which this preset agrees with).
 *
 * @example
 * ```ts
 * priorityTargetPolicy().decide({ birthDate: "1940-05-01", household: { livesAlone: true } }, "2027-01-01").entitlements;
 * // ["priority:advanced_age", "priority:empty_nest"]
 * ```
 */
export function priorityTargetPolicy(options: PolicyOptions = {}): Policy<PriorityFacts> {
  return definePolicy(PriorityFactSet, {
    id: "priority-target",
    title: t("重点服务对象", "Priority service targets"),
    source: { document: "seed 001", quote: "把高龄、空巢、多病、生活不便的老干部作为重点服务对象", rule: 10 },
    readings: {
      old: t("高龄：80周岁及以上", "very old: 80 and over"),
      nest: t("空巢：独居，或子女不在身边", "empty nest: lives alone, or no children nearby"),
      ill: t("多病：两种及以上慢性病", "multi-illness: two or more chronic conditions"),
    },
  })
    .version(
      {
        version: "2009",
        from: "2009-01-01",
        params: {
          advancedAge: { label: t("高龄起始周岁", "very old from age"), value: 80 },
          multiIllnessFrom: { label: t("多病起始病种数", "multi-illness from conditions"), value: 2 },
        },
      },
      (d) =>
        d.rules("collect", [
          d.rule(
            "advanced_age",
            t("高龄", "very old"),
            d.ge(d.age("birthDate"), d.param("advancedAge")),
            d.grant(["priority:advanced_age"]),
          ),
          d.rule(
            "empty_nest",
            t("空巢", "empty nest"),
            d.any(d.eq("household.livesAlone", true), d.eq("household.childrenNearby", false)),
            d.grant(["priority:empty_nest"]),
          ),
          d.rule(
            "multi_illness",
            t("多病", "multi-illness"),
            d.ge("health.chronicConditions", d.param("multiIllnessFrom")),
            d.grant(["priority:multi_illness"]),
          ),
          d.rule(
            "mobility_limited",
            t("生活不便", "mobility limited"),
            d.eq("health.mobilityLimited", true),
            d.grant(["priority:mobility_limited"]),
          ),
        ]),
    )
    .build(options);
}
