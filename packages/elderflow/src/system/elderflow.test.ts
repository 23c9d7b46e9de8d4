import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ActorInput,
  generateDistrict,
  type Household,
  manualClock,
  type ServicePoint,
  sqlFromPglite,
} from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "../../../../test/support/mysql";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import { createElderflow, type ElderflowPolicies, type StoreSpec, serviceEntryKeys } from "./elderflow";

const district = generateDistrict({ seed: 3, year: 2027 });
const HOUR = 3_600_000;
const community = "d01-c001";
const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: community };
const doctor: WorkflowActor = { id: "dr-1", role: "doctor", communityId: community };
const bureau: ActorInput = { id: "b-1", roles: ["bureau"] };
const admin: ActorInput = { id: "adm-1", roles: ["admin", "bureau"] };
const staffOf = (cid: string): ActorInput => ({ id: "cs-1", roles: ["community_staff"], communities: [cid] });

async function aSystem(store: StoreSpec, policies?: ElderflowPolicies, households?: readonly Household[]) {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  const persons = new Map(district.persons.map((p) => [p.id, p]));
  const flow = await createElderflow({
    store,
    clock,
    directory: {
      servicePoints: district.servicePoints as ServicePoint[],
      volunteers: district.volunteers,
      person: (id) => persons.get(id),
      ...(households === undefined ? {} : { households }),
    },
    ...(policies === undefined ? {} : { policies }),
  });
  return { flow, clock };
}

type Flow = Awaited<ReturnType<typeof aSystem>>["flow"];

const volunteer = district.volunteers.find((x) => x.communityId === community) ?? district.volunteers[0];
if (!volunteer) throw new Error("fixture has no volunteer");
const cid = volunteer.communityId;
const at = (id: string, role: WorkflowActor["role"]): WorkflowActor => ({ id, role, communityId: cid });

/** Enrols the volunteer and grants sec-1 registrar and ver-1 verifier. */
async function setUpBank(flow: Flow) {
  const results = await flow.timebank.as(admin).submitMany([
    { op: "grant", key: "g1", person: "sec-1", role: "registrar", community: cid },
    { op: "grant", key: "g2", person: "ver-1", role: "verifier", community: cid },
    { op: "enroll", key: "en1", volunteer: volunteer?.id, community: cid, family: [] },
  ]);
  expect(results.every((r) => r.ok)).toBe(true);
}

/** Closes the quarter of the services, so that the time bank refuses to record them (PERIOD_CLOSED). */
async function closeQuarter(flow: Flow) {
  const r = await flow.timebank
    .as(flow.host)
    .submit({ op: "closePeriod", key: "close-q1", community: cid, period: "2027-Q1", by: "sec-1" });
  expect(r.ok).toBe(true);
}

/** Takes a service entry through the verification workflow to `verified`. */
async function verifyEntry(flow: Flow, entryId: string, minutes = 90) {
  await flow.workflows.start("verification", {
    id: `wf-${entryId}`,
    actor: at(volunteer?.id ?? "", "volunteer"),
    input: {
      communityId: cid,
      entryId,
      volunteerId: volunteer?.id ?? "",
      recipientId: "p-rec",
      serviceKind: "housekeeping",
      minutes,
      servedOn: "2027-03-01",
    },
  });
  const id = `wf-${entryId}`;
  await flow.workflows.send(id, { id: `${id}-s`, type: "SIGN", actor: at("p-rec", "cadre") });
  await flow.workflows.send(id, { id: `${id}-r`, type: "REGISTER", actor: at("sec-1", "party_secretary") });
  await flow.workflows.send(id, { id: `${id}-v`, type: "VERIFY", actor: at("ver-1", "community_staff") });
}

