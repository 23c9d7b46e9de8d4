import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualClock } from "@elderflow/core";
import { createElderflow, runCli, serviceEntryKeys } from "elderflow";
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
    // Every verified service entry of the year was posted, nothing else was, and nothing was dead-lettered.
    expect(result.reconciliation.discrepancies).toBe(0);
    expect(result.reconciliation.verified).toBeGreaterThan(10_000);
    expect(result.reconciliation.posted).toBe(result.reconciliation.verified);
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
      expect(await page.locator("#reconciled").textContent()).toBe("0");
      const shot = join(dir, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);

  it("reconciles the demo's year from the CLI with zero discrepancies", async () => {
    const out = memoryIO({ cwd: dir });
    const code = await runCli(["reconcile", "--store", "pglite:db", "--format", "json"], out);
    expect(code, out.err).toBe(0);
    const report = JSON.parse(out.out);
    expect(report).toMatchObject({ ok: true, discrepancies: [] });
    expect(report.verifiedEntries).toBe(result.reconciliation.verified);
  }, 600_000);

  it("erases a person from the CLI and the journal still verifies", async () => {
    const out = memoryIO({ cwd: dir });
    const code = await runCli(["erase", "p000101", "--store", "pglite:db", "--format", "json"], out);
    expect(code, out.err).toBe(0);
    expect(JSON.parse(out.out)).toMatchObject({ journalOk: true });
    const bad = memoryIO({ cwd: dir });
    expect(await runCli(["erase", "13800138000", "--store", "pglite:db"], bad)).not.toBe(0);
    expect(bad.out + bad.err).not.toContain("13800138000");
  }, 600_000);
});

describe("elderflow reconcile on a store with a planted discrepancy", () => {
  it("lists a posting without a workflow and exits 1", async () => {
    const root = mkdtempSync(join(tmpdir(), "elderflow-reconcile-"));
    try {
      const flow = await createElderflow({
        store: { kind: "pglite", dataDir: join(root, "db") },
        clock: manualClock("2027-03-01T09:00:00+08:00"),
        directory: { servicePoints: [], volunteers: [] },
      });
      const keys = serviceEntryKeys("ghost");
      const admin = flow.timebank.as({ id: "adm", roles: ["admin", "bureau"] });
      await admin.submitMany([
        { op: "grant", key: "g1", person: "sec", role: "registrar", community: "c1" },
        { op: "grant", key: "g2", person: "ver", role: "verifier", community: "c1" },
        { op: "enroll", key: "e1", volunteer: "v1", community: "c1", family: [] },
      ]);
      const planted = await flow.timebank.as(flow.host).submitMany([
        {
          op: "record",
          key: keys.record,
          volunteer: "v1",
          recipient: "p1",
          minutes: 90,
          on: "2027-03-01",
          signedBy: "p1",
          registeredBy: "sec",
        },
        { op: "verify", key: keys.verify, entry: keys.record, by: "ver", on: "2027-03-01" },
      ]);
      expect(planted.every((r) => r.ok)).toBe(true);
      await flow.close();
      const out = memoryIO({ cwd: root });
      expect(await runCli(["reconcile", "--store", "pglite:db", "--format", "json"], out)).toBe(1);
      expect(JSON.parse(out.out).discrepancies).toEqual([
        { kind: "posted_without_workflow", entryId: "ghost", key: keys.record, communityId: "c1" },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
