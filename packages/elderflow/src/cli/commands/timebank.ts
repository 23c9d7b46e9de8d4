import { type ActorInput, ElderflowError, isElderflowError, parseJsonText, parseOrThrow, today } from "@elderflow/core";
import { starsForMinutes } from "@elderflow/policy";
import {
  type ActingTimeBank,
  accountAsOf,
  anchorSignerFromKey,
  anchorVerifierFromKey,
  type CommandResult,
  createTimeBank,
  type HashSuite,
  hashSuiteNamed,
  type JournalEntry,
  memoryStore,
  mysqlStore,
  noticeToCsv,
  noticeToHtml,
  PeriodSchema,
  PersonFacts,
  type PersonFactsLookup,
  pgliteStore,
  postgresStore,
  SignedAnchor,
  type TimeBank,
  TimeBankRules,
  type TimeBankRulesInput,
  type TimeBankStore,
  type VerifyJournalOptions,
  verifyJournal,
} from "@elderflow/timebank";
import type { Command } from "commander";
import { printableCertificate } from "../../report/printable";
import { accepts, CliExit, type CommandContext, EXIT, emit, readJsonFile, readTextFile, usageError } from "../io";
import { parseDateOption, parseStoreOption, STORE_HELP } from "../options";
import { renderTable } from "../table";
import { readCommunityNames } from "./roster";

/** The options of every timebank subcommand that opens a bank (shared with `clearing.ts`). */
export interface StoreOptions {
  commands?: string;
  actor?: string;
  store: string;
  schema?: string;
  starsOn?: string;
  hash?: string;
  rules?: string;
  rulesFrom?: string;
  capHours?: string;
  capExcess?: string;
  capPool?: string;
  redemptionAge?: string;
  hardshipAge?: string;
  expiryMonths?: string;
  persons?: string;
}

/** The day a rule given by flags is in force from: before any command a file can hold. */
const FLAG_RULES_FROM = "0001-01-01";

/** A number option that must be a whole, non-negative number. */
function wholeOption(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) usageError(`${name} expects a whole number`, name);
  return Number(value);
}

/**
 * The effective-dated rules: `--rules <file>` (a JSON array of versions), or one version made of
 * the rule flags, in force from `--rules-from` (default: always). Undefined when none is given.
 */
function readRules(ctx: CommandContext, opts: StoreOptions): TimeBankRulesInput | undefined {
  const flags = [opts.capHours, opts.capExcess, opts.capPool, opts.redemptionAge, opts.hardshipAge, opts.expiryMonths];
  const flagged = flags.some((f) => f !== undefined);
  if (opts.rules !== undefined) {
    if (flagged || opts.rulesFrom !== undefined) usageError("--rules goes without the rule flags", "--rules");
    try {
      return parseOrThrow(TimeBankRules, readJsonFile(ctx.io, opts.rules), ["rules"]);
    } catch (error) {
      if (isElderflowError(error)) throw new CliExit(EXIT.failure, error);
      throw error;
    }
  }
  if (!flagged) {
    if (opts.rulesFrom !== undefined) usageError("--rules-from needs a rule flag", "--rules-from");
    return undefined;
  }
  const version: Record<string, unknown> = {
    from: opts.rulesFrom === undefined ? FLAG_RULES_FROM : parseDateOption("--rules-from", opts.rulesFrom),
  };
  if (opts.capHours !== undefined) {
    if (!/^\d{1,7}(\.\d{1,2})?$/.test(opts.capHours)) usageError("--cap-hours expects hours, e.g. 1500", "--cap-hours");
    const minutes = Math.round(Number(opts.capHours) * 60);
    if (minutes < 1) usageError("--cap-hours must be more than zero", "--cap-hours");
    if (opts.capExcess !== undefined && opts.capExcess !== "refuse" && opts.capExcess !== "donate")
      usageError("--cap-excess is refuse or donate", "--cap-excess");
    version.storageCap = {
      minutes,
      ...(opts.capExcess === undefined ? {} : { excess: opts.capExcess }),
      ...(opts.capPool === undefined ? {} : { pool: opts.capPool }),
    };
  } else if (opts.capExcess !== undefined || opts.capPool !== undefined)
    usageError("--cap-excess and --cap-pool need --cap-hours", "--cap-hours");
  if (opts.redemptionAge !== undefined)
    version.redemptionAge = {
      age: wholeOption("--redemption-age", opts.redemptionAge),
      ...(opts.hardshipAge === undefined ? {} : { hardshipAge: wholeOption("--hardship-age", opts.hardshipAge) }),
    };
  else if (opts.hardshipAge !== undefined) usageError("--hardship-age needs --redemption-age", "--redemption-age");
  if (opts.expiryMonths !== undefined) version.expiry = { months: wholeOption("--expiry-months", opts.expiryMonths) };
  try {
    return parseOrThrow(TimeBankRules, [version], ["rules"]);
  } catch (error) {
    if (isElderflowError(error)) throw new CliExit(EXIT.usage, error);
    throw error;
  }
}

