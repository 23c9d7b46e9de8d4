import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorHasRole,
  actorReaches,
  type BatchingSqlClient,
  batchingClient,
  type Clock,
  ElderflowError,
  type ErrorCode,
  type FieldSealer,
  guardIdleClients,
  type Household,
  IdSchema,
  type IsoDate,
  isDistrictActor,
  isElderflowError,
  isoDateAt,
  type Logger,
  memoryKeyProvider,
  noopTracer,
  openMysqlClient,
  type Person,
  parseOrThrow,
  redactingLogger,
  type ServicePoint,
  type SqlClient,
  silentLogger,
  sqlFromPglite,
  sqlFromPgPool,
  type Tracer,
  today,
  withSpan,
} from "@elderflow/core";
import {
  type BirthdayCheckOptions,
  createBirthdayCheck,
  type HospitalVisitPlan,
  hospitalVisitors,
  type MatchResult,
  priorityTargetPolicy,
  starsForMinutes,
} from "@elderflow/policy";
import {
  type AccessLog,
  type AccessLogStore,
  type AuditedHealthRecords,
  type AuditedRegister,
  assertRetention,
  auditedHealthRecords,
  auditedRegister,
  createAccessLog,
  createNeedsRegister,
  type HealthRecordStore,
  type HealthRecords,
  memoryAccessLogStore,
  memoryHealthRecordStore,
  memoryNeedsStore,
  memoryRegister,
  type NeedsRegister,
  type Register,
  type RegisterEncryption,
  sqlAccessLogStore,
  sqlHealthRecordStore,
  sqlNeedsRegister,
  sqlRegister,
} from "@elderflow/register";
import {
  type BirthdayEntry,
  type BirthdaySkip,
  birthdayRoster,
  type CadenceLogEntry,
  type CadencePair,
  type CadenceReport,
  cadenceReport,
  createHolidayCalendar,
} from "@elderflow/schedule";
import {
  createTimeBank,
  exclusiveTimeBankStore,
  memoryStore as memoryBankStore,
  sqlStore as sqlBankStore,
  type TimeBank,
  type TimeBankOptions,
  type TimeBankStore,
} from "@elderflow/timebank";
import {
  builtInWorkflows,
  certificationFromVolunteers,
  createWorkflowEngine,
  type EscalationDeps,
  type EventSink,
  memoryStore as memoryWorkflowStore,
  migrateWorkflowSchema,
  type OutboxItem,
  type SlaConfig,
  servicePointDirectory,
  sqlStore as sqlWorkflowStore,
  type TimeLimit,
  type WorkflowActor,
  type WorkflowEngine,
  type WorkflowEngineOptions,
  type WorkflowStore,
} from "@elderflow/workflow";
import { scheduleReceptions, yearlyCases } from "./cases";
import { type CertificateWatch, createCertificateWatch, presetCertificateRule } from "./certificates";
import { type EmittedEvent, type EmittedEventOf, parseEmitted, postedServiceEntries } from "./contract";
import { openDataDir } from "./datadir";
import { type DeadLetter, type DeadLetterStore, memoryDeadLetters, sqlDeadLetters } from "./deadletters";
import {
  createDeliveries,
  type Deliveries,
  type DeliveryStore,
  memoryDeliveryStore,
  sqlDeliveryStore,
} from "./deliveries";
import {
  type DepartureStore,
  departureGate,
  type FollowDeps,
  type FollowReport,
  followStatusChange,
  memoryDepartures,
  type RecordedChanges,
  recordAndFollow,
  type StatusChange,
  sqlDepartures,
} from "./follow";
import { systemHealthRecords } from "./health";
import { type DirectoryVolunteer, rankForNeed } from "./matching";
import {
  createMedicalGroups,
  groupMissedContactHandler,
  type MedicalGroups,
  medicalGroupDeps,
  registerScope,
} from "./medical";
import { createPlanners, escalationTask, type Planners } from "./plans";
import { memoryTaskBoard, readScope, sqlTaskBoard, type Task, type TaskBoard } from "./tasks";

/**
 * The order in which the three offices take their turn visiting hospitalised ordinary cadres
 * (分头看望, rule 2): the order the hospital-visit policy names them in.
 *
 * @example
 * ```ts
 * HOSPITAL_ROTATION[0]; // "organisation_department"
 * ```
 */
export const HOSPITAL_ROTATION: readonly string[] = [
  "organisation_department",
  "veteran_cadres_bureau",
  "personnel_bureau",
];

/**
 * Where the wired system keeps its state. All parts (time bank, workflows, tasks, dead letters)
 * share one database: PGlite is the embedded default (in memory, or in a local folder, created
 * when missing), PostgreSQL or a MySQL-family server (MySQL 8, MariaDB 10.6+; driver `mysql2`, an
 * optional peer) for deployments. `sql` takes a ready client of either dialect.
 * `partitionByCommunity` (PostgreSQL dialects) creates the workflow tables partitioned by
 * community (see the workflow package's `addCommunityPartition`); it is chosen when the database
 * is created, and a database created in the other layout is refused.
 */
export type StoreSpec =
  | { readonly kind: "memory" }
  | { readonly kind: "pglite"; readonly dataDir?: string; readonly partitionByCommunity?: boolean }
  | { readonly kind: "postgres"; readonly url: string; readonly max?: number; readonly partitionByCommunity?: boolean }
  | { readonly kind: "mysql"; readonly url: string; readonly max?: number }
  | { readonly kind: "sql"; readonly sql: SqlClient; readonly partitionByCommunity?: boolean };

/** The facts the priority-target rule reads (rule 10). */
export type PriorityFactsOf = Pick<Person, "birthDate" | "household" | "health">;

/** The policies the wiring consults; each defaults to the preset from the reports. */
export interface ElderflowPolicies {
  /** Birthday rule (rule 1) readings or a ready policy, for the roster. */
  readonly birthday?: BirthdayCheckOptions;
  /** Who visits a hospitalised cadre (rule 2). Default: the hospital-visit preset. */
  readonly hospitalVisitors?: (person: { readonly rank: string }, on: IsoDate) => HospitalVisitPlan;
  /**
   * For visits `in_turn`: the bodies in the order they take their turn, one body per admission, in
   * a round-robin kept in the task store (so it survives restarts and is shared by every process).
   * Default {@link HOSPITAL_ROTATION}.
   */
  readonly hospitalRotation?: readonly string[];
  /** Stars from cumulative verified minutes (rule 14). Default: the star preset. */
  readonly stars?: (earnedMinutes: number) => number;
  /**
   * Whether a cadre is a priority target on a day (rule 10): dispatch favours them and their SLA
   * limits are halved. Default: the priority-target preset of @elderflow/policy (any entitlement).
   */
  readonly priorityTarget?: (person: PriorityFactsOf, on: IsoDate) => boolean;
  /**
   * Whether a cadre may be served by a medical volunteer group on a day (rule 12). Default: the
   * `medical-volunteer-scope` preset (lixiu only) over the register's record as of that day.
   */
  readonly medicalScope?: (personId: string, on: IsoDate) => boolean | Promise<boolean>;
}

