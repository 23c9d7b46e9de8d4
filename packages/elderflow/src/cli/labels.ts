import { DEFAULT_RANK_LEVELS, type Lang } from "@elderflow/core";

/** A label in both languages of the CLI. */
type Bilingual = { readonly "zh-CN": string; readonly en: string };

const RANK_VALUES: Record<string, Bilingual> = Object.fromEntries(
  DEFAULT_RANK_LEVELS.map((r) => [r.id, { "zh-CN": r.zh, en: r.en }]),
);

/**
 * Column headers of every list the CLI prints, in both languages. A header not listed here is
 * printed as it is (an id column such as `pairId` reads the same to a bureau's staff).
 */
export const HEADER_LABELS: Readonly<Record<string, Bilingual>> = {
  personId: { "zh-CN": "人员编号", en: "person" },
  name: { "zh-CN": "姓名", en: "name" },
  communityId: { "zh-CN": "社区编号", en: "community id" },
  community: { "zh-CN": "社区", en: "community" },
  date: { "zh-CN": "日期", en: "date" },
  age: { "zh-CN": "周岁", en: "age" },
  calendar: { "zh-CN": "历法", en: "calendar" },
  occasion: { "zh-CN": "事由", en: "occasion" },
  anniversary: { "zh-CN": "周年", en: "anniversary" },
  visitingBody: { "zh-CN": "走访单位", en: "visiting body" },
  status: { "zh-CN": "状态", en: "status" },
  lastCheck: { "zh-CN": "上次体检", en: "last check" },
  dueDate: { "zh-CN": "应检日期", en: "due date" },
  retirementKind: { "zh-CN": "离休/退休", en: "retirement" },
  rank: { "zh-CN": "职级", en: "rank" },
  index: { "zh-CN": "序号", en: "index" },
  id: { "zh-CN": "编号", en: "id" },
  path: { "zh-CN": "字段", en: "field" },
  code: { "zh-CN": "代码", en: "code" },
  message: { "zh-CN": "说明", en: "message" },
  title: { "zh-CN": "标题", en: "title" },
  rule: { "zh-CN": "规则", en: "rule" },
  versions: { "zh-CN": "版本", en: "versions" },
  summary: { "zh-CN": "事项", en: "summary" },
  time: { "zh-CN": "时间", en: "time" },
  weeksRequired: { "zh-CN": "应联系周数", en: "weeks required" },
  weeksMet: { "zh-CN": "已联系周数", en: "weeks met" },
  missedWeeks: { "zh-CN": "未联系周", en: "missed weeks" },
  homeVisitsRequired: { "zh-CN": "应上门次数", en: "home visits required" },
  homeVisits: { "zh-CN": "上门次数", en: "home visits" },
  compliant: { "zh-CN": "达标", en: "compliant" },
  change: { "zh-CN": "变化", en: "change" },
  entitlements: { "zh-CN": "待遇", en: "entitlements" },
  machine: { "zh-CN": "流程", en: "machine" },
  event: { "zh-CN": "事件", en: "event" },
  roles: { "zh-CN": "角色", en: "roles" },
  payload: { "zh-CN": "数据", en: "payload" },
  line: { "zh-CN": "行", en: "line" },
  ok: { "zh-CN": "成功", en: "ok" },
  state: { "zh-CN": "状态", en: "state" },
  kind: { "zh-CN": "类别", en: "kind" },
  start: { "zh-CN": "开始", en: "start" },
  end: { "zh-CN": "结束", en: "end" },
  movedFrom: { "zh-CN": "原定日期", en: "moved from" },
  oldDate: { "zh-CN": "原日期", en: "old date" },
  newDate: { "zh-CN": "新日期", en: "new date" },
  reason: { "zh-CN": "原因", en: "reason" },
  deliveries: { "zh-CN": "送学上门", en: "deliveries" },
};