/**
 * `--persons <file>`: the birth dates and hardship flags the redemption age reads, as a JSON array
 * of persons (`id`, `birthDate`, `hardship`; other fields, such as names, are not read) or an
 * object `{id: {birthDate, hardship}}`. A person whose facts do not parse fails the run (path only).
 */
function readPersons(ctx: CommandContext, file: string | undefined): PersonFactsLookup | undefined {
  if (file === undefined) return undefined;
  const data = readJsonFile(ctx.io, file);
  const facts = new Map<string, PersonFacts>();
  const add = (id: unknown, value: unknown, path: (string | number)[]) => {
    if (typeof id !== "string")
      throw new CliExit(EXIT.failure, new ElderflowError("REQUIRED", { path: [...path, "id"] }));
    const v = value as Record<string, unknown>;
    const picked = { birthDate: v.birthDate, hardship: v.hardship };
    try {
      facts.set(id, parseOrThrow(PersonFacts, picked, path));
    } catch (error) {
      if (isElderflowError(error)) throw new CliExit(EXIT.failure, error);
      throw error;
    }
  };
  if (Array.isArray(data)) {
    data.forEach((p, i) => {
      if (p === null || typeof p !== "object")
        throw new CliExit(
          EXIT.failure,
          new ElderflowError("INVALID_TYPE", { path: ["persons", i], params: { expected: "object" } }),
        );
      add((p as { id?: unknown }).id, p, ["persons", i]);
    });
  } else if (data !== null && typeof data === "object") {
    for (const [id, v] of Object.entries(data)) {
      if (v === null || typeof v !== "object")
        throw new CliExit(
          EXIT.failure,
          new ElderflowError("INVALID_TYPE", { path: ["persons"], params: { expected: "object" } }),
        );
      add(id, v, ["persons"]);
    }
  } else throw new CliExit(EXIT.failure, new ElderflowError("INVALID_TYPE", { params: { expected: "object" } }));
  return (id) => facts.get(id);
}

function openStore(value: string, schema: string | undefined, cwd: string): TimeBankStore {
  const spec = parseStoreOption(value, cwd);
  if (spec.kind === "pglite") return pgliteStore(spec.dataDir === undefined ? {} : { dataDir: spec.dataDir });
  if (spec.kind === "postgres")
    return postgresStore({ connectionString: spec.url, max: 2, ...(schema === undefined ? {} : { schema }) });
  // On MySQL a schema is a database: the URL names it.
  if (spec.kind === "mysql") {
    if (schema !== undefined) usageError("--schema is for PostgreSQL; on MySQL the URL names the database");
    return mysqlStore({ uri: spec.url, connectionLimit: 2 });
  }
  return memoryStore();
}

/**
 * Parses a JSONL text into raw commands with core's `parseJsonText` (never quoting the text); a line
 * that is not JSON stays as a marker that fails.
 */
export function parseLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim().length === 0) continue;
    try {
      out.push(parseJsonText(line));
    } catch {
      out.push(BAD_LINE);
    }
  }
  return out;
}

/**
 * The host's own replay: the `system` role, which may act as any named person and reaches the whole
 * district. A bureau replaying its own command file passes its actor with an explicit delegation.
 */
