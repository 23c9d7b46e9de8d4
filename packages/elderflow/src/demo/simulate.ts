import {
  type ActorInput,
  addDays,
  daysInMonth,
  formatIsoDate,
  generateDistrict,
  isoDateAt,
  isoWeekday,
  manualClock,
  maskName,
  type Person,
  type Random,
  type SyntheticDistrict,
  seededRandom,
  today,
  type Volunteer,
} from "@elderflow/core";
import {
  type CadenceLogEntry,
  type CadencePair,
  createHolidayCalendar,
  expandSeries,
  healthCheckStatus,
  holidayVisitList,
  LAW_DAY_SERIES,
  LEGAL_AID_SERIES,
  studyPlan,
} from "@elderflow/schedule";
import type { CaseCounts, WorkflowActor } from "@elderflow/workflow";
import { MAX_DELIVERY_BATCH, type MissReason, PERIODICALS, periodicalIssues } from "../system/deliveries";
import { createElderflow, type Elderflow, type StoreSpec } from "../system/elderflow";
import { healthCheckDay } from "../system/plans";
import { OPEN_TASK_STATUSES, type TaskCancelReason, type TaskKind, type TrackedTask } from "../system/tasks";

/** Options of {@link simulateYear}. */
export interface SimulationOptions {
  /** Seed of the synthetic district and of every random choice (default 1). */
  readonly seed?: number;
  /** The simulated year (default 2026). */
  readonly year?: number;
  /** Size multiplier: 1 is the reports' district, 10 a province-sized set of districts (default 1). */
  readonly scale?: number;
  /** Where state is kept (default PGlite in memory). */
  readonly store?: StoreSpec;
  /** Progress messages (one line each). */
  readonly progress?: (message: string) => void;
}

/** A count with a label in both languages, for tables and charts. */
export interface Count {
  /** What is counted. */
  readonly label: { readonly "zh-CN": string; readonly en: string };
  /** How many. */
  readonly value: number;
}

/** What one simulated year produced: the summary table and the data behind the report's charts. */
export interface SimulationResult {
  /** Seed. */
  readonly seed: number;
  /** Year. */
  readonly year: number;
  /** Scale. */
  readonly scale: number;
  /** District figures. */
  readonly district: {
    readonly communities: number;
    readonly persons: number;
    readonly lixiu: number;
    readonly volunteers: number;
    readonly teams: number;
  };
  /** One row per programme: what the year did. */
  readonly summary: readonly Count[];
  /** Birthday celebrations by calendar kept. */
  readonly birthdays: { readonly gregorian: number; readonly lunar: number };
  /**
   * Verified service hours per month (time bank): only the year's own verified service, never the
   * hours carried over from earlier years. The summary's verified-hours row is their sum.
   */
  readonly monthlyHours: readonly { readonly month: string; readonly hours: number }[];
  /** Hours banked in earlier years and carried into the year (opening balances), shown apart. */
  readonly openingHours: number;
  /** Hotline requests by final state, with SLA breaches. */
  readonly requests: readonly { readonly state: string; readonly count: number; readonly breached: number }[];
  /** Pairing compliance per community over the year (pair-months compliant / pair-months). */
  readonly compliance: readonly {
    readonly communityId: string;
    /** The community's name from the district's organisation tree. */
    readonly community: string;
    readonly compliant: number;
    readonly total: number;
  }[];
  /** The pairs that fell short most often: masked names, community names, months short of the cadence. */
  readonly nonCompliant: readonly NonCompliantPair[];
  /** The task board at year end, per kind: how many were planned, done, cancelled, still open, overdue. */
  readonly tasks: readonly TaskKindFigures[];
  /** How visits ended (done tasks by outcome) and why tasks were cancelled, over all kinds. */
  readonly taskOutcomes: {
    readonly outcomes: Readonly<Record<string, number>>;
    readonly cancelReasons: Readonly<Record<string, number>>;
    /** Tasks reassigned to another body during the year. */
    readonly reassigned: number;
  };
  /** The visits still open past their due day at year end (masked names, community names), oldest first. */
  readonly overdue: readonly OverdueTask[];
  /** Hotline response times per month: minutes from the call to acceptance and to arrival. */
  readonly hotline: readonly HotlineMonth[];
  /** Mediation and legal-consultation cases taken in the year, by kind and outcome, with referrals. */
  readonly cases: Pick<CaseCounts, "byKind" | "referrals">;
  /** Deliveries of the year: per month and per title, and the communities that missed most. */
  readonly deliveries: DeliveryFigures;
  /** Volunteers by stars at year end. */
  readonly stars: readonly { readonly stars: number; readonly volunteers: number }[];
  /** Warnings met on the way (e.g. HOLIDAYS_PROVISIONAL), in both languages. */
  readonly warnings: readonly { readonly "zh-CN": string; readonly en: string }[];
  /** Whether the time bank's journal verified at the end. */
  readonly journalOk: boolean;
  /**
   * What reconciling the workflows with the time bank found at the end: verified entries, posted
   * entries, and discrepancies (verified but not posted, posted without a workflow, dead letters).
   */
  readonly reconciliation: { readonly verified: number; readonly posted: number; readonly discrepancies: number };
  /** Wall time in ms. */
  readonly ms: number;
}

/** Delivery figures of the year (periodicals and 送学上门 materials). */
export interface DeliveryFigures {
  /** Per month (items due that month): due, delivered, missed (not delivered since), outstanding. */
  readonly months: readonly {
    readonly month: string;
    readonly due: number;
    readonly delivered: number;
    readonly missed: number;
    readonly outstanding: number;
  }[];
  /** Per title (periodical id, or `study_materials`): items planned, missed at the first attempt, delivered late (补送). */
  readonly titles: readonly {
    readonly title: string;
    readonly name: { readonly "zh-CN": string; readonly en: string };
    readonly items: number;
    readonly missedFirst: number;
    readonly deliveredLate: number;
  }[];
  /** The communities with the most items not delivered over the year (community names), most first. */
  readonly shortfall: readonly {
    readonly community: string;
    readonly due: number;
    readonly delivered: number;
    readonly missed: number;
    readonly outstanding: number;
  }[];
}

/** The task board's figures of one kind at year end. */
export interface TaskKindFigures {
  /** The task kind. */
  readonly kind: TaskKind;
  /** Tasks of the kind. */
  readonly total: number;
  /** Done. */
  readonly done: number;
  /** Cancelled. */
  readonly cancelled: number;
  /** Still open (open, assigned or accepted). */
  readonly open: number;
  /** Open and due before the last day of the year. */
  readonly overdue: number;
}

/** One overdue visit of the report's list. */
export interface OverdueTask {
  /** Task id. */
  readonly id: string;
  /** Kind. */
  readonly kind: TaskKind;
  /** Due day. */
  readonly due: string;
  /** Masked name of the cadre. */
  readonly name: string;
  /** Community name. */
  readonly community: string;
  /** The body it is assigned to. */
  readonly assignee: string;
}

/** One pair of the non-compliant list. */
export interface NonCompliantPair {
  /** Pair id. */
  readonly pairId: string;
  /** Masked name of the cadre. */
  readonly person: string;
  /** Masked name of the volunteer. */
  readonly volunteer: string;
  /** Community name. */
  readonly community: string;
  /** Months the pair fell short. */
  readonly monthsShort: number;
  /** Months checked. */
  readonly months: number;
}

/** Hotline response times of one month, in minutes from the call. */
export interface HotlineMonth {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Requests accepted by a service point that month. */
  readonly accepted: number;
  /** Median minutes to acceptance. */
  readonly acceptMedian: number;
  /** 90th percentile minutes to acceptance. */
  readonly acceptP90: number;
  /** Requests with a service point on site. */
  readonly arrived: number;
  /** Median minutes to arrival. */
  readonly arriveMedian: number;
  /** 90th percentile minutes to arrival. */
  readonly arriveP90: number;
}

type Action = { at: number; seq: number; run: () => Promise<unknown> };

const HOUR = 3_600_000;
const MIN = 60_000;