/** What the wired system needs to know about the district. */
export interface ElderflowDirectory {
  /** Service points for hotline dispatch (rule 7). */
  readonly servicePoints: readonly ServicePoint[];
  /**
   * Volunteers: their certificates for the certification checks (rule 11), and, when given, their
   * community, skills, availability and most load for matching needs.
   */
  readonly volunteers: readonly DirectoryVolunteer[];
  /** Looks up a cadre by id (priority targets, rule 10); optional. */
  readonly person?: (personId: string) => PriorityFactsOf | undefined;
  /**
   * Registered households: who may sign for a bedridden recipient. The time bank and the
   * verification workflow read the same list, so they agree on every signature.
   */
  readonly households?: readonly Household[];
}

/** Options of {@link createElderflow}. */
export interface ElderflowOptions {
  /** Where state is kept (default: PGlite in memory). */
  readonly store?: StoreSpec;
  /** The only source of "now". */
  readonly clock: Clock;
  /** Policy overrides (default: the presets). */
  readonly policies?: ElderflowPolicies;
  /** The district's service points, volunteers and (optionally) cadres and households. */
  readonly directory: ElderflowDirectory;
  /** SLA limits per service kind for hotline requests. */
  readonly sla?: SlaConfig;
  /** Escalation limits and department look-up. */
  readonly escalation?: EscalationDeps;
  /** xstate inspection (e.g. Stately's inspector), passed to the workflow engine. */
  readonly inspect?: WorkflowEngineOptions["inspect"];
  /** Most commands per time-bank transaction (group commit). */
  readonly maxBatch?: number;
  /** The host's own actor, as which the wiring posts verified services (default {@link HOST_ACTOR}). */
  readonly host?: ActorInput;
  /** Seals health readings (medical volunteer contacts) under each cadre's data key; core's `createFieldSealer`. */
  readonly sealer?: FieldSealer;
  /**
   * Seals the register's ID numbers, phones and health facts per person (see the register's
   * `RegisterEncryption`). Default: on, with an in-memory key provider, when the store keeps
   * nothing past the process (memory, PGlite without a data directory); off on a persistent store,
   * where keys that die with the process would make every sealed field unreadable after a restart:
   * give a key provider backed by your KMS there. `false` turns it off.
   */
  readonly registerEncryption?: RegisterEncryption | false;
  /** The time bank's effective-dated rules (storage cap, redemption age, expiry); see `TimeBankRules`. */
  readonly timebankRules?: TimeBankOptions["rules"];
  /** Birth dates and hardship flags for the redemption age, from the host's register. */
  readonly timebankPersons?: TimeBankOptions["persons"];
  /**
   * The host's logger (a `pino()` instance fits; default core's `silentLogger`). Everything is
   * logged through core's `redactingLogger`: dead letters and lapses at `warn`, pump errors at `error`.
   */
  readonly logger?: Logger;
  /**
   * The tracer for spans around pump, tick, batch and store commits (default: `@opentelemetry/api`'s
   * global tracer when that optional peer is installed, else none; `false` turns tracing off).
   */
  readonly tracer?: Tracer | false;
  /** Days the access log keeps entries before `access.prune` may remove them (default and minimum 180). */
  readonly accessRetentionDays?: number;
}

/** The global OpenTelemetry tracer when `@opentelemetry/api` is installed, else the no-op tracer. */
async function defaultTracer(): Promise<Tracer> {
  try {
    const api = await import("@opentelemetry/api");
    return api.trace.getTracer("elderflow");
  } catch {
    return noopTracer;
  }
}

/** A store whose `commit` runs in a span (a proxy, so the store's own `this` is kept). */
function tracedCommit<S extends { commit: (...args: never[]) => Promise<unknown> }>(
  store: S,
  tracer: Tracer,
  name: string,
  attributes: (...args: Parameters<S["commit"]>) => Record<string, unknown>,
): S {
  if (tracer === noopTracer) return store;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== "commit" || typeof value !== "function") return value;
      return (...args: Parameters<S["commit"]>) =>
        withSpan(tracer, name, attributes(...args), () => Reflect.apply(value, target, args) as Promise<unknown>);
    },
  });
}

/** What {@link Elderflow.pump} did. */
export interface PumpResult {
  /** Emitted workflow events delivered to the wiring. */
  readonly delivered: number;
  /** Verified service entries posted in the time bank. */
  readonly posted: number;
  /** Events that could not be applied, by outbox id, with their codes (each is now a dead letter). */
  readonly failed: readonly { readonly key: string; readonly code: ErrorCode }[];
  /** New tasks. */
  readonly tasks: number;
}

/** One discrepancy {@link Elderflow.reconcile} found. Ids and codes only. */
export type Discrepancy =
  | {
      /** A verification workflow ended `verified` but the time bank has not posted its minutes. */
      readonly kind: "verified_not_posted";
      readonly entryId: string;
      readonly instanceId: string;
      readonly communityId: string;
    }
  | {
      /** The time bank posted a service entry of the wiring's namespace that no verified workflow explains. */
      readonly kind: "posted_without_workflow";
      readonly entryId: string;
      readonly key: string;
      readonly communityId: string;
    }
  | {
      /** An emitted event the wiring could not apply. */
      readonly kind: "dead_letter";
      readonly id: string;
      readonly instanceId: string;
      readonly type: string;
      readonly code: ErrorCode;
      readonly entryId?: string;
      readonly communityId?: string;
    };

/** What {@link Elderflow.reconcile} found. */
export interface ReconcileReport {
  /** True when there is no discrepancy. */
  readonly ok: boolean;
  /** Verified workflow entries checked. */
  readonly verifiedEntries: number;
  /** Posted service entries checked. */
  readonly postedEntries: number;
  /** Every discrepancy, verified-but-not-posted first, then postings without a workflow, then dead letters. */
  readonly discrepancies: readonly Discrepancy[];
}

