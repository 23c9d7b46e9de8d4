/**
 * The last line before a store writes: every plain text column (keys, ids, instants, hashes,
 * reasons) must be a string that PostgreSQL's text type returns unchanged, so that what is hashed
 * is exactly what every store returns. PostgreSQL cannot hold NUL and turns a lone surrogate into
 * U+FFFD; command and result JSON is escaped ASCII and needs no check. Canonical input refuses
 * such strings long before; this makes the guarantee hold whatever a caller of the store does.
 * Internal: not exported from the package.
 */
import { ElderflowError, isWellFormedText } from "@elderflow/core";
import type { PreparedBatch } from "./types";

function check(value: string | undefined, path: readonly (string | number)[]): void {
  if (value === undefined) return;
  if (!isWellFormedText(value)) throw new ElderflowError("MALFORMED_TEXT", { path });
  if (value.includes("\u0000")) throw new ElderflowError("CONTROL_CHARACTER", { path });
}

/** Throws the typed error of the first string in a batch that a store could not keep as it is. */
export function assertStorable(p: PreparedBatch<unknown>): void {
  for (let i = 0; i < p.entries.length; i++) {
    const e = p.entries[i];
    if (e === undefined) continue;
    check(e.key, ["entries", i, "key"]);
    check(e.fingerprint, ["entries", i, "fingerprint"]);
    check(e.at, ["entries", i, "at"]);
    check(e.prevHash, ["entries", i, "prevHash"]);
    check(e.hash, ["entries", i, "hash"]);
  }
  for (let i = 0; i < p.accounts.length; i++) check(p.accounts[i]?.id, ["accounts", i, "id"]);
  for (let i = 0; i < p.notes.length; i++) {
    check(p.notes[i]?.key, ["notes", i, "key"]);
    check(p.notes[i]?.text, ["notes", i, "text"]);
  }
}

/** The same check for strings an erasure writes or looks up. */
export function assertStorableText(values: readonly string[], path: string): void {
  for (let i = 0; i < values.length; i++) check(values[i], [path, i]);
}

/**
 * The widths of the MySQL columns (see `TIMEBANK_MYSQL_MIGRATIONS`), in UTF-16 code units, which
 * never exceed the column's count of characters (and for keys, 200 units are at most 600 bytes
 * of UTF-8 in a `varbinary(800)`). PostgreSQL's `text` has no such bound.
 */
export const MYSQL_WIDTHS = { key: 200, account: 128, id: 64, hash: 64, at: 64, suite: 32 } as const;

function fits(value: string | undefined, width: number, path: readonly (string | number)[]): void {
  if (value !== undefined && value.length > width)
    throw new ElderflowError("TOO_BIG", { path, params: { maximum: width } });
}

/**
 * MySQL only: throws `TOO_BIG` for the first string of a batch longer than its column, so that a
 * server in a non-strict `sql_mode` never cuts one short (which would break the hash chain).
 */
export function assertFitsMysql(p: PreparedBatch<unknown>, suite: string): void {
  const w = MYSQL_WIDTHS;
  fits(suite, w.suite, ["suite"]);
  for (let i = 0; i < p.entries.length; i++) {
    const e = p.entries[i];
    if (e === undefined) continue;
    fits(e.key, w.key, ["entries", i, "key"]);
    fits(e.fingerprint, w.hash, ["entries", i, "fingerprint"]);
    fits(e.at, w.at, ["entries", i, "at"]);
    fits(e.prevHash, w.hash, ["entries", i, "prevHash"]);
    fits(e.hash, w.hash, ["entries", i, "hash"]);
  }
  for (let i = 0; i < p.accounts.length; i++) fits(p.accounts[i]?.id, w.account, ["accounts", i, "id"]);
  for (let i = 0; i < p.notes.length; i++) fits(p.notes[i]?.key, w.key, ["notes", i, "key"]);
}

/** MySQL only: the same for the strings of one row, each with its column's width. */
export function assertFitsMysqlText(values: readonly (readonly [string, number])[], path: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined) fits(v[0], v[1], [path, i]);
  }
}
