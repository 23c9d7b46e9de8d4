import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { batchingClient } from "./batch";
import { isElderflowError } from "./errors";
import { type SqlClient, sqlFromPglite, sqlFromPgPool } from "./sql";

const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function rows(sql: SqlClient, table: string): Promise<number[]> {
  const r = await sql.query<{ id: number }>(`select id from ${table} order by id`);
  return r.rows.map((x) => Number(x.id));
}

function contract(name: string, open: () => Promise<{ sql: SqlClient; table: string }>) {
  describe(`batchingClient on ${name}`, () => {
    it("commits every statement and inner transaction of a batch together", async () => {
      const { sql: base, table } = await open();
      const sql = batchingClient(base);
      const seen = await sql.batch(async () => {
        expect(sql.inBatch).toBe(true);
        await sql.query(`insert into ${table} values (1)`);
        await sql.transaction(async (tx) => tx.query(`insert into ${table} values (2)`));
        await sql.batch(async () => sql.query(`insert into ${table} values (3)`));
        return rows(sql, table);
      });
      expect(seen).toEqual([1, 2, 3]);
      expect(sql.inBatch).toBe(false);
      expect(await rows(sql, table)).toEqual([1, 2, 3]);
    });

    it("lets an enrolled participant write inside the batch before it commits, and tells it of a rollback", async () => {
      const { sql: base, table } = await open();
      const sql = batchingClient(base);
      const calls: string[] = [];
      let deferred: number[] = [];
      const withdraw = sql.enrol({
        beforeBegin: async () => {
          calls.push(`begin:${sql.inBatch}`);
        },
        beforeCommit: async () => {
          calls.push(`commit:${sql.inBatch}`);
          for (const id of deferred) await sql.query(`insert into ${table} values (${id})`);
          deferred = [];
        },
        afterRollback: () => {
          calls.push("rollback");
          deferred = [];
        },
      });
      await sql.batch(async () => {
        deferred.push(1, 2);
      });
      expect(await rows(sql, table)).toEqual([1, 2]);
      // A participant's failing write rolls the whole batch back, the batch's own rows too.
      await expect(
        sql.batch(async () => {
          await sql.query(`insert into ${table} values (3)`);
          deferred.push(1);
        }),
      ).rejects.toThrow();
      expect(await rows(sql, table)).toEqual([1, 2]);
      await expect(
        sql.batch(async () => {
          deferred.push(4);
          throw new Error("host");
        }),
      ).rejects.toThrow("host");
      expect(await rows(sql, table)).toEqual([1, 2]);
      expect(calls).toEqual([
        "begin:false",
        "commit:true",
        "begin:false",
        "commit:true",
        "rollback",
        "begin:false",
        "rollback",
      ]);
      withdraw();
      await sql.batch(async () => sql.query(`insert into ${table} values (5)`));
      expect(calls).toHaveLength(7);
      expect(await rows(sql, table)).toEqual([1, 2, 5]);
    });

    it("undoes only a failed inner transaction, and the batch goes on", async () => {
      const { sql: base, table } = await open();
      const sql = batchingClient(base);
      await sql.batch(async () => {
        await sql.query(`insert into ${table} values (1)`);
        await expect(
          sql.transaction(async (tx) => {
            await tx.query(`insert into ${table} values (2)`);
            await tx.query(`insert into ${table} values (1)`); // duplicate key
          }),
        ).rejects.toThrow();
        await sql.query(`insert into ${table} values (3)`);
      });
      expect(await rows(sql, table)).toEqual([1, 3]);
    });

    it("rolls the whole batch back when it throws: nothing is half-written", async () => {
      const { sql: base, table } = await open();
      const sql = batchingClient(base);
      await sql.query(`insert into ${table} values (9)`);
      await expect(
        sql.batch(async () => {
          await sql.query(`insert into ${table} values (1)`);
          await sql.transaction(async (tx) => tx.query(`insert into ${table} values (2)`));
          throw new Error("host failure");
        }),
      ).rejects.toThrow("host failure");
      expect(await rows(sql, table)).toEqual([9]);
    });

    it("after a failed plain statement refuses the rest with BATCH_ABORTED and rolls back", async () => {
      const { sql: base, table } = await open();
      const sql = batchingClient(base);
      const outcome = await sql
        .batch(async () => {
          await sql.query(`insert into ${table} values (1)`);
          await sql.query(`insert into ${table} values (1)`).catch(() => undefined); // swallowed by the caller
          return sql.query(`insert into ${table} values (2)`);
        })
        .then(
          () => "committed",
          (e: unknown) => (isElderflowError(e) ? e.code : "other"),
        );
      expect(outcome).toBe("BATCH_ABORTED");
      expect(await rows(sql, table)).toEqual([]);
      // The client is usable again afterwards.
      await sql.batch(async () => sql.query(`insert into ${table} values (5)`));
      expect(await rows(sql, table)).toEqual([5]);
    });
  });
}

let n = 0;
const pglite = new PGlite();
contract("PGlite", async () => {
  const table = `b_lite_${++n}`;
  const sql = sqlFromPglite(pglite, { owned: false });
  await sql.exec(`create table ${table} (id int primary key)`);
  return { sql, table };
});

const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const made: string[] = [];
contract("PostgreSQL", async () => {
  const table = `b_pg_${suffix}_${++n}`;
  const sql = sqlFromPgPool(pool, { owned: false });
  await sql.exec(`create table ${table} (id int primary key)`);
  made.push(table);
  return { sql, table };
});

afterAll(async () => {
  for (const t of made) await pool.query(`drop table if exists ${t}`);
  await pool.end();
  await pglite.close();
});
