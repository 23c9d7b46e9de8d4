/**
 * The access log on PGlite, PostgreSQL and the MySQL family through core's `SqlClient`: one row per
 * entry, one row per (subject, entry) for the "who looked at" report, both written in the append's
 * transaction, behind a one-row head that serialises appenders.
 */
import {
  chunkMysqlRows,
  type Migration,
  mysqlValues,
  runMigrations,
  type SqlClient,
  type SqlQueryable,
} from "@elderflow/core";
import { ACCESS_GENESIS, type AccessCheckpoint, type AccessEntry, type AccessHead, type AccessLogStore } from "./log";

/**
 * The access log's SQL schema, applied with `runMigrations(sql, "access", ACCESS_MIGRATIONS)`.
 *
 * @example
 * ```ts
 * await runMigrations(sql, "access", ACCESS_MIGRATIONS);
 * ```
 */
export const ACCESS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "hash-chained access log with a subject index and a prune checkpoint",
    sql: `
create table access_head (
  id int primary key check (id = 1),
  seq bigint not null,
  hash text not null
);
insert into access_head (id, seq, hash) values (1, 0, '${ACCESS_GENESIS}');
create table access_log (
  seq bigint primary key,
  at text not null,
  actor text not null,
  entry jsonb not null
);
create table access_subjects (
  subject text not null,
  seq bigint not null references access_log (seq) on delete cascade,
  primary key (subject, seq)
);
create index access_subjects_seq on access_subjects (seq);
create table access_checkpoint (
  id int primary key check (id = 1),
  body jsonb not null
);
`,
  },
];

/** Every MySQL table: InnoDB (transactions, row locks, foreign keys), binary UTF-8. */
const MYSQL_TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";

/** A MySQL trigger that refuses every row of the statement. */
const mysqlRefuse = (op: "update" | "delete", table: string) =>
  `create trigger if not exists ${table}_no_${op} before ${op} on ${table} for each row begin
  signal sqlstate '45000' set message_text = '${op.toUpperCase()} on ${table} is refused: the access log only grows';
end`;

/** The pruned prefix's last seq, read from the checkpoint's JSON (0 before the first prune). */
const throughSeqOf = (body: string) => `cast(json_value(${body}, '$.throughSeq') as signed)`;

/** Version 1 of {@link ACCESS_MYSQL_MIGRATIONS}, statement by statement (trigger bodies hold semicolons). */
const MYSQL_V1 = [
  `create table if not exists access_head (
  id integer primary key,
  seq bigint not null,
  hash varchar(64) not null,
  constraint access_head_one check (id = 1)
) ${MYSQL_TABLE}`,
  `insert ignore into access_head (id, seq, hash) values (1, 0, '${ACCESS_GENESIS}')`,
  `create table if not exists access_log (
  seq bigint primary key,
  at varchar(64) not null,
  actor varchar(64) not null,
  entry longtext not null
) ${MYSQL_TABLE}`,
  `create table if not exists access_subjects (
  subject varchar(64) not null,
  seq bigint not null,
  primary key (subject, seq),
  index access_subjects_seq (seq),
  constraint access_subjects_entry foreign key (seq) references access_log (seq) on delete cascade
) ${MYSQL_TABLE}`,
  `create table if not exists access_checkpoint (
  id integer primary key,
  body longtext not null,
  constraint access_checkpoint_one check (id = 1)
) ${MYSQL_TABLE}`,
  // MySQL fires no trigger on TRUNCATE, but refuses TRUNCATE (and DROP) of a table that another
  // table's foreign key references: this one stays empty, and its constraints' names say why.
  `create table if not exists access_guard (
  log_seq bigint,
  subject varchar(64),
  subject_seq bigint,
  head_id integer,
  checkpoint_id integer,
  constraint access_log_truncate_refused foreign key (log_seq) references access_log (seq),
  constraint access_subjects_truncate_refused foreign key (subject, subject_seq) references access_subjects (subject, seq),
  constraint access_head_truncate_refused foreign key (head_id) references access_head (id),
  constraint access_checkpoint_truncate_refused foreign key (checkpoint_id) references access_checkpoint (id),
  constraint access_guard_stays_empty check (1 = 0)
) ${MYSQL_TABLE}`,
  mysqlRefuse("update", "access_log"),
  // A prune removes the prefix its checkpoint covers, and nothing else may go.
  `create trigger if not exists access_log_no_delete before delete on access_log for each row begin
  if old.seq > coalesce((select ${throughSeqOf("c.body")} from access_checkpoint c where c.id = 1), 0) then
    signal sqlstate '45000' set message_text = 'DELETE on access_log is refused: the access log only grows (a prune removes what its checkpoint covers)';
  end if;
end`,
  // Cascaded deletes fire no trigger in MySQL, so a prune still takes the subjects of what it removes.
  mysqlRefuse("update", "access_subjects"),
  mysqlRefuse("delete", "access_subjects"),
  mysqlRefuse("delete", "access_head"),
  `create trigger if not exists access_head_guard before update on access_head for each row begin
  if new.seq < old.seq then
    signal sqlstate '45000' set message_text = 'access_head may not move back';
  end if;
  if new.seq > 0 and not exists (select 1 from access_log l where l.seq = new.seq and json_value(l.entry, '$.hash') = new.hash) then
    signal sqlstate '45000' set message_text = 'access_head must name the last access_log entry';
  end if;
end`,
  mysqlRefuse("delete", "access_checkpoint"),
  `create trigger if not exists access_checkpoint_forward before update on access_checkpoint for each row begin
  if not (${throughSeqOf("new.body")} >= ${throughSeqOf("old.body")}) then
    signal sqlstate '45000' set message_text = 'access_checkpoint may not move back';
  end if;
end`,
];

