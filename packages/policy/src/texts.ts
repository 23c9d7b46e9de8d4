import type { Lang } from "@elderflow/core";

/**
 * The policy package's catalogue of rendering templates (zh-CN and en): how operators, operands,
 * policies and explanations read. Error messages live in core's ERROR_MESSAGES; these are the
 * words of decisions. `{a}`, `{b}`, `{c}` are operands; other placeholders are named.
 */
export const POLICY_TEXTS = {
  eq: { "zh-CN": "{a}为{b}", en: "{a} is {b}" },
  ne: { "zh-CN": "{a}不为{b}", en: "{a} is not {b}" },
  lt: { "zh-CN": "{a} < {b}", en: "{a} < {b}" },
  le: { "zh-CN": "{a} ≤ {b}", en: "{a} ≤ {b}" },
  gt: { "zh-CN": "{a} > {b}", en: "{a} > {b}" },
  ge: { "zh-CN": "{a} ≥ {b}", en: "{a} ≥ {b}" },
  in: { "zh-CN": "{a}属于{b}", en: "{a} is one of {b}" },
  notIn: { "zh-CN": "{a}不属于{b}", en: "{a} is none of {b}" },
  rankAtLeast: { "zh-CN": "{a}不低于{b}", en: "{a} is at least {b}" },
  rankBelow: { "zh-CN": "{a}低于{b}", en: "{a} is below {b}" },
  multipleOf: { "zh-CN": "{a}是{b}的倍数", en: "{a} is a multiple of {b}" },
  between: { "zh-CN": "{a}在{b}至{c}之间", en: "{a} is between {b} and {c}" },
  present: { "zh-CN": "{a}已知", en: "{a} is known" },
  and: { "zh-CN": "且", en: " and " },
  or: { "zh-CN": "或", en: " or " },
  not: { "zh-CN": "并非（{a}）", en: "not ({a})" },
  always: { "zh-CN": "总是", en: "always" },
  never: { "zh-CN": "从不", en: "never" },
  listSep: { "zh-CN": "、", en: ", " },
  param: { "zh-CN": "{label}（{value}）", en: "{label} ({value})" },
  read: { "zh-CN": "{label}（{value}）", en: "{label} ({value})" },
  "read.age": { "zh-CN": "{value}周岁", en: "aged {value}" },
  age: { "zh-CN": "{a}对应的周岁", en: "age from {a}" },
  "asOf.date": { "zh-CN": "评估日", en: "the as-of date" },
  "asOf.year": { "zh-CN": "评估年份", en: "the as-of year" },
  "asOf.month": { "zh-CN": "评估月份", en: "the as-of month" },
  "asOf.day": { "zh-CN": "评估日（日）", en: "the as-of day of month" },
  "asOf.yearStart": { "zh-CN": "评估年份1月1日", en: "1 January of the as-of year" },
  "asOf.yearEnd": { "zh-CN": "评估年份12月31日", en: "31 December of the as-of year" },
  "asOf.rollingYearStart": {
    "zh-CN": "评估日前12个月的首日",
    en: "the first day of the twelve months up to the as-of date",
  },
  "arith.add": { "zh-CN": "（{a} + {b}）", en: "({a} + {b})" },
  "arith.sub": { "zh-CN": "（{a} − {b}）", en: "({a} − {b})" },
  "arith.mul": { "zh-CN": "（{a} × {b}）", en: "({a} × {b})" },
  "arith.div": { "zh-CN": "（{a} ÷ {b}）", en: "({a} ÷ {b})" },
  "arith.mod": { "zh-CN": "（{a}除以{b}的余数）", en: "({a} mod {b})" },
  "arith.min": { "zh-CN": "{a}与{b}中较小者", en: "the smaller of {a} and {b}" },
  "arith.max": { "zh-CN": "{a}与{b}中较大者", en: "the larger of {a} and {b}" },
  floor: { "zh-CN": "{a}取整", en: "{a} rounded down" },
  none: { "zh-CN": "无", en: "none" },
  yes: { "zh-CN": "是", en: "yes" },
  no: { "zh-CN": "否", en: "no" },
  "policy.head": { "zh-CN": "{title}（{id}）", en: "{title} ({id})" },
  "policy.source": { "zh-CN": "依据：{document}“{quote}”", en: "Source: {document} “{quote}”" },
  "policy.readings": { "zh-CN": "解读：", en: "Readings:" },
  "policy.version": { "zh-CN": "版本{version}：{from}起生效{to}", en: "Version {version}: in effect from {from}{to}" },
  "policy.until": { "zh-CN": "，至{to}止", en: " to {to}" },
  "policy.params": { "zh-CN": "参数：", en: "Parameters:" },
  "policy.changes": { "zh-CN": "（{from}起为{value}）", en: " (from {from}: {value})" },
  "policy.hit": { "zh-CN": "命中策略：{hit}", en: "Hit policy: {hit}" },
  "hit.first": { "zh-CN": "首条命中（first）", en: "first matching rule (first)" },
  "hit.unique": { "zh-CN": "唯一命中（unique）", en: "exactly one rule may match (unique)" },
  "hit.collect": { "zh-CN": "全部命中（collect）", en: "every matching rule (collect)" },
  "hit.priority": { "zh-CN": "优先级最高者（priority）", en: "highest priority (priority)" },
  "policy.rule": { "zh-CN": "规则{id}：{label}", en: "Rule {id}: {label}" },
  "policy.when": { "zh-CN": "条件：{condition}", en: "When: {condition}" },
  "policy.then": { "zh-CN": "结果：{outcome}", en: "Then: {outcome}" },
  "policy.otherwise": { "zh-CN": "否则：{outcome}", en: "Otherwise: {outcome}" },
  "policy.priority": { "zh-CN": "优先级：{priority}", en: "Priority: {priority}" },
  "outcome.grant": { "zh-CN": "授予{entitlements}", en: "grant {entitlements}" },
  "outcome.value": { "zh-CN": "{name} = {value}", en: "{name} = {value}" },
  "sentence.granted": { "zh-CN": "{subject}{facts}，符合{title}条件", en: "{subject}eligible: {facts}" },
  "sentence.denied": { "zh-CN": "{subject}{facts}，不符合{title}条件", en: "{subject}not eligible: {facts}" },
  "sentence.subject": { "zh-CN": "{name}: ", en: "{name}: " },
  "test.pass": { "zh-CN": "通过", en: "pass" },
  "test.fail": { "zh-CN": "未通过", en: "FAIL" },
  "test.summary": {
    "zh-CN": "共{total}个用例，通过{passed}个，未通过{failed}个",
    en: "{total} cases, {passed} passed, {failed} failed",
  },
  "impact.summary": {
    "zh-CN": "共{total}人：新增{gained}人，失去{lost}人，不变{unchanged}人",
    en: "{total} persons: {gained} gain, {lost} lose, {unchanged} unchanged",
  },
} as const;

/** A key of {@link POLICY_TEXTS}. */
export type PolicyTextKey = keyof typeof POLICY_TEXTS;

/**
 * Renders a policy text in a language, filling `{placeholders}`.
 *
 * @example
 * ```ts
 * policyText("ge", "en", { a: "age", b: "70" }); // "age ≥ 70"
 * ```
 */
export function policyText(
  key: PolicyTextKey,
  lang: Lang,
  params: Readonly<Record<string, string | number>> = {},
): string {
  return POLICY_TEXTS[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