/** The district's veteran-cadres bureau (老干部局): plans the year's visits and reads every community. */
const BUREAU: ActorInput = { id: "veteran_cadres_bureau", roles: ["bureau"] };
/** The district's time-bank administrator: grants registrars and verifiers, opens accounts. */
const BANK_ADMIN: ActorInput = { id: "timebank-admin", roles: ["admin", "bureau"] };

/** The ISO instant of a wall-clock time in Asia/Shanghai (UTC+8 all year, no DST since 1991). */
function isoAt(date: string, hour: number, minute = 0): string {
  return `${date}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00+08:00`;
}

function instant(date: string, hour: number, minute = 0): number {
  return Date.parse(isoAt(date, hour, minute));
}

function randomDay(rng: Random, year: number, month?: number): string {
  const m = month ?? rng.int(1, 12);
  return formatIsoDate(year, m, rng.int(1, daysInMonth(year, m)));
}

/**
 * Simulates one year in a synthetic district at the reports' scale (seeded and deterministic): the
 * birthday roster in both calendars, Spring Festival and July 1 visits, health checks, monthly study
 * with deliveries, legal-aid Tuesdays and law days, hotline requests with SLA breaches and
 * re-dispatch, escalations, care pathways with hospital visits, pairing with weekly contact and
 * cadence compliance, and the time bank through four quarterly closes and notices to the year-end
 * star ratings. Every step goes through the real packages, wired by {@link createElderflow}.
 */
export async function simulateYear(options: SimulationOptions = {}): Promise<SimulationResult> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const year = options.year ?? 2026;
  const scale = options.scale ?? 1;
  const log = options.progress ?? (() => {});
  const rng = seededRandom(`demo:${seed}:${year}`);
  const district = generateDistrict({ seed, year, scale });
  const clock = manualClock(`${year}-01-01T00:00:00+08:00`);
  const flow = await createElderflow({
    store: options.store ?? { kind: "pglite" },
    clock,
    directory: {
      servicePoints: district.servicePoints,
      volunteers: district.volunteers,
      person: indexPersons(district.persons),
    },
  });
  try {
    return await run(flow, district, {
      seed,
      year,
      scale,
      rng,
      log,
      clock,
      started,
      active: district.persons.filter((p) => p.status === "active"),
    });
  } finally {
    await flow.close();
  }
}

function indexPersons(persons: readonly Person[]) {
  const byId = new Map(persons.map((p) => [p.id, p]));
  return (id: string) => byId.get(id);
}

interface RunContext {
  seed: number;
  year: number;
  scale: number;
  rng: Random;
  log: (m: string) => void;
  clock: ReturnType<typeof manualClock>;
  started: number;
  /** The persons served (status active at the start of the year). */
  active: readonly Person[];
}

async function run(flow: Elderflow, d: SyntheticDistrict, c: RunContext): Promise<SimulationResult> {
  const { year, rng, log } = c;
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const warnings = new Set<string>();
  const summary: Count[] = [];
  const calendar = createHolidayCalendar();
  const warned: { "zh-CN": string; en: string }[] = [];
  for (const w of calendar.warnings(from, to))
    if (!warnings.has(w.code)) {
      warnings.add(w.code);
      warned.push(w.message);
    }
  const names = namesOf(d);

  // ---- rosters and lists (rules 1, 3, 4, 6, 15) --------------------------------------------------
  log("birthday roster (both calendars) …");
  const roster = await flow.planBirthdayVisits(d.persons, { from, to }, BUREAU);
  const birthdays = {
    gregorian: roster.filter((e) => e.calendar === "gregorian").length,
    lunar: roster.filter((e) => e.calendar === "lunar").length,
  };
  summary.push({
    label: { "zh-CN": "祝寿（公历与农历生日合计）", en: "birthday celebrations (gregorian / lunar keepers)" },
    value: roster.length,
  });
  const holiday = holidayVisitList(d.persons, { year });
  const occasions = new Map<string, number>();
  for (const v of holiday) occasions.set(v.occasion, (occasions.get(v.occasion) ?? 0) + 1);
  for (const [occasion, n] of occasions) {
    const name = OCCASION_NAMES[occasion] ?? { "zh-CN": "其他节日", en: occasion };
    summary.push({ label: { "zh-CN": `节日走访：${name["zh-CN"]}`, en: `holiday visits: ${name.en}` }, value: n });
  }
  // The district leaders visit the lixiu cadres in person (tasks on the board); the communities
  // visit the rest from the same list.
  const lixiu = c.active.filter((p) => p.retirementKind === "lixiu");
  for (const holidayId of ["spring_festival", "july_1"])
    await flow.planHolidayVisits(lixiu, { year, holiday: holidayId }, BUREAU);
  await flow.planAnniversaries(lixiu, { year }, BUREAU);
  // Most cadres are checked on the bureau's check-up day, some at a make-up check later, a few never.
  const checkDay = healthCheckDay(year, calendar);
  const checks = d.persons.flatMap((p) => {
    const r = rng.int(1, 100);
    if (r <= 85) return [{ personId: p.id, date: checkDay }];
    if (r <= 93) return [{ personId: p.id, date: addDays(checkDay, rng.int(10, 200)) }];
    return [];
  });
  const status = healthCheckStatus(d.persons, checks, to);
  summary.push({
    label: { "zh-CN": "已完成年度体检", en: "health checks done" },
    value: status.filter((s) => s.status === "done").length,
  });
  summary.push({
    label: { "zh-CN": "年底未完成体检", en: "health checks overdue at year end" },
    value: status.filter((s) => s.status !== "done").length,
  });
  const study = studyPlan(d.persons, { from, to, calendar });
  summary.push({ label: { "zh-CN": "集中学习次数", en: "study sessions" }, value: study.sessions.length });
  summary.push({
    label: { "zh-CN": "送学上门人次", en: "study deliveries (送学上门)" },
    value: study.sessions.reduce((a, s) => a + s.deliveries.length, 0),
  });
  summary.push({
    label: { "zh-CN": "法律援助接待（每周二下午）", en: "legal-aid Tuesday afternoons" },
    value: expandSeries(LEGAL_AID_SERIES, from, to, calendar).events.length,
  });
  summary.push({
    label: { "zh-CN": "学法日（每月18日）", en: "law days (18th)" },
    value: expandSeries(LAW_DAY_SERIES, from, to, calendar).events.length,
  });

  // ---- the agenda: every timed action of the year, run in time order ------------------------------
  const agenda: Action[] = [];
  let seq = 0;
  const at = (t: number, runIt: () => Promise<unknown>) => agenda.push({ at: t, seq: seq++, run: runIt });
  // A week after the check-up day, everyone not yet checked gets a reminder task.
  at(instant(addDays(checkDay, 7), 8), async () => {
    const day = today(c.clock);
    await flow.planHealthChecks(d.persons, { year, records: checks.filter((x) => x.date <= day) }, BUREAU);
  });
  const deaths = plantedDeaths(c);
  const board = planTaskLife(flow, c, at, checks, names, deaths);
  const requests = planHotline(flow, c, at);
  const escalations = planEscalations(flow, c, at);
  const care = planCarePathways(flow, c, at);
  const pairing = planPairings(flow, d, c, at, names, deaths);
  const bank = await planTimeBank(flow, d, c, at);
  const cases = planCases(flow, c, at, calendar);
  const deliveries = await planDeliveries(flow, d, c, at, study.sessions, names);

  agenda.sort((a, b) => a.at - b.at || a.seq - b.seq);
  log(`running ${agenda.length.toLocaleString("en-US")} timed actions through the workflows and the time bank …`);
  let lastMonth = "";
  // A day's actions are one unit of work (one commit on PGlite or PostgreSQL, not one per event),
  // as a host's daily batch would be; the year is the same either way.
  const dayOf = (at: number) => Math.floor((at + 8 * 3_600_000) / 86_400_000);
  for (let i = 0; i < agenda.length; ) {
    const day = dayOf((agenda[i] as Action).at);
    let end = i;
    while (end < agenda.length && dayOf((agenda[end] as Action).at) === day) end++;
    const todays = agenda.slice(i, end);
    await flow.batch(async () => {
      for (const action of todays) {
        if (action.at > c.clock.now()) {
          await flow.tick(action.at);
          c.clock.set(action.at);
        }
        await action.run();
      }
    });
    const month = today(c.clock).slice(0, 7);
    if (month !== lastMonth) {
      lastMonth = month;
      log(`  ${month}  (${Math.round((i / agenda.length) * 100)}%)`);
    }
    i = end;
  }
  c.clock.set(instant(`${year + 1}-01-15`, 12));
  await flow.tick();
  await flow.pump();

  // ---- results -------------------------------------------------------------------------------------
  const reqStates = await requests.result();
  summary.push({
    label: { "zh-CN": "热线服务请求", en: "hotline requests" },
    value: reqStates.reduce((a, r) => a + r.count, 0),
  });
  summary.push({
    label: { "zh-CN": "热线超时（改派或升级）", en: "hotline SLA breaches (re-dispatched or escalated)" },
    value: reqStates.reduce((a, r) => a + r.breached, 0),
  });
  const esc = await escalations.result();
  for (const e of esc) summary.push(e);
  const tasks = await flow.tasks.counts(BUREAU);
  summary.push({
    label: { "zh-CN": "住院（就医路径）", en: "care pathways (hospital admissions)" },
    value: care.count,
  });
  summary.push({
    label: { "zh-CN": "住院看望任务", en: "hospital visit tasks (rule 2 bodies)" },
    value: tasks.hospital_visit,
  });
  summary.push({ label: { "zh-CN": "结对帮扶对数", en: "pairings active" }, value: pairing.pairs.length });
  summary.push({
    label: { "zh-CN": "未按周联系提醒", en: "missed-contact alerts" },
    value: tasks.missed_contact_alert,
  });
  const { compliance, nonCompliant } = await pairing.compliance();
  summary.push({
    label: { "zh-CN": "月度联系未达标（对·月）", en: "cadence alerts (non-compliant pair-months)" },
    value: (await flow.tasks.counts(BUREAU)).cadence_alert,
  });
  const bankResult = await bank.result();
  summary.push(...bankResult.summary);
  const caseResult = await cases.result();
  summary.push(...caseResult.summary);
  const deliveryResult = await deliveries.result();
  summary.push(...deliveryResult.summary);
  const reconciled = await flow.reconcile(BUREAU);
  const life = await board.result(to);
  summary.push(
    { label: { "zh-CN": "走访任务完成", en: "visit tasks done" }, value: life.done },
    {
      label: { "zh-CN": "走访任务取消（去世、重复）", en: "visit tasks cancelled (deceased, duplicate)" },
      value: life.cancelled,
    },
    { label: { "zh-CN": "走访任务改派", en: "visit tasks reassigned" }, value: life.outcomes.reassigned },
    { label: { "zh-CN": "年底逾期未办走访任务", en: "visit tasks overdue at year end" }, value: life.overdue.length },
  );

  return {
    seed: c.seed,
    year,
    scale: c.scale,
    district: {
      communities: d.communities.length,
      persons: d.persons.length,
      lixiu: d.persons.filter((p) => p.retirementKind === "lixiu").length,
      volunteers: d.volunteers.length,
      teams: d.teams.length,
    },
    summary,
    birthdays,
    monthlyHours: bankResult.monthlyHours,
    openingHours: bankResult.openingHours,
    requests: reqStates,
    compliance,
    nonCompliant,
    tasks: life.figures,
    taskOutcomes: life.outcomes,
    overdue: life.overdue,
    hotline: requests.times(),
    cases: caseResult.figures,
    deliveries: deliveryResult.figures,
    stars: bankResult.stars,
    warnings: warned,
    journalOk: bankResult.journalOk,
    reconciliation: {
      verified: reconciled.verifiedEntries,
      posted: reconciled.postedEntries,
      discrepancies: reconciled.discrepancies.length,
    },
    ms: Math.round(performance.now() - c.started),
  };
}