/** Values of the enums a list shows, by column, in both languages. */
export const VALUE_LABELS: Readonly<Record<string, Readonly<Record<string, Bilingual>>>> = {
  retirementKind: { lixiu: { "zh-CN": "离休", en: "lixiu" }, tuixiu: { "zh-CN": "退休", en: "tuixiu" } },
  rank: RANK_VALUES,
  calendar: { gregorian: { "zh-CN": "公历", en: "gregorian" }, lunar: { "zh-CN": "农历", en: "lunar" } },
  occasion: {
    spring_festival: { "zh-CN": "春节", en: "Spring Festival" },
    july_1: { "zh-CN": "七一", en: "July 1" },
    national_day: { "zh-CN": "国庆", en: "National Day" },
    prc_founding: { "zh-CN": "建国周年", en: "PRC founding anniversary" },
    party_founding: { "zh-CN": "建党周年", en: "Party founding anniversary" },
  },
  status: {
    done: { "zh-CN": "已检", en: "done" },
    due: { "zh-CN": "待检", en: "due" },
    overdue: { "zh-CN": "逾期", en: "overdue" },
  },
  visitingBody: {
    district_leaders: { "zh-CN": "区领导", en: "district leaders" },
    organisation_department: { "zh-CN": "区委组织部", en: "Organisation Department" },
    veteran_cadres_bureau: { "zh-CN": "老干部局", en: "Bureau of Veteran Cadres" },
    personnel_bureau: { "zh-CN": "人事局", en: "Personnel Bureau" },
  },
  compliant: { true: { "zh-CN": "是", en: "yes" }, false: { "zh-CN": "否", en: "no" } },
  ok: { true: { "zh-CN": "是", en: "yes" }, false: { "zh-CN": "否", en: "no" } },
};

/**
 * A column header in a language: the label from {@link HEADER_LABELS}, or the key as it is.
 *
 * @example
 * ```ts
 * headerLabel("calendar", "zh-CN"); // "历法"
 * ```
 */
export function headerLabel(key: string, lang: Lang): string {
  return HEADER_LABELS[key]?.[lang] ?? key;
}

/**
 * An enum value of a column in a language (`lixiu` -> 离休, `deputy_county` -> 副县级, `lunar` -> 农历);
 * any other value as it is, so ids and dates are never changed.
 *
 * @example
 * ```ts
 * valueLabel("rank", "deputy_county", "zh-CN"); // "副县级"
 * ```
 */
export function valueLabel(column: string, value: unknown, lang: Lang): unknown {
  if (typeof value !== "string" && typeof value !== "boolean") return value;
  const label = VALUE_LABELS[column]?.[String(value)];
  return label === undefined ? value : label[lang];
}

/**
 * Rows with their enum values labelled and their keys turned into headers in a language: what a
 * table or CSV shows to a bureau's staff (JSON keeps the ids).
 *
 * @example
 * ```ts
 * labelRows([{ calendar: "lunar" }], "zh-CN"); // [{ 历法: "农历" }]
 * ```
 */
export function labelRows(rows: readonly Record<string, unknown>[], lang: Lang): Record<string, unknown>[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) out[headerLabel(k, lang)] = valueLabel(k, v, lang);
    return out;
  });
}

/** Commander's help headings and the help and version options, in Chinese. */
export const HELP_TITLES_ZH: Readonly<Record<string, string>> = {
  "Usage:": "用法：",
  "Options:": "选项：",
  "Commands:": "命令：",
  "Arguments:": "参数：",
  "Global Options:": "全局选项：",
};

/**
 * Chinese descriptions of the program, its global options and every command, by command path
 * (`""` is the program, `"roster birthdays"` a subcommand; `"--format"` a global option).
 */
