import { readdirSync, statSync } from "node:fs";
import { ElderflowError, isElderflowError, type Lang } from "@elderflow/core";
import {
  analyseImpact,
  explain,
  loadPolicy,
  type Policy,
  type PolicyCaseResult,
  parsePolicyCases,
  policyText,
  presetPolicies,
  renderPolicy,
  runPolicyCases,
} from "@elderflow/policy";
import type { Command } from "commander";
import {
  accepts,
  CliExit,
  type CommandContext,
  EXIT,
  emit,
  emitRows,
  readJsonFile,
  readTextFile,
  shownError,
  shownFile,
  usageError,
} from "../io";
import { labelRows } from "../labels";
import { parseDateOption } from "../options";
import { renderTable } from "../table";

function resolvePath(ctx: CommandContext, file: string): string {
  return file.startsWith("/") ? file : `${ctx.io.cwd}/${file}`;
}

/** A policy by preset id, or from a `*.json` file in the JSON form. */
function policyFrom(ctx: CommandContext, ref: string, extra: ReadonlyMap<string, Policy> = new Map()): Policy {
  const found = extra.get(ref) ?? presetPolicies().get(ref);
  if (found) return found;
  if (ref.endsWith(".json")) {
    try {
      return loadPolicy(readJsonFile(ctx.io, ref));
    } catch (e) {
      if (isElderflowError(e)) throw new CliExit(EXIT.failure, e);
      throw e;
    }
  }
  throw new CliExit(
    EXIT.usage,
    new ElderflowError("UNKNOWN_POLICY", { path: ["policy"], params: { policy: shownFile(ref) } }),
  );
}