type At = (t: number, run: () => Promise<unknown>) => void;

/**
 * Sends events to one instance with the ids `<instance>:1`, `:2`, … in the order they are sent. An
 * event that no longer applies (the instance moved on, e.g. through a timer) is refused with a typed
 * error and changes nothing; the simulation carries on as a real caller would.
 */
function eventSender(flow: Elderflow, id: string) {
  let n = 0;
  return async (type: string, actor: WorkflowActor, payload?: Record<string, unknown>): Promise<boolean> => {
    try {
      await flow.workflows.send(id, { id: `${id}:${++n}`, type, actor, ...(payload ? { payload } : {}) });
      return true;
    } catch {
      // refused: see above
      return false;
    }
  };
}

const staffOf = (communityId: string): WorkflowActor => ({
  id: `hotline-${communityId}`,
  role: "hotline_staff",
  communityId,
});
const communityStaff = (communityId: string): WorkflowActor => ({
  id: `cs-${communityId}`,
  role: "community_staff",
  communityId,
});

/** Hotline requests (rule 7): about 180 a year per district, some slow to accept or arrive. */
function planHotline(flow: Elderflow, c: RunContext, at: At) {
  const rng = c.rng.fork("hotline");
  const n = 180 * c.scale + rng.int(0, 20 * c.scale);
  const { active } = c;
  const ids: string[] = [];
  // When each request was received, accepted and reached (the first accepted ACCEPT and ARRIVE).
  const timing = new Map<string, { received: number; accepted?: number; arrived?: number }>();
  for (let i = 0; i < n; i++) {
    const person = rng.pick(active);
    const id = `req-${String(i + 1).padStart(5, "0")}`;
    ids.push(id);
    const t0 = instant(randomDay(rng, c.year), rng.int(7, 21), rng.int(0, 59));
    const kind = rng.pick(["plumbing", "appliance_repair", "daily_goods", "housekeeping"]);
    const staff = staffOf(person.communityId);
    const cadre: WorkflowActor = { id: person.id, role: "cadre", communityId: person.communityId };
    const slow = rng.chance(0.12);
    const cancel = rng.chance(0.03);
    const send = eventSender(flow, id);
    const assignee = async (): Promise<WorkflowActor | undefined> => {
      const q = await flow.workflows.query(id, staff);
      const sp = q.context.assigneeId;
      return typeof sp === "string"
        ? { id: `worker-${sp}`, role: "service_point", orgId: sp, communityId: person.communityId }
        : undefined;
    };
    const seen = (stage: "accepted" | "arrived") => {
      const r = timing.get(id);
      if (r !== undefined && r[stage] === undefined) r[stage] = c.clock.now();
    };
    at(t0, async () => {
      timing.set(id, { received: c.clock.now() });
      await flow.workflows.start("serviceRequest", {
        id,
        input: { communityId: person.communityId, personId: person.id, channel: "hotline" },
        actor: staff,
      });
      await send("TRIAGE", staff, { serviceKind: kind });
    });
    if (cancel) {
      at(t0 + 3 * MIN, () => send("CANCEL", cadre, { reason: "caller_withdrew" }));
      continue;
    }
    // A slow service point lets the accept limit pass: the request is re-dispatched by its timer.
    // Limits are halved for priority targets (rule 10), so most points answer within minutes.
    const acceptAt = t0 + (slow ? rng.int(9, 20) : rng.int(1, 6)) * MIN;
    const lateArrival = rng.chance(0.05);
    at(acceptAt, async () => {
      const sp = await assignee();
      if (sp && (await send("ACCEPT", sp))) seen("accepted");
    });
    const arriveAt = acceptAt + (lateArrival ? rng.int(35, 60) : rng.int(8, 25)) * MIN;
    at(arriveAt, async () => {
      const sp = await assignee();
      if (!sp) return;
      // After a re-dispatch the next point accepts and goes at once.
      if ((await flow.workflows.query(id, staff)).state === "dispatched" && (await send("ACCEPT", sp)))
        seen("accepted");
      if (await send("ARRIVE", sp)) seen("arrived");
    });
    at(arriveAt + rng.int(30, 100) * MIN, async () => {
      const sp = await assignee();
      if (sp) await send("FINISH", sp);
    });
    at(acceptAt + rng.int(4, 30) * HOUR, () => send("CONFIRM", cadre));
    at(acceptAt + rng.int(31, 48) * HOUR, () => send("CLOSE", staff));
  }
  return {
    times(): HotlineMonth[] {
      const months = new Map<string, { accept: number[]; arrive: number[] }>();
      for (const r of timing.values()) {
        const month = isoDateAt(r.received, c.clock.zone).slice(0, 7);
        const m = months.get(month) ?? { accept: [], arrive: [] };
        if (r.accepted !== undefined) m.accept.push((r.accepted - r.received) / MIN);
        if (r.arrived !== undefined) m.arrive.push((r.arrived - r.received) / MIN);
        months.set(month, m);
      }
      return [...months]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([month, m]) => ({
          month,
          accepted: m.accept.length,
          acceptMedian: quantile(m.accept, 0.5),
          acceptP90: quantile(m.accept, 0.9),
          arrived: m.arrive.length,
          arriveMedian: quantile(m.arrive, 0.5),
          arriveP90: quantile(m.arrive, 0.9),
        }));
    },
    async result() {
      const states = new Map<string, { count: number; breached: number }>();
      for (const id of ids) {
        const q = await flow.workflows.query(id, { id: "bureau", role: "bureau" });
        const breaches = Array.isArray(q.context.breaches) ? q.context.breaches.length : 0;
        const wasBreached = breaches > 0 || q.state === "escalated";
        const s = states.get(q.state) ?? { count: 0, breached: 0 };
        s.count++;
        if (wasBreached) s.breached++;
        states.set(q.state, s);
      }
      return [...states].map(([state, s]) => ({ state, ...s })).sort((a, b) => b.count - a.count);
    },
  };
}

