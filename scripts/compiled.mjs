// Shared by `npm run plan` and `npm test`: bring bin/ (tsconfig.dev.json's compiled JavaScript) up to date
// so a run starts from compiled code instead of transpiling TypeScript on every start (issue 12: about half of a plan's time went to loading modules).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUILD_INFO = join(ROOT, "bin", ".tsbuildinfo");
const SOURCES = ["index.ts", "components", "stacks", "plan", "policy", "test", "tenant", "contract", "deployments", "examples", "packages", "tsconfig.json", "tsconfig.dev.json", "package-lock.json"];

function newestChange(path) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return 0;
    if (!stat.isDirectory()) return stat.mtimeMs;
    // A directory's own time changes when a file in it is deleted or renamed.
    return Math.max(stat.mtimeMs, ...readdirSync(path).filter((f) => f !== "node_modules").map((f) => newestChange(join(path, f))));
}

/** Compiled files whose TypeScript source is gone (deleted or renamed): tsc -b never removes them, mocha would run them. */
export function removeOrphans(dir = join(ROOT, "bin")) {
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) removeOrphans(path);
        else if (/\.js(\.map)?$/.test(entry.name) && !existsSync(join(ROOT, path.slice(join(ROOT, "bin").length + 1).replace(/\.js(\.map)?$/, ".ts")))) rmSync(path);
    }
}

/** Compiles (incrementally, `tsc -b`) when a source is newer than the last build; false on type errors. */
export function ensureCompiled() {
    const built = existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : 0;
    if (Math.max(...SOURCES.map((s) => newestChange(join(ROOT, s)))) <= built) return true;
    removeOrphans();
    // A first compile takes tens of seconds on a small machine: say so instead of sitting silent.
    process.stderr.write(built === 0 ? "compiling the TypeScript into bin/ (first run: tens of seconds)…\n" : "sources changed: recompiling into bin/…\n");
    const started = Date.now();
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.dev.json"], { cwd: ROOT, stdio: "inherit" });
    if (tsc.status !== 0) return false;
    process.stderr.write(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    // tsc -b leaves an up-to-date build untouched; mark it checked so the next run skips tsc.
    const now = new Date();
    utimesSync(BUILD_INFO, now, now);
    return true;
}

