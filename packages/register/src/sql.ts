/**
 * The register on PGlite, PostgreSQL and the MySQL family: one append-only table of changes, one
 * table of enrolled ids (the lock and the uniqueness of an enrolment), through core's `SqlClient`.
 * PostgreSQL and PGlite run the same statements; `sql.dialect === "mysql"` branches only where its
 * SQL differs.
 */
import {
  type Clock,
  ElderflowError,
  type IsoDate,
  isUniqueViolation,
  type Migration,
  type RankScale,
  runMigrations,
  type SqlClient,
} from "@elderflow/core";
import type { RecordedChange } from "./changes";
import type { RegisterEncryption } from "./crypto/protect";
import {
  createNeedsRegister,
  NEEDS_MIGRATION,
  NEEDS_MYSQL_MIGRATION,
  type NeedsRegister,
  sqlNeedsStore,
} from "./needs";
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

const MYSQL_TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";

/** A trigger that refuses the statement, the message worded as on PostgreSQL. */
const mysqlRefuse = (op: "update" | "delete", table: string) =>
  `create trigger if not exists ${table}_no_${op} before ${op} on ${table} for each row begin signal sqlstate '45000' set message_text = '${op.toUpperCase()} on ${table} is refused: the register only grows'; end`;

/** Widths of the MySQL key columns, in bytes (ids are at most 64 ASCII characters by `ID_RULES`). */
const MYSQL_ID_BYTES = 64;
/** The blind index is a suite's HMAC as text (64 hex digits for the built-in suites). */
const MYSQL_INDEX_BYTES = 255;

/** Version 1 of {@link REGISTER_MYSQL_MIGRATIONS}, statement by statement (trigger bodies hold semicolons). */
const MYSQL_V1 = [
  `create table if not exists register_persons (
  id varbinary(${MYSQL_ID_BYTES}) primary key
) ${MYSQL_TABLE}`,
  `create table if not exists register_changes (
  seq bigint not null auto_increment primary key,
  person_id varbinary(${MYSQL_ID_BYTES}) not null,
  kind varchar(32) not null,
  effective date not null,
  recorded_at varchar(64) not null,
  actor varchar(${MYSQL_ID_BYTES}) not null,
  supersedes bigint,
  id_index varbinary(${MYSQL_INDEX_BYTES}),
  payload longtext not null,
  constraint register_changes_person_fk foreign key (person_id) references register_persons (id),
  constraint register_changes_payload_json check (json_valid(payload)),
  index register_changes_person (person_id, effective, seq),
  index register_changes_effective (effective, seq),
  index register_changes_supersedes (supersedes),
  index register_changes_id_index (id_index)
) ${MYSQL_TABLE}`,
  // MySQL fires no trigger on TRUNCATE (nor DROP), but refuses both on a table that a foreign key
  // references: this always-empty table references each guarded one, and its constraint names
  // say why in the error message.
  `create table if not exists register_guard (
  change_seq bigint,
  person_id varbinary(${MYSQL_ID_BYTES}),
  constraint register_changes_truncate_refused foreign key (change_seq) references register_changes (seq),
  constraint register_persons_truncate_refused foreign key (person_id) references register_persons (id),
  constraint register_guard_stays_empty check (1 = 0)
) ${MYSQL_TABLE}`,
  mysqlRefuse("update", "register_changes"),
  mysqlRefuse("delete", "register_changes"),
  mysqlRefuse("update", "register_persons"),
  mysqlRefuse("delete", "register_persons"),
];

/**
 * The register's schema on the MySQL family (MariaDB 10.6+, MySQL 8.0.29+): the same versions,
 * table names and meaning as {@link REGISTER_MIGRATIONS} under the same namespace `register`;
 * `sqlRegisterStore` picks one list by `sql.dialect`. Where it differs:
 *
 * - ids (persons, needs, communities) are `varbinary(64)`: `utf8mb4_bin` pads with spaces when
 *   it compares, so `"p1 "` would find `"p1"`; bytes compare exactly on every server;
 * - `seq` is `auto_increment`; `payload` is `longtext` holding the change's JSON (checked by
 *   `json_valid`), since MySQL's own `json` type reorders keys; `supersedes` and the blind index
 *   `id_index` are copied out of it when written, as `effective` and `person_id` are, since MySQL
 *   has neither `jsonb ?` nor partial indexes;
 * - the blind index column and its index are in version 1 (no MySQL register predates them), so
 *   version 3 has nothing left to do there;
 * - triggers are MySQL `BEGIN … SIGNAL … END` bodies, and since MySQL fires none on TRUNCATE, the
 *   always-empty `register_guard` table holds foreign keys to both tables, which makes the server
 *   refuse TRUNCATE and DROP of them;
 * - every statement can run again (`if not exists`): MySQL commits each DDL statement on its own
 *   and `runMigrations` resumes at the first one not recorded.
 *
 * @example
 * ```ts
 * await runMigrations(sqlFromMysqlPool(pool), "register", REGISTER_MYSQL_MIGRATIONS);
 * ```
 */
