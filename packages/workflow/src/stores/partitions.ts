import { ElderflowError, IdSchema, type Migration, parseOrThrow, type SqlClient } from "@elderflow/core";
import { z } from "zod";
import type { WorkflowTables } from "./exclusive";
import { EVENT_COLUMN_LIST, EVENT_COLUMNS, INSTANCE_COLUMN_LIST, INSTANCE_COLUMNS, outboxTable } from "./migrations";

/**
 * The workflow tables partitioned by community (PostgreSQL's declarative `PARTITION BY LIST`),
 * versioned like the single-table layout's migrations and at the same versions, so a later migration is
 * written once per layout. `S` is a checked schema name.
 *
 * - `wf_instances` and `wf_events` are partitioned by `community_id` (an instance keeps the
 *   community it started in, so its row and its log stay in one partition); every unique key
 *   includes the community, as PostgreSQL requires.
 * - `wf_instance_ids` (not partitioned) keeps each instance id unique across every community:
 *   a create claims its id there first, in the same statement.
 * - A default partition of each table holds the communities that have no partition of their own;
 *   {@link addCommunityPartition} gives a group of communities (a district, say) its own.
 * - `wf_timers` and `wf_outbox` hold only what is pending, so they stay single tables.
 *
 * @example
 * ```ts
 * await runMigrations(client, "workflow", workflowPartitionedMigrations("public"));
 * ```
 */
export function workflowPartitionedMigrations(schema: string): Migration[] {
  const S = schema;
  return [
    {
      version: 1,
      name: "init, partitioned by community",
      sql: `
create schema if not exists ${S};
create table if not exists ${S}.wf_instance_ids (
  id text primary key,
  community_id text not null
);
create table if not exists ${S}.wf_instances (
  id text not null,
${INSTANCE_COLUMNS},
  person_id text generated always as (snapshot->'context'->>'personId') stored,
  primary key (id, community_id)
) partition by list (community_id);
create index if not exists wf_instances_community on ${S}.wf_instances (community_id, priority desc, created_at);
create index if not exists wf_instances_person_id on ${S}.wf_instances (person_id);
create index if not exists wf_instances_machine on ${S}.wf_instances (machine);
create table if not exists ${S}.wf_instances_default partition of ${S}.wf_instances default with (fillfactor = 70);
create table if not exists ${S}.wf_events (
  community_id text not null,
${EVENT_COLUMNS}
  primary key (instance_id, seq, community_id),
  unique (instance_id, event_id, community_id)
) partition by list (community_id);
create table if not exists ${S}.wf_events_default partition of ${S}.wf_events default;
create table if not exists ${S}.wf_timers (
  instance_id text not null,
  timer_id text not null,
  fire_at bigint not null,
  event jsonb not null,
  claimed_by text,
  claimed_until bigint,
  primary key (instance_id, timer_id)
) with (fillfactor = 80);
create index if not exists wf_timers_due on ${S}.wf_timers (fire_at);
${outboxTable(S)}`,
    },
    // Versions 2 to 4 of the single-table layout (the person index, the HOT layout, timer claims)
    // are part of version 1 here; they are recorded so that both layouts go on from version 5.
    { version: 2, name: "instances by person (in the partitioned init)", sql: "" },
    { version: 3, name: "hot updates (in the partitioned init)", sql: "" },
    { version: 4, name: "timer claims (in the partitioned init)", sql: "" },
  ];
}

/** Whether the schema's `wf_instances` is partitioned; undefined when it does not exist yet. */
export async function isPartitioned(client: SqlClient, schema: string): Promise<boolean | undefined> {
  const r = await client.query<{ kind: string }>(
    `select c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = 'wf_instances'`,
    [schema],
  );
  const kind = r.rows[0]?.kind;
  return kind === undefined ? undefined : kind === "p";
}

/**
 * Refuses to open a schema in the other layout than the one it was created in: the statements of
 * the two differ, and a table cannot be partitioned in place.
 */
export async function assertLayout(client: SqlClient, schema: string, partitioned: boolean): Promise<void> {
  const actual = await isPartitioned(client, schema);
  if (actual === undefined || actual === partitioned) return;
  throw new ElderflowError("INVALID_INPUT", {
    path: ["partitionByCommunity"],
    params: {
      detail: actual
        ? `schema ${schema} is partitioned by community: open it with partitionByCommunity`
        : `schema ${schema} is not partitioned: a new schema can be`,
    },
  });
}

/**
 * The table names of a schema; `ids` is set when it is partitioned by community, which is how
 * the statements choose their layout.
 */
export function workflowTables(schema: string, partitioned: boolean): WorkflowTables {
  const base = {
    i: `${schema}.wf_instances`,
    e: `${schema}.wf_events`,
    t: `${schema}.wf_timers`,
    o: `${schema}.wf_outbox`,
  };
  return partitioned ? { ...base, ids: `${schema}.wf_instance_ids` } : base;
}

/**
 * The common table expressions of a set-based create: `made` inserts the rows of `x` that `where`
 * selects, each only if its id is free, and returns the ids it made. Partitioned, `dir` first claims
 * each id in the id table (a unique key over every community), and only a claimed id is made.
 */
