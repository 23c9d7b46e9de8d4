import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorReaches,
  type Clock,
  ElderflowError,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  isDistrictActor,
  KeySchema,
  parseOrThrow,
  type SqlClient,
  type SqlQueryable,
  type TransactionOptions,
} from "@elderflow/core";
import {
  MYSQL_TABLE,
  mysqlJson,
  mysqlParams,
  mysqlText,
  mysqlTextOrNull,
  mysqlValues,
  onlyDuplicatesIgnored,
} from "./mysqlRows";

/** What a task asks someone to do. */
export type TaskKind =
  | "birthday_visit"
  | "hospital_visit"
  | "holiday_visit"
  | "missed_contact_alert"
  | "cadence_alert"
  | "anniversary_visit"
  | "health_check_reminder"
  | "escalation_followup"
  | "escalation_overdue"
  | "certificate_lapse_alert";

/**
 * The id that takes the place of an erased person in assignee lists and dead letters.
 *
 * @example
 * ```ts
 * (await board.list(bureau)).filter((t) => t.assignees.includes(ERASED_ID));
 * ```
 */
export const ERASED_ID = "erased";

/**
 * The life of a task: `open` (nobody yet) → `assigned` → `accepted` → `done`, or `cancelled` from
 * any of the first three. The first three are the open stages.
 *
 * @example
 * ```ts
 * TASK_STATUSES.includes("accepted"); // true
 * ```
 */
export const TASK_STATUSES = ["open", "assigned", "accepted", "done", "cancelled"] as const;
/** A status from {@link TASK_STATUSES}. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * The stages in which a task still waits for someone: it may be reassigned or cancelled.
 *
 * @example
 * ```ts
 * OPEN_TASK_STATUSES.includes("done"); // false
 * ```
 */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ["open", "assigned", "accepted"];

/**
 * How a task ended when it was done: visited (at home or in hospital), nobody at home, the cadre
 * declined, handed over to another service, or (alerts) resolved.
 *
 * @example
 * ```ts
 * TASK_OUTCOMES.includes("visited"); // true
 * ```
 */
export const TASK_OUTCOMES = ["visited", "not_at_home", "declined", "referred", "resolved"] as const;
/** An outcome code from {@link TASK_OUTCOMES}. */
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/**
 * Why a task was cancelled: the cadre died, moved away or was transferred, left hospital before the
 * visit, the task duplicated another, a later plan superseded it, or the host withdrew it.
 *
 * @example
 * ```ts
 * TASK_CANCEL_REASONS.includes("deceased"); // true
 * ```
 */
export const TASK_CANCEL_REASONS = [
  "deceased",
  "moved_away",
  "transferred",
  "discharged",
  "duplicate",
  "superseded",
  "withdrawn",
] as const;
/** A reason code from {@link TASK_CANCEL_REASONS}. */
export type TaskCancelReason = (typeof TASK_CANCEL_REASONS)[number];

/**
 * A visit or alert produced by the wiring: ids only, never names or other personal data, so that the
 * task list can be exported and shown on a board. This is what a planner adds; the board keeps it
 * as a {@link TrackedTask}.
 */
