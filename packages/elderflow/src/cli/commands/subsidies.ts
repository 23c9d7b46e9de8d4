import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ElderflowError } from "@elderflow/core";
import type { Command } from "commander";
import { formatYuan, printableStatement, statementXlsx, subsidyStatement } from "../../system/subsidies";
import { accepts, CliExit, type CommandContext, EXIT, emit, readJsonFile, shownFile, usageError } from "../io";

const int = (text: string, option: string, min: number, max: number): number => {
  if (!/^\d{1,4}$/.test(text) || Number(text) < min || Number(text) > max)
    usageError(`${option} must be a number from ${min} to ${max}`, option);
  return Number(text);
};

/**
 * `elderflow subsidies statement`: the medical volunteers' subsidy statement of a month or a year
 * (rule 12, 交通费、通讯费) from credited contacts and budget lines; a table, JSON, the printable page
 * (`--format html`), or the XLSX workbook (`--out file.xlsx`).
 */
export function registerSubsidies(program: Command, ctx: CommandContext): void {
  const subsidies = program.command("subsidies").description("medical volunteer subsidies from the county budget");
  accepts(
    subsidies
      .command("statement")
      .description(
        "statement per volunteer and per budget line for a month or a year (amounts in yuan); formats: table, json, html; --out writes XLSX",
      ),
    ["table", "json", "html"],
  )
    .requiredOption("--contacts <file>", "JSON array of credited contacts {groupId, volunteerId, personId, kind, on}")
    .requiredOption("--lines <file>", "JSON array of budget lines {id, title, basis, contactKinds, rates, …}")
    .requiredOption("--year <yyyy>", "the year")
    .option("--month <m>", "a month of the year (1-12); absent: the whole year")
    .option("--out <file.xlsx>", "also write the statement as an XLSX workbook")
    .option("--issued-by <body>", "the issuing body printed on the page (制表单位)")
    .action(
      async (opts: {
        contacts: string;
        lines: string;
        year: string;
        month?: string;
        out?: string;
        issuedBy?: string;
      }) => {
        const { format, lang } = ctx.globals();
        const year = int(opts.year, "--year", 2000, 2100);
        const month = opts.month === undefined ? undefined : int(opts.month, "--month", 1, 12);
        const statement = subsidyStatement(
          readJsonFile(ctx.io, opts.lines) as never,
          readJsonFile(ctx.io, opts.contacts) as never,
          month === undefined ? { year } : { year, month },
        );
        if (opts.out !== undefined) {
          const bytes = await statementXlsx(statement, { lang });
          try {
            writeFileSync(resolve(ctx.io.cwd, opts.out), bytes);
          } catch (error) {
            throw new CliExit(
              EXIT.failure,
              new ElderflowError("DATA_DIR_UNAVAILABLE", { path: ["--out"], cause: error }),
            );
          }
          ctx.io.stderr(`${lang === "zh-CN" ? "已写出" : "wrote"} ${shownFile(opts.out)}\n`);
        }
        if (format === "html") {
          ctx.io.stdout(
            printableStatement(statement, {
              lang,
              ...(opts.issuedBy === undefined ? {} : { issuedBy: opts.issuedBy }),
            }),
          );
          return;
        }
        emit(ctx, statement, () => {
          const head = [
            lang === "zh-CN" ? "志愿者" : "volunteer",
            ...statement.lines.map((l) => l.title[lang]),
            lang === "zh-CN" ? "合计" : "total",
          ];
          const rows = statement.byVolunteer.map((v) => [
            v.volunteerId,
            ...statement.lines.map((l) => {
              const r = statement.rows.find((x) => x.volunteerId === v.volunteerId && x.lineId === l.id);
              return r === undefined ? "0.00" : `${formatYuan(r.amountFen)} (${r.units})`;
            }),
            formatYuan(v.amountFen),
          ]);
          const total = [
            lang === "zh-CN" ? "合计" : "total",
            ...statement.byLine.map((l) => `${formatYuan(l.amountFen)} (${l.units})`),
            formatYuan(statement.totalFen),
          ];
          const all = [head, ...rows, total];
          const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
          const line = (r: readonly string[]) =>
            r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
          return [`${statement.period}`, ...all.map(line)].join("\n");
        });
      },
    );
}
