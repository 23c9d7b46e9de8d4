/**
 * The bureau's cycle, read from the ledger: weekly verification batches, monthly summaries, the
 * quarterly public notice (公示) and a volunteer's time-savings certificate. The ledger holds ids
 * only; names come from a lookup the caller passes and are masked on the way out.
 */
import { addDays, DEFAULT_ZONE, ElderflowError, isIsoDate, isoDateAt, isoWeekday, maskName } from "@elderflow/core";
import type { HashSuite } from "./hash";
import type { JournalAnchor, JournalEntry } from "./journal";
import { type BankState, createBankState, type Movement, type VolunteerAccount } from "./state";

/** One service record as listed in a batch. */
export interface BatchItem {
  /** Record key. */
  readonly key: string;
  /** Volunteer id. */
  readonly volunteer: string;
  /** Minutes. */
  readonly minutes: number;
  /** Service date. */
  readonly on: string;
  /** Where it stands now. */
  readonly status: "pending" | "posted" | "voided" | "reversed";
  /** Verification date, when verified. */
  readonly verifiedOn?: string;
}

/** A week's verification batch (每周核实). */
export interface VerificationBatch {
  /** Community. */
  readonly community: string;
  /** Monday of the week. */
  readonly from: string;
  /** Sunday of the week. */
  readonly to: string;
  /** Records verified during the week. */
  readonly verified: readonly BatchItem[];
  /** Records of services given during the week, whatever their status. */
  readonly recorded: readonly BatchItem[];
  /** Every record of the community given up to the week's end that is still pending. */
  readonly stillPending: readonly BatchItem[];
  /** Minutes verified during the week. */
  readonly verifiedMinutes: number;
}

/** One volunteer's line in a monthly summary. */
export interface MonthlyLine {
  /** Volunteer id. */
  readonly volunteer: string;
  /** Services verified in the month. */
  readonly services: number;
  /** Minutes earned in the month, net of reversals dated in it. */
  readonly earnedMinutes: number;
  /** Minutes spent in the month, net of reversals dated in it. */
  readonly spentMinutes: number;
}

/** A month's summary (每月汇总). */
export interface MonthlySummary {
  /** Community. */
  readonly community: string;
  /** `YYYY-MM`. */
  readonly month: string;
  /** One line per volunteer with movements, sorted by id. */
  readonly lines: readonly MonthlyLine[];
  /** Sum of earned minutes. */
  readonly earnedMinutes: number;
  /** Sum of spent minutes. */
  readonly spentMinutes: number;
  /** Records still pending at the time of reading. */
  readonly pendingRecords: number;
}

/** One line of the public notice. */
export interface NoticeLine {
  /** Row number. */
  readonly no: number;
  /** Volunteer id. */
  readonly volunteer: string;
  /** Masked name (`张*三`), or `*` when unknown. */
  readonly name: string;
  /** Services verified in the quarter. */
  readonly services: number;
  /** Minutes earned in the quarter, net of reversals. */
  readonly minutes: number;
  /** Cumulative earned minutes up to the quarter's end. */
  readonly cumulativeMinutes: number;
  /** Stars on the cumulative minutes. */
  readonly stars: number;
}

/** The quarterly public notice (季度公示). */
export interface PublicNotice {
  /** Community. */
  readonly community: string;
  /** `YYYY-Qn`. */
  readonly period: string;
  /** First day of the quarter. */
  readonly from: string;
  /** Last day. */
  readonly to: string;
  /** Whether the quarter is closed (figures are final). */
  readonly closed: boolean;
  /** One line per enrolled volunteer of the community. */
  readonly lines: readonly NoticeLine[];
  /** Total minutes in the quarter. */
  readonly totalMinutes: number;
  /** The journal at the time of printing: anyone can later check that it was not cut short. */
  readonly anchor: JournalAnchor;
}

/** Options for the public notice. */
export interface PublicNoticeOptions {
  /** Looks up a person's name by id (masked before it is printed). */
  readonly nameOf?: (personId: string) => string | undefined;
}

/** One line of the certificate. */
export interface CertificateLine {
  /** Posting date. */
  readonly on: string;
  /** Key of the posting command. */
  readonly key: string;
  /** The record or withdrawal it belongs to. */
  readonly entry: string;
  /** Earned, spent, or a reversal. */
  readonly kind: Movement["kind"];
  /** Signed minutes. */
  readonly minutes: number;
  /** Running balance after it. */
  readonly balance: number;
}

