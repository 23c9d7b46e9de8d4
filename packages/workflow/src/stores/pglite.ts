import { sqlFromPglite } from "@elderflow/core";
import type { PGlite } from "@electric-sql/pglite";
import { migrateWorkflowSchema, type SqlStoreOptions, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

/** Options of {@link pgliteStore}. */
export interface PgliteStoreOptions extends SqlStoreOptions {
  /** A directory to keep the database in (default: in memory). Ignored when `db` is given. */
  readonly dataDir?: string;
  /** An open PGlite database to use instead (not closed by the store unless `ownsClient`). */
  readonly db?: PGlite;
}

/**
 * The embedded default store: PGlite (PostgreSQL compiled to WebAssembly) in a directory or in
 * memory, with the workflow tables created on first use.
 *
 * @example
 * ```ts
 * const store = await pgliteStore({ dataDir: "./.elderflow/workflow" });
 * ```
 */
export async function pgliteStore(options: PgliteStoreOptions = {}): Promise<WorkflowStore> {
  let db = options.db;
  if (db === undefined) {
    const { PGlite } = await import("@electric-sql/pglite");
    db = options.dataDir === undefined ? new PGlite() : new PGlite(options.dataDir);
  }
  const client = sqlFromPglite(db as never);
  await migrateWorkflowSchema(client, options.schema ?? "public");
  return sqlStore(client, { ...options, ownsClient: options.ownsClient ?? options.db === undefined });
}
