import {
  generateDistrict,
  Household,
  OrgUnit,
  ServicePoint,
  Team,
  today,
  Volunteer,
  validateMany,
  validatePersons,
} from "@elderflow/core";
import type { Command } from "commander";
import { CliExit, type CommandContext, EXIT, emit } from "../io";
import { parseIntOption } from "../options";
import { renderTable } from "../table";

/** `elderflow demo`: generates the seeded synthetic district and validates every record of it. */
export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command("demo")
    .description("generate the seeded synthetic district at the reports' scale and validate it")
    .option("--seed <n>", "seed", "1")
    .option("--year <yyyy>", "the simulated year", "2027")
    .option("--scale <n>", "size multiplier (10 = a province-sized set of districts)", "1")
    .action((opts: { seed: string; year: string; scale: string }) => {
      const { lang } = ctx.globals();
      const started = performance.now();
      ctx.io.stderr(lang === "zh-CN" ? "正在生成模拟辖区…\n" : "Generating the synthetic district…\n");
      const d = generateDistrict({
        seed: parseIntOption("--seed", opts.seed),
        year: parseIntOption("--year", opts.year) - 1,
        scale: parseIntOption("--scale", opts.scale),
      });
      ctx.io.stderr(lang === "zh-CN" ? "正在校验全部记录…\n" : "Validating every record…\n");
      const checks = [
        {
          set: "persons",
          total: d.persons.length,
          invalid: validatePersons(d.persons, { today: today(ctx.io.clock) }).invalid.length,
        },
        {
          set: "volunteers",
          total: d.volunteers.length,
          invalid: validateMany(Volunteer, d.volunteers).invalid.length,
        },
        {
          set: "households",
          total: d.households.length,
          invalid: validateMany(Household, d.households).invalid.length,
        },
        { set: "orgUnits", total: d.orgUnits.length, invalid: validateMany(OrgUnit, d.orgUnits).invalid.length },
        { set: "teams", total: d.teams.length, invalid: validateMany(Team, d.teams).invalid.length },
        {
          set: "servicePoints",
          total: d.servicePoints.length,
          invalid: validateMany(ServicePoint, d.servicePoints).invalid.length,
        },
      ];
      const summary = {
        seed: d.seed,
        year: d.year + 1,
        communities: d.communities.length,
        persons: d.persons.length,
        lixiu: d.persons.filter((p) => p.retirementKind === "lixiu").length,
        lunarKeepers: d.persons.filter((p) => p.birthdayCalendar === "lunar").length,
        volunteers: d.volunteers.length,
        teams: d.teams.length,
        checks,
        ms: Math.round(performance.now() - started),
      };
      emit(ctx, summary, () =>
        [
          lang === "zh-CN"
            ? `模拟辖区（种子 ${summary.seed}）：${summary.communities} 个社区，离退休干部 ${summary.persons} 人（离休 ${summary.lixiu} 人，按农历过生日 ${summary.lunarKeepers} 人），志愿者 ${summary.volunteers} 人，${summary.teams} 支队伍`
            : `Synthetic district (seed ${summary.seed}): ${summary.communities} communities, ${summary.persons} retired cadres (${summary.lixiu} lixiu, ${summary.lunarKeepers} keep a lunar birthday), ${summary.volunteers} volunteers in ${summary.teams} teams`,
          renderTable(checks),
        ].join("\n"),
      );
      if (checks.some((c) => c.invalid > 0)) throw new CliExit(EXIT.failure);
    });
}
