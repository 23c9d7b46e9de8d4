/**
 * Serves the built page from `dist/` with node:http (loopback only): `pnpm start` opens nothing,
 * it prints the URL.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { EXAMPLE_DIR } from "./build";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/** A running static server. */
export interface StaticServer {
  /** Base URL. */
  readonly url: string;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Serves the files of a folder (GET only; `/` is `index.html`; nothing outside the folder).
 *
 * @example
 * ```ts
 * const s = await serveStatic(join(EXAMPLE_DIR, "dist"));
 * console.log(s.url);
 * ```
 */
export async function serveStatic(dir: string, port = 0, host = "127.0.0.1"): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = path === "/" ? "index.html" : path.slice(1);
    const ext = file.slice(file.lastIndexOf("."));
    if (req.method !== "GET" || file.includes("..") || !(ext in TYPES)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(dir, file));
      res.writeHead(200, { "content-type": TYPES[ext] as string, "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = await serveStatic(join(EXAMPLE_DIR, "dist"), Number(process.env.PORT ?? 8788));
  console.log(`Birthday policy checker on ${s.url}/`);
}
