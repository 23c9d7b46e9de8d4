import type { Lang } from "@elderflow/core";
import type { SimulationResult } from "../demo/simulate";
import { barChartSvg, escapeHtml } from "./svg";

type Text = { readonly "zh-CN": string; readonly en: string };
const tx = (zh: string, en: string): Text => ({ "zh-CN": zh, en });

const T = {
  title: tx("Elderflow 模拟辖区年度报告", "Elderflow: a simulated year in a district"),
  district: tx("辖区", "District"),
  summary: tx("全年汇总", "The year in figures"),
  hours: tx(
    "每月核实的志愿服务时长（小时，仅本年服务）",
    "Verified volunteer service hours per month (the year's service only)",
  ),
  requests: tx("热线服务请求（按最终状态，含超时）", "Hotline requests by final state, with SLA breaches"),
  compliance: tx("各社区结对联系达标率（%，按达标率排序）", "Pairing cadence compliance by community (%, sorted)"),
  stars: tx("年终志愿者星级分布", "Volunteer star ratings at year end"),
  within: tx("按时", "within SLA"),
  breached: tx("超时", "SLA breached"),
  compliant: tx("达标率", "compliant"),
  volunteers: tx("志愿者", "volunteers"),
  hoursSeries: tx("小时", "hours"),
  item: tx("项目", "item"),
  value: tx("数量", "count"),
  warnings: tx("提示", "Warnings"),
  journal: tx("时间银行流水哈希链校验", "Time-bank journal hash chain"),
  ok: tx("通过", "verified"),
  reconciled: tx(
    "流程与时间银行对账：已核实、未入账、无流程入账及死信的差异条数",
    "Workflows reconciled with the time bank: discrepancies (verified not posted, posted without workflow, dead letters)",
  ),
  broken: tx("未通过", "BROKEN"),
  note: tx(
    "数据为按种子生成的模拟数据，不含真实人员信息；姓名均已遮蔽。",
    "All data is synthetic, generated from a seed; no real person appears in it; names are masked.",
  ),
  tasks: tx("走访任务（年底）", "Visit tasks at year end"),
  kind: tx("任务类别", "kind"),
  total: tx("任务数", "tasks"),
  done: tx("已完成", "done"),
  cancelled: tx("已取消", "cancelled"),
  open: tx("未完成", "open"),
  overdueCol: tx("逾期", "overdue"),
  outcomes: tx("完成情况", "How they ended"),
  overdue: tx("逾期未办的走访任务", "Visits overdue at year end"),
  due: tx("应办日期", "due"),
  name: tx("姓名", "name"),
  community: tx("社区", "community"),
  assignee: tx("承办单位", "assigned to"),
  shown: tx("共 {n} 项，列出前 {m} 项", "{n} in all, the first {m} shown"),
  none: tx("无", "none"),
  nonCompliant: tx(
    "结对联系未达标名单（未达标月数最多的结对）",
    "Pairs short of the contact cadence (most months short first)",
  ),
  person: tx("帮扶对象", "cadre"),
  volunteer: tx("志愿者", "volunteer"),
  monthsShort: tx("未达标月数", "months short"),
  months: tx("检查月数", "months checked"),
  hotline: tx("热线响应时间（分钟，自来电起）", "Hotline response times (minutes from the call)"),
  month: tx("月份", "month"),
  accepted: tx("接单数", "accepted"),
  acceptMedian: tx("接单中位数", "accept median"),
  acceptP90: tx("接单90分位", "accept p90"),
  arrived: tx("到场数", "on site"),
  arriveMedian: tx("到场中位数", "arrive median"),
  arriveP90: tx("到场90分位", "arrive p90"),
  cases: tx("矛盾纠纷调解与法律咨询（本年受理）", "Mediation and legal consultation (cases taken in the year)"),
  caseKind: tx("类别", "kind"),
  opened: tx("受理", "taken"),
  stillOpen: tx("办理中", "still open"),
  sessions: tx("接待次数（周二/学法日/其他）", "sessions (Tuesday / law day / other)"),
  referrals: tx("转交去向", "Referred to"),
  deliveries: tx(
    "报刊与学习资料送上门：每月完成情况",
    "Periodicals and study materials brought home: monthly completeness",
  ),
  dueCol: tx("应送", "due"),
  deliveredCol: tx("已送达", "delivered"),
  missedCol: tx("未送达", "missed"),
  outstandingCol: tx("未登记", "not recorded"),
  rate: tx("送达率", "delivered"),
  titles: tx("按报刊（份次）", "By title (copies)"),
  titleCol: tx("报刊与资料", "title"),
  itemsCol: tx("份次", "copies"),
  missedFirst: tx("首次未送达", "missed at first"),
  deliveredLate: tx("补送", "brought again"),
  shortfall: tx("未送达最多的社区", "Communities with the most copies not delivered"),
} as const;

