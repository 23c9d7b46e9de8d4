/**
 * Seed 001: priority targets and the care pathway with the five extended services.
 *
 *   pnpm start
 */
import { workflow } from "elderflow";
import { runScenario } from "./scenario";

const r = await runScenario();
console.log(
  `community ${r.communityId}: ${r.cadres} active cadres, ${r.targets.length} priority targets (重点服务对象)`,
);
console.log(
  `  高龄 very old ${r.byFlag.advancedAge} · 空巢 empty nest ${r.byFlag.emptyNest} · ` +
    `多病 multi-illness ${r.byFlag.multiIllness} · 生活不便 mobility-limited ${r.byFlag.mobilityLimited}`,
);
for (const p of r.pathways) {
  console.log(`\ncare pathway of ${p.personId} (rank ${p.rank})`);
  console.log(`  ${p.states.join(" → ")}`);
  console.log(`  hospital visit by: ${p.hospitalVisit?.assignees.join(", ")} (${String(p.hospitalVisit?.mode)})`);
  console.log(`  services: ${workflow.EXTENDED_SERVICES.map((s) => `${s}=${p.services[s]}`).join(", ")}`);
  console.log(`  refused: ${p.refused.join(", ") || "none"}`);
}
