/**
 * `pnpm start`: runs the service on PGlite in `.elderflow/http-service` (or on PostgreSQL with
 * `ELDERFLOW_STORE=postgres`), on http://127.0.0.1:8787 (`PORT`, `HOST` to change).
 */
import { isElderflowError } from "@elderflow/core";
import { startServer } from "./server";
import { storeFromEnv } from "./store";

try {
  const store = await storeFromEnv(process.env);
  const server = await startServer({
    store,
    port: Number(process.env.PORT ?? 8787),
    hostname: process.env.HOST ?? "127.0.0.1",
    seed: Number(process.env.ELDERFLOW_SEED ?? 1),
  });
  console.log(`Elderflow HTTP service on ${server.url} (store: ${store.kind})`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(isElderflowError(error) ? `${error.code}: ${error.messageIn("en")}` : error);
  process.exit(1);
}