const HOST_ACTOR: ActorInput = { id: "system", roles: ["system"] };

/** `--actor`: inline JSON (starts with `{`) or a JSON file; the host's actor when absent. */
export function readActor(ctx: CommandContext, value: string | undefined): ActorInput {
  if (value === undefined) return HOST_ACTOR;
  const text = value.trimStart().startsWith("{") ? value : readTextFile(ctx.io, value);
  try {
    return parseJsonText(text, ["actor"]) as ActorInput;
  } catch (error) {
    throw new CliExit(EXIT.usage, error instanceof ElderflowError ? error : undefined);
  }
}

/** The marker {@link parseLines} leaves for a line that is not JSON. */
export const BAD_LINE = Symbol("bad line");

/** Opens the bank of `--store` with the rules, persons and actor of the options, and applies `--commands`. */
export async function openBank(
  ctx: CommandContext,
  opts: StoreOptions,
): Promise<{
  bank: TimeBank;
  acting: ActingTimeBank;
  results: CommandResult[];
  stars: (minutes: number) => number;
  hash: HashSuite;
}> {
  const actor = readActor(ctx, opts.actor);
  if (opts.starsOn !== undefined) parseDateOption("--stars-on", opts.starsOn);
  const rules = readRules(ctx, opts);
  const persons = readPersons(ctx, opts.persons);
  const store = openStore(opts.store, opts.schema, ctx.io.cwd);
  const on = opts.starsOn;
  let hash: HashSuite;
  try {
    // A new journal is written with --hash (default SHA-256); an existing one with the suite it records.
    await store.open();
    hash = opts.hash === undefined ? await storedSuite(store) : chosenSuite(opts.hash);
  } catch (error) {
    await store.close();
    throw error;
  }
  const stars = (minutes: number) => (on === undefined ? starsForMinutes(minutes) : starsForMinutes(minutes, on));
  const bank = await createTimeBank({
    store,
    clock: ctx.io.clock,
    stars,
    hash,
    ...(rules === undefined ? {} : { rules }),
    ...(persons === undefined ? {} : { persons }),
  });
  let acting: ActingTimeBank;
  try {
    acting = bank.as(actor);
  } catch (error) {
    await bank.close();
    throw new CliExit(EXIT.usage, error instanceof ElderflowError ? error : undefined);
  }
  let results: CommandResult[] = [];
  if (opts.commands !== undefined) {
    const raws = parseLines(readTextFile(ctx.io, opts.commands));
    const submitted = await acting.submitMany(raws.map((r) => (r === BAD_LINE ? { op: "?", key: null } : r)));
    results = submitted.map((r, i) =>
      raws[i] === BAD_LINE ? { key: null, ok: false as const, code: "INVALID_INPUT" as const } : r,
    );
  }
  return { bank, acting, results, stars, hash };
}

/** The hash suite a store's journal is written with (SHA-256 when it is still empty). */
async function storedSuite(store: TimeBankStore): Promise<HashSuite> {
  const name = (await store.readHead())?.suite ?? "sha256";
  const suite = hashSuiteNamed(name);
  if (suite === undefined)
    throw new CliExit(
      EXIT.failure,
      new ElderflowError("HASH_SUITE_MISMATCH", { params: { stored: name, requested: "sha256" } }),
    );
  return suite;
}

/** The suite named by --hash. */
function chosenSuite(name: string): HashSuite {
  const suite = hashSuiteNamed(name);
  if (suite === undefined)
    throw new CliExit(
      EXIT.usage,
      new ElderflowError("USAGE", { path: ["--hash"], params: { detail: "--hash is sha256 or sm3" } }),
    );
  return suite;
}

