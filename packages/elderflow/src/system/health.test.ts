import {
  type ActorInput,
  createFieldSealer,
  type FieldSealer,
  makeIdNumber,
  manualClock,
  memoryKeyProvider,
} from "@elderflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { createElderflow, type Elderflow } from "./elderflow";

const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1"] };
const doctor: ActorInput = { id: "doc-1", roles: ["doctor"], communities: ["c1"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };

let flow: Elderflow | undefined;
afterEach(async () => {
  await flow?.close();
  flow = undefined;
});

async function aFlow(kind: "memory" | "pglite", sealer?: FieldSealer): Promise<Elderflow> {
  flow = await createElderflow({
    clock: manualClock("2027-05-01T09:00:00+08:00"),
    store: { kind },
    directory: { servicePoints: [], volunteers: [] },
    ...(sealer === undefined ? {} : { sealer }),
  });
  const enrolled = await flow.register.record(
    ["p1", "p2"].map((id) => ({
      kind: "enrol",
      personId: id,
      effective: "2020-01-01",
      person: {
        id,
        name: "李小四",
        gender: "female",
        birthDate: "1942-03-04",
        retirementKind: "lixiu",
        rank: "county",
        communityId: "c1",
        idNumber: makeIdNumber("110105", "1942-03-04", 2),
      },
      source: { kind: "import" },
    })),
    registrar,
  );
  expect(enrolled.every((o) => o.ok)).toBe(true);
  return flow;
}

const result = {
  personId: "p1",
  examinedOn: "2027-04-13",
  institution: "区人民医院体检中心",
  findings: ["hypertension"],
  readings: { systolic: 160, diastolic: 96 },
  followUpDue: "2027-04-27",
};

describe("flow.health (rule 4, health records)", () => {
  for (const kind of ["memory", "pglite"] as const)
    it(`records sealed results beside the register and lists who needs what (${kind})`, async () => {
      const f = await aFlow(kind, createFieldSealer({ keys: memoryKeyProvider() }));
      const [o] = await f.health.record([result], doctor);
      expect(o?.ok).toBe(true);
      expect((await f.health.records("p1", doctor))[0]?.findings).toEqual(["hypertension"]);
      const rows = await f.health.dueList(staff, { asOf: "2027-05-01" });
      expect(rows.map((r) => [r.personId, r.check, r.followUp])).toEqual([
        ["p2", "due", "none"],
        ["p1", "done", "due"],
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/hypertension|李小四|160/);
    });

  it("erasing the person erases their health findings too (their key), and the records stay checkable", async () => {
    const f = await aFlow("memory", createFieldSealer({ keys: memoryKeyProvider() }));
    await f.health.record([result], doctor);
    await f.erasePerson("p1", bureau);
    expect((await f.health.records("p1", doctor))[0]).toMatchObject({ examinedOn: "2027-04-13", findings: null });
    expect(await f.health.verify(bureau)).toEqual([]);
  });

  it("without a sealer refuses to store findings at all, while the list still works", async () => {
    const f = await aFlow("memory");
    const [o] = await f.health.record([result], doctor);
    expect(o?.ok === false && o.error.code).toBe("CIPHER_UNAVAILABLE");
    expect((await f.health.dueList(staff, { asOf: "2027-05-01" })).map((r) => r.personId)).toEqual(["p1", "p2"]);
  });
});
