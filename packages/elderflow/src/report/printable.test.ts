import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../../../test/support/fast-check";
import {
  escapePrintable,
  printableCertificate,
  printableDeliveryCompleteness,
  printableHolidayVisitList,
} from "./printable";

describe("printable pages", () => {
  it("never lets markup, quotes or bidirectional controls through (property)", () => {
    const hostile = fc.string({
      unit: fc.constantFrom("<", ">", "&", '"', "'", "\u202e", "\u2066", "\u200f", "\u0000", "a", "张", " "),
    });
    fc.assert(
      fc.property(hostile, (s) => {
        const out = escapePrintable(s);
        expect(out).not.toMatch(/[<>"'\u202e\u2066\u200f\u0000]/);
        // Decoding the entities gives back the text without the controls.
        const decoded = out.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
        expect(decoded).toBe(s.replace(/[\u202e\u2066\u200f\u0000]/g, ""));
      }),
    );
  });

  it("puts every cell of a list in its own isolate, with one row per line", () => {
    const html = printableHolidayVisitList(
      [
        {
          date: "2027-02-06",
          occasion: "春节",
          anniversary: "",
          name: "张*三",
          community: "丰华社区",
          visitingBody: "区领导",
        },
        {
          date: "2027-07-01",
          occasion: "七一",
          anniversary: "",
          name: "李*",
          community: "丰华社区",
          visitingBody: "区领导",
        },
      ],
      { year: 2027, lang: "zh-CN" },
    );
    expect((html.match(/<tr>/g) ?? []).length).toBe(3);
    expect(html).toContain("共 2 人次");
    expect(html).toContain("<td><bdi>张*三</bdi></td>");
  });

  it("prints the monthly delivery completeness with a total line, and a hostile community name as text", () => {
    const html = printableDeliveryCompleteness(
      [
        { community: "丰华社区", due: 40, delivered: 38, missed: 1, outstanding: 1 },
        { community: "<script>x</script>", due: 10, delivered: 10, missed: 0, outstanding: 0 },
      ],
      { month: "2027-03", lang: "zh-CN" },
    );
    expect(html).toContain("2027年3月报刊及学习资料送达情况");
    expect(html).toContain("共 2 个社区");
    expect(html).not.toContain("<script>");
    expect((html.match(/<tr>/g) ?? []).length).toBe(4);
    expect(html).toMatch(/合计[\s\S]*?50[\s\S]*?48[\s\S]*?96\.0%/);
    expect(printableDeliveryCompleteness([], { month: "2027-03", lang: "en" })).toContain("—");
    expect(() => printableDeliveryCompleteness([], { month: "2027-13<b>", lang: "en" })).toThrow(
      expect.objectContaining({ code: "INVALID_FORMAT" }),
    );
  });

  it("labels the gift, donation and expiry movements on the certificate in both languages", () => {
    const line = (kind: string, minutes: number, balance: number) => ({
      on: "2027-04-15",
      entry: `e-${kind}`,
      kind,
      minutes,
      balance,
    });
    const cert = {
      volunteer: "v1",
      name: "张*三",
      community: "c1",
      lines: [
        line("earned", 600, 600),
        line("gifted", -120, 480),
        line("gift-received", 60, 540),
        line("donated", -30, 510),
        line("expired", -90, 420),
        line("constructor", 0, 420),
      ],
      earnedMinutes: 600,
      balanceMinutes: 420,
      stars: 1,
      anchor: { length: 9, headHash: "ab".repeat(32) },
    };
    const zh = printableCertificate(cert, { lang: "zh-CN", issuedOn: "2027-05-01" });
    for (const label of ["转赠亲属", "受赠转入", "超限捐赠", "逾期失效"])
      expect(zh).toContain(`<td><bdi>${label}</bdi></td>`);
    const en = printableCertificate(cert, { lang: "en", issuedOn: "2027-05-01" });
    for (const label of ["gifted to a relative", "gift received", "donated above the cap", "expired"]) {
      expect(en).toContain(`<td><bdi>${label}</bdi></td>`);
    }
    // A kind the page does not know prints as itself, never as an inherited property.
    expect(en).toContain("<td><bdi>constructor</bdi></td>");
    expect(zh).not.toMatch(/<bdi>(gifted|gift-received|donated|expired)<\/bdi>/);
  });
});
