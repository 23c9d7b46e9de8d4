/**
 * The access log (访问日志): who read or wrote whose personal data, for what purpose, when. Each
 * entry is linked to the one before by a hash of its canonical text, so an edited, deleted or
 * reordered entry breaks the chain at its position. Old entries are pruned after the retention
 * period behind a hashed checkpoint of the pruned prefix, so the rest still verifies.
 */
import {
  Actor,
  type ActorInput,
  actorHasRole,
  type Clock,
  canonicalJson,
  ElderflowError,
  fromZodError,
  IdSchema,
  sha256Hex,
  type TextRules,
  textProblem,
} from "@elderflow/core";

/**
 * Why personal data is looked at. 用途 is required by PIPL art. 6 (minimum necessary) and checked
 * by 等保 2.0 audits; free text goes into {@link AccessPurposeInput.note}.
 *
 * @example
 * ```ts
 * ACCESS_PURPOSES.includes("service_delivery"); // true
 * ```
 */
export const ACCESS_PURPOSES = [
  "service_delivery",
  "eligibility",
  "case_handling",
  "hotline",
  "health_care",
  "data_maintenance",
  "statistics",
  "audit",
  "emergency",
  "system_job",
] as const;

/** One of {@link ACCESS_PURPOSES}. */
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

/**
 * What was done: the register's reads and writes, the health records' (`health_*`), and
 * `read`/`write` for other personal data a host wraps.
 *
 * @example
 * ```ts
 * ACCESS_OPERATIONS.includes("persons"); // true
 * ```
 */
export const ACCESS_OPERATIONS = [
  "get",
  "persons",
  "list",
  "history",
  "export",
  "find_by_id_number",
  "record",
  "erase",
  "health_records",
  "health_history",
  "health_due_list",
  "health_record",
  "health_erase",
  "read",
  "write",
] as const;

/** One of {@link ACCESS_OPERATIONS}. */
export type AccessOperation = (typeof ACCESS_OPERATIONS)[number];

/** Rules of a purpose note: one line, at most 200 characters, canonical, no ID number or phone. */
export const PURPOSE_NOTE_RULES: TextRules = { max: 200, noPersonalData: true };

/** Most subjects one entry holds; a larger read is split into several entries of one append. */
export const MAX_SUBJECTS_PER_ENTRY = 10_000;

/** Most subjects one append takes (a read of the largest district many times over). */
export const MAX_SUBJECTS_PER_APPEND = 1_000_000;

/** The shortest retention, and the default: 180 days (Cybersecurity Law art. 21, 不少于六个月). */
export const MIN_RETENTION_DAYS = 180;

/** Roles that may read, export, verify and prune the access log. */
export const ACCESS_AUDIT_ROLES = ["bureau", "admin", "system"] as const;

/** The link before the first entry. */
export const ACCESS_GENESIS = "0".repeat(64);

/** The purpose a caller states for an access. */
export interface AccessPurposeInput {
  /** One of {@link ACCESS_PURPOSES}. */
  readonly purpose: AccessPurpose;
  /** Free text (a case or ticket reference), checked against {@link PURPOSE_NOTE_RULES}. */
  readonly note?: string;
}

/** One access as appended. */
export interface AccessInput extends AccessPurposeInput {
  /** What was done. */
  readonly operation: AccessOperation;
  /** The ids of the persons whose data was read or written (duplicates are dropped). */
  readonly subjects: readonly string[];
}

/** One entry of the log, as stored and exported: ids and codes only, never personal data. */
export interface AccessEntry {
  /** Position in the chain, from 1, without gaps. */
  readonly seq: number;
  /** The instant from the log's clock, ISO 8601 in UTC. */
  readonly at: string;
  /** The actor's id. */
  readonly actor: string;
  /** The actor's roles at the time. */
  readonly roles: readonly string[];
  /** Why. */
  readonly purpose: AccessPurpose;
  /** The purpose note, when given. */
  readonly note?: string;
  /** What was done. */
  readonly operation: AccessOperation;
  /** Whose data, sorted. */
  readonly subjects: readonly string[];
  /** Hash of the entry before (or {@link ACCESS_GENESIS}). */
  readonly prev: string;
  /** Hash of this entry's canonical text, which includes `prev`. */
  readonly hash: string;
}

