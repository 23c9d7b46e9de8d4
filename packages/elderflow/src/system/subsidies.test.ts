import { BudgetLine, type SubsidyContact } from "@elderflow/core";
import { readTableXlsx } from "@elderflow/register";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countyBudgetLines, formatYuan, printableStatement, statementXlsx, subsidyStatement } from "./subsidies";

const c = (volunteerId: string, kind: "call" | "visit", on: string, personId = "p1"): SubsidyContact => ({
  groupId: "g1",
  volunteerId,
  personId,
  kind,
  on,
});
const lines = countyBudgetLines({ from: "2027-01-01" }); // ¥20 a visit, ¥30 a month with a call

describe("subsidy statements (rule 12: 交通费、通讯费)", () => {
  const contacts = [
    c("v1", "visit", "2027-03-02"),
    c("v1", "visit", "2027-03-09", "p2"),
    c("v1", "call", "2027-03-16"),
    c("v1", "call", "2027-03-17"),
    c("v2", "call", "2027-03-03"),
    c("v2", "visit", "2027-04-01"),
    c("v1", "visit", "2026-12-31"), // before the budget line
  ];

  it("pays transport per visit and phone per month with a call, per volunteer and per line", () => {
    const march = subsidyStatement(lines, contacts, { year: 2027, month: 3 });
    expect(march.period).toBe("2027-03");
    expect(march.rows).toEqual([
      { volunteerId: "v1", lineId: "transport", units: 2, amountFen: 4000 },
      { volunteerId: "v1", lineId: "phone", units: 1, amountFen: 3000 },
      { volunteerId: "v2", lineId: "phone", units: 1, amountFen: 3000 },
    ]);
    expect(march.byVolunteer).toEqual([
      { volunteerId: "v1", amountFen: 7000 },
      { volunteerId: "v2", amountFen: 3000 },
    ]);
    expect(march.byLine).toEqual([
      { lineId: "transport", units: 2, amountFen: 4000, volunteers: 1 },
      { lineId: "phone", units: 2, amountFen: 6000, volunteers: 2 },
    ]);
    expect(march.totalFen).toBe(10000);
  });

  it("sums the year month by month, and pays nothing before the line's first rate", () => {
    const year = subsidyStatement(lines, contacts, { year: 2027 });
    expect(year.totalFen).toBe(12000);
    expect(year.months).toEqual([
      { month: "2027-03", lineId: "transport", units: 2, amountFen: 4000 },
      { month: "2027-03", lineId: "phone", units: 2, amountFen: 6000 },
      { month: "2027-04", lineId: "transport", units: 1, amountFen: 2000 },
    ]);
    expect(subsidyStatement(lines, contacts, { year: 2026 }).totalFen).toBe(0);
  });

  it("follows a rate change on its day, and a monthly cap", () => {
    const dated = [
      BudgetLine.parse({
        id: "transport",
        title: { "zh-CN": "交通补贴", en: "transport" },
        basis: "per_contact",
        contactKinds: ["visit"],
        rates: [
          { from: "2027-01-01", amountFen: 2000 },
          { from: "2027-03-10", amountFen: 2500 },
        ],
        capPerMonthFen: 4000,
      }),
    ];
    const s = subsidyStatement(dated, [c("v1", "visit", "2027-03-09"), c("v1", "visit", "2027-03-10")], {
      year: 2027,
      month: 3,
    });
    expect(s.rows[0]).toEqual({ volunteerId: "v1", lineId: "transport", units: 2, amountFen: 4000 });
    const uncapped = subsidyStatement(
      [{ ...dated[0], capPerMonthFen: undefined } as never],
      [c("v1", "visit", "2027-03-09"), c("v1", "visit", "2027-03-10")],
      { year: 2027, month: 3 },
    );
    expect(uncapped.totalFen).toBe(4500);
  });

  it("keeps its totals consistent and never negative (property)", () => {
    const contact = fc.record({
      groupId: fc.constant("g1"),
      volunteerId: fc.constantFrom("v1", "v2", "v3"),
      personId: fc.constantFrom("p1", "p2"),
      kind: fc.constantFrom("call", "visit") as fc.Arbitrary<"call" | "visit">,
      on: fc.integer({ min: 0, max: 364 }).map((d) => {
        const t = Date.UTC(2027, 0, 1) + d * 86_400_000;
        return new Date(t).toISOString().slice(0, 10);
      }),
    });
    fc.assert(
      fc.property(fc.array(contact, { maxLength: 120 }), (list) => {
        const year = subsidyStatement(lines, list, { year: 2027 });
        const sum = (xs: readonly { amountFen: number }[]) => xs.reduce((s, x) => s + x.amountFen, 0);
        expect(sum(year.rows)).toBe(year.totalFen);
        expect(sum(year.months)).toBe(year.totalFen);
        expect(sum(year.byVolunteer)).toBe(year.totalFen);
        expect(year.rows.every((r) => r.amountFen >= 0 && Number.isInteger(r.amountFen))).toBe(true);
        expect(year.byLine[0]?.units).toBe(list.filter((x) => x.kind === "visit").length);
        let months = 0;
        for (let m = 1; m <= 12; m++) months += subsidyStatement(lines, list, { year: 2027, month: m }).totalFen;
        expect(months).toBe(year.totalFen);
      }),
      { numRuns: 60 },
    );
  });

  it("exports XLSX that reads back with the same figures, and a printable page with masked names", async () => {
    const march = subsidyStatement(lines, contacts, { year: 2027, month: 3 });
    const names = new Map([["v1", "张小三"]]);
    const rows = await readTableXlsx(await statementXlsx(march, { names }), "补贴明细");
    expect(rows).toEqual([
      ["志愿者编号", "姓名", "交通补贴（次）", "交通补贴（元）", "通讯补贴（月）", "通讯补贴（元）", "合计（元）"],
      ["v1", "张*三", 2, 40, 1, 30, 70],
      ["v2", null, 0, 0, 1, 30, 30],
      ["合计", null, 2, 40, 2, 60, 100],
    ]);
    const html = printableStatement(march, { names, issuedBy: "涟水县委老干部局" });
    expect(html).toContain("补贴发放明细表（2027年03月）");
    expect(html).toContain("100.00");
    expect(html).toContain("张*三");
    expect(html).not.toContain("张小三");
    const en = printableStatement(march, { lang: "en" });
    expect(en).toContain("Medical volunteer subsidies (2027-03)");
  });

  it("prints a hostile name as masked text", () => {
    const s = subsidyStatement(lines, [c("v1", "visit", "2027-03-02")], { year: 2027, month: 3 });
    const html = printableStatement(s, { names: new Map([["v1", "<script>alert(1)</script>"]]) });
    expect(html).not.toContain("<script>");
  });

  it("refuses hostile budget lines and periods with typed errors", () => {
    const base = lines[0] as BudgetLine;
    const bad: [unknown, string, string][] = [
      [
        [
          {
            ...base,
            rates: [
              { from: "2027-03-01", amountFen: 1 },
              { from: "2027-03-01", amountFen: 2 },
            ],
          },
        ],
        "BUDGET_RATE_OVERLAP",
        "lines.0.rates.1.from",
      ],
      [[{ ...base, rates: [{ from: "2027-01-01", amountFen: 20.5 }] }], "INVALID_TYPE", "lines.0.rates.0.amountFen"],
      [[{ ...base, rates: [{ from: "2027-01-01", amountFen: -1 }] }], "TOO_SMALL", "lines.0.rates.0.amountFen"],
      [[{ ...base, rates: [{ from: "2027-02-30", amountFen: 1 }] }], "INVALID_DATE", "lines.0.rates.0.from"],
      [[base, base], "DUPLICATE_ID", "lines"],
      [[{ ...base, id: "13812345678" }], "PERSONAL_DATA_IN_ID", "lines.0.id"],
      [[{ ...base, to: "2026-12-31" }], "DATE_ORDER", "lines.0.to"],
    ];
    for (const [value, code, path] of bad) {
      let err: { code: string; path: (string | number)[] } | undefined;
      try {
        subsidyStatement(value as BudgetLine[], [], { year: 2027 });
      } catch (e) {
        err = e as never;
      }
      expect(err?.code, path).toBe(code);
      expect(err?.path.join("."), code).toBe(path);
    }
    expect(() => subsidyStatement(lines, [], { year: 2027, month: 13 })).toThrowError(
      expect.objectContaining({ code: "TOO_BIG" }),
    );
    expect(formatYuan(2050)).toBe("20.50");
    expect(formatYuan(5)).toBe("0.05");
  });
});
