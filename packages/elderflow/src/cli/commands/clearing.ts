import { ElderflowError, IdSchema, parseJsonText } from "@elderflow/core";
import { rateYearEnd, yearEndRatingPolicy } from "@elderflow/policy";
import {
  anchorSignerFromKey,
  anchorVerifierFromKey,
  type ClearingBook,
  hashSuiteNamed,
  openClearingBook,
  PeriodSchema,
  type RatingFeedback,
  rateYear,
  type StatementCheck,
  settlementStatement,
  sha256Suite,
  verifyStatement,
} from "@elderflow/timebank";
import type { Command } from "commander";
import { accepts, CliExit, type CommandContext, EXIT, emit, readJsonFile, readTextFile, usageError } from "../io";
import { renderTable } from "../table";
import {
  addRuleOptions,
  addStoreOptions,
  BAD_LINE,
  openBank,
  parseLines,
  readActor,
  readNames,
  type StoreOptions,
} from "./timebank";

function bankOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // The id rule the clearing module applies, checked before anything opens.
  if (!IdSchema.safeParse(value).success) usageError(`${name} expects a bank id such as district-a`, name);
  return value;
}

/**
 * `--feedback <file>`: the served persons' feedback, a JSON object `{volunteerId: {satisfied,
 * dissatisfied}}` or `{volunteerId: {score, responses}}`. Counts are checked by the rating itself
 * (a volunteer whose feedback is malformed is `ok: false` alone); what is not an object fails here.
 */
function readFeedback(
  ctx: CommandContext,
  file: string | undefined,
): ((v: string) => RatingFeedback | undefined) | undefined {
  if (file === undefined) return undefined;
  const data = readJsonFile(ctx.io, file);
  if (data === null || typeof data !== "object" || Array.isArray(data))
    throw new CliExit(
      EXIT.failure,
      new ElderflowError("INVALID_TYPE", { path: ["feedback"], params: { expected: "object" } }),
    );
  const map = new Map<string, RatingFeedback>();
  for (const [id, value] of Object.entries(data)) {
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new CliExit(
        EXIT.failure,
        new ElderflowError("INVALID_TYPE", { path: ["feedback"], params: { expected: "object" } }),
      );
    map.set(id, value as RatingFeedback);
  }
  return (v) => map.get(v);
}

/**
 * `--clearing <file>`: this bank's clearing book (the services it gave to other banks' volunteers),
 * as JSONL clearing commands (`serve`, `unserve`, `close`) applied in order by the run's actor. Any
 * line that fails stops the run with its code and line number: a statement is never drawn up from
 * records that were only partly kept.
 */
function readClearingBook(
  ctx: CommandContext,
  bank: string,
  actor: StoreOptions["actor"],
  file: string | undefined,
): ClearingBook {
  const book = openClearingBook({ bank, clock: ctx.io.clock });
  if (file === undefined) return book;
  const raws = parseLines(readTextFile(ctx.io, file));
  const acting = book.as(readActor(ctx, actor));
  const results = acting.submitMany(raws.map((r) => (r === BAD_LINE ? { op: "?", key: null } : r)));
  const failed = results.findIndex((r, i) => raws[i] === BAD_LINE || !r.ok);
  if (failed >= 0) {
    const r = results[failed];
    const code = raws[failed] === BAD_LINE || r === undefined || r.ok ? "INVALID_INPUT" : r.code;
    throw new CliExit(EXIT.failure, new ElderflowError(code, { path: ["clearing", failed + 1] }));
  }
  return book;
}

/**
 * `elderflow timebank rating`, `timebank statement` and `timebank verify-statement`: the bureau's
 * year-end star rating (评定) with the served persons' feedback, and 通存通兑 settlement between
 * district banks (a signed quarterly statement, checked by the other side against its own records).
 * Registered after `registerTimebank`, under its `timebank` command.
 */
