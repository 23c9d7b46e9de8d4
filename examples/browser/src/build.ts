/**
 * Builds the checker page: `src/page.ts` with core, policy and schedule bundled by esbuild for the
 * browser (no Node built-ins allowed: an import of one fails the build and names the file), inlined
 * into `dist/index.html`, a single static page. Prints the bundle's size and writes it, raw and
 * gzipped, to `bundle-size.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

/** The example's folder. */
export const EXAMPLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Sizes in bytes, raw and gzipped (level 9). */
export interface Size {
  /** Bytes as written. */
  readonly raw: number;
  /** Bytes after gzip -9. */
  readonly gzip: number;
}

/** What a build produced. */
export interface BuildReport extends Size {
  /** The bundle, relative to the example folder. */
  readonly bundle: string;
  /** The single page (bundle inlined). */
  readonly page: Size & { readonly file: string };
  /** esbuild's version. */
  readonly esbuild: string;
  /** The biggest packages in the bundle (bytes in the minified output). */
  readonly largest: readonly { readonly module: string; readonly bytes: number }[];
}

/**
 * The size of some bytes, raw and gzipped at level 9 (what the test recomputes).
 *
 * @example
 * ```ts
 * sizeOf(Buffer.from("hello")).raw; // 5
 * ```
 */
export function sizeOf(bytes: Uint8Array): Size {
  return { raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
}

function packageOf(path: string): string {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m) return m[1] as string;
  const p = /packages\/([^/]+)\//.exec(path);
  return p ? `@elderflow/${p[1]}` : path;
}

/**
 * Builds `dist/checker.js` and `dist/index.html` and writes `bundle-size.json`.
 *
 * @example
 * ```ts
 * const report = await buildChecker();
 * console.log(report.gzip);
 * ```
 */
export async function buildChecker(options: { readonly outdir?: string } = {}): Promise<BuildReport> {
  const outdir = options.outdir ?? join(EXAMPLE_DIR, "dist");
  const result = await esbuild.build({
    // Paths in the metafile (and so in bundle-size.json) are relative to the example, wherever the build runs from.
    absWorkingDir: EXAMPLE_DIR,
    entryPoints: ["src/page.ts"],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    conditions: ["@elderflow/source"],
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "none",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const js = result.outputFiles[0]?.contents;
  if (js === undefined) throw new Error("esbuild produced no output");
  const template = readFileSync(join(EXAMPLE_DIR, "src/index.html"), "utf8");
  // A function replacement, so that `$&` and friends in the bundle are not read as patterns.
  const script = Buffer.from(js)
    .toString("utf8")
    .replace(/<\/script/gi, "<\\/script");
  const html = template.replace("<!--BUNDLE-->", () => `<script>${script}</script>`);
  mkdirSync(outdir, { recursive: true });
  const bundlePath = join(outdir, "checker.js");
  const pagePath = join(outdir, "index.html");
  writeFileSync(bundlePath, js);
  writeFileSync(pagePath, html);

  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs))
    for (const [path, input] of Object.entries(output.inputs))
      byPackage.set(packageOf(path), (byPackage.get(packageOf(path)) ?? 0) + input.bytesInOutput);
  const largest = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([module, bytes]) => ({ module, bytes }));

  const report: BuildReport = {
    bundle: relative(EXAMPLE_DIR, bundlePath),
    ...sizeOf(js),
    page: { file: relative(EXAMPLE_DIR, pagePath), ...sizeOf(readFileSync(pagePath)) },
    esbuild: esbuild.version,
    largest,
  };
  writeFileSync(join(EXAMPLE_DIR, "bundle-size.json"), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const r = await buildChecker();
    console.log(`checker bundle ${r.bundle}: ${r.raw} bytes raw (${kb(r.raw)}), ${r.gzip} bytes gzip (${kb(r.gzip)})`);
    console.log(`single page ${r.page.file}: ${r.page.raw} bytes raw, ${r.page.gzip} bytes gzip`);
    console.log(`largest: ${r.largest.map((l) => `${l.module} ${kb(l.bytes)}`).join(", ")}`);
  } catch (error) {
    // esbuild's message names the importing file and the module it could not resolve for the browser.
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
