/**
 * elderflow: the umbrella package. It re-exports every Elderflow package (as namespaces, since
 * several packages name their store factories alike) and wires them into one system with
 * {@link createElderflow}; it also holds the `elderflow` CLI.
 *
 * @packageDocumentation
 */
export * as core from "@elderflow/core";
export * as policy from "@elderflow/policy";
export * as schedule from "@elderflow/schedule";
export * as timebank from "@elderflow/timebank";
export * as workflow from "@elderflow/workflow";
export { type CliIO, type CommandContext, EXIT, type GlobalOptions, type OutputFormat, processIO } from "./cli/io";
export { CLI_VERSION, runCli } from "./cli/program";
export {
  type BirthdayListRow,
  type CertificateView,
  type DeliveryCompletenessRow,
  escapePrintable,
  type HolidayVisitRow,
  type PrintableColumn,
  type PrintableList,
  type PrintableText,
  printableBirthdayList,
  printableCertificate,
  printableDeliveryCompleteness,
  printableHolidayVisitList,
  renderPrintableList,
} from "./report/printable";
export { scheduleReceptions, yearlyCases } from "./system/cases";
export {
  type CertificateLapse,
  type CertificateWatch,
  type CertificateWatchDeps,
  checkCertificateLapses,
  createCertificateWatch,
  type LapseReport,
  lapsedSince,
  presetCertificateRule,
} from "./system/certificates";
export { openDataDir } from "./system/datadir";
export {
  type DeadLetter,
  type DeadLetterStore,
  memoryDeadLetters,
  sqlDeadLetters,
} from "./system/deadletters";
export {
  type CompletenessRow,
  createDeliveries,
  type Deliveries,
  type DeliveriesOptions,
  type DeliveryFilter,
  type DeliveryItem,
  type DeliveryOutcome,
  type DeliveryResult,
  type DeliveryStatus,
  type DeliveryStep,
  type DeliveryStore,
  MISS_REASONS,
  type MissReason,
  memoryDeliveryStore,
  PERIODICALS,
  type Periodical,
  type PlannedRound,
  periodicalIssues,
  STUDY_TITLE,
  type Subscription,
  type SubscriptionInput,
  sqlDeliveryStore,
} from "./system/deliveries";
export {
  createElderflow,
  type Discrepancy,
  type Elderflow,
  type ElderflowDirectory,
  type ElderflowOptions,
  type ElderflowPolicies,
  type ErasureReport,
  HOSPITAL_ROTATION,
  HOST_ACTOR,
  type PriorityFactsOf,
  type PumpResult,
  presetPriorityTarget,
  type ReconcileReport,
  type StoreSpec,
  serviceEntryKeys,
} from "./system/elderflow";
export {
  admitTask,
  type Departure,
  type DepartureStore,
  departureGate,
  FOLLOWED_STATUSES,
  type FollowDeps,
  type FollowedStatus,
  type FollowReport,
  followStatusChange,
  memoryDepartures,
  REASSIGNED_TASK_KINDS,
  type RecordedChanges,
  recordAndFollow,
  STATUS_CHANGE_ROLES,
  type StatusChange,
  sqlDepartures,
} from "./system/follow";
export { type DirectoryVolunteer, type NeedMatchingDeps, rankForNeed, volunteerLoads } from "./system/matching";
export {
  createMedicalGroups,
  groupCadence,
  groupMissedContactHandler,
  type MedicalGroups,
  type MedicalGroupsOptions,
  medicalGroupDeps,
  type OpenedReading,
  READINGS_CONTEXT,
  registerScope,
} from "./system/medical";
export {
  BUREAU_BODY,
  createPlanners,
  type EscalationFacts,
  escalationTask,
  type HealthCheckPlanOptions,
  HOLIDAY_VISITORS,
  type HolidayPlanOptions,
  healthCheckDay,
  holidayVisitTasks,
  type PlannerDeps,
  type Planners,
  type PlanPerson,
  type PlanRejection,
  type PlanResult,
} from "./system/plans";
export {
  contactsOfGroup,
  countyBudgetLines,
  formatYuan,
  parseBudgetLines,
  printableStatement,
  type StatementExportOptions,
  type StatementMonth,
  type StatementRow,
  type SubsidyStatement,
  statementXlsx,
  subsidyStatement,
} from "./system/subsidies";
export {
  ERASED_ID,
  memoryTaskBoard,
  OPEN_TASK_STATUSES,
  readScope,
  sqlTaskBoard,
  TASK_CANCEL_REASONS,
  TASK_OUTCOMES,
  TASK_STATUSES,
  type Task,
  type TaskBoard,
  type TaskBoardOptions,
  type TaskCancelReason,
  type TaskCompletion,
  type TaskFilter,
  type TaskKind,
  type TaskOutcome,
  type TaskRotation,
  type TaskStatus,
  type TaskTransition,
  type TrackedTask,
} from "./system/tasks";
