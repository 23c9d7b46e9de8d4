import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pgliteStore } from "./pglite";

const root = mkdtempSync(join(tmpdir(), "ef-wf-pglite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the PGlite workflow store's data folder", () => {
  it("creates a data folder whose parents are missing (a fresh clone)", async () => {
    const store = await pgliteStore({ dataDir: join(root, "a", "b", "workflow") });
    expect(await store.list({})).toEqual([]);
    await store.close();
  }, 60_000);

  it("reports a folder it cannot create as DATA_DIR_UNAVAILABLE, never a raw file error", async () => {
    writeFileSync(join(root, "file"), "not a folder");
    await expect(pgliteStore({ dataDir: join(root, "file", "workflow") })).rejects.toMatchObject({
      name: "ElderflowError",
      code: "DATA_DIR_UNAVAILABLE",
      path: ["dataDir"],
    });
  }, 60_000);
});