/** The hashed summary of a pruned prefix: the chain resumes after `throughSeq` from `head`. */
export interface AccessCheckpoint {
  /** Last pruned seq. */
  readonly throughSeq: number;
  /** Hash of the last pruned entry. */
  readonly head: string;
  /** The instant of the prune. */
  readonly at: string;
  /** The retention cutoff the prune used (entries before it were removed). */
  readonly cutoff: string;
  /** The hash suite's name. */
  readonly suite: string;
  /** Hash of the checkpoint's other fields. */
  readonly hash: string;
}

/** The result of {@link AccessLog.verify}. */
export type AccessVerification =
  | {
      /** The chain holds. */
      readonly ok: true;
      /** Entries checked (after the checkpoint). */
      readonly entries: number;
      /** Hash of the last entry (the checkpoint's head, or the genesis, when none). */
      readonly head: string;
      /** The first seq checked. */
      readonly fromSeq: number;
    }
  | {
      /** The chain is broken. */
      readonly ok: false;
      /** The seq where the chain first fails (the expected seq for a missing entry; 0 for the checkpoint). */
      readonly position: number;
      /** `hash`: an entry's content does not match its hash; `link`: it does not follow the entry before;
       * `sequence`: an entry is missing or out of order; `checkpoint`: the checkpoint was altered. */
      readonly reason: "hash" | "link" | "sequence" | "checkpoint";
    };

/**
 * A hash the log links with: SHA-256 through core's WebCrypto helper by default; the time bank's
 * `sm3Suite` (or any `{ name, digest }` with a 64-hex digest) fits.
 */
export interface AccessHash {
  /** The suite's name, recorded in checkpoints. */
  readonly name: string;
  /** Lower-case hex digest of a text. */
  digest(text: string): string | Promise<string>;
}

/**
 * SHA-256 via core's `sha256Hex` (WebCrypto), the default link hash.
 *
 * @example
 * ```ts
 * (await accessSha256.digest("abc")).slice(0, 8); // "ba7816bf"
 * ```
 */
export const accessSha256: AccessHash = { name: "sha256", digest: sha256Hex };

/** The head of the chain: the last seq and its hash. */
export interface AccessHead {
  /** Last seq (0 when empty). */
  readonly seq: number;
  /** Its hash. */
  readonly hash: string;
}

/**
 * Where the log lives. `append` runs `build` with the current head under a lock and stores what it
 * returns all together or not at all.
 */
