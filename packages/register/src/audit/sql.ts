/**
 * The access log on PGlite and PostgreSQL through core's `SqlClient`: one row per entry, one row per
 * (subject, entry) for the "who looked at" report, both written by one statement each in the
 * append's transaction, behind a one-row head that serialises appenders.
 */
import { type Migration, runMigrations, type SqlClient } from "@elderflow/core";
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

interface Row {
  entry: unknown;
}

function fromRow(row: Row): AccessEntry {
  return (typeof row.entry === "string" ? JSON.parse(row.entry) : row.entry) as AccessEntry;
}

/** Rows read at a time when streaming the log. */
const PAGE = 1_000;

/**
 * An access log store on SQL (PGlite or PostgreSQL). Runs the migrations first.
 *
 * @example
 * ```ts
 * const store = await sqlAccessLogStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlAccessLogStore(sql: SqlClient): Promise<AccessLogStore> {
  await runMigrations(sql, "access", ACCESS_MIGRATIONS);
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
            await tx.query(
              "insert into access_subjects (seq, subject) select * from unnest($1::bigint[], $2::text[])",
              [seqs, subjects],
            );
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
        `select seq, entry->>'hash' as hash from access_log
         where seq < coalesce((select min(seq) from access_log where at >= $1), 9223372036854775807)
         order by seq desc limit 1`,
        [cutoff],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
    },
    prune: (checkpoint) =>
      sql.transaction(async (tx) => {
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
