import { isElderflowError, manualClock, type Volunteer } from "@elderflow/core";
import { createElderflow, policy, type schedule, type workflow } from "elderflow";

/** Two towns of Lianshui county (涟水县) where the cadres live. */
const TOWN_A = "lianshui-gaogou";
const TOWN_B = "lianshui-chenshi";

/**
 * "贴心儿女" volunteers recruited from the county's health system, by id. Each holds a 中国社区志愿者证
 * -style certificate for medical care; v-nurse-3's has expired.
 */
export const VOLUNTEERS: readonly Pick<Volunteer, "id" | "certifications">[] = [
  {
    id: "v-nurse-1",
    certifications: [{ skill: "medical_care", level: 3, validFrom: "2026-09-01", issuer: "县卫生局" }],
  },
  {
    id: "v-doctor-2",
    certifications: [{ skill: "medical_care", level: 4, validFrom: "2026-09-01", issuer: "县卫生局" }],
  },
  {
    id: "v-nurse-3",
    certifications: [
      { skill: "medical_care", level: 2, validFrom: "2024-01-01", validTo: "2026-12-31", issuer: "县卫生局" },
    ],
  },
];

/** The pairs the bureau proposes: volunteer, lixiu cadre, town. */
const PROPOSED = [
  { pairId: "pair-1", volunteerId: "v-nurse-1", personId: "lixiu-01", communityId: TOWN_A },
  { pairId: "pair-2", volunteerId: "v-doctor-2", personId: "lixiu-02", communityId: TOWN_B },
  { pairId: "pair-3", volunteerId: "v-nurse-1", personId: "lixiu-03", communityId: TOWN_A },
  { pairId: "pair-4", volunteerId: "v-nurse-3", personId: "lixiu-04", communityId: TOWN_B },
  // After pair-4 is refused, the cadre gets a certified volunteer instead.
  { pairId: "pair-5", volunteerId: "v-doctor-2", personId: "lixiu-04", communityId: TOWN_B },
] as const;

/**
 * What each volunteer does in March 2027, day of month → contact: blood pressure and sugar at a home
 * visit (上门测量血压血糖), or a phone call (电话嘘寒问暖).
 */
const MARCH: Readonly<Record<string, Readonly<Record<number, "visit" | "call">>>> = {
  "pair-1": { 2: "visit", 9: "visit", 16: "visit", 23: "visit" }, // every week, four visits
  "pair-2": { 3: "call", 10: "visit", 17: "call", 24: "call" }, // every week, but one visit only
  "pair-3": { 4: "visit", 11: "visit", 25: "visit", 26: "call" }, // nothing in the week of the 15th
  "pair-5": { 5: "visit", 12: "visit", 19: "visit", 26: "call" }, // every week, three visits
};

/** What the scenario did. */
export interface ScenarioResult {
  /** Medical care needs this certified level (from the volunteer-level policy). */
  readonly requiredLevel: number;
  /** Pairing state per pair after March. */
  readonly states: Readonly<Record<string, string>>;
  /** Error codes of refused events, per pair. */
  readonly refused: Readonly<Record<string, readonly string[]>>;
  /** Missed-contact alerts raised by the weekly check: pair → weeks missed so far. */
  readonly missedContactAlerts: readonly { readonly personId: string; readonly volunteerId: string }[];
  /** The month's cadence report (rule 5: a contact every week, three home visits a month). */
  readonly cadence: schedule.CadenceReport;
  /** The alerts the wiring filed for non-compliant pairs. */
  readonly cadenceAlerts: readonly string[];
  /** Visits (travel) and calls (phone) per volunteer: the basis of the county's subsidy. */
  readonly subsidyBasis: Readonly<Record<string, { readonly visits: number; readonly calls: number }>>;
}

const day = (d: number, hour = 10) =>
  `2027-03-${String(d).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00+08:00`;

/**
 * Seed 002's 贴心儿女进家门 in March 2027: pairs proposed, activated only with a valid medical-care
 * certificate at the required level, a month of visits and calls, the weekly missed-contact check,
 * and the month's cadence compliance per pair, volunteer and town.
 */