export const HELP_ZH: Readonly<Record<string, string>> = {
  "": "Elderflow：离退休干部社区服务——政策、日程、时间银行、工作流程",
  "--format": "输出格式（各命令所支持的格式见其说明）",
  "--lang": "消息、表头和取值的语言",
  "--as-of": "以该日期（上海时间 09:00）为今天，YYYY-MM-DD；也可用环境变量 ELDERFLOW_TODAY",
  "--help": "显示帮助",
  "--version": "显示版本号",
  help: "显示某个命令的帮助",
  demo: "模拟一个辖区的一年（有种子，结果可重现）并生成 HTML 报告",
  validate: "校验交换格式（JSON）中的记录",
  "validate persons": "校验人员数组：逐条列出无效记录的序号、字段和代码",
  generate: "生成交换格式的合成数据（有种子）",
  policy: "待遇与分派政策：查看、解释、测试、影响分析",
  "policy list": "列出预置政策",
  "policy show": "以可读文本显示政策（--format json 显示其 JSON 形式）",
  "policy explain": "按某日对事实作出决定并给出解释",
  "policy test": "运行以数据写成的测试用例",
  "policy impact": "两个政策或版本之间，谁获得、谁失去待遇",
  roster: "按日程生成名单（祝寿、慰问、体检）",
  "roster birthdays": "生日祝寿名单（逢五排十），公历或农历",
  "roster visits": "春节、七一慰问名单，逢整周年另加走访",
  "roster health-checks": "某日已检、待检和逾期的年度体检",
  cadence: "结对帮扶频次（每周联系、每月上门）",
  "cadence check": "逐对检查每周联系和每月三次上门",
  calendar: "办公日程：法律援助、法治日、学习、体检",
  timebank: "时间银行：重放指令、公示、存单",
  schedule: "日程：节假日数据包及其影响",
  "schedule holidays": "节假日数据包：国务院办公厅年度放假通知的数据形式",
  "schedule holidays load":
    "校验节假日数据包（格式、上限、内容哈希）并列出所有因此改期的计划事项；格式：table、json、csv",
  "schedule holidays hash": "校验数据包内容并输出填好内容哈希的数据包；格式：json、text",
  "timebank replay": "执行 JSONL 指令流并列出每个结果和每个账户",
  "timebank notice": "社区季度公示（姓名已遮蔽）",
  "timebank certificate": "志愿者时间存单：每笔记录及余额",
  "timebank verify": "校验流水的哈希链",
  "timebank checkpoint": "输出流水的签名检查点",
  "timebank balance": "志愿者某日的账户：只计该日及以前的记录（生效时间或登记时间）",
  "timebank rating": "年终星级评定（含服务对象评价），姓名已遮蔽",
  "timebank statement": "本方对另一方的季度通存通兑结算单（已签名）",
  "timebank verify-statement": "以本方记录核对对方结算单：签名、收方、合计、逐笔、轧差；不一致时逐项列出，退出码 1",
  workflow: "持久化工作流程：诉求、督办、关怀、结对、核实",
  "workflow machines": "列出各流程的事件及可发送的角色",
  "workflow diagram": "输出流程的 Mermaid 状态图",
  "workflow diagrams": "生成（或用 --check 比对）文档中的流程图",
  "workflow run": "执行 JSONL 脚本，逐行输出结果",
  reconcile: "列出已核实未入账、入账无流程的记录及死信",
  erase: "在哈希链之外擦除某人的个人信息（链仍可校验）",
  import: "向信息库导入数据（XLSX、CSV 或 JSON 人员表）",
  "import persons": "将 XLSX、CSV（UTF-8、GB18030）或 JSON 人员表登记入信息库；坏行逐行报告行号、列名和代码",
  export: "从信息库导出数据（脱敏人员表 XLSX）",
  "export persons": "将信息库人员（已脱敏）写成与导入表相同表头的 XLSX",
  audit: "个人信息访问日志：谁因何查看了谁",
  "audit access": "某人的个人信息被谁查看过（操作人、用途、操作、时间），可按日期范围",
  "audit verify": "校验访问日志的哈希链；不通过时给出位置，退出码 1",
  "audit export": "以 JSON Lines 导出访问日志（只有编号和代码）",
};

