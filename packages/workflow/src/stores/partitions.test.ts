import { batchingClient, isElderflowError, sqlFromPglite, sqlFromPgPool } from "@elderflow/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aCommit, codeOf, describeStoreContract } from "./contract.testkit";
import { addCommunityPartition } from "./partitions";
import { dropSchema, PG_URL, uniqueSchema } from "./pg.testkit";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";
import { migrateWorkflowSchema, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

// The partitioned layout meets the same contract as the single-table one, on every PostgreSQL
// dialect and through the exclusive (embedded) store's own statements.
const contractSchema = uniqueSchema("partc");
afterAll(async () => {
  await dropSchema(contractSchema);
});
describeStoreContract("pglite (partitioned by community)", () => pgliteStore({ partitionByCommunity: true }));
describeStoreContract("pglite (partitioned, exclusive)", () =>
  pgliteStore({ partitionByCommunity: true, exclusive: true }),
);
describeStoreContract("postgres (partitioned by community)", () =>
  postgresStore({ connectionString: PG_URL, schema: contractSchema, partitionByCommunity: true }),
);

describe("the partitioned layout on PostgreSQL", () => {
  const schema = uniqueSchema("part");
  const plain = uniqueSchema("plain");
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  const sql = sqlFromPgPool(pool);
  let store: WorkflowStore;
  /** Where each stored row of an instance is (its table's name), instances and events. */
  const where = async (id: string) => {
    const i = await pool.query(`select tableoid::regclass::text as t from ${schema}.wf_instances where id = $1`, [id]);
    const e = await pool.query(
      `select distinct tableoid::regclass::text as t from ${schema}.wf_events where instance_id = $1`,
      [id],
    );
    return { instance: i.rows.map((r) => r.t), events: e.rows.map((r) => r.t) };
  };

  beforeAll(async () => {
    store = await postgresStore({ connectionString: PG_URL, schema, partitionByCommunity: true });
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await dropSchema(schema);
    await dropSchema(plain);
  });

  it("keeps a community in the default partition until it has its own, then moves its rows there whole", async () => {
    await store.commit(aCommit("a1", 1, {}, { communityId: "d01-c001" }));
    await store.commit(aCommit("a1", 2, {}, { communityId: "d01-c001" }));
    await store.commit(aCommit("b1", 1, {}, { communityId: "d02-c001" }));
    expect(await where("a1")).toEqual({
      instance: [`${schema}.wf_instances_default`],
      events: [`${schema}.wf_events_default`],
    });

    const made = await addCommunityPartition(sql, { schema, name: "d01", communities: ["d01-c001", "d01-c002"] });
    expect(made).toEqual({
      tables: [`${schema}.wf_instances_p_d01`, `${schema}.wf_events_p_d01`],
      movedInstances: 1,
      movedEvents: 2,
    });
    expect(await where("a1")).toEqual({
      instance: [`${schema}.wf_instances_p_d01`],
      events: [`${schema}.wf_events_p_d01`],
    });
    expect((await where("b1")).instance).toEqual([`${schema}.wf_instances_default`]);
    // The moved instance goes on where it was: version, log, and its next event in its partition.
    expect((await store.load("a1"))?.instance.version).toBe(2);
    expect((await store.events("a1")).map((e) => e.seq)).toEqual([1, 2]);
    await store.commit(aCommit("a1", 3, {}, { communityId: "d01-c001" }));
    await store.commit(aCommit("a2", 1, {}, { communityId: "d01-c002" }));
    expect(await where("a2")).toEqual({
      instance: [`${schema}.wf_instances_p_d01`],
      events: [`${schema}.wf_events_p_d01`],
    });
    expect((await store.events("a1")).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("reads one community's list from its partition only", async () => {
    const plan = await pool.query(
      `explain (costs off) select * from ${schema}.wf_instances where community_id = $1 order by priority desc, created_at, id limit 100`,
      ["d01-c002"],
    );
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toContain("wf_instances_p_d01");
    expect(text).not.toContain("wf_instances_default");
    expect((await store.list({ communityId: "d01-c002" })).map((i) => i.id)).toEqual(["a2"]);
  });

  it("keeps an instance id unique across communities", async () => {
    expect(await codeOf(store.commit(aCommit("a1", 1, {}, { communityId: "d02-c001" })))).toBe("DUPLICATE_ID");
    expect(await codeOf(store.commit(aCommit("b1", 1, {}, { communityId: "d01-c001" })))).toBe("DUPLICATE_ID");
    const many = await store.commitMany([
      aCommit("m1", 1, {}, { communityId: "d01-c001" }),
      aCommit("a2", 1, {}, { communityId: "d02-c001" }),
      aCommit("m2", 1, {}, { communityId: "d02-c009" }),
    ]);
    expect(many.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ok", "DUPLICATE_ID", "ok"]);
    expect((await store.load("a2"))?.instance.communityId).toBe("d01-c002");
  });

  it("refuses a community that already has a partition, a hostile name or id, and changes nothing", async () => {
    const before = await pool.query(`select count(*)::int as n from ${schema}.wf_events`);
    // d01-c001 is in d01 already: PostgreSQL refuses the overlap, and the transaction rolls back.
    await expect(
      addCommunityPartition(sql, { schema, name: "d01b", communities: ["d02-c001", "d01-c001"] }),
    ).rejects.toThrow();
    expect((await where("b1")).instance).toEqual([`${schema}.wf_instances_default`]);
    expect((await pool.query(`select count(*)::int as n from ${schema}.wf_events`)).rows[0].n).toBe(before.rows[0].n);
    for (const bad of [
      { name: "d03; drop table x", communities: ["d03-c001"], path: "name" },
      { name: "D03", communities: ["d03-c001"], path: "name" },
      { name: "d03", communities: ["d03'); drop table x; --"], path: "communities.0" },
      { name: "d03", communities: [], path: "communities" },
    ]) {
      const e = await addCommunityPartition(sql, { schema, name: bad.name, communities: bad.communities }).catch(
        (x: unknown) => x,
      );
      expect(isElderflowError(e) ? e.path.join(".") : String(e)).toBe(bad.path);
    }
    const e = await addCommunityPartition(sql, {
      schema: "no_such_schema",
      name: "d03",
      communities: ["d03-c001"],
    }).catch((x: unknown) => x);
    expect(isElderflowError(e) && e.code).toBe("INVALID_INPUT");
  });

  it("refuses to open a schema in the other layout", async () => {
    expect(await codeOf(postgresStore({ connectionString: PG_URL, schema }))).toBe("INVALID_INPUT");
    const p = await postgresStore({ connectionString: PG_URL, schema: plain });
    await p.close();
    expect(await codeOf(postgresStore({ connectionString: PG_URL, schema: plain, partitionByCommunity: true }))).toBe(
      "INVALID_INPUT",
    );
    expect(await codeOf(addCommunityPartition(sql, { schema: plain, name: "d01", communities: ["c01"] }))).toBe(
      "INVALID_INPUT",
    );
  });

  it("archives a closed group by detaching its partitions; its ids stay taken", async () => {
    await addCommunityPartition(sql, { schema, name: "d09", communities: ["d09-c001"] });
    await store.commit(aCommit("z1", 1, {}, { communityId: "d09-c001" }));
    await pool.query(`alter table ${schema}.wf_instances detach partition ${schema}.wf_instances_p_d09`);
    await pool.query(`alter table ${schema}.wf_events detach partition ${schema}.wf_events_p_d09`);
    expect(await store.load("z1")).toBeUndefined();
    const kept = await pool.query(`select id, version from ${schema}.wf_instances_p_d09`);
    expect(kept.rows).toEqual([{ id: "z1", version: 1 }]);
    expect(await codeOf(store.commit(aCommit("z1", 1, {}, { communityId: "d09-c001" })))).toBe("DUPLICATE_ID");
  });
});

describe("the partitioned layout in the exclusive (embedded) store", () => {
  it("answers DUPLICATE_ID for an id whose partition was detached, and commits the rest of the batch", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const sql = batchingClient(sqlFromPglite(new PGlite()));
    try {
      await migrateWorkflowSchema(sql, "public", { partitionByCommunity: true });
      await addCommunityPartition(sql, { name: "d09", communities: ["d09-c001"] });
      const first = sqlStore(sql, { exclusive: true, partitionByCommunity: true, ownsClient: false });
      await first.commit(aCommit("z1", 1, {}, { communityId: "d09-c001" }));
      await sql.query("alter table public.wf_instances detach partition public.wf_instances_p_d09");
      await sql.query("alter table public.wf_events detach partition public.wf_events_p_d09");
      // A store opened after the detach has never seen z1: only the id table knows it is taken.
      const store = sqlStore(sql, { exclusive: true, partitionByCommunity: true, ownsClient: false });
      expect(await store.load("z1")).toBeUndefined();
      const outcomes = await sql.batch(() =>
        store.commitMany([
          aCommit("z1", 1, {}, { communityId: "d09-c001" }),
          aCommit("z2", 1, {}, { communityId: "d01-c001" }),
        ]),
      );
      expect(outcomes.map((o) => (o.ok ? "none" : o.error.code))).toEqual(["DUPLICATE_ID", "none"]);
      expect((await store.load("z2"))?.instance.version).toBe(1);
      // An update of the archived id is of an instance that is not there.
      expect(await codeOf(sql.batch(() => store.commit(aCommit("z1", 2, {}, { communityId: "d09-c001" }))))).toBe(
        "UNKNOWN_INSTANCE",
      );
      const kept = await sql.query("select id, version from public.wf_instances_p_d09");
      expect(kept.rows).toEqual([{ id: "z1", version: 1 }]);
    } finally {
      await sql.close();
    }
  });
});
