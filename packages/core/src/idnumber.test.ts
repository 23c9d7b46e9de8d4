import { describe, expect, it } from "vitest";
import { checkIdNumber, idNumberCheckChar, makeIdNumber } from "./idnumber";
import { maskIdNumber, maskName, maskPhone } from "./mask";

describe("resident ID numbers (GB 11643)", () => {
  it("accepts a number with a correct check character and decodes it", () => {
    const r = checkIdNumber("11010519491231002X");
    expect(r).toEqual({ ok: true, info: { regionCode: "110105", birthDate: "1949-12-31", gender: "female" } });
  });

  it("computes the ISO 7064 MOD 11-2 check character", () => {
    expect(idNumberCheckChar("11010519491231002")).toBe("X");
    // Every other last character fails the checksum.
    for (const c of "0123456789")
      expect(checkIdNumber(`11010519491231002${c}`)).toEqual({ ok: false, code: "ID_NUMBER_CHECKSUM" });
  });

  it("rejects malformed numbers and impossible birth dates", () => {
    expect(checkIdNumber("1101051949123100")).toEqual({ ok: false, code: "INVALID_ID_NUMBER" });
    expect(checkIdNumber("11010519491231002x")).toEqual({ ok: false, code: "INVALID_ID_NUMBER" });
    const feb30 = makeIdNumber("110105", "1950-02-28", 1).replace("19500228", "19500230");
    expect(checkIdNumber(feb30).ok).toBe(false);
  });

  it("makes numbers that check", () => {
    const id = makeIdNumber("371402", "1950-10-01", 123);
    expect(checkIdNumber(id)).toEqual({
      ok: true,
      info: { regionCode: "371402", birthDate: "1950-10-01", gender: "male" },
    });
  });
});

describe("masking", () => {
  it("masks names as 张*三", () => {
    expect(maskName("张小三")).toBe("张*三");
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳小明")).toBe("欧**明");
    expect(maskName("Li Wei")).toBe("L* W**");
  });

  it("masks ID numbers as 110105********1234", () => {
    expect(maskIdNumber("110105194912311234")).toBe("110105********1234");
    expect(maskIdNumber("123")).toBe("****");
  });

  it("masks phones as 138****5678", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("0534-2345678")).toBe("*******5678");
  });
});