/** Escalations (rule 8): association first, then community, then the responsible department. */
function planEscalations(flow: Elderflow, c: RunContext, at: At) {
  const rng = c.rng.fork("escalation");
  const n = 40 * c.scale;
  const { active } = c;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const person = rng.pick(active);
    const id = `esc-${String(i + 1).padStart(5, "0")}`;
    ids.push(id);
    const t0 = instant(randomDay(rng, c.year), rng.int(8, 17));
    const association: WorkflowActor = {
      id: `assoc-${person.communityId}`,
      role: "association",
      communityId: person.communityId,
    };
    const dept = rng.pick(["dept-civil-affairs", "dept-housing", "dept-health"]);
    const path = rng.weighted([55, 30, 15]);
    const send = eventSender(flow, id);
    at(t0, async () => {
      await flow.workflows.start("escalation", {
        id,
        input: {
          communityId: person.communityId,
          personId: person.id,
          category: rng.pick(["housing", "pension", "medical"]),
          departmentId: dept,
        },
        actor: { id: person.id, role: "cadre", communityId: person.communityId },
      });
    });
    if (path === 0) at(t0 + rng.int(2, 40) * HOUR, () => send("RESOLVE", association, { outcome: "solved" }));
    else {
      at(t0 + rng.int(2, 20) * HOUR, () => send("HAND_UP", association, { reason: "beyond_competence" }));
      if (path === 1)
        at(t0 + rng.int(30, 100) * HOUR, () =>
          send("RESOLVE", communityStaff(person.communityId), { outcome: "solved" }),
        );
      else {
        at(t0 + rng.int(30, 60) * HOUR, () =>
          send("HAND_UP", communityStaff(person.communityId), { reason: "needs_department" }),
        );
        at(t0 + rng.int(5, 20) * 24 * HOUR, () =>
          send("RESOLVE", { id: dept, role: "department" }, { outcome: "solved" }),
        );
      }
    }
  }
  return {
    async result(): Promise<Count[]> {
      const byLevel = new Map<string, number>();
      for (const id of ids) {
        const q = await flow.workflows.query(id, { id: "bureau", role: "bureau" });
        const level =
          typeof q.context.resolvedAt === "string"
            ? q.context.resolvedAt
            : typeof q.context.level === "string"
              ? q.context.level
              : q.state;
        byLevel.set(level, (byLevel.get(level) ?? 0) + 1);
      }
      return [
        { label: { "zh-CN": "问题逐级反映", en: "escalations" }, value: ids.length },
        ...[...byLevel].map(([level, n]) => ({
          label: {
            "zh-CN": `问题解决于：${LEVEL_NAMES[level]?.["zh-CN"] ?? "其他"}`,
            en: `escalations resolved at: ${LEVEL_NAMES[level]?.en ?? level}`,
          },
          value: n,
        })),
      ];
    },
  };
}

/** Care pathways (rule 9): about 6% of cadres are admitted to hospital in a year. */
function planCarePathways(flow: Elderflow, c: RunContext, at: At) {
  const rng = c.rng.fork("care");
  const { active } = c;
  const patients = active.filter(() => rng.chance(0.06));
  for (const [i, p] of patients.entries()) {
    const id = `care-${String(i + 1).padStart(5, "0")}`;
    const doctor: WorkflowActor = { id: `doctor-${p.communityId}`, role: "doctor", communityId: p.communityId };
    const staff = communityStaff(p.communityId);
    const t0 = instant(randomDay(rng, c.year), rng.int(8, 16));
    const stay = rng.int(3, 20) * 24 * HOUR;
    const send = eventSender(flow, id);
    at(t0, async () => {
      await flow.workflows.start("carePathway", {
        id,
        input: { communityId: p.communityId, personId: p.id, rank: p.rank },
        actor: doctor,
      });
      await send("TASK_OPEN", doctor, { service: "medical_care" });
      await send("REFER", doctor, { hospitalId: "hospital-1" });
      await send("ADMIT", doctor, { hospitalId: "hospital-1" });
    });
    at(t0 + stay, () => send("DISCHARGE", doctor));
    at(t0 + stay + 2 * HOUR, async () => {
      await send("START_REHAB", staff);
      await send("TASK_OPEN", staff, { service: "housekeeping" });
    });
    at(t0 + stay + rng.int(10, 30) * 24 * HOUR, async () => {
      await send("TASK_DONE", staff, { service: "medical_care" });
      await send("TASK_DONE", staff, { service: "housekeeping" });
      await send("CLOSE", staff);
    });
  }
  return { count: patients.length };
}

