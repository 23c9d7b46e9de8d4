/**
 * The bureau's register of persons (信息库): every cadre with an effective-dated history of
 * changes (status, rank, community, household, health, personal fields), "as of" reads on any
 * day, masked listings and exports, reads scoped by the actor, and surveys (调查问卷) that feed it.
 *
 * @packageDocumentation
 */

/** The package's version. */
export const REGISTER_VERSION = "0.1.0";

export {
  type AuditedHealthRecords,
  type AuditedRegister,
  auditedHealthRecords,
  auditedRegister,
} from "./audit/audited";
export {
  ACCESS_AUDIT_ROLES,
  ACCESS_GENESIS,
  ACCESS_OPERATIONS,
  ACCESS_PURPOSES,
  type AccessCheckpoint,
  type AccessEntry,
  type AccessHash,
  type AccessHead,
  type AccessInput,
  type AccessLog,
  type AccessLogOptions,
  type AccessLogStore,
  type AccessOperation,
  type AccessPurpose,
  type AccessPurposeInput,
  type AccessReportQuery,
  type AccessVerification,
  accessEntryText,
  accessSha256,
  assertRetention,
  createAccessLog,
  MAX_SUBJECTS_PER_APPEND,
  MAX_SUBJECTS_PER_ENTRY,
  MIN_RETENTION_DAYS,
  memoryAccessLogStore,
  PURPOSE_NOTE_RULES,
  parsePurpose,
} from "./audit/log";
export { ACCESS_MIGRATIONS, ACCESS_MYSQL_MIGRATIONS, sqlAccessLogStore } from "./audit/sql";
export {
  ChangeSource,
  CONTACT_FIELDS,
  changedFields,
  HealthPatch,
  HouseholdPatch,
  NameSchema,
  type RecordedChange,
  type RecordOutcome,
  type RegisterChange,
  RegisterChangeInput,
  type RegisterChangeKind,
  type RegisterChangeSchemaOptions,
  registerChangeSchema,
  SENSITIVE_FIELDS,
  type SensitiveField,
} from "./changes";
export {
  kekFromEnv,
  memoryWrappedKeyStore,
  type WrappedKeyProviderOptions,
  type WrappedKeyStore,
  wrappedKeyProvider,
} from "./crypto/keys";
export {
  createRegisterProtector,
  migrateRegisterToEncrypted,
  type RegisterEncryption,
  type RegisterProtector,
  type RegisterVerification,
  verifyRegisterChains,
} from "./crypto/protect";
export {
  type CryptoSuite,
  defaultCryptoSuite,
  type HashSuite,
  nodeAesGcmSuite,
  sha256HashSuite,
  sm3HashSuite,
  sm4CbcHmacSm3Suite,
  sm4Sm3CryptoSuite,
} from "./crypto/suites";
export {
  type CheckupFields,
  CheckupInput,
  CheckupKind,
  type CheckupOutcome,
  CheckupReadings,
  type CheckupRecord,
  createHealthRecords,
  HEALTH_ERASE_ROLES,
  HEALTH_FINDING_LABELS,
  HEALTH_FINDINGS,
  HEALTH_MIGRATIONS,
  HEALTH_MYSQL_MIGRATIONS,
  HEALTH_RECORD_ROLES,
  type HealthDueListOptions,
  type HealthDueRow,
  HealthFinding,
  type HealthRecordStore,
  type HealthRecords,
  type HealthRecordsOptions,
  MAX_CHECKUP_BATCH,
  memoryHealthRecordStore,
  type StoredCheckup,
  sqlHealthRecordStore,
} from "./health";
export { type WritePersonsOptions, writePersonsXlsx } from "./import/export";
export {
  type ColumnKind,
  type ColumnSpec,
  columnForHeader,
  normalizeKey,
  PERSON_COLUMNS,
  type PersonField,
  RANK_ALIASES,
} from "./import/mapping";
export {
  decodeText,
  detectFormat,
  type IgnoredColumn,
  IMPORT_LIMITS,
  type ImportFormat,
  type ImportRejection,
  type PersonImport,
  type ReadPersonsOptions,
  readPersons,
} from "./import/read";
export { readTableXlsx, type TableColumn, type TableSheet, writeTablesXlsx } from "./import/sheet";
export { type MaskedPerson, maskChange, maskPerson } from "./masking";
export {
  createNeedsRegister,
  MAX_NEEDS_BATCH,
  memoryNeedsStore,
  NEED_CLOSE_REASONS,
  NEED_STATUSES,
  NEED_URGENCIES,
  NEED_WRITE_ROLES,
  NEEDS_MIGRATION,
  NEEDS_MYSQL_MIGRATION,
  type Need,
  type NeedCloseReason,
  NeedInput,
  type NeedOutcome,
  type NeedQuery,
  type NeedStatus,
  type NeedsRegister,
  type NeedsRegisterOptions,
  type NeedsStore,
  type NeedTransition,
  type NeedUrgency,
  sqlNeedsStore,
} from "./needs";
export {
  createRegister,
  MAX_BATCH,
  memoryRegister,
  memoryRegisterStore,
  PERSONAL_DATA_ROLES,
  REGISTER_ERASE_ROLES,
  REGISTER_WRITE_ROLES,
  type Register,
  type RegisterBatch,
  type RegisterOptions,
  type RegisterPerson,
  type RegisterQuery,
  type RegisterStore,
} from "./register";
export {
  REGISTER_MIGRATIONS,
  REGISTER_MYSQL_MIGRATIONS,
  sqlNeedsRegister,
  sqlRegister,
  sqlRegisterStore,
} from "./sql";
export { applyChange, byEffective, type PersonState, registerAsOf, supersededSeqs, timeline } from "./state";
export {
  type ApplySurveyOptions,
  applySurvey,
  type BilingualText,
  CADRE_SURVEY_2026,
  defineQuestion,
  defineSurvey,
  type FieldChange,
  type ReportValue,
  type Survey,
  type SurveyAnswers,
  type SurveyChange,
  type SurveyConflict,
  type SurveyDefinition,
  type SurveyQuestion,
  type SurveyQuestions,
  type SurveyReport,
  type SurveyResponse,
  type SurveyResponseReport,
} from "./survey";