/** Labels of the ids the report shows, in both languages (ids never reach the page). */
const KIND: Readonly<Record<string, Text>> = {
  birthday_visit: tx("生日祝寿", "birthday visit"),
  holiday_visit: tx("节日走访", "holiday visit"),
  anniversary_visit: tx("周年走访", "anniversary visit"),
  hospital_visit: tx("住院看望", "hospital visit"),
  health_check_reminder: tx("体检提醒", "health-check reminder"),
  missed_contact_alert: tx("未联系提醒", "missed-contact alert"),
  cadence_alert: tx("联系频次提醒", "cadence alert"),
  escalation_followup: tx("督办跟进", "escalation follow-up"),
  escalation_overdue: tx("逾期督办", "escalation overdue"),
};
const STATE: Readonly<Record<string, Text>> = {
  received: tx("已受理", "received"),
  triaged: tx("待派单", "triaged"),
  dispatched: tx("已派单", "dispatched"),
  accepted: tx("已接单", "accepted"),
  done: tx("已完工", "done"),
  confirmed: tx("已确认", "confirmed"),
  closed: tx("已办结", "closed"),
  escalated: tx("已升级", "escalated"),
  cancelled: tx("已撤销", "cancelled"),
  archived: tx("已归档", "archived"),
};
const BODY: Readonly<Record<string, Text>> = {
  district_leaders: tx("区领导", "district leaders"),
  organisation_department: tx("区委组织部", "Organisation Department"),
  veteran_cadres_bureau: tx("老干部局", "Bureau of Veteran Cadres"),
  personnel_bureau: tx("人事局", "Personnel Bureau"),
};
const OUTCOME: Readonly<Record<string, Text>> = {
  visited: tx("已走访", "visited"),
  not_at_home: tx("未遇", "not at home"),
  declined: tx("本人谢绝", "declined"),
  referred: tx("转介", "referred"),
  resolved: tx("已落实", "resolved"),
  deceased: tx("本人去世", "deceased"),
  moved_away: tx("迁出", "moved away"),
  transferred: tx("转出", "transferred"),
  discharged: tx("已出院", "discharged"),
  duplicate: tx("重复", "duplicate"),
  superseded: tx("已被替代", "superseded"),
  withdrawn: tx("已撤回", "withdrawn"),
};

const CASE_KIND: Readonly<Record<string, Text>> = {
  mediation: tx("矛盾纠纷调解", "mediation"),
  legal_consultation: tx("法律咨询", "legal consultation"),
};
const CASE_OUTCOME: Readonly<Record<string, Text>> = {
  agreement: tx("达成调解协议", "agreement"),
  resolved: tx("已解答或化解", "resolved"),
  not_resolved: tx("未能化解", "not resolved"),
  withdrawn: tx("申请人撤回", "withdrawn"),
  referred: tx("转交", "referred"),
};
const REFERRAL: Readonly<Record<string, Text>> = {
  legal_aid_centre: tx("法律援助中心", "legal aid centre"),
  court: tx("人民法院", "court"),
  department: tx("主管部门", "department"),
};
const OUTCOME_ORDER = ["agreement", "resolved", "not_resolved", "withdrawn", "referred"] as const;

/** A label of an id from a table, or a neutral word: an unknown id never reaches the page. */
function label(table: Readonly<Record<string, Text>>, id: string, lang: Lang): string {
  return table[id]?.[lang] ?? (lang === "zh-CN" ? "其他" : id);
}

const num = (n: number) => n.toLocaleString("en-US");
const MAX_ROWS = 30;

