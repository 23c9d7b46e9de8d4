import {
  ElderflowError,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  isElderflowError,
  isoDateAt,
  parseInstant,
} from "@elderflow/core";
import {
  createHolidayCalendar,
  type HolidayCalendar,
  type HolidayPack,
  holidayImpact,
  holidayPackHash,
  loadHolidayPack,
  type NonWorkingDayRule,
  OFFICE_SERIES,
  type PlannedItem,
  plannedOnDate,
  sealHolidayPack,
  seriesPlannedItems,
} from "@elderflow/schedule";
import { deadlineOf, TimeLimit } from "@elderflow/workflow";
import type { Command } from "commander";
import { accepts, asFailure, type CommandContext, emit, emitRows, readJsonFile, readTextFile } from "../io";

const RULES: readonly NonWorkingDayRule[] = ["keep", "skip", "next_working_day", "previous_working_day"];
const MAX_ITEMS = 100_000;

/** One rejected line of an items file: its index, the code and the path, never its content. */
interface ItemRejection {
  readonly index: number;
  readonly code: string;
  readonly path: readonly (string | number)[];
}

/**
 * Reads the planned items of an items file: `{ id, kind, date, rule? }` for a visit or session on a
 * date (moved by `rule`, default `next_working_day`), or `{ id, kind: "sla_deadline", startedAt,
 * limit }` for an SLA deadline, dated the way the workflows date it (`deadlineOf` over working
 * days in the zone). A bad item is rejected with its index; the rest are read.
 */
export function readPlannedItems(raw: unknown, zone: string): { items: PlannedItem[]; rejected: ItemRejection[] } {
  if (!Array.isArray(raw)) throw new ElderflowError("INVALID_TYPE", { path: ["items"], params: { expected: "array" } });
  if (raw.length > MAX_ITEMS) throw new ElderflowError("TOO_BIG", { path: ["items"], params: { maximum: MAX_ITEMS } });
  const items: PlannedItem[] = [];
  const rejected: ItemRejection[] = [];
  raw.forEach((r: unknown, index) => {
    const read = readItem(r, index, zone);
    if ("dateOver" in read) items.push(read);
    else rejected.push(read);
  });
  return { items, rejected };
}

function readItem(r: unknown, index: number, zone: string): PlannedItem | ItemRejection {
  const reject = (code: string, field?: string): ItemRejection => ({
    index,
    code,
    path: field === undefined ? ["items", index] : ["items", index, field],
  });
  if (typeof r !== "object" || r === null || Array.isArray(r)) return reject("INVALID_TYPE");
  const o = r as Record<string, unknown>;
  for (const field of ["id", "kind"]) {
    const p = IdSchema.safeParse(o[field]);
    if (!p.success) return reject(o[field] === undefined ? "REQUIRED" : "INVALID_FORMAT", field);
  }
  const id = o.id as string;
  const kind = o.kind as string;
  if (kind === "sla_deadline") {
    let started: number;
    try {
      if (typeof o.startedAt !== "string" || o.startedAt.length > 40) throw new Error("not an instant");
      started = parseInstant(o.startedAt);
    } catch {
      return reject("INVALID_INSTANT", "startedAt");
    }
    const limit = TimeLimit.safeParse(o.limit);
    if (!limit.success) return reject("INVALID_INPUT", "limit");
    const from = isoDateAt(started, zone);
    return {
      id,
      kind,
      from,
      dateOver: (calendar: HolidayCalendar) => isoDateAt(deadlineOf(started, limit.data, calendar, zone), zone),
    };
  }
  const date = IsoDateSchema.safeParse(o.date);
  if (!date.success) return reject("INVALID_DATE", "date");
  const rule = o.rule ?? "next_working_day";
  if (!RULES.includes(rule as NonWorkingDayRule)) return reject("INVALID_ENUM", "rule");
  return plannedOnDate(id, kind, date.data, rule as NonWorkingDayRule);
}

