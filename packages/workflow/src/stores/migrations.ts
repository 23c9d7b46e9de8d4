import type { Migration } from "@elderflow/core";

/** The columns of `wf_instances` after its id, as version 1 creates them (shared by both layouts). */
export const INSTANCE_COLUMNS = `  machine text not null,
  machine_version integer not null,
  version integer not null,
  state text not null,
  status text not null,
  community_id text not null,
  priority integer not null default 0,
  snapshot jsonb not null,
  created_at bigint not null,
  updated_at bigint not null`;

/** The columns of `wf_events` from `instance_id` on, as version 1 creates them (shared by both layouts). */
export const EVENT_COLUMNS = `  instance_id text not null,
  seq integer not null,
  event_id text not null,
  type text not null,
  actor_id text not null,
  role text not null,
  org_id text,
  at bigint not null,
  payload jsonb not null,
  from_state text,
  to_state text not null,
  machine_version integer not null,`;

/** The names of the columns a column definition list declares, in order, comma-separated. */
const namesOf = (columns: string): string =>
  columns
    .split("\n")
    .map((line) => line.trim().split(" ")[0] as string)
    .filter((name) => name !== "")
    .join(", ");

/** Every column of `wf_instances`, id first, as an insert or select lists them. */
export const INSTANCE_COLUMN_LIST = `id, ${namesOf(INSTANCE_COLUMNS)}`;

/** The columns of `wf_events` that {@link EVENT_COLUMNS} declares (without the partition key). */
export const EVENT_COLUMN_LIST = namesOf(EVENT_COLUMNS);

/** The outbox table and its index of pending items, as version 1 creates them (shared by both layouts). */
export const outboxTable = (S: string): string => `create table if not exists ${S}.wf_outbox (
  n bigserial primary key,
  id text not null unique,
  instance_id text not null,
  machine text not null,
  type text not null,
  payload jsonb not null,
  at bigint not null,
  delivered boolean not null default false
);
create index if not exists wf_outbox_pending on ${S}.wf_outbox (n) where not delivered;
`;

/**
 * The workflow tables, versioned. `S` is the schema (validated as a plain identifier before use).
 * Times are epoch milliseconds (bigint) so that every store and the clock agree exactly.
 *
 * @example
 * ```ts
 * await runMigrations(client, "workflow", workflowMigrations("public"));
 * ```
 */
export function workflowMigrations(schema: string): Migration[] {
  const S = schema;
  return [
    {
      version: 1,
      name: "init",
      sql: `
create schema if not exists ${S};
create table if not exists ${S}.wf_instances (
  id text primary key,
${INSTANCE_COLUMNS}
);
create index if not exists wf_instances_machine_state on ${S}.wf_instances (machine, state);
create index if not exists wf_instances_community on ${S}.wf_instances (community_id, priority desc, created_at);
create table if not exists ${S}.wf_events (
${EVENT_COLUMNS}
  primary key (instance_id, seq),
  unique (instance_id, event_id)
);
create table if not exists ${S}.wf_timers (
  instance_id text not null,
  timer_id text not null,
  fire_at bigint not null,
  event jsonb not null,
  primary key (instance_id, timer_id)
);
create index if not exists wf_timers_due on ${S}.wf_timers (fire_at);
${outboxTable(S)}`,
    },
    {
      version: 2,
      name: "instances by person",
      // Finding everything open for a person (a death, a move) reads this index, not every row.
      sql: `create index if not exists wf_instances_person on ${S}.wf_instances ((snapshot->'context'->>'personId'));`,
    },
    {
      version: 3,
      name: "hot updates",
      // Every event rewrites its instance row. PostgreSQL can update a row in place (a HOT update:
      // no new index entries, less WAL) only when no indexed column changes and the page has room.
      // The state and the snapshot change on nearly every event, so the indexes on (machine, state)
      // and on an expression of the snapshot blocked it: the person moves to a stored generated
      // column (unchanged by most events, so HOT still applies) and lists by state filter the
      // machine's rows. Fill factors leave room on each page for the new row versions.
      sql: `
alter table ${S}.wf_instances add column if not exists person_id text
  generated always as (snapshot->'context'->>'personId') stored;
create index if not exists wf_instances_person_id on ${S}.wf_instances (person_id);
drop index if exists ${S}.wf_instances_person;
create index if not exists wf_instances_machine on ${S}.wf_instances (machine);
drop index if exists ${S}.wf_instances_machine_state;
alter table ${S}.wf_instances set (fillfactor = 70);
alter table ${S}.wf_timers set (fillfactor = 80);
`,
    },
    {
      version: 4,
      name: "timer claims",
      // Several processes firing timers on one database claim due timers in bulk (for update skip
      // locked) under a lease: a claimed timer is skipped by the others until its lease ends.
      sql: `
alter table ${S}.wf_timers add column if not exists claimed_by text;
alter table ${S}.wf_timers add column if not exists claimed_until bigint;
`,
    },
  ];
}

