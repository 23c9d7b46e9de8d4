/**
 * Reading a register of persons from the files a bureau has: XLSX, CSV (UTF-8 with or without a
 * BOM, GB18030 as older Excel saves it, UTF-16 as Excel's "Unicode text") and JSON (with or
 * without a BOM), with Chinese or English headers and Chinese values, through {@link PERSON_COLUMNS}.
 * Every bad row is reported with its row number, column and code; the good rows are returned.
 */
import {
  defaultRankScale,
  ElderflowError,
  type ErrorCode,
  formatMessage,
  fromZodError,
  IdSchema,
  type IsoDate,
  isElderflowError,
  isIsoDate,
  type Lang,
  type MessageParams,
  type Person,
  parseJsonText,
  personSchema,
  type RankScale,
  redactPersonalData,
  safeParams,
  textProblem,
} from "@elderflow/core";
import { parse as parseCsv } from "csv-parse/sync";
import { readSheet } from "read-excel-file/node";
import {
  type CellProblem,
  type ColumnSpec,
  columnForHeader,
  labelFor,
  normalizeKey,
  PERSON_COLUMNS,
  type PersonField,
  rankValueMap,
} from "./mapping";
import { checkXlsxArchive, HEADER_SCAN_ROWS } from "./zip";

/** The file formats {@link readPersons} reads. */
export type ImportFormat = "xlsx" | "csv" | "json";

/** The default bounds of an import; each can be lowered (or raised) through {@link ReadPersonsOptions}. */
export const IMPORT_LIMITS = Object.freeze({
  /** Largest file, in bytes (64 MiB). */
  maxBytes: 64 * 1024 * 1024,
  /** Most data rows (the header not counted). */
  maxRows: 200_000,
  /** Most columns in a sheet. */
  maxColumns: 256,
  /** Longest cell text, in UTF-16 code units; a longer cell rejects its row with CELL_TOO_LONG. */
  maxCellChars: 2_000,
  /** Most bytes an XLSX archive may inflate to (256 MiB). */
  maxUnzippedBytes: 256 * 1024 * 1024,
});

/** One row that was not imported: where it is, which column, why, in both languages. */
export interface ImportRejection {
  /**
   * The row number as the sheet shows it: the header is row 1 (or the row the header was found
   * on), the first data row 2. For a JSON array the row is the element's index + 2, so it lines up
   * with the same persons exported as a sheet.
   */
  readonly row: number;
  /** The column as its header appears in the file (a JSON key), or null when the row as a whole is at fault. */
  readonly column: string | null;
  /** Stable catalogue code. */
  readonly code: ErrorCode;
  /** The message's params (limits, options, the row of a first occurrence); never a cell's value. */
  readonly params: MessageParams;
  /** The message in each language; it never repeats the cell's value. */
  readonly message: { readonly "zh-CN": string; readonly en: string };
  /** Further problems of the same row, after the first (absent when there are none). */
  readonly more?: readonly {
    readonly column: string | null;
    readonly code: ErrorCode;
    readonly params: MessageParams;
  }[];
}

/** A column of the file that the mapping table does not know: reported once, and ignored. */
export interface IgnoredColumn {
  /** The header row. */
  readonly row: number;
  /** The header as it appears in the file. */
  readonly column: string;
  /** Always `UNKNOWN_COLUMN`. */
  readonly code: "UNKNOWN_COLUMN";
}

/** What {@link readPersons} found in a file. */
export interface PersonImport {
  /** The good rows as parsed persons (defaults filled), in file order. */
  readonly persons: Person[];
  /** The sheet row of each person in {@link PersonImport.persons} (same order). */
  readonly personRows: number[];
  /** Every bad row, one entry per row, in row order. */
  readonly rejected: ImportRejection[];
  /** How many data rows the file has (empty rows not counted). */
  readonly rows: number;
  /** The format the file was read as. */
  readonly format: ImportFormat;
  /** The row the header was found on (1 for JSON). */
  readonly headerRow: number;
  /** Columns the mapping table does not know (sheets only; a JSON key it does not know rejects its row). */
  readonly ignoredColumns: IgnoredColumn[];
  /**
   * The header of every field of the table as the file writes it (for a column the file lacks, the
   * header Elderflow would write): what a later refusal of a row (by the register) names as its column.
   */
  readonly columns: Readonly<Partial<Record<PersonField, string>>>;
}

