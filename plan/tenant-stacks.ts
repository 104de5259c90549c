// npm run tenant-stacks -- --stack prod (--plan | --preview | --up) [--tenant a,b | --changed-files FILE] [--base REF] [--concurrency 4] [--org acme]:
// every tenant stack of a platform stack file at once, or those a change concerns (FILE: `git diff --name-only`). --plan: the offline engine, in
// this process on `concurrency` threads (default one per core, at most 4). --preview / --up: Pulumi's Automation API (LocalWorkspace on tenant/, the policy pack), at most
// `concurrency` stacks at a time; one stack's failure stops none of the others. Needs the Pulumi CLI and credentials.
import "./startup";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { ConfigMap, PreviewResult, Stack, UpResult } from "@pulumi/pulumi/automation";
import { OFFLINE_ORGANIZATION, Plan, planStack, planTenantStack, PROJECT_DIR, TENANT_PROJECT_DIR } from "./engine";
import { checkTenantStacks, DEFAULT_THREADS } from "./tenant-stack-workers";
export { tenantStackVerdict } from "./tenant-stack-workers";
import { readStackConfig, stackFileWith } from "./stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { tenantStackConfig, tenantStackName } from "../stacks/tenant-stack-config";
import { changedTenantStacks, tenantFolder, tenantStackDeployments } from "../deployments/tenant-paths";
import { execFileSync } from "child_process";
import * as YAML from "yaml";

/** Runs `work` over `items` with at most `concurrency` in flight; results in the items' order, failures as values. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency ${concurrency}: expected a whole number of at least 1`);
    const results: PromiseSettledResult<R>[] = new Array(items.length);
    let next = 0;
    const lane = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]).then(
                (value): PromiseFulfilledResult<R> => ({ status: "fulfilled", value }),
                (reason: unknown): PromiseRejectedResult => ({ status: "rejected", reason }),
            );
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
    return results;
}

/** The tenants a stack file gives stacks of their own (its tenants with OwnStacks; none with PlatformStack). */
export function ownTenantStacks(projectDir: string, stack: string): string[] {
    const cfg = readStackConfig(projectDir, stack);
    const tenants = parsePlatformConfig(cfg.config, cfg.project, undefined, PROJECT_DIR).tenants;
    return tenants.placement === "OwnStacks" ? tenants.all.map((t) => t.name) : [];
}

/**
 * The tenant stacks of `Pulumi.<stack>.yaml` planned offline on its platform stack's plan (what `--plan` below does):
 * one per tenant with `tenants.placement: OwnStacks`, none with PlatformStack (the platform's plan holds its tenants).
 */
