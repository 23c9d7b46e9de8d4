import { describe, expect, it } from "vitest";
import { readTableXlsx, writeTablesXlsx } from "./sheet";

describe("plain tables as XLSX", () => {
  it("reads back what it wrote: text as text, numbers as numbers, formulas never", async () => {
    const bytes = await writeTablesXlsx([
      {
        name: "补贴",
        columns: [{ header: "志愿者" }, { header: "金额（元）", kind: "number", format: "0.00" }],
        rows: [
          ["v1", 20.5],
          ['=HYPERLINK("x")', null],
        ],
      },
      { name: "second", columns: [{ header: "a" }], rows: [["b"]] },
    ]);
    expect(await readTableXlsx(bytes, "补贴")).toEqual([
      ["志愿者", "金额（元）"],
      ["v1", 20.5],
      ['=HYPERLINK("x")', null],
    ]);
    expect(await readTableXlsx(bytes, "second")).toEqual([["a"], ["b"]]);
  });

  it("refuses bad sheet names and unreadable files with typed errors", async () => {
    await expect(writeTablesXlsx([{ name: "a/b", columns: [], rows: [] }])).rejects.toMatchObject({
      code: "INVALID_FORMAT",
      path: ["sheets", 0, "name"],
    });
    await expect(writeTablesXlsx([])).rejects.toMatchObject({ code: "REQUIRED" });
    await expect(readTableXlsx(new TextEncoder().encode("not a zip"))).rejects.toMatchObject({
      code: "IMPORT_INVALID_FILE",
    });
  });
});