/** Pairing (rules 5, 11, 12): lixiu cadres paired with certified volunteers, weekly contact. */
function planPairings(
  flow: Elderflow,
  d: SyntheticDistrict,
  c: RunContext,
  at: At,
  names: Names,
  deaths: ReadonlyMap<string, string>,
) {
  const rng = c.rng.fork("pairing");
  const lixiu = c.active.filter((p) => p.retirementKind === "lixiu");
  // A certificate valid the whole year, so that the pairing stays certified (rule 11).
  const wholeYear = (x: Volunteer["certifications"][number]) =>
    x.validFrom <= `${c.year}-01-01` && (x.validTo ?? "9999") >= `${c.year}-12-31`;
  const certified = d.volunteers.filter((v) => v.certifications.some(wholeYear));
  const pairs: CadencePair[] = [];
  const contacts: CadenceLogEntry[] = [];
  const start = `${c.year}-01-05`;
  for (const [i, person] of lixiu.entries()) {
    const volunteer = certified[i % certified.length];
    if (!volunteer) break;
    const cert = volunteer.certifications.find(wholeYear);
    if (!cert) continue;
    const id = `pair-${String(i + 1).padStart(5, "0")}`;
    // A planted death ends the pairing that day (the follow-through ends its workflow).
    const died = deaths.get(person.id);
    const last = died ?? `${c.year}-12-31`;
    pairs.push({
      pairId: id,
      volunteerId: volunteer.id,
      personId: person.id,
      from: start,
      ...(died !== undefined ? { to: died } : {}),
      communityId: person.communityId,
    });
    const staff = communityStaff(person.communityId);
    const vActor: WorkflowActor = { id: volunteer.id, role: "volunteer", communityId: person.communityId };
    const diligence = rng.chance(0.8) ? 0.97 : 0.7;
    const send = eventSender(flow, id);
    at(instant(start, 9), async () => {
      await flow.workflows.start("pairing", {
        id,
        input: {
          communityId: person.communityId,
          volunteerId: volunteer.id,
          personId: person.id,
          skill: cert.skill,
          level: cert.level,
        },
        actor: staff,
      });
      await send("ACTIVATE", staff);
    });
    // One call most weeks; three or four home visits most months.
    for (let day = start; day <= `${c.year}-12-31`; day = addDays(day, 7)) {
      if (rng.chance(diligence)) {
        const when = addDays(day, rng.int(0, 6));
        if (when >= last) continue;
        const iso = isoAt(when, rng.int(9, 19), rng.int(0, 59));
        const t = Date.parse(iso);
        contacts.push({ pairId: id, at: iso, kind: "contact" });
        at(t, () => send("CONTACT", vActor, { kind: "call" }));
      }
    }
    for (let m = 1; m <= 12; m++) {
      const visits = rng.chance(diligence) ? rng.int(3, 4) : rng.int(1, 2);
      for (let v = 0; v < visits; v++) {
        const when = randomDay(rng, c.year, m);
        const iso = isoAt(when, rng.int(9, 17));
        const t = Date.parse(iso);
        if (t < instant(start, 10) || when >= last) continue;
        contacts.push({ pairId: id, at: iso, kind: "home_visit" });
        at(t, () => send("CONTACT", vActor, { kind: "visit" }));
      }
    }
  }
  return {
    pairs,
    async compliance() {
      const byCommunity = new Map<string, { compliant: number; total: number }>();
      const byPair = new Map(pairs.map((p) => [p.pairId, p]));
      const short = new Map<string, { short: number; months: number }>();
      for (let m = 1; m <= 12; m++) {
        const month = `${c.year}-${String(m).padStart(2, "0")}`;
        const report = await flow.checkCadence(pairs, contacts, month, BUREAU);
        for (const r of report.pairs) {
          if (r.weeksRequired === 0 && r.homeVisitsRequired === 0) continue;
          const cid = byPair.get(r.pairId)?.communityId ?? "";
          const agg = byCommunity.get(cid) ?? { compliant: 0, total: 0 };
          agg.total++;
          if (r.compliant) agg.compliant++;
          byCommunity.set(cid, agg);
          const s = short.get(r.pairId) ?? { short: 0, months: 0 };
          s.months++;
          if (!r.compliant) s.short++;
          short.set(r.pairId, s);
        }
      }
      const nonCompliant: NonCompliantPair[] = [...short]
        .filter(([, v]) => v.short > 0)
        .map(([pairId, v]) => {
          const pair = byPair.get(pairId) as CadencePair;
          return {
            pairId,
            person: names.person(pair.personId),
            volunteer: names.volunteer(pair.volunteerId),
            community: names.community(pair.communityId ?? ""),
            monthsShort: v.short,
            months: v.months,
          };
        })
        .sort((a, b) => b.monthsShort - a.monthsShort || (a.pairId < b.pairId ? -1 : 1))
        .slice(0, 30);
      const compliance = [...byCommunity]
        .map(([communityId, v]) => ({ communityId, community: names.community(communityId), ...v }))
        .sort((a, b) => (a.communityId < b.communityId ? -1 : 1));
      return { compliance, nonCompliant };
    },
  };
}