/** `--hash`, `--store`, `--schema`, `--stars-on`, `--actor`. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      "--hash <suite>",
      "hash suite of a new journal: sha256 (default) or sm3 (GB/T 39786); an existing journal keeps its own",
    )
    .option("--store <store>", STORE_HELP, "memory")
    .option("--schema <name>", "PostgreSQL schema to keep the tables in")
    .option("--stars-on <date>", "read the star preset as in force on this date (default: its latest version)")
    .option(
      "--actor <json|file>",
      'who submits and reads: an actor {"id","roles","communities","onBehalfOf"} inline or in a JSON file (default: the host, {"id":"system","roles":["system"]}, which acts as any named person; a bureau replaying its own file passes its actor with onBehalfOf)',
    );
}

/** The time-bank rules and the persons they read, for every subcommand that applies commands. */
export function addRuleOptions(cmd: Command): Command {
  return cmd
    .option("--rules <file>", "JSON array of effective-dated rule versions {from, storageCap, redemptionAge, expiry}")
    .option("--rules-from <date>", "the day the rule flags below are in force from (default: always)")
    .option(
      "--cap-hours <h>",
      "storage cap in hours (Nanjing 2019: 1500): a verification above it is refused (STORAGE_CAP)",
    )
    .option("--cap-excess <policy>", "over the cap: refuse (default) or donate the excess to the pool")
    .option("--cap-pool <id>", "the pool that receives donated excess (default: the volunteer's community)")
    .option(
      "--redemption-age <age>",
      "withdrawals only for beneficiaries of this age (Shanghai 2026: 65); REDEMPTION_AGE",
    )
    .option("--hardship-age <age>", "the lower redemption age in hardship (Shanghai 2026: 60)")
    .option("--expiry-months <n>", "credited minutes expire after n months (an expire command posts them)")
    .option(
      "--persons <file>",
      "JSON persons [{id, birthDate, hardship}] (or {id: {birthDate, hardship}}) for the redemption age",
    );
}

/** Reads a names file: an array of persons `{id, name}` or an object `{id: name}`. */
export function readNames(
  ctx: CommandContext,
  file: string | undefined,
): ((id: string) => string | undefined) | undefined {
  if (file === undefined) return undefined;
  const data = readJsonFile(ctx.io, file);
  const names = new Map<string, string>();
  if (Array.isArray(data)) {
    for (const p of data)
      if (p && typeof p === "object" && typeof p.id === "string" && typeof p.name === "string") names.set(p.id, p.name);
  } else if (data && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) if (typeof v === "string") names.set(k, v);
  } else throw new CliExit(EXIT.failure, new ElderflowError("INVALID_TYPE", { params: { expected: "object" } }));
  return (id) => names.get(id);
}

/**
 * `elderflow timebank …`: replay a command stream, print the quarterly public notice (公示) or a
 * volunteer's time-savings certificate, and check the journal's hash chain.
 */
