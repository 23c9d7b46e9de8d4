import { readFileSync } from "node:fs";
import { type ElderflowError, isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type HolidayPackContent,
  holidayPackCanonical,
  holidayPackHash,
  isVerifiedHolidayPack,
  loadHolidayPack,
  sealHolidayPack,
} from "./holiday-pack";
import { createHolidayCalendar } from "./holidays";

const FIXTURE = new URL("../fixtures/holiday-pack-2027.test-fixture.json", import.meta.url);
const fixtureText = () => readFileSync(FIXTURE, "utf8");
const fixture = () => JSON.parse(fixtureText()) as Record<string, unknown> & HolidayPackContent & { hash: string };

/** A small valid pack content, to vary one field at a time. */
function aPack(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: "elderflow.holiday-pack/1",
    year: 2027,
    status: "confirmed",
    notice: { number: "国办发明电〔2026〕7号", url: "https://example.invalid/n" },
    daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元旦", en: "New Year's Day" } }],
    workingDays: [{ date: "2027-01-31", name: { "zh-CN": "春节", en: "Spring Festival" } }],
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<ElderflowError> {
  try {
    await p;
  } catch (e) {
    if (isElderflowError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("holiday packs", () => {
  it("loads the 2027 test fixture and verifies its hash", async () => {
    const pack = await loadHolidayPack(fixtureText());
    expect(pack.year).toBe(2027);
    expect(pack.status).toBe("confirmed");
    expect(pack.daysOff).toHaveLength(29);
    expect(pack.workingDays.map((d) => d.date)).toEqual([
      "2027-01-31",
      "2027-02-20",
      "2027-05-08",
      "2027-09-26",
      "2027-10-09",
    ]);
    expect(isVerifiedHolidayPack(pack)).toBe(true);
    expect(Object.isFrozen(pack.daysOff)).toBe(true);
  });

  it("refuses a pack whose content was edited after hashing with HOLIDAY_PACK_HASH_MISMATCH", async () => {
    const edited = fixture();
    edited.daysOff = edited.daysOff.filter((d) => d.date !== "2027-10-07");
    const e = await rejection(loadHolidayPack(edited));
    expect(e.code).toBe("HOLIDAY_PACK_HASH_MISMATCH");
    expect(e.path).toEqual(["hash"]);
  });

  it("hashes the canonical form: key order, list order and white space do not change the hash", async () => {
    const f = fixture();
    const reordered = {
      hash: f.hash,
      workingDays: [...f.workingDays].reverse(),
      daysOff: [...f.daysOff]
        .reverse()
        .map((d) => ({ name: { en: d.name.en, "zh-CN": d.name["zh-CN"] }, date: d.date })),
      notice: f.notice,
      status: f.status,
      year: f.year,
      format: f.format,
      note: f.note,
    };
    await expect(loadHolidayPack(JSON.stringify(reordered))).resolves.toMatchObject({ hash: f.hash });
  });

  it("gives a different hash for any change of a day (property)", async () => {
    const base = await sealHolidayPack(aPack());
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 365 }), fc.boolean(), async (n, off) => {
        const date = new Date(Date.UTC(2027, 0, n)).toISOString().slice(0, 10);
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        if (!off && weekday !== 0 && weekday !== 6) return; // a 调休 working day is a weekend day
        if (date === "2027-01-31") return;
        const name = { "zh-CN": "测试", en: "Test" };
        const over = off
          ? { daysOff: [...(base.daysOff as object[]), { date, name }] }
          : { workingDays: [...(base.workingDays as object[]), { date, name }] };
        expect(await holidayPackHash(aPack(over))).not.toBe(base.hash);
      }),
      { numRuns: 40 },
    );
  });

  it("seal then load round-trips for any valid list of days off (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: 365 }), { maxLength: 20 }), async (days) => {
        const daysOff = days.map((n) => ({
          date: new Date(Date.UTC(2027, 0, n)).toISOString().slice(0, 10),
          name: { "zh-CN": "假日", en: "Holiday" },
        }));
        const sealed = await sealHolidayPack(aPack({ daysOff, workingDays: [] }));
        const loaded = await loadHolidayPack(JSON.parse(JSON.stringify(sealed)));
        expect(holidayPackCanonical(loaded)).toBe(holidayPackCanonical(sealed));
      }),
      { numRuns: 25 },
    );
  });

  it.each([
    [
      "a date outside the year",
      aPack({ daysOff: [{ date: "2028-01-01", name: { "zh-CN": "元旦", en: "NY" } }] }),
      "HOLIDAY_PACK_DATE_OUTSIDE_YEAR",
      ["daysOff", 0, "date"],
    ],
    [
      "a date listed twice",
      aPack({
        workingDays: [{ date: "2027-01-02", name: { "zh-CN": "元旦", en: "NY" } }],
        daysOff: [{ date: "2027-01-02", name: { "zh-CN": "元旦", en: "NY" } }],
      }),
      "HOLIDAY_PACK_DUPLICATE_DATE",
      ["workingDays", 0, "date"],
    ],
    [
      "a 调休 working day on a weekday",
      aPack({ workingDays: [{ date: "2027-02-01", name: { "zh-CN": "春节", en: "SF" } }] }),
      "HOLIDAY_PACK_WORKDAY_NOT_WEEKEND",
      ["workingDays", 0, "date"],
    ],
    [
      "an impossible date",
      aPack({ daysOff: [{ date: "2027-02-30", name: { "zh-CN": "元旦", en: "NY" } }] }),
      "INVALID_DATE",
      ["daysOff", 0, "date"],
    ],
    ["an unknown status", aPack({ status: "rumoured" }), "INVALID_ENUM", ["status"]],
    ["an unknown field", aPack({ extra: 1 }), "UNKNOWN_FIELD", ["extra"]],
    [
      "a javascript: URL",
      aPack({ notice: { number: "国办发明电〔2026〕7号", url: "javascript:alert(1)" } }),
      "INVALID_FORMAT",
      ["notice", "url"],
    ],
    [
      "a notice number in the wrong shape",
      aPack({ notice: { number: "7", url: "https://example.invalid/n" } }),
      "INVALID_FORMAT",
      ["notice", "number"],
    ],
    [
      "a name with a control character",
      aPack({ daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元\u0000旦", en: "NY" } }] }),
      "CONTROL_CHARACTER",
      ["daysOff", 0, "name", "zh-CN"],
    ],
    [
      "a name not in NFC",
      aPack({ daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元旦", en: "Cafe\u0301" } }] }),
      "NOT_NORMALIZED",
      ["daysOff", 0, "name", "en"],
    ],
    [
      "a name with a lone surrogate",
      aPack({ daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元\ud800", en: "NY" } }] }),
      "MALFORMED_TEXT",
      ["daysOff", 0, "name", "zh-CN"],
    ],
    [
      "an overlong name",
      aPack({ daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元".repeat(41), en: "NY" } }] }),
      "TOO_BIG",
      ["daysOff", 0, "name", "zh-CN"],
    ],
    [
      "too many days off",
      aPack({
        daysOff: Array.from({ length: 61 }, (_, i) => ({
          date: new Date(Date.UTC(2027, 0, i + 1)).toISOString().slice(0, 10),
          name: { "zh-CN": "假", en: "H" },
        })),
      }),
      "TOO_BIG",
      ["daysOff"],
    ],
    ["a year out of range", aPack({ year: 1e9 }), "TOO_BIG", ["year"]],
    ["a fractional year", aPack({ year: 2027.5 }), "INVALID_TYPE", ["year"]],
  ])("refuses %s with a typed error and the field's path", async (_what, content, code, path) => {
    const e = await rejection(holidayPackHash(content));
    expect(e.issues[0]?.code ?? e.code).toBe(code);
    expect(e.issues[0]?.path ?? e.path).toEqual(path);
  });

  it("refuses hostile files: oversized, not JSON, not an object, prototype keys, a forged hash", async () => {
    expect((await rejection(loadHolidayPack(" ".repeat(70_000)))).code).toBe("TOO_BIG");
    expect((await rejection(loadHolidayPack("{not json"))).code).toBe("INVALID_FORMAT");
    expect((await rejection(loadHolidayPack("[]"))).code).toBe("INVALID_TYPE");
    expect((await rejection(loadHolidayPack(null))).code).toBe("INVALID_TYPE");
    const proto = `{"__proto__":{"status":"confirmed"},${fixtureText().trim().slice(1)}`;
    expect((await rejection(loadHolidayPack(proto))).code).toBe("UNKNOWN_FIELD");
    const forged = { ...fixture(), hash: `sha256:${"0".repeat(64)}` };
    expect((await rejection(loadHolidayPack(forged))).code).toBe("HOLIDAY_PACK_HASH_MISMATCH");
    expect((await rejection(loadHolidayPack({ ...fixture(), hash: "md5:abc" }))).code).toBe("INVALID_FORMAT");
  });

  it("a calendar takes only verified packs, and refuses two different confirmed packs of a year", async () => {
    const hand = { ...fixture() } as never;
    expect(() => createHolidayCalendar({ packs: [hand] })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    const a = await loadHolidayPack(fixtureText());
    const b = await sealHolidayPack(aPack());
    expect(() => createHolidayCalendar({ packs: [a, b] })).toThrow(
      expect.objectContaining({ code: "HOLIDAY_PACK_CONFLICT", path: ["packs", 1] }),
    );
    // The same pack twice is harmless.
    expect(createHolidayCalendar({ packs: [a, await loadHolidayPack(fixtureText())] }).packs).toHaveLength(2);
  });
});
