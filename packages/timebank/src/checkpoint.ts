/**
 * State checkpoints: the bank's open state at a journal position, so that opening costs the open
 * state plus the journal after it, not the whole history. A checkpoint is never trusted: its own
 * hash is checked over its canonical text, it must name the journal entry at its position (same
 * head hash), and the entries after it must continue the chain from that hash. One that fails any
 * check is skipped (the previous one, or the full journal, is used instead). The journal stays the
 * source of truth; `verifyJournal` still walks the whole chain.
 */
import type { HashSuite } from "./hash";
import type { BankState, MovementKind } from "./state";

/**
 * A record or withdrawal as a checkpoint stores it, in a fixed field order: key, kind, volunteer,
 * community, servedIn, counterpart, minutes, on, registeredBy, transfers, status, settledKey,
 * settledBy, settledOn, reversedKey, reversedOn (absent fields are null).
 *
 * @example
 * ```ts
 * const t: EntryTuple = ["r1", "record", "v1", "c1", "c1", "cadre-7", 90, "2027-01-05", "leader-1", [1], "pending", null, null, null, null, null];
 * ```
 */
export type EntryTuple = readonly [
  string,
  "record" | "withdrawal",
  string,
  string,
  string,
  string,
  number,
  string,
  string | null,
  readonly number[],
  "pending" | "posted" | "voided" | "reversed",
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

/**
 * A posted movement as a checkpoint stores it: seq, key, entry, on, effectiveOn, volunteer,
 * community, kind, minutes.
 *
 * @example
 * ```ts
 * const m: MovementTuple = [4, "vf1", "r1", "2027-01-06", "2027-01-05", "v1", "c1", "earned", 90];
 * ```
 */
export type MovementTuple = readonly [number, string, string, string, string, string, string, MovementKind, number];

/**
 * The open state of a bank at journal position `seq` (format version 1). Its keys are in sorted
 * order, so `JSON.stringify` of it is its canonical text (no whitespace, arrays in state order).
 * Idempotency keys are not in it: the journal table is indexed by key and the bank reads the keys
 * of a batch on demand, so memory does not grow with every command ever made.
 *
 * @example
 * ```ts
 * const body: CheckpointBody = state.exportOpen("sha256");
 * body.seq; // the journal position it was taken at
 * ```
 */
export interface CheckpointBody {
  /** Ledger accounts in creation order: id, no-overdraft flag, debits pending/posted, credits pending/posted. */
  readonly accounts: readonly (readonly [string, 0 | 1, number, number, number, number])[];
  /** Closed periods, `community|YYYY-Qn`. */
  readonly closed: readonly string[];
  /** Earned minutes by volunteer. */
  readonly earned: readonly (readonly [string, number])[];
  /** Records and withdrawals, in the order they were made. */
  readonly entries: readonly EntryTuple[];
  /** Hash of the journal entry at `seq`. */
  readonly headHash: string;
  /** Posted movements in journal order. */
  readonly movements: readonly MovementTuple[];
  /** The next internal transfer id. */
  readonly nextTransfer: number;
  /** Pending ledger transfers: id, debit account, credit account, minutes. */
  readonly pending: readonly (readonly [number, string, string, number])[];
  /** Settling command key to entry key. */
  readonly refs: readonly (readonly [string, string])[];
  /** Granted roles (`community\u0000person\u0000role`). */
  readonly roles: readonly string[];
  /** Journal position. */
  readonly seq: number;
  /** The journal's hash suite. */
  readonly suite: string;
  /** Format version. */
  readonly v: 1;
  /** Enrolments: volunteer, community, family, journal position. */
  readonly volunteers: readonly (readonly [string, string, readonly string[], number])[];
}

/**
 * Where a checkpoint stands, without its body (what `store.readCheckpoints` lists, newest first).
 *
 * @example
 * ```ts
 * const [newest]: CheckpointInfo[] = await store.readCheckpoints(); // { seq: 50000, headHash: "…", suite: "sha256", hash: "…" }
 * ```
 */
export interface CheckpointInfo {
  /** Journal position. */
  readonly seq: number;
  /** Hash of the journal entry at `seq`. */
  readonly headHash: string;
  /** Hash suite of the journal (and of the checkpoint's own hash). */
  readonly suite: string;
  /** The suite's digest of `body`. */
  readonly hash: string;
}

/**
 * A checkpoint as stored: where it stands and its canonical text.
 *
 * @example
 * ```ts
 * const cp: StoredCheckpoint = encodeCheckpoint(state, sha256Suite);
 * await store.writeCheckpoint(cp, 3);
 * ```
 */
export interface StoredCheckpoint extends CheckpointInfo {
  /** The canonical JSON text of a {@link CheckpointBody}. */
  readonly body: string;
}

/**
 * Serialises a state's open state canonically, with its hash.
 *
 * @example
 * ```ts
 * const cp = encodeCheckpoint(state, sha256Suite); // cp.seq === state.seq
 * ```
 */
export function encodeCheckpoint(state: BankState, suite: HashSuite): StoredCheckpoint {
  const body = JSON.stringify(state.exportOpen(suite.name));
  return { seq: state.seq, headHash: state.headHash, suite: suite.name, hash: suite.digest(body), body };
}

const isStr = (x: unknown): x is string => typeof x === "string";
const isNum = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x);
const isNullableStr = (x: unknown) => x === null || typeof x === "string";
const tuples = (x: unknown, check: (t: unknown[]) => boolean): boolean =>
  Array.isArray(x) && x.every((t) => Array.isArray(t) && check(t));

