/**
 * A certificate that lapses during an active pairing (issue #15, item 1), end to end through the
 * wired system: a volunteer certified for medical care until 2027-03-15, paired with a cadre; the
 * tick on 03-16 suspends the pairing and raises an alert for the community's staff; a medical
 * service dated 03-20 goes through the verification workflow and is refused with
 * CERTIFICATE_INVALID, no hours credited; a service dated 03-10 is credited.
 */
import { type ActorInput, manualClock, type Volunteer } from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import { checkCertificateLapses, createElderflow } from "elderflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DAY = 86_400_000;
const c = "c-001";
const volunteer: Volunteer = {
  id: "v-med",
  name: "李医生",
  communityId: c,
  skills: ["medical_care"],
  certifications: [
    { skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" },
  ],
};
const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: c };
const staffActor: ActorInput = { id: "cs-1", roles: ["community_staff"], communities: [c] };
const admin: ActorInput = { id: "adm-1", roles: ["admin", "bureau"] };
const as = (id: string, role: WorkflowActor["role"]): WorkflowActor => ({ id, role, communityId: c });

const clock = manualClock("2027-03-01T09:00:00+08:00");
let flow: Awaited<ReturnType<typeof createElderflow>>;

beforeAll(async () => {
  flow = await createElderflow({
    store: { kind: "memory" },
    clock,
    directory: { servicePoints: [], volunteers: [volunteer] },
  });
  const setup = await flow.timebank.as(admin).submitMany([
    { op: "grant", key: "g1", person: "sec-1", role: "registrar", community: c },
    { op: "grant", key: "g2", person: "ver-1", role: "verifier", community: c },
    { op: "enroll", key: "en1", volunteer: volunteer.id, community: c, family: [] },
  ]);
  expect(setup.every((r) => r.ok)).toBe(true);
  await flow.workflows.start("pairing", {
    id: "pair-1",
    input: { communityId: c, volunteerId: volunteer.id, personId: "p-1", skill: "medical_care", level: 2 },
    actor: staff,
  });
  await flow.workflows.send("pair-1", { id: "act", type: "ACTIVATE", actor: staff });
});
afterAll(() => flow.close());

/** A medical service by the volunteer, through the workflow up to the verifier's VERIFY. */
async function serve(entryId: string, servedOn: string) {
  await flow.workflows.start("verification", {
    id: `wf-${entryId}`,
    actor: as(volunteer.id, "volunteer"),
    input: {
      communityId: c,
      entryId,
      volunteerId: volunteer.id,
      recipientId: "p-1",
      serviceKind: "medical_care",
      minutes: 60,
      servedOn,
    },
  });
  await flow.workflows.send(`wf-${entryId}`, { id: "s", type: "SIGN", actor: as("p-1", "cadre") });
  await flow.workflows.send(`wf-${entryId}`, { id: "r", type: "REGISTER", actor: as("sec-1", "team_leader") });
  return flow.workflows.send(`wf-${entryId}`, { id: "v", type: "VERIFY", actor: as("ver-1", "verifier") });
}

describe("a certificate lapsing during an active pairing (持证上岗)", () => {
  it("leaves the pairing active while the certificate is valid", async () => {
    clock.set(Date.parse("2027-03-15T09:00:00+08:00"));
    const r = await flow.tick();
    expect(r.lapsed).toBe(0);
    expect((await flow.workflows.query("pair-1", staff)).state).toBe("active");
  });

  it("suspends the pairing on the tick of 03-16 and raises one alert for the community's staff", async () => {
    clock.set(Date.parse("2027-03-16T09:00:00+08:00"));
    const r = await flow.tick();
    expect(r.lapsed).toBe(1);
    const pair = await flow.workflows.query("pair-1", staff);
    expect(pair.state).toBe("suspended");
    expect(pair.context.lapse).toEqual({ skill: "medical_care", expiredOn: "2027-03-16" });
    const alerts = await flow.tasks.list(staffActor, "certificate_lapse_alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      personId: "p-1",
      communityId: c,
      due: "2027-03-16",
      status: "open",
      details: { instanceId: "pair-1", volunteerId: "v-med", skill: "medical_care", expiredOn: "2027-03-16" },
    });
    // The pairing emitted its own alert event, which parses (no dead letter).
    expect(await flow.deadLetters(admin)).toEqual([]);
  });

  it("sends the lapse once: later ticks and an explicit check change nothing", async () => {
    clock.advance(DAY);
    expect((await flow.tick()).lapsed).toBe(0);
    const report = await checkCertificateLapses(flow, "2027-03-18");
    expect(report.lapsed).toEqual([]);
    expect(await flow.tasks.list(staffActor, "certificate_lapse_alert")).toHaveLength(1);
    const lapses = (await flow.workflows.history("pair-1", staff)).filter((e) => e.type === "CERTIFICATE_LAPSED");
    expect(lapses).toHaveLength(1);
  });

  it("takes no contact from the suspended pairing, nor a resume while uncertified", async () => {
    await expect(
      flow.workflows.send("pair-1", {
        id: "contact",
        type: "CONTACT",
        actor: as(volunteer.id, "volunteer"),
        payload: { kind: "visit" },
      }),
    ).rejects.toMatchObject({ code: "CERTIFICATE_INVALID" });
    await expect(flow.workflows.send("pair-1", { id: "resume", type: "RESUME", actor: staff })).rejects.toMatchObject({
      code: "NOT_CERTIFIED",
    });
  });

  it("refuses credit for a service dated 03-20 with CERTIFICATE_INVALID, no hours credited", async () => {
    clock.set(Date.parse("2027-03-22T09:00:00+08:00"));
    await expect(serve("se-0320", "2027-03-20")).rejects.toMatchObject({ code: "CERTIFICATE_INVALID" });
    expect((await flow.workflows.query("wf-se-0320", staff)).state).toBe("registered");
    const pumped = await flow.pump();
    expect(pumped.posted).toBe(0);
    expect(flow.timebank.as(admin).account(volunteer.id)).toMatchObject({ earnedMinutes: 0, pendingInMinutes: 0 });
    // The time bank refuses the same service recorded directly, with the same code.
    const direct = await flow.timebank.as(flow.host).submit({
      op: "record",
      key: "direct-0320",
      volunteer: volunteer.id,
      recipient: "p-1",
      minutes: 60,
      on: "2027-03-20",
      signedBy: "p-1",
      registeredBy: "sec-1",
      serviceKind: "medical_care",
    });
    expect(direct).toEqual({ key: "direct-0320", ok: false, code: "CERTIFICATE_INVALID" });
    expect(
      flow.timebank.authority("verify", "ver-1", {
        communityId: c,
        volunteer: volunteer.id,
        serviceKind: "medical_care",
        servedOn: "2027-03-20",
      }),
    ).toBe("CERTIFICATE_INVALID");
  });

  it("credits a service dated 03-10, while the certificate was valid, though verified after it lapsed", async () => {
    expect((await serve("se-0310", "2027-03-10")).to).toBe("verified");
    const pumped = await flow.pump();
    expect(pumped).toMatchObject({ posted: 1, failed: [] });
    expect(flow.timebank.as(admin).account(volunteer.id)).toMatchObject({ earnedMinutes: 60 });
    expect((await flow.reconcile(admin)).ok).toBe(true);
  });
});
