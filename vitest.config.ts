import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@elderflow/source"] },
  ssr: { resolve: { conditions: ["@elderflow/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["test/support/fast-check.ts"],
    reporters: ["default"],
  },
});