/** Whether parsed JSON has the shape of a {@link CheckpointBody} (types only: the hash vouched for the bytes). */
function isBody(x: unknown): x is CheckpointBody {
  if (typeof x !== "object" || x === null) return false;
  const b = x as Record<string, unknown>;
  return (
    b.v === 1 &&
    isNum(b.seq) &&
    isStr(b.headHash) &&
    isStr(b.suite) &&
    isNum(b.nextTransfer) &&
    tuples(b.accounts, (t) => t.length === 6 && isStr(t[0]) && (t[1] === 0 || t[1] === 1) && t.slice(2).every(isNum)) &&
    tuples(b.pending, (t) => t.length === 4 && isNum(t[0]) && isStr(t[1]) && isStr(t[2]) && isNum(t[3])) &&
    Array.isArray(b.closed) &&
    b.closed.every(isStr) &&
    Array.isArray(b.roles) &&
    b.roles.every(isStr) &&
    tuples(b.earned, (t) => t.length === 2 && isStr(t[0]) && isNum(t[1])) &&
    tuples(b.refs, (t) => t.length === 2 && isStr(t[0]) && isStr(t[1])) &&
    tuples(
      b.volunteers,
      (t) => t.length === 4 && isStr(t[0]) && isStr(t[1]) && Array.isArray(t[2]) && t[2].every(isStr) && isNum(t[3]),
    ) &&
    tuples(
      b.entries,
      (t) =>
        t.length === 16 &&
        isStr(t[0]) &&
        (t[1] === "record" || t[1] === "withdrawal") &&
        t.slice(2, 6).every(isStr) &&
        isNum(t[6]) &&
        isStr(t[7]) &&
        isNullableStr(t[8]) &&
        Array.isArray(t[9]) &&
        t[9].every(isNum) &&
        (t[10] === "pending" || t[10] === "posted" || t[10] === "voided" || t[10] === "reversed") &&
        t.slice(11).every(isNullableStr),
    ) &&
    tuples(b.movements, (t) => t.length === 9 && isNum(t[0]) && t.slice(1, 8).every(isStr) && isNum(t[8]))
  );
}

/**
 * Checks a stored checkpoint on its own: its hash over its text, the suite, its shape, and that
 * the body names the same position and head hash as the record. The body, or why it was refused
 * (a short reason with no stored value in it).
 *
 * @example
 * ```ts
 * const body = decodeCheckpoint(cp, sha256Suite);
 * if (typeof body === "string") console.warn(`checkpoint skipped: ${body}`);
 * ```
 */
export function decodeCheckpoint(cp: StoredCheckpoint, suite: HashSuite): CheckpointBody | string {
  if (cp.suite !== suite.name) return "other hash suite";
  if (suite.digest(cp.body) !== cp.hash) return "hash mismatch";
  let parsed: unknown;
  try {
    parsed = JSON.parse(cp.body);
  } catch {
    return "not JSON";
  }
  if (!isBody(parsed)) return "not a checkpoint body";
  if (parsed.seq !== cp.seq || parsed.headHash !== cp.headHash || parsed.suite !== cp.suite) return "record mismatch";
  return parsed;
}