/** What {@link Elderflow.erasePerson} did outside the time bank's chain. */
export interface ErasureReport {
  /** Tasks dropped or re-assigned. */
  readonly tasks: number;
  /** Subscriptions and delivery items dropped. */
  readonly deliveries: number;
  /** Dead letters scrubbed. */
  readonly deadLetters: number;
  /** The time bank's erasure record (its notes; the chain is untouched). */
  readonly timebank: Awaited<ReturnType<TimeBank["erasePerson"]>>;
  /** The workflow engine's erasure (free text in contexts and logs). */
  readonly workflows: Awaited<ReturnType<WorkflowEngine["erasePerson"]>>;
  /** Whether the person's data keys were erased (a sealer or register encryption is configured): their sealed readings and register fields no longer open. */
  readonly sealedKeys: boolean;
}

/** The wired system returned by {@link createElderflow}. */
export interface Elderflow extends Planners {
  /** The clock. */
  readonly clock: Clock;
  /** The host's actor, as which the wiring acts in the time bank. */
  readonly host: Actor;
  /** The durable workflow engine with the five built-in workflows. */
  readonly workflows: WorkflowEngine;
  /** The time bank. */
  readonly timebank: TimeBank;
  /**
   * Visits and alerts produced by the wiring, with their life (assign, accept, complete, cancel);
   * reads take the actor and see only its communities.
   */
  readonly tasks: Omit<TaskBoard, "add" | "addInTurn" | "forget">;
  /**
   * Delivers what the workflows emitted: a care pathway's "hospital visit due" becomes a hospital
   * visit task for the bodies the hospital-visit policy names (district leaders in person, or the
   * next office of the hospital rotation); a verified service entry is recorded
   * and posted in the time bank; a pairing's missed contact becomes an alert. An event that cannot
   * be applied becomes a dead letter.
   */
  pump(limit?: number): Promise<PumpResult>;
  /**
   * Fires due workflow timers (SLA breaches, weekly pairing checks …), checks certificates for the
   * day once, at the first tick of each day (`certificates.check`: lapses suspend pairings and raise
   * alerts; `lapsed` is 0 on the day's later ticks), and then pumps.
   */
  tick(now?: number): Promise<PumpResult & { readonly fired: number; readonly lapsed: number }>;
  /**
   * Certificates (rule 11): the rule the time bank and verification share, and the watch that
   * suspends pairings whose volunteer's certificate lapsed. See `./certificates`.
   */
  readonly certificates: CertificateWatch;
  /** The needs register (需求登记), in the same store as the rest. */
  readonly needs: NeedsRegister;
  /**
   * Ranks the directory's volunteers for a need on a day (default today) under the matching
   * policy, with their current loads; see `rankForNeed` in `./matching`.
   */
  matchNeed(needId: string, actor: ActorInput, on?: IsoDate): Promise<MatchResult>;
  /** Builds the birthday roster for a window with the birthday policy and adds a visit task per celebration. */
  planBirthdayVisits(
    persons: readonly Pick<
      Person,
      "id" | "birthDate" | "birthdayCalendar" | "retirementKind" | "rank" | "status" | "statusSince" | "communityId"
    >[],
    window: { readonly from: IsoDate; readonly to: IsoDate; readonly skip?: BirthdaySkip },
    actor: ActorInput,
  ): Promise<BirthdayEntry[]>;
  /** Checks pairing cadence for a month (rule 5) and adds an alert per non-compliant pair. */
  checkCadence(
    pairs: readonly CadencePair[],
    log: readonly CadenceLogEntry[],
    month: string,
    actor: ActorInput,
  ): Promise<CadenceReport>;
  /**
   * Adds tasks the host plans itself (e.g. holiday visits from the schedule package): a planning
   * role reaching each task's community (a task without one needs a district role). Returns how
   * many were new.
   */
  addTasks(tasks: readonly Task[], actor: ActorInput): Promise<number>;
  /** The emitted events that could not be applied, in the communities the actor reaches. */
  deadLetters(actor: ActorInput): Promise<DeadLetter[]>;
  /**
   * Cross-checks the workflows and the time bank: every verified service entry whose minutes are
   * not posted, every posted service entry with no verified workflow, and every dead letter, in
   * the communities the actor reaches.
   */
  reconcile(actor: ActorInput): Promise<ReconcileReport>;
  /**
   * Erases a person's personal data outside the hash chain: the time bank's and the workflow
   * engine's erasure, then tasks and dead letters. Needs `admin` or a district role.
   */
  erasePerson(personId: string, actor: ActorInput): Promise<ErasureReport>;
  /**
   * Follows a status change (death, moving away, transfer) into the plans: cancels or reassigns
   * every open task about the person, ends their pairings (and the weekly timers), cancels their
   * open service requests, closes their care pathways and voids the time-bank withdrawals reserved
   * for them, each with the reason; from then on no task is added for them. Needs `registrar`,
   * `admin`, `bureau` or `system` reaching the person's community. See `followStatusChange` in
   * `./follow`.
   */
  followStatusChange(change: StatusChange, actor: ActorInput): Promise<FollowReport>;
  /** The register of persons (信息库), in the same store as the rest. */
  readonly register: Register;
  /**
   * The access log (访问日志) of personal data, in the same store as the rest: hash-chained, with
   * the "who looked at" report, export, verify and the retention prune.
   */
  readonly access: AccessLog;
  /**
   * The register for a stated purpose, every read and write logged in {@link Elderflow.access}:
   * `flow.audited.for({ purpose: "hotline" }).get(id, actor)`. Hosts serving people use this one.
   */
  readonly audited: AuditedRegister;
  /** The health records for a stated purpose, every read and write logged in {@link Elderflow.access}. */
  readonly auditedHealth: AuditedHealthRecords;
  /**
   * Free periodical subscriptions and delivery rounds (periodicals, 送学上门 materials), recorded
   * delivered or missed, with the monthly completeness list; nobody who left is planned a delivery.
   */
  readonly deliveries: Deliveries;
  /** 贴心儿女 medical volunteer groups: contacts with sealed readings, opened readings, subsidy statements. */
  readonly medical: MedicalGroups;
  /**
   * Health records (个人健康档案): check-up results sealed under the `sealer` (refused with
   * `CIPHER_UNAVAILABLE` without one), and the masked due, overdue and follow-up list. See `./health`.
   */
  readonly health: HealthRecords;
  /** The year's mediation and legal-consultation cases by kind and outcome, in the communities the actor reaches. */
  caseCounts(year: number, actor: ActorInput): ReturnType<typeof yearlyCases>;
  /**
   * Records changes in the register (`register.record`), then follows every accepted change of
   * status to deceased, moved or transferred into the plans, as the same actor: the register's
   * outcomes, and one follow-through report per such change.
   */
  recordChanges(changes: readonly unknown[], actor: ActorInput): Promise<RecordedChanges>;
  /**
   * Runs a unit of work (any calls on this system: sends, ticks, tasks, time-bank commands) as one
   * database transaction: one commit instead of one per event, which on PGlite, the embedded default,
   * is several times faster for a day's work. It is durable as a whole or not at all. If it fails
   * (the function throws, or a statement in it failed), everything it wrote is rolled back and the
   * system closes itself, because what it holds in memory (the time bank's open state) may include
   * the undone work: open it again to go on from the state before the batch. In memory it just runs.
   * Keep batches short on a shared PostgreSQL: their row locks are held until the end.
   *
   * @example
   * ```ts
   * await flow.batch(async () => {
   *   await flow.tick(at);
   *   for (const e of todaysEvents) await flow.workflows.send(e.instance, e.event);
   * });
   * ```
   */
  batch<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the database. */
  close(): Promise<void>;
}

