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
];
