import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ICAL from "ical.js";
import { afterAll, describe, expect, it } from "vitest";
import { fileWriter, runIn } from "./support/cli";

const dir = mkdtempSync(join(tmpdir(), "elderflow-schedule-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = fileWriter(dir);

const run = (...argv: string[]) => runIn(dir, ...argv);

const base = { name: "测试", gender: "male", communityId: "c01" };
const persons = [
  // lixiu of deputy-county rank: celebrated from 70 at ages ending in 0 or 5.
  { ...base, id: "p-senior", birthDate: "1952-05-01", retirementKind: "lixiu", rank: "deputy_county" },
  // an ordinary cadre turning 75: not celebrated (from 80 only).
  { ...base, id: "p-ordinary75", birthDate: "1952-05-01", retirementKind: "tuixiu", rank: "section" },
  // a senior cadre born on Feb 29, turning 75: celebrated on Feb 28 in 2027 (SKIP=BACKWARD).
  { ...base, id: "p-leapday", birthDate: "1952-02-29", retirementKind: "lixiu", rank: "deputy_county" },
  // a lunar keeper: 1947-11-12 is 九月三十, kept on 九月廿九 of 2027 (29-day month).
  {
    ...base,
    id: "p-lunar",
    birthDate: "1947-11-12",
    birthdayCalendar: "lunar",
    retirementKind: "tuixiu",
    rank: "section",
  },
  // deceased: left out.
  {
    ...base,
    id: "p-gone",
    birthDate: "1947-06-01",
    retirementKind: "tuixiu",
    rank: "section",
    status: "deceased",
    statusSince: "2026-10-01",
  },
];

describe("elderflow roster birthdays", () => {
  it("prints the roster under the policy's birthday preset in the contract's exact shape", async () => {
    const r = await run(
      "--format",
      "json",
      "roster",
      "birthdays",
      "--persons",
      file("persons.json", persons),
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows.every((x) => Object.keys(x).join() === "personId,date,age,calendar")).toBe(true);
    expect(rows.map((x) => [x.personId, x.age, x.calendar])).toEqual([
      ["p-leapday", 75, "gregorian"],
      ["p-senior", 75, "gregorian"],
      ["p-lunar", 80, "lunar"],
    ]);
    expect(rows.map((x) => x.date).slice(0, 2)).toEqual(["2027-02-28", "2027-05-01"]);
  });

  it("takes a SKIP option", async () => {
    const leap = [{ ...base, id: "x", birthDate: "1948-02-29", retirementKind: "tuixiu", rank: "section" }];
    const f = file("leap.json", leap);
    const back = JSON.parse(
      (
        await run(
          "--format",
          "json",
          "roster",
          "birthdays",
          "--persons",
          f,
          "--from",
          "2028-01-01",
          "--to",
          "2028-12-31",
        )
      ).out,
    );
    expect(back).toEqual([{ personId: "x", date: "2028-02-29", age: 80, calendar: "gregorian" }]);
    const omit = await run(
      "--format",
      "json",
      "roster",
      "birthdays",
      "--persons",
      f,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
      "--skip",
      "OMIT",
    );
    expect(JSON.parse(omit.out)).toEqual([]);
  });

  it("fails on bad options with a typed error; lists the good persons and reports each bad one on stderr", async () => {
    const f = file("p.json", persons);
    const reversed = await run(
      "--format",
      "json",
      "roster",
      "birthdays",
      "--persons",
      f,
      "--from",
      "2027-12-31",
      "--to",
      "2027-01-01",
    );
    expect(reversed.code).toBe(1);
    expect(JSON.parse(reversed.out).error).toMatchObject({ code: "DATE_ORDER", path: ["from"] });
    const bad = file("bad.json", [{ ...persons[0], birthDate: "1950-02-30" }, persons[1]]);
    const invalid = await run(
      "--format",
      "json",
      "roster",
      "birthdays",
      "--persons",
      bad,
      "--from",
      "2027-01-01",
      "--to",
      "2027-12-31",
    );
    expect(invalid.code).toBe(1);
    // stdout keeps the roster's shape (the ordinary cadre turning 75 is not celebrated: an empty array).
    expect(JSON.parse(invalid.out)).toEqual([]);
    expect(invalid.err).toContain("INVALID_DATE (persons[0].birthDate)");
  });
});

describe("elderflow roster visits, health-checks and the .ics roster", () => {
  it("lists holiday visits of active persons, with the anniversary visit in 2029", async () => {
    const r = await run(
      "--format",
      "json",
      "roster",
      "visits",
      "--persons",
      file("pv.json", persons),
      "--year",
      "2029",
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { personId: string; occasion: string; anniversary?: number }[];
    expect(new Set(rows.map((x) => x.occasion))).toEqual(new Set(["spring_festival", "july_1", "prc_founding"]));
    expect(rows.some((x) => x.personId === "p-gone")).toBe(false);
    expect(rows.find((x) => x.occasion === "prc_founding")?.anniversary).toBe(80);
  });

  it("reports health checks due and overdue", async () => {
    const checks = file("checks.json", [
      { personId: "p-senior", date: "2026-06-01" },
      { personId: "p-leapday", date: "2025-11-03" },
    ]);
    const r = await run(
      "--format",
      "json",
      "roster",
      "health-checks",
      "--persons",
      file("ph.json", persons),
      "--checks",
      checks,
      "--on",
      "2027-04-01",
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { personId: string; status: string }[];
    // Calendar years (core's one definition of annual): checked last year is due, never checked is
    // due, and a whole year missed is overdue.
    expect(rows.find((x) => x.personId === "p-senior")?.status).toBe("due");
    expect(rows.find((x) => x.personId === "p-lunar")?.status).toBe("due");
    expect(rows.find((x) => x.personId === "p-leapday")?.status).toBe("overdue");
  });

  it("writes the birthday roster as all-day events that ical.js reads back", async () => {
    const f = file("pi.json", persons);
    const json = JSON.parse(
      (
        await run(
          "--format",
          "json",
          "roster",
          "birthdays",
          "--persons",
          f,
          "--from",
          "2027-01-01",
          "--to",
          "2027-12-31",
        )
      ).out,
    ) as { date: string }[];
    const ics = (
      await run("--format", "ics", "roster", "birthdays", "--persons", f, "--from", "2027-01-01", "--to", "2027-12-31")
    ).out;
    const dates = new ICAL.Component(ICAL.parse(ics))
      .getAllSubcomponents("vevent")
      .map((v) => new ICAL.Event(v).startDate.toString())
      .sort();
    expect(dates).toEqual(json.map((x) => x.date).sort());
    expect(ics).not.toContain("测试");
  });
});

describe("elderflow cadence check", () => {
  it("prints per-pair compliance sorted by pairId", async () => {
    const pairs = file("pairs.json", [
      { pairId: "b", volunteerId: "v1", personId: "p1", from: "2027-01-01" },
      { pairId: "a", volunteerId: "v2", personId: "p2", from: "2027-03-10", to: "2027-12-31" },
    ]);
    const log = file("log.json", [
      { pairId: "b", at: "2027-03-02T10:00:00+08:00", kind: "home_visit" },
      { pairId: "a", at: "2027-03-16T02:00:00Z", kind: "contact" },
    ]);
    const r = await run("--format", "json", "cadence", "check", "--pairs", pairs, "--log", log, "--month", "2027-03");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      {
        pairId: "a",
        weeksRequired: 2,
        weeksMet: 1,
        missedWeeks: ["2027-W12"],
        homeVisitsRequired: 3,
        homeVisits: 0,
        compliant: false,
      },
      {
        pairId: "b",
        weeksRequired: 4,
        weeksMet: 1,
        missedWeeks: ["2027-W10", "2027-W11", "2027-W12"],
        homeVisitsRequired: 3,
        homeVisits: 1,
        compliant: false,
      },
    ]);
  });

  it("rejects a log instant without an offset with its path", async () => {
    const pairs = file("pairs2.json", [{ pairId: "a", volunteerId: "v", personId: "p", from: "2027-01-01" }]);
    const log = file("log2.json", [{ pairId: "a", at: "2027-03-02 10:00", kind: "contact" }]);
    const r = await run("--format", "json", "cadence", "check", "--pairs", pairs, "--log", log, "--month", "2027-03");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: "INVALID_INSTANT", path: ["log", 0, "at"] });
  });
});

