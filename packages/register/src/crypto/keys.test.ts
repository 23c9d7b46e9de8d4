import { createFieldSealer } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { kekFromEnv, memoryWrappedKeyStore, wrappedKeyProvider } from "./keys";

const kek = new Uint8Array(32).fill(3);

describe("the KMS-shaped key provider", () => {
  it("keeps only wrapped keys, and a restarted provider with the same KEK opens what was sealed", async () => {
    const store = memoryWrappedKeyStore();
    const first = createFieldSealer({ keys: wrappedKeyProvider({ kek, store }) });
    const sealed = await first.seal("p-0001", "register/x", { phone: "13812345678" });
    const key = await wrappedKeyProvider({ kek, store }).current("p-0001");
    const wrapped = await store.get("p-0001");
    expect(wrapped).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(wrapped as Uint8Array).includes(Buffer.from(key.bytes))).toBe(false);
    const again = createFieldSealer({ keys: wrappedKeyProvider({ kek, store }) });
    expect(await again.open("p-0001", "register/x", sealed)).toEqual({ phone: "13812345678" });
    const wrongKek = createFieldSealer({ keys: wrappedKeyProvider({ kek: new Uint8Array(32).fill(4), store }) });
    await expect(wrongKek.open("p-0001", "register/x", sealed)).rejects.toMatchObject({ code: "SEAL_INVALID" });
  });

  it("erases by tombstone: the key is gone for good, other subjects keep theirs", async () => {
    const store = memoryWrappedKeyStore();
    const keys = wrappedKeyProvider({ kek, store });
    const sealer = createFieldSealer({ keys });
    const a = await sealer.seal("p-0001", "c", 1);
    const b = await sealer.seal("p-0002", "c", 2);
    await keys.erase("p-0001");
    expect(await keys.isErased("p-0001")).toBe(true);
    await expect(sealer.open("p-0001", "c", a)).rejects.toMatchObject({ code: "KEY_ERASED" });
    await expect(keys.current("p-0001")).rejects.toMatchObject({ code: "KEY_ERASED" });
    expect(await sealer.open("p-0002", "c", b)).toBe(2);
  });

  it("refuses a bad KEK, a bad subject and a bad environment value with typed errors", () => {
    expect(() => wrappedKeyProvider({ kek: new Uint8Array(16), store: memoryWrappedKeyStore() })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", path: ["kek"] }),
    );
    expect(() => kekFromEnv({}, "ELDERFLOW_KEK")).toThrow(expect.objectContaining({ code: "REQUIRED" }));
    expect(() => kekFromEnv({ K: "x".repeat(10_000) }, "K")).toThrow(expect.objectContaining({ code: "REQUIRED" }));
    expect(() => kekFromEnv({ K: Buffer.alloc(16).toString("base64") }, "K")).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
    expect(kekFromEnv({ K: Buffer.alloc(32, 9).toString("base64") }, "K")).toEqual(new Uint8Array(32).fill(9));
    const keys = wrappedKeyProvider({ kek, store: memoryWrappedKeyStore() });
    return expect(keys.current("张三 13812345678")).rejects.toMatchObject({ path: ["subject"] });
  });
});
