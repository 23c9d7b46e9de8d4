import { createFieldSealer, manualClock, memoryKeyProvider } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportAudit } from "../audit";
import { createWorkflowEngine } from "../engine";
import { anActor, codeOf, MIN } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import type { WorkflowActor } from "../types";
import { MedicalGroupPayloads, MedicalReadings, medicalGroupWorkflow } from "./medicalGroup";

const DAY = 24 * 60 * MIN;
const LEVELS = new Map([
  ["v1", 3],
  ["v2", 2],
  ["v3", 2],
  ["v-low", 1],
]);
const LIXIU = new Set(["p1", "p2", "p3", "p4"]);
const cs = anActor("community_staff", "staff-1");
const vol = (id: string): WorkflowActor => anActor("volunteer", id);
let n = 0;
const ev = (type: string, actor: WorkflowActor, payload?: Record<string, unknown>) => ({
  id: `e${++n}`,
  type,
  actor,
  ...(payload ? { payload } : {}),
});

function setup() {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  const engine = createWorkflowEngine({
    store: memoryStore(),
    clock,
    machines: [
      medicalGroupWorkflow({
        certification: ({ volunteerId, level }) => (LEVELS.get(volunteerId) ?? 0) >= level,
        scope: ({ personId }) => LIXIU.has(personId),
      }),
    ],
  });
  return { engine, clock };
}
const input = { communityId: "c01", members: ["v1", "v2"], cadres: ["p1", "p2", "p3"], level: 2 };

async function activeGroup() {
  const s = setup();
  await s.engine.start("medicalGroup", { id: "g1", input, actor: cs });
  await s.engine.send("g1", ev("ACTIVATE", cs));
  return s;
}

