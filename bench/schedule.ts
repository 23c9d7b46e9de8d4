import { DEFAULT_RANK_IDS, defaultRankScale, seededRandom } from "@elderflow/core";
import { createBirthdayCheck } from "@elderflow/policy";
import { birthdayRoster, createRecurrence, lunarOccurrence, type RosterPerson, toLunar } from "@elderflow/schedule";
import rrulePkg from "rrule";
import { allSame, assertSame, digest } from "./check";
import { type BenchContext, peakRssMiB } from "./lib";

/**
 * Schedule: the one-year birthday roster of 1,000,000 synthetic persons (a quarter lunar keepers),
 * built three ways in one process, each producing the same entries (person, date, age, calendar)
 * in the same order, compared by count and checksum (the run fails if they differ): Elderflow
 * (`birthdayRoster` with the policy's birthday preset, records validated), rrule.js with DTSTART at
 * the period and BYMONTH/BYMONTHDAY, and a competent hand-written loop whose tables are built
 * before the clock starts. A second line times a 30-day window near and far from a rule's start.
 * (rrule-temporal's RSCALE=CHINESE is not compared: its ICU calendar puts some lunar dates a day
 * off, e.g. Spring Festival 2027 on Feb 7 instead of Feb 6, so its output is not the same answer.)
 */

interface BenchPerson extends RosterPerson {
  readonly retirementKind: "lixiu" | "tuixiu";
  readonly rank: string;
}

const FROM = "2027-01-01";
const TO = "2027-12-31";
const DAY = 86_400_000;

function makePersons(n: number): BenchPerson[] {
  const rng = seededRandom("schedule-bench");
  const out: BenchPerson[] = new Array(n);
  const first = Date.UTC(1925, 0, 1);
  const span = Math.round((Date.UTC(1966, 11, 31) - first) / DAY);
  for (let i = 0; i < n; i++) {
    const birthDate = new Date(first + rng.int(0, span) * DAY).toISOString().slice(0, 10);
    const lunar = rng.chance(0.25);
    const gone = rng.chance(0.04);
    out[i] = {
      id: `p${String(i).padStart(7, "0")}`,
      birthDate,
      birthdayCalendar: lunar ? "lunar" : "gregorian",
      retirementKind: rng.chance(0.08) ? "lixiu" : "tuixiu",
      rank: rng.pick(DEFAULT_RANK_IDS),
      status: gone ? "deceased" : "active",
      ...(gone ? { statusSince: `2027-${String(rng.int(1, 12)).padStart(2, "0")}-01` } : {}),
    };
  }
  return out;
}

function time<T>(fn: () => T): { value: T; seconds: number } {
  const t = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}

const { RRule } = rrulePkg;

interface Entry {
  readonly personId: string;
  readonly date: string;
  readonly age: number;
  readonly calendar: "gregorian" | "lunar";
}

const A = Date.UTC(2027, 0, 1) / DAY;
const B = Date.UTC(2027, 11, 31) / DAY;
const FIRST_BIRTH = Date.UTC(1925, 0, 1) / DAY;
const LAST_BIRTH = Date.UTC(1966, 11, 31) / DAY;

/**
 * What the peers may prepare before the clock starts, as a competent engineer would keep them
 * between runs: each birth day's lunar date, the day of 2027 of every lunar (year, leap, month,
 * day) of the lunar years 2026 and 2027, the ISO string of every day of 2027, and the ranks of the
 * 70 group. Built with the schedule package's lunar table (rrule.js has no lunar calendar).
 */
interface PeerTables {
  readonly birthLunar: Int32Array; // year*10000 + leap*1000 + month*32 + day, per birth day
  readonly target: Map<number, number>; // lunar code of 2026/2027 -> epoch day
  readonly iso: readonly string[]; // day of 2027 -> ISO date
  readonly senior: ReadonlySet<string>;
}

