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
