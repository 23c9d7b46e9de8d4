/**
 * The one mapping table between a register sheet (Chinese or English column headers, Chinese
 * values) and the person schema of `@elderflow/core`. Reading and writing both go through it, so
 * a sheet that Elderflow writes reads back the same.
 */
import { DEFAULT_RANK_LEVELS, type ErrorCode, type MessageParams, type RankScale } from "@elderflow/core";

/** The person fields a sheet column can hold; nested fields are dotted (`household.livesAlone`). */
export type PersonField =
  | "id"
  | "name"
  | "gender"
  | "idNumber"
  | "birthDate"
  | "birthdayCalendar"
  | "retirementKind"
  | "rank"
  | "communityId"
  | "status"
  | "statusSince"
  | "phone"
  | "household.livesAlone"
  | "household.childrenNearby"
  | "household.householdId"
  | "health.chronicConditions"
  | "health.mobilityLimited";

/**
 * How a cell is read: `text` (trimmed, NFC), `id` (a record id; whole numbers become digits),
 * `date`, `enum` (through the column's value map), `rank` (through the rank scale and its
 * aliases), `idNumber`, `phone`, `boolean` (是/否) or `integer`.
 */
export type ColumnKind = "text" | "id" | "date" | "enum" | "rank" | "idNumber" | "phone" | "boolean" | "integer";

/** One column of the mapping table. */
export interface ColumnSpec {
  /** The person field the column fills. */
  readonly field: PersonField;
  /** The headers that name it: the zh-CN and en headers Elderflow writes, and other names it reads. */
  readonly headers: {
    /** The Chinese header written in a zh-CN sheet, e.g. 姓名. */
    readonly "zh-CN": string;
    /** The English header written in an en sheet: the field id, e.g. `name`. */
    readonly en: string;
    /** Other headers read as this column (他称), e.g. 身份证号码, 公民身份号码. */
    readonly aliases: readonly string[];
  };
  /** Whether every row must fill it (a sheet without the column rejects every row with REQUIRED). */
  readonly required: boolean;
  /** How its cells are read. */
  readonly kind: ColumnKind;
  /**
   * For `enum` and `boolean` columns: cell text (normalised, see {@link normalizeKey}) → value.
   * The first entry for a value is the Chinese label an export writes.
   */
  readonly values?: Readonly<Record<string, string | boolean>>;
  /** Personal data (name, ID number, phone, health): masked or left empty in a masked export. */
  readonly personal?: boolean;
}

const BOOLEAN_VALUES: Readonly<Record<string, boolean>> = {
  是: true,
  否: false,
  有: true,
  无: false,
  true: true,
  false: false,
  yes: true,
  no: false,
  y: true,
  n: false,
  "1": true,
  "0": false,
};

/**
 * Other names of the default scale's ranks, as registers write them: 副处级 is the same grade as
 * 副县级 (ranks.ts names it 副县/副处级), 正局级 as 正厅级, and so on. An alias only applies when its
 * rank id is on the scale in use.
 */
export const RANK_ALIASES: Readonly<Record<string, string>> = {
  科员级: "section_member",
  副科: "deputy_section",
  正科: "section",
  副县: "deputy_county",
  副处级: "deputy_county",
  副处: "deputy_county",
  "副县/副处级": "deputy_county",
  副县处级: "deputy_county",
  正县: "county",
  正处级: "county",
  正处: "county",
  "正县/正处级": "county",
  正县处级: "county",
  副厅: "deputy_department",
  副局级: "deputy_department",
  "副厅/副局级": "deputy_department",
  副厅局级: "deputy_department",
  正厅: "department",
  正局级: "department",
  "正厅/正局级": "department",
  正厅局级: "department",
  副部: "deputy_ministry",
  副省级: "deputy_ministry",
  正部: "ministry",
  正省级: "ministry",
};

function rankValues(levels: readonly { id: string; zh: string; en: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of levels) out[normalizeKey(l.zh)] = l.id;
  for (const l of levels) {
    out[normalizeKey(l.id)] ??= l.id;
    out[normalizeKey(l.en)] ??= l.id;
  }
  const ids = new Set(levels.map((l) => l.id));
  for (const [alias, id] of Object.entries(RANK_ALIASES)) if (ids.has(id)) out[normalizeKey(alias)] ??= id;
  return out;
}