export async function runScenario(): Promise<ScenarioResult> {
  const clock = manualClock(day(1, 9));
  const flow = await createElderflow({
    clock,
    store: { kind: "memory" },
    directory: { servicePoints: [], volunteers: VOLUNTEERS },
  });
  const requiredLevel = policy
    .volunteerLevelPolicy()
    .decide({ serviceKind: "medical_care", certifiedLevel: 5 }, "2027-03-01").values.requiredLevel as number;

  const staff = (communityId: string): workflow.WorkflowActor => ({
    id: `staff-${communityId}`,
    role: "community_staff",
    communityId,
  });
  const refused: Record<string, string[]> = {};
  let n = 0;
  const send = async (
    pairId: string,
    type: string,
    actor: workflow.WorkflowActor,
    payload?: Record<string, unknown>,
  ) => {
    try {
      await flow.workflows.send(pairId, { id: `ev-${++n}`, type, actor, ...(payload ? { payload } : {}) });
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      refused[pairId] = [...(refused[pairId] ?? []), e.code];
    }
  };

  const propose = (p: (typeof PROPOSED)[number]) =>
    flow.workflows.start("pairing", {
      id: p.pairId,
      actor: staff(p.communityId),
      input: {
        communityId: p.communityId,
        volunteerId: p.volunteerId,
        personId: p.personId,
        skill: "medical_care",
        level: requiredLevel,
      },
    });
  for (const p of PROPOSED.slice(0, 4)) {
    await propose(p);
    await send(p.pairId, "ACTIVATE", staff(p.communityId));
  }
  // pair-4's certificate expired: decline it and pair the cadre with a certified doctor.
  await send("pair-4", "DECLINE", staff(TOWN_B));
  await propose(PROPOSED[4]);
  await send("pair-5", "ACTIVATE", staff(TOWN_B));

  // March, day by day: the weekly checks fire first, then the day's contacts.
  const log: schedule.CadenceLogEntry[] = [];
  const subsidyBasis: Record<string, { visits: number; calls: number }> = {};
  for (let d = 1; d <= 31; d++) {
    clock.set(day(d));
    await flow.tick();
    for (const p of PROPOSED) {
      const kind = MARCH[p.pairId]?.[d];
      if (kind === undefined) continue;
      await send(p.pairId, "CONTACT", { id: p.volunteerId, role: "volunteer", communityId: p.communityId }, { kind });
      log.push({ pairId: p.pairId, at: day(d), kind: kind === "visit" ? "home_visit" : "contact" });
      const s = subsidyBasis[p.volunteerId] ?? { visits: 0, calls: 0 };
      subsidyBasis[p.volunteerId] = kind === "visit" ? { ...s, visits: s.visits + 1 } : { ...s, calls: s.calls + 1 };
    }
  }
  clock.set("2027-04-01T10:00:00+08:00");
  await flow.tick();

  const states: Record<string, string> = {};
  for (const p of PROPOSED) states[p.pairId] = (await flow.workflows.query(p.pairId, staff(p.communityId))).state;
  const active = PROPOSED.filter((p) => states[p.pairId] === "active");
  // The district's bureau checks every town's pairs and reads every town's alerts.
  const bureau = { id: "bureau", roles: ["bureau" as const] };
  const cadence = await flow.checkCadence(
    active.map((p) => ({ ...p, from: "2027-03-01" })),
    log,
    "2027-03",
    bureau,
  );
  const missed = await flow.tasks.list(bureau, "missed_contact_alert");
  const cadenceAlerts = (await flow.tasks.list(bureau, "cadence_alert")).map((t) => t.id);
  await flow.close();
  return {
    requiredLevel,
    states,
    refused,
    missedContactAlerts: missed.map((t) => ({ personId: t.personId, volunteerId: t.assignees[0] as string })),
    cadence,
    cadenceAlerts,
    subsidyBasis,
  };
}
