// npm run docs:config: writes the key tables of docs/configuration.md from stacks/schema.ts (a test fails when stale).
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) process.exit(1);
const require = createRequire(import.meta.url);
const { CONFIG_DOC, renderConfigDoc } = require(join(ROOT, "bin", "plan", "config-reference.js"));
const file = join(ROOT, CONFIG_DOC);
writeFileSync(file, renderConfigDoc(ROOT));
console.log(`wrote ${file}`);
