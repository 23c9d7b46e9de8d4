import { type ActorRole, isElderflowError, manualClock } from "@elderflow/core";
import { createElderflow, policy, schedule, type timebank, type workflow } from "elderflow";

/** 丰华社区, home of the 霞光红 volunteer team; 岔河社区 hosts the legal-aid team. */
export const FENGHUA = "decheng-fenghua";

/** The volunteers' names stay in the bureau's register; everything else uses ids. */
export const NAMES: Readonly<Record<string, string>> = { "v-01": "冯良才", "v-02": "张秀兰", "v-03": "李建国" };

const LEADER: workflow.WorkflowActor = { id: "leader-xgh", role: "team_leader", communityId: FENGHUA };
const SECRETARY: workflow.WorkflowActor = { id: "secretary-fh", role: "party_secretary", communityId: FENGHUA };

/** One service a volunteer gave in the first quarter of 2027. */
interface Service {
  readonly entry: string;
  readonly volunteer: string;
  readonly recipient: string;
  readonly minutes: number;
  readonly servedOn: string;
  /** The recipient disputes it instead of signing. */
  readonly disputed?: true;
  /** The volunteer, who also leads a team, first tries to register it themself. */
  readonly selfRegister?: true;
}

const Q1: readonly Service[] = [
  { entry: "e1", volunteer: "v-01", recipient: "r-01", minutes: 120, servedOn: "2027-01-05" },
  { entry: "e2", volunteer: "v-02", recipient: "r-02", minutes: 180, servedOn: "2027-01-06" },
  { entry: "e3", volunteer: "v-03", recipient: "r-03", minutes: 90, servedOn: "2027-01-07", disputed: true },
  { entry: "e4", volunteer: "v-01", recipient: "r-04", minutes: 600, servedOn: "2027-02-16" },
  { entry: "e5", volunteer: "v-03", recipient: "r-01", minutes: 360, servedOn: "2027-03-02", selfRegister: true },
  { entry: "e6", volunteer: "v-02", recipient: "r-02", minutes: 1200, servedOn: "2027-03-10" },
];

/** What the quarter came to. */
export interface ScenarioResult {
  /** The first week's verification batch (每周核实). */
  readonly week1: timebank.VerificationBatch;
  /** January's summary (每月汇总). */
  readonly january: timebank.MonthlySummary;
  /** The quarter's public notice (每季公示), names masked. */
  readonly notice: timebank.PublicNotice;
  /** Accounts after the family withdrawal, per volunteer. */
  readonly accounts: Readonly<Record<string, timebank.VolunteerAccount>>;
  /** Stars just before the withdrawal, to show spending never lowers a rating. */
  readonly starsBeforeSpending: Readonly<Record<string, number>>;
  /** The year-end star rating of each volunteer, explained by the star policy (name masked). */
  readonly ratings: Readonly<Record<string, { readonly stars: number; readonly why: policy.Text }>>;
  /** Error codes of refused workflow events. */
  readonly refused: readonly string[];
  /** Time-bank commands that failed when the wiring posted them (a service dated in a closed quarter). */
  readonly failedPostings: readonly { readonly key: string; readonly code: string }[];
  /** What reconciling the workflows with the ledger found, by kind. */
  readonly unreconciled: readonly string[];
  /** The journal's hash chain checks out. */
  readonly journalOk: boolean;
  /** 每周二下午 legal aid and 每月18日 law day in the quarter (岔河社区). */
  readonly legalAid: { readonly dates: readonly string[]; readonly skipped: readonly string[] };
  /** Warnings of the holiday calendar (2027's official schedule may not be published yet). */
  readonly calendarWarnings: readonly string[];
  readonly lawDays: readonly string[];
}

const at = (date: string, hour = 16) => `${date}T${String(hour).padStart(2, "0")}:00:00+08:00`;

/**
 * Seed 004's time-savings system (时间储蓄) in Decheng district for the first quarter of 2027: each
 * service signed by the one served and registered by the team leader the same day (当天计分), verified
 * weekly by the party secretary (每周核实), summed monthly (每月汇总), the quarter closed and published
 * with names masked (每季公示); a family member spends banked hours; stars from cumulative hours;
 * and the legal-aid Tuesdays and law days of the quarter.
 */
