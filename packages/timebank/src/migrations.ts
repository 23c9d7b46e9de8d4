import type { Migration } from "@elderflow/core";

/**
 * The time bank's SQL schema, one versioned migration per change, shared by PGlite and PostgreSQL
 * and applied with core's `runMigrations(sql, "timebank", TIMEBANK_MIGRATIONS)`.
 *
 * - `timebank_head`: one row, the end of the hash chain; every writer locks it first (see
 *   docs/timebank.md, "Concurrency").
 * - `timebank_journal`: append-only (a trigger refuses UPDATE and DELETE), canonical JSON as text so
 *   that hashes survive the round trip.
 * - `timebank_accounts`: the four ledger totals per account, updated in the same transaction, so a
 *   balance is one primary-key read; a check constraint refuses a volunteer overdraft as a last line.
 * - `timebank_notes`: free-text reasons, outside the chain, erasable.
 * - version 2: what the journal needs to be provable. The head records the hash suite, and may
 *   only move forward onto the journal's last entry; TRUNCATE of the journal, head, accounts and
 *   erasures, and DELETE of the head, of account rows and of erasures, raise; `timebank_erasures`
 *   records erasures (ids and a count only).
 * - version 3: `timebank_checkpoints`, the bank's open state at a journal position (canonical
 *   JSON and its hash; the newest few are kept, see docs/timebank.md, "Checkpoints").
 *
 * @example
 * ```ts
 * await runMigrations(sql, "timebank", TIMEBANK_MIGRATIONS);
 * ```
 */
export const TIMEBANK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "ledger journal accounts notes",
    sql: `
create table timebank_head (
  id integer primary key check (id = 1),
  seq bigint not null,
  hash text not null
);
insert into timebank_head (id, seq, hash) values (1, 0, '${"0".repeat(64)}');
create table timebank_journal (
  seq bigint primary key,
  key text not null unique,
  fingerprint text not null,
  at text not null,
  command text,
  result text not null,
  prev_hash text not null,
  hash text not null
);
create table timebank_accounts (
  id text primary key,
  debits_pending bigint not null,
  debits_posted bigint not null,
  credits_pending bigint not null,
  credits_posted bigint not null,
  earned bigint not null,
  constraint timebank_no_overdraft check (id not like 'v:%' or credits_posted - debits_posted - debits_pending >= 0)
);
create table timebank_notes (
  key text primary key,
  text text not null
);
create function timebank_journal_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'timebank_journal is append-only';
end
$$;
create trigger timebank_journal_no_change before update or delete on timebank_journal
  for each row execute function timebank_journal_append_only();
`,
  },
  {
    version: 2,
    name: "provable journal: suite, guards against truncate and rewind, erasures",
    sql: `
alter table timebank_head add column suite text;
update timebank_head set suite = 'sha256' where seq > 0;
create table timebank_erasures (
  seq bigserial primary key,
  person text not null,
  actor text not null,
  at text not null,
  journal_length bigint not null,
  notes integer not null
);
create function timebank_refuse() returns trigger language plpgsql as $$
begin
  raise exception '% on % is refused: the time bank only grows', tg_op, tg_table_name;
end
$$;
create trigger timebank_journal_no_truncate before truncate on timebank_journal
  for each statement execute function timebank_refuse();
create trigger timebank_head_no_truncate before truncate on timebank_head
  for each statement execute function timebank_refuse();
create trigger timebank_head_no_delete before delete on timebank_head
  for each row execute function timebank_refuse();
create trigger timebank_accounts_no_truncate before truncate on timebank_accounts
  for each statement execute function timebank_refuse();
create trigger timebank_accounts_no_delete before delete on timebank_accounts
  for each row execute function timebank_refuse();
create trigger timebank_erasures_no_truncate before truncate on timebank_erasures
  for each statement execute function timebank_refuse();
create trigger timebank_erasures_no_change before update or delete on timebank_erasures
  for each row execute function timebank_refuse();
create function timebank_head_forward() returns trigger language plpgsql as $$
begin
  if new.seq < old.seq then
    raise exception 'timebank_head may not move back';
  end if;
  if new.seq > 0 and not exists (select 1 from timebank_journal j where j.seq = new.seq and j.hash = new.hash) then
    raise exception 'timebank_head must name the last journal entry';
  end if;
  if old.suite is not null and new.suite is distinct from old.suite then
    raise exception 'timebank_head suite may not change';
  end if;
  return new;
end
$$;
create trigger timebank_head_guard before update on timebank_head
  for each row execute function timebank_head_forward();
`,
  },
  {
    version: 3,
    name: "state checkpoints",
    sql: `
create table timebank_checkpoints (
  seq bigint primary key,
  head_hash text not null,
  suite text not null,
  hash text not null,
  body text not null
);
`,
  },
];

