// npm run config-schema: writes docs/stack-config.schema.json from stacks/schema.ts (a test fails when it is stale).
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

if (!ensureCompiled()) process.exit(1);
const require = createRequire(import.meta.url);
const { stackFileJsonSchema, STACK_SCHEMA_FILE } = require(join(ROOT, "bin", "stacks", "json-schema.js"));
const { readProject } = require(join(ROOT, "bin", "plan", "stack-files.js"));
const file = join(ROOT, STACK_SCHEMA_FILE);
writeFileSync(file, `${JSON.stringify(stackFileJsonSchema(readProject(ROOT).name), null, 2)}\n`);
console.log(`wrote ${file}`);
