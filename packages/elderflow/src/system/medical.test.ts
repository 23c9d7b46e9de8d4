import { createFieldSealer, type FieldSealer, type ManualClock, manualClock, memoryKeyProvider } from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import { afterEach, describe, expect, it } from "vitest";
import { createElderflow, type Elderflow } from "./elderflow";
import { READINGS_CONTEXT } from "./medical";

const TOWN = "c-town";
const staff: WorkflowActor = { id: "staff-1", role: "community_staff", communityId: TOWN };
const vol = (id: string, communities = [TOWN]) => ({ id, roles: ["volunteer" as const], communities });
const cert = [{ skill: "medical_care", level: 3, validFrom: "2026-01-01", issuer: "县卫生局" }];
let flow: Elderflow | undefined;
afterEach(async () => {
  await flow?.close();
  flow = undefined;
});

async function aGroup(sealer?: FieldSealer, scope: (p: string) => boolean = (p) => p.startsWith("lixiu")) {
  flow = await createElderflow({
    clock: manualClock("2027-03-01T09:00:00+08:00"),
    store: { kind: "memory" },
    directory: {
      servicePoints: [],
      volunteers: [
        { id: "v1", certifications: cert },
        { id: "v2", certifications: cert },
      ],
    },
    policies: { medicalScope: (personId) => scope(personId) },
    ...(sealer === undefined ? {} : { sealer }),
  });
  await flow.workflows.start("medicalGroup", {
    id: "g1",
    input: { communityId: TOWN, members: ["v1", "v2"], cadres: ["lixiu-1", "lixiu-2"], level: 2 },
    actor: staff,
  });
  await flow.workflows.send("g1", { id: "a", type: "ACTIVATE", actor: staff });
  return flow;
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "none";
  } catch (e) {
    return (e as { code?: string }).code ?? "raw";
  }
};

