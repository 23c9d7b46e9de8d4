/**
 * Writes the county's policy in its JSON form next to its cases, where `elderflow policy test`
 * finds it (`*.policy.json`). The test checks that the file is up to date with src/policy.ts.
 *
 *   pnpm policy:write
 */
import { writeFileSync } from "node:fs";
import { serializePolicy } from "@elderflow/policy";
import { countyBirthdayPolicy } from "./policy";

/** Where the JSON form lives. */
export const POLICY_FILE = new URL("../policies/birthday.policy.json", import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(POLICY_FILE, serializePolicy(countyBirthdayPolicy()));
  console.log(`wrote ${POLICY_FILE.pathname}`);
}
