// npm run plan -- ...: the compiled plan CLI (bin/plan/cli.js), rebuilt first when a source changed.
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) {
    console.error("plan: the program does not type-check (Pulumi's own TypeScript loader would refuse it too)");
    process.exit(1);
}
createRequire(import.meta.url)(join(ROOT, "bin", "plan", "cli.js"));
