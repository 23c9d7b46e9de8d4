/**
 * @elderflow/workflow: durable xstate v5 workflows for hotline requests, escalation, care
 * pathways, volunteer pairing and service-entry verification. Snapshots plus append-only event
 * logs with optimistic concurrency, persisted timers that survive restarts, versioned machines
 * with snapshot migrations, zod contracts for inputs, payloads and emitted events, role and
 * community rules on every event, one movement authority for who may sign and verify, masked
 * audit export, erasure of free text, Open311 and Mermaid interop.
 *
 * @packageDocumentation
 */

export { workflowActor } from "./actor";
export { type AuditRecord, exportAudit, type Replay, redactJson, replayLog } from "./audit";
export {
  defineWorkflow,
  type EnrichArgs,
  type EventSpec,
  migrateSnapshot,
  type SnapshotMigration,
  type WorkflowDefinition,
} from "./definition";
export { BUILT_IN_MACHINES, diagramDocuments } from "./diagrams";
export { EMITTED_EVENT_TYPES, EmittedEvent, type EmittedEventOf, parseEmitted } from "./emitted";
export {
  createWorkflowEngine,
  type ErasureResult,
  type EventSink,
  type SendResult,
  type StartOptions,
  type TimerRun,
  type TimerRunOptions,
  type WorkflowEngine,
  type WorkflowEngineOptions,
  type WorkflowInstance,
} from "./engine";
export {
  type CarePathwayContext,
  type CarePathwayEvent,
  CarePathwayInput,
  CarePathwayPayloads,
  carePathwayMachine,
  carePathwayWorkflow,
  Discharged,
  EXTENDED_SERVICES,
  type ExtendedService,
  HospitalVisitDue,
  type TaskState,
} from "./machines/carePathway";
export {
  CASE_CATEGORIES,
  CASE_KINDS,
  CASE_OUTCOMES,
  type CaseCategory,
  type CaseContext,
  type CaseCounts,
  type CaseDeps,
  type CaseEvent,
  CaseInput,
  type CaseKind,
  type CaseKindCounts,
  type CaseMachineInput,
  type CaseOutcome,
  CasePayloads,
  type CaseSession,
  caseCounts,
  caseMachine,
  caseWorkflow,
  MAX_CASE_SESSIONS,
  RECEPTIONS,
  REFERRAL_TARGETS,
  type Reception,
  type ReceptionCheck,
  type ReferralTarget,
  weekdayReceptions,
} from "./machines/case";
export { certificationFromVolunteers } from "./machines/certification";
export type { MachineEvent } from "./machines/common";
export {
  DEFAULT_ESCALATION_LIMITS,
  type EscalationContext,
  type EscalationDeps,
  type EscalationEvent,
  EscalationHandedUp,
  EscalationInput,
  type EscalationLevel,
  type EscalationLimits,
  type EscalationMachineInput,
  EscalationOverdue,
  EscalationPayloads,
  EscalationResolved,
  escalationMachine,
  escalationWorkflow,
  HAND_UP_REASONS,
  type HandUp,
  RESPONSIBLE_ROLE,
} from "./machines/escalation";
export { builtInWorkflows, type WorkflowDeps } from "./machines/index";
export {
  ContactCadence,
  checksOf,
  type GroupCadre,
  type GroupContact,
  type GroupMember,
  GroupMemberSuspended,
  GroupMissedContact,
  MEASURED_CHECKS,
  MEDICAL_CHECK_KINDS,
  MEDICAL_GROUP_LIMITS,
  type MedicalCheckKind,
  MedicalContactInput,
  type MedicalGroupContext,
  type MedicalGroupDeps,
  type MedicalGroupEvent,
  MedicalGroupInput,
  MedicalGroupPayloads,
  MedicalReadings,
  medicalGroupMachine,
  medicalGroupWorkflow,
  type ProgrammeScopeCheck,
} from "./machines/medicalGroup";
export {
  CertificateLapsedAlert,
  type CertificationCheck,
  type CertificationQuery,
  MissedContact,
  type PairingContext,
  type PairingDeps,
  type PairingEvent,
  PairingInput,
  PairingPayloads,
  pairingMachine,
  pairingWorkflow,
} from "./machines/pairing";
export { distanceMetres, isOpenAt, servicePointDirectory } from "./machines/servicePoints";
export {
  DEFAULT_SLA,
  type PriorityCheck,
  RequestClosed,
  RequestEscalated,
  resolveSla,
  type ServicePointLookup,
  type ServicePointQuery,
  type ServiceRequestContext,
  type ServiceRequestDeps,
  type ServiceRequestEvent,
  ServiceRequestInput,
  type ServiceRequestMachineInput,
  ServiceRequestPayloads,
  type Sla,
  SlaBreached,
  type SlaClock,
  type SlaConfig,
  type SlaLimit,
  type SlaMs,
  serviceRequestMachine,
  serviceRequestWorkflow,
} from "./machines/serviceRequest";
export {
  defaultMovementAuthority,
  ServiceRejected,
  ServiceVerified,
  type VerificationContext,
  type VerificationDeps,
  type VerificationEvent,
  VerificationInput,
  VerificationPayloads,
  verificationMachine,
  verificationWorkflow,
} from "./machines/verification";
export {
  deadlineOf,
  delayOf,
  localTimeAt,
  MONDAY_TO_FRIDAY,
  scaleLimit,
  TimeLimit,
  type WorkingCalendar,
} from "./machines/workingTime";
export { toMermaid } from "./mermaid";
export {
  formatInstant,
  fromOpen311,
  type Open311PostRequest,
  type Open311ServiceRequest,
  toOpen311,
} from "./open311";
export { createTimerRunner, type TimerRunner, type TimerRunnerOptions } from "./runner";
export { flattenState, initialStep, persistSnapshot, restoreSnapshot, type StepResult, step } from "./runtime";
export {
  BoundedJson,
  checkCallerId,
  freeTextFields,
  isStrictObject,
  PAYLOAD_LIMITS,
  parsePayload,
  RESERVED_ID_PREFIXES,
  reservedPrefix,
  WorkflowActorSchema,
} from "./schemas";
export { type ExclusiveStoreOptions, exclusiveStore, type WorkflowTables } from "./stores/exclusive";
export { memoryStore } from "./stores/memory";
export { type MysqlWorkflowStoreOptions, mysqlWorkflowStore } from "./stores/mysql";
export {
  addCommunityPartition,
  type CommunityPartition,
  workflowPartitionedMigrations,
} from "./stores/partitions";
export { type PgliteStoreOptions, pgliteStore } from "./stores/pglite";
export { type PostgresStoreOptions, postgresStore } from "./stores/postgres";
export { checkSchemaName, migrateWorkflowSchema, type SqlStoreOptions, sqlStore } from "./stores/sql";
export type { TimerLease, WorkflowStore } from "./stores/store";
export {
  type Commit,
  type CommitOutcome,
  CROSS_COMMUNITY_ROLES,
  type Erasure,
  type EventMeta,
  type Json,
  type ListFilter,
  type LogEntry,
  type OutboxItem,
  type PersistedSnapshot,
  ROLES,
  type Role,
  type StoredInstance,
  type StoredTimer,
  SYSTEM_ACTOR,
  type WorkflowActor,
  type WorkflowEventInput,
} from "./types";
