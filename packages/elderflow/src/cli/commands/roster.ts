import { ElderflowError, type ElderflowIssue, formatMessage, formatPath, maskName, type Person } from "@elderflow/core";
import { createBirthdayCheck } from "@elderflow/policy";
import {
  birthdayRosterReport,
  type HealthCheckRecord,
  healthCheckStatus,
  holidayVisitList,
  SKIP_VALUES,
  type Skip,
  toICalendar,
} from "@elderflow/schedule";
import type { Command } from "commander";
import { printableBirthdayList, printableHolidayVisitList } from "../../report/printable";
import {
  accepts,
  CliExit,
  type CliIO,
  type CommandContext,
  EXIT,
  emitRows,
  type PersonsFile,
  readJsonFile,
  readPersonsFile,
  shownIssue,
  usageError,
} from "../io";
import { valueLabel } from "../labels";
import { parseIntOption } from "../options";

function skipOption(name: string, value: string | undefined): Skip | undefined {
  if (value === undefined) return undefined;
  const v = value.toUpperCase();
  if (!(SKIP_VALUES as readonly string[]).includes(v))
    usageError(`${name} expects one of ${SKIP_VALUES.join(", ")}`, name);
  return v as Skip;
}

/** Reads and validates a persons file; every bad record is reported with its path, never half a list. */
export async function readPersons(io: CliIO, file: string) {
  const { persons, rejected } = await readPersonsReport(io, file);
  const first = rejected[0];
  if (first !== undefined)
    throw new ElderflowError(first.code, { path: first.path, params: first.params, issues: rejected });
  return persons;
}

/**
 * A persons file read record by record (XLSX, CSV or JSON through the register's importer): the good
 * persons (with their index in the file) and every issue of the bad ones.
 */
function readPersonsReport(io: CliIO, file: string): Promise<PersonsFile> {
  return readPersonsFile(io, file);
}

/**
 * Reports the rejected records of a batch on stderr, one `CODE (path): message` line each (path and
 * params through the CLI's filter), and says whether there was any: the caller then exits 1.
 */
function reportRejected(ctx: CommandContext, issues: readonly ElderflowIssue[]): boolean {
  const { lang } = ctx.globals();
  for (const issue of issues) {
    const i = shownIssue(issue);
    ctx.io.stderr(`${i.code} (${formatPath(i.path)}): ${formatMessage(i.code, lang, i.params)}\n`);
  }
  return issues.length > 0;
}

/** `--org`: an array of organisation units `{id, kind, name}` or an object `{communityId: name}`; community names by id. */
export function readCommunityNames(ctx: CommandContext, file: string | undefined): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  if (file === undefined) return names;
  const data = readJsonFile(ctx.io, file);
  if (Array.isArray(data)) {
    for (const u of data)
      if (u && typeof u === "object" && typeof u.id === "string" && typeof u.name === "string") names.set(u.id, u.name);
  } else if (data && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) if (typeof v === "string") names.set(k, v);
  } else
    throw new CliExit(
      EXIT.failure,
      new ElderflowError("INVALID_TYPE", { path: ["org"], params: { expected: "array" } }),
    );
  return names;
}

/** The columns a list shows about a person: id, masked name, community (its name when the org file gives it). */
function personColumns(p: Person | undefined, personId: string, communities: ReadonlyMap<string, string>) {
  return {
    personId,
    name: p === undefined ? "" : maskName(p.name),
    community: p === undefined ? "" : (communities.get(p.communityId) ?? p.communityId),
  };
}

const ORG_OPTION = [
  "--org <file>",
  "JSON organisation units {id, kind, name} (or {communityId: name}) to print community names",
] as const;

/**
 * Our reading of who visits: 「派領導或工作人員…爲其祝壽」 (rule 1) is the Bureau of Veteran Cadres
 * sending its leaders or staff; 「春節、“七一”區大班子領導都分頭帶隊走訪慰問」 (rule 3) is the district leaders.
 */
const BIRTHDAY_BODY = "veteran_cadres_bureau";
const HOLIDAY_BODY = "district_leaders";

/**
 * `elderflow roster birthdays`: the birthday roster (rule 1) under the policy's birthday preset,
 * as a JSON array `{personId, date, age, calendar}` sorted by date then personId; a table, CSV or
 * HTML list (祝寿名单) adds the masked name, the community and the visiting body. Bad records are
 * reported on stderr and the rest are listed (exit 1).
 */
