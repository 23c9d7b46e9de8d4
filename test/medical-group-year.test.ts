/**
 * Issue #15 item 2, done when: a 贴心儿女 medical volunteer group (seed 002) is driven through 2027
 * on the wired system — three volunteers in turn serving three lixiu cadres (a tuixiu cadre is
 * refused by the programme's scope), contacts with blood-pressure, glucose and pulse readings
 * sealed under each cadre's key — with one member's certificate lapsing on 2027-03-15, found by
 * the tick's certificate watch (`checkCertificateLapses`) on the 16th. The lapsed member makes no
 * credited contact afterwards, the others go on, and the year's subsidy statement
 * (transport per visit, phone per month with a call, from the county budget) is printed, its
 * figures asserted, and its XLSX read back.
 */
import {
  addDays,
  createFieldSealer,
  isElderflowError,
  isoWeekday,
  manualClock,
  memoryKeyProvider,
  type Volunteer,
} from "@elderflow/core";
import { readTableXlsx } from "@elderflow/register";
import { exportAudit, type WorkflowActor } from "@elderflow/workflow";
import { createElderflow, type Elderflow } from "elderflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countyBudgetLines,
  formatYuan,
  printableStatement,
  type SubsidyStatement,
  statementXlsx,
} from "../packages/elderflow/src/system/subsidies";

const TOWN = "lianshui-gaogou";
const GROUP = "tiexin-gaogou-1";
const cert = (validTo?: string) => [
  { skill: "medical_care", level: 3, validFrom: "2026-09-01", issuer: "县卫生局", ...(validTo ? { validTo } : {}) },
];
const VOLUNTEERS: Pick<Volunteer, "id" | "certifications">[] = [
  { id: "v-doctor-1", certifications: cert() },
  { id: "v-nurse-2", certifications: cert("2027-03-15") }, // lapses in March
  { id: "v-nurse-3", certifications: cert() }, // joins in April
];
const LIXIU = ["lixiu-01", "lixiu-02", "lixiu-03"];

const staff: WorkflowActor = { id: "staff-gaogou", role: "community_staff", communityId: TOWN };
const bureau = { id: "bureau-lianshui", roles: ["bureau" as const] };
const volunteer = (id: string) => ({ id, roles: ["volunteer" as const], communities: [TOWN] });
const doctor = { id: "dr-county", roles: ["doctor" as const], communities: [TOWN] };

/** Each weekday's round: who contacts whom, how (Monday 1 … Sunday 7). */
function plan(day: string): { volunteerId: string; personId: string; kind: "call" | "visit" } | undefined {
  const wd = isoWeekday(day);
  const afterLapse = day > "2027-03-15";
  if (wd === 1) return { volunteerId: "v-doctor-1", personId: "lixiu-01", kind: "visit" };
  // v-nurse-2 keeps trying after the lapse: those attempts must be refused.
  if (wd === 2) return { volunteerId: "v-nurse-2", personId: "lixiu-02", kind: "visit" };
  if (wd === 3 && afterLapse) return { volunteerId: "v-doctor-1", personId: "lixiu-02", kind: "visit" };
  if (wd === 4)
    return { volunteerId: day < "2027-04-01" ? "v-nurse-2" : "v-nurse-3", personId: "lixiu-03", kind: "call" };
  return undefined;
}

const readingsFor = (kind: "call" | "visit", n: number) =>
  kind === "visit"
    ? {
        bloodPressure: { systolic: 130 + (n % 20), diastolic: 80 + (n % 10) },
        glucose: { mmolL: 5 + (n % 30) / 10, fasting: true },
        pulse: { bpm: 64 + (n % 15) },
      }
    : { medication: { adherent: n % 7 !== 0 } };

