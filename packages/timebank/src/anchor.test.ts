import { generateKeyPairSync } from "node:crypto";
import { fixedClock, isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../test/timebank-support";
import {
  anchorVerifierFromKey,
  ed25519Signer,
  ed25519Verifier,
  hmacSigner,
  SignedAnchor,
  signAnchor,
  verifyAnchorSignature,
} from "./anchor";
import { createTimeBank } from "./bank";
import { sm3Suite } from "./hash";
import { entryHash, GENESIS_HASH, type JournalEntry, verifyJournal } from "./journal";
import { memoryStore } from "./stores/memory";

const clock = fixedClock("2027-01-04T09:00:00+08:00");
const HOST_KEY = "a host key of at least sixteen bytes";
const keys = generateKeyPairSync("ed25519");

let journal: JournalEntry[] = [];
let anchor: SignedAnchor;
/** How many entries the signed anchor covers (the journal has 6 more after it). */
let anchored = 0;

beforeAll(async () => {
  const store = memoryStore();
  const raw = await createTimeBank({ store, clock, stars: testStars });
  const bank = asHost(raw);
  await bank.submitMany([...SETUP, cmd.record("r1", "v1", 60), cmd.verify("vf1", "r1")]);
  anchor = await raw.checkpoint(ed25519Signer(keys.privateKey));
  anchored = anchor.length;
  await bank.submitMany([
    cmd.record("r2", "v1", 30),
    cmd.verify("vf2", "r2"),
    cmd.withdraw("w1", "v1", 50),
    cmd.fulfil("fu1", "w1"),
    cmd.record("r3", "v2", 40),
    cmd.reject("rj3", "r3"),
  ]);
  journal = [...store.entries];
  await bank.close();
});

/** Re-chains entries from `from` on, recomputing every hash as an attacker with the code would. */
function rechain(entries: JournalEntry[], from: number): JournalEntry[] {
  const out = entries.slice(0, from);
  let prevHash = from === 0 ? GENESIS_HASH : (out[from - 1] as JournalEntry).hash;
  for (const e of entries.slice(from)) {
    const { hash: _old, ...body } = { ...e, prevHash };
    const next = { ...body, hash: entryHash(body) };
    out.push(next);
    prevHash = next.hash;
  }
  return out;
}

const forgedAppend = (entries: JournalEntry[]): JournalEntry[] => {
  const last = entries.at(-1) as JournalEntry;
  const body = {
    seq: last.seq + 1,
    key: "forged",
    fingerprint: "f".repeat(64),
    at: last.at,
    command: null,
    result: { key: "forged", ok: false as const, code: "NOT_PENDING" as const },
    prevHash: last.hash,
  };
  return [...entries, { ...body, hash: entryHash(body) }];
};

describe("a signed anchor", () => {
  const verifier = ed25519Verifier(keys.publicKey);

  it("states the journal's length, head hash and suite at the time it was signed", () => {
    expect(anchor).toMatchObject({
      length: SETUP.length + 2,
      headHash: journal[anchored - 1]?.hash,
      suite: "sha256",
      algorithm: "ed25519",
      signedAt: "2027-01-04T01:00:00.000Z",
    });
    expect(SignedAnchor.parse(JSON.parse(JSON.stringify(anchor)))).toEqual(anchor);
  });

  it("accepts the journal and every genuine extension after it", () => {
    for (let n = anchored; n <= journal.length; n++)
      expect(verifyJournal(journal.slice(0, n), { anchor, verifier })).toMatchObject({ ok: true, length: n });
  });

  it("accepts an append chained from the anchored head: it is an extension", () => {
    expect(verifyJournal(forgedAppend(journal), { anchor, verifier }).ok).toBe(true);
  });

  it("detects a history rewritten with every hash recomputed and a forged append after it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: anchored - 1 }), (i) => {
        const edited = [...journal];
        const e = edited[i] as JournalEntry;
        edited[i] = { ...e, at: `${e.at.slice(0, -1)}1Z` };
        const forged = forgedAppend(rechain(edited, i));
        // The chain is consistent in itself: only the anchor can tell.
        expect(verifyJournal(forged).ok).toBe(true);
        expect(verifyJournal(forged, { anchor, verifier })).toMatchObject({
          ok: false,
          position: anchored,
          problem: "altered",
        });
      }),
    );
  });

  it("detects a journal cut back before the anchor, even when re-extended", () => {
    const cut = journal.slice(0, anchored - 2);
    expect(verifyJournal(cut, { anchor, verifier })).toMatchObject({ ok: false, problem: "truncated" });
    const regrown = forgedAppend(forgedAppend(forgedAppend(cut)));
    expect(verifyJournal(regrown, { anchor, verifier })).toMatchObject({ ok: false, problem: "altered" });
  });

  it("is refused when its fields were changed, its signature forged, or no verifier is given", () => {
    const moved = { ...anchor, length: anchored - 1, headHash: journal[anchored - 2]?.hash as string };
    expect(verifyJournal(journal, { anchor: moved, verifier })).toMatchObject({ ok: false, problem: "bad-anchor" });
    const resigned = signAnchor(moved, ed25519Signer(generateKeyPairSync("ed25519").privateKey));
    expect(verifyJournal(journal, { anchor: resigned, verifier })).toMatchObject({ ok: false, problem: "bad-anchor" });
    expect(verifyJournal(journal, { anchor })).toMatchObject({ ok: false, problem: "bad-anchor" });
    expect(verifyJournal(journal, { anchor, verifier: hmacSigner(HOST_KEY) })).toMatchObject({
      ok: false,
      problem: "bad-anchor",
    });
  });

  it("is refused when it names another hash suite than the journal is checked with", () => {
    expect(verifyJournal(journal, { anchor, verifier, suite: sm3Suite })).toMatchObject({
      ok: false,
      problem: "bad-anchor",
    });
  });
});

