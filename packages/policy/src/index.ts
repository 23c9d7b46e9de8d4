/**
 * @elderflow/policy: decisions. Effective-dated eligibility and assignment rules, typed like code
 * (facts come from a zod schema), stored as JSON, compiled once into fast evaluators, explained in
 * zh-CN and en with personal data masked. Presets implement the rules of the reports.
 *
 * @packageDocumentation
 */
export {
  definePolicy,
  type Left,
  type PolicyBuilder,
  type PolicyDsl,
  type PolicyMeta,
  type Right,
  type VersionSpec,
} from "./builder";
export { type BulkOptions, type BulkResult, evaluateAll } from "./bulk";
export type { LoweredDecision } from "./compile";
export {
  type ConditionTrace,
  type Explanation,
  explain,
  type FactRead,
  type RuleTrace,
} from "./explain";
export {
  defineFacts,
  type FactInfo,
  type FactKind,
  type FactLabel,
  type FactPath,
  type FactSet,
  type FactSetOptions,
  type Sensitivity,
} from "./facts";
export {
  analyseImpact,
  type ImpactChange,
  type ImpactOptions,
  type ImpactReport,
  type ImpactSide,
} from "./impact";
export { loadPolicy, serializePolicy } from "./load";
export {
  type ArithOperator,
  type AsOfPart,
  type Condition,
  type DecisionLogic,
  type HitPolicy,
  OPERATORS,
  type Operand,
  type Operator,
  type Outcome,
  type Param,
  type ParamChange,
  POLICY_FORMAT,
  type PolicyJSON,
  type PolicySource,
  type PolicyVersion,
  type Rule,
  type RulesDecision,
  type Scalar,
  type TableCell,
  type TableDecision,
  type TableInput,
  type TableRow,
  type Text,
  type Value,
} from "./model";
export {
  createPolicy,
  type DecideOptions,
  type Decision,
  type Policy,
  type PolicyOptions,
  type ResolvedVersion,
} from "./policy";
export {
  BIRTHDAY_SOURCE,
  type BirthdayCheck,
  type BirthdayCheckOptions,
  BirthdayFactSet,
  type BirthdayFacts,
  BirthdayFactsSchema,
  type BirthdayReadings,
  birthdayPolicy,
  birthdayPolicyBuilder,
  createBirthdayCheck,
} from "./presets/birthday";
export {
  HEALTH_CHECK_WINDOW,
  HealthCheckFactSet,
  type HealthCheckFacts,
  HealthCheckFactsSchema,
  type HealthCheckPolicyOptions,
  healthCheckPolicy,
} from "./presets/healthcheck";
export {
  HolidayFactSet,
  type HolidayFacts,
  HolidayFactsSchema,
  HolidayOccasion,
  holidayVisitPolicy,
} from "./presets/holiday";
export {
  HospitalFactSet,
  type HospitalFacts,
  HospitalFactsSchema,
  type HospitalReadings,
  type HospitalVisitPlan,
  hospitalVisitors,
  hospitalVisitPolicy,
  type VisitingBody,
} from "./presets/hospital";
export { PRESET_FACT_SETS, presetPolicies } from "./presets/index";
export {
  MATCH_REASON_TEXTS,
  MATCHING_POLICY_ID,
  type MatchCandidate,
  type MatchEntry,
  MatchingFactSet,
  type MatchingFacts,
  MatchingFactsSchema,
  type MatchingReadings,
  type MatchingWeights,
  type MatchNeed,
  type MatchReason,
  type MatchReasonCode,
  type MatchResult,
  matchingPolicy,
  type RankOptions,
  type RequiredCertificate,
  rankVolunteers,
  requiredCertificate,
} from "./presets/matching";
export {
  MEDICAL_VOLUNTEER_POLICY_ID,
  MedicalVolunteerFactSet,
  type MedicalVolunteerFacts,
  MedicalVolunteerFactsSchema,
  type MedicalVolunteerReadings,
  medicalVolunteerScopePolicy,
} from "./presets/medicalVolunteer";
export {
  PriorityFactSet,
  type PriorityFacts,
  PriorityFactsSchema,
  priorityTargetPolicy,
} from "./presets/priority";
export {
  DEFAULT_RATING_TITLES,
  rateYearEnd,
  StarFactSet,
  type StarFacts,
  StarFactsSchema,
  type StarReadings,
  starPolicy,
  starsForMinutes,
  type YearRating,
  type YearRatingChange,
  YearRatingFactSet,
  type YearRatingFacts,
  YearRatingFactsSchema,
  type YearRatingReadings,
  yearEndRatingPolicy,
} from "./presets/stars";
export {
  VolunteerLevelFactSet,
  type VolunteerLevelFacts,
  VolunteerLevelFactsSchema,
  volunteerLevelPolicy,
} from "./presets/volunteer";
export { renderPolicy } from "./render";
export {
  PolicyCase,
  PolicyCaseFile,
  type PolicyCaseResult,
  parsePolicyCases,
  runPolicyCases,
} from "./testing";
export { POLICY_TEXTS, type PolicyTextKey, policyText } from "./texts";

/** The package name, for diagnostics. */
export const PACKAGE_NAME = "@elderflow/policy";
