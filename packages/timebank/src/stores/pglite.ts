import { mkdirSync } from "node:fs";
import { ElderflowError, isElderflowError, sqlFromPglite } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import { sqlStore } from "./sql";
import type { TimeBankStore } from "./types";

/** Options for {@link pgliteStore}. */
export interface PgliteStoreOptions {
  /** Data directory (omit for an in-memory database); created with its parents if missing. */
  readonly dataDir?: string;
  /** An already opened PGlite instance instead (not closed by the store). */
  readonly db?: PGlite;
}

const unavailable = (cause: unknown) => new ElderflowError("DATA_DIR_UNAVAILABLE", { path: ["dataDir"], cause });

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a local directory. A
 * missing folder is created with its parents; one that cannot be created or opened is
 * `DATA_DIR_UNAVAILABLE` (path `dataDir`, no file name in the message), never a raw file error.
 *
 * @example
 * ```ts
 * const store = pgliteStore({ dataDir: "./.elderflow/timebank" });
 * const bank = await createTimeBank({ store, clock: systemClock(), stars });
 * ```
 */
export function pgliteStore(options: PgliteStoreOptions = {}): TimeBankStore {
  const dataDir = options.dataDir;
  // A URL-like dataDir (memory://, idb://) is PGlite's own business; a plain path is a folder.
  if (options.db === undefined && dataDir !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw unavailable(error);
    }
  }
  const db = options.db ?? new PGlite(dataDir);
  const inner = sqlStore(sqlFromPglite(db, { owned: options.db === undefined }));
  if (options.db !== undefined || dataDir === undefined) return inner;
  return {
    ...inner,
    async open() {
      // The first statement is where PGlite reports a folder it cannot use.
      try {
        await db.waitReady;
      } catch (error) {
        throw unavailable(error);
      }
      try {
        await inner.open();
      } catch (error) {
        throw isElderflowError(error) || db.ready ? error : unavailable(error);
      }
    },
  };
}
