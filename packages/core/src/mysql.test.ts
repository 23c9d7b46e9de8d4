import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  mysqlUrlFor,
  privateMysqlDatabase,
} from "../../../test/support/mysql";
import { sqlFromMysqlPool, toMysqlPlaceholders } from "./mysql";
import { isRetryableSqlError, isUniqueViolation, runMigrations, type SqlClient, sqlStateOf } from "./sql";
import { describeSqlClientContract } from "./sql.testkit";

const database = privateMysqlDatabase("core_mysql");
const url = mysqlUrlFor(database);

function client(limit = 4): SqlClient {
  return sqlFromMysqlPool(mysqlPool(url, limit));
}

describe("toMysqlPlaceholders", () => {
  it("rewrites $n in order, repeats a reused parameter, and leaves quotes and comments alone", () => {
    expect(toMysqlPlaceholders("select * from t where a = $2 and b = $1 and c = $2")).toEqual({
      sql: "select * from t where a = ? and b = ? and c = ?",
      order: [1, 0, 1],
    });
    const quoted = toMysqlPlaceholders(
      "select '$1', \"$2\", `$3` -- $4\n/* $5 */ from t where x = $6 and y = 'it''s $7'",
    );
    expect(quoted.order).toEqual([5]);
    expect(quoted.sql).toBe("select '$1', \"$2\", `$3` -- $4\n/* $5 */ from t where x = ? and y = 'it''s $7'");
    expect(toMysqlPlaceholders("select 'a\\'$1' , $10").order).toEqual([9]);
  });
});

describe("error classification", () => {
  it("reads SQLSTATE from pg's code and mysql2's sqlState, and knows MySQL's deadlock and duplicate numbers", () => {
    expect(sqlStateOf({ code: "23505" })).toBe("23505");
    expect(sqlStateOf({ code: "ER_DUP_ENTRY", errno: 1062, sqlState: "23000" })).toBe("23000");
    expect(sqlStateOf({ code: "ECONNREFUSED" })).toBeUndefined();
    expect(isUniqueViolation({ code: "ER_DUP_ENTRY", errno: 1062, sqlState: "23000" })).toBe(true);
    expect(isUniqueViolation({ code: "23505" })).toBe(true);
    expect(isUniqueViolation({ code: "ER_NO_SUCH_TABLE", errno: 1146, sqlState: "42S02" })).toBe(false);
    expect(isRetryableSqlError({ code: "ER_LOCK_DEADLOCK", errno: 1213, sqlState: "40001" })).toBe(true);
    expect(isRetryableSqlError({ code: "ER_LOCK_WAIT_TIMEOUT", errno: 1205, sqlState: "HY000" })).toBe(true);
    expect(isRetryableSqlError({ code: "40P01" })).toBe(true);
    expect(isRetryableSqlError(new Error("plain"))).toBe(false);
  });
});

