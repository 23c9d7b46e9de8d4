import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import {
  type Clock,
  ElderflowError,
  generateDistrict,
  isElderflowError,
  parseInstant,
  parseJsonText,
} from "@elderflow/core";
import {
  BUILT_IN_MACHINES,
  builtInWorkflows,
  certificationFromVolunteers,
  createWorkflowEngine,
  diagramDocuments,
  memoryStore,
  pgliteStore,
  postgresStore,
  servicePointDirectory,
  toMermaid,
  toOpen311,
  type WorkflowEngine,
  type WorkflowStore,
} from "@elderflow/workflow";
import type { Command } from "commander";
import { accepts, CliExit, type CommandContext, EXIT, emit, emitRows, readTextFile } from "../io";
import { labelRows } from "../labels";
import { parseIntOption, parseStoreOption } from "../options";
import { renderTable } from "../table";

async function openStore(value: string, schema: string | undefined, cwd: string): Promise<WorkflowStore> {
  const spec = parseStoreOption(value, cwd);
  const s = schema === undefined ? {} : { schema };
  if (spec.kind === "pglite") return pgliteStore(spec.dataDir === undefined ? s : { ...s, dataDir: spec.dataDir });
  if (spec.kind === "postgres") return postgresStore({ ...s, connectionString: spec.url, max: 2 });
  return memoryStore();
}

/** The engine of the CLI: the built-in workflows, wired to a synthetic district's service points and volunteers. */
function makeEngine(store: WorkflowStore, clock: Clock, seed: number): WorkflowEngine {
  const district = generateDistrict({ seed });
  const lixiu = new Set(district.persons.filter((p) => p.retirementKind === "lixiu").map((p) => p.id));
  return createWorkflowEngine({
    store,
    clock,
    machines: builtInWorkflows({
      serviceRequest: { servicePoints: servicePointDirectory(district.servicePoints) },
      pairing: { certification: certificationFromVolunteers(district.volunteers, clock.zone) },
      // The 贴心儿女 programme serves the district's lixiu cadres (its default scope).
      medicalGroup: {
        certification: certificationFromVolunteers(district.volunteers, clock.zone),
        scope: ({ personId }) => lixiu.has(personId),
      },
    }),
  });
}

/** A clock that reads the time a script line sets (`"at"`), else the CLI's clock. */
function scriptClock(base: Clock): Clock & { set(ms: number | undefined): void } {
  let fixed: number | undefined;
  return {
    zone: base.zone,
    now: () => fixed ?? base.now(),
    set(ms) {
      fixed = ms;
    },
  };
}

async function runLine(engine: WorkflowEngine, line: Record<string, unknown>, zone: string): Promise<unknown> {
  const op = line.op;
  const actor = line.actor as never;
  switch (op) {
    case "start":
      return engine.start(String(line.machine), {
        id: String(line.id),
        input: (line.input ?? {}) as Record<string, unknown>,
        actor,
        ...(typeof line.eventId === "string" ? { eventId: line.eventId } : {}),
      });
    case "send":
      return engine.send(String(line.instance), line.event as never);
    case "timers":
      return engine.runDueTimers();
    case "query":
      return engine.query(String(line.instance), actor);
    case "history":
      return engine.history(String(line.instance), actor);
    case "open311":
      return toOpen311(await engine.query(String(line.instance), actor), zone);
    case "erase":
      return engine.erasePerson(String(line.person), actor);
    default:
      throw new ElderflowError("INVALID_ENUM", {
        path: ["op"],
        params: { options: "start, send, timers, query, history, open311, erase" },
      });
  }
}

/**
 * One line of a script: JSON text parsed by core (a syntax error is `INVALID_JSON` with the file's
 * line and the column, never the text), and an object.
 */
function parseLine(raw: string, n: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJsonText(raw);
  } catch (e) {
    if (isElderflowError(e) && e.code === "INVALID_JSON")
      throw new ElderflowError("INVALID_JSON", { params: { line: n, column: Number(e.params.column ?? 1) } });
    throw e;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ElderflowError("INVALID_TYPE", { path: [n], params: { expected: "object" } });
  return value as Record<string, unknown>;
}

/**
 * `elderflow workflow …`: list the machines, print their Mermaid diagrams, regenerate the docs'
 * diagrams, and run a JSONL script of starts, events and timer runs against a store.
 */
