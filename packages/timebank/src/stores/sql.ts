/**
 * The one query module of the SQL stores: PGlite and PostgreSQL run the same statements; the
 * MySQL family (`sql.dialect === "mysql"`) branches only where its SQL differs, each branch
 * saying how.
 */
import {
  chunkMysqlRows,
  ElderflowError,
  mysqlValues,
  runMigrations,
  type SqlClient,
  type SqlQueryable,
} from "@elderflow/core";
import type { CheckpointInfo } from "../checkpoint";
import type { CommandResult } from "../commands";
import { entryTexts, type JournalEntry, storedTexts } from "../journal";
import { TIMEBANK_MIGRATIONS, TIMEBANK_MYSQL_MIGRATIONS } from "../migrations";
import type { AccountRow, KeyRecord } from "../state";
import { exclusiveTimeBankStore } from "./exclusive";
import { assertFitsMysql, assertFitsMysqlText, assertStorable, assertStorableText, MYSQL_WIDTHS } from "./storable";
import type { ErasureRecord, PreparedBatch, StoreHead, TimeBankStore } from "./types";

const JOURNAL_COLUMNS = "seq, key, fingerprint, at, command, result, prev_hash, hash";
/** `key` is a reserved word in MySQL. */
const MYSQL_JOURNAL_COLUMNS = "seq, `key`, fingerprint, at, command, result, prev_hash, hash";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A MySQL key column is `varbinary` (exact comparison): mysql2 returns its bytes. */
const textOf = (v: string | Uint8Array): string => (typeof v === "string" ? v : utf8.decode(v));

interface JournalRow {
  seq: string | number;
  key: string | Uint8Array;
  fingerprint: string;
  at: string;
  command: string | null;
  result: string;
  prev_hash: string;
  hash: string;
}

interface AccountDbRow {
  id: string;
  debits_pending: string | number;
  debits_posted: string | number;
  credits_pending: string | number;
  credits_posted: string | number;
  earned: string | number;
}

