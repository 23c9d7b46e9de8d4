/**
 * Cipher and hash suites for the register's sensitive fields: a {@link CryptoSuite} pairs core's
 * {@link CipherSuite} (authenticated encryption with associated data) with a {@link HashSuite}
 * (digests for the change chains, HMAC for blind indexes). Two suites ship: AES-256-GCM with
 * SHA-256 (the default) and, for 国密 deployments (GB/T 39786-2021), SM4-CBC with an HMAC-SM3 tag
 * (encrypt-then-MAC) and SM3. Both run on node:crypto (OpenSSL 3 ships SM3 and SM4; no npm library
 * is needed, see docs/guides/register-keys.md for the libraries weighed).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  getCiphers,
  getHashes,
  timingSafeEqual,
} from "node:crypto";
import { type CipherSuite, DATA_KEY_BYTES, ElderflowError } from "@elderflow/core";

/**
 * A hash function with its HMAC: `digest` hashes the change chains (so they stay checkable after a
 * key is erased, since they cover ciphertext), `hmac` keys the blind index of ID numbers.
 *
 * @example
 * ```ts
 * sha256HashSuite.digest(new TextEncoder().encode("abc")).slice(0, 8); // "ba7816bf"
 * ```
 */
export interface HashSuite {
  /** The id stored beside each chain link (`sha-256`, `sm3`). */
  readonly id: string;
  /** The digest of the bytes, lower-case hex. */
  digest(data: Uint8Array): string;
  /** HMAC of the bytes under the key, lower-case hex. */
  hmac(key: Uint8Array, data: Uint8Array): string;
}

/**
 * A cipher suite and a hash suite used together: what a register's sensitive fields are sealed,
 * chained and indexed with.
 *
 * @example
 * ```ts
 * const suite: CryptoSuite = sm4Sm3CryptoSuite;
 * suite.cipher.id; // "sm4-cbc-hmac-sm3"
 * ```
 */
export interface CryptoSuite {
  /** Seals the fields (its id is stored with each ciphertext). */
  readonly cipher: CipherSuite;
  /** Chains the log and keys the blind index. */
  readonly hash: HashSuite;
}

function hashSuite(id: string, algorithm: string): HashSuite {
  const available = () => {
    if (!getHashes().includes(algorithm)) throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: id } });
  };
  return {
    id,
    digest(data) {
      available();
      return createHash(algorithm).update(data).digest("hex");
    },
    hmac(key, data) {
      available();
      return createHmac(algorithm, key).update(data).digest("hex");
    },
  };
}

/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256: the default hash suite.
 *
 * @example
 * ```ts
 * sha256HashSuite.id; // "sha-256"
 * ```
 */
export const sha256HashSuite: HashSuite = hashSuite("sha-256", "sha256");

/**
 * SM3 (GB/T 32905-2016) and HMAC-SM3: the 国密 hash suite.
 *
 * @example
 * ```ts
 * sm3HashSuite.digest(new TextEncoder().encode("abc")).slice(0, 8); // "66c7f0f4"
 * ```
 */
export const sm3HashSuite: HashSuite = hashSuite("sm3", "sm3");

const SM4_KEY = 16;
const SM4_IV = 16;
const SM3_TAG = 32;
const enc = new TextEncoder();

/** Two keys from one data key, so the cipher key and the MAC key never coincide. */
function sm4Keys(dataKey: Uint8Array): { encKey: Buffer; macKey: Buffer } {
  if (dataKey.length !== DATA_KEY_BYTES)
    throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: "sm4-cbc-hmac-sm3" } });
  const encKey = createHmac("sm3", dataKey).update(enc.encode("elderflow-sm4-enc-v1")).digest().subarray(0, SM4_KEY);
  const macKey = createHmac("sm3", dataKey).update(enc.encode("elderflow-sm4-mac-v1")).digest();
  return { encKey, macKey };
}

/** The tag covers the associated data's length, the data, the IV and the ciphertext. */
function sm3Tag(macKey: Buffer, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(aad.length));
  return createHmac("sm3", macKey).update(len).update(aad).update(iv).update(ciphertext).digest();
}

function sm4Available(): void {
  if (!getCiphers().includes("sm4-cbc") || !getHashes().includes("sm3"))
    throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: "sm4-cbc-hmac-sm3" } });
}