export interface Task {
  /** Stable id derived from what caused it, so the same cause never makes two tasks. */
  readonly id: string;
  /** What to do. */
  readonly kind: TaskKind;
  /** The cadre concerned. */
  readonly personId: string;
  /** The cadre's community, when known (a task without one is seen by the district's bodies only). */
  readonly communityId?: string;
  /** The day it is due. */
  readonly due: IsoDate;
  /** Who does it: visiting bodies (hospital visits), the volunteer (alerts), or staff. */
  readonly assignees: readonly string[];
  /** Extra facts: age and calendar for birthdays, mode and rule for hospital visits, weeks for alerts. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** One step in a task's life: who moved it, when (the board's clock), from which status to which. */
export interface TaskTransition {
  /** The status before (null for the task's creation). */
  readonly from: TaskStatus | null;
  /** The status after. */
  readonly to: TaskStatus;
  /** The acting actor's id. */
  readonly by: string;
  /** When, in epoch milliseconds from the board's clock. */
  readonly at: number;
  /** The assignees after an assignment or reassignment (and at creation). */
  readonly assignees?: readonly string[];
  /** The outcome, when done. */
  readonly outcome?: TaskOutcome;
  /** The evidence reference (a photo, a signed form) when done, by id. */
  readonly evidenceId?: string;
  /** The reason, when cancelled. */
  readonly reason?: TaskCancelReason;
}

/** A task as the board keeps it: its status and every transition so far. */
export interface TrackedTask extends Task {
  /** Where it is in its life. */
  readonly status: TaskStatus;
  /** Every transition, oldest first; the first is the creation. */
  readonly history: readonly TaskTransition[];
  /** How it ended, when done. */
  readonly outcome?: TaskOutcome;
  /** The evidence reference id, when done with one. */
  readonly evidenceId?: string;
  /** Why it was cancelled. */
  readonly cancelReason?: TaskCancelReason;
}

/** Which tasks {@link TaskBoard.list} answers. */
export interface TaskFilter {
  /** One kind only. */
  readonly kind?: TaskKind;
  /** One status, or any of several. */
  readonly status?: TaskStatus | readonly TaskStatus[];
  /** Only tasks due strictly before this day. */
  readonly dueBefore?: IsoDate;
}

/** What completing a task records. */
export interface TaskCompletion {
  /** How it ended. */
  readonly outcome: TaskOutcome;
  /** An evidence reference (photo, signed form), by id. */
  readonly evidenceId?: string;
}

/**
 * A persisted round-robin: each new task put through it goes to the next body of `order`, counting
 * turns in the board's own store, so the turn survives restarts and is shared by every process.
 */
export interface TaskRotation {
  /** The rotation's name (one counter per name). */
  readonly name: string;
  /** The bodies, in the order they take their turn. */
  readonly order: readonly string[];
}

/**
 * Where tasks are kept: memory, or a table in the same database as the time bank and workflows.
 * Reads take the actor and answer only the tasks of the communities it reaches (the district's
 * bodies, `bureau`, `department` and `system`, see every task). Every transition takes the actor,
 * checks its reach (`WRONG_COMMUNITY`) and role (`NOT_AUTHORIZED`), and refuses an illegal move with
 * a typed error that changes nothing.
 */
export interface TaskBoard {
  /**
   * Adds tasks (`assigned` when they name assignees, `open` otherwise), recording the creation as
   * done by `by`; a task whose id is already there is left as it is. Returns how many were new.
   */
  add(tasks: readonly Task[], by?: string): Promise<number>;
  /**
   * Adds one task assigned to the next body of a rotation; the turn advances only when the task is
   * new, so a redelivered cause neither duplicates the task nor skips a body.
   */
  addInTurn(task: Omit<Task, "assignees">, rotation: TaskRotation, by?: string): Promise<{ readonly added: boolean }>;
  /** The tasks the actor reaches, ordered by due date then id; optionally of one kind, or filtered. */
  list(actor: ActorInput, filter?: TaskKind | TaskFilter): Promise<TrackedTask[]>;
  /** One task; `UNKNOWN_TASK` when there is none, `WRONG_COMMUNITY` when out of reach. */
  get(id: string, actor: ActorInput): Promise<TrackedTask>;
  /** How many tasks of each kind the actor reaches (whatever their status). */
  counts(actor: ActorInput): Promise<Record<TaskKind, number>>;
  /** Tasks still open (any open stage) due before `asOf`, ordered by due date then id. */
  overdue(actor: ActorInput, asOf: IsoDate): Promise<TrackedTask[]>;
  /** Open tasks per assignee (a task with several assignees counts for each), of the tasks the actor reaches. */
  workload(actor: ActorInput): Promise<Record<string, number>>;
  /** Assigns or reassigns a task at any open stage (staff or a district body); it becomes `assigned`. */
  assign(id: string, assignees: readonly string[], actor: ActorInput): Promise<TrackedTask>;
  /** An assignee (or staff for it) accepts an `assigned` task. */
  accept(id: string, actor: ActorInput): Promise<TrackedTask>;
  /** An assignee (or staff for it) completes an `accepted` task with its outcome. */
  complete(id: string, completion: TaskCompletion, actor: ActorInput): Promise<TrackedTask>;
  /** Staff or a district body cancels a task at any open stage, with the reason. */
  cancel(id: string, reason: TaskCancelReason, actor: ActorInput): Promise<TrackedTask>;
  /**
   * Erasure: drops the tasks about a person and replaces the person's id in assignee lists and
   * histories by {@link ERASED_ID}. Returns how many tasks changed or went.
   */
  forget(personId: string): Promise<number>;
}

/** Options of the task boards. */
export interface TaskBoardOptions {
  /** The only source of transition times. */
  readonly clock: Clock;
}

const EMPTY_COUNTS = (): Record<TaskKind, number> => ({
  birthday_visit: 0,
  hospital_visit: 0,
  holiday_visit: 0,
  missed_contact_alert: 0,
  cadence_alert: 0,
  anniversary_visit: 0,
  health_check_reminder: 0,
  escalation_followup: 0,
  escalation_overdue: 0,
  certificate_lapse_alert: 0,
});

const byDueThenId = (a: Task, b: Task) =>
  a.due < b.due ? -1 : a.due > b.due ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The communities an actor's reads are limited to, or null for the district's bodies. An actor is
 * parsed at this edge, so an unchecked object never widens a read.
 *
 * @example
 * ```ts
 * readScope({ id: "s1", roles: ["community_staff"], communities: ["c1"] }); // ["c1"]
 * readScope({ id: "b1", roles: ["bureau"] }); // null: the whole district
 * ```
 */
export function readScope(actor: ActorInput): readonly string[] | null {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  return isDistrictActor(a) ? null : a.communities;
}

const inScope = (scope: readonly string[] | null, communityId: string | undefined) =>
  scope === null || (communityId !== undefined && scope.includes(communityId));

/** Roles that manage the board: assign, reassign, cancel, and record for an assignee. */
const MANAGER_ROLES: readonly ActorRole[] = ["community_staff", "admin", "bureau", "system"];

const AssigneesSchema = IdSchema.array().min(1).max(20);

/** A code from a closed list, or `INVALID_ENUM` naming the list (never the value given). */
function oneOf<T extends string>(list: readonly T[], value: unknown, path: readonly (string | number)[]): T {
  if (typeof value === "string" && (list as readonly string[]).includes(value)) return value as T;
  throw new ElderflowError("INVALID_ENUM", { path: [...path], params: { options: list.join(", ") } });
}

/** A board operation, parsed. */
type TaskOp =
  | { readonly op: "assign"; readonly assignees: readonly string[] }
  | { readonly op: "accept" }
  | { readonly op: "complete"; readonly outcome: TaskOutcome; readonly evidenceId?: string }
  | { readonly op: "cancel"; readonly reason: TaskCancelReason };

/**
 * The one rule of a task's life, shared by every store: checks reach, then role, then status, and
 * returns the task after the move (or throws, changing nothing).
 */
function applyTaskOp(task: TrackedTask, op: TaskOp, actor: Actor, at: number): TrackedTask {
  if (task.communityId === undefined ? !isDistrictActor(actor) : !actorReaches(actor, task.communityId))
    throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communities"] });
  const manager = actor.roles.some((r) => MANAGER_ROLES.includes(r));
  const assignee =
    task.assignees.includes(actor.id) || (actor.onBehalfOf ?? []).some((p) => task.assignees.includes(p));
  if (!(manager || (assignee && (op.op === "accept" || op.op === "complete"))))
    throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
  if (!OPEN_TASK_STATUSES.includes(task.status)) throw new ElderflowError("TASK_NOT_OPEN", { path: ["id"] });
  const step = { from: task.status, by: actor.id, at };
  switch (op.op) {
    case "assign":
      return {
        ...task,
        status: "assigned",
        assignees: [...op.assignees],
        history: [...task.history, { ...step, to: "assigned", assignees: [...op.assignees] }],
      };
    case "accept":
      if (task.status !== "assigned") throw new ElderflowError("TASK_NOT_ASSIGNED", { path: ["id"] });
      return { ...task, status: "accepted", history: [...task.history, { ...step, to: "accepted" }] };
    case "complete": {
      if (task.status !== "accepted") throw new ElderflowError("TASK_NOT_ACCEPTED", { path: ["id"] });
      const closing = { outcome: op.outcome, ...(op.evidenceId === undefined ? {} : { evidenceId: op.evidenceId }) };
      return { ...task, ...closing, status: "done", history: [...task.history, { ...step, to: "done", ...closing }] };
    }
    case "cancel":
      return {
        ...task,
        status: "cancelled",
        cancelReason: op.reason,
        history: [...task.history, { ...step, to: "cancelled", reason: op.reason }],
      };
  }
}

/** A new task as the board keeps it, with its creation in the history. */
function tracked(task: Task, by: string, at: number): TrackedTask {
  const status: TaskStatus = task.assignees.length > 0 ? "assigned" : "open";
  return {
    ...task,
    assignees: [...task.assignees],
    status,
    history: [{ from: null, to: status, by, at, assignees: [...task.assignees] }],
  };
}

/** A task with a person's id replaced by {@link ERASED_ID} in assignees and history; null when unchanged. */
function scrubbed(task: TrackedTask, personId: string): TrackedTask | null {
  const swap = (list: readonly string[]) => list.map((a) => (a === personId ? ERASED_ID : a));
  const touched =
    task.assignees.includes(personId) ||
    task.history.some((h) => h.by === personId || (h.assignees ?? []).includes(personId));
  if (!touched) return null;
  return {
    ...task,
    assignees: swap(task.assignees),
    history: task.history.map((h) => ({
      ...h,
      by: h.by === personId ? ERASED_ID : h.by,
      ...(h.assignees === undefined ? {} : { assignees: swap(h.assignees) }),
    })),
  };
}

/** Parses the inputs of a call at the edge. */
const edge = {
  id: (id: string) => parseOrThrow(KeySchema, id, ["id"]),
  actor: (actor: ActorInput) => parseOrThrow(Actor, actor, ["actor"]),
  filter(filter: TaskKind | TaskFilter | undefined): TaskFilter {
    const f: TaskFilter = typeof filter === "string" ? { kind: filter } : (filter ?? {});
    if (f.dueBefore !== undefined) parseOrThrow(IsoDateSchema, f.dueBefore, ["filter", "dueBefore"]);
    return f;
  },
};

const statusesOf = (f: TaskFilter): readonly TaskStatus[] | undefined =>
  f.status === undefined ? undefined : typeof f.status === "string" ? [f.status] : f.status;

const parseOp = {
  assign: (assignees: readonly string[]): TaskOp => ({
    op: "assign",
    assignees: parseOrThrow(AssigneesSchema, assignees, ["assignees"]),
  }),
  complete: (c: TaskCompletion): TaskOp => {
    const outcome = oneOf(TASK_OUTCOMES, c?.outcome, ["completion", "outcome"]);
    const evidenceId =
      c.evidenceId === undefined ? undefined : parseOrThrow(IdSchema, c.evidenceId, ["completion", "evidenceId"]);
    return { op: "complete", outcome, ...(evidenceId === undefined ? {} : { evidenceId }) };
  },
  cancel: (reason: TaskCancelReason): TaskOp => ({
    op: "cancel",
    reason: oneOf(TASK_CANCEL_REASONS, reason, ["reason"]),
  }),
};

function parseRotation(rotation: TaskRotation): TaskRotation {
  return {
    name: parseOrThrow(IdSchema, rotation.name, ["rotation", "name"]),
    order: parseOrThrow(AssigneesSchema, rotation.order, ["rotation", "order"]),
  };
}

/** The board's operations written once over a small "load and save one task" seam. */
function transitions(
  clock: Clock,
  update: (id: string, change: (task: TrackedTask) => TrackedTask) => Promise<TrackedTask>,
): Pick<TaskBoard, "assign" | "accept" | "complete" | "cancel"> {
  // Async, so a refused input rejects the promise like every other refusal (never throws synchronously).
  const run = async (id: string, actor: ActorInput, op: () => TaskOp) => {
    const taskId = edge.id(id);
    const a = edge.actor(actor);
    const parsed = op();
    return update(taskId, (t) => applyTaskOp(t, parsed, a, clock.now()));
  };
  return {
    assign: (id, assignees, actor) => run(id, actor, () => parseOp.assign(assignees)),
    accept: (id, actor) => run(id, actor, () => ({ op: "accept" })),
    complete: (id, completion, actor) => run(id, actor, () => parseOp.complete(completion)),
    cancel: (id, reason, actor) => run(id, actor, () => parseOp.cancel(reason)),
  };
}

function checkRead(task: TrackedTask | undefined, actor: Actor): TrackedTask {
  if (task === undefined) throw new ElderflowError("UNKNOWN_TASK", { path: ["id"] });
  if (!inScope(isDistrictActor(actor) ? null : actor.communities, task.communityId))
    throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communities"] });
  return task;
}

const DEFAULT_BY = "elderflow";

/**
 * A task board in memory (tests, the browser, short-lived tools).
 *
 * @example
 * ```ts
 * const board = memoryTaskBoard({ clock: systemClock() });
 * await board.add([{ id: "t1", kind: "birthday_visit", personId: "p1", communityId: "c1", due: "2027-05-01", assignees: [], details: {} }]);
 * await board.list({ id: "s1", roles: ["community_staff"], communities: ["c1"] }); // [t1], status "open"
 * ```
 */
export function memoryTaskBoard(options: TaskBoardOptions): TaskBoard {
  const { clock } = options;
  const tasks = new Map<string, TrackedTask>();
  const turns = new Map<string, number>();
  const select = (actor: ActorInput, f: TaskFilter) => {
    const scope = readScope(actor);
    const statuses = statusesOf(f);
    return [...tasks.values()]
      .filter(
        (t) =>
          (f.kind === undefined || t.kind === f.kind) &&
          (statuses === undefined || statuses.includes(t.status)) &&
          (f.dueBefore === undefined || t.due < f.dueBefore) &&
          inScope(scope, t.communityId),
      )
      .sort(byDueThenId);
  };
  return {
    async add(list, by = DEFAULT_BY) {
      let added = 0;
      const at = clock.now();
      for (const t of list) {
        if (tasks.has(t.id)) continue;
        tasks.set(t.id, tracked(t, by, at));
        added++;
      }
      return added;
    },
    async addInTurn(task, rotation, by = DEFAULT_BY) {
      const r = parseRotation(rotation);
      if (tasks.has(task.id)) return { added: false };
      const turn = turns.get(r.name) ?? 0;
      turns.set(r.name, turn + 1);
      const body = r.order[turn % r.order.length] as string;
      tasks.set(task.id, tracked({ ...task, assignees: [body] }, by, clock.now()));
      return { added: true };
    },
    async list(actor, filter) {
      return select(actor, edge.filter(filter));
    },
    async get(id, actor) {
      const a = edge.actor(actor);
      return checkRead(tasks.get(edge.id(id)), a);
    },
    async counts(actor) {
      const scope = readScope(actor);
      const c = EMPTY_COUNTS();
      for (const t of tasks.values()) if (inScope(scope, t.communityId)) c[t.kind]++;
      return c;
    },
    async overdue(actor, asOf) {
      return select(actor, edge.filter({ status: OPEN_TASK_STATUSES, dueBefore: asOf }));
    },
    async workload(actor) {
      const load: Record<string, number> = {};
      for (const t of select(actor, { status: OPEN_TASK_STATUSES }))
        for (const a of t.assignees) load[a] = (load[a] ?? 0) + 1;
      return load;
    },
    ...transitions(clock, async (id, change) => {
      const task = tasks.get(id);
      if (task === undefined) throw new ElderflowError("UNKNOWN_TASK", { path: ["id"] });
      const next = change(task);
      tasks.set(id, next);
      return next;
    }),
    async forget(personId) {
      let changed = 0;
      for (const [id, t] of tasks) {
        if (t.personId === personId) {
          tasks.delete(id);
          changed++;
          continue;
        }
        const s = scrubbed(t, personId);
        if (s !== null) {
          tasks.set(id, s);
          changed++;
        }
      }
      return changed;
    },
  };
}

const COLUMNS = `id, kind, person_id, community_id, to_char(due, 'YYYY-MM-DD') as due, assignees, details,
  status, history, outcome, evidence_id, cancel_reason`;

function toTask(r: Record<string, unknown>): TrackedTask {
  return {
    id: String(r.id),
    kind: r.kind as TaskKind,
    personId: String(r.person_id),
    ...(r.community_id === null ? {} : { communityId: String(r.community_id) }),
    due: String(r.due),
    assignees: r.assignees as string[],
    details: r.details as Task["details"],
    status: r.status as TaskStatus,
    history: r.history as TaskTransition[],
    ...(r.outcome === null ? {} : { outcome: r.outcome as TaskOutcome }),
    ...(r.evidence_id === null ? {} : { evidenceId: String(r.evidence_id) }),
    ...(r.cancel_reason === null ? {} : { cancelReason: r.cancel_reason as TaskCancelReason }),
  };
}

const toRow = (t: TrackedTask) => ({
  id: t.id,
  kind: t.kind,
  person_id: t.personId,
  community_id: t.communityId ?? null,
  due: t.due,
  assignees: t.assignees,
  details: t.details,
  status: t.status,
  history: t.history,
  outcome: t.outcome ?? null,
  evidence_id: t.evidenceId ?? null,
  cancel_reason: t.cancelReason ?? null,
});

const INSERT = `insert into elderflow_tasks
  (id, kind, person_id, community_id, due, assignees, details, status, history, outcome, evidence_id, cancel_reason)
  select * from jsonb_to_recordset($1::jsonb) as t(id text, kind text, person_id text, community_id text, due date,
    assignees jsonb, details jsonb, status text, history jsonb, outcome text, evidence_id text, cancel_reason text)
  on conflict (id) do nothing returning id`;

/** Which tasks a read answers: the filter, parsed, and the actor's scope (null: the whole district). */
interface TaskWhere {
  readonly kind: TaskKind | undefined;
  readonly scope: readonly string[] | null;
  readonly statuses: readonly TaskStatus[] | undefined;
  readonly dueBefore: IsoDate | undefined;
}

/**
 * What the SQL board asks of its database, written once per dialect (PostgreSQL and PGlite share
 * one, MySQL and MariaDB the other); the board's rules are written once over it in
 * {@link sqlTaskBoard}.
 */
interface TaskSql {
  /** Creates the tables, or upgrades them in place; safe to run again. */
  readonly schema: string;
  /** The options of every writing transaction. */
  readonly writes: TransactionOptions;
  /** Inserts the tasks whose id is new (at most 500 at once); returns how many went in. */
  insert(tx: SqlQueryable, tasks: readonly TrackedTask[]): Promise<number>;
  /** Takes a rotation's next turn; returns how many turns it has had, this one included. */
  takeTurn(tx: SqlQueryable, name: string): Promise<number>;
  /** The tasks that match, ordered by due date then id. */
  select(q: SqlQueryable, where: TaskWhere): Promise<TrackedTask[]>;
  /** One task, locked until the transaction ends when asked. */
  load(q: SqlQueryable, id: string, lock: boolean): Promise<TrackedTask | undefined>;
  /** How many tasks of each kind are in scope (kinds without tasks left out). */
  counts(q: SqlQueryable, scope: readonly string[] | null): Promise<Partial<Record<TaskKind, number>>>;
  /** Open tasks per assignee, in scope. */
  workload(q: SqlQueryable, scope: readonly string[] | null): Promise<Record<string, number>>;
  /** Writes a task's changing columns back. */
  save(tx: SqlQueryable, t: TrackedTask): Promise<void>;
  /** Deletes the tasks about a person; returns how many went. */
  drop(tx: SqlQueryable, personId: string): Promise<number>;
  /** The tasks that may name a person as assignee or actor (a superset: the shared scrub decides), locked. */
  mentioning(tx: SqlQueryable, personId: string): Promise<TrackedTask[]>;
}

const pgScope = (scope: readonly string[] | null) => (scope === null ? null : JSON.stringify(scope));

/** The values of a task's update, in the order of both dialects' `update` statements. */
function saveValues(t: TrackedTask): unknown[] {
  return [
    t.id,
    JSON.stringify(t.assignees),
    t.status,
    JSON.stringify(t.history),
    t.outcome ?? null,
    t.evidenceId ?? null,
    t.cancelReason ?? null,
  ];
}

/** PostgreSQL and PGlite: lists travel as one jsonb parameter. */
const PG_TASKS: TaskSql = {
  schema: `create table if not exists elderflow_tasks (
    id text primary key, kind text not null, person_id text not null, community_id text,
    due date not null, assignees jsonb not null, details jsonb not null);
  alter table elderflow_tasks add column if not exists status text;
  alter table elderflow_tasks add column if not exists history jsonb not null default '[]'::jsonb;
  alter table elderflow_tasks add column if not exists outcome text;
  alter table elderflow_tasks add column if not exists evidence_id text;
  alter table elderflow_tasks add column if not exists cancel_reason text;
  update elderflow_tasks set status = case when jsonb_array_length(assignees) > 0 then 'assigned' else 'open' end
    where status is null;
  create table if not exists elderflow_task_rotations (name text primary key, turns bigint not null)`,
  writes: {},
  async insert(tx, tasks) {
    const r = await tx.query<{ id: string }>(INSERT, [JSON.stringify(tasks.map(toRow))]);
    return r.rows.length;
  },
  async takeTurn(tx, name) {
    const turn = await tx.query<{ turns: string | number }>(
      `insert into elderflow_task_rotations (name, turns) values ($1, 1)
       on conflict (name) do update set turns = elderflow_task_rotations.turns + 1 returning turns`,
      [name],
    );
    return Number(turn.rows[0]?.turns ?? 1);
  },
  async select(q, w) {
    const r = await q.query<Record<string, unknown>>(
      `select ${COLUMNS} from elderflow_tasks
       where ($1::text is null or kind = $1) and ($2::jsonb is null or $2::jsonb ? community_id)
         and ($3::jsonb is null or $3::jsonb ? status) and ($4::date is null or due < $4::date)
       order by due, id`,
      [
        w.kind ?? null,
        pgScope(w.scope),
        w.statuses === undefined ? null : JSON.stringify(w.statuses),
        w.dueBefore ?? null,
      ],
    );
    return r.rows.map(toTask);
  },
  async load(q, id, lock) {
    const r = await q.query<Record<string, unknown>>(
      `select ${COLUMNS} from elderflow_tasks where id = $1${lock ? " for update" : ""}`,
      [id],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : toTask(row);
  },
  async counts(q, scope) {
    const r = await q.query<{ kind: TaskKind; n: string | number }>(
      `select kind, count(*) as n from elderflow_tasks
       where ($1::jsonb is null or $1::jsonb ? community_id) group by kind`,
      [pgScope(scope)],
    );
    return Object.fromEntries(r.rows.map((row) => [row.kind, Number(row.n)]));
  },
  async workload(q, scope) {
    const r = await q.query<{ assignee: string; n: string | number }>(
      `select a as assignee, count(*) as n from elderflow_tasks, jsonb_array_elements_text(assignees) as a
       where ($1::jsonb is null or $1::jsonb ? community_id) and $2::jsonb ? status
       group by a order by a`,
      [pgScope(scope), JSON.stringify(OPEN_TASK_STATUSES)],
    );
    return Object.fromEntries(r.rows.map((row) => [row.assignee, Number(row.n)]));
  },
  async save(tx, t) {
    await tx.query(
      `update elderflow_tasks set assignees = $2::jsonb, status = $3, history = $4::jsonb, outcome = $5,
         evidence_id = $6, cancel_reason = $7 where id = $1`,
      saveValues(t),
    );
  },
  async drop(tx, personId) {
    const dropped = await tx.query("delete from elderflow_tasks where person_id = $1 returning id", [personId]);
    return dropped.rows.length;
  },
  async mentioning(tx, personId) {
    const r = await tx.query<Record<string, unknown>>(
      // Locked, so that a transition committing meanwhile is not overwritten by the scrub.
      `select ${COLUMNS} from elderflow_tasks where assignees ? $1 or strpos(history::text, $2) > 0 order by id for update`,
      [personId, JSON.stringify(personId)],
    );
    return r.rows.map(toTask);
  },
};

const MYSQL_COLUMNS = `id, kind, person_id, community_id, date_format(due, '%Y-%m-%d') as due, assignees, details,
  status, history, outcome, evidence_id, cancel_reason`;

/** A MySQL row as a task: `varbinary` columns come back as bytes, JSON as the text it was written as. */
const fromMysql = (r: Record<string, unknown>): TrackedTask =>
  toTask({
    ...r,
    id: mysqlText(r.id),
    person_id: mysqlText(r.person_id),
    community_id: mysqlTextOrNull(r.community_id),
    evidence_id: mysqlTextOrNull(r.evidence_id),
    assignees: mysqlJson(r.assignees),
    details: mysqlJson(r.details),
    history: mysqlJson(r.history),
  });

/** The `where` of a MySQL read: `in (…)` lists built here in place of PostgreSQL's `jsonb ?`. */
function mysqlWhere(w: TaskWhere, p: ReturnType<typeof mysqlParams>): string {
  const parts: string[] = [];
  if (w.kind !== undefined) parts.push(`kind = ${p.add(w.kind)}`);
  if (w.scope !== null) parts.push(p.in("community_id", w.scope));
  if (w.statuses !== undefined) parts.push(p.in("status", w.statuses));
  if (w.dueBefore !== undefined) parts.push(`due < ${p.add(w.dueBefore)}`);
  return parts.length === 0 ? "" : `where ${parts.join(" and ")}`;
}

/**
 * MySQL 8 and MariaDB 10.6+. Ids (and the person and community they name) are `varbinary`, so they
 * compare byte for byte like PostgreSQL's text (utf8mb4_bin ignores trailing spaces); 800 bytes
 * hold the 200 characters of a key. Kinds, statuses and codes come from closed lists and stay
 * `varchar`. JSON is kept as text in `longtext`. Writes retry on a deadlock, which InnoDB may
 * declare when two writers insert the same new keys or create the same rotation row at once.
 */
const MYSQL_TASKS: TaskSql = {
  schema: `create table if not exists elderflow_tasks (
    id varbinary(800) primary key,
    kind varchar(64) not null,
    person_id varbinary(800) not null,
    community_id varbinary(800),
    due date not null,
    assignees longtext not null,
    details longtext not null,
    status varchar(16) not null,
    history longtext not null,
    outcome varchar(32),
    evidence_id varbinary(800),
    cancel_reason varchar(32),
    key elderflow_tasks_person (person_id),
    key elderflow_tasks_community (community_id, due)
  ) ${MYSQL_TABLE};
  create table if not exists elderflow_task_rotations (name varbinary(800) primary key, turns bigint not null)
    ${MYSQL_TABLE}`,
  writes: { retries: 3 },
  async insert(tx, tasks) {
    const v = mysqlValues(
      tasks.map((t) => [
        t.id,
        t.kind,
        t.personId,
        t.communityId ?? null,
        t.due,
        JSON.stringify(t.assignees),
        JSON.stringify(t.details),
        t.status,
        JSON.stringify(t.history),
        t.outcome ?? null,
        t.evidenceId ?? null,
        t.cancelReason ?? null,
      ]),
    );
    // `insert ignore` stands for `on conflict do nothing`: its count is the number of new tasks.
    const r = await tx.query(
      `insert ignore into elderflow_tasks
        (id, kind, person_id, community_id, due, assignees, details, status, history, outcome, evidence_id, cancel_reason)
       values ${v.list}`,
      v.params,
    );
    const inserted = r.rowCount ?? 0;
    await onlyDuplicatesIgnored(tx, tasks.length, inserted, ["tasks"]);
    return inserted;
  },
  async takeTurn(tx, name) {
    // No `returning`: the row stays locked by this transaction, so the select reads this turn.
    await tx.query(
      `insert into elderflow_task_rotations (name, turns) values ($1, 1)
       on duplicate key update turns = turns + 1`,
      [name],
    );
    const turn = await tx.query<{ turns: string | number }>(
      "select turns from elderflow_task_rotations where name = $1",
      [name],
    );
    return Number(turn.rows[0]?.turns ?? 1);
  },
  async select(q, w) {
    const p = mysqlParams();
    const r = await q.query<Record<string, unknown>>(
      `select ${MYSQL_COLUMNS} from elderflow_tasks ${mysqlWhere(w, p)} order by due, id`,
      p.values,
    );
    return r.rows.map(fromMysql);
  },
  async load(q, id, lock) {
    const r = await q.query<Record<string, unknown>>(
      `select ${MYSQL_COLUMNS} from elderflow_tasks where id = $1${lock ? " for update" : ""}`,
      [id],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : fromMysql(row);
  },
  async counts(q, scope) {
    const p = mysqlParams();
    const where = mysqlWhere({ kind: undefined, scope, statuses: undefined, dueBefore: undefined }, p);
    const r = await q.query<{ kind: unknown; n: string | number }>(
      `select kind, count(*) as n from elderflow_tasks ${where} group by kind`,
      p.values,
    );
    return Object.fromEntries(r.rows.map((row) => [mysqlText(row.kind), Number(row.n)]));
  },
  async workload(q, scope) {
    // No `jsonb_array_elements_text`: the assignee lists of the open tasks are counted here.
    const p = mysqlParams();
    const where = mysqlWhere({ kind: undefined, scope, statuses: OPEN_TASK_STATUSES, dueBefore: undefined }, p);
    const r = await q.query<{ assignees: unknown }>(`select assignees from elderflow_tasks ${where}`, p.values);
    const load = new Map<string, number>();
    for (const row of r.rows) for (const a of mysqlJson<string[]>(row.assignees)) load.set(a, (load.get(a) ?? 0) + 1);
    return Object.fromEntries([...load].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  },
  async save(tx, t) {
    await tx.query(
      `update elderflow_tasks set assignees = $2, status = $3, history = $4, outcome = $5,
         evidence_id = $6, cancel_reason = $7 where id = $1`,
      saveValues(t),
    );
  },
  async drop(tx, personId) {
    const r = await tx.query("delete from elderflow_tasks where person_id = $1", [personId]);
    return r.rowCount ?? 0;
  },
  async mentioning(tx, personId) {
    // The JSON text holds the id quoted as JSON.stringify wrote it; `for update` keeps a transition
    // from slipping in between this read and the scrub's write.
    const r = await tx.query<Record<string, unknown>>(
      `select ${MYSQL_COLUMNS} from elderflow_tasks where instr(assignees, $1) > 0 or instr(history, $1) > 0
       for update`,
      [JSON.stringify(personId)],
    );
    return r.rows.map(fromMysql);
  },
};

/**
 * A task board in the `elderflow_tasks` table of a PGlite, PostgreSQL, MySQL 8 or MariaDB 10.6+
 * database, with its rotations in `elderflow_task_rotations`; the tables follow `sql.dialect`. On
 * PostgreSQL a table from before task statuses is upgraded in place (its tasks become `assigned` or
 * `open`). Several processes may share one database: a transition locks its task's row, so of two
 * racing for one task, one wins and the other sees the new status.
 *
 * @example
 * ```ts
 * const board = await sqlTaskBoard(sqlFromPglite(new PGlite()), { clock: systemClock() });
 * ```
 */
export async function sqlTaskBoard(sql: SqlClient, options: TaskBoardOptions): Promise<TaskBoard> {
  const { clock } = options;
  const db = sql.dialect === "mysql" ? MYSQL_TASKS : PG_TASKS;
  await sql.exec(db.schema);
  const select = (actor: ActorInput, f: TaskFilter) =>
    db.select(sql, { kind: f.kind, scope: readScope(actor), statuses: statusesOf(f), dueBefore: f.dueBefore });
  return {
    async add(list, by = DEFAULT_BY) {
      if (list.length === 0) return 0;
      const at = clock.now();
      // Inserted in id order: two processes adding overlapping lists then take the key locks in the
      // same order, where in the order given they could deadlock (PostgreSQL and InnoDB alike).
      const ordered = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return sql.transaction(async (tx) => {
        let added = 0;
        for (let i = 0; i < ordered.length; i += 500)
          added += await db.insert(
            tx,
            ordered.slice(i, i + 500).map((t) => tracked(t, by, at)),
          );
        return added;
      }, db.writes);
    },
    async addInTurn(task, rotation, by = DEFAULT_BY) {
      const r = parseRotation(rotation);
      const at = clock.now();
      return sql.transaction(async (tx) => {
        // The insert comes first: a second delivery of the same cause waits on its key, then finds
        // it and leaves the turn alone.
        const inserted = await db.insert(tx, [tracked({ ...task, assignees: [] }, by, at)]);
        if (inserted === 0) return { added: false };
        const n = (await db.takeTurn(tx, r.name)) - 1;
        await db.save(tx, tracked({ ...task, assignees: [r.order[n % r.order.length] as string] }, by, at));
        return { added: true };
      }, db.writes);
    },
    list: async (actor, filter) => select(actor, edge.filter(filter)),
    async get(id, actor) {
      const a = edge.actor(actor);
      return checkRead(await db.load(sql, edge.id(id), false), a);
    },
    async counts(actor) {
      return { ...EMPTY_COUNTS(), ...(await db.counts(sql, readScope(actor))) };
    },
    overdue: async (actor, asOf) => select(actor, edge.filter({ status: OPEN_TASK_STATUSES, dueBefore: asOf })),
    workload: async (actor) => db.workload(sql, readScope(actor)),
    ...transitions(clock, (id, change) =>
      sql.transaction(async (tx) => {
        const task = await db.load(tx, id, true);
        if (task === undefined) throw new ElderflowError("UNKNOWN_TASK", { path: ["id"] });
        const next = change(task);
        await db.save(tx, next);
        return next;
      }, db.writes),
    ),
    async forget(personId) {
      return sql.transaction(async (tx) => {
        const dropped = await db.drop(tx, personId);
        // The text search only narrows the rows; the scrub itself is the one every store shares.
        let changed = 0;
        for (const task of await db.mentioning(tx, personId)) {
          const s = scrubbed(task, personId);
          if (s === null) continue;
          await db.save(tx, s);
          changed++;
        }
        return dropped + changed;
      }, db.writes);
    },
  };
}