function table(id: string, head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((v) => (typeof v === "number" ? `<td class="num">${num(v)}</td>` : `<td>${escapeHtml(v)}</td>`)).join("")}</tr>`,
    )
    .join("");
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Renders the demo's year as one self-contained HTML page: four charts (monthly service hours,
 * requests by state and SLA, compliance by community, star distribution) drawn as inline SVG, the
 * summary table, the task board at year end with the overdue visits, the pairs short of the
 * cadence, hotline response times, the year's mediation and legal-consultation cases by kind and
 * outcome, and the monthly completeness of periodical and study-material deliveries. Every visible string is in the chosen language: ids are
 * labelled, communities named from the organisation tree, persons masked. It opens from a file in
 * any browser, without a server or network.
 */
export function renderDemoReport(r: SimulationResult, lang: Lang): string {
  const t = (k: keyof typeof T) => T[k][lang];
  const charts = [
    barChartSvg({
      id: "chart-hours",
      title: t("hours"),
      data: r.monthlyHours.map((m) => ({ label: m.month.slice(5), values: [m.hours] })),
      series: [{ name: t("hoursSeries"), color: "#2f6fb0" }],
    }),
    barChartSvg({
      id: "chart-requests",
      title: t("requests"),
      data: r.requests.map((q) => ({ label: label(STATE, q.state, lang), values: [q.count - q.breached, q.breached] })),
      series: [
        { name: t("within"), color: "#3a9a5b" },
        { name: t("breached"), color: "#d0453a" },
      ],
    }),
    barChartSvg({
      id: "chart-compliance",
      title: t("compliance"),
      data: [...r.compliance]
        .map((c) => ({
          label: c.community,
          values: [c.total === 0 ? 0 : Math.round((1000 * c.compliant) / c.total) / 10],
        }))
        .sort((a, b) => (b.values[0] ?? 0) - (a.values[0] ?? 0)),
      series: [{ name: t("compliant"), color: "#7a5bb5" }],
      width: 960,
    }),
    barChartSvg({
      id: "chart-stars",
      title: t("stars"),
      data: r.stars.map((s) => ({ label: "★".repeat(s.stars) || "0", values: [s.volunteers] })),
      series: [{ name: t("volunteers"), color: "#e0a030" }],
    }),
  ];
  const summary = table(
    "summary",
    [t("item"), t("value")],
    r.summary.map((s) => [s.label[lang], s.value]),
  );
  const tasks = table(
    "tasks",
    [t("kind"), t("total"), t("done"), t("cancelled"), t("open"), t("overdueCol")],
    r.tasks.map((k) => [label(KIND, k.kind, lang), k.total, k.done, k.cancelled, k.open, k.overdue]),
  );
  const ended = [
    ...Object.entries(r.taskOutcomes.outcomes).map(([k, n]) => `${label(OUTCOME, k, lang)} ${num(n)}`),
    ...Object.entries(r.taskOutcomes.cancelReasons).map(([k, n]) =>
      lang === "zh-CN"
        ? `${t("cancelled")}（${label(OUTCOME, k, lang)}）${num(n)}`
        : `${t("cancelled")} (${label(OUTCOME, k, lang)}) ${num(n)}`,
    ),
  ].join(lang === "zh-CN" ? "；" : "; ");
  const shown = (n: number) =>
    t("shown")
      .replace("{n}", num(n))
      .replace("{m}", String(Math.min(n, MAX_ROWS)));
  const overdue = table(
    "overdue",
    [t("due"), t("kind"), t("name"), t("community"), t("assignee")],
    r.overdue
      .slice(0, MAX_ROWS)
      .map((o) => [o.due, label(KIND, o.kind, lang), o.name, o.community, label(BODY, o.assignee, lang)]),
  );
  const nonCompliant = table(
    "non-compliant",
    [t("person"), t("volunteer"), t("community"), t("monthsShort"), t("months")],
    r.nonCompliant.map((p) => [p.person, p.volunteer, p.community, p.monthsShort, p.months]),
  );
  const hotline = table(
    "hotline",
    [t("month"), t("accepted"), t("acceptMedian"), t("acceptP90"), t("arrived"), t("arriveMedian"), t("arriveP90")],
    r.hotline.map((m) => [m.month, m.accepted, m.acceptMedian, m.acceptP90, m.arrived, m.arriveMedian, m.arriveP90]),
  );
  const cases = table(
    "cases",
    [
      t("caseKind"),
      t("opened"),
      ...OUTCOME_ORDER.map((o) => label(CASE_OUTCOME, o, lang)),
      t("stillOpen"),
      t("sessions"),
    ],
    Object.entries(r.cases.byKind).map(([kind, k]) => [
      label(CASE_KIND, kind, lang),
      k.opened,
      ...OUTCOME_ORDER.map((o) => k.outcomes[o]),
      k.open,
      `${num(k.sessions.legal_aid)} / ${num(k.sessions.law_day)} / ${num(k.sessions.other)}`,
    ]),
  );
  const referred = Object.entries(r.cases.referrals)
    .filter(([, n]) => n > 0)
    .map(([to, n]) => `${label(REFERRAL, to, lang)} ${num(n)}`)
    .join(lang === "zh-CN" ? "；" : "; ");
  const pct = (part: number, whole: number) =>
    whole === 0 ? "—" : `${(Math.round((1000 * part) / whole) / 10).toFixed(1)}%`;
  const deliveryMonths = table(
    "deliveries",
    [t("month"), t("dueCol"), t("deliveredCol"), t("missedCol"), t("outstandingCol"), t("rate")],
    r.deliveries.months.map((m) => [m.month, m.due, m.delivered, m.missed, m.outstanding, pct(m.delivered, m.due)]),
  );
  const deliveryTitles = table(
    "delivery-titles",
    [t("titleCol"), t("itemsCol"), t("missedFirst"), t("deliveredLate")],
    r.deliveries.titles.map((x) => [x.name[lang], x.items, x.missedFirst, x.deliveredLate]),
  );
  const shortfall = table(
    "delivery-shortfall",
    [t("community"), t("dueCol"), t("deliveredCol"), t("missedCol"), t("outstandingCol")],
    r.deliveries.shortfall.map((x) => [x.community, x.due, x.delivered, x.missed, x.outstanding]),
  );
  const warnings =
    r.warnings.length === 0
      ? ""
      : `<h2>${t("warnings")}</h2><ul>${r.warnings.map((w) => `<li>${escapeHtml(w[lang])}</li>`).join("")}</ul>`;
  const d = r.district;
  const meta =
    lang === "zh-CN"
      ? `${t("district")}：${d.communities} 个社区 · 离退休干部 ${num(d.persons)} 人（离休 ${d.lixiu} 人）· 志愿者 ${d.volunteers} 人 · ${d.teams} 支队伍 · 种子 ${r.seed} · 规模 ×${r.scale}`
      : `${t("district")}: ${d.communities} communities · ${num(d.persons)} retired cadres (${d.lixiu} lixiu) · ${d.volunteers} volunteers · ${d.teams} teams · seed ${r.seed} · scale ${r.scale}`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t("title"))} ${r.year}</title>
<style>
  body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
  h1 { font-size: 1.5em; margin-bottom: 0.2em; }
  .meta { color: #666; margin-top: 0; }
  table { border-collapse: collapse; margin: 12px 0 24px; }
  td, th { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .chart { display: block; margin: 18px 0; max-width: 100%; height: auto; }
  .chart-title { font-size: 14px; font-weight: 600; fill: #222; }
  .tick { font-size: 11px; fill: #555; }
  .grid { stroke: #e5e5e5; }
  @media print { .chart, table { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>${escapeHtml(t("title"))} ${r.year}</h1>
<p class="meta">${escapeHtml(meta)}</p>
<p class="meta">${escapeHtml(t("note"))} ${t("journal")}: <strong id="journal">${r.journalOk ? t("ok") : t("broken")}</strong></p>
<p class="meta">${escapeHtml(t("reconciled"))}: <strong id="reconciled">${r.reconciliation.discrepancies}</strong> (${num(r.reconciliation.verified)} / ${num(r.reconciliation.posted)})</p>
${charts.join("\n")}
<h2>${t("summary")}</h2>
${summary}
<h2>${t("tasks")}</h2>
${tasks}
<p class="meta">${escapeHtml(t("outcomes"))}: ${escapeHtml(ended || t("none"))}</p>
<h2>${t("overdue")}</h2>
<p class="meta">${escapeHtml(shown(r.overdue.length))}</p>
${overdue}
<h2>${t("nonCompliant")}</h2>
${nonCompliant}
<h2>${t("hotline")}</h2>
${hotline}
<h2>${t("cases")}</h2>
${cases}
<p class="meta">${escapeHtml(t("referrals"))}: ${escapeHtml(referred || t("none"))}</p>
<h2>${t("deliveries")}</h2>
${deliveryMonths}
<h3>${t("titles")}</h3>
${deliveryTitles}
<h3>${t("shortfall")}</h3>
${shortfall}
${warnings}
</body>
</html>
`;
}