export function registerTimebank(program: Command, ctx: CommandContext): void {
  const tb = program.command("timebank").description("time bank (时间银行): replay commands, notices, certificates");

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("replay")
          .description(
            "apply a JSONL command stream and print every result and every volunteer account; formats: table, json",
          ),
        ["table", "json"],
      ).requiredOption("--commands <file>", "JSONL file, one command per line"),
    ),
  ).action(async (opts: StoreOptions) => {
    const { bank, acting, results } = await openBank(ctx, opts);
    try {
      const accounts = acting.accounts();
      emit(ctx, { results, accounts }, () =>
        [renderTable(results.map((r) => ({ ...r }))), "", renderTable(accounts.map((a) => ({ ...a })))].join("\n"),
      );
    } finally {
      await bank.close();
    }
  });

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("balance")
          .description(
            "a volunteer's account as of a date: counting only movements dated on or before it (--basis effective, the default), or as the bank recorded it by the end of that day (--basis recorded); formats: json, table",
          ),
        ["json", "table"],
      )
        .requiredOption("--volunteer <id>", "volunteer (or holder) id")
        .option("--basis <basis>", "effective (service and posting dates) or recorded (journal time)", "effective")
        .option("--commands <file>", "JSONL commands to apply first"),
    ),
  ).action(async (opts: StoreOptions & { volunteer: string; basis: string }, command: Command) => {
    // The day is the global --as-of (which also sets the run's clock to that day, 09:00 Shanghai),
    // or ELDERFLOW_TODAY; required here, since a balance is always as of a day.
    const asOfValue = command.optsWithGlobals<{ asOf?: string }>().asOf ?? (ctx.io.env.ELDERFLOW_TODAY || undefined);
    if (asOfValue === undefined) usageError("timebank balance needs --as-of <date>", "--as-of");
    const asOf = parseDateOption("--as-of", asOfValue);
    if (opts.basis !== "effective" && opts.basis !== "recorded")
      usageError("--basis is effective or recorded", "--basis");
    const { bank, acting, stars, hash } = await openBank(ctx, opts);
    try {
      // Reach first: an account the actor cannot see is unknown, without the id.
      if (acting.account(opts.volunteer) === undefined)
        throw new CliExit(EXIT.failure, new ElderflowError("UNKNOWN_ACCOUNT", { path: ["volunteer"] }));
      const account = accountAsOf(await bank.journal(), opts.volunteer, asOf, { stars, basis: opts.basis, hash }) ?? {
        volunteer: opts.volunteer,
        earnedMinutes: 0,
        balanceMinutes: 0,
        pendingInMinutes: 0,
        reservedMinutes: 0,
        availableMinutes: 0,
        stars: stars(0),
      };
      emit(ctx, account, () => renderTable([{ ...account }]));
    } finally {
      await bank.close();
    }
  });

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("notice")
          .description(
            "the quarterly public notice (公示) of a community, names masked; formats: table, json, csv, html",
          ),
        ["table", "json", "csv", "html"],
      )
        .requiredOption("--community <id>", "community id")
        .requiredOption("--period <YYYY-Qn>", "quarter")
        .option("--commands <file>", "JSONL commands to apply first")
        .option("--names <file>", "JSON persons (or {id: name}) to print masked names from"),
    ),
  ).action(async (opts: StoreOptions & { community: string; period: string; names?: string }) => {
    if (!PeriodSchema.safeParse(opts.period).success) usageError("--period expects YYYY-Qn");
    const nameOf = readNames(ctx, opts.names);
    const { bank, acting } = await openBank(ctx, opts);
    try {
      const notice = acting.publicNotice(opts.community, opts.period, nameOf === undefined ? {} : { nameOf });
      const { format } = ctx.globals();
      if (format === "csv") ctx.io.stdout(noticeToCsv(notice));
      else if (format === "html") ctx.io.stdout(noticeToHtml(notice));
      else
        emit(ctx, notice, () =>
          [
            `${notice.community} ${notice.period} (${notice.from} – ${notice.to})${notice.closed ? " closed" : ""}`,
            renderTable(notice.lines.map((l) => ({ ...l }))),
          ].join("\n"),
        );
    } finally {
      await bank.close();
    }
  });

  addRuleOptions(
    addStoreOptions(
      accepts(
        tb
          .command("certificate")
          .description(
            "a volunteer's time-savings certificate: every movement with running balance; formats: table, json, html (printable, A4)",
          ),
        ["table", "json", "html"],
      )
        .requiredOption("--volunteer <id>", "volunteer id")
        .option("--commands <file>", "JSONL commands to apply first")
        .option("--names <file>", "JSON persons (or {id: name}) to print the masked name from")
        .option(
          "--org <file>",
          "JSON organisation units {id, kind, name} (or {communityId: name}) to print the community name",
        ),
    ),
  ).action(async (opts: StoreOptions & { volunteer: string; names?: string; org?: string }) => {
    const nameOf = readNames(ctx, opts.names);
    const { bank, acting } = await openBank(ctx, opts);
    try {
      const cert = acting.certificate(opts.volunteer, nameOf === undefined ? {} : { nameOf });
      // The code and the option's path only: the id may be personal data.
      if (cert === undefined)
        throw new CliExit(EXIT.failure, new ElderflowError("UNKNOWN_ACCOUNT", { path: ["volunteer"] }));
      const { format, lang } = ctx.globals();
      if (format === "html") {
        const communityName = readCommunityNames(ctx, opts.org).get(cert.community);
        ctx.io.stdout(
          printableCertificate(cert, {
            lang,
            issuedOn: today(ctx.io.clock),
            ...(communityName === undefined ? {} : { communityName }),
          }),
        );
        return;
      }
      emit(ctx, cert, () =>
        [
          `${cert.volunteer} ${cert.name} ${cert.community}: earned ${cert.earnedMinutes} min, balance ${cert.balanceMinutes} min, stars ${cert.stars}`,
          renderTable(cert.lines.map((l) => ({ ...l }))),
        ].join("\n"),
      );
    } finally {
      await bank.close();
    }
  });

  addStoreOptions(
    accepts(
      tb
        .command("verify")
        .description(
          "check the journal's hash chain (SHA-256 or SM3, as recorded); names the first altered, removed or inserted entry; with --anchor and --key, also that the journal still holds a signed checkpoint and only extends it; formats: json, text",
        ),
      ["json", "text"],
    )
      .option("--commands <file>", "JSONL commands to apply first")
      .option("--anchor <file>", "signed checkpoint (JSON, from `timebank checkpoint`) the journal must still hold")
      .option("--key <file>", "key that checks the anchor: an Ed25519 PEM public key, or the HMAC host key"),
  ).action(async (opts: StoreOptions & { anchor?: string; key?: string }) => {
    if ((opts.anchor === undefined) !== (opts.key === undefined)) usageError("--anchor and --key go together");
    if (opts.commands !== undefined) {
      const { bank } = await openBank(ctx, opts);
      await bank.close();
    }
    // Read the stored journal directly: a bank refuses to open on a broken chain.
    const store = openStore(opts.store, opts.schema, ctx.io.cwd);
    try {
      await store.open();
      const suite = await storedSuite(store);
      const entries: JournalEntry[] = [];
      for (;;) {
        const page = await store.readJournal(entries.at(-1)?.seq ?? 0, 10_000);
        entries.push(...page);
        if (page.length < 10_000) break;
      }
      let check: VerifyJournalOptions = { suite };
      if (opts.anchor !== undefined && opts.key !== undefined) {
        const anchor = parseOrThrow(SignedAnchor, readJsonFile(ctx.io, opts.anchor), ["anchor"]);
        check = { suite, anchor, verifier: anchorVerifierFromKey(readTextFile(ctx.io, opts.key), anchor, suite) };
      }
      const report = verifyJournal(entries, check);
      const { lang } = ctx.globals();
      emit(ctx, report, () =>
        report.ok
          ? lang === "zh-CN"
            ? `流水校验通过：${report.length} 条，链头 ${report.headHash}`
            : `Journal verified: ${report.length} entries, head ${report.headHash}`
          : lang === "zh-CN"
            ? `流水校验未通过：第 ${report.position} 条（${report.problem}）`
            : `Journal BROKEN at entry ${report.position} (${report.problem})`,
      );
      if (!report.ok) {
        // The report above is the whole output (one JSON document); the code goes to stderr only.
        const tampered = new ElderflowError("JOURNAL_TAMPERED", { params: { position: report.position } });
        ctx.io.stderr(`JOURNAL_TAMPERED: ${tampered.messageIn(lang)}\n`);
        throw new CliExit(EXIT.failure);
      }
    } finally {
      await store.close();
    }
  });

  addStoreOptions(
    accepts(
      tb
        .command("checkpoint")
        .description(
          "print a signed checkpoint of the journal (length, head hash, suite, time) to keep outside the database; format: json",
        ),
      ["json"],
    ).requiredOption(
      "--key <file>",
      "signing key: an Ed25519 PEM private key, or the HMAC host key (16 bytes or more)",
    ),
  ).action(async (opts: StoreOptions & { key: string }) => {
    const store = openStore(opts.store, opts.schema, ctx.io.cwd);
    await store.open();
    const suite = await storedSuite(store).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    const bank = await createTimeBank({ store, clock: ctx.io.clock, stars: starsForMinutes, hash: suite });
    try {
      const anchor = await bank.checkpoint(anchorSignerFromKey(readTextFile(ctx.io, opts.key), suite));
      emit(ctx, anchor, () => JSON.stringify(anchor));
    } finally {
      await bank.close();
    }
  });
}