export async function planTenantStacksOf(stack: string, platform: Plan, overrides: Readonly<Record<string, string>> = {}): Promise<Plan[]> {
    // The placement the platform was planned with (a --set may have changed the file's).
    if ((platform.outputs as { tenantStack?: { placement?: string } }).tenantStack?.placement !== "OwnStacks") return [];
    // With overrides (--set), the tenant stacks read the stack file as `pulumi config set` would have left it.
    const dir = Object.keys(overrides).length > 0 ? stackFileWith(PROJECT_DIR, stack, overrides) : undefined;
    try {
        const plans: Plan[] = [];
        const platformStackFile = dir ? path.join(dir, `Pulumi.${stack}.yaml`) : undefined;
        for (const tenant of ownTenantStacks(dir ?? PROJECT_DIR, stack)) plans.push(await planTenantStack({ platform, tenant, platformStackFile }));
        return plans;
    } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** One tenant stack to run: its fully qualified name and the config `pulumi config set` would write. */
export interface TenantStackRun {
    readonly tenant: string;
    /** `<org>/platform-tenant/<stack>.<tenant>` */
    readonly stack: string;
    readonly config: Record<string, string>;
}

/** The tenant stacks of a platform stack (its stack file `Pulumi.<stack>.yaml`, read relative to the tenant project). */
export function tenantStackRuns(a: { readonly organization: string; readonly platformProject: string; readonly platformStack: string; readonly tenants: readonly string[] }): TenantStackRun[] {
    return a.tenants.map((tenant) => ({
        tenant,
        stack: `${a.organization}/platform-tenant/${tenantStackName(a.platformStack, tenant)}`,
        config: tenantStackConfig({ platformStack: `${a.organization}/${a.platformProject}/${a.platformStack}`, platformStackFile: `../Pulumi.${a.platformStack}.yaml`, tenant }),
    }));
}

/** What the runner needs of a stack (the Automation API's Stack): its config, and the operation. */
export type TenantStackHandle = Pick<Stack, "setAllConfig" | "preview" | "up">;
/** Opens a stack of the tenant project (LocalWorkspace.createOrSelectStack, or a fake in tests). */
export type OpenStack = (stack: string) => Promise<TenantStackHandle>;

/** Previews or updates every run's stack, at most `concurrency` at a time, each with the policy pack. */
export function runTenantStacks(
    runs: readonly TenantStackRun[],
    a: { readonly operation: "preview" | "up"; readonly concurrency: number; readonly open: OpenStack; readonly policyPack: string; readonly onOutput?: (stack: string, line: string) => void },
): Promise<PromiseSettledResult<PreviewResult | UpResult>[]> {
    // One stack opened at a time: createOrSelectStack runs `pulumi stack select` in tenant/, which rewrites the
    // project's workspace file, and concurrent selects corrupt it (pulumi/pulumi#8186, #6287). Operations name their
    // stack (--stack) and run `concurrency` at once.
    let opening: Promise<unknown> = Promise.resolve();
    const openOneAtATime = (name: string) => {
        const opened = opening.then(() => a.open(name));
        opening = opened.catch(() => undefined);
        return opened;
    };
    return pool(runs, a.concurrency, async (run) => {
        const stack = await openOneAtATime(run.stack);
        // Namespaced keys (`platform-tenant:tenant`), as `pulumi config set-all` takes them.
        const config: ConfigMap = Object.fromEntries(Object.entries(run.config).map(([k, value]) => [k, { value }]));
        await stack.setAllConfig(config);
        const opts = { policyPacks: [a.policyPack], onOutput: (out: string) => a.onOutput?.(run.stack, out) };
        return a.operation === "preview" ? stack.preview(opts) : stack.up(opts);
    });
}

/**
 * The tenants of a platform stack file whose stacks a change concerns (changed files from the repository's root, the
 * paths Deployments previews them on), or why there are none to run: with PlatformStack no tenant has a stack (the
 * platform stack's own plan holds its tenants).
 */
export function tenantStacksChanged(stack: string, tenants: Parameters<typeof tenantStackDeployments>[1], changed: readonly string[]): string[] | string {
    if (tenants.placement !== "OwnStacks") return `${stack}: no tenant stacks (tenants.placement ${tenants.placement}: the platform stack's plan holds its tenants)`;
    const chosen = changedTenantStacks(tenantStackDeployments({ stack, pushToDeploy: false }, tenants), changed).map((t) => t.tenant);
    return chosen.length > 0 ? chosen : `${stack}: the change concerns none of its tenant stacks`;
}

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            tenant: { type: "string" },
            "changed-files": { type: "string" },
            base: { type: "string" },
            plan: { type: "boolean" },
            preview: { type: "boolean" },
            up: { type: "boolean" },
            concurrency: { type: "string" },
            org: { type: "string", default: OFFLINE_ORGANIZATION },
        },
        strict: true,
    });
    const operations = (["plan", "preview", "up"] as const).filter((o) => values[o]);
    if (!values.stack || operations.length !== 1 || (values.tenant !== undefined && values["changed-files"] !== undefined)) {
        console.error("usage: npm run tenant-stacks -- --stack <platform stack> (--plan | --preview | --up) [--tenant a,b | --changed-files FILE] [--base REF] [--concurrency 4] [--org <org>]");
        return 2;
    }
    const config = readStackConfig(PROJECT_DIR, values.stack);
    const tenantsConfig = parsePlatformConfig(config.config, config.project, undefined, PROJECT_DIR).tenants;
    const all = tenantsConfig.all.map((t) => t.name);
    let wanted = values.tenant ? values.tenant.split(",") : all;
    if (values["changed-files"] !== undefined) {
        const chosen = tenantStacksChanged(values.stack, tenantsConfig, fs.readFileSync(values["changed-files"], "utf8").split("\n"));
        if (typeof chosen === "string") {
            console.log(chosen);
            return 0;
        }
        wanted = chosen;
    }
    const unknown = wanted.filter((t) => !all.includes(t));
    if (unknown.length > 0) {
        console.error(`--tenant: ${unknown.join(", ")} not among ${values.stack}'s tenants (${all.join(", ")})`);
        return 2;
    }
    if (operations[0] === "plan") {
        // A tenant stack refuses a platform that creates its tenants: plan the platform as it will run (OwnStacks).
        const tenants = JSON.parse(config.config[`${config.project}:tenants`] ?? "{}");
        const platform = await planStack({ stack: values.stack, configOverrides: { [`${config.project}:tenants`]: { ...tenants, placement: "OwnStacks" } } });
        const checks = await checkTenantStacks({ platform, tenants: wanted, threads: values.concurrency === undefined ? DEFAULT_THREADS : Number(values.concurrency), onResult: (r) => console.log(r.line) });
        const failed = checks.filter((c) => c.failed).length;
        return failed > 0 ? 1 : 0;
    }
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const operation = operations[0];
    const runs = tenantStackRuns({ organization: values.org!, platformProject: config.project, platformStack: values.stack, tenants: wanted });
    const results = await runTenantStacks(runs, {
        operation,
        concurrency: Number(values.concurrency ?? 4),
        // A preview (a pull request's) selects existing stacks only: its token needs no right to create stacks.
        open: (stackName) => (operation === "preview" ? LocalWorkspace.selectStack : LocalWorkspace.createOrSelectStack)({ stackName, workDir: TENANT_PROJECT_DIR }),
        policyPack: path.join(PROJECT_DIR, "policy"),
        onOutput: (stack, line) => process.stdout.write(line.replace(/^(?=.)/gm, `[${stack}] `)),
    });
    // A preview may skip a missing stack only for a tenant the target branch (--base) does not have yet.
    const existing = values.base === undefined ? undefined : tenantsOnRef(values.base, values.stack, config.project);
    const outcomes = results.map((r, i) => tenantStackOutcome(runs[i].stack, r, operation, existing !== undefined && !existing.has(runs[i].tenant)));
    for (const o of outcomes) console.log(o.line);
    return outcomes.some((o) => o.failed) ? 1 : 0;
}

