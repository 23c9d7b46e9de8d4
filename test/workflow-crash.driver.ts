/**
 * Child process of workflow-crash.test.ts: drives the hotline load against PostgreSQL or MariaDB
 * and prints one line per chunk, until the parent SIGKILLs it (or it finishes and prints "done").
 */
import {
  driveLoad,
  latestEventAt,
  openWorkflowStore,
  WORKFLOW_BACKENDS,
  type WorkflowBackend,
} from "./workflow-support";

const [backend, place, count] = process.argv.slice(2);
if (!WORKFLOW_BACKENDS.includes(backend as WorkflowBackend) || place === undefined || count === undefined)
  throw new Error("usage: driver <postgres|mariadb> <schema|database> <count>");
const floor = await latestEventAt(backend as WorkflowBackend, place);
const store = await openWorkflowStore(backend as WorkflowBackend, place, 8);
process.stdout.write("ready\n");
await driveLoad(store, {
  count: Number(count),
  parallel: 8,
  floor,
  onChunk: (c) => process.stdout.write(`chunk ${c}\n`),
});
await store.close();
process.stdout.write("done\n");
