import { ElderflowError, sqlFromPglite } from "@elderflow/core";
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
    const dir = options.dataDir;
    // A plain path is a folder, created with its parents; a URL-like one (memory://, idb://) is PGlite's.
    if (dir !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) {
      try {
        const { mkdirSync } = await import("node:fs");
        mkdirSync(dir, { recursive: true });
        db = new PGlite(dir);
        await db.waitReady;
      } catch (error) {
        throw new ElderflowError("DATA_DIR_UNAVAILABLE", { path: ["dataDir"], cause: error });
      }
    } else db = dir === undefined ? new PGlite() : new PGlite(dir);
  }
  const client = sqlFromPglite(db as never);
  try {
    await migrateWorkflowSchema(client, options.schema ?? "public", {
      partitionByCommunity: options.partitionByCommunity ?? false,
    });
  } catch (e) {
    // A store that fails to open leaves no database of its own open.
    if (options.db === undefined) await client.close();
    throw e;
  }
  return sqlStore(client, { ...options, ownsClient: options.ownsClient ?? options.db === undefined });
}
