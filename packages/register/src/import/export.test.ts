import {
  containsPersonalData,
  DEFAULT_RANK_IDS,
  generateDistrict,
  makeIdNumber,
  type Person,
  type PersonInput,
  personSchema,
} from "@elderflow/core";
import fc from "fast-check";
import { readSheet } from "read-excel-file/node";
import { describe, expect, it } from "vitest";
import { writePersonsXlsx } from "./export";
import { aPerson, SHEET, unzipEntries, xlsx, ZH_HEADER, zhRow } from "./fixtures.testkit";
import { PERSON_COLUMNS } from "./mapping";
import { readPersons } from "./read";

const TODAY = "2026-12-01";
const schema = personSchema({ today: TODAY });

const sheetOf = async (bytes: Uint8Array) => readSheet(Buffer.from(bytes));

const isoDate = fc
  .date({ min: new Date(Date.UTC(1920, 0, 1)), max: new Date(Date.UTC(1965, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const chineseName = fc
  .array(fc.constantFrom(..."张王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施明华芳丽强国庆建军秀英"), {
    minLength: 2,
    maxLength: 4,
  })
  .map((cs) => cs.join(""));

/** Random valid persons in every field the sheet carries (no `extra`: a sheet does not carry it). */
const personArb: fc.Arbitrary<PersonInput> = fc
  .record({
    n: fc.integer({ min: 1, max: 9999 }),
    name: chineseName,
    gender: fc.constantFrom("male", "female"),
    birthDate: isoDate,
    calendar: fc.option(fc.constantFrom("gregorian", "lunar"), { nil: undefined }),
    withId: fc.boolean(),
    seq: fc.integer({ min: 0, max: 499 }),
    phone: fc.option(fc.integer({ min: 0, max: 99_999_999 }), { nil: undefined }),
    retirementKind: fc.constantFrom("lixiu", "tuixiu"),
    rank: fc.constantFrom(...DEFAULT_RANK_IDS),
    community: fc.integer({ min: 1, max: 99 }),
    status: fc.constantFrom("active", "deceased", "moved", "transferred"),
    household: fc.option(
      fc.record(
        { livesAlone: fc.boolean(), childrenNearby: fc.boolean(), householdId: fc.constantFrom("h1", "h-02") },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    health: fc.option(
      fc.record(
        { chronicConditions: fc.integer({ min: 0, max: 50 }), mobilityLimited: fc.boolean() },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const p: Record<string, unknown> = {
      id: `p${r.n}`,
      name: r.name,
      gender: r.gender,
      birthDate: r.birthDate,
      retirementKind: r.retirementKind,
      rank: r.rank,
      communityId: `c${String(r.community).padStart(2, "0")}`,
      status: r.status,
    };
    if (r.calendar !== undefined) p.birthdayCalendar = r.calendar;
    if (r.withId) p.idNumber = makeIdNumber("371402", r.birthDate, r.seq * 2 + (r.gender === "male" ? 1 : 0));
    if (r.phone !== undefined) p.phone = `138${String(r.phone).padStart(8, "0")}`;
    if (r.status !== "active") p.statusSince = "2025-06-30";
    if (r.household !== undefined && Object.keys(r.household).length > 0) p.household = r.household;
    if (r.health !== undefined && Object.keys(r.health).length > 0) p.health = r.health;
    return p as PersonInput;
  });

const uniquePersons = fc
  .uniqueArray(personArb, {
    maxLength: 12,
    selector: (p) => p.id,
    comparator: "SameValueZero",
  })
  .map((ps) => {
    // One ID number per person: a repeated one is rightly refused on import.
    const seen = new Set<string>();
    return ps.filter((p) => p.idNumber === undefined || (!seen.has(p.idNumber) && seen.add(p.idNumber) !== undefined));
  });

describe("writePersonsXlsx", () => {
  it("round-trips random valid persons: writePersonsXlsx then readPersons gives the same persons (zh-CN and en)", async () => {
    await fc.assert(
      fc.asyncProperty(uniquePersons, fc.constantFrom("zh-CN" as const, "en" as const), async (inputs, lang) => {
        const persons: Person[] = inputs.map((p) => schema.parse(p));
        const back = await readPersons(await writePersonsXlsx(persons, { lang }), { today: TODAY });
        expect(back.rejected).toEqual([]);
        expect(back.persons).toEqual(persons);
      }),
      { numRuns: 40 },
    );
  });

  it("writes the table's zh-CN headers and Chinese values, every cell text but the count of conditions", async () => {
    const p = schema.parse(aPerson({ birthdayCalendar: "lunar", health: { chronicConditions: 2 } }));
    const rows = await sheetOf(await writePersonsXlsx([p]));
    expect(rows[0]).toEqual(PERSON_COLUMNS.map((c) => c.headers["zh-CN"]));
    const cell = (h: string) => rows[1]?.[PERSON_COLUMNS.findIndex((c) => c.headers["zh-CN"] === h)];
    expect([cell("性别"), cell("离休/退休"), cell("职级"), cell("生日历法"), cell("状态")]).toEqual([
      "男",
      "离休",
      "副县级",
      "农历",
      "在册",
    ]);
    expect(cell("出生日期")).toBe("1950-10-01");
    expect(cell("身份证号")).toBe(p.idNumber);
    expect(cell("慢性病数")).toBe(2);
  });

  it("writes a name that looks like a formula as text, never as a formula", async () => {
    const p = schema.parse(aPerson({ name: '=HYPERLINK("x")' }));
    const bytes = await writePersonsXlsx([p]);
    const sheet = new TextDecoder().decode([...unzipEntries(bytes)].find(([k]) => SHEET.test(k))?.[1]);
    expect(sheet).not.toContain("<f>");
    expect((await readPersons(bytes, { today: TODAY })).persons[0]?.name).toBe('=HYPERLINK("x")');
  });

  it("masks on request: no name, ID number, phone or health fact in the clear, and the same headers", async () => {
    const persons = generateDistrict({ seed: 3 }).persons.slice(0, 50);
    const bytes = await writePersonsXlsx(persons, { masked: true });
    const rows = await sheetOf(bytes);
    expect(rows[0]).toEqual(PERSON_COLUMNS.map((c) => c.headers["zh-CN"]));
    const text = JSON.stringify(rows);
    for (const p of persons) expect(text).not.toContain(p.name);
    expect(containsPersonalData(text)).toBe(false);
    const healthColumns = PERSON_COLUMNS.flatMap((c, i) => (c.field.startsWith("health.") ? [i] : []));
    for (const row of rows.slice(1)) for (const i of healthColumns) expect(row[i]).toBeNull();
  });
});

describe("the done-when register: 3,310 cadres with 20 planted bad rows", () => {
  it("reports exactly the 20 planted rows (row, column, code) and imports the other 3,290", async () => {
    const persons = generateDistrict().persons;
    expect(persons).toHaveLength(3310);
    const header = PERSON_COLUMNS.map((c) => c.headers["zh-CN"]);
    // The sheet as the bureau keeps it: written through the export, then read back as a 2D array.
    const good = await sheetOf(await writePersonsXlsx(persons));
    const col = (h: string) => header.indexOf(h);
    const spoilers: [string, (row: unknown[]) => void, string][] = [
      ["性别", (r) => (r[col("性别")] = "未知"), "INVALID_ENUM"],
      ["出生日期", (r) => (r[col("出生日期")] = "1950-13-01"), "INVALID_DATE"],
      ["职级", (r) => (r[col("职级")] = "处长"), "UNKNOWN_RANK"],
      ["姓名", (r) => (r[col("姓名")] = null), "REQUIRED"],
      ["身份证号", (r) => (r[col("身份证号")] = Number("110105195010011234")), "ID_NUMBER_AS_NUMBER"],
    ];
    const planted = new Map<number, { column: string; code: string }>();
    const data = good.map((r) => [...r]);
    for (let k = 0; k < 20; k++) {
      const index = 1 + ((k * 163 + 17) % (data.length - 1));
      const [column, spoil, code] = spoilers[k % spoilers.length] as (typeof spoilers)[number];
      spoil(data[index] as unknown[]);
      planted.set(index + 1, { column, code });
    }
    expect(planted.size).toBe(20);
    const bytes = await xlsx(data.map((r) => r.map((c) => (c === undefined ? null : c)) as never));
    const r = await readPersons(bytes, { today: "2026-12-01" });
    expect(r.rows).toBe(3310);
    expect(r.rejected.map((x) => ({ row: x.row, column: x.column, code: x.code }))).toEqual(
      [...planted.entries()].sort(([a], [b]) => a - b).map(([row, v]) => ({ row, ...v })),
    );
    expect(r.persons).toHaveLength(3290);
    const byId = new Map(persons.map((p) => [p.id, p]));
    for (const p of r.persons) expect(p).toEqual(byId.get(p.id));
  });
});

describe("a sheet written in the test", () => {
  it("reads XLSX booleans, whole numbers as ids and a number date 19501001", async () => {
    const header = [...ZH_HEADER, "独居"];
    const row: (string | number | boolean)[] = [...zhRow(aPerson({ idNumber: "" })), true];
    row[0] = 1001;
    row[4] = 19501001;
    const r = await readPersons(await xlsx([header, row]), { today: TODAY });
    expect(r.rejected).toEqual([]);
    expect(r.persons[0]).toMatchObject({ id: "1001", birthDate: "1950-10-01", household: { livesAlone: true } });
  });
});
