import {
  type Clock,
  ElderflowError,
  type IsoDate,
  isElderflowError,
  isoDateAt,
  isPriorityTarget,
  type Person,
  type ServicePoint,
  type SqlClient,
  sqlFromPglite,
  sqlFromPgPool,
  today,
  type Volunteer,
} from "@elderflow/core";
import {
  type BirthdayCheckOptions,
  createBirthdayCheck,
  type HospitalVisitPlan,
  hospitalVisitors,
  starsForMinutes,
} from "@elderflow/policy";
import {
  type BirthdayEntry,
  type BirthdaySkip,
  birthdayRoster,
  type CadenceLogEntry,
  type CadencePair,
  type CadenceReport,
  cadenceReport,
} from "@elderflow/schedule";
import {
  createTimeBank,
  memoryStore as memoryBankStore,
  sqlStore as sqlBankStore,
  type TimeBank,
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
  type WorkflowEngine,
  type WorkflowEngineOptions,
  type WorkflowStore,
} from "@elderflow/workflow";
import { memoryTaskBoard, sqlTaskBoard, type TaskBoard } from "./tasks";

/**
 * Where the wired system keeps its state. All parts (time bank, workflows, tasks) share one database:
 * PGlite is the embedded default (in memory, or in a local folder), PostgreSQL for deployments.
 */
export type StoreSpec =
  | { readonly kind: "memory" }
  | { readonly kind: "pglite"; readonly dataDir?: string }
  | { readonly kind: "postgres"; readonly url: string; readonly max?: number }
  | { readonly kind: "sql"; readonly sql: SqlClient };

/** The policies the wiring consults; each defaults to the preset from the reports. */
export interface ElderflowPolicies {
  /** Birthday rule (rule 1) readings or a ready policy, for the roster. */
  readonly birthday?: BirthdayCheckOptions;
  /** Who visits a hospitalised cadre (rule 2). Default: the hospital-visit preset. */
  readonly hospitalVisitors?: (person: { readonly rank: string }, on: IsoDate) => HospitalVisitPlan;
  /** Stars from cumulative verified minutes (rule 14). Default: the star preset. */
  readonly stars?: (earnedMinutes: number) => number;
}

/** What the wired system needs to know about the district. */
export interface ElderflowDirectory {
  /** Service points for hotline dispatch (rule 7). */
  readonly servicePoints: readonly ServicePoint[];
  /** Volunteers, for the pairing certification check (rule 11). */
  readonly volunteers: readonly Pick<Volunteer, "id" | "certifications">[];
  /** Looks up a cadre by id (priority targets, rule 10); optional. */
  readonly person?: (personId: string) => Pick<Person, "birthDate" | "household" | "health"> | undefined;
}

/** Options of {@link createElderflow}. */
export interface ElderflowOptions {
  /** Where state is kept (default: PGlite in memory). */
  readonly store?: StoreSpec;
  /** The only source of "now". */
  readonly clock: Clock;
  /** Policy overrides (default: the presets). */
  readonly policies?: ElderflowPolicies;
  /** The district's service points, volunteers and (optionally) cadres. */
  readonly directory: ElderflowDirectory;
  /** SLA limits per service kind for hotline requests. */
  readonly sla?: SlaConfig;
  /** Escalation limits and department look-up. */
  readonly escalation?: EscalationDeps;
  /** xstate inspection (e.g. Stately's inspector), passed to the workflow engine. */
  readonly inspect?: WorkflowEngineOptions["inspect"];
  /** Most commands per time-bank transaction (group commit). */
  readonly maxBatch?: number;
}

/** What {@link Elderflow.pump} did. */
export interface PumpResult {
  /** Emitted workflow events delivered to the wiring. */
  readonly delivered: number;
  /** Time-bank commands that posted verified service. */
  readonly posted: number;
  /** Time-bank commands that failed, with their codes (the entry stays in the journal's history). */
  readonly failed: readonly { readonly key: string; readonly code: string }[];
  /** New tasks. */
  readonly tasks: number;
}

