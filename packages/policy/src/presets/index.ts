import type { FactSet } from "../facts";
import type { Policy, PolicyOptions } from "../policy";
import { BirthdayFactSet, birthdayPolicy } from "./birthday";
import { HealthCheckFactSet, healthCheckPolicy } from "./healthcheck";
import { HolidayFactSet, holidayVisitPolicy } from "./holiday";
import { HospitalFactSet, hospitalVisitPolicy } from "./hospital";
import { MatchingFactSet, matchingPolicy } from "./matching";
import { MedicalVolunteerFactSet, medicalVolunteerScopePolicy } from "./medicalVolunteer";
import { PriorityFactSet, priorityTargetPolicy } from "./priority";
import { StarFactSet, starPolicy, YearRatingFactSet, yearEndRatingPolicy } from "./stars";
import { VolunteerLevelFactSet, volunteerLevelPolicy } from "./volunteer";

/** The fact sets of every preset, by id (what `loadPolicy` resolves a policy's `facts` against). */
export const PRESET_FACT_SETS: readonly FactSet[] = [
  BirthdayFactSet,
  HospitalFactSet,
  HolidayFactSet,
  HealthCheckFactSet,
  PriorityFactSet,
  VolunteerLevelFactSet,
  StarFactSet,
  MedicalVolunteerFactSet,
  MatchingFactSet,
  YearRatingFactSet,
] as unknown as readonly FactSet[];

/**
 * Every preset policy with its default readings, by policy id: birthday (rule 1), hospital-visit
 * (2), holiday-visit (3), health-check (4), priority-target (10), volunteer-level (11), medical-volunteer-scope (12), stars (14),
 * matching (11, 12), year-rating (14, the year-end 评定).
 *
 * @example
 * ```ts
 * presetPolicies().get("birthday")?.id; // "birthday"
 * ```
 */
export function presetPolicies(options: PolicyOptions = {}): ReadonlyMap<string, Policy> {
  const list = [
    birthdayPolicy({}, options),
    hospitalVisitPolicy({}, options),
    holidayVisitPolicy(options),
    healthCheckPolicy(options),
    priorityTargetPolicy(options),
    volunteerLevelPolicy(options),
    starPolicy({}, options),
    medicalVolunteerScopePolicy({}, options),
    matchingPolicy({}, options),
    yearEndRatingPolicy({}, options),
  ] as unknown as Policy[];
  return new Map(list.map((p) => [p.id, p]));
}