/** Chinese descriptions of the options the commands share, by long flag (a command's own wording in English stays under `--lang en`). */
export const OPTION_HELP_ZH: Readonly<Record<string, string>> = {
  "--persons": "人员 JSON 数组（交换格式）；时间银行命令只读其出生日期和困难标志（兑换年龄）",
  "--from": "起始日期 YYYY-MM-DD（上海时间）",
  "--person": "人员编号",
  "--to": "截止日期 YYYY-MM-DD（含）",
  "--year": "年份",
  "--on": "日期 YYYY-MM-DD",
  "--org": "组织单位 JSON {id, kind, name}（或 {社区编号: 名称}），用于显示社区名称",
  "--checks": "已做体检记录 JSON 数组 {personId, date}",
  "--skip": "两种历法不存在日期的处理：OMIT | BACKWARD | FORWARD（默认 BACKWARD）",
  "--skip-gregorian": "2月29日生日的处理",
  "--skip-lunar": "农历三十和闰月生日的处理",
  "--store": "存储：memory | pglite:<目录> | postgres:<url> | mysql:<url>",
  "--schema": "PostgreSQL 模式名",
  "--actor": "操作人：内联 JSON 或 JSON 文件",
  "--commands": "JSONL 指令文件，每行一条",
  "--names": "人员 JSON（或 {编号: 姓名}），用于显示遮蔽后的姓名",
  "--community": "社区编号",
  "--period": "季度 YYYY-Qn",
  "--volunteer": "志愿者编号",
  "--seed": "随机种子",
  "--scale": "规模倍数",
  "--items": '计划事项 JSON 数组：{id, kind, date, rule?} 或 {id, kind: "sla_deadline", startedAt, limit}',
  "--no-series": "不含办公日程（法律援助、法治日、学习、体检）",
  "--out": "输出位置",
  "--report": "HTML 报告的写入位置",
  "--policy": "预置政策编号或政策 JSON 文件",
  "--facts": "事实 JSON 文件（对象或对象数组）",
  "--pairs": "结对 JSON 数组",
  "--log": "联系记录 JSON 数组",
  "--month": "月份 YYYY-MM",
  "--by": "按 pair（默认）| volunteer | community 汇总",
  "--local-days": "本地日 JSON 数组 {date, working, name}",
  "--key": "密钥文件",
  "--anchor": "签名检查点文件（JSON）",
  "--hash": "新流水的哈希算法：sha256（默认）或 sm3",
  "--check": "比对，不写入；有差异时退出码 1",
  "--effective": "登记生效日期 YYYY-MM-DD（默认今天）",
  "--all-or-nothing": "有任何坏行时一行也不导入",
  // --- #15 time-bank rules, clearing and rating ---
  "--rules": "规则版本 JSON 数组 {from, storageCap, redemptionAge, expiry}（按生效日期）",
  "--rules-from": "以下规则选项的生效日期 YYYY-MM-DD（默认一直有效）",
  "--cap-hours": "存储上限（小时，南京 2019：1500）：超出上限的核实被拒绝（STORAGE_CAP）",
  "--cap-excess": "超出上限时：refuse 拒绝（默认）或 donate 将超出部分捐入公益池",
  "--cap-pool": "接收捐赠的公益池编号（默认为志愿者所在社区）",
  "--redemption-age": "兑换年龄：受益人满该周岁方可支取（上海 2026：65）；REDEMPTION_AGE",
  "--hardship-age": "困难情形下较低的兑换年龄（上海 2026：60）",
  "--expiry-months": "存入时长在若干个月后失效（由 expire 指令记入）",
  "--basis": "effective 按服务和入账日期（默认）或 recorded 按流水登记时间",
  "--feedback": "服务对象评价 JSON {志愿者编号: {satisfied, dissatisfied}} 或 {志愿者编号: {score, responses}}",
  "--bank": "本方时间银行编号（如 district-a）",
  "--counterpart": "结算对方的银行编号",
  "--issuer": "结算单应来自的银行编号（默认以结算单所写为准，由密钥判定）",
  "--via": "城市清算所的结算单：其轧差的各银行编号，逗号分隔",
  "--clearing": "本方清算簿指令 JSONL（serve、unserve、close），按行执行",
};
