/**
 * A worker process of the workflow timers benchmark (forked by `bench/workflow.ts`): opens the
 * PostgreSQL store of a schema loaded with open requests, as a restarted process would, and on
 * "go" fires every due timer it can claim; several such processes share the due timers.
 */
import { createWorkflowEngine, postgresStore, type WorkflowEngine, type WorkflowStore } from "@elderflow/workflow";
import { peakRssMiB, workerMain } from "./lib";
import { machines } from "./workflow";

interface Init {
  readonly url: string;
  readonly schema: string;
  /** "Now" after the restart (epoch ms). */
  readonly now: number;
}

interface State {
  readonly init: Init;
  readonly store: WorkflowStore;
  readonly engine: WorkflowEngine;
}

workerMain<Init, State>(
  async (init) => {
    const store = await postgresStore({ connectionString: init.url, schema: init.schema, max: 4 });
    const engine = createWorkflowEngine({
      store,
      clock: { zone: "Asia/Shanghai", now: () => init.now },
      machines: machines(),
    });
    return { init, store, engine };
  },
  async ({ init, engine }) => {
    const t = performance.now();
    const r = await engine.runDueTimers(init.now);
    return {
      fired: r.fired,
      dropped: r.dropped,
      failed: r.failed.length,
      ms: performance.now() - t,
      peak_rss_mib: peakRssMiB(),
    };
  },
  async ({ store }) => store.close(),
);
