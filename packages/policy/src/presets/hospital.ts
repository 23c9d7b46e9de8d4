import { ElderflowError, type IsoDate, type Person } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { safeName } from "../words";
import { NAME_LABEL, RANK_LABEL, t } from "./common";

/** The facts the hospital-visit table reads. */
export const HospitalFactsSchema = z.object({
  /** Name (personal data). */
  name: z.string().min(1).max(100).optional(),
  /** Rank id. */
  rank: z.string().min(1).max(40),
});
/** The facts the hospital-visit table reads. */
export type HospitalFacts = z.output<typeof HospitalFactsSchema>;

/**
 * The fact set of the hospital-visit table.
 *
 * @example
 * ```ts
 * HospitalFactSet.parse({ rank: "county" }).ok; // true
 * ```
 */
export const HospitalFactSet = defineFacts({
  id: "hospital",
  schema: HospitalFactsSchema,
  subject: "name",
  labels: { name: NAME_LABEL, rank: RANK_LABEL },
});

/** The bodies that visit a hospitalised cadre. */
export type VisitingBody =
  | "district_leaders"
  | "organisation_department"
  | "veteran_cadres_bureau"
  | "personnel_bureau";

/** Who visits a hospitalised cadre, and how. */
export interface HospitalVisitPlan {
  /** The visiting bodies, in the order they take their turn. */
  readonly bodies: readonly VisitingBody[];
  /** `in_person`: district leaders visit themselves; `in_turn`: the bodies visit separately, each in turn (分头看望). */
  readonly mode: "in_person" | "in_turn";
  /** The deciding row of the table. */
  readonly rule: string;
  /** The policy version that decided. */
  readonly version: string;
}

/** Readings of rule 2. */
export interface HospitalReadings {
  /** 副县级以上: the lowest rank visited by district leaders. Default `"deputy_county"`. */
  readonly leadersFromRank?: string;
  /** First day in effect. Default `"2009-01-01"`. */
  readonly from?: IsoDate;
}

/**
 * Hospital visits by rank (rule 2, seed 003), a decision table with hit policy `unique`:
 * "对副县级以上老干部生病住院区领导都亲自看望，一般干部生病住院由区委组织部、老干部局、人事局分头看望".
 *
 * @example
 * ```ts
 * hospitalVisitPolicy().decide({ rank: "county" }, "2027-01-01").values.bodies; // ["district_leaders"]
 * ```
 */
export function hospitalVisitPolicy(
  readings: HospitalReadings = {},
  options: PolicyOptions = {},
): Policy<HospitalFacts> {
  return definePolicy(HospitalFactSet, {
    id: "hospital-visit",
    title: t("老干部生病住院探望", "Hospital visits to retired cadres"),
    source: {
      document: "seed 003",
      quote: "对副县级以上老干部生病住院区领导都亲自看望，一般干部生病住院由区委组织部、老干部局、人事局分头看望",
      rule: 2,
    },
    readings: {
      rank: t("“副县级以上”含副县级，不分离休退休", "“副县级以上” includes deputy-county, lixiu or tuixiu alike"),
      order: t(
        "“分头看望”按组织部、老干部局、人事局顺序轮流",
        "“分头看望”: the three bodies visit separately, in the order named",
      ),
    },
  })
    .version(
      {
        version: "2009",
        from: readings.from ?? "2009-01-01",
        params: {
          leadersFromRank: {
            label: t("区领导看望的最低职级", "lowest rank visited by district leaders"),
            value: readings.leadersFromRank ?? "deputy_county",
          },
        },
      },
      (d) =>
        d.table(
          "unique",
          [{ id: "rank", label: t("职级", "rank"), expr: "rank" }],
          [
            {
              id: "leaders",
              label: t("副县级以上：区领导亲自看望", "deputy-county and above: district leaders visit in person"),
              cells: [d.cell("rankAtLeast", d.param("leadersFromRank"))],
              outcome: d.grant(["hospital_visit"], { bodies: ["district_leaders"], mode: "in_person" }),
            },
            {
              id: "departments",
              label: t(
                "一般干部：组织部、老干部局、人事局分头看望",
                "ordinary cadres: Organisation Department, Bureau of Veteran Cadres and Personnel Bureau, each in turn",
              ),
              cells: [d.cell("rankBelow", d.param("leadersFromRank"))],
              outcome: d.grant(["hospital_visit"], {
                bodies: ["organisation_department", "veteran_cadres_bureau", "personnel_bureau"],
                mode: "in_turn",
              }),
            },
          ],
        ),
    )
    .build(options);
}

let defaultHospital: Policy<HospitalFacts> | undefined;

/**
 * Who visits a hospitalised cadre on a date (rule 2): district leaders in person for rank ≥
 * deputy_county; otherwise the Organisation Department, the Bureau of Veteran Cadres and the
 * Personnel Bureau, each in turn. Runs the hospital-visit policy in effect on `on`; a rank not on
 * the scale is `UNKNOWN_RANK`.
 *
 * @example
 * ```ts
 * hospitalVisitors({ rank: "section" }, "2027-05-01").bodies;
 * // ["organisation_department", "veteran_cadres_bureau", "personnel_bureau"]
 * ```
 */
export function hospitalVisitors(
  person: Pick<Person, "rank">,
  on: IsoDate,
  policy?: Policy<HospitalFacts>,
): HospitalVisitPlan {
  defaultHospital ??= hospitalVisitPolicy();
  const p = policy ?? defaultHospital;
  const d = p.decide({ rank: person.rank }, on);
  if (!d.granted) throw new ElderflowError("UNKNOWN_RANK", { path: ["rank"], params: { rank: safeName(person.rank) } });
  return {
    bodies: (d.values.bodies ?? []) as readonly VisitingBody[],
    mode: d.values.mode === "in_person" ? "in_person" : "in_turn",
    rule: d.rules[0] as string,
    version: d.version,
  };
}
