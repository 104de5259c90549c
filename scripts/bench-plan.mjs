// npm run bench:plan [-- --runs 5] [-- --tsx]: whole-process offline plans of every stack file, run in turn; prints
// the median wall time, peak memory and phase split per stack, and the marginal cost of a resource (prod vs dev).
// It runs what `npm run plan` runs (compiled JavaScript, after one build outside the timing), or with --tsx the
// TypeScript CLI through tsx as before issue 12. Node 22 adds its compile cache:
// `npm exec --package=node@22 -- node scripts/bench-plan.mjs`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCompiled } from "./compiled.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, tsx: { type: "boolean", default: false } } });
if (!values.tsx && !ensureCompiled()) process.exit(1);
const command = values.tsx ? ["--import", "tsx", "plan/cli.ts"] : ["scripts/plan.mjs"];
const runs = Number(values.runs);
const stacks = readdirSync(".").map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), "bench-plan-"));

const results = {};
for (let i = 0; i < runs; i++) {
    for (const stack of stacks) {
        const file = join(dir, `${stack}-${i}.json`);
        const start = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [...command, "--stack", stack, "--timings", file], { encoding: "utf8" });
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        if (run.status !== 0) throw new Error(`plan of ${stack} failed:\n${run.stderr}`);
        (results[stack] ??= []).push({ wallMs, ...JSON.parse(readFileSync(file, "utf8")) });
    }
}

console.log(`Offline plan, whole process, median of ${runs} runs (node ${process.version}, ${values.tsx ? "TypeScript through tsx" : "compiled"}, ${stacks.join(", ")} in turn)`);
console.log("stack      resources   wall ms   peak MiB   load ms   evaluate ms   policies ms   render ms");
const summary = {};
for (const [stack, rs] of Object.entries(results)) {
    const m = (k) => median(rs.map((r) => r[k]));
    summary[stack] = { resources: rs[0].resources, wall: m("wallMs") };
    console.log(
        `${stack.padEnd(10)} ${String(rs[0].resources).padStart(9)} ${m("wallMs").toFixed(0).padStart(9)} ${String(m("maxRssMiB")).padStart(10)} ` +
            `${String(m("loadMs")).padStart(9)} ${String(m("evaluateMs")).padStart(13)} ${String(m("policiesMs")).padStart(13)} ${String(m("renderMs")).padStart(11)}`,
    );
}
const [small, large] = Object.values(summary).sort((a, b) => a.resources - b.resources);
if (small && large && large.resources > small.resources) {
    console.log(`marginal cost: ${((large.wall - small.wall) / (large.resources - small.resources)).toFixed(2)} ms per resource (largest vs smallest stack)`);
}
