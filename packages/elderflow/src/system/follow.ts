/**
 * The follow-through of a status change (issue #12, item 4: "changes follow into the plans"): when
 * a cadre dies, moves away or is transferred, everything still open for them is cancelled or
 * reassigned with the reason, across the task board, the workflows and the time bank, and a
 * report lists what was touched. A recorded departure also keeps later plans from adding tasks.
 */
import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorReaches,
  assertReaches,
  type Clock,
  ElderflowError,
  type ErrorCode,
  FreeTextSchema,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  isDistrictActor,
  isElderflowError,
  parseOrThrow,
  type SqlClient,
  today,
} from "@elderflow/core";
import type { NeedsRegister, RecordOutcome, Register } from "@elderflow/register";
import { sha256, type TimeBank } from "@elderflow/timebank";
import type { WorkflowActor, WorkflowEngine, WorkflowInstance } from "@elderflow/workflow";
import type { Deliveries } from "./deliveries";
import { assertFitsColumn, MYSQL_KEY_WIDTH, MYSQL_TABLE, mysqlText, placeholders } from "./mysqlRows";
import { OPEN_TASK_STATUSES, type Task, type TaskBoard, type TaskCancelReason, type TaskKind } from "./tasks";

/**
 * The statuses a follow-through handles: died (去世), moved away (迁出), transferred (转出). Every
 * one of them means the person is no longer served from its effective date on.
 *
 * @example
 * ```ts
 * FOLLOWED_STATUSES.includes("deceased"); // true
 * ```
 */
export const FOLLOWED_STATUSES = ["deceased", "moved", "transferred"] as const;
/** A status from {@link FOLLOWED_STATUSES}. */
export type FollowedStatus = (typeof FOLLOWED_STATUSES)[number];

/**
 * Roles that may record a status change and have it followed through: the register's keepers
 * (`registrar`, `admin`) in their communities, the bureau and the host system everywhere.
 *
 * @example
 * ```ts
 * STATUS_CHANGE_ROLES.includes("registrar"); // true
 * ```
 */
export const STATUS_CHANGE_ROLES: readonly ActorRole[] = ["registrar", "admin", "bureau", "system"];

/**
 * The task kinds that follow a person who moves within the district (a visit is still owed, by the
 * new community); alerts about the old community's pairings are cancelled instead.
 *
 * @example
 * ```ts
 * REASSIGNED_TASK_KINDS.includes("birthday_visit"); // true
 * ```
 */
export const REASSIGNED_TASK_KINDS: readonly TaskKind[] = ["birthday_visit", "hospital_visit", "holiday_visit"];

/** A status change to follow through. Ids and codes only, apart from the optional free-text reason. */
export interface StatusChange {
  /** The person. */
  readonly personId: string;
  /** The new status. */
  readonly status: FollowedStatus;
  /** From which day it holds (not after today). */
  readonly effective: IsoDate;
  /**
   * The person's community (as the register holds it). Required for an actor bound to communities,
   * who must reach it; a district actor may leave it out.
   */
  readonly communityId?: string;
  /**
   * For `moved` / `transferred` within the district: the community that serves the person now.
   * Open visits are then reassigned there instead of cancelled (the actor must reach it too).
   */
  readonly newCommunityId?: string;
  /** Why, in words (free text): kept only as the note of the workflow events, which erasure scrubs. */
  readonly reason?: string;
}

