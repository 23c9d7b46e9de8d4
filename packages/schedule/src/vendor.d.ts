// Minimal typings for the parts of lunar-javascript (6tail) that Elderflow uses; the package ships none.
declare module "lunar-javascript" {
  interface SolarLike {
    getYear(): number;
    getMonth(): number;
    getDay(): number;
    toYmd(): string;
  }
  interface LunarMonthLike {
    getYear(): number;
    /** Negative for a leap month. */
    getMonth(): number;
    getDayCount(): number;
    getFirstJulianDay(): number;
    isLeap(): boolean;
  }
  interface LunarYearLike {
    getLeapMonth(): number;
    getMonthsInYear(): LunarMonthLike[];
  }
  interface LunarLike {
    getJieQiTable(): Record<string, SolarLike>;
  }
  const lunarJavascript: {
    LunarYear: { fromYear(year: number): LunarYearLike };
    Solar: { fromJulianDay(jd: number): SolarLike; fromYmd(y: number, m: number, d: number): SolarLike };
    Lunar: { fromYmd(y: number, m: number, d: number): LunarLike };
  };
  export default lunarJavascript;
}