for (const store of [{ kind: "memory" }, { kind: "pglite" }, { kind: "pglite", partitionByCommunity: true }] as const) {
  describe(`createElderflow on ${store.kind}${"partitionByCommunity" in store ? " (partitioned by community)" : ""}`, () => {
    it("turns a hospital admission into a visit task for the bodies the hospital-visit policy names (the next office in turn)", async () => {
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
        const tasks = await flow.tasks.list(bureau, "hospital_visit");
        expect(tasks.map((t) => [t.personId, t.assignees, t.details.mode])).toEqual([
          ["cp-high-p", ["district_leaders"], "in_person"],
          ["cp-low-p", ["organisation_department"], "in_turn"],
        ]);
        // Delivering again changes nothing.
        expect((await flow.pump()).tasks).toBe(0);
        expect(await flow.tasks.list(bureau, "hospital_visit")).toHaveLength(2);
      } finally {
        await flow.close();
      }
    });

    it("shows each community's staff only the tasks of their community, and the bureau all of them", async () => {
      const { flow } = await aSystem(store);
      try {
        const persons = district.persons.filter((p) => p.communityId === community || p.communityId === "d01-c002");
        const entries = await flow.planBirthdayVisits(persons, { from: "2027-01-01", to: "2027-12-31" }, bureau);
        const mine = entries.filter((e) => persons.find((p) => p.id === e.personId)?.communityId === community);
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.length).toBeLessThan(entries.length);
        expect(await flow.tasks.list(staffOf(community))).toHaveLength(mine.length);
        expect((await flow.tasks.counts(staffOf(community))).birthday_visit).toBe(mine.length);
        expect(await flow.tasks.list(staffOf("d09-c999"))).toEqual([]);
        expect(await flow.tasks.list(bureau)).toHaveLength(entries.length);
        // Planning for another community's cadres is refused, and so is a role that does not plan.
        await expect(
          flow.planBirthdayVisits(persons, { from: "2027-01-01", to: "2027-12-31" }, staffOf(community)),
        ).rejects.toMatchObject({ code: "WRONG_COMMUNITY" });
        await expect(
          flow.planBirthdayVisits(
            persons.slice(0, 1),
            { from: "2027-01-01", to: "2027-12-31" },
            {
              id: "c1",
              roles: ["cadre"],
              communities: [community],
            },
          ),
        ).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
      } finally {
        await flow.close();
      }
    });

    it("posts a verified service entry to the time bank exactly once, under prefix-free keys", async () => {
      const { flow } = await aSystem(store);
      try {
        await setUpBank(flow);
        await flow.workflows.start("verification", {
          id: "svc-1",
          actor: at(volunteer.id, "volunteer"),
          input: {
            communityId: cid,
            entryId: "svc-1",
            volunteerId: volunteer.id,
            recipientId: "p-rec",
            serviceKind: "housekeeping",
            minutes: 90,
            servedOn: "2027-03-01",
          },
        });
        // The volunteer may not sign their own entry (rule 13).
        await expect(
          flow.workflows.send("svc-1", { id: "s0", type: "SIGN", actor: at(volunteer.id, "cadre") }),
        ).rejects.toMatchObject({ code: expect.any(String) });
        await flow.workflows.send("svc-1", { id: "s1", type: "SIGN", actor: at("p-rec", "cadre") });
        await flow.workflows.send("svc-1", { id: "s2", type: "REGISTER", actor: at("sec-1", "party_secretary") });
        expect((await flow.pump()).posted).toBe(0);
        expect(flow.timebank.as(bureau).account(volunteer.id)?.earnedMinutes).toBe(0);
        await flow.workflows.send("svc-1", { id: "s3", type: "VERIFY", actor: at("ver-1", "community_staff") });
        const r = await flow.pump();
        expect(r.posted).toBe(1);
        expect(r.failed).toEqual([]);
        expect(flow.timebank.as(bureau).account(volunteer.id)).toMatchObject({
          earnedMinutes: 90,
          balanceMinutes: 90,
          pendingInMinutes: 0,
        });
        expect((await flow.pump()).posted).toBe(0);
        expect(flow.timebank.as(bureau).account(volunteer.id)?.earnedMinutes).toBe(90);
        const keys = (await flow.timebank.journal()).map((e) => e.key);
        expect(keys).toContain(serviceEntryKeys("svc-1").record);
        expect(keys).toContain(serviceEntryKeys("svc-1").verify);
        expect((await flow.timebank.verifyJournal()).ok).toBe(true);
        expect(await flow.reconcile(bureau)).toMatchObject({ ok: true, verifiedEntries: 1, postedEntries: 1 });
      } finally {
        await flow.close();
      }
    });

    it("never lets entry ids zz and zz:verify share a time-bank key: both post their minutes", async () => {
      const { flow } = await aSystem(store);
      try {
        await setUpBank(flow);
        await verifyEntry(flow, "zz", 90);
        await verifyEntry(flow, "zz:verify", 60);
        const r = await flow.pump();
        expect(r.failed).toEqual([]);
        expect(r.posted).toBe(2);
        expect(flow.timebank.as(bureau).account(volunteer.id)).toMatchObject({
          earnedMinutes: 150,
          pendingInMinutes: 0,
        });
        expect(await flow.reconcile(bureau)).toMatchObject({ ok: true, discrepancies: [] });
      } finally {
        await flow.close();
      }
    });

    it("keeps a verified entry the time bank refuses as a dead letter, and reconcile reports it", async () => {
      const { flow } = await aSystem(store);
      try {
        // The workflow verifies after the quarter was closed in the bank: the ledger refuses the record.
        await setUpBank(flow);
        await closeQuarter(flow);
        await verifyEntry(flow, "e-refused");
        const r = await flow.pump();
        expect(r.posted).toBe(0);
        expect(r.failed).toHaveLength(1);
        const letters = await flow.deadLetters(bureau);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({
          instanceId: "wf-e-refused",
          machine: "verification",
          type: "verification.service_verified",
          entryId: "e-refused",
          communityId: cid,
          code: "PERIOD_CLOSED",
        });
        expect(r.failed).toEqual([{ key: letters[0]?.id, code: "PERIOD_CLOSED" }]);
        expect(await flow.deadLetters(staffOf("d09-c999"))).toEqual([]);
        // A second delivery of the same event keeps one letter.
        expect(await flow.deadLetters(staffOf(cid))).toHaveLength(1);
        const report = await flow.reconcile(bureau);
        expect(report.ok).toBe(false);
        expect(report.discrepancies.map((d) => d.kind)).toEqual(["verified_not_posted", "dead_letter"]);
        expect(report.discrepancies[0]).toMatchObject({ entryId: "e-refused", instanceId: "wf-e-refused" });
      } finally {
        await flow.close();
      }
    });

    it("reports a posted service entry that no verified workflow explains", async () => {
      const { flow } = await aSystem(store);
      try {
        await setUpBank(flow);
        const keys = serviceEntryKeys("ghost");
        const host = flow.timebank.as(flow.host);
        const results = await host.submitMany([
          {
            op: "record",
            key: keys.record,
            volunteer: volunteer.id,
            recipient: "p-rec",
            minutes: 60,
            on: "2027-03-01",
            signedBy: "p-rec",
            registeredBy: "sec-1",
          },
          { op: "verify", key: keys.verify, entry: keys.record, by: "ver-1", on: "2027-03-01" },
        ]);
        expect(results.every((x) => x.ok)).toBe(true);
        const report = await flow.reconcile(bureau);
        expect(report.discrepancies).toEqual([
          { kind: "posted_without_workflow", entryId: "ghost", key: keys.record, communityId: cid },
        ]);
        expect((await flow.reconcile(staffOf("d09-c999"))).discrepancies).toEqual([]);
      } finally {
        await flow.close();
      }
    });

    it("lets a registered family member sign for a bedridden cadre in both the workflow and the ledger, or in neither", async () => {
      const household: Household = {
        id: "h-rec",
        communityId: cid,
        members: [
          { personId: "p-rec", relation: "self" },
          { personId: "f-rec", relation: "child" },
        ],
      };
      for (const [households, posted] of [
        [[household], 90],
        [[], 0],
      ] as const) {
        const { flow } = await aSystem(store, undefined, households);
        try {
          await setUpBank(flow);
          await flow.workflows.start("verification", {
            id: "wf-fam",
            actor: at(volunteer.id, "volunteer"),
            input: {
              communityId: cid,
              entryId: "fam",
              volunteerId: volunteer.id,
              recipientId: "p-rec",
              serviceKind: "housekeeping",
              minutes: 90,
              servedOn: "2027-03-01",
            },
          });
          const signed = await flow.workflows
            .send("wf-fam", { id: "f1", type: "SIGN", actor: at("f-rec", "family") })
            .then(
              () => true,
              () => false,
            );
          expect(signed).toBe(posted > 0);
          if (signed) {
            await flow.workflows.send("wf-fam", { id: "f2", type: "REGISTER", actor: at("sec-1", "party_secretary") });
            await flow.workflows.send("wf-fam", { id: "f3", type: "VERIFY", actor: at("ver-1", "community_staff") });
          }
          const r = await flow.pump();
          expect(r.failed).toEqual([]);
          expect(flow.timebank.as(bureau).account(volunteer.id)?.earnedMinutes).toBe(posted);
          const state = (await flow.workflows.query("wf-fam", at("ver-1", "community_staff"))).state;
          expect(state).toBe(signed ? "verified" : "recorded");
          expect((await flow.reconcile(bureau)).ok).toBe(true);
        } finally {
          await flow.close();
        }
      }
    });

    it("raises a missed-contact alert, in the pairing's community, when a week passes without contact", async () => {
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
        const alerts = await flow.tasks.list(staffOf(community), "missed_contact_alert");
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ personId: "p-l", communityId: community, assignees: [v.id] });
      } finally {
        await flow.close();
      }
    });

    it("plans birthday visits under the birthday policy, in both calendars, and cadence alerts", async () => {
      const { flow } = await aSystem(store);
      try {
        const window = { from: "2027-01-01", to: "2027-12-31" };
        const entries = await flow.planBirthdayVisits(district.persons, window, bureau);
        expect(entries.length).toBeGreaterThan(100);
        expect(new Set(entries.map((e) => e.calendar))).toEqual(new Set(["gregorian", "lunar"]));
        expect(entries.every((e) => e.age % 5 === 0 && e.age >= 70)).toBe(true);
        const tasks = await flow.tasks.list(bureau, "birthday_visit");
        expect(tasks).toHaveLength(entries.length);
        // Planning the same window again adds nothing.
        await flow.planBirthdayVisits(district.persons, window, bureau);
        expect((await flow.tasks.counts(bureau)).birthday_visit).toBe(entries.length);

        const pairs = [{ pairId: "x1", volunteerId: "v1", personId: "p1", from: "2027-01-01", communityId: community }];
        await expect(flow.checkCadence(pairs, [], "2027-02", staffOf("d09-c999"))).rejects.toMatchObject({
          code: "WRONG_COMMUNITY",
        });
        const report = await flow.checkCadence(pairs, [], "2027-02", staffOf(community));
        expect(report.pairs[0]?.compliant).toBe(false);
        expect(await flow.tasks.list(staffOf(community), "cadence_alert")).toMatchObject([
          { personId: "p1", assignees: ["v1"], communityId: community, details: { month: "2027-02" } },
        ]);
      } finally {
        await flow.close();
      }
    });

    it("dispatches with the priority-target policy it is given, not a built-in copy", async () => {
      const young = district.persons.find((p) => p.birthDate > "1955-01-01" && p.communityId === community);
      if (!young) throw new Error("fixture has no young cadre");
      for (const [priorityTarget, expected] of [
        [() => true, true],
        [() => false, false],
      ] as const) {
        const { flow } = await aSystem(store, { priorityTarget });
        try {
          await flow.workflows.start("serviceRequest", {
            id: "r1",
            actor: { id: "h1", role: "hotline_staff", communityId: community },
            input: { communityId: community, personId: young.id, channel: "hotline" },
          });
          const r = await flow.workflows.query("r1", staff);
          expect(r.context.priority).toBe(expected);
        } finally {
          await flow.close();
        }
      }
    });

    it("erases a person from tasks and dead letters, and only for an admin or the district", async () => {
      const { flow } = await aSystem(store);
      try {
        await setUpBank(flow);
        await closeQuarter(flow);
        await verifyEntry(flow, "e-erase");
        await flow.pump();
        const pairs = [
          { pairId: "x1", volunteerId: volunteer.id, personId: "p-rec", from: "2027-01-01", communityId: cid },
        ];
        await flow.checkCadence(pairs, [], "2027-02", bureau);
        await expect(flow.erasePerson("p-rec", staffOf(cid))).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
        const erased = await flow.erasePerson("p-rec", admin);
        expect(erased).toMatchObject({ tasks: 1, deadLetters: 1 });
        expect(await flow.tasks.list(bureau)).toEqual([]);
        const letters = await flow.deadLetters(bureau);
        expect(letters).toHaveLength(1);
        expect(JSON.stringify(letters)).not.toContain("p-rec");
      } finally {
        await flow.close();
      }
    });
  });
}

