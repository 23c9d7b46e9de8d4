import { PersonStatus, RetirementKind } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, RETIREMENT_KIND_LABEL, t } from "./common";

/** The facts the medical volunteer programme's scope reads. */
export const MedicalVolunteerFactsSchema = z.object({
  /** Name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** lixiu or tuixiu. */
  retirementKind: RetirementKind,
  /** Whether the cadre is still served (default active). */
  status: PersonStatus.default("active"),
});
/** The facts the medical volunteer programme's scope reads. */
export type MedicalVolunteerFacts = z.output<typeof MedicalVolunteerFactsSchema>;

/**
 * The fact set of the medical volunteer programme's scope.
 *
 * @example
 * ```ts
 * MedicalVolunteerFactSet.parse({ retirementKind: "lixiu" }).ok; // true
 * ```
 */
export const MedicalVolunteerFactSet = defineFacts({
  id: "medical-volunteer",
  schema: MedicalVolunteerFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    retirementKind: RETIREMENT_KIND_LABEL,
    status: {
      label: t("状态", "status"),
      values: {
        active: t("在册", "active"),
        deceased: t("已故", "deceased"),
        moved: t("迁出", "moved away"),
        transferred: t("转出", "transferred"),
      },
    },
  },
});

/** The readings of the programme's scope a county may change. */
export interface MedicalVolunteerReadings {
  /**
   * Who the groups serve (default `["lixiu"]`: the report pairs volunteers "与全县离休干部"). A county
   * that opens the programme to every retired cadre passes `["lixiu", "tuixiu"]`.
   */
  readonly kinds?: readonly RetirementKind[];
  /**
   * From when a wider (or narrower) scope applies: the default kinds hold before it, `kinds` from
   * it on (an effective-dated parameter change). Absent: `kinds` holds from the start.
   */
  readonly kindsFrom?: string;
}

/** The policy id of {@link medicalVolunteerScopePolicy}. */
export const MEDICAL_VOLUNTEER_POLICY_ID = "medical-volunteer-scope";

/**
 * Scope of the 贴心儿女 medical volunteer programme (rule 12, seed 002): "在全县卫生系统公开招募、择优选聘
 * 医护工作者担任'贴心儿女'志愿者，把他们与全县离休干部分组结对". A cadre may be served by a medical volunteer
 * group when their retirement kind is in scope (lixiu only by default) and they are still on the
 * register (status active). Grants `medical_volunteer_group`. The scope is an effective-dated
 * parameter: `kindsFrom` widens (or narrows) it from a day on, earlier days keep the report's reading.
 *
 * @example
 * ```ts
 * medicalVolunteerScopePolicy().decide({ retirementKind: "tuixiu" }, "2027-01-01").granted; // false
 * medicalVolunteerScopePolicy({ kinds: ["lixiu", "tuixiu"], kindsFrom: "2028-01-01" })
 *   .decide({ retirementKind: "tuixiu" }, "2028-01-01").granted; // true
 * ```
 */
export function medicalVolunteerScopePolicy(
  readings: MedicalVolunteerReadings = {},
  options: PolicyOptions = {},
): Policy<MedicalVolunteerFacts> {
  const base: readonly string[] = ["lixiu"];
  const wanted = [...(readings.kinds ?? base)];
  const kinds =
    readings.kindsFrom === undefined
      ? { label: t("服务对象类别", "cadres served"), value: wanted }
      : {
          label: t("服务对象类别", "cadres served"),
          value: [...base],
          changes: [{ from: readings.kindsFrom, value: wanted }],
        };
  return definePolicy(MedicalVolunteerFactSet, {
    id: MEDICAL_VOLUNTEER_POLICY_ID,
    title: t("“贴心儿女”医护志愿者服务对象", "Scope of the medical volunteer programme (贴心儿女)"),
    source: {
      document: "seed 002",
      quote: "把他们与全县离休干部分组结对，让他们为离休干部提供既专业又温馨的服务",
      rule: 12,
    },
    readings: {
      who: t(
        "报告所述结对对象为离休干部；县里可按参数扩大到退休干部",
        "the report pairs the volunteers with lixiu cadres; a county may widen it by a parameter",
      ),
      since: t(
        "报告未写启动年份（10月26日启动），本规则自2009年起适用",
        "the report gives no launch year (launched on 26 October); the rule applies from 2009",
      ),
    },
  })
    .version({ version: "2009", from: "2009-01-01", params: { kinds } }, (d) =>
      d.rules("first", [
        d.rule(
          "in_scope",
          t("在册且属于服务对象类别", "on the register and of a kind the programme serves"),
          d.all(d.eq("status", "active"), d.isIn("retirementKind", d.param("kinds"))),
          d.grant(["medical_volunteer_group"]),
        ),
      ]),
    )
    .build(options);
}
