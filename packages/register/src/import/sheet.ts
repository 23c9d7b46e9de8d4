/**
 * Plain tables as XLSX, for the statements and lists other packages export (subsidy statements,
 * completeness lists): the register package owns the spreadsheet dependencies, so the umbrella
 * writes and reads sheets through here rather than each package carrying its own.
 */
import { ElderflowError } from "@elderflow/core";
import { readSheet } from "read-excel-file/node";
import writeExcelFile, { type Cell, type Sheet } from "write-excel-file/node";

/** One column of a {@link TableSheet}. */
export interface TableColumn {
  /** Header text (already in the sheet's language). */
  readonly header: string;
  /** Width in characters (default 12). */
  readonly width?: number;
  /** How the column's values are written: text (default), or numbers. */
  readonly kind?: "text" | "number";
  /** Excel number format for a number column, e.g. `"0.00"`. */
  readonly format?: string;
}

/** One sheet: a name, its columns and its rows (a value per column; null for an empty cell). */
export interface TableSheet {
  /** The sheet's name (at most 31 characters, as Excel allows). */
  readonly name: string;
  /** The columns. */
  readonly columns: readonly TableColumn[];
  /** The rows. */
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** What Excel refuses in a sheet name. */
const BAD_SHEET_NAME = /[\\/?*[\]:]/;

function cellOf(column: TableColumn | undefined, value: string | number | null): Cell {
  if (value === null) return null;
  if (column?.kind === "number" && typeof value === "number" && Number.isFinite(value))
    return { value, type: Number, ...(column.format === undefined ? {} : { format: column.format }) };
  // Everything else is text, so a value starting with "=" stays a value, never a formula.
  return { value: String(value), type: String };
}

/**
 * Writes tables as an XLSX workbook, one sheet per table, headers in bold and frozen. Text cells
 * are always text (never formulas); number columns hold numbers.
 *
 * @example
 * ```ts
 * const bytes = await writeTablesXlsx([{ name: "补贴", columns: [{ header: "志愿者" }, { header: "金额", kind: "number" }], rows: [["v1", 20]] }]);
 * ```
 */
export async function writeTablesXlsx(sheets: readonly TableSheet[]): Promise<Uint8Array> {
  if (sheets.length === 0) throw new ElderflowError("REQUIRED", { path: ["sheets"] });
  const names = new Set<string>();
  const out: Sheet<Buffer>[] = sheets.map((s, i) => {
    if (s.name.length === 0 || s.name.length > 31 || BAD_SHEET_NAME.test(s.name) || names.has(s.name))
      throw new ElderflowError("INVALID_FORMAT", { path: ["sheets", i, "name"], params: { format: "sheet name" } });
    names.add(s.name);
    const header: Cell[] = s.columns.map((c) => ({ value: c.header, type: String, fontWeight: "bold" }));
    return {
      sheet: s.name,
      data: [header, ...s.rows.map((r) => r.map((v, j) => cellOf(s.columns[j], v)))],
      columns: s.columns.map((c) => ({ width: c.width ?? 12 })),
      stickyRowsCount: 1,
    };
  });
  const buffer = await writeExcelFile(out).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Reads one sheet of an XLSX workbook back as rows of cell values (header row first), e.g. to
 * check an export. A file that is not XLSX is `IMPORT_INVALID_FILE`.
 *
 * @example
 * ```ts
 * const [header, ...rows] = await readTableXlsx(bytes, "补贴");
 * ```
 */
export async function readTableXlsx(
  bytes: Uint8Array,
  sheet?: string,
): Promise<(string | number | boolean | null)[][]> {
  try {
    const rows = await readSheet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), sheet);
    return rows.map((r) =>
      r.map((v) => (v instanceof Date ? v.toISOString() : (v as string | number | boolean | null))),
    );
  } catch (error) {
    throw new ElderflowError("IMPORT_INVALID_FILE", { params: { format: "XLSX" }, cause: error });
  }
}
