import { type IsoDate, type Person, RetirementKind } from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, RANK_LABEL, RETIREMENT_KIND_LABEL, t } from "./common";

/** The facts the birthday policy reads: who the person is and the age (周岁) they reach on the birthday. */
export const BirthdayFactsSchema = z.object({
  /** Name (personal data; masked in explanations). */
  name: z.string().min(1).max(100).optional(),
  /** lixiu or tuixiu. */
  retirementKind: RetirementKind,
  /** Rank id on the rank scale. */
  rank: z.string().min(1).max(40),
  /**
   * The age in completed years (周岁) reached on the birthday in question, counted in the calendar
   * the person keeps (the schedule package computes lunar birthdays).
   */
  age: z.number().int().min(0).max(150),
});
/** The facts the birthday policy reads. */
export type BirthdayFacts = z.output<typeof BirthdayFactsSchema>;

/**
 * The fact set of the birthday policy.
 *
 * @example
 * ```ts
 * BirthdayFactSet.parse({ retirementKind: "lixiu", rank: "county", age: 75 }).ok; // true
 * ```
 */
export const BirthdayFactSet = defineFacts({
  id: "birthday",
  schema: BirthdayFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    retirementKind: RETIREMENT_KIND_LABEL,
    rank: RANK_LABEL,
    age: { label: t("周岁", "age"), template: t("{year}年满{value}周岁", "turns {value} in {year}") },
  },
});

/**
 * The readings of rule 1 that the report leaves open, each explicit and configurable. Defaults
 * are the reading the DOMAIN digest gives: ages ending in 0 or 5; lixiu of rank ≥ deputy_county
 * from 70; everyone else from 80.
 */
export interface BirthdayReadings {
  /**
   * Who is in the 70 group besides rank: 离休 read literally (`["lixiu"]`, default), or read as
   * the older umbrella term for 离退休 (`["lixiu", "tuixiu"]`).
   */
  readonly seniorKinds?: readonly ("lixiu" | "tuixiu")[];
  /** 副县级以上: the lowest rank of the 70 group. Default `"deputy_county"`. */
  readonly seniorMinRank?: string;
  /** 从70周岁起: first age of the 70 group (inclusive). Default 70. */
  readonly seniorFromAge?: number;
  /** 从80周岁起: first age of everyone else (inclusive). Default 80. */
  readonly ordinaryFromAge?: number;
  /**
   * Who 一般干部 covers: `"everyone_else"` (default: every retired cadre outside the 70 group) or
   * `"below_rank_only"` (only cadres below `seniorMinRank`, so a tuixiu cadre of deputy-county rank
   * is in neither group).
   */
  readonly ordinaryScope?: "everyone_else" | "below_rank_only";
  /** 逢五排十: celebrated ages are multiples of this. Default 5 (ages ending in 0 or 5). */
  readonly ageStep?: number;
  /** First day the policy is in effect. Default `"2009-01-01"` (the report's year, the PRC's 60th anniversary). */
  readonly from?: IsoDate;
  /** Version id. Default `"2009"`. */
  readonly version?: string;
}

/** The report sentence rule 1 implements (seed 003). */
export const BIRTHDAY_SOURCE = {
  document: "seed 003",
  quote: "对副县级以上离休干部从70周岁起、一般干部从80周岁起逢五排十过生日都派领导或工作人员带上鲜花和蛋糕为其祝寿",
  rule: 1,
} as const;

/**
 * The birthday policy (rule 1, 逢五排十祝寿). Implements seed 003: "对副县级以上离休干部从70周岁起、
 * 一般干部从80周岁起逢五排十过生日都派领导或工作人员带上鲜花和蛋糕为其祝寿". Every reading is a parameter
 * of the version (see {@link BirthdayReadings}), so a bureau can change one with a dated change.
 *
 * @example
 * ```ts
 * const p = birthdayPolicy();
 * p.decide({ retirementKind: "lixiu", rank: "deputy_county", age: 75 }, "2027-03-01").entitlements; // ["birthday_visit"]
 * ```
 */
export function birthdayPolicy(readings: BirthdayReadings = {}, options: PolicyOptions = {}): Policy<BirthdayFacts> {
  return birthdayPolicyBuilder(readings).build(options);
}

/**
 * The birthday policy's builder (to add versions before building, or to take its JSON).
 *
 * @example
 * ```ts
 * const json = birthdayPolicyBuilder({ ordinaryFromAge: 75 }).toJSON();
 * ```
 */
