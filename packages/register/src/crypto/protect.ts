/**
 * The register's sensitive fields at rest: ID numbers, phones and health facts of each change are
 * sealed under the person's data key before the store sees them, ID numbers get a blind index
 * (an HMAC under a register-wide key) for look-ups, and every stored change is linked into its
 * person's hash chain over what is stored (ciphertext), so erasing a key leaves every chain valid.
 * Everything here sits between the register and its store: stores keep JSON and know nothing of it.
 */
import {
  type CipherSuite,
  canonicalJson,
  createFieldSealer,
  ElderflowError,
  type FieldSealer,
  isElderflowError,
  type KeyProvider,
  type SealedValue,
} from "@elderflow/core";
import type { RecordedChange, RegisterChange, SensitiveField } from "../changes";
import type { RegisterBatch, RegisterStore } from "../register";
import { type CryptoSuite, defaultCryptoSuite, type HashSuite, sha256HashSuite, sm3HashSuite } from "./suites";

/**
 * How a register protects its sensitive fields (see {@link RegisterOptions.encryption}).
 *
 * @example
 * ```ts
 * const encryption: RegisterEncryption = {
 *   keys: memoryKeyProvider(),
 *   suite: sm4Sm3CryptoSuite,
 *   indexKey: new Uint8Array(32).fill(7), // a host secret in production
 * };
 * ```
 */
export interface RegisterEncryption {
  /** Where each person's data key comes from (the host's KMS in production). */
  readonly keys: KeyProvider;
  /** What new values are sealed, chained and indexed with (default: AES-256-GCM and SHA-256). */
  readonly suite?: CryptoSuite;
  /** Further cipher suites older values may have been sealed with (they still open). */
  readonly openWith?: readonly CipherSuite[];
  /**
   * The blind index key: at least 32 bytes, one per register, kept by the host like a data key. It
   * is not erased with a person (the index of an erased person matches nothing readable).
   */
  readonly indexKey: Uint8Array;
}

/** The extra fields a protected change carries in the store. */
interface Protection {
  /** The sealed sensitive fields (one value per change). */
  sealed?: SealedValue;
  /** Which fields are in `sealed` (names only). */
  sealedFields?: SensitiveField[];
  /** HMAC of the canonical ID number, for look-ups. */
  idIndex?: string;
  /** The change's link in its person's chain. */
  chain?: ChainLink;
}

/** One link of a person's chain: the hash suite, the previous link's hash ("" first) and this one's. */
interface ChainLink {
  readonly suite: string;
  readonly prev: string;
  readonly hash: string;
}

type Stored = RecordedChange & Protection;

/**
 * The outcome of {@link Register.verify}: every person's chain recomputed over the stored rows.
 * Changes stored before protection was enabled have no link (`unchained`); they are accepted only
 * before a person's first link.
 */
export interface RegisterVerification {
  /** Every chain verified. */
  readonly ok: boolean;
  /** Persons whose changes were checked. */
  readonly persons: number;
  /** Changes with a valid link. */
  readonly chained: number;
  /** Changes stored in clear before protection (no link, before the person's first link). */
  readonly unchained: number;
  /** The changes whose link does not verify (person id and seq only). */
  readonly broken: readonly { readonly personId: string; readonly seq: number }[];
}

const enc = new TextEncoder();
const HASH_SUITES: readonly HashSuite[] = [sha256HashSuite, sm3HashSuite];
const CHAIN_LIMITS = { maxString: 200_000, maxNodes: 10_000, maxDepth: 16 } as const;

/**
 * The canonical form an ID number is indexed under: trimmed, check letter upper-cased, at most 18
 * characters (longer input is refused before any hashing).
 */
function canonicalIdNumber(idNumber: string): string {
  const t = idNumber.trim().toUpperCase();
  if (t.length === 0 || t.length > 18) throw new ElderflowError("INVALID_ID_NUMBER", { path: ["idNumber"] });
  return t;
}

function put(secret: Record<string, unknown>, fields: SensitiveField[], field: SensitiveField, value: unknown) {
  secret[field] = value;
  fields.push(field);
}

