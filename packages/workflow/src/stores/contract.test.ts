import { afterAll } from "vitest";
import { describeStoreContract } from "./contract.testkit";
import { memoryStore } from "./memory";
import { dropSchema, PG_URL, uniqueSchema } from "./pg.testkit";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";

const schema = uniqueSchema("contract");
afterAll(async () => {
  await dropSchema(schema);
});

describeStoreContract("memory", async () => memoryStore());
describeStoreContract("pglite", () => pgliteStore());
describeStoreContract("pglite (own schema)", () => pgliteStore({ schema: "tenant_a" }));
describeStoreContract("postgres", () => postgresStore({ connectionString: PG_URL, schema }));