/** The time bank (rules 13, 14): services verified through the workflow, family withdrawals, quarterly closes. */
async function planTimeBank(flow: Elderflow, d: SyntheticDistrict, c: RunContext, at: At) {
  const rng = c.rng.fork("timebank");
  // Every command is sent by someone the bank checks: the administrator grants and enrols, the
  // host imports the hours banked in earlier years, volunteers withdraw, registrars fulfil and close.
  const admin = flow.timebank.as(BANK_ADMIN);
  const host = flow.timebank.as(flow.host);
  const reader = flow.timebank.as(BUREAU);
  const registrarActor = (cid: string): ActorInput => ({
    id: registrar(cid),
    roles: ["registrar"],
    communities: [cid],
  });
  const communities = [...new Set(d.volunteers.map((v) => v.communityId))].sort();
  const registrar = (cid: string) => `sec-${cid}`;
  const verifier = (cid: string) => `ver-${cid}`;
  const setup: Record<string, unknown>[] = [];
  const opening: Record<string, unknown>[] = [];
  let openingMinutes = 0;
  for (const cid of communities) {
    setup.push({
      op: "grant",
      key: `grant:${registrar(cid)}`,
      person: registrar(cid),
      role: "registrar",
      community: cid,
    });
    setup.push({ op: "grant", key: `grant:${verifier(cid)}`, person: verifier(cid), role: "verifier", community: cid });
  }
  const households = new Map(d.households.map((h) => [h.id, h]));
  for (const v of d.volunteers) {
    const h = v.householdId === undefined ? undefined : households.get(v.householdId);
    const family = (h?.members ?? []).filter((m) => m.relation !== "self").map((m) => m.personId);
    setup.push({ op: "enroll", key: `enroll:${v.id}`, volunteer: v.id, community: v.communityId, family });
  }
  // Hours banked in earlier years (stars count cumulative verified service, rule 14).
  for (const v of d.volunteers) {
    const hours = [
      rng.int(0, 99),
      rng.int(100, 199),
      rng.int(200, 299),
      rng.int(300, 399),
      rng.int(400, 499),
      rng.int(500, 700),
    ][rng.weighted([40, 24, 16, 10, 6, 4])] as number;
    if (hours === 0) continue;
    openingMinutes += hours * 60;
    const key = `opening:${v.id}`;
    const on = `${c.year - 1}-12-20`;
    opening.push(
      {
        op: "record",
        key,
        volunteer: v.id,
        recipient: `${v.id}-earlier`,
        minutes: hours * 60,
        on,
        signedBy: `${v.id}-earlier`,
        registeredBy: registrar(v.communityId),
      },
      { op: "verify", key: `${key}:verify`, entry: key, by: verifier(v.communityId), on },
    );
  }
  const setupResults = [...(await admin.submitMany(setup)), ...(await host.submitMany(opening))];
  const setupFailed = setupResults.filter((r) => !r.ok);
  if (setupFailed.length > 0)
    c.log(
      `time bank set-up: ${setupFailed.length} commands refused (${setupFailed[0]?.ok === false ? setupFailed[0].code : ""})`,
    );
  const { active } = c;
  const byCommunity = new Map<string, Person[]>();
  for (const p of active) byCommunity.set(p.communityId, [...(byCommunity.get(p.communityId) ?? []), p]);
  let entries = 0;
  const withdrawals: string[] = [];
  for (const v of d.volunteers) {
    const neighbours = byCommunity.get(v.communityId) ?? active;
    for (let m = 1; m <= 12; m++) {
      const services = rng.int(2, 5);
      for (let s = 0; s < services; s++) {
        const day = randomDay(rng, c.year, m);
        const recipient = rng.pick(neighbours);
        const id = `svc-${v.id}-${m}-${s}`;
        const minutes = rng.pick([30, 45, 60, 60, 90, 120, 180]);
        entries++;
        const actorV: WorkflowActor = { id: v.id, role: "volunteer", communityId: v.communityId };
        const cadre: WorkflowActor = { id: recipient.id, role: "cadre", communityId: v.communityId };
        const reg: WorkflowActor = {
          id: registrar(v.communityId),
          role: "party_secretary",
          communityId: v.communityId,
        };
        const ver: WorkflowActor = { id: verifier(v.communityId), role: "community_staff", communityId: v.communityId };
        const reject = rng.chance(0.02);
        const t = instant(day, rng.int(9, 17));
        const send = eventSender(flow, id);
        at(t, async () => {
          await flow.workflows.start("verification", {
            id,
            input: {
              communityId: v.communityId,
              entryId: id,
              volunteerId: v.id,
              recipientId: recipient.id,
              serviceKind: v.skills[0] ?? "housekeeping",
              minutes,
              servedOn: day,
            },
            actor: actorV,
          });
          await send("SIGN", cadre);
          await send("REGISTER", reg);
        });
        // Verified weekly: on the Monday after the service (rule 13: 每周核实).
        const monday = addDays(day, 8 - isoWeekday(day));
        at(instant(monday, 10), () =>
          reject ? send("REJECT", ver, { reason: "wrong_duration" }) : send("VERIFY", ver),
        );
      }
      if (rng.chance(0.15)) {
        const h = v.householdId === undefined ? undefined : households.get(v.householdId);
        const family = (h?.members ?? []).filter((x) => x.relation !== "self").map((x) => x.personId);
        const beneficiary = family.length > 0 && rng.chance(0.6) ? rng.pick(family) : v.id;
        const day = randomDay(rng, c.year, m);
        const key = `wd-${v.id}-${m}`;
        at(instant(day, 15), async () => {
          await flow.pump();
          const own = flow.timebank.as({ id: v.id, roles: ["volunteer"], communities: [v.communityId] });
          const acc = own.account(v.id);
          const minutes = Math.min(120, acc?.availableMinutes ?? 0);
          if (minutes < 30) return;
          const r = await own.submit({ op: "withdraw", key, volunteer: v.id, beneficiary, minutes, on: day });
          if (r.ok) withdrawals.push(key);
        });
        at(instant(addDays(day, 3), 15), async () => {
          if (withdrawals.includes(key))
            await flow.timebank
              .as(registrarActor(v.communityId))
              .submit({ op: "fulfil", key: `${key}:fulfil`, withdrawal: key, on: addDays(day, 3) });
        });
      }
    }
  }
  // Quarterly close and public notice (每季公示), ten days after the quarter ends.
  const notices: number[] = [];
  for (let q = 1; q <= 4; q++) {
    const closeDay = q < 4 ? formatIsoDate(c.year, q * 3 + 1, 10) : `${c.year + 1}-01-10`;
    at(instant(closeDay, 18), async () => {
      await flow.pump();
      const period = `${c.year}-Q${q}`;
      await host.submitMany(
        communities.map((cid) => ({
          op: "closePeriod",
          key: `close:${cid}:${period}`,
          community: cid,
          period,
          by: registrar(cid),
        })),
      );
      let lines = 0;
      for (const cid of communities) lines += reader.publicNotice(cid, period).lines.length;
      notices.push(lines);
    });
  }
  return {
    async result() {
      await flow.pump();
      const accounts = reader.accounts();
      const stars = [0, 1, 2, 3, 4, 5].map((s) => ({
        stars: s,
        volunteers: accounts.filter((a) => a.stars === s).length,
      }));
      const monthlyHours: { month: string; hours: number }[] = [];
      for (let m = 1; m <= 12; m++) {
        const month = `${c.year}-${String(m).padStart(2, "0")}`;
        let minutes = 0;
        for (const cid of communities) minutes += reader.monthlySummary(cid, month).earnedMinutes;
        monthlyHours.push({ month, hours: Math.round(minutes / 6) / 10 });
      }
      const journal = await flow.timebank.verifyJournal();
      // The table's figure is the chart's: the sum of the twelve months as they are printed.
      const yearHours = Math.round(monthlyHours.reduce((a, m) => a + m.hours, 0) * 10) / 10;
      return {
        stars,
        monthlyHours,
        openingHours: Math.round(openingMinutes / 6) / 10,
        journalOk: journal.ok,
        summary: [
          { label: { "zh-CN": "服务记录条数", en: "service entries recorded" }, value: entries },
          {
            label: { "zh-CN": "本年核实服务时长（小时）", en: "verified service hours in the year" },
            value: yearHours,
          },
          {
            label: {
              "zh-CN": "往年结转时长（小时，不计入本年）",
              en: "hours carried from earlier years (not in the year)",
            },
            value: Math.round(openingMinutes / 6) / 10,
          },
          {
            label: { "zh-CN": "本人及家属支取次数", en: "withdrawals by volunteers and family" },
            value: withdrawals.length,
          },
          {
            label: { "zh-CN": "季度公示行数", en: "quarterly notices published (lines)" },
            value: notices.reduce((a, b) => a + b, 0),
          },
          {
            label: { "zh-CN": "获星级志愿者人数", en: "volunteers with at least one star" },
            value: accounts.filter((a) => a.stars > 0).length,
          },
        ],
      };
    },
  };
}

/**
 * Mediation and legal consultation (seeds 000, 004): the legal volunteers of each community take
 * about twenty disputes a year at the Tuesday receptions and on the law days (赡养、遗产 …), most
 * ending in an agreement after one to three sessions, a few not resolved, withdrawn or referred to
 * a court; and about forty legal consultations, most answered at once, some referred to the legal
 * aid centre. Cases taken at the last receptions of the year are still open at year end.
 */
function planCases(flow: Elderflow, c: RunContext, at: At, calendar: ReturnType<typeof createHolidayCalendar>) {
  const rng = c.rng.fork("cases");
  const from = `${c.year}-01-01`;
  const to = `${c.year}-12-31`;
  const receptions = [
    ...expandSeries(LEGAL_AID_SERIES, from, to, calendar).events.map((e) => ({ ...e, reception: "legal_aid" })),
    ...expandSeries(LAW_DAY_SERIES, from, to, calendar).events.map((e) => ({ ...e, reception: "law_day" })),
  ].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const mediations = 20 * c.scale + rng.int(0, 3 * c.scale);
  const consultations = 40 * c.scale + rng.int(0, 6 * c.scale);
  const categories = ["support", "inheritance", "marriage", "neighbour", "property", "labour", "other"];
  for (let i = 0; i < mediations + consultations; i++) {
    const mediation = i < mediations;
    const id = `case-${String(i + 1).padStart(5, "0")}`;
    const person = rng.pick(c.active);
    const mediator: WorkflowActor = {
      id: `mediators-${person.communityId}`,
      role: "association",
      communityId: person.communityId,
    };
    const first = rng.int(0, receptions.length - 1);
    const intake = receptions[first] as (typeof receptions)[number];
    const category = mediation ? (categories[rng.weighted([30, 30, 12, 12, 8, 4, 4])] as string) : "other";
    const parties = mediation ? [person.id, `res-${String(rng.int(1, 99_999)).padStart(5, "0")}`] : [person.id];
    const sessions = mediation ? rng.int(1, 3) : 1;
    const outcome = mediation
      ? (["agreement", "resolved", "not_resolved", "withdrawn", "court"] as const)[rng.weighted([72, 8, 8, 6, 6])]
      : (["resolved", "legal_aid_centre", "withdrawn"] as const)[rng.weighted([75, 20, 5])];
    const send = eventSender(flow, id);
    const t0 = Date.parse(intake.start) + rng.int(0, 90) * MIN;
    at(t0, () =>
      flow.workflows.start("case", {
        id,
        input: {
          communityId: person.communityId,
          kind: mediation ? "mediation" : "legal_consultation",
          category,
          parties,
          summary: "受理登记",
        },
        actor: mediator,
      }),
    );
    // Sessions on the intake day and the next receptions; a case whose sessions run past the year stays open.
    const days = [intake, ...receptions.slice(first + 1).filter((r) => r.reception === intake.reception)].slice(
      0,
      sessions,
    );
    for (const [k, r] of days.entries())
      at(k === 0 ? t0 + 30 * MIN : Date.parse(r.start) + 60 * MIN, () =>
        send("SESSION", mediator, { on: r.date, reception: r.reception }),
      );
    if (days.length < sessions) continue;
    const last = days[days.length - 1] as (typeof receptions)[number];
    const end = Date.parse(last.start) + 2 * HOUR + (days.length === 1 ? 30 * MIN : 0);
    at(end, () =>
      outcome === "court" || outcome === "legal_aid_centre"
        ? send("REFER", mediator, { to: outcome })
        : outcome === "withdrawn"
          ? send("WITHDRAW", mediator)
          : send("CLOSE", mediator, { outcome }),
    );
  }
  return {
    async result(): Promise<{ summary: Count[]; figures: Pick<CaseCounts, "byKind" | "referrals"> }> {
      const counts = await flow.caseCounts(c.year, BUREAU);
      const m = counts.byKind.mediation;
      const l = counts.byKind.legal_consultation;
      return {
        summary: [
          { label: { "zh-CN": "受理矛盾纠纷调解", en: "disputes taken for mediation" }, value: m.opened },
          {
            label: { "zh-CN": "调解成功（达成调解协议）", en: "disputes mediated (agreement reached)" },
            value: m.outcomes.agreement,
          },
          { label: { "zh-CN": "受理法律咨询", en: "legal consultations" }, value: l.opened },
          {
            label: {
              "zh-CN": "转法律援助中心、法院或部门",
              en: "cases referred (legal aid centre, court, department)",
            },
            value: counts.referrals.legal_aid_centre + counts.referrals.court + counts.referrals.department,
          },
        ],
        figures: { byKind: counts.byKind, referrals: counts.referrals },
      };
    },
  };
}

