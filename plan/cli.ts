// npm run plan -- --stack dev [--json FILE] [--diff OTHER | --diff-file FILE] [--policy] [--exposure]
import * as fs from "fs";
import { parseArgs } from "util";
import { Plan, PlanError, planStack, planTenantStack, PROJECT_DIR } from "./engine";
import { tenantStackName } from "../stacks/tenant-stack-config";
import { tenantMove, TenantMove } from "./migration";
import { planTenantStacksOf } from "./tenant-stacks";
import { diffPlans, refusedMoves, refusedReplacements, renderDiff } from "./diff";
import { renderMermaid, renderSvg } from "./graph";
import { costDelta, costLines, fixtureChartDefaults, planRegion, planTenants, readPriceTable, renderCost, renderCostDelta } from "./cost";
import { renderOutputs, renderTree, renderVersions } from "./render";
import { renderExposure } from "./exposure";
import * as path from "path";
import { listStacks, readStackConfigOnce, resolveSets, sharedGithubApps, stackFileWith, StackFileError } from "./stack-files";
import { checkPolicies, renderViolations } from "./policy-runner";
import { mapStack } from "./stack-trace";
import { chartContractReport, renderChartContracts } from "./chart-contract";
import { checkContractStack } from "./contract-stack";

const USAGE = `usage: npm run plan -- --stack <name> [--tenant <tenant>] [--json FILE] [--diff OTHER_STACK | --diff-file SAVED_PLAN.json] [--policy] [--exposure]

Evaluates the program for Pulumi.<name>.yaml offline (Pulumi mock runtime, no cloud, no CLI) and prints
the component tree with resource counts and the stack outputs (secrets masked).
  --tenant NAME      plan the tenant stack of NAME (the tenant/ project, stack <name>.<tenant>) instead: on the
                     outputs of this platform stack's own offline plan, with tenants.placement OwnStacks
  --platform-plan FILE  with --tenant: the platform's outputs from a saved plan of it (--json, with OwnStacks) instead
                     of planning it again; a --set then changes only what the tenant stack reads from the stack file:
                     its own entry, or a setting, which the tenant stack refuses as the platform's stale settings
                     (tenantStack.settingsDigest) until the platform is planned with it too
  --migration        with --tenant: the pulumi state move that takes the tenant out of this platform stack as it
                     was with tenants.placement PlatformStack (its tenants in it), and whether the tenant stack finds
                     every moved resource (exit 1 if not)
  --json FILE        also write the full plan (every resource, its inputs and options) to FILE
  --diff OTHER       list what changes going from stack OTHER to this stack
  --diff-file FILE   list what changes going from a saved plan (--json) to this stack
  --timings FILE     write the run's phase timings and peak memory as JSON (npm run bench:plan reads it)
  --policy           print only the policy pack's verdict (exit 1 on a mandatory violation)
  --exposure         print what the internet-facing gateway publishes (hostname, path, backend, what authenticates
                     it) as a Markdown table, then the policy verdict
  --cost             print the monthly floor cost by layer (on-demand prices of plan/prices.json, each with its source's
                     status; usage and tenants listed apart), the stack file's tenant stacks (OwnStacks) planned
                     on this plan and priced with it; with --diff/--diff-file also the monthly delta (--json with
                     --cost saves the tenant stacks' plans too, for a later --diff-file)
  --chart-fixtures DIR  read the pinned charts' values from DIR (<chart>-<version>/values.yaml) instead of
                     test/fixtures/charts: e.g. a chart bump's new values before they are committed
  --graph FILE.mmd|FILE.svg  write the layers and their dependencies: Mermaid text, or an SVG picture (Graphviz)
  --set KEY=VALUE    override one config key for this run (VALUE as Pulumi stores it: text or JSON),
                     or one leaf of a structured key by its dotted path, the rest kept:
                     --set platform:network.natGateways=OnePerAz --set platform:cluster.karpenter.cpuLimit=128`;

