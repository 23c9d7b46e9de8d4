/**
 * Seed 003: 三到家、四上门 in one community for 2027.
 *
 *   pnpm start
 */
import { runScenario, YEAR } from "./scenario";

const r = await runScenario();
console.log(`生日祝寿 birthday visits in ${YEAR} (逢五排十):`);
for (const b of r.birthdays) console.log(`  ${b.date}  ${b.personId} turns ${b.age} (${b.calendar})`);
console.log("生病探望 hospital visits:");
for (const [id, bodies] of Object.entries(r.hospitalVisits)) console.log(`  ${id}: ${bodies.join(", ")}`);
const occasions = [...new Set(r.holidayVisits.map((v) => `${v.occasion} ${v.date}`))];
console.log(`走访慰问 holiday visits: ${occasions.join(", ")}; ${r.holidayVisits.length} visits in all`);
console.log(
  `  2029 adds: ${r.specialYear
    .filter((o) => o.anniversary)
    .map((o) => `${o.name.en} (${o.anniversary})`)
    .join(", ")}`,
);
console.log(`健康查体 health check day: ${r.healthCheckDay}; on ${YEAR}-04-01:`);
for (const h of r.healthChecks)
  console.log(`  ${h.personId}: ${h.status} (last ${h.lastCheck ?? "never"}, due ${h.dueDate})`);
console.log("学习材料送上门 study sessions and deliveries:");
for (const s of r.study)
  console.log(`  ${s.date}${s.movedFrom ? ` (moved from ${s.movedFrom})` : ""}: deliver to ${s.deliveries.join(", ")}`);
console.log(`家政维修送上门 hotline call: dispatched to ${String(r.hotline.dispatchedTo)}, now ${r.hotline.state}`);
console.log(`task board: ${JSON.stringify(r.taskCounts)}`);