function toEntry(r: JournalRow): JournalEntry {
  const entry: JournalEntry = {
    seq: Number(r.seq),
    key: textOf(r.key),
    fingerprint: r.fingerprint,
    at: r.at,
    command: r.command === null ? null : (JSON.parse(r.command) as JournalEntry["command"]),
    result: JSON.parse(r.result) as CommandResult,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
  // The stored texts, so that a replay hashes them as they are before it serialises the parsed
  // values again (see `entryHashMatches`).
  storedTexts.set(entry, { command: r.command ?? "null", result: r.result });
  return entry;
}

interface ErasureDbRow {
  seq: string | number;
  person: string;
  actor: string;
  at: string;
  journal_length: string | number;
  notes: string | number;
}

function toAccount(r: AccountDbRow): AccountRow {
  return {
    id: r.id,
    debitsPending: Number(r.debits_pending),
    debitsPosted: Number(r.debits_posted),
    creditsPending: Number(r.credits_pending),
    creditsPosted: Number(r.credits_posted),
    earned: Number(r.earned),
  };
}

async function readJournalWith(
  q: SqlQueryable,
  mysql: boolean,
  afterSeq: number,
  limit?: number,
): Promise<JournalEntry[]> {
  const rows = await q.query<JournalRow>(
    `select ${mysql ? MYSQL_JOURNAL_COLUMNS : JOURNAL_COLUMNS} from timebank_journal where seq > $1 order by seq${limit === undefined ? "" : " limit $2"}`,
    limit === undefined ? [afterSeq] : [afterSeq, limit],
  );
  return rows.rows.map(toEntry);
}

interface HeadRow {
  seq: string | number;
  hash: string;
  suite: string | null;
}

const toHead = (r: HeadRow | undefined): StoreHead | undefined =>
  r === undefined ? undefined : { seq: Number(r.seq), hash: r.hash, suite: r.suite };

/** A missing head row: only tampering removes it (a trigger refuses DELETE and TRUNCATE). */
const headMissing = () => new ElderflowError("JOURNAL_TAMPERED", { params: { position: 0, table: "timebank_head" } });

async function writeBatch(tx: SqlQueryable, p: PreparedBatch<unknown>, suite: string): Promise<void> {
  assertStorable(p);
  if (p.entries.length > 0) {
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    for (const e of p.entries) {
      cols[0]?.push(e.seq);
      cols[1]?.push(e.key);
      cols[2]?.push(e.fingerprint);
      cols[3]?.push(e.at);
      const texts = entryTexts.get(e);
      cols[4]?.push(e.command === null ? null : (texts?.command ?? JSON.stringify(e.command)));
      cols[5]?.push(texts?.result ?? JSON.stringify(e.result));
      cols[6]?.push(e.prevHash);
      cols[7]?.push(e.hash);
    }
    await tx.query(
      `insert into timebank_journal (${JOURNAL_COLUMNS})
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      cols,
    );
    const last = p.entries[p.entries.length - 1] as JournalEntry;
    await tx.query("update timebank_head set seq = $1, hash = $2, suite = coalesce(suite, $3) where id = 1", [
      last.seq,
      last.hash,
      suite,
    ]);
  }
  if (p.accounts.length > 0) {
    // New accounts are inserted; existing ones updated in place (cheaper than an upsert, and the
    // count of updated rows proves that none was missing).
    const created = new Set(p.created);
    for (const fresh of [true, false]) {
      const rows = p.accounts.filter((a) => created.has(a.id) === fresh);
      if (rows.length === 0) continue;
      const cols = [
        rows.map((a) => a.id),
        rows.map((a) => a.debitsPending),
        rows.map((a) => a.debitsPosted),
        rows.map((a) => a.creditsPending),
        rows.map((a) => a.creditsPosted),
        rows.map((a) => a.earned),
      ];
      if (fresh) {
        await tx.query(
          `insert into timebank_accounts (id, debits_pending, debits_posted, credits_pending, credits_posted, earned)
           select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])`,
          cols,
        );
      } else {
        const updated = await tx.query(
          `update timebank_accounts a set debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp,
             credits_posted = u.cpo, earned = u.e
           from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) as u(id, dp, dpo, cp, cpo, e)
           where a.id = u.id returning 1`,
          cols,
        );
        if (updated.rows.length !== rows.length)
          throw new ElderflowError("INTERNAL", { params: { detail: "account row missing" } });
      }
    }
  }
  if (p.notes.length > 0) {
    await tx.query(
      "insert into timebank_notes (key, text) select * from unnest($1::text[], $2::text[]) on conflict (key) do nothing",
      [p.notes.map((n) => n.key), p.notes.map((n) => n.text)],
    );
  }
}

/** `$1, $2, …` for a MySQL `in (…)` list. */
const inList = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ");

const ACCOUNT_COLUMNS = "id, debits_pending, debits_posted, credits_pending, credits_posted, earned";
const accountValues = (a: AccountRow) => [
  a.id,
  a.debitsPending,
  a.debitsPosted,
  a.creditsPending,
  a.creditsPosted,
  a.earned,
];

/**
 * {@link writeBatch} on MySQL: multi-row `insert … values` instead of `unnest`; existing account
 * rows counted (under the head lock no writer adds or removes one) and then written with
 * `on duplicate key update`, as MySQL has no `update … from` over a list nor `returning`; notes
 * with `on duplicate key update` in place of `on conflict do nothing` (`insert ignore` would also
 * turn other errors into warnings).
 */
async function writeBatchMysql(tx: SqlQueryable, p: PreparedBatch<unknown>, suite: string): Promise<void> {
  assertStorable(p);
  assertFitsMysql(p, suite);
  if (p.entries.length > 0) {
    const rows = p.entries.map((e) => {
      const texts = entryTexts.get(e);
      return [
        e.seq,
        e.key,
        e.fingerprint,
        e.at,
        e.command === null ? null : (texts?.command ?? JSON.stringify(e.command)),
        texts?.result ?? JSON.stringify(e.result),
        e.prevHash,
        e.hash,
      ];
    });
    for (const part of chunkMysqlRows(rows, (r) => String(r[4] ?? "").length + String(r[5]).length)) {
      const v = mysqlValues(part);
      await tx.query(`insert into timebank_journal (${MYSQL_JOURNAL_COLUMNS}) values ${v.list}`, v.params);
    }
    const last = p.entries[p.entries.length - 1] as JournalEntry;
    await tx.query("update timebank_head set seq = $1, hash = $2, suite = coalesce(suite, $3) where id = 1", [
      last.seq,
      last.hash,
      suite,
    ]);
  }
  if (p.accounts.length > 0) {
    const created = new Set(p.created);
    for (const part of chunkMysqlRows(p.accounts.filter((a) => created.has(a.id)))) {
      const v = mysqlValues(part.map(accountValues));
      await tx.query(`insert into timebank_accounts (${ACCOUNT_COLUMNS}) values ${v.list}`, v.params);
    }
    for (const part of chunkMysqlRows(p.accounts.filter((a) => !created.has(a.id)))) {
      const found = await tx.query<{ n: number | string }>(
        `select count(*) as n from timebank_accounts where id in (${inList(part.length)})`,
        part.map((a) => a.id),
      );
      if (Number(found.rows[0]?.n) !== part.length)
        throw new ElderflowError("INTERNAL", { params: { detail: "account row missing" } });
      const v = mysqlValues(part.map(accountValues));
      await tx.query(
        `insert into timebank_accounts (${ACCOUNT_COLUMNS}) values ${v.list}
         on duplicate key update debits_pending = values(debits_pending), debits_posted = values(debits_posted),
           credits_pending = values(credits_pending), credits_posted = values(credits_posted), earned = values(earned)`,
        v.params,
      );
    }
  }
  for (const part of chunkMysqlRows(p.notes, (n) => n.text.length)) {
    const v = mysqlValues(part.map((n) => [n.key, n.text]));
    await tx.query(
      `insert into timebank_notes (\`key\`, text) values ${v.list} on duplicate key update \`key\` = \`key\``,
      v.params,
    );
  }
}

