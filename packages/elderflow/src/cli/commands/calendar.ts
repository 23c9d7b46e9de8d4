import { ElderflowError } from "@elderflow/core";
import {
  createHolidayCalendar,
  expandSeries,
  type LocalDay,
  OFFICE_SERIES,
  studyPlan,
  toICalendar,
} from "@elderflow/schedule";
import type { Command } from "commander";
import { accepts, type CommandContext, emit, emitRows, readJsonFile } from "../io";
import { readPersons } from "./roster";

/**
 * `elderflow calendar <legal-aid|law-day|study|health-check>`: an office series over a window,
 * as iCalendar (RRULE + EXDATE/RDATE for holidays) or JSON. Unpublished holiday years are flagged
 * with HOLIDAYS_PROVISIONAL on stderr (and in the JSON).
 */
export function registerCalendar(program: Command, ctx: CommandContext): void {
  accepts(
    program
      .command("calendar")
      .description(
        "office calendars: legal-aid (Tuesday afternoons), law-day (18th), study (monthly), health-check; formats: table, json, csv, ics",
      ),
    ["table", "json", "csv", "ics"],
  )
    .argument("<series>", Object.keys(OFFICE_SERIES).join(" | "))
    .requiredOption("--from <date>", "first date YYYY-MM-DD")
    .requiredOption("--to <date>", "last date YYYY-MM-DD, inclusive")
    .option("--local-days <file>", "JSON array of local days {date, working, name: {zh-CN, en}}")
    .option("--persons <file>", "study only: persons, to list the 送学上门 deliveries of each session (JSON)")
    .action(async (name: string, opts: { from: string; to: string; localDays?: string; persons?: string }) => {
      const series = OFFICE_SERIES[name];
      if (series === undefined)
        throw new ElderflowError("INVALID_ENUM", {
          path: ["series"],
          params: { options: Object.keys(OFFICE_SERIES).join(", ") },
        });
      const localDays = opts.localDays === undefined ? [] : readJsonFile(ctx.io, opts.localDays);
      if (!Array.isArray(localDays))
        throw new ElderflowError("INVALID_TYPE", { path: ["localDays"], params: { expected: "array" } });
      const calendar = createHolidayCalendar({ localDays: localDays as LocalDay[] });
      const x = expandSeries(series, opts.from, opts.to, calendar);
      const { format, lang } = ctx.globals();
      for (const w of x.warnings) ctx.io.stderr(`${w.code}: ${w.message[lang]}\n`);
      if (format === "ics") {
        ctx.io.stdout(
          toICalendar({ series: [x] }, opts.from, opts.to, { clock: ctx.io.clock, lang, name: series.summary[lang] }),
        );
        return;
      }
      const events =
        opts.persons !== undefined && series.id === "study"
          ? studyPlan(await readPersons(ctx.io, opts.persons), { from: opts.from, to: opts.to, calendar, series })
              .sessions
          : x.events;
      const value = { series: series.id, events, skipped: x.skipped, moved: x.moved, warnings: x.warnings };
      if (format === "json") {
        emit(ctx, value);
        return;
      }
      // A table or CSV lists the sessions: date, hours, the holiday it moved from, and the deliveries of a study plan.
      const rows = (events as readonly object[]).map((e) => {
        const r = e as Record<string, unknown>;
        return {
          date: r.date,
          start: r.start,
          end: r.end,
          movedFrom: r.movedFrom ?? "",
          summary: series.summary[lang],
          ...(Array.isArray(r.deliveries) ? { deliveries: r.deliveries.length } : {}),
        };
      });
      emitRows(ctx, value, rows, [
        "date",
        "start",
        "end",
        "movedFrom",
        "summary",
        ...(opts.persons !== undefined && series.id === "study" ? ["deliveries"] : []),
      ]);
    });
}
