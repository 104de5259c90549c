// Each committed stack file's plans (its platform stack's and its tenant stacks'), evaluated once per test run and shared
// by every test that reads them.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COMPILED, Plan, PlannedResource, PlanOptions, planStack, planTenantStack, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig, stackFileWith } from "../plan/stack-files";
import { ownTenantStacks } from "../plan/tenant-stacks";
import { named, within } from "./helpers";
import { deepFreeze } from "./fixture-cache";

const PLANS = Symbol.for("platform.test.committedPlans");

/**
 * Per process, not per module instance: each plan forgets the compiled modules under bin/ (test helpers among them,
 * plan/engine.ts purgeProgramModules), so the next test file loads a fresh copy of this one, which must find the plans.
 */
interface Shared {
    readonly plans: Map<string, Promise<Plan>>;
    readonly deployed: Map<string, Promise<DeployedSet>>;
    /** Under Stryker, the mutant the cached plans were built with. */
    mutant?: string;
}
const shared: Shared = ((globalThis as { [PLANS]?: Shared })[PLANS] ??= { plans: new Map(), deployed: new Map() });
const cache = shared.plans;

/**
 * Under Stryker: false in the dry run (no cache, so each test or hook that reads a plan is credited with the code it
 * runs); in a mutant's run, the caches hold that mutant's plans only (a plan cached across mutants would never see them).
 */
function cacheable(): boolean {
    const mutation = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__;
    if (!mutation) return true;
    if (mutation.activeMutant === undefined) return false;
    if (mutation.activeMutant !== shared.mutant) {
        cache.clear();
        shared.deployed.clear();
    }
    shared.mutant = mutation.activeMutant;
    return true;
}

/**
 * The plan of `Pulumi.<stack>.yaml`'s platform stack alone, as committed; frozen, so a test cannot change what the
 * others read. What Pulumi previews for the platform stack: policy packs, diffs and the platform's own counts read it.
 */
export function platformPlan(stack: string): Promise<Plan> {
    if (!cacheable()) return planStack({ stack }).then(deepFreeze);
    let plan = cache.get(stack);
    if (!plan) {
        plan = planStack({ stack }).then(deepFreeze);
        cache.set(stack, plan);
    }
    return plan;
}

/**
 * What a stack file deploys: its platform stack and, with `tenants.placement: OwnStacks`, one stack per tenant (the
 * tenant/ project, planned on the platform plan's outputs as `npm run tenant-stacks -- --plan` does). `plan` is all of
 * them as one plan (the platform's resources, then each tenant stack's, in the tenants' order): what the cluster and
 * the account hold once every stack is up, which the attack catalogue, the evaluators and the whole-platform tests read.
 * CrossGuard runs per stack: policy checks read `stacks`.
 */
export interface DeployedSet {
    readonly platform: Plan;
    /** The tenant stacks' plans (none with PlatformStack: the platform's plan holds its tenants). */
    readonly tenants: readonly Plan[];
    /** The platform stack, then each tenant stack. */
    readonly stacks: readonly Plan[];
    /** Every stack's resources together; the platform's project, stack and outputs. */
    readonly plan: Plan;
}

/** The tenants a stack file gives stacks of their own (its tenants with OwnStacks; none with PlatformStack). */
export const tenantStacksOf = (stack: string): string[] => ownTenantStacks(PROJECT_DIR, stack);

/** The deployed set of `Pulumi.<stack>.yaml` as committed (the platform plan from platformPlan's cache); frozen. */
export function deployedSet(stack: string): Promise<DeployedSet> {
    const evaluate = async (): Promise<DeployedSet> => {
        const platform = await platformPlan(stack);
        const tenants: Plan[] = [];
        for (const tenant of tenantStacksOf(stack)) tenants.push(deepFreeze(await planTenantStack({ platform, tenant })));
        const stacks = [platform, ...tenants];
        const plan: Plan = { ...platform, resources: stacks.flatMap((p) => p.resources), elapsedMs: stacks.reduce((t, p) => t + p.elapsedMs, 0) };
        return deepFreeze({ platform, tenants, stacks, plan });
    };
    if (!cacheable()) return evaluate();
    let set = shared.deployed.get(stack);
    if (!set) {
        set = evaluate();
        shared.deployed.set(stack, set);
    }
    return set;
}