/** The parts of a change that are sealed, and the change without them. */
function split(change: RegisterChange): {
  clear: RegisterChange;
  secret?: Record<string, unknown>;
  fields: SensitiveField[];
} {
  if (change.kind === "enrol") {
    const { idNumber, phone, health, ...person } = change.person;
    const secret: Record<string, unknown> = {};
    const fields: SensitiveField[] = [];
    if (idNumber !== undefined) put(secret, fields, "idNumber", idNumber);
    if (phone !== undefined) put(secret, fields, "phone", phone);
    if (health !== undefined) put(secret, fields, "health", health);
    if (fields.length === 0) return { clear: change, fields };
    return { clear: { ...change, person: person as typeof change.person }, secret, fields };
  }
  if (change.kind === "contact") {
    const { idNumber, phone, ...rest } = change;
    const secret: Record<string, unknown> = {};
    const fields: SensitiveField[] = [];
    if (idNumber !== undefined) put(secret, fields, "idNumber", idNumber);
    if (phone !== undefined) put(secret, fields, "phone", phone);
    if (fields.length === 0) return { clear: change, fields };
    return { clear: rest as RegisterChange, secret, fields };
  }
  if (change.kind === "health") {
    const { health, ...rest } = change;
    return { clear: { ...rest, health: {} } as RegisterChange, secret: { health }, fields: ["health"] };
  }
  return { clear: change, fields: [] };
}

/** Puts opened fields back where {@link split} took them from. */
function join(clear: RecordedChange, secret: Record<string, unknown>): RecordedChange {
  if (clear.kind === "enrol") return { ...clear, person: { ...clear.person, ...secret } } as RecordedChange;
  return { ...clear, ...secret } as RecordedChange;
}

function contextOf(change: Pick<RecordedChange, "kind" | "recordedAt">): string {
  return `register/${change.kind}/${change.recordedAt}`;
}

/** The stored change as it was hashed: without its link and without the store's seq. */
function linkBody(stored: Stored): unknown {
  const { chain: _chain, seq: _seq, recordedAt, by, ...change } = stored;
  return { change, recordedAt, by };
}

function linkHash(hash: HashSuite, prev: string, stored: Stored): string {
  return hash.digest(
    enc.encode(`elderflow-register-chain-v1\n${prev}\n${canonicalJson(linkBody(stored), CHAIN_LIMITS)}`),
  );
}

/**
 * The protection of one register: seals, opens, links and verifies. Internal to the package.
 */
export interface RegisterProtector {
  /** The store the register talks to: clear changes in and out, protected changes underneath. */
  wrap(inner: RegisterStore): RegisterStore;
  /** The blind index of an ID number. */
  indexOf(idNumber: string): string;
  /** Erases a person's keys. */
  erase(personId: string): Promise<void>;
  /** Recomputes every chain over stored rows (as the inner store returns them). */
  verify(rows: readonly RecordedChange[]): RegisterVerification;
  /** Opens stored rows (erased or unreadable fields are marked, never thrown). */
  open(rows: readonly RecordedChange[]): Promise<RecordedChange[]>;
  /**
   * Copies stored rows (in seq order) into an empty store: clear rows are sealed and indexed,
   * rows sealed already are kept as they are (so an erased person stays erased), every row is
   * linked into its person's new chain and `supersedes` is renumbered to the new seqs.
   */
  copyInto(rows: readonly RecordedChange[], target: RegisterStore): Promise<number>;
}

/**
 * Builds the protection of a register from its options.
 *
 * @example
 * ```ts
 * const p = createRegisterProtector({ keys: memoryKeyProvider(), indexKey: new Uint8Array(32) });
 * ```
 */
