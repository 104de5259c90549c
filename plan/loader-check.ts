// npm run check:loader -- --project platform|tenant|contract: each stack of a project run as Pulumi's Node.js language
// host runs it (plan/pulumi-loader.ts: its ts-node, compiler, tsconfig and type checking, in the project's directory,
// its own `main`), on the offline engine, for every stack file; then compared with the plan of this repository's
// compiled program. A program Pulumi would not compile (a type error under the project's tsconfig, or under ts-node's
// defaults where it has none) or that plans otherwise fails here, not at the first `pulumi preview`.
import "./startup";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual, parseArgs } from "util";
import { CONTRACT_PROJECT_DIR, loadProgramsAsPulumiDoes, Plan, planContractStack, planStack, planTenantStack, PROJECT_DIR, TENANT_PROJECT_DIR } from "./engine";
import { registerPulumiTypeScript } from "./pulumi-loader";
import { listStacks } from "./stack-files";
import { ownTenantStacks } from "./tenant-stacks";

const PROJECTS = { platform: PROJECT_DIR, tenant: TENANT_PROJECT_DIR, contract: CONTRACT_PROJECT_DIR } as const;
type Project = keyof typeof PROJECTS;

/** What must be the same in both runs of a stack: every registration as recorded (inputs, options, secrets), and the outputs. */
const comparable = (p: Plan) => ({ resources: p.resources, outputs: p.outputs, secretOutputs: p.secretOutputs });

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { project: { type: "string" } }, strict: true });
    const project = values.project as Project | undefined;
    if (!project || !(project in PROJECTS)) {
        console.error("usage: npm run check:loader -- --project platform|tenant|contract");
        return 2;
    }
    // Every stack of the project, planned from the compiled program first (the reference).
    const runs: { name: string; plan: () => Promise<Plan> }[] = [];
    for (const stack of listStacks(PROJECT_DIR)) {
        if (project === "platform") runs.push({ name: stack, plan: () => planStack({ stack }) });
        else {
            const platform = await planStack({ stack });
            if (project === "contract") runs.push({ name: stack, plan: () => planContractStack({ platform }) });
            else for (const tenant of ownTenantStacks(PROJECT_DIR, stack)) runs.push({ name: `${stack}.${tenant}`, plan: () => planTenantStack({ platform, tenant }) });
        }
    }
    if (runs.length === 0) {
        console.error(`${project}: no stack to run`);
        return 1;
    }
    const compiled: Plan[] = [];
    for (const r of runs) compiled.push(await r.plan());

    // A fresh ts-node cache (a first deployment's): a cached file skips its type check, whatever changed around it.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "ts-node-cache-"));
    process.env.TS_NODE_CACHE_DIRECTORY = cache;
    process.on("exit", () => fs.rmSync(cache, { recursive: true, force: true }));
    const options = registerPulumiTypeScript(PROJECTS[project]);
    loadProgramsAsPulumiDoes();
    const how = `${path.relative(PROJECT_DIR, options.project) || "tsconfig.json"}${options.skipProject ? " absent: ts-node's defaults" : ""}, target ${options.compilerOptions.target}, module ${options.compilerOptions.module}, ${options.transpileOnly ? "no type checking" : "type-checked"}, ts-node ${path.basename(options.tsnode)}`;
    console.log(`${project}/ as Pulumi's language host compiles it (${how})`);
    let failed = 0;
    for (const [i, r] of runs.entries()) {
        const started = Date.now();
        const plan = await r.plan().catch((e: unknown) => e as Error);
        const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
        if (plan instanceof Error) {
            failed++;
            console.log(`${r.name}: failed (${took}): ${plan.message}`);
        } else if (!isDeepStrictEqual(comparable(plan), comparable(compiled[i]))) {
            failed++;
            console.log(`${r.name}: plans otherwise than the compiled program (${plan.resources.length} registrations, compiled ${compiled[i].resources.length}) (${took})`);
        } else console.log(`${r.name}: ${plan.resources.filter((x) => x.custom).length} resources, as the compiled program plans them (${took})`);
    }
    return failed > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
