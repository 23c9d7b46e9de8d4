import type { Migration } from "@elderflow/core";

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
  machine text not null,
  machine_version integer not null,
  version integer not null,
  state text not null,
  status text not null,
  community_id text not null,
  priority integer not null default 0,
  snapshot jsonb not null,
  created_at bigint not null,
  updated_at bigint not null
);
create index if not exists wf_instances_machine_state on ${S}.wf_instances (machine, state);
create index if not exists wf_instances_community on ${S}.wf_instances (community_id, priority desc, created_at);
create table if not exists ${S}.wf_events (
  instance_id text not null,
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
  machine_version integer not null,
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
create table if not exists ${S}.wf_outbox (
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
`,
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
  ];
}
