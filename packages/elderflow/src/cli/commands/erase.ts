import { IdSchema, parseOrThrow } from "@elderflow/core";
import type { Command } from "commander";
import { accepts, type CommandContext, emit } from "../io";
import { STORE_HELP } from "../options";
import { actorOption, openFlow } from "./reconcile";

/**
 * `elderflow erase <personId> --store …`: erases a person's personal data outside the time bank's
 * chain (the bank's notes, workflow free text, tasks, dead letters) and records the erasure; the
 * chain still verifies.
 */
export function registerErase(program: Command, ctx: CommandContext): void {
  accepts(
    program
      .command("erase")
      .description(
        "erase a person's personal data outside the hash chain (the chain still verifies); formats: text, json",
      ),
    ["text", "json"],
  )
    .argument("<personId>", "the person's id")
    .option("--store <store>", STORE_HELP, "pglite:.elderflow/demo")
    .option("--actor <json|file>", "who erases (default: the host; needs admin or a district role)")
    .action(async (personId: string, opts: { store: string; actor?: string }) => {
      const { lang } = ctx.globals();
      const id = parseOrThrow(IdSchema, personId, ["personId"]);
      const flow = await openFlow(ctx, opts.store);
      try {
        const report = await flow.erasePerson(id, actorOption(ctx, opts.actor, flow.host));
        const journal = await flow.timebank.verifyJournal();
        emit(ctx, { ...report, journalOk: journal.ok }, () =>
          lang === "zh-CN"
            ? `已擦除：任务 ${report.tasks} 条，死信 ${report.deadLetters} 条，流程实例 ${report.workflows.instances.length} 个；时间银行流水校验：${journal.ok ? "通过" : "未通过"}`
            : `Erased: ${report.tasks} tasks, ${report.deadLetters} dead letters, ${report.workflows.instances.length} workflow instances; time-bank journal: ${journal.ok ? "verified" : "BROKEN"}`,
        );
      } finally {
        await flow.close();
      }
    });
}
