import { readFileSync } from "node:fs";
import { diagramDocuments } from "@elderflow/workflow";
import { describe, expect, it } from "vitest";

describe("workflow docs: generated Mermaid diagrams", () => {
  it("commits the diagrams the machines generate (run `pnpm -s elderflow workflow diagrams` after a change)", () => {
    for (const d of diagramDocuments()) {
      const committed = readFileSync(new URL(`../docs/diagrams/${d.file}`, import.meta.url), "utf8");
      expect(committed, d.file).toBe(d.content);
    }
  });
});
