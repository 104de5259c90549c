// npm run build: tsc -b tsconfig.dev.json after removing compiled files whose source is gone.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { removeOrphans, ROOT } from "./compiled.mjs";

removeOrphans();
const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.dev.json"], { cwd: ROOT, stdio: "inherit" });
process.exit(tsc.status ?? 1);
