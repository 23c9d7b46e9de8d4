import { sqlFromMysqlPool } from "@elderflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { migrateWorkflowSchema } from "./sql";

const database = privateMysqlDatabase("wfmig");
const tenant = privateMysqlDatabase("wft").toLowerCase();
let url = "";
beforeAll(async () => {
  url = await createMysqlDatabase(database);
});
afterAll(async () => {
  await dropMysqlDatabase(tenant);
  await dropMysqlDatabase(database);
});

describe("the workflow tables on MariaDB", () => {
  it("migrates once, then finds nothing to do, and derives the person column from the snapshot", async () => {
    const sql = sqlFromMysqlPool(mysqlPool(url, 2));
    try {
      expect(await migrateWorkflowSchema(sql)).toEqual([1]);
      expect(await migrateWorkflowSchema(sql)).toEqual([]);
      await sql.query(
        `insert into wf_instances (id, machine, machine_version, version, state, status, community_id, snapshot, created_at, updated_at)
         values ($1, 'm', 1, 1, 'a', 'active', 'c01', $2, 1, 1), ($3, 'm', 1, 1, 'a', 'active', 'c01', $4, 1, 1)`,
        ["i1", JSON.stringify({ context: { personId: "p老1" } }), "i2", JSON.stringify({ context: { personId: 7 } })],
      );
      const r = await sql.query<{ id: string; person_id: string | null }>(
        "select id, person_id from wf_instances order by id",
      );
      expect(r.rows).toEqual([
        { id: "i1", person_id: "p老1" },
        { id: "i2", person_id: null },
      ]);
    } finally {
      await sql.close();
    }
  });

  it("puts another schema's tables in a database of that name", async () => {
    const sql = sqlFromMysqlPool(mysqlPool(url, 2));
    try {
      expect(await migrateWorkflowSchema(sql, tenant)).toEqual([1]);
      const r = await sql.query<{ n: number }>(
        "select count(*) as n from information_schema.tables where table_schema = $1 and table_name like 'wf\\_%'",
        [tenant],
      );
      expect(Number(r.rows[0]?.n)).toBe(4);
    } finally {
      await sql.close();
    }
  });
});
