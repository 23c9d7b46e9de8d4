import { resolve } from "node:path";
import { isIsoDate } from "@elderflow/core";
import type { StoreSpec } from "../system/elderflow";
import { usageError } from "./io";

/** Parses an integer option or stops with a usage error. */
export function parseIntOption(name: string, value: string): number {
  // The value is never repeated: an option can hold anything a person typed.
  if (!/^-?\d{1,15}$/.test(value)) usageError(`${name} expects an integer`);
  return Number(value);
}

/** Checks a `YYYY-MM-DD` option or stops with a usage error. */
export function parseDateOption(name: string, value: string): string {
  if (!isIsoDate(value)) usageError(`${name} expects an existing date YYYY-MM-DD`);
  return value;
}

/**
 * Parses the `--store` option every stateful command shares: `memory`, `pglite` (in memory),
 * `pglite:<dir>` (relative to the working directory), `postgres:<url>`, or a bare `postgres://…` URL.
 */
export function parseStoreOption(value: string, cwd: string): StoreSpec {
  if (value === "memory") return { kind: "memory" };
  if (value === "pglite") return { kind: "pglite" };
  if (value.startsWith("pglite:")) {
    const dir = value.slice("pglite:".length);
    if (dir.length === 0) usageError("--store pglite:<dir> needs a directory");
    return { kind: "pglite", dataDir: resolve(cwd, dir) };
  }
  // Both `postgres:<url>` (the documented form) and a bare `postgres://…` URL are accepted.
  const prefix = value.startsWith("postgres:") ? "postgres:" : value.startsWith("postgresql:") ? "postgresql:" : "";
  if (prefix !== "") {
    const rest = value.slice(prefix.length);
    return { kind: "postgres", url: rest.startsWith("//") ? value : rest };
  }
  // Not repeated: a URL can carry a password.
  return usageError("--store must be memory, pglite, pglite:<dir> or postgres://…");
}