/** Options of {@link readPersons}. */
export interface ReadPersonsOptions {
  /** Today's date: birth and status dates after it are rejected with FUTURE_DATE. */
  readonly today: IsoDate;
  /** The rank scale (default: the civil-service scale). */
  readonly scale?: RankScale;
  /** The format, when the bytes do not tell (an XLSX file is always recognised by its ZIP signature). */
  readonly format?: ImportFormat;
  /** The file's name, whose extension helps tell CSV from JSON. */
  readonly fileName?: string;
  /** Most data rows (default {@link IMPORT_LIMITS}.maxRows); more throws IMPORT_TOO_MANY_ROWS. */
  readonly maxRows?: number;
  /** Largest file in bytes (default {@link IMPORT_LIMITS}.maxBytes); larger throws IMPORT_FILE_TOO_LARGE. */
  readonly maxBytes?: number;
  /** Longest cell text (default {@link IMPORT_LIMITS}.maxCellChars). */
  readonly maxCellChars?: number;
  /** Most bytes an XLSX may inflate to (default {@link IMPORT_LIMITS}.maxUnzippedBytes). */
  readonly maxUnzippedBytes?: number;
  /**
   * Refuse text that could not be kept as canonical text: control characters, bidi overrides
   * (CONTROL_CHARACTER) and lone surrogates (MALFORMED_TEXT), as the register does (default true).
   * `false` leaves text to the person schema alone, for a reader that only prints masked names.
   */
  readonly canonicalText?: boolean;
  /** Community names → ids, for a 社区 column that holds names (东关社区) rather than ids. */
  readonly communities?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/**
 * Tells the format of a file: the ZIP signature `PK\x03\x04` is XLSX whatever the name says; an
 * OLE2 file (legacy `.xls`) is refused with IMPORT_UNSUPPORTED_FORMAT; otherwise the format asked
 * for, else the extension, else JSON when the text starts with `[` or `{`, else CSV.
 *
 * @example
 * ```ts
 * detectFormat(new TextEncoder().encode("\uFEFF[]")); // "json"
 * ```
 */
export function detectFormat(bytes: Uint8Array, fileName?: string, format?: ImportFormat): ImportFormat {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return "xlsx";
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
    throw new ElderflowError("IMPORT_UNSUPPORTED_FORMAT", { params: { format: "XLS" } });
  if (format !== undefined) return format;
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(fileName ?? "")?.[1]?.toLowerCase();
  if (ext === "json") return "json";
  if (ext === "csv" || ext === "txt" || ext === "tsv") return "csv";
  if (ext === "xlsx" || ext === "xlsm") return "xlsx";
  if (ext === "xls" || ext === "et" || ext === "numbers" || ext === "ods")
    throw new ElderflowError("IMPORT_UNSUPPORTED_FORMAT", { params: { format: ext.toUpperCase() } });
  const head = decodeText(bytes.subarray(0, 64), true).trimStart();
  return head.startsWith("[") || head.startsWith("{") ? "json" : "csv";
}

/**
 * Decodes the text of a CSV or JSON file: a UTF-16 BOM means UTF-16; a UTF-8 BOM is dropped;
 * bytes that are valid UTF-8 are UTF-8; anything else is GB18030 (which contains GBK and GB2312),
 * the encoding of a CSV saved by Excel on a Chinese Windows.
 *
 * @example
 * ```ts
 * decodeText(new Uint8Array([0xd0, 0xd5, 0xc3, 0xfb])); // "姓名"
 * ```
 */
export function decodeText(bytes: Uint8Array, partial = false): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    // A fresh decoder each time: a streaming decode leaves state behind in a shared one.
    return new TextDecoder("utf-8", { fatal: true }).decode(body, { stream: partial });
  } catch {
    return new TextDecoder("gb18030").decode(body);
  }
}

/** A cell as read from any format before the mapping: XLSX gives numbers, booleans and dates too. */
type RawCell = string | number | boolean | Date | null | undefined | object;

/** One data row before the mapping: its sheet row number and its cells by column. */
interface RowInput {
  readonly row: number;
  readonly cells: readonly { readonly column: string; readonly spec: ColumnSpec; readonly value: RawCell }[];
  /** Problems found while laying the row out (JSON: unknown keys, not an object). */
  readonly problems: Problem[];
  /** JSON only: the interchange form's `extra` attributes. */
  readonly extra?: unknown;
}

