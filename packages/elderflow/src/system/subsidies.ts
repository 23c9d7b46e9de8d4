/**
 * Subsidy accounting for the 贴心儿女 medical volunteers (rule 12, seed 002: "志愿者的交通费、通讯费等
 * 补贴将纳入县财政预算"): effective-dated budget lines (a transport subsidy per home visit, a phone
 * subsidy per month), computed from a group's credited contacts, as a monthly or yearly statement per
 * volunteer and per budget line, exported as XLSX and as a printable page. Amounts are integer fen
 * (分) throughout; yuan appear only when printed.
 */
import {
  type BudgetLine,
  type BudgetLineInput,
  BudgetLines,
  compareIsoDates,
  daysInMonth,
  type IsoDate,
  isoDateAt,
  type Lang,
  maskName,
  type StatementPeriod as Period,
  parseOrThrow,
  StatementPeriod,
  type SubsidyContact,
  SubsidyContacts,
} from "@elderflow/core";
import { type TableSheet, writeTablesXlsx } from "@elderflow/register";
import type { GroupContact } from "@elderflow/workflow";
import { type PrintableColumn, renderPrintableList } from "../report/printable";

/**
 * Parses budget lines (at most 50, ids unique), or throws an `ElderflowError` naming the field.
 *
 * @example
 * ```ts
 * const lines = parseBudgetLines(JSON.parse(text));
 * ```
 */
export function parseBudgetLines(value: unknown): BudgetLine[] {
  return parseOrThrow(BudgetLines, value, ["lines"]);
}

/**
 * The county's two lines as the report names them (交通费、通讯费), from a day on: a transport subsidy
 * per home visit and a phone subsidy per month with at least one call. The report gives no amounts;
 * the defaults (¥20 a visit, ¥30 a month) are placeholders a county replaces with its budget's.
 *
 * @example
 * ```ts
 * countyBudgetLines({ from: "2027-01-01" }).map((l) => l.id); // ["transport", "phone"]
 * ```
 */
export function countyBudgetLines(options: {
  readonly from: IsoDate;
  readonly transportFen?: number;
  readonly phoneFen?: number;
}): BudgetLine[] {
  return parseBudgetLines([
    {
      id: "transport",
      title: { "zh-CN": "交通补贴", en: "Transport subsidy" },
      basis: "per_contact",
      contactKinds: ["visit"],
      rates: [{ from: options.from, amountFen: options.transportFen ?? 2000 }],
    },
    {
      id: "phone",
      title: { "zh-CN": "通讯补贴", en: "Phone subsidy" },
      basis: "per_month",
      contactKinds: ["call"],
      rates: [{ from: options.from, amountFen: options.phoneFen ?? 3000 }],
    },
  ]);
}

/**
 * A group's credited contacts (its context's history) as the accounts see them, dated in a zone.
 *
 * @example
 * ```ts
 * const { context } = await flow.workflows.query("g1", staff);
 * const contacts = contactsOfGroup("g1", context.contacts as GroupContact[]);
 * ```
 */
export function contactsOfGroup(
  groupId: string,
  contacts: readonly GroupContact[],
  zone = "Asia/Shanghai",
): SubsidyContact[] {
  return contacts.map((c) => ({
    groupId,
    volunteerId: c.volunteerId,
    personId: c.personId,
    kind: c.kind,
    on: isoDateAt(c.at, zone),
  }));
}

/** One volunteer's units and amount from one line in the period. */
export interface StatementRow {
  /** The volunteer. */
  readonly volunteerId: string;
  /** The budget line. */
  readonly lineId: string;
  /** Units: contacts (per contact) or months (per month). */
  readonly units: number;
  /** Amount in fen, after the monthly cap. */
  readonly amountFen: number;
}

/** A line's total in one month of the period. */
export interface StatementMonth {
  /** `YYYY-MM`. */
  readonly month: string;
  /** The budget line. */
  readonly lineId: string;
  /** Units. */
  readonly units: number;
  /** Amount in fen. */
  readonly amountFen: number;
}

