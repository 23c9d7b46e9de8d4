/**
 * The register on PGlite and PostgreSQL: one append-only table of changes, one table of enrolled
 * ids (the lock and the uniqueness of an enrolment), through core's `SqlClient`.
 */
import {
  type Clock,
  type IsoDate,
  type Migration,
  type RankScale,
  runMigrations,
  type SqlClient,
} from "@elderflow/core";
import type { RecordedChange } from "./changes";
import type { RegisterEncryption } from "./crypto/protect";
import { createNeedsRegister, NEEDS_MIGRATION, type NeedsRegister, sqlNeedsStore } from "./needs";
import { createRegister, type Register, type RegisterStore } from "./register";

/**
 * The register's SQL schema, applied with `runMigrations(sql, "register", REGISTER_MIGRATIONS)`.
 *
 * - `register_persons`: one row per enrolled id. An enrolment inserts it (`on conflict do
 *   nothing`), so of two concurrent enrolments of one id exactly one wins; every other change
 *   locks it (`for update`), so two writers of one person take turns.
 * - `register_changes`: the log, append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
 *   `payload` is the change as JSON (jsonb); `effective` and `person_id` are copied out of it for
 *   the as-of and per-person reads; `seq` is an identity, the order of recording.
 *
 * @example
 * ```ts
 * await runMigrations(sql, "register", REGISTER_MIGRATIONS);
 * ```
 */
export const REGISTER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "persons and the append-only change log",
    sql: `
create table register_persons (
  id text primary key
);
create table register_changes (
  seq bigint generated always as identity primary key,
  person_id text not null references register_persons (id),
  kind text not null,
  effective date not null,
  recorded_at text not null,
  actor text not null,
  payload jsonb not null
);
create index register_changes_person on register_changes (person_id, effective, seq);
create index register_changes_effective on register_changes (effective, seq);
create function register_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% on % is refused: the register only grows', tg_op, tg_table_name;
end
$$;
create trigger register_changes_no_change before update or delete on register_changes
  for each row execute function register_append_only();
create trigger register_changes_no_truncate before truncate on register_changes
  for each statement execute function register_append_only();
create trigger register_persons_no_change before update or delete on register_persons
  for each row execute function register_append_only();
`,
  },
  NEEDS_MIGRATION,
  {
    version: 3,
    name: "blind index of ID numbers",
    sql: `
create index register_changes_id_index on register_changes ((payload ->> 'idIndex')) where payload ? 'idIndex';
`,
  },
];

interface ChangeRow {
  seq: string | number;
  recorded_at: string;
  actor: string;
  payload: unknown;
}

function fromRow(row: ChangeRow): RecordedChange {
  const payload = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as object;
  return { ...payload, seq: Number(row.seq), recordedAt: row.recorded_at, by: row.actor } as RecordedChange;
}

const SELECT = "select seq, recorded_at, actor, payload from register_changes";

/**
 * A register store on SQL (PGlite or PostgreSQL). Runs the migrations first. A batch is one
 * transaction (retried whole on a serialization failure or deadlock); every item is checked
 * against the state read in it before anything of the item is written.
 *
 * @example
 * ```ts
 * const store = await sqlRegisterStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlRegisterStore(sql: SqlClient): Promise<RegisterStore> {
  await runMigrations(sql, "register", REGISTER_MIGRATIONS);
  return {
    batch: (fn) =>
      sql.transaction(
        (tx) =>
          fn({
            async lock(personId) {
              await tx.query("select id from register_persons where id = $1 for update", [personId]);
              const r = await tx.query<ChangeRow>(`${SELECT} where person_id = $1 order by seq`, [personId]);
              return r.rows.map(fromRow);
            },
            async claim(personId) {
              const r = await tx.query(
                "insert into register_persons (id) values ($1) on conflict do nothing returning id",
                [personId],
              );
              return r.rows.length === 1;
            },
            async append(change, meta) {
              const r = await tx.query<{ seq: string | number }>(
                `insert into register_changes (person_id, kind, effective, recorded_at, actor, payload)
                 values ($1, $2, $3::date, $4, $5, $6::jsonb) returning seq`,
                [change.personId, change.kind, change.effective, meta.recordedAt, meta.by, JSON.stringify(change)],
              );
              const seq = Number(r.rows[0]?.seq);
              return { ...(JSON.parse(JSON.stringify(change)) as object), seq, ...meta } as RecordedChange;
            },
          }),
        { retries: 5 },
      ),
    async changesUpTo(asOf: IsoDate) {
      const r = await sql.query<ChangeRow>(
        `${SELECT} where effective <= $1::date or payload ? 'supersedes' order by effective, seq`,
        [asOf],
      );
      return r.rows.map(fromRow);
    },
    async changesByIndex(index: string) {
      const r = await sql.query<ChangeRow>(
        `${SELECT} where payload ? 'idIndex' and payload ->> 'idIndex' = $1 order by seq`,
        [index],
      );
      return r.rows.map(fromRow);
    },
    async changesOf(personId: string) {
      const r = await sql.query<ChangeRow>(`${SELECT} where person_id = $1 order by seq`, [personId]);
      return r.rows.map(fromRow);
    },
    close: () => sql.close(),
  };
}

/**
 * A register on PGlite or PostgreSQL through core's `SqlClient`.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * const register = await sqlRegister(sqlFromPglite(new PGlite()), { clock: systemClock() });
 * ```
 */
export async function sqlRegister(
  sql: SqlClient,
  options: { clock: Clock; scale?: RankScale; encryption?: RegisterEncryption },
): Promise<Register> {
  return createRegister({ ...options, store: await sqlRegisterStore(sql) });
}

/**
 * The needs register on PGlite or PostgreSQL (the `register_needs` table of the register's
 * migrations), sharing the client with the register if the caller likes.
 *
 * @example
 * ```ts
 * const needs = await sqlNeedsRegister(sqlFromPglite(new PGlite()), { clock: systemClock() });
 * ```
 */
export async function sqlNeedsRegister(sql: SqlClient, options: { clock: Clock }): Promise<NeedsRegister> {
  return createNeedsRegister({ clock: options.clock, store: await sqlNeedsStore(sql, REGISTER_MIGRATIONS) });
}
