/**
 * Laian community's two-level network at work: four problems, each solved at the lowest level
 * that can solve it.
 *
 *   pnpm start
 */
import { runScenario } from "./scenario";

const LEVEL: Record<string, string> = {
  association: "协会 association",
  community: "社区 community",
  department: "部门 department",
};

const result = await runScenario();
console.log(
  `来安社区 Laian: ${result.network.committees} residents' committees, ${result.network.blocks} blocks (片/组)`,
);
for (const c of result.cases) {
  console.log(`${c.id} (${c.category}): ${c.levels.map((l) => LEVEL[l] ?? l).join(" → ")}`);
  if (c.reasons.length > 0) console.log(`    handed up because: ${c.reasons.join(", ")}`);
  console.log(
    c.resolvedBy
      ? `    resolved at ${c.resolvedBy.level} by ${c.resolvedBy.by}: ${c.resolvedBy.outcome}`
      : `    open, state ${c.state}`,
  );
}
console.log(`refused out-of-turn attempts: ${result.refused.join(", ")}`);
console.log(`timers fired by the 72-hour limit: ${result.timersFired}`);
