import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isElderflowError } from "./errors";
import {
  aesGcmSuite,
  type CipherSuite,
  createFieldSealer,
  MAX_SEALED_BYTES,
  memoryKeyProvider,
  type SealedValue,
  sha256Hex,
} from "./seal";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "resolved";
  } catch (error) {
    return isElderflowError(error) ? error.code : `untyped: ${String(error)}`;
  }
}

describe("field sealing", () => {
  it("opens what it sealed, and the stored form holds nothing readable", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider() });
    const value = { findings: ["hypertension", "diabetes"], systolic: 152, note: "高血压" };
    const s = await sealer.seal("p-0001", "health/findings", value);
    expect(s.suite).toBe("aes-256-gcm");
    expect(JSON.stringify(s)).not.toMatch(/hypertension|152|高血压|p-0001/);
    expect(await sealer.open("p-0001", "health/findings", s)).toEqual(value);
  });

  it("draws a fresh nonce each time, so equal values do not look equal", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) });
    const a = await sealer.seal("p-1", "f", ["x"]);
    const b = await sealer.seal("p-1", "f", ["x"]);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.data).not.toBe(b.data);
  });

  it("refuses a value moved to another person or another field, or altered", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) });
    const s = await sealer.seal("p-1", "health/findings", ["diabetes"]);
    expect(await codeOf(sealer.open("p-2", "health/findings", s))).toBe("SEAL_INVALID");
    expect(await codeOf(sealer.open("p-1", "health/readings", s))).toBe("SEAL_INVALID");
    const flipped = (s.data[0] === "A" ? "B" : "A") + s.data.slice(1);
    expect(await codeOf(sealer.open("p-1", "health/findings", { ...s, data: flipped }))).toBe("SEAL_INVALID");
    expect(await codeOf(sealer.open("p-1", "health/findings", { ...s, keyId: "k2" }))).toBe("SEAL_INVALID");
    expect(await codeOf(sealer.open("p-1", "health/findings", { ...s, data: "!!" } as SealedValue))).toBe(
      "SEAL_INVALID",
    );
  });

  it("makes a person's values unreadable once their key is erased, and seals nothing new for them", async () => {
    const keys = memoryKeyProvider();
    const sealer = createFieldSealer({ keys });
    const mine = await sealer.seal("p-1", "f", { a: 1 });
    const other = await sealer.seal("p-2", "f", { b: 2 });
    const digest = await sha256Hex(JSON.stringify(mine));
    await sealer.erase("p-1");
    expect(await codeOf(sealer.open("p-1", "f", mine))).toBe("KEY_ERASED");
    expect(await codeOf(sealer.seal("p-1", "f", { a: 2 }))).toBe("KEY_ERASED");
    expect(await sealer.open("p-2", "f", other)).toEqual({ b: 2 });
    // The stored ciphertext did not change, so a digest over it still checks.
    expect(await sha256Hex(JSON.stringify(mine))).toBe(digest);
  });

  it("derives the same keys from the same seed, and different ones from another", async () => {
    const a = await memoryKeyProvider({ seed: "s" }).current("p-1");
    const b = await memoryKeyProvider({ seed: "s" }).current("p-1");
    const c = await memoryKeyProvider({ seed: "other" }).current("p-1");
    expect([...a.bytes]).toEqual([...b.bytes]);
    expect([...a.bytes]).not.toEqual([...c.bytes]);
    const opened = await createFieldSealer({ keys: memoryKeyProvider({ seed: "s" }) }).open(
      "p-1",
      "f",
      await createFieldSealer({ keys: memoryKeyProvider({ seed: "s" }) }).seal("p-1", "f", 7),
    );
    expect(opened).toBe(7);
  });

  it("keeps the suite id beside the ciphertext and opens with the suite named there", async () => {
    const keys = memoryKeyProvider({ seed: "s" });
    // A second suite: AES-GCM under another id, standing in for a pluggable SM4 suite.
    const other: CipherSuite = { ...aesGcmSuite, id: "test-gcm" };
    const old = await createFieldSealer({ keys }).seal("p-1", "f", "old");
    const both = createFieldSealer({ keys, suites: [other, aesGcmSuite] });
    const fresh = await both.seal("p-1", "f", "new");
    expect(fresh.suite).toBe("test-gcm");
    expect(await both.open("p-1", "f", old)).toBe("old");
    expect(await both.open("p-1", "f", fresh)).toBe("new");
    expect(await codeOf(createFieldSealer({ keys }).open("p-1", "f", fresh))).toBe("UNKNOWN_CIPHER_SUITE");
  });

  it("refuses hostile input with typed errors", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "s" }) });
    expect(await codeOf(sealer.seal("张三 13800138000", "f", 1))).not.toBe("resolved");
    expect(await codeOf(sealer.seal("p-1", "bad context\n", 1))).toBe("INVALID_INPUT");
    expect(await codeOf(sealer.seal("p-1", "f", "x".repeat(MAX_SEALED_BYTES + 1)))).toBe("TOO_BIG");
    expect(await codeOf(sealer.seal("p-1", "f", { n: Number.NaN }))).toBe("INVALID_TYPE");
    expect(await codeOf(sealer.open("p-1", "f", { suite: "aes-256-gcm" } as SealedValue))).toBe("SEAL_INVALID");
    expect(await codeOf(sealer.open("p-1", "f", null as unknown as SealedValue))).toBe("SEAL_INVALID");
    expect(() => createFieldSealer({ keys: memoryKeyProvider(), suites: [] })).toThrow();
    expect(() => createFieldSealer({ keys: memoryKeyProvider(), suites: [aesGcmSuite, aesGcmSuite] })).toThrow();
  });

  it("round-trips any JSON value (property)", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "prop" }) });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.stringMatching(/^[a-z0-9-]{1,20}$/), async (v, who) => {
        const normal = JSON.parse(JSON.stringify(v)) as unknown;
        expect(await sealer.open(who, "f", await sealer.seal(who, "f", normal))).toEqual(normal);
      }),
      { numRuns: 60 },
    );
  });

  it("computes SHA-256 as hex", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
