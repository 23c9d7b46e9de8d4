/** Shared types and helpers of the benchmark areas. */
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One benchmark result line. */
export type BenchLine = Record<string, string | number | boolean | null>;

/** What an area's `run` receives. */
export interface BenchContext {
  /** Keep the run under a minute. */
  readonly quick: boolean;
  /** Prints a result line (and records it for the results file). */
  readonly emit: (line: BenchLine) => void;
  /** Progress messages (stderr). */
  readonly log: (message: string) => void;
  /** Extra arguments after the area name. */
  readonly args: readonly string[];
}

/** An area module. */
export interface BenchArea {
  run(ctx: BenchContext): Promise<void>;
}

/** Peak resident set size so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** A benchmark worker process: ready once set up, started together with the others, then done. */
export interface BenchWorker<R> {
  /** Resolves when the worker has set up (connections opened, data prepared): nothing of that is timed. */
  readonly ready: Promise<void>;
  /** Starts the timed part. */
  go(): void;
  /** The worker's report, once its timed part is over. */
  readonly done: Promise<R>;
}

/**
 * Forks `bench/<file>` as a separate Node process (TypeScript through tsx, workspace sources, and
 * `nodeOptions` such as a heap limit) and hands it `init`. The worker answers `{ type: "ready" }`, waits for "go", and answers
 * `{ type: "done", ... }`; an error or a non-zero exit rejects.
 */
export function forkWorker<R>(
  file: string,
  init: Record<string, unknown>,
  nodeOptions: readonly string[] = [],
): BenchWorker<R> {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), file), [], {
    execArgv: [...nodeOptions, "--import", "tsx", "--conditions=@elderflow/source"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let onReady: () => void = () => {};
  let onDone: (r: R) => void = () => {};
  const rejects: ((e: Error) => void)[] = [];
  const onError = (e: Error) => {
    for (const r of rejects) r(e);
  };
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    rejects.push(reject);
  });
  const done = new Promise<R>((resolve, reject) => {
    onDone = resolve;
    rejects.push(reject);
  });
  // Whoever awaits only one of the two must not see an unhandled rejection of the other.
  ready.catch(() => {});
  done.catch(() => {});
  child.on("message", (m: { type: string; error?: string } & Record<string, unknown>) => {
    if (m.type === "ready") onReady();
    else if (m.type === "done") onDone(m as unknown as R);
    else if (m.type === "error") onError(new Error(`${file}: ${m.error}`));
  });
  child.on("exit", (code) => {
    if (code !== 0) onError(new Error(`${file} exited with ${code}`));
  });
  child.send({ type: "init", ...init });
  return {
    ready,
    go: () => child.send({ type: "go" }),
    done,
  };
}

/**
 * The worker's side of {@link forkWorker}: `setup` runs on init (untimed), then `timed` on "go";
 * its result is sent back and the process exits.
 */
export function workerMain<I, S>(
  setup: (init: I) => Promise<S>,
  timed: (state: S) => Promise<Record<string, unknown>>,
  teardown: (state: S) => Promise<void> = async () => {},
): void {
  let state: S | undefined;
  const fail = (error: unknown) => {
    process.send?.({ type: "error", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    process.disconnect?.();
  };
  process.on("message", (m: { type: string } & Record<string, unknown>) => {
    if (m.type === "init")
      setup(m as unknown as I)
        .then((s) => {
          state = s;
          process.send?.({ type: "ready" });
        })
        .catch(fail);
    else if (m.type === "go")
      timed(state as S)
        .then(async (r) => {
          await teardown(state as S);
          process.send?.({ type: "done", ...r }, () => process.disconnect?.());
        })
        .catch(fail);
  });
}