function peerTables(): PeerTables {
  const birthLunar = new Int32Array(LAST_BIRTH - FIRST_BIRTH + 1);
  for (let d = FIRST_BIRTH; d <= LAST_BIRTH; d++) {
    const l = toLunar(new Date(d * DAY).toISOString().slice(0, 10));
    birthLunar[d - FIRST_BIRTH] = l.year * 10_000 + (l.leap ? 1000 : 0) + l.month * 32 + l.day;
  }
  const target = new Map<number, number>();
  for (const y of [2026, 2027])
    for (let leap = 0; leap <= 1; leap++)
      for (let m = 1; m <= 12; m++)
        for (let day = 1; day <= 30; day++) {
          const iso = lunarOccurrence(y, { month: m, leap: leap === 1, day }, "BACKWARD");
          if (iso !== null) target.set(y * 10_000 + leap * 1000 + m * 32 + day, Date.parse(`${iso}T00:00:00Z`) / DAY);
        }
  const iso: string[] = [];
  for (let d = A; d <= B; d++) iso.push(new Date(d * DAY).toISOString().slice(0, 10));
  const senior = new Set(defaultRankScale.ids.filter((r) => defaultRankScale.atLeast(r, "deputy_county")));
  return { birthLunar, target, iso, senior };
}

/** Rule 1 inlined (the birthday preset's two rules): 逢五排十 from 70 for lixiu of deputy-county rank and up, from 80 for everyone. */
function celebratesByHand(p: BenchPerson, age: number, senior: ReadonlySet<string>): boolean {
  if (age % 5 !== 0) return false;
  return age >= 80 || (age >= 70 && p.retirementKind === "lixiu" && senior.has(p.rank));
}

/** The lunar keepers' celebrations in 2027 from the tables (lunar years 2026 and 2027 overlap it). */
function lunarCelebrations(p: BenchPerson, t: PeerTables, inactive: number, push: (d: number, age: number) => void) {
  const code = t.birthLunar[Date.parse(`${p.birthDate}T00:00:00Z`) / DAY - FIRST_BIRTH] as number;
  const ly = Math.floor(code / 10_000);
  const rest = code % 10_000;
  for (const y of [2026, 2027]) {
    const age = y - ly;
    if (!celebratesByHand(p, age, t.senior)) continue;
    let d = t.target.get(y * 10_000 + rest);
    if (d === undefined) d = t.target.get(y * 10_000 + (rest % 1000)); // leap month absent: the regular month
    if (d === undefined) d = t.target.get(y * 10_000 + (rest % 1000) - 1); // day 30 absent: day 29
    if (d === undefined || d < A || d > B || d >= inactive) continue;
    push(d, age);
  }
}

const inactiveDay = (p: BenchPerson) =>
  p.statusSince === undefined ? Number.POSITIVE_INFINITY : Date.parse(`${p.statusSince}T00:00:00Z`) / DAY;

/** Entries bucketed by day and sorted by person id within a day: the roster's order (date, then id). */
function inOrder(buckets: (Entry[] | undefined)[]): Entry[] {
  const out: Entry[] = [];
  for (const bucket of buckets) {
    if (bucket === undefined) continue;
    if (bucket.length > 1) bucket.sort((x, y) => (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : 0));
    for (const e of bucket) out.push(e);
  }
  return out;
}

/**
 * rrule.js as its documentation suggests for a birthday: one yearly rule per Gregorian keeper with
 * DTSTART at the start of the period and BYMONTH/BYMONTHDAY of the birthday (BYMONTHDAY=-1 for a
 * Feb 29 birthday: the last day of February, as the roster's SKIP=BACKWARD), expanded over the
 * period. rrule.js has no lunar calendar: lunar keepers take their dates from the same tables as
 * the hand-written loop. Same output as the roster: entries sorted by date, then person id.
 */
