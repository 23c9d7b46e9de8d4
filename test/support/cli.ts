import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, fixedClock } from "@elderflow/core";
import type { CliIO } from "../../packages/elderflow/src/cli/io";
import { runCli } from "../../packages/elderflow/src/cli/program";

/** A CLI IO that records stdout and stderr, with a fixed clock and its own working directory. */
export interface MemoryIO extends CliIO {
  /** Everything written to stdout. */
  out: string;
  /** Everything written to stderr. */
  err: string;
}

/** Makes a {@link MemoryIO}: a new temporary directory unless `cwd` is given; 2026-11-26 09:00 Shanghai unless `clock` is. */
export function memoryIO(options: { readonly cwd?: string; readonly clock?: Clock } = {}): MemoryIO {
  const io: MemoryIO = {
    out: "",
    err: "",
    stdout: (t) => {
      io.out += t;
    },
    stderr: (t) => {
      io.err += t;
    },
    env: {},
    clock: options.clock ?? fixedClock("2026-11-26T09:00:00+08:00"),
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "elderflow-cli-")),
  };
  return io;
}

/** Runs the CLI in a directory and returns its exit code and what it printed. */
export async function runIn(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Returns a writer of test input files in `dir`: strings as they are, anything else as JSON; it returns the path. */
export function fileWriter(dir: string): (name: string, content: unknown) => string {
  return (name, content) => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
    return p;
  };
}