/**
 * The mapping table: every column a person sheet may have, in the order an export writes them.
 * Headers are matched after {@link normalizeKey} (trimmed, full-width forms and spaces folded,
 * case ignored, a trailing `*` or bracketed note dropped); values of enum columns likewise.
 *
 * Values: 男→male, 女→female; 离休→lixiu, 退休→tuixiu; 农历→lunar, 公历→gregorian;
 * 在册/正常→active, 去世/已故→deceased, 迁出→moved, 调出/转出→transferred; ranks by their Chinese
 * names (副县级→deputy_county, and the aliases of {@link RANK_ALIASES}); 是/否 for yes/no columns.
 *
 * @example
 * ```ts
 * PERSON_COLUMNS.find((c) => c.field === "gender")?.values?.["男"]; // "male"
 * ```
 */
export const PERSON_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  {
    field: "id",
    headers: { "zh-CN": "编号", en: "id", aliases: ["人员编号", "档案编号", "档案号"] },
    required: true,
    kind: "id",
  },
  {
    field: "name",
    headers: { "zh-CN": "姓名", en: "name", aliases: ["名字"] },
    required: true,
    kind: "text",
    personal: true,
  },
  {
    field: "gender",
    headers: { "zh-CN": "性别", en: "gender", aliases: ["sex"] },
    required: true,
    kind: "enum",
    values: {
      男: "male",
      女: "female",
      男性: "male",
      女性: "female",
      male: "male",
      female: "female",
      m: "male",
      f: "female",
    },
  },
  {
    field: "idNumber",
    headers: {
      "zh-CN": "身份证号",
      en: "idNumber",
      aliases: ["身份证号码", "公民身份号码", "身份证", "身份证件号码", "id number"],
    },
    required: false,
    kind: "idNumber",
    personal: true,
  },
  {
    field: "birthDate",
    headers: {
      "zh-CN": "出生日期",
      en: "birthDate",
      aliases: ["出生年月日", "出生年月", "生日", "birth date", "date of birth"],
    },
    required: true,
    kind: "date",
  },
  {
    field: "birthdayCalendar",
    headers: { "zh-CN": "生日历法", en: "birthdayCalendar", aliases: ["历法", "过生日历法", "birthday calendar"] },
    required: false,
    kind: "enum",
    values: {
      公历: "gregorian",
      农历: "lunar",
      阳历: "gregorian",
      阴历: "lunar",
      新历: "gregorian",
      gregorian: "gregorian",
      lunar: "lunar",
    },
  },
  {
    field: "retirementKind",
    headers: {
      "zh-CN": "离休/退休",
      en: "retirementKind",
      aliases: ["离退休", "离/退休", "离退休类别", "离退休类型", "离休退休", "retirement kind", "retirement"],
    },
    required: true,
    kind: "enum",
    values: { 离休: "lixiu", 退休: "tuixiu", 离休干部: "lixiu", 退休干部: "tuixiu", lixiu: "lixiu", tuixiu: "tuixiu" },
  },
  {
    field: "rank",
    headers: { "zh-CN": "职级", en: "rank", aliases: ["职务级别", "级别", "职级待遇", "待遇级别"] },
    required: true,
    kind: "rank",
    values: rankValues(DEFAULT_RANK_LEVELS),
  },
  {
    field: "communityId",
    headers: { "zh-CN": "社区", en: "communityId", aliases: ["社区编号", "所属社区", "community", "community id"] },
    required: true,
    kind: "id",
  },
  {
    field: "status",
    headers: { "zh-CN": "状态", en: "status", aliases: ["人员状态", "在册状态"] },
    required: false,
    kind: "enum",
    values: {
      在册: "active",
      正常: "active",
      健在: "active",
      去世: "deceased",
      已故: "deceased",
      死亡: "deceased",
      病故: "deceased",
      迁出: "moved",
      调出: "transferred",
      转出: "transferred",
      active: "active",
      deceased: "deceased",
      moved: "moved",
      transferred: "transferred",
    },
  },
  {
    field: "statusSince",
    headers: { "zh-CN": "状态日期", en: "statusSince", aliases: ["状态变更日期", "变更日期", "status since"] },
    required: false,
    kind: "date",
  },
  {
    field: "phone",
    headers: { "zh-CN": "联系电话", en: "phone", aliases: ["电话", "手机", "手机号", "手机号码", "电话号码"] },
    required: false,
    kind: "phone",
    personal: true,
  },
  {
    field: "household.livesAlone",
    headers: { "zh-CN": "独居", en: "household.livesAlone", aliases: ["是否独居", "lives alone"] },
    required: false,
    kind: "boolean",
    values: BOOLEAN_VALUES,
  },
  {
    field: "household.childrenNearby",
    headers: {
      "zh-CN": "子女就近",
      en: "household.childrenNearby",
      aliases: ["子女在身边", "子女是否在身边", "子女是否就近", "children nearby"],
    },
    required: false,
    kind: "boolean",
    values: BOOLEAN_VALUES,
  },
  {
    field: "household.householdId",
    headers: { "zh-CN": "户编号", en: "household.householdId", aliases: ["户号", "家庭编号", "household id"] },
    required: false,
    kind: "id",
  },
  {
    field: "health.chronicConditions",
    headers: {
      "zh-CN": "慢性病数",
      en: "health.chronicConditions",
      aliases: ["慢性病数量", "慢性病种数", "chronic conditions"],
    },
    required: false,
    kind: "integer",
    personal: true,
  },
  {
    field: "health.mobilityLimited",
    headers: { "zh-CN": "行动不便", en: "health.mobilityLimited", aliases: ["是否行动不便", "mobility limited"] },
    required: false,
    kind: "boolean",
    values: BOOLEAN_VALUES,
    personal: true,
  },
] satisfies ColumnSpec[]);

