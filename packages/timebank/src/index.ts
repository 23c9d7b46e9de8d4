/**
 * @elderflow/timebank: a double-entry time-bank ledger (时间银行) in whole minutes that never loses or
 * doubles a minute. Two-phase transfers (pending, post, void), idempotent commands, corrections only
 * by reversal, a SHA-256 hash-chained journal of ids only, and one small store interface with
 * memory, PGlite (embedded default) and PostgreSQL backends.
 *
 * @packageDocumentation
 */
export {
  type AnchorSigner,
  type AnchorVerifier,
  anchorSignerFromKey,
  anchorSigningText,
  anchorVerifierFromKey,
  ed25519Signer,
  ed25519Verifier,
  hmacSigner,
  type JournalCheckpoint,
  SignedAnchor,
  signAnchor,
  verifyAnchorSignature,
} from "./anchor";
export {
  type ActingTimeBank,
  type BankVerifyOptions,
  createTimeBank,
  type EntryFilter,
  type OpenReport,
  type TimeBank,
  type TimeBankOptions,
} from "./bank";
export {
  type CheckpointBody,
  type CheckpointInfo,
  decodeCheckpoint,
  type EntryTuple,
  type MovementTuple,
  type StoredCheckpoint,
} from "./checkpoint";
// --- #15 clearing and year-end rating ---
export {
  type ActingClearingBook,
  type CityClearingInput,
  type CityClearingRun,
  type CityPosition,
  type CityProblem,
  type ClearingBook,
  type ClearingBookOptions,
  ClearingCommand,
  ClearingEntry,
  type ClearingFailureCode,
  type ClearingResult,
  CloseClearingCommand,
  cityClearing,
  clearingCommunity,
  clearingLines,
  type InboundMovement,
  openClearingBook,
  ServeCommand,
  SettlementStatement,
  type StatementCheck,
  type StatementInput,
  StatementLine,
  type StatementProblem,
  StatementVolunteer,
  settlementStatement,
  statementSigningText,
  UnserveCommand,
  type VerifyStatementOptions,
  verifyStatement,
} from "./clearing";
export {
  type ActingStoredClearingBook,
  CLEARING_MIGRATIONS,
  CLEARING_MYSQL_MIGRATIONS,
  type ClearingBookStore,
  openStoredClearingBook,
  type StoredClearingBook,
  sqlClearingStore,
} from "./clearingStore";
export {
  CancelCommand,
  ClosePeriodCommand,
  type CommandFailureCode,
  type CommandResult,
  type CommandStatus,
  type DecidedFields,
  EnrollCommand,
  ExpireCommand,
  FulfilCommand,
  GiftCommand,
  GrantCommand,
  PeriodSchema,
  RecordCommand,
  RejectCommand,
  ReverseCommand,
  type StoredCommand,
  TimeBankCommand,
  VerifyCommand,
  WithdrawCommand,
} from "./commands";
export { type ErasureContext, erasePersonIn, type PersonFootprint, personFootprint } from "./erase";
export { assertHashSuite, type HashSuite, hashSuiteNamed, sha256Suite, sm3Suite } from "./hash";
export {
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  type JournalAnchor,
  type JournalEntry,
  type JournalProblem,
  type JournalVerification,
  sha256,
  type VerifyJournalOptions,
  verifyJournal,
} from "./journal";
export {
  createLedger,
  type Ledger,
  type LedgerAccount,
  type LedgerAccountFlags,
  type LedgerId,
  type LedgerMark,
  type LedgerTransfer,
  type TransferError,
  type TransferInput,
  type TransferState,
} from "./ledger";
export { TIMEBANK_MIGRATIONS, TIMEBANK_MYSQL_MIGRATIONS } from "./migrations";
export {
  type RateYearOptions,
  type RatingFeedback,
  rateYear,
  type VolunteerRating,
  type YearFacts,
  type YearRater,
} from "./rating";
export {
  type AsOfOptions,
  accountAsOf,
  type BalanceBasis,
  type BatchItem,
  type Certificate,
  type CertificateLine,
  type CertificateOptions,
  type MonthlyLine,
  type MonthlySummary,
  type NoticeLine,
  noticeToCsv,
  noticeToHtml,
  type PublicNotice,
  type PublicNoticeOptions,
  quarterBounds,
  type VerificationBatch,
} from "./reports";
export {
  addMonths,
  type ExpiryMovement,
  ExpiryRule,
  expiringMinutes,
  mayRedeem,
  PersonFacts,
  type PersonFactsLookup,
  RedemptionAgeRule,
  type RuleBook,
  ruleBook,
  StorageCapRule,
  TimeBankRules,
  type TimeBankRulesInput,
  TimeBankRuleVersion,
  type TimeBankRuleVersionInput,
} from "./rules";
export {
  type AccountRow,
  type EntryView,
  type KeyRecord,
  type MovementKind,
  periodOf,
  type VolunteerAccount,
} from "./state";
export { exclusiveTimeBankStore } from "./stores/exclusive";
export { type MemoryStore, memoryStore } from "./stores/memory";
export { type MysqlStoreOptions, mysqlStore } from "./stores/mysql";
export { type PgliteStoreOptions, pgliteStore } from "./stores/pglite";
export { type PostgresStoreOptions, postgresStore } from "./stores/postgres";
export { type SqlStoreOptions, sqlStore } from "./stores/sql";
export type {
  ErasurePlan,
  ErasureRecord,
  PreparedBatch,
  StoreHead,
  StoreSnapshot,
  TimeBankStore,
} from "./stores/types";