interface Problem {
  readonly column: string | null;
  readonly code: ErrorCode;
  readonly params: MessageParams;
  /** Position for ordering: the column's place in the file. */
  readonly order: number;
}

interface Layout {
  readonly format: ImportFormat;
  readonly headerRow: number;
  readonly rows: RowInput[];
  readonly ignoredColumns: IgnoredColumn[];
  /** The header of each field as the file writes it (or as Elderflow would, for a column the file lacks). */
  readonly columnOf: (field: string) => string;
  /** The position of each field's column in the file. */
  readonly orderOf: (field: string) => number;
}

/**
 * Reads persons from the bytes of an XLSX, CSV or JSON file. Every data row is mapped through
 * {@link PERSON_COLUMNS} and validated with `personSchema({ scale, today })`; a bad row becomes one
 * {@link ImportRejection} (its first problem, left to right, with the others in `more`) and never
 * stops the rest. A repeated 编号 or 身份证号 rejects the later row (DUPLICATE_ID,
 * DUPLICATE_ID_NUMBER). A missing required column rejects every row with REQUIRED naming it.
 *
 * A file that cannot be read as a whole throws a typed error: IMPORT_FILE_TOO_LARGE,
 * IMPORT_TOO_MANY_ROWS, IMPORT_TOO_MANY_COLUMNS, IMPORT_UNSUPPORTED_FORMAT (a legacy .xls),
 * IMPORT_INVALID_FILE, IMPORT_NO_HEADER, IMPORT_DUPLICATE_COLUMN, INVALID_JSON or INVALID_TYPE.
 *
 * @example
 * ```ts
 * const csv = "编号,姓名,性别,出生日期,离休/退休,职级,社区\np1,张小三,男,1950年10月1日,离休,副县级,c01\n";
 * const { persons, rejected } = await readPersons(new TextEncoder().encode(csv), { today: "2026-12-01" });
 * persons[0]?.rank; // "deputy_county"
 * rejected.length; // 0
 * ```
 */
export async function readPersons(input: Uint8Array, options: ReadPersonsOptions): Promise<PersonImport> {
  const maxBytes = options.maxBytes ?? IMPORT_LIMITS.maxBytes;
  const maxRows = options.maxRows ?? IMPORT_LIMITS.maxRows;
  const maxCellChars = options.maxCellChars ?? IMPORT_LIMITS.maxCellChars;
  if (input.byteLength > maxBytes) throw new ElderflowError("IMPORT_FILE_TOO_LARGE", { params: { maximum: maxBytes } });
  const format = detectFormat(input, options.fileName, options.format);
  let layout: Layout;
  if (format === "json") layout = layoutJson(input, maxRows);
  else {
    const grid =
      format === "xlsx"
        ? await readXlsxGrid(input, maxRows, options.maxUnzippedBytes ?? IMPORT_LIMITS.maxUnzippedBytes)
        : readCsvGrid(input, maxRows);
    layout = layoutGrid(format, grid, maxRows);
  }
  return mapRows(layout, {
    today: options.today,
    scale: options.scale ?? defaultRankScale,
    maxCellChars,
    canonicalText: options.canonicalText ?? true,
    communities: communityLookup(options.communities),
  });
}

function communityLookup(c: ReadPersonsOptions["communities"]): ReadonlyMap<string, string> {
  if (c === undefined) return new Map();
  const entries = c instanceof Map ? [...c.entries()] : Object.entries(c as Record<string, string>);
  return new Map(entries.map(([name, id]) => [normalizeKey(name), id]));
}

// ---------------------------------------------------------------------------------------------
// Formats → rows of cells

async function readXlsxGrid(bytes: Uint8Array, maxRows: number, maxUnzippedBytes: number): Promise<RawCell[][]> {
  checkXlsxArchive(bytes, {
    maxUnzippedBytes,
    maxEntries: 10_000,
    maxRows,
    maxColumn: IMPORT_LIMITS.maxColumns,
  });
  try {
    // The Node entry takes a Buffer (a plain Uint8Array would be taken for a path).
    return (await readSheet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) as RawCell[][];
  } catch (error) {
    if ((error as { code?: string }).code === "XLS_FILE_NOT_SUPPORTED")
      throw new ElderflowError("IMPORT_UNSUPPORTED_FORMAT", { params: { format: "XLS" }, cause: error });
    throw new ElderflowError("IMPORT_INVALID_FILE", { params: { format: "XLSX" }, cause: error });
  }
}