export function madeCtes(T: WorkflowTables, where: string): string {
  const cols = INSTANCE_COLUMN_LIST;
  const vals = cols
    .split(", ")
    .map((c) => `x.${c}`)
    .join(", ");
  if (T.ids === undefined)
    return `made as (
      insert into ${T.i} (${cols})
      select ${vals}
        from x where ${where} order by x.id
      on conflict (id) do nothing returning id)`;
  return `dir as (
      insert into ${T.ids} (id, community_id)
      select x.id, x.community_id from x where ${where} order by x.id
      on conflict (id) do nothing returning id),
    made as (
      insert into ${T.i} (${cols})
      select ${vals}
        from x where ${where} and x.id in (select id from dir) order by x.id
      returning id)`;
}

/** `community_id, ` where the events table is partitioned (its first column), else nothing. */
export function eventCommunity(T: WorkflowTables): string {
  return T.ids === undefined ? "" : "community_id, ";
}

/** A join condition on the partition key where the tables are partitioned, else nothing. */
export function sameCommunity(T: WorkflowTables, a: string, b: string): string {
  return T.ids === undefined ? "" : ` and ${a}.community_id = ${b}.community_id`;
}

/** The checks on {@link addCommunityPartition}'s arguments. */
const PartitionSchema = z.strictObject({
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default("public"),
  name: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  communities: z.array(IdSchema).min(1).max(10_000),
});

/** What {@link addCommunityPartition} did. */
export interface CommunityPartition {
  /** The partitions' tables, e.g. `public.wf_instances_p_d01` and `public.wf_events_p_d01`. */
  readonly tables: readonly string[];
  /** Instances moved out of the default partition into the new one (with their events). */
  readonly movedInstances: number;
  /** Events moved with them. */
  readonly movedEvents: number;
}

/**
 * Gives a group of communities (a district's, typically) their own partition of `wf_instances`
 * and `wf_events` in a schema created with `partitionByCommunity`. Rows of those communities
 * already in the default partition move into the new one, in the same transaction, so nothing is
 * lost or seen twice; writers of those communities wait for it (the default partitions are locked
 * while the rows move). A community already in another partition is refused by PostgreSQL and
 * nothing changes. An archived group can later be detached (`alter table … detach partition`).
 *
 * @example
 * ```ts
 * await addCommunityPartition(sqlFromPgPool(pool), { name: "d01", communities: ["d01-c001", "d01-c002"] });
 * ```
 */
export async function addCommunityPartition(
  client: SqlClient,
  options: { readonly schema?: string; readonly name: string; readonly communities: readonly string[] },
): Promise<CommunityPartition> {
  if (client.dialect === "mysql")
    throw new ElderflowError("INVALID_INPUT", {
      path: ["partitionByCommunity"],
      params: { detail: "partitions by community need a PostgreSQL dialect" },
    });
  const o = parseOrThrow(PartitionSchema, options);
  const S = o.schema;
  if ((await isPartitioned(client, S)) !== true)
    throw new ElderflowError("INVALID_INPUT", {
      path: ["schema"],
      params: { detail: `schema ${S} is not partitioned by community` },
    });
  const communities = [...new Set(o.communities)].sort();
  // The values are checked ids (letters, digits, `_.:-`), so quoting them is exact.
  const values = communities.map((c) => `'${c}'`).join(", ");
  const instCols = INSTANCE_COLUMN_LIST;
  const evCols = `community_id, ${EVENT_COLUMN_LIST}`;
  return client.transaction(async (tx) => {
    await tx.query(`lock table ${S}.wf_instances_default, ${S}.wf_events_default in exclusive mode`);
    await tx.query(
      `create temporary table wf_move_i on commit drop as select ${instCols} from ${S}.wf_instances_default where community_id = any($1::text[])`,
      [communities],
    );
    await tx.query(
      `create temporary table wf_move_e on commit drop as select ${evCols} from ${S}.wf_events_default where community_id = any($1::text[])`,
      [communities],
    );
    const movedI = await tx.query(`delete from ${S}.wf_instances_default where community_id = any($1::text[])`, [
      communities,
    ]);
    const movedE = await tx.query(`delete from ${S}.wf_events_default where community_id = any($1::text[])`, [
      communities,
    ]);
    await tx.query(
      `create table ${S}.wf_instances_p_${o.name} partition of ${S}.wf_instances for values in (${values}) with (fillfactor = 70)`,
    );
    await tx.query(`create table ${S}.wf_events_p_${o.name} partition of ${S}.wf_events for values in (${values})`);
    await tx.query(`insert into ${S}.wf_instances (${instCols}) select ${instCols} from wf_move_i`);
    await tx.query(`insert into ${S}.wf_events (${evCols}) select ${evCols} from wf_move_e`);
    return {
      tables: [`${S}.wf_instances_p_${o.name}`, `${S}.wf_events_p_${o.name}`],
      movedInstances: movedI.rowCount ?? 0,
      movedEvents: movedE.rowCount ?? 0,
    };
  });
}