/** A subsidy statement (补贴明细) for a month or a year. Ids and figures only. */
export interface SubsidyStatement {
  /** `month` or `year`. */
  readonly kind: "month" | "year";
  /** `2027-03` or `2027`. */
  readonly period: string;
  /** First day. */
  readonly from: IsoDate;
  /** Last day. */
  readonly to: IsoDate;
  /** The budget lines, in the order given. */
  readonly lines: readonly BudgetLine[];
  /** Every volunteer × line with units, sorted by volunteer, then line order. */
  readonly rows: readonly StatementRow[];
  /** Per volunteer: amount in fen, sorted by volunteer. */
  readonly byVolunteer: readonly { readonly volunteerId: string; readonly amountFen: number }[];
  /** Per line: units, amount and how many volunteers were paid, in line order. */
  readonly byLine: readonly {
    readonly lineId: string;
    readonly units: number;
    readonly amountFen: number;
    readonly volunteers: number;
  }[];
  /** Per month and line (one month for a monthly statement), months ascending. */
  readonly months: readonly StatementMonth[];
  /** Total in fen. */
  readonly totalFen: number;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The rate of a line on a day, or undefined when the line does not pay that day. */
function rateOn(line: BudgetLine, day: IsoDate): number | undefined {
  if (line.to !== undefined && compareIsoDates(day, line.to) > 0) return undefined;
  let amount: number | undefined;
  for (const r of line.rates) if (compareIsoDates(r.from, day) <= 0) amount = r.amountFen;
  return amount;
}

/**
 * Computes a monthly or yearly statement from credited contacts and budget lines. A per-contact
 * line pays each contact of its kinds at the rate in effect that day; a per-month line pays one
 * unit for each month in which the volunteer made at least its minimum of contacts of its kinds on
 * days it pays, at the rate in effect on the last such contact's day; each line's monthly cap per
 * volunteer applies month by month. Contacts outside the period are ignored; duplicates (the same
 * group, volunteer, cadre, kind and day twice) count twice, as they were credited twice.
 *
 * @example
 * ```ts
 * const march = subsidyStatement(countyBudgetLines({ from: "2027-01-01" }), contacts, { year: 2027, month: 3 });
 * march.totalFen; // e.g. 11000 (¥110.00)
 * ```
 */
export function subsidyStatement(
  linesInput: readonly BudgetLineInput[] | readonly BudgetLine[],
  contactsInput: readonly SubsidyContact[],
  period: Period,
): SubsidyStatement {
  const lines = parseBudgetLines(linesInput);
  const contacts = parseOrThrow(SubsidyContacts, contactsInput, ["contacts"]);
  const { year, month } = parseOrThrow(StatementPeriod, period, ["period"]);
  const from = month === undefined ? `${year}-01-01` : `${year}-${pad(month)}-01`;
  const to = month === undefined ? `${year}-12-31` : `${year}-${pad(month)}-${pad(daysInMonth(year, month))}`;
  const inPeriod = contacts.filter((c) => compareIsoDates(c.on, from) >= 0 && compareIsoDates(c.on, to) <= 0);

  // (volunteer, line, month) → units and fen before the cap.
  const cells = new Map<string, { volunteerId: string; lineId: string; month: string; units: number; fen: number }>();
  const cell = (volunteerId: string, lineId: string, m: string) => {
    const key = `${volunteerId}\u0000${lineId}\u0000${m}`;
    let c = cells.get(key);
    if (c === undefined) {
      c = { volunteerId, lineId, month: m, units: 0, fen: 0 };
      cells.set(key, c);
    }
    return c;
  };
  for (const line of lines) {
    const kinds = new Set<string>(line.contactKinds);
    if (line.basis === "per_contact") {
      for (const c of inPeriod) {
        const rate = kinds.has(c.kind) ? rateOn(line, c.on) : undefined;
        if (rate === undefined) continue;
        const x = cell(c.volunteerId, line.id, c.on.slice(0, 7));
        x.units++;
        x.fen += rate;
      }
    } else {
      const counted = new Map<string, { n: number; last: IsoDate }>();
      for (const c of inPeriod) {
        if (!kinds.has(c.kind) || rateOn(line, c.on) === undefined) continue;
        const key = `${c.volunteerId}\u0000${c.on.slice(0, 7)}`;
        const seen = counted.get(key);
        counted.set(key, {
          n: (seen?.n ?? 0) + 1,
          last: seen === undefined || compareIsoDates(c.on, seen.last) > 0 ? c.on : seen.last,
        });
      }
      for (const [key, { n, last }] of counted) {
        if (n < line.minContactsPerMonth) continue;
        const [volunteerId, m] = key.split("\u0000") as [string, string];
        const x = cell(volunteerId, line.id, m);
        x.units = 1;
        x.fen = rateOn(line, last) as number;
      }
    }
  }
  const capOf = new Map(lines.map((l) => [l.id, l.capPerMonthFen]));
  const capped = [...cells.values()].map((c) => {
    const cap = capOf.get(c.lineId);
    return { ...c, fen: cap === undefined ? c.fen : Math.min(cap, c.fen) };
  });

  const order = new Map(lines.map((l, i) => [l.id, i]));
  const byLineOrder = (a: { lineId: string }, b: { lineId: string }) =>
    (order.get(a.lineId) as number) - (order.get(b.lineId) as number);
  const rowsMap = new Map<string, { volunteerId: string; lineId: string; units: number; amountFen: number }>();
  const monthsMap = new Map<string, { month: string; lineId: string; units: number; amountFen: number }>();
  for (const c of capped) {
    const rk = `${c.volunteerId}\u0000${c.lineId}`;
    const r = rowsMap.get(rk) ?? { volunteerId: c.volunteerId, lineId: c.lineId, units: 0, amountFen: 0 };
    rowsMap.set(rk, { ...r, units: r.units + c.units, amountFen: r.amountFen + c.fen });
    const mk = `${c.month}\u0000${c.lineId}`;
    const m = monthsMap.get(mk) ?? { month: c.month, lineId: c.lineId, units: 0, amountFen: 0 };
    monthsMap.set(mk, { ...m, units: m.units + c.units, amountFen: m.amountFen + c.fen });
  }
  const rows = [...rowsMap.values()].sort(
    (a, b) => (a.volunteerId < b.volunteerId ? -1 : a.volunteerId > b.volunteerId ? 1 : 0) || byLineOrder(a, b),
  );
  const volunteers = [...new Set(rows.map((r) => r.volunteerId))];
  const byVolunteer = volunteers.map((volunteerId) => ({
    volunteerId,
    amountFen: rows.filter((r) => r.volunteerId === volunteerId).reduce((s, r) => s + r.amountFen, 0),
  }));
  const byLine = lines.map((l) => {
    const mine = rows.filter((r) => r.lineId === l.id);
    return {
      lineId: l.id,
      units: mine.reduce((s, r) => s + r.units, 0),
      amountFen: mine.reduce((s, r) => s + r.amountFen, 0),
      volunteers: mine.filter((r) => r.amountFen > 0).length,
    };
  });
  const months = [...monthsMap.values()].sort(
    (a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0) || byLineOrder(a, b),
  );
  return {
    kind: month === undefined ? "year" : "month",
    period: month === undefined ? String(year) : `${year}-${pad(month)}`,
    from,
    to,
    lines,
    rows,
    byVolunteer,
    byLine,
    months,
    totalFen: byLine.reduce((s, l) => s + l.amountFen, 0),
  };
}

/**
 * Fen as yuan with two decimals (2050 → "20.50").
 *
 * @example
 * ```ts
 * formatYuan(2050); // "20.50"
 * ```
 */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

/** Options of the statement's exports. */
export interface StatementExportOptions {
  /** Language of headers and labels (default zh-CN). */
  readonly lang?: Lang;
  /** Volunteers' names by id: printed masked (张*三), never in the clear. Absent: ids only. */
  readonly names?: ReadonlyMap<string, string>;
  /** The issuing body (制表单位). */
  readonly issuedBy?: string;
}

const UNIT: Record<BudgetLine["basis"], Record<Lang, string>> = {
  per_contact: { "zh-CN": "次", en: "contacts" },
  per_month: { "zh-CN": "月", en: "months" },
};

/** The statement as a table: a row per volunteer, then the total row; both exports use it. */
function statementTable(statement: SubsidyStatement, options: StatementExportOptions) {
  const lang = options.lang ?? "zh-CN";
  const zh = lang === "zh-CN";
  const nameOf = (id: string) => {
    const name = options.names?.get(id);
    return name === undefined ? "" : maskName(name);
  };
  const headers = [
    zh ? "志愿者编号" : "volunteer",
    zh ? "姓名" : "name",
    ...statement.lines.flatMap((l) => [
      `${l.title[lang]}（${UNIT[l.basis][lang]}）`,
      `${l.title[lang]}（${zh ? "元" : "yuan"}）`,
    ]),
    zh ? "合计（元）" : "total (yuan)",
  ];
  const unitsOf = (v: string, lineId: string) =>
    statement.rows.find((r) => r.volunteerId === v && r.lineId === lineId) ?? { units: 0, amountFen: 0 };
  const body = statement.byVolunteer.map((v) => [
    v.volunteerId,
    nameOf(v.volunteerId),
    ...statement.lines.flatMap((l) => {
      const r = unitsOf(v.volunteerId, l.id);
      return [r.units, r.amountFen / 100];
    }),
    v.amountFen / 100,
  ]);
  const total = [
    zh ? "合计" : "total",
    "",
    ...statement.byLine.flatMap((l) => [l.units, l.amountFen / 100]),
    statement.totalFen / 100,
  ];
  return { headers, body, total, lang };
}

/**
 * The statement as an XLSX workbook: sheet 补贴明细 (a row per volunteer with units and yuan per
 * line, and the total row) and sheet 按月汇总 (per month and line). Names, when given, are masked.
 *
 * @example
 * ```ts
 * const bytes = await statementXlsx(subsidyStatement(lines, contacts, { year: 2027 }));
 * ```
 */
export async function statementXlsx(
  statement: SubsidyStatement,
  options: StatementExportOptions = {},
): Promise<Uint8Array> {
  const { headers, body, total, lang } = statementTable(statement, options);
  const zh = lang === "zh-CN";
  const money = (i: number) => i >= 2 && (i === headers.length - 1 || (i - 2) % 2 === 1);
  const sheets: TableSheet[] = [
    {
      name: zh ? "补贴明细" : "statement",
      columns: headers.map((h, i) => ({
        header: h,
        width: i < 2 ? 14 : 16,
        ...(i >= 2 ? { kind: "number" as const, ...(money(i) ? { format: "0.00" } : {}) } : {}),
      })),
      rows: [...body, total],
    },
    {
      name: zh ? "按月汇总" : "by month",
      columns: [
        { header: zh ? "月份" : "month" },
        { header: zh ? "预算科目" : "budget line", width: 16 },
        { header: zh ? "数量" : "units", kind: "number" },
        { header: zh ? "金额（元）" : "amount (yuan)", kind: "number", format: "0.00" },
      ],
      rows: statement.months.map((m) => [
        m.month,
        statement.lines.find((l) => l.id === m.lineId)?.title[lang] ?? m.lineId,
        m.units,
        m.amountFen / 100,
      ]),
    },
  ];
  return writeTablesXlsx(sheets);
}

/**
 * The statement as a printable A4 page (补贴发放明细表): the period, each budget line with its basis
 * and rate, a row per volunteer and the total row, with the signature lines of the bureau and the
 * county finance bureau. Names, when given, are masked.
 *
 * @example
 * ```ts
 * printableStatement(statement, { lang: "zh-CN", issuedBy: "县委老干部局" }).includes("补贴发放明细表"); // true
 * ```
 */
export function printableStatement(statement: SubsidyStatement, options: StatementExportOptions = {}): string {
  const { headers, body, total, lang } = statementTable(statement, options);
  const zh = lang === "zh-CN";
  const period =
    statement.kind === "month"
      ? statement.period.replace("-", zh ? "年" : "-") + (zh ? "月" : "")
      : `${statement.period}${zh ? "年" : ""}`;
  const columns: PrintableColumn[] = headers.map((h, i) => ({
    key: `c${i}`,
    label: { "zh-CN": h, en: h },
    ...(i >= 2 ? { numeric: true } : {}),
  }));
  const cellText = (v: string | number, i: number) =>
    typeof v === "number" && i >= 2 && (i === headers.length - 1 || (i - 2) % 2 === 1)
      ? formatYuan(Math.round(v * 100))
      : v;
  const asRow = (r: readonly (string | number)[]) =>
    Object.fromEntries(r.map((v, i) => [`c${i}`, cellText(v, i)])) as Record<string, string | number>;
  const rateText = (l: BudgetLine) =>
    l.rates
      .map(
        (r) =>
          `${formatYuan(r.amountFen)}${zh ? "元" : " yuan"}/${zh ? (l.basis === "per_contact" ? "次" : "月") : l.basis === "per_contact" ? "contact" : "month"}${zh ? `（${r.from}起）` : ` from ${r.from}`}`,
      )
      .join(zh ? "；" : "; ");
  return renderPrintableList(
    {
      title: {
        "zh-CN": `“贴心儿女”志愿者补贴发放明细表（${period}）`,
        en: `Medical volunteer subsidies (${period})`,
      },
      meta: [
        zh ? `期间：${statement.from} 至 ${statement.to}` : `Period: ${statement.from} to ${statement.to}`,
        ...statement.lines.map((l) => `${l.title[lang]}：${rateText(l)}`),
        zh
          ? `共 ${statement.byVolunteer.length} 名志愿者，合计 ${formatYuan(statement.totalFen)} 元`
          : `${statement.byVolunteer.length} volunteers, ${formatYuan(statement.totalFen)} yuan in all`,
        ...(options.issuedBy === undefined
          ? []
          : [zh ? `制表单位：${options.issuedBy}` : `Issued by: ${options.issuedBy}`]),
      ],
      columns,
      rows: [...body.map(asRow), asRow(total)],
      signatures: [
        { "zh-CN": "经办人", en: "Prepared by" },
        { "zh-CN": "审核人", en: "Checked by" },
        { "zh-CN": "县财政局", en: "County finance bureau" },
      ],
      note: {
        "zh-CN": "依“贴心儿女”志愿者小组的已记录联系计算；姓名已作遮蔽处理。",
        en: "Computed from the contacts credited to the medical volunteer groups; names are masked.",
      },
    },
    lang,
  );
}
