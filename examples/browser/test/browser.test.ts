import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containsPersonalData } from "@elderflow/core";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildReport, buildChecker, EXAMPLE_DIR, sizeOf } from "../src/build";
import { checkBirthday } from "../src/checker";
import { type StaticServer, serveStatic } from "../src/serve";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const person = (over: Record<string, unknown>) =>
  JSON.stringify({
    id: "p000001",
    name: "张小三",
    gender: "male",
    birthDate: "1957-05-10",
    retirementKind: "lixiu",
    rank: "deputy_county",
    communityId: "c01",
    ...over,
  });

describe("the browser checker page", () => {
  let report: BuildReport;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let shots: string;

  beforeAll(async () => {
    report = await buildChecker();
    server = await serveStatic(join(EXAMPLE_DIR, "dist"));
    profile = mkdtempSync(join(tmpdir(), "ef-chromium-profile-"));
    shots = mkdtempSync(join(tmpdir(), "ef-checker-shot-"));
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    // A persistent context is how Playwright takes a --user-data-dir: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const dir of [profile, shots]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports the real sizes of the bundle just built", () => {
    const written = JSON.parse(readFileSync(join(EXAMPLE_DIR, "bundle-size.json"), "utf8")) as BuildReport;
    expect(written).toEqual(report);
    expect({ raw: written.raw, gzip: written.gzip }).toEqual(sizeOf(readFileSync(join(EXAMPLE_DIR, written.bundle))));
    const pageSize = sizeOf(readFileSync(join(EXAMPLE_DIR, written.page.file)));
    expect({ raw: written.page.raw, gzip: written.page.gzip }).toEqual(pageSize);
    expect(written.gzip).toBeLessThan(written.raw);
    const html = readFileSync(join(EXAMPLE_DIR, written.page.file), "utf8");
    expect(html).not.toContain("<!--BUNDLE-->");
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it("bundles core, policy and schedule without Node built-ins", () => {
    const js = readFileSync(join(EXAMPLE_DIR, report.bundle), "utf8");
    expect(js).not.toMatch(/require\(["'](node:)?(fs|path|crypto|os|url|zlib|stream|buffer)["']\)/);
    const modules = report.largest.map((l) => l.module);
    expect(modules).toEqual(expect.arrayContaining(["@elderflow/policy", "@elderflow/core", "@elderflow/schedule"]));
  });

  async function check(json: string, date: string, lang: "zh-CN" | "en") {
    await page.goto(`${server.url}/`);
    await page.fill("#person", json);
    await page.fill("#date", date);
    await page.selectOption("#lang", lang);
    await page.click("#check");
    await page.waitForSelector("#result:not([hidden])");
    return {
      decision: (await page.textContent("#decision")) ?? "",
      sentence: (await page.textContent("#sentence")) ?? "",
      birthday: (await page.textContent("#birthday")) ?? "",
      rules: (await page.textContent("#rules")) ?? "",
      next: (await page.textContent("#next")) ?? "",
      cls: (await page.getAttribute("#result", "class")) ?? "",
      title: await page.title(),
    };
  }

  it("shows the decision and its explanation in zh-CN", async () => {
    const json = person({});
    const shown = await check(json, "2027-03-01", "zh-CN");
    expect(shown.decision).toBe("✓ 符合祝寿条件");
    expect(shown.cls).toBe("granted");
    expect(shown.birthday).toContain("生日：2027-05-10，满70周岁（公历）");
    expect(shown.birthday).toContain("birthday@2009");
    expect(shown.next).toBe("下一次祝寿：2027-05-10，70周岁");
    expect(shown.title).toBe("祝寿政策核对");
    // The page runs the same packages as Node: its sentence is the policy's own explanation.
    const node = checkBirthday(json, "2027-03-01", "zh-CN");
    expect(node.ok && node.sentence).toBe(shown.sentence);
    expect(shown.sentence).toContain("70周岁");
    expect(shown.sentence).not.toContain("张小三");
    expect(shown.rules).toContain("副县级以上离休干部从70周岁起逢五排十祝寿");
  });

  it("shows a refusal and the next celebration in en", async () => {
    const json = person({ retirementKind: "tuixiu", birthDate: "1957-06-10" });
    const shown = await check(json, "2027-03-01", "en");
    expect(shown.decision).toBe("✗ Not celebrated");
    expect(shown.cls).toBe("denied");
    expect(shown.birthday).toContain("Birthday: 2027-06-10, turns 70 (gregorian)");
    expect(shown.next).toBe("Next celebration: 2037-06-10, age 80");
    expect(shown.title).toBe("Birthday policy checker");
    const node = checkBirthday(json, "2027-03-01", "en");
    expect(node.ok && node.sentence).toBe(shown.sentence);
    expect(shown.sentence).not.toContain("张小三");
    expect(shown.rules).toContain("every other retired cadre, from 80");
  });

  it("follows a lunar birthday", async () => {
    const shown = await check(
      person({ birthDate: "1952-01-31", birthdayCalendar: "lunar", rank: "county" }),
      "2027-01-01",
      "en",
    );
    expect(shown.decision).toBe("✓ Celebrated");
    expect(shown.birthday).toContain("Birthday: 2027-02-10, turns 75 (lunar)");
  });

  it("explains bad input in the chosen language, without the input", async () => {
    const bad = person({ rank: "general", phone: "13800-not-a-phone" });
    const zh = await check(bad, "2027-03-01", "zh-CN");
    expect(zh.cls).toBe("error");
    expect(zh.decision).toBe("输入有误");
    expect(zh.rules).toContain("UNKNOWN_RANK (rank): 职级不在职级表中");
    expect(zh.rules).toContain("INVALID_PHONE (phone): 电话号码格式无效");
    expect(zh.rules).not.toContain("13800");
    const en = await check("{ not json", "2027-03-01", "en");
    expect(en.sentence).toBe("INVALID_JSON: Could not parse JSON at line 1, column 3");
  });

  it("never repeats a name, ID number or phone from a malformed or odd record", async () => {
    const leaks = (text: string) => containsPersonalData(text) || text.includes("林芳丽");
    const broken = '\uFEFF{\n  "id": "p1",\n  "name": 林芳丽, "phone": "13800138000"\n}';
    const r = checkBirthday(broken, "2027-03-01", "en");
    expect(r.ok ? null : [r.error.code, r.error.params]).toEqual(["INVALID_JSON", { line: 3, column: 11 }]);
    const odd = person({ rank: "林芳丽", id: "11010519491231002X", "phone 13800138000": 1, gender: "13800138000" });
    const o = checkBirthday(odd, "2027-03-01", "zh-CN");
    expect(o.ok).toBe(false);
    expect(leaks(JSON.stringify(o))).toBe(false);
    for (const [text, lang] of [
      [broken, "en"],
      [odd, "zh-CN"],
    ] as const) {
      const shown = await check(text, "2027-03-01", lang);
      expect(leaks(JSON.stringify(shown)), JSON.stringify(shown)).toBe(false);
    }
  });

  it("renders a page that can be captured", async () => {
    await check(person({}), "2027-03-01", "zh-CN");
    const file = join(shots, "checker.png");
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(1000);
    expect(readFileSync(file).subarray(1, 4).toString("latin1")).toBe("PNG");
  });
});
