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