/** Dead letters, scoped tasks and reconcile on one server database (the deployment case). */
async function keepsEverythingInOneDatabase(spec: StoreSpec): Promise<void> {
  const { flow } = await aSystem(spec);
  try {
    await setUpBank(flow);
    await verifyEntry(flow, "pg-ok");
    expect((await flow.pump()).posted).toBe(1);
    await closeQuarter(flow);
    await verifyEntry(flow, "pg-late");
    const r = await flow.pump();
    expect(r.posted).toBe(0);
    expect(r.failed.map((f) => f.code)).toEqual(["PERIOD_CLOSED"]);
    expect((await flow.deadLetters(staffOf(cid))).map((l) => l.entryId)).toEqual(["pg-late"]);
    expect(await flow.deadLetters(staffOf("d09-c999"))).toEqual([]);
    const report = await flow.reconcile(bureau);
    expect(report.discrepancies.map((d) => [d.kind, "entryId" in d ? d.entryId : ""])).toEqual([
      ["verified_not_posted", "pg-late"],
      ["dead_letter", "pg-late"],
    ]);
    const pairs = [{ pairId: "x1", volunteerId: "v1", personId: "p1", from: "2027-01-01", communityId: cid }];
    await flow.checkCadence(pairs, [], "2027-02", bureau);
    expect(await flow.tasks.list(staffOf(cid))).toHaveLength(1);
    expect(await flow.tasks.list(staffOf("d09-c999"))).toEqual([]);
  } finally {
    await flow.close();
  }
}

