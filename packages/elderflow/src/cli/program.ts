import { LANGS, type Lang } from "@elderflow/core";
import { Command, CommanderError, Option } from "commander";
import { COMMANDS } from "./commands/index";
import {
  CliExit,
  type CliIO,
  type CommandContext,
  EXIT,
  type GlobalOptions,
  type OutputFormat,
  printError,
} from "./io";

/** The CLI's version (kept in step with package.json by the release script). */
export const CLI_VERSION = "0.1.0";

const FORMATS: readonly OutputFormat[] = ["json", "table", "text", "ics", "csv", "html"];

function defaultLang(env: CliIO["env"]): Lang {
  const v = env.ELDERFLOW_LANG;
  return v === "en" || v === "zh-CN" ? v : "zh-CN";
}

/**
 * Runs the `elderflow` CLI on an argv (without node and script) and resolves to the exit code:
 * 0 on success, 1 on a rule or validation failure, 2 on bad usage.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let globals: GlobalOptions = { format: "table", lang: defaultLang(io.env) };
  const program = new Command("elderflow");
  const ctx: CommandContext = { io, globals: () => globals };
  program
    .description("Elderflow: community services for retired cadres — policies, schedules, time bank, workflows")
    .version(CLI_VERSION, "-v, --version")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .addOption(new Option("--lang <lang>", "language of messages").choices(LANGS).default(globals.lang))
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .hook("preAction", (_this, action) => {
      const o = action.optsWithGlobals<{ format: OutputFormat; lang: Lang }>();
      globals = { format: o.format, lang: o.lang };
    });
  for (const register of COMMANDS) register(program, ctx);
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
