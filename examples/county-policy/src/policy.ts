import type { IsoDate } from "@elderflow/core";
import {
  BirthdayFactSet,
  type BirthdayFacts,
  birthdayPolicyBuilder,
  type DecisionLogic,
  definePolicy,
  type Param,
  type Policy,
  type PolicyVersion,
} from "@elderflow/policy";

/** The day the county's new rule takes effect (the county decided it in 2026, "from next year"). */
export const REFORM_FROM: IsoDate = "2027-01-01";

/** Version id of the county's rule. */
export const REFORM_VERSION = "2027-county";

/** The age from which ordinary cadres (一般干部) are celebrated under the county's rule. */
export const ORDINARY_FROM_AGE = 75;

/**
 * The county's birthday policy: the preset's rule 1 (seed 003) until 2026-12-31, then a new
 * version in which ordinary cadres are celebrated from 75 instead of 80.
 *
 * Nothing of the preset is copied: its version (logic and parameters) is taken from the preset's
 * builder and re-declared twice through `definePolicy` — once closed at the end of 2026, once
 * open from 2027 with one parameter changed (and the label of the rule that reads it). If the
 * preset's logic is ever fixed, both versions get the fix.
 */
export function countyBirthdayPolicy(): Policy<BirthdayFacts> {
  const preset = birthdayPolicyBuilder().toJSON();
  const current = preset.versions[0] as PolicyVersion;
  const ordinary = current.params.ordinaryFromAge as Param;
  // The logic is the preset's; only the label of the rule that reads the parameter says 75 now.
  const reformed: DecisionLogic =
    current.decision.kind === "rules"
      ? {
          ...current.decision,
          rules: current.decision.rules.map((r) =>
            r.id === "ordinary"
              ? {
                  ...r,
                  label: {
                    "zh-CN": `一般干部从${ORDINARY_FROM_AGE}周岁起逢五排十祝寿`,
                    en: `every other retired cadre, from ${ORDINARY_FROM_AGE}, at ages ending in 0 or 5`,
                  },
                }
              : r,
          ),
        }
      : current.decision;
  return definePolicy(BirthdayFactSet, {
    id: preset.id,
    title: preset.title,
    ...(preset.source === undefined ? {} : { source: preset.source }),
    readings: {
      ...preset.readings,
      county2027: {
        "zh-CN": `本县自${REFORM_FROM.slice(0, 4)}年起，一般干部从${ORDINARY_FROM_AGE}周岁起逢五排十祝寿`,
        en: `From ${REFORM_FROM.slice(0, 4)} the county celebrates ordinary cadres from ${ORDINARY_FROM_AGE}`,
      },
    },
  })
    .version(
      { version: current.version, from: current.from, to: "2026-12-31", params: current.params },
      () => current.decision,
    )
    .version(
      {
        version: REFORM_VERSION,
        from: REFORM_FROM,
        params: { ...current.params, ordinaryFromAge: { ...ordinary, value: ORDINARY_FROM_AGE } },
      },
      () => reformed,
    )
    .build();
}