export function registerRoster(program: Command, ctx: CommandContext): void {
  const roster = program
    .command("roster")
    .description("rosters built from schedules (birthdays, visits, health checks)");
  accepts(
    roster
      .command("birthdays")
      .description(
        "birthday celebrations due under the birthday preset (逢五排十), Gregorian or lunar; formats: table, json, csv, ics, html",
      ),
    ["table", "json", "csv", "ics", "html"],
  )
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--from <date>", "first date YYYY-MM-DD (Asia/Shanghai)")
    .requiredOption("--to <date>", "last date YYYY-MM-DD, inclusive")
    .option("--skip <skip>", "SKIP for both calendars: OMIT | BACKWARD | FORWARD (default BACKWARD)")
    .option("--skip-gregorian <skip>", "SKIP for Feb 29 birthdays")
    .option("--skip-lunar <skip>", "SKIP for lunar day 30 and leap-month birthdays")
    .option(...ORG_OPTION)
    .action(
      async (opts: {
        persons: string;
        from: string;
        to: string;
        skip?: string;
        skipGregorian?: string;
        skipLunar?: string;
        org?: string;
      }) => {
        const read = await readPersonsReport(ctx.io, opts.persons);
        const communities = readCommunityNames(ctx, opts.org);
        const both = skipOption("--skip", opts.skip);
        const g = skipOption("--skip-gregorian", opts.skipGregorian) ?? both;
        const l = skipOption("--skip-lunar", opts.skipLunar) ?? both;
        const report = birthdayRosterReport(read.persons, {
          from: opts.from,
          to: opts.to,
          isCelebration: createBirthdayCheck(),
          skip: { ...(g === undefined ? {} : { gregorian: g }), ...(l === undefined ? {} : { lunar: l }) },
        });
        // The roster numbers the good persons only: its paths are put back on the file's indexes.
        const rejected = [
          ...read.rejected,
          ...report.rejected.map((r) => {
            const [, , ...rest] = r.issue.path;
            return { ...r.issue, path: [read.prefix, read.indexes[r.index] ?? r.index, ...rest] };
          }),
        ].sort((a, b) => Number(a.path[1]) - Number(b.path[1]));
        const entries = report.entries;
        const { format, lang } = ctx.globals();
        const byId = new Map(read.persons.map((p) => [p.id, p]));
        const rows = entries.map((e) => ({
          date: e.date,
          ...personColumns(byId.get(e.personId), e.personId, communities),
          age: e.age,
          calendar: e.calendar,
          visitingBody: BIRTHDAY_BODY,
        }));
        const columns = ["date", "personId", "name", "community", "age", "calendar", "visitingBody"];
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
        } else if (format === "html")
          ctx.io.stdout(
            printableBirthdayList(
              rows.map((r) => ({
                ...r,
                calendar: String(valueLabel("calendar", r.calendar, lang)),
                visitingBody: String(valueLabel("visitingBody", r.visitingBody, lang)),
              })),
              { from: opts.from, to: opts.to, lang },
            ),
          );
        else emitRows(ctx, entries, rows, columns);
        if (reportRejected(ctx, rejected)) throw new CliExit(EXIT.failure);
      },
    );

  accepts(
    roster
      .command("visits")
      .description(
        "Spring Festival and July 1 visit list of a year, with extra visits in anniversary years (rule 3); formats: table, json, csv, html",
      ),
    ["table", "json", "csv", "html"],
  )
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--year <yyyy>", "the year")
    .option(...ORG_OPTION)
    .action(async (opts: { persons: string; year: string; org?: string }) => {
      const read = await readPersonsReport(ctx.io, opts.persons);
      const communities = readCommunityNames(ctx, opts.org);
      const year = parseIntOption("--year", opts.year);
      const list = holidayVisitList(read.persons, { year });
      const byId = new Map(read.persons.map((p) => [p.id, p]));
      const rows = list.map((v) => ({
        date: v.date,
        occasion: v.occasion,
        anniversary: v.anniversary ?? "",
        ...personColumns(byId.get(v.personId), v.personId, communities),
        visitingBody: HOLIDAY_BODY,
      }));
      const columns = ["date", "occasion", "anniversary", "personId", "name", "community", "visitingBody"];
      const { format, lang } = ctx.globals();
      if (format === "html")
        ctx.io.stdout(
          printableHolidayVisitList(
            rows.map((r) => ({
              ...r,
              occasion: String(valueLabel("occasion", r.occasion, lang)),
              visitingBody: String(valueLabel("visitingBody", r.visitingBody, lang)),
            })),
            { year, lang },
          ),
        );
      else emitRows(ctx, list, rows, columns);
      if (reportRejected(ctx, read.rejected)) throw new CliExit(EXIT.failure);
    });

  accepts(
    roster
      .command("health-checks")
      .description("annual health checks done, due and overdue on a date (rule 4); formats: table, json, csv"),
    ["table", "json", "csv"],
  )
    .requiredOption("--persons <file>", "JSON array of persons (interchange form)")
    .requiredOption("--checks <file>", "JSON array of recorded checks {personId, date}")
    .requiredOption("--on <date>", "the date YYYY-MM-DD")
    .option(...ORG_OPTION)
    .action(async (opts: { persons: string; checks: string; on: string; org?: string }) => {
      const read = await readPersonsReport(ctx.io, opts.persons);
      const communities = readCommunityNames(ctx, opts.org);
      const checks = readJsonFile(ctx.io, opts.checks);
      if (!Array.isArray(checks))
        throw new ElderflowError("INVALID_TYPE", { path: ["checks"], params: { expected: "array" } });
      const status = healthCheckStatus(read.persons, checks as HealthCheckRecord[], opts.on);
      const byId = new Map(read.persons.map((p) => [p.id, p]));
      const rows = status.map((s) => ({
        ...personColumns(byId.get(s.personId), s.personId, communities),
        status: s.status,
        lastCheck: s.lastCheck ?? "",
        dueDate: s.dueDate,
      }));
      emitRows(ctx, status, rows, ["personId", "name", "community", "status", "lastCheck", "dueDate"]);
      if (reportRejected(ctx, read.rejected)) throw new CliExit(EXIT.failure);
    });
}