/** Options of the time bank's {@link sqlStore}. */
export interface SqlStoreOptions {
  /**
   * This process is the only writer of the tables (an embedded PGlite, which one process opens at
   * a time): inside a batch of a `batchingClient`, hold the batch's commits back and write them
   * together at its end (see {@link exclusiveTimeBankStore}). PostgreSQL dialects only; on MySQL
   * it is refused with `INVALID_INPUT`. Default false. Another writer on the same tables while it
   * is on is detected when a batch is written (the batch fails with `CONCURRENT_UPDATE`). Give
   * the batching client itself: a copy (`{ ...sql }`) has a fixed `inBatch` and never holds back.
   */
  readonly exclusive?: boolean;
}

/**
 * A time-bank store on any {@link SqlClient} (PGlite, PostgreSQL, or the MySQL family): same
 * tables, same statements where the dialects agree. Writers serialise on the single
 * `timebank_head` row (`select … for update`), which is the only lock taken before account rows,
 * so lock order is fixed and deadlock is impossible; a batch of many commands shares one
 * transaction and one fsync (group commit).
 *
 * On `mysql` the schema is {@link TIMEBANK_MYSQL_MIGRATIONS}, batches are written with multi-row
 * `insert … values` (no `unnest`, `returning` or `on conflict`), the snapshot read takes
 * `lock in share mode` (MariaDB has no `for share`), and a string longer than its column is
 * refused with `TOO_BIG` before anything is written.
 *
 * @example
 * ```ts
 * const store = sqlStore(sqlFromPglite(new PGlite()));
 * ```
 */
