/**
 * Field sealing: sensitive values (health findings, readings, later ID numbers and phones) are kept
 * encrypted under a data key of the person they are about. Reading them back needs the key;
 * erasing the person's keys makes every value sealed for them unreadable (crypto-shredding), while
 * hashes and chains over the stored ciphertext stay valid because nothing stored changes.
 *
 * Everything goes through WebCrypto (`globalThis.crypto`), so core stays free of node-only
 * imports and runs in the browser bundle too. The cipher is a pluggable {@link CipherSuite}; the
 * suite id is stored beside each ciphertext so that values sealed under an older or another suite
 * (SM4 for deployments under GB/T 39786) still open after the default changes.
 */
import { z } from "zod";
import { ElderflowError, type FieldPath } from "./errors";
import { canonicalJson, ID_RULES, textProblem } from "./text";

/** Length of every data key in bytes (256 bits); a suite with a shorter key derives its own from it. */
export const DATA_KEY_BYTES = 32;

/** Most bytes of plaintext one sealed value holds (canonical JSON, UTF-8). */
export const MAX_SEALED_BYTES = 65_536;

/**
 * A symmetric authenticated cipher. `encrypt` returns ciphertext with its tag; `decrypt` must
 * reject (throw or reject the promise) when the tag, the key or the associated data do not match.
 *
 * @example
 * ```ts
 * const suite: CipherSuite = aesGcmSuite;
 * suite.id; // "aes-256-gcm"
 * ```
 */
export interface CipherSuite {
  /** The id stored with each ciphertext: lower-case letters, digits and `-` (`aes-256-gcm`, `sm4-gcm`). */
  readonly id: string;
  /** Bytes of nonce (IV) per sealing; a fresh random nonce is drawn each time. */
  readonly nonceBytes: number;
  /** Encrypts under a {@link DATA_KEY_BYTES}-byte data key. */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Decrypts, or rejects when the value, key or associated data were not the ones sealed. */
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

function subtle(): typeof globalThis.crypto.subtle {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: "webcrypto" } });
  return s;
}

/** Copies into a fresh ArrayBuffer-backed view (WebCrypto refuses shared buffers). */
function bytes(view: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(view.byteLength));
  out.set(view);
  return out;
}

/**
 * AES-256-GCM (NIST SP 800-38D) through WebCrypto: a 96-bit random nonce and a 128-bit tag. The
 * default suite.
 *
 * @example
 * ```ts
 * const sealer = createFieldSealer({ keys: memoryKeyProvider(), suites: [aesGcmSuite] });
 * ```
 */
export const aesGcmSuite: CipherSuite = {
  id: "aes-256-gcm",
  nonceBytes: 12,
  async encrypt(key, nonce, plaintext, aad) {
    const k = await subtle().importKey("raw", bytes(key), { name: "AES-GCM" }, false, ["encrypt"]);
    const ct = await subtle().encrypt(
      { name: "AES-GCM", iv: bytes(nonce), additionalData: bytes(aad), tagLength: 128 },
      k,
      bytes(plaintext),
    );
    return new Uint8Array(ct);
  },
  async decrypt(key, nonce, ciphertext, aad) {
    const k = await subtle().importKey("raw", bytes(key), { name: "AES-GCM" }, false, ["decrypt"]);
    const pt = await subtle().decrypt(
      { name: "AES-GCM", iv: bytes(nonce), additionalData: bytes(aad), tagLength: 128 },
      k,
      bytes(ciphertext),
    );
    return new Uint8Array(pt);
  },
};

/** One data key of a subject: its id (stored with each value sealed under it) and its bytes. */
export interface DataKey {
  /** The key's id, unique per subject (`k1`, a KMS key version …): an identifier, never secret. */
  readonly keyId: string;
  /** {@link DATA_KEY_BYTES} bytes. */
  readonly bytes: Uint8Array;
}

/**
 * Where data keys live: one or more keys per subject (a person id), created on first use. A host
 * keeps them in its KMS or wraps them under a key-encryption key; the register never stores them
 * beside the data.
 *
 * @example
 * ```ts
 * const keys: KeyProvider = memoryKeyProvider();
 * const k = await keys.current("p-0001");
 * (await keys.get("p-0001", k.keyId))?.length; // 32
 * ```
 */
export interface KeyProvider {
  /**
   * The key new values of the subject are sealed under, created on first use. Throws `KEY_ERASED`
   * for an erased subject. Returns a copy: the sealer zeroes the bytes after use.
   */
  current(subject: string): Promise<DataKey>;
  /** A copy of a key of the subject by id, or undefined when it never existed or was erased. */
  get(subject: string, keyId: string): Promise<Uint8Array | undefined>;
  /** Destroys every key of the subject; later `current` calls throw `KEY_ERASED`. Idempotent. */
  erase(subject: string): Promise<void>;
  /** Whether the subject's keys were erased. */
  isErased(subject: string): Promise<boolean>;
}

