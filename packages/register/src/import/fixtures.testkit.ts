/**
 * Test fixtures for the import tests: persons built by a small builder, sheets written in the test
 * with write-excel-file, a GB18030 encoder (Node has only the decoder) and a ZIP re-packer that lets
 * a test plant hostile XML in an otherwise valid XLSX. Nothing here is part of the package's API.
 */
import { crc32, inflateRawSync } from "node:zlib";
import { makeIdNumber, type PersonInput } from "@elderflow/core";
import writeExcelFile, { type SheetData } from "write-excel-file/node";

/**
 * A valid person in the interchange form; fields may be overridden. The ID number follows the id,
 * birth date and gender, so persons of different ids never share one.
 */
export function aPerson(overrides: Partial<PersonInput> = {}): PersonInput {
  const id = overrides.id ?? "p1";
  const birthDate = overrides.birthDate ?? "1950-10-01";
  const gender = overrides.gender ?? "male";
  let hash = 7;
  for (const ch of id) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) % 450;
  const sequence = 10 + hash * 2 + (gender === "female" ? 0 : 1);
  return {
    id,
    name: "张小三",
    gender,
    birthDate,
    idNumber: makeIdNumber("110105", birthDate, sequence),
    retirementKind: "lixiu",
    rank: "deputy_county",
    communityId: "c01",
    ...overrides,
  };
}

/** The Chinese header row most tests use. */
export const ZH_HEADER = [
  "编号",
  "姓名",
  "性别",
  "身份证号",
  "出生日期",
  "离休/退休",
  "职级",
  "社区",
  "生日历法",
  "状态",
];

/** A data row under {@link ZH_HEADER}, in Chinese values, for a person of the builder. */
export function zhRow(p: PersonInput = aPerson()): string[] {
  const gender = p.gender === "male" ? "男" : "女";
  const kind = p.retirementKind === "lixiu" ? "离休" : "退休";
  const calendar = p.birthdayCalendar === "lunar" ? "农历" : "公历";
  return [p.id, p.name, gender, p.idNumber ?? "", p.birthDate, kind, "副县级", p.communityId, calendar, "在册"];
}

/** CSV text of rows (RFC 4180 quoting), lines ended by CRLF as Excel writes them. */
export function csvText(rows: readonly (readonly string[])[]): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return `${rows.map((r) => r.map(q).join(",")).join("\r\n")}\r\n`;
}

/** UTF-8 bytes, optionally with a BOM. */
export function utf8(text: string, bom = false): Uint8Array {
  const body = new TextEncoder().encode(text);
  if (!bom) return body;
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}

let GB: Map<string, number[]> | undefined;

/** GB18030 bytes of a text of ASCII and common Chinese characters (two-byte codes, built by decoding). */
export function gb18030(text: string): Uint8Array {
  if (GB === undefined) {
    GB = new Map();
    const dec = new TextDecoder("gb18030");
    for (let a = 0x81; a <= 0xfe; a++)
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const ch = dec.decode(new Uint8Array([a, b]));
        if (ch.length === 1 && ch !== "\uFFFD" && !GB.has(ch)) GB.set(ch, [a, b]);
      }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) out.push(code);
    else {
      const bytes = GB.get(ch);
      if (bytes === undefined) throw new Error(`no two-byte GB18030 code for U+${code.toString(16)}`);
      out.push(...bytes);
    }
  }
  return new Uint8Array(out);
}

/** An XLSX file of the given sheet data, written by write-excel-file. */
export async function xlsx(data: SheetData): Promise<Uint8Array> {
  const b = await writeExcelFile(data).toBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The entries of a ZIP archive (stored or deflated), name → content. */
export function unzipEntries(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + size);
    out.set(name, method === 8 ? new Uint8Array(inflateRawSync(data)) : data);
    at += 46 + skip;
  }
  return out;
}

/** A ZIP archive of stored (uncompressed) entries, or of entries given already deflated. */
export function zipEntries(entries: Map<string, Uint8Array>, deflated: ReadonlySet<string> = new Set()): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const method = deflated.has(name) ? 8 : 0;
    const head = new Uint8Array(30 + n.length);
    const hv = new DataView(head.buffer);
    hv.setUint32(0, 0x04034b50, true);
    hv.setUint16(4, 20, true);
    hv.setUint16(8, method, true);
    hv.setUint32(14, method === 0 ? crc32(data) : 0, true);
    hv.setUint32(18, data.length, true);
    hv.setUint32(22, data.length, true);
    hv.setUint16(26, n.length, true);
    head.set(n, 30);
    const dir = new Uint8Array(46 + n.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(10, method, true);
    dv.setUint32(16, method === 0 ? crc32(data) : 0, true);
    dv.setUint32(20, data.length, true);
    dv.setUint32(24, data.length, true);
    dv.setUint16(28, n.length, true);
    dv.setUint32(42, offset, true);
    dir.set(n, 46);
    parts.push(head, data);
    central.push(dir);
    offset += head.length + data.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.size, true);
  ev.setUint16(10, entries.size, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Re-packs an XLSX with one entry's XML rewritten (the first whose name matches). */
export function withEntryXml(bytes: Uint8Array, entry: RegExp, rewrite: (xml: string) => string): Uint8Array {
  const entries = unzipEntries(bytes);
  const name = [...entries.keys()].find((k) => entry.test(k));
  if (name === undefined) throw new Error(`no entry ${entry}`);
  entries.set(name, new TextEncoder().encode(rewrite(new TextDecoder().decode(entries.get(name)))));
  return zipEntries(entries);
}

/** The first worksheet's entry. */
export const SHEET = /^xl\/worksheets\/[^/]+\.xml$/;
/** The shared strings entry. */
export const SHARED_STRINGS = /^xl\/sharedStrings\.xml$/;