/** What {@link followStatusChange} touched. A second call for the same change touches nothing. */
export interface FollowReport {
  /** The person. */
  readonly personId: string;
  /** The status followed. */
  readonly status: FollowedStatus;
  /** Its effective date. */
  readonly effective: IsoDate;
  /** Open tasks about the person: cancelled with the reason, or reassigned to the new community. */
  readonly tasks: readonly {
    readonly id: string;
    readonly kind: TaskKind;
    readonly action: "cancelled" | "reassigned";
    readonly reason: TaskCancelReason;
    /** For a reassignment: the id of the task that now waits in the new community. */
    readonly newTaskId?: string;
  }[];
  /** Pairings with the person, ended (or declined, when still proposed); their weekly timers go with them. */
  readonly pairings: readonly {
    readonly instanceId: string;
    readonly action: "ended";
    readonly timersCancelled: number;
  }[];
  /** Open service requests of the person, cancelled with reason `person_left`. */
  readonly serviceRequests: readonly { readonly instanceId: string; readonly action: "cancelled" }[];
  /** Reserved time-bank withdrawals for the person as beneficiary, voided (posted history untouched). */
  readonly withdrawals: readonly { readonly key: string; readonly action: "voided"; readonly cancelKey: string }[];
  /**
   * Care pathways of the person (a stay in hospital, a referral, community care, rehabilitation),
   * closed with the reason, each with the stage it was closed from (`inHospital` …).
   */
  readonly hospitalAdmissions: readonly {
    readonly instanceId: string;
    readonly action: "closed";
    readonly state: string;
  }[];
  /** Open or matched needs (需求) of the person, closed with reason `person_left`. */
  readonly needs: readonly { readonly id: string; readonly action: "closed"; readonly from: "open" | "matched" }[];
  /** Deliveries (periodicals, 送学上门) not yet made to the person, due from the effective day: cancelled `person_left`. */
  readonly deliveries: readonly string[];
  /**
   * Medical volunteer groups (贴心儿女) the person was in: as a served cadre, removed
   * (`REMOVE_CADRE`, reason the status); as a member, left (`LEAVE`, reason `deceased` or `moved`).
   * The group goes on with the others (a group whose last member leaves is suspended, as always).
   */
  readonly medicalGroups: readonly {
    readonly instanceId: string;
    readonly action: "cadre_removed" | "member_left";
  }[];
  /**
   * Open cases (mediation, legal consultation) whose applicant (the first party) is the person,
   * withdrawn with reason `party_left`; they count among the withdrawn cases of `caseCounts`.
   */
  readonly cases: readonly { readonly instanceId: string; readonly action: "withdrawn" }[];
  /**
   * Items that could not be followed, each with its code (`WRONG_COMMUNITY` out of the actor's
   * reach, `EVENT_NOT_ALLOWED` for a service under way …). One failure never stops the rest; the
   * call may be repeated once the cause is dealt with.
   */
  readonly failed: readonly { readonly item: string; readonly code: ErrorCode }[];
}

/** A followed status change as the wiring remembers it, so that later plans leave the person out. */
export interface Departure {
  /** The person. */
  readonly personId: string;
  /** The status. */
  readonly status: FollowedStatus;
  /** Its effective date. */
  readonly effective: IsoDate;
  /** The community that serves the person now, after a move within the district. */
  readonly newCommunityId?: string;
  /** Who recorded it (actor id). */
  readonly recordedBy: string;
  /** When (epoch ms, the wiring's clock). */
  readonly recordedAt: number;
}

/** Where departures are kept: beside the tasks, in memory or in the shared database. */
export interface DepartureStore {
  /** Records a departure, replacing an earlier one for the same person. */
  record(departure: Departure): Promise<void>;
  /** The departures of these persons (persons without one are absent). */
  get(personIds: readonly string[]): Promise<ReadonlyMap<string, Departure>>;
}

/**
 * Departures in memory (tests, the browser, short-lived tools).
 *
 * @example
 * ```ts
 * const departures = memoryDepartures();
 * await departures.record({ personId: "p1", status: "deceased", effective: "2027-03-05", recordedBy: "b1", recordedAt: 0 });
 * ```
 */
export function memoryDepartures(): DepartureStore {
  const rows = new Map<string, Departure>();
  return {
    async record(d) {
      rows.set(d.personId, { ...d });
    },
    async get(personIds) {
      const out = new Map<string, Departure>();
      for (const id of personIds) {
        const d = rows.get(id);
        if (d !== undefined) out.set(id, d);
      }
      return out;
    },
  };
}

