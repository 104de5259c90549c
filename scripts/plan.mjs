// npm run plan -- ...: the compiled plan CLI (bin/plan/cli.js), rebuilt first when a source changed.
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) {
    console.error("plan: the project does not compile (see tsc's errors above)");
    process.exit(1);
}
createRequire(import.meta.url)(join(ROOT, "bin", "plan", "cli.js")).run(process.argv.slice(2));
