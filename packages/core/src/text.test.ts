import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ElderflowError } from "./errors";
import { containsPersonalData, redactPersonalData } from "./mask";
import { canonicalJson, FreeTextSchema, IdSchema, KeySchema, parseJsonText, textProblem } from "./text";

const codeOf = (schema: typeof KeySchema, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? null : ((r.error.issues[0] as { params?: { code?: string } } | undefined)?.params?.code ?? null);
};

describe("canonical identifiers and keys", () => {
  it("refuses a lone surrogate, NUL, a control character and a non-NFC string in a key", () => {
    expect(codeOf(KeySchema, "k\ud800")).toBe("MALFORMED_TEXT");
    expect(codeOf(KeySchema, "k\udc00x")).toBe("MALFORMED_TEXT");
    expect(codeOf(KeySchema, "k\u0000")).toBe("CONTROL_CHARACTER");
    expect(codeOf(KeySchema, "k\u202e")).toBe("CONTROL_CHARACTER");
    expect(codeOf(KeySchema, "e\u0301")).toBe("NOT_NORMALIZED");
    expect(codeOf(KeySchema, "x".repeat(201))).toBe("TOO_BIG");
  });

  it("accepts emoji, CJK extension B and composed marks in a key", () => {
    for (const k of ["社区-1", "👩‍👩‍👧", "𠀀𠀁", "é", "x#1"]) expect(KeySchema.safeParse(k).success).toBe(true);
  });

  it("never lets an id or key hold something shaped like an ID number or mobile phone", () => {
    for (const v of ["13800138000", "k-13800138000", "11010519491231002X", "p110105194912310", "+86 138 0013 8000"])
      expect(codeOf(KeySchema, v)).toBe("PERSONAL_DATA_IN_ID");
    expect(codeOf(IdSchema, "13800138000")).toBe("PERSONAL_DATA_IN_ID");
    // a uuid, an epoch in ms and short codes are not personal data
    for (const v of ["0190f7a2-1b2c-7d3e-8f90-123456789012", "t:1798732800000", "p-0001", "c-098"])
      expect(IdSchema.safeParse(v).success).toBe(true);
  });

  it("keeps ids to letters, digits and _ - . :", () => {
    expect(codeOf(IdSchema, "a b")).toBe("INVALID_FORMAT");
    expect(codeOf(IdSchema, "")).toBe("REQUIRED");
  });

  it("allows line breaks in free text but no other control character", () => {
    expect(FreeTextSchema.safeParse("第一行\n第二行\t完").success).toBe(true);
    expect(codeOf(FreeTextSchema, "a\u0007")).toBe("CONTROL_CHARACTER");
  });

  it("decides any string the same way every time, and never accepts a lone surrogate", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        const p = textProblem(s, { max: 200, noPersonalData: true });
        expect(textProblem(s, { max: 200, noPersonalData: true })).toBe(p);
        if (p === null) expect(Buffer.from(s, "utf8").toString("utf8")).toBe(s);
      }),
    );
  });
});

describe("personal data by its shape", () => {
  it("finds and masks ID numbers and mobiles inside text", () => {
    const text = "张三 13800138000 身份证 11010519491231002X";
    expect(containsPersonalData(text)).toBe(true);
    const masked = redactPersonalData(text);
    expect(masked).toBe("张三 138****8000 身份证 110105********002X");
    expect(containsPersonalData(masked)).toBe(false);
  });

  it("never lets an error carry an ID number, a phone or a huge input", () => {
    const err = new ElderflowError("UNKNOWN_TIME_ZONE", { params: { zone: `13800138000${"x".repeat(100_000)}` } });
    expect(err.message).not.toMatch(/13800138000/);
    expect(err.message.length).toBeLessThan(300);
    const k = new ElderflowError("UNKNOWN_FIELD", { path: ["13800138000"], params: { field: "phone 13800138000" } });
    expect(JSON.stringify(k.toJSON())).not.toMatch(/13800138000/);
  });
});

describe("canonical JSON", () => {
  it("sorts keys and is the same for equal values", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it("refuses a value nested 20,000 deep without recursing", () => {
    let v: unknown = 1;
    for (let i = 0; i < 20_000; i++) v = { a: v };
    expect(() => canonicalJson(v)).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
  });

  it("refuses lone surrogates, non-finite numbers and non-plain values", () => {
    expect(() => canonicalJson({ k: "\ud800" })).toThrow(expect.objectContaining({ code: "MALFORMED_TEXT" }));
    expect(() => canonicalJson([Number.NaN])).toThrow(expect.objectContaining({ code: "INVALID_TYPE" }));
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(expect.objectContaining({ code: "INVALID_TYPE" }));
  });

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        const text = canonicalJson(v);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe("parseJsonText", () => {
  it("finds the line and column of any syntax error without quoting", () => {
    const cases: [string, number, number][] = [
      ["{", 1, 2],
      ['{"a":1,}', 1, 8],
      ["[1,2\n,x]", 2, 2],
      ['{"a" 1}', 1, 6],
      ["[1] 2", 1, 5],
    ];
    for (const [text, line, column] of cases) {
      try {
        parseJsonText(text);
        expect.unreachable();
      } catch (e) {
        expect((e as ElderflowError).params).toMatchObject({ line, column });
      }
    }
  });

  it("drops a BOM and reports a syntax error by line and column, never the text", () => {
    expect(parseJsonText('\ufeff{"a":1}')).toEqual({ a: 1 });
    try {
      parseJsonText('{\n  "name": 林芳丽\n}');
      expect.unreachable();
    } catch (e) {
      const err = e as ElderflowError;
      expect(err.code).toBe("INVALID_JSON");
      expect(err.params).toMatchObject({ line: 2, column: 11 });
      expect(JSON.stringify(err.toJSON())).not.toMatch(/林/);
    }
  });
});
