import type { IsoDate, SqlClient } from "@elderflow/core";

/** What a task asks someone to do. */
export type TaskKind = "birthday_visit" | "hospital_visit" | "holiday_visit" | "missed_contact_alert" | "cadence_alert";

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
  /** The cadre's community, when known. */
  readonly communityId?: string;
  /** The day it is due. */
  readonly due: IsoDate;
  /** Who does it: visiting bodies (hospital visits), the volunteer (alerts), or staff. */
  readonly assignees: readonly string[];
  /** Extra facts: age and calendar for birthdays, mode and rule for hospital visits, weeks for alerts. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** Where tasks are kept: memory, or a table in the same database as the time bank and workflows. */
export interface TaskBoard {
  /** Adds tasks; a task whose id is already there is left as it is. Returns how many were new. */
  add(tasks: readonly Task[]): Promise<number>;
  /** Every task, ordered by due date then id; optionally of one kind. */
  list(kind?: TaskKind): Promise<Task[]>;
  /** How many tasks of each kind. */
  counts(): Promise<Record<TaskKind, number>>;
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

/** A task board in memory (tests, the browser, short-lived tools). */
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
    async list(kind) {
      return [...tasks.values()].filter((t) => kind === undefined || t.kind === kind).sort(byDueThenId);
    },
    async counts() {
      const c = EMPTY_COUNTS();
      for (const t of tasks.values()) c[t.kind]++;
      return c;
    },
  };
}

/** A task board in the `elderflow_tasks` table of a PGlite or PostgreSQL database. */
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
    async list(kind) {
      const r = await sql.query<Record<string, unknown>>(
        `select id, kind, person_id, community_id, to_char(due, 'YYYY-MM-DD') as due, assignees, details
         from elderflow_tasks where ($1::text is null or kind = $1) order by due, id`,
        [kind ?? null],
      );
      return r.rows.map(toTask);
    },
    async counts() {
      const r = await sql.query<{ kind: TaskKind; n: string | number }>(
        "select kind, count(*) as n from elderflow_tasks group by kind",
      );
      const c = EMPTY_COUNTS();
      for (const row of r.rows) c[row.kind] = Number(row.n);
      return c;
    },
  };
}
