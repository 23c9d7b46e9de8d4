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

describe("prepared statements on PGlite (QueryOptions.prepare)", () => {
  it("return what the unprepared statement returns, for any text, and survive a rolled-back first use", async () => {
    const db = await PGlite.create();
    const sql = sqlFromPglite(db);
    try {
      await sql.exec("create table t (id int primary key, note text, doc jsonb, n bigint)");
      const insert = "insert into t (id, note, doc, n) values ($1, $2, $3::jsonb, $4) returning id, note, doc, n";
      const hostile = ["it's", "back\\slash", "\\'; drop table t; --", "E'x'", "$1 $$ $2", "漢字 👵🏻", "", "a\nb\tc"];
      // First use inside a transaction that rolls back: the statement stays prepared, the row does not.
      await expect(
        sql.transaction(async (tx) => {
          await tx.query(insert, [0, "x", "{}", 1], { prepare: true });
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      for (const [i, note] of hostile.entries()) {
        const doc = JSON.stringify({ note, list: [note, null, i] });
        const prepared = await sql.query(insert, [i + 1, note, doc, i * 1e12], { prepare: true });
        expect(prepared.rows).toEqual([{ id: i + 1, note, doc: JSON.parse(doc), n: i * 1e12 }]);
      }
      const nulls = await sql.query(insert, [100, null, null, null], { prepare: true });
      expect(nulls.rows).toEqual([{ id: 100, note: null, doc: null, n: null }]);
      const select = "select id, note from t where note = $1 or ($1 is null and note is null) order by id";
      for (const note of [...hostile, null]) {
        const plain = await sql.query(select, [note]);
        const again = await sql.query(select, [note], { prepare: true });
        expect(again.rows).toEqual(plain.rows);
        expect(plain.rows).toHaveLength(1);
      }
      expect((await sql.query<{ n: number }>("select count(*)::int as n from t")).rows[0]?.n).toBe(hostile.length + 1);
      const names = await sql.query<{ statement: string }>("select statement from pg_prepared_statements");
      expect(names.rows.map((r) => r.statement.replace(/^prepare elderflow_p\d+ as /, "")).sort()).toEqual(
        [insert, select].sort(),
      );
      // A second client on the same database shares its prepared statements instead of colliding.
      const second = sqlFromPglite(db, { owned: false });
      expect((await second.query(select, ["it's"], { prepare: true })).rows).toEqual([{ id: 1, note: "it's" }]);
      expect((await second.query("select 2 as two", [], { prepare: true })).rows).toEqual([{ two: 2 }]);
      expect((await sql.query("select 2 as two", [], { prepare: true })).rows).toEqual([{ two: 2 }]);
      // Many first uses at once: one prepares, the others run unprepared meanwhile; all agree.
      const many = await Promise.all(
        Array.from({ length: 8 }, () =>
          sql.query("select count(*)::int as n from t where id > $1", [2], { prepare: true }),
        ),
      );
      expect(new Set(many.map((r) => JSON.stringify(r.rows)))).toEqual(
        new Set([JSON.stringify([{ n: hostile.length - 1 }])]),
      );
    } finally {
      await sql.close();
    }
  });
});