/**
 * A tenant stack's line after --preview or --up, and whether it fails the run. A preview skips a stack that does not
 * exist yet (the Automation API's StackNotFoundError) of a tenant `isNew` to the change: a pull request creates no
 * stack, and the workflow's offline plan of that tenant stack is its preview until the platform team creates it for
 * its first `up`. Any other tenant's missing stack fails (Pulumi Cloud answers 404 for a stack deleted by mistake or
 * one the token may not see, too).
 */
export function tenantStackOutcome(stack: string, r: PromiseSettledResult<unknown>, operation: "preview" | "up", isNew = false): { line: string; failed: boolean } {
    if (r.status === "fulfilled") return { line: `${stack}: done`, failed: false };
    const e = r.reason as Error | undefined;
    if (operation === "preview" && isNew && e?.name === "StackNotFoundError") return { line: `${stack}: no stack yet, not previewed (created before its first up; its offline plan is in the plan job)`, failed: false };
    // A CLI failure's message starts with its exit code: its stderr says why.
    const why = (e as { commandResult?: { stderr?: string } } | undefined)?.commandResult?.stderr?.trim() || String(e?.message ?? e);
    return { line: `${stack}: failed: ${why.split("\n")[0]}`, failed: true };
}

/**
 * The tenants a platform stack file has at a git revision (its list entries' names and its folder's file names, as
 * `git show` and `git ls-tree` read them, the folder relative to the repository's root): none when the file is not
 * there yet.
 */
export function tenantsOnRef(ref: string, stack: string, project: string, repoDir = PROJECT_DIR): Set<string> {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repoDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    // An unknown revision (not fetched, misspelt) must not make every tenant look new: fail, do not skip.
    try {
        git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
        throw new Error(`--base ${ref}: no such revision here (fetch it: the checkout needs the target branch)`);
    }
    let text: string;
    try {
        text = git("show", `${ref}:./Pulumi.${stack}.yaml`);
    } catch {
        // The stack file is new on this branch: all its tenants are.
        return new Set();
    }
    const tenants = (YAML.parse(text)?.config?.[`${project}:tenants`] ?? {}) as { list?: { name?: string }[]; directory?: string };
    const names = new Set((tenants.list ?? []).map((t) => t.name).filter((n): n is string => typeof n === "string"));
    if (tenants.directory !== undefined) {
        const dir = tenantFolder(tenants.directory);
        if (path.posix.isAbsolute(dir) || dir === ".." || dir.startsWith("../")) throw new Error(`Pulumi.${stack}.yaml at ${ref}: platform:tenants.directory ${tenants.directory} is outside the repository: git cannot say which tenants it had`);
        for (const file of git("ls-tree", "--name-only", ref, "--", `./${dir}/`).split("\n")) {
            const m = /([^/]+)\.ya?ml$/.exec(file);
            if (m) names.add(m[1]);
        }
    }
    return names;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