/** A volunteer's time-savings certificate (时间储蓄证明): every posted movement with running balance. */
export interface Certificate {
  /** Volunteer id. */
  readonly volunteer: string;
  /** Masked name. */
  readonly name: string;
  /** Community. */
  readonly community: string;
  /** Movements in journal order. */
  readonly lines: readonly CertificateLine[];
  /** Earned minutes. */
  readonly earnedMinutes: number;
  /** Posted balance (equals the last running balance). */
  readonly balanceMinutes: number;
  /** Pending service minutes. */
  readonly pendingInMinutes: number;
  /** Reserved minutes. */
  readonly reservedMinutes: number;
  /** Stars. */
  readonly stars: number;
  /** The journal at the time of printing. */
  readonly anchor: JournalAnchor;
}

/** Options for the certificate. */
export interface CertificateOptions {
  /** Looks up a person's name by id (masked before it is printed). */
  readonly nameOf?: (personId: string) => string | undefined;
}

function item(e: {
  key: string;
  volunteer: string;
  minutes: number;
  on: string;
  status: BatchItem["status"];
  settledOn?: string;
}): BatchItem {
  return {
    key: e.key,
    volunteer: e.volunteer,
    minutes: e.minutes,
    on: e.on,
    status: e.status,
    ...(e.settledOn === undefined ? {} : { verifiedOn: e.settledOn }),
  };
}

const byKey = (a: BatchItem, b: BatchItem) => (a.on < b.on ? -1 : a.on > b.on ? 1 : a.key < b.key ? -1 : 1);

/** Builds the verification batch of the week containing `weekOf`. */
export function verificationBatchOf(state: BankState, community: string, weekOf: string): VerificationBatch {
  const from = addDays(weekOf, 1 - isoWeekday(weekOf));
  const to = addDays(from, 6);
  const verified: BatchItem[] = [];
  const recorded: BatchItem[] = [];
  const stillPending: BatchItem[] = [];
  for (const e of state.entriesIn(community)) {
    if (e.kind !== "record") continue;
    if (e.settledOn !== undefined && e.settledOn >= from && e.settledOn <= to) verified.push(item(e));
    if (e.on >= from && e.on <= to) recorded.push(item(e));
    if (e.status === "pending" && e.on <= to) stillPending.push(item(e));
  }
  return {
    community,
    from,
    to,
    verified: verified.sort(byKey),
    recorded: recorded.sort(byKey),
    stillPending: stillPending.sort(byKey),
    verifiedMinutes: verified.reduce((s, i) => s + i.minutes, 0),
  };
}

/** Builds a month's summary (`YYYY-MM`). */
export function monthlySummaryOf(state: BankState, community: string, month: string): MonthlySummary {
  const lines = new Map<string, { services: number; earnedMinutes: number; spentMinutes: number }>();
  for (const m of state.movementsIn(community, month)) {
    // Gifts, donations and expiries are neither earned nor spent on a service.
    if (m.kind !== "earned" && m.kind !== "earned-reversed" && m.kind !== "spent" && m.kind !== "spent-reversed")
      continue;
    const line = lines.get(m.volunteer) ?? { services: 0, earnedMinutes: 0, spentMinutes: 0 };
    if (m.kind === "earned") line.services++;
    if (m.kind === "earned" || m.kind === "earned-reversed") line.earnedMinutes += m.minutes;
    else line.spentMinutes -= m.minutes;
    lines.set(m.volunteer, line);
  }
  const sorted = [...lines.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([volunteer, l]) => ({ volunteer, ...l }));
  const pendingRecords = state.pendingRecords(community);
  return {
    community,
    month,
    lines: sorted,
    earnedMinutes: sorted.reduce((s, l) => s + l.earnedMinutes, 0),
    spentMinutes: sorted.reduce((s, l) => s + l.spentMinutes, 0),
    pendingRecords,
  };
}

/**
 * First and last day of a quarter `YYYY-Qn`.
 *
 * @example
 * ```ts
 * quarterBounds("2028-Q1"); // { from: "2028-01-01", to: "2028-03-31" }
 * ```
 */
export function quarterBounds(period: string): { from: string; to: string } {
  const year = period.slice(0, 4);
  const q = Number(period.slice(6));
  const startMonth = (q - 1) * 3 + 1;
  const from = `${year}-${String(startMonth).padStart(2, "0")}-01`;
  const nextStart = q === 4 ? `${Number(year) + 1}-01-01` : `${year}-${String(startMonth + 3).padStart(2, "0")}-01`;
  return { from, to: addDays(nextStart, -1) };
}

const masked = (nameOf: ((id: string) => string | undefined) | undefined, id: string): string => {
  const name = nameOf?.(id);
  return name === undefined ? "*" : maskName(name);
};

