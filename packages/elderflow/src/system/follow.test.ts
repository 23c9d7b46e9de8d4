import {
  type ActorInput,
  ElderflowError,
  isElderflowError,
  type ManualClock,
  manualClock,
  type ServicePoint,
  type SqlClient,
  sqlFromMysqlPool,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import { createDeliveries, memoryDeliveryStore } from "./deliveries";
import { createElderflow, type Elderflow, type StoreSpec } from "./elderflow";
import {
  admitTask,
  type Departure,
  type DepartureStore,
  departureGate,
  followStatusChange,
  memoryDepartures,
  recordAndFollow,
  sqlDepartures,
} from "./follow";
import { memoryTaskBoard, type Task } from "./tasks";

const C1 = "c-01";
const C2 = "c-02";
const DEAD = "p-1";
const OTHER = "p-2";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const bureau: ActorInput = { id: "b-1", roles: ["bureau"] };
const admin: ActorInput = { id: "adm-1", roles: ["admin"], communities: [C1, C2] };
const registrarOf = (...communities: string[]): ActorInput => ({ id: "reg-1", roles: ["registrar"], communities });
const staff = (communityId = C1): WorkflowActor => ({ id: "cs-1", role: "community_staff", communityId });
const doctor: WorkflowActor = { id: "dr-1", role: "doctor", communityId: C1 };
const hotline: WorkflowActor = { id: "hl-1", role: "hotline_staff", communityId: C1 };
const pointWorker: WorkflowActor = { id: "w-1", role: "service_point", orgId: "sp-1", communityId: C1 };

const servicePoints: ServicePoint[] = [
  {
    id: "sp-1",
    name: "Point one",
    communityId: C1,
    location: { lat: 30.1, lng: 120.1 },
    serviceKinds: ["plumbing"],
    open24h: true,
  },
];
const volunteers = ["v-1", "v-2", "v-3"].map((id) => ({
  id,
  certifications: [{ skill: "medical_care", level: 2, validFrom: "2020-01-01", issuer: "district" }],
}));

type Kind = "memory" | "pglite" | "postgres";

/** A wired system on a manual clock (Monday 2027-03-01 09:00 Shanghai), on a store of its own. */
async function withSystem(kind: Kind, run: (flow: Elderflow, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  let store: StoreSpec = kind === "memory" ? { kind } : { kind: "pglite" };
  let db: string | undefined;
  if (kind === "postgres") {
    db = privateDatabase("ef_follow");
    await pgAdmin(`create database ${db}`);
    const url = new URL(PG_URL);
    url.pathname = `/${db}`;
    store = { kind: "postgres", url: url.toString(), max: 2 };
  }
  try {
    const flow = await createElderflow({
      store,
      clock,
      directory: { servicePoints, volunteers },
      // Every test person may be served by a medical volunteer group (the register holds none of them).
      policies: { medicalScope: () => true },
    });
    try {
      await run(flow, clock);
    } finally {
      await flow.close();
    }
  } finally {
    if (db !== undefined) await dropPgDatabase(db);
  }
}

const aTask = (over: Partial<Task> & Pick<Task, "id">): Task => ({
  kind: "birthday_visit",
  personId: DEAD,
  communityId: C1,
  due: "2027-04-10",
  assignees: ["veteran_cadres_bureau"],
  details: {},
  ...over,
});

async function aPairing(flow: Elderflow, id: string, personId: string, volunteerId = "v-1") {
  await flow.workflows.start("pairing", {
    id,
    actor: staff(),
    input: { communityId: C1, volunteerId, personId, skill: "medical_care", level: 2 },
  });
  await flow.workflows.send(id, { id: `${id}-a`, type: "ACTIVATE", actor: staff() });
}

async function aRequest(flow: Elderflow, id: string, personId: string, upTo: "received" | "dispatched" | "onSite") {
  await flow.workflows.start("serviceRequest", { id, actor: hotline, input: { communityId: C1, personId } });
  if (upTo === "received") return;
  await flow.workflows.send(id, {
    id: `${id}-t`,
    type: "TRIAGE",
    actor: hotline,
    payload: { serviceKind: "plumbing" },
  });
  if (upTo === "dispatched") return;
  await flow.workflows.send(id, { id: `${id}-c`, type: "ACCEPT", actor: pointWorker });
  await flow.workflows.send(id, { id: `${id}-r`, type: "ARRIVE", actor: pointWorker });
}

async function anAdmission(flow: Elderflow, id: string, personId: string) {
  await flow.workflows.start("carePathway", {
    id,
    actor: doctor,
    input: { communityId: C1, personId, rank: "section" },
  });
  await flow.workflows.send(id, { id: `${id}-r`, type: "REFER", actor: doctor, payload: { hospitalId: "h-1" } });
  await flow.workflows.send(id, { id: `${id}-a`, type: "ADMIT", actor: doctor, payload: { hospitalId: "h-1" } });
}

/** v-2 earns 120 minutes; p-1 (v-2's father, registered as family) has 30 spent and 60 reserved. */
async function aBank(flow: Elderflow) {
  const setUp = await flow.timebank.as(admin).submitMany([
    { op: "grant", key: "g-reg", person: "reg-1", role: "registrar", community: C1 },
    { op: "grant", key: "g-ver", person: "ver-1", role: "verifier", community: C1 },
    { op: "enroll", key: "en-2", volunteer: "v-2", community: C1, family: [DEAD, OTHER] },
  ]);
  const moves = await flow.timebank.as(flow.host).submitMany([
    {
      op: "record",
      key: "r-1",
      volunteer: "v-2",
      recipient: "p-9",
      minutes: 120,
      on: "2027-02-20",
      signedBy: "p-9",
      registeredBy: "reg-1",
    },
    { op: "verify", key: "vf-1", entry: "r-1", by: "ver-1", on: "2027-02-21" },
    { op: "withdraw", key: "w-spent", volunteer: "v-2", beneficiary: DEAD, minutes: 30, on: "2027-02-25" },
    { op: "fulfil", key: "f-spent", withdrawal: "w-spent", on: "2027-02-26" },
    { op: "withdraw", key: "w-dead", volunteer: "v-2", beneficiary: DEAD, minutes: 60, on: "2027-03-02" },
    { op: "withdraw", key: "w-other", volunteer: "v-2", beneficiary: OTHER, minutes: 20, on: "2027-03-02" },
  ]);
  expect([...setUp, ...moves].filter((r) => !r.ok)).toEqual([]);
}

const entry = (flow: Elderflow, key: string) =>
  flow.timebank
    .as(flow.host)
    .entries()
    .find((e) => e.key === key);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    return isElderflowError(e) ? e.code : `raw:${String(e)}`;
  }
}

