// The offline plans of many tenant stacks at once: each on a worker thread of this process, as many threads as asked
// (`npm run tenant-stacks -- --plan --concurrency N`, `npm run bench`). A tenant stack's plan is independent of every
// other's (its own program, config and Pulumi runtime), and the SDK's runtime state is per module instance, so each
// thread runs stacks one after the other exactly as the one-thread loop did; threads only add cores.
import "./startup";
import * as path from "path";
import { availableParallelism } from "os";
import { isMainThread, parentPort, threadId, Worker, workerData } from "worker_threads";
import { Plan, planTenantStack, PROJECT_DIR } from "./engine";
import { checkPolicies, Violation } from "./policy-runner";
import { chartContractReport, ChartContractReport } from "./chart-contract";
import { tenantStackName } from "../stacks/tenant-stack-config";
import { filesUnchangedFromNowOn } from "./stack-files";

/** What a tenant stack's plan needs of its platform stack's plan (all a StackReference reads): plain data a thread can be given. */
export type PlatformOfTenants = Pick<Plan, "project" | "stack" | "outputs" | "secretOutputs">;

/** One tenant stack planned and checked as `npm run tenant-stacks -- --plan` checks it. */
export interface TenantStackCheck {
    readonly tenant: string;
    /** Its verdict line (tenantStackVerdict): resources, policies, chart contracts, or why it failed. */
    readonly line: string;
    readonly failed: boolean;
    /** Custom resources of its plan; 0 when the program failed. */
    readonly resources: number;
    /** The program's evaluation and the checks' time, on its thread. */
    readonly evaluateMs: number;
    readonly checksMs: number;
    /** The worker thread that planned it (worker_threads' threadId; 0 for the main thread). */
    readonly thread: number;
}

interface Job {
    readonly platform: PlatformOfTenants;
    readonly platformStackFile?: string;
}

/** Plans and checks one tenant stack in this thread: its policy pack and its releases against their pinned charts. */
export async function checkTenantStack(job: Job, tenant: string): Promise<TenantStackCheck> {
    const stack = tenantStackName(job.platform.stack, tenant);
    const t0 = performance.now();
    const plan = await planTenantStack({ platform: job.platform as Plan, tenant, platformStackFile: job.platformStackFile }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    const t1 = performance.now();
    const violations = plan instanceof Error ? [] : await checkPolicies(plan);
    const contracts = plan instanceof Error ? undefined : chartContractReport(plan.resources, path.join(PROJECT_DIR, "test", "fixtures", "charts"), PROJECT_DIR);
    const verdict = tenantStackVerdict(stack, plan, violations, contracts);
    const resources = plan instanceof Error ? 0 : plan.resources.filter((r) => r.custom).length;
    return { tenant, ...verdict, resources, evaluateMs: t1 - t0, checksMs: performance.now() - t1, thread: threadId };
}

/**
 * One offline-planned tenant stack's line, and whether it fails: its policy pack (as `pulumi preview --policy-pack`
 * runs it on that stack) and its releases against their pinned charts (the platform's plan checks only its own).
 */
export function tenantStackVerdict(stack: string, plan: Plan | Error, violations: readonly Violation[], contracts?: ChartContractReport): { line: string; failed: boolean } {
    if (plan instanceof Error) return { line: `${stack}: failed: ${plan.message}`, failed: true };
    const policies = violations.length === 0 ? "policies passed" : violations.map((v) => `${v.policy}: ${v.message}`).join("; ");
    const charts = !contracts
        ? []
        : [
              contracts.problems.length === 0 ? `chart contracts passed (${contracts.releases} releases)` : `chart contracts: ${contracts.problems.join("; ")}`,
              ...(contracts.noFixture.length > 0 ? [`no chart fixture: ${contracts.noFixture.join(", ")}`] : []),
          ];
    return { line: `${stack}: ${[`${plan.resources.filter((r) => r.custom).length} resources`, policies, ...charts].join(", ")}`, failed: violations.length > 0 || (contracts?.problems.length ?? 0) > 0 };
}

/** Threads by default: one per core, at most 4 (each loads the SDKs and the program again: about 55 MB a thread). */
export const DEFAULT_THREADS = Math.min(4, availableParallelism());

/**
 * Plans and checks every tenant on `threads` worker threads (each takes the next tenant when it is done with one),
 * reporting results in the tenants' order as they complete; results in the tenants' order. A failing stack is a
 * result, not a rejection; a thread that dies rejects, naming the tenant it was planning.
 */
export async function checkTenantStacks(
    a: Job & { readonly tenants: readonly string[]; readonly threads: number; readonly onResult?: (r: TenantStackCheck) => void },
): Promise<TenantStackCheck[]> {
    // onResult in the tenants' order, each as soon as it and every one before it is done.
    let reported = 0;
    const report = () => {
        // (The index moves outside the call: `a.onResult?.(...)` skips evaluating its arguments when there is no callback.)
        while (reported < a.tenants.length && results[reported] !== undefined) {
            const r = results[reported];
            reported++;
            a.onResult?.(r);
        }
    };
    if (!Number.isInteger(a.threads) || a.threads < 1) throw new Error(`threads ${a.threads}: expected a whole number of at least 1`);
    const results: TenantStackCheck[] = new Array(a.tenants.length);
    let next = 0;
    const job: Job = { platform: { project: a.platform.project, stack: a.platform.stack, outputs: a.platform.outputs, secretOutputs: a.platform.secretOutputs }, platformStackFile: a.platformStackFile };
    const thread = () =>
        new Promise<void>((resolve, reject) => {
            const worker = new Worker(__filename, { workerData: job });
            let current = -1;
            const give = () => {
                if (next >= a.tenants.length) return void worker.postMessage(null);
                current = next++;
                worker.postMessage(a.tenants[current]);
            };
            worker.on("message", (r: TenantStackCheck | "ready") => {
                if (r !== "ready") {
                    results[current] = r;
                    report();
                }
                give();
            });
            worker.on("error", (e) => reject(new Error(`tenant stack ${a.tenants[current] ?? "none"}: its thread failed: ${e.message}`)));
            worker.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`a tenant stack thread stopped with code ${code} (tenant ${a.tenants[current] ?? "none"})`))));
        });
    await Promise.all(Array.from({ length: Math.min(a.threads, a.tenants.length) }, thread));
    return results;
}

if (!isMainThread && parentPort) {
    // A batch plans the repository as it is when it begins: each file is read once by this thread.
    filesUnchangedFromNowOn();
    const port = parentPort;
    port.on("message", (tenant: string | null) => {
        if (tenant === null) return port.close();
        checkTenantStack(workerData as Job, tenant).then(
            (r) => port.postMessage(r),
            (e: unknown) => {
                throw e;
            },
        );
    });
    port.postMessage("ready");
}