/** Builds the quarterly public notice (公示). */
export function publicNoticeOf(
  state: BankState,
  community: string,
  period: string,
  stars: (earnedMinutes: number) => number,
  options: PublicNoticeOptions = {},
): PublicNotice {
  const { from, to } = quarterBounds(period);
  const acc = new Map<string, { services: number; minutes: number; cumulative: number }>();
  for (const v of state.volunteers.values())
    if (v.community === community) acc.set(v.volunteer, { services: 0, minutes: 0, cumulative: 0 });
  for (const m of state.movementsIn(community)) {
    if (m.kind !== "earned" && m.kind !== "earned-reversed") continue;
    const a = acc.get(m.volunteer);
    if (a === undefined || m.on > to) continue;
    a.cumulative += m.minutes;
    if (m.on >= from) {
      a.minutes += m.minutes;
      if (m.kind === "earned") a.services++;
    }
  }
  const lines = [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([volunteer, a], i) => ({
      no: i + 1,
      volunteer,
      name: masked(options.nameOf, volunteer),
      services: a.services,
      minutes: a.minutes,
      cumulativeMinutes: a.cumulative,
      stars: stars(a.cumulative),
    }));
  return {
    community,
    period,
    from,
    to,
    closed: state.closed.has(`${community}|${period}`),
    lines,
    totalMinutes: lines.reduce((s, l) => s + l.minutes, 0),
    anchor: { length: state.seq, headHash: state.headHash },
  };
}

/** Builds a volunteer's certificate, or undefined if not enrolled. */
export function certificateOf(
  state: BankState,
  volunteer: string,
  stars: (earnedMinutes: number) => number,
  options: CertificateOptions = {},
): Certificate | undefined {
  const v = state.volunteers.get(volunteer);
  const account = state.volunteerAccount(volunteer, stars);
  if (v === undefined || account === undefined) return undefined;
  let balance = 0;
  const lines: CertificateLine[] = [];
  for (const m of state.movementsOf(volunteer)) {
    balance += m.minutes;
    lines.push({ on: m.on, key: m.key, entry: m.entry, kind: m.kind, minutes: m.minutes, balance });
  }
  return {
    volunteer,
    name: masked(options.nameOf, volunteer),
    community: v.community,
    lines,
    earnedMinutes: account.earnedMinutes,
    balanceMinutes: account.balanceMinutes,
    pendingInMinutes: account.pendingInMinutes,
    reservedMinutes: account.reservedMinutes,
    stars: account.stars,
    anchor: { length: state.seq, headHash: state.headHash },
  };
}

const CSV_HEAD = [
  "序号 No",
  "志愿者 Volunteer",
  "姓名 Name",
  "服务次数 Services",
  "本季分钟 Minutes",
  "累计分钟 Cumulative",
  "星级 Stars",
];

function csvCell(value: string | number): string {
  let s = String(value);
  // Spreadsheet formula injection: a cell starting with = + - @ is read as text.
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The public notice as CSV (UTF-8, header row in Chinese and English, names masked).
 *
 * @example
 * ```ts
 * writeFileSync("notice.csv", noticeToCsv(bank.publicNotice("c1", "2027-Q1")));
 * ```
 */
export function noticeToCsv(notice: PublicNotice): string {
  const rows = [CSV_HEAD.map(csvCell).join(",")];
  for (const l of notice.lines)
    rows.push([l.no, l.volunteer, l.name, l.services, l.minutes, l.cumulativeMinutes, l.stars].map(csvCell).join(","));
  return `${rows.join("\r\n")}\r\n`;
}

function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The public notice as a printable HTML page (A4, names masked).
 *
 * @example
 * ```ts
 * writeFileSync("notice.html", noticeToHtml(bank.publicNotice("c1", "2027-Q1")));
 * ```
 */
export function noticeToHtml(notice: PublicNotice): string {
  const rows = notice.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.no)}</td><td>${esc(l.volunteer)}</td><td>${esc(l.name)}</td><td>${esc(l.services)}</td><td>${esc((l.minutes / 60).toFixed(1))}</td><td>${esc((l.cumulativeMinutes / 60).toFixed(1))}</td><td>${esc("★".repeat(l.stars) || "-")}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>时间银行季度公示 ${esc(notice.community)} ${esc(notice.period)}</title>