/** Every MySQL table: InnoDB (transactions, row locks, foreign keys), binary UTF-8. */
const MYSQL_TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";

/** A trigger that refuses the statement, the message worded as on PostgreSQL. */
const mysqlRefuse = (name: string, when: string, table: string, message: string) =>
  `create trigger if not exists ${name} ${when} on ${table} for each row begin signal sqlstate '45000' set message_text = '${message}'; end`;

/** Versions 1 to 3 of {@link TIMEBANK_MYSQL_MIGRATIONS}, statement by statement (trigger bodies hold semicolons). */
const MYSQL_V1 = [
  `create table if not exists timebank_head (
  id integer primary key,
  seq bigint not null,
  hash varchar(64) not null,
  suite varchar(32),
  constraint timebank_head_one check (id = 1)
) ${MYSQL_TABLE}`,
  `insert ignore into timebank_head (id, seq, hash) values (1, 0, '${"0".repeat(64)}')`,
  `create table if not exists timebank_journal (
  seq bigint primary key,
  \`key\` varbinary(800) not null,
  fingerprint varchar(64) not null,
  at varchar(64) not null,
  command longtext,
  result longtext not null,
  prev_hash varchar(64) not null,
  hash varchar(64) not null,
  constraint timebank_journal_key unique (\`key\`)
) ${MYSQL_TABLE}`,
  `create table if not exists timebank_accounts (
  id varchar(128) primary key,
  debits_pending bigint not null,
  debits_posted bigint not null,
  credits_pending bigint not null,
  credits_posted bigint not null,
  earned bigint not null,
  constraint timebank_no_overdraft check (id not like 'v:%' or credits_posted - debits_posted - debits_pending >= 0)
) ${MYSQL_TABLE}`,
  `create table if not exists timebank_notes (
  \`key\` varbinary(800) primary key,
  text longtext not null
) ${MYSQL_TABLE}`,
  mysqlRefuse("timebank_journal_no_update", "before update", "timebank_journal", "timebank_journal is append-only"),
  mysqlRefuse("timebank_journal_no_delete", "before delete", "timebank_journal", "timebank_journal is append-only"),
];