export async function runScenario(): Promise<ScenarioResult> {
  const clock = manualClock(at("2027-01-04", 9));
  const flow = await createElderflow({
    clock,
    store: { kind: "pglite" },
    directory: { servicePoints: [], volunteers: [] },
  });
  // Each command is sent as the person who does it: the community's time-bank admin grants and
  // enrols, the host imports last year's certificates, the secretary closes, the volunteer spends.
  const as = (id: string, roles: ActorRole[]) => flow.timebank.as({ id, roles, communities: [FENGHUA] });
  const admin = as("admin-fh", ["admin"]);
  const secretary = as(SECRETARY.id, ["party_secretary", "verifier"]);

  // Roles and accounts; v-01's spouse may draw on v-01's hours.
  await admin.submitMany([
    { op: "grant", key: "g-leader", person: LEADER.id, role: "registrar", community: FENGHUA },
    { op: "grant", key: "g-secretary", person: SECRETARY.id, role: "verifier", community: FENGHUA },
    { op: "enroll", key: "en-1", volunteer: "v-01", community: FENGHUA, family: ["v-01-spouse"] },
    { op: "enroll", key: "en-2", volunteer: "v-02", community: FENGHUA, family: [] },
    { op: "enroll", key: "en-3", volunteer: "v-03", community: FENGHUA, family: [] },
  ]);
  // Last year's verified hours, carried over from the paper certificates: v-01 90 h, v-02 480 h.
  const history = [
    ...Array.from({ length: 45 }, (_, i) => ["v-01", i] as const),
    ...Array.from({ length: 240 }, (_, i) => ["v-02", i] as const),
  ].flatMap(([v, i]) => {
    const on = `2026-${String((i % 12) + 1).padStart(2, "0")}-15`;
    const key = `h-${v}-${i}`;
    return [
      {
        op: "record",
        key,
        volunteer: v,
        recipient: "r-00",
        minutes: 120,
        on,
        signedBy: "r-00",
        registeredBy: LEADER.id,
      },
      { op: "verify", key: `${key}:v`, entry: key, by: SECRETARY.id, on },
    ];
  });
  await flow.timebank.as(flow.host).submitMany(history);

  const refused: string[] = [];
  let n = 0;
  const send = async (id: string, type: string, actor: workflow.WorkflowActor, payload?: Record<string, unknown>) => {
    try {
      await flow.workflows.send(id, { id: `ev-${++n}`, type, actor, ...(payload ? { payload } : {}) });
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      refused.push(e.code);
    }
  };
  /** The day of service: recorded, signed (or disputed) by the recipient, registered the same day. */
  const serve = async (s: Service) => {
    clock.set(at(s.servedOn));
    await flow.workflows.start("verification", {
      id: s.entry,
      actor: { id: s.volunteer, role: "volunteer", communityId: FENGHUA },
      input: {
        communityId: FENGHUA,
        entryId: s.entry,
        volunteerId: s.volunteer,
        recipientId: s.recipient,
        serviceKind: "housekeeping",
        minutes: s.minutes,
        servedOn: s.servedOn,
      },
    });
    const recipient: workflow.WorkflowActor = { id: s.recipient, role: "cadre", communityId: FENGHUA };
    if (s.disputed) return send(s.entry, "DISPUTE", recipient, { reason: "not_served" });
    await send(s.entry, "SIGN", recipient);
    // A volunteer who also leads a team may not register their own service.
    if (s.selfRegister) await send(s.entry, "REGISTER", { id: s.volunteer, role: "team_leader", communityId: FENGHUA });
    await send(s.entry, "REGISTER", LEADER);
  };
  /** Friday: the party secretary verifies the week's entries; the wiring posts them to the bank. */
  const verify = async (friday: string, entries: readonly string[]) => {
    clock.set(at(friday, 17));
    for (const e of entries) await send(e, "VERIFY", SECRETARY);
    return flow.pump();
  };

  for (const s of Q1.slice(0, 3)) await serve(s);
  await verify("2027-01-08", ["e1", "e2"]);
  const week1 = secretary.verificationBatch(FENGHUA, "2027-01-04");
  await serve(Q1[3] as Service);
  await verify("2027-02-19", ["e4"]);
  for (const s of Q1.slice(4)) await serve(s);
  await verify("2027-03-12", ["e5", "e6"]);
  const january = secretary.monthlySummary(FENGHUA, "2027-01");

  // The quarter is closed and published; a service dated in it and verified late is refused.
  clock.set(at("2027-04-01", 9));
  await secretary.submit({
    op: "closePeriod",
    key: "close-2027-Q1",
    community: FENGHUA,
    period: "2027-Q1",
    by: SECRETARY.id,
  });
  const notice = secretary.publicNotice(FENGHUA, "2027-Q1", { nameOf: (id) => NAMES[id] });
  await serve({ entry: "e7", volunteer: "v-03", recipient: "r-03", minutes: 60, servedOn: "2027-03-30" });
  const late = await verify("2027-04-02", ["e7"]);

  // v-01's spouse needs help at home: the community assigns a volunteer, v-01's hours pay for it.
  const starsBeforeSpending = Object.fromEntries(secretary.accounts().map((a) => [a.volunteer, a.stars]));
  clock.set(at("2027-04-06", 10));
  await as("v-01", ["volunteer"]).submit({
    op: "withdraw",
    key: "w-1",
    volunteer: "v-01",
    beneficiary: "v-01-spouse",
    minutes: 180,
    on: "2027-04-06",
  });
  await as(LEADER.id, ["team_leader", "registrar"]).submit({
    op: "fulfil",
    key: "w-1:done",
    withdrawal: "w-1",
    on: "2027-04-06",
  });
  const accounts = Object.fromEntries(secretary.accounts().map((a) => [a.volunteer, a]));
  const journalOk = (await flow.timebank.verifyJournal()).ok;
  // 年底星级评定: the star policy decides from cumulative verified minutes and says why.
  const stars = policy.starPolicy();
  const ratings = Object.fromEntries(
    Object.values(accounts).map((a) => {
      const e = policy.explain(stars, { name: NAMES[a.volunteer], verifiedMinutes: a.earnedMinutes }, "2027-12-31");
      return [a.volunteer, { stars: e.decision.values.stars as number, why: e.sentence }];
    }),
  );

  // 岔河社区: legal aid every Tuesday afternoon, law-study day on the 18th.
  const calendar = schedule.createHolidayCalendar();
  const aid = schedule.expandSeries(schedule.LEGAL_AID_SERIES, "2027-01-01", "2027-03-31", calendar);
  const law = schedule.expandSeries(schedule.LAW_DAY_SERIES, "2027-01-01", "2027-03-31", calendar);

  const unreconciled = (await flow.reconcile({ id: "bureau", roles: ["bureau"] })).discrepancies.map((d) => d.kind);
  await flow.close();
  return {
    week1,
    january,
    notice,
    accounts,
    starsBeforeSpending,
    ratings,
    refused,
    failedPostings: late.failed,
    unreconciled,
    journalOk,
    legalAid: { dates: aid.events.map((e) => e.date), skipped: aid.skipped },
    calendarWarnings: aid.warnings.map((w) => w.code),
    lawDays: law.events.map((e) => e.date),
  };
}
