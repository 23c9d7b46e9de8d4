/**
 * Prints the impact of the county's birthday rule change over the seeded synthetic district.
 *
 *   pnpm start               # zh-CN
 *   pnpm start --lang en     # English
 *   pnpm start --seed 7      # another synthetic district
 */
import { parseArgs } from "node:util";
import type { Lang } from "@elderflow/core";
import { countyImpact } from "./impact";
import { renderImpact } from "./report";

const { values } = parseArgs({
  // pnpm forwards a literal "--" before the options; it is not an argument.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { lang: { type: "string", default: "zh-CN" }, seed: { type: "string", default: "1" } },
});
const lang: Lang = values.lang === "en" ? "en" : "zh-CN";
const impact = await countyImpact(Number(values.seed));
console.log(renderImpact(impact, lang));
