// npm run tenant-stacks -- ...: the compiled runner of every tenant stack (bin/plan/tenant-stacks.js), rebuilt first when a source changed.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) {
    console.error("tenant-stacks: the project does not compile (see tsc's errors above)");
    process.exit(1);
}
const run = spawnSync(process.execPath, [join(ROOT, "bin", "plan", "tenant-stacks.js"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
