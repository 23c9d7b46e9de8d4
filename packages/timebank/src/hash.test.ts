import { isElderflowError } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { assertHashSuite, type HashSuite, hashSuiteNamed, sha256Suite, sm3Suite } from "./hash";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isElderflowError(e) ? `${e.code}:${e.path.join(".")}` : "untyped";
  }
  return "none";
};

describe("hash suites", () => {
  it("compute the standard test vectors of SHA-256 (FIPS 180-4) and SM3 (GB/T 32905-2016)", () => {
    expect(sha256Suite.digest("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sm3Suite.digest("abc")).toBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    expect(sm3Suite.hmac?.(Buffer.from("k"), "abc")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("are found by the name a journal records", () => {
    expect(hashSuiteNamed("sm3")).toBe(sm3Suite);
    expect(hashSuiteNamed("sha256")).toBe(sha256Suite);
    expect(hashSuiteNamed("md5")).toBeUndefined();
  });

  it("refuse a suite whose name or digest would not fit the journal, with a typed error", () => {
    const short: HashSuite = { name: "short", digest: () => "abc" };
    const named: HashSuite = { name: "Bad Name", digest: sha256Suite.digest };
    expect(code(() => assertHashSuite(short))).toBe("INVALID_INPUT:hash");
    expect(code(() => assertHashSuite(named))).toBe("INVALID_INPUT:hash");
    expect(code(() => assertHashSuite(sm3Suite))).toBe("none");
  });
});
