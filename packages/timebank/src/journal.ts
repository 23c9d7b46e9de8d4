import { createHash } from "node:crypto";
import type { CommandResult, StoredCommand } from "./commands";

/**
 * The hash the first journal entry links to.
 *
 * @example
 * ```ts
 * journal[0]?.prevHash === GENESIS_HASH; // true
 * ```
 */
export const GENESIS_HASH = "0".repeat(64);

/**
 * One journal entry: a command that was decided, its result, and the SHA-256 link to the entry
 * before it. It holds ids, numbers, dates and codes only: never names, ID numbers or phones, and
 * free-text reasons are kept beside the journal (erasable) rather than in it.
 */
export interface JournalEntry {
  /** Position, from 1, without gaps. */
  readonly seq: number;
  /** The command's idempotency key (unique in the journal). */
  readonly key: string;
  /** SHA-256 of the command as submitted (canonical JSON), to tell a replay from a conflict. */
  readonly fingerprint: string;
  /** When it was decided (ISO 8601 instant, from the bank's clock). */
  readonly at: string;
  /** The command as applied, without its free-text reason; `null` when the command failed. */
  readonly command: StoredCommand | null;
  /** The result the submitter got. */
  readonly result: CommandResult;
  /** Hash of the entry before (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** SHA-256 over `prevHash` and this entry's content. */
  readonly hash: string;
}

/**
 * JSON with object keys sorted at every level, so that equal content always hashes equally
 * (whatever order the keys were written in, and after a round trip through a database).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  // Hot path (twice per command): plain loops and string concatenation, no intermediate arrays.
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return "null";
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    if (!first) out += ",";
    first = false;
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * Hex SHA-256 of a string.
 *
 * @example
 * ```ts
 * sha256("abc").slice(0, 8); // "ba7816bf"
 * ```
 */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The hash an entry must carry, computed from its content and its `prevHash`.
 *
 * @example
 * ```ts
 * const ok = entryHash(entry) === entry.hash;
 * ```
 */
export function entryHash(entry: Omit<JournalEntry, "hash">): string {
  return entryHashOf(entry, canonicalJson(entry.command), canonicalJson(entry.result));
}

/**
 * The canonical JSON of an entry's command and result, kept from hashing so that a SQL store writes
 * the same text without serialising again. Internal: not exported from the package.
 */
export const entryTexts = new WeakMap<JournalEntry, { readonly command: string; readonly result: string }>();

/** {@link entryHash} with the command's and result's canonical JSON already computed. */
export function entryHashOf(entry: Omit<JournalEntry, "hash">, commandText: string, resultText: string): string {
  // The canonical JSON of {seq, key, fingerprint, at, command, result}, keys in sorted order,
  // written out directly (this runs once per command).
  return sha256(
    `${entry.prevHash}\n{"at":${canonicalJson(entry.at)},"command":${commandText},"fingerprint":${canonicalJson(entry.fingerprint)},"key":${canonicalJson(entry.key)},"result":${resultText},"seq":${canonicalJson(entry.seq)}}`,
  );
}

/** What {@link verifyJournal} found. */
export type JournalVerification =
  | { readonly ok: true; readonly length: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** 1-based position in the journal as read of the first entry that is not what it should be. */
      readonly position: number;
      /** The seq the journal should have at that position. */
      readonly expectedSeq: number;
      /** What happened there. */
      readonly problem: "altered" | "removed" | "inserted" | "truncated";
    };

/** An anchor kept elsewhere (e.g. printed on the last public notice) to detect a cut-off tail. */
export interface JournalAnchor {
  /** How many entries the journal had. */
  readonly length: number;
  /** The hash of its last entry. */
  readonly headHash: string;
}

/**
 * Walks the hash chain and names the first entry that was altered, removed or inserted.
 *
 * - `altered`: an entry's content no longer matches its hash, or an intact entry links to a
 *   predecessor that was rewritten with a fresh hash (the predecessor is named);
 * - `removed`: the sequence jumps (a renumbered follower whose hash fits `seq + 1` also counts);
 * - `inserted`: a sequence number repeats, or an entry that the chain skips over (its successor
 *   links to the entry before it), or followers renumbered down by one;
 * - `truncated`: with an anchor kept elsewhere, the journal is shorter than the anchor.
 *
 * @example
 * ```ts
 * const report = verifyJournal(entries);
 * if (!report.ok) console.log(report.problem, "at", report.position);
 * ```
 */
export function verifyJournal(entries: readonly JournalEntry[], anchor?: JournalAnchor): JournalVerification {
  const bad = (index: number, problem: "altered" | "removed" | "inserted" | "truncated"): JournalVerification => ({
    ok: false,
    position: index + 1,
    expectedSeq: index + 1,
    problem,
  });
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as JournalEntry;
    const expectedSeq = i + 1;
    const next = entries[i + 1];
    if (e.seq > expectedSeq) return bad(i, "removed");
    if (e.seq < expectedSeq) {
      // A repeated seq: the genuine one of the two is the one the chain continues from.
      const prev = entries[i - 1] as JournalEntry;
      if (prev.seq === e.seq) {
        const chainGoesThroughThis = next !== undefined ? next.prevHash === e.hash : e.prevHash !== prev.hash;
        if (chainGoesThroughThis) return bad(i - 1, "inserted");
      }
      return bad(i, "inserted");
    }
    if (entryHash(e) !== e.hash) {
      // The chain continues from the entry before this one, skipping it: it was inserted.
      if (
        next !== undefined &&
        next.prevHash === prevHash &&
        (entryHash(next) === next.hash || entryHash({ ...next, seq: next.seq - 1 }) === next.hash)
      )
        return bad(i, "inserted");
      if (i > 0 && entryHash({ ...e, seq: e.seq - 1 }) === e.hash) return bad(i - 1, "inserted");
      if (entryHash({ ...e, seq: e.seq + 1 }) === e.hash) return bad(i, "removed");
      return bad(i, "altered");
    }
    if (e.prevHash !== prevHash) {
      if (next !== undefined && next.prevHash === prevHash) return bad(i, "inserted");
      return bad(Math.max(0, i - 1), "altered");
    }
    prevHash = e.hash;
  }
  if (anchor !== undefined) {
    if (entries.length < anchor.length) return bad(entries.length, "truncated");
    if (anchor.length > 0 && entries[anchor.length - 1]?.hash !== anchor.headHash)
      return bad(anchor.length - 1, "altered");
  }
  return { ok: true, length: entries.length, headHash: prevHash };
}
