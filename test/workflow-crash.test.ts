import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { manualClock } from "@elderflow/core";
import { createWorkflowEngine, replayLog, type WorkflowActor } from "@elderflow/workflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropWorkflowPlace,
  loadWorkflows,
  openWorkflowStore,
  prepareWorkflowPlace,
  scriptOf,
  WORKFLOW_BACKENDS,
  type WorkflowBackend,
} from "./workflow-support";

const COUNT = 1000;
const driver = fileURLToPath(new URL("./workflow-crash.driver.ts", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs the driver; kills it with SIGKILL after `killAfterChunks` chunk lines (never, if undefined). */
function runDriver(
  backend: WorkflowBackend,
  place: string,
  killAfterChunks: number | undefined,
): Promise<{ killed: boolean; chunks: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--conditions=@elderflow/source", "--import", "tsx", driver, backend, place, String(COUNT)],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let chunks = 0;
    let killed = false;
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n")) {
        if (!line.startsWith("chunk ")) continue;
        chunks++;
        if (killAfterChunks !== undefined && chunks >= killAfterChunks && !killed) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr?.setEncoding("utf8").on("data", (t: string) => {
      err += t;
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve({ killed: true, chunks });
      else if (code === 0) resolve({ killed: false, chunks });
      else reject(new Error(`driver exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

describe.each(WORKFLOW_BACKENDS)("workflow reliability: SIGKILL while driving 1,000 requests (%s)", (backend) => {
  let place = "";
  beforeAll(async () => {
    place = await prepareWorkflowPlace(backend, "crash");
  });
  afterAll(async () => {
    await dropWorkflowPlace(backend, place);
  });

  it("restarts into states reachable by each log, with no event applied twice and no due timer lost", async () => {
    // Kill at random points (a fresh random plan each run; the seed is printed for a replay).
    const seed = Math.floor(Math.random() * 2 ** 31);
    let x = seed;
    const rand = (n: number) => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x % n;
    };
    const chunksTotal = Math.ceil(COUNT / 8);
    const kills: number[] = [];
    for (let k = 0; k < 3; k++) {
      const at = 1 + rand(chunksTotal - 1);
      const r = await runDriver(backend, place, at);
      kills.push(r.chunks);
      expect(r.killed, `seed ${seed}`).toBe(true);
    }
    const final = await runDriver(backend, place, undefined);
    expect(final.killed).toBe(false);

    const store = await openWorkflowStore(backend, place, 4);
    try {
      const end = Date.UTC(2027, 2, 1, 1) + chunksTotal * 2 * 60_000;
      const clock = manualClock(end);
      const engine = createWorkflowEngine({ store, clock, machines: loadWorkflows() });
      const bureau: WorkflowActor = { id: "b1", role: "bureau" };
      // Restart: every timer due by the end of the load fires now, once.
      await engine.runDueTimers(end);
      expect(await store.dueTimers(end, 10)).toEqual([]);
      const defs = loadWorkflows().filter((d) => d.name === "serviceRequest");
      const all = await engine.list({ machine: "serviceRequest", limit: COUNT + 10 }, bureau);
      expect(all.length).toBe(COUNT);
      const WITH_TIMER = new Set(["dispatched", "accepted", "onSite", "closed"]);
      for (const inst of all) {
        const log = await engine.history(inst.id, bureau);
        // No event applied twice: event ids unique, versions contiguous.
        expect(new Set(log.map((e) => e.eventId)).size, inst.id).toBe(log.length);
        expect(log.map((e) => e.seq)).toEqual(Array.from({ length: inst.version }, (_, i) => i + 1));
        const scripted = new Set(scriptOf(Number(inst.id.slice(1))).map((_, n) => `${inst.id}-${n}`));
        for (const e of log)
          if (!e.eventId.startsWith("timer:") && e.type !== "xstate.init") expect(scripted.has(e.eventId)).toBe(true);
        // Reachable by its log: replay gives the stored state, context and timers.
        const replay = replayLog(defs, log);
        expect(replay.mismatches, inst.id).toEqual([]);
        expect(replay.state, inst.id).toBe(inst.state);
        expect(replay.snapshot.context, inst.id).toEqual(inst.context);
        const timers = await engine.timers(inst.id, bureau);
        expect(timers.map((t) => `${t.timerId}@${t.fireAt}`).sort(), inst.id).toEqual(
          [...replay.timers.values()].map((t) => `${t.timerId}@${t.fireAt}`).sort(),
        );
        // No timer lost: a state with a deadline has exactly one pending timer, due after the end.
        if (WITH_TIMER.has(inst.state)) {
          expect(timers.length, inst.id).toBe(1);
          expect(timers[0]?.fireAt ?? 0).toBeGreaterThan(end);
        } else expect(timers, inst.id).toEqual([]);
      }
    } finally {
      await store.close();
    }
  }, 180_000);
});