/**
 * SM4 (GB/T 32907-2016) in CBC mode with PKCS#7 padding and a random 128-bit IV, then an HMAC-SM3
 * tag over the associated data, IV and ciphertext (encrypt-then-MAC; the tag is checked in
 * constant time before anything is decrypted). The 256-bit data key is split by HMAC-SM3 into a
 * 128-bit SM4 key and a 256-bit MAC key. Output: ciphertext ‖ 32-byte tag.
 *
 * @example
 * ```ts
 * const sealer = createFieldSealer({ keys: memoryKeyProvider(), suites: [sm4CbcHmacSm3Suite, nodeAesGcmSuite] });
 * ```
 */
export const sm4CbcHmacSm3Suite: CipherSuite = {
  id: "sm4-cbc-hmac-sm3",
  nonceBytes: SM4_IV,
  async encrypt(key, nonce, plaintext, aad) {
    sm4Available();
    if (nonce.length !== SM4_IV) throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: this.id } });
    const { encKey, macKey } = sm4Keys(key);
    const cipher = createCipheriv("sm4-cbc", encKey, nonce);
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = sm3Tag(macKey, aad, nonce, ct);
    encKey.fill(0);
    macKey.fill(0);
    return new Uint8Array(Buffer.concat([ct, tag]));
  },
  async decrypt(key, nonce, data, aad) {
    sm4Available();
    if (nonce.length !== SM4_IV || data.length < SM3_TAG + 16 || (data.length - SM3_TAG) % 16 !== 0)
      throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
    const { encKey, macKey } = sm4Keys(key);
    try {
      const ct = data.subarray(0, data.length - SM3_TAG);
      const tag = data.subarray(data.length - SM3_TAG);
      if (!timingSafeEqual(sm3Tag(macKey, aad, nonce, ct), tag))
        throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
      const decipher = createDecipheriv("sm4-cbc", encKey, nonce);
      return new Uint8Array(Buffer.concat([decipher.update(ct), decipher.final()]));
    } finally {
      encKey.fill(0);
      macKey.fill(0);
    }
  },
};

const GCM_NONCE = 12;
const GCM_TAG = 16;

/**
 * AES-256-GCM (NIST SP 800-38D) on node:crypto: a 96-bit random nonce, a 128-bit tag, output
 * ciphertext ‖ tag. The same id and bytes as core's WebCrypto `aesGcmSuite`, so a value sealed by
 * one opens with the other (a register may move between a browser and a server), but it runs
 * synchronously inside OpenSSL without WebCrypto's key import on every call.
 *
 * @example
 * ```ts
 * const sealer = createFieldSealer({ keys: memoryKeyProvider(), suites: [nodeAesGcmSuite] });
 * ```
 */
export const nodeAesGcmSuite: CipherSuite = {
  id: "aes-256-gcm",
  nonceBytes: GCM_NONCE,
  async encrypt(key, nonce, plaintext, aad) {
    if (key.length !== DATA_KEY_BYTES || nonce.length !== GCM_NONCE)
      throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: this.id } });
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG });
    cipher.setAAD(aad);
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return new Uint8Array(ct.buffer, ct.byteOffset, ct.byteLength);
  },
  async decrypt(key, nonce, data, aad) {
    if (key.length !== DATA_KEY_BYTES || nonce.length !== GCM_NONCE || data.length < GCM_TAG)
      throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG });
      decipher.setAAD(aad);
      decipher.setAuthTag(data.subarray(data.length - GCM_TAG));
      const pt = Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG)), decipher.final()]);
      return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength);
    } catch {
      throw new ElderflowError("SEAL_INVALID", { path: ["sealed"] });
    }
  },
};

/**
 * AES-256-GCM (on node:crypto, {@link nodeAesGcmSuite}) with SHA-256: the default suite.
 *
 * @example
 * ```ts
 * defaultCryptoSuite.cipher.id; // "aes-256-gcm"
 * ```
 */
export const defaultCryptoSuite: CryptoSuite = { cipher: nodeAesGcmSuite, hash: sha256HashSuite };

/**
 * SM4-CBC with an HMAC-SM3 tag, and SM3: the 国密 suite.
 *
 * @example
 * ```ts
 * sm4Sm3CryptoSuite.hash.id; // "sm3"
 * ```
 */
export const sm4Sm3CryptoSuite: CryptoSuite = { cipher: sm4CbcHmacSm3Suite, hash: sm3HashSuite };
