// npm run check:images -- --stack NAME: the compiled registry look-up (bin/plan/image-platforms.js), rebuilt first when a source changed.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) process.exit(1);
const run = spawnSync(process.execPath, [join(ROOT, "bin", "plan", "image-platforms.js"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
