// Prints the plain closing line "tests: N passed, N failed" from vitest's JSON report.
import { existsSync, readFileSync } from "node:fs";

const file = new URL("../.vitest-results.json", import.meta.url);
if (!existsSync(file)) {
  console.log("tests: 0 passed, 1 failed");
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, "utf8"));
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
process.exit(r.numFailedTests > 0 || r.numTotalTests === 0 ? 1 : 0);
