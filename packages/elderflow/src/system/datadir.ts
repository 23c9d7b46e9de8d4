import { mkdirSync, statSync } from "node:fs";
import { ElderflowError } from "@elderflow/core";

/**
 * Makes sure a PGlite data folder can be used: creates it with its missing parents, or throws
 * `DATA_DIR_UNAVAILABLE` (never a raw ENOENT from deep inside the driver). The folder's name is
 * not put in the error: it may hold a user's name.
 *
 * @example
 * ```ts
 * const dir = openDataDir(".elderflow/http-service"); // created on a fresh clone
 * ```
 */
export function openDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new ElderflowError("DATA_DIR_UNAVAILABLE", { path: ["store", "dataDir"] });
  }
  return dir;
}
