import type { TimerRun, WorkflowEngine } from "./engine";

/** Options of {@link createTimerRunner}. */
export interface TimerRunnerOptions {
  /** Milliseconds between polls (default 1000). */
  readonly intervalMs?: number;
  /** Called after each poll that did something (for metrics and logs; ids only). */
  readonly onRun?: (run: TimerRun, delivered: number) => void;
  /** Called when a poll fails (the runner keeps going). */
  readonly onError?: (error: unknown) => void;
}

/** A running poller: see {@link createTimerRunner}. */
export interface TimerRunner {
  /** Starts polling (idempotent). */
  start(): void;
  /** Stops polling and waits for the current poll to finish. */
  stop(): Promise<void>;
  /** Runs one poll now: fires due timers, then delivers the outbox. */
  tick(): Promise<TimerRun>;
}

/**
 * Polls an engine: fires due timers and delivers emitted events, every `intervalMs`, and at once
 * when a PostgreSQL store signals (LISTEN/NOTIFY) that a writer committed timers or emitted events. Several
 * runners (processes) may poll one database: each timer is fired at most once, guarded by the
 * instance version and the timer row.
 *
 * @example
 * ```ts
 * const runner = createTimerRunner(engine, { intervalMs: 500 });
 * runner.start();
 * // … on shutdown
 * await runner.stop();
 * ```
 */
export function createTimerRunner(engine: WorkflowEngine, options: TimerRunnerOptions = {}): TimerRunner {
  const interval = options.intervalMs ?? 1000;
  let handle: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let active = false;

  const tick = async (): Promise<TimerRun> => {
    const run = await engine.runDueTimers();
    const delivered = await engine.deliver();
    if (run.fired + run.dropped + run.failed.length + delivered > 0) options.onRun?.(run, delivered);
    return run;
  };

  let busy = false;
  let again = false;
  let unsubscribe: Promise<(() => Promise<void>) | undefined> = Promise.resolve(undefined);
  const loop = () => {
    if (!active) return;
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
    busy = true;
    running = tick()
      .catch((e) => options.onError?.(e))
      .finally(() => {
        busy = false;
        if (!active) return;
        // A wake-up that came during the poll runs the next one at once.
        if (again) {
          again = false;
          loop();
        } else handle = setTimeout(loop, interval);
      });
  };
  // PostgreSQL wakes the runner when a writer commits timers or emitted events; the poll stays as
  // the backstop (and is all there is on memory, PGlite and MySQL, which has no LISTEN/NOTIFY).
  const wake = () => {
    if (!active) return;
    if (busy) again = true;
    else loop();
  };

  return {
    start() {
      if (active) return;
      active = true;
      const sub = engine.store.subscribe;
      if (sub !== undefined)
        unsubscribe = sub.call(engine.store, wake).catch((e: unknown) => {
          options.onError?.(e);
          return undefined;
        });
      loop();
    },
    async stop() {
      active = false;
      if (handle !== undefined) clearTimeout(handle);
      await running;
      const off = await unsubscribe;
      unsubscribe = Promise.resolve(undefined);
      await off?.();
    },
    tick,
  };
}