export function birthdayPolicyBuilder(readings: BirthdayReadings = {}) {
  return definePolicy(BirthdayFactSet, {
    id: "birthday",
    title: t("逢五排十祝寿", "Birthday celebrations at ages ending in 0 or 5"),
    source: BIRTHDAY_SOURCE,
    readings: {
      seniorKinds: t(
        "“副县级以上离休干部”中的“离休”按字面理解为离休",
        "“离休” in the 70 group is read literally as lixiu",
      ),
      ordinaryScope: t(
        "“一般干部”指70岁组以外的所有离退休干部",
        "“一般干部” covers every retired cadre outside the 70 group",
      ),
      ages: t("逢五排十：周岁尾数为0或5", "逢五排十: ages (周岁) ending in 0 or 5"),
      from: t("“从70周岁起”含70周岁", "“from 70” includes 70"),
      calendar: t(
        "周岁按本人所过生日的历法计算（农历由排期模块换算）",
        "周岁 counts in the calendar the person keeps (the schedule package converts lunar birthdays)",
      ),
    },
  }).version(
    {
      version: readings.version ?? "2009",
      from: readings.from ?? "2009-01-01",
      params: {
        seniorKinds: {
          label: t("70岁组的离退休类别", "retirement kinds of the 70 group"),
          value: [...(readings.seniorKinds ?? ["lixiu"])],
        },
        seniorMinRank: {
          label: t("70岁组最低职级", "lowest rank of the 70 group"),
          value: readings.seniorMinRank ?? "deputy_county",
        },
        seniorFromAge: { label: t("70岁组起始周岁", "first age of the 70 group"), value: readings.seniorFromAge ?? 70 },
        ordinaryFromAge: {
          label: t("一般干部起始周岁", "first age of everyone else"),
          value: readings.ordinaryFromAge ?? 80,
        },
        ordinaryScope: {
          label: t("一般干部范围", "who counts as 一般干部"),
          value: readings.ordinaryScope ?? "everyone_else",
        },
        ageStep: { label: t("逢几庆祝", "celebrated ages are multiples of"), value: readings.ageStep ?? 5 },
      },
    },
    (d) =>
      d.rules("first", [
        d.rule(
          "senior",
          t(
            "副县级以上离休干部从70周岁起逢五排十祝寿",
            "lixiu cadres of deputy-county rank and above, from 70, at ages ending in 0 or 5",
          ),
          d.all(
            d.isIn("retirementKind", d.param("seniorKinds")),
            d.rankAtLeast("rank", d.param("seniorMinRank")),
            d.ge("age", d.param("seniorFromAge")),
            d.multipleOf("age", d.param("ageStep")),
          ),
          d.grant(["birthday_visit"], { gifts: ["flowers", "cake"] }),
        ),
        d.rule(
          "ordinary",
          t("一般干部从80周岁起逢五排十祝寿", "every other retired cadre, from 80, at ages ending in 0 or 5"),
          d.all(
            d.any(d.eq(d.param("ordinaryScope"), "everyone_else"), d.rankBelow("rank", d.param("seniorMinRank"))),
            d.ge("age", d.param("ordinaryFromAge")),
            d.multipleOf("age", d.param("ageStep")),
          ),
          d.grant(["birthday_visit"], { gifts: ["flowers", "cake"] }),
        ),
      ]),
  );
}

/** Options of {@link createBirthdayCheck}: readings of rule 1, evaluation options, or a ready policy. */
export interface BirthdayCheckOptions extends BirthdayReadings, PolicyOptions {
  /** A ready birthday policy (e.g. loaded from JSON with several versions); overrides the readings. */
  readonly policy?: Policy<BirthdayFacts>;
}

/** Whether a person reaching `age` (周岁) on `on` gets a birthday celebration. */
export type BirthdayCheck = (person: Pick<Person, "retirementKind" | "rank">, age: number, on: IsoDate) => boolean;

/**
 * A fast check for the schedule's roster loop: whether the birthday policy version in effect on
 * `on` grants a celebration to a person who reaches `age` completed years on that date. It runs
 * the compiled birthday policy (no separate hand-written copy of the rule).
 *
 * @example
 * ```ts
 * const celebrates = createBirthdayCheck();
 * celebrates({ retirementKind: "lixiu", rank: "deputy_county" }, 75, "2027-03-01"); // true
 * celebrates({ retirementKind: "tuixiu", rank: "deputy_county" }, 75, "2027-03-01"); // false
 * ```
 */
export function createBirthdayCheck(options: BirthdayCheckOptions = {}): BirthdayCheck {
  const policy = options.policy ?? birthdayPolicy(options, options);
  // One scratch record, reused: the check is synchronous, so no call sees another's facts. The
  // wrapper is built per check so that its call into the policy stays monomorphic (see policy.ts).
  const facts: { retirementKind: "lixiu" | "tuixiu"; rank: string; age: number } = {
    retirementKind: "tuixiu",
    rank: "",
    age: 0,
  };
  return new Function(
    "matches",
    "facts",
    `return function celebrates(person, age, on) {
      facts.retirementKind = person.retirementKind;
      facts.rank = person.rank;
      facts.age = age;
      return matches(facts, on);
    };`,
  )(policy.matches, facts) as BirthdayCheck;
}
