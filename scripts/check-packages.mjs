// Checks every published package with publint and @arethetypeswrong/cli (after `pnpm build`).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
let failed = false;
for (const dir of readdirSync(join(root, "packages"))) {
  const cwd = join(root, "packages", dir);
  for (const [tool, args] of [
    ["publint", ["--strict"]],
    ["attw", ["--pack", ".", "--profile", "node16", "--format", "table-flipped"]],
  ]) {
    try {
      execFileSync(bin(tool), args, { cwd, stdio: "pipe", encoding: "utf8" });
      process.stdout.write(`ok   ${tool} packages/${dir}\n`);
    } catch (e) {
      failed = true;
      process.stdout.write(`FAIL ${tool} packages/${dir}\n${e.stdout ?? ""}${e.stderr ?? ""}\n`);
    }
  }
}
process.exit(failed ? 1 : 0);
