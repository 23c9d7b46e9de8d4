import type { Command } from "commander";
import type { CommandContext } from "../io";
import { registerAudit } from "./audit";
import { registerCadence } from "./cadence";
import { registerCalendar } from "./calendar";
import { registerTimebankClearing } from "./clearing";
import { registerDemo } from "./demo";
import { registerErase } from "./erase";
import { registerGenerate } from "./generate";
import { registerImport } from "./import";
import { registerPolicy } from "./policy";
import { registerReconcile } from "./reconcile";
import { registerRoster } from "./roster";
import { registerSchedule } from "./schedule";
import { registerSubsidies } from "./subsidies";
import { registerTimebank } from "./timebank";
import { registerValidate } from "./validate";
import { registerWorkflow } from "./workflow";

/**
 * Every subcommand of the CLI, in the order `--help` lists them. A package's commands live in their
 * own file here (policy.ts, roster.ts, cadence.ts, calendar.ts, timebank.ts, workflow.ts) and add one line.
 */
export const COMMANDS: readonly ((program: Command, ctx: CommandContext) => void)[] = [
  registerDemo,
  registerValidate,
  registerGenerate,
  registerPolicy,
  registerRoster,
  registerImport,
  registerCadence,
  registerCalendar,
  registerSchedule,
  registerTimebank,
  registerTimebankClearing,
  registerSubsidies,
  registerWorkflow,
  registerReconcile,
  registerErase,
  registerAudit,
];
