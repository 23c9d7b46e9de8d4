/**
 * Seed 004: Decheng district's time bank through the first quarter of 2027, and the legal-aid days.
 *
 *   pnpm start
 */
import { runScenario } from "./scenario";

const h = (minutes: number) => `${(minutes / 60).toFixed(1)} h`;
const r = await runScenario();
console.log(`每周核实 week of ${r.week1.from}: ${r.week1.verified.length} verified (${h(r.week1.verifiedMinutes)})`);
console.log(`每月汇总 ${r.january.month}: earned ${h(r.january.earnedMinutes)}, pending ${r.january.pendingRecords}`);
console.log(`每季公示 ${r.notice.period} (${r.notice.from} – ${r.notice.to}), closed: ${r.notice.closed}`);
for (const l of r.notice.lines)
  console.log(
    `  ${l.no}. ${l.name}  ${l.services} services, ${h(l.minutes)} this quarter, ${h(l.cumulativeMinutes)} in all, ${"★".repeat(l.stars) || "no star"}`,
  );
console.log(`refused events: ${r.refused.join(", ")}`);
console.log(`late posting into the closed quarter: ${r.failedPostings.map((f) => `${f.key} ${f.code}`).join(", ")}`);
console.log("after v-01's spouse used 3 hours:");
for (const a of Object.values(r.accounts))
  console.log(
    `  ${a.volunteer}: balance ${h(a.balanceMinutes)}, earned ${h(a.earnedMinutes)}, stars ${a.stars} (before: ${r.starsBeforeSpending[a.volunteer]})`,
  );
console.log("年底星级评定 year-end rating:");
for (const [v, rating] of Object.entries(r.ratings))
  console.log(`  ${v}: ${rating.stars} — ${rating.why["zh-CN"]} / ${rating.why.en}`);
console.log(`journal hash chain: ${r.journalOk ? "ok" : "BROKEN"}`);
console.log(
  `法律援助 Tuesday afternoons: ${r.legalAid.dates.length} sessions (${r.legalAid.dates[0]} …)` +
    `; skipped for holidays: ${r.legalAid.skipped.join(", ") || "none"}`,
);
if (r.calendarWarnings.length > 0) console.log(`  calendar warnings: ${r.calendarWarnings.join(", ")}`);
console.log(`学法日 law days: ${r.lawDays.join(", ")}`);
