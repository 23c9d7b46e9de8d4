import { ElderflowError } from "@elderflow/core";
import { type CadenceLogEntry, type CadencePair, cadenceReport } from "@elderflow/schedule";
import type { Command } from "commander";
import { accepts, type CommandContext, emitRows, readJsonFile } from "../io";

/**
 * `elderflow cadence check`: pairing cadence compliance of a month (rule 5), one entry per pair
 * `{pairId, weeksRequired, weeksMet, missedWeeks, homeVisitsRequired, homeVisits, compliant}`.
 */
export function registerCadence(program: Command, ctx: CommandContext): void {
  const cadence = program.command("cadence").description("pairing cadence compliance (weekly contact, home visits)");
  accepts(
    cadence
      .command("check")
      .description(
        "weekly contacts and three home visits a month, per pair (ISO weeks, Asia/Shanghai); formats: table, json, csv",
      ),
    ["table", "json", "csv"],
  )
    .requiredOption("--pairs <file>", "JSON array of pairs {pairId, volunteerId, personId, from, to?}")
    .requiredOption("--log <file>", "JSON array of log entries {pairId, at, kind}")
    .requiredOption("--month <yyyy-mm>", "the month to check")
    .option("--by <level>", "pair (default) | volunteer | community", "pair")
    .action((opts: { pairs: string; log: string; month: string; by: string }) => {
      const pairs = readJsonFile(ctx.io, opts.pairs);
      const log = readJsonFile(ctx.io, opts.log);
      if (!Array.isArray(pairs))
        throw new ElderflowError("INVALID_TYPE", { path: ["pairs"], params: { expected: "array" } });
      if (!Array.isArray(log))
        throw new ElderflowError("INVALID_TYPE", { path: ["log"], params: { expected: "array" } });
      const report = cadenceReport(pairs as CadencePair[], log as CadenceLogEntry[], opts.month);
      const rows = (list: readonly object[]) => list.map((r) => ({ ...r }) as Record<string, unknown>);
      if (opts.by === "volunteer") emitRows(ctx, report.volunteers, rows(report.volunteers));
      else if (opts.by === "community") emitRows(ctx, report.communities, rows(report.communities));
      else if (opts.by === "pair") emitRows(ctx, report.pairs, rows(report.pairs));
      else
        throw new ElderflowError("INVALID_ENUM", { path: ["by"], params: { options: "pair, volunteer, community" } });
    });
}