describe("flow.medical (rule 12)", () => {
  it("seals the readings under the cadre's key before they reach the workflow store", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) });
    const f = await aGroup(sealer);
    await f.medical.recordContact(
      "g1",
      { id: "c1", personId: "lixiu-1", kind: "visit", readings: { bloodPressure: { systolic: 171, diastolic: 99 } } },
      vol("v1"),
    );
    const log = await f.workflows.history("g1", staff);
    const payload = log.at(-1)?.payload as Record<string, unknown>;
    expect(payload.checks).toEqual(["blood_pressure"]);
    expect(JSON.stringify(log)).not.toContain("171");
    expect(await sealer.open("lixiu-1", READINGS_CONTEXT, payload.sealedReadings as never)).toEqual({
      bloodPressure: { systolic: 171, diastolic: 99 },
    });
    // Sealed for lixiu-1: it does not open as another cadre's.
    await expect(sealer.open("lixiu-2", READINGS_CONTEXT, payload.sealedReadings as never)).rejects.toMatchObject({
      code: "SEAL_INVALID",
    });
    const opened = await f.medical.readings("g1", { id: "dr", roles: ["doctor"], communities: [TOWN] });
    expect(opened.map((r) => [r.personId, r.volunteerId, r.readings.bloodPressure?.systolic])).toEqual([
      ["lixiu-1", "v1", 171],
    ]);
    // Erasing the cadre's key makes the reading unreadable; the log is untouched.
    await sealer.erase("lixiu-1");
    expect(await f.medical.readings("g1", { id: "dr", roles: ["doctor"], communities: [TOWN] })).toEqual([]);
  });

  it("refuses readings without a sealer, and a measured reading on a call", async () => {
    const f = await aGroup();
    expect(
      await codeOf(
        f.medical.recordContact(
          "g1",
          { id: "c1", personId: "lixiu-1", kind: "visit", readings: { pulse: { bpm: 70 } } },
          vol("v1"),
        ),
      ),
    ).toBe("SEALER_REQUIRED");
    await f.medical.recordContact(
      "g1",
      { id: "c2", personId: "lixiu-1", kind: "call", checks: ["health_advice"] },
      vol("v1"),
    );
    await f.close();
    flow = undefined;
    const g = await aGroup(createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) }));
    expect(
      await codeOf(
        g.medical.recordContact(
          "g1",
          { id: "c3", personId: "lixiu-1", kind: "call", readings: { pulse: { bpm: 70 } } },
          vol("v1"),
        ),
      ),
    ).toBe("MEASUREMENT_NEEDS_VISIT");
  });

  it("refuses hostile contacts at the boundary with a typed error naming the field, never the value", async () => {
    const f = await aGroup(createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) }));
    const cases: [unknown, string, string][] = [
      [
        { id: "c1", personId: "lixiu-1", kind: "visit", readings: { bloodPressure: { systolic: 420, diastolic: 80 } } },
        "TOO_BIG",
        "contact.readings.bloodPressure.systolic",
      ],
      [
        { id: "c1", personId: "lixiu-1", kind: "visit", readings: { glucose: { mmolL: -3 } } },
        "TOO_SMALL",
        "contact.readings.glucose.mmolL",
      ],
      [
        { id: "c1", personId: "lixiu-1", kind: "visit", readings: { glucose: { mmolL: "6.1" } } },
        "INVALID_TYPE",
        "contact.readings.glucose.mmolL",
      ],
      [{ id: "c1", personId: "13812345678", kind: "visit" }, "PERSONAL_DATA_IN_ID", "contact.personId"],
      [{ id: "c1", personId: "lixiu-1", kind: "visit", sealedReadings: {} }, "UNKNOWN_FIELD", "contact.sealedReadings"],
      [{ personId: "lixiu-1", kind: "visit" }, "REQUIRED", "contact.id"],
      [{ id: "c1", personId: "lixiu-1", kind: "visit", note: "张小三 13812345678" }, "UNKNOWN_FIELD", "contact.note"],
    ];
    for (const hostile of [null, [], "visit", 7])
      expect(await codeOf(f.medical.recordContact("g1", hostile as never, vol("v1")))).toBe("INVALID_TYPE");
    for (const [contact, code, path] of cases) {
      let err: { code: string; path: readonly (string | number)[]; toJSON?: () => unknown } | undefined;
      try {
        await f.medical.recordContact("g1", contact as never, vol("v1"));
      } catch (e) {
        err = e as never;
      }
      expect(err?.code, path).toBe(code);
      expect(err?.path.join("."), code).toBe(path);
      expect(JSON.stringify(err)).not.toMatch(/420|13812345678/);
    }
    expect(
      await codeOf(
        f.medical.recordContact("g1", { id: "c1", personId: "lixiu-1", kind: "visit" }, vol("v1", ["elsewhere"])),
      ),
    ).toBe("WRONG_COMMUNITY");
    expect(
      await codeOf(
        f.medical.recordContact(
          "g1",
          { id: "c1", personId: "lixiu-1", kind: "visit" },
          { id: "v1", roles: ["doctor"], communities: [TOWN] },
        ),
      ),
    ).toBe("NOT_AUTHORIZED");
    expect(
      await codeOf(f.medical.recordContact("nope", { id: "c1", personId: "lixiu-1", kind: "visit" }, vol("v1"))),
    ).toBe("UNKNOWN_INSTANCE");
    expect((await f.workflows.history("g1", staff)).filter((e) => e.type === "CONTACT")).toEqual([]);
    const bureau = { id: "b", roles: ["bureau" as const] };
    expect(await codeOf(f.medical.statement("g1" as never, [], { year: 2027 }, bureau))).toBe("INVALID_TYPE");
    expect(await codeOf(f.medical.statement(["g1", "nope"], [], { year: 2027 }, bureau))).toBe("UNKNOWN_INSTANCE");
  });

  it("applies a contact once per event id", async () => {
    const f = await aGroup();
    await f.medical.recordContact("g1", { id: "c1", personId: "lixiu-1", kind: "visit" }, vol("v1"));
    const again = await f.medical.recordContact("g1", { id: "c1", personId: "lixiu-1", kind: "visit" }, vol("v1"));
    expect(again.duplicate).toBe(true);
    expect(await f.medical.contacts("g1", { id: "b", roles: ["bureau"] })).toEqual([
      { groupId: "g1", volunteerId: "v1", personId: "lixiu-1", kind: "visit", on: "2027-03-01" },
    ]);
  });

  it("takes the programme's scope from the register by default: a cadre not on it is out of scope", async () => {
    flow = await createElderflow({
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      store: { kind: "memory" },
      directory: { servicePoints: [], volunteers: [{ id: "v1", certifications: cert }] },
    });
    const input = { communityId: TOWN, members: ["v1"], cadres: ["unknown-1"], level: 2 };
    const err = await flow.workflows.start("medicalGroup", { id: "g9", input, actor: staff }).catch((e) => e);
    expect([err.code, err.path]).toEqual(["OUTSIDE_PROGRAMME_SCOPE", ["input", "cadres", 0]]);
  });
});

