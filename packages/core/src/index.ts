/**
 * @elderflow/core: the shared ground of Elderflow. Domain schemas (person, rank scale, organisation
 * tree, volunteers, households), the clock, ids, typed errors with zh-CN and en messages, masking of
 * personal data, and a seeded synthetic district for tests, benchmarks and the demo.
 *
 * @packageDocumentation
 */
export {
  ACTOR_ROLES,
  Actor,
  type ActorInput,
  type ActorRole,
  actorHasRole,
  actorReaches,
  actsAs,
  assertActsAs,
  assertReaches,
  type CertificateRequirement,
  type CertificateRule,
  CREDIT_ACTS,
  certificateConflict,
  DISTRICT_ROLES,
  isDistrictActor,
  type MovementAct,
  type MovementAuthority,
  type MovementParties,
  type MovementRef,
  movementConflict,
  withCertificates,
} from "./authority";
export { type BatchingSqlClient, batchingClient } from "./batch";
export {
  BudgetLine,
  type BudgetLineInput,
  BudgetLines,
  BudgetRate,
  MedicalContactKind,
  StatementPeriod,
  SubsidyContact,
  SubsidyContacts,
} from "./budget";
export { type Clock, fixedClock, type ManualClock, manualClock, parseInstant, systemClock, today } from "./clock";
export {
  type AgeOptions,
  addDays,
  ageOn,
  assertTimeZone,
  birthdayForAge,
  compareIsoDates,
  type DateParts,
  DEFAULT_ZONE,
  daysBetween,
  daysInMonth,
  formatIsoDate,
  type IsoDate,
  isIsoDate,
  isLeapYear,
  isoDateAt,
  isoWeekday,
  isValidTimeZone,
  type LeapDayRule,
  parseIsoDate,
} from "./dates";
export {
  ElderflowError,
  type ElderflowErrorJSON,
  type ElderflowErrorOptions,
  type ElderflowIssue,
  type ElderflowIssueJSON,
  type FieldPath,
  formatPath,
  fromZodError,
  ISSUE_CODE_PARAM,
  isElderflowError,
  MAX_PARAM_LENGTH,
  type Result,
  safeParams,
} from "./errors";
export { checkIdNumber, type IdNumberInfo, idNumberCheckChar, makeIdNumber } from "./idnumber";
export { createIdGenerator, type IdGeneratorOptions, isUuid } from "./ids";
export {
  type ConsoleLike,
  type ConsoleLoggerOptions,
  consoleLogger,
  LOG_LEVELS,
  LOG_REDACTION_LIMITS,
  type LogFn,
  type Logger,
  type LogLevel,
  redactForLog,
  redactingLogger,
  silentLogger,
} from "./log";
export { containsPersonalData, maskIdNumber, maskName, maskPhone, redactPersonalData } from "./mask";
export {
  ERROR_MESSAGES,
  type ErrorCode,
  fillTemplate,
  formatMessage,
  isErrorCode,
  LANGS,
  type Lang,
  type MessageParams,
  type MessageText,
} from "./messages";
export {
  type MysqlConnectionLike,
  type MysqlPoolLike,
  type MysqlQueryResult,
  sqlFromMysqlPool,
  toMysqlPlaceholders,
} from "./mysql";
export { buildOrgTree, type OrgTree } from "./org";
export {
  ANNUAL_READING_LABELS,
  AnnualReading,
  type AnnualStanding,
  type AnnualWindow,
  annualStanding,
  annualWindow,
  DEFAULT_ANNUAL_READING,
  nextAnnualDue,
} from "./periods";
export {
  certificationValidOn,
  certifiedLevel,
  isPriorityTarget,
  type PriorityFlags,
  type PriorityOptions,
  priorityFlags,
} from "./priority";
export { type Random, seededRandom } from "./random";
export {
  atLeast,
  createRankScale,
  DEFAULT_RANK_IDS,
  DEFAULT_RANK_LEVELS,
  type DefaultRank,
  defaultRankScale,
  type RankLevel,
  type RankScale,
} from "./ranks";
export {
  Availability,
  BirthdayCalendar,
  Certification,
  DaySlot,
  Gender,
  GeoPoint,
  HealthFacts,
  Household,
  HouseholdFacts,
  IsoDateSchema,
  KNOWN_SERVICE_KINDS,
  OrgUnit,
  OrgUnitKind,
  Person,
  type PersonInput,
  type PersonSchemaOptions,
  PersonStatus,
  personSchema,
  Relation,
  RetirementKind,
  ServiceKind,
  ServicePoint,
  Team,
  TimeZoneSchema,
  Volunteer,
} from "./schemas";
export {
  aesGcmSuite,
  type CipherSuite,
  createFieldSealer,
  DATA_KEY_BYTES,
  type DataKey,
  type FieldSealer,
  type FieldSealerOptions,
  type KeyProvider,
  MAX_SEALED_BYTES,
  type MemoryKeyProviderOptions,
  memoryKeyProvider,
  SealedValue,
  sha256Hex,
} from "./seal";
export {
  type IsolationLevel,
  isRetryableSqlError,
  isUniqueViolation,
  type Migration,
  type PgClientLike,
  type PgliteLike,
  type PgPoolLike,
  runMigrations,
  type SqlAdapterOptions,
  type SqlClient,
  type SqlDialect,
  type SqlQueryable,
  type SqlResult,
  splitSqlStatements,
  sqlFromPglite,
  sqlFromPgPool,
  sqlStateOf,
  type TransactionOptions,
} from "./sql";
export { generateDistrict, type SyntheticDistrict, type SyntheticDistrictOptions } from "./synthetic";
export {
  assertText,
  canonicalJson,
  FREE_TEXT_RULES,
  FreeTextSchema,
  ID_RULES,
  IdSchema,
  isWellFormedText,
  type JsonLimits,
  KEY_RULES,
  KeySchema,
  parseJsonText,
  type TextRules,
  textProblem,
} from "./text";
export {
  noopTracer,
  SPAN_ATTRIBUTE_LIMITS,
  type SpanAttributeValue,
  type SpanLike,
  spanAttributes,
  type Tracer,
  withSpan,
} from "./tracing";
export {
  type BatchValidation,
  type InvalidRecord,
  parseOrThrow,
  parsePerson,
  parseWith,
  validateMany,
  validatePersons,
} from "./validate";
