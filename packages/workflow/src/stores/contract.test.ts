import { batchingClient, sqlFromPglite } from "@elderflow/core";
import { afterAll } from "vitest";
import { describeStoreContract } from "./contract.testkit";
import { memoryStore } from "./memory";
import { dropSchema, PG_URL, uniqueSchema } from "./pg.testkit";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";
import { migrateWorkflowSchema, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

const schema = uniqueSchema("contract");
afterAll(async () => {
  await dropSchema(schema);
});

describeStoreContract("memory", async () => memoryStore());
describeStoreContract("pglite", () => pgliteStore());
describeStoreContract("pglite (own schema)", () => pgliteStore({ schema: "tenant_a" }));
describeStoreContract("postgres", () => postgresStore({ connectionString: PG_URL, schema }));

// The exclusive store (an embedded PGlite with one writer): every read it can answer from memory,
// written through outside a batch, and, inside a batch, checked in memory and written at its end.
describeStoreContract("pglite (exclusive)", () => pgliteStore({ exclusive: true }));
describeStoreContract("pglite (exclusive, each call one batch)", async () => {
  const { PGlite } = await import("@electric-sql/pglite");
  const sql = batchingClient(sqlFromPglite(new PGlite()));
  await migrateWorkflowSchema(sql);
  const store = sqlStore(sql, { exclusive: true });
  const batched = Object.fromEntries(
    Object.entries(store).map(([k, v]) => [
      k,
      typeof v === "function" && k !== "close" ? (...a: unknown[]) => sql.batch(() => v(...a)) : v,
    ]),
  );
  return batched as unknown as WorkflowStore;
});
