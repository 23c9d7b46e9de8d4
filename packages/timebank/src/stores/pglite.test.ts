import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, isElderflowError } from "@elderflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { asHost, SETUP, testStars } from "../../../../test/timebank-support";
import { createTimeBank } from "../bank";
import { pgliteStore } from "./pglite";

const work = mkdtempSync(join(tmpdir(), "timebank-pglite-dir-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const clock = fixedClock("2027-01-04T09:00:00+08:00");

describe("the PGlite data folder", () => {
  it("is created with its missing parents (a fresh clone has no .elderflow folder)", async () => {
    const dataDir = join(work, "fresh-clone", ".elderflow", "timebank");
    const bank = asHost(await createTimeBank({ store: pgliteStore({ dataDir }), clock, stars: testStars }));
    await bank.submitMany(SETUP);
    await bank.close();
    const again = await createTimeBank({ store: pgliteStore({ dataDir }), clock, stars: testStars });
    expect(await again.verifyJournal()).toMatchObject({ ok: true, length: SETUP.length });
    await again.close();
  });

  it("that cannot be created is a typed DATA_DIR_UNAVAILABLE naming the option, not a raw ENOENT", () => {
    const file = join(work, "a-file");
    writeFileSync(file, "not a folder");
    let error: unknown;
    try {
      pgliteStore({ dataDir: join(file, "timebank") });
    } catch (e) {
      error = e;
    }
    expect(isElderflowError(error) && { code: error.code, path: error.path }).toEqual({
      code: "DATA_DIR_UNAVAILABLE",
      path: ["dataDir"],
    });
    expect(String((error as Error).message)).not.toContain(work);
  });
});