describe("a medical volunteer group through 2027, with a certificate lapse in March", () => {
  let flow: Elderflow;
  const credited: { volunteerId: string; personId: string; kind: "call" | "visit"; on: string }[] = [];
  const refused: { volunteerId: string; on: string; code: string }[] = [];
  let scopeRefusal = "";
  let addRefusal = "";
  let lapseSentBy: "tick" | "test" | "" = "";
  let year: SubsidyStatement;

  beforeAll(async () => {
    const clock = manualClock("2027-01-01T09:00:00+08:00");
    flow = await createElderflow({
      clock,
      store: { kind: "memory" },
      directory: { servicePoints: [], volunteers: VOLUNTEERS },
      sealer: createFieldSealer({ keys: memoryKeyProvider({ seed: "medical-group-year" }) }),
    });
    const enrol = (id: string, retirementKind: "lixiu" | "tuixiu") => ({
      kind: "enrol",
      personId: id,
      effective: "2020-01-01",
      person: {
        id,
        name: "王老",
        gender: "male",
        birthDate: "1930-05-04",
        retirementKind,
        rank: "county",
        communityId: TOWN,
      },
      source: { kind: "import", ref: "2026-roll" },
    });
    const outcomes = await flow.register.record(
      [...LIXIU.map((id) => enrol(id, "lixiu")), enrol("tuixiu-09", "tuixiu")],
      { id: "registrar", roles: ["registrar"], communities: [TOWN] },
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);

    const input = { communityId: TOWN, members: ["v-doctor-1", "v-nurse-2"], cadres: LIXIU, level: 2 };
    // The programme is for lixiu cadres: a group with a tuixiu cadre is refused at the start.
    try {
      await flow.workflows.start("medicalGroup", {
        id: "with-tuixiu",
        input: { ...input, cadres: [...LIXIU, "tuixiu-09"] },
        actor: staff,
      });
    } catch (e) {
      scopeRefusal = isElderflowError(e) ? `${e.code}@${e.path.join(".")}` : String(e);
    }
    await flow.workflows.start("medicalGroup", { id: GROUP, input, actor: staff });
    await flow.workflows.send(GROUP, { id: "activate", type: "ACTIVATE", actor: staff });
    try {
      await flow.workflows.send(GROUP, {
        id: "add-tuixiu",
        type: "ADD_CADRE",
        actor: staff,
        payload: { personId: "tuixiu-09" },
      });
    } catch (e) {
      addRefusal = isElderflowError(e) ? e.code : String(e);
    }

    let n = 0;
    for (let day = "2027-01-01"; day <= "2027-12-31"; day = addDays(day, 1)) {
      clock.set(`${day}T10:00:00+08:00`);
      await flow.tick();
      if (day === "2027-03-16") {
        // The tick runs the certificate watch (checkCertificateLapses), which should have suspended
        // the member; were it not wired, the bureau would report the lapse itself (and the test fails).
        const members = (await flow.workflows.query(GROUP, staff)).context.members as {
          volunteerId: string;
          status: string;
        }[];
        if (members.find((m) => m.volunteerId === "v-nurse-2")?.status === "active") {
          lapseSentBy = "test";
          await flow.workflows.send(GROUP, {
            id: "lapse-v-nurse-2",
            type: "CERTIFICATE_LAPSED",
            actor: { id: bureau.id, role: "bureau" },
            payload: { volunteerId: "v-nurse-2", skill: "medical_care", expiredOn: "2027-03-16" },
          });
        } else lapseSentBy = "tick";
      }
      if (day === "2027-04-01")
        await flow.workflows.send(GROUP, {
          id: "join-v-nurse-3",
          type: "JOIN",
          actor: staff,
          payload: { volunteerId: "v-nurse-3" },
        });
      const round = plan(day);
      if (round === undefined) continue;
      clock.set(`${day}T15:00:00+08:00`);
      try {
        await flow.medical.recordContact(
          GROUP,
          { id: `c-${day}`, personId: round.personId, kind: round.kind, readings: readingsFor(round.kind, ++n) },
          volunteer(round.volunteerId),
        );
        credited.push({ ...round, on: day });
      } catch (e) {
        if (!isElderflowError(e)) throw e;
        refused.push({ volunteerId: round.volunteerId, on: day, code: e.code });
      }
    }
    year = await flow.medical.statement([GROUP], countyBudgetLines({ from: "2027-01-01" }), { year: 2027 }, bureau);
  }, 120_000);
  afterAll(() => flow?.close());

  it("refuses cadres outside the programme's scope (lixiu only)", () => {
    expect(scopeRefusal).toBe("OUTSIDE_PROGRAMME_SCOPE@input.cadres.3");
    expect(addRefusal).toBe("OUTSIDE_PROGRAMME_SCOPE");
  });

  it("suspends the lapsed member from the tick's certificate watch, with an alert for staff", async () => {
    expect(lapseSentBy).toBe("tick");
    const alerts = await flow.tasks.list(bureau, "certificate_lapse_alert");
    expect(
      alerts.map((t) => [t.communityId, t.due, t.details.volunteerId, t.details.machine, t.details.expiredOn]),
    ).toEqual([[TOWN, "2027-03-16", "v-nurse-2", "medicalGroup", "2027-03-16"]]);
  });

  it("credits no contact by the lapsed member after the lapse, and the group goes on", async () => {
    expect(credited.filter((c) => c.volunteerId === "v-nurse-2" && c.on > "2027-03-15")).toEqual([]);
    const lapsedAttempts = refused.filter((r) => r.volunteerId === "v-nurse-2");
    expect(lapsedAttempts.length).toBe(42 + 2); // every Tuesday from 16 March, and two Thursdays before April
    expect(new Set(lapsedAttempts.map((r) => r.code))).toEqual(new Set(["MEMBER_SUSPENDED"]));
    expect(lapsedAttempts.every((r) => r.on > "2027-03-15")).toBe(true);
    expect(refused.filter((r) => r.volunteerId !== "v-nurse-2")).toEqual([]);
    const q = await flow.workflows.query(GROUP, staff);
    expect(q.state).toBe("active");
    const members = q.context.members as { volunteerId: string; status: string; expiredOn: string | null }[];
    expect(members.map((m) => [m.volunteerId, m.status, m.expiredOn])).toEqual([
      ["v-doctor-1", "active", null],
      ["v-nurse-2", "suspended", "2027-03-16"], // the first day without a valid certificate
      ["v-nurse-3", "active", null],
    ]);
    // The group's own history holds no contact of v-nurse-2 after the lapse either.
    const { contacts } = q.context as { contacts: { volunteerId: string; at: number }[] };
    const lapse = Date.parse("2027-03-16T00:00:00+08:00");
    expect(contacts.filter((c) => c.volunteerId === "v-nurse-2" && c.at >= lapse)).toEqual([]);
    expect(contacts).toHaveLength(credited.length);
  });

  it("alerts the remaining members for the weeks the lapse left a cadre without contact", async () => {
    const alerts = (await flow.tasks.list(bureau, "missed_contact_alert")).filter((t) => t.personId === "lixiu-03");
    expect(alerts.map((t) => t.due)).toEqual(["2027-03-19", "2027-03-26"]);
    expect(alerts.every((t) => t.assignees.join() === "v-doctor-1")).toBe(true);
  });

  it("measures March's cadence per cadre: the cadre left without calls falls short", async () => {
    const march = await flow.medical.cadence(GROUP, "2027-03", {
      id: staff.id,
      roles: ["community_staff"],
      communities: [TOWN],
    });
    expect(march.pairs.map((p) => [p.pairId, p.weeksMet, p.weeksRequired, p.homeVisits, p.compliant])).toEqual([
      [`${GROUP}/lixiu-01`, 4, 4, 5, true],
      [`${GROUP}/lixiu-02`, 4, 4, 5, true], // Tuesdays 2 and 9, then Wednesdays 17, 24 and 31
      [`${GROUP}/lixiu-03`, 2, 4, 0, false], // calls on 4 and 11; 18 and 25 refused
    ]);
  });

  it("keeps readings sealed: opened for the doctor, masked in the audit export", async () => {
    const opened = await flow.medical.readings(GROUP, doctor, "lixiu-01");
    expect(opened).toHaveLength(credited.filter((c) => c.personId === "lixiu-01").length);
    expect(opened[0]?.readings.bloodPressure?.systolic).toBeGreaterThanOrEqual(130);
    await expect(flow.medical.readings(GROUP, volunteer("v-doctor-1"))).rejects.toMatchObject({
      code: "NOT_AUTHORIZED",
    });
    const log = await flow.workflows.history(GROUP, staff);
    const audit = JSON.stringify(exportAudit(log));
    expect(audit).not.toContain("systolic");
    expect(audit).not.toContain("mmolL");
    expect(JSON.stringify(log)).not.toContain("systolic");
  });

  it("prints the year's subsidy statement with the figures of the credited contacts", async () => {
    // Independent count: ¥20 per credited visit, ¥30 per month with at least one credited call.
    const expected = new Map<string, number>();
    for (const c of credited)
      if (c.kind === "visit") expected.set(c.volunteerId, (expected.get(c.volunteerId) ?? 0) + 2000);
    const callMonths = new Set(
      credited.filter((c) => c.kind === "call").map((c) => `${c.volunteerId}/${c.on.slice(0, 7)}`),
    );
    for (const k of callMonths) {
      const v = k.split("/")[0] as string;
      expected.set(v, (expected.get(v) ?? 0) + 3000);
    }
    expect(year.byVolunteer).toEqual(
      [...expected].sort().map(([volunteerId, amountFen]) => ({ volunteerId, amountFen })),
    );
    // And the figures themselves: 52 Mondays and 42 Wednesdays from 17 March (¥1,880) for the doctor;
    // ten visits and calls in January to mid-March (¥200 + ¥90) for the lapsed nurse; forty calls in
    // nine months (¥270) for the nurse who joined in April.
    expect(year.rows).toEqual([
      { volunteerId: "v-doctor-1", lineId: "transport", units: 94, amountFen: 188000 },
      { volunteerId: "v-nurse-2", lineId: "transport", units: 10, amountFen: 20000 },
      { volunteerId: "v-nurse-2", lineId: "phone", units: 3, amountFen: 9000 },
      { volunteerId: "v-nurse-3", lineId: "phone", units: 9, amountFen: 27000 },
    ]);
    expect(year.totalFen).toBe(244000);
    const march = await flow.medical.statement(
      [GROUP],
      countyBudgetLines({ from: "2027-01-01" }),
      { year: 2027, month: 3 },
      bureau,
    );
    expect(march.byVolunteer).toEqual([
      { volunteerId: "v-doctor-1", amountFen: 2000 * (5 + 3) }, // Mondays 1–29, Wednesdays 17–31
      { volunteerId: "v-nurse-2", amountFen: 2000 * 2 + 3000 }, // Tuesdays 2 and 9, calls on 4 and 11
    ]);

    const lines = [
      `贴心儿女 subsidies ${year.period}: ${formatYuan(year.totalFen)} yuan`,
      ...year.rows.map(
        (r) =>
          `  ${r.volunteerId.padEnd(12)} ${r.lineId.padEnd(10)} ${String(r.units).padStart(3)}  ${formatYuan(r.amountFen).padStart(8)}`,
      ),
    ];
    console.log(lines.join("\n"));
    const html = printableStatement(year, { issuedBy: "涟水县委老干部局" });
    expect(html).toContain("2440.00");
    expect(html).toContain("“贴心儿女”志愿者补贴发放明细表（2027年）");

    const sheet = await readTableXlsx(await statementXlsx(year), "补贴明细");
    expect(sheet[0]).toEqual([
      "志愿者编号",
      "姓名",
      "交通补贴（次）",
      "交通补贴（元）",
      "通讯补贴（月）",
      "通讯补贴（元）",
      "合计（元）",
    ]);
    expect(sheet.slice(1)).toEqual([
      ["v-doctor-1", null, 94, 1880, 0, 0, 1880],
      ["v-nurse-2", null, 10, 200, 3, 90, 290],
      ["v-nurse-3", null, 0, 0, 9, 270, 270],
      ["合计", null, 104, 2080, 12, 360, 2440],
    ]);
  });
});
