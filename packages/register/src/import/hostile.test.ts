import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aPerson,
  csvText,
  SHARED_STRINGS,
  SHEET,
  unzipEntries,
  utf8,
  withEntryXml,
  xlsx,
  ZH_HEADER,
  zhRow,
  zipEntries,
} from "./fixtures.testkit";
import { readPersons } from "./read";

const TODAY = "2026-12-01";
const brief = (r: Awaited<ReturnType<typeof readPersons>>) =>
  r.rejected.map((x) => ({ row: x.row, column: x.column, code: x.code }));

describe("hostile input is bounded and refused with typed errors", () => {
  it("refuses an XLSX whose sheet inflates past the limit (a zip bomb) before the XLSX library unpacks it", async () => {
    const entries = unzipEntries(await xlsx([ZH_HEADER, zhRow()]));
    const sheet = [...entries.keys()].find((k) => SHEET.test(k)) as string;
    // 8 MB of <row/> elements deflate to a few kilobytes.
    const bomb = deflateRawSync(Buffer.from(`<sheetData>${"<row/>".repeat((8 * 1024 * 1024) / 6)}</sheetData>`));
    expect(bomb.length).toBeLessThan(100_000);
    entries.set(sheet, new Uint8Array(bomb));
    const bytes = zipEntries(entries, new Set([sheet]));
    await expect(readPersons(bytes, { today: TODAY, maxUnzippedBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: "IMPORT_FILE_TOO_LARGE",
    });
  });

  it("refuses a sheet that addresses a far row or column (the library would allocate up to it)", async () => {
    const base = await xlsx([ZH_HEADER, zhRow()]);
    const farRow = withEntryXml(base, SHEET, (x) =>
      x.replace(
        "</sheetData>",
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
      ),
    );
    await expect(readPersons(farRow, { today: TODAY })).rejects.toMatchObject({ code: "IMPORT_TOO_MANY_ROWS" });
    const farColumn = withEntryXml(base, SHEET, (x) =>
      x.replace("</row>", '<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'),
    );
    await expect(readPersons(farColumn, { today: TODAY })).rejects.toMatchObject({ code: "IMPORT_TOO_MANY_COLUMNS" });
    // A formatted row without cells, far down the sheet, is no data and no risk.
    const emptyRow = withEntryXml(base, SHEET, (x) =>
      x.replace("</sheetData>", '<row r="1048576" s="1"/></sheetData>'),
    );
    expect((await readPersons(emptyRow, { today: TODAY })).persons).toHaveLength(1);
  });

  it("refuses more rows than the limit, in every format", async () => {
    const rows = [ZH_HEADER, ...Array.from({ length: 30 }, (_, i) => zhRow(aPerson({ id: `p${i}` })))];
    // Empty lines between and after the rows are not counted.
    const spaced = utf8(`${csvText(rows)}${",,,,\r\n".repeat(200)}`);
    expect((await readPersons(spaced, { today: TODAY, maxRows: 30 })).persons).toHaveLength(30);
    const files = [
      utf8(csvText(rows)),
      await xlsx(rows),
      utf8(JSON.stringify(Array.from({ length: 30 }, (_, i) => aPerson({ id: `p${i}` })))),
    ];
    for (const bytes of files)
      await expect(readPersons(bytes, { today: TODAY, maxRows: 20 })).rejects.toMatchObject({
        code: "IMPORT_TOO_MANY_ROWS",
        params: { maximum: 20 },
      });
    // At the limit, all are read.
    expect((await readPersons(files[0] as Uint8Array, { today: TODAY, maxRows: 30 })).persons).toHaveLength(30);
  });

  it("refuses a file over the byte limit, damaged XLSX and malformed CSV with typed errors", async () => {
    await expect(readPersons(new Uint8Array(2048), { today: TODAY, maxBytes: 1024 })).rejects.toMatchObject({
      code: "IMPORT_FILE_TOO_LARGE",
    });
    const damaged = (await xlsx([ZH_HEADER, zhRow()])).slice(0, 400);
    await expect(readPersons(damaged, { today: TODAY })).rejects.toMatchObject({ code: "IMPORT_INVALID_FILE" });
    await expect(readPersons(utf8('编号,姓名\n"p1,unterminated\n'), { today: TODAY })).rejects.toMatchObject({
      code: "IMPORT_INVALID_FILE",
    });
  });

  it("rejects only the row of a 10 MB cell, in CSV and XLSX, and imports the others", async () => {
    const huge = "张".repeat(10 * 1024 * 1024);
    const rows = [ZH_HEADER, zhRow(), zhRow(aPerson({ id: "p2" })).with(1, huge), zhRow(aPerson({ id: "p3" }))];
    for (const bytes of [utf8(csvText(rows)), await xlsx(rows)]) {
      const r = await readPersons(bytes, { today: TODAY });
      expect(brief(r)).toEqual([{ row: 3, column: "姓名", code: "CELL_TOO_LONG" }]);
      expect(r.persons.map((p) => p.id)).toEqual(["p1", "p3"]);
    }
  });

  it("reads a formula cell by its cached value, and a formula with none as an empty cell", async () => {
    const base = await xlsx([ZH_HEADER, zhRow(), zhRow(aPerson({ id: "p2" }))]);
    // Row 2's name becomes a formula with a cached result; row 3's a formula never computed.
    const bytes = withEntryXml(base, SHEET, (x) =>
      x
        .replace(/<c r="B2"[^>]*>.*?<\/c>/, '<c r="B2" t="str"><f>CONCAT("王","五")</f><v>王五</v></c>')
        .replace(/<c r="B3"[^>]*>.*?<\/c>/, '<c r="B3" t="str"><f>CONCAT("李","四")</f></c>'),
    );
    const r = await readPersons(bytes, { today: TODAY });
    expect(r.persons.map((p) => p.name)).toEqual(["王五"]);
    expect(brief(r)).toEqual([{ row: 3, column: "姓名", code: "REQUIRED" }]);
  });

  it("rejects control characters and lone surrogates in cells, in XLSX (escaped _x0007_), CSV and JSON", async () => {
    const base = await xlsx([ZH_HEADER, zhRow()]);
    const escaped = withEntryXml(base, SHARED_STRINGS, (x) => x.replace("<t>张小三</t>", "<t>张_x0007_三</t>"));
    const bidi = utf8(csvText([ZH_HEADER, zhRow().with(1, "张\u202E三")]));
    const lone = utf8(JSON.stringify([aPerson({ name: "张\uD800三" })]).replace("\\ud800", "\\uD800"));
    const expected = [
      [escaped, "姓名", "CONTROL_CHARACTER"],
      [bidi, "姓名", "CONTROL_CHARACTER"],
      [lone, "name", "MALFORMED_TEXT"],
    ] as const;
    for (const [bytes, column, code] of expected)
      expect(brief(await readPersons(bytes, { today: TODAY }))).toEqual([{ row: 2, column, code }]);
  });

  it("never fails as a whole, nor leaks a cell's text into a message, whatever a cell holds", async () => {
    const cell = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("13800138000", "11010519491231002X", "林芳丽"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 10, maxLength: 10 }), { maxLength: 6 }), async (rows) => {
        const r = await readPersons(utf8(csvText([ZH_HEADER, ...rows])), { today: TODAY });
        expect(r.persons.length + r.rejected.length).toBe(r.rows);
        for (const x of r.rejected)
          for (const text of [x.message["zh-CN"], x.message.en]) {
            expect(text).not.toContain("林芳丽");
            expect(text).not.toContain("13800138000");
            expect(text).not.toContain("11010519491231002X");
          }
      }),
      { numRuns: 60 },
    );
  });
});