const death = { personId: DEAD, status: "deceased", effective: "2027-03-05", communityId: C1 } as const;

for (const kind of ["memory", "pglite", "postgres"] as const) {
  describe(`following a death on ${kind}`, () => {
    it("cancels every open item of the person with its reason, lists each in the report, and leaves others alone", async () => {
      await withSystem(kind, async (flow, clock) => {
        await aBank(flow);
        await flow.addTasks(
          [
            aTask({ id: "bday-1" }),
            aTask({ id: "holiday-1", kind: "holiday_visit", due: "2027-03-20", assignees: [] }),
            aTask({ id: "bday-2", personId: OTHER }),
          ],
          bureau,
        );
        await aPairing(flow, "pair-1", DEAD);
        await aPairing(flow, "pair-2", OTHER, "v-2");
        await aRequest(flow, "sr-1", DEAD, "received");
        await aRequest(flow, "sr-2", DEAD, "dispatched");
        await aRequest(flow, "sr-3", OTHER, "dispatched");
        await anAdmission(flow, "cp-1", DEAD);
        expect((await flow.pump()).tasks).toBe(1); // the hospital visit
        clock.set("2027-03-05T10:00:00+08:00");

        const report = await flow.followStatusChange(death, registrarOf(C1));

        expect(report.failed).toEqual([]);
        expect(report.tasks.map((t) => [t.id, t.kind, t.action, t.reason]).sort()).toEqual([
          ["bday-1", "birthday_visit", "cancelled", "deceased"],
          ["holiday-1", "holiday_visit", "cancelled", "deceased"],
          [expect.stringMatching(/^hospital\//), "hospital_visit", "cancelled", "deceased"],
        ]);
        expect(report.pairings).toEqual([{ instanceId: "pair-1", action: "ended", timersCancelled: 1 }]);
        expect(report.serviceRequests.map((s) => s.instanceId).sort()).toEqual(["sr-1", "sr-2"]);
        expect(report.hospitalAdmissions).toEqual([{ instanceId: "cp-1", action: "closed", state: "inHospital" }]);
        expect(report.withdrawals).toEqual([
          { key: "w-dead", action: "voided", cancelKey: "left/deceased/2027-03-05/w-dead" },
        ]);

        // Each item is closed in its own engine, with the reason.
        for (const t of report.tasks)
          expect(await flow.tasks.get(t.id, bureau)).toMatchObject({ status: "cancelled", cancelReason: "deceased" });
        expect((await flow.tasks.list(bureau, { status: ["open", "assigned", "accepted"] })).map((t) => t.id)).toEqual([
          "bday-2",
        ]);
        expect((await flow.workflows.query("pair-1", staff())).state).toBe("ended");
        expect(await flow.workflows.timers("pair-1", staff())).toEqual([]);
        const end = (await flow.workflows.history("pair-1", staff())).at(-1);
        expect(end).toMatchObject({ type: "END", actorId: "reg-1", payload: { reason: "deceased" } });
        for (const id of ["sr-1", "sr-2"]) {
          const sr = await flow.workflows.query(id, staff());
          expect([sr.state, sr.context.cancelReason]).toEqual(["cancelled", "person_left"]);
          expect(await flow.workflows.timers(id, staff())).toEqual([]);
        }
        const cp = await flow.workflows.query("cp-1", staff());
        expect([cp.state, cp.status]).toEqual(["closed", "done"]);
        expect((await flow.workflows.history("cp-1", staff())).at(-1)).toMatchObject({
          type: "PERSON_LEFT",
          payload: { reason: "deceased" },
        });
        // Nothing about the person is still running in any workflow.
        expect(await flow.workflows.list({ personId: DEAD, activeOnly: true }, staff())).toEqual([]);
        expect(entry(flow, "w-dead")?.status).toBe("voided");
        // Posted history stays; the other beneficiary's reservation and pairing stay.
        expect(entry(flow, "w-spent")?.status).toBe("posted");
        expect(entry(flow, "w-other")?.status).toBe("pending");
        expect((await flow.workflows.query("pair-2", staff())).state).toBe("active");
        expect((await flow.workflows.query("sr-3", staff())).state).toBe("dispatched");

        // Idempotent: the second call finds nothing open and touches nothing.
        const again = await flow.followStatusChange(death, registrarOf(C1));
        expect(again).toEqual({
          personId: DEAD,
          status: "deceased",
          effective: "2027-03-05",
          tasks: [],
          pairings: [],
          serviceRequests: [],
          withdrawals: [],
          hospitalAdmissions: [],
          needs: [],
          deliveries: [],
          medicalGroups: [],
          cases: [],
          failed: [],
        });
      });
    }, 60_000);

    it("after a death on 03-05, ticking the clock through March raises no missed-contact alert for the person", async () => {
      await withSystem(kind, async (flow, clock) => {
        await aPairing(flow, "pair-1", DEAD);
        await aPairing(flow, "pair-2", OTHER, "v-2");
        clock.set("2027-03-05T10:00:00+08:00");
        await flow.followStatusChange(death, bureau);
        for (let day = 6; day <= 31; day++) {
          clock.set(`2027-03-${String(day).padStart(2, "0")}T12:00:00+08:00`);
          await flow.tick();
        }
        const alerts = await flow.tasks.list(bureau, "missed_contact_alert");
        expect(alerts.filter((a) => a.personId === DEAD)).toEqual([]);
        // The control pair, never contacted, is alerted every week: 03-08, 03-15, 03-22, 03-29.
        expect(alerts.filter((a) => a.personId === OTHER).map((a) => a.due)).toEqual([
          "2027-03-08",
          "2027-03-15",
          "2027-03-22",
          "2027-03-29",
        ]);
      });
    }, 60_000);
  });
}

describe("what may follow a status change", () => {
  it("refuses a role that may not record status changes, an actor out of the person's community, and a community actor naming none, touching nothing", async () => {
    await withSystem("memory", async (flow, clock) => {
      await aBank(flow);
      await flow.addTasks([aTask({ id: "bday-1" })], bureau);
      await aPairing(flow, "pair-1", DEAD);
      clock.set("2027-03-05T10:00:00+08:00");
      const { communityId: _c, ...nowhere } = death;
      const cases: [string, Promise<unknown>][] = [
        [
          "NOT_AUTHORIZED",
          flow.followStatusChange(death, { id: "cs-1", roles: ["community_staff"], communities: [C1] }),
        ],
        ["NOT_AUTHORIZED", flow.followStatusChange(death, { id: "v-1", roles: ["volunteer"], communities: [C1] })],
        ["WRONG_COMMUNITY", flow.followStatusChange(death, registrarOf(C2))],
        ["REQUIRED", flow.followStatusChange(nowhere, registrarOf(C1))],
        [
          "WRONG_COMMUNITY",
          flow.followStatusChange({ ...death, status: "moved", newCommunityId: C2 }, registrarOf(C1)),
        ],
        ["NEW_COMMUNITY_WITHOUT_MOVE", flow.followStatusChange({ ...death, newCommunityId: C2 }, bureau)],
        ["INVALID_ENUM", flow.followStatusChange({ ...death, status: "active" as never }, bureau)],
        ["FUTURE_DATE", flow.followStatusChange({ ...death, effective: "2027-03-06" }, bureau)],
        ["INVALID_FORMAT", flow.followStatusChange({ ...death, personId: "p 1" }, bureau)],
      ];
      for (const [code, p] of cases) expect(await codeOf(p)).toBe(code);
      expect((await flow.tasks.get("bday-1", bureau)).status).toBe("assigned");
      expect((await flow.workflows.query("pair-1", staff())).state).toBe("active");
      expect(entry(flow, "w-dead")?.status).toBe("pending");
      // Nothing was remembered either: the person's tasks are still accepted.
      expect(await flow.addTasks([aTask({ id: "bday-3", due: "2027-05-01" })], bureau)).toBe(1);
    });
  });

  it("reports what lies outside the actor's reach and what cannot be cancelled, and still follows the rest", async () => {
    await withSystem("memory", async (flow, clock) => {
      await flow.addTasks([aTask({ id: "bday-1" }), aTask({ id: "bday-c2", communityId: C2 })], bureau);
      await aRequest(flow, "sr-1", DEAD, "received");
      await aRequest(flow, "sr-busy", DEAD, "onSite");
      clock.set("2027-03-05T10:00:00+08:00");
      const report = await flow.followStatusChange(death, registrarOf(C1));
      expect(report.tasks.map((t) => t.id)).toEqual(["bday-1"]);
      expect(report.serviceRequests).toEqual([{ instanceId: "sr-1", action: "cancelled" }]);
      expect(report.failed).toEqual([
        { item: "task:bday-c2", code: "WRONG_COMMUNITY" },
        { item: "serviceRequest:sr-busy", code: "EVENT_NOT_ALLOWED" },
      ]);
      expect((await flow.tasks.get("bday-c2", bureau)).status).toBe("assigned");
      expect((await flow.workflows.query("sr-busy", staff())).state).toBe("onSite");
      // The bureau, reaching both communities, finishes the job; the service under way stays.
      const rest = await flow.followStatusChange(death, bureau);
      expect(rest.tasks.map((t) => t.id)).toEqual(["bday-c2"]);
      expect(rest.failed).toEqual([{ item: "serviceRequest:sr-busy", code: "EVENT_NOT_ALLOWED" }]);
    });
  });

  it("reports a workflow send that throws as INTERNAL and goes on with the other items", async () => {
    await withSystem("memory", async (flow, clock) => {
      await aPairing(flow, "pair-bad", DEAD);
      await aPairing(flow, "pair-ok", DEAD, "v-2");
      await aRequest(flow, "sr-1", DEAD, "received");
      clock.set("2027-03-05T10:00:00+08:00");
      const tasks = {
        list: flow.tasks.list,
        cancel: flow.tasks.cancel,
        add: async () => 0,
      };
      const workflows = {
        list: flow.workflows.list,
        timers: flow.workflows.timers,
        send: (id: string, e: Parameters<Elderflow["workflows"]["send"]>[1]) =>
          id === "pair-bad" ? Promise.reject(new Error("connection reset")) : flow.workflows.send(id, e),
      };
      const report = await followStatusChange(
        { clock, host: flow.host, tasks, departures: memoryDepartures(), workflows, timebank: flow.timebank },
        death,
        bureau,
      );
      expect(report.failed).toEqual([{ item: "pairing:pair-bad", code: "INTERNAL" }]);
      expect(report.pairings).toEqual([{ instanceId: "pair-ok", action: "ended", timersCancelled: 1 }]);
      expect(report.serviceRequests).toEqual([{ instanceId: "sr-1", action: "cancelled" }]);
      expect((await flow.workflows.query("pair-bad", staff())).state).toBe("active");
    });
  });
});

describe("plans after a followed status change", () => {
  for (const kind of ["memory", "pglite", "postgres"] as const)
    it(`adds no task for a deceased person, from a stale roster or an event emitted before the death (${kind})`, async () => {
      await withSystem(kind, async (flow, clock) => {
        await anAdmission(flow, "cp-1", DEAD); // emitted, not yet delivered
        clock.set("2027-03-05T10:00:00+08:00");
        await flow.followStatusChange(death, bureau);
        expect((await flow.pump()).tasks).toBe(0);
        const stale = [DEAD, OTHER].map((id) => ({
          id,
          birthDate: "1947-04-10",
          birthdayCalendar: "gregorian" as const,
          retirementKind: "tuixiu" as const,
          rank: "section",
          status: "active" as const,
          communityId: C1,
        }));
        const entries = await flow.planBirthdayVisits(stale, { from: "2027-04-01", to: "2027-04-30" }, bureau);
        expect(entries.map((e) => e.personId).sort()).toEqual([DEAD, OTHER]);
        expect((await flow.tasks.list(bureau)).map((t) => t.personId)).toEqual([OTHER]);
        expect(await flow.addTasks([aTask({ id: "holiday-x", kind: "holiday_visit" })], bureau)).toBe(0);
      });
    }, 60_000);

  it("reassigns a moved person's open visits to the new community, cancels the alerts, and sends later plans there", async () => {
    await withSystem("memory", async (flow, clock) => {
      await flow.addTasks(
        [
          aTask({ id: "bday-1", due: "2027-02-28" }),
          aTask({ id: "cad-1", kind: "cadence_alert", due: "2027-03-01", assignees: ["v-1"] }),
        ],
        bureau,
      );
      await aPairing(flow, "pair-1", DEAD);
      clock.set("2027-03-05T10:00:00+08:00");
      const move = {
        personId: DEAD,
        status: "moved",
        effective: "2027-03-05",
        communityId: C1,
        newCommunityId: C2,
      } as const;
      const report = await flow.followStatusChange(move, bureau);
      expect(report.tasks).toEqual([
        {
          id: "bday-1",
          kind: "birthday_visit",
          action: "reassigned",
          reason: "moved_away",
          newTaskId: `bday-1@${C2}`,
        },
        { id: "cad-1", kind: "cadence_alert", action: "cancelled", reason: "moved_away" },
      ]);
      expect(await flow.tasks.get(`bday-1@${C2}`, registrarOf(C2))).toMatchObject({
        communityId: C2,
        due: "2027-02-28",
        status: "assigned",
        assignees: ["veteran_cadres_bureau"],
        details: { reassignedFrom: "bday-1", movedFrom: C1 },
      });
      const end = (await flow.workflows.history("pair-1", staff())).at(-1);
      expect(end).toMatchObject({ type: "END", payload: { reason: "moved" } });
      // A plan from the old community's roster lands in the new community; an alert does not land.
      expect(await flow.addTasks([aTask({ id: "bday-2027-04" })], bureau)).toBe(1);
      expect((await flow.tasks.get("bday-2027-04", bureau)).communityId).toBe(C2);
      expect(await flow.addTasks([aTask({ id: "cad-2", kind: "cadence_alert", due: "2027-04-01" })], bureau)).toBe(0);
      // Whatever its date, as the follow-through treats an open visit.
      expect(await flow.addTasks([aTask({ id: "bday-old", due: "2027-03-01" })], bureau)).toBe(1);
      expect((await flow.tasks.get("bday-old", bureau)).communityId).toBe(C2);
      expect(await flow.followStatusChange(move, bureau)).toMatchObject({ tasks: [], pairings: [], failed: [] });
    });
  });
});

/** Enrols a person in the register (as of 2020), in community C1 unless said otherwise. */
const enrolment = (id: string, communityId = C1) => ({
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
    communityId,
  },
  source: { kind: "import", ref: "2020-roll" },
});
const statusChange = (personId: string, status: string, effective = "2027-03-05") => ({
  kind: "status",
  personId,
  effective,
  status,
  source: { kind: "notice" },
});

for (const kind of ["memory", "pglite", "postgres"] as const)
  describe(`recording changes in the register on ${kind}`, () => {
    it("follows each accepted death, move or transfer into the plans, and none of a refused or other change", async () => {
      await withSystem(kind, async (flow, clock) => {
        const enrolled = await flow.register.record(
          [enrolment(DEAD), enrolment(OTHER), enrolment("p-3")],
          registrarOf(C1),
        );
        expect(enrolled.every((o) => o.ok)).toBe(true);
        await flow.addTasks([aTask({ id: "bday-1" }), aTask({ id: "bday-3", personId: "p-3" })], bureau);
        await aPairing(flow, "pair-1", DEAD);
        await aPairing(flow, "pair-2", OTHER, "v-2");
        clock.set("2027-03-05T10:00:00+08:00");
        const { outcomes, follow } = await flow.recordChanges(
          [
            statusChange(DEAD, "deceased"),
            statusChange("p-nobody", "deceased"),
            { kind: "rank", personId: OTHER, effective: "2027-03-01", rank: "county", source: { kind: "correction" } },
            statusChange("p-3", "transferred", "2027-03-04"),
          ],
          registrarOf(C1),
        );
        expect(outcomes.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ok", "UNKNOWN_PERSON", "ok", "ok"]);
        expect(follow.map((r) => [r.personId, r.status, r.effective, r.failed])).toEqual([
          [DEAD, "deceased", "2027-03-05", []],
          ["p-3", "transferred", "2027-03-04", []],
        ]);
        expect(follow[0]?.tasks).toEqual([
          { id: "bday-1", kind: "birthday_visit", action: "cancelled", reason: "deceased" },
        ]);
        expect(follow[0]?.pairings).toEqual([{ instanceId: "pair-1", action: "ended", timersCancelled: 1 }]);
        expect(follow[1]?.tasks).toEqual([
          { id: "bday-3", kind: "birthday_visit", action: "cancelled", reason: "transferred" },
        ]);
        expect((await flow.register.get(DEAD, registrarOf(C1)))?.status).toBe("deceased");
        expect((await flow.workflows.query("pair-2", staff())).state).toBe("active");
        // No later task is added for the deceased.
        expect(await flow.addTasks([aTask({ id: "bday-again" })], bureau)).toBe(0);
      });
    }, 60_000);
  });

describe("recordAndFollow", () => {
  it("reports a follow-through refused as a whole in its report and goes on with the next change", async () => {
    await withSystem("memory", async (flow, clock) => {
      await flow.register.record([enrolment(DEAD), enrolment(OTHER)], bureau);
      clock.set("2027-03-05T10:00:00+08:00");
      let calls = 0;
      const result = await recordAndFollow(
        flow.register,
        async (change) => {
          calls++;
          if (change.personId === DEAD) throw new ElderflowError("NOT_AUTHORIZED");
          return {
            ...change,
            tasks: [],
            pairings: [],
            serviceRequests: [],
            withdrawals: [],
            hospitalAdmissions: [],
            needs: [],
            deliveries: [],
            medicalGroups: [],
            cases: [],
            failed: [],
          };
        },
        flow.host,
        [statusChange(DEAD, "deceased"), statusChange(OTHER, "moved")],
        bureau,
      );
      expect(calls).toBe(2);
      expect(result.follow.map((r) => [r.personId, r.failed])).toEqual([
        [DEAD, [{ item: `person:${DEAD}`, code: "NOT_AUTHORIZED" }]],
        [OTHER, []],
      ]);
    });
  });
});

describe("the follow-through over any task board", () => {
  it("leaves no open task for the person, touches no one else's, and finds nothing on a second call", async () => {
    const statuses = ["open", "assigned", "accepted", "done", "cancelled"] as const;
    const aBoardTask = fc.record({
      personId: fc.constantFrom(DEAD, OTHER),
      communityId: fc.constantFrom(C1, C2),
      kind: fc.constantFrom("birthday_visit", "holiday_visit", "missed_contact_alert", "cadence_alert"),
      status: fc.constantFrom(...statuses),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(aBoardTask, { maxLength: 12 }),
        fc.constantFrom("deceased", "moved", "transferred"),
        fc.boolean(),
        async (specs, status, withinDistrict) => {
          await withSystem("memory", async (flow, clock) => {
            const tasks = specs.map((t, n) =>
              aTask({ id: `t-${n}`, ...t, assignees: t.status === "open" ? [] : ["b-1"] }),
            );
            await flow.addTasks(tasks, bureau);
            for (const [n, t] of specs.entries()) {
              const id = `t-${n}`;
              if (t.status === "accepted" || t.status === "done") await flow.tasks.accept(id, bureau);
              if (t.status === "done") await flow.tasks.complete(id, { outcome: "visited" }, bureau);
              if (t.status === "cancelled") await flow.tasks.cancel(id, "duplicate", bureau);
            }
            const before = await flow.tasks.list(bureau);
            clock.set("2027-03-05T10:00:00+08:00");
            const change = {
              personId: DEAD,
              status,
              effective: "2027-03-05",
              ...(status !== "deceased" && withinDistrict ? { newCommunityId: C2 } : {}),
            };
            const report = await flow.followStatusChange(change, bureau);
            const after = new Map((await flow.tasks.list(bureau)).map((t) => [t.id, t]));
            const open = (t: { status: string }) => ["open", "assigned", "accepted"].includes(t.status);
            for (const t of before) {
              const now = after.get(t.id);
              if (t.personId !== DEAD || !open(t) || (withinDistrict && status !== "deceased" && t.communityId === C2))
                expect(now).toEqual(t);
              else expect(now?.status).toBe("cancelled");
            }
            expect(report.tasks.length).toBe(
              before.filter((t) => t.personId === DEAD && open(t) && after.get(t.id)?.status === "cancelled").length,
            );
            // Whatever is still open for the person waits in the new community after a move within the district.
            const stillOpen = [...after.values()].filter((t) => t.personId === DEAD && open(t));
            if (change.newCommunityId === undefined) expect(stillOpen).toEqual([]);
            else
              expect(
                stillOpen.every(
                  (t) =>
                    t.communityId === C2 &&
                    (before.some((b) => b.id === t.id) || (t.id.endsWith(`@${C2}`) && !t.kind.endsWith("_alert"))),
                ),
              ).toBe(true);
            const again = await flow.followStatusChange(change, bureau);
            expect([again.tasks, again.failed]).toEqual([[], []]);
          });
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe("admitTask", () => {
  const departure = (over: Partial<Departure>): Departure => ({
    personId: DEAD,
    status: "deceased",
    effective: "2027-03-05",
    recordedBy: "b-1",
    recordedAt: 0,
    ...over,
  });
  const kinds = ["birthday_visit", "hospital_visit", "holiday_visit", "missed_contact_alert", "cadence_alert"] as const;
  const day = fc
    .integer({ min: 0, max: 400 })
    .map((n) => new Date(Date.UTC(2027, 0, 1) + n * DAY).toISOString().slice(0, 10));

  it("never admits a task about a person who died or left the district, and after a move only into the new community", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        day,
        day,
        fc.constantFrom("deceased", "moved", "transferred"),
        fc.option(fc.constantFrom(C1, C2), { nil: undefined }),
        fc.constantFrom(C1, C2),
        (kind, due, effective, status, newCommunityId, communityId) => {
          const task = aTask({ id: "t", kind, due, communityId });
          const d = departure({
            status,
            effective,
            ...(status === "deceased" || newCommunityId === undefined ? {} : { newCommunityId }),
          });
          const admitted = admitTask(task, d);
          if (d.newCommunityId === undefined) return admitted === null;
          if (communityId === d.newCommunityId) return admitted === task;
          // A visit follows the person; an alert about the old community's pairing does not.
          return kind.endsWith("_alert")
            ? admitted === null
            : admitted !== null && admitted.communityId === d.newCommunityId && admitted.due === due;
        },
      ),
    );
    expect(admitTask(aTask({ id: "t" }), undefined)).toEqual(aTask({ id: "t" }));
  });
});

async function aGroup(flow: Elderflow, id: string, members: string[], cadres: string[]) {
  await flow.workflows.start("medicalGroup", {
    id,
    actor: staff(),
    input: { communityId: C1, members, cadres, level: 2 },
  });
  await flow.workflows.send(id, { id: `${id}-a`, type: "ACTIVATE", actor: staff() });
}

async function aCase(flow: Elderflow, id: string, parties: string[], communityId = C1) {
  await flow.workflows.start("case", {
    id,
    actor: staff(communityId),
    input: { communityId, kind: "mediation", category: "inheritance", parties, summary: "遗产纠纷" },
  });
}

const aNeed = (id: string, personId: string, communityId = C1) => ({
  id,
  personId,
  communityId,
  serviceKind: "medical_care",
  recordedOn: "2027-03-01",
});

const rowOf = (rows: unknown, key: string, id: string) =>
  (rows as { [k: string]: unknown }[]).find((r) => r[key] === id);

for (const kind of ["memory", "pglite"] as const) {
  describe(`following a death into the #15 services on ${kind}`, () => {
    it("closes the person's open and matched needs, removes them from their groups, withdraws their cases, and leaves the rest", async () => {
      await withSystem(kind, async (flow, clock) => {
        const recorded = await flow.needs.record(
          [aNeed("n-open", DEAD), aNeed("n-matched", DEAD), aNeed("n-met", DEAD), aNeed("n-other", OTHER)],
          bureau,
        );
        expect(recorded.filter((o) => !o.ok)).toEqual([]);
        await flow.needs.match("n-matched", "v-1", bureau);
        await flow.needs.close("n-met", "met", bureau);
        await aGroup(flow, "g-1", ["v-1", "v-2"], [DEAD, OTHER]);
        await aGroup(flow, "g-2", ["v-2"], [OTHER]);
        await aCase(flow, "case-1", [DEAD, OTHER]);
        await aCase(flow, "case-2", [OTHER, DEAD]);
        await aCase(flow, "case-3", [DEAD]);
        await flow.workflows.send("case-3", {
          id: "case-3-c",
          type: "CLOSE",
          actor: staff(),
          payload: { outcome: "agreement" },
        });
        const subs = [DEAD, OTHER].map((personId) => ({
          personId,
          communityId: C1,
          title: "laoganbu_zhijia",
          year: 2027,
        }));
        await flow.deliveries.subscribe(subs, bureau);
        await flow.deliveries.planPeriodicalRound(
          { title: "laoganbu_zhijia", issue: "2027-03", due: "2027-03-10" },
          bureau,
        );
        clock.set("2027-03-05T10:00:00+08:00");

        const report = await flow.followStatusChange(death, registrarOf(C1));

        expect(report.failed).toEqual([]);
        // The March copy for the dead cadre is no longer owed; the other cadre's still is.
        expect(report.deliveries).toEqual([`periodical/laoganbu_zhijia/2027-03/${DEAD}`]);
        expect(await flow.deliveries.completeness("2027-03", bureau)).toEqual([
          { communityId: C1, due: 1, delivered: 0, missed: 0, outstanding: 1 },
        ]);
        expect([...report.needs].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([
          { id: "n-matched", action: "closed", from: "matched" },
          { id: "n-open", action: "closed", from: "open" },
        ]);
        for (const id of ["n-open", "n-matched"]) {
          const n = await flow.needs.get(id, bureau);
          expect([n?.status, n?.history.at(-1)?.reason, n?.history.at(-1)?.by]).toEqual([
            "closed",
            "person_left",
            "reg-1",
          ]);
        }
        expect((await flow.needs.get("n-met", bureau))?.history.at(-1)?.reason).toBe("met");
        expect((await flow.needs.get("n-other", bureau))?.status).toBe("open");

        expect(report.medicalGroups).toEqual([{ instanceId: "g-1", action: "cadre_removed" }]);
        const g1 = await flow.workflows.query("g-1", staff());
        expect(g1.state).toBe("active");
        expect(rowOf(g1.context.cadres, "personId", DEAD)?.status).not.toBe("active");
        expect(rowOf(g1.context.cadres, "personId", OTHER)?.status).toBe("active");
        expect((await flow.workflows.history("g-1", staff())).at(-1)).toMatchObject({
          type: "REMOVE_CADRE",
          actorId: "reg-1",
          payload: { personId: DEAD, reason: "deceased" },
        });
        expect((await flow.workflows.history("g-2", staff())).map((e) => e.type)).not.toContain("REMOVE_CADRE");

        expect(report.cases).toEqual([{ instanceId: "case-1", action: "withdrawn" }]);
        const c1 = await flow.workflows.query("case-1", staff());
        expect([c1.state, c1.context.outcome]).toEqual(["withdrawn", "withdrawn"]);
        expect((await flow.workflows.history("case-1", staff())).at(-1)).toMatchObject({
          type: "WITHDRAW",
          payload: { reason: "party_left" },
        });
        // The other party's own case (DEAD only a second party) goes on; the closed one keeps its outcome.
        expect((await flow.workflows.query("case-2", staff())).state).toBe("open");
        expect((await flow.workflows.query("case-3", staff())).context.outcome).toBe("agreement");
        const counts = await flow.caseCounts(2027, bureau);
        expect(counts.byKind.mediation).toMatchObject({ opened: 3, open: 1 });
        expect(counts.byKind.mediation.outcomes).toMatchObject({ withdrawn: 1, agreement: 1 });

        // Idempotent: nothing is left to close.
        const again = await flow.followStatusChange(death, registrarOf(C1));
        expect([again.needs, again.deliveries, again.medicalGroups, again.cases, again.failed]).toEqual([
          [],
          [],
          [],
          [],
          [],
        ]);
      });
    }, 60_000);

    it("removes a volunteer who died from every group as a member; the groups go on with the others", async () => {
      await withSystem(kind, async (flow, clock) => {
        await aGroup(flow, "g-1", ["v-1", "v-3"], [OTHER]);
        await aGroup(flow, "g-2", ["v-3"], [OTHER]);
        await aGroup(flow, "g-3", ["v-1"], [OTHER]);
        clock.set("2027-03-05T10:00:00+08:00");
        const report = await flow.followStatusChange(
          { personId: "v-3", status: "deceased", effective: "2027-03-05", communityId: C1 },
          bureau,
        );
        expect(report.failed).toEqual([]);
        expect([...report.medicalGroups].sort((x, y) => (x.instanceId < y.instanceId ? -1 : 1))).toEqual([
          { instanceId: "g-1", action: "member_left" },
          { instanceId: "g-2", action: "member_left" },
        ]);
        const g1 = await flow.workflows.query("g-1", staff());
        expect(g1.state).toBe("active");
        expect(rowOf(g1.context.members, "volunteerId", "v-3")?.status).toBe("left");
        expect(rowOf(g1.context.members, "volunteerId", "v-1")?.status).toBe("active");
        expect((await flow.workflows.history("g-1", staff())).at(-1)).toMatchObject({
          type: "LEAVE",
          payload: { volunteerId: "v-3", reason: "deceased" },
        });
        // Its only member gone, the group waits for a new one (suspended, as the machine does).
        expect((await flow.workflows.query("g-2", staff())).state).toBe("suspended");
        expect((await flow.workflows.query("g-3", staff())).state).toBe("active");
      });
    }, 60_000);

    it("reports needs, groups and cases out of the caller's reach as WRONG_COMMUNITY and follows the rest", async () => {
      await withSystem(kind, async (flow, clock) => {
        await flow.needs.record([aNeed("n-1", DEAD), aNeed("n-2", DEAD, C2)], bureau);
        await aCase(flow, "case-1", [DEAD]);
        await aCase(flow, "case-2", [DEAD], C2);
        clock.set("2027-03-05T10:00:00+08:00");
        const report = await flow.followStatusChange(death, registrarOf(C1));
        expect(report.needs.map((n) => n.id)).toEqual(["n-1"]);
        expect(report.cases.map((c) => c.instanceId)).toEqual(["case-1"]);
        expect([...report.failed].sort((x, y) => (x.item < y.item ? -1 : 1))).toEqual([
          { item: "case:case-2", code: "WRONG_COMMUNITY" },
          { item: "need:n-2", code: "WRONG_COMMUNITY" },
        ]);
        expect((await flow.needs.get("n-2", bureau))?.status).toBe("open");
        expect((await flow.workflows.query("case-2", staff(C2))).state).toBe("open");
      });
    }, 60_000);
  });
}

describe("a case withdrawn for a party who left", () => {
  it("refuses any other reason with a typed error and leaves the case open", async () => {
    await withSystem("memory", async (flow) => {
      await aCase(flow, "case-1", [DEAD]);
      for (const reason of ["deceased", "", 7, "party_left ", { toString: () => "party_left" }])
        expect(
          await codeOf(
            flow.workflows.send("case-1", {
              id: `w-${String(reason)}`,
              type: "WITHDRAW",
              actor: staff(),
              payload: { reason },
            }),
          ),
        ).not.toBe("none");
      expect((await flow.workflows.query("case-1", staff())).state).toBe("open");
    });
  });
});

describe("the follow-through over any cases and groups", () => {
  it("withdraws exactly the open cases the person applied for and removes the person from exactly the groups serving them", async () => {
    const people = fc.constantFrom(DEAD, OTHER, "p-3");
    const parties = fc.uniqueArray(people, { minLength: 1, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ parties, closed: fc.boolean() }), { maxLength: 4 }),
        fc.array(fc.uniqueArray(people, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        async (cases, groups) => {
          await withSystem("memory", async (flow, clock) => {
            for (const [n, c] of cases.entries()) {
              await aCase(flow, `case-${n}`, c.parties);
              if (c.closed)
                await flow.workflows.send(`case-${n}`, {
                  id: `close-${n}`,
                  type: "CLOSE",
                  actor: staff(),
                  payload: { outcome: "resolved" },
                });
            }
            for (const [n, cadres] of groups.entries()) await aGroup(flow, `g-${n}`, ["v-1"], cadres);
            clock.set("2027-03-05T10:00:00+08:00");
            const report = await flow.followStatusChange(death, bureau);
            expect(report.failed).toEqual([]);
            const expected = cases.flatMap((c, n) => (!c.closed && c.parties[0] === DEAD ? [`case-${n}`] : []));
            expect(report.cases.map((c) => c.instanceId).sort()).toEqual(expected.sort());
            for (const [n, c] of cases.entries()) {
              const state = (await flow.workflows.query(`case-${n}`, staff())).state;
              expect(state).toBe(c.closed ? "closed" : expected.includes(`case-${n}`) ? "withdrawn" : "open");
            }
            const served = groups.flatMap((g, n) => (g.includes(DEAD) ? [`g-${n}`] : []));
            expect(report.medicalGroups.map((g) => g.instanceId).sort()).toEqual(served.sort());
            for (const [n, cadres] of groups.entries()) {
              const ctx = (await flow.workflows.query(`g-${n}`, staff())).context;
              for (const p of cadres) expect(rowOf(ctx.cadres, "personId", p)?.status === "active").toBe(p !== DEAD);
            }
          });
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);
});

/**
 * Departure stores over one database, as the processes of one host open them: `open()` gives one
 * more store (over a client of its own where the backend has several connections).
 */
type DepartureBackend = () => Promise<{ open: () => Promise<DepartureStore>; close: () => Promise<void> }>;

/** One contract that every departure store keeps, written once. */
function describeDepartures(name: string, backend: DepartureBackend) {
  describe(`departures on ${name}`, () => {
    const aDeparture = (over: Partial<Departure> = {}): Departure => ({
      personId: DEAD,
      status: "deceased",
      effective: "2027-03-05",
      recordedBy: "b-1",
      recordedAt: 1_803_000_000_000,
      ...over,
    });
    async function withStores(fn: (open: () => Promise<DepartureStore>) => Promise<void>) {
      const b = await backend();
      try {
        await fn(b.open);
      } finally {
        await b.close();
      }
    }

    it("records a departure, replaces it with a later one for the same person, and answers only who was asked", () =>
      withStores(async (open) => {
        const d = await open();
        expect((await d.get([])).size).toBe(0);
        await d.record(aDeparture());
        await d.record(aDeparture({ personId: OTHER, status: "moved", newCommunityId: C2, effective: "2027-02-28" }));
        expect(await d.get([DEAD, "p-9", DEAD])).toEqual(new Map([[DEAD, aDeparture()]]));
        const moved = aDeparture({
          status: "transferred",
          effective: "2027-03-06",
          recordedBy: "reg-1",
          recordedAt: 7,
        });
        await d.record({ ...moved, newCommunityId: C2 });
        await d.record(moved);
        // The later record replaces every field, the new community too.
        expect((await d.get([DEAD])).get(DEAD)).toEqual(moved);
        expect((await d.get([OTHER])).get(OTHER)).toEqual(
          aDeparture({ personId: OTHER, status: "moved", newCommunityId: C2, effective: "2027-02-28" }),
        );
      }));

    it("compares person ids exactly: no match for another case, a trailing space or a prefix", () =>
      withStores(async (open) => {
        const d = await open();
        await d.record(aDeparture({ personId: "p-1" }));
        expect([...(await d.get(["P-1", "p-1 ", "p-", "p-10"])).keys()]).toEqual([]);
        await d.record(aDeparture({ personId: "p-1 " }));
        expect([...(await d.get(["p-1", "p-1 "])).keys()].sort()).toEqual(["p-1", "p-1 "]);
      }));

    it("shares departures between the processes of a host, and keeps them when a store is opened again", () =>
      withStores(async (open) => {
        const [a, b] = [await open(), await open()];
        await a.record(aDeparture());
        expect((await b.get([DEAD])).get(DEAD)).toEqual(aDeparture());
        expect((await (await open()).get([DEAD])).get(DEAD)).toEqual(aDeparture());
      }));

    it("leaves one whole record when processes record the same person's departure at once", () =>
      withStores(async (open) => {
        const stores = [await open(), await open()];
        const variants = Array.from({ length: 8 }, (_, i) =>
          aDeparture(
            i % 2 === 0
              ? { status: "moved", newCommunityId: `c-${i}`, recordedAt: i, recordedBy: `reg-${i}` }
              : { status: "deceased", effective: `2027-03-0${i}`, recordedAt: i, recordedBy: `b-${i}` },
          ),
        );
        await Promise.all(variants.map((v, i) => stores[i % 2]?.record(v)));
        const kept = (await stores[0]?.get([DEAD]))?.get(DEAD);
        expect(variants).toContainEqual(kept);
      }));

    it("keeps the task board and delivery rounds from planning for a person who died", () =>
      withStores(async (open) => {
        const departures = await open();
        const clock = manualClock("2027-03-06T09:00:00+08:00");
        await departures.record(aDeparture());
        await departures.record(aDeparture({ personId: OTHER, status: "moved", newCommunityId: C2 }));
        const board = departureGate(memoryTaskBoard({ clock }), departures);
        const added = await board.add(
          [
            aTask({ id: "t-dead" }),
            aTask({ id: "t-moved", personId: OTHER }),
            aTask({ id: "t-alert", personId: OTHER, kind: "missed_contact_alert" }),
            aTask({ id: "t-alive", personId: "p-3" }),
          ],
          "b-1",
        );
        expect(added).toBe(2);
        expect((await board.list(bureau)).map((t) => [t.id, t.communityId]).sort()).toEqual([
          ["t-alive", C1],
          ["t-moved", C2],
        ]);
        const deliveries = createDeliveries({ store: memoryDeliveryStore(), clock, departures });
        const round = await deliveries.planStudyRound(
          {
            session: "2027-03-10",
            due: "2027-03-12",
            recipients: [DEAD, "p-3"].map((personId) => ({ personId, communityId: C1 })),
          },
          bureau,
        );
        expect(round).toMatchObject({ added: 1, departed: 1, itemIds: ["study/2027-03-10/p-3"] });
      }));
  });
}

describeDepartures("memory", async () => {
  const store = memoryDepartures();
  return { open: async () => store, close: async () => {} };
});

describe("on PGlite", () => {
  // One PGlite for the file (it takes seconds to start), emptied of departures before each test.
  let shared: Promise<SqlClient> | undefined;
  afterAll(async () => {
    if (shared !== undefined) await (await shared).close();
  });
  describeDepartures("PGlite", async () => {
    shared ??= import("@electric-sql/pglite").then(({ PGlite }) => sqlFromPglite(new PGlite()));
    const sql = await shared;
    await sql.exec("drop table if exists elderflow_departures");
    return { open: () => sqlDepartures(sql), close: async () => {} };
  });
});

/** Stores over `connect`ed clients of one database, emptied of departures first; every client closed at the end. */
function departuresOver(connect: () => Promise<SqlClient>): DepartureBackend {
  return async () => {
    const clients: SqlClient[] = [];
    const client = async () => {
      const c = await connect();
      clients.push(c);
      return c;
    };
    await (await client()).exec("drop table if exists elderflow_departures");
    return {
      open: async () => sqlDepartures(await client()),
      close: async () => void (await Promise.all(clients.map((c) => c.close()))),
    };
  };
}

const departuresPgDb = privateDatabase("ef_departures");
describe("on a PostgreSQL database of its own", () => {
  let created: Promise<void> | undefined;
  afterAll(() => dropPgDatabase(departuresPgDb));
  describeDepartures(
    "PostgreSQL",
    departuresOver(async () => {
      created ??= pgAdmin(`create database ${departuresPgDb}`);
      await created;
      const pg = await import("pg");
      const url = new URL(PG_URL);
      url.pathname = `/${departuresPgDb}`;
      return sqlFromPgPool(new (pg.default ?? pg).Pool({ connectionString: url.toString(), max: 2 }));
    }),
  );
});

const departuresMysqlDb = privateMysqlDatabase("ef_departures");
describe("on a MariaDB database of its own", () => {
  let url: Promise<string> | undefined;
  const connect = async () => {
    url ??= createMysqlDatabase(departuresMysqlDb);
    return sqlFromMysqlPool(mysqlPool(await url, 2));
  };
  afterAll(() => dropMysqlDatabase(departuresMysqlDb));
  describeDepartures("MariaDB", departuresOver(connect));

  it("refuses an id longer than its column with TOO_BIG instead of cutting it short", async () => {
    const sql = await connect();
    try {
      const d = await sqlDepartures(sql);
      const record = (over: Partial<Departure>) =>
        d.record({
          personId: DEAD,
          status: "deceased",
          effective: "2027-03-05",
          recordedBy: "b-1",
          recordedAt: 0,
          ...over,
        });
      await expect(record({ personId: "p".repeat(201) })).rejects.toMatchObject({
        code: "TOO_BIG",
        path: ["departure", "personId"],
      });
      await expect(record({ recordedBy: "b".repeat(201) })).rejects.toMatchObject({ code: "TOO_BIG" });
      await record({ personId: "人".repeat(200) });
      expect([...(await d.get(["人".repeat(200)])).keys()]).toEqual(["人".repeat(200)]);
    } finally {
      await sql.close();
    }
  });
});
