import type { Lang } from "@elderflow/core";
import type { SimulationResult } from "../demo/simulate";
import { barChartSvg, escapeHtml } from "./svg";

const T = {
  title: { "zh-CN": "Elderflow 模拟辖区年度报告", en: "Elderflow: a simulated year in a district" },
  district: { "zh-CN": "辖区", en: "District" },
  summary: { "zh-CN": "全年汇总", en: "The year in figures" },
  hours: { "zh-CN": "每月核实的志愿服务时长（小时）", en: "Verified volunteer service hours per month" },
  requests: { "zh-CN": "热线服务请求（按最终状态，含超时）", en: "Hotline requests by final state, with SLA breaches" },
  compliance: {
    "zh-CN": "各社区结对联系达标率（%，按达标率排序）",
    en: "Pairing cadence compliance by community (%, sorted)",
  },
  stars: { "zh-CN": "年终志愿者星级分布", en: "Volunteer star ratings at year end" },
  within: { "zh-CN": "按时", en: "within SLA" },
  breached: { "zh-CN": "超时", en: "SLA breached" },
  compliant: { "zh-CN": "达标率", en: "compliant" },
  volunteers: { "zh-CN": "志愿者", en: "volunteers" },
  hoursSeries: { "zh-CN": "小时", en: "hours" },
  item: { "zh-CN": "项目", en: "item" },
  value: { "zh-CN": "数量", en: "count" },
  warnings: { "zh-CN": "提示", en: "Warnings" },
  journal: { "zh-CN": "时间银行流水哈希链校验", en: "Time-bank journal hash chain" },
  ok: { "zh-CN": "通过", en: "verified" },
  reconciled: {
    "zh-CN": "流程与时间银行对账：已核实、未入账、无流程入账及死信的差异条数",
    en: "Workflows reconciled with the time bank: discrepancies (verified not posted, posted without workflow, dead letters)",
  },
  broken: { "zh-CN": "未通过", en: "BROKEN" },
  note: {
    "zh-CN": "数据为按种子生成的模拟数据，不含真实人员信息。",
    en: "All data is synthetic, generated from a seed; no real person appears in it.",
  },
} as const;

/**
 * Renders the demo's year as one self-contained HTML page: a summary table and four charts
 * (monthly service hours, requests by state and SLA, compliance by community, star distribution)
 * drawn as inline SVG, so it opens from a file in any browser, without a server or network.
 */
export function renderDemoReport(r: SimulationResult, lang: Lang): string {
  const t = (k: keyof typeof T) => T[k][lang];
  const charts = [
    barChartSvg({
      title: t("hours"),
      data: r.monthlyHours.map((m) => ({ label: m.month.slice(5), values: [m.hours] })),
      series: [{ name: t("hoursSeries"), color: "#2f6fb0" }],
    }),
    barChartSvg({
      title: t("requests"),
      data: r.requests.map((q) => ({ label: q.state, values: [q.count - q.breached, q.breached] })),
      series: [
        { name: t("within"), color: "#3a9a5b" },
        { name: t("breached"), color: "#d0453a" },
      ],
    }),
    barChartSvg({
      title: t("compliance"),
      data: [...r.compliance]
        .map((c) => ({
          label: c.communityId.replace(/^d\d+-/, ""),
          values: [c.total === 0 ? 0 : Math.round((1000 * c.compliant) / c.total) / 10],
        }))
        .sort((a, b) => (b.values[0] ?? 0) - (a.values[0] ?? 0)),
      series: [{ name: t("compliant"), color: "#7a5bb5" }],
      width: 960,
    }),
    barChartSvg({
      title: t("stars"),
      data: r.stars.map((s) => ({ label: "★".repeat(s.stars) || "0", values: [s.volunteers] })),
      series: [{ name: t("volunteers"), color: "#e0a030" }],
    }),
  ];
  const rows = r.summary
    .map((s) => `<tr><td>${escapeHtml(s.label[lang])}</td><td class="num">${s.value.toLocaleString("en-US")}</td></tr>`)
    .join("");
  const warnings =
    r.warnings.length === 0
      ? ""
      : `<h2>${t("warnings")}</h2><ul>${r.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>`;
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
  @media print { .chart { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>${escapeHtml(t("title"))} ${r.year}</h1>
<p class="meta">${t("district")}: ${r.district.communities} communities · ${r.district.persons.toLocaleString("en-US")} retired cadres (${r.district.lixiu} lixiu) · ${r.district.volunteers} volunteers · ${r.district.teams} teams · seed ${r.seed} · scale ${r.scale}</p>
<p class="meta">${escapeHtml(t("note"))} ${t("journal")}: <strong id="journal">${r.journalOk ? t("ok") : t("broken")}</strong></p>
<p class="meta">${escapeHtml(t("reconciled"))}: <strong id="reconciled">${r.reconciliation.discrepancies}</strong> (${r.reconciliation.verified.toLocaleString("en-US")} / ${r.reconciliation.posted.toLocaleString("en-US")})</p>
${charts.join("\n")}
<h2>${t("summary")}</h2>
<table id="summary"><thead><tr><th>${t("item")}</th><th>${t("value")}</th></tr></thead><tbody>${rows}</tbody></table>
${warnings}
</body>
</html>
`;
}