function readCsvGrid(bytes: Uint8Array, maxRows: number): RawCell[][] {
  const text = decodeText(bytes);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = pickDelimiter(firstLine);
  try {
    const rows = parseCsv(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      bom: true,
      // Empty lines (Excel writes ",,,," for formatted empty rows) cost little: the exact limit
      // counts data rows below; this cap only bounds the parse.
      to: 2 * maxRows + HEADER_SCAN_ROWS + 1_000,
    }) as string[][];
    if (rows.length >= 2 * maxRows + HEADER_SCAN_ROWS + 1_000)
      throw new ElderflowError("IMPORT_TOO_MANY_ROWS", { params: { maximum: maxRows } });
    return rows;
  } catch (error) {
    if (isElderflowError(error)) throw error;
    const line = (error as { lines?: unknown }).lines;
    throw new ElderflowError("IMPORT_INVALID_FILE", {
      params: { format: "CSV" },
      ...(typeof line === "number" ? { path: ["line", line] } : {}),
      cause: error,
    });
  }
}

/** Comma, tab (Excel's "Unicode text") or semicolon: whichever the header line holds most of. */
function pickDelimiter(line: string): string {
  const count = (ch: string) => line.split(ch).length - 1;
  const candidates = [",", "\t", ";"] as const;
  let best: string = ",";
  for (const c of candidates) if (count(c) > count(best)) best = c;
  return best;
}

function isEmptyCell(v: RawCell): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

function layoutGrid(format: ImportFormat, grid: RawCell[][], maxRows: number): Layout {
  // The header is the first row, among the top few, that names at least two known columns (a
  // title row such as 2026年离退休干部花名册 may sit above it).
  let headerIndex = -1;
  for (let i = 0; i < Math.min(HEADER_SCAN_ROWS, grid.length); i++) {
    const known = (grid[i] ?? []).filter((c) => typeof c === "string" && columnForHeader(c) !== undefined).length;
    if (known >= 2) {
      headerIndex = i;
      break;
    }
  }
  if (headerIndex < 0) throw new ElderflowError("IMPORT_NO_HEADER", { params: { rows: HEADER_SCAN_ROWS } });
  const header = grid[headerIndex] ?? [];
  if (header.length > IMPORT_LIMITS.maxColumns)
    throw new ElderflowError("IMPORT_TOO_MANY_COLUMNS", { params: { maximum: IMPORT_LIMITS.maxColumns } });
  const headerRow = headerIndex + 1;
  const mapped: { index: number; column: string; spec: ColumnSpec }[] = [];
  const ignoredColumns: IgnoredColumn[] = [];
  const seen = new Set<PersonField>();
  header.forEach((cell, index) => {
    if (isEmptyCell(cell)) return;
    const text = shownColumn(typeof cell === "string" ? cell.trim() : String(cell));
    const spec = typeof cell === "string" ? columnForHeader(cell) : undefined;
    if (spec === undefined) {
      ignoredColumns.push({ row: headerRow, column: text, code: "UNKNOWN_COLUMN" });
      return;
    }
    if (seen.has(spec.field))
      throw new ElderflowError("IMPORT_DUPLICATE_COLUMN", { path: ["row", headerRow], params: { field: spec.field } });
    seen.add(spec.field);
    mapped.push({ index, column: text, spec });
  });
  const english = mapped.some((m) => normalizeKey(m.column) === normalizeKey(m.spec.headers.en));
  const chinese = mapped.some((m) => normalizeKey(m.column) === normalizeKey(m.spec.headers["zh-CN"]));
  const lang: Lang = english && !chinese ? "en" : "zh-CN";
  const byField = new Map(mapped.map((m) => [m.spec.field as string, m]));
  const rows: RowInput[] = [];
  for (let i = headerIndex + 1; i < grid.length; i++) {
    const line = grid[i] ?? [];
    if (line.every(isEmptyCell)) continue;
    if (rows.length >= maxRows) throw new ElderflowError("IMPORT_TOO_MANY_ROWS", { params: { maximum: maxRows } });
    rows.push({
      row: i + 1,
      cells: mapped.map((m) => ({ column: m.column, spec: m.spec, value: line[m.index] })),
      problems: [],
    });
  }
  return {
    format,
    headerRow,
    rows,
    ignoredColumns,
    columnOf: (field) => byField.get(field)?.column ?? canonicalHeader(field, lang),
    orderOf: (field) => byField.get(field)?.index ?? header.length + fieldPosition(field),
  };
}

