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

/** The `--store` option's help text, the same on every command. */
export const STORE_HELP = "memory | pglite:<dir> | postgres:<url> | mysql:<url>";

/**
 * Parses the `--store` option every stateful command shares: `memory`, `pglite` (in memory),
 * `pglite:<dir>` (relative to the working directory), `postgres:<url>` or a bare `postgres://…` URL,
 * `mysql:<url>` or a bare `mysql://…` URL (MySQL 8, MariaDB 10.6+).
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
  // `mysql:mysql://…` and a bare `mysql://…` URL; anything else after `mysql:` is not a URL.
  if (value.startsWith("mysql:")) {
    const url = value.startsWith("mysql://") ? value : value.slice("mysql:".length);
    if (!url.startsWith("mysql://") || url.length === "mysql://".length)
      usageError("--store mysql:<url> needs a mysql://user@host:port/database URL");
    return { kind: "mysql", url };
  }
  // Not repeated: a URL can carry a password.
  return usageError("--store must be memory, pglite, pglite:<dir>, postgres://… or mysql://…");
}

/**
 * A `--store` value fit to print: a server URL loses its password (a log line must not carry a
 * credential), the other kinds print as given.
 */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === "memory") return "memory";
  if (spec.kind === "pglite") return spec.dataDir === undefined ? "pglite" : `pglite:${spec.dataDir}`;
  if (spec.kind === "sql") return "sql";
  try {
    const url = new URL(spec.url);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return `${spec.kind}:…`;
  }
}
