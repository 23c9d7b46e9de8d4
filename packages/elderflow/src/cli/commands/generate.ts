import { writeFileSync } from "node:fs";
import { generateDistrict } from "@elderflow/core";
import type { Command } from "commander";
import { accepts, type CommandContext, emit, shownFile, usageError } from "../io";
import { parseIntOption } from "../options";

/** `elderflow generate district`: writes a seeded synthetic district as interchange JSON. */
export function registerGenerate(program: Command, ctx: CommandContext): void {
  accepts(
    program
      .command("generate")
      .description("generate seeded synthetic data in the JSON interchange form; format: json"),
    ["json"],
  )
    .argument("<what>", "district | persons")
    .option("--seed <n>", "seed", "1")
    .option("--year <yyyy>", "the year the data is as of", "2026")
    .option("--scale <n>", "size multiplier (1 = the reports' district)", "1")
    .option("--out <file>", "write to a file instead of stdout")
    .action((what: string, opts: { seed: string; year: string; scale: string; out?: string }) => {
      if (what !== "district" && what !== "persons") usageError("unknown data set; use district or persons");
      const district = generateDistrict({
        seed: parseIntOption("--seed", opts.seed),
        year: parseIntOption("--year", opts.year),
        scale: parseIntOption("--scale", opts.scale),
      });
      const data = what === "persons" ? district.persons : district;
      if (opts.out) {
        writeFileSync(opts.out, `${JSON.stringify(data, null, 2)}\n`);
        ctx.io.stderr(`wrote ${shownFile(opts.out)}\n`);
        emit(ctx, { file: opts.out, persons: district.persons.length });
      } else {
        ctx.io.stdout(`${JSON.stringify(data, null, 2)}\n`);
      }
    });
}