const MISS_WEIGHTS: readonly [MissReason, number][] = [
  ["not_at_home", 55],
  ["in_hospital", 20],
  ["refused", 10],
  ["address_unknown", 5],
  ["not_arrived", 10],
];

/**
 * Free periodicals and 送学上门 (seeds 001, 003): every cadre gets 《老干部之家》 free for the year,
 * the lixiu cadres 《老年教育》 too and the local daily in a weekly bundle; the study materials of
 * each monthly session go to those who cannot come. Each round is planned on its due day and
 * carried the same day: about 2% are missed (nobody at home, in hospital …) and most of those
 * are brought again three days later (补送). Rounds are recorded in one batch each.
 */
async function planDeliveries(
  flow: Elderflow,
  d: SyntheticDistrict,
  c: RunContext,
  at: At,
  sessions: readonly { readonly date: string; readonly deliveries: readonly string[] }[],
  names: Names,
) {
  const rng = c.rng.fork("deliveries");
  // The bureau's delivery office reaches every community as a district role: an actor listing a
  // province's communities would exceed the 1,000 an actor may name.
  const office: ActorInput = { id: "delivery-office", roles: ["bureau"] };
  const lixiu = c.active.filter((p) => p.retirementKind === "lixiu");
  const subscribers: Record<string, readonly Person[]> = {
    laoganbu_zhijia: c.active,
    laonian_jiaoyu: lixiu,
    local_daily: lixiu,
  };
  // A province's subscriptions and a round's outcomes exceed one call's limit: in slices.
  const subscriptions = Object.entries(subscribers).flatMap(([title, persons]) =>
    persons.map((p) => ({ personId: p.id, communityId: p.communityId, title, year: c.year })),
  );
  for (const slice of slices(subscriptions, MAX_DELIVERY_BATCH)) await flow.deliveries.subscribe(slice, BUREAU);
  const tally = new Map<string, { items: number; missedFirst: number; deliveredLate: number }>();
  const count = (title: string) => {
    let t = tally.get(title);
    if (t === undefined) {
      t = { items: 0, missedFirst: 0, deliveredLate: 0 };
      tally.set(title, t);
    }
    return t;
  };
  // Plans a round on its due day and carries it the same day (one batch): a few missed, most of
  // those brought again three days later.
  const carry = (title: string, due: string, plan: () => Promise<{ itemIds: readonly string[] }>) => {
    const missed: string[] = [];
    at(instant(due, 17), async () => {
      const { itemIds } = await plan();
      const outcomes = itemIds.map((itemId) => {
        if (!rng.chance(0.02)) return { itemId, outcome: "delivered" as const };
        missed.push(itemId);
        const reason = (MISS_WEIGHTS[rng.weighted(MISS_WEIGHTS.map((w) => w[1]))] as [MissReason, number])[0];
        return { itemId, outcome: "missed" as const, reason };
      });
      const t = count(title);
      t.items += itemIds.length;
      t.missedFirst += missed.length;
      for (const slice of slices(outcomes, MAX_DELIVERY_BATCH)) await flow.deliveries.record(slice, office);
    });
    at(instant(addDays(due, 3), 10), async () => {
      const again = missed.filter(() => rng.chance(0.7));
      count(title).deliveredLate += again.length;
      const outcomes = again.map((itemId) => ({ itemId, outcome: "delivered" as const }));
      for (const slice of slices(outcomes, MAX_DELIVERY_BATCH)) await flow.deliveries.record(slice, office);
    });
  };
  for (const title of Object.keys(subscribers)) {
    const periodical = PERIODICALS.find((p) => p.id === title) as (typeof PERIODICALS)[number];
    for (const issue of periodicalIssues(periodical, c.year))
      carry(title, issue.due, () =>
        flow.deliveries.planPeriodicalRound({ title, issue: issue.issue, due: issue.due }, BUREAU),
      );
  }
  const communityOf = new Map(d.persons.map((p) => [p.id, p.communityId]));
  for (const s of sessions) {
    const due = addDays(s.date, 2);
    carry("study_materials", due, () =>
      flow.deliveries.planStudyRound(
        {
          session: s.date,
          due,
          recipients: s.deliveries.map((personId) => ({ personId, communityId: communityOf.get(personId) as string })),
        },
        BUREAU,
      ),
    );
  }
  return {
    async result(): Promise<{ summary: Count[]; figures: DeliveryFigures }> {
      const months: DeliveryFigures["months"][number][] = [];
      const byCommunity = new Map<string, { due: number; delivered: number; missed: number; outstanding: number }>();
      for (let m = 1; m <= 12; m++) {
        const month = `${c.year}-${String(m).padStart(2, "0")}`;
        const rows = await flow.deliveries.completeness(month, BUREAU);
        const sum = { month, due: 0, delivered: 0, missed: 0, outstanding: 0 };
        for (const r of rows) {
          sum.due += r.due;
          sum.delivered += r.delivered;
          sum.missed += r.missed;
          sum.outstanding += r.outstanding;
          const y = byCommunity.get(r.communityId) ?? { due: 0, delivered: 0, missed: 0, outstanding: 0 };
          y.due += r.due;
          y.delivered += r.delivered;
          y.missed += r.missed;
          y.outstanding += r.outstanding;
          byCommunity.set(r.communityId, y);
        }
        months.push(sum);
      }
      const titleName = (t: string) =>
        PERIODICALS.find((p) => p.id === t)?.name ?? { "zh-CN": "送学上门学习资料", en: "study materials (送学上门)" };
      const titles = [...Object.keys(subscribers), "study_materials"].map((t) => ({
        title: t,
        name: titleName(t),
        ...count(t),
      }));
      const shortfall = [...byCommunity]
        .map(([id, y]) => ({ community: names.community(id), communityId: id, ...y }))
        .filter((y) => y.delivered < y.due)
        .sort((a, b) => b.due - b.delivered - (a.due - a.delivered) || (a.communityId < b.communityId ? -1 : 1))
        .slice(0, 10)
        .map(({ communityId: _, ...rest }) => rest);
      const total = months.reduce((a, m) => a + m.due, 0);
      const delivered = months.reduce((a, m) => a + m.delivered, 0);
      return {
        summary: [
          {
            label: { "zh-CN": "免费订阅报刊（人·种）", en: "free periodical subscriptions (cadre-titles)" },
            value: Object.values(subscribers).reduce((a, p) => a + p.length, 0),
          },
          {
            label: { "zh-CN": "报刊与学习资料投送（份次）", en: "deliveries due (periodicals and study materials)" },
            value: total,
          },
          { label: { "zh-CN": "已送达（份次）", en: "deliveries made" }, value: delivered },
          { label: { "zh-CN": "未送达（份次）", en: "deliveries missed" }, value: total - delivered },
        ],
        figures: { months, titles, shortfall },
      };
    },
  };
}