export interface AccessLogStore {
  /** Appends the entries `build` makes from the head, atomically and one appender at a time. */
  append(build: (head: AccessHead) => Promise<readonly AccessEntry[]>): Promise<readonly AccessEntry[]>;
  /** Every entry in seq order (after the checkpoint). */
  entries(): AsyncIterable<AccessEntry>;
  /** Entries naming a subject, with `at` in [from, to), in seq order. */
  bySubject(subject: string, from: string, to: string): Promise<AccessEntry[]>;
  /** The checkpoint of the pruned prefix, if any. */
  checkpoint(): Promise<AccessCheckpoint | undefined>;
  /** The entries a prune would remove: the longest prefix with `at` before the cutoff. */
  prunable(cutoff: string): Promise<AccessHead | undefined>;
  /** Removes entries up to `checkpoint.throughSeq` and stores the checkpoint, atomically. */
  prune(checkpoint: AccessCheckpoint): Promise<number>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Options of {@link createAccessLog}. */
export interface AccessLogOptions {
  /** Where entries are kept. */
  readonly store: AccessLogStore;
  /** Where `at` comes from. */
  readonly clock: Clock;
  /** Days entries are kept before a prune may remove them; at least {@link MIN_RETENTION_DAYS} (the default). */
  readonly retentionDays?: number;
  /** The link hash (default {@link accessSha256}). */
  readonly hash?: AccessHash;
}

/** Query of {@link AccessLog.report}. */
export interface AccessReportQuery {
  /** The person looked at. */
  readonly subject: string;
  /** Earliest instant (inclusive, ISO 8601 with an offset), default the beginning. */
  readonly from?: string;
  /** Latest instant (exclusive), default the end. */
  readonly to?: string;
}

/** The tamper-evident access log. */
export interface AccessLog {
  /** The retention in days. */
  readonly retentionDays: number;
  /**
   * Records an access. Throws for a bad actor, a missing or bad purpose (`PURPOSE_REQUIRED`), a bad
   * note or subject id (path of the field), or more than {@link MAX_SUBJECTS_PER_APPEND} subjects.
   */
  append(actor: ActorInput, access: AccessInput): Promise<readonly AccessEntry[]>;
  /** Who looked at a person (an auditor role is needed). */
  report(actor: ActorInput, query: AccessReportQuery): Promise<AccessEntry[]>;
  /** The log as JSON lines (ids and codes only), first the checkpoint line if there is one. */
  exportLines(actor: ActorInput): AsyncIterable<string>;
  /** Checks the whole chain from the checkpoint. */
  verify(actor: ActorInput): Promise<AccessVerification>;
  /** Removes entries older than the retention behind a checkpoint; returns how many went. */
  prune(actor: ActorInput): Promise<{ removed: number; checkpoint?: AccessCheckpoint }>;
}

const DAY_MS = 86_400_000;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a retention setting: a whole number of days, at least {@link MIN_RETENTION_DAYS}.
 * Throws `RETENTION_TOO_SHORT` (path `retentionDays`) otherwise.
 *
 * @example
 * ```ts
 * assertRetention(365); // 365
 * ```
 */
export function assertRetention(days: unknown): number {
  if (typeof days !== "number" || !Number.isSafeInteger(days))
    throw new ElderflowError("INVALID_TYPE", { path: ["retentionDays"], params: { expected: "integer" } });
  if (days < MIN_RETENTION_DAYS)
    throw new ElderflowError("RETENTION_TOO_SHORT", {
      path: ["retentionDays"],
      params: { minimum: MIN_RETENTION_DAYS },
    });
  if (days > 36_500) throw new ElderflowError("TOO_BIG", { path: ["retentionDays"], params: { maximum: 36_500 } });
  return days;
}

/**
 * Checks a stated purpose and returns it canonical. Throws `PURPOSE_REQUIRED` (path `purpose`) when
 * missing or not in {@link ACCESS_PURPOSES}, or the note's text problem (path `note`).
 *
 * @example
 * ```ts
 * parsePurpose({ purpose: "hotline", note: "工单 2027-0042" });
 * ```
 */
export function parsePurpose(input: unknown): AccessPurposeInput {
  const raw = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const purpose = raw.purpose;
  if (typeof purpose !== "string" || !(ACCESS_PURPOSES as readonly string[]).includes(purpose))
    throw new ElderflowError("PURPOSE_REQUIRED", {
      path: ["purpose"],
      params: { options: ACCESS_PURPOSES.join(", ") },
    });
  if (raw.note === undefined) return { purpose: purpose as AccessPurpose };
  const problem = textProblem(raw.note, PURPOSE_NOTE_RULES);
  if (problem !== null) {
    const params: Record<string, string | number> = {};
    if (problem === "TOO_BIG") params.maximum = PURPOSE_NOTE_RULES.max;
    if (problem === "TOO_SMALL") params.minimum = 1;
    if (problem === "INVALID_TYPE") params.expected = "string";
    throw new ElderflowError(problem, { path: ["note"], params });
  }
  return { purpose: purpose as AccessPurpose, note: raw.note as string };
}

function parseActor(input: unknown): Actor {
  if (input === undefined || input === null) throw new ElderflowError("UNAUTHENTICATED", { path: ["actor"] });
  const r = Actor.safeParse(input);
  if (!r.success) throw fromZodError(r.error, ["actor"]);
  return r.data;
}

function assertAuditor(actor: Actor): void {
  if (!ACCESS_AUDIT_ROLES.some((r) => actorHasRole(actor, r)))
    throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
}

function parseSubjects(subjects: unknown): string[] {
  if (!Array.isArray(subjects))
    throw new ElderflowError("INVALID_TYPE", { path: ["subjects"], params: { expected: "array" } });
  if (subjects.length > MAX_SUBJECTS_PER_APPEND)
    throw new ElderflowError("TOO_MANY_ITEMS", { path: ["subjects"], params: { maximum: MAX_SUBJECTS_PER_APPEND } });
  const seen = new Set<string>();
  for (let i = 0; i < subjects.length; i++) {
    const s: unknown = subjects[i];
    if (typeof s !== "string" || !IdSchema.safeParse(s).success)
      throw new ElderflowError("INVALID_FORMAT", { path: ["subjects", i], params: { format: "id" } });
    seen.add(s);
  }
  return [...seen].sort();
}

function parseInstantText(value: string | undefined, fallback: string, field: string): string {
  if (value === undefined) return fallback;
  // An instant with its offset only: a bare date would silently mean UTC midnight, not Shanghai's.
  const ms =
    typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(ms)) throw new ElderflowError("INVALID_INSTANT", { path: [field] });
  return new Date(ms).toISOString();
}