function canonicalHeader(field: string, lang: Lang): string {
  const spec = PERSON_COLUMNS.find((c) => c.field === field);
  return spec === undefined ? field : spec.headers[lang === "en" ? "en" : "zh-CN"];
}

function fieldPosition(field: string): number {
  const i = PERSON_COLUMNS.findIndex((c) => c.field === field);
  return i < 0 ? PERSON_COLUMNS.length : i;
}

const NESTED = new Set(["household", "health"]);

function layoutJson(bytes: Uint8Array, maxRows: number): Layout {
  const data = parseJsonText(decodeText(bytes));
  const list =
    data !== null &&
    typeof data === "object" &&
    !Array.isArray(data) &&
    Array.isArray((data as { persons?: unknown }).persons)
      ? (data as { persons: unknown[] }).persons
      : data;
  if (!Array.isArray(list))
    throw new ElderflowError("INVALID_TYPE", { path: ["persons"], params: { expected: "array" } });
  if (list.length > maxRows) throw new ElderflowError("IMPORT_TOO_MANY_ROWS", { params: { maximum: maxRows } });
  // The key each field is written under in this file, so a field a record lacks is named as the file names it.
  const keyOf = new Map<string, string>();
  let chinese = false;
  const rows: RowInput[] = list.map((record, index) => {
    const row = index + 2;
    if (record === null || typeof record !== "object" || Array.isArray(record))
      return {
        row,
        cells: [],
        problems: [{ column: null, code: "INVALID_TYPE", params: { expected: "object" }, order: 0 }],
      };
    const cells: { column: string; spec: ColumnSpec; value: RawCell }[] = [];
    const problems: Problem[] = [];
    const fields = new Set<string>();
    let extra: unknown;
    let order = 0;
    const add = (key: string, value: unknown) => {
      order++;
      const spec = columnForHeader(key);
      if (spec === undefined) {
        problems.push({ column: shownColumn(key), code: "UNKNOWN_FIELD", params: { field: key }, order });
        return;
      }
      if (fields.has(spec.field)) {
        problems.push({
          column: shownColumn(key),
          code: "IMPORT_DUPLICATE_COLUMN",
          params: { field: spec.field },
          order,
        });
        return;
      }
      fields.add(spec.field);
      if (!keyOf.has(spec.field)) keyOf.set(spec.field, shownColumn(key));
      chinese ||= normalizeKey(key) === normalizeKey(spec.headers["zh-CN"]);
      cells.push({ column: shownColumn(key), spec, value: value as RawCell });
    };
    for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
      if (key === "extra") extra = value;
      else if (NESTED.has(key) && value !== null && typeof value === "object" && !Array.isArray(value))
        for (const [sub, v] of Object.entries(value as Record<string, unknown>)) add(`${key}.${sub}`, v);
      else add(key, value);
    }
    return extra === undefined ? { row, cells, problems } : { row, cells, problems, extra };
  });
  return {
    format: "json",
    headerRow: 1,
    rows,
    ignoredColumns: [],
    columnOf: (field) => keyOf.get(field) ?? canonicalHeader(field, chinese ? "zh-CN" : "en"),
    orderOf: fieldPosition,
  };
}

/** A header or key as a rejection may carry it: bounded, with ID-number and phone shapes masked. */
function shownColumn(text: string): string {
  const t = redactPersonalData(text.replace(/[\u0000-\u001F\u007F-\u009F]/g, "\uFFFD"));
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}

// ---------------------------------------------------------------------------------------------
// Cells → a person

interface MapContext {
  readonly today: IsoDate;
  readonly scale: RankScale;
  readonly maxCellChars: number;
  readonly canonicalText: boolean;
  readonly communities: ReadonlyMap<string, string>;
}