function caseLines(file: string, results: readonly PolicyCaseResult[], lang: Lang): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.passed ? policyText("test.pass", lang) : policyText("test.fail", lang)}  ${file}: ${r.name}`);
    if (r.passed) continue;
    if (r.cites) lines.push(`      cites: ${r.cites}`);
    for (const f of r.failures) lines.push(`      ${f}`);
    if (r.explanation) {
      lines.push(`      ${r.explanation.sentence[lang]}`);
      for (const rule of r.explanation.rules)
        lines.push(`      [${rule.matched ? "x" : " "}] ${rule.id}: ${rule.condition.text[lang]}`);
    }
  }
  return lines;
}

/**
 * `elderflow policy list|show|explain|test|impact`: the policy presets, their text, explanations of
 * single decisions, tests-as-data, and impact analysis between two versions.
 */
export function registerPolicy(program: Command, ctx: CommandContext): void {
  const policy = program
    .command("policy")
    .description("eligibility and assignment policies: show, explain, test, impact");

  accepts(policy.command("list").description("list the preset policies; formats: table, json, csv"), [
    "table",
    "json",
    "csv",
  ]).action(() => {
    const { lang } = ctx.globals();
    const rows = [...presetPolicies().values()].map((p) => ({
      id: p.id,
      title: p.json.title[lang],
      rule: p.json.source?.rule ?? "",
      versions: p.json.versions.map((v) => `${v.version}@${v.from}`).join(" "),
    }));
    emitRows(ctx, rows, rows, ["id", "title", "rule", "versions"]);
  });

  accepts(
    policy
      .command("show")
      .description("print a policy as readable text (or its JSON form with --format json); formats: text, json"),
    ["text", "json"],
  )
    .argument("<policy>", "preset id or policy JSON file")
    .action((ref: string) => {
      const p = policyFrom(ctx, ref);
      emit(ctx, p.toJSON(), () => renderPolicy(p, ctx.globals().lang));
    });

  accepts(
    policy
      .command("explain")
      .description(
        "decide for the facts in a JSON file on a date and print the decision with its explanation; formats: text, json",
      ),
    ["text", "json"],
  )
    .requiredOption("--policy <policy>", "preset id or policy JSON file")
    .requiredOption("--facts <file>", "JSON file with the facts (an object, or an array of objects)")
    .requiredOption("--on <date>", "as-of date YYYY-MM-DD")
    .option("--version <version>", "evaluate this version as if in effect")
    .action((opts: { policy: string; facts: string; on: string; version?: string }) => {
      const on = parseDateOption("--on", opts.on);
      const p = policyFrom(ctx, opts.policy);
      const data = readJsonFile(ctx.io, opts.facts);
      const list = Array.isArray(data) ? data : [data];
      const { lang } = ctx.globals();
      const decideOptions = opts.version === undefined ? {} : { version: opts.version };
      let failed = false;
      const out = list.map((input, index) => {
        const parsed = p.facts.parse(input, Array.isArray(data) ? [index] : []);
        if (!parsed.ok) {
          failed = true;
          return { index, error: shownError(parsed.error).toJSON() };
        }
        try {
          const e = explain(p, parsed.value, on, decideOptions);
          return {
            index,
            decision: e.decision,
            sentence: e.sentence,
            params: e.params,
            rules: e.rules,
            reads: e.reads,
          };
        } catch (err) {
          if (!isElderflowError(err)) throw err;
          failed = true;
          return { index, error: shownError(err).toJSON() };
        }
      });
      emit(ctx, Array.isArray(data) ? out : out[0], () =>
        out
          .flatMap((r) => {
            if ("error" in r && r.error) return [`#${r.index} ${r.error.code}: ${r.error.message[lang]}`];
            if (!("decision" in r) || !r.decision) return [];
            const head = [
              r.sentence[lang],
              `  policy ${r.decision.policy}@${r.decision.version}, on ${r.decision.on}: ${r.decision.granted ? "granted" : "not granted"}` +
                `${r.decision.entitlements.length > 0 ? ` [${r.decision.entitlements.join(", ")}]` : ""}` +
                `${Object.keys(r.decision.values).length > 0 ? ` ${JSON.stringify(r.decision.values)}` : ""}`,
            ];
            for (const rule of r.rules)
              head.push(
                `  [${rule.decisive ? "*" : rule.matched ? "x" : " "}] ${rule.id}: ${rule.condition.text[lang]}`,
              );
            return head;
          })
          .join("\n"),
      );
      if (failed) throw new CliExit(EXIT.failure);
    });

  accepts(
    policy
      .command("test")
      .description(
        "run tests-as-data: every *.cases.yaml / *.cases.json in a directory (policies: presets and *.policy.json there); formats: text, json",
      ),
    ["text", "json"],
  )
    .argument("<dir>", "directory with case files")
    .action((dir: string) => {
      const root = resolvePath(ctx, dir);
      let names: string[];
      try {
        if (!statSync(root).isDirectory()) usageError(`${shownFile(dir)} is not a directory`);
        names = readdirSync(root).sort();
      } catch (e) {
        if (e instanceof CliExit) throw e;
        throw new CliExit(EXIT.usage, new ElderflowError("FILE_NOT_FOUND", { params: { file: shownFile(dir) } }));
      }
      const local = new Map<string, Policy>();
      for (const n of names.filter((x) => x.endsWith(".policy.json"))) {
        const p = policyFrom(ctx, `${root}/${n}`);
        local.set(p.id, p);
      }
      const files = names.filter((x) => /\.cases\.(ya?ml|json)$/.test(x));
      if (files.length === 0) usageError(`no *.cases.yaml files in ${shownFile(dir)}`);
      const { lang } = ctx.globals();
      const report: { file: string; policy: string; results: PolicyCaseResult[] }[] = [];
      for (const f of files) {
        let parsed: ReturnType<typeof parsePolicyCases>;
        try {
          parsed = parsePolicyCases(readTextFile(ctx.io, `${root}/${f}`));
        } catch (e) {
          if (isElderflowError(e))
            throw new CliExit(
              EXIT.failure,
              new ElderflowError(e.code, { path: [shownFile(f), ...e.path], params: e.params }),
            );
          throw e;
        }
        const p = policyFrom(ctx, parsed.policy, local);
        report.push({ file: f, policy: p.id, results: runPolicyCases(parsed, p) });
      }
      const total = report.reduce((n, r) => n + r.results.length, 0);
      const passed = report.reduce((n, r) => n + r.results.filter((x) => x.passed).length, 0);
      const summary = { total, passed, failed: total - passed };
      emit(
        ctx,
        {
          ...summary,
          files: report.map((r) => ({
            file: r.file,
            policy: r.policy,
            cases: r.results.map((x) => ({
              name: x.name,
              passed: x.passed,
              ...(x.cites ? { cites: x.cites } : {}),
              failures: x.failures,
              ...(x.passed || !x.explanation ? {} : { sentence: x.explanation.sentence, rules: x.explanation.rules }),
            })),
          })),
        },
        () =>
          [
            ...report.flatMap((r) => caseLines(r.file, r.results, lang)),
            policyText("test.summary", lang, summary),
          ].join("\n"),
      );
      if (summary.failed > 0) throw new CliExit(EXIT.failure);
    });

  accepts(
    policy
      .command("impact")
      .description(
        "who gains and who loses an entitlement between two policies or versions, over a population; formats: table, json, csv",
      ),
    ["table", "json", "csv"],
  )
    .requiredOption("--before <policy>", "preset id or policy JSON file (current rule)")
    .requiredOption("--after <policy>", "preset id or policy JSON file (reform)")
    .requiredOption("--population <file>", "JSON file with an array of facts (each may carry an id)")
    .requiredOption("--on <date>", "as-of date YYYY-MM-DD")
    .option("--before-version <version>", "version of --before to evaluate")
    .option("--after-version <version>", "version of --after to evaluate")
    .action(
      async (opts: {
        before: string;
        after: string;
        population: string;
        on: string;
        beforeVersion?: string;
        afterVersion?: string;
      }) => {
        const on = parseDateOption("--on", opts.on);
        const before = policyFrom(ctx, opts.before);
        const after = policyFrom(ctx, opts.after);
        const data = readJsonFile(ctx.io, opts.population);
        if (!Array.isArray(data)) usageError("--population expects a JSON array");
        const valid: unknown[] = [];
        const ids: string[] = [];
        for (const [i, x] of (data as unknown[]).entries()) {
          const parsed = before.facts.parse(x, [i]);
          if (!parsed.ok) throw new CliExit(EXIT.failure, parsed.error);
          valid.push(parsed.value);
          const id = (x as { id?: unknown }).id;
          ids.push(typeof id === "string" ? id : String(i));
        }
        const report = await analyseImpact(valid, {
          on,
          before: { policy: before, ...(opts.beforeVersion === undefined ? {} : { version: opts.beforeVersion }) },
          after: { policy: after, ...(opts.afterVersion === undefined ? {} : { version: opts.afterVersion }) },
          idOf: (_f, i) => ids[i] ?? String(i),
        });
        const { lang, format } = ctx.globals();
        const rows = [
          ...report.gains.map((g) => ({ id: g.id, change: "+", entitlements: g.entitlements.join(", ") })),
          ...report.losses.map((l) => ({ id: l.id, change: "-", entitlements: l.entitlements.join(", ") })),
        ];
        if (format === "csv") {
          emitRows(ctx, report, rows, ["id", "change", "entitlements"]);
          return;
        }
        emit(ctx, report, () =>
          [
            policyText("impact.summary", lang, {
              total: report.total,
              gained: report.gained,
              lost: report.lost,
              unchanged: report.unchanged,
            }),
            renderTable(labelRows(rows, lang)),
          ].join("\n"),
        );
      },
    );
}
