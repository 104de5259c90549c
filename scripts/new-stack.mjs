// npm run new-stack -- <stack> ...: writes a validated Pulumi.<stack>.yaml (bin/plan/new-stack.js, rebuilt first when a source changed).
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) process.exit(1);
const { main } = createRequire(import.meta.url)(join(ROOT, "bin", "plan", "new-stack.js"));
process.exitCode = main(process.argv.slice(2), ROOT);
