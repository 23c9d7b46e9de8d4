import { sqlFromPglite } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import { sqlStore } from "./sql";
import type { TimeBankStore } from "./types";

/** Options for {@link pgliteStore}. */
export interface PgliteStoreOptions {
  /** Data directory (omit for an in-memory database). */
  readonly dataDir?: string;
  /** An already opened PGlite instance instead (not closed by the store). */
  readonly db?: PGlite;
}

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a local directory.
 *
 * @example
 * ```ts
 * const store = pgliteStore({ dataDir: "./.elderflow/timebank" });
 * const bank = await createTimeBank({ store, clock: systemClock(), stars });
 * ```
 */
export function pgliteStore(options: PgliteStoreOptions = {}): TimeBankStore {
  const db = options.db ?? new PGlite(options.dataDir);
  return sqlStore(sqlFromPglite(db, { owned: options.db === undefined }));
}
