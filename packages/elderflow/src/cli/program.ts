import { ElderflowError, fixedClock, isIsoDate, LANGS, type Lang } from "@elderflow/core";
import { Command, CommanderError, Option } from "commander";
import { COMMANDS } from "./commands/index";
import {
  acceptedFormats,
  CliExit,
  type CliIO,
  type CommandContext,
  EXIT,
  type GlobalOptions,
  type OutputFormat,
  printError,
} from "./io";
import { HELP_TITLES_ZH, HELP_ZH, OPTION_HELP_ZH } from "./labels";

/** The CLI's version (kept in step with package.json by the release script). */
export const CLI_VERSION = "0.1.0";

const FORMATS: readonly OutputFormat[] = ["json", "table", "text", "ics", "csv", "html"];

function defaultLang(env: CliIO["env"]): Lang {
  const v = env.ELDERFLOW_LANG;
  return v === "en" || v === "zh-CN" ? v : "zh-CN";
}

/** The language asked for on the command line (read before parsing, for the help text), else the default. */
function argvLang(argv: readonly string[], fallback: Lang): Lang {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === "--lang" ? argv[i + 1] : a?.startsWith("--lang=") ? a.slice("--lang=".length) : undefined;
    if (v === "en" || v === "zh-CN") return v;
  }
  return fallback;
}

/**
 * The clock of an "as of" date: that day at 09:00 in Asia/Shanghai, so a run planned in December
 * for next year sees next year's dates as past and the same argv always gives the same output. A
 * date that does not exist is a USAGE error naming `--as-of` (exit 2); the value is not repeated.
 */
function asOfClock(value: string, option: string): ReturnType<typeof fixedClock> {
  if (!isIsoDate(value))
    throw new CliExit(
      EXIT.usage,
      new ElderflowError("USAGE", {
        path: [option],
        params: { detail: `${option} expects an existing date YYYY-MM-DD` },
      }),
    );
  return fixedClock(`${value}T09:00:00+08:00`, "Asia/Shanghai");
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Puts the Chinese descriptions of {@link HELP_ZH} on a command, its options and its subcommands. */
function translateHelp(cmd: Command): void {
  const zh = HELP_ZH[commandPath(cmd)];
  if (zh !== undefined) cmd.description(zh);
  for (const o of cmd.options) {
    const d = cmd.parent === null ? HELP_ZH[o.long ?? ""] : OPTION_HELP_ZH[o.long ?? ""];
    if (d !== undefined) o.description = d;
  }
  for (const sub of cmd.commands) translateHelp(sub);
}

/**
 * Runs the `elderflow` CLI on an argv (without node and script) and resolves to the exit code:
 * 0 on success, 1 on a rule or validation failure, 2 on bad usage.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const lang0 = argvLang(argv, defaultLang(io.env));
  let globals: GlobalOptions = { format: "table", lang: lang0 };
  let runIO: CliIO = io;
  const program = new Command("elderflow");
  const ctx: CommandContext = {
    get io() {
      return runIO;
    },
    globals: () => globals,
  };
  const zh = lang0 === "zh-CN";
  program
    .description("Elderflow: community services for retired cadres — policies, schedules, time bank, workflows")
    .version(CLI_VERSION, "-v, --version")
    .addOption(
      new Option("--format <format>", "output format (each command lists the formats it implements)")
        .choices(FORMATS)
        .default("table"),
    )
    .addOption(
      new Option("--lang <lang>", "language of messages, table headers and values").choices(LANGS).default(lang0),
    )
    .addOption(
      new Option("--as-of <date>", "run as of this date YYYY-MM-DD (09:00 Asia/Shanghai); also env ELDERFLOW_TODAY"),
    )
    .helpOption("-h, --help", zh ? (HELP_ZH["--help"] ?? "") : "display help for command")
    .helpCommand("help [command]", zh ? (HELP_ZH.help ?? "") : "display help for command")
    // Every command's help lists the global options too: --as-of and --format are read there.
    .configureHelp(
      zh ? { showGlobalOptions: true, styleTitle: (t: string) => HELP_TITLES_ZH[t] ?? t } : { showGlobalOptions: true },
    )
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .hook("preAction", (_this, action) => {
      const o = action.optsWithGlobals<{ format: OutputFormat; lang: Lang; asOf?: string }>();
      globals = { format: o.format, lang: o.lang };
      // An empty ELDERFLOW_TODAY is unset, as shells leave it.
      const asOf = o.asOf ?? (io.env.ELDERFLOW_TODAY || undefined);
      if (asOf !== undefined)
        runIO = { ...io, clock: asOfClock(asOf, o.asOf === undefined ? "ELDERFLOW_TODAY" : "--as-of") };
      const accepted = acceptedFormats(action);
      if (accepted === undefined) return;
      // A format left to its default is the command's own first format; a format asked for and not
      // implemented is refused, never silently printed as something else.
      const explicit = program.getOptionValueSource("format") !== "default";
      const format = explicit ? o.format : (accepted[0] as OutputFormat);
      if (!accepted.includes(format))
        throw new CliExit(
          EXIT.usage,
          new ElderflowError("USAGE", {
            path: ["--format"],
            params: { detail: `--format is one of ${accepted.join(", ")} for this command` },
          }),
        );
      globals = { format, lang: o.lang };
    });
  for (const register of COMMANDS) register(program, ctx);
  if (zh) translateHelp(program);
  for (const cmd of program.commands) applyOverrides(cmd, io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliExit && error.error === undefined) return error.exitCode;
    return printError(io, globals, error);
  }
}

function applyOverrides(cmd: Command, io: CliIO): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const sub of cmd.commands) applyOverrides(sub, io);
}