describe("erasure of a cadre (crypto-shredding)", () => {
  it("erases the cadre's data keys with flow.erasePerson, so their readings no longer open", async () => {
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "t" }) });
    const f = await aGroup(sealer);
    await f.medical.recordContact(
      "g1",
      { id: "c1", personId: "lixiu-1", kind: "visit", readings: { pulse: { bpm: 66 } } },
      vol("v1"),
    );
    const dr = { id: "dr", roles: ["doctor" as const], communities: [TOWN] };
    expect(await f.medical.readings("g1", dr)).toHaveLength(1);
    const report = await f.erasePerson("lixiu-1", { id: "b-1", roles: ["bureau"] });
    expect(report.sealedKeys).toBe(true);
    expect(await f.medical.readings("g1", dr)).toEqual([]);
    // The contact itself stays credited: the subsidy does not depend on the readings.
    expect(await f.medical.contacts("g1", { id: "b", roles: ["bureau"] })).toHaveLength(1);
  });
});

describe("a group's monthly cadence (rule 5)", () => {
  it("measures each cadre's weeks and home visits, whichever member made them", async () => {
    const f = await aGroup();
    const clock = f.clock as ManualClock;
    const contact = async (day: number, member: string, personId: string, kind: "call" | "visit") => {
      clock.set(`2027-03-${String(day).padStart(2, "0")}T15:00:00+08:00`);
      await f.medical.recordContact("g1", { id: `c-${day}-${personId}`, personId, kind }, vol(member));
    };
    // lixiu-1: three visits by two members and a call every other week; lixiu-2: one visit only.
    await contact(2, "v1", "lixiu-1", "visit");
    await contact(9, "v2", "lixiu-1", "visit");
    await contact(16, "v1", "lixiu-1", "visit");
    await contact(23, "v2", "lixiu-1", "call");
    for (const d of [3, 10, 17, 24]) await contact(d, "v2", "lixiu-2", d === 3 ? "visit" : "call");
    const report = await f.medical.cadence("g1", "2027-03", {
      id: "s",
      roles: ["community_staff"],
      communities: [TOWN],
    });
    expect(report.pairs.map((p) => [p.pairId, p.weeksRequired, p.weeksMet, p.homeVisits, p.compliant])).toEqual([
      ["g1/lixiu-1", 4, 4, 3, true],
      ["g1/lixiu-2", 4, 4, 1, false],
    ]);
    await expect(f.medical.cadence("g1", "2027-03", vol("v1"))).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
  });
});

describe("a cadre who leaves the programme's scope", () => {
  it("gets no credited contact once the register says they died (the follow-through takes them out of the group)", async () => {
    flow = await createElderflow({
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      store: { kind: "memory" },
      directory: { servicePoints: [], volunteers: [{ id: "v1", certifications: cert }] },
    });
    const registrar = { id: "reg", roles: ["registrar" as const], communities: [TOWN] };
    const person = {
      name: "王老",
      gender: "male",
      birthDate: "1930-05-04",
      retirementKind: "lixiu",
      rank: "county",
      communityId: TOWN,
    };
    const enrolled = await flow.register.record(
      ["lixiu-1", "lixiu-2"].map((id) => ({
        kind: "enrol",
        personId: id,
        effective: "2020-01-01",
        person: { id, ...person },
        source: { kind: "import" },
      })),
      registrar,
    );
    expect(enrolled.every((o) => o.ok)).toBe(true);
    await flow.workflows.start("medicalGroup", {
      id: "g1",
      input: { communityId: TOWN, members: ["v1"], cadres: ["lixiu-1", "lixiu-2"], level: 2 },
      actor: staff,
    });
    await flow.workflows.send("g1", { id: "a", type: "ACTIVATE", actor: staff });
    await flow.medical.recordContact("g1", { id: "c1", personId: "lixiu-1", kind: "visit" }, vol("v1"));
    const died = await flow.recordChanges(
      [
        {
          kind: "status",
          personId: "lixiu-1",
          effective: "2027-03-01",
          status: "deceased",
          source: { kind: "notice" },
        },
      ],
      registrar,
    );
    expect(died.outcomes.every((o) => o.ok)).toBe(true);
    expect(died.follow[0]?.medicalGroups).toEqual([{ instanceId: "g1", action: "cadre_removed" }]);
    expect(
      await codeOf(flow.medical.recordContact("g1", { id: "c2", personId: "lixiu-1", kind: "call" }, vol("v1"))),
    ).toBe("NOT_IN_GROUP");
    await flow.medical.recordContact("g1", { id: "c3", personId: "lixiu-2", kind: "call" }, vol("v1"));
    const contacts = await flow.medical.contacts("g1", { id: "b", roles: ["bureau"] });
    expect(contacts.map((c) => [c.personId, c.kind])).toEqual([
      ["lixiu-1", "visit"],
      ["lixiu-2", "call"],
    ]);
  });
});
