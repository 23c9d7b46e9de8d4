import { defineConfig, type Options } from "tsup";

/** Shared tsup settings: ESM + CJS + .d.ts for Node 20, one public entry per package. */
export function packageConfig(entry: Record<string, string> = { index: "src/index.ts" }, extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    tsconfig: "tsconfig.json",
    ...extra,
  });
}
