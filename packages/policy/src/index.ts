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
  HospitalFactSet,
  type HospitalFacts,
  HospitalFactsSchema,
  type HospitalReadings,
  type HospitalVisitPlan,
  hospitalVisitors,
  hospitalVisitPolicy,
  type VisitingBody,
} from "./presets/hospital";
export {
  StarFactSet,
  type StarFacts,
  StarFactsSchema,
  type StarReadings,
  starPolicy,
  starsForMinutes,
} from "./presets/stars";

/** The package name, for diagnostics. */
export const PACKAGE_NAME = "@elderflow/policy";
