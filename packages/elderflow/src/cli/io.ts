import { readFileSync, statSync } from "node:fs";
import {
  type Clock,
  containsPersonalData,
  ElderflowError,
  type ElderflowIssue,
  type ErrorCode,
  type FieldPath,
  formatPath,
  isElderflowError,
  type Lang,
  type MessageParams,
  type Person,
  parseJsonText,
  type RankScale,
  systemClock,
  today,
} from "@elderflow/core";
import {
  columnForHeader,
  type IgnoredColumn,
  IMPORT_LIMITS,
  type ImportFormat,
  readPersons,
} from "@elderflow/register";
import { labelRows } from "./labels";
import { renderCsv, renderTable } from "./table";

/** Output formats of the CLI. */
export type OutputFormat = "json" | "table" | "text" | "ics" | "csv" | "html";

/** What the CLI talks to: streams, files, environment and the clock (injectable for tests). */
export interface CliIO {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error (progress, logs). */
  readonly stderr: (text: string) => void;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock (system clock in the real CLI). */
  readonly clock: Clock;
  /** Working directory for relative paths. */
  readonly cwd: string;
}

/** The default IO: the process's own streams and the system clock. */
export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    clock: systemClock(process.env.ELDERFLOW_TZ ?? "Asia/Shanghai"),
    cwd: process.cwd(),
  };
}

/** Exit codes: 0 success, 1 a rule or validation failure, 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Thrown inside a command to stop with an exit code after printing an error. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly error?: ElderflowError,
  ) {
    super(error?.message ?? `exit ${exitCode}`);
  }
}

/** The global options every command sees. */
export interface GlobalOptions {
  /** Output format. */
  readonly format: OutputFormat;
  /** Language of messages. */
  readonly lang: Lang;
}

/** What a command receives: IO and global options. */
export interface CommandContext {
  /** IO. */
  readonly io: CliIO;
  /** Reads the global options (known once commander has parsed the argv). */
  readonly globals: () => GlobalOptions;
}

const USAGE_CODES = new Set<ErrorCode>(["USAGE", "FILE_NOT_FOUND"]);

/** Stops with a usage error (exit 2), naming the option at fault in the path when there is one. */
export function usageError(detail: string, option?: string): never {
  throw new CliExit(
    EXIT.usage,
    new ElderflowError("USAGE", { params: { detail }, ...(option === undefined ? {} : { path: [option] }) }),
  );
}

const ACCEPTED = new WeakMap<object, readonly OutputFormat[]>();

/**
 * Declares the formats a command implements, its default first; `--format` with any other stops
 * with a USAGE error naming `--format` (exit 2) before the command runs.
 *
 * @example
 * ```ts
 * accepts(program.command("x"), ["table", "json", "csv"]).action(() => {});
 * ```
 */
export function accepts<C extends object>(cmd: C, formats: readonly [OutputFormat, ...OutputFormat[]]): C {
  ACCEPTED.set(cmd, formats);
  return cmd;
}

/** The formats a command declared with {@link accepts} (undefined for a command group). */
export function acceptedFormats(cmd: object): readonly OutputFormat[] | undefined {
  return ACCEPTED.get(cmd);
}

const FILE_SHAPE = /^[A-Za-z0-9_.,:@+/ -]{1,160}$/;

/**
 * A file name as the CLI may print it: as given when it is plain ASCII of at most 160 characters
 * and holds no ID number or phone, `?` otherwise (a file named after a person stays unnamed).
 */
export function shownFile(file: string): string {
  return FILE_SHAPE.test(file) && !containsPersonalData(file) ? file : "?";
}

// What the CLI prints about an input is bounded to plain words: a string param or path part is
// shown when it is printable ASCII of at most 120 characters holding no ID number or phone, and
// `?` otherwise (a name in Chinese, a free text, anything with control characters).
const PRINTABLE = /^[\x20-\x7E]{0,120}$/;

function shownWord(value: string): string {
  return PRINTABLE.test(value) && !containsPersonalData(value) ? value : "?";
}

