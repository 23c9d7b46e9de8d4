/**
 * Starts the service: a synthetic district as the directory (service points, volunteers,
 * cadres), the wired Elderflow system on the chosen store, and the Hono app on Node's HTTP server.
 */
import { type Clock, generateDistrict, systemClock, today } from "@elderflow/core";
import { serve } from "@hono/node-server";
import { createElderflow, type Elderflow, type StoreSpec } from "elderflow";
import { createApp } from "./app";
import type { Authenticate, RequestLimits } from "./http";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where state is kept (default: PGlite in memory). */
  readonly store?: StoreSpec;
  /** The clock (default: the system clock, Asia/Shanghai). */
  readonly clock?: Clock;
  /** Port (default 8787; 0 for any free port). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly hostname?: string;
  /** Seed of the synthetic district (default 1). */
  readonly seed?: number;
  /** Who is calling (default: nobody is known, so every route but `/health` answers 401). */
  readonly authenticate?: Authenticate;
  /** Body size and batch length (default 1 MB and 1,000 commands). */
  readonly limits?: RequestLimits;
}

/** A running service. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The wired system behind it. */
  readonly flow: Elderflow;
  /** Stops listening, then closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP service.
 *
 * @example
 * ```ts
 * const authenticate = tokenAuthenticator(loadTokenFile("tokens.json"));
 * const server = await startServer({ store: { kind: "pglite", dataDir: ".elderflow/http-service" }, port: 8787, authenticate });
 * console.log(server.url);
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock();
  const district = generateDistrict({ seed: options.seed ?? 1, year: Number(today(clock).slice(0, 4)) });
  const persons = new Map(district.persons.map((p) => [p.id, p]));
  const households = district.households;
  const flow = await createElderflow({
    clock,
    store: options.store ?? { kind: "pglite" },
    directory: {
      servicePoints: district.servicePoints,
      volunteers: district.volunteers,
      person: (id) => persons.get(id),
      households,
    },
  });
  const app = createApp({
    flow,
    persons: district.persons,
    volunteers: district.volunteers,
    authenticate: options.authenticate ?? (() => undefined),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const hostname = options.hostname ?? "127.0.0.1";
  let server: ReturnType<typeof serve>;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: options.port ?? 8787, hostname }, (info) => resolve(info.port));
    server.once("error", reject);
  });
  return {
    url: `http://${hostname}:${port}`,
    port,
    flow,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await flow.close();
    },
  };
}