describe("medical volunteer group (rule 12)", () => {
  it("is one group of two volunteers serving three cadres, not six pairs", async () => {
    const { engine } = await activeGroup();
    const q = await engine.query("g1", cs);
    expect(q.state).toBe("active");
    expect(q.context.members).toHaveLength(2);
    expect(q.context.cadres).toHaveLength(3);
    expect(await engine.list({ machine: "medicalGroup" }, cs)).toHaveLength(1);
  });

  it("refuses to start with a cadre outside the programme's scope, naming the cadre's position", async () => {
    const { engine } = setup();
    const err = await engine
      .start("medicalGroup", { id: "g2", input: { ...input, cadres: ["p1", "t-tuixiu"] }, actor: cs })
      .catch((e) => e);
    expect(err.code).toBe("OUTSIDE_PROGRAMME_SCOPE");
    expect(err.path).toEqual(["input", "cadres", 1]);
    expect(await codeOf(engine.query("g2", cs))).toBe("UNKNOWN_INSTANCE");
  });

  it("refuses to add a cadre outside scope with a typed error, and adds one in scope", async () => {
    const { engine } = await activeGroup();
    expect(await codeOf(engine.send("g1", ev("ADD_CADRE", cs, { personId: "t-1" })))).toBe("OUTSIDE_PROGRAMME_SCOPE");
    await engine.send("g1", ev("ADD_CADRE", cs, { personId: "p4" }));
    expect((await engine.query("g1", cs)).context.cadres).toHaveLength(4);
  });

  it("credits a contact only by an active member for a cadre of the group", async () => {
    const { engine } = await activeGroup();
    await engine.send("g1", ev("CONTACT", vol("v1"), { personId: "p1", kind: "visit", checks: ["blood_pressure"] }));
    expect(await codeOf(engine.send("g1", ev("CONTACT", vol("v9"), { personId: "p1", kind: "call" })))).toBe(
      "NOT_GROUP_MEMBER",
    );
    expect(await codeOf(engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p9", kind: "call" })))).toBe(
      "NOT_IN_GROUP",
    );
    expect(
      await codeOf(engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p2", kind: "call", checks: ["pulse"] }))),
    ).toBe("MEASUREMENT_NEEDS_VISIT");
    await engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p2", kind: "call", checks: ["medication_check"] }));
    const { contacts } = (await engine.query("g1", cs)).context as { contacts: { volunteerId: string }[] };
    expect(contacts.map((c) => c.volunteerId)).toEqual(["v1", "v2"]);
  });

  it("suspends only the lapsed member; the group goes on, and is suspended when nobody is left", async () => {
    const { engine } = await activeGroup();
    const lapse = (v: string) =>
      ev(
        "CERTIFICATE_LAPSED",
        { id: "bureau-1", role: "bureau" },
        {
          volunteerId: v,
          skill: "medical_care",
          expiredOn: "2027-03-15",
        },
      );
    await engine.send("g1", lapse("v1"));
    let q = await engine.query("g1", cs);
    expect(q.state).toBe("active");
    expect(await codeOf(engine.send("g1", ev("CONTACT", vol("v1"), { personId: "p1", kind: "call" })))).toBe(
      "MEMBER_SUSPENDED",
    );
    await engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p1", kind: "call" }));
    expect(await codeOf(engine.send("g1", lapse("v1")))).toBe("NOT_GROUP_MEMBER");
    await engine.send("g1", lapse("v2"));
    q = await engine.query("g1", cs);
    expect(q.state).toBe("suspended");
    expect(await codeOf(engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p1", kind: "call" })))).toBe(
      "MEMBER_SUSPENDED",
    );
    const emitted = (await engine.store.outbox(10)).filter((o) => o.type === "medicalGroup.member_suspended");
    expect(emitted.map((o) => o.payload)).toEqual([
      { volunteerId: "v1", skill: "medical_care", expiredOn: "2027-03-15", activeMembers: 1 },
      { volunteerId: "v2", skill: "medical_care", expiredOn: "2027-03-15", activeMembers: 0 },
    ]);
    // A certified volunteer joins and the group serves again.
    await engine.send("g1", ev("JOIN", cs, { volunteerId: "v3" }));
    expect((await engine.query("g1", cs)).state).toBe("active");
    expect(await codeOf(engine.send("g1", ev("REINSTATE", cs, { volunteerId: "v1" })))).toBe("none");
  });

  it("lets members join and leave; an uncertified volunteer cannot join", async () => {
    const { engine } = await activeGroup();
    expect(await codeOf(engine.send("g1", ev("JOIN", cs, { volunteerId: "v-low" })))).toBe("NOT_CERTIFIED");
    await engine.send("g1", ev("JOIN", cs, { volunteerId: "v3" }));
    await engine.send("g1", ev("LEAVE", vol("v3"), { volunteerId: "v3", reason: "resigned" }));
    expect(await codeOf(engine.send("g1", ev("CONTACT", vol("v3"), { personId: "p1", kind: "call" })))).toBe(
      "NOT_GROUP_MEMBER",
    );
    const members = (await engine.query("g1", cs)).context.members as { volunteerId: string; status: string }[];
    expect(members.map((m) => `${m.volunteerId}:${m.status}`)).toEqual(["v1:active", "v2:active", "v3:left"]);
  });

  it("suspends at activation the members not certified for the level", async () => {
    const { engine } = setup();
    await engine.start("medicalGroup", { id: "g3", input: { ...input, members: ["v1", "v-low"] }, actor: cs });
    await engine.send("g3", ev("ACTIVATE", cs));
    const members = (await engine.query("g3", cs)).context.members as { status: string; reason: string | null }[];
    expect(members.map((m) => [m.status, m.reason])).toEqual([
      ["active", null],
      ["suspended", "not_certified"],
    ]);
  });

  it("raises a missed-contact alert per cadre for each week without contact", async () => {
    const { engine, clock } = await activeGroup();
    clock.advance(2 * DAY);
    await engine.send("g1", ev("CONTACT", vol("v1"), { personId: "p1", kind: "visit" }));
    await engine.send("g1", ev("CONTACT", vol("v2"), { personId: "p2", kind: "call" }));
    clock.advance(5 * DAY);
    await engine.runDueTimers();
    const alerts = (await engine.store.outbox(10)).filter((o) => o.type === "medicalGroup.missed_contact");
    expect(alerts.map((a) => a.payload)).toEqual([{ personId: "p3", volunteerIds: ["v1", "v2"], missedWeeks: 1 }]);
    clock.advance(7 * DAY);
    await engine.runDueTimers();
    const after = (await engine.store.outbox(20)).filter((o) => o.type === "medicalGroup.missed_contact");
    expect(after).toHaveLength(4);
  });

  it("keeps readings only sealed in the log, and audit exports mask them", async () => {
    const { engine } = await activeGroup();
    const sealer = createFieldSealer({ keys: memoryKeyProvider({ seed: "test" }) });
    const readings = MedicalReadings.parse({ bloodPressure: { systolic: 152, diastolic: 97 } });
    const sealedReadings = await sealer.seal("p1", "medical-group/readings", readings);
    await engine.send(
      "g1",
      ev("CONTACT", vol("v1"), { personId: "p1", kind: "visit", checks: ["blood_pressure"], sealedReadings }),
    );
    const log = await engine.history("g1", cs);
    expect(JSON.stringify(log)).not.toContain("152");
    const audit = exportAudit(log);
    expect(audit.at(-1)?.data.sealedReadings).toBe("***");
    expect(JSON.stringify(audit)).not.toContain(sealedReadings.data);
    expect(await sealer.open("p1", "medical-group/readings", sealedReadings)).toEqual(readings);
    expect(JSON.stringify((await engine.query("g1", cs)).context)).not.toContain(sealedReadings.data);
  });
});

describe("medical readings (hostile input)", () => {
  it("bounds every reading, and its errors carry the bound and path, never the value", () => {
    for (const [bad, path] of [
      [{ bloodPressure: { systolic: 999, diastolic: 80 } }, "bloodPressure.systolic"],
      [{ bloodPressure: { systolic: 120, diastolic: 130 } }, "bloodPressure.diastolic"],
      [{ glucose: { mmolL: 6.45 } }, "glucose.mmolL"],
      [{ glucose: { mmolL: Number.NaN } }, "glucose.mmolL"],
      [{ pulse: { bpm: 72.5 } }, "pulse.bpm"],
      [{ pulse: { bpm: 72, extra: "13812345678" } }, "pulse"],
      [{}, ""],
    ] as const) {
      const r = MedicalReadings.safeParse(bad);
      expect(r.success, path).toBe(false);
      expect(r.error?.issues[0]?.path.join(".")).toBe(path);
    }
  });

  it("accepts every in-range reading (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 51, max: 300 }),
        fc.integer({ min: 30, max: 200 }),
        fc.integer({ min: 10, max: 350 }),
        (sys, dia, g) => {
          const r = MedicalReadings.safeParse({
            bloodPressure: { systolic: sys, diastolic: dia },
            glucose: { mmolL: g / 10 },
          });
          expect(r.success).toBe(dia < sys);
        },
      ),
    );
  });

  it("refuses a hostile contact payload with a typed error", async () => {
    const { engine } = await activeGroup();
    const hostile = [
      { personId: "p1", kind: "visit", checks: ["blood_pressure", "blood_pressure"] },
      { personId: "p1", kind: "visit", readings: { bloodPressure: { systolic: 150, diastolic: 90 } } },
      { personId: "p1", kind: "visit", sealedReadings: { suite: "x", keyId: "k", nonce: "!!", data: "AAAA" } },
      { personId: "p1\u202e", kind: "visit" },
      { personId: "p1", kind: "teleport" },
    ];
    for (const payload of hostile) {
      const code = await codeOf(engine.send("g1", ev("CONTACT", vol("v1"), payload)));
      expect(code, JSON.stringify(payload)).not.toBe("none");
      expect(code.startsWith("raw:")).toBe(false);
    }
    expect(MedicalGroupPayloads.CONTACT.safeParse({ personId: "p1", kind: "call" }).success).toBe(true);
  });
});
