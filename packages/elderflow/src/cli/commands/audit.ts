import { addDays, IdSchema, type IsoDate, IsoDateSchema, parseOrThrow } from "@elderflow/core";
import type { Command } from "commander";
import { accepts, CliExit, type CommandContext, EXIT, emit, emitRows } from "../io";
import { STORE_HELP } from "../options";
import { actorOption, openFlow } from "./reconcile";

const STORE_DEFAULT = "pglite:.elderflow/demo";
const ACTOR_HELP = "who audits (default: the host; needs bureau, admin or system)";

/**
 * `elderflow audit …`: the access log of personal data. `audit access --person <id>` lists who
 * looked at a person (actor, purpose, operation, time); `audit verify` checks the hash chain and
 * exits 1 with the position where it breaks; `audit export` writes the log as JSON lines (ids and
 * codes only).
 */
export function registerAudit(program: Command, ctx: CommandContext): void {
  const audit = program.command("audit").description("the access log of personal data: who looked at whom, and why");

  accepts(audit.command("access").description("who looked at a person, by date range; formats: table, json, csv"), [
    "table",
    "json",
    "csv",
  ])
    .requiredOption("--person <id>", "the person's id")
    .option("--from <date>", "first day YYYY-MM-DD (Asia/Shanghai)")
    .option("--to <date>", "last day YYYY-MM-DD (inclusive)")
    .option("--store <store>", STORE_HELP, STORE_DEFAULT)
    .option("--actor <json|file>", ACTOR_HELP)
    .action(async (opts: { person: string; from?: string; to?: string; store: string; actor?: string }) => {
      const subject = parseOrThrow(IdSchema, opts.person, ["person"]);
      // Days in Shanghai: from the first day's midnight to the midnight after the last day.
      const day = (d: string, path: string): IsoDate => parseOrThrow(IsoDateSchema, d, [path]) as IsoDate;
      const from = opts.from === undefined ? undefined : `${day(opts.from, "--from")}T00:00:00+08:00`;
      const to = opts.to === undefined ? undefined : `${addDays(day(opts.to, "--to"), 1)}T00:00:00+08:00`;
      const flow = await openFlow(ctx, opts.store);
      try {
        const entries = await flow.access.report(actorOption(ctx, opts.actor, flow.host), {
          subject,
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        });
        emitRows(
          ctx,
          entries,
          entries.map((e) => ({
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            purpose: e.purpose,
            note: e.note ?? "",
            operation: e.operation,
            subjects: e.subjects.length,
          })),
        );
      } finally {
        await flow.close();
      }
    });

  accepts(audit.command("verify").description("check the access log's hash chain; formats: text, json"), [
    "text",
    "json",
  ])
    .option("--store <store>", STORE_HELP, STORE_DEFAULT)
    .option("--actor <json|file>", ACTOR_HELP)
    .action(async (opts: { store: string; actor?: string }) => {
      const { lang } = ctx.globals();
      const flow = await openFlow(ctx, opts.store);
      try {
        const v = await flow.access.verify(actorOption(ctx, opts.actor, flow.host));
        emit(ctx, v, () =>
          v.ok
            ? lang === "zh-CN"
              ? `访问日志校验通过：自第 ${v.fromSeq} 条起共 ${v.entries} 条`
              : `Access log verified: ${v.entries} entries from seq ${v.fromSeq}`
            : lang === "zh-CN"
              ? `访问日志校验未通过：第 ${v.position} 条（${v.reason}）`
              : `Access log BROKEN at seq ${v.position} (${v.reason})`,
        );
        if (!v.ok) throw new CliExit(EXIT.failure);
      } finally {
        await flow.close();
      }
    });

  accepts(audit.command("export").description("the access log as JSON lines (ids and codes only); formats: json"), [
    "json",
  ])
    .option("--store <store>", STORE_HELP, STORE_DEFAULT)
    .option("--actor <json|file>", ACTOR_HELP)
    .action(async (opts: { store: string; actor?: string }) => {
      const flow = await openFlow(ctx, opts.store);
      try {
        for await (const line of flow.access.exportLines(actorOption(ctx, opts.actor, flow.host)))
          ctx.io.stdout(`${line}\n`);
      } finally {
        await flow.close();
      }
    });
}
