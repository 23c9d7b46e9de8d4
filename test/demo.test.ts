import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "elderflow";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimulationResult, simulateYear } from "../packages/elderflow/src/demo/simulate";
import { memoryIO } from "./support/cli";

const dir = mkdtempSync(join(tmpdir(), "elderflow-demo-"));
const report = join(dir, "report.html");
let exitCode = -1;
let result: SimulationResult & { report: string };

const io = memoryIO({ cwd: dir });

const value = (r: SimulationResult, en: string) => r.summary.find((s) => s.label.en === en)?.value;

describe("the demo: a year in a district (README's first command)", () => {
  beforeAll(async () => {
    exitCode = await runCli(
      ["demo", "--store", "pglite:db", "--report", report, "--format", "json", "--lang", "en"],
      io,
    );
    result = JSON.parse(io.out);
  }, 1_800_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the reports' district through every programme on PGlite and verifies the journal", () => {
    expect(exitCode).toBe(0);
    expect(result.district).toEqual({ communities: 98, persons: 3310, lixiu: 270, volunteers: 350, teams: 12 });
    expect(result.journalOk).toBe(true);
    expect(result.birthdays.gregorian).toBeGreaterThan(0);
    expect(result.birthdays.lunar).toBeGreaterThan(0);
    for (const label of [
      "health checks done",
      "study deliveries (送学上门)",
      "legal-aid Tuesday afternoons",
      "hotline requests",
      "hotline SLA breaches (re-dispatched or escalated)",
      "escalations",
      "hospital visit tasks (rule 2 bodies)",
      "missed-contact alerts",
      "service entries recorded",
      "withdrawals by volunteers and family",
      "quarterly notices published (lines)",
    ])
      expect(value(result, label), label).toBeGreaterThan(0);
    // Every admission became a hospital visit task through the policy.
    expect(value(result, "hospital visit tasks (rule 2 bodies)")).toBe(
      value(result, "care pathways (hospital admissions)"),
    );
    expect(result.requests.reduce((a, r) => a + r.count, 0)).toBe(value(result, "hotline requests"));
    expect(result.stars.reduce((a, s) => a + s.volunteers, 0)).toBe(350);
    expect(result.monthlyHours).toHaveLength(12);
    expect(result.monthlyHours.every((m) => m.hours > 0)).toBe(true);
    expect(io.err).toContain("2026-06");
  });

  it("is deterministic: the same seed on another store gives the same year", async () => {
    const again = await simulateYear({ seed: 1, year: 2026, store: { kind: "memory" } });
    expect(again.summary).toEqual(result.summary);
    expect(again.monthlyHours).toEqual(result.monthlyHours);
    expect(again.stars).toEqual(result.stars);
    expect(again.compliance).toEqual(result.compliance);
  }, 1_800_000);

  it("writes an HTML report whose charts draw in headless Chromium without a server", async () => {
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, "utf8");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const profile = mkdtempSync(join(tmpdir(), "elderflow-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await context.newPage();
      await page.goto(`file://${report}`);
      expect(await page.locator("svg.chart").count()).toBe(4);
      const bars = await page
        .locator("svg.chart")
        .evaluateAll((svgs) =>
          svgs.map(
            (s) => [...s.querySelectorAll("rect.bar")].filter((r) => Number(r.getAttribute("height")) > 0).length,
          ),
        );
      expect(bars.every((n) => n > 0)).toBe(true);
      const box = await page.locator("svg.chart").first().boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(await page.locator("#journal").textContent()).toBe("verified");
      const shot = join(dir, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