function rruleRoster(persons: readonly BenchPerson[], t: PeerTables): Entry[] {
  const from = new Date(Date.UTC(2027, 0, 1));
  const to = new Date(Date.UTC(2027, 11, 31, 23, 59, 59));
  const buckets: (Entry[] | undefined)[] = new Array(B - A + 1);
  for (const p of persons) {
    const inactive = inactiveDay(p);
    const push = (d: number, age: number, calendar: Entry["calendar"]) => {
      const e: Entry = { personId: p.id, date: t.iso[d - A] as string, age, calendar };
      const bucket = buckets[d - A];
      if (bucket) bucket.push(e);
      else buckets[d - A] = [e];
    };
    if (p.birthdayCalendar === "lunar") {
      lunarCelebrations(p, t, inactive, (d, age) => push(d, age, "lunar"));
      continue;
    }
    const by = Number(p.birthDate.slice(0, 4));
    const bm = Number(p.birthDate.slice(5, 7));
    const bd = Number(p.birthDate.slice(8, 10));
    const rule = new RRule({
      freq: RRule.YEARLY,
      dtstart: from,
      until: to,
      bymonth: bm,
      bymonthday: bm === 2 && bd === 29 ? -1 : bd,
    });
    for (const date of rule.between(from, to, true)) {
      const d = date.getTime() / DAY;
      const age = date.getUTCFullYear() - by;
      if (d >= inactive || !celebratesByHand(p, age, t.senior)) continue;
      push(d, age, "gregorian");
    }
  }
  return inOrder(buckets);
}

/**
 * The loop a competent engineer writes for this one job, with the tables built beforehand (not
 * timed): birthdays computed from the tables, rule 1 inlined, entries bucketed by day with each
 * day's ISO string made once. No validation of the records (the roster validates every one).
 */
function handwrittenRoster(persons: readonly BenchPerson[], t: PeerTables): Entry[] {
  const buckets: (Entry[] | undefined)[] = new Array(B - A + 1);
  for (const p of persons) {
    const inactive = inactiveDay(p);
    if (p.birthdayCalendar === "lunar") {
      lunarCelebrations(p, t, inactive, (d, age) => {
        const e: Entry = { personId: p.id, date: t.iso[d - A] as string, age, calendar: "lunar" };
        const bucket = buckets[d - A];
        if (bucket) bucket.push(e);
        else buckets[d - A] = [e];
      });
      continue;
    }
    const by = Number(p.birthDate.slice(0, 4));
    const age = 2027 - by;
    if (!celebratesByHand(p, age, t.senior)) continue;
    const bm = Number(p.birthDate.slice(5, 7));
    const bd = Number(p.birthDate.slice(8, 10));
    const d = bm === 2 && bd === 29 ? Date.UTC(2027, 1, 28) / DAY : Date.UTC(2027, bm - 1, bd) / DAY;
    if (d >= inactive) continue;
    const e: Entry = { personId: p.id, date: t.iso[d - A] as string, age, calendar: "gregorian" };
    const bucket = buckets[d - A];
    if (bucket) bucket.push(e);
    else buckets[d - A] = [e];
  }
  return inOrder(buckets);
}

const entryLines = (es: readonly Entry[]) => es.map((e) => `${e.personId} ${e.date} ${e.age} ${e.calendar}`);