/**
 * Departures in the `elderflow_departures` table of a PGlite, PostgreSQL or MySQL-family (MySQL 8,
 * MariaDB 10.6+) database (created when missing), so that every process of the host refuses the
 * same tasks. On MySQL the person id is a `varbinary` key (compared byte for byte, as on
 * PostgreSQL) and ids longer than 200 characters are refused with `TOO_BIG`.
 *
 * @example
 * ```ts
 * const departures = await sqlDepartures(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlDepartures(sql: SqlClient): Promise<DepartureStore> {
  if (sql.dialect === "mysql") return mysqlDepartures(sql);
  await sql.exec(`create table if not exists elderflow_departures (
    person_id text primary key, status text not null, effective date not null, new_community_id text,
    recorded_by text not null, recorded_at bigint not null)`);
  return {
    async record(d) {
      await sql.query(
        `insert into elderflow_departures (person_id, status, effective, new_community_id, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (person_id) do update set status = excluded.status, effective = excluded.effective,
           new_community_id = excluded.new_community_id, recorded_by = excluded.recorded_by,
           recorded_at = excluded.recorded_at`,
        [d.personId, d.status, d.effective, d.newCommunityId ?? null, d.recordedBy, d.recordedAt],
      );
    },
    async get(personIds) {
      const out = new Map<string, Departure>();
      if (personIds.length === 0) return out;
      const r = await sql.query<Record<string, unknown>>(
        `select person_id, status, to_char(effective, 'YYYY-MM-DD') as effective, new_community_id, recorded_by,
           recorded_at from elderflow_departures where person_id = any($1::text[])`,
        [[...new Set(personIds)]],
      );
      for (const row of r.rows)
        out.set(String(row.person_id), {
          personId: String(row.person_id),
          status: row.status as FollowedStatus,
          effective: String(row.effective),
          ...(row.new_community_id === null ? {} : { newCommunityId: String(row.new_community_id) }),
          recordedBy: String(row.recorded_by),
          recordedAt: Number(row.recorded_at),
        });
      return out;
    },
  };
}

/** The MySQL twin of the PostgreSQL table: the same columns, bounded, the key compared as bytes. */
const MYSQL_DEPARTURES_TABLE = `create table if not exists elderflow_departures (
  person_id varbinary(800) primary key, status varchar(16) not null, effective date not null,
  new_community_id varchar(${MYSQL_KEY_WIDTH}), recorded_by varchar(${MYSQL_KEY_WIDTH}) not null,
  recorded_at bigint not null) ${MYSQL_TABLE}`;

async function mysqlDepartures(sql: SqlClient): Promise<DepartureStore> {
  await sql.exec(MYSQL_DEPARTURES_TABLE);
  return {
    async record(d) {
      assertFitsColumn(d.personId, MYSQL_KEY_WIDTH, ["departure", "personId"]);
      assertFitsColumn(d.newCommunityId, MYSQL_KEY_WIDTH, ["departure", "newCommunityId"]);
      assertFitsColumn(d.recordedBy, MYSQL_KEY_WIDTH, ["departure", "recordedBy"]);
      // `on conflict (person_id) do update set x = excluded.x`: the same upsert, one statement.
      await sql.query(
        `insert into elderflow_departures (person_id, status, effective, new_community_id, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6)
         on duplicate key update status = values(status), effective = values(effective),
           new_community_id = values(new_community_id), recorded_by = values(recorded_by),
           recorded_at = values(recorded_at)`,
        [d.personId, d.status, d.effective, d.newCommunityId ?? null, d.recordedBy, d.recordedAt],
      );
    },
    async get(personIds) {
      const out = new Map<string, Departure>();
      if (personIds.length === 0) return out;
      const params: unknown[] = [];
      // `= any($1::text[])` becomes an `in` list; `to_char` becomes `date_format`.
      const r = await sql.query<Record<string, unknown>>(
        `select person_id, status, date_format(effective, '%Y-%m-%d') as effective, new_community_id, recorded_by,
           recorded_at from elderflow_departures where person_id in (${placeholders(params, [...new Set(personIds)])})`,
        params,
      );
      for (const row of r.rows) {
        const personId = mysqlText(row.person_id);
        out.set(personId, {
          personId,
          status: String(row.status) as FollowedStatus,
          effective: String(row.effective),
          ...(row.new_community_id === null ? {} : { newCommunityId: String(row.new_community_id) }),
          recordedBy: String(row.recorded_by),
          recordedAt: Number(row.recorded_at),
        });
      }
      return out;
    },
  };
}

/**
 * What becomes of a new task about a person who has left, the same as what the follow-through does
 * to an open one: after a death, or a move or transfer out of the district, nothing is added (no
 * visit, no alert, whatever its date); after a move within the district (a new community), a visit
 * goes to the new community and an alert about the old community's pairings is dropped.
 *
 * @example
 * ```ts
 * admitTask(task, { personId: "p1", status: "deceased", effective: "2027-03-05", recordedBy: "b1", recordedAt: 0 }); // null
 * ```
 */
export function admitTask<T extends Omit<Task, "assignees">>(task: T, departure: Departure | undefined): T | null {
  if (departure === undefined) return task;
  const to = departure.status === "deceased" ? undefined : departure.newCommunityId;
  if (to === undefined) return null;
  if (task.communityId === to) return task;
  return REASSIGNED_TASK_KINDS.includes(task.kind) ? { ...task, communityId: to } : null;
}

/**
 * A task board that asks the departures before adding: every planner and every emitted event goes
 * through `add` or `addInTurn`, so no task is added for a person whose departure was followed (see
 * {@link admitTask}), even from a stale roster or an event emitted before the death and delivered
 * after it. Reads and transitions are the board's own.
 *
 * @example
 * ```ts
 * const board = departureGate(memoryTaskBoard({ clock }), memoryDepartures());
 * ```
 */
