import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { runMigrations, splitSqlStatements, sqlFromPglite, sqlFromPgPool } from "./sql";
import { contractMigrations, describeSqlClientContract } from "./sql.testkit";

const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

describe("splitSqlStatements", () => {
  it("splits at semicolons outside quotes, dollar bodies and comments", () => {
    const script = `create table a (x text default 'a;b'); -- c;d
/* e; */ create function f() returns int as $$ select 1; $$ language sql;
insert into a values ('x');`;
    expect(splitSqlStatements(script)).toEqual([
      "create table a (x text default 'a;b')",
      "create function f() returns int as $$ select 1; $$ language sql",
      "insert into a values ('x')",
    ]);
  });
});

describeSqlClientContract("pglite", async () => sqlFromPglite(await PGlite.create()));

const schema = `core_sql_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
describeSqlClientContract(
  "postgres",
  async () => {
    const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
    try {
      await admin.query(`create schema ${schema}`);
    } finally {
      await admin.end();
    }
    return sqlFromPgPool(new pg.Pool({ connectionString: PG_URL, max: 4, options: `-c search_path=${schema}` }));
  },
  async (sql) => {
    await sql.query(`drop schema ${schema} cascade`);
  },
);

describe("runMigrations on PostgreSQL from several processes at once", () => {
  it("applies each migration exactly once when many clients open a fresh schema together", async () => {
    const fresh = `core_race_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
    await admin.query(`create schema ${fresh}`);
    const clients = Array.from({ length: 6 }, () =>
      sqlFromPgPool(new pg.Pool({ connectionString: PG_URL, max: 2, options: `-c search_path=${fresh}` })),
    );
    try {
      const applied = await Promise.all(clients.map((c) => runMigrations(c, "race", contractMigrations)));
      expect(applied.flat().sort()).toEqual([1, 2]);
      const rows = await admin.query(`select count(*)::int as n from ${fresh}.elderflow_migrations`);
      expect(rows.rows[0].n).toBe(2);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await admin.query(`drop schema ${fresh} cascade`);
      await admin.end();
    }
  });
});
