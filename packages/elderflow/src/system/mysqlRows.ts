import { ElderflowError, type FieldPath, type SqlQueryable } from "@elderflow/core";

export { mysqlValues } from "@elderflow/core";

/**
 * The table options of every MySQL/MariaDB table of the system's stores: InnoDB (transactions, row
 * locks) in binary UTF-8, so text compares exactly as on PostgreSQL.
 *
 * @example
 * ```ts
 * `create table if not exists t (id varbinary(800) primary key) ${MYSQL_TABLE}`;
 * ```
 */
export const MYSQL_TABLE = "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin";

/**
 * Numbered parameters for a statement built in JS, in PostgreSQL's `$n` style (the MySQL client
 * rewrites them to `?`): each `add` returns its placeholder, and `in` writes `column in (…)` over a
 * list, or `false` for an empty one (as `'[]'::jsonb ? x` matches nothing on PostgreSQL).
 *
 * @example
 * ```ts
 * const p = mysqlParams();
 * const where = `kind = ${p.add("birthday_visit")} and ${p.in("status", ["open", "assigned"])}`;
 * // "kind = $1 and status in ($2, $3)", p.values: ["birthday_visit", "open", "assigned"]
 * ```
 */
export function mysqlParams(): {
  readonly values: unknown[];
  add(value: unknown): string;
  in(column: string, list: readonly unknown[]): string;
} {
  const values: unknown[] = [];
  const add = (value: unknown) => `$${values.push(value)}`;
  return {
    values,
    add,
    in: (column, list) => (list.length === 0 ? "false" : `${column} in (${list.map(add).join(", ")})`),
  };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A text column as mysql2 returns it: `varbinary` columns come back as Buffers (decoded as UTF-8),
 * text columns as strings.
 *
 * @example
 * ```ts
 * mysqlText(new TextEncoder().encode("t1")); // "t1"
 * ```
 */
export function mysqlText(value: unknown): string {
  // Uint8Array rather than Buffer, so the module stays loadable in the browser bundle.
  return value instanceof Uint8Array ? UTF8.decode(value) : String(value);
}

/**
 * A nullable text column (see {@link mysqlText}).
 *
 * @example
 * ```ts
 * mysqlTextOrNull(null); // null
 * ```
 */
export function mysqlTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : mysqlText(value);
}

/**
 * A JSON document kept in a `longtext` column (as `JSON.stringify` wrote it); a driver that already
 * parsed it (MySQL 8's `json` type) is taken as it is.
 *
 * @example
 * ```ts
 * mysqlJson<string[]>('["v-1"]'); // ["v-1"]
 * ```
 */
export function mysqlJson<T>(value: unknown): T {
  return (typeof value === "string" || value instanceof Uint8Array ? JSON.parse(mysqlText(value)) : value) as T;
}

/**
 * Checks, right after an `insert ignore` on the same connection, that the only rows it skipped were
 * duplicates. `insert ignore` is MySQL's `on conflict do nothing` whose affected-row count tells how
 * many rows were new (`on duplicate key update k = k` cannot: mysql2 counts found rows), but it also
 * turns other errors (a value too long, a bad date) into warnings and stores a truncated row. Each
 * skipped duplicate leaves exactly one warning, so any warning beyond them is such an error: it
 * throws `INVALID_INPUT` and the caller's transaction rolls back.
 *
 * @example
 * ```ts
 * const r = await tx.query("insert ignore into t (id) values ($1), ($2)", ["a", "b"]);
 * await onlyDuplicatesIgnored(tx, 2, r.rowCount ?? 0, ["tasks"]);
 * ```
 */
export async function onlyDuplicatesIgnored(
  tx: SqlQueryable,
  tried: number,
  inserted: number,
  path: readonly (string | number)[],
): Promise<void> {
  const w = await tx.query<{ n: number | string }>("select @@warning_count as n");
  if (Number(w.rows[0]?.n ?? 0) > tried - inserted)
    throw new ElderflowError("INVALID_INPUT", { path: [...path], params: { detail: "a value the table cannot hold" } });
}

/**
 * Characters a key column holds: keys (`KeySchema`) are at most 200 UTF-16 units, at most 600
 * bytes of UTF-8, so they fit the `varbinary(800)` key columns.
 */
export const MYSQL_KEY_WIDTH = 200;

/**
 * Appends `values` to `params` and returns their placeholders (`$3, $4, $5`), for `in (…)` where
 * PostgreSQL takes one array. The caller skips the query for an empty list (`in ()` is not SQL).
 *
 * @example
 * ```ts
 * const params: unknown[] = ["x"];
 * `where a = $1 and b in (${placeholders(params, ["p", "q"])})`; // "... b in ($2, $3)"
 * ```
 */
export function placeholders(params: unknown[], values: readonly unknown[]): string {
  const start = params.length;
  params.push(...values);
  return values.map((_, i) => `$${start + i + 1}`).join(", ");
}

/**
 * Throws `TOO_BIG` for a string longer than its MySQL column, so that a server in a non-strict
 * `sql_mode` never cuts one short and a strict one never answers with a driver error.
 *
 * @example
 * ```ts
 * assertFitsColumn("p-1", 200, ["departure", "personId"]);
 * ```
 */
export function assertFitsColumn(value: string | undefined, width: number, path: FieldPath): void {
  if (value !== undefined && value.length > width)
    throw new ElderflowError("TOO_BIG", { path: [...path], params: { maximum: width } });
}