export function departureGate(board: TaskBoard, departures: DepartureStore): TaskBoard {
  return {
    ...board,
    async add(tasks, by) {
      if (tasks.length === 0) return board.add(tasks, by);
      const left = await departures.get(tasks.map((t) => t.personId));
      if (left.size === 0) return board.add(tasks, by);
      const kept = tasks.flatMap((t) => {
        const a = admitTask(t, left.get(t.personId));
        return a === null ? [] : [a];
      });
      return board.add(kept, by);
    },
    async addInTurn(task, rotation, by) {
      const a = admitTask(task, (await departures.get([task.personId])).get(task.personId));
      return a === null ? { added: false } : board.addInTurn(a, rotation, by);
    },
  };
}

/** What {@link followStatusChange} works with: the wiring's parts. */
export interface FollowDeps {
  /** The clock ("today" bounds the effective date; departures are stamped with it). */
  readonly clock: Clock;
  /** The host's actor: reads across the district are made as it (the acts as the caller). */
  readonly host: Actor;
  /** The task board (gated or not: reassigned visits go to the new community either way). */
  readonly tasks: Pick<TaskBoard, "list" | "cancel" | "add">;
  /** Where departures are remembered. */
  readonly departures: DepartureStore;
  /** The workflow engine. */
  readonly workflows: Pick<WorkflowEngine, "list" | "send" | "timers">;
  /** The time bank. */
  readonly timebank: Pick<TimeBank, "as">;
  /** The needs register; without it, needs are not followed (the report lists none). */
  readonly needs?: Pick<NeedsRegister, "list" | "close">;
  /** Deliveries; without them, deliveries are not followed (the report lists none). */
  readonly deliveries?: Pick<Deliveries, "cancelFor">;
}

const CANCEL_REASON: Readonly<Record<FollowedStatus, TaskCancelReason>> = {
  deceased: "deceased",
  moved: "moved_away",
  transferred: "transferred",
};

/** The pairing's own END reasons know no transfer: a transferred cadre has moved out of the district's care. */
const PAIRING_END_REASON: Readonly<Record<FollowedStatus, "deceased" | "moved">> = {
  deceased: "deceased",
  moved: "moved",
  transferred: "moved",
};

/** Service-request states in which the service was delivered: left alone, like verifications. */
const DELIVERED_REQUEST_STATES = new Set(["done", "confirmed", "closed"]);

/** A time-bank key at most 200 characters long (a hash stands for an over-long withdrawal key). */
function cancelKeyOf(status: FollowedStatus, effective: IsoDate, withdrawalKey: string): string {
  const key = `left/${status}/${effective}/${withdrawalKey}`;
  return key.length <= 200 ? key : `left/${status}/${effective}/#${sha256(withdrawalKey).slice(0, 40)}`;
}

const codeOf = (error: unknown): ErrorCode => (isElderflowError(error) ? error.code : "INTERNAL");

