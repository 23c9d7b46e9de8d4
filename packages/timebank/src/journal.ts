import { canonicalJson as coreCanonicalJson, ElderflowError, isWellFormedText } from "@elderflow/core";
import { type AnchorVerifier, type SignedAnchor, verifyAnchorSignature } from "./anchor";
import type { CommandResult, StoredCommand } from "./commands";
import { type HashSuite, sha256Suite } from "./hash";
import type { AccountRow } from "./state";
import type { TimeBankStore } from "./stores/types";

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
 * One journal entry: a command that was decided, its result, and the hash link (SHA-256, or the
 * bank's {@link HashSuite}) to the entry before it. It holds ids, numbers, dates and codes only: never names, ID numbers or phones, and
 * free-text reasons are kept beside the journal (erasable) rather than in it.
 */
export interface JournalEntry {
  /** Position, from 1, without gaps. */
  readonly seq: number;
  /** The command's idempotency key (unique in the journal). */
  readonly key: string;
  /** Digest of the command as submitted (canonical JSON), to tell a replay from a conflict. */
  readonly fingerprint: string;
  /** When it was decided (ISO 8601 instant, from the bank's clock). */
  readonly at: string;
  /** The command as applied, without its free-text reason; `null` when the command failed. */
  readonly command: StoredCommand | null;
  /** The result the submitter got. */
  readonly result: CommandResult;
  /** Hash of the entry before (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** Digest over `prevHash` and this entry's content. */
  readonly hash: string;
}

/** Bounds of the canonical JSON the journal hashes (core's defaults for untrusted JSON). */
const MAX_DEPTH = 32;
const MAX_NODES = 100_000;
const MAX_STRING = 100_000;

/**
 * JSON with object keys sorted at every level, so that equal content always hashes equally
 * (whatever order the keys were written in, and after a round trip through a database).
 * Iterative, so no nesting depth can overflow the stack; over the bounds (32 levels, 100,000
 * values, strings of 100,000), or with a lone surrogate, a non-finite number or a non-JSON value,
 * it throws core's typed error with the path of the offending part and none of its content.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  // Core's canonicalJson writes the same text and names the path of a problem, but tracks a path
  // for every value; this runs twice per command, so it tracks none and asks core only to explain.
  return fastCanonicalJson(value) ?? coreCanonicalJson(value);
}

/** The canonical text, or undefined when core must explain what is wrong with the value. */
function fastCanonicalJson(value: unknown): string | undefined {
  let out = "";
  // Three parallel stacks (no object per item): a value or literal text, which of the two, depth.
  const items: unknown[] = [value];
  const literal: boolean[] = [false];
  const depths: number[] = [0];
  let nodes = 0;
  while (items.length > 0) {
    const v = items.pop();
    const depth = depths.pop() as number;
    if (literal.pop()) {
      out += v as string;
      continue;
    }
    if (++nodes > MAX_NODES) return undefined;
    if (v === null) {
      out += "null";
      continue;
    }
    switch (typeof v) {
      case "string":
        if (v.length > MAX_STRING || !isWellFormedText(v)) return undefined;
        out += JSON.stringify(v);
        continue;
      case "number":
        if (!Number.isFinite(v)) return undefined;
        out += JSON.stringify(v);
        continue;
      case "boolean":
        out += v ? "true" : "false";
        continue;
      case "object":
        break;
      default:
        return undefined;
    }
    if (depth >= MAX_DEPTH) return undefined;
    if (Array.isArray(v)) {
      out += "[";
      items.push("]");
      literal.push(true);
      depths.push(0);
      for (let i = v.length - 1; i >= 0; i--) {
        items.push(v[i]);
        literal.push(false);
        depths.push(depth + 1);
        if (i > 0) {
          items.push(",");
          literal.push(true);
          depths.push(0);
        }
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return undefined;
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    out += "{";
    items.push("}");
    literal.push(true);
    depths.push(0);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      if (!isWellFormedText(k)) return undefined;
      items.push(obj[k]);
      literal.push(false);
      depths.push(depth + 1);
      items.push(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`);
      literal.push(true);
      depths.push(0);
    }
  }
  return out;
}

/**
 * Hex SHA-256 of a string (the default suite's digest).
 *
 * @example
 * ```ts
 * sha256("abc").slice(0, 8); // "ba7816bf"
 * ```
 */
export function sha256(text: string): string {
  return sha256Suite.digest(text);
}

/**
 * The hash an entry must carry, computed from its content and its `prevHash` with a suite
 * (SHA-256 unless told).
 *
 * @example
 * ```ts
 * const ok = entryHash(entry) === entry.hash;
 * const okSm3 = entryHash(entry, sm3Suite) === entry.hash;
 * ```
 */
export function entryHash(entry: Omit<JournalEntry, "hash">, suite: HashSuite = sha256Suite): string {
  return entryHashOf(entry, canonicalJson(entry.command), canonicalJson(entry.result), suite);
}

/**
 * The canonical JSON of an entry's command and result, kept from hashing so that a SQL store writes
 * the same text without serialising again. Internal: not exported from the package.
 */
export const entryTexts = new WeakMap<JournalEntry, { readonly command: string; readonly result: string }>();

/** {@link entryHash} with the command's and result's canonical JSON already computed. */
export function entryHashOf(
  entry: Omit<JournalEntry, "hash">,
  commandText: string,
  resultText: string,
  suite: HashSuite = sha256Suite,
): string {
  // The canonical JSON of {seq, key, fingerprint, at, command, result}, keys in sorted order,
  // written out directly (this runs once per command).
  return suite.digest(
    `${entry.prevHash}\n{"at":${canonicalJson(entry.at)},"command":${commandText},"fingerprint":${canonicalJson(entry.fingerprint)},"key":${canonicalJson(entry.key)},"result":${resultText},"seq":${canonicalJson(entry.seq)}}`,
  );
}

/**
 * The command and result texts an entry was parsed from, as a SQL store read them (set only where
 * the entry is built from those texts, so the two cannot disagree). Internal: not exported from
 * the package.
 */
export const storedTexts = new WeakMap<JournalEntry, { readonly command: string; readonly result: string }>();

/**
 * Whether an entry carries the hash its content and `prevHash` give. An entry read from a store
 * comes with the texts it was parsed from (in {@link storedTexts}): their hash is tried first,
 * which spares serialising the parsed values again. The answer is the same either way: the writer
 * hashed the canonical text, so the stored text hashes to the entry's hash exactly when it is that
 * text; any other text (re-formatted, say) is then judged by its canonical form, as without them.
 * Internal: not exported from the package.
 */
export function entryHashMatches(entry: JournalEntry, suite: HashSuite): boolean {
  const texts = storedTexts.get(entry);
  if (texts !== undefined && entryHashOf(entry, texts.command, texts.result, suite) === entry.hash) return true;
  return entryHash(entry, suite) === entry.hash;
}

/**
 * Where a journal stopped being what it should be.
 *
 * @example
 * ```ts
 * const problem: JournalProblem = "bad-anchor";
 * ```
 */
export type JournalProblem = "altered" | "removed" | "inserted" | "truncated" | "bad-anchor";

/** What {@link verifyJournal} found. */
export type JournalVerification =
  | { readonly ok: true; readonly length: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** 1-based position in the journal as read of the first entry that is not what it should be. */
      readonly position: number;
      /** The seq the journal should have at that position. */
      readonly expectedSeq: number;
      /**
       * What happened there; `bad-anchor` means the anchor itself cannot be trusted (its signature
       * does not verify, no verifier was given for it, or it names another hash suite), and
       * `position` is then the anchor's length.
       */
      readonly problem: JournalProblem;
    };

/** An anchor kept elsewhere (e.g. printed on the last public notice) to detect a cut-off tail. */
export interface JournalAnchor {
  /** How many entries the journal had. */
  readonly length: number;
  /** The hash of its last entry. */
  readonly headHash: string;
}

/**
 * Options of {@link verifyJournal}.
 *
 * @example
 * ```ts
 * const options: VerifyJournalOptions = { anchor, verifier: hmacSigner(hostKey), suite: sm3Suite };
 * ```
 */
export interface VerifyJournalOptions {
  /**
   * A checkpoint kept elsewhere: the journal must hold it unchanged (same length, same head) and
   * may only extend it. A {@link SignedAnchor} is trusted only if `verifier` accepts its signature.
   */
  readonly anchor?: JournalAnchor | SignedAnchor;
  /** Checks a signed anchor's signature (required when the anchor is signed). */
  readonly verifier?: AnchorVerifier;
  /** The suite the journal was written with (default SHA-256). */
  readonly suite?: HashSuite;
}

/**
 * Walks the hash chain and names the first entry that was altered, removed or inserted, then
 * checks it against an anchor kept elsewhere.
 *
 * - `altered`: an entry's content no longer matches its hash, or an intact entry links to a
 *   predecessor that was rewritten with a fresh hash (the predecessor is named); a history
 *   rewritten with every hash recomputed is `altered` at the anchor, whose head it no longer has;
 * - `removed`: the sequence jumps (a renumbered follower whose hash fits `seq + 1` also counts);
 * - `inserted`: a sequence number repeats, or an entry that the chain skips over (its successor
 *   links to the entry before it), or followers renumbered down by one;
 * - `truncated`: the journal is shorter than the anchor;
 * - `bad-anchor`: the anchor is signed and its signature does not verify (or names another suite).
 *
 * Entries after the anchor that chain from its head are extensions, and accepted.
 *
 * @example
 * ```ts
 * const report = verifyJournal(entries, { anchor, verifier: ed25519Verifier(publicKey) });
 * if (!report.ok) console.log(report.problem, "at", report.position);
 * ```
 */
export function verifyJournal(
  entries: readonly JournalEntry[],
  options: VerifyJournalOptions = {},
): JournalVerification {
  const suite = options.suite ?? sha256Suite;
  const hashOf = (e: Omit<JournalEntry, "hash">) => entryHash(e, suite);

  const bad = (index: number, problem: JournalProblem): JournalVerification => ({
    ok: false,
    position: index + 1,
    expectedSeq: index + 1,
    problem,
  });
  const anchor = options.anchor;
  if (anchor !== undefined && !anchorTrusted(anchor, options.verifier, suite))
    return bad(anchor.length - 1, "bad-anchor");
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
    if (!entryHashMatches(e, suite)) {
      // The chain continues from the entry before this one, skipping it: it was inserted.
      if (
        next !== undefined &&
        next.prevHash === prevHash &&
        (hashOf(next) === next.hash || hashOf({ ...next, seq: next.seq - 1 }) === next.hash)
      )
        return bad(i, "inserted");
      if (i > 0 && hashOf({ ...e, seq: e.seq - 1 }) === e.hash) return bad(i - 1, "inserted");
      if (hashOf({ ...e, seq: e.seq + 1 }) === e.hash) return bad(i, "removed");
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
    const anchoredHead = anchor.length === 0 ? GENESIS_HASH : entries[anchor.length - 1]?.hash;
    if (anchoredHead !== anchor.headHash) return bad(Math.max(0, anchor.length - 1), "altered");
  }
  return { ok: true, length: entries.length, headHash: prevHash };
}

/** Whether an anchor may be relied on: unsigned ones as given, signed ones only if they verify. */
function anchorTrusted(anchor: JournalAnchor | SignedAnchor, verifier: AnchorVerifier | undefined, suite: HashSuite) {
  if (!Number.isSafeInteger(anchor.length) || anchor.length < 0 || typeof anchor.headHash !== "string") return false;
  const signed = "signature" in anchor ? (anchor as SignedAnchor) : undefined;
  if (signed === undefined) return verifier === undefined;
  return verifier !== undefined && signed.suite === suite.name && verifyAnchorSignature(signed, verifier);
}

/** The part of a bank's state the open check reads and advances. */
interface ReplayingState {
  readonly seq: number;
  readonly headHash: string;
  replay(entry: JournalEntry): void;
  readonly ledger: { accounts(): Iterable<{ readonly id: unknown }> };
  accountRow(id: string): AccountRow | undefined;
}

const tampered = (position: number, table: string) =>
  new ElderflowError("JOURNAL_TAMPERED", { params: { position, table } });

/**
 * Opens a journal with proof that the store is whole: replays it up to the head the store
 * records, then requires the head (length and hash) to be the journal's own and every stored
 * account row to be the balance the journal rebuilds. The head and the accounts are read at one
 * point (no writer in between), so a concurrent writer cannot make a whole store look tampered.
 * Throws `HASH_SUITE_MISMATCH` for a journal of another suite, and `JOURNAL_TAMPERED` with the
 * position and the table at fault (never a value) when a journal was cut (TRUNCATE with its
 * trigger dropped), the head was edited, or an account row was. Internal: the bank calls it.
 */
export async function openChecked(
  store: Pick<TimeBankStore, "readSnapshot" | "readJournal">,
  state: ReplayingState,
  suite: HashSuite,
): Promise<void> {
  const { head, accounts } = await store.readSnapshot();
  if (head === undefined) throw tampered(0, "timebank_head");
  // A head of migration 1 had no suite: it was SHA-256, the only one then.
  const stored = head.seq > 0 ? (head.suite ?? sha256Suite.name) : null;
  if (stored !== null && stored !== suite.name)
    throw new ElderflowError("HASH_SUITE_MISMATCH", { params: { stored, requested: suite.name } });
  while (state.seq < head.seq) {
    const page = await store.readJournal(state.seq, Math.min(10_000, head.seq - state.seq));
    if (page.length === 0) break;
    for (const e of page) if (e.seq > state.seq && e.seq <= head.seq) state.replay(e);
  }
  if (state.seq < head.seq) throw tampered(state.seq + 1, "timebank_journal");
  if (state.seq !== head.seq || state.headHash !== head.hash) throw tampered(head.seq, "timebank_head");
  const rows = new Map<string, AccountRow>();
  for (const r of accounts) rows.set(r.id, r);
  let expected = 0;
  for (const a of state.ledger.accounts()) {
    const id = String(a.id);
    const want = state.accountRow(id);
    const got = rows.get(id);
    expected++;
    if (
      want === undefined ||
      got === undefined ||
      got.debitsPending !== want.debitsPending ||
      got.debitsPosted !== want.debitsPosted ||
      got.creditsPending !== want.creditsPending ||
      got.creditsPosted !== want.creditsPosted ||
      got.earned !== want.earned
    )
      throw tampered(head.seq, "timebank_accounts");
  }
  if (rows.size !== expected) throw tampered(head.seq, "timebank_accounts");
}

/**
 * Reads one account row and checks it against the journal: the row is read with the journal
 * length it belongs to, the state is brought to exactly that length, and the row must be the
 * balance the journal rebuilds, else `JOURNAL_TAMPERED` (table `timebank_accounts`, no value).
 * While this bank's own batch is being written its state is ahead of the store: the read is
 * repeated until the batch lands, and only a bank that stays ahead (a saturated writer) returns
 * the stored row unchecked, which the open check covers. Internal: `readAccount` calls it.
 */
export async function readAccountChecked(
  store: Pick<TimeBankStore, "readAccountAt" | "readJournal">,
  state: () => ReplayingState,
  id: string,
): Promise<AccountRow | undefined> {
  let read = await store.readAccountAt(id);
  for (let tries = 0; state().seq > read.seq; tries++) {
    if (tries === 50) return read.row;
    await new Promise((resolve) => setTimeout(resolve, 2));
    read = await store.readAccountAt(id);
  }
  const { seq, row } = read;
  for (;;) {
    const s = state();
    if (s.seq >= seq) break;
    const page = await store.readJournal(s.seq, Math.min(10_000, seq - s.seq));
    if (page.length === 0) throw tampered(s.seq + 1, "timebank_journal");
    for (const e of page) if (e.seq === state().seq + 1 && e.seq <= seq) state().replay(e);
  }
  const s = state();
  if (s.seq !== seq) return row;
  const want = s.accountRow(id);
  const same =
    want === undefined
      ? row === undefined
      : row !== undefined &&
        row.debitsPending === want.debitsPending &&
        row.debitsPosted === want.debitsPosted &&
        row.creditsPending === want.creditsPending &&
        row.creditsPosted === want.creditsPosted &&
        row.earned === want.earned;
  if (!same) throw tampered(seq, "timebank_accounts");
  return row;
}