export function createRegisterProtector(options: RegisterEncryption): RegisterProtector {
  const suite = options.suite ?? defaultCryptoSuite;
  if (!(options.indexKey instanceof Uint8Array) || options.indexKey.length < 32)
    throw new ElderflowError("TOO_SMALL", { path: ["encryption", "indexKey"], params: { minimum: 32 } });
  const indexKey = options.indexKey.slice();
  const openWith = (options.openWith ?? []).filter((s) => s.id !== suite.cipher.id);
  const sealer: FieldSealer = createFieldSealer({ keys: options.keys, suites: [suite.cipher, ...openWith] });

  const indexOf = (idNumber: string) =>
    suite.hash.hmac(indexKey, enc.encode(`elderflow-idnumber-v1\n${canonicalIdNumber(idNumber)}`));

  const protect = async (
    change: RegisterChange,
    meta: { readonly recordedAt: string; readonly by: string },
  ): Promise<RegisterChange & Protection> => {
    const { clear, secret, fields } = split(change);
    const out: RegisterChange & Protection = { ...clear };
    if (secret !== undefined) {
      out.sealed = await sealer.seal(
        change.personId,
        contextOf({ kind: change.kind, recordedAt: meta.recordedAt }),
        secret,
      );
      out.sealedFields = fields;
    }
    const idNumber =
      change.kind === "enrol" ? change.person.idNumber : change.kind === "contact" ? change.idNumber : undefined;
    if (typeof idNumber === "string") out.idIndex = indexOf(idNumber);
    return out;
  };

  const openOne = async (row: RecordedChange): Promise<RecordedChange> => {
    const { sealed, sealedFields, idIndex: _i, chain: _c, ...clear } = row as Stored;
    if (sealed === undefined) return clear as RecordedChange;
    try {
      const secret = (await sealer.open(row.personId, contextOf(row), sealed)) as Record<string, unknown>;
      return join(clear as RecordedChange, secret);
    } catch (error) {
      if (!isElderflowError(error)) throw error;
      // One unreadable value never fails a read: its fields are marked instead.
      const fields = sealedFields ?? [];
      const marker = error.code === "KEY_ERASED" ? { erased: fields } : { unreadable: fields };
      return { ...(clear as RecordedChange), ...marker } as RecordedChange;
    }
  };
  const open = (rows: readonly RecordedChange[]) => Promise.all(rows.map(openOne));

  const verify = (rows: readonly RecordedChange[]) => verifyRegisterChains(rows, [suite.hash]);

  const wrap = (inner: RegisterStore): RegisterStore => ({
    batch: (fn) =>
      inner.batch((b) => {
        const heads = new Map<string, string>();
        const headOf = (rows: readonly RecordedChange[]) => {
          let last: Stored | undefined;
          for (const r of rows as Stored[]) if (last === undefined || r.seq > last.seq) last = r;
          return last?.chain?.hash ?? "";
        };
        const batch: RegisterBatch = {
          async lock(personId) {
            const rows = await b.lock(personId);
            heads.set(personId, headOf(rows));
            return open(rows);
          },
          claim: (personId) => b.claim(personId),
          async append(change, meta) {
            let prev = heads.get(change.personId);
            if (prev === undefined) prev = headOf(await b.lock(change.personId));
            const body = await protect(change, meta);
            const hash = linkHash(suite.hash, prev, { ...body, seq: 0, ...meta } as Stored);
            const link: ChainLink = { suite: suite.hash.id, prev, hash };
            const stored = await b.append({ ...body, chain: link } as unknown as RegisterChange, meta);
            heads.set(change.personId, hash);
            return {
              ...(JSON.parse(JSON.stringify(change)) as RegisterChange),
              seq: stored.seq,
              ...meta,
            } as RecordedChange;
          },
        };
        return fn(batch);
      }),
    changesUpTo: async (asOf) => open(await inner.changesUpTo(asOf)),
    changesOf: async (personId) => open(await inner.changesOf(personId)),
    close: () => inner.close(),
  });

  const copyInto = async (rows: readonly RecordedChange[], target: RegisterStore): Promise<number> => {
    if ((await target.changesUpTo("9999-12-31")).length > 0)
      throw new ElderflowError("INVALID_INPUT", { path: ["to"], params: { detail: "not empty" } });
    const sorted = [...rows].sort((a, b) => a.seq - b.seq);
    const seqs = new Map<number, number>();
    const heads = new Map<string, string>();
    for (let i = 0; i < sorted.length; i += 500) {
      await target.batch(async (b) => {
        for (const row of sorted.slice(i, i + 500)) {
          const { seq, recordedAt, by, chain: _c, masked: _m, erased: _e, unreadable: _u, ...rest } = row as Stored;
          const meta = { recordedAt, by };
          let body = rest as RegisterChange & Protection;
          if (body.supersedes !== undefined) {
            const mapped = seqs.get(body.supersedes);
            if (mapped === undefined) throw new ElderflowError("UNKNOWN_CHANGE", { path: ["supersedes"] });
            body = { ...body, supersedes: mapped };
          }
          if (body.sealed === undefined) body = await protect(body, meta);
          await b.lock(body.personId);
          if (body.kind === "enrol") await b.claim(body.personId);
          const prev = heads.get(body.personId) ?? "";
          const hash = linkHash(suite.hash, prev, { ...body, seq: 0, ...meta } as Stored);
          const link: ChainLink = { suite: suite.hash.id, prev, hash };
          const stored = await b.append({ ...body, chain: link } as unknown as RegisterChange, meta);
          heads.set(body.personId, hash);
          seqs.set(seq, stored.seq);
        }
      });
    }
    return sorted.length;
  };

  return { wrap, indexOf, erase: (personId) => sealer.erase(personId), verify, open, copyInto };
}

