import { Actor, type ActorInput, type IsoDate, isDistrictActor, parseOrThrow, type SqlClient } from "@elderflow/core";

/** What a task asks someone to do. */
export type TaskKind = "birthday_visit" | "hospital_visit" | "holiday_visit" | "missed_contact_alert" | "cadence_alert";

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
 * A visit or alert produced by the wiring: ids only, never names or other personal data, so that the
 * task list can be exported and shown on a board.
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

/**
 * Where tasks are kept: memory, or a table in the same database as the time bank and workflows.
 * Reads take the actor and answer only the tasks of the communities it reaches (the district's
 * bodies, `bureau`, `department` and `system`, see every task).
 */
export interface TaskBoard {
  /** Adds tasks; a task whose id is already there is left as it is. Returns how many were new. */
  add(tasks: readonly Task[]): Promise<number>;
  /** The tasks the actor reaches, ordered by due date then id; optionally of one kind. */
  list(actor: ActorInput, kind?: TaskKind): Promise<Task[]>;
  /** How many tasks of each kind the actor reaches. */
  counts(actor: ActorInput): Promise<Record<TaskKind, number>>;
  /**
   * Erasure: drops the tasks about a person and replaces the person's id in assignee lists by
   * {@link ERASED_ID}. Returns how many tasks changed or went.
   */
  forget(personId: string): Promise<number>;
}

const EMPTY_COUNTS = (): Record<TaskKind, number> => ({
  birthday_visit: 0,
  hospital_visit: 0,
  holiday_visit: 0,
  missed_contact_alert: 0,
  cadence_alert: 0,
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

/**
 * A task board in memory (tests, the browser, short-lived tools).
 *
 * @example
 * ```ts
 * const board = memoryTaskBoard();
 * await board.add([{ id: "t1", kind: "birthday_visit", personId: "p1", communityId: "c1", due: "2027-05-01", assignees: [], details: {} }]);
 * await board.list({ id: "s1", roles: ["community_staff"], communities: ["c1"] }); // [t1]
 * ```
 */
export function memoryTaskBoard(): TaskBoard {
  const tasks = new Map<string, Task>();
  return {
    async add(list) {
      let added = 0;
      for (const t of list) {
        if (tasks.has(t.id)) continue;
        tasks.set(t.id, t);
        added++;
      }
      return added;
    },
    async list(actor, kind) {
      const scope = readScope(actor);
      return [...tasks.values()]
        .filter((t) => (kind === undefined || t.kind === kind) && inScope(scope, t.communityId))
        .sort(byDueThenId);
    },
    async counts(actor) {
      const scope = readScope(actor);
      const c = EMPTY_COUNTS();
      for (const t of tasks.values()) if (inScope(scope, t.communityId)) c[t.kind]++;
      return c;
    },
    async forget(personId) {
      let changed = 0;
      for (const [id, t] of tasks) {
        if (t.personId === personId) {
          tasks.delete(id);
          changed++;
        } else if (t.assignees.includes(personId)) {
          tasks.set(id, { ...t, assignees: t.assignees.map((a) => (a === personId ? ERASED_ID : a)) });
          changed++;
        }
      }
      return changed;
    },
  };
}

/**
 * A task board in the `elderflow_tasks` table of a PGlite or PostgreSQL database.
 *
 * @example
 * ```ts
 * const board = await sqlTaskBoard(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlTaskBoard(sql: SqlClient): Promise<TaskBoard> {
  await sql.exec(`create table if not exists elderflow_tasks (
    id text primary key, kind text not null, person_id text not null, community_id text,
    due date not null, assignees jsonb not null, details jsonb not null)`);
  const toTask = (r: Record<string, unknown>): Task => ({
    id: String(r.id),
    kind: r.kind as TaskKind,
    personId: String(r.person_id),
    ...(r.community_id === null ? {} : { communityId: String(r.community_id) }),
    due: String(r.due),
    assignees: r.assignees as string[],
    details: r.details as Task["details"],
  });
  return {
    async add(list) {
      if (list.length === 0) return 0;
      return sql.transaction(async (tx) => {
        let added = 0;
        for (let i = 0; i < list.length; i += 500) {
          const chunk = list.slice(i, i + 500);
          const r = await tx.query<{ id: string }>(
            `insert into elderflow_tasks (id, kind, person_id, community_id, due, assignees, details)
             select * from jsonb_to_recordset($1::jsonb) as t(id text, kind text, person_id text, community_id text, due date, assignees jsonb, details jsonb)
             on conflict (id) do nothing returning id`,
            [
              JSON.stringify(
                chunk.map((t) => ({
                  id: t.id,
                  kind: t.kind,
                  person_id: t.personId,
                  community_id: t.communityId ?? null,
                  due: t.due,
                  assignees: t.assignees,
                  details: t.details,
                })),
              ),
            ],
          );
          added += r.rows.length;
        }
        return added;
      });
    },
    async list(actor, kind) {
      const scope = readScope(actor);
      const r = await sql.query<Record<string, unknown>>(
        `select id, kind, person_id, community_id, to_char(due, 'YYYY-MM-DD') as due, assignees, details
         from elderflow_tasks
         where ($1::text is null or kind = $1) and ($2::jsonb is null or $2::jsonb ? community_id)
         order by due, id`,
        [kind ?? null, scope === null ? null : JSON.stringify(scope)],
      );
      return r.rows.map(toTask);
    },
    async counts(actor) {
      const scope = readScope(actor);
      const r = await sql.query<{ kind: TaskKind; n: string | number }>(
        `select kind, count(*) as n from elderflow_tasks
         where ($1::jsonb is null or $1::jsonb ? community_id) group by kind`,
        [scope === null ? null : JSON.stringify(scope)],
      );
      const c = EMPTY_COUNTS();
      for (const row of r.rows) c[row.kind] = Number(row.n);
      return c;
    },
    async forget(personId) {
      return sql.transaction(async (tx) => {
        const dropped = await tx.query("delete from elderflow_tasks where person_id = $1 returning id", [personId]);
        const changed = await tx.query(
          `update elderflow_tasks set assignees = (
             select jsonb_agg(case when a = to_jsonb($1::text) then to_jsonb($2::text) else a end)
             from jsonb_array_elements(assignees) as a)
           where assignees ? $1 returning id`,
          [personId, ERASED_ID],
        );
        return dropped.rows.length + changed.rows.length;
      });
    },
  };
}
