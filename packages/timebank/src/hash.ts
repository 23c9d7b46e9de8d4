/**
 * The hash suite of a journal: which digest links its entries (and fingerprints its commands), and
 * which HMAC signs its anchors. SHA-256 by default; SM3 for deployments under GB/T 39786 (商用密码
 * 应用安全性评估), both from Node's own crypto.
 */
import { createHash, createHmac, getHashes } from "node:crypto";
import { ElderflowError } from "@elderflow/core";

/**
 * A pluggable hash: a name recorded with the journal, a digest of text as lower-case hex, and
 * optionally an HMAC with the same hash (for {@link hmacSigner}). A digest must be 64 hex
 * characters (256 bits) so that it fits the genesis link and the stored columns.
 *
 * @example
 * ```ts
 * const bank = await createTimeBank({ store, clock, stars, hash: sm3Suite });
 * ```
 */
export interface HashSuite {
  /** The name recorded with the journal (`sha256`, `sm3`, or a host's own). */
  readonly name: string;
  /** Hex digest of the UTF-8 bytes of a text. */
  digest(text: string): string;
  /** Hex HMAC of the UTF-8 bytes of a text under a key. */
  hmac?(key: Uint8Array, text: string): string;
}

/**
 * SHA-256 (FIPS 180-4), the default suite.
 *
 * @example
 * ```ts
 * sha256Suite.digest("abc").slice(0, 8); // "ba7816bf"
 * ```
 */
export const sha256Suite: HashSuite = {
  name: "sha256",
  digest: (text) => createHash("sha256").update(text).digest("hex"),
  hmac: (key, text) => createHmac("sha256", key).update(text).digest("hex"),
};

/**
 * SM3 (GB/T 32905-2016), the digest of China's commercial cryptography standards, for deployments
 * assessed under GB/T 39786. Needs a Node built with OpenSSL's SM3 (the official builds are).
 *
 * @example
 * ```ts
 * sm3Suite.digest("abc").slice(0, 8); // "66c7f0f4"
 * ```
 */
export const sm3Suite: HashSuite = {
  name: "sm3",
  digest: (text) => createHash("sm3").update(text).digest("hex"),
  hmac: (key, text) => createHmac("sm3", key).update(text).digest("hex"),
};

const BUILT_IN: readonly HashSuite[] = [sha256Suite, sm3Suite];

/**
 * The built-in suite of a recorded name (`sha256`, `sm3`), or undefined for a host's own.
 *
 * @example
 * ```ts
 * hashSuiteNamed("sm3") === sm3Suite; // true
 * ```
 */
export function hashSuiteNamed(name: string): HashSuite | undefined {
  return BUILT_IN.find((s) => s.name === name);
}

const SUITE_NAME = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

/**
 * Checks a suite before a bank uses it: a short lower-case name and a 64-hex-digit digest, and for
 * SM3 that this Node has it. Throws `INVALID_INPUT` (path `hash`) otherwise.
 *
 * @example
 * ```ts
 * assertHashSuite(sm3Suite);
 * ```
 */
export function assertHashSuite(suite: HashSuite): HashSuite {
  if (typeof suite?.name !== "string" || !SUITE_NAME.test(suite.name) || typeof suite.digest !== "function")
    throw new ElderflowError("INVALID_INPUT", { path: ["hash"], params: { detail: "hash suite" } });
  if (suite.name === "sm3" && !getHashes().includes("sm3"))
    throw new ElderflowError("INVALID_INPUT", { path: ["hash"], params: { detail: "sm3 not in this Node" } });
  if (!/^[0-9a-f]{64}$/.test(suite.digest("")))
    throw new ElderflowError("INVALID_INPUT", { path: ["hash"], params: { detail: "digest is not 64 hex digits" } });
  return suite;
}
