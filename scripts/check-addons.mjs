// npm run check-addons -- --stack NAME [--response FILE]: bin/plan/check-addons.js on the stack's offline plan.
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) process.exit(1);
const require = createRequire(import.meta.url);
const { main } = require(join(ROOT, "bin", "plan", "check-addons.js"));
const { planStack } = require(join(ROOT, "bin", "plan", "engine.js"));
process.exitCode = await main(process.argv.slice(2), (stack) => planStack({ stack }));