/** The command line on `argv`: prints as it goes and returns the exit status (the tests run it in their own process too). */
export async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                tenant: { type: "string" },
                migration: { type: "boolean" },
                "platform-plan": { type: "string" },
                json: { type: "string" },
                diff: { type: "string" },
                "diff-file": { type: "string" },
                set: { type: "string", multiple: true },
                timings: { type: "string" },
                policy: { type: "boolean" },
                exposure: { type: "boolean" },
                graph: { type: "string" },
                cost: { type: "boolean" },
                "chart-fixtures": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }).values;
    } catch (e) {
        console.error(`${(e as Error).message}\n\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        console.log(USAGE);
        return 0;
    }
    if (!args.stack) {
        console.error(`--stack is required (stacks: ${listStacks(PROJECT_DIR).join(", ")})\n\n${USAGE}`);
        return 2;
    }
    if (args["platform-plan"] && (!args.tenant || args.migration)) {
        console.error("--platform-plan stands for the platform under one tenant stack: use it with --tenant (not --migration)");
        return 2;
    }
    if (args.migration && !args.tenant) {
        console.error("--migration moves one tenant: name it with --tenant");
        return 2;
    }
    if (args.tenant && args.diff) {
        console.error("--tenant plans one tenant stack: compare it with --diff-file (a saved plan of it), not --diff");
        return 2;
    }
    if (args.diff && args["diff-file"]) {
        console.error("use either --diff or --diff-file, not both");
        return 2;
    }
    if (args.graph && !/\.(mmd|svg)$/.test(args.graph)) {
        console.error(`--graph ${args.graph}: expected a .mmd file (Mermaid text) or a .svg file (a picture)`);
        return 2;
    }

    // Where the plan will be written must exist before a plan is spent on it.
    for (const [option, file] of [["--json", args.json], ["--timings", args.timings], ["--graph", args.graph]] as const) {
        if (file && !fs.existsSync(path.dirname(path.resolve(file)))) {
            console.error(`${option} ${file}: directory ${path.dirname(path.resolve(file))} does not exist`);
            return 1;
        }
    }

    const configOverrides: Record<string, string> = {};
    // The platform before the move (its tenants in it, PlatformStack), for --migration.
    const asIs: Record<string, string> = {};
    try {
        // A tenant stack reads a platform that no longer creates its tenants (it refuses one that does).
        const sets = [...(args.set ?? []), ...(args.tenant ? ["platform:tenants.placement=OwnStacks"] : [])];
        // Read once per process (sharedGithubApps and a tenant stack's settings read the same file).
        const cfg = readStackConfigOnce(PROJECT_DIR, args.stack);
        for (const set of resolveSets(cfg, sets)) {
            configOverrides[set.key] = set.value;
            console.error(`overriding ${set.path}`);
        }
        if (args.migration) for (const set of resolveSets(cfg, [...(args.set ?? []), "platform:tenants.placement=PlatformStack"])) asIs[set.key] = set.value;
    } catch (e) {
        console.error((e as Error).message);
        return e instanceof StackFileError ? 1 : 2;
    }

    // Across stack files: one GitHub App per environment.
    const shared = sharedGithubApps(PROJECT_DIR, args.stack);
    if (shared.length > 0) {
        for (const m of shared) console.error(m);
        return 1;
    }

    const loaded = performance.now();
    let plan: Plan;
    let base: Plan | undefined;
    let move: TenantMove | undefined;
    try {
        // A saved plan of the platform (--json) stands for its outputs: a tenant stack alone, without planning the platform.
        plan = args["platform-plan"] ? readSavedPlan(args["platform-plan"], args.stack) : await planStack({ stack: args.stack, configOverrides });
        if (args.tenant) {
            console.error(`planning tenant stack ${tenantStackName(args.stack, args.tenant)} on the outputs of ${args.stack}'s plan`);
            // With --set, the tenant stack reads its platform's stack file as `pulumi config set` would have left it.
            const dir = (args.set ?? []).length > 0 ? stackFileWith(PROJECT_DIR, args.stack, configOverrides) : undefined;
            try {
                plan = await planTenantStack({ platform: plan, tenant: args.tenant, platformStackFile: dir ? path.join(dir, `Pulumi.${args.stack}.yaml`) : undefined });
            } catch (e) {
                // A message names the stack file the user has, not the copy that is about to be removed.
                if (dir) for (const err of [e, (e as { cause?: unknown }).cause]) if (err instanceof Error) err.message = err.message.split(dir).join(PROJECT_DIR);
                throw e;
            } finally {
                if (dir) fs.rmSync(dir, { recursive: true, force: true });
            }
            if (args.migration) move = tenantMove(await planStack({ stack: args.stack, configOverrides: asIs }), plan, args.tenant);
        }
        if (args.diff) base = await planStack({ stack: args.diff });
    } catch (e) {
        // Configuration and stack-file errors are the user's: one message. A program error also gets its stack.
        const cause = e instanceof PlanError ? e.cause : e;
        const userError = e instanceof StackFileError || (cause instanceof Error && (cause.name === "ConfigError" || cause.name === "StackFileError"));
        console.error(`plan failed: ${userError || !(cause instanceof Error) ? (e as Error).message : mapStack(cause.stack ?? (e as Error).message)}`);
        return 1;
    }
    if (args["diff-file"]) {
        try {
            base = JSON.parse(fs.readFileSync(args["diff-file"], "utf8")) as Plan;
            if (!Array.isArray(base.resources)) throw new Error("no resources list");
        } catch (e) {
            console.error(`--diff-file ${args["diff-file"]}: not a saved plan (${(e as Error).message})`);
            return 2;
        }
    }

    // --cost prices what the stack file deploys: its platform stack and, with OwnStacks, each tenant stack, planned on
    // the platform plan's outputs as `npm run tenant-stacks -- --plan` plans them (their lines are the tenants').
    let tenantStacks: Plan[] = [];
    let baseTenantStacks: Plan[] = [];
    if (args.cost && !args.tenant) {
        try {
            tenantStacks = await planTenantStacksOf(args.stack, plan, configOverrides);
            if (base && args.diff) baseTenantStacks = await planTenantStacksOf(args.diff, base);
        } catch (e) {
            console.error(`plan failed: a tenant stack of ${args.stack}: ${(e as Error).message}`);
            return 1;
        }
    }
    // A saved plan (--json, planned with --cost) carries them, for a later --cost --diff-file. One without them (saved
    // without --cost, or by an older CLI) says nothing of its tenant stacks: compare the platform stacks alone.
    let tenantStacksCompared = true;
    if (base && args["diff-file"]) {
        const saved = (base as SavedPlan).tenantStacks;
        if (saved === undefined && tenantStacks.length > 0) tenantStacksCompared = false;
        baseTenantStacks = saved ?? [];
    }

    const evaluated = performance.now();
    const violations = await checkPolicies(plan);
    // Every chart release against its pinned chart (test/fixtures/charts), the same report the tests assert on.
    const contracts = chartContractReport(plan.resources, args["chart-fixtures"] ?? path.join(PROJECT_DIR, "test", "fixtures", "charts"), PROJECT_DIR);
    // The contract stack application teams read, on this plan's outputs (a tenant stack has none; --policy is the pack alone).
    const contractStack = args.tenant || args.policy ? undefined : await checkContractStack(plan);
    const checked = performance.now();
    // --policy: the policy pack's verdict alone (the same rules `pulumi preview --policy-pack policy` runs).
    // --exposure: the public surface instead of the tree, with the verdict (which includes the exposure rule's).
    if (args.exposure) console.log(`${renderExposure(plan)}\n`);
    else if (!args.policy) {
        console.log(renderTree(plan));
        console.log(renderOutputs(plan));
        console.log(`\n${renderVersions(plan)}\n`);
    }
    console.log(renderViolations(violations));
    if (!args.policy) console.log(renderChartContracts(contracts));
    const diff = base ? diffPlans(base, plan) : undefined;
    if (diff) console.log(`\n${renderDiff(diff)}`);
    // After the diff: the pull-request comment keeps the diff and what follows it.
    if (contractStack) console.log(`${diff ? "\n" : ""}${contractStack.line[0].toUpperCase()}${contractStack.line.slice(1)}`);
    if (args.cost) {
        const table = readPriceTable();
        const defaults = fixtureChartDefaults(args["chart-fixtures"]);
        const region = planRegion(plan) ?? "unknown";
        const deployed = withStacks(plan, tenantStacks);
        const lines = costLines(deployed, region, table, defaults);
        console.log(`\n${renderCost(lines, { stack: args.stack, region, table, tenants: planTenants(deployed) })}`);
        if (base) {
            const baseLines = costLines(withStacks(base, baseTenantStacks), planRegion(base) ?? "unknown", table, defaults);
            const nowLines = tenantStacksCompared ? lines : costLines(plan, region, table, defaults);
            if (!tenantStacksCompared) console.log(`\n${args["diff-file"]} carries no tenant stacks (saved without --cost): the change below is the platform stack's alone`);
            console.log(`\n${renderCostDelta(costDelta(baseLines, nowLines), { from: args.diff ?? args["diff-file"]!, to: args.stack })}`);
        }
    }
    if (args.graph) {
        fs.writeFileSync(args.graph, args.graph.endsWith(".svg") ? await renderSvg(plan) : renderMermaid(plan));
        console.log(`\nLayer graph written to ${args.graph}`);
    }
    if (args.json) {
        const saved: SavedPlan = tenantStacks.length > 0 ? { ...plan, tenantStacks } : plan;
        fs.writeFileSync(args.json, `${JSON.stringify(saved, null, 2)}\n`);
        console.log(`\nFull plan written to ${args.json}`);
    }
    if (args.timings) {
        const timings = {
            stack: plan.stack,
            resources: plan.resources.filter((r) => r.custom).length,
            registrations: plan.resources.length,
            // From process start: runtime start-up and the CLI's own modules.
            loadMs: Math.round(loaded),
            // The program's modules (@pulumi/aws, the components) and its evaluation on the mock runtime.
            evaluateMs: Math.round(evaluated - loaded),
            policiesMs: Math.round(checked - evaluated),
            renderMs: Math.round(performance.now() - checked),
            maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        };
        fs.writeFileSync(args.timings, JSON.stringify(timings));
    }
    // A replacement or a namespace move is refused only in a change of one stack (its saved plan); two stacks compared
    // (--diff, or a saved plan of another stack) differ by design, and that is no migration.
    const migration = diff !== undefined && base?.stack === plan.stack;
    const refused = migration ? refusedReplacements(diff) : [];
    for (const r of refused) {
        console.error(
            r.rejectedBy.length > 0
                ? `refused: ${r.type} ${r.name}: AWS rejects changing ${r.rejectedBy.join("; ")}`
                : `refused: ${r.type} ${r.name} would be replaced (${r.replacedBy.join(", ")} changed); it must never be replaced by a stack change`,
        );
    }
    const moves = migration ? refusedMoves(diff) : [];
    for (const m of moves) console.error(`refused: namespace ${m.objectName} would be deleted and created empty (${m.from} -> ${m.to}); a renamed tenant needs previousName`);
    if (move) {
        console.log(`\nMove the tenant's state (${move.moved.length} resources), then pulumi up both stacks:\n  ${move.command}`);
        for (const u of move.orphaned) console.error(`refused: ${u} is moved but the tenant stack has no resource or alias for it (it would be deleted)`);
        for (const u of move.created) console.error(`refused: ${u} answers to no moved resource (it would be created anew)`);
        for (const u of move.providerChanges) console.error(`refused: ${u}: its provider's configuration changes with the move (the provider may replace it)`);
    }
    const unmoved = (move?.orphaned.length ?? 0) + (move?.created.length ?? 0) + (move?.providerChanges.length ?? 0) > 0;
    // Mandatory policies fail the plan, as they fail `pulumi preview --policy-pack policy`.
    // A chart contract problem fails the plan too (--policy gives the policy pack's verdict alone).
    const broken = (!args.policy && contracts.problems.length > 0) || contractStack?.failed === true;
    return violations.some((v) => v.enforcementLevel === "mandatory") || refused.length > 0 || moves.length > 0 || broken || unmoved ? 1 : 0;
}

