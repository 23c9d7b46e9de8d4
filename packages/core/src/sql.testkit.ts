/**
 * The contract every SqlClient adapter meets (PGlite, node-postgres, mysql2): migrations applied
 * once and in order, transactions that commit or roll back whole, unique violations recognised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUniqueViolation, runMigrations, type SqlClient } from "./sql";

/** Two migrations every dialect accepts as written. */
export const contractMigrations = [
  {
    version: 1,
    name: "init",
    sql: "create table widgets (id int primary key, note varchar(200)); insert into widgets values (1, 'a;b');",
  },
  { version: 2, name: "more", sql: "alter table widgets add column size int default 0;" },
];

/** Runs the adapter contract against the client `make` returns, in a schema or database of its own. */
export function describeSqlClientContract(
  name: string,
  make: () => Promise<SqlClient>,
  cleanup: (c: SqlClient) => Promise<void> = async () => {},
) {
  describe(`SqlClient contract: ${name}`, () => {
    let sql: SqlClient;
    beforeAll(async () => {
      sql = await make();
    });
    afterAll(async () => {
      await cleanup(sql);
      await sql.close();
    });

    it("applies each migration once, in order", async () => {
      expect(await runMigrations(sql, "core-test", contractMigrations)).toEqual([1, 2]);
      expect(await runMigrations(sql, "core-test", contractMigrations)).toEqual([]);
      const rows = await sql.query<{ note: string; size: number }>("select note, size from widgets");
      expect(rows.rows).toEqual([{ note: "a;b", size: 0 }]);
    });

    it("commits a transaction that resolves and rolls back one that throws", async () => {
      await sql.transaction(async (tx) => {
        await tx.query("insert into widgets (id, note) values ($1, $2)", [2, "kept"]);
      });
      await expect(
        sql.transaction(async (tx) => {
          await tx.query("insert into widgets (id, note) values ($1, $2)", [3, "lost"]);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      const ids = await sql.query<{ id: number }>("select id from widgets order by id");
      expect(ids.rows.map((r) => r.id)).toEqual([1, 2]);
      const dup = await sql.query("insert into widgets (id, note) values (1, 'again')").catch((e: unknown) => e);
      expect(isUniqueViolation(dup)).toBe(true);
    });
  });
}