/** Message params as the CLI may print them (numbers and booleans as they are, strings through the filter). */
export function shownParams(params: MessageParams): MessageParams {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === "string" ? shownWord(v) : v;
  return out;
}

/** A field path as the CLI may print it (a record's own keys can be anything). */
export function shownPath(path: FieldPath): FieldPath {
  return path.map((p) => (typeof p === "number" ? p : shownWord(p)));
}

/** An issue as the CLI may print it. */
export function shownIssue(issue: ElderflowIssue): ElderflowIssue {
  return { code: issue.code, path: shownPath(issue.path), params: shownParams(issue.params) };
}

/** An error as the CLI may print it: the same code, its path, params and issues filtered. */
export function shownError(error: ElderflowError): ElderflowError {
  return new ElderflowError(error.code, {
    path: shownPath(error.path),
    params: shownParams(error.params),
    issues: error.issues.map(shownIssue),
  });
}

/** Reads a text file relative to the CLI's working directory, or stops with FILE_NOT_FOUND (exit 2). */
export function readTextFile(io: CliIO, file: string): string {
  try {
    return readFileSync(file.startsWith("/") ? file : `${io.cwd}/${file}`, "utf8");
  } catch {
    throw new CliExit(EXIT.usage, new ElderflowError("FILE_NOT_FOUND", { params: { file: shownFile(file) } }));
  }
}

/**
 * Reads and parses a JSON file with core's reader (a BOM is dropped), or stops with INVALID_JSON
 * (exit 1) giving the line and column, never the text: Node's own message quotes the input.
 */
export function readJsonFile(io: CliIO, file: string): unknown {
  const text = readTextFile(io, file);
  try {
    return parseJsonText(text);
  } catch (e) {
    if (isElderflowError(e)) throw new CliExit(EXIT.failure, e);
    throw e;
  }
}

/** A persons file read record by record (see {@link readPersonsFile}). */
export interface PersonsFile {
  /** The good persons, in file order. */
  readonly persons: Person[];
  /** Where each good person was: its index in a JSON array, or its row in a sheet. */
  readonly indexes: number[];
  /** How a record's place is named in an issue's path: `persons[3]` (JSON index) or `row[5]` (sheet row). */
  readonly prefix: "persons" | "row";
  /** Every issue of every bad record, with its path (`persons[3].birthDate`, `row[5].birthDate`). */
  readonly rejected: ElderflowIssue[];
  /** The format the file was read as. */
  readonly format: ImportFormat;
  /** Sheet columns that were not recognised and were ignored. */
  readonly ignoredColumns: readonly IgnoredColumn[];
}

/**
 * Reads a persons file of any format the register's importer reads (XLSX, CSV in UTF-8, UTF-8 with
 * a BOM or GB18030, JSON with or without a BOM; Chinese headers and values), as of the CLI's today.
 * Bad records are returned as issues, never thrown, so a command lists the good ones and reports
 * the rest; a file that cannot be read at all stops with its typed error (FILE_NOT_FOUND exit 2,
 * INVALID_JSON, IMPORT_* exit 1).
 */
export async function readPersonsFile(
  io: CliIO,
  file: string,
  options: { readonly scale?: RankScale } = {},
): Promise<PersonsFile> {
  const bytes = readBytesFile(io, file);
  try {
    const r = await readPersons(bytes, {
      today: today(io.clock),
      fileName: file,
      // A roster prints masked names only: their text is left to the person schema, as before.
      canonicalText: false,
      ...(options.scale === undefined ? {} : { scale: options.scale }),
    });
    const json = r.format === "json";
    const prefix = json ? "persons" : "row";
    // A JSON record keeps the index it has in its array, as the interchange form numbers it.
    const place = (row: number) => (json ? row - 2 : row);
    const pathOf = (row: number, column: string | null): (string | number)[] => {
      const field = column === null ? undefined : (columnForHeader(column)?.field ?? column);
      return [prefix, place(row), ...(field === undefined ? [] : field.split("."))];
    };
    return {
      persons: r.persons,
      indexes: r.personRows.map(place),
      prefix,
      rejected: r.rejected.flatMap((x) => [
        { code: x.code, path: pathOf(x.row, x.column), params: x.params },
        ...(x.more ?? []).map((m) => ({ code: m.code, path: pathOf(x.row, m.column), params: m.params })),
      ]),
      format: r.format,
      ignoredColumns: r.ignoredColumns,
    };
  } catch (e) {
    if (isElderflowError(e)) throw new CliExit(EXIT.failure, e);
    throw e;
  }
}