/**
 * The host's own actor: the wiring posts verified services in the time bank as it (the `system`
 * role may put the registrar's and verifier's names to a command; the bank still checks their roles
 * and conflicts of interest).
 *
 * @example
 * ```ts
 * HOST_ACTOR.roles; // ["system"]
 * ```
 */
export const HOST_ACTOR: Actor = Object.freeze({ id: "elderflow", roles: ["system"], communities: [] }) as Actor;

/**
 * The time-bank keys of a verified service entry. Entry ids never hold `/`, and the two kinds
 * differ in their prefix, so distinct entries never share a key (`zz` and `zz:verify` were one key
 * under the old `svc:<id>` / `<key>:verify` scheme).
 *
 * @example
 * ```ts
 * serviceEntryKeys("e1"); // { record: "svc/r/e1", verify: "svc/v/e1" }
 * ```
 */
export function serviceEntryKeys(entryId: string): { readonly record: string; readonly verify: string } {
  return { record: `${RECORD_PREFIX}${entryId}`, verify: `svc/v/${entryId}` };
}

const RECORD_PREFIX = "svc/r/";

/**
 * The priority-target preset (rule 10) as the wiring's check: a priority target is anyone the
 * preset grants an entitlement.
 *
 * @example
 * ```ts
 * presetPriorityTarget()({ birthDate: "1940-05-01" }, "2027-01-01"); // true (advanced age)
 * ```
 */
export function presetPriorityTarget(): (person: PriorityFactsOf, on: IsoDate) => boolean {
  const policy = priorityTargetPolicy();
  return (person, on) => {
    const household = person.household;
    const health = person.health;
    const facts = {
      birthDate: person.birthDate,
      ...(household === undefined
        ? {}
        : {
            household: {
              ...(household.livesAlone === undefined ? {} : { livesAlone: household.livesAlone }),
              ...(household.childrenNearby === undefined ? {} : { childrenNearby: household.childrenNearby }),
            },
          }),
      ...(health === undefined
        ? {}
        : {
            health: {
              ...(health.chronicConditions === undefined ? {} : { chronicConditions: health.chronicConditions }),
              ...(health.mobilityLimited === undefined ? {} : { mobilityLimited: health.mobilityLimited }),
            },
          }),
    };
    return policy.decide(facts, on).entitlements.length > 0;
  };
}

/** Who else may act for each person: the other members of every household they are registered in. */
function householdsOf(list: readonly Household[]): (personId: string) => readonly string[] {
  const members = new Map<string, Set<string>>();
  for (const h of list)
    for (const m of h.members) {
      const set = members.get(m.personId) ?? new Set<string>();
      for (const other of h.members) if (other.personId !== m.personId) set.add(other.personId);
      members.set(m.personId, set);
    }
  return (personId) => [...(members.get(personId) ?? [])];
}

/** Roles that may plan visits and check cadence in their communities. */
const PLANNER_ROLES: readonly ActorRole[] = [
  "community_staff",
  "team_leader",
  "party_secretary",
  "admin",
  "bureau",
  "department",
  "system",
];

function planner(actor: ActorInput): Actor {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  if (!a.roles.some((r) => PLANNER_ROLES.includes(r)))
    throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
  return a;
}