export function registerTimebankClearing(program: Command, ctx: CommandContext): void {
  const tb = program.commands.find((c) => c.name() === "timebank");
  if (tb === undefined) throw new ElderflowError("INTERNAL", { params: { detail: "timebank command missing" } });

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("rating")
          .description(
            "the year-end star rating (评定) of every volunteer, with the served persons' feedback, names masked; formats: json, table",
          ),
        ["json", "table"],
      )
        .requiredOption("--year <yyyy>", "the year rated")
        .option("--commands <file>", "JSONL commands to apply first")
        .option(
          "--feedback <file>",
          "JSON {volunteerId: {satisfied, dissatisfied}} or {volunteerId: {score, responses}} (score 0-100)",
        )
        .option("--names <file>", "JSON persons (or {id: name}) to print masked names from")
        .option("--community <id>", "only this community's volunteers"),
    ),
  ).action(async (opts: StoreOptions & { year: string; feedback?: string; names?: string; community?: string }) => {
    if (!/^\d{4}$/.test(opts.year) || Number(opts.year) < 1900 || Number(opts.year) > 2999)
      usageError("--year expects a year such as 2027", "--year");
    const year = Number(opts.year);
    const feedback = readFeedback(ctx, opts.feedback);
    const nameOf = readNames(ctx, opts.names);
    const { bank, acting } = await openBank(ctx, opts);
    try {
      const policy = yearEndRatingPolicy();
      const ratings = rateYear(acting, year, {
        rate: (facts, on) => rateYearEnd(policy, facts, on),
        ...(feedback === undefined ? {} : { feedback }),
        ...(nameOf === undefined ? {} : { nameOf }),
        ...(opts.community === undefined ? {} : { community: opts.community }),
      });
      const { lang } = ctx.globals();
      emit(ctx, { year, ratings }, () =>
        renderTable(
          ratings.map((r) =>
            r.ok
              ? {
                  volunteer: r.volunteer,
                  community: r.community,
                  name: r.name,
                  yearHours: (r.yearMinutes / 60).toFixed(1),
                  cumulativeHours: (r.cumulativeMinutes / 60).toFixed(1),
                  services: r.services,
                  satisfiedPercent: Math.round(r.satisfiedPercent),
                  level: r.level,
                  title: r.title[lang],
                  rule: r.rule,
                }
              : { volunteer: r.volunteer, community: r.community, code: r.code },
          ),
        ),
      );
    } finally {
      await bank.close();
    }
  });

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("statement")
          .description(
            "the signed quarterly settlement statement (结算单) of this bank towards another (通存通兑), from the time bank and the clearing book; format: json",
          ),
        ["json"],
      )
        .requiredOption("--bank <id>", "this bank's id (e.g. district-a)")
        .requiredOption("--counterpart <id>", "the bank settled with")
        .requiredOption("--period <YYYY-Qn>", "quarter")
        .requiredOption(
          "--key <file>",
          "this bank's signing key: an Ed25519 PEM private key, or the HMAC key both banks share",
        )
        .option("--commands <file>", "JSONL commands to apply first")
        .option(
          "--clearing <file>",
          "JSONL clearing-book commands of this bank (serve, unserve, close), applied in order",
        ),
    ),
  ).action(
    async (
      opts: StoreOptions & { bank: string; counterpart: string; period: string; key: string; clearing?: string },
    ) => {
      const self = bankOption("--bank", opts.bank) as string;
      const counterpart = bankOption("--counterpart", opts.counterpart) as string;
      if (counterpart === self) usageError("--counterpart is another bank", "--counterpart");
      if (!PeriodSchema.safeParse(opts.period).success) usageError("--period expects YYYY-Qn", "--period");
      const keyText = readTextFile(ctx.io, opts.key);
      const book = readClearingBook(ctx, self, opts.actor, opts.clearing);
      const { bank, hash } = await openBank(ctx, opts);
      try {
        const statement = await settlementStatement({
          bank,
          actor: readActor(ctx, opts.actor),
          book,
          counterpart,
          period: opts.period,
          signer: anchorSignerFromKey(keyText, hash),
          clock: ctx.io.clock,
          suite: hash.name,
        });
        emit(ctx, statement, () => JSON.stringify(statement));
      } finally {
        await bank.close();
      }
    },
  );

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("verify-statement")
          .argument("<file>", "the other bank's statement (JSON, from `timebank statement`)")
          .description(
            "check another bank's settlement statement against this bank's own records: signature, addressee, totals, every movement, netting; exit 1 with every problem on a mismatch; formats: json, table",
          ),
        ["json", "table"],
      )
        .requiredOption("--bank <id>", "this bank's id")
        .requiredOption("--key <file>", "the issuer's key: an Ed25519 PEM public key, or the HMAC key both banks share")
        .option("--issuer <id>", "the bank the statement must come from (default: whoever it names; the key decides)")
        .option("--via <ids>", "for a city clearing house's statement: the comma-separated banks it nets")
        .option("--commands <file>", "JSONL commands to apply first")
        .option(
          "--clearing <file>",
          "JSONL clearing-book commands of this bank (serve, unserve, close), applied in order",
        ),
    ),
  ).action(
    async (
      file: string,
      opts: StoreOptions & { bank: string; key: string; issuer?: string; via?: string; clearing?: string },
    ) => {
      const self = bankOption("--bank", opts.bank) as string;
      const issuer = bankOption("--issuer", opts.issuer);
      const via = opts.via?.split(",").map((v) => bankOption("--via", v.trim()) as string);
      const keyText = readTextFile(ctx.io, opts.key);
      let statement: unknown;
      try {
        statement = parseJsonText(readTextFile(ctx.io, file), ["statement"]);
      } catch (error) {
        if (!(error instanceof ElderflowError)) throw error;
        statement = undefined;
      }
      const book = readClearingBook(ctx, self, opts.actor, opts.clearing);
      const { bank } = await openBank(ctx, opts);
      let check: StatementCheck;
      try {
        const shape = statement as { algorithm?: unknown; covers?: { suite?: unknown } } | undefined;
        const algorithm = typeof shape?.algorithm === "string" ? shape.algorithm : "";
        const suiteName = typeof shape?.covers?.suite === "string" ? shape.covers.suite : "sha256";
        const verifier = anchorVerifierFromKey(keyText, { algorithm }, hashSuiteNamed(suiteName) ?? sha256Suite);
        check = await verifyStatement(statement, {
          bank,
          actor: readActor(ctx, opts.actor),
          book,
          verifier,
          ...(issuer === undefined ? {} : { from: issuer }),
          ...(via === undefined ? {} : { via }),
        });
      } finally {
        await bank.close();
      }
      const { lang } = ctx.globals();
      emit(ctx, check, () =>
        [
          check.ok
            ? lang === "zh-CN"
              ? `结算单核对一致：本方净额 ${check.own?.netMinutes ?? 0} 分钟`
              : `Statement agrees: our net ${check.own?.netMinutes ?? 0} min`
            : lang === "zh-CN"
              ? `结算单核对不一致：${check.problems.length} 处`
              : `Statement DISAGREES: ${check.problems.length} problem(s)`,
          ...(check.problems.length === 0
            ? []
            : [
                renderTable(
                  check.problems.map((p) => ({
                    code: p.code,
                    home: p.home ?? "",
                    ref: p.ref ?? "",
                    kind: p.kind ?? "",
                    fields: (p.fields ?? []).join("."),
                  })),
                ),
              ]),
        ].join("\n"),
      );
      if (!check.ok) {
        // The check above is the whole output (one JSON document); the code goes to stderr only.
        const code = check.code ?? "INVALID_INPUT";
        ctx.io.stderr(`${code}: ${new ElderflowError(code).messageIn(lang)}\n`);
        throw new CliExit(EXIT.failure);
      }
    },
  );
}