function parseChange(change: StatusChange, clock: Clock): StatusChange {
  if (typeof change !== "object" || change === null) throw new ElderflowError("REQUIRED", { path: ["change"] });
  const personId = parseOrThrow(IdSchema, change.personId, ["change", "personId"]);
  if (!(FOLLOWED_STATUSES as readonly unknown[]).includes(change.status))
    throw new ElderflowError("INVALID_ENUM", {
      path: ["change", "status"],
      params: { options: FOLLOWED_STATUSES.join(", ") },
    });
  const effective = parseOrThrow(IsoDateSchema, change.effective, ["change", "effective"]);
  const limit = today(clock);
  if (effective > limit) throw new ElderflowError("FUTURE_DATE", { path: ["change", "effective"], params: { limit } });
  const communityId =
    change.communityId === undefined
      ? undefined
      : parseOrThrow(IdSchema, change.communityId, ["change", "communityId"]);
  const newCommunityId =
    change.newCommunityId === undefined
      ? undefined
      : parseOrThrow(IdSchema, change.newCommunityId, ["change", "newCommunityId"]);
  if (newCommunityId !== undefined && change.status === "deceased")
    throw new ElderflowError("NEW_COMMUNITY_WITHOUT_MOVE", { path: ["change", "newCommunityId"] });
  const reason =
    change.reason === undefined ? undefined : parseOrThrow(FreeTextSchema, change.reason, ["change", "reason"]);
  return {
    personId,
    status: change.status,
    effective,
    ...(communityId === undefined ? {} : { communityId }),
    ...(newCommunityId === undefined ? {} : { newCommunityId }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * Follows a status change into the plans (issue #12, item 4). The actor needs a role of
 * {@link STATUS_CHANGE_ROLES} and must reach the person's community (and the new one); then, with
 * the departure recorded first so that nothing new slips in meanwhile:
 *
 * - every open task about the person is cancelled with reason `deceased` / `moved_away` /
 *   `transferred`; after a move within the district (`newCommunityId`), a visit is reassigned: it
 *   is cancelled in the old community and added, same kind, due date and assignees, in the new one;
 * - every pairing with the person is ended (`END`, reason `deceased` or `moved`; a proposed one is
 *   declined), which cancels its weekly timer, so no missed-contact alert follows;
 * - every open service request of the person is cancelled with reason `person_left`; one whose
 *   service is under way (on site) cannot be, and is reported in `failed`; delivered ones are left;
 * - every care pathway (in hospital, referred, in community care or rehabilitation) is closed
 *   with the reason (`PERSON_LEFT`);
 * - every reserved time-bank withdrawal for the person as beneficiary is voided (`cancel`), under
 *   the key `left/<status>/<effective>/<withdrawal key>`, which records the reason in the journal;
 * - every open or matched need of the person (when `deps.needs` is given) is closed `person_left`;
 * - every delivery not yet made to the person and due from the effective day (when
 *   `deps.deliveries` is given) is cancelled `person_left`, so it is no longer owed;
 * - in every active medical volunteer group, the person as a served cadre is removed
 *   (`REMOVE_CADRE`, reason the status) and as a member leaves (`LEAVE`, `deceased` or `moved`);
 * - every open case whose applicant (first party) is the person is withdrawn, reason `party_left`.
 *
 * Pending verifications of services are left alone: a service given before the death still
 * verifies and earns its minutes. Every act runs through its engine's own checks: the task board
 * and the time bank as the caller (task board acts as community staff of the caller's communities
 * where the caller holds no managing role of its own), the workflows as community staff of the
 * instance's community in the caller's name. An item out of the caller's reach, or refused, is
 * reported in `failed` and the rest goes on. Calling again for the same change touches nothing.
 *
 * @example
 * ```ts
 * const report = await followStatusChange(deps,
 *   { personId: "p1", status: "deceased", effective: "2027-03-05", communityId: "c1" },
 *   { id: "reg-1", roles: ["registrar"], communities: ["c1"] });
 * report.pairings; // [{ instanceId: "pair-1", action: "ended", timersCancelled: 1 }]
 * ```
 */
export async function followStatusChange(
  deps: FollowDeps,
  change: StatusChange,
  actor: ActorInput,
): Promise<FollowReport> {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  if (!a.roles.some((r) => STATUS_CHANGE_ROLES.includes(r)))
    throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
  const c = parseChange(change, deps.clock);
  if (c.communityId === undefined) {
    if (!isDistrictActor(a)) throw new ElderflowError("REQUIRED", { path: ["change", "communityId"] });
  } else assertReaches(a, c.communityId, ["change", "communityId"]);
  if (c.newCommunityId !== undefined) assertReaches(a, c.newCommunityId, ["change", "newCommunityId"]);

  await deps.departures.record({
    personId: c.personId,
    status: c.status,
    effective: c.effective,
    ...(c.newCommunityId === undefined ? {} : { newCommunityId: c.newCommunityId }),
    recordedBy: a.id,
    recordedAt: deps.clock.now(),
  });

  const failed: { item: string; code: ErrorCode }[] = [];
  const attempt = async <T>(item: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      failed.push({ item, code: codeOf(error) });
      return undefined;
    }
  };

  const tasks = await followTasks(deps, c, a, attempt);
  const { pairings, serviceRequests, hospitalAdmissions } = await followWorkflows(deps, c, a, attempt, failed);
  const withdrawals = await followWithdrawals(deps, c, a, failed);
  const needs = await followNeeds(deps, c, a, attempt, failed);
  const cancelFor = deps.deliveries?.cancelFor;
  const deliveries =
    cancelFor === undefined
      ? []
      : ((await attempt(`deliveries:${c.personId}`, () => cancelFor(c.personId, c.effective, asManager(a)))) ?? []);
  const { medicalGroups, cases } = await followGroupsAndCases(deps, c, a, attempt, failed);
  return {
    personId: c.personId,
    status: c.status,
    effective: c.effective,
    tasks,
    pairings,
    serviceRequests,
    withdrawals,
    hospitalAdmissions,
    needs,
    deliveries,
    medicalGroups,
    cases,
    failed,
  };
}

type Attempt = <T>(item: string, work: () => Promise<T>) => Promise<T | undefined>;

/** The board's managing roles: a registrar acts on the board as staff of its own communities. */
const BOARD_ROLES: readonly ActorRole[] = ["community_staff", "admin", "bureau", "system"];

/** The caller as the board and the needs register take it: a registrar acts as staff of its communities. */
const asManager = (a: Actor): Actor =>
  a.roles.some((r) => BOARD_ROLES.includes(r)) ? a : { ...a, roles: [...a.roles, "community_staff"] };

/** A group member's reason to leave (the machine's LEAVE reasons know no transfer). */
const MEMBER_LEAVE_REASON: Readonly<Record<FollowedStatus, "deceased" | "moved">> = {
  deceased: "deceased",
  moved: "moved",
  transferred: "moved",
};

async function followNeeds(
  deps: FollowDeps,
  c: StatusChange,
  a: Actor,
  attempt: Attempt,
  failed: { item: string; code: ErrorCode }[],
): Promise<FollowReport["needs"][number][]> {
  const needs = deps.needs;
  if (needs === undefined) return [];
  const open = (await needs.list(deps.host, { personId: c.personId })).filter(
    (n) => n.status === "open" || n.status === "matched",
  );
  const actor = asManager(a);
  const out: FollowReport["needs"][number][] = [];
  for (const n of open) {
    if (!actorReaches(a, n.communityId)) {
      failed.push({ item: `need:${n.id}`, code: "WRONG_COMMUNITY" });
      continue;
    }
    const done = await attempt(`need:${n.id}`, () => needs.close(n.id, "person_left", actor));
    if (done !== undefined) out.push({ id: n.id, action: "closed", from: n.status as "open" | "matched" });
  }
  return out;
}

type GroupRow = { readonly personId?: unknown; readonly volunteerId?: unknown; readonly status?: unknown };
const rowsOf = (v: unknown): GroupRow[] => (Array.isArray(v) ? (v as GroupRow[]) : []);

async function followGroupsAndCases(
  deps: FollowDeps,
  c: StatusChange,
  a: Actor,
  attempt: Attempt,
  failed: { item: string; code: ErrorCode }[],
): Promise<Pick<FollowReport, "medicalGroups" | "cases">> {
  const reader: WorkflowActor = { id: deps.host.id, role: "system" };
  const staffOf = (i: WorkflowInstance): WorkflowActor => ({
    id: a.id,
    role: "community_staff",
    communityId: i.communityId,
  });
  const eventId = (what: string) => `left:${c.status}:${c.effective}:${what}`;
  const inReach = (item: string, i: WorkflowInstance) => {
    if (actorReaches(a, i.communityId)) return true;
    failed.push({ item, code: "WRONG_COMMUNITY" });
    return false;
  };

  const medicalGroups: { instanceId: string; action: "cadre_removed" | "member_left" }[] = [];
  // A group names its cadres and members in lists, not as the instance's person: read them all.
  const groups = await deps.workflows.list({ machine: "medicalGroup", activeOnly: true, limit: 10_000 }, reader);
  for (const i of groups) {
    const served = rowsOf(i.context.cadres).some((p) => p.personId === c.personId && p.status === "active");
    const member = rowsOf(i.context.members).some((m) => m.volunteerId === c.personId && m.status !== "left");
    if (!served && !member) continue;
    const item = `medicalGroup:${i.id}`;
    if (!inReach(item, i)) continue;
    const actor = staffOf(i);
    if (served) {
      const done = await attempt(item, () =>
        deps.workflows.send(i.id, {
          id: eventId("cadre"),
          type: "REMOVE_CADRE",
          actor,
          payload: { personId: c.personId, reason: c.status },
        }),
      );
      if (done !== undefined) medicalGroups.push({ instanceId: i.id, action: "cadre_removed" });
    }
    if (member) {
      const done = await attempt(item, () =>
        deps.workflows.send(i.id, {
          id: eventId("member"),
          type: "LEAVE",
          actor,
          payload: { volunteerId: c.personId, reason: MEMBER_LEAVE_REASON[c.status] },
        }),
      );
      if (done !== undefined) medicalGroups.push({ instanceId: i.id, action: "member_left" });
    }
  }

  const cases: { instanceId: string; action: "withdrawn" }[] = [];
  const note = c.reason === undefined ? {} : { note: c.reason };
  // A case is listed under its applicant (the first party): only those are withdrawn.
  for (const i of await deps.workflows.list(
    { machine: "case", personId: c.personId, activeOnly: true, limit: 10_000 },
    reader,
  )) {
    if (i.state !== "open") continue;
    const item = `case:${i.id}`;
    if (!inReach(item, i)) continue;
    const done = await attempt(item, () =>
      deps.workflows.send(i.id, {
        id: eventId("case"),
        type: "WITHDRAW",
        actor: staffOf(i),
        payload: { reason: "party_left", ...note },
      }),
    );
    if (done !== undefined) cases.push({ instanceId: i.id, action: "withdrawn" });
  }
  return { medicalGroups, cases };
}

async function followTasks(
  deps: FollowDeps,
  c: StatusChange,
  a: Actor,
  attempt: Attempt,
): Promise<FollowReport["tasks"][number][]> {
  const boardActor = asManager(a);
  const reason = CANCEL_REASON[c.status];
  const open = (await deps.tasks.list(deps.host, { status: OPEN_TASK_STATUSES })).filter(
    (t) => t.personId === c.personId,
  );
  const out: FollowReport["tasks"][number][] = [];
  for (const t of open) {
    const to = c.newCommunityId;
    // Already waiting in the new community (a reassignment of an earlier call, or planned there).
    if (to !== undefined && t.communityId === to) continue;
    const reassign = to !== undefined && REASSIGNED_TASK_KINDS.includes(t.kind);
    const cancelled = await attempt(`task:${t.id}`, () => deps.tasks.cancel(t.id, reason, boardActor));
    if (cancelled === undefined) continue;
    if (!reassign || to === undefined) {
      out.push({ id: t.id, kind: t.kind, action: "cancelled", reason });
      continue;
    }
    const copy: Task = {
      id: `${t.id}@${to}`.slice(0, 200),
      kind: t.kind,
      personId: t.personId,
      communityId: to,
      due: t.due,
      assignees: [...t.assignees],
      details: {
        ...t.details,
        reassignedFrom: t.id,
        ...(t.communityId === undefined ? {} : { movedFrom: t.communityId }),
      },
    };
    // The old task is cancelled either way; a copy that cannot be added is reported on its own.
    const added = await attempt(`task:${copy.id}`, () => deps.tasks.add([copy], a.id));
    out.push(
      added === undefined
        ? { id: t.id, kind: t.kind, action: "cancelled", reason }
        : { id: t.id, kind: t.kind, action: "reassigned", reason, newTaskId: copy.id },
    );
  }
  return out;
}

async function followWorkflows(
  deps: FollowDeps,
  c: StatusChange,
  a: Actor,
  attempt: Attempt,
  failed: { item: string; code: ErrorCode }[],
): Promise<Pick<FollowReport, "pairings" | "serviceRequests" | "hospitalAdmissions">> {
  const reader: WorkflowActor = { id: deps.host.id, role: "system" };
  const list = (machine: string) =>
    deps.workflows.list({ machine, personId: c.personId, activeOnly: true, limit: 10_000 }, reader);
  // The workflow's own checks decide, with the caller acting as staff of the instance's community.
  const staffOf = (i: WorkflowInstance): WorkflowActor => ({
    id: a.id,
    role: "community_staff",
    communityId: i.communityId,
  });
  const eventId = (n: number) => `left:${c.status}:${c.effective}:${n}`;
  const note = c.reason === undefined ? {} : { note: c.reason };
  const inReach = (item: string, i: WorkflowInstance) => {
    if (actorReaches(a, i.communityId)) return true;
    failed.push({ item, code: "WRONG_COMMUNITY" });
    return false;
  };

  const pairings: { instanceId: string; action: "ended"; timersCancelled: number }[] = [];
  for (const i of await list("pairing")) {
    const item = `pairing:${i.id}`;
    if (!inReach(item, i)) continue;
    const actor = staffOf(i);
    const done = await attempt(item, async () => {
      const before = (await deps.workflows.timers(i.id, actor)).length;
      if (i.state === "proposed") await deps.workflows.send(i.id, { id: eventId(1), type: "DECLINE", actor });
      else
        await deps.workflows.send(i.id, {
          id: eventId(1),
          type: "END",
          actor,
          payload: { reason: PAIRING_END_REASON[c.status], ...note },
        });
      const after = (await deps.workflows.timers(i.id, actor)).length;
      return before - after;
    });
    if (done !== undefined) pairings.push({ instanceId: i.id, action: "ended", timersCancelled: done });
  }

  const serviceRequests: { instanceId: string; action: "cancelled" }[] = [];
  for (const i of await list("serviceRequest")) {
    if (DELIVERED_REQUEST_STATES.has(i.state)) continue;
    const item = `serviceRequest:${i.id}`;
    if (!inReach(item, i)) continue;
    const actor = staffOf(i);
    const done = await attempt(item, () =>
      deps.workflows.send(i.id, { id: eventId(1), type: "CANCEL", actor, payload: { reason: "person_left", ...note } }),
    );
    if (done !== undefined) serviceRequests.push({ instanceId: i.id, action: "cancelled" });
  }

  const hospitalAdmissions: { instanceId: string; action: "closed"; state: string }[] = [];
  for (const i of await list("carePathway")) {
    const item = `carePathway:${i.id}`;
    if (!inReach(item, i)) continue;
    const actor = staffOf(i);
    const done = await attempt(item, () =>
      deps.workflows.send(i.id, {
        id: eventId(1),
        type: "PERSON_LEFT",
        actor,
        payload: { reason: c.status, ...note },
      }),
    );
    if (done !== undefined) hospitalAdmissions.push({ instanceId: i.id, action: "closed", state: i.state });
  }
  return { pairings, serviceRequests, hospitalAdmissions };
}

async function followWithdrawals(
  deps: FollowDeps,
  c: StatusChange,
  a: Actor,
  failed: { item: string; code: ErrorCode }[],
): Promise<FollowReport["withdrawals"][number][]> {
  const pending = deps.timebank
    .as(deps.host)
    .entries({ status: "pending" })
    .filter((e) => e.kind === "withdrawal" && e.counterpart === c.personId);
  if (pending.length === 0) return [];
  const bank = deps.timebank.as(a);
  const commands = pending.map((e) => ({
    op: "cancel" as const,
    key: cancelKeyOf(c.status, c.effective, e.key),
    withdrawal: e.key,
  }));
  const out: FollowReport["withdrawals"][number][] = [];
  let results: Awaited<ReturnType<typeof bank.submitMany>>;
  try {
    results = await bank.submitMany(commands);
  } catch (error) {
    for (const e of pending) failed.push({ item: `withdrawal:${e.key}`, code: codeOf(error) });
    return out;
  }
  for (const [n, r] of results.entries()) {
    const e = pending[n];
    const cmd = commands[n];
    if (e === undefined || cmd === undefined) continue;
    if (r.ok) out.push({ key: e.key, action: "voided", cancelKey: cmd.key });
    else failed.push({ item: `withdrawal:${e.key}`, code: r.code });
  }
  return out;
}

/** What {@link recordAndFollow} did: the register's outcome per change, and a follow-through per status change. */
export interface RecordedChanges {
  /** The register's outcome of each change, in order (a refused change is not followed). */
  readonly outcomes: readonly RecordOutcome[];
  /**
   * One report per accepted change of status to deceased, moved or transferred, in order. A
   * follow-through refused as a whole lists the person in `failed` with the code.
   */
  readonly follow: readonly FollowReport[];
}

/**
 * Records changes in the register, then follows every accepted status change to deceased, moved
 * or transferred into the plans (see {@link followStatusChange}), as the same actor, with the
 * person's community read from the register as of the change. A follow-through that fails as a
 * whole is reported, never thrown, so one bad item does not fail the batch.
 *
 * @example
 * ```ts
 * const { outcomes, follow } = await recordAndFollow(register, (c, a) => followStatusChange(deps, c, a), host,
 *   [{ kind: "status", personId: "p1", effective: "2027-03-05", status: "deceased", source: { kind: "notice" } }],
 *   registrar);
 * ```
 */
export async function recordAndFollow(
  register: Pick<Register, "record" | "get">,
  follow: (change: StatusChange, actor: ActorInput) => Promise<FollowReport>,
  host: Actor,
  changes: readonly unknown[],
  actor: ActorInput,
): Promise<RecordedChanges> {
  const outcomes = await register.record(changes, actor);
  const reports: FollowReport[] = [];
  for (const o of outcomes) {
    if (!o.ok || o.change.kind !== "status" || o.change.status === "active") continue;
    const { personId, effective, status } = o.change;
    // The host reads the community the person belonged to on the day; the follow-through then
    // checks the caller against it.
    const person = await register.get(personId, host, { asOf: effective });
    const change: StatusChange = {
      personId,
      status,
      effective,
      ...(person === undefined ? {} : { communityId: person.communityId }),
    };
    try {
      reports.push(await follow(change, actor));
    } catch (error) {
      reports.push({
        personId,
        status,
        effective,
        tasks: [],
        pairings: [],
        serviceRequests: [],
        withdrawals: [],
        hospitalAdmissions: [],
        needs: [],
        deliveries: [],
        medicalGroups: [],
        cases: [],
        failed: [{ item: `person:${personId}`, code: codeOf(error) }],
      });
    }
  }
  return { outcomes, follow: reports };
}
