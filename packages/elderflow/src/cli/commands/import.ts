import { writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import {
  Actor,
  actorReaches,
  ElderflowError,
  type ErrorCode,
  formatMessage,
  isElderflowError,
  KEY_RULES,
  type Lang,
  parseOrThrow,
  textProblem,
  today,
} from "@elderflow/core";
import {
  type ImportRejection,
  MAX_BATCH,
  type PersonImport,
  type Register,
  readPersons,
  writePersonsXlsx,
} from "@elderflow/register";
import type { Command } from "commander";
import { accepts, CliExit, type CommandContext, EXIT, emit, readBytesFile, shownFile } from "../io";
import { parseDateOption, STORE_HELP } from "../options";
import { renderTable } from "../table";
import { actorOption, openFlow } from "./reconcile";

/** One refused row as the `import persons` contract prints it. */
export interface ImportRowReport {
  /** The row as the sheet shows it (header = row 1; JSON: index + 2). */
  readonly row: number;
  /** The column's header as in the file, or null for the row as a whole. */
  readonly column: string | null;
  /** Stable code. */
  readonly code: ErrorCode;
}

/** What `elderflow import persons --format json` prints. */
export interface ImportReport {
  /** Persons recorded in the register. */
  readonly imported: number;
  /** Every refused row, by row. */
  readonly rejected: ImportRowReport[];
}

interface Refusal {
  readonly row: number;
  readonly column: string | null;
  readonly code: ErrorCode;
  readonly message: { readonly "zh-CN": string; readonly en: string };
}

const fromReader = (r: ImportRejection): Refusal => ({
  row: r.row,
  column: r.column,
  code: r.code,
  message: r.message,
});

function refusal(row: number, column: string | null, code: ErrorCode, params = {}): Refusal {
  return {
    row,
    column,
    code,
    message: { "zh-CN": formatMessage(code, "zh-CN", params), en: formatMessage(code, "en", params) },
  };
}

/** The column of a register refusal: the person field its path names, or the id for a refusal of the record. */
function columnOfRefusal(read: PersonImport, code: ErrorCode, path: readonly (string | number)[]): string | null {
  if (code === "ALREADY_ENROLLED" || code === "UNKNOWN_PERSON") return read.columns.id ?? null;
  if (code === "WRONG_COMMUNITY") return read.columns.communityId ?? null;
  const at = path.indexOf("person");
  const parts = (at >= 0 ? path.slice(at + 1) : path).map(String);
  for (let n = parts.length; n > 0; n--) {
    const header = (read.columns as Readonly<Record<string, string | undefined>>)[parts.slice(0, n).join(".")];
    if (header !== undefined) return header;
  }
  if (parts[0] === "personId") return read.columns.id ?? null;
  return null;
}

/** The source reference of the enrolments: the file's name when it is a valid key, else none. */
function sourceRef(file: string): { ref?: string } {
  const name = basename(file).slice(0, 200);
  return textProblem(name, KEY_RULES) === null ? { ref: name } : {};
}

function printReport(ctx: CommandContext, report: ImportReport, refusals: readonly Refusal[], lang: Lang): void {
  emit(ctx, report, () => {
    const head =
      lang === "zh-CN"
        ? `已导入 ${report.imported} 人，拒绝 ${report.rejected.length} 行`
        : `Imported ${report.imported} persons, rejected ${report.rejected.length} rows`;
    if (refusals.length === 0) return head;
    const rows = refusals.map((r) =>
      lang === "zh-CN"
        ? { 行: r.row, 列: r.column ?? "", 代码: r.code, 说明: r.message["zh-CN"] }
        : { row: r.row, column: r.column ?? "", code: r.code, message: r.message.en },
    );
    return `${head}\n${renderTable(rows)}`;
  });
}

/**
 * `elderflow import persons <file>`: reads an XLSX, CSV or JSON register of persons (Chinese or
 * English headers, Chinese values) and enrols each good row in the register of `--store`, as
 * `--actor` (default: the host), effective `--effective` (default today). Prints
 * `{"imported":N,"rejected":[{"row":n,"column":"…","code":"…"},…]}` with `--format json`: the rows
 * the reader refused and the rows the register refused (e.g. ALREADY_ENROLLED), by row. With
 * `--all-or-nothing` nothing is recorded when any row is bad: the register's refusals it can
 * foresee (already enrolled, out of the actor's reach) are checked before anything is written.
 * Exits 1 when any row is refused, 0 otherwise.
 *
 * `elderflow export persons --out <file.xlsx>`: writes the register's masked listing as the same
 * XLSX sheet (headers of the import's mapping table).
 */
export function registerImport(program: Command, ctx: CommandContext): void {
  const imp = program.command("import").description("import data into the register (persons from XLSX, CSV or JSON)");
  accepts(
    imp
      .command("persons")
      .description(
        "enrol the persons of an XLSX, CSV (UTF-8, GB18030) or JSON file in the register; bad rows are reported by row, column and code; formats: table, json",
      ),
    ["table", "json"],
  )
    .argument("<file>", "the register file (.xlsx, .csv or .json)")
    .option("--store <store>", STORE_HELP, "pglite:.elderflow/demo")
    .option("--actor <json|file>", "who imports (default: the host; needs registrar, bureau, system or admin)")
    .option("--effective <date>", "the day the enrolments take effect, YYYY-MM-DD (default: today)")
    .option("--all-or-nothing", "import nothing when any row is bad")
    .action(
      async (file: string, opts: { store: string; actor?: string; effective?: string; allOrNothing?: boolean }) => {
        const { lang } = ctx.globals();
        const day = today(ctx.io.clock);
        const effective = opts.effective === undefined ? day : parseDateOption("--effective", opts.effective);
        const bytes = readBytesFile(ctx.io, file);
        let read: PersonImport;
        try {
          read = await readPersons(bytes, { today: day, fileName: file });
        } catch (e) {
          if (isElderflowError(e)) throw new CliExit(EXIT.failure, e);
          throw e;
        }
        for (const c of read.ignoredColumns)
          ctx.io.stderr(`${c.code} (row ${c.row}, ${c.column}): ${formatMessage(c.code, lang)}\n`);
        const refusals: Refusal[] = read.rejected.map(fromReader);
        const flow = await openFlow(ctx, opts.store);
        let imported = 0;
        try {
          const actor = parseOrThrow(Actor, actorOption(ctx, opts.actor, flow.host), ["actor"]);
          if (opts.allOrNothing === true) {
            // Foresee the register's refusals, so that a file it would partly refuse records nothing.
            for (const [i, p] of read.persons.entries()) {
              const row = read.personRows[i] as number;
              if (!actorReaches(actor, p.communityId))
                refusals.push(refusal(row, read.columns.communityId ?? null, "WRONG_COMMUNITY"));
              else if ((await flow.register.history(p.id, actor)).length > 0)
                refusals.push(refusal(row, read.columns.id ?? null, "ALREADY_ENROLLED", { id: p.id }));
            }
          }
          if (opts.allOrNothing !== true || refusals.length === 0)
            imported = await enrol(flow.register, read, actor, effective, file, refusals);
        } finally {
          await flow.close();
        }
        refusals.sort((a, b) => a.row - b.row);
        const report: ImportReport = {
          imported,
          rejected: refusals.map((r) => ({ row: r.row, column: r.column, code: r.code })),
        };
        printReport(ctx, report, refusals, lang);
        if (refusals.length > 0) throw new CliExit(EXIT.failure);
      },
    );

  const exp = program.command("export").description("export data from the register (masked persons as XLSX)");
  accepts(
    exp
      .command("persons")
      .description(
        "write the register's masked persons as an XLSX sheet with the import's headers; formats: table, json",
      ),
    ["table", "json"],
  )
    .requiredOption("--out <file.xlsx>", "the XLSX file to write")
    .option("--store <store>", STORE_HELP, "pglite:.elderflow/demo")
    .option("--actor <json|file>", "who exports (default: the host; the listing is scoped to its communities)")
    .action(async (opts: { out: string; store: string; actor?: string }) => {
      const { lang } = ctx.globals();
      const flow = await openFlow(ctx, opts.store);
      let count = 0;
      try {
        const rows = await flow.register.exportRows(actorOption(ctx, opts.actor, flow.host), {
          asOf: today(ctx.io.clock),
        });
        count = rows.length;
        const bytes = await writePersonsXlsx(rows, { lang, masked: true });
        try {
          writeFileSync(resolve(ctx.io.cwd, opts.out), bytes);
        } catch (error) {
          throw new CliExit(
            EXIT.failure,
            new ElderflowError("DATA_DIR_UNAVAILABLE", { path: ["--out"], cause: error }),
          );
        }
      } finally {
        await flow.close();
      }
      const file = shownFile(opts.out);
      emit(ctx, { file, persons: count }, () =>
        lang === "zh-CN" ? `已写出 ${count} 人（已脱敏）：${file}` : `Wrote ${count} persons (masked) to ${file}`,
      );
    });
}

/** Enrols the good persons in batches the register takes; collects its refusals; returns how many it recorded. */
async function enrol(
  register: Register,
  read: PersonImport,
  actor: Actor,
  effective: string,
  file: string,
  refusals: Refusal[],
): Promise<number> {
  const source = { kind: "import" as const, ...sourceRef(file) };
  let imported = 0;
  for (let start = 0; start < read.persons.length; start += MAX_BATCH) {
    const batch = read.persons.slice(start, start + MAX_BATCH);
    const outcomes = await register.record(
      batch.map((person) => ({ kind: "enrol", personId: person.id, effective, source, person })),
      actor,
    );
    for (const o of outcomes) {
      if (o.ok) {
        imported++;
        continue;
      }
      const row = read.personRows[start + o.index] as number;
      const { code, path, message } = o.error;
      refusals.push({ row, column: columnOfRefusal(read, code, path), code, message });
    }
  }
  return imported;
}
