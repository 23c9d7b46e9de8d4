import type { Lang } from "@elderflow/core";
import type { CountyImpact } from "./impact";
import { ORDINARY_FROM_AGE, REFORM_FROM, REFORM_VERSION } from "./policy";

const TEXT = {
  title: {
    "zh-CN": "生日祝寿规则调整影响分析（{year}年）",
    en: "Impact of the birthday rule change ({year})",
  },
  change: {
    "zh-CN": "调整：自{from}起一般干部从{age}周岁起祝寿（原为80周岁），版本 2009 → {version}",
    en: "Change: from {from} ordinary cadres are celebrated from {age} (was 80), version 2009 → {version}",
  },
  population: {
    "zh-CN": "模拟辖区：在册离退休干部{cadres}人，{year}年生日{total}个（公历、农历）",
    en: "Synthetic district: {cadres} active retired cadres, {total} birthdays in {year} (Gregorian and lunar)",
  },
  counts: {
    "zh-CN": "祝寿：调整前{before}次，调整后{after}次；新增{gained}人次，减少{lost}人次，不变{unchanged}人次",
    en: "Celebrations: {before} before, {after} after; {gained} gained, {lost} lost, {unchanged} unchanged",
  },
  byGroup: { "zh-CN": "新增人次（按类别、周岁）：", en: "Gained, by retirement kind and age:" },
  group: { "zh-CN": "  {kind} {age}周岁：{count}", en: "  {kind}, turning {age}: {count}" },
  byMonth: { "zh-CN": "每月新增上门祝寿：", en: "Extra birthday visits per month:" },
  sample: { "zh-CN": "新增示例（仅编号）：{ids}", en: "Sample of those gaining (ids only): {ids}" },
  losers: { "zh-CN": "无人失去祝寿资格。", en: "Nobody loses a celebration." },
} as const;

const KIND = { lixiu: { "zh-CN": "离休", en: "lixiu" }, tuixiu: { "zh-CN": "退休", en: "tuixiu" } } as const;

function fill(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** The impact report as printed lines, in zh-CN or en. */
export function renderImpact(impact: CountyImpact, lang: Lang): string {
  const { report } = impact;
  const counts = report.byEntitlement.birthday_visit ?? { before: 0, after: 0 };
  const lines = [
    fill(TEXT.title[lang], { year: impact.year }),
    fill(TEXT.change[lang], { from: REFORM_FROM, age: ORDINARY_FROM_AGE, version: REFORM_VERSION }),
    fill(TEXT.population[lang], { cadres: impact.cadres, total: report.total, year: impact.year }),
    fill(TEXT.counts[lang], {
      before: counts.before,
      after: counts.after,
      gained: report.gained,
      lost: report.lost,
      unchanged: report.unchanged,
    }),
    TEXT.byGroup[lang],
    ...impact.gainedBy.map((g) =>
      fill(TEXT.group[lang], { kind: KIND[g.retirementKind as keyof typeof KIND][lang], age: g.age, count: g.count }),
    ),
    TEXT.byMonth[lang],
    `  ${Object.entries(impact.gainedByMonth)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([m, n]) => `${m.slice(5)}:${n}`)
      .join("  ")}`,
    fill(TEXT.sample[lang], {
      ids: report.gains
        .slice(0, 3)
        .map((g) => g.id)
        .join(", "),
    }),
  ];
  if (report.lost === 0) lines.push(TEXT.losers[lang]);
  return lines.join("\n");
}