<style>
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "SimSun", serif; }
h1 { text-align: center; font-size: 20pt; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 4px 6px; text-align: center; }
p.meta { font-size: 9pt; color: #333; }
</style>
</head>
<body>
<h1>时间银行服务时长公示<br><small>Time bank public notice</small></h1>
<p>社区 Community: ${esc(notice.community)}　期间 Period: ${esc(notice.period)}（${esc(notice.from)} – ${esc(notice.to)}）${notice.closed ? "　已结账 closed" : "　未结账 provisional"}</p>
<table>
<thead><tr><th>序号<br>No</th><th>编号<br>Volunteer</th><th>姓名<br>Name</th><th>服务次数<br>Services</th><th>本季时长(小时)<br>Hours</th><th>累计时长(小时)<br>Cumulative</th><th>星级<br>Stars</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>合计 Total: ${esc((notice.totalMinutes / 60).toFixed(1))} 小时 hours</p>
<p class="meta">流水账校验 Journal anchor: ${esc(notice.anchor.length)} / ${esc(notice.anchor.headHash)}</p>
</body>
</html>
`;
}

/**
 * Which clock a balance as of a date reads: `effective` counts the movements dated (service date,
 * posting date) on or before the day, whenever they were recorded, so a back-dated correction
 * changes it; `recorded` is the account exactly as the bank held it at the end of that day in
 * Asia/Shanghai (the journal up to then), which no later entry can change.
 *
 * @example
 * ```ts
 * const basis: BalanceBasis = "recorded";
 * ```
 */
export type BalanceBasis = "effective" | "recorded";

/**
 * Options for {@link accountAsOf}.
 *
 * @example
 * ```ts
 * const options: AsOfOptions = { stars: (m) => Math.floor(m / 6000), basis: "effective" };
 * ```
 */
export interface AsOfOptions {
  /** Stars from earned minutes (the bank's star function). */
  readonly stars: (earnedMinutes: number) => number;
  /** Effective date (default) or recorded time. */
  readonly basis?: BalanceBasis;
  /** The journal's hash suite (SHA-256 unless told). */
  readonly hash?: HashSuite;
  /** The time zone in which a recorded instant falls on a day (default Asia/Shanghai). */
  readonly zone?: string;
}

/**
 * A volunteer's account from a state, counting only what took effect on or before a date: earned
 * and posted minutes by their effective date, records of services given by then that are still
 * pending, withdrawals applied for by then and not yet fulfilled on that day. Available minutes are
 * never shown below zero. Undefined if the volunteer holds no account.
 *
 * @example
 * ```ts
 * effectiveAccountOf(state, "v1", "2027-05-01", stars)?.balanceMinutes;
 * ```
 */
export function effectiveAccountOf(
  state: BankState,
  volunteer: string,
  date: string,
  stars: (earnedMinutes: number) => number,
): VolunteerAccount | undefined {
  if (!state.volunteers.has(volunteer)) return undefined;
  let earned = 0;
  let balance = 0;
  for (const m of state.movementsOf(volunteer)) {
    if (m.effectiveOn > date) continue;
    balance += m.minutes;
    if (m.kind === "earned" || m.kind === "earned-reversed") earned += m.minutes;
  }
  let pendingIn = 0;
  let reserved = 0;
  for (const e of state.entries.values()) {
    if (e.volunteer !== volunteer || e.on > date) continue;
    if (e.kind === "record" && e.status === "pending") pendingIn += e.minutes;
    if (
      e.kind === "withdrawal" &&
      (e.status === "pending" ||
        ((e.status === "posted" || e.status === "reversed") && e.settledOn !== undefined && e.settledOn > date))
    )
      reserved += e.minutes;
  }
  return {
    volunteer,
    earnedMinutes: earned,
    balanceMinutes: balance,
    pendingInMinutes: pendingIn,
    reservedMinutes: reserved,
    availableMinutes: Math.max(0, balance - reserved),
    stars: stars(earned),
  };
}

/**
 * A volunteer's account as of a past date, computed from the journal alone (every hash checked on
 * the way): by effective date (default) or as recorded at the end of that day. The same journal
 * gives the same answer on every store. Undefined if the volunteer held no account by then.
 * `INVALID_DATE` (path `date`) for a date that does not exist; `JOURNAL_TAMPERED` for a broken chain.
 *
 * @example
 * ```ts
 * const journal = await bank.journal();
 * accountAsOf(journal, "v1", "2027-05-01", { stars });                      // back-dated corrections count
 * accountAsOf(journal, "v1", "2027-05-01", { stars, basis: "recorded" });   // what the bank said that day
 * ```
 */
export function accountAsOf(
  journal: readonly JournalEntry[],
  volunteer: string,
  date: string,
  options: AsOfOptions,
): VolunteerAccount | undefined {
  if (typeof date !== "string" || !isIsoDate(date)) throw new ElderflowError("INVALID_DATE", { path: ["date"] });
  const state = createBankState(options.hash === undefined ? {} : { hash: options.hash });
  const zone = options.zone ?? DEFAULT_ZONE;
  if ((options.basis ?? "effective") === "recorded") {
    for (const entry of journal) {
      if (isoDateAt(Date.parse(entry.at), zone) > date) break;
      state.replay(entry);
    }
    return state.volunteerAccount(volunteer, options.stars);
  }
  for (const entry of journal) state.replay(entry);
  return effectiveAccountOf(state, volunteer, date, options.stars);
}