/** Options of {@link memoryKeyProvider}. */
export interface MemoryKeyProviderOptions {
  /**
   * Derive each subject's key from this seed (HMAC-SHA-256 of the subject id), so tests and demos
   * get the same keys every run. Without a seed the keys are random. With a seed, whoever holds it
   * can re-derive every key: erasure then only hides, so never use a seed in production.
   */
  readonly seed?: string;
}

/**
 * Data keys in memory: random (the default) or derived from a seed for reproducible tests. Erasure
 * drops the subject's key and remembers that it was erased.
 *
 * @example
 * ```ts
 * const keys = memoryKeyProvider({ seed: "test" });
 * await keys.erase("p-0001");
 * await keys.isErased("p-0001"); // true
 * ```
 */
export function memoryKeyProvider(options: MemoryKeyProviderOptions = {}): KeyProvider {
  const keys = new Map<string, Uint8Array>();
  const erased = new Set<string>();
  const make = async (subject: string): Promise<Uint8Array> => {
    if (options.seed === undefined) return globalThis.crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
    const enc = new TextEncoder();
    const k = await subtle().importKey(
      "raw",
      bytes(enc.encode(options.seed)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Uint8Array(await subtle().sign("HMAC", k, bytes(enc.encode(`elderflow-data-key\n${subject}`))));
  };
  return {
    async current(subject) {
      assertSubject(subject, ["subject"]);
      if (erased.has(subject)) throw new ElderflowError("KEY_ERASED", { path: ["subject"] });
      let k = keys.get(subject);
      if (k === undefined) {
        k = await make(subject);
        // A concurrent first use may have stored one meanwhile: keep the first.
        if (erased.has(subject)) throw new ElderflowError("KEY_ERASED", { path: ["subject"] });
        k = keys.get(subject) ?? k;
        keys.set(subject, k);
      }
      return { keyId: "k1", bytes: k.slice() };
    },
    async get(subject, keyId) {
      if (keyId !== "k1" || erased.has(subject)) return undefined;
      // A seeded key exists for every subject (it is derived); a random one only once made.
      if (options.seed !== undefined && !keys.has(subject)) keys.set(subject, await make(subject));
      return keys.get(subject)?.slice();
    },
    async erase(subject) {
      assertSubject(subject, ["subject"]);
      const k = keys.get(subject);
      k?.fill(0);
      keys.delete(subject);
      erased.add(subject);
    },
    isErased: async (subject) => erased.has(subject),
  };
}

/**
 * A sealed value as it is stored: the suite and key it was sealed under, the nonce and the
 * ciphertext with its tag (both base64). It names no person and holds nothing readable.
 *
 * @example
 * ```ts
 * SealedValue.parse({ suite: "aes-256-gcm", keyId: "k1", nonce: "AAAAAAAAAAAAAAAA", data: "AAAAAAAAAAAAAAAAAAAAAA==" });
 * ```
 */
export const SealedValue = z.strictObject({
  /** The {@link CipherSuite} id. */
  suite: z
    .string()
    .max(40)
    .regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The data key's id. */
  keyId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.:-]+$/),
  /** The nonce, base64. */
  nonce: z
    .string()
    .min(4)
    .max(64)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
  /** Ciphertext and tag, base64. */
  data: z
    .string()
    .min(4)
    .max(Math.ceil(((MAX_SEALED_BYTES + 64) * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
/** A sealed value as it is stored. */
export type SealedValue = z.infer<typeof SealedValue>;

/**
 * Seals and opens JSON values of a subject. The associated data binds each ciphertext to its
 * subject and its context (`health-record/findings`), so a value copied to another person or
 * another field does not open.
 *
 * @example
 * ```ts
 * const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "demo" }) });
 * const sealed = await sealer.seal("p-0001", "health/findings", ["hypertension"]);
 * await sealer.open("p-0001", "health/findings", sealed); // ["hypertension"]
 * ```
 */
export interface FieldSealer {
  /** The suite new values are sealed with. */
  readonly suite: string;
  /** Seals a JSON value (canonical JSON, at most {@link MAX_SEALED_BYTES} bytes). Throws `KEY_ERASED` for an erased subject. */
  seal(subject: string, context: string, value: unknown): Promise<SealedValue>;
  /**
   * Opens a sealed value. Throws `KEY_ERASED` when the subject's key is gone, `UNKNOWN_CIPHER_SUITE`
   * for a suite this sealer was not given, and `SEAL_INVALID` when the value was altered or belongs
   * to another subject or context.
   */
  open(subject: string, context: string, sealed: SealedValue): Promise<unknown>;
  /** Erases the subject's keys (see {@link KeyProvider.erase}). */
  erase(subject: string): Promise<void>;
}

/** Options of {@link createFieldSealer}. */
export interface FieldSealerOptions {
  /** Where data keys come from. */
  readonly keys: KeyProvider;
  /** The suites values may be opened with; the first seals (default: AES-256-GCM only). */
  readonly suites?: readonly CipherSuite[];
  /** Source of nonces (default `crypto.getRandomValues`); only tests replace it. */
  readonly randomBytes?: (length: number) => Uint8Array;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function toBase64(data: Uint8Array): string {
  let out = "";
  for (let i = 0; i < data.length; i += 3) {
    const a = data[i] as number;
    const b = data[i + 1];
    const c = data[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63];
    out += B64[(n >> 12) & 63];
    out += b === undefined ? "=" : B64[(n >> 6) & 63];
    out += c === undefined ? "=" : B64[n & 63];
  }
  return out;
}

function fromBase64(text: string, path: FieldPath): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ElderflowError("SEAL_INVALID", { path });
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text[i + j] as string;
      n = (n << 6) | (ch === "=" ? 0 : B64.indexOf(ch));
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function assertSubject(subject: unknown, path: FieldPath): asserts subject is string {
  const problem = textProblem(subject, ID_RULES);
  if (problem !== null) throw new ElderflowError(problem, { path });
}

function assertContext(context: unknown): asserts context is string {
  if (typeof context !== "string" || !/^[A-Za-z0-9_./:-]{1,100}$/.test(context))
    throw new ElderflowError("INVALID_INPUT", { path: ["context"], params: { detail: "context" } });
}

const SUITE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * Creates a field sealer over a key provider and a list of suites.
 *
 * @example
 * ```ts
 * const keys = memoryKeyProvider({ seed: "test" });
 * const sealer = createFieldSealer({ keys });
 * const s = await sealer.seal("p-0001", "health/readings", { systolic: 150 });
 * await sealer.erase("p-0001");
 * await sealer.open("p-0001", "health/readings", s); // throws KEY_ERASED
 * ```
 */
export function createFieldSealer(options: FieldSealerOptions): FieldSealer {
  const suites = options.suites ?? [aesGcmSuite];
  const first = suites[0];
  if (first === undefined) throw new ElderflowError("REQUIRED", { path: ["suites"] });
  const byId = new Map<string, CipherSuite>();
  for (const [i, s] of suites.entries()) {
    if (!SUITE_ID.test(s.id))
      throw new ElderflowError("INVALID_INPUT", { path: ["suites", i, "id"], params: { detail: "id" } });
    if (byId.has(s.id)) throw new ElderflowError("DUPLICATE_ID", { path: ["suites", i, "id"], params: { id: s.id } });
    byId.set(s.id, s);
  }
  const randomBytes =
    options.randomBytes ?? ((n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n)) as Uint8Array);
  const enc = new TextEncoder();
  const aadOf = (suite: string, keyId: string, subject: string, context: string) =>
    enc.encode(`elderflow-seal-v1\n${suite}\n${keyId}\n${subject}\n${context}`);

  return {
    suite: first.id,
    async seal(subject, context, value) {
      assertSubject(subject, ["subject"]);
      assertContext(context);
      const plaintext = enc.encode(canonicalJson(value, { maxString: MAX_SEALED_BYTES }));
      if (plaintext.length > MAX_SEALED_BYTES)
        throw new ElderflowError("TOO_BIG", { path: ["value"], params: { maximum: MAX_SEALED_BYTES } });
      const key = await options.keys.current(subject);
      if (key.bytes.length !== DATA_KEY_BYTES)
        throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: first.id } });
      const nonce = randomBytes(first.nonceBytes);
      const data = await first.encrypt(key.bytes, nonce, plaintext, aadOf(first.id, key.keyId, subject, context));
      key.bytes.fill(0);
      return { suite: first.id, keyId: key.keyId, nonce: toBase64(nonce), data: toBase64(data) };
    },
    async open(subject, context, sealedInput) {
      assertSubject(subject, ["subject"]);
      assertContext(context);
      const parsed = SealedValue.safeParse(sealedInput);
      if (!parsed.success) throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
      const sealed = parsed.data;
      const suite = byId.get(sealed.suite);
      if (suite === undefined)
        throw new ElderflowError("UNKNOWN_CIPHER_SUITE", {
          path: ["sealed", "suite"],
          params: { suite: sealed.suite },
        });
      const key = await options.keys.get(subject, sealed.keyId);
      if (key === undefined) {
        if (await options.keys.isErased(subject)) throw new ElderflowError("KEY_ERASED", { path: ["subject"] });
        throw new ElderflowError("SEAL_INVALID", { path: ["sealed", "keyId"] });
      }
      const nonce = fromBase64(sealed.nonce, ["sealed", "nonce"]);
      const data = fromBase64(sealed.data, ["sealed", "data"]);
      let plaintext: Uint8Array;
      try {
        plaintext = await suite.decrypt(key, nonce, data, aadOf(suite.id, sealed.keyId, subject, context));
      } catch {
        throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
      } finally {
        key.fill(0);
      }
      try {
        return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext)) as unknown;
      } catch {
        throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
      }
    },
    erase: (subject) => options.keys.erase(subject),
  };
}

/**
 * SHA-256 of a text (UTF-8) as lower-case hex, through WebCrypto: for digests over stored
 * ciphertext that stay checkable after a key is erased.
 *
 * @example
 * ```ts
 * (await sha256Hex("abc")).slice(0, 8); // "ba7816bf"
 * ```
 */
export async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await subtle().digest("SHA-256", bytes(new TextEncoder().encode(text))));
  let out = "";
  for (const b of d) out += b.toString(16).padStart(2, "0");
  return out;
}
