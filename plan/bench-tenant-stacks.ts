// Run by `npm run bench` (scripts/bench-tenants.mjs), whole process: the platform stack of a stack file planned once,
// then every tenant of its tenants folder planned as its own stack in this one process, each checked as
// `npm run tenant-stacks -- --plan` checks it: the policy pack and its releases against their pinned charts.
// Prints one JSON line: the phases' times, the resources and the process's peak memory.
import "./startup";
import * as path from "path";
import { parseArgs } from "util";
import { planStack, planTenantStack, PROJECT_DIR } from "./engine";
import { checkPolicies } from "./policy-runner";
import { chartContractReport } from "./chart-contract";
import { readStackConfig } from "./stack-files";
import { parsePlatformConfig } from "../stacks/config";

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { file: { type: "string" } }, strict: true });
    if (!values.file) throw new Error("usage: node bin/plan/bench-tenant-stacks.js --file <project>/Pulumi.<stack>.yaml (its tenants.placement OwnStacks)");
    const file = path.resolve(values.file);
    const projectDir = path.dirname(file);
    const stack = path.basename(file).slice("Pulumi.".length, -".yaml".length);
    const started = performance.now();
    const platform = await planStack({ stack, projectDir });
    const platformMs = performance.now() - started;
    const tenants = parsePlatformConfig(readStackConfig(projectDir, stack).config, "platform", undefined, projectDir).tenants.all.map((t) => t.name);
    const cpu = process.cpuUsage();
    let evaluateMs = 0;
    let policiesMs = 0;
    let resources = 0;
    for (const tenant of tenants) {
        const t0 = performance.now();
        const plan = await planTenantStack({ platform, tenant, platformStackFile: file });
        const t1 = performance.now();
        const violations = await checkPolicies(plan);
        const contracts = chartContractReport(plan.resources, path.join(PROJECT_DIR, "test", "fixtures", "charts"), PROJECT_DIR);
        policiesMs += performance.now() - t1;
        evaluateMs += t1 - t0;
        if (violations.length > 0) throw new Error(`${plan.stack}: ${violations.map((v) => v.message).join("; ")}`);
        if (contracts.problems.length > 0) throw new Error(`${plan.stack}: chart contracts: ${contracts.problems.join("; ")}`);
        resources += plan.resources.filter((r) => r.custom).length;
    }
    const result = {
        tenantStacks: tenants.length,
        platformResources: platform.resources.filter((r) => r.custom).length,
        platformMs: Math.round(platformMs),
        tenantResources: resources,
        evaluateMs: Math.round(evaluateMs),
        policiesMs: Math.round(policiesMs),
        // CPU time of the tenant stacks (user and system): what the wall time is when the machine is shared.
        tenantCpuMs: Math.round(((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu))),
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(JSON.stringify(result));
}

main().catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
});