interface Backends {
  bank: TimeBankStore;
  workflows: WorkflowStore;
  tasks: TaskBoard;
  deadLetters: DeadLetterStore;
  departures: DepartureStore;
  register: Register;
  needs: NeedsRegister;
  deliveries: DeliveryStore;
  healthRecords: HealthRecordStore;
  access: AccessLogStore;
  /** Runs a unit of work as one database transaction (memory: runs it). */
  batch: <T>(fn: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/** The register's encryption: the host's, or in-memory keys when nothing outlives the process. */
function registerEncryptionFor(spec: StoreSpec, given: RegisterEncryption | false | undefined) {
  if (given !== undefined) return given === false ? undefined : given;
  const ephemeral = spec.kind === "memory" || (spec.kind === "pglite" && spec.dataDir === undefined);
  if (!ephemeral) return undefined;
  return { keys: memoryKeyProvider(), indexKey: globalThis.crypto.getRandomValues(new Uint8Array(32)) };
}

async function openBackends(
  spec: StoreSpec,
  clock: Clock,
  encryption: RegisterEncryption | undefined,
): Promise<Backends> {
  const registerOptions = { clock, ...(encryption === undefined ? {} : { encryption }) };
  if (spec.kind === "memory")
    return {
      bank: memoryBankStore(),
      workflows: memoryWorkflowStore(),
      tasks: memoryTaskBoard({ clock }),
      deadLetters: memoryDeadLetters(),
      departures: memoryDepartures(),
      register: memoryRegister(registerOptions),
      needs: createNeedsRegister({ store: memoryNeedsStore(), clock }),
      deliveries: memoryDeliveryStore(),
      healthRecords: memoryHealthRecordStore(),
      access: memoryAccessLogStore(),
      batch: (fn) => fn(),
      close: async () => {},
    };
  let base: SqlClient;
  if (spec.kind === "sql") base = spec.sql;
  else if (spec.kind === "pglite") {
    const { PGlite } = await import("@electric-sql/pglite");
    if (spec.dataDir === undefined) base = sqlFromPglite(new PGlite());
    else {
      const dir = openDataDir(spec.dataDir);
      base = sqlFromPglite(new PGlite(dir));
    }
  } else if (spec.kind === "mysql") {
    base = await openMysqlClient({ uri: spec.url, connectionLimit: spec.max ?? 8 });
  } else {
    const pg = await import("pg");
    const Pool = (pg.default ?? pg).Pool;
    base = sqlFromPgPool(guardIdleClients(new Pool({ connectionString: spec.url, max: spec.max ?? 8 })));
  }
  // Every store shares one client, so that a unit of work (`flow.batch`) spans all of them.
  const sql = batchingClient(base);
  const partitionByCommunity = spec.kind !== "mysql" && spec.partitionByCommunity === true;
  try {
    return await sqlBackends(spec, sql, partitionByCommunity, clock, registerOptions);
  } catch (error) {
    // A client this opened is closed again (a failing close must not hide why); one given is the caller's.
    if (spec.kind !== "sql") await sql.close().catch(() => undefined);
    throw error;
  }
}

/** The stores of a SQL backend on one shared client, their schemas migrated. */
async function sqlBackends(
  spec: Exclude<StoreSpec, { kind: "memory" }>,
  sql: BatchingSqlClient,
  partitionByCommunity: boolean,
  clock: Clock,
  registerOptions: Parameters<typeof sqlRegister>[1],
): Promise<Backends> {
  await migrateWorkflowSchema(sql, "public", { partitionByCommunity });
  return {
    // A PGlite opened here has no other writer: the time bank holds a batch's commands back and
    // writes them together at its end, and the workflow store keeps what it read and writes a
    // batch's commits as one statement. The time bank's store closes its client; the shared
    // client is closed once, by the system.
    bank:
      spec.kind === "pglite"
        ? exclusiveTimeBankStore(sqlBankStore({ ...sql, close: async () => {} }), sql)
        : sqlBankStore({ ...sql, close: async () => {} }),
    workflows: sqlWorkflowStore(sql, { ownsClient: false, exclusive: spec.kind === "pglite", partitionByCommunity }),
    tasks: await sqlTaskBoard(sql, { clock }),
    deadLetters: await sqlDeadLetters(sql),
    departures: await sqlDepartures(sql),
    // The register shares the client too; the system closes it once.
    register: await sqlRegister({ ...sql, close: async () => {} }, registerOptions),
    needs: await sqlNeedsRegister({ ...sql, close: async () => {} }, { clock }),
    deliveries: await sqlDeliveryStore(sql),
    healthRecords: await sqlHealthRecordStore(sql),
    access: await sqlAccessLogStore({ ...sql, close: async () => {} }),
    batch: (fn) => sql.batch(fn),
    close: () => (spec.kind === "sql" ? Promise.resolve() : sql.close()),
  };
}

/** What applying one event did; a refusal makes it a dead letter. */
type Applied = { readonly posted: number; readonly tasks: number } | { readonly refused: ErrorCode };

/** A handler per emitted event type; a type without a handler has no consumer in the wiring. */
type Handlers = {
  readonly [T in EmittedEvent["type"]]?: (event: EmittedEventOf<T>, item: OutboxItem) => Promise<Applied>;
};
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The ids a dead letter keeps of an event (for erasure and scoping): never anything else. */
function lettered(event: EmittedEvent | undefined): Pick<DeadLetter, "communityId" | "entryId" | "personIds"> {
  if (event === undefined) return { personIds: [] };
  const e = event as Partial<Record<string, unknown>>;
  const personIds = [
    ...new Set(PERSON_FIELDS.map((f) => e[f]).filter((p): p is string => typeof p === "string" && p !== "")),
  ];
  return {
    ...(typeof e.communityId === "string" ? { communityId: e.communityId } : {}),
    ...(typeof e.entryId === "string" ? { entryId: e.entryId } : {}),
    personIds,
  };
}

/** The fields of emitted events that name a person. */
const PERSON_FIELDS = ["personId", "volunteerId", "recipientId", "signedBy", "registeredBy", "verifiedBy"] as const;

/**
 * Creates the wired Elderflow system: the workflow engine with the five built-in workflows, the
 * time bank, a task board and a dead-letter list, on one store, with the policies between them.
 *
 * @example
 * ```ts
 * const flow = await createElderflow({
 *   clock: systemClock(),
 *   store: { kind: "pglite", dataDir: "./.elderflow/db" },
 *   directory: { servicePoints: district.servicePoints, volunteers: district.volunteers },
 * });
 * await flow.workflows.start("carePathway", { id: "cp-1", input, actor });
 * await flow.pump(); // hospital visit tasks, time-bank postings, alerts
 * ```
 */
export async function createElderflow(options: ElderflowOptions): Promise<Elderflow> {
  const { clock } = options;
  const host = parseOrThrow(Actor, options.host ?? HOST_ACTOR, ["host"]);
  const hostWorkflow: WorkflowActor = { id: host.id, role: "system" };
  // Checked before any store opens, so a retention under 180 days leaves nothing open.
  const accessRetentionDays = assertRetention(options.accessRetentionDays ?? 180);
  const storeSpec = options.store ?? { kind: "pglite" };
  const registerEncryption = registerEncryptionFor(storeSpec, options.registerEncryption);
  const backends = await openBackends(storeSpec, clock, registerEncryption);
  try {
    return await assembleElderflow(options, {
      host,
      hostWorkflow,
      accessRetentionDays,
      registerEncryption,
      backends,
    });
  } catch (error) {
    // The caller never gets a system to close: close what was opened (a failing close must not hide why).
    await backends.close().catch(() => undefined);
    throw error;
  }
}

/** What {@link createElderflow} has checked and opened before it wires the engines together. */
interface Opened {
  readonly host: Actor;
  readonly hostWorkflow: WorkflowActor;
  readonly accessRetentionDays: number;
  readonly registerEncryption: RegisterEncryption | undefined;
  readonly backends: Backends;
}

/** The rest of {@link createElderflow}, on opened backends (which it closes on a failure). */
async function assembleElderflow(options: ElderflowOptions, opened: Opened): Promise<Elderflow> {
  const { clock } = options;
  const { host, hostWorkflow, accessRetentionDays, registerEncryption, backends } = opened;
  const log = redactingLogger(options.logger ?? silentLogger).child({ component: "elderflow" });
  const tracer = options.tracer === false ? noopTracer : (options.tracer ?? (await defaultTracer()));
  // Store commit points: a time-bank batch, a workflow step.
  backends.bank = tracedCommit(backends.bank, tracer, "elderflow.timebank.commit", (afterSeq) => ({
    "elderflow.after_seq": afterSeq,
  }));
  backends.workflows = tracedCommit(backends.workflows, tracer, "elderflow.workflow.commit", (commit) => ({
    "elderflow.machine": commit.instance.machine,
    "elderflow.version": commit.expectedVersion,
    "elderflow.outbox": commit.outbox.length,
    "elderflow.timers": commit.addTimers.length,
  }));
  const access = createAccessLog({ store: backends.access, clock, retentionDays: accessRetentionDays });
  const health = systemHealthRecords({
    register: backends.register,
    store: backends.healthRecords,
    sealer: options.sealer,
    clock,
  });
  // Every task (planned or from an emitted event) passes the departures: none for a person who left.
  backends.tasks = departureGate(backends.tasks, backends.departures);
  const stars = options.policies?.stars ?? ((m: number) => starsForMinutes(m));
  const visitors = options.policies?.hospitalVisitors ?? hospitalVisitors;
  const rotation = { name: "hospital_visit", order: options.policies?.hospitalRotation ?? HOSPITAL_ROTATION };
  const priorityTarget = options.policies?.priorityTarget ?? presetPriorityTarget();
  const celebrates = createBirthdayCheck(options.policies?.birthday ?? {});
  const households = householdsOf(options.directory.households ?? []);
  // One certificate rule (rule 11) for the ledger and, through its authority, the verification workflow.
  const certificateRule = presetCertificateRule(options.directory.volunteers);
  const timebank = await createTimeBank({
    store: backends.bank,
    clock,
    stars,
    households,
    certificates: certificateRule,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.timebankRules === undefined ? {} : { rules: options.timebankRules }),
    ...(options.timebankPersons === undefined ? {} : { persons: options.timebankPersons }),
  });
  const bank = timebank.as(host);
  const person = options.directory.person;
  // Counters of what the sink routed since the last pump.
  let routed = { delivered: 0, posted: 0, tasks: 0, failed: [] as { key: string; code: ErrorCode }[] };

  const holidays = createHolidayCalendar();
  const handlers: Writable<Handlers> = {
    "carePathway.hospital_visit_due": async (e, item) => {
      const day = isoDateAt(item.at, clock.zone);
      const plan = visitors({ rank: e.rank }, day);
      const task = {
        id: `hospital/${item.id}`,
        kind: "hospital_visit" as const,
        personId: e.personId,
        communityId: e.communityId,
        due: day,
        details: { mode: plan.mode, rule: plan.rule, policyVersion: plan.version, instanceId: item.instanceId },
      };
      // 分头看望: one office per admission, in turn, rather than one task for all three.
      if (plan.mode === "in_turn") {
        const { added } = await backends.tasks.addInTurn(task, rotation, host.id);
        return { posted: 0, tasks: added ? 1 : 0 };
      }
      return { posted: 0, tasks: await backends.tasks.add([{ ...task, assignees: [...plan.bodies] }], host.id) };
    },
    "verification.service_verified": async (e, item) => {
      const keys = serviceEntryKeys(e.entryId);
      const [recorded, verified] = await bank.submitMany([
        {
          op: "record",
          key: keys.record,
          volunteer: e.volunteerId,
          recipient: e.recipientId,
          minutes: e.minutes,
          on: e.servedOn,
          signedBy: e.signedBy,
          registeredBy: e.registeredBy,
          serviceKind: e.serviceKind,
        },
        { op: "verify", key: keys.verify, entry: keys.record, by: e.verifiedBy, on: isoDateAt(item.at, clock.zone) },
      ]);
      // The record's refusal is the cause; the verify then only fails for want of an entry.
      if (recorded !== undefined && !recorded.ok) return { refused: recorded.code };
      if (verified !== undefined && !verified.ok) return { refused: verified.code };
      return { posted: verified?.ok === true && verified.status === "posted" ? 1 : 0, tasks: 0 };
    },
    "pairing.missed_contact": async (e, item) => {
      // The event names the pair; the alert belongs to the pairing's community.
      const { communityId } = await workflows.query(item.instanceId, hostWorkflow);
      const tasks = await backends.tasks.add(
        [
          {
            id: `missed/${item.id}`,
            kind: "missed_contact_alert",
            personId: e.personId,
            communityId,
            due: isoDateAt(item.at, clock.zone),
            assignees: [e.volunteerId],
            details: { missedWeeks: e.missedWeeks, instanceId: item.instanceId },
          },
        ],
        host.id,
      );
      return { posted: 0, tasks };
    },
  };

  // Rule 8: an escalation that reaches the department, or runs out of time there, leaves a task.
  const escalated = async (event: "handed_up" | "overdue", item: OutboxItem): Promise<Applied> => {
    const { context: x } = await workflows.query(item.instanceId, hostWorkflow);
    const facts = {
      itemId: item.id,
      instanceId: item.instanceId,
      event,
      personId: String(x.personId),
      communityId: String(x.communityId),
      departmentId: typeof x.departmentId === "string" ? x.departmentId : null,
      category: String(x.category),
      at: item.at,
      ...((x.limits as { department?: TimeLimit } | undefined)?.department === undefined
        ? {}
        : { limit: (x.limits as { department: TimeLimit }).department }),
    };
    const task = escalationTask(facts, (t) => isoDateAt(t, clock.zone), holidays, clock.zone);
    return { posted: 0, tasks: await backends.tasks.add([task], host.id) };
  };
  handlers["escalation.handed_up"] = (e, item) =>
    e.to === "department" ? escalated("handed_up", item) : Promise.resolve({ posted: 0, tasks: 0 });
  handlers["escalation.overdue"] = (_e, item) => escalated("overdue", item);

  async function apply(event: EmittedEvent, item: OutboxItem): Promise<Applied> {
    const handler = handlers[event.type] as ((e: EmittedEvent, i: OutboxItem) => Promise<Applied>) | undefined;
    return handler === undefined ? { posted: 0, tasks: 0 } : handler(event, item);
  }

  async function deadLetter(item: OutboxItem, code: ErrorCode, event: EmittedEvent | undefined): Promise<void> {
    await backends.deadLetters.add([
      {
        id: item.id,
        instanceId: item.instanceId,
        machine: item.machine,
        type: item.type.slice(0, 80),
        code,
        at: clock.now(),
        ...lettered(event),
      },
    ]);
    routed.failed.push({ key: item.id, code });
    log.warn({ outboxId: item.id, machine: item.machine, type: item.type, code }, "dead letter");
  }

  // The engine calls the sink for each emitted event and marks it delivered only when the sink
  // resolves, so routing is at-least-once; the time bank (idempotency keys), the task board (ids
  // derived from the event id) and the dead-letter list (the event id) make a second delivery
  // change nothing. An event that cannot be applied is kept as a dead letter, never dropped; an
  // error that is not a refusal (the database is down) fails the delivery, which is retried.
  const sink: EventSink = async (item) => {
    let event: EmittedEvent | undefined;
    try {
      event = parseEmitted(item);
      const applied = await apply(event, item);
      if ("refused" in applied) await deadLetter(item, applied.refused, event);
      else {
        routed.posted += applied.posted;
        routed.tasks += applied.tasks;
      }
    } catch (error) {
      if (!isElderflowError(error)) throw error;
      await deadLetter(item, error.code, event);
    }
    routed.delivered++;
  };
  const deliveries = createDeliveries({ store: backends.deliveries, clock, departures: backends.departures });
  const workflows = createWorkflowEngine({
    store: backends.workflows,
    clock,
    machines: builtInWorkflows({
      serviceRequest: {
        servicePoints: servicePointDirectory(options.directory.servicePoints, { zone: clock.zone }),
        ...(options.sla === undefined ? {} : { sla: options.sla }),
        // Working-day SLA limits count the same holidays and 调休 as escalation limits.
        calendar: createHolidayCalendar(),
        zone: clock.zone,
        ...(person === undefined
          ? {}
          : {
              priority: (personId: string) => {
                const p = person(personId);
                return p !== undefined && priorityTarget(p, today(clock));
              },
            }),
      },
      pairing: { certification: certificationFromVolunteers(options.directory.volunteers, clock.zone) },
      // The workflow asks the time bank's own authority who may sign, register and verify, so a
      // service never ends `verified` in the workflow with its minutes refused by the ledger.
      verification: { authority: timebank.authority },
      // Working-day limits count the State Council's holidays and 调休 from the schedule package.
      escalation: { calendar: createHolidayCalendar(), zone: clock.zone, ...options.escalation },
      // Case sessions at a reception fall on the schedule's Tuesdays and law days (holidays skipped).
      case: { receptions: scheduleReceptions(holidays), zone: clock.zone },
      medicalGroup: medicalGroupDeps(
        options.directory.volunteers,
        options.policies?.medicalScope ?? registerScope(backends.register, host),
        clock,
      ),
    }),
    sinks: [sink],
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });

  const certificates = createCertificateWatch({
    workflows,
    volunteers: options.directory.volunteers,
    addTasks: (tasks, by) => backends.tasks.add(tasks, by),
    hostId: host.id,
    rule: certificateRule,
  });
  /** The day `tick` last checked certificates for (lapses are by the day). */
  let lapseCheckedOn: IsoDate | undefined;

  handlers["medicalGroup.missed_contact"] = groupMissedContactHandler({
    workflows,
    tasks: backends.tasks,
    host,
    clock,
  });

  function pump(limit = 10_000): Promise<PumpResult> {
    return withSpan(tracer, "elderflow.pump", { "elderflow.limit": limit }, async (span) => {
      try {
        while ((await workflows.deliver(limit)) >= limit) {
          // keep delivering until the outbox is drained
        }
      } catch (error) {
        log.error({ err: error }, "pump failed");
        throw error;
      }
      const result = routed;
      routed = { delivered: 0, posted: 0, tasks: 0, failed: [] };
      span.setAttribute("elderflow.delivered", result.delivered);
      span.setAttribute("elderflow.failed", result.failed.length);
      if (result.delivered > 0) log.debug({ ...result, failed: result.failed.length }, "pumped");
      return result;
    });
  }

  async function reconcile(actor: ActorInput): Promise<ReconcileReport> {
    const scope = readScope(actor);
    const reaches = (communityId: string | undefined) =>
      scope === null || (communityId !== undefined && scope.includes(communityId));
    const verified = await workflows.list(
      { machine: "verification", state: "verified", limit: Number.MAX_SAFE_INTEGER },
      hostWorkflow,
    );
    const posted = new Map(
      postedServiceEntries(timebank.as(actor), RECORD_PREFIX).map((e) => [e.key.slice(RECORD_PREFIX.length), e]),
    );
    const explained = new Set<string>();
    const discrepancies: Discrepancy[] = [];
    for (const instance of verified) {
      const entryId = instance.context.entryId;
      if (typeof entryId !== "string") continue;
      explained.add(entryId);
      if (!reaches(instance.communityId) || posted.has(entryId)) continue;
      discrepancies.push({
        kind: "verified_not_posted",
        entryId,
        instanceId: instance.id,
        communityId: instance.communityId,
      });
    }
    for (const [entryId, e] of posted) {
      if (explained.has(entryId)) continue;
      discrepancies.push({ kind: "posted_without_workflow", entryId, key: e.key, communityId: e.community });
    }
    for (const l of await backends.deadLetters.list()) {
      if (!reaches(l.communityId)) continue;
      discrepancies.push({
        kind: "dead_letter",
        id: l.id,
        instanceId: l.instanceId,
        type: l.type,
        code: l.code,
        ...(l.entryId === undefined ? {} : { entryId: l.entryId }),
        ...(l.communityId === undefined ? {} : { communityId: l.communityId }),
      });
    }
    return {
      ok: discrepancies.length === 0,
      verifiedEntries: verified.length,
      postedEntries: posted.size,
      discrepancies,
    };
  }

  // What a death or move is followed into: the same for a direct call and for recorded changes.
  const followDeps: FollowDeps = {
    clock,
    host,
    tasks: backends.tasks,
    departures: backends.departures,
    workflows,
    timebank,
    needs: backends.needs,
    deliveries,
  };

  return {
    clock,
    host,
    workflows,
    timebank,
    tasks: {
      list: (actor, filter) => backends.tasks.list(actor, filter),
      get: (id, actor) => backends.tasks.get(id, actor),
      counts: (actor) => backends.tasks.counts(actor),
      overdue: (actor, asOf) => backends.tasks.overdue(actor, asOf),
      workload: (actor) => backends.tasks.workload(actor),
      assign: (id, assignees, actor) => backends.tasks.assign(id, assignees, actor),
      accept: (id, actor) => backends.tasks.accept(id, actor),
      complete: (id, completion, actor) => backends.tasks.complete(id, completion, actor),
      cancel: (id, reason, actor) => backends.tasks.cancel(id, reason, actor),
    },
    ...createPlanners({ planner, add: (tasks, by) => backends.tasks.add(tasks, by), calendar: holidays }),
    pump,
    tick: (now?: number) =>
      withSpan(tracer, "elderflow.tick", { "elderflow.at": now ?? clock.now() }, async () => {
        const at = now ?? clock.now();
        const run = await workflows.runDueTimers(at);
        // Certificates lapse by the day, and nothing becomes active with a lapsed one (activation and
        // resumption check it), so the first tick of a day checks for the whole day.
        const day = isoDateAt(at, clock.zone);
        let lapsed = 0;
        if (day !== lapseCheckedOn) {
          lapsed = (await certificates.check(day)).lapsed.length;
          lapseCheckedOn = day;
          if (lapsed > 0) log.warn({ day, lapsed }, "certificates lapsed");
        }
        return { fired: run.fired, lapsed, ...(await pump()) };
      }),
    certificates,
    needs: backends.needs,
    matchNeed: (needId, actor, on) =>
      rankForNeed(
        { needs: backends.needs, workflows, volunteers: options.directory.volunteers, hostId: host.id },
        needId,
        actor,
        on ?? today(clock),
      ),
    async planBirthdayVisits(persons, window, actor) {
      const a = planner(actor);
      for (const [i, p] of persons.entries())
        if (!actorReaches(a, p.communityId))
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["persons", i, "communityId"] });
      const entries = birthdayRoster(persons, {
        from: window.from,
        to: window.to,
        isCelebration: (p, age, date) => celebrates(p, age, date),
        ...(window.skip === undefined ? {} : { skip: window.skip }),
      });
      const community = new Map(persons.map((p) => [p.id, p.communityId]));
      await backends.tasks.add(
        entries.map(
          (e): Task => ({
            id: `birthday/${e.personId}/${e.date}`,
            kind: "birthday_visit",
            personId: e.personId,
            communityId: community.get(e.personId) as string,
            due: e.date,
            assignees: ["veteran_cadres_bureau"],
            details: { age: e.age, calendar: e.calendar },
          }),
        ),
        a.id,
      );
      return entries;
    },
    async checkCadence(pairs, log, month, actor) {
      const a = planner(actor);
      for (const [i, p] of pairs.entries())
        if (p.communityId === undefined ? !isDistrictActor(a) : !actorReaches(a, p.communityId))
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["pairs", i, "communityId"] });
      const report = cadenceReport(pairs, log, month);
      const byPair = new Map(pairs.map((p) => [p.pairId, p]));
      const day = today(clock);
      await backends.tasks.add(
        report.pairs
          .filter((r) => !r.compliant)
          .map((r): Task => {
            const pair = byPair.get(r.pairId) as CadencePair;
            return {
              id: `cadence/${r.pairId}/${month}`,
              kind: "cadence_alert",
              personId: pair.personId,
              ...(pair.communityId === undefined ? {} : { communityId: pair.communityId }),
              due: `${month}-01` > day ? `${month}-01` : day,
              assignees: [pair.volunteerId],
              details: {
                month,
                weeksRequired: r.weeksRequired,
                weeksMet: r.weeksMet,
                homeVisitsRequired: r.homeVisitsRequired,
                homeVisits: r.homeVisits,
              },
            };
          }),
        a.id,
      );
      return report;
    },
    async addTasks(tasks, actor) {
      const a = planner(actor);
      for (const [i, t] of tasks.entries())
        if (t.communityId === undefined ? !isDistrictActor(a) : !actorReaches(a, t.communityId))
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["tasks", i, "communityId"] });
      return backends.tasks.add(tasks, a.id);
    },
    async deadLetters(actor) {
      const scope = readScope(actor);
      return (await backends.deadLetters.list()).filter(
        (l) => scope === null || (l.communityId !== undefined && scope.includes(l.communityId)),
      );
    },
    reconcile,
    async erasePerson(personId, actor) {
      parseOrThrow(IdSchema, personId, ["personId"]);
      const a = parseOrThrow(Actor, actor, ["actor"]);
      if (!actorHasRole(a, "admin") && !a.roles.includes("bureau") && !a.roles.includes("system"))
        throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
      const bankErasure = await timebank.erasePerson(personId, a);
      // The engine takes one role and one community at a time: a district body erases everywhere,
      // a community admin in each of its communities.
      const district: WorkflowActor | undefined = a.roles.includes("system")
        ? { id: a.id, role: "system" }
        : a.roles.includes("bureau")
          ? { id: a.id, role: "bureau" }
          : undefined;
      const engineErasures = [];
      for (const w of district === undefined
        ? a.communities.map((communityId): WorkflowActor => ({ id: a.id, role: "admin", communityId }))
        : [district])
        engineErasures.push(await workflows.erasePerson(personId, w));
      const engineErasure = {
        instances: engineErasures.flatMap((e) => e.instances),
        entries: engineErasures.reduce((n, e) => n + e.entries, 0),
        outOfReach: engineErasures.reduce((n, e) => n + e.outOfReach, 0),
      };
      // Crypto-shredding: what was sealed for the person (medical readings) stays stored, unreadable.
      if (options.sealer !== undefined) await options.sealer.erase(personId);
      // The register's sealed fields (ID number, phone, health) too; its chains stay valid.
      if (registerEncryption !== undefined) await registerEncryption.keys.erase(personId);
      return {
        tasks: await backends.tasks.forget(personId),
        deliveries: await backends.deliveries.forget(personId),
        deadLetters: await backends.deadLetters.forget(personId),
        timebank: bankErasure,
        workflows: engineErasure,
        sealedKeys: options.sealer !== undefined || registerEncryption !== undefined,
      };
    },
    followStatusChange: (change, actor) => followStatusChange(followDeps, change, actor),
    register: backends.register,
    access,
    audited: auditedRegister(backends.register, access),
    deliveries,
    caseCounts: (year, actor) => yearlyCases(workflows, actor, year),
    medical: createMedicalGroups({
      workflows,
      clock,
      host,
      ...(options.sealer === undefined ? {} : { sealer: options.sealer }),
    }),
    health,
    auditedHealth: auditedHealthRecords(health, access),
    recordChanges(changes, actor) {
      const follow = (change: StatusChange, a: ActorInput) => followStatusChange(followDeps, change, a);
      return recordAndFollow(backends.register, follow, host, changes, actor);
    },
    batch: (fn) =>
      withSpan(tracer, "elderflow.flow.batch", {}, async () => {
        try {
          return await backends.batch(fn);
        } catch (error) {
          log.error({ err: error }, "batch rolled back");
          if ((options.store ?? { kind: "pglite" }).kind !== "memory") {
            // Rolled back: the open state in memory may hold undone work, so nobody may decide on it.
            await timebank.close().catch(() => undefined);
            await backends.close().catch(() => undefined);
          }
          throw error;
        }
      }),
    async close() {
      await timebank.close();
      await backends.close();
    },
  };
}
