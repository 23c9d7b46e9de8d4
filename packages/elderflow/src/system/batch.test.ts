import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ActorInput, manualClock } from "@elderflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { createElderflow, type Elderflow } from "./elderflow";

const C1 = "c-01";
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: [C1] };
const enrolment = (id: string) => ({
  kind: "enrol",
  personId: id,
  effective: "2020-01-01",
  person: {
    id,
    name: "张小三",
    gender: "male",
    birthDate: "1940-05-04",
    retirementKind: "tuixiu",
    rank: "section",
    communityId: C1,
  },
  source: { kind: "import", ref: "2020-roll" },
});

const root = mkdtempSync(join(tmpdir(), "ef-batch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function open(dir: string): Promise<Elderflow> {
  return createElderflow({
    store: { kind: "pglite", dataDir: join(root, dir) },
    clock: manualClock("2027-03-01T09:00:00+08:00"),
    directory: { servicePoints: [], volunteers: [] },
  });
}
const ids = async (flow: Elderflow) => (await flow.register.persons(registrar)).map((p) => p.id).sort();

describe("flow.batch on PGlite", () => {
  it("commits a unit of work across the stores as one, and it survives a reopen", async () => {
    const flow = await open("ok");
    const recorded = await flow.batch(async () => {
      const a = await flow.register.record([enrolment("p-1")], registrar);
      const b = await flow.register.record([enrolment("p-2")], registrar);
      return [...a, ...b].every((o) => o.ok);
    });
    expect(recorded).toBe(true);
    await flow.close();
    const again = await open("ok");
    expect(await ids(again)).toEqual(["p-1", "p-2"]);
    await again.close();
  });

  it("rolls a failed batch back whole and closes the system; reopened, it holds what came before", async () => {
    const flow = await open("fail");
    await flow.register.record([enrolment("p-1")], registrar);
    await expect(
      flow.batch(async () => {
        await flow.register.record([enrolment("p-2")], registrar);
        throw new Error("the host failed mid-day");
      }),
    ).rejects.toThrow("the host failed mid-day");
    // Closed: nobody decides on an open state that may hold undone work.
    await expect(flow.register.record([enrolment("p-3")], registrar)).rejects.toThrow();
    const again = await open("fail");
    expect(await ids(again)).toEqual(["p-1"]);
    await again.close();
  });
});

describe("flow.batch in memory", () => {
  it("just runs the work", async () => {
    const flow = await createElderflow({
      store: { kind: "memory" },
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      directory: { servicePoints: [], volunteers: [] },
    });
    expect(await flow.batch(async () => (await flow.register.record([enrolment("p-1")], registrar))[0]?.ok)).toBe(true);
    expect(await ids(flow)).toEqual(["p-1"]);
    await flow.close();
  });
});