function mapRows(layout: Layout, ctx: MapContext): PersonImport {
  const schema = personSchema({ scale: ctx.scale, today: ctx.today });
  const ranks = rankValueMap(ctx.scale);
  const persons: Person[] = [];
  const personRows: number[] = [];
  const rejected: ImportRejection[] = [];
  const idRows = new Map<string, number>();
  const idNumberRows = new Map<string, number>();
  for (const input of layout.rows) {
    const problems: Problem[] = [...input.problems];
    const person: Record<string, unknown> = {};
    const badFields = new Set<string>();
    for (const cell of input.cells) {
      if (isEmptyCell(cell.value)) continue;
      const r = readCell(cell.spec, cell.value, ctx, ranks);
      if ("code" in r) {
        badFields.add(cell.spec.field);
        problems.push({
          column: cell.column,
          code: r.code,
          params: r.params ?? {},
          order: layout.orderOf(cell.spec.field),
        });
      } else setField(person, cell.spec.field, r.value);
    }
    if (input.extra !== undefined) person.extra = input.extra;
    const parsed = schema.safeParse(person, { reportInput: true });
    if (!parsed.success)
      for (const issue of fromZodError(parsed.error).issues) {
        const field = fieldOfPath(issue.path);
        // A cell that could not be read is reported once, by its own code, not again as missing.
        if (badFields.has(field)) continue;
        problems.push({
          column: layout.columnOf(field),
          code: issue.code,
          params: issue.params,
          order: layout.orderOf(field),
        });
      }
    const id = typeof person.id === "string" && IdSchema.safeParse(person.id).success ? person.id : undefined;
    if (id !== undefined) {
      const first = idRows.get(id);
      if (first === undefined) idRows.set(id, input.row);
      else problems.push({ column: layout.columnOf("id"), code: "DUPLICATE_ID", params: { id }, order: -1 });
    }
    const idNumber = typeof person.idNumber === "string" && !badFields.has("idNumber") ? person.idNumber : undefined;
    if (idNumber !== undefined) {
      const first = idNumberRows.get(idNumber);
      if (first === undefined) idNumberRows.set(idNumber, input.row);
      else
        problems.push({
          column: layout.columnOf("idNumber"),
          code: "DUPLICATE_ID_NUMBER",
          params: { row: first },
          order: layout.orderOf("idNumber"),
        });
    }
    if (problems.length === 0 && parsed.success) {
      persons.push(parsed.data);
      personRows.push(input.row);
      continue;
    }
    problems.sort((a, b) => a.order - b.order);
    const [head, ...rest] = problems as [Problem, ...Problem[]];
    const params = safeParams(head.params);
    rejected.push({
      row: input.row,
      column: head.column,
      code: head.code,
      params,
      message: { "zh-CN": formatMessage(head.code, "zh-CN", params), en: formatMessage(head.code, "en", params) },
      ...(rest.length > 0
        ? { more: rest.map((p) => ({ column: p.column, code: p.code, params: safeParams(p.params) })) }
        : {}),
    });
  }
  return {
    persons,
    personRows,
    rejected,
    rows: layout.rows.length,
    format: layout.format,
    headerRow: layout.headerRow,
    ignoredColumns: layout.ignoredColumns,
    columns: Object.fromEntries(PERSON_COLUMNS.map((c) => [c.field, layout.columnOf(c.field)])),
  };
}

/** The field a schema issue is about: the longest dotted prefix of its path that is a column's field. */
function fieldOfPath(path: readonly (string | number)[]): string {
  const parts = path.map(String);
  for (let n = parts.length; n > 0; n--) {
    const f = parts.slice(0, n).join(".");
    if (PERSON_COLUMNS.some((c) => c.field === f)) return f;
  }
  return parts.join(".");
}

function setField(target: Record<string, unknown>, field: string, value: unknown): void {
  const dot = field.indexOf(".");
  if (dot < 0) {
    target[field] = value;
    return;
  }
  const head = field.slice(0, dot);
  const inner = (target[head] ?? {}) as Record<string, unknown>;
  inner[field.slice(dot + 1)] = value;
  target[head] = inner;
}

type CellResult = { readonly value: unknown } | CellProblem;

const fail = (code: ErrorCode, params?: MessageParams): CellProblem =>
  params === undefined ? { code } : { code, params };

