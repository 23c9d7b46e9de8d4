import { readFileSync } from "node:fs";
import {
  type Clock,
  ElderflowError,
  type ErrorCode,
  formatPath,
  isElderflowError,
  type Lang,
  systemClock,
} from "@elderflow/core";
import { renderTable } from "./table";

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

/** Stops with a usage error (exit 2). */
export function usageError(detail: string): never {
  throw new CliExit(EXIT.usage, new ElderflowError("USAGE", { params: { detail } }));
}

/** Reads a text file relative to the CLI's working directory, or stops with FILE_NOT_FOUND (exit 2). */
export function readTextFile(io: CliIO, file: string): string {
  try {
    return readFileSync(file.startsWith("/") ? file : `${io.cwd}/${file}`, "utf8");
  } catch {
    throw new CliExit(EXIT.usage, new ElderflowError("FILE_NOT_FOUND", { params: { file } }));
  }
}

/** Reads and parses a JSON file, or stops with INVALID_JSON (exit 1). */
export function readJsonFile(io: CliIO, file: string): unknown {
  const text = readTextFile(io, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliExit(
      EXIT.failure,
      new ElderflowError("INVALID_JSON", { params: { detail: `${file}: ${(e as Error).message.slice(0, 120)}` } }),
    );
  }
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
    ? inner
    : new ElderflowError("INTERNAL", {
        params: { detail: error instanceof Error ? error.message.slice(0, 200) : String(error) },
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