export function sqlStore(sql: SqlClient, options: SqlStoreOptions = {}): TimeBankStore {
  /** Closing twice is harmless (a bank that failed to open has closed its store already). */
  let closing: Promise<void> | undefined;
  const mysql = sql.dialect === "mysql";
  const keyColumn = mysql ? "`key`" : "key";
  const store: TimeBankStore = {
    kind: sql.dialect,
    async open() {
      await runMigrations(sql, "timebank", mysql ? TIMEBANK_MYSQL_MIGRATIONS : TIMEBANK_MIGRATIONS);
    },
    commit<T>(
      afterSeq: number,
      prepare: (missed: readonly JournalEntry[]) => PreparedBatch<T>,
      suite: string,
    ): Promise<T> {
      return sql.transaction(async (tx) => {
        const head = toHead(
          (await tx.query<HeadRow>("select seq, hash, suite from timebank_head where id = 1 for update")).rows[0],
        );
        if (head === undefined) throw headMissing();
        if (head.seq > 0 && head.suite !== null && head.suite !== suite)
          throw new ElderflowError("HASH_SUITE_MISMATCH", { params: { stored: head.suite, requested: suite } });
        const missed = head.seq > afterSeq ? await readJournalWith(tx, mysql, afterSeq) : [];
        const p = prepare(missed);
        await (mysql ? writeBatchMysql : writeBatch)(tx, p, suite);
        return p.value;
      });
    },
    async readAccountAt(id) {
      // One statement, one snapshot: the row and the head it belongs to.
      const r = await sql.query<Partial<AccountDbRow> & { head_seq: string | number }>(
        `select h.seq as head_seq, a.id, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, a.earned
         from timebank_head h left join timebank_accounts a on a.id = $1 where h.id = 1`,
        [id],
      );
      const row = r.rows[0];
      if (row === undefined) throw headMissing();
      return { seq: Number(row.head_seq), row: row.id == null ? undefined : toAccount(row as AccountDbRow) };
    },
    async readHead() {
      return toHead((await sql.query<HeadRow>("select seq, hash, suite from timebank_head where id = 1")).rows[0]);
    },
    async readSnapshot() {
      // Head and accounts must belong to the same journal position. On PostgreSQL one statement
      // reads both from one snapshot, without a lock, so it holds inside a read-committed batch and
      // runs on a hot standby (which refuses row locks). On MySQL the share lock waits for a writer
      // holding the head and keeps the next one out until the accounts are read.
      if (!mysql) {
        const r = await sql.query<
          Partial<AccountDbRow> & { head_seq: string | number; head_hash: string; head_suite: string | null }
        >(
          `select h.seq as head_seq, h.hash as head_hash, h.suite as head_suite, a.id, a.debits_pending, a.debits_posted,
                  a.credits_pending, a.credits_posted, a.earned
           from timebank_head h left join timebank_accounts a on true where h.id = 1`,
        );
        const first = r.rows[0];
        if (first === undefined) return { head: undefined, accounts: [] };
        const head = toHead({ seq: first.head_seq, hash: first.head_hash, suite: first.head_suite });
        return { head, accounts: r.rows.filter((row) => row.id != null).map((row) => toAccount(row as AccountDbRow)) };
      }
      return sql.transaction(async (tx) => {
        const head = toHead(
          (await tx.query<HeadRow>("select seq, hash, suite from timebank_head where id = 1 lock in share mode"))
            .rows[0],
        );
        const rows = await tx.query<AccountDbRow>(
          "select id, debits_pending, debits_posted, credits_pending, credits_posted, earned from timebank_accounts",
        );
        return { head, accounts: rows.rows.map(toAccount) };
      });
    },
    erase(afterSeq, plan) {
      return sql.transaction(async (tx) => {
        const head = toHead(
          (await tx.query<HeadRow>("select seq, hash, suite from timebank_head where id = 1 for update")).rows[0],
        );
        if (head === undefined) throw headMissing();
        const p = plan(head.seq > afterSeq ? await readJournalWith(tx, mysql, afterSeq) : []);
        const keys = [...new Set(p.keys)];
        assertStorableText([...keys, p.record.person, p.record.actor, p.record.at], "erasure");
        const r = p.record;
        if (mysql) {
          assertFitsMysqlText(
            [
              [r.person, MYSQL_WIDTHS.id],
              [r.actor, MYSQL_WIDTHS.id],
              [r.at, MYSQL_WIDTHS.at],
            ],
            "erasure",
          );
          // MySQL: the deleted rows are counted from the affected rows, the number from insertId.
          let removed = 0;
          for (const part of chunkMysqlRows(keys))
            removed +=
              (await tx.query(`delete from timebank_notes where ${keyColumn} in (${inList(part.length)})`, part))
                .rowCount ?? 0;
          const inserted = await tx.query(
            "insert into timebank_erasures (person, actor, at, journal_length, notes) values ($1, $2, $3, $4, $5)",
            [r.person, r.actor, r.at, r.journalLength, removed],
          );
          return { ...r, seq: Number(inserted.insertId), notes: removed };
        }
        const removed =
          keys.length === 0
            ? 0
            : (await tx.query("delete from timebank_notes where key = any($1::text[]) returning 1", [keys])).rows
                .length;
        const inserted = await tx.query<{ seq: string | number }>(
          "insert into timebank_erasures (person, actor, at, journal_length, notes) values ($1, $2, $3, $4, $5) returning seq",
          [r.person, r.actor, r.at, r.journalLength, removed],
        );
        return { ...r, seq: Number(inserted.rows[0]?.seq), notes: removed };
      });
    },
    async readErasures() {
      const rows = await sql.query<ErasureDbRow>(
        "select seq, person, actor, at, journal_length, notes from timebank_erasures order by seq",
      );
      return rows.rows.map(
        (r): ErasureRecord => ({
          seq: Number(r.seq),
          person: r.person,
          actor: r.actor,
          at: r.at,
          journalLength: Number(r.journal_length),
          notes: Number(r.notes),
        }),
      );
    },
    readJournal: (afterSeq, limit) => readJournalWith(sql, mysql, afterSeq, limit),
    async readAccount(id) {
      const r = await sql.query<AccountDbRow>(
        "select id, debits_pending, debits_posted, credits_pending, credits_posted, earned from timebank_accounts where id = $1",
        [id],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : toAccount(row);
    },
    async readNote(key) {
      const r = await sql.query<{ text: string }>(`select text from timebank_notes where ${keyColumn} = $1`, [key]);
      return r.rows[0]?.text;
    },
    close: () => {
      closing ??= sql.close();
      return closing;
    },
    writeCheckpoint(cp, keep) {
      return sql.transaction(async (tx) => {
        // Tied to the journal: only a checkpoint naming a committed entry's hash is stored.
        if (mysql) {
          // MySQL: no `on conflict … returning`, and `limit` is refused in an `in (…)` subquery
          // on the table being deleted from; the newest `keep` are found by their lowest seq.
          assertFitsMysqlText(
            [
              [cp.headHash, MYSQL_WIDTHS.hash],
              [cp.suite, MYSQL_WIDTHS.suite],
              [cp.hash, MYSQL_WIDTHS.hash],
            ],
            "checkpoint",
          );
          await tx.query(
            `insert into timebank_checkpoints (seq, head_hash, suite, hash, body)
             select $1, $2, $3, $4, $5 from dual
             where exists (select 1 from timebank_journal j where j.seq = $1 and j.hash = $2)
             on duplicate key update seq = timebank_checkpoints.seq`,
            [cp.seq, cp.headHash, cp.suite, cp.hash, cp.body],
          );
          const ok =
            (
              await tx.query("select 1 from timebank_checkpoints where seq = $1 and head_hash = $2", [
                cp.seq,
                cp.headHash,
              ])
            ).rows.length > 0;
          const oldest = await tx.query<{ seq: string | number }>(
            "select seq from timebank_checkpoints order by seq desc limit 1 offset $1",
            [Math.max(1, keep) - 1],
          );
          const floor = oldest.rows[0];
          if (floor !== undefined)
            await tx.query("delete from timebank_checkpoints where seq < $1", [Number(floor.seq)]);
          return ok;
        }
        const stored = await tx.query(
          `insert into timebank_checkpoints (seq, head_hash, suite, hash, body)
           select $1::bigint, $2::text, $3::text, $4::text, $5::text
           where exists (select 1 from timebank_journal j where j.seq = $1::bigint and j.hash = $2::text)
           on conflict (seq) do nothing returning 1`,
          [cp.seq, cp.headHash, cp.suite, cp.hash, cp.body],
        );
        const ok =
          stored.rows.length > 0 ||
          (
            await tx.query("select 1 from timebank_checkpoints where seq = $1 and head_hash = $2", [
              cp.seq,
              cp.headHash,
            ])
          ).rows.length > 0;
        await tx.query(
          "delete from timebank_checkpoints where seq not in (select seq from timebank_checkpoints order by seq desc limit $1)",
          [Math.max(1, keep)],
        );
        return ok;
      });
    },
    async readCheckpoints() {
      const rows = await sql.query<{ seq: string | number; head_hash: string; suite: string; hash: string }>(
        "select seq, head_hash, suite, hash from timebank_checkpoints order by seq desc",
      );
      return rows.rows.map(
        (r): CheckpointInfo => ({ seq: Number(r.seq), headHash: r.head_hash, suite: r.suite, hash: r.hash }),
      );
    },
    async readCheckpoint(seq) {
      const r = (
        await sql.query<{ seq: string | number; head_hash: string; suite: string; hash: string; body: string }>(
          "select seq, head_hash, suite, hash, body from timebank_checkpoints where seq = $1",
          [seq],
        )
      ).rows[0];
      return r === undefined
        ? undefined
        : { seq: Number(r.seq), headHash: r.head_hash, suite: r.suite, hash: r.hash, body: r.body };
    },
    async readKeys(keys) {
      if (keys.length === 0) return [];
      type KeyRow = { key: string | Uint8Array; fingerprint: string; result: string; command: string | null };
      const rows: KeyRow[] = [];
      if (mysql) {
        // MySQL: no arrays, so an `in (…)` list per few hundred keys.
        for (const part of chunkMysqlRows([...new Set(keys)]))
          rows.push(
            ...(
              await sql.query<KeyRow>(
                `select \`key\`, fingerprint, result, command from timebank_journal where \`key\` in (${inList(part.length)})`,
                part,
              )
            ).rows,
          );
      } else {
        const r = await sql.query<KeyRow>(
          "select key, fingerprint, result, command from timebank_journal where key = any($1::text[])",
          [[...new Set(keys)]],
        );
        rows.push(...r.rows);
      }
      return rows.map(
        (r): KeyRecord => ({
          key: textOf(r.key),
          fingerprint: r.fingerprint,
          result: JSON.parse(r.result) as CommandResult,
          actor: r.command === null ? undefined : (JSON.parse(r.command) as { actor?: string }).actor,
        }),
      );
    },
  };
  return options.exclusive === true ? exclusiveTimeBankStore(store, sql) : store;
}
