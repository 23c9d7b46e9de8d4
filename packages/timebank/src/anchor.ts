/**
 * Signed anchors: a checkpoint of the journal (its length and head hash, the suite and when) signed
 * with a host key, kept outside the database. Verification against it detects any change at or
 * before the checkpoint, even a history rewritten with every hash recomputed, and accepts only
 * extensions after it.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
} from "node:crypto";
import { canonicalJson, ElderflowError } from "@elderflow/core";
import { z } from "zod";
import { type HashSuite, sha256Suite } from "./hash";

/**
 * What a checkpoint states before it is signed.
 *
 * @example
 * ```ts
 * const checkpoint: JournalCheckpoint = { ...bank.anchor(), suite: "sha256", signedAt: "2027-01-04T01:00:00.000Z" };
 * ```
 */
export interface JournalCheckpoint {
  /** How many entries the journal had. */
  readonly length: number;
  /** The hash of its last entry (the genesis hash for an empty journal). */
  readonly headHash: string;
  /** The hash suite the journal is written with. */
  readonly suite: string;
  /** When it was signed (ISO 8601 instant, from the bank's clock). */
  readonly signedAt: string;
}

/**
 * A signed checkpoint, as kept in a file or printed on a public notice: the checkpoint, the
 * signature algorithm (`hmac-sha256`, `hmac-sm3`, `ed25519`) and the signature (hex for HMAC,
 * base64 for Ed25519).
 *
 * @example
 * ```ts
 * const anchor = SignedAnchor.parse(JSON.parse(readFileSync("anchor.json", "utf8")));
 * ```
 */
export const SignedAnchor = z.strictObject({
  length: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  suite: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/),
  signedAt: z.string().max(40),
  algorithm: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/),
  signature: z.string().min(1).max(1024),
});
/** A signed checkpoint. */
export type SignedAnchor = Readonly<z.infer<typeof SignedAnchor>>;

/**
 * Signs checkpoints (a host key: HMAC or Ed25519).
 *
 * @example
 * ```ts
 * const signer: AnchorSigner = ed25519Signer(privateKeyPem);
 * ```
 */
export interface AnchorSigner {
  /** Recorded in the anchor, so a verifier of another kind refuses it. */
  readonly algorithm: string;
  /** The signature of a text. */
  sign(text: string): string;
}

/**
 * Checks checkpoint signatures.
 *
 * @example
 * ```ts
 * const verifier: AnchorVerifier = ed25519Verifier(publicKeyPem);
 * ```
 */
export interface AnchorVerifier {
  /** The algorithm it checks. */
  readonly algorithm: string;
  /** Whether a signature is that of the text. */
  verify(text: string, signature: string): boolean;
}

const DOMAIN = "elderflow-timebank-anchor-v1\n";

/**
 * The exact text a checkpoint's signature covers: a domain tag, then the canonical JSON of the
 * checkpoint with its algorithm (so a signature cannot be replayed on anything else).
 *
 * @example
 * ```ts
 * anchorSigningText({ length: 0, headHash: GENESIS_HASH, suite: "sha256", signedAt: "2027-01-04T01:00:00.000Z" }, "ed25519");
 * ```
 */
export function anchorSigningText(checkpoint: JournalCheckpoint, algorithm: string): string {
  const { length, headHash, suite, signedAt } = checkpoint;
  return DOMAIN + canonicalJson({ algorithm, headHash, length, signedAt, suite });
}

/**
 * Signs a checkpoint.
 *
 * @example
 * ```ts
 * const anchor = signAnchor({ ...bank.anchor(), suite: "sha256", signedAt: "2027-01-04T01:00:00.000Z" }, hmacSigner(key));
 * ```
 */
export function signAnchor(checkpoint: JournalCheckpoint, signer: AnchorSigner): SignedAnchor {
  const { length, headHash, suite, signedAt } = checkpoint;
  const plain = { length, headHash, suite, signedAt };
  return { ...plain, algorithm: signer.algorithm, signature: signer.sign(anchorSigningText(plain, signer.algorithm)) };
}

/**
 * Whether a signed anchor's signature verifies (and was made with the verifier's algorithm).
 *
 * @example
 * ```ts
 * verifyAnchorSignature(anchor, ed25519Verifier(publicKeyPem)); // true
 * ```
 */
export function verifyAnchorSignature(anchor: SignedAnchor, verifier: AnchorVerifier): boolean {
  if (anchor.algorithm !== verifier.algorithm || typeof anchor.signature !== "string") return false;
  try {
    return verifier.verify(anchorSigningText(anchor, anchor.algorithm), anchor.signature);
  } catch {
    return false;
  }
}

