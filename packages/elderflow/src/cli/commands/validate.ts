import {
  type ElderflowIssue,
  formatMessage,
  formatPath,
  ID_RULES,
  textProblem,
  today,
  validatePersons,
} from "@elderflow/core";
import type { Command } from "commander";
import { accepts, CliExit, type CommandContext, EXIT, emit, emitRows, readJsonFile, shownIssue } from "../io";
import { labelRows } from "../labels";
import { renderTable } from "../table";

/** `elderflow validate persons <file.json>`: reports every invalid record, never stopping at the first. */
export function registerValidate(program: Command, ctx: CommandContext): void {
  const validate = program.command("validate").description("validate records in the JSON interchange form");
  accepts(
    validate
      .command("persons")
      .description(
        "validate an array of persons; reports every invalid record with index, field path and code; formats: table, json, csv",
      ),
    ["table", "json", "csv"],
  )
    .argument("<file>", "JSON file holding an array of persons")
    .action((file: string) => {
      const data = readJsonFile(ctx.io, file);
      const { lang, format } = ctx.globals();
      const columns = ["index", "id", "path", "code", "message"];
      if (!Array.isArray(data)) {
        const report = {
          total: 0,
          valid: 0,
          invalid: [
            {
              index: -1,
              issues: [
                { code: "INVALID_TYPE", path: [], message: formatMessage("INVALID_TYPE", lang, { expected: "array" }) },
              ],
            },
          ],
        };
        const message = formatMessage("INVALID_TYPE", lang, { expected: "array" });
        if (format === "csv")
          emitRows(ctx, report, [{ index: -1, id: "", path: "", code: "INVALID_TYPE", message }], columns);
        else emit(ctx, report, () => `INVALID_TYPE: ${message}`);
        throw new CliExit(EXIT.failure);
      }
      const result = validatePersons(data, { today: today(ctx.io.clock) });
      // Issues, paths and ids are printed through the CLI's filter: an invalid record's own keys,
      // values and even its id can hold a name, an ID number or a phone.
      const describe = (issue: ElderflowIssue) => {
        const i = shownIssue(issue);
        return { path: formatPath(i.path), code: i.code, message: formatMessage(i.code, lang, i.params) };
      };
      const shownId = (id: string | undefined) =>
        id !== undefined && textProblem(id, ID_RULES) === null ? { id } : {};
      const report = {
        total: data.length,
        valid: result.valid.length,
        invalid: result.invalid.map((r) => ({
          index: r.index,
          ...shownId(r.id),
          issues: r.issues.map(describe),
        })),
      };
      const rows = report.invalid.flatMap((r) =>
        r.issues.map((i) => ({ index: r.index, id: r.id ?? "", path: i.path, code: i.code, message: i.message })),
      );
      if (format === "csv") emitRows(ctx, report, rows, columns);
      else
        emit(ctx, report, () => {
          const head =
            lang === "zh-CN"
              ? `共 ${report.total} 条，有效 ${report.valid} 条，无效 ${report.invalid.length} 条`
              : `${report.total} records, ${report.valid} valid, ${report.invalid.length} invalid`;
          return rows.length === 0 ? head : `${head}\n${renderTable(labelRows(rows, lang))}`;
        });
      if (report.invalid.length > 0) throw new CliExit(EXIT.failure);
    });
}