/**
 * Recomputes every person's chain over stored rows (as a store returns them, before opening).
 * The built-in hash suites (SHA-256, SM3) are known; `extra` adds a host's own.
 *
 * @example
 * ```ts
 * verifyRegisterChains(await store.changesUpTo("9999-12-31")).ok;
 * ```
 */
export function verifyRegisterChains(
  rows: readonly RecordedChange[],
  extra: readonly HashSuite[] = [],
): RegisterVerification {
  const hashes = new Map([...HASH_SUITES, ...extra].map((h) => [h.id, h]));
  const byPerson = new Map<string, Stored[]>();
  for (const r of rows) {
    const list = byPerson.get(r.personId) ?? [];
    list.push(r as Stored);
    byPerson.set(r.personId, list);
  }
  let chained = 0;
  let unchained = 0;
  const broken: { personId: string; seq: number }[] = [];
  for (const [personId, list] of byPerson) {
    list.sort((a, b) => a.seq - b.seq);
    let prev = "";
    for (const c of list) {
      const link = c.chain;
      if (link === undefined || link === null || typeof link !== "object") {
        if (prev === "") unchained++;
        else broken.push({ personId, seq: c.seq });
        continue;
      }
      const hash = hashes.get(link.suite);
      let ok = false;
      try {
        ok = hash !== undefined && link.prev === prev && linkHash(hash, prev, c) === link.hash;
      } catch (error) {
        if (!isElderflowError(error)) throw error;
      }
      if (ok) chained++;
      else broken.push({ personId, seq: c.seq });
      prev = typeof link.hash === "string" ? link.hash : "";
    }
  }
  return { ok: broken.length === 0, persons: byPerson.size, chained, unchained, broken };
}

/**
 * Migrates a register kept in clear into an empty store with encryption (the second step of the
 * read-first migration in docs/guides/register-keys.md): every change is copied in order with its
 * recording instant and actor, its sensitive fields sealed, its ID number indexed and the copy
 * chained; the result is verified. The old store is left as it was (the log is append-only): the
 * host retires it once the copy verifies.
 *
 * @example
 * ```ts
 * const report = await migrateRegisterToEncrypted({ from: oldStore, to: newStore, encryption });
 * report.verification.ok; // true
 * ```
 */
export async function migrateRegisterToEncrypted(options: {
  readonly from: RegisterStore;
  readonly to: RegisterStore;
  readonly encryption: RegisterEncryption;
}): Promise<{ readonly copied: number; readonly verification: RegisterVerification }> {
  const protector = createRegisterProtector(options.encryption);
  const copied = await protector.copyInto(await options.from.changesUpTo("9999-12-31"), options.to);
  return { copied, verification: protector.verify(await options.to.changesUpTo("9999-12-31")) };
}