/** Reads one non-empty cell as its column's kind. */
function readCell(
  spec: ColumnSpec,
  raw: RawCell,
  ctx: MapContext,
  ranks: Readonly<Record<string, string>>,
): CellResult {
  let value: RawCell = raw;
  if (typeof value === "string") {
    if (value.length > ctx.maxCellChars) return fail("CELL_TOO_LONG", { maximum: ctx.maxCellChars });
    value = value.normalize("NFC").trim();
    const problem = ctx.canonicalText ? textProblem(value, { max: ctx.maxCellChars, lines: false }) : null;
    if (problem !== null) return fail(problem, problem === "TOO_BIG" ? { maximum: ctx.maxCellChars } : {});
  }
  switch (spec.kind) {
    case "text":
      if (typeof value === "string") return { value };
      if (typeof value === "number" && Number.isFinite(value)) return { value: String(value) };
      return fail("INVALID_TYPE", { expected: "text" });
    case "id": {
      let id: string;
      if (typeof value === "string") id = value;
      else if (typeof value === "number" && Number.isFinite(value)) id = String(value);
      else return fail("INVALID_TYPE", { expected: "text" });
      if (spec.field === "communityId") id = ctx.communities.get(normalizeKey(id)) ?? id;
      return { value: id };
    }
    case "phone":
      if (typeof value === "string") return { value };
      if (typeof value === "number" && Number.isSafeInteger(value)) return { value: String(value) };
      return fail("INVALID_PHONE");
    case "idNumber": {
      // Excel keeps 15 significant digits: an 18-digit ID number typed into a number cell is lost.
      if (typeof value === "number") return fail("ID_NUMBER_AS_NUMBER");
      if (typeof value !== "string") return fail("INVALID_ID_NUMBER");
      let s = value.normalize("NFKC").replace(/\s+/g, "");
      const quoted = /^="(.*)"$/.exec(s);
      if (quoted) s = quoted[1] ?? "";
      s = s.replace(/^'/, "").toUpperCase();
      if (/^\d(\.\d+)?E\+?\d+$/.test(s)) return fail("ID_NUMBER_AS_NUMBER");
      return { value: s };
    }
    case "date":
      return readDate(value);
    case "enum": {
      const key = normalizeKey(String(value));
      const v = typeof value === "string" || typeof value === "number" ? spec.values?.[key] : undefined;
      if (typeof v === "string") return { value: v };
      return fail("INVALID_ENUM", { options: enumOptions(spec) });
    }
    case "rank": {
      const v = typeof value === "string" || typeof value === "number" ? ranks[normalizeKey(String(value))] : undefined;
      return v === undefined ? fail("UNKNOWN_RANK") : { value: v };
    }
    case "boolean": {
      if (typeof value === "boolean") return { value };
      const v =
        typeof value === "string" || typeof value === "number" ? spec.values?.[normalizeKey(String(value))] : undefined;
      return typeof v === "boolean" ? { value: v } : fail("INVALID_BOOLEAN");
    }
    case "integer": {
      if (typeof value === "number" && Number.isSafeInteger(value)) return { value };
      if (typeof value === "string" && /^\d{1,9}$/.test(value.normalize("NFKC")))
        return { value: Number(value.normalize("NFKC")) };
      return fail("NOT_A_NUMBER");
    }
  }
}

function enumOptions(spec: ColumnSpec): string {
  const ids = [...new Set(Object.values(spec.values ?? {}))].map(String);
  const labels = ids.map((id) => labelFor(spec, id) ?? id);
  return `${labels.join("/")} (${ids.join("/")})`;
}

const pad = (n: string) => n.padStart(2, "0");

/**
 * Reads a date cell: an XLSX date (a Date at UTC midnight of the day Excel shows: its UTC parts
 * are the day, never shifted by a time zone), `1950-10-01`, `1950/10/1`, `1950.10.01`,
 * `1950年10月1日`, `19501001` (text or number).
 */
function readDate(value: RawCell): CellResult {
  let iso: string | undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return fail("INVALID_DATE");
    iso = `${String(value.getUTCFullYear()).padStart(4, "0")}-${pad(String(value.getUTCMonth() + 1))}-${pad(String(value.getUTCDate()))}`;
  } else if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 10_000_101 && value <= 99_991_231) {
      const s = String(value);
      iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
    }
  } else if (typeof value === "string") {
    const s = value.normalize("NFKC").trim();
    const m =
      /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$/.exec(s) ??
      /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/.exec(s) ??
      /^(\d{4})(\d{2})(\d{2})$/.exec(s);
    if (m) iso = `${m[1]}-${pad(m[2] ?? "")}-${pad(m[3] ?? "")}`;
  }
  return iso !== undefined && isIsoDate(iso) ? { value: iso } : fail("INVALID_DATE");
}
