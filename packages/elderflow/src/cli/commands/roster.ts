import { ElderflowError, type ElderflowIssue, today, validatePersons } from "@elderflow/core";
import { createBirthdayCheck } from "@elderflow/policy";
import {
  birthdayRoster,
  type HealthCheckRecord,
  healthCheckStatus,
  holidayVisitList,
  SKIP_VALUES,
  type Skip,
  toICalendar,
} from "@elderflow/schedule";
import type { Command } from "commander";
import { type CliIO, type CommandContext, emit, readJsonFile, usageError } from "../io";
import { parseIntOption } from "../options";

function skipOption(name: string, value: string | undefined): Skip | undefined {
  if (value === undefined) return undefined;
  const v = value.toUpperCase();
  if (!(SKIP_VALUES as readonly string[]).includes(v)) usageError(`${name} expects one of ${SKIP_VALUES.join(", ")}`);
  return v as Skip;
}

/** Reads and validates a persons file; every bad record is reported with its path, never half a list. */
export function readPersons(io: CliIO, file: string) {
  const data = readJsonFile(io, file);
  if (!Array.isArray(data))
    throw new ElderflowError("INVALID_TYPE", { path: ["persons"], params: { expected: "array" } });
  const checked = validatePersons(data, { today: today(io.clock) });
  if (checked.invalid.length > 0) {
    const issues: ElderflowIssue[] = checked.invalid.flatMap((r) =>
      r.issues.map((i) => ({ ...i, path: ["persons", r.index, ...i.path] })),
    );
    const first = issues[0] as ElderflowIssue;
    throw new ElderflowError(first.code, { path: first.path, params: first.params, issues });
  }
  return checked.valid.map((v) => v.value);
}

/**
 * `elderflow roster birthdays`: the birthday roster (rule 1) under the policy's birthday preset,
 * as a JSON array `{personId, date, age, calendar}` sorted by date then personId.
 */
export function registerRoster(program: Command, ctx: CommandContext): void {
  const roster = program.command("roster").description("rosters built from schedules (birthdays)");
  roster
    .command("birthdays")
    .description("birthday celebrations due under the birthday preset (逢五排十), Gregorian or lunar")
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--from <date>", "first date YYYY-MM-DD (Asia/Shanghai)")
    .requiredOption("--to <date>", "last date YYYY-MM-DD, inclusive")
    .option("--skip <skip>", "SKIP for both calendars: OMIT | BACKWARD | FORWARD (default BACKWARD)")
    .option("--skip-gregorian <skip>", "SKIP for Feb 29 birthdays")
    .option("--skip-lunar <skip>", "SKIP for lunar day 30 and leap-month birthdays")
    .action(
      (opts: {
        persons: string;
        from: string;
        to: string;
        skip?: string;
        skipGregorian?: string;
        skipLunar?: string;
      }) => {
        const persons = readPersons(ctx.io, opts.persons);
        const both = skipOption("--skip", opts.skip);
        const g = skipOption("--skip-gregorian", opts.skipGregorian) ?? both;
        const l = skipOption("--skip-lunar", opts.skipLunar) ?? both;
        const entries = birthdayRoster(persons, {
          from: opts.from,
          to: opts.to,
          isCelebration: createBirthdayCheck(),
          skip: { ...(g === undefined ? {} : { gregorian: g }), ...(l === undefined ? {} : { lunar: l }) },
        });
        const { format, lang } = ctx.globals();
        if (format === "ics") {
          const title = (age: number) =>
            lang === "zh-CN" ? `${age}周岁生日祝寿` : `Birthday celebration, ${age} years`;
          ctx.io.stdout(
            toICalendar(
              {
                events: entries.map((e) => ({
                  uid: `birthday-${e.personId}-${e.date}@elderflow`,
                  summary: title(e.age),
                  date: e.date,
                  description: `${e.personId} (${e.calendar})`,
                })),
              },
              opts.from,
              opts.to,
              { clock: ctx.io.clock, lang, name: lang === "zh-CN" ? "生日祝寿名单" : "Birthday roster" },
            ),
          );
          return;
        }
        emit(ctx, entries);
      },
    );

  roster
    .command("visits")
    .description("Spring Festival and July 1 visit list of a year, with extra visits in anniversary years (rule 3)")
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--year <yyyy>", "the year")
    .action((opts: { persons: string; year: string }) => {
      const persons = readPersons(ctx.io, opts.persons);
      emit(ctx, holidayVisitList(persons, { year: parseIntOption("--year", opts.year) }));
    });
  roster
    .command("health-checks")
    .description("annual health checks done, due and overdue on a date (rule 4)")
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--checks <file>", "JSON array of recorded checks {personId, date}")
    .requiredOption("--on <date>", "the date YYYY-MM-DD")
    .action((opts: { persons: string; checks: string; on: string }) => {
      const persons = readPersons(ctx.io, opts.persons);
      const checks = readJsonFile(ctx.io, opts.checks);
      if (!Array.isArray(checks))
        throw new ElderflowError("INVALID_TYPE", { path: ["checks"], params: { expected: "array" } });
      emit(ctx, healthCheckStatus(persons, checks as HealthCheckRecord[], opts.on));
    });
}