describe("SqlClient on MariaDB / MySQL (mysql2)", () => {
  let sql: SqlClient;
  const migrations = [
    {
      version: 1,
      name: "init",
      sql: "create table if not exists widgets (id int primary key, note varchar(200) not null) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin; insert into widgets values (1, 'a;b');",
    },
    { version: 2, name: "more", sql: "alter table widgets add column size int not null default 0;" },
  ];

  beforeAll(async () => {
    await createMysqlDatabase(database);
    sql = client();
  });
  afterAll(async () => {
    await sql?.close();
    await dropMysqlDatabase(database);
  });

  it("applies each migration exactly once when several clients open a fresh database together", async () => {
    const clients = Array.from({ length: 5 }, () => client(2));
    try {
      const applied = await Promise.all(clients.map((c) => runMigrations(c, "core-test", migrations)));
      expect(applied.flat().sort()).toEqual([1, 2]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(await runMigrations(sql, "core-test", migrations)).toEqual([]);
    const rows = await sql.query<{ note: string; size: number }>("select note, size from widgets");
    expect(rows.rows).toEqual([{ note: "a;b", size: 0 }]);
    const steps = await sql.query<{ n: number }>("select count(*) as n from elderflow_migration_steps");
    expect(Number(steps.rows[0]?.n)).toBe(0);
  });

  it("resumes a migration cut short after a statement that committed implicitly", async () => {
    // As if a process died after the first statement of version 1 (its DDL committed itself).
    await sql.query("create table if not exists halfway (id int primary key) engine=InnoDB");
    await sql.query("insert into elderflow_migration_steps (namespace, version, step) values ($1, $2, $3)", [
      "half",
      1,
      0,
    ]);
    const applied = await runMigrations(sql, "half", [
      {
        version: 1,
        name: "two steps",
        sql: "create table halfway (id int primary key) engine=InnoDB; insert into halfway values (7);",
      },
    ]);
    expect(applied).toEqual([1]);
    expect((await sql.query<{ id: number }>("select id from halfway")).rows).toEqual([{ id: 7 }]);
  });

  it("takes statements as given when a script cannot be split at semicolons", async () => {
    await runMigrations(sql, "trigger", [
      {
        version: 1,
        name: "append-only",
        sql: "",
        statements: [
          "create table if not exists journal (seq int primary key) engine=InnoDB",
          "create trigger journal_no_update before update on journal for each row begin signal sqlstate '45000' set message_text = 'append-only'; end",
        ],
      },
    ]);
    await sql.query("insert into journal values ($1)", [1]);
    await expect(sql.query("update journal set seq = 2")).rejects.toThrow(/append-only/);
  });

  it("binds $n parameters, reports affected rows, and round-trips every Unicode string", async () => {
    const names = ["张三丰", "𠀋𡈽 (CJK Ext B)", "emoji 👵🏻", 'it\'s "quoted" \\ back', "$1 literal"];
    for (const [i, note] of names.entries()) {
      const r = await sql.query("insert into widgets (id, note, size) values ($1, $2, $1)", [100 + i, note]);
      expect(r.rowCount).toBe(1);
    }
    const back = await sql.query<{ id: number; note: string; size: number }>(
      "select id, note, size from widgets where id >= $1 order by id",
      [100],
    );
    expect(back.rows.map((r) => r.note)).toEqual(names);
    expect(back.rows.every((r) => r.id === r.size)).toBe(true);
    const upd = await sql.query("update widgets set size = size + 1 where id >= $1", [100]);
    expect(upd.rowCount).toBe(names.length);
  });

  it("retries a transaction that lost a deadlock, and both sides end up applied", async () => {
    await sql.query("insert into widgets (id, note) values (10, 'a'), (11, 'b')");
    let attempts = 0;
    const gate = { waiting: 0, release: () => {} };
    const bothLocked = new Promise<void>((resolve) => {
      gate.release = resolve;
    });
    const crosswise = (first: number, second: number) =>
      sql.transaction(
        async (tx) => {
          attempts++;
          await tx.query("update widgets set size = size + 1 where id = $1", [first]);
          if (++gate.waiting === 2) gate.release();
          await Promise.race([bothLocked, new Promise((r) => setTimeout(r, 500))]);
          await tx.query("update widgets set size = size + 1 where id = $1", [second]);
        },
        { retries: 3 },
      );
    await Promise.all([crosswise(10, 11), crosswise(11, 10)]);
    expect(attempts).toBeGreaterThanOrEqual(3);
    const sizes = await sql.query<{ size: number }>("select size from widgets where id in (10, 11) order by id");
    expect(sizes.rows.map((r) => r.size)).toEqual([2, 2]);
  });
});

const contractDatabase = privateMysqlDatabase("core_mysql_contract");
describeSqlClientContract(
  "mysql2 (MariaDB)",
  async () => sqlFromMysqlPool(mysqlPool(await createMysqlDatabase(contractDatabase))),
  async () => dropMysqlDatabase(contractDatabase),
);
