/**
 * Seed 002: 贴心儿女进家门 — medical volunteers paired with lixiu cadres, a month of visits and
 * calls, and the month's cadence compliance.
 *
 *   pnpm start
 */
import { runScenario } from "./scenario";

const r = await runScenario();
console.log(`medical care needs a level-${r.requiredLevel} certificate (volunteer-level policy)`);
for (const [pair, state] of Object.entries(r.states))
  console.log(`  ${pair}: ${state}${r.refused[pair] ? `  (refused: ${r.refused[pair]?.join(", ")})` : ""}`);
console.log("\nweekly check, missed-contact alerts:");
for (const a of r.missedContactAlerts) console.log(`  ${a.volunteerId} → ${a.personId}`);
console.log(`\ncadence for ${r.cadence.month} (a contact every week, 3 home visits a month):`);
for (const p of r.cadence.pairs)
  console.log(
    `  ${p.pairId}: weeks ${p.weeksMet}/${p.weeksRequired}, visits ${p.homeVisits}/${p.homeVisitsRequired}` +
      ` → ${p.compliant ? "compliant" : `NOT compliant${p.missedWeeks.length ? ` (missed ${p.missedWeeks.join(", ")})` : ""}`}`,
  );
for (const v of r.cadence.volunteers)
  console.log(`  volunteer ${v.id}: ${v.compliantPairs}/${v.pairs} pairs compliant`);
for (const c of r.cadence.communities) console.log(`  town ${c.id}: ${c.compliantPairs}/${c.pairs} pairs compliant`);
console.log("\nsubsidy basis (travel per visit, phone per call):");
for (const [v, s] of Object.entries(r.subsidyBasis)) console.log(`  ${v}: ${s.visits} visits, ${s.calls} calls`);
