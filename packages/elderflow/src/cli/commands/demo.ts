import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ElderflowError } from "@elderflow/core";
import type { Command } from "commander";
import { simulateYear } from "../../demo/simulate";
import { renderDemoReport } from "../../report/html";
import { accepts, CliExit, type CommandContext, EXIT, emit, usageError } from "../io";
import { describeStore, parseIntOption, parseStoreOption, STORE_HELP } from "../options";
import { renderTable } from "../table";

/**
 * `elderflow demo`: simulates one year in a synthetic district at the reports' scale on the embedded
 * default (PGlite in a local folder), prints a summary table and writes an HTML report with charts.
 */
export function registerDemo(program: Command, ctx: CommandContext): void {
  accepts(
    program
      .command("demo")
      .description(
        "simulate one year in a district (seeded, deterministic) and write an HTML report; formats: table, json",
      ),
    ["table", "json"],
  )
    .option("--seed <n>", "seed", "1")
    .option("--year <yyyy>", "the simulated year", "2026")
    .option("--scale <n>", "size multiplier (10 = a province-sized set of districts)", "1")
    .option("--store <store>", STORE_HELP, "pglite:.elderflow/demo")
    .option("--report <file>", "where to write the HTML report", ".elderflow/demo-report.html")
    .action(async (opts: { seed: string; year: string; scale: string; store: string; report: string }) => {
      const { lang } = ctx.globals();
      const seed = parseIntOption("--seed", opts.seed);
      const year = parseIntOption("--year", opts.year);
      const scale = parseIntOption("--scale", opts.scale);
      if (scale < 1 || scale > 100) usageError("--scale must be 1..100");
      if (year < 2000 || year > 2099) usageError("--year must be 2000..2099");
      const store = parseStoreOption(opts.store, ctx.io.cwd);
      if (store.kind === "pglite" && store.dataDir !== undefined) {
        // A fresh folder every run, so that the same seed gives the same year.
        rmSync(store.dataDir, { recursive: true, force: true });
        mkdirSync(store.dataDir, { recursive: true });
      }
      ctx.io.stderr(
        lang === "zh-CN"
          ? `模拟 ${year} 年：种子 ${seed}，规模 ×${scale}，存储 ${describeStore(store)}\n`
          : `Simulating ${year}: seed ${seed}, scale ×${scale}, store ${describeStore(store)}\n`,
      );
      const result = await simulateYear({ seed, year, scale, store, progress: (m) => ctx.io.stderr(`${m}\n`) });
      const reportPath = resolve(ctx.io.cwd, opts.report);
      mkdirSync(dirname(reportPath), { recursive: true });
      writeFileSync(reportPath, renderDemoReport(result, lang));
      emit(ctx, { ...result, report: reportPath }, () =>
        [
          lang === "zh-CN"
            ? `模拟辖区 ${result.year} 年（种子 ${seed}）：${result.district.communities} 个社区，离退休干部 ${result.district.persons} 人（离休 ${result.district.lixiu} 人），志愿者 ${result.district.volunteers} 人，${result.district.teams} 支队伍`
            : `A simulated ${result.year} (seed ${seed}): ${result.district.communities} communities, ${result.district.persons} retired cadres (${result.district.lixiu} lixiu), ${result.district.volunteers} volunteers in ${result.district.teams} teams`,
          renderTable(
            result.summary.map((s) => ({
              [lang === "zh-CN" ? "项目" : "item"]: s.label[lang],
              [lang === "zh-CN" ? "数量" : "count"]: s.value,
            })),
          ),
          ...result.warnings.map((w) => `! ${w[lang]}`),
          lang === "zh-CN"
            ? `时间银行流水校验：${result.journalOk ? "通过" : "未通过"}；用时 ${(result.ms / 1000).toFixed(1)} 秒`
            : `Time-bank journal: ${result.journalOk ? "verified" : "BROKEN"}; took ${(result.ms / 1000).toFixed(1)} s`,
          lang === "zh-CN"
            ? `报告：${reportPath}（可直接用浏览器打开）`
            : `Report: ${reportPath} (open it in a browser)`,
        ].join("\n"),
      );
      if (!result.journalOk)
        throw new CliExit(
          EXIT.failure,
          new ElderflowError("JOURNAL_TAMPERED", { params: { position: "end of demo" } }),
        );
    });
}
