import { createCipheriv } from "node:crypto";
import { aesGcmSuite, createFieldSealer, memoryKeyProvider } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCryptoSuite, nodeAesGcmSuite, sha256HashSuite, sm3HashSuite, sm4CbcHmacSm3Suite } from "./suites";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const utf8 = (s: string) => new TextEncoder().encode(s);
const key32 = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

describe("the standards' test vectors", () => {
  it("SM4 (GB/T 32907-2016, appendix A): one block and the million-fold iteration", () => {
    // The SM4 primitive the suite runs on (node:crypto's OpenSSL).
    const k = Buffer.from("0123456789abcdeffedcba9876543210", "hex");
    const once = createCipheriv("sm4-ecb", k, null).setAutoPadding(false);
    expect(Buffer.concat([once.update(k), once.final()]).toString("hex")).toBe("681edf34d206965e86b3e94f536e4246");
    // CBC with a zero IV over one block is the block cipher itself: the mode the suite uses.
    const cbc = createCipheriv("sm4-cbc", k, Buffer.alloc(16)).setAutoPadding(false);
    expect(Buffer.concat([cbc.update(k), cbc.final()]).toString("hex")).toBe("681edf34d206965e86b3e94f536e4246");
    const many = createCipheriv("sm4-ecb", k, null).setAutoPadding(false);
    let block: Buffer = k;
    for (let i = 0; i < 1_000_000; i++) block = many.update(block);
    expect(block.toString("hex")).toBe("595298c7c6fd271f0402f804c33d3f66");
  });

  it("SM3 (GB/T 32905-2016, appendix A): 'abc' and the 512-bit message", () => {
    expect(sm3HashSuite.digest(utf8("abc"))).toBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    expect(sm3HashSuite.digest(utf8("abcd".repeat(16)))).toBe(
      "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
    );
  });

  it("SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 4231 case 2)", () => {
    expect(sha256HashSuite.digest(utf8("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256HashSuite.hmac(utf8("Jefe"), utf8("what do ya want for nothing?"))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("HMAC-SM3 is RFC 2104 over SM3 (computed by hand from the SM3 digests)", () => {
    const k = new Uint8Array(64).fill(0x0b);
    const ipad = k.map((b) => b ^ 0x36);
    const opad = k.map((b) => b ^ 0x5c);
    const inner = hex(sm3HashSuite.digest(new Uint8Array([...ipad, ...utf8("Hi There")])));
    const outer = sm3HashSuite.digest(new Uint8Array([...opad, ...inner]));
    expect(sm3HashSuite.hmac(k, utf8("Hi There"))).toBe(outer);
  });
});

describe("SM4-CBC with an HMAC-SM3 tag", () => {
  const nonce = hex("00112233445566778899aabbccddeeff");

  it("opens what it sealed, for any plaintext and associated data", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }), async (pt, aad) => {
        const ct = await sm4CbcHmacSm3Suite.encrypt(key32, nonce, pt, aad);
        expect(ct.length % 16).toBe(0); // padded blocks ‖ 32-byte tag
        expect([...(await sm4CbcHmacSm3Suite.decrypt(key32, nonce, ct, aad))]).toEqual([...pt]);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses any flipped bit of the ciphertext or tag, another IV, key or associated data", async () => {
    const pt = utf8("11010519491231002X");
    const aad = utf8("p-0001/register");
    const ct = await sm4CbcHmacSm3Suite.encrypt(key32, nonce, pt, aad);
    await fc.assert(
      fc.asyncProperty(fc.nat(ct.length * 8 - 1), async (bit) => {
        const bad = ct.slice();
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        await expect(sm4CbcHmacSm3Suite.decrypt(key32, nonce, bad, aad)).rejects.toMatchObject({
          code: "SEAL_INVALID",
        });
      }),
      { numRuns: 80 },
    );
    const otherKey = key32.slice();
    otherKey[0] = 9;
    const otherIv = nonce.slice();
    otherIv[15] = 0;
    await expect(sm4CbcHmacSm3Suite.decrypt(otherKey, nonce, ct, aad)).rejects.toMatchObject({ code: "SEAL_INVALID" });
    await expect(sm4CbcHmacSm3Suite.decrypt(key32, otherIv, ct, aad)).rejects.toMatchObject({ code: "SEAL_INVALID" });
    await expect(sm4CbcHmacSm3Suite.decrypt(key32, nonce, ct, utf8("p-0002/register"))).rejects.toMatchObject({
      code: "SEAL_INVALID",
    });
    await expect(sm4CbcHmacSm3Suite.decrypt(key32, nonce, ct.subarray(0, 40), aad)).rejects.toMatchObject({
      code: "SEAL_INVALID",
    });
  });

  it("never puts the plaintext in the ciphertext, and a fresh IV gives a different one", async () => {
    const pt = utf8("13812345678 13812345678 13812345678");
    const a = await sm4CbcHmacSm3Suite.encrypt(key32, nonce, pt, new Uint8Array());
    const b = await sm4CbcHmacSm3Suite.encrypt(key32, hex("ffeeddccbbaa99887766554433221100"), pt, new Uint8Array());
    expect(Buffer.from(a).includes(Buffer.from("13812345678"))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("plugs into core's field sealer beside AES-256-GCM: values of either suite open", async () => {
    const keys = memoryKeyProvider({ seed: "suites" });
    const old = createFieldSealer({ keys, suites: [aesGcmSuite] });
    const gm = createFieldSealer({ keys, suites: [sm4CbcHmacSm3Suite, aesGcmSuite] });
    const before = await old.seal("p-0001", "register/x", { phone: "13812345678" });
    const after = await gm.seal("p-0001", "register/x", { phone: "13912345678" });
    expect(after.suite).toBe("sm4-cbc-hmac-sm3");
    expect(await gm.open("p-0001", "register/x", before)).toEqual({ phone: "13812345678" });
    expect(await gm.open("p-0001", "register/x", after)).toEqual({ phone: "13912345678" });
    await expect(old.open("p-0001", "register/x", after)).rejects.toMatchObject({ code: "UNKNOWN_CIPHER_SUITE" });
  });
});

describe("AES-256-GCM on node:crypto", () => {
  it("meets the GCM specification's test case 16 (256-bit key, associated data)", async () => {
    const key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = hex("cafebabefacedbaddecaf888");
    const p = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const a = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const out = Buffer.from(await nodeAesGcmSuite.encrypt(key, iv, p, a)).toString("hex");
    expect(out).toBe(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
        "76fc6ece0f4e1768cddf8853bb2d551b",
    );
    expect(defaultCryptoSuite.cipher).toBe(nodeAesGcmSuite);
  });

  it("is byte-compatible with core's WebCrypto suite both ways, and refuses what is not its own", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        async (k, n, pt, aad) => {
          const ours = await nodeAesGcmSuite.encrypt(k, n, pt, aad);
          const theirs = await aesGcmSuite.encrypt(k, n, pt, aad);
          expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
          expect(Buffer.from(await aesGcmSuite.decrypt(k, n, ours, aad)).equals(Buffer.from(pt))).toBe(true);
          expect(Buffer.from(await nodeAesGcmSuite.decrypt(k, n, theirs, aad)).equals(Buffer.from(pt))).toBe(true);
          const flipped = Uint8Array.from(ours);
          flipped[pt.length % flipped.length] = (flipped[pt.length % flipped.length] ?? 0) ^ 1;
          await expect(nodeAesGcmSuite.decrypt(k, n, flipped, aad)).rejects.toMatchObject({ code: "SEAL_INVALID" });
          await expect(nodeAesGcmSuite.decrypt(k, n, ours, utf8("other"))).rejects.toMatchObject({
            code: "SEAL_INVALID",
          });
        },
      ),
      { numRuns: 200 },
    );
    await expect(nodeAesGcmSuite.decrypt(key32, new Uint8Array(12), new Uint8Array(5), utf8(""))).rejects.toMatchObject(
      {
        code: "SEAL_INVALID",
      },
    );
  });

  it("opens values the WebCrypto suite sealed in a field sealer, under the same suite id", async () => {
    const keys = memoryKeyProvider({ seed: "gcm" });
    const old = await createFieldSealer({ keys, suites: [aesGcmSuite] }).seal("p-1", "f", { id: "110101" });
    const node = createFieldSealer({ keys, suites: [nodeAesGcmSuite] });
    expect(old.suite).toBe("aes-256-gcm");
    expect(await node.open("p-1", "f", old)).toEqual({ id: "110101" });
  });
});