/** The wired system returned by {@link createElderflow}. */
export interface Elderflow {
  /** The clock. */
  readonly clock: Clock;
  /** The durable workflow engine with the five built-in workflows. */
  readonly workflows: WorkflowEngine;
  /** The time bank. */
  readonly timebank: TimeBank;
  /** Visits and alerts produced by the wiring. */
  readonly tasks: TaskBoard;
  /**
   * Delivers what the workflows emitted: a care pathway's "hospital visit due" becomes a hospital
   * visit task for the bodies the hospital-visit policy names; a verified service entry is recorded
   * and posted in the time bank; a pairing's missed contact becomes an alert.
   */
  pump(limit?: number): Promise<PumpResult>;
  /** Fires due workflow timers (SLA breaches, weekly pairing checks …) and then pumps. */
  tick(now?: number): Promise<PumpResult & { readonly fired: number }>;
  /** Builds the birthday roster for a window with the birthday policy and adds a visit task per celebration. */
  planBirthdayVisits(
    persons: readonly Pick<
      Person,
      "id" | "birthDate" | "birthdayCalendar" | "retirementKind" | "rank" | "status" | "statusSince" | "communityId"
    >[],
    window: { readonly from: IsoDate; readonly to: IsoDate; readonly skip?: BirthdaySkip },
  ): Promise<BirthdayEntry[]>;
  /** Checks pairing cadence for a month (rule 5) and adds an alert per non-compliant pair. */
  checkCadence(pairs: readonly CadencePair[], log: readonly CadenceLogEntry[], month: string): Promise<CadenceReport>;
  /** Closes the database. */
  close(): Promise<void>;
}

interface Backends {
  bank: TimeBankStore;
  workflows: WorkflowStore;
  tasks: TaskBoard;
  close: () => Promise<void>;
}

async function openBackends(spec: StoreSpec): Promise<Backends> {
  if (spec.kind === "memory")
    return {
      bank: memoryBankStore(),
      workflows: memoryWorkflowStore(),
      tasks: memoryTaskBoard(),
      close: async () => {},
    };
  let sql: SqlClient;
  if (spec.kind === "sql") sql = spec.sql;
  else if (spec.kind === "pglite") {
    const { PGlite } = await import("@electric-sql/pglite");
    sql = sqlFromPglite(spec.dataDir === undefined ? new PGlite() : new PGlite(spec.dataDir));
  } else {
    const pg = await import("pg");
    const Pool = (pg.default ?? pg).Pool;
    sql = sqlFromPgPool(new Pool({ connectionString: spec.url, max: spec.max ?? 8 }));
  }
  await migrateWorkflowSchema(sql, "public");
  return {
    // The time bank's store closes its client; the shared client is closed once, by the system.
    bank: sqlBankStore({ ...sql, close: async () => {} }),
    workflows: sqlWorkflowStore(sql, { ownsClient: false }),
    tasks: await sqlTaskBoard(sql),
    close: () => (spec.kind === "sql" ? Promise.resolve() : sql.close()),
  };
}

function str(payload: Readonly<Record<string, unknown>>, key: string): string {
  const v = payload[key];
  if (typeof v !== "string")
    throw new ElderflowError("INVALID_INPUT", { path: ["payload", key], params: { detail: "expected a string" } });
  return v;
}

