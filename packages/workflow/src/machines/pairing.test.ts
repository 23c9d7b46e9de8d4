import { manualClock } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { migrateSnapshot } from "../definition";
import { createWorkflowEngine } from "../engine";
import { anActor, codeOf, MIN } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import type { PersistedSnapshot, WorkflowActor } from "../types";
import { pairingWorkflow } from "./pairing";

const DAY = 24 * 60 * MIN;
const cs = anActor("community_staff", "cs1");
const host = anActor("community_staff", "elderflow");
const vol = anActor("volunteer", "v1");
const input = { communityId: "c01", volunteerId: "v1", personId: "p1", skill: "medical_care", level: 2 };
const lapse = { volunteerId: "v1", skill: "medical_care", expiredOn: "2027-03-16" };

/** A pairing engine whose certification check reads a mutable level per volunteer. */
function setup() {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  const levels = new Map([["v1", 2]]);
  const engine = createWorkflowEngine({
    store: memoryStore(),
    clock,
    machines: [pairingWorkflow({ certification: ({ volunteerId, level }) => (levels.get(volunteerId) ?? 0) >= level })],
  });
  let n = 0;
  const ev = (type: string, actor: WorkflowActor = cs, payload?: Record<string, unknown>) => ({
    id: `e${++n}`,
    type,
    actor,
    ...(payload === undefined ? {} : { payload }),
  });
  return { engine, clock, levels, ev };
}

async function activePair() {
  const s = setup();
  await s.engine.start("pairing", { id: "pair", input, actor: cs });
  await s.engine.send("pair", s.ev("ACTIVATE"));
  return s;
}

describe("pairing: a certificate lapsing during an active pairing (rule 11, 持证上岗)", () => {
  it("suspends the pairing, records the lapse, emits an alert and stops the weekly check", async () => {
    const { engine, ev } = await activePair();
    expect((await engine.timers("pair", cs)).length).toBe(1);
    const r = await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    expect(r.to).toBe("suspended");
    const q = await engine.query("pair", cs);
    expect(q.context.lapse).toEqual({ skill: "medical_care", expiredOn: "2027-03-16" });
    const alerts = (await engine.store.outbox(10)).filter((o) => o.type === "pairing.certificate_lapsed");
    expect(alerts.map((a) => a.payload)).toEqual([
      { volunteerId: "v1", personId: "p1", skill: "medical_care", expiredOn: "2027-03-16" },
    ]);
    expect(await engine.timers("pair", cs)).toEqual([]);
  });

  it("takes no contact while suspended (CERTIFICATE_INVALID)", async () => {
    const { engine, ev } = await activePair();
    await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    expect(await codeOf(engine.send("pair", ev("CONTACT", vol, { kind: "visit" })))).toBe("CERTIFICATE_INVALID");
    expect((await engine.query("pair", cs)).context.totalContacts).toBe(0);
  });

  it("leaves suspended by RESUME only once the volunteer is certified again", async () => {
    const { engine, ev, levels } = await activePair();
    levels.set("v1", 0);
    await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    expect(await codeOf(engine.send("pair", ev("RESUME")))).toBe("NOT_CERTIFIED");
    expect((await engine.query("pair", cs)).state).toBe("suspended");
    levels.set("v1", 1);
    expect(await codeOf(engine.send("pair", ev("RESUME")))).toBe("NOT_CERTIFIED");
    levels.set("v1", 3);
    expect((await engine.send("pair", ev("RESUME"))).to).toBe("active");
    const q = await engine.query("pair", cs);
    expect(q.context.lapse).toBeNull();
    expect((await engine.timers("pair", cs)).length).toBe(1);
    expect((await engine.send("pair", ev("CONTACT", vol, { kind: "call" }))).to).toBe("active");
  });

  it("suspends a paused pairing too, so that RESUME checks the certificate", async () => {
    const { engine, ev } = await activePair();
    await engine.send("pair", ev("PAUSE", cs, { reason: "illness" }));
    expect((await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse))).to).toBe("suspended");
    expect((await engine.query("pair", cs)).context.pauseReason).toBeNull();
  });

  it("ends from suspended (a death or a move still closes it)", async () => {
    const { engine, ev } = await activePair();
    await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    expect((await engine.send("pair", ev("END", cs, { reason: "deceased" }))).to).toBe("ended");
  });

  it("refuses a lapse of another volunteer or skill, a second lapse, and one sent by a volunteer", async () => {
    const { engine, ev } = await activePair();
    expect(await codeOf(engine.send("pair", ev("CERTIFICATE_LAPSED", host, { ...lapse, volunteerId: "v2" })))).toBe(
      "ID_MISMATCH",
    );
    expect(await codeOf(engine.send("pair", ev("CERTIFICATE_LAPSED", host, { ...lapse, skill: "legal_aid" })))).toBe(
      "ID_MISMATCH",
    );
    expect(await codeOf(engine.send("pair", ev("CERTIFICATE_LAPSED", vol, lapse)))).toBe("WRONG_ROLE");
    await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    expect(await codeOf(engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse)))).toBe("EVENT_NOT_ALLOWED");
    const alerts = (await engine.store.outbox(10)).filter((o) => o.type === "pairing.certificate_lapsed");
    expect(alerts).toHaveLength(1);
  });

  it("refuses hostile payloads: a bad date, an unknown field, a control character in an id", async () => {
    const { engine, ev } = await activePair();
    for (const payload of [
      { ...lapse, expiredOn: "2027-02-30" },
      { ...lapse, extra: 1 },
      { ...lapse, volunteerId: "v1\u0000" },
      { volunteerId: "v1", skill: "medical_care" },
    ])
      expect(await codeOf(engine.send("pair", ev("CERTIFICATE_LAPSED", host, payload)))).not.toBe("none");
    expect((await engine.query("pair", cs)).state).toBe("active");
  });

  it("upgrades a version-1 snapshot with no lapse", () => {
    const def = pairingWorkflow({ certification: () => true });
    const v1: PersistedSnapshot = { status: "active", value: "active", context: { ...input, pauseReason: null } };
    expect(migrateSnapshot(def, 1, v1).context).toMatchObject({ lapse: null, volunteerId: "v1" });
  });

  it("keeps counting missed weeks after a resume", async () => {
    const { engine, ev, clock } = await activePair();
    await engine.send("pair", ev("CERTIFICATE_LAPSED", host, lapse));
    clock.advance(14 * DAY);
    await engine.runDueTimers();
    expect((await engine.query("pair", cs)).context.missedWeeks).toBe(0);
    await engine.send("pair", ev("RESUME"));
    clock.advance(7 * DAY);
    await engine.runDueTimers();
    expect((await engine.query("pair", cs)).context.missedWeeks).toBe(1);
  });
});
