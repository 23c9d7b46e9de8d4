import {
  ANNUAL_READING_LABELS,
  AnnualReading,
  DEFAULT_ANNUAL_READING,
  ElderflowError,
  PersonStatus,
} from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { AsOfPart } from "../model";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, t } from "./common";

/** The facts the annual health check reads. */
export const HealthCheckFactsSchema = z.object({
  /** Name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** Whether the person is still served. */
  status: PersonStatus.default("active"),
  /** Date of the last free check-up, if any. */
  lastCheckDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
});
/** The facts the annual health check reads. */
export type HealthCheckFacts = z.output<typeof HealthCheckFactsSchema>;

/**
 * The fact set of the annual health check.
 *
 * @example
 * ```ts
 * HealthCheckFactSet.parse({ lastCheckDate: "2026-04-01" }).ok; // true
 * ```
 */
export const HealthCheckFactSet = defineFacts({
  id: "health-check",
  schema: HealthCheckFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    status: {
      label: t("状态", "status"),
      values: {
        active: t("在册", "active"),
        deceased: t("已故", "deceased"),
        moved: t("迁出", "moved away"),
        transferred: t("转出", "transferred"),
      },
    },
    lastCheckDate: {
      label: t("上次查体日期", "last check-up"),
      kind: "date",
      template: t("上次查体{value}", "last check-up {value}"),
    },
  },
});

/** Options of {@link healthCheckPolicy}. */
export interface HealthCheckPolicyOptions extends PolicyOptions {
  /** How "once a year" is read (core's `AnnualReading`; default `calendar-year`, the seed's reading). */
  readonly reading?: AnnualReading;
}

/**
 * The date window, as parts of the as-of date, in which a last check-up means none is due: the
 * same window as core's `annualWindow` for each reading, so the policy and the schedule's
 * `healthCheckStatus` never disagree.
 *
 * @example
 * ```ts
 * HEALTH_CHECK_WINDOW["calendar-year"]; // ["yearStart", "yearEnd"]
 * ```
 */
export const HEALTH_CHECK_WINDOW: { readonly [R in AnnualReading]: readonly [AsOfPart, AsOfPart] } = {
  "calendar-year": ["yearStart", "yearEnd"],
  "rolling-12-months": ["rollingYearStart", "date"],
};

/**
 * The annual health check (rule 4, seed 003): "每年还协调组织、人事、卫生等部门为全区离退休干部进行一次
 * 免费查体，建立个人健康档案". Due when the person is active and has had no check-up in the current
 * period of core's one definition of "annual" (`annualWindow`): since 1 January of the as-of year
 * by default, or in the twelve months up to the as-of date with `reading: "rolling-12-months"`.
 *
 * @example
 * ```ts
 * healthCheckPolicy().decide({ status: "active", lastCheckDate: "2026-12-20" }, "2027-01-05").granted; // true
 * healthCheckPolicy({ reading: "rolling-12-months" }).decide({ status: "active", lastCheckDate: "2026-12-20" }, "2027-01-05").granted; // false
 * ```
 */
export function healthCheckPolicy(options: HealthCheckPolicyOptions = {}): Policy<HealthCheckFacts> {
  const { reading: readingOption, ...policyOptions } = options;
  const parsed = AnnualReading.safeParse(readingOption ?? DEFAULT_ANNUAL_READING);
  if (!parsed.success)
    throw new ElderflowError("INVALID_ENUM", {
      path: ["reading"],
      params: { options: AnnualReading.options.join(", ") },
    });
  const reading = parsed.data;
  const [from, to] = HEALTH_CHECK_WINDOW[reading];
  return definePolicy(HealthCheckFactSet, {
    id: "health-check",
    title: t("年度免费查体", "Annual free health check"),
    source: {
      document: "seed 003",
      quote: "每年还协调组织、人事、卫生等部门为全区离退休干部进行一次免费查体，建立个人健康档案",
      rule: 4,
    },
    readings: {
      year: ANNUAL_READING_LABELS[reading],
      who: t("全体在册离退休干部", "every active retired cadre"),
    },
  })
    .version({ version: "2009", from: "2009-01-01", params: {} }, (d) =>
      d.rules("first", [
        d.rule(
          "due",
          reading === "calendar-year"
            ? t("本年度尚未免费查体", "no free check-up yet this year")
            : t("近12个月尚未免费查体", "no free check-up in the last twelve months"),
          d.all(d.eq("status", "active"), d.not(d.between("lastCheckDate", d.asOf(from), d.asOf(to)))),
          d.grant(["free_health_check", "health_record"]),
        ),
      ]),
    )
    .build(policyOptions);
}