describe("HMAC anchors with a host key", () => {
  it("sign and verify, and a different key or a changed checkpoint fails", () => {
    const signer = hmacSigner(HOST_KEY);
    const signed = signAnchor(
      { length: 3, headHash: "a".repeat(64), suite: "sha256", signedAt: "2027-01-04T01:00:00.000Z" },
      signer,
    );
    expect(signed.algorithm).toBe("hmac-sha256");
    expect(verifyAnchorSignature(signed, signer)).toBe(true);
    expect(verifyAnchorSignature(signed, hmacSigner(`${HOST_KEY}!`))).toBe(false);
    expect(verifyAnchorSignature({ ...signed, length: 4 }, signer)).toBe(false);
    expect(verifyAnchorSignature({ ...signed, signature: signed.signature.slice(1) }, signer)).toBe(false);
    const sm3 = hmacSigner(HOST_KEY, sm3Suite);
    expect(sm3.algorithm).toBe("hmac-sm3");
    expect(verifyAnchorSignature(signAnchor(signed, sm3), sm3)).toBe(true);
  });

  it("are checked on the bank against a checkpoint it made", async () => {
    const raw = await createTimeBank({ store: memoryStore(), clock, stars: testStars });
    await asHost(raw).submitMany(SETUP);
    const signer = hmacSigner(HOST_KEY);
    const checkpoint = await raw.checkpoint(signer);
    expect(await raw.verifyJournal({ anchor: checkpoint, verifier: signer })).toMatchObject({ ok: true });
    expect(await raw.verifyJournal({ anchor: { ...checkpoint, length: 1 }, verifier: signer })).toMatchObject({
      ok: false,
      problem: "bad-anchor",
    });
  });

  it("refuse a key shorter than 16 bytes, and an Ed25519 signer refuses a public key", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isElderflowError(e) ? e.code : "untyped";
      }
      return "none";
    };
    expect(code(() => hmacSigner("short"))).toBe("INVALID_INPUT");
    expect(code(() => ed25519Signer(keys.publicKey))).toBe("INVALID_INPUT");
    expect(code(() => ed25519Verifier("not a key"))).toBe("INVALID_INPUT");
  });
});

describe("anchorVerifierFromKey", () => {
  it("reads a PEM key as Ed25519 and anything else as an HMAC secret", () => {
    const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(anchorVerifierFromKey(pem, anchor).algorithm).toBe("ed25519");
    expect(verifyAnchorSignature(anchor, anchorVerifierFromKey(pem, anchor))).toBe(true);
    const signed = signAnchor(anchor, hmacSigner(HOST_KEY));
    expect(verifyAnchorSignature(signed, anchorVerifierFromKey(`${HOST_KEY}\n`, signed))).toBe(true);
  });
});