/**
 * The access log's schema on the MySQL family (MariaDB 10.6+, MySQL 8.0.29+): the same version and
 * tables as {@link ACCESS_MIGRATIONS} under the same `access` namespace; {@link sqlAccessLogStore}
 * picks one list by `sql.dialect`. Where it differs:
 *
 * - bounded `varchar` columns where PostgreSQL has `text` (ids 64 characters, instants 64, hashes
 *   64 hex digits); ids cannot end in a space, so `utf8mb4_bin`'s padded comparison never merges
 *   two of them; entries and the checkpoint are `longtext` holding the exact JSON text written, so
 *   a hash-chained entry reads back character for character (MySQL's `json` type would reformat
 *   numbers and reorder keys);
 * - the tables are guarded, which the PostgreSQL schema leaves to the hash chain: `BEGIN … SIGNAL …
 *   END` triggers refuse UPDATE of entries and subjects, DELETE of subjects, head and checkpoint,
 *   DELETE of an entry past the checkpoint's `throughSeq` (a prune writes its checkpoint first),
 *   a head that moves back or names no stored entry, and a checkpoint that moves back; since
 *   MySQL fires no trigger on TRUNCATE, the always-empty `access_guard` holds foreign keys to all
 *   four tables, which makes the server refuse TRUNCATE and DROP of them;
 * - every statement can run again (`if not exists`, `insert ignore`): MySQL commits each DDL
 *   statement on its own and `runMigrations` resumes at the first one not recorded.
 *
 * @example
 * ```ts
 * await runMigrations(sqlFromMysqlPool(pool), "access", ACCESS_MYSQL_MIGRATIONS);
 * ```
 */
export const ACCESS_MYSQL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "hash-chained access log with a subject index and a prune checkpoint",
    statements: MYSQL_V1,
    sql: MYSQL_V1.join(";\n"),
  },
];

interface Row {
  entry: unknown;
}

function fromRow(row: Row): AccessEntry {
  return (typeof row.entry === "string" ? JSON.parse(row.entry) : row.entry) as AccessEntry;
}

/** Rows read at a time when streaming the log. */
const PAGE = 1_000;

/** Rows of one MySQL multi-row insert: up to 1,000 (entries are small), about 1M characters. */
const MYSQL_CHUNKS = { rows: 1_000, chars: 1_000_000 } as const;

/** The entries and their subject rows on PostgreSQL: one statement each, from JSON and arrays. */
async function writeEntriesPg(tx: SqlQueryable, made: readonly AccessEntry[]): Promise<void> {
  await tx.query(
    `insert into access_log (seq, at, actor, entry)
     select (e->>'seq')::bigint, e->>'at', e->>'actor', e from jsonb_array_elements($1::jsonb) as e`,
    [JSON.stringify(made)],
  );
  const seqs: number[] = [];
  const subjects: string[] = [];
  for (const e of made)
    for (const s of e.subjects) {
      seqs.push(e.seq);
      subjects.push(s);
    }
  if (subjects.length > 0)
    await tx.query("insert into access_subjects (seq, subject) select * from unnest($1::bigint[], $2::text[])", [
      seqs,
      subjects,
    ]);
}

/**
 * The entries and their subject rows on MySQL: multi-row `insert … values` in place of
 * `jsonb_array_elements` and `unnest`; each entry's JSON text is stored as written.
 */
