/**
 * A key provider shaped like a KMS: each person's data key is random, kept only wrapped
 * (AES-256-GCM) under a key-encryption key that the host holds outside the database (an
 * environment secret here; a KMS's `Encrypt`/`Decrypt` in production). The wrapped keys live in a
 * small host store; erasing a person deletes their wrapped key and leaves a tombstone.
 */
import {
  aesGcmSuite,
  DATA_KEY_BYTES,
  type DataKey,
  ElderflowError,
  ID_RULES,
  type KeyProvider,
  textProblem,
} from "@elderflow/core";

/** Where wrapped data keys are kept (a table, a KMS's key metadata, a file). Values are opaque bytes. */
export interface WrappedKeyStore {
  /** The wrapped key of a subject, `null` for a tombstone (erased), undefined when none was made. */
  get(subject: string): Promise<Uint8Array | null | undefined>;
  /** Stores a wrapped key, unless one (or a tombstone) is there already; returns what is stored then. */
  putIfAbsent(subject: string, wrapped: Uint8Array): Promise<Uint8Array | null>;
  /** Replaces whatever is stored for the subject by a tombstone. */
  tombstone(subject: string): Promise<void>;
}

/**
 * A wrapped-key store in memory (tests, examples).
 *
 * @example
 * ```ts
 * const store = memoryWrappedKeyStore();
 * ```
 */
export function memoryWrappedKeyStore(): WrappedKeyStore {
  const m = new Map<string, Uint8Array | null>();
  return {
    get: async (subject) => m.get(subject)?.slice() ?? m.get(subject),
    async putIfAbsent(subject, wrapped) {
      if (!m.has(subject)) m.set(subject, wrapped.slice());
      return m.get(subject)?.slice() ?? null;
    },
    tombstone: async (subject) => {
      m.get(subject)?.fill(0);
      m.set(subject, null);
    },
  };
}

/** Options of {@link wrappedKeyProvider}. */
export interface WrappedKeyProviderOptions {
  /** The key-encryption key, {@link DATA_KEY_BYTES} bytes, held outside the database. */
  readonly kek: Uint8Array;
  /** Where the wrapped data keys are kept. */
  readonly store: WrappedKeyStore;
}

const NONCE = 12;
const enc = new TextEncoder();
const aadOf = (subject: string) => enc.encode(`elderflow-wrapped-key-v1\n${subject}`);

function assertSubject(subject: unknown): asserts subject is string {
  const problem = textProblem(subject, ID_RULES);
  if (problem !== null) throw new ElderflowError(problem, { path: ["subject"] });
}

/**
 * A KMS-shaped key provider: random data keys wrapped under a key-encryption key.
 *
 * @example
 * ```ts
 * const keys = wrappedKeyProvider({ kek: kekFromEnv(process.env, "ELDERFLOW_KEK"), store: memoryWrappedKeyStore() });
 * ```
 */
export function wrappedKeyProvider(options: WrappedKeyProviderOptions): KeyProvider {
  if (!(options.kek instanceof Uint8Array) || options.kek.length !== DATA_KEY_BYTES)
    throw new ElderflowError("INVALID_INPUT", { path: ["kek"], params: { detail: "kek" } });
  const kek = options.kek.slice();
  const unwrap = async (subject: string, wrapped: Uint8Array): Promise<Uint8Array> => {
    try {
      return await aesGcmSuite.decrypt(kek, wrapped.subarray(0, NONCE), wrapped.subarray(NONCE), aadOf(subject));
    } catch {
      throw new ElderflowError("SEAL_INVALID", { path: ["subject"] });
    }
  };
  return {
    async current(subject): Promise<DataKey> {
      assertSubject(subject);
      let wrapped = await options.store.get(subject);
      if (wrapped === null) throw new ElderflowError("KEY_ERASED", { path: ["subject"] });
      if (wrapped === undefined) {
        const key = globalThis.crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
        const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE));
        const sealed = await aesGcmSuite.encrypt(kek, nonce, key, aadOf(subject));
        key.fill(0);
        // Of two first uses at once, the first stored key wins.
        wrapped = await options.store.putIfAbsent(subject, new Uint8Array([...nonce, ...sealed]));
        if (wrapped === null) throw new ElderflowError("KEY_ERASED", { path: ["subject"] });
      }
      return { keyId: "w1", bytes: await unwrap(subject, wrapped) };
    },
    async get(subject, keyId) {
      assertSubject(subject);
      if (keyId !== "w1") return undefined;
      const wrapped = await options.store.get(subject);
      return wrapped === null || wrapped === undefined ? undefined : unwrap(subject, wrapped);
    },
    async erase(subject) {
      assertSubject(subject);
      await options.store.tombstone(subject);
    },
    isErased: async (subject) => (await options.store.get(subject)) === null,
  };
}

/**
 * Reads a key-encryption key from an environment (base64 of {@link DATA_KEY_BYTES} bytes). The
 * environment is passed in, so the library never reads the process's own.
 *
 * @example
 * ```ts
 * const kek = kekFromEnv({ ELDERFLOW_KEK: Buffer.alloc(32, 1).toString("base64") }, "ELDERFLOW_KEK");
 * ```
 */
export function kekFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): Uint8Array {
  const value = env[name];
  if (value === undefined || value.length > 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value))
    throw new ElderflowError("REQUIRED", { path: [name] });
  const bytes = Uint8Array.from(Buffer.from(value, "base64"));
  if (bytes.length !== DATA_KEY_BYTES)
    throw new ElderflowError("INVALID_INPUT", { path: [name], params: { detail: "kek" } });
  return bytes;
}
