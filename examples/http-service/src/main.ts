/**
 * `pnpm start`: runs the service on PGlite in `.elderflow/http-service` (or on PostgreSQL with
 * `ELDERFLOW_STORE=postgres`), on http://127.0.0.1:8787 (`PORT`, `HOST` to change). Callers are
 * authenticated with the bearer tokens of `ELDERFLOW_HTTP_TOKENS=<file.json>`; without that file
 * only `/health` answers (every other route is 401).
 */
import { isElderflowError } from "@elderflow/core";
import { loadTokenFile, tokenAuthenticator } from "./http";
import { startServer } from "./server";
import { storeFromEnv } from "./store";

try {
  const store = await storeFromEnv(process.env);
  const tokens = process.env.ELDERFLOW_HTTP_TOKENS;
  const entries = tokens === undefined ? [] : loadTokenFile(tokens);
  const server = await startServer({
    store,
    port: Number(process.env.PORT ?? 8787),
    hostname: process.env.HOST ?? "127.0.0.1",
    seed: Number(process.env.ELDERFLOW_SEED ?? 1),
    authenticate: tokenAuthenticator(entries),
  });
  console.log(`Elderflow HTTP service on ${server.url} (store: ${store.kind}, ${entries.length} tokens)`);
  if (tokens === undefined)
    console.log("No ELDERFLOW_HTTP_TOKENS file: every route but /health answers 401 UNAUTHENTICATED.");
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(isElderflowError(error) ? `${error.code}: ${error.messageIn("en")}` : "unexpected error");
  process.exit(1);
}