async function writeEntriesMysql(tx: SqlQueryable, made: readonly AccessEntry[]): Promise<void> {
  const rows = made.map((e) => [e.seq, e.at, e.actor, JSON.stringify(e)] as const);
  for (const part of chunkMysqlRows(rows, (r) => r[3].length, MYSQL_CHUNKS)) {
    const v = mysqlValues(part);
    await tx.query(`insert into access_log (seq, at, actor, entry) values ${v.list}`, v.params);
  }
  const pairs = made.flatMap((e) => e.subjects.map((s) => [s, e.seq] as const));
  for (const part of chunkMysqlRows(pairs, undefined, MYSQL_CHUNKS)) {
    const v = mysqlValues(part);
    await tx.query(`insert into access_subjects (subject, seq) values ${v.list}`, v.params);
  }
}

/**
 * An access log store on SQL (PGlite, PostgreSQL, or the MySQL family). Runs the migrations first
 * ({@link ACCESS_MIGRATIONS}, or {@link ACCESS_MYSQL_MIGRATIONS} on a `mysql` client). On MySQL a
 * prune stores its checkpoint before it deletes, as the schema lets only a checkpointed prefix go.
 *
 * @example
 * ```ts
 * const store = await sqlAccessLogStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlAccessLogStore(sql: SqlClient): Promise<AccessLogStore> {
  const mysql = sql.dialect === "mysql";
  await runMigrations(sql, "access", mysql ? ACCESS_MYSQL_MIGRATIONS : ACCESS_MIGRATIONS);
  const hashOf = mysql ? "json_value(entry, '$.hash')" : "entry->>'hash'";
  return {
    append: (build) =>
      sql.transaction(
        async (tx) => {
          const h = await tx.query<{ seq: string | number; hash: string }>(
            "select seq, hash from access_head where id = 1 for update",
          );
          const row = h.rows[0];
          const head: AccessHead = { seq: Number(row?.seq ?? 0), hash: row?.hash ?? ACCESS_GENESIS };
          const made = await build(head);
          const last = made[made.length - 1];
          if (last === undefined) return made;
          await (mysql ? writeEntriesMysql : writeEntriesPg)(tx, made);
          await tx.query("update access_head set seq = $1, hash = $2 where id = 1", [last.seq, last.hash]);
          return made;
        },
        { retries: 5 },
      ),
    async *entries() {
      let after = -1;
      for (;;) {
        const r = await sql.query<Row & { seq: string | number }>(
          "select seq, entry from access_log where seq > $1 order by seq limit $2",
          [after, PAGE],
        );
        for (const row of r.rows) yield fromRow(row);
        const last = r.rows[r.rows.length - 1];
        if (last === undefined || r.rows.length < PAGE) return;
        after = Number(last.seq);
      }
    },
    async bySubject(subject, from, to) {
      const r = await sql.query<Row>(
        `select l.entry from access_subjects s join access_log l on l.seq = s.seq
         where s.subject = $1 and l.at >= $2 and l.at < $3 order by l.seq`,
        [subject, from, to],
      );
      return r.rows.map(fromRow);
    },
    async checkpoint() {
      const r = await sql.query<{ body: unknown }>("select body from access_checkpoint where id = 1");
      const b = r.rows[0]?.body;
      return b === undefined ? undefined : ((typeof b === "string" ? JSON.parse(b) : b) as AccessCheckpoint);
    },
    async prunable(cutoff) {
      // The longest prefix before the cutoff: up to the first entry at or after it.
      const r = await sql.query<{ seq: string | number; hash: string }>(
        `select seq, ${hashOf} as hash from access_log
         where seq < coalesce((select min(seq) from access_log where at >= $1), 9223372036854775807)
         order by seq desc limit 1`,
        [cutoff],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
    },
    prune: (checkpoint) =>
      sql.transaction(async (tx) => {
        if (mysql) {
          await tx.query(
            "insert into access_checkpoint (id, body) values (1, $1) on duplicate key update body = values(body)",
            [JSON.stringify(checkpoint)],
          );
          const d = await tx.query("delete from access_log where seq <= $1", [checkpoint.throughSeq]);
          return Number(d.rowCount ?? 0);
        }
        const r = await tx.query<{ n: string | number }>(
          "with d as (delete from access_log where seq <= $1 returning 1) select count(*) as n from d",
          [checkpoint.throughSeq],
        );
        await tx.query(
          `insert into access_checkpoint (id, body) values (1, $1::jsonb)
           on conflict (id) do update set body = excluded.body`,
          [JSON.stringify(checkpoint)],
        );
        return Number(r.rows[0]?.n ?? 0);
      }),
    close: () => sql.close(),
  };
}