export function registerWorkflow(program: Command, ctx: CommandContext): void {
  const wf = program
    .command("workflow")
    .description("durable workflows: requests, escalation, care, pairing, verification");

  accepts(
    wf
      .command("machines")
      .description("list the workflows with their events and the roles that may send them; formats: table, json, csv"),
    ["table", "json", "csv"],
  ).action(() => {
    const engine = makeEngine(memoryStore(), ctx.io.clock, 1);
    const rows = Object.keys(BUILT_IN_MACHINES).flatMap((name) => {
      const def = engine.definition(name);
      return [
        {
          machine: name,
          event: "(start)",
          roles: def.startRoles.join(" "),
          payload: Object.keys(def.input.shape).join(" "),
        },
        ...Object.entries(def.events).map(([event, spec]) => ({
          machine: name,
          event,
          roles: spec.roles.join(" "),
          payload: Object.keys(spec.payload?.shape ?? {}).join(" "),
        })),
      ];
    });
    emitRows(ctx, rows, rows, ["machine", "event", "roles", "payload"]);
  });

  accepts(wf.command("diagram").description("print the Mermaid state diagram of a workflow; formats: text, json"), [
    "text",
    "json",
  ])
    .argument("<machine>", `one of ${Object.keys(BUILT_IN_MACHINES).join(", ")}`)
    .action((name: string) => {
      const machine = Object.hasOwn(BUILT_IN_MACHINES, name) ? BUILT_IN_MACHINES[name] : undefined;
      if (machine === undefined)
        throw new CliExit(
          EXIT.usage,
          new ElderflowError("UNKNOWN_MACHINE", { params: { machine: name.slice(0, 40) } }),
        );
      const text = toMermaid(machine);
      if (ctx.globals().format === "json") emit(ctx, { machine: name, mermaid: text });
      else ctx.io.stdout(text);
    });

  accepts(
    wf
      .command("diagrams")
      .description("write (or with --check, compare) the generated diagram pages of the docs; formats: text, json"),
    ["text", "json"],
  )
    .option("--out <dir>", "directory", "docs/diagrams")
    .option("--check", "exit 1 if any committed diagram differs from the machines")
    .action((opts: { out: string; check?: boolean }) => {
      const dir = opts.out.startsWith("/") ? opts.out : `${ctx.io.cwd}/${opts.out}`;
      const stale: string[] = [];
      for (const d of diagramDocuments()) {
        const path = `${dir}/${d.file}`;
        let current: string | undefined;
        try {
          current = readFileSync(path, "utf8");
        } catch {
          current = undefined;
        }
        if (current === d.content) continue;
        stale.push(d.file);
        if (opts.check !== true) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(path, d.content);
        }
      }
      emit(ctx, { dir: opts.out, changed: stale, check: opts.check === true }, () =>
        stale.length === 0
          ? "diagrams are up to date"
          : `${opts.check === true ? "stale" : "written"}: ${stale.join(", ")}`,
      );
      if (opts.check === true && stale.length > 0) throw new CliExit(EXIT.failure);
    });

  accepts(
    wf
      .command("run")
      .description(
        'apply a JSONL script, one operation per line: {"op":"start"|"send"|"timers"|"query"|"history"|"open311"|"erase", …, "at"?: ISO instant}; prints one result per line; formats: table, json',
      ),
    ["table", "json"],
  )
    .argument("<file>", "JSONL file")
    .option("--store <spec>", "memory | pglite | pglite:<dir> | postgres://…", "memory")
    .option("--schema <name>", "PostgreSQL schema of the workflow tables")
    .option("--seed <n>", "synthetic district that provides service points and volunteers", "1")
    .action(async (file: string, opts: { store: string; schema?: string; seed: string }) => {
      const text = readTextFile(ctx.io, file);
      const clock = scriptClock(ctx.io.clock);
      const store = await openStore(opts.store, opts.schema, ctx.io.cwd);
      const engine = makeEngine(store, clock, parseIntOption("--seed", opts.seed));
      const { lang } = ctx.globals();
      const results: { line: number; ok: boolean; result?: unknown; code?: string; message?: string }[] = [];
      try {
        let n = 0;
        for (const raw of text.split(/\r?\n/)) {
          n++;
          if (raw.trim() === "") continue;
          try {
            const line = parseLine(raw, n);
            clock.set(typeof line.at === "string" ? parseInstant(line.at, ["at"]) : undefined);
            results.push({ line: n, ok: true, result: await runLine(engine, line, clock.zone) });
          } catch (e) {
            const err = isElderflowError(e) ? e : new ElderflowError("INTERNAL", { params: { detail: "unexpected" } });
            results.push({ line: n, ok: false, code: err.code, message: err.messageIn(lang) });
          }
        }
      } finally {
        await store.close();
      }
      emit(ctx, results, () =>
        renderTable(
          labelRows(
            results.map((r) => ({
              line: r.line,
              ok: r.ok,
              state: r.ok ? String((r.result as { to?: string } | undefined)?.to ?? "") : "",
              code: r.code ?? "",
              message: r.message ?? "",
            })),
            lang,
          ),
        ),
      );
      if (results.some((r) => !r.ok)) throw new CliExit(EXIT.failure);
    });
}
