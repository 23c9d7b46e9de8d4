import { ServiceKind } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, t } from "./common";

/** The facts the volunteer-level check reads. */
export const VolunteerLevelFactsSchema = z.object({
  /** Volunteer name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** The service to be given. */
  serviceKind: ServiceKind,
  /** The volunteer's valid certified level for that skill on the date (core's `certifiedLevel`; 0 if none). */
  certifiedLevel: z.number().int().min(0).max(5),
});
/** The facts the volunteer-level check reads. */
export type VolunteerLevelFacts = z.output<typeof VolunteerLevelFactsSchema>;

/**
 * The fact set of the volunteer-level check.
 *
 * @example
 * ```ts
 * VolunteerLevelFactSet.parse({ serviceKind: "medical_care", certifiedLevel: 3 }).ok; // true
 * ```
 */
export const VolunteerLevelFactSet = defineFacts({
  id: "volunteer-level",
  schema: VolunteerLevelFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    serviceKind: { label: t("服务项目", "service") },
    certifiedLevel: {
      label: t("持证等级", "certified level"),
      template: t("持证{value}级", "certified level {value}"),
    },
  },
});

/**
 * Certified volunteer levels (rule 11, seeds 001 and 004): volunteers "持证上岗", serving only at
 * the level they are certified for. The reports name no levels, so the levels per service are
 * parameters a bureau sets: a decision table with hit policy `unique` whose rows partition the
 * services (professional services: medical care and emergency help; legal aid; everything else).
 * `leveledKinds` must list the professional and legal services: if they drift apart, a service
 * matched by two rows is a `MULTIPLE_HITS` error rather than a silent choice.
 *
 * @example
 * ```ts
 * volunteerLevelPolicy().decide({ serviceKind: "medical_care", certifiedLevel: 1 }, "2027-01-01").granted; // false
 * ```
 */
export function volunteerLevelPolicy(options: PolicyOptions = {}): Policy<VolunteerLevelFacts> {
  return definePolicy(VolunteerLevelFactSet, {
    id: "volunteer-level",
    title: t("志愿者持证上岗", "Certified volunteer levels"),
    source: { document: "seed 001, seed 004", quote: "对志愿者进行培训考核，持证上岗", rule: 11 },
    readings: {
      levels: t(
        "报告未规定各项目等级，按本地参数设定",
        "the reports set no levels per service: they are local parameters",
      ),
    },
  })
    .version(
      {
        version: "2010",
        from: "2009-01-01",
        params: {
          professionalKinds: {
            label: t("专业服务项目", "professional services"),
            value: ["medical_care", "emergency_help"],
          },
          professionalLevel: { label: t("专业服务所需等级", "level for professional services"), value: 2 },
          legalKinds: { label: t("法律服务项目", "legal services"), value: ["legal_aid"] },
          legalLevel: { label: t("法律服务所需等级", "level for legal services"), value: 2 },
          leveledKinds: {
            label: t(
              "有专门等级要求的项目（专业与法律服务之和）",
              "services with their own level (professional and legal)",
            ),
            value: ["medical_care", "emergency_help", "legal_aid"],
          },
          basicLevel: { label: t("其他服务所需等级", "level for other services"), value: 1 },
        },
      },
      (d) =>
        d.table(
          "unique",
          [
            { id: "service", label: t("服务项目", "service"), expr: "serviceKind" },
            { id: "level", label: t("持证等级", "certified level"), expr: "certifiedLevel" },
          ],
          [
            {
              id: "professional",
              label: t("专业服务须持相应等级证书", "professional services need their level"),
              cells: [d.cell("in", d.param("professionalKinds")), d.cell("ge", d.param("professionalLevel"))],
              outcome: d.grant(["may_serve"], { requiredLevel: d.param("professionalLevel") }),
            },
            {
              id: "legal",
              label: t("法律服务须持相应等级证书", "legal services need their level"),
              cells: [d.cell("in", d.param("legalKinds")), d.cell("ge", d.param("legalLevel"))],
              outcome: d.grant(["may_serve"], { requiredLevel: d.param("legalLevel") }),
            },
            {
              id: "basic",
              label: t("其他服务须持基础证书", "other services need a basic certificate"),
              cells: [d.cell("notIn", d.param("leveledKinds")), d.cell("ge", d.param("basicLevel"))],
              outcome: d.grant(["may_serve"], { requiredLevel: d.param("basicLevel") }),
            },
          ],
        ),
    )
    .build(options);
}