/**
 * The form in which headers and enum values are compared: Unicode NFKC (full-width letters,
 * digits and the ideographic space U+3000 fold to ASCII), white space removed, lower case, a
 * trailing `*` (required mark) or bracketed note such as `（YYYY-MM-DD）` dropped.
 *
 * @example
 * ```ts
 * normalizeKey(" 出生日期（年-月-日）* "); // "出生日期"
 * normalizeKey("Ｎａｍｅ"); // "name"
 * ```
 */
export function normalizeKey(text: string): string {
  let s = text.normalize("NFKC").replace(/\s+/gu, "").toLowerCase();
  for (let i = 0; i < 3; i++) s = s.replace(/\*+$/u, "").replace(/\([^()]*\)$/u, "");
  return s;
}

const HEADER_INDEX: ReadonlyMap<string, ColumnSpec> = (() => {
  const m = new Map<string, ColumnSpec>();
  for (const c of PERSON_COLUMNS)
    for (const h of [c.headers["zh-CN"], c.headers.en, ...c.headers.aliases]) {
      const k = normalizeKey(h);
      if (!m.has(k)) m.set(k, c);
    }
  return m;
})();

/**
 * The column a header names, or undefined for a header the table does not know.
 *
 * @example
 * ```ts
 * columnForHeader("身份证号码")?.field; // "idNumber"
 * columnForHeader("备注");              // undefined
 * ```
 */
export function columnForHeader(header: string): ColumnSpec | undefined {
  return HEADER_INDEX.get(normalizeKey(header));
}

/** The Chinese label an export writes for an enum value, e.g. `male` → 男 (the first entry of the map). */
export function labelFor(column: ColumnSpec, value: string | boolean): string | undefined {
  if (column.values === undefined) return undefined;
  for (const [k, v] of Object.entries(column.values)) if (v === value) return k;
  return undefined;
}

/** The value map of the rank column for a scale: its Chinese names, ids, English names and aliases. */
export function rankValueMap(scale: RankScale): Readonly<Record<string, string>> {
  return rankValues(scale.levels);
}

/** A cell that could not be read: the code and its message params (never the cell's text). */
export interface CellProblem {
  /** Catalogue code. */
  readonly code: ErrorCode;
  /** Message params. */
  readonly params?: MessageParams;
}