export const REGISTER_MYSQL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "persons and the append-only change log", statements: MYSQL_V1, sql: MYSQL_V1.join(";\n") },
  NEEDS_MYSQL_MIGRATION,
  { version: 3, name: "blind index of ID numbers", statements: [], sql: "" },
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

const utf8 = new TextEncoder();

/** Refuses, before any write, a value wider than its MySQL column (the register's schemas never produce one). */
function assertFitsMysql(value: string, maximum: number, path: string): void {
  if (utf8.encode(value).length > maximum)
    throw new ElderflowError("TOO_BIG", { path: [path], params: { maximum: String(maximum) } });
}

/**
 * A register store on SQL (PGlite, PostgreSQL or the MySQL family). Runs the migrations of the
 * client's dialect first ({@link REGISTER_MIGRATIONS} or {@link REGISTER_MYSQL_MIGRATIONS}). A
 * batch is one transaction (retried whole on a serialization failure or deadlock); every item is
 * checked against the state read in it before anything of the item is written.
 *
 * @example
 * ```ts
 * const store = await sqlRegisterStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlRegisterStore(sql: SqlClient): Promise<RegisterStore> {
  const mysql = sql.dialect === "mysql";
  await runMigrations(sql, "register", mysql ? REGISTER_MYSQL_MIGRATIONS : REGISTER_MIGRATIONS);
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
              if (!mysql) {
                const r = await tx.query(
                  "insert into register_persons (id) values ($1) on conflict do nothing returning id",
                  [personId],
                );
                return r.rows.length === 1;
              }
              // `insert ignore` would also turn a too-long id into a cut-short one; a duplicate key
              // ends only this statement on MySQL, not the transaction.
              assertFitsMysql(personId, MYSQL_ID_BYTES, "personId");
              try {
                await tx.query("insert into register_persons (id) values ($1)", [personId]);
                return true;
              } catch (error) {
                if (isUniqueViolation(error)) return false;
                throw error;
              }
            },
            async append(change, meta) {
              const payload = JSON.stringify(change);
              let seq: number;
              if (mysql) {
                const idIndex = (change as { idIndex?: unknown }).idIndex;
                assertFitsMysql(change.personId, MYSQL_ID_BYTES, "personId");
                assertFitsMysql(meta.by, MYSQL_ID_BYTES, "by");
                if (typeof idIndex === "string") assertFitsMysql(idIndex, MYSQL_INDEX_BYTES, "idIndex");
                const r = await tx.query(
                  `insert into register_changes (person_id, kind, effective, recorded_at, actor, supersedes, id_index, payload)
                   values ($1, $2, $3, $4, $5, $6, $7, $8)`,
                  [
                    change.personId,
                    change.kind,
                    change.effective,
                    meta.recordedAt,
                    meta.by,
                    change.supersedes ?? null,
                    typeof idIndex === "string" ? idIndex : null,
                    payload,
                  ],
                );
                seq = Number(r.insertId);
              } else {
                const r = await tx.query<{ seq: string | number }>(
                  `insert into register_changes (person_id, kind, effective, recorded_at, actor, payload)
                   values ($1, $2, $3::date, $4, $5, $6::jsonb) returning seq`,
                  [change.personId, change.kind, change.effective, meta.recordedAt, meta.by, payload],
                );
                seq = Number(r.rows[0]?.seq);
              }
              return { ...(JSON.parse(payload) as object), seq, ...meta } as RecordedChange;
            },
          }),
        { retries: 5 },
      ),
    async changesUpTo(asOf: IsoDate) {
      const r = await sql.query<ChangeRow>(
        mysql
          ? `${SELECT} where effective <= $1 or supersedes is not null order by effective, seq`
          : `${SELECT} where effective <= $1::date or payload ? 'supersedes' order by effective, seq`,
        [asOf],
      );
      return r.rows.map(fromRow);
    },
    async changesByIndex(index: string) {
      const r = await sql.query<ChangeRow>(
        mysql
          ? `${SELECT} where id_index = $1 order by seq`
          : `${SELECT} where payload ? 'idIndex' and payload ->> 'idIndex' = $1 order by seq`,
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
 * A register on PGlite, PostgreSQL or the MySQL family through core's `SqlClient`.
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
 * The needs register on PGlite, PostgreSQL or the MySQL family (the `register_needs` table of the
 * register's migrations of the client's dialect), sharing the client with the register if the
 * caller likes.
 *
 * @example
 * ```ts
 * const needs = await sqlNeedsRegister(sqlFromPglite(new PGlite()), { clock: systemClock() });
 * ```
 */
export async function sqlNeedsRegister(sql: SqlClient, options: { clock: Clock }): Promise<NeedsRegister> {
  return createNeedsRegister({
    clock: options.clock,
    store: await sqlNeedsStore(sql, sql.dialect === "mysql" ? REGISTER_MYSQL_MIGRATIONS : REGISTER_MIGRATIONS),
  });
}