/** A plan as --json saves it: with --cost, also the stack file's tenant stacks' plans. */
type SavedPlan = Plan & { readonly tenantStacks?: Plan[] };

/** The platform plan's resources and its tenant stacks' together (what the cost report prices). */
const withStacks = (plan: Plan, stacks: readonly Plan[]): Pick<Plan, "resources"> => ({ resources: [...plan.resources, ...stacks.flatMap((p) => p.resources)] });

/** A plan saved with --json, of `stack` (a StackFileError otherwise: the user's mistake, one message). */
function readSavedPlan(file: string, stack: string): Plan {
    let saved: Plan;
    try {
        saved = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
    } catch (e) {
        throw new StackFileError(`--platform-plan ${file}: not a saved plan (${(e as Error).message})`);
    }
    if (saved.stack !== stack || typeof saved.outputs !== "object") throw new StackFileError(`--platform-plan ${file}: not a saved plan of ${stack} (its stack: ${JSON.stringify(saved.stack)})`);
    return saved;
}

/** Runs the command line and exits with its status: `node bin/plan/cli.js` and `npm run plan` (scripts/plan.mjs). */
export function run(argv: string[]): void {
    main(argv).then(
        (code) => process.exit(code),
        (e) => {
            process.setSourceMapsEnabled(true);
            console.error(e);
            process.exit(1);
        },
    );
}

if (require.main === module) run(process.argv.slice(2));
