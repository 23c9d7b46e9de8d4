import { describe, expect, it } from "vitest";
import { ElderflowError } from "./errors";
import { atLeast, createRankScale, DEFAULT_RANK_IDS, defaultRankScale } from "./ranks";

describe("rank scale", () => {
  it("orders the default ranks lowest first", () => {
    expect(defaultRankScale.ids).toEqual(DEFAULT_RANK_IDS);
    expect(atLeast("deputy_county", "deputy_county")).toBe(true);
    expect(atLeast("county", "deputy_county")).toBe(true);
    expect(atLeast("ministry", "deputy_county")).toBe(true);
    expect(atLeast("section", "deputy_county")).toBe(false);
    expect(atLeast("clerk", "section_member")).toBe(false);
  });

  it("compares through the scale, never through string order", () => {
    // "county" < "deputy_county" as strings, but county is the higher rank.
    expect("county" < "deputy_county").toBe(true);
    expect(defaultRankScale.compare("county", "deputy_county")).toBeGreaterThan(0);
    // "section" > "deputy_ministry" as strings, but it is far lower.
    expect(defaultRankScale.below("section", "deputy_ministry")).toBe(true);
  });

  it("rejects ranks not on the scale with UNKNOWN_RANK", () => {
    expect(() => atLeast("general", "county")).toThrow(ElderflowError);
    try {
      defaultRankScale.indexOf("general");
    } catch (e) {
      expect((e as ElderflowError).code).toBe("UNKNOWN_RANK");
    }
  });

  it("builds custom scales and refuses duplicate ids", () => {
    const scale = createRankScale([
      { id: "b", zh: "乙", en: "B" },
      { id: "a", zh: "甲", en: "A" },
    ]);
    expect(scale.atLeast("a", "b")).toBe(true);
    expect(scale.level("a").zh).toBe("甲");
    expect(() =>
      createRankScale([
        { id: "a", zh: "甲", en: "A" },
        { id: "a", zh: "甲", en: "A" },
      ]),
    ).toThrow(/INVALID_RANK_SCALE/);
  });
});
