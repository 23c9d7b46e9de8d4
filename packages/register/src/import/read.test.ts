import { createRankScale } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aPerson, csvText, gb18030, utf8, xlsx, ZH_HEADER, zhRow } from "./fixtures.testkit";
import { PERSON_COLUMNS } from "./mapping";
import { detectFormat, type ImportRejection, readPersons } from "./read";

const TODAY = "2026-12-01";
const read = (bytes: Uint8Array, extra: Partial<Parameters<typeof readPersons>[1]> = {}) =>
  readPersons(bytes, { today: TODAY, ...extra });
const brief = (r: readonly ImportRejection[]) => r.map((x) => ({ row: x.row, column: x.column, code: x.code }));

const EXPECTED = {
  id: "p1",
  name: "张小三",
  gender: "male",
  birthDate: "1950-10-01",
  birthdayCalendar: "gregorian",
  idNumber: aPerson().idNumber as string,
  retirementKind: "lixiu",
  rank: "deputy_county",
  communityId: "c01",
  status: "active",
};

describe("readPersons: the formats", () => {
  const text = csvText([ZH_HEADER, zhRow()]);

  it("reads a UTF-8 CSV with Chinese headers and values onto the schema", async () => {
    const r = await read(utf8(text), { fileName: "register.csv" });
    expect(r.format).toBe("csv");
    expect(r.rejected).toEqual([]);
    expect(r.persons).toEqual([EXPECTED]);
    expect(r.personRows).toEqual([2]);
  });

  it("reads a UTF-8 CSV with a BOM (as Excel's 'CSV UTF-8' saves it)", async () => {
    const r = await read(utf8(text, true));
    expect(r.persons).toEqual([EXPECTED]);
  });

  it("reads a GB18030 CSV (as older Excel saves it on a Chinese Windows)", async () => {
    const bytes = gb18030(text);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    const r = await read(bytes, { fileName: "花名册.csv" });
    expect(r.rejected).toEqual([]);
    expect(r.persons).toEqual([EXPECTED]);
  });

  it("reads a UTF-16 tab-separated file (Excel's 'Unicode text')", async () => {
    const tsv = [ZH_HEADER, zhRow()].map((r) => r.join("\t")).join("\r\n");
    const body = Buffer.from(tsv, "utf16le");
    const bytes = new Uint8Array(body.length + 2);
    bytes.set([0xff, 0xfe]);
    bytes.set(body, 2);
    const r = await read(bytes, { fileName: "register.txt" });
    expect(r.persons).toEqual([EXPECTED]);
  });

  it("reads an XLSX written in the test, with Excel date cells converted without shifting the day", async () => {
    const row: (string | { value: Date; type: DateConstructor; format: string })[] = zhRow();
    row[4] = { value: new Date(Date.UTC(1950, 9, 1)), type: Date, format: "yyyy-mm-dd" };
    const bytes = await xlsx([ZH_HEADER, row]);
    const r = await read(bytes, { fileName: "wrongly-named.csv" });
    expect(r.format).toBe("xlsx");
    expect(r.rejected).toEqual([]);
    expect(r.persons).toEqual([EXPECTED]);
  });

  it("reads a JSON array with a UTF-8 BOM, in the interchange form or with Chinese keys and values", async () => {
    const interchange = JSON.stringify([aPerson()]);
    const chinese = JSON.stringify([Object.fromEntries(ZH_HEADER.map((h, i) => [h, zhRow()[i]]))]);
    for (const t of [interchange, chinese]) {
      const r = await read(utf8(t, true), { fileName: "persons.json" });
      expect(r.format).toBe("json");
      expect(r.rejected).toEqual([]);
      expect(r.persons).toEqual([EXPECTED]);
    }
  });

  it("reads { persons: [...] } and numbers JSON rows as the element's index + 2", async () => {
    const r = await read(utf8(JSON.stringify({ persons: [aPerson(), aPerson({ id: "p2", gender: "x" as "male" })] })));
    expect(r.persons).toHaveLength(1);
    expect(brief(r.rejected)).toEqual([{ row: 3, column: "gender", code: "INVALID_ENUM" }]);
  });

  it("tells the format by magic bytes, then by name, then by the text; refuses a legacy .xls", () => {
    expect(detectFormat(utf8("[]"))).toBe("json");
    expect(detectFormat(utf8("\uFEFF  {}"))).toBe("json");
    expect(detectFormat(utf8("编号,姓名"))).toBe("csv");
    expect(detectFormat(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), "x.json")).toBe("xlsx");
    expect(detectFormat(utf8("[]"), "a.csv")).toBe("csv");
    expect(() => detectFormat(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1]))).toThrow(
      expect.objectContaining({ code: "IMPORT_UNSUPPORTED_FORMAT" }),
    );
    expect(() => detectFormat(utf8("x"), "register.xls")).toThrow(
      expect.objectContaining({ code: "IMPORT_UNSUPPORTED_FORMAT" }),
    );
  });
});

