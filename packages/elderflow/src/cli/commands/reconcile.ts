import { type ActorInput, parseJsonText } from "@elderflow/core";
import type { Command } from "commander";
import { createElderflow, type Elderflow } from "../../system/elderflow";
import { accepts, CliExit, type CommandContext, EXIT, emit, readTextFile } from "../io";
import { labelRows } from "../labels";
import { parseStoreOption, STORE_HELP } from "../options";
import { renderTable } from "../table";

/** Opens the wired system on a `--store` for a host command (no directory: it only reads and erases). */
export async function openFlow(ctx: CommandContext, store: string): Promise<Elderflow> {
  return createElderflow({
    store: parseStoreOption(store, ctx.io.cwd),
    clock: ctx.io.clock,
    directory: { servicePoints: [], volunteers: [] },
  });
}

/** `--actor`: inline JSON (starts with `{`) or a JSON file; the host's own actor when absent. */
export function actorOption(ctx: CommandContext, value: string | undefined, host: ActorInput): ActorInput {
  if (value === undefined) return host;
  const text = value.trimStart().startsWith("{") ? value : readTextFile(ctx.io, value);
  return parseJsonText(text, ["actor"]) as ActorInput;
}

/**
 * `elderflow reconcile --store …`: cross-checks the workflows with the time bank and lists every
 * verified service entry whose minutes are not posted, every posted service entry with no verified
 * workflow, and every dead letter. Exits 1 when there is any.
 */
export function registerReconcile(program: Command, ctx: CommandContext): void {
  accepts(
    program
      .command("reconcile")
      .description(
        "list verified entries not posted, postings without a workflow, and dead letters; formats: table, json",
      ),
    ["table", "json"],
  )
    .option("--store <store>", STORE_HELP, "pglite:.elderflow/demo")
    .option("--actor <json|file>", "who reads (default: the host; reads are scoped to its communities)")
    .action(async (opts: { store: string; actor?: string }) => {
      const { lang } = ctx.globals();
      const flow = await openFlow(ctx, opts.store);
      try {
        const report = await flow.reconcile(actorOption(ctx, opts.actor, flow.host));
        emit(ctx, report, () =>
          [
            lang === "zh-CN"
              ? `已核实的服务记录 ${report.verifiedEntries} 条，已入账 ${report.postedEntries} 条，差异 ${report.discrepancies.length} 条`
              : `${report.verifiedEntries} verified entries, ${report.postedEntries} posted, ${report.discrepancies.length} discrepancies`,
            ...(report.discrepancies.length === 0
              ? []
              : [
                  renderTable(
                    labelRows(
                      report.discrepancies.map((d) => ({
                        kind: d.kind,
                        entry: "entryId" in d ? (d.entryId ?? "") : "",
                        instance: "instanceId" in d ? d.instanceId : "",
                        code: d.kind === "dead_letter" ? d.code : "",
                        community: d.communityId ?? "",
                      })),
                      lang,
                    ),
                  ),
                ]),
          ].join("\n"),
        );
        if (!report.ok) throw new CliExit(EXIT.failure);
      } finally {
        await flow.close();
      }
    });
}