/**
 * The canonical text an entry's hash covers (every field but `hash`), for a verifier outside
 * Elderflow: `hash = digest(accessEntryText(entry))`.
 *
 * @example
 * ```ts
 * const { hash, ...body } = entry;
 * (await accessSha256.digest(accessEntryText(body))) === hash; // true for an untouched entry
 * ```
 */
export function accessEntryText(e: Omit<AccessEntry, "hash">): string {
  const body: Record<string, unknown> = {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    roles: [...e.roles],
    purpose: e.purpose,
    operation: e.operation,
    subjects: [...e.subjects],
    prev: e.prev,
  };
  if (e.note !== undefined) body.note = e.note;
  return canonicalJson(body, { maxNodes: MAX_SUBJECTS_PER_ENTRY + 64 });
}

function checkpointText(c: Omit<AccessCheckpoint, "hash">): string {
  return canonicalJson({ throughSeq: c.throughSeq, head: c.head, at: c.at, cutoff: c.cutoff, suite: c.suite });
}

async function digestOf(hash: AccessHash, text: string): Promise<string> {
  const d = await hash.digest(text);
  if (!HEX64.test(d))
    throw new ElderflowError("INVALID_INPUT", { path: ["hash"], params: { detail: "digest is not 64 hex digits" } });
  return d;
}

/**
 * Opens the access log on a store.
 *
 * @example
 * ```ts
 * const log = createAccessLog({ store: memoryAccessLogStore(), clock: systemClock() });
 * await log.append(registrar, { purpose: "hotline", operation: "get", subjects: ["p-0001"] });
 * (await log.verify(bureau)).ok; // true
 * ```
 */