export async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 200_000 : 1_000_000;
  ctx.log(`generating ${n} persons…`);
  const persons = makePersons(n);
  const celebrates = createBirthdayCheck();
  const roster = (ps: readonly BenchPerson[]) =>
    birthdayRoster(ps, { from: FROM, to: TO, isCelebration: celebrates, maxOccurrences: ps.length + 1000 });
  // Not timed: the peers' tables (the roster builds its own lunar table once per process, below).
  const tables = peerTables();

  // Warm up all three: builds the roster's lunar table and lets the JIT settle.
  const warm = persons.slice(0, 20_000);
  roster(warm);
  handwrittenRoster(warm, tables);
  rruleRoster(warm.slice(0, 2_000), tables);

  // Best of three, the sides taking turns: the machine is shared, and a pre-empted pass says
  // nothing about the code. rrule.js runs over every person once (it is the slow side).
  const efT: number[] = [];
  const hwT: number[] = [];
  let ef: Entry[] = [];
  let hw: Entry[] = [];
  for (let r = 0; r < 3; r++) {
    ctx.log(`elderflow / hand-written, pass ${r + 1}…`);
    const e = time(() => roster(persons));
    const h = time(() => handwrittenRoster(persons, tables));
    efT.push(e.seconds);
    hwT.push(h.seconds);
    ef = e.value;
    hw = h.value;
  }
  ctx.log("rrule.js…");
  const rr = time(() => rruleRoster(persons, tables));
  const efS = Math.min(...efT);
  const hwS = Math.min(...hwT);
  const sides = {
    elderflow: digest(entryLines(ef)),
    rrule: digest(entryLines(rr.value)),
    handwritten: digest(entryLines(hw)),
  };
  const same = allSame(sides);
  ctx.emit({
    bench: "schedule.roster",
    n,
    celebrations: ef.length,
    checksum: sides.elderflow.checksum,
    elderflow_ops_s: Math.round(n / efS),
    peer: "rrule",
    peer_ops_s: Math.round(n / rr.seconds),
    handwritten_ops_s: Math.round(n / hwS),
    vs_peer: Math.round((rr.seconds / efS) * 10) / 10,
    vs_handwritten: Math.round((hwS / efS) * 100) / 100,
    same_output: same,
    peak_rss_mib: peakRssMiB(),
  });
  assertSame("schedule.roster", sides);

  // between() cost: the same 30-day window one year and a century after the series start. rrule.js
  // walks from DTSTART, so its cost grows with the distance; Elderflow moves the start forward by
  // whole periods first, so its cost follows the window alone.
  const windows = ctx.quick ? 50 : 200;
  const rec = createRecurrence({ start: "1950-01-01T09:00", rrule: "FREQ=DAILY" });
  // A fresh rule per query: rrule.js caches the result of a repeated identical between() call.
  const plain = () => new RRule({ freq: RRule.DAILY, dtstart: new Date(Date.UTC(1950, 0, 1, 9)) });
  const efWindow = (year: number) =>
    time(() => {
      let last: string[] = [];
      for (let i = 0; i < windows; i++)
        last = rec.between(`${year}-06-01`, `${year}-06-30`).map((o) => `${o.date}T${o.time}`);
      return last;
    });
  const rrWindow = (year: number) =>
    time(() => {
      let last: string[] = [];
      for (let i = 0; i < windows; i++)
        last = plain()
          .between(new Date(Date.UTC(year, 5, 1)), new Date(Date.UTC(year, 5, 30, 23, 59)), true)
          .map((d) => d.toISOString().slice(0, 16));
      return last;
    });
  // Best of three, interleaved, so that a busy machine does not favour one side.
  const best = (f: () => { value: string[]; seconds: number }) => {
    let b = f();
    for (let i = 0; i < 2; i++) {
      const x = f();
      if (x.seconds < b.seconds) b = x;
    }
    return b;
  };
  efWindow(1951);
  const efNear = best(() => efWindow(1951));
  const efFar = best(() => efWindow(2049));
  const rrNear = best(() => rrWindow(1951));
  const rrFar = best(() => rrWindow(2049));
  const windowSides = {
    elderflow_near: digest(efNear.value),
    rrule_near: digest(rrNear.value),
  };
  const farSides = { elderflow_far: digest(efFar.value), rrule_far: digest(rrFar.value) };
  const sameWindows = allSame(windowSides) && allSame(farSides);
  ctx.emit({
    bench: "schedule.window",
    occurrences_per_window: efFar.value.length,
    same_output: sameWindows,
    elderflow_ops_s: Math.round(windows / efFar.seconds),
    peer: "rrule",
    peer_ops_s: Math.round(windows / rrFar.seconds),
    vs_peer: Math.round((rrFar.seconds / efFar.seconds) * 10) / 10,
    elderflow_far_over_near: Math.round((efFar.seconds / efNear.seconds) * 100) / 100,
    peer_far_over_near: Math.round((rrFar.seconds / rrNear.seconds) * 100) / 100,
    peak_rss_mib: peakRssMiB(),
  });
  assertSame("schedule.window (1951)", windowSides);
  assertSame("schedule.window (2049)", farSides);
}