const MYSQL_V2 = [
  `create table if not exists timebank_erasures (
  seq bigint not null auto_increment primary key,
  person varchar(64) not null,
  actor varchar(64) not null,
  at varchar(64) not null,
  journal_length bigint not null,
  notes integer not null
) ${MYSQL_TABLE}`,
  // MySQL fires no trigger on TRUNCATE (nor DROP), but refuses both on a table that a foreign key
  // references: this always-empty table references each guarded one, and its constraint names
  // say why in the error message.
  `create table if not exists timebank_guard (
  journal_seq bigint,
  head_id integer,
  account_id varchar(128),
  erasure_seq bigint,
  constraint timebank_journal_truncate_refused foreign key (journal_seq) references timebank_journal (seq),
  constraint timebank_head_truncate_refused foreign key (head_id) references timebank_head (id),
  constraint timebank_accounts_truncate_refused foreign key (account_id) references timebank_accounts (id),
  constraint timebank_erasures_truncate_refused foreign key (erasure_seq) references timebank_erasures (seq),
  constraint timebank_guard_stays_empty check (1 = 0)
) ${MYSQL_TABLE}`,
  mysqlRefuse(
    "timebank_head_no_delete",
    "before delete",
    "timebank_head",
    "DELETE on timebank_head is refused: the time bank only grows",
  ),
  mysqlRefuse(
    "timebank_accounts_no_delete",
    "before delete",
    "timebank_accounts",
    "DELETE on timebank_accounts is refused: the time bank only grows",
  ),
  mysqlRefuse(
    "timebank_erasures_no_update",
    "before update",
    "timebank_erasures",
    "UPDATE on timebank_erasures is refused: the time bank only grows",
  ),
  mysqlRefuse(
    "timebank_erasures_no_delete",
    "before delete",
    "timebank_erasures",
    "DELETE on timebank_erasures is refused: the time bank only grows",
  ),
  `create trigger if not exists timebank_head_guard before update on timebank_head for each row begin
  if new.seq < old.seq then
    signal sqlstate '45000' set message_text = 'timebank_head may not move back';
  end if;
  if new.seq > 0 and not exists (select 1 from timebank_journal j where j.seq = new.seq and j.hash = new.hash) then
    signal sqlstate '45000' set message_text = 'timebank_head must name the last journal entry';
  end if;
  if old.suite is not null and not (new.suite <=> old.suite) then
    signal sqlstate '45000' set message_text = 'timebank_head suite may not change';
  end if;
end`,
];

const MYSQL_V3 = [
  `create table if not exists timebank_checkpoints (
  seq bigint primary key,
  head_hash varchar(64) not null,
  suite varchar(32) not null,
  hash varchar(64) not null,
  body longtext not null
) ${MYSQL_TABLE}`,
];

/**
 * The time bank's schema on the MySQL family (MariaDB 10.6+, MySQL 8.0.29+), the same versions and
 * meaning as {@link TIMEBANK_MIGRATIONS} under the same namespace; the SQL store picks one list by
 * dialect. Where it differs:
 *
 * - bounded `varchar` columns where PostgreSQL has `text` (ids 64 characters, account ids with
 *   their `v:`-style prefix 128, hashes and fingerprints 64 hex digits, suite names 32, instants
 *   64); the store refuses a longer string with a typed `TOO_BIG` before writing, so nothing is
 *   ever cut short; canonical JSON, reasons and checkpoint bodies are `longtext`;
 * - command keys (journal and notes) are `varbinary(800)` (a key is at most 200 UTF-16 units, so
 *   at most 600 bytes of UTF-8): `utf8mb4_bin` pads with spaces when it compares, so `"r1"` and
 *   `"r1 "` would collide in a unique index; bytes compare exactly on every server;
 * - the head has its `suite` column from version 1 (no MySQL store predates it);
 * - triggers are MySQL `BEGIN … SIGNAL … END` bodies, and since MySQL fires none on TRUNCATE, the
 *   always-empty `timebank_guard` table holds foreign keys to the journal, head, accounts and
 *   erasures, which makes the server refuse TRUNCATE and DROP of them;
 * - every statement can run again (`if not exists`, `insert ignore`): MySQL commits each DDL
 *   statement on its own and `runMigrations` resumes at the first one not recorded.
 *
 * @example
 * ```ts
 * await runMigrations(sqlFromMysqlPool(pool), "timebank", TIMEBANK_MYSQL_MIGRATIONS);
 * ```
 */
export const TIMEBANK_MYSQL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "ledger journal accounts notes", statements: MYSQL_V1, sql: MYSQL_V1.join(";\n") },
  {
    version: 2,
    name: "provable journal: suite, guards against truncate and rewind, erasures",
    statements: MYSQL_V2,
    sql: MYSQL_V2.join(";\n"),
  },
  { version: 3, name: "state checkpoints", statements: MYSQL_V3, sql: MYSQL_V3.join(";\n") },
];