export function createAccessLog(options: AccessLogOptions): AccessLog {
  const { store, clock } = options;
  const hash = options.hash ?? accessSha256;
  const retentionDays = assertRetention(options.retentionDays ?? MIN_RETENTION_DAYS);
  const nowIso = () => new Date(clock.now()).toISOString();

  return {
    retentionDays,
    async append(actorInput, access) {
      const actor = parseActor(actorInput);
      const purpose = parsePurpose(access);
      const operation = (access as { operation?: unknown } | undefined)?.operation;
      if (typeof operation !== "string" || !(ACCESS_OPERATIONS as readonly string[]).includes(operation))
        throw new ElderflowError("INVALID_ENUM", {
          path: ["operation"],
          params: { options: ACCESS_OPERATIONS.join(", ") },
        });
      const subjects = parseSubjects((access as { subjects?: unknown }).subjects);
      const at = nowIso();
      return store.append(async (head) => {
        const out: AccessEntry[] = [];
        let prev = head.hash;
        let seq = head.seq;
        // An access of no one is still an access (a search that found nobody): one entry.
        for (let i = 0; i === 0 || i < subjects.length; i += MAX_SUBJECTS_PER_ENTRY) {
          seq += 1;
          const body: Omit<AccessEntry, "hash"> = {
            seq,
            at,
            actor: actor.id,
            roles: [...actor.roles].sort(),
            purpose: purpose.purpose,
            ...(purpose.note === undefined ? {} : { note: purpose.note }),
            operation: operation as AccessOperation,
            subjects: subjects.slice(i, i + MAX_SUBJECTS_PER_ENTRY),
            prev,
          };
          const h = await digestOf(hash, accessEntryText(body));
          out.push({ ...body, hash: h });
          prev = h;
        }
        return out;
      });
    },
    async report(actorInput, query) {
      assertAuditor(parseActor(actorInput));
      const subject = query?.subject;
      if (typeof subject !== "string" || !IdSchema.safeParse(subject).success)
        throw new ElderflowError("INVALID_FORMAT", { path: ["subject"], params: { format: "id" } });
      const from = parseInstantText(query.from, "0000-01-01T00:00:00.000Z", "from");
      const to = parseInstantText(query.to, "9999-12-31T23:59:59.999Z", "to");
      return store.bySubject(subject, from, to);
    },
    async *exportLines(actorInput) {
      assertAuditor(parseActor(actorInput));
      const cp = await store.checkpoint();
      if (cp !== undefined) yield canonicalJson({ checkpoint: cp });
      for await (const e of store.entries()) yield canonicalJson(e, { maxNodes: MAX_SUBJECTS_PER_ENTRY + 64 });
    },
    async verify(actorInput) {
      assertAuditor(parseActor(actorInput));
      const cp = await store.checkpoint();
      let prev = ACCESS_GENESIS;
      let expected = 1;
      if (cp !== undefined) {
        if ((await digestOf(hash, checkpointText(cp))) !== cp.hash)
          return { ok: false, position: 0, reason: "checkpoint" };
        prev = cp.head;
        expected = cp.throughSeq + 1;
      }
      const fromSeq = expected;
      let count = 0;
      for await (const e of store.entries()) {
        if (e.seq !== expected) return { ok: false, position: Math.min(e.seq, expected), reason: "sequence" };
        const { hash: stored, ...body } = e;
        if ((await digestOf(hash, accessEntryText(body))) !== stored)
          return { ok: false, position: e.seq, reason: "hash" };
        if (e.prev !== prev) return { ok: false, position: e.seq, reason: "link" };
        prev = stored;
        expected += 1;
        count += 1;
      }
      return { ok: true, entries: count, head: prev, fromSeq };
    },
    async prune(actorInput) {
      assertAuditor(parseActor(actorInput));
      const now = clock.now();
      const cutoff = new Date(now - retentionDays * DAY_MS).toISOString();
      const last = await store.prunable(cutoff);
      if (last === undefined) return { removed: 0 };
      const body = { throughSeq: last.seq, head: last.hash, at: new Date(now).toISOString(), cutoff, suite: hash.name };
      const checkpoint: AccessCheckpoint = { ...body, hash: await digestOf(hash, checkpointText(body)) };
      const removed = await store.prune(checkpoint);
      return { removed, checkpoint };
    },
  };
}

/**
 * An access log store in memory (tests, the demo's memory mode).
 *
 * @example
 * ```ts
 * const store = memoryAccessLogStore();
 * ```
 */
export function memoryAccessLogStore(): AccessLogStore {
  let rows: AccessEntry[] = [];
  let cp: AccessCheckpoint | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  const head = (): AccessHead => {
    const last = rows[rows.length - 1];
    return last !== undefined
      ? { seq: last.seq, hash: last.hash }
      : cp !== undefined
        ? { seq: cp.throughSeq, hash: cp.head }
        : { seq: 0, hash: ACCESS_GENESIS };
  };
  return {
    append(build) {
      const run = tail.then(async () => {
        const made = await build(head());
        rows = rows.concat(made.map((e) => structuredClone(e)));
        return made;
      });
      tail = run.catch(() => undefined);
      return run;
    },
    async *entries() {
      for (const e of rows) yield structuredClone(e);
    },
    async bySubject(subject, from, to) {
      return rows
        .filter((e) => e.at >= from && e.at < to && e.subjects.includes(subject))
        .map((e) => structuredClone(e));
    },
    async checkpoint() {
      return cp === undefined ? undefined : { ...cp };
    },
    async prunable(cutoff) {
      let last: AccessEntry | undefined;
      for (const e of rows) {
        if (e.at >= cutoff) break;
        last = e;
      }
      return last === undefined ? undefined : { seq: last.seq, hash: last.hash };
    },
    async prune(checkpoint) {
      const before = rows.length;
      rows = rows.filter((e) => e.seq > checkpoint.throughSeq);
      cp = { ...checkpoint };
      return before - rows.length;
    },
    async close() {},
  };
}
