import { generateDistrict, manualClock, type ServicePoint } from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";
import { createElderflow, type StoreSpec } from "./elderflow";

const district = generateDistrict({ seed: 3, year: 2027 });
const HOUR = 3_600_000;
const community = "d01-c001";
const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: community };
const doctor: WorkflowActor = { id: "dr-1", role: "doctor", communityId: community };

async function aSystem(store: StoreSpec) {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  const flow = await createElderflow({
    store,
    clock,
    directory: { servicePoints: district.servicePoints as ServicePoint[], volunteers: district.volunteers },
  });
  return { flow, clock };
}

for (const store of [{ kind: "memory" }, { kind: "pglite" }] as const) {
  describe(`createElderflow on ${store.kind}`, () => {
    it("turns a hospital admission into a visit task for the bodies the hospital-visit policy names", async () => {
      const { flow } = await aSystem(store);
      try {
        for (const [id, rank] of [
          ["cp-high", "county"],
          ["cp-low", "section"],
        ] as const) {
          await flow.workflows.start("carePathway", {
            id,
            actor: doctor,
            input: { communityId: community, personId: `${id}-p`, rank },
          });
          await flow.workflows.send(id, { id: `${id}-1`, type: "REFER", actor: doctor, payload: { hospitalId: "h1" } });
          await flow.workflows.send(id, { id: `${id}-2`, type: "ADMIT", actor: doctor, payload: { hospitalId: "h1" } });
        }
        const pumped = await flow.pump();
        expect(pumped.tasks).toBe(2);
        const tasks = await flow.tasks.list("hospital_visit");
        expect(tasks.map((t) => [t.personId, t.assignees, t.details.mode])).toEqual([
          ["cp-high-p", ["district_leaders"], "in_person"],
          ["cp-low-p", ["organisation_department", "veteran_cadres_bureau", "personnel_bureau"], "in_turn"],
        ]);
        // Delivering again changes nothing.
        expect((await flow.pump()).tasks).toBe(0);
        expect(await flow.tasks.list("hospital_visit")).toHaveLength(2);
      } finally {
        await flow.close();
      }
    });

    it("posts a verified service entry to the time bank exactly once", async () => {
      const { flow } = await aSystem(store);
      try {
        const v = district.volunteers.find((x) => x.communityId === community) ?? district.volunteers[0];
        if (!v) throw new Error("fixture has no volunteer");
        const cid = v.communityId;
        await flow.timebank.submitMany([
          { op: "grant", key: "g1", person: "sec-1", role: "registrar", community: cid },
          { op: "grant", key: "g2", person: "ver-1", role: "verifier", community: cid },
          { op: "enroll", key: "en1", volunteer: v.id, community: cid, family: [] },
        ]);
        const at = (id: string, role: WorkflowActor["role"]): WorkflowActor => ({ id, role, communityId: cid });
        await flow.workflows.start("verification", {
          id: "svc-1",
          actor: at(v.id, "volunteer"),
          input: {
            communityId: cid,
            entryId: "svc-1",
            volunteerId: v.id,
            recipientId: "p-rec",
            serviceKind: "housekeeping",
            minutes: 90,
            servedOn: "2027-03-01",
          },
        });
        // The volunteer may not register their own entry (rule 13).
        await expect(
          flow.workflows.send("svc-1", { id: "s0", type: "SIGN", actor: at(v.id, "cadre") }),
        ).rejects.toMatchObject({
          code: expect.any(String),
        });
        await flow.workflows.send("svc-1", { id: "s1", type: "SIGN", actor: at("p-rec", "cadre") });
        await flow.workflows.send("svc-1", { id: "s2", type: "REGISTER", actor: at("sec-1", "party_secretary") });
        expect((await flow.pump()).posted).toBe(0);
        expect(flow.timebank.account(v.id)?.earnedMinutes).toBe(0);
        await flow.workflows.send("svc-1", { id: "s3", type: "VERIFY", actor: at("ver-1", "community_staff") });
        const r = await flow.pump();
        expect(r.posted).toBe(1);
        expect(r.failed).toEqual([]);
        expect(flow.timebank.account(v.id)).toMatchObject({
          earnedMinutes: 90,
          balanceMinutes: 90,
          pendingInMinutes: 0,
        });
        expect((await flow.pump()).posted).toBe(0);
        expect(flow.timebank.account(v.id)?.earnedMinutes).toBe(90);
        expect((await flow.timebank.verifyJournal()).ok).toBe(true);
      } finally {
        await flow.close();
      }
    });

    it("raises a missed-contact alert when a pairing's week passes without contact", async () => {
      const { flow, clock } = await aSystem(store);
      try {
        const valid = (c: { validFrom: string; validTo?: string | undefined }) =>
          c.validFrom <= "2027-03-01" && (c.validTo ?? "9999") >= "2027-03-31";
        const v = district.volunteers.find((x) => x.certifications.some(valid));
        if (!v) throw new Error("fixture has no certified volunteer");
        const cert = v.certifications.find(valid) as (typeof v.certifications)[number];
        await flow.workflows.start("pairing", {
          id: "pair-1",
          actor: staff,
          input: { communityId: community, volunteerId: v.id, personId: "p-l", skill: cert.skill, level: cert.level },
        });
        await flow.workflows.send("pair-1", { id: "a1", type: "ACTIVATE", actor: staff });
        clock.advance(8 * 24 * HOUR);
        const r = await flow.tick();
        expect(r.fired).toBeGreaterThanOrEqual(1);
        const alerts = await flow.tasks.list("missed_contact_alert");
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ personId: "p-l", assignees: [v.id] });
      } finally {
        await flow.close();
      }
    });

    it("plans birthday visits under the birthday policy, in both calendars, and cadence alerts", async () => {
      const { flow } = await aSystem(store);
      try {
        const entries = await flow.planBirthdayVisits(district.persons, { from: "2027-01-01", to: "2027-12-31" });
        expect(entries.length).toBeGreaterThan(100);
        expect(new Set(entries.map((e) => e.calendar))).toEqual(new Set(["gregorian", "lunar"]));
        expect(entries.every((e) => e.age % 5 === 0 && e.age >= 70)).toBe(true);
        const tasks = await flow.tasks.list("birthday_visit");
        expect(tasks).toHaveLength(entries.length);
        // Planning the same window again adds nothing.
        await flow.planBirthdayVisits(district.persons, { from: "2027-01-01", to: "2027-12-31" });
        expect((await flow.tasks.counts()).birthday_visit).toBe(entries.length);

        const pairs = [{ pairId: "x1", volunteerId: "v1", personId: "p1", from: "2027-01-01" }];
        const report = await flow.checkCadence(pairs, [], "2027-02");
        expect(report.pairs[0]?.compliant).toBe(false);
        expect(await flow.tasks.list("cadence_alert")).toMatchObject([
          { personId: "p1", assignees: ["v1"], details: { month: "2027-02" } },
        ]);
      } finally {
        await flow.close();
      }
    });
  });
}
