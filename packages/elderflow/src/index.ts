/**
 * elderflow: the umbrella package. It re-exports every Elderflow package and holds the `elderflow`
 * CLI. Import the parts you need from here, or from the `@elderflow/*` packages directly.
 *
 * @packageDocumentation
 */
export * as core from "@elderflow/core";
export { type CliIO, type CommandContext, EXIT, type GlobalOptions, type OutputFormat, processIO } from "./cli/io";
export { CLI_VERSION, runCli } from "./cli/program";
