/**
 * Printable pages a bureau files or hands out: the birthday list (祝寿名单), the holiday visit list
 * (节日走访慰问名单) and the time-bank certificate (时间储蓄证明). Each is one self-contained HTML
 * page for A4 paper, in zh-CN or en, with masked names, community names, the visiting body and
 * signature lines. Every string is escaped and bidirectional controls are removed, so a hostile name
 * (`<script>`, U+202E) prints as text and cannot reorder the line it sits on.
 */
import { ElderflowError, type Lang } from "@elderflow/core";
import type { MovementKind } from "@elderflow/timebank";

/** A text in both languages. */
export interface PrintableText {
  /** Chinese. */
  readonly "zh-CN": string;
  /** English. */
  readonly en: string;
}

// Bidirectional embedding, override and isolate controls (and the marks): printed as nothing.
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g;
// Other controls except tab and newline.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Escapes text for an HTML page: `& < > " '` as entities, bidirectional and other control
 * characters dropped.
 *
 * @example
 * ```ts
 * escapePrintable("<b>张\u202e三</b>"); // "&lt;b&gt;张三&lt;/b&gt;"
 * ```
 */
export function escapePrintable(text: string): string {
  return text
    .replace(BIDI, "")
    .replace(CONTROL, "")
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One column of a printable list. */
export interface PrintableColumn {
  /** The row key. */
  readonly key: string;
  /** Header in both languages. */
  readonly label: PrintableText;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

/** A printable list: title, facts above the table, the table, signature lines. */
export interface PrintableList {
  /** Page title. */
  readonly title: PrintableText;
  /** Lines under the title (period, issuing body …), already in the page's language. */
  readonly meta?: readonly string[];
  /** The columns. */
  readonly columns: readonly PrintableColumn[];
  /** The rows: values already labelled in the page's language (names masked). */
  readonly rows: readonly Readonly<Record<string, string | number>>[];
  /** Signature lines at the foot (e.g. 经办人, 审核人). */
  readonly signatures: readonly PrintableText[];
  /** A closing note (e.g. that names are masked). */
  readonly note?: PrintableText;
}

const CSS = `@page { size: A4; margin: 16mm 14mm 18mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; color: #000; margin: 0; font-size: 11pt; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; letter-spacing: 0.1em; }
p.meta { margin: 0 0 1.5mm; font-size: 10pt; }
table { border-collapse: collapse; width: 100%; margin-top: 3mm; }
th, td { border: 0.6pt solid #000; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.signatures { display: flex; gap: 12mm; margin-top: 12mm; page-break-inside: avoid; }
.signature { flex: 1; border-top: 0.6pt solid #000; padding-top: 1.5mm; font-size: 10pt; }
.note { margin-top: 6mm; font-size: 9pt; color: #333; }
@media screen { body { max-width: 190mm; margin: 10mm auto; } }`;

/**
 * Renders a {@link PrintableList} as an A4 page in a language.
 *
 * @example
 * ```ts
 * renderPrintableList({ title: { "zh-CN": "名单", en: "List" }, columns: [{ key: "name", label: { "zh-CN": "姓名", en: "name" } }],
 *   rows: [{ name: "张*三" }], signatures: [] }, "zh-CN").includes("张*三"); // true
 * ```
 */
export function renderPrintableList(doc: PrintableList, lang: Lang): string {
  const e = escapePrintable;
  const head = doc.columns.map((c) => `<th${c.numeric ? ' class="num"' : ""}>${e(c.label[lang])}</th>`).join("");
  const body = doc.rows
    .map(
      (r) =>
        `<tr>${doc.columns
          .map((c) => {
            const v = r[c.key];
            const text = v === undefined ? "" : typeof v === "number" ? v.toLocaleString("en-US") : v;
            return `<td${c.numeric ? ' class="num"' : ""}><bdi>${e(text)}</bdi></td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  const meta = (doc.meta ?? []).map((m) => `<p class="meta">${e(m)}</p>`).join("\n");
  const signatures =
    doc.signatures.length === 0
      ? ""
      : `<div class="signatures">${doc.signatures
          .map((s) => `<div class="signature">${e(s[lang])}${lang === "zh-CN" ? "（签字）：" : " (signature):"}</div>`)
          .join("")}</div>`;
  const note = doc.note === undefined ? "" : `<p class="note">${e(doc.note[lang])}</p>`;
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${e(doc.title[lang])}</title>
<style>
${CSS}
</style>
</head>
<body>
<h1>${e(doc.title[lang])}</h1>
${meta}
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
${signatures}
${note}
</body>
</html>
`;
}

const MASKED_NOTE: PrintableText = {
  "zh-CN": "姓名已作遮蔽处理；完整信息以信息库为准，不得外传。",
  en: "Names are masked; the full record is in the register and must not be passed on.",
};

const col = (key: string, zh: string, en: string, numeric = false): PrintableColumn => ({
  key,
  label: { "zh-CN": zh, en },
  ...(numeric ? { numeric: true } : {}),
});

/** One line of the birthday list, labelled in the page's language. */
export interface BirthdayListRow {
  /** The celebration day. */
  readonly date: string;
  /** Masked name. */
  readonly name: string;
  /** Community name. */
  readonly community: string;
  /** Age reached. */
  readonly age: number;
  /** Calendar kept (公历 / 农历 or gregorian / lunar). */
  readonly calendar: string;
  /** Visiting body. */
  readonly visitingBody: string;
}

/** The "issued by" line of a list's header, or none. */
function issuedByLine(issuedBy: string | undefined, lang: Lang): string[] {
  if (issuedBy === undefined) return [];
  return [lang === "zh-CN" ? `制表单位：${issuedBy}` : `Issued by: ${issuedBy}`];
}

/**
 * The birthday list (祝寿名单, rule 1) of a window as a printable page.
 *
 * @example
 * ```ts
 * printableBirthdayList([], { from: "2027-01-01", to: "2027-03-31", lang: "zh-CN" }).includes("祝寿名单"); // true
 * ```
 */
export function printableBirthdayList(
  rows: readonly BirthdayListRow[],
  options: { readonly from: string; readonly to: string; readonly lang: Lang; readonly issuedBy?: string },
): string {
  const { lang } = options;
  return renderPrintableList(
    {
      title: { "zh-CN": "离退休干部生日祝寿名单", en: "Birthday celebrations of retired cadres" },
      meta: [
        lang === "zh-CN" ? `期间：${options.from} 至 ${options.to}` : `Period: ${options.from} to ${options.to}`,
        lang === "zh-CN" ? `共 ${rows.length} 人次` : `${rows.length} celebrations`,
        ...issuedByLine(options.issuedBy, lang),
      ],
      columns: [
        col("index", "序号", "No.", true),
        col("date", "日期", "date"),
        col("name", "姓名", "name"),
        col("community", "社区", "community"),
        col("age", "周岁", "age", true),
        col("calendar", "历法", "calendar"),
        col("visitingBody", "祝寿单位", "visiting body"),
        col("done", "完成情况", "done"),
      ],
      rows: rows.map((r, i) => ({ index: i + 1, ...r, done: "" })),
      signatures: [
        { "zh-CN": "经办人", en: "Prepared by" },
        { "zh-CN": "审核人", en: "Checked by" },
        { "zh-CN": "局领导", en: "Approved by" },
      ],
      note: MASKED_NOTE,
    },
    lang,
  );
}

/** One line of the holiday visit list, labelled in the page's language. */
export interface HolidayVisitRow {
  /** The visit day. */
  readonly date: string;
  /** Occasion (春节, 七一 …). */
  readonly occasion: string;
  /** Round anniversary, or empty. */
  readonly anniversary: string | number;
  /** Masked name. */
  readonly name: string;
  /** Community name. */
  readonly community: string;
  /** Visiting body. */
  readonly visitingBody: string;
}

/**
 * The holiday visit list (节日走访慰问名单, rule 3) of a year as a printable page.
 *
 * @example
 * ```ts
 * printableHolidayVisitList([], { year: 2027, lang: "en" }).includes("Holiday visits"); // true
 * ```
 */
export function printableHolidayVisitList(
  rows: readonly HolidayVisitRow[],
  options: { readonly year: number; readonly lang: Lang; readonly issuedBy?: string },
): string {
  const { lang } = options;
  return renderPrintableList(
    {
      title: { "zh-CN": `${options.year}年节日走访慰问名单`, en: `Holiday visits ${options.year}` },
      meta: [
        lang === "zh-CN" ? `共 ${rows.length} 人次` : `${rows.length} visits`,
        ...issuedByLine(options.issuedBy, lang),
      ],
      columns: [
        col("index", "序号", "No.", true),
        col("date", "日期", "date"),
        col("occasion", "节日", "occasion"),
        col("anniversary", "周年", "anniversary"),
        col("name", "姓名", "name"),
        col("community", "社区", "community"),
        col("visitingBody", "走访单位", "visiting body"),
        col("gifts", "慰问品/慰问金", "gifts / money"),
        col("done", "走访情况", "visited"),
      ],
      rows: rows.map((r, i) => ({ index: i + 1, ...r, gifts: "", done: "" })),
      signatures: [
        { "zh-CN": "带队领导", en: "Leading official" },
        { "zh-CN": "经办人", en: "Prepared by" },
        { "zh-CN": "社区负责人", en: "Community head" },
      ],
      note: MASKED_NOTE,
    },
    lang,
  );
}

/** One community's line of the monthly delivery completeness list (`flow.deliveries.completeness`, community named). */
export interface DeliveryCompletenessRow {
  /** Community name. */
  readonly community: string;
  /** Copies due in the month. */
  readonly due: number;
  /** Delivered. */
  readonly delivered: number;
  /** Missed (not delivered since). */
  readonly missed: number;
  /** Not recorded yet. */
  readonly outstanding: number;
}

/**
 * The monthly completeness list of periodical and study-material deliveries (报刊及学习资料送达情况)
 * as a printable page: per community, due, delivered, missed, not recorded and the rate, with a
 * total line, for the bureau to file and the communities to sign.
 *
 * @example
 * ```ts
 * printableDeliveryCompleteness([{ community: "丰华社区", due: 40, delivered: 39, missed: 1, outstanding: 0 }], { month: "2027-03", lang: "zh-CN" });
 * ```
 */
export function printableDeliveryCompleteness(
  rows: readonly DeliveryCompletenessRow[],
  options: { readonly month: string; readonly lang: Lang; readonly issuedBy?: string },
): string {
  const { lang } = options;
  const rate = (r: DeliveryCompletenessRow) =>
    r.due === 0 ? "—" : `${(Math.round((1000 * r.delivered) / r.due) / 10).toFixed(1)}%`;
  const total = rows.reduce(
    (a, r) => ({
      community: lang === "zh-CN" ? "合计" : "total",
      due: a.due + r.due,
      delivered: a.delivered + r.delivered,
      missed: a.missed + r.missed,
      outstanding: a.outstanding + r.outstanding,
    }),
    { community: "", due: 0, delivered: 0, missed: 0, outstanding: 0 } as DeliveryCompletenessRow,
  );
  if (typeof options.month !== "string" || !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month))
    throw new ElderflowError("INVALID_FORMAT", { path: ["month"], params: { format: "YYYY-MM" } });
  const [y, m] = options.month.split("-");
  return renderPrintableList(
    {
      title: {
        "zh-CN": `${y}年${Number(m)}月报刊及学习资料送达情况`,
        en: `Deliveries of periodicals and study materials, ${options.month}`,
      },
      meta: [
        lang === "zh-CN" ? `共 ${rows.length} 个社区` : `${rows.length} communities`,
        ...issuedByLine(options.issuedBy, lang),
      ],
      columns: [
        col("index", "序号", "No.", true),
        col("community", "社区", "community"),
        col("due", "应送", "due", true),
        col("delivered", "已送达", "delivered", true),
        col("missed", "未送达", "missed", true),
        col("outstanding", "未登记", "not recorded", true),
        col("rate", "送达率", "delivered %", true),
      ],
      rows: [
        ...rows.map((r, i) => ({ index: i + 1, ...r, rate: rate(r) })),
        { index: "", ...total, rate: rate(total) },
      ],
      signatures: [
        { "zh-CN": "经办人", en: "Prepared by" },
        { "zh-CN": "审核人", en: "Checked by" },
      ],
    },
    lang,
  );
}

/** What the certificate prints (a time bank's `Certificate`, names already masked). */
export interface CertificateView {
  /** Volunteer id. */
  readonly volunteer: string;
  /** Masked name. */
  readonly name: string;
  /** Community id. */
  readonly community: string;
  /** Movements in journal order. */
  readonly lines: readonly {
    readonly on: string;
    readonly entry: string;
    readonly kind: string;
    readonly minutes: number;
    readonly balance: number;
  }[];
  /** Earned minutes. */
  readonly earnedMinutes: number;
  /** Posted balance. */
  readonly balanceMinutes: number;
  /** Stars. */
  readonly stars: number;
  /** The journal at printing: length and head hash. */
  readonly anchor: { readonly length: number; readonly headHash: string };
}

/** One label per movement kind: a kind the time bank adds fails the type check until it is labelled here. */
const MOVEMENT: Readonly<Record<MovementKind, PrintableText>> = {
  earned: { "zh-CN": "服务存入", en: "earned" },
  spent: { "zh-CN": "支取", en: "spent" },
  "earned-reversed": { "zh-CN": "存入冲正", en: "earning reversed" },
  "spent-reversed": { "zh-CN": "支取冲正", en: "spending reversed" },
  gifted: { "zh-CN": "转赠亲属", en: "gifted to a relative" },
  "gift-received": { "zh-CN": "受赠转入", en: "gift received" },
  donated: { "zh-CN": "超限捐赠", en: "donated above the cap" },
  expired: { "zh-CN": "逾期失效", en: "expired" },
};

/** The label of a movement kind; an unknown kind (never an inherited key) prints as itself. */
const movementLabel = (kind: string, lang: Lang): string =>
  Object.hasOwn(MOVEMENT, kind) ? MOVEMENT[kind as MovementKind][lang] : kind;

const hours = (minutes: number) => (Math.round(minutes / 6) / 10).toFixed(1);

/**
 * The time-bank certificate (时间储蓄证明, rule 13) as a printable page: every posted movement with
 * its running balance in hours, the stars, the journal anchor it was printed from, and the
 * registrar's and the community's signature lines.
 *
 * @example
 * ```ts
 * printableCertificate(cert, { lang: "zh-CN", communityName: "来安社区", issuedOn: "2027-01-10" }).includes("时间储蓄证明"); // true
 * ```
 */
export function printableCertificate(
  cert: CertificateView,
  options: { readonly lang: Lang; readonly communityName?: string; readonly issuedOn: string },
): string {
  const { lang } = options;
  const community = options.communityName ?? cert.community;
  return renderPrintableList(
    {
      title: { "zh-CN": "志愿服务时间储蓄证明", en: "Time-bank certificate of volunteer service" },
      meta:
        lang === "zh-CN"
          ? [
              `志愿者：${cert.name}（编号 ${cert.volunteer}）　社区：${community}`,
              `累计服务 ${hours(cert.earnedMinutes)} 小时，结余 ${hours(cert.balanceMinutes)} 小时，星级 ${"★".repeat(cert.stars) || "无"}`,
              `出具日期：${options.issuedOn}　流水 ${cert.anchor.length} 条，链头 ${cert.anchor.headHash.slice(0, 16)}…`,
            ]
          : [
              `Volunteer: ${cert.name} (id ${cert.volunteer})  Community: ${community}`,
              `Served ${hours(cert.earnedMinutes)} h in all, balance ${hours(cert.balanceMinutes)} h, stars ${"★".repeat(cert.stars) || "none"}`,
              `Issued on ${options.issuedOn}; journal of ${cert.anchor.length} entries, head ${cert.anchor.headHash.slice(0, 16)}…`,
            ],
      columns: [
        col("on", "日期", "date"),
        col("kind", "类别", "kind"),
        col("entry", "记录", "entry"),
        col("hours", "时长（小时）", "hours", true),
        col("balance", "结余（小时）", "balance (h)", true),
      ],
      rows: cert.lines.map((l) => ({
        on: l.on,
        kind: movementLabel(l.kind, lang),
        entry: l.entry,
        hours: hours(l.minutes),
        balance: hours(l.balance),
      })),
      signatures: [
        { "zh-CN": "登记人", en: "Registrar" },
        { "zh-CN": "社区（盖章）", en: "Community (seal)" },
      ],
      note: {
        "zh-CN": "本证明依时间银行流水出具，可凭流水链头校验；姓名已作遮蔽处理。",
        en: "Issued from the time-bank journal, checkable against its head hash; the name is masked.",
      },
    },
    lang,
  );
}