/**
 * The workflow tables on the MySQL family (MySQL 8, MariaDB 10.6+, TiDB). `S` is a database name
 * (validated as a plain identifier) or `"public"`, which means the connection's own database.
 * A MySQL database starts directly at the shape PostgreSQL reached at its version 3: the person of
 * an instance is a stored generated column (strings only, up to 255 characters: PostgreSQL's
 * `->>` would also match a number's text), indexes are declared inside `create table if not
 * exists` (MySQL 8 has no `create index if not exists`), JSON is `longtext`, the outbox's pending
 * index is `(delivered, n)` (no partial indexes), and every table is InnoDB, utf8mb4, binary
 * collation so ids compare exactly. Each statement can run again, as MySQL commits DDL implicitly.
 *
 * @example
 * ```ts
 * await runMigrations(mysqlClient, "workflow", workflowMysqlMigrations("public"));
 * ```
 */
export function workflowMysqlMigrations(schema: string): Migration[] {
  const q = schema === "public" ? "" : `\`${schema}\`.`;
  const TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";
  const person = "json_extract(snapshot, '$.context.personId')";
  const statements = [
    ...(schema === "public"
      ? []
      : [`create database if not exists \`${schema}\` character set utf8mb4 collate utf8mb4_bin`]),
    `create table if not exists ${q}wf_instances (
  id varchar(255) not null primary key,
  machine varchar(255) not null,
  machine_version integer not null,
  version integer not null,
  state varchar(512) not null,
  status varchar(64) not null,
  community_id varchar(255) not null,
  priority integer not null default 0,
  snapshot longtext not null,
  created_at bigint not null,
  updated_at bigint not null,
  person_id varchar(255) as (if(json_type(${person}) = 'STRING' and char_length(json_unquote(${person})) <= 255,
    json_unquote(${person}), null)) stored,
  index wf_instances_machine (machine),
  index wf_instances_community (community_id, priority, created_at),
  index wf_instances_person_id (person_id)
) ${TABLE}`,
    `create table if not exists ${q}wf_events (
  instance_id varchar(255) not null,
  seq integer not null,
  event_id varchar(255) not null,
  type varchar(255) not null,
  actor_id varchar(255) not null,
  role varchar(64) not null,
  org_id varchar(255),
  at bigint not null,
  payload longtext not null,
  from_state varchar(512),
  to_state varchar(512) not null,
  machine_version integer not null,
  primary key (instance_id, seq),
  unique key wf_events_event_id (instance_id, event_id)
) ${TABLE}`,
    `create table if not exists ${q}wf_timers (
  instance_id varchar(255) not null,
  timer_id varchar(255) not null,
  fire_at bigint not null,
  event longtext not null,
  primary key (instance_id, timer_id),
  index wf_timers_due (fire_at)
) ${TABLE}`,
    `create table if not exists ${q}wf_outbox (
  n bigint not null auto_increment primary key,
  id varchar(255) not null,
  instance_id varchar(255) not null,
  machine varchar(255) not null,
  type varchar(255) not null,
  payload longtext not null,
  at bigint not null,
  delivered boolean not null default false,
  unique key wf_outbox_id (id),
  index wf_outbox_pending (delivered, n)
) ${TABLE}`,
  ];
  return [{ version: 1, name: "init", sql: statements.join(";\n"), statements }];
}