async function readPack(ctx: CommandContext, file: string): Promise<HolidayPack> {
  try {
    return await loadHolidayPack(readTextFile(ctx.io, file));
  } catch (e) {
    if (isElderflowError(e)) throw asFailure(e);
    throw e;
  }
}

/**
 * `elderflow schedule holidays <load|hash>`: validate a holiday pack and print what it moves
 * (office series of its year and the planned items of `--items`), or print a pack with its
 * content hash filled in, for authoring.
 */
export function registerSchedule(program: Command, ctx: CommandContext): void {
  const schedule = program.command("schedule").description("schedules: holiday packs and their impact");
  const holidays = schedule
    .command("holidays")
    .description("holiday packs (节假日数据包): the State Council's annual notice as data");

  accepts(
    holidays
      .command("load")
      .description(
        "verify a holiday pack (schema, limits, content hash) and list every planned item it moves; formats: table, json, csv",
      ),
    ["table", "json", "csv"],
  )
    .argument("<file>", "the pack (JSON)")
    .option(
      "--items <file>",
      'planned items (JSON array): {id, kind, date, rule?} or {id, kind: "sla_deadline", startedAt, limit}',
    )
    .option("--no-series", "leave out the office series (legal aid, law day, study, health check)")
    .action(async (file: string, opts: { items?: string; series: boolean }) => {
      const pack = await readPack(ctx, file);
      const zone = ctx.io.clock.zone;
      const before = createHolidayCalendar();
      const after = before.withPack(pack);
      const from: IsoDate = `${pack.year - 1}-12-01`;
      const to: IsoDate = `${pack.year}-12-31`;
      const items: PlannedItem[] = [];
      if (opts.series)
        for (const s of Object.values(OFFICE_SERIES)) items.push(...seriesPlannedItems(s, from, to, before));
      let rejected: ItemRejection[] = [];
      if (opts.items !== undefined) {
        try {
          const read = readPlannedItems(readJsonFile(ctx.io, opts.items), zone);
          items.push(...read.items);
          rejected = read.rejected;
        } catch (e) {
          if (isElderflowError(e)) throw asFailure(e);
          throw e;
        }
      }
      const impact = holidayImpact(before, after, items);
      rejected.push(...impact.rejected.map((r) => ({ index: r.index, code: r.code, path: ["items", r.index] })));
      const { lang } = ctx.globals();
      for (const r of rejected) ctx.io.stderr(`${r.code} (${r.path.join(".")})\n`);
      const value = {
        pack: { year: pack.year, status: pack.status, notice: pack.notice, hash: pack.hash },
        checked: impact.checked,
        moved: impact.moved,
        rejected,
      };
      emitRows(
        ctx,
        value,
        impact.moved.map((m) => ({
          id: m.id,
          kind: m.kind,
          oldDate: m.oldDate ?? "—",
          newDate: m.newDate ?? "—",
          reason: m.reasons
            .map(
              (r) =>
                `${r.date} ${r.reason === "became_holiday" ? "→ off" : "→ worked"}${r.name ? ` ${r.name[lang]}` : ""}`,
            )
            .join("; "),
        })),
        ["id", "kind", "oldDate", "newDate", "reason"],
      );
    });

  accepts(
    holidays
      .command("hash")
      .description("validate a pack's content and print it with its content hash filled in; formats: json, text"),
    ["json", "text"],
  )
    .argument("<file>", "the pack (JSON); any hash in it is replaced")
    .action(async (file: string) => {
      try {
        const raw = readJsonFile(ctx.io, file);
        const { format } = ctx.globals();
        if (format === "text") emit(ctx, await holidayPackHash(raw));
        else ctx.io.stdout(`${JSON.stringify(await sealHolidayPack(raw), null, 2)}\n`);
      } catch (e) {
        if (isElderflowError(e)) throw asFailure(e);
        throw e;
      }
    });
}
