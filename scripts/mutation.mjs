// npm run mutation -- --layer <network|cluster|storage|backup|ingress|shared|stacks|secrets|policy|sso|observability|tenants|delivery> [--layer ...]
// Mutation testing is a benchmark, not part of npm test: StrykerJS needs Node 22 (run through the node@22 package
// when this machine's Node is older) and takes minutes per layer on two cores.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// Stryker's type checker runs on TypeScript 7 (native, about three times faster here than TypeScript 5.9's checker,
// which was the bottleneck). TypeScript 7 is installed apart, in tools/mutation (pinned by its lock file), and linked
// where only the checker looks for it: in the project, its `tsc` would replace TypeScript 5.9's.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TOOLS = join(ROOT, "tools", "mutation");
const native = join(TOOLS, "node_modules", "@typescript", "native");
if (!existsSync(native) && spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: TOOLS, stdio: "inherit" }).status !== 0) process.exit(1);
const link = join(ROOT, "node_modules", "@stryker-mutator", "typescript-checker", "node_modules", "@typescript", "native");
if (!existsSync(link)) {
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(native, link, "dir");
}

// --force: test every mutant again (the incremental file would keep a survivor's result until its code or the
// tests that covered it change, so it misses what a new test file kills).
const { values } = parseArgs({ options: { layer: { type: "string", multiple: true }, force: { type: "boolean", default: false } } });
const layers = values.layer ?? ["stacks"];
const major = Number(process.versions.node.split(".")[0]);
const stryker = ["node_modules/@stryker-mutator/core/bin/stryker.js", "run", "stryker.config.mjs", ...(values.force ? ["--force"] : [])];
let failed = 0;
for (const layer of layers) {
    console.log(`\n=== mutation testing: ${layer} ===`);
    const [cmd, args] = major >= 22 ? [process.execPath, stryker] : ["npm", ["exec", "--yes", "--package=node@22", "--", "node", ...stryker]];
    const run = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, MUTATION_LAYER: layer } });
    if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
