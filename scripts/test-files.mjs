// npm run test:file -- test/cidr.test.ts [more files or name fragments]: compiles once, then runs only those test files
// (mocha's positional files would be added to .mocharc's whole-suite spec, not replace it).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ensureCompiled, ROOT } from "./compiled.mjs";

const wanted = process.argv.slice(2);
if (wanted.length === 0) {
    console.error("usage: npm run test:file -- <test file or part of its name>...   e.g. npm run test:file -- test/cidr.test.ts tenants");
    process.exit(2);
}
const all = readdirSync(join(ROOT, "test")).filter((f) => f.endsWith(".test.ts"));
const files = [];
for (const w of wanted) {
    const name = basename(w).replace(/\.(ts|js)$/, "").replace(/\.test$/, "");
    const matches = all.filter((f) => (f === `${name}.test.ts` ? true : f.includes(name)));
    const exact = all.filter((f) => f === `${name}.test.ts`);
    const chosen = exact.length > 0 ? exact : matches;
    if (chosen.length === 0) {
        console.error(`no test file matches ${JSON.stringify(w)} (test/*.test.ts)`);
        process.exit(2);
    }
    files.push(...chosen.map((f) => join("bin", "test", f.replace(/\.ts$/, ".js"))));
}
if (!ensureCompiled()) process.exit(1);
const missing = files.filter((f) => !existsSync(join(ROOT, f)));
if (missing.length > 0) {
    console.error(`not compiled: ${missing.join(", ")}`);
    process.exit(1);
}
console.error(`running ${[...new Set(files)].length} file(s): ${[...new Set(files)].map((f) => basename(f, ".js")).join(", ")}`);
const mocha = spawnSync(process.execPath, [join(ROOT, "node_modules/mocha/bin/mocha.js"), "--no-config", "--require", "bin/plan/startup.js", "--require", "bin/test/setup.js", "--enable-source-maps", "--timeout", "120000", ...new Set(files)], { cwd: ROOT, stdio: "inherit" });
process.exit(mocha.status ?? 1);