describe("createElderflow on PostgreSQL", () => {
  // A database of this test's own; an unreachable server fails the test (never a skip).
  const db = privateDatabase("ef_sys");
  const admin = pgAdmin;

  it("keeps dead letters and scoped tasks in the same database, and reconciles them", async () => {
    await admin(`create database ${db}`);
    const url = new URL(PG_URL);
    url.pathname = `/${db}`;
    try {
      await keepsEverythingInOneDatabase({ kind: "postgres", url: url.toString(), max: 2 });
    } finally {
      await dropPgDatabase(db);
    }
  }, 60_000);
});

describe("createElderflow that fails to open", () => {
  const db = privateDatabase("ef_open");

  /** Sessions on the test database other than the admin's own, once closing ones have gone (up to 5 s). */
  async function sessionsLeft(): Promise<number> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (let i = 0; ; i++) {
        const r = await client.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [db],
        );
        const n = Number(r.rows[0]?.n);
        if (n === 0 || i >= 50) return n;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await client.end();
    }
  }

  it("closes the pool it opened when a migration refuses the schema, which then opens as before", async () => {
    await pgAdmin(`create database ${db}`);
    const url = new URL(PG_URL);
    url.pathname = `/${db}`;
    const spec = { kind: "postgres", url: url.toString(), max: 3 } as const;
    try {
      await (await aSystem(spec)).flow.close();
      // The schema is in the single-table layout: opening it partitioned is refused at migration.
      await expect(aSystem({ ...spec, partitionByCommunity: true })).rejects.toMatchObject({
        code: "INVALID_INPUT",
        path: ["partitionByCommunity"],
      });
      // pg closes idle clients only after 10 s: nothing left here means the pool was closed.
      expect(await sessionsLeft()).toBe(0);
      const { flow } = await aSystem(spec);
      await flow.close();
    } finally {
      await dropPgDatabase(db);
    }
  }, 60_000);
});