/**
 * The deployed set of `Pulumi.<stack>.yaml` after `pulumi config set` of some platform keys in the stack file (values
 * as `--set` takes them: JSON, or a plain string): the platform planned with them, then each tenant stack on that plan,
 * reading a copy of the stack file that has them (a tenant stack takes the platform's settings from its stack file, as
 * `platformStackFile` names it). Not cached.
 */
export async function deployedSetWith(stack: string, keys: Record<string, string>, cloud?: PlanOptions["cloud"]): Promise<DeployedSet> {
    // `cloud`: what the platform's fake cloud holds (a tenant stack reads the account and the rest from its outputs).
    const platform = await planStack({ stack, configOverrides: keys, cloud });
    const dir = stackFileWith(PROJECT_DIR, stack, keys);
    try {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        // Its tenant stacks as the changed file has them (a tenant added or removed there).
        const tenants: Plan[] = [];
        for (const tenant of ownTenantStacks(dir, stack)) tenants.push(await planTenantStack({ platform, tenant, platformStackFile: file }));
        const stacks = [platform, ...tenants];
        return { platform, tenants, stacks, plan: { ...platform, resources: stacks.flatMap((p) => p.resources), elapsedMs: stacks.reduce((t, p) => t + p.elapsedMs, 0) } };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * The committed plan of `Pulumi.<stack>.yaml`: every resource it deploys, its platform stack's and its tenant stacks',
 * as one plan (deployedSet), whichever the placement. What the tests of the platform as a whole read.
 */
export const committedPlan = (stack: string): Promise<Plan> => deployedSet(stack).then((d) => d.plan);

/**
 * A layer's resources in a deployed set: everything under the platform stack's component `component`, and under each
 * tenant stack's component that an alias places there (its Tenant under platform-tenants, its TenantDelivery under
 * platform-delivery: where each sat with PlatformStack, and where the migration moves it from).
 */
export function layerResources(set: Pick<DeployedSet, "platform" | "tenants">, component: string): PlannedResource[] {
    const movedHere = (r: PlannedResource) => (r.aliases as { spec?: { parenturn?: string } }[]).some((a) => a.spec?.parenturn?.endsWith(`::${component}`) === true);
    return [...within(set.platform.resources, component), ...set.tenants.flatMap((t) => t.resources.filter(movedHere).flatMap((r) => within(t.resources, r.name)))];
}

/** Whether `r` is one of the platform stack's resources (a tenant stack's URNs name its own stack and project). */
export const inPlatformStack = (set: Pick<DeployedSet, "platform">, r: PlannedResource): boolean => r.urn.startsWith(`urn:pulumi:${set.platform.stack}::${set.platform.project}::`);

/**
 * Whether a deployed set creates `r` after `first`: `r` depends on it (dependsOn) in one stack, or `r` is a tenant
 * stack's, `first` the platform's, and `r` waits for the platform's StackReference, itself or through its provider's
 * inputs (a tenant stack reads the outputs of the platform's last update, which exist once every one of its resources
 * does; a resource is registered once its provider exists).
 */
export function waitsFor(set: Pick<DeployedSet, "platform" | "plan">, r: PlannedResource, first: PlannedResource): boolean {
    if (r.dependsOn.includes(first.urn)) return true;
    if (inPlatformStack(set, r) || !inPlatformStack(set, first)) return false;
    const provider = r.provider ? set.plan.resources.find((p) => p.urn === r.provider) : undefined;
    return [...r.dependencies, ...(provider?.dependencies ?? [])].some((u) => u.endsWith("$pulumi:pulumi:StackReference::platform"));
}

/** What a per-stack suite reads: its stack, whether it is the production example, the plan and one component's resources. */
export interface StackSuite {
    readonly stack: "dev" | "prod";
    readonly production: boolean;
    plan(): Plan;
    /** Resources of the component named in `describeStacks` (itself and everything below it, in every stack: layerResources). */
    res(): PlannedResource[];
    /** The deployed set: its platform stack's plan and each tenant stack's. */
    set(): DeployedSet;
}

/** One `@stack` suite per committed example stack, over its deployed set (committedPlan) and one component's resources. */
export function describeStacks(title: (stack: string) => string, component: string, body: (s: StackSuite) => void): void {
    for (const stack of ["dev", "prod"] as const) {
        describe(`${title(stack)} @stack`, function () {
            this.timeout(60000);
            let plan: Plan;
            let res: PlannedResource[];
            let set: DeployedSet;
            before(async () => {
                set = await deployedSet(stack);
                plan = set.plan;
                res = layerResources(set, component);
            });
            body({ stack, production: stack === "prod", plan: () => plan, res: () => res, set: () => set });
        });
    }
}

/** What a suite over one committed plan reads: the plan, a resource by name, its inputs and its URN. */
export interface PlanSuite {
    plan(): Plan;
    res(name: string): PlannedResource;
    the(name: string): Record<string, any>;
    urn(name: string): string;
}

/** One `@stack` suite over the deployed set of `stack` (committedPlan; the detail tests pin its resources in full). */
export function describePlan(title: string, stack: "dev" | "prod", body: (s: PlanSuite) => void): void {
    describe(`${title} @stack`, function () {
        this.timeout(120000);
        let plan: Plan;
        before(async () => {
            plan = await committedPlan(stack);
        });
        const res = (name: string) => named(plan.resources, name);
        body({ plan: () => plan, res, the: (name) => res(name).inputs as Record<string, any>, urn: (name) => res(name).urn });
    });
}

/** Stack files that onboard tenants (a stack from `npm run new-stack` starts with none): the tenant checks run on these. */
export function stacksWithTenants(): string[] {
    return listStacks(PROJECT_DIR).filter((stack) => {
        const tenants = JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:tenants"] ?? "{}") as { list?: unknown[]; directory?: string };
        return (tenants.list?.length ?? 0) > 0 || tenants.directory !== undefined;
    });
}

/** What a run of the plan command line gave: its exit status and everything it printed. */
export interface CliRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs the plan command line's `main` (plan/cli.ts, what `npm run plan` runs) in this process, with what it writes to
 * stdout and stderr captured: the same code on the same arguments, through this process's plan cache, without the
 * second or two a new process spends loading the program (the tests that check the binary's own exit and output use
 * planCli). An error `main` throws is reported as the binary reports it: on stderr, status 1.
 */
export async function runPlanCli(...args: string[]): Promise<CliRun> {
    const { main } = require("../plan/cli") as typeof import("../plan/cli");
    const out: string[] = [];
    const err: string[] = [];
    const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
    const capture = (into: string[]) =>
        function (chunk: string | Uint8Array, ...rest: unknown[]): boolean {
            into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
            const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
            if (done) process.nextTick(done);
            return true;
        };
    process.stdout.write = capture(out) as typeof process.stdout.write;
    process.stderr.write = capture(err) as typeof process.stderr.write;
    let status: number;
    try {
        status = await main(args);
    } catch (e) {
        console.error(e);
        status = 1;
    } finally {
        process.stdout.write = writes.stdout;
        process.stderr.write = writes.stderr;
    }
    return { status, stdout: out.join(""), stderr: err.join("") };
}

/**
 * Runs the plan command line (plan/cli.ts, what `npm run plan` runs) in a process of its own, with the tests' plan
 * cache loaded first (test/setup.ts): a stack planned before, by a test or an earlier run, is read back instead of
 * evaluated again (test/plan-cache.ts); the command line itself runs as it would.
 */
export function planCli(...args: string[]): SpawnSyncReturns<string> {
    const ext = path.extname(__filename);
    const loader = COMPILED ? [] : ["--import", "tsx"];
    return spawnSync(process.execPath, [...loader, "--require", path.join(__dirname, `setup${ext}`), path.join(__dirname, "..", "plan", `cli${ext}`), ...args], { encoding: "utf8", cwd: PROJECT_DIR });
}
