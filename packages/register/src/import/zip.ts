/**
 * A bounds check of an XLSX archive before the XLSX library unpacks it. The library inflates every
 * entry into memory and allocates its rows and columns up to the highest cell address a sheet
 * names, so a small hostile file (a zip bomb, or one cell at XFD1048576) could exhaust memory.
 * Here each entry is inflated once with a hard output limit and each worksheet's cell addresses
 * are scanned, so such a file is refused with a typed error before the library sees it.
 */
import { inflateRawSync } from "node:zlib";
import { ElderflowError } from "@elderflow/core";

/** Limits of {@link checkXlsxArchive}. */
export interface ArchiveLimits {
  /** Most bytes all entries may inflate to together. */
  readonly maxUnzippedBytes: number;
  /** Most entries in the archive. */
  readonly maxEntries: number;
  /** Most data rows; a worksheet may address rows up to this many plus {@link HEADER_SCAN_ROWS}. */
  readonly maxRows: number;
  /** Highest sheet column a worksheet may address (1-based, A = 1). */
  readonly maxColumn: number;
}

/** How many rows from the top of a sheet are searched for the header row (a title row may sit above it). */
export const HEADER_SCAN_ROWS = 10;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function invalid(): ElderflowError {
  return new ElderflowError("IMPORT_INVALID_FILE", { params: { format: "XLSX" } });
}

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/**
 * Checks an XLSX (ZIP) archive against the limits: entry count, inflated size (measured, not
 * trusted from the headers), and the highest row and column each worksheet addresses. Throws
 * `IMPORT_FILE_TOO_LARGE`, `IMPORT_TOO_MANY_ROWS`, `IMPORT_TOO_MANY_COLUMNS` or
 * `IMPORT_INVALID_FILE`; returns nothing when the archive is within bounds.
 */
export function checkXlsxArchive(bytes: Uint8Array, limits: ArchiveLimits): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : Number.NaN);
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : Number.NaN);
  // The end-of-central-directory record sits in the last 22 + 65,535 bytes (its comment).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--)
    if (u32(i) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw invalid();
  const count = u16(eocd + 10);
  const cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw tooLarge(limits); // ZIP64: far beyond any register
  if (count > limits.maxEntries) throw invalid();
  let at = cdOffset;
  let total = 0;
  const decoder = new TextDecoder("utf-8");
  for (let e = 0; e < count; e++) {
    if (u32(at) !== CENTRAL) throw invalid();
    const method = u16(at + 10);
    const compressed = u32(at + 20);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const localOffset = u32(at + 42);
    if (compressed === 0xffffffff || localOffset === 0xffffffff) throw tooLarge(limits);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (u32(localOffset) !== LOCAL) throw invalid();
    const dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (!(dataStart + compressed <= bytes.length)) throw invalid();
    const data = bytes.subarray(dataStart, dataStart + compressed);
    const budget = limits.maxUnzippedBytes - total;
    let inflated: Uint8Array;
    if (method === 0) inflated = data;
    else if (method === 8) {
      try {
        inflated = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) });
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
          throw tooLarge(limits);
        throw invalid();
      }
    } else throw invalid();
    total += inflated.length;
    if (total > limits.maxUnzippedBytes) throw tooLarge(limits);
    if (/^xl\/worksheets\/[^/]+\.xml$/i.test(name)) checkSheetAddresses(inflated, limits);
  }
}

function tooLarge(limits: ArchiveLimits): ElderflowError {
  return new ElderflowError("IMPORT_FILE_TOO_LARGE", { params: { maximum: limits.maxUnzippedBytes } });
}

/**
 * Scans a worksheet's cell addresses (`<c r="XFD1048576">`) for the highest row and column: the
 * library sizes its rows by the cells. A `<row>` without cells (Excel keeps formatted empty rows)
 * costs nothing and is not counted.
 */
function checkSheetAddresses(xml: Uint8Array, limits: ArchiveLimits): void {
  const text = new TextDecoder("utf-8").decode(xml);
  let maxRow = 0;
  let maxColumn = 0;
  for (const m of text.matchAll(/<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\sr="\$?([A-Za-z]{1,4})\$?(\d{1,10})"/g)) {
    const row = Number(m[2]);
    if (row > maxRow) maxRow = row;
    const column = columnNumber((m[1] ?? "").toUpperCase());
    if (column > maxColumn) maxColumn = column;
  }
  if (maxRow > limits.maxRows + HEADER_SCAN_ROWS)
    throw new ElderflowError("IMPORT_TOO_MANY_ROWS", { params: { maximum: limits.maxRows } });
  if (maxColumn > limits.maxColumn)
    throw new ElderflowError("IMPORT_TOO_MANY_COLUMNS", { params: { maximum: limits.maxColumn } });
}
