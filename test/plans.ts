// Each committed stack file's plan, evaluated once per test run and shared by every test that reads it.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as path from "path";
import { COMPILED, Plan, PlannedResource, planStack, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { named, within } from "./helpers";
import { deepFreeze } from "./fixture-cache";

const PLANS = Symbol.for("platform.test.committedPlans");

/**
 * Per process, not per module instance: each plan forgets the compiled modules under bin/ (test helpers among them,
 * plan/engine.ts purgeProgramModules), so the next test file loads a fresh copy of this one, which must find the plans.
 */
interface Shared {
    readonly plans: Map<string, Promise<Plan>>;
    /** Under Stryker, the mutant the cached plans were built with. */
    mutant?: string;
}
const shared: Shared = ((globalThis as { [PLANS]?: Shared })[PLANS] ??= { plans: new Map() });
const cache = shared.plans;

/** The plan of `Pulumi.<stack>.yaml` as committed; frozen, so a test cannot change what the others read. */
export function committedPlan(stack: string): Promise<Plan> {
    // Under Stryker: no cache in the dry run, so each test or hook that reads a plan is credited with the code it runs;
    // in a mutant's run, one plan per stack and mutant (a plan cached across mutants would never see them).
    const mutation = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__;
    if (mutation) {
        if (mutation.activeMutant === undefined) return planStack({ stack }).then(deepFreeze);
        if (mutation.activeMutant !== shared.mutant) cache.clear();
        shared.mutant = mutation.activeMutant;
    }
    let plan = cache.get(stack);
    if (!plan) {
        plan = planStack({ stack }).then(deepFreeze);
        cache.set(stack, plan);
    }
    return plan;
}

/** What a per-stack suite reads: its stack, whether it is the production example, the plan and one component's resources. */
export interface StackSuite {
    readonly stack: "dev" | "prod";
    readonly production: boolean;
    plan(): Plan;
    /** Resources of the component named in `describeStacks` (itself and everything below it). */
    res(): PlannedResource[];
}

/** One `@stack` suite per committed example stack, over the shared plan and one component's resources. */
export function describeStacks(title: (stack: string) => string, component: string, body: (s: StackSuite) => void): void {
    for (const stack of ["dev", "prod"] as const) {
        describe(`${title(stack)} @stack`, function () {
            this.timeout(60000);
            let plan: Plan;
            let res: PlannedResource[];
            before(async () => {
                plan = await committedPlan(stack);
                res = within(plan.resources, component);
            });
            body({ stack, production: stack === "prod", plan: () => plan, res: () => res });
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

/** One `@stack` suite over the committed plan of `stack` (the detail tests pin its resources in full). */
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
