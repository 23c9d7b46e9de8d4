import { describe, expect, it } from "vitest";
import { fixedClock, manualClock, parseInstant, systemClock, today } from "./clock";
import { createIdGenerator, isUuid } from "./ids";
import { seededRandom } from "./random";

describe("clocks", () => {
  it("reads today's date in Asia/Shanghai by default", () => {
    expect(today(fixedClock("2026-12-31T16:30:00Z"))).toBe("2027-01-01");
    expect(today(fixedClock("2026-12-31T16:30:00Z", "Europe/Berlin"))).toBe("2026-12-31");
  });

  it("moves a manual clock only when told", () => {
    const c = manualClock("2027-01-01T00:00:00+08:00");
    const t0 = c.now();
    expect(c.now()).toBe(t0);
    c.advance(86_400_000);
    expect(today(c)).toBe("2027-01-02");
    c.set("2027-03-01T12:00:00+08:00");
    expect(today(c)).toBe("2027-03-01");
  });

  it("rejects unknown zones and instants without an offset", () => {
    expect(() => systemClock("Mars/Olympus")).toThrow(/UNKNOWN_TIME_ZONE/);
    expect(() => parseInstant("2027-01-01T10:00:00")).toThrow(/INVALID_INSTANT/);
    expect(() => parseInstant("2027-02-30T10:00:00+08:00")).toThrow(/INVALID_INSTANT/);
    expect(parseInstant("2027-01-01T10:00:00+08:00")).toBe(Date.UTC(2027, 0, 1, 2));
  });
});

describe("ids", () => {
  it("are UUIDv7, sortable and reproducible with a seeded source and a fixed clock", () => {
    const make = () => createIdGenerator({ clock: fixedClock("2027-01-01T00:00:00+08:00"), random: seededRandom(9) });
    const a = make();
    const b = make();
    const ids = Array.from({ length: 100 }, () => a());
    expect(ids.every(isUuid)).toBe(true);
    expect(ids.every((id) => id[14] === "7")).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(100);
    expect(Array.from({ length: 100 }, () => b())).toEqual(ids);
  });

  it("sort by creation time across clock ticks", () => {
    const clock = manualClock("2027-01-01T00:00:00+08:00");
    const next = createIdGenerator({ clock });
    const first = next();
    clock.advance(1);
    expect(next() > first).toBe(true);
  });
});