const badKey = (detail: string) => new ElderflowError("INVALID_INPUT", { path: ["key"], params: { detail } });

/**
 * HMAC with a host key (at least 16 bytes) and a suite's hash (SHA-256 unless told; `sm3Suite`
 * gives `hmac-sm3`). One object both signs and verifies, in constant time.
 *
 * @example
 * ```ts
 * const signer = hmacSigner(readFileSync("/etc/elderflow/anchor.key"));
 * const anchor = await bank.checkpoint(signer);
 * ```
 */
export function hmacSigner(key: Uint8Array | string, suite: HashSuite = sha256Suite): AnchorSigner & AnchorVerifier {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  if (bytes.length < 16) throw badKey("hmac key shorter than 16 bytes");
  const hmac = suite.hmac;
  if (hmac === undefined) throw badKey("hash suite has no hmac");
  const mac = (text: string) => hmac(bytes, text);
  return {
    algorithm: `hmac-${suite.name}`,
    sign: mac,
    verify(text, signature) {
      const want = Buffer.from(mac(text), "utf8");
      const got = Buffer.from(signature, "utf8");
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}

function ed25519Key(key: KeyObject | string, kind: "private" | "public"): KeyObject {
  let object: KeyObject;
  try {
    object = typeof key === "string" ? (kind === "private" ? createPrivateKey(key) : createPublicKey(key)) : key;
  } catch {
    throw badKey(`not a PEM ${kind} key`);
  }
  if (object.asymmetricKeyType !== "ed25519" || (kind === "private" && object.type !== "private"))
    throw badKey(`not an ed25519 ${kind} key`);
  return object;
}

/**
 * Signs with an Ed25519 private key (a `KeyObject` or PEM text), so that anyone holding the public
 * key can check an anchor and nobody without the private key can make one.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const anchor = await bank.checkpoint(ed25519Signer(privateKey));
 * ```
 */
export function ed25519Signer(privateKey: KeyObject | string): AnchorSigner {
  const key = ed25519Key(privateKey, "private");
  return { algorithm: "ed25519", sign: (text) => signBytes(null, Buffer.from(text, "utf8"), key).toString("base64") };
}

/**
 * Checks Ed25519 anchor signatures with a public key (a `KeyObject` or PEM text; a private key
 * works too, its public half is used).
 *
 * @example
 * ```ts
 * await bank.verifyJournal({ anchor, verifier: ed25519Verifier(publicKey) });
 * ```
 */
export function ed25519Verifier(publicKey: KeyObject | string): AnchorVerifier {
  const key = ed25519Key(publicKey, "public");
  return {
    algorithm: "ed25519",
    verify: (text, signature) => verifyBytes(null, Buffer.from(text, "utf8"), key, Buffer.from(signature, "base64")),
  };
}

/**
 * The verifier a key file stands for: a PEM key (public or private) is Ed25519; anything else is
 * an HMAC secret (its bytes, one trailing line break dropped) with the anchor's suite.
 *
 * @example
 * ```ts
 * const verifier = anchorVerifierFromKey(readFileSync("anchor.key"), anchor);
 * ```
 */
export function anchorVerifierFromKey(
  key: Uint8Array | string,
  anchor: Pick<SignedAnchor, "algorithm">,
  suite: HashSuite = sha256Suite,
): AnchorVerifier {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  const text = bytes.toString("latin1");
  if (text.includes("-----BEGIN ")) return ed25519Verifier(text);
  if (anchor.algorithm === "ed25519") throw badKey("ed25519 anchor needs a PEM key");
  return hmacSigner(withoutLineBreak(bytes), suite);
}

/**
 * The signer a key file stands for: a PEM private key is Ed25519; anything else is an HMAC secret
 * (its bytes, one trailing line break dropped) with a suite's HMAC.
 *
 * @example
 * ```ts
 * const anchor = await bank.checkpoint(anchorSignerFromKey(readFileSync("anchor.key")));
 * ```
 */
export function anchorSignerFromKey(key: Uint8Array | string, suite: HashSuite = sha256Suite): AnchorSigner {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  const text = bytes.toString("latin1");
  if (text.includes("-----BEGIN ")) return ed25519Signer(text);
  return hmacSigner(withoutLineBreak(bytes), suite);
}

function withoutLineBreak(bytes: Buffer): Buffer {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 10 ? (bytes[bytes.length - 2] === 13 ? 2 : 1) : 0;
  return bytes.subarray(0, bytes.length - end);
}
