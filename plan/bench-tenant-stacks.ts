// Run by `npm run bench` (scripts/bench-tenants.mjs), whole process: the platform stack of a stack file planned once,
// then every tenant of its tenants folder planned as its own stack in this one process (on --threads worker threads,
// default one per core, at most 4), each checked as
// `npm run tenant-stacks -- --plan` checks it: the policy pack and its releases against their pinned charts.
// Prints one JSON line: the phases' times, the resources and the process's peak memory.
import "./startup";
import * as path from "path";
import { parseArgs } from "util";
import { planStack } from "./engine";
import { checkTenantStacks, DEFAULT_THREADS } from "./tenant-stack-workers";
import { readStackConfig } from "./stack-files";
import { parsePlatformConfig } from "../stacks/config";

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { file: { type: "string" }, threads: { type: "string" } }, strict: true });
    if (!values.file) throw new Error("usage: node bin/plan/bench-tenant-stacks.js --file <project>/Pulumi.<stack>.yaml (its tenants.placement OwnStacks)");
    const file = path.resolve(values.file);
    const projectDir = path.dirname(file);
    const stack = path.basename(file).slice("Pulumi.".length, -".yaml".length);
    const started = performance.now();
    const platform = await planStack({ stack, projectDir });
    const platformMs = performance.now() - started;
    const tenants = parsePlatformConfig(readStackConfig(projectDir, stack).config, "platform", undefined, projectDir).tenants.all.map((t) => t.name);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const checks = await checkTenantStacks({ platform, tenants, platformStackFile: file, threads: values.threads === undefined ? DEFAULT_THREADS : Number(values.threads) });
    const tenantsMs = performance.now() - t0;
    const failed = checks.filter((c) => c.failed);
    if (failed.length > 0) throw new Error(failed.map((c) => c.line).join("\n"));
    const sum = (k: "evaluateMs" | "checksMs" | "resources") => checks.reduce((n, c) => n + c[k], 0);
    const result = {
        tenantStacks: tenants.length,
        platformResources: platform.resources.filter((r) => r.custom).length,
        platformMs: Math.round(platformMs),
        threads: Math.min(values.threads === undefined ? DEFAULT_THREADS : Number(values.threads), tenants.length),
        tenantResources: sum("resources"),
        // Wall time of all the tenant stacks; then the sums of each stack's own times over the threads.
        tenantsMs: Math.round(tenantsMs),
        evaluateMs: Math.round(sum("evaluateMs")),
        policiesMs: Math.round(sum("checksMs")),
        // CPU time of the tenant stacks (user and system, every thread): what the wall time is when the machine is shared.
        tenantCpuMs: Math.round(((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu))),
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(JSON.stringify(result));
}

main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
});