/**
 * Creates the wired Elderflow system: the workflow engine with the five built-in workflows, the
 * time bank, and a task board, on one store, with the policies between them.
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
  const backends = await openBackends(options.store ?? { kind: "pglite" });
  const stars = options.policies?.stars ?? ((m: number) => starsForMinutes(m));
  const visitors = options.policies?.hospitalVisitors ?? hospitalVisitors;
  const celebrates = createBirthdayCheck(options.policies?.birthday ?? {});
  const timebank = await createTimeBank({
    store: backends.bank,
    clock,
    stars,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
  });
  const person = options.directory.person;
  // Counters of what the sink routed since the last pump.
  let routed = { delivered: 0, posted: 0, tasks: 0, failed: [] as { key: string; code: string }[] };
  // The engine calls the sink for each emitted event and marks it delivered only when the sink
  // resolves, so routing is at-least-once; the time bank (idempotency keys) and the task board
  // (ids derived from the event id) make a second delivery change nothing.
  const sink: EventSink = async (item) => {
    try {
      await route(item);
    } catch (error) {
      // A malformed event can never be routed: record it and move on rather than retry forever.
      if (!isElderflowError(error)) throw error;
      routed.failed.push({ key: item.id, code: error.code });
    }
    routed.delivered++;
  };
  const workflows = createWorkflowEngine({
    store: backends.workflows,
    clock,
    machines: builtInWorkflows({
      serviceRequest: {
        servicePoints: servicePointDirectory(options.directory.servicePoints),
        ...(options.sla === undefined ? {} : { sla: options.sla }),
        ...(person === undefined
          ? {}
          : {
              priority: (personId: string) => {
                const p = person(personId);
                return p !== undefined && isPriorityTarget(p, today(clock));
              },
            }),
      },
      pairing: { certification: certificationFromVolunteers(options.directory.volunteers, clock.zone) },
      ...(options.escalation === undefined ? {} : { escalation: options.escalation }),
    }),
    sinks: [sink],
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });

  /** Routes one emitted event to its consumer and counts what it did in `routed`. */
  async function route(item: OutboxItem): Promise<void> {
    const p = item.payload;
    const day = isoDateAt(item.at, clock.zone);
    if (item.type === "carePathway.hospital_visit_due") {
      const plan = visitors({ rank: str(p, "rank") }, day);
      routed.tasks += await backends.tasks.add([
        {
          id: `hospital:${item.id}`,
          kind: "hospital_visit",
          personId: str(p, "personId"),
          communityId: str(p, "communityId"),
          due: day,
          assignees: [...plan.bodies],
          details: { mode: plan.mode, rule: plan.rule, policyVersion: plan.version, instanceId: item.instanceId },
        },
      ]);
    } else if (item.type === "verification.service_verified") {
      const key = `svc:${str(p, "entryId")}`;
      const results = await timebank.submitMany([
        {
          op: "record",
          key,
          volunteer: str(p, "volunteerId"),
          recipient: str(p, "recipientId"),
          minutes: p.minutes,
          on: str(p, "servedOn"),
          signedBy: typeof p.signedBy === "string" ? p.signedBy : str(p, "recipientId"),
          registeredBy: str(p, "registeredBy"),
        },
        { op: "verify", key: `${key}:verify`, entry: key, by: str(p, "verifiedBy"), on: day },
      ]);
      for (const r of results) {
        if (!r.ok) routed.failed.push({ key: r.key ?? "", code: r.code });
        else if (r.status === "posted") routed.posted++;
      }
    } else if (item.type === "pairing.missed_contact") {
      routed.tasks += await backends.tasks.add([
        {
          id: `missed:${item.id}`,
          kind: "missed_contact_alert",
          personId: str(p, "personId"),
          due: day,
          assignees: [str(p, "volunteerId")],
          details: {
            missedWeeks: typeof p.missedWeeks === "number" ? p.missedWeeks : null,
            instanceId: item.instanceId,
          },
        },
      ]);
    }
  }

  async function pump(limit = 10_000): Promise<PumpResult> {
    while ((await workflows.deliver(limit)) >= limit) {
      // keep delivering until the outbox is drained
    }
    const result = routed;
    routed = { delivered: 0, posted: 0, tasks: 0, failed: [] };
    return result;
  }

  return {
    clock,
    workflows,
    timebank,
    tasks: backends.tasks,
    pump,
    async tick(now?: number) {
      const run = await workflows.runDueTimers(now ?? clock.now());
      return { fired: run.fired, ...(await pump()) };
    },
    async planBirthdayVisits(persons, window) {
      const entries = birthdayRoster(persons, {
        from: window.from,
        to: window.to,
        isCelebration: (p, age, date) => celebrates(p, age, date),
        ...(window.skip === undefined ? {} : { skip: window.skip }),
      });
      const community = new Map(persons.map((p) => [p.id, p.communityId]));
      await backends.tasks.add(
        entries.map((e) => ({
          id: `birthday:${e.personId}:${e.date}`,
          kind: "birthday_visit" as const,
          personId: e.personId,
          communityId: community.get(e.personId) as string,
          due: e.date,
          assignees: ["veteran_cadres_bureau"],
          details: { age: e.age, calendar: e.calendar },
        })),
      );
      return entries;
    },
    async checkCadence(pairs, log, month) {
      const report = cadenceReport(pairs, log, month);
      const byPair = new Map(pairs.map((p) => [p.pairId, p]));
      await backends.tasks.add(
        report.pairs
          .filter((r) => !r.compliant)
          .map((r) => {
            const pair = byPair.get(r.pairId) as CadencePair;
            return {
              id: `cadence:${r.pairId}:${month}`,
              kind: "cadence_alert" as const,
              personId: pair.personId,
              due: `${month}-01` > today(clock) ? `${month}-01` : today(clock),
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
      );
      return report;
    },
    async close() {
      await timebank.close();
      await backends.close();
    },
  };
}