/**
 * Reads a file's bytes relative to the CLI's working directory, or stops with FILE_NOT_FOUND
 * (exit 2); a file larger than `maxBytes` stops with IMPORT_FILE_TOO_LARGE (exit 1) before it is read.
 */
export function readBytesFile(io: CliIO, file: string, maxBytes: number = IMPORT_LIMITS.maxBytes): Uint8Array {
  const path = file.startsWith("/") ? file : `${io.cwd}/${file}`;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliExit(EXIT.usage, new ElderflowError("FILE_NOT_FOUND", { params: { file: shownFile(file) } }));
  }
  if (size > maxBytes)
    throw new CliExit(EXIT.failure, new ElderflowError("IMPORT_FILE_TOO_LARGE", { params: { maximum: maxBytes } }));
  try {
    return readFileSync(path);
  } catch {
    throw new CliExit(EXIT.usage, new ElderflowError("FILE_NOT_FOUND", { params: { file: shownFile(file) } }));
  }
}

/**
 * Prints a list in the chosen format: JSON prints `value` (the command's contract), a table or
 * CSV prints `rows` with headers and enum values in the chosen language.
 */
export function emitRows(
  ctx: CommandContext,
  value: unknown,
  rows: readonly Record<string, unknown>[],
  columns?: readonly string[],
): void {
  const { format, lang } = ctx.globals();
  if (format === "json") {
    ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const picked = columns === undefined ? rows : rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
  const labelled = labelRows(picked, lang);
  const header = columns === undefined ? undefined : labelRows([Object.fromEntries(columns.map((c) => [c, ""]))], lang);
  const cols = header === undefined ? undefined : Object.keys(header[0] ?? {});
  if (format === "csv") ctx.io.stdout(renderCsv(labelled, cols));
  else ctx.io.stdout(`${renderTable(labelled, cols)}\n`);
}

/** Prints a result in the chosen format: JSON alone on stdout, or a table / text. */
export function emit(ctx: CommandContext, value: unknown, table?: () => string): void {
  const { format } = ctx.globals();
  if (format === "json") {
    ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (table) ctx.io.stdout(`${table()}\n`);
  else if (Array.isArray(value)) ctx.io.stdout(`${renderTable(value as Record<string, unknown>[])}\n`);
  else ctx.io.stdout(`${typeof value === "string" ? value : JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error as code + message in the chosen language (JSON on stdout when --format json). */
export function printError(io: CliIO, globals: GlobalOptions, error: unknown): number {
  const inner = error instanceof CliExit && error.error !== undefined ? error.error : error;
  const err = isElderflowError(inner)
    ? shownError(inner)
    : // A foreign error's message may quote input (Node's JSON and file errors do): only its kind is shown.
      new ElderflowError("INTERNAL", {
        params: { detail: error instanceof Error ? error.name.slice(0, 40) : typeof error },
        cause: error,
      });
  const exitCode =
    error instanceof CliExit
      ? error.exitCode
      : USAGE_CODES.has(err.code)
        ? EXIT.usage
        : err.code === "INTERNAL"
          ? EXIT.failure
          : EXIT.failure;
  const where = err.path.length > 0 ? ` (${formatPath(err.path)})` : "";
  io.stderr(`${err.code}${where}: ${err.messageIn(globals.lang)}\n`);
  if (globals.format === "json") io.stdout(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
  return exitCode;
}

/** Wraps a command action so that an ElderflowError becomes a CliExit with the right exit code. */
export function asFailure(error: ElderflowError, exitCode: number = EXIT.failure): CliExit {
  return new CliExit(exitCode, error);
}
