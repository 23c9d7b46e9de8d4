/**
 * @elderflow/workflow: durable xstate v5 workflows for hotline requests, escalation, care
 * pathways, volunteer pairing and service-entry verification. Snapshots plus append-only event
 * logs with optimistic concurrency, persisted timers that survive restarts, versioned machines
 * with snapshot migrations, role and community rules on every event, masked audit export,
 * Open311 and Mermaid interop.
 *
 * @packageDocumentation
 */

export { type AuditRecord, exportAudit, type Replay, replayLog } from "./audit";
export {
  defineWorkflow,
  type EnrichArgs,
  type EventSpec,
  migrateSnapshot,
  type SnapshotMigration,
  type WorkflowDefinition,
} from "./definition";
export { BUILT_IN_MACHINES, diagramDocuments } from "./diagrams";
export {
  createWorkflowEngine,
  type EventSink,
  type SendResult,
  type StartOptions,
  type TimerRun,
  type WorkflowEngine,
  type WorkflowEngineOptions,
  type WorkflowInstance,
} from "./engine";
export {
  type CarePathwayContext,
  type CarePathwayEvent,
  type CarePathwayInput,
  carePathwayMachine,
  carePathwayWorkflow,
  EXTENDED_SERVICES,
  type ExtendedService,
  type HospitalVisitDue,
  type TaskState,
} from "./machines/carePathway";
export { certificationFromVolunteers } from "./machines/certification";
export type { MachineEvent } from "./machines/common";
export {
  DEFAULT_ESCALATION_LIMITS,
  type EscalationContext,
  type EscalationDeps,
  type EscalationEvent,
  type EscalationInput,
  type EscalationLevel,
  type EscalationLimits,
  escalationMachine,
  escalationWorkflow,
  HAND_UP_REASONS,
  type HandUp,
  RESPONSIBLE_ROLE,
} from "./machines/escalation";
export { builtInWorkflows, type WorkflowDeps } from "./machines/index";
export {
  type CertificationCheck,
  type CertificationQuery,
  type PairingContext,
  type PairingDeps,
  type PairingEvent,
  type PairingInput,
  pairingMachine,
  pairingWorkflow,
} from "./machines/pairing";
export { distanceMetres, servicePointDirectory } from "./machines/servicePoints";
export {
  DEFAULT_SLA,
  type PriorityCheck,
  resolveSla,
  type ServicePointLookup,
  type ServicePointQuery,
  type ServiceRequestContext,
  type ServiceRequestDeps,
  type ServiceRequestEvent,
  type ServiceRequestInput,
  type Sla,
  type SlaConfig,
  type SlaMs,
  serviceRequestMachine,
  serviceRequestWorkflow,
} from "./machines/serviceRequest";
export {
  type ServiceVerified,
  type VerificationContext,
  type VerificationEvent,
  type VerificationInput,
  verificationMachine,
  verificationWorkflow,
} from "./machines/verification";
export { toMermaid } from "./mermaid";
export {
  formatInstant,
  fromOpen311,
  type Open311PostRequest,
  type Open311ServiceRequest,
  toOpen311,
} from "./open311";
export { checkPayload, type FieldKind, type FieldSpec, type PayloadSpec } from "./payload";
export { createTimerRunner, type TimerRunner, type TimerRunnerOptions } from "./runner";
export { flattenState, initialStep, persistSnapshot, restoreSnapshot, type StepResult, step } from "./runtime";
export { memoryStore } from "./stores/memory";
export { type PgliteStoreOptions, pgliteStore } from "./stores/pglite";
export { type PostgresStoreOptions, postgresStore } from "./stores/postgres";
export { checkSchemaName, migrateWorkflowSchema, type SqlStoreOptions, sqlStore } from "./stores/sql";
export type { WorkflowStore } from "./stores/store";
export {
  type Commit,
  CROSS_COMMUNITY_ROLES,
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
