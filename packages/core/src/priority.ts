import { type AgeOptions, ageOn, type IsoDate } from "./dates";
import type { Certification, Person, Volunteer } from "./schemas";

/** Thresholds for the priority flags of rule 10; each bureau may set its own. */
export interface PriorityOptions extends AgeOptions {
  /** 高龄: the age (周岁) from which a person counts as very old. Default 80. */
  readonly advancedAge?: number;
  /** 多病: the number of chronic conditions from which a person counts as multi-illness. Default 2. */
  readonly multiIllnessFrom?: number;
}

/** The priority-target flags of rule 10 (重点服务对象). */
export interface PriorityFlags {
  /** 高龄: at or above the advanced age. */
  readonly advancedAge: boolean;
  /** 空巢: lives alone, or has no children nearby. */
  readonly emptyNest: boolean;
  /** 多病: at or above the chronic-condition threshold. */
  readonly multiIllness: boolean;
  /** 生活不便: mobility limited. */
  readonly mobilityLimited: boolean;
}

/**
 * The priority flags of a person on a date (rule 10: 高龄, 空巢, 多病, 生活不便). Pure: unknown facts
 * count as "no".
 *
 * @example
 * ```ts
 * priorityFlags(person, "2027-01-01", { advancedAge: 85 }).advancedAge;
 * ```
 */
export function priorityFlags(
  person: Pick<Person, "birthDate" | "household" | "health">,
  on: IsoDate,
  options: PriorityOptions = {},
): PriorityFlags {
  const age = ageOn(person.birthDate, on, options);
  return {
    advancedAge: age >= (options.advancedAge ?? 80),
    emptyNest: person.household?.livesAlone === true || person.household?.childrenNearby === false,
    multiIllness: (person.health?.chronicConditions ?? 0) >= (options.multiIllnessFrom ?? 2),
    mobilityLimited: person.health?.mobilityLimited === true,
  };
}

/**
 * Whether any priority flag is set: the person is a key service target (重点服务对象).
 *
 * @example
 * ```ts
 * isPriorityTarget(person, "2027-01-01");
 * ```
 */
export function isPriorityTarget(
  person: Pick<Person, "birthDate" | "household" | "health">,
  on: IsoDate,
  options: PriorityOptions = {},
): boolean {
  const f = priorityFlags(person, on, options);
  return f.advancedAge || f.emptyNest || f.multiIllness || f.mobilityLimited;
}

/**
 * Whether a certificate is valid on a date (inclusive at both ends).
 *
 * @example
 * ```ts
 * certificationValidOn(cert, "2027-03-01");
 * ```
 */
export function certificationValidOn(cert: Certification, on: IsoDate): boolean {
  return cert.validFrom <= on && (cert.validTo === undefined || on <= cert.validTo);
}

/**
 * The highest level a volunteer is certified for in a skill on a date, or 0 if none is valid.
 *
 * @example
 * ```ts
 * certifiedLevel(volunteer, "medical_care", "2027-03-01") >= 2;
 * ```
 */
export function certifiedLevel(volunteer: Pick<Volunteer, "certifications">, skill: string, on: IsoDate): number {
  let best = 0;
  for (const c of volunteer.certifications) {
    if (c.skill === skill && certificationValidOn(c, on) && c.level > best) best = c.level;
  }
  return best;
}