describe("readPersons: headers and values through the one mapping table", () => {
  it("maps every Chinese value of the table: 男/女, 离休/退休, 农历/公历, statuses and ranks by name", async () => {
    const rows = [
      ["编号", "姓名", "性别", "出生日期", "离休/退休", "职级", "社区", "生日历法", "状态", "状态日期"],
      ["a1", "王芳", "女", "1948-03-02", "退休", "正处级", "c01", "农历", "去世", "2025-01-02"],
      ["a2", "李明", "男", "1940-01-01", "离休", "副处级", "c01", "公历", "迁出", "2025-01-02"],
      ["a3", "赵强", "男", "1940-01-01", "离休", "正局级", "c01", "阴历", "转出", "2025-01-02"],
      ["a4", "钱多", "女", "1940-01-01", "退休", "副县级", "c01", "", "正常", ""],
    ];
    const r = await read(utf8(csvText(rows)));
    expect(r.rejected).toEqual([]);
    expect(r.persons.map((p) => [p.gender, p.retirementKind, p.rank, p.birthdayCalendar, p.status])).toEqual([
      ["female", "tuixiu", "county", "lunar", "deceased"],
      ["male", "lixiu", "deputy_county", "gregorian", "moved"],
      ["male", "lixiu", "department", "lunar", "transferred"],
      ["female", "tuixiu", "deputy_county", "gregorian", "active"],
    ]);
  });

  it("matches headers trimmed, with full-width forms and spaces, a required mark or a bracketed note", async () => {
    const header = ["　编号＊", "姓　名", "性别 ", "出生日期（年-月-日）", "离退休", "职级", "所属社区", "身份证号码"];
    const row = ["p1", "张小三", "男", "1950-10-01", "离休", "副县级", "c01", EXPECTED.idNumber];
    const r = await read(utf8(csvText([header, row])));
    expect(r.rejected).toEqual([]);
    expect(r.persons).toEqual([EXPECTED]);
  });

  it("reads English field ids as headers and English value ids", async () => {
    const header = ["id", "name", "gender", "birthDate", "retirementKind", "rank", "communityId"];
    const r = await read(
      utf8(csvText([header, ["p1", "张小三", "male", "1950-10-01", "lixiu", "deputy_county", "c01"]])),
    );
    expect(r.persons[0]?.rank).toBe("deputy_county");
  });

  it("reads dates as 1950-10-01, 1950/10/1, 1950.10.01, 1950年10月1日 and 19501001", async () => {
    const forms = ["1950-10-01", "1950/10/1", "1950.10.01", "1950年10月1日", "19501001", "１９５０－１０－０１"];
    const rows = [ZH_HEADER, ...forms.map((d, i) => zhRow(aPerson({ id: `p${i}`, idNumber: "" })).with(4, d))];
    const r = await read(utf8(csvText(rows)));
    expect(r.rejected).toEqual([]);
    expect(r.persons.map((p) => p.birthDate)).toEqual(forms.map(() => "1950-10-01"));
  });

  it("reads any existing date the same in every written form (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2026, 10, 30)), noInvalidDate: true }),
        async (d) => {
          const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
          const iso = d.toISOString().slice(0, 10);
          const forms = [iso, `${y}/${m}/${day}`, `${y}年${m}月${day}日`, iso.replaceAll("-", ""), `${y}.${m}.${day}`];
          const rows = [ZH_HEADER, ...forms.map((f, i) => zhRow(aPerson({ id: `p${i}`, idNumber: "" })).with(4, f))];
          const r = await read(utf8(csvText(rows)));
          expect(r.rejected).toEqual([]);
          expect(r.persons.map((p) => p.birthDate)).toEqual(forms.map(() => iso));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("reports a column the table does not know once, at the header row, and ignores it", async () => {
    const r = await read(
      utf8(
        csvText([
          [...ZH_HEADER, "备注"],
          [...zhRow(), "anything"],
        ]),
      ),
    );
    expect(r.persons).toEqual([EXPECTED]);
    expect(r.ignoredColumns).toEqual([{ row: 1, column: "备注", code: "UNKNOWN_COLUMN" }]);
  });

  it("finds the header below a title row and numbers rows as the sheet shows them", async () => {
    const rows = [["2026年离退休干部花名册"], [], ZH_HEADER, zhRow(), [], zhRow(aPerson({ id: "p2", name: "" }))];
    const r = await read(await xlsx(rows.map((r) => r.map((c) => c || null))));
    expect(r.headerRow).toBe(3);
    expect(r.personRows).toEqual([4]);
    expect(brief(r.rejected)).toEqual([{ row: 6, column: "姓名", code: "REQUIRED" }]);
    expect(r.rows).toBe(2);
  });

  it("reads ranks of a custom scale by their Chinese names", async () => {
    const scale = createRankScale([
      { id: "staff", zh: "职员", en: "staff" },
      { id: "head", zh: "负责人", en: "head" },
    ]);
    const rows = [ZH_HEADER, zhRow().with(6, "负责人"), zhRow(aPerson({ id: "p2" })).with(6, "副县级")];
    const r = await read(utf8(csvText(rows)), { scale });
    expect(r.persons.map((p) => p.rank)).toEqual(["head"]);
    expect(brief(r.rejected)).toEqual([{ row: 3, column: "职级", code: "UNKNOWN_RANK" }]);
  });

  it("maps community names to ids when given the organisation's names", async () => {
    const r = await read(utf8(csvText([ZH_HEADER, zhRow().with(7, "东关社区")])), {
      communities: { 东关社区: "c07" },
    });
    expect(r.persons[0]?.communityId).toBe("c07");
  });

  it("has one table: every column names a distinct field and distinct headers", () => {
    const fields = PERSON_COLUMNS.map((c) => c.field);
    expect(new Set(fields).size).toBe(fields.length);
    const headers = PERSON_COLUMNS.flatMap((c) => [c.headers["zh-CN"], c.headers.en, ...c.headers.aliases]);
    expect(new Set(headers).size).toBe(headers.length);
  });
});

describe("readPersons: every bad row reported with row, column and code; the good rows imported", () => {
  const idOf = (birth: string) => aPerson({ birthDate: birth }).idNumber ?? "";
  const cases: [string, (row: string[]) => string[], string | null, string][] = [
    ["an empty required cell", (r) => r.with(1, ""), "姓名", "REQUIRED"],
    ["a date that does not exist", (r) => r.with(4, "1950-02-30"), "出生日期", "INVALID_DATE"],
    ["a date after today", (r) => r.with(4, "2030-01-01").with(3, ""), "出生日期", "FUTURE_DATE"],
    ["an unknown gender", (r) => r.with(2, "未知"), "性别", "INVALID_ENUM"],
    ["an unknown rank", (r) => r.with(6, "处长"), "职级", "UNKNOWN_RANK"],
    ["a malformed ID number", (r) => r.with(3, "1101051950"), "身份证号", "INVALID_ID_NUMBER"],
    [
      "an ID number failing its checksum",
      (r) => r.with(3, `${idOf("1950-10-01").slice(0, 17)}0`),
      "身份证号",
      "ID_NUMBER_CHECKSUM",
    ],
    [
      "an ID number of another birth date",
      (r) => r.with(3, idOf("1951-10-01")),
      "身份证号",
      "ID_NUMBER_BIRTH_DATE_MISMATCH",
    ],
    ["an ID number saved as a number by Excel", (r) => r.with(3, "1.10105E+17"), "身份证号", "ID_NUMBER_AS_NUMBER"],
    ["a control character in a name", (r) => r.with(1, "张\u0007三"), "姓名", "CONTROL_CHARACTER"],
    ["an id shaped like a phone number", (r) => r.with(0, "13800138000"), "编号", "PERSONAL_DATA_IN_ID"],
    ["a status other than active without its date", (r) => r.with(9, "去世"), "状态日期", "REQUIRED"],
  ];
  for (const [what, spoil, column, code] of cases)
    it(`rejects ${what} as ${code} at its row and column, and imports the rest`, async () => {
      const rows = [
        ZH_HEADER,
        zhRow(aPerson({ id: "g1" })),
        spoil(zhRow()),
        zhRow(aPerson({ id: "g2", idNumber: "" })),
      ];
      const r = await read(utf8(csvText(rows)));
      expect(brief(r.rejected)).toEqual([{ row: 3, column, code }]);
      expect(r.persons.map((p) => p.id)).toEqual(["g1", "g2"]);
      const m = r.rejected[0]?.message;
      expect(m?.["zh-CN"]).toMatch(/\S/);
      expect(m?.en).toMatch(/\S/);
      for (const text of [m?.["zh-CN"], m?.en]) {
        expect(text).not.toContain("张");
        expect(text).not.toMatch(/\d{11}/);
      }
    });

  it("leaves text to the person schema alone with canonicalText: false (a roster that prints masked names)", async () => {
    const bytes = utf8(csvText([ZH_HEADER, zhRow().with(1, "王\u202e建国")]));
    expect(brief((await read(bytes)).rejected)).toEqual([{ row: 2, column: "姓名", code: "CONTROL_CHARACTER" }]);
    expect((await read(bytes, { canonicalText: false })).persons[0]?.name).toBe("王\u202e建国");
  });

  it("rejects every row with REQUIRED naming a required column the file lacks", async () => {
    const header = ZH_HEADER.filter((h) => h !== "职级");
    const rows = [header, zhRow().filter((_, i) => i !== 6), zhRow(aPerson({ id: "p2" })).filter((_, i) => i !== 6)];
    const r = await read(utf8(csvText(rows)));
    expect(brief(r.rejected)).toEqual([
      { row: 2, column: "职级", code: "REQUIRED" },
      { row: 3, column: "职级", code: "REQUIRED" },
    ]);
  });

  it("rejects the second row of a repeated 编号 and of a repeated 身份证号", async () => {
    const rows = [
      ZH_HEADER,
      zhRow(),
      zhRow(aPerson({ name: "李四" })),
      zhRow(aPerson({ id: "p3", idNumber: aPerson().idNumber })),
      zhRow(aPerson({ id: "p4", idNumber: "" })),
    ];
    const r = await read(utf8(csvText(rows)));
    expect(brief(r.rejected)).toEqual([
      { row: 3, column: "编号", code: "DUPLICATE_ID" },
      { row: 4, column: "身份证号", code: "DUPLICATE_ID_NUMBER" },
    ]);
    expect(r.rejected[1]?.message.en).toBe("The ID number repeats the one on row 2");
    expect(r.persons.map((p) => p.id)).toEqual(["p1", "p4"]);
  });

  it("reports one entry per bad row: its first problem from the left, the others in `more`", async () => {
    const rows = [ZH_HEADER, zhRow().with(2, "?").with(4, "nope").with(6, "处长")];
    const r = await read(utf8(csvText(rows)));
    expect(brief(r.rejected)).toEqual([{ row: 2, column: "性别", code: "INVALID_ENUM" }]);
    expect(r.rejected[0]?.more).toEqual([
      { column: "出生日期", code: "INVALID_DATE", params: {} },
      { column: "职级", code: "UNKNOWN_RANK", params: {} },
    ]);
  });

  it("reads yes/no and number columns and rejects what they cannot hold", async () => {
    const header = [...ZH_HEADER, "独居", "慢性病数", "联系电话"];
    const rows = [
      header,
      [...zhRow(), "是", "2", "13812345678"],
      [...zhRow(aPerson({ id: "p2", idNumber: "" })), "也许", "", ""],
      [...zhRow(aPerson({ id: "p3", idNumber: "" })), "否", "两", ""],
      [...zhRow(aPerson({ id: "p4", idNumber: "" })), "", "", "12345"],
    ];
    const r = await read(utf8(csvText(rows)));
    expect(r.persons).toEqual([
      { ...EXPECTED, phone: "13812345678", household: { livesAlone: true }, health: { chronicConditions: 2 } },
    ]);
    expect(brief(r.rejected)).toEqual([
      { row: 3, column: "独居", code: "INVALID_BOOLEAN" },
      { row: 4, column: "慢性病数", code: "NOT_A_NUMBER" },
      { row: 5, column: "联系电话", code: "INVALID_PHONE" },
    ]);
  });

  it("rejects an 18-digit ID number stored in an XLSX number cell with ID_NUMBER_AS_NUMBER", async () => {
    const row: (string | number)[] = zhRow();
    row[3] = Number(EXPECTED.idNumber);
    const r = await read(await xlsx([ZH_HEADER, row, zhRow(aPerson({ id: "p2", idNumber: "" }))]));
    expect(brief(r.rejected)).toEqual([{ row: 2, column: "身份证号", code: "ID_NUMBER_AS_NUMBER" }]);
    expect(r.persons.map((p) => p.id)).toEqual(["p2"]);
  });

  it("in JSON, rejects a key it does not know and an element that is not an object, by index + 2", async () => {
    const r = await read(utf8(JSON.stringify([aPerson(), { ...aPerson({ id: "p2" }), nickname: "x" }, 7])));
    expect(brief(r.rejected)).toEqual([
      { row: 3, column: "nickname", code: "UNKNOWN_FIELD" },
      { row: 4, column: null, code: "INVALID_TYPE" },
    ]);
    expect(r.persons).toHaveLength(1);
  });

  it("in JSON with Chinese keys, names a missing field by its Chinese header", async () => {
    const record = Object.fromEntries(ZH_HEADER.map((h, i) => [h, zhRow()[i]]).filter(([h]) => h !== "职级"));
    const r = await read(utf8(JSON.stringify([record])));
    expect(brief(r.rejected)).toEqual([{ row: 2, column: "职级", code: "REQUIRED" }]);
    expect(brief((await read(utf8(JSON.stringify([{ ...aPerson(), rank: undefined }])))).rejected)).toEqual([
      { row: 2, column: "rank", code: "REQUIRED" },
    ]);
  });

  it("throws a typed error for a file with no header row, or a header naming one field twice", async () => {
    await expect(read(utf8("a,b,c\n1,2,3\n"))).rejects.toMatchObject({ code: "IMPORT_NO_HEADER" });
    await expect(
      read(
        utf8(
          csvText([
            ["编号", "姓名", "名字"],
            ["p1", "a", "b"],
          ]),
        ),
      ),
    ).rejects.toMatchObject({
      code: "IMPORT_DUPLICATE_COLUMN",
    });
    await expect(read(utf8('{"persons": 3}'))).rejects.toMatchObject({ code: "INVALID_TYPE" });
    await expect(read(utf8("[{"))).rejects.toMatchObject({ code: "INVALID_JSON" });
  });
});
