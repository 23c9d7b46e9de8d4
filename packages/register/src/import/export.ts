/**
 * Writing persons back as the XLSX sheet a bureau works with: the headers and Chinese values of
 * {@link PERSON_COLUMNS}, so that {@link readPersons} reads an unmasked export back as the same
 * persons. A masked export (listings, exports to other offices) carries the register's masked rows.
 */
import type { Lang, Person } from "@elderflow/core";
import writeExcelFile, { type Cell, type SheetData } from "write-excel-file/node";
import { type MaskedPerson, maskPerson } from "../masking";
import { type ColumnSpec, labelFor, PERSON_COLUMNS } from "./mapping";

/** Options of {@link writePersonsXlsx}. */
export interface WritePersonsOptions {
  /** Headers and values in Chinese (default: 编号, 男, 离休, 副县级 …) or English (field ids and value ids). */
  readonly lang?: Lang;
  /**
   * Mask full persons before writing (name 张*三, ID number and phone masked, birth date cut to
   * year and month, no health or household facts). Rows that are already masked are written as they are.
   */
  readonly masked?: boolean;
  /** The sheet's name (default 人员 / persons). */
  readonly sheet?: string;
}

const WIDTHS: Partial<Record<string, number>> = {
  id: 12,
  name: 10,
  idNumber: 21,
  birthDate: 12,
  retirementKind: 10,
  rank: 10,
  communityId: 12,
  statusSince: 12,
  phone: 14,
};

function isMasked(row: Person | MaskedPerson): row is MaskedPerson {
  return "maskedName" in row;
}

/** The value of one field of a full person, as the sheet writes it. */
function personValue(p: Person, field: string): unknown {
  const dot = field.indexOf(".");
  if (dot < 0) return (p as unknown as Record<string, unknown>)[field];
  const inner = (p as unknown as Record<string, Record<string, unknown> | undefined>)[field.slice(0, dot)];
  return inner?.[field.slice(dot + 1)];
}

/** The value of one field of a masked row: masked name, ID number and phone; birth year and month. */
function maskedValue(m: MaskedPerson, field: string): unknown {
  switch (field) {
    case "name":
      return m.maskedName;
    case "idNumber":
      return m.maskedIdNumber;
    case "phone":
      return m.maskedPhone;
    case "birthDate":
      return m.birthMonth;
    default:
      return field.includes(".") ? undefined : (m as unknown as Record<string, unknown>)[field];
  }
}

function cellOf(column: ColumnSpec, value: unknown, lang: Lang): Cell {
  if (value === undefined || value === null) return null;
  if (column.kind === "integer" && typeof value === "number") return { value, type: Number };
  if (typeof value === "boolean")
    return { value: lang === "en" ? (value ? "yes" : "no") : (labelFor(column, value) ?? String(value)), type: String };
  const text = String(value);
  if (lang === "zh-CN" && (column.kind === "enum" || column.kind === "rank"))
    return { value: labelFor(column, text) ?? text, type: String };
  // Everything else is text, so Excel neither turns 1950-10-01 into a date serial nor an ID
  // number into a float, and a value starting with "=" stays a value, never a formula.
  return { value: text, type: String };
}

/**
 * Writes persons as an XLSX sheet with the headers of {@link PERSON_COLUMNS} (zh-CN by default)
 * and their Chinese values (男, 离休, 副县级, 农历, 在册 …). Every cell is text except 慢性病数.
 * `readPersons(await writePersonsXlsx(persons))` gives the same persons back (unmasked; the free-form
 * `extra` attributes are not written). With `masked: true`, or given masked rows, the sheet holds
 * no name, ID number, phone or health fact in the clear.
 *
 * @example
 * ```ts
 * const bytes = await writePersonsXlsx(persons, { masked: true });
 * ```
 */
export async function writePersonsXlsx(
  rows: readonly (Person | MaskedPerson)[],
  options: WritePersonsOptions = {},
): Promise<Uint8Array> {
  const lang = options.lang ?? "zh-CN";
  const header: Cell[] = PERSON_COLUMNS.map((c) => ({
    value: lang === "en" ? c.headers.en : c.headers["zh-CN"],
    type: String,
    fontWeight: "bold",
  }));
  const data: SheetData = [header];
  for (const row of rows) {
    const view = !isMasked(row) && options.masked === true ? maskPerson(row) : row;
    data.push(
      PERSON_COLUMNS.map((c) =>
        cellOf(c, isMasked(view) ? maskedValue(view, c.field) : personValue(view, c.field), lang),
      ),
    );
  }
  const buffer = await writeExcelFile(data, {
    sheet: options.sheet ?? (lang === "en" ? "persons" : "人员"),
    columns: PERSON_COLUMNS.map((c) => ({ width: WIDTHS[c.field] ?? 10 })),
    stickyRowsCount: 1,
  }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