describe("elderflow calendar", () => {
  it("writes an .ics that ical.js parses, with a provisional-holiday warning for 2027", async () => {
    const r = await run("--format", "ics", "calendar", "legal-aid", "--from", "2026-09-01", "--to", "2027-01-31");
    expect(r.code).toBe(0);
    expect(r.err).toContain("HOLIDAYS_PROVISIONAL");
    const root = new ICAL.Component(ICAL.parse(r.out));
    expect(root.getAllSubcomponents("vevent")).toHaveLength(1);
    expect(r.out).toContain("EXDATE;TZID=Asia/Shanghai:20261006T140000");
  });

  it("lists the 送学上门 deliveries of each study session when given persons", async () => {
    const withHealth = persons.map((p) => (p.id === "p-lunar" ? { ...p, health: { mobilityLimited: true } } : p));
    const r = await run(
      "--format",
      "json",
      "calendar",
      "study",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-31",
      "--persons",
      file("ps.json", withHealth),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).events).toMatchObject([{ date: "2026-03-11", deliveries: ["p-lunar"] }]);
  });

  it("serves law-day, study and health-check too, and rejects an unknown series", async () => {
    for (const s of ["law-day", "study", "health-check"]) {
      const r = await run("--format", "ics", "calendar", s, "--from", "2026-01-01", "--to", "2026-12-31");
      expect(r.code).toBe(0);
      expect(r.out).toContain("BEGIN:VCALENDAR");
    }
    const bad = await run("--format", "json", "calendar", "picnic", "--from", "2026-01-01", "--to", "2026-12-31");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).error.code).toBe("INVALID_ENUM");
  });
});