describe("createElderflow on MariaDB", () => {
  const db = privateMysqlDatabase("ef_sys");

  it("keeps dead letters and scoped tasks in the same database, and reconciles them", async () => {
    const url = await createMysqlDatabase(db);
    try {
      await keepsEverythingInOneDatabase({ kind: "mysql", url, max: 2 });
    } finally {
      await dropMysqlDatabase(db);
    }
  }, 60_000);
});

describe("an emitted event that does not parse", () => {
  it("lands in the dead letters with its code instead of being dropped, and reconcile lists it", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const sql = sqlFromPglite(new PGlite());
    const { flow } = await aSystem({ kind: "sql", sql });
    try {
      // A service_verified event without its minutes, as a buggy or tampered producer would leave it.
      await sql.query(
        `insert into wf_outbox (id, instance_id, machine, type, payload, at)
         values ('wf-x:4:0', 'wf-x', 'verification', 'verification.service_verified', $1::jsonb, 0)`,
        [JSON.stringify({ entryId: "x", volunteerId: "v1", communityId: cid })],
      );
      const r = await flow.pump();
      expect(r.delivered).toBe(1);
      expect(r.failed).toHaveLength(1);
      const letters = await flow.deadLetters(bureau);
      expect(letters).toEqual([
        expect.objectContaining({ id: "wf-x:4:0", instanceId: "wf-x", type: "verification.service_verified" }),
      ]);
      expect(letters[0]?.code).toBe(r.failed[0]?.code);
      expect((await flow.reconcile(bureau)).discrepancies).toEqual([
        expect.objectContaining({ kind: "dead_letter", id: "wf-x:4:0" }),
      ]);
      // Delivered once: a second pump neither re-delivers it nor adds a second letter.
      expect((await flow.pump()).delivered).toBe(0);
      expect(await flow.deadLetters(bureau)).toHaveLength(1);
    } finally {
      await flow.close();
      await sql.close();
    }
  });
});

describe("the PGlite data folder", () => {
  it("is created with its missing parents instead of failing with ENOENT", async () => {
    const root = mkdtempSync(join(tmpdir(), "ef-datadir-"));
    const dir = join(root, "missing", "parent", "db");
    try {
      const flow = await createElderflow({
        store: { kind: "pglite", dataDir: dir },
        clock: manualClock("2027-03-01T09:00:00+08:00"),
        directory: { servicePoints: [], volunteers: [] },
      });
      await flow.close();
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("that cannot be made is a typed DATA_DIR_UNAVAILABLE", async () => {
    const root = mkdtempSync(join(tmpdir(), "ef-datadir-"));
    try {
      const file = join(root, "a-file");
      await import("node:fs").then((fs) => fs.writeFileSync(file, "x"));
      await expect(
        createElderflow({
          store: { kind: "pglite", dataDir: join(file, "db") },
          clock: manualClock("2027-03-01T09:00:00+08:00"),
          directory: { servicePoints: [], volunteers: [] },
        }),
      ).rejects.toMatchObject({ code: "DATA_DIR_UNAVAILABLE" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