/** Names as the report may print them: masked person names, community names from the org tree. */
interface Names {
  person(id: string): string;
  volunteer(id: string): string;
  community(id: string): string;
}

function namesOf(d: SyntheticDistrict): Names {
  const persons = new Map(d.persons.map((p) => [p.id, p.name]));
  const volunteers = new Map(d.volunteers.map((v) => [v.id, v.name]));
  const units = new Map(d.orgUnits.map((u) => [u.id, u.name]));
  return {
    person: (id) => maskName(persons.get(id) ?? "?"),
    volunteer: (id) => maskName(volunteers.get(id) ?? persons.get(id) ?? "?"),
    community: (id) => units.get(id) ?? "?",
  };
}

const OCCASION_NAMES: Readonly<Record<string, { "zh-CN": string; en: string }>> = {
  spring_festival: { "zh-CN": "春节", en: "Spring Festival" },
  july_1: { "zh-CN": "七一", en: "July 1" },
  prc_founding: { "zh-CN": "建国周年", en: "PRC founding anniversary" },
  party_founding: { "zh-CN": "建党周年", en: "Party founding anniversary" },
};

const LEVEL_NAMES: Readonly<Record<string, { "zh-CN": string; en: string }>> = {
  association: { "zh-CN": "老干部协会（党支部）", en: "the association" },
  community: { "zh-CN": "社区", en: "the community" },
  department: { "zh-CN": "主管部门", en: "the department" },
  withdrawn: { "zh-CN": "本人撤回", en: "withdrawn" },
};

/** The q-quantile (nearest rank) of minutes, to one decimal; 0 for none. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return Math.round(v * 10) / 10;
}

/** A number in [0, 1) from a string (FNV-1a), so that what happens to a task depends on its id only. */
function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/** The visits the bureau carries out; alerts are the volunteers' and stay out of this account. */
export const VISIT_KINDS: readonly TaskKind[] = [
  "birthday_visit",
  "holiday_visit",
  "anniversary_visit",
  "hospital_visit",
  "health_check_reminder",
];

/** Four lixiu cadres who die between May and September (the same picks on every run of a seed). */
function plantedDeaths(c: RunContext): ReadonlyMap<string, string> {
  const rng = c.rng.fork("tasks");
  const lixiu = c.active.filter((p) => p.retirementKind === "lixiu");
  const deaths = new Map<string, string>();
  for (let i = 0; i < 4 && lixiu.length > 0; i++)
    deaths.set(rng.pick(lixiu).id, formatIsoDate(c.year, rng.int(5, 9), rng.int(1, 28)));
  return deaths;
}

/**
 * The bureau's work on the board through the year: every Monday it takes the visits that came due
 * and does most of them (visited, a few not at home), hands some to another body first, and lets a
 * few slip (overdue at year end); a birthday visit within three days of the same cadre's holiday
 * visit is cancelled as a duplicate; a planted death mid-year cancels the person's open visits
 * (deceased). A health-check reminder is resolved once the person's check is recorded.
 */
function planTaskLife(
  flow: Elderflow,
  c: RunContext,
  at: At,
  checks: readonly { personId: string; date: string }[],
  names: Names,
  deaths: ReadonlyMap<string, string>,
) {
  const communityOf = new Map(c.active.map((p) => [p.id, p.communityId]));
  const checked = new Map<string, string>();
  for (const x of checks)
    if (!checked.has(x.personId) || x.date < (checked.get(x.personId) as string)) checked.set(x.personId, x.date);
  const other = (body: string | undefined) =>
    body === "veteran_cadres_bureau" ? "organisation_department" : "veteran_cadres_bureau";

  const openOf = async (kind: TaskKind) => flow.tasks.list(BUREAU, { kind, status: OPEN_TASK_STATUSES });
  const cancel = async (t: TrackedTask, reason: TaskCancelReason) => {
    try {
      await flow.tasks.cancel(t.id, reason, BUREAU);
    } catch {
      // already done or cancelled
    }
  };

  // Planned on New Year's Day, looked over the next morning.
  at(instant(`${c.year}-01-02`, 8), async () => {
    const holidayDays = new Map<string, string[]>();
    for (const t of await openOf("holiday_visit"))
      holidayDays.set(t.personId, [...(holidayDays.get(t.personId) ?? []), t.due]);
    const near = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) <= 3 * 24 * HOUR;
    for (const t of await openOf("birthday_visit"))
      if ((holidayDays.get(t.personId) ?? []).some((d) => near(d, t.due))) await cancel(t, "duplicate");
  });
  // The death notice reaches the bureau that morning: the follow-through cancels the person's open
  // visits (deceased), ends the pairing and its weekly check, and no later plan adds a task.
  for (const [personId, day] of deaths)
    at(instant(day, 9), async () => {
      const communityId = communityOf.get(personId);
      await flow.followStatusChange(
        { personId, status: "deceased", effective: day, ...(communityId !== undefined ? { communityId } : {}) },
        BUREAU,
      );
    });
  const sweep = async () => {
    const day = today(c.clock);
    for (const kind of VISIT_KINDS)
      for (const t of await openOf(kind)) {
        if (t.due > day) continue;
        const died = deaths.get(t.personId);
        if (died !== undefined && died <= day) continue;
        if (kind === "health_check_reminder") {
          const on = checked.get(t.personId);
          if (on === undefined || on > day) continue;
        }
        const h = hashUnit(t.id);
        if (kind !== "health_check_reminder" && h < 0.03) continue; // slips: overdue at year end
        try {
          if (t.status === "open" || (h >= 0.03 && h < 0.08))
            await flow.tasks.assign(t.id, [other(t.assignees[0])], BUREAU);
          if (t.status !== "accepted") await flow.tasks.accept(t.id, BUREAU);
          const outcome =
            kind === "health_check_reminder"
              ? "resolved"
              : hashUnit(`${t.id}#outcome`) < 0.1
                ? "not_at_home"
                : "visited";
          await flow.tasks.complete(t.id, { outcome }, BUREAU);
        } catch {
          // moved on meanwhile (cancelled): nothing to do
        }
      }
  };
  for (let day = `${c.year}-01-05`; day <= `${c.year}-12-31`; day = addDays(day, 7)) at(instant(day, 18), sweep);
  at(instant(`${c.year}-12-31`, 18), sweep);

  return {
    async result(lastDay: string) {
      const figures: TaskKindFigures[] = [];
      const overdue: OverdueTask[] = [];
      const outcomes: Record<string, number> = {};
      const cancelReasons: Record<string, number> = {};
      let reassigned = 0;
      for (const kind of VISIT_KINDS) {
        const all = await flow.tasks.list(BUREAU, { kind });
        let done = 0;
        let cancelled = 0;
        let open = 0;
        let late = 0;
        for (const t of all) {
          if (t.history.some((x) => x.from !== null && x.to === "assigned")) reassigned++;
          if (t.status === "done") {
            done++;
            if (t.outcome !== undefined) outcomes[t.outcome] = (outcomes[t.outcome] ?? 0) + 1;
          } else if (t.status === "cancelled") {
            cancelled++;
            if (t.cancelReason !== undefined) cancelReasons[t.cancelReason] = (cancelReasons[t.cancelReason] ?? 0) + 1;
          } else {
            open++;
            if (t.due < lastDay) {
              late++;
              overdue.push({
                id: t.id,
                kind,
                due: t.due,
                name: names.person(t.personId),
                community: names.community(t.communityId ?? ""),
                assignee: t.assignees[0] ?? "",
              });
            }
          }
        }
        figures.push({ kind, total: all.length, done, cancelled, open, overdue: late });
      }
      overdue.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.id < b.id ? -1 : 1));
      return {
        figures,
        overdue,
        outcomes: { outcomes, cancelReasons, reassigned },
        done: figures.reduce((a, f) => a + f.done, 0),
        cancelled: figures.reduce((a, f) => a + f.cancelled, 0),
      };
    },
  };
}

/** A list cut into consecutive slices of at most `size` items (an API's per-call limit). */
function slices<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
