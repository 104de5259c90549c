import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { COMPILED, Plan, PlannedResource, planStack, planTenantStack, PROJECT_DIR, secretInputs, TENANT_PROJECT_DIR } from "../plan/engine";
import { fakeSecretString } from "../plan/fakes";
import { readProject, readStackConfig, stackFileWith } from "../plan/stack-files";
import { checkPolicies } from "../plan/policy-runner";
import { controllerDependencyPolicy } from "../policy/rules/controllers";
import { kubernetesProviderPolicy, resourceTreePolicy } from "../policy/rules/invariants";
import { keyPolicyPrincipalsPolicy } from "../policy/rules/key-policies";
import { parsePlatformConfig } from "../stacks/config";
import { platformStackTenants, tenantSchema } from "../stacks/schema-tenants";
import { parseTenantStackConfig, tenantStackConfig, tenantStackConfigSchema, tenantStackName } from "../stacks/tenant-stack-config";
import { placementProblem } from "../components/tenants/platform-refs";
import { PLATFORM_STACK_PARENTS, tenantSignaturePolicySpec } from "../components/tenants/tenant-stack";
import { tenantSigners } from "../components/policy/admission-policies";
import { unconfinedWorkloadsIsolatedPolicy } from "../policy/rules/builders";
import { answeringUrns, childUrn, engineUrns, movedUrn, tenantMove } from "../plan/migration";
import { pool, runTenantStacks, TenantStackHandle, tenantsOnRef, tenantStackOutcome, tenantStackRuns, tenantStacksChanged, tenantStackVerdict } from "../plan/tenant-stacks";
import { chartContractReport } from "../plan/chart-contract";
import { assertDeclaresRequiredStrings, named, within } from "./helpers";
import { deployedSet, platformPlan, runPlanCli, stacksWithTenants, tenantStacksOf } from "./plans";
import { checkTenantStack, checkTenantStacks } from "../plan/tenant-stack-workers";

const NS = "platform-tenant";
const keys = (over: Record<string, string | undefined> = {}): Record<string, string> => {
    const raw: Record<string, string | undefined> = { ...tenantStackConfig({ platformStack: "acme/platform/dev", platformStackFile: "../Pulumi.dev.yaml", tenant: "team-a" }), ...over };
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => e[1] !== undefined));
};
const problems = (raw: Record<string, string>, projectDir = TENANT_PROJECT_DIR): string[] => {
    try {
        parseTenantStackConfig(raw, NS, projectDir);
    } catch (e) {
        return [...(e as { problems: string[] }).problems];
    }
    return [];
};

/** A scratch platform project: this Pulumi.yaml, Pulumi.dev.yaml with its tenants in a folder of files, and a tenant project beside it. */
function scratchPlatform(files: Record<string, string>): { dir: string; tenantDir: string; stackFile: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-stack-"));
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stack = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
    stack.config["platform:tenants"] = { directory: "tenants", placement: "OwnStacks" };
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify(stack));
    fs.mkdirSync(path.join(dir, "tenants"));
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "tenants", file), text);
    fs.mkdirSync(path.join(dir, "tenant"));
    return { dir, tenantDir: path.join(dir, "tenant"), stackFile: path.join(dir, "Pulumi.dev.yaml") };
}

describe("tenant stacks: decisions", () => {
    const t = (name: string) => tenantSchema.parse({ name, owners: ["alice"], costCentre: "CC" });

    it("the platform stack creates every tenant with PlatformStack and none with OwnStacks", () => {
        const all = [t("team-a"), t("payments")];
        assert.deepStrictEqual(platformStackTenants({ placement: "PlatformStack", all }).map((x) => x.name), ["team-a", "payments"]);
        assert.deepStrictEqual(platformStackTenants({ placement: "OwnStacks", all }), []);
    });

    it("a tenant stack refuses a platform that creates its tenants itself, and names the setting to change", () => {
        assert.strictEqual(placementProblem("acme/platform/dev", "OwnStacks"), undefined);
        assert.strictEqual(
            placementProblem("acme/platform/dev", "PlatformStack"),
            "acme/platform/dev: platform:tenants.placement is PlatformStack: the platform stack creates its tenants itself, and this stack would own the same objects; set OwnStacks there (after moving the tenant's state: docs/tenants.md) first",
        );
    });

    it("names a tenant stack after its platform stack and tenant, and configures it with the three keys", () => {
        assert.strictEqual(tenantStackName("prod", "team-a"), "prod.team-a");
        assert.deepStrictEqual(tenantStackConfig({ platformStack: "acme/platform/prod", platformStackFile: "../Pulumi.prod.yaml", tenant: "team-a" }), {
            "platform-tenant:platformStack": "acme/platform/prod",
            "platform-tenant:platformStackFile": "../Pulumi.prod.yaml",
            "platform-tenant:tenant": "team-a",
        });
    });

    it("gives a tenant's own signature policy the one rule the shared policy held for it, under its own name", () => {
        const signers = { tenantKeys: [{ tenant: "team-a", keyAlias: "alias/acme-team-a-signing" }], tenantWorkflows: [] };
        const spec = tenantSignaturePolicySpec({ action: "Enforce", verifier: { type: "TenantKmsKeys" } } as never, ["r/*/apps:*"], "team-a", signers)!;
        assert.strictEqual(spec.metadata.name, "tenant-verify-image-signatures-team-a");
        assert.deepStrictEqual(spec.spec.rules.map((r) => [r.name, r.match.any[0].resources.namespaceSelector.matchLabels, r.verifyImages[0].attestors[0].entries[0]]), [
            ["signed-team-a", { "platform.io/namespace-role": "tenant", "platform.io/tenant": "team-a" }, { keys: { kms: "awskms:///alias/acme-team-a-signing", rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } } }],
        ]);
    });

    it("keyless: a tenant's own policy admits its own repositories' workflows, and there is none without a signing repository", () => {
        const keyless = { action: "Enforce", verifier: { type: "Keyless", issuer: "https://token.actions.githubusercontent.com", organizations: ["acme"], rekorUrl: "https://rekor.sigstore.dev" } } as never;
        const tenant = (signingRepositories: string[]) => ({ name: "team-a", ecrRepository: true, ci: { signingRepositories, signingRefs: ["refs/heads/main"] } });
        const signers = tenantSigners(keyless, [tenant(["acme/team-a-app"])], () => "alias/unused");
        const spec = tenantSignaturePolicySpec(keyless, ["r/*/apps:*"], "team-a", signers)!;
        assert.strictEqual(spec.metadata.name, "tenant-verify-image-signatures-team-a");
        assert.deepStrictEqual(spec.spec.rules.map((r) => [r.name, r.match.any[0].resources.namespaceSelector.matchLabels, r.verifyImages[0].attestors[0].entries]), [
            [
                "signed-team-a",
                { "platform.io/namespace-role": "tenant", "platform.io/tenant": "team-a" },
                [
                    {
                        keyless: {
                            issuer: "https://token.actions.githubusercontent.com",
                            subjectRegExp: "^https://github\\.com/acme/team-a-app/\\.github/workflows/[^/@]+@(?:refs/heads/main)$",
                            additionalExtensions: { githubWorkflowRepository: "acme/team-a-app" },
                            rekor: { url: "https://rekor.sigstore.dev" },
                        },
                    },
                ],
            ],
        ]);
        assert.deepStrictEqual(tenantSigners(keyless, [tenant([])], () => "alias/unused"), { tenantKeys: [], tenantWorkflows: [] });
        assert.strictEqual(tenantSignaturePolicySpec(keyless, ["r/*/apps:*"], "team-a", tenantSigners(keyless, [tenant([])], () => "alias/unused")), undefined);
    });

});

describe("tenant stacks: the whole-platform rules take the platform stack's prerequisites as in place, and only those", () => {
    type Opts = { parent?: string; deps?: string[]; provider?: string };
    const res = (type: string, name: string, inputs: Record<string, unknown> = {}, o: Opts = {}): PlannedResource => {
        const urn = `urn:pulumi:t::p::${type}::${name}`;
        const r = { urn, key: urn, type, name, custom: !type.startsWith("platform:"), parent: o.parent, provider: o.provider, protect: false, retainOnDelete: false };
        return { ...r, deleteBeforeReplace: false, dependsOn: o.deps ?? [], dependencies: o.deps ?? [], ignoreChanges: [], aliases: [], inputs, secretPaths: [] };
    };
    const run = async (policy: Parameters<typeof checkPolicies>[1], ...resources: PlannedResource[]) => (await checkPolicies({ resources }, policy)).map((v) => v.message);
    const root = res("platform:tenants:TenantStack", "tenant-a-stack", {}, { parent: "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t" });
    const provider = res("pulumi:providers:kubernetes", "tenant-a-stack-k8s", {}, { parent: root.urn });
    const namespace = (p: PlannedResource) => res("kubernetes:core/v1:Namespace", "ns", {}, { parent: root.urn, provider: p.urn });

    it("Kubernetes: the tenant stack's own provider needs no access grant in the stack (the platform's); another provider, or a stack with grants, still does", async () => {
        assert.deepStrictEqual(await run([kubernetesProviderPolicy], root, provider, namespace(provider)), []);
        assert.match((await run([kubernetesProviderPolicy], provider, namespace(provider)))[0], /does not wait for the cluster's access grants/);
        const stray = res("pulumi:providers:kubernetes", "stray-k8s");
        assert.deepStrictEqual(await run([kubernetesProviderPolicy], root, stray, namespace(stray)), ["provider stray-k8s is not the tenant stack's own (built from the platform's kubeconfig output)"]);
        const grant = res("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "grant");
        assert.match((await run([kubernetesProviderPolicy], root, grant, provider, namespace(provider)))[0], /does not wait for the cluster's access grants/);
    });

    it("controllers: an object of a controller the platform stack runs passes; one whose controller is in the tenant stack still depends on it", async () => {
        const project = res("kubernetes:argoproj.io/v1alpha1:AppProject", "project", {}, { parent: root.urn });
        assert.deepStrictEqual(await run([controllerDependencyPolicy], root, project), []);
        assert.match((await run([controllerDependencyPolicy], project))[0], /AppProject project does not depend on Argo CD/);
        const argo = res("kubernetes:helm.sh/v3:Release", "argocd", { chart: "argo-cd" }, { parent: root.urn });
        assert.match((await run([controllerDependencyPolicy], root, argo, project))[0], /AppProject project does not depend on Argo CD/);
    });

    it("key policies: a role the tenant stack does not create is the platform's; one it creates must still come first", async () => {
        const allow = (arn: string) => ({ Sid: "Use", Effect: "Allow", Principal: { AWS: arn }, Action: "kms:Sign", Resource: "*" });
        const key = (arn: string) => res("aws:kms/key:Key", "k", { policy: JSON.stringify({ Statement: [allow("arn:aws:iam::111111111111:root"), allow(arn)] }) }, { parent: root.urn });
        const platformRole = "arn:aws:iam::111111111111:role/platform-policy-signature-reader-role";
        assert.deepStrictEqual(await run([keyPolicyPrincipalsPolicy], root, key(platformRole)), []);
        assert.match((await run([keyPolicyPrincipalsPolicy], key(platformRole)))[0], /nor a role this program creates before the key/);
        const ownRole = res("aws:iam/role:Role", "tenant-a-runner-role", {}, { parent: root.urn });
        assert.match((await run([keyPolicyPrincipalsPolicy], root, ownRole, key("arn:aws:iam::111111111111:role/tenant-a-runner-role")))[0], /nor a role this program creates before the key/);
    });

    it("builders: the platform's builders' pool (its taint) is in place in a tenant stack only; no other pool is", async () => {
        const builder = (pool: string, toleration: Record<string, string>) =>
            res("kubernetes:helm.sh/v3:Release", "builder", {
                chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
                values: {
                    template: {
                        metadata: { labels: { "app.kubernetes.io/name": "ci-runner" } },
                        spec: {
                            nodeSelector: { "karpenter.sh/nodepool": pool },
                            tolerations: [toleration],
                            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { "app.kubernetes.io/name": "ci-runner" } }, topologyKey: "kubernetes.io/hostname" }] } },
                            initContainers: [{ name: "buildkitd", restartPolicy: "Always", securityContext: { seccompProfile: { type: "Unconfined" } }, args: ["--addr", "tcp://127.0.0.1:1234"] }],
                            containers: [{ name: "runner" }],
                        },
                    },
                },
            }, { parent: root.urn });
        const tolerates = { key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" };
        assert.deepStrictEqual(await run([unconfinedWorkloadsIsolatedPolicy], root, builder("builders", tolerates)), []);
        assert.deepStrictEqual(await run([unconfinedWorkloadsIsolatedPolicy], builder("builders", tolerates)), ["builder: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)"]);
        assert.deepStrictEqual(await run([unconfinedWorkloadsIsolatedPolicy], root, builder("default", tolerates)), ["builder: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)"]);
        assert.deepStrictEqual(await run([unconfinedWorkloadsIsolatedPolicy], root, builder("builders", { ...tolerates, key: "other" })), [
            "builder: unconfined, on NodePool builders, which has no NoExecute taint it tolerates (other pods would share its nodes)",
        ]);
    });

    it("the tree: a TenantStack at the stack's root, everything else below it", async () => {
        assert.deepStrictEqual(await run([resourceTreePolicy], root, provider, namespace(provider)), []);
        assert.deepStrictEqual(await run([resourceTreePolicy], root, res("kubernetes:core/v1:Namespace", "loose", {}, { parent: "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t" })), [
            "kubernetes:core/v1:Namespace loose is registered at the stack's root, outside every layer (no parent)",
        ]);
    });
});

describe("tenant stacks: moving a tenant's state, as the engine names resources", () => {
    const r = (type: string, name: string, parent?: string, aliases: unknown[] = []): PlannedResource => {
        const urn = `urn:pulumi:s::p::${parent ? `${parent.split("::")[2].split("$").pop()}$` : ""}${type}::${name}`;
        return { urn, key: urn, type, name, custom: false, parent, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases, inputs: {}, secretPaths: [] };
    };

    it("state move renames a URN's stack and project and keeps its type chain; a child's URN extends its parent's chain", () => {
        assert.strictEqual(movedUrn("urn:pulumi:prod::platform::a:b:C$d:e:F::x", "prod.t", "platform-tenant"), "urn:pulumi:prod.t::platform-tenant::a:b:C$d:e:F::x");
        assert.strictEqual(childUrn("urn:pulumi:s::p::a:b:C$d:e:F::x", "g:h:I", "y"), "urn:pulumi:s::p::a:b:C$d:e:F$g:h:I::y");
        const a = r("a:b:A", "a");
        const b = r("a:b:B", "b", a.urn);
        const c = r("a:b:C", "c", b.urn);
        // The mock runtime names only the parent's own type; the engine, every ancestor's.
        assert.strictEqual(c.urn, "urn:pulumi:s::p::a:b:B$a:b:C::c");
        assert.strictEqual(engineUrns({ resources: [a, b, c] }).get(c.urn), "urn:pulumi:s::p::a:b:A$a:b:B$a:b:C::c");
    });

    it("a parent alias gives every descendant the matching alias; a renamed child's spec names its old name", () => {
        const root = r("t:t:Root", "root");
        const moved = r("t:t:Tenant", "tenant-x", root.urn, [{ spec: { parenturn: "urn:pulumi:s::p::old:o:Platform$old:o:Tenants::tenants" } }]);
        const child = r("k:k:Namespace", "tenant-x-ns", moved.urn);
        const renamed = r("k:k:Group", "tenant-x-group", moved.urn, [{ spec: { name: "tenant-old-group", parenturn: moved.urn } }]);
        const answers = answeringUrns({ resources: [root, moved, child, renamed] });
        assert.deepStrictEqual(answers.get(child.urn), ["urn:pulumi:s::p::t:t:Root$t:t:Tenant$k:k:Namespace::tenant-x-ns", "urn:pulumi:s::p::old:o:Platform$old:o:Tenants$t:t:Tenant$k:k:Namespace::tenant-x-ns"]);
        assert.deepStrictEqual(answers.get(renamed.urn), [
            "urn:pulumi:s::p::t:t:Root$t:t:Tenant$k:k:Group::tenant-x-group",
            "urn:pulumi:s::p::t:t:Root$t:t:Tenant$k:k:Group::tenant-old-group",
            "urn:pulumi:s::p::old:o:Platform$old:o:Tenants$t:t:Tenant$k:k:Group::tenant-x-group",
        ]);
    });
});

describe("tenant stacks a change concerns (the pull-request workflow's plan, Deployments' paths)", () => {
    const folder = { placement: "OwnStacks", list: [{ name: "team-a" }], all: [{ name: "team-a" }, { name: "team-d" }, { name: "team-dx" }], directory: "tenants/prod" };

    it("a folder's tenant by its own file only; a list entry by the stack file; every one by the code that builds tenants", () => {
        const table: [string, string[], string[] | string][] = [
            ["its own file", ["tenants/prod/team-d.yaml"], ["team-d"]],
            ["another tenant's file, a name sharing its prefix", ["tenants/prod/team-dx.yaml"], ["team-dx"]],
            ["the stack file (team-a is a list entry; the platform's settings reach all)", ["Pulumi.prod.yaml"], ["team-a", "team-d", "team-dx"]],
            ["another stack file", ["Pulumi.dev.yaml", "tenants/dev/team-d.yaml"], "prod: the change concerns none of its tenant stacks"],
            ["the code that builds tenants", ["components/tenants/tenant.ts"], ["team-a", "team-d", "team-dx"]],
            ["the tenant project", ["tenant/index.ts"], ["team-a", "team-d", "team-dx"]],
            ["a folder whose name extends tenant/", ["tenants/README.md", "docs/tenants.md", "README.md", ""], "prod: the change concerns none of its tenant stacks"],
            ["its own file as .yml (the loader reads both)", ["tenants/prod/team-d.yml"], ["team-d"]],
        ];
        for (const [why, changed, expected] of table) assert.deepStrictEqual(tenantStacksChanged("prod", folder, changed), expected, why);
    });

    it("the folder as the stack file may write it (./tenants/prod/, tenants/prod/): its files as git and Deployments name them", () => {
        for (const directory of ["./tenants/prod/", "tenants/prod/", "tenants//prod", "./tenants/prod"]) {
            assert.deepStrictEqual(tenantStacksChanged("prod", { ...folder, directory }, ["tenants/prod/team-d.yaml"]), ["team-d"], directory);
        }
    });

    it("none with PlatformStack (the platform stack's plan holds its tenants), and the real stack files' list entries by their stack file", () => {
        assert.strictEqual(tenantStacksChanged("prod", { ...folder, placement: "PlatformStack" }, ["tenants/prod/team-d.yaml"]), "prod: no tenant stacks (tenants.placement PlatformStack: the platform stack's plan holds its tenants)");
        const dev = parsePlatformConfig(readStackConfig(PROJECT_DIR, "dev").config, "platform").tenants;
        assert.ok(dev.all.length >= 2);
        assert.deepStrictEqual(tenantStacksChanged("dev", { ...dev, placement: "OwnStacks" }, ["Pulumi.dev.yaml"]), dev.all.map((t) => t.name));
        assert.strictEqual(tenantStacksChanged("dev", { ...dev, placement: "OwnStacks" }, ["Pulumi.prod.yaml"]), "dev: the change concerns none of its tenant stacks");
    });

    it("the command line: --changed-files that concern none of the stack file's tenant stacks run nothing; with --tenant it is refused", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "changed-"));
        try {
            const changed = path.join(dir, "changed");
            fs.writeFileSync(changed, "Pulumi.prod.yaml\ndocs/tenants.md\n");
            const cli = (...args: string[]) =>
                spawnSync(process.execPath, [...(COMPILED ? [] : ["--import", "tsx"]), path.join(__dirname, "..", "plan", `tenant-stacks${path.extname(__filename)}`), ...args], { encoding: "utf8", cwd: PROJECT_DIR });
            const run = cli("--stack", "dev", "--plan", "--changed-files", changed);
            assert.deepStrictEqual([run.status, run.stdout.trim()], [0, "dev: the change concerns none of its tenant stacks"], run.stderr);
            const both = cli("--stack", "dev", "--plan", "--tenant", "team-a", "--changed-files", changed);
            assert.deepStrictEqual([both.status, both.stdout], [2, ""]);
            assert.match(both.stderr, /\[--tenant a,b \| --changed-files FILE\]/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("tenant stacks: npm run plan -- --cost prices them with the platform @stack", function () {
    this.timeout(180000);
    it("prints each tenant stack's lines and one more tenant's figure, saves them with --json, and compares them with --diff-file", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cost-"));
        try {
            const file = path.join(dir, "prod.json");
            const run = await runPlanCli("--stack", "prod", "--cost", "--json", file);
            assert.strictEqual(run.status, 0, run.stderr);
            // Prod's tenants are their own stacks: each at rest is its signing key (a KMS key, $1.00), the platform's plan holds neither.
            const report = run.stdout.slice(run.stdout.indexOf("Monthly floor cost of prod"));
            assert.match(report, /^Tenants at rest \(apart from the platform's floor; what one more tenant like it adds\):$/m);
            for (const t of ["team-a", "payments"]) assert.match(report, new RegExp(`^ {4}${t} +\\$1\\.00`, "m"), t);
            const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { stack: string; tenantStacks?: Plan[] };
            assert.deepStrictEqual([saved.stack, saved.tenantStacks?.map((p) => p.stack)], ["prod", ["prod.team-a", "prod.payments"]]);
            const again = await runPlanCli("--stack", "prod", "--cost", "--diff-file", file);
            assert.strictEqual(again.status, 0, again.stderr);
            assert.match(again.stdout, /^ {4}tenants +\$2\.00 -> \$2\.00 \(\+?\$0\.00\/month\)$/m);
            // A plan saved without --cost (or by an older CLI) carries no tenant stacks: they are not counted as new.
            const bare = path.join(dir, "bare.json");
            const { tenantStacks: _t, ...platformOnly } = saved as Record<string, unknown>;
            fs.writeFileSync(bare, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), tenantStacks: undefined }));
            assert.ok(_t !== undefined && !("tenantStacks" in JSON.parse(fs.readFileSync(bare, "utf8"))) && platformOnly.stack === "prod");
            const bareRun = await runPlanCli("--stack", "prod", "--cost", "--diff-file", bare);
            assert.strictEqual(bareRun.status, 0, bareRun.stderr);
            assert.match(bareRun.stdout, /carries no tenant stacks \(saved without --cost\): the change below is the platform stack's alone/);
            assert.doesNotMatch(bareRun.stdout, /^ {4}tenants +\$0\.00 -> \$2\.00/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("tenant stacks: the offline plan's verdict per stack", () => {
    const release = (values: Record<string, unknown>) => ({
        urn: "urn:pulumi:dev.team-a::platform-tenant::kubernetes:helm.sh/v3:Release::tenant-team-a-delivery-runners", key: "k", custom: true, type: "kubernetes:helm.sh/v3:Release", name: "tenant-team-a-delivery-runners",
        protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], propertyDependencies: {}, ignoreChanges: [], aliases: [], secretPaths: [],
        inputs: { chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set", version: "0.14.2", values },
    }) as PlannedResource;
    const plan = (values: Record<string, unknown>): Plan => ({ project: "platform-tenant", stack: "dev.team-a", resources: [release(values)], outputs: {}, elapsedMs: 0 }) as unknown as Plan;
    const fixtures = path.join(PROJECT_DIR, "test", "fixtures", "charts");

    it("fails a tenant stack whose release sets a value its pinned chart does not declare, as the platform's plan fails its own", () => {
        const bad = plan({ runnerScaleSetName: "team-a-dev", noSuchValue: true });
        const verdict = tenantStackVerdict("dev.team-a", bad, [], chartContractReport(bad.resources, fixtures, PROJECT_DIR));
        assert.deepStrictEqual(verdict, {
            line: "dev.team-a: 1 resources, policies passed, chart contracts: tenant-team-a-delivery-runners (gha-runner-scale-set 0.14.2): noSuchValue: not in the chart's values",
            failed: true,
        });
        const good = plan({ runnerScaleSetName: "team-a-dev" });
        assert.deepStrictEqual(tenantStackVerdict("dev.team-a", good, [], chartContractReport(good.resources, fixtures, PROJECT_DIR)), { line: "dev.team-a: 1 resources, policies passed, chart contracts passed (1 releases)", failed: false });
    });

    it("fails on a policy violation or a plan that failed", () => {
        const good = plan({});
        const violation = { policy: "p", message: "m", enforcementLevel: "mandatory" } as unknown as Parameters<typeof tenantStackVerdict>[2][number];
        assert.deepStrictEqual(tenantStackVerdict("s", good, [violation]).failed, true);
        assert.deepStrictEqual(tenantStackVerdict("s", new Error("boom"), []), { line: "s: failed: boom", failed: true });
    });
});

describe("tenant stacks: one command for all of them, at most N at a time", () => {
    it("runs every item, never more than the bound at once, results in the items' order, a failure as a value", async () => {
        let inFlight = 0;
        let most = 0;
        const results = await pool([5, 1, 4, 2, 3, 0], 2, async (n) => {
            most = Math.max(most, ++inFlight);
            await new Promise((r) => setTimeout(r, n * 3));
            inFlight--;
            if (n === 4) throw new Error("four");
            return n * 10;
        });
        assert.strictEqual(most, 2);
        assert.deepStrictEqual(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message)), [50, 10, "four", 20, 30, 0]);
        await assert.rejects(pool([1], 0, async () => 1), /concurrency 0: expected a whole number of at least 1/);
    });

    it("names each tenant stack and writes its three keys, then previews or updates it with the policy pack", async () => {
        const runs = tenantStackRuns({ organization: "acme", platformProject: "platform", platformStack: "prod", tenants: ["team-a", "payments"] });
        assert.deepStrictEqual(runs[1], {
            tenant: "payments",
            stack: "acme/platform-tenant/prod.payments",
            config: { "platform-tenant:platformStack": "acme/platform/prod", "platform-tenant:platformStackFile": "../Pulumi.prod.yaml", "platform-tenant:tenant": "payments" },
        });
        const calls: string[] = [];
        const open = async (name: string): Promise<TenantStackHandle> => ({
            setAllConfig: async (config) => void calls.push(`${name} config ${config["platform-tenant:tenant"].value}`),
            preview: async (o) => (calls.push(`${name} preview ${o?.policyPacks}`), { stdout: "", stderr: "", changeSummary: {} }),
            up: async () => {
                throw new Error(`${name} up`);
            },
        });
        const previews = await runTenantStacks(runs, { operation: "preview", concurrency: 1, open, policyPack: "/repo/policy" });
        assert.deepStrictEqual([previews.map((r) => r.status), calls], [
            ["fulfilled", "fulfilled"],
            ["acme/platform-tenant/prod.team-a config team-a", "acme/platform-tenant/prod.team-a preview /repo/policy", "acme/platform-tenant/prod.payments config payments", "acme/platform-tenant/prod.payments preview /repo/policy"],
        ]);
        const ups = await runTenantStacks(runs, { operation: "up", concurrency: 2, open, policyPack: "/repo/policy" });
        assert.deepStrictEqual(ups.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok")), ["acme/platform-tenant/prod.team-a up", "acme/platform-tenant/prod.payments up"]);
    });

    it("opens one stack at a time (a select rewrites tenant/'s workspace file) and runs the operations concurrently; a failed open stops no other", async () => {
        const runs = tenantStackRuns({ organization: "acme", platformProject: "platform", platformStack: "prod", tenants: ["a", "b", "c", "d"] });
        let opening = 0;
        let running = 0;
        const most = { opening: 0, running: 0 };
        const tick = () => new Promise((r) => setTimeout(r, 5));
        const open = async (name: string): Promise<TenantStackHandle> => {
            most.opening = Math.max(most.opening, ++opening);
            await tick();
            opening--;
            if (name.endsWith(".b")) throw new Error("select failed");
            return {
                setAllConfig: async () => undefined,
                preview: async () => {
                    most.running = Math.max(most.running, ++running);
                    // Longer than the opens of the stacks after it: they overlap.
                    for (let i = 0; i < 8; i++) await tick();
                    running--;
                    return { stdout: "", stderr: "", changeSummary: {} };
                },
                up: async () => {
                    throw new Error("not here");
                },
            };
        };
        const results = await runTenantStacks(runs, { operation: "preview", concurrency: 4, open, policyPack: "/repo/policy" });
        assert.deepStrictEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled", "fulfilled"]);
        assert.deepStrictEqual(most, { opening: 1, running: 3 });
    });
});

describe("tenant stacks' outcome after --preview / --up", () => {
    // The error the Automation API (3.270.0) raises when `pulumi stack select` finds no stack: its own classifier, on
    // the CLI's message.
    const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError: (r: unknown) => Error };
    const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as { CommandResult: new (stdout: string, stderr: string, code: number) => unknown };
    const missing = createCommandError(new CommandResult("", "error: no stack named 'acme/platform-tenant/dev.team-d' found\n", 255));

    it("a preview skips a stack not created yet of a tenant new to the change (a pull request creates none); an up, any other tenant's missing stack, or any other failure, fails", () => {
        assert.strictEqual(missing.name, "StackNotFoundError");
        const stack = "acme/platform-tenant/dev.team-d";
        assert.deepStrictEqual(tenantStackOutcome(stack, { status: "rejected", reason: missing }, "preview", true), {
            line: "acme/platform-tenant/dev.team-d: no stack yet, not previewed (created before its first up; its offline plan is in the plan job)",
            failed: false,
        });
        // A tenant the target branch has: its stack deleted by mistake, or a token that may not see it (Pulumi Cloud's 404).
        assert.strictEqual(tenantStackOutcome(stack, { status: "rejected", reason: missing }, "preview", false).failed, true);
        assert.strictEqual(tenantStackOutcome(stack, { status: "rejected", reason: missing }, "up", true).failed, true);
        const other = createCommandError(new CommandResult("", "error: [403] Forbidden\n", 255));
        assert.deepStrictEqual(tenantStackOutcome(stack, { status: "rejected", reason: other }, "preview"), { line: `${stack}: failed: error: [403] Forbidden`, failed: true });
        assert.deepStrictEqual(tenantStackOutcome(stack, { status: "fulfilled", value: {} }, "preview"), { line: `${stack}: done`, failed: false });
    });
});

describe("the tenants a stack file has on the target branch (--base), read with git", () => {
    it("its list entries and its folder's files at that revision, none when the stack file is not there; a tenant added since is not among them", () => {
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "base-tenants-"));
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });
        try {
            git("init", "-q", "-b", "main");
            fs.mkdirSync(path.join(repo, "tenants"));
            fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), YAML.stringify({ config: { "platform:tenants": { list: [{ name: "team-a" }], directory: "./tenants/", placement: "OwnStacks" } } }));
            fs.writeFileSync(path.join(repo, "tenants", "team-d.yaml"), "name: team-d\n");
            fs.writeFileSync(path.join(repo, "tenants", "team-e.yml"), "name: team-e\n");
            git("add", "-A");
            git("commit", "-qm", "base");
            git("checkout", "-qb", "change");
            fs.writeFileSync(path.join(repo, "tenants", "team-f.yaml"), "name: team-f\n");
            git("add", "-A");
            git("commit", "-qm", "onboard team-f");
            assert.deepStrictEqual([...tenantsOnRef("main", "dev", "platform", repo)].sort(), ["team-a", "team-d", "team-e"]);
            assert.deepStrictEqual([...tenantsOnRef("change", "dev", "platform", repo)].sort(), ["team-a", "team-d", "team-e", "team-f"]);
            assert.deepStrictEqual([...tenantsOnRef("main", "prod", "platform", repo)], []);
            // A revision not fetched (or misspelt) would make every tenant look new: it fails instead.
            assert.throws(() => tenantsOnRef("origin/main", "dev", "platform", repo), /^Error: --base origin\/main: no such revision here \(fetch it: the checkout needs the target branch\)$/);
            fs.writeFileSync(path.join(repo, "Pulumi.qa.yaml"), YAML.stringify({ config: { "platform:tenants": { directory: "/srv/tenants", placement: "OwnStacks" } } }));
            git("add", "-A");
            git("commit", "-qm", "qa");
            assert.throws(() => tenantsOnRef("change", "qa", "platform", repo), /platform:tenants.directory \/srv\/tenants is outside the repository/);
            fs.writeFileSync(path.join(repo, "Pulumi.qa.yaml"), YAML.stringify({ config: { "platform:tenants": { directory: "..", placement: "OwnStacks" } } }));
            git("commit", "-qam", "qa up");
            assert.throws(() => tenantsOnRef("change", "qa", "platform", repo), /platform:tenants.directory \.\. is outside the repository/);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});

describe("tenant/Pulumi.yaml declares exactly the tenant stack's config keys", () => {
    const project = readProject(TENANT_PROJECT_DIR);

    it("names the project platform-tenant and declares each key as a required string with a description", () => {
        assert.strictEqual(project.name, NS);
        assertDeclaresRequiredStrings(project, tenantStackConfigSchema.shape);
    });
});

describe("tenant stack config: read from its keys and the platform's stack file", () => {
    it("reads its tenant from the platform stack file's list, with the platform's settings", () => {
        const cfg = parseTenantStackConfig(keys(), NS, TENANT_PROJECT_DIR);
        assert.deepStrictEqual([cfg.platformStack, cfg.platformStackFile, cfg.tenant.name, cfg.settings.tenants.all.map((x) => x.name)], ["acme/platform/dev", path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "team-a", ["team-a"]]);
        assert.strictEqual(cfg.settings.ingress.domain, "dev.platform.acme.example");
    });

    it("checks its tenant against every other of the folder, as the platform stack does (it deploys on its own): the second with a data name is refused, as is a broken file", () => {
        const d = "name: team-d\nowners: [erin]\ncostCentre: CC-D\n";
        const p = scratchPlatform({ "team-d.yaml": d, "team-e.yaml": "name: team-e\nowners: [frank]\ncostCentre: CC-E\ndataName: team-d\n" });
        try {
            // team-e would take team-d's Vault role and path from its own namespaces: neither stack deploys.
            const taken = `${p.stackFile}: platform:tenants.directory.team-e.yaml.dataName: expected data name team-d to belong to one tenant (also team-d: its Vault path, stores, repository and bucket); got "team-d"`;
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-e" }), p.tenantDir), [taken]);
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-d" }), p.tenantDir), [taken]);
            // Mended, each builds its own tenant alone.
            fs.writeFileSync(path.join(p.dir, "tenants", "team-e.yaml"), "name: team-e\nowners: [frank]\ncostCentre: CC-E\n");
            const cfg = parseTenantStackConfig(keys({ "platform-tenant:tenant": "team-d" }), NS, p.tenantDir);
            assert.deepStrictEqual([cfg.tenant.name, cfg.tenant.owners, cfg.settings.tenants.all.map((t) => t.name), cfg.settings.tenants.placement], ["team-d", ["erin"], ["team-d"], "OwnStacks"]);
            // Another tenant's broken file: the rules cannot be checked without it, so the stack fails as the platform's does.
            fs.writeFileSync(path.join(p.dir, "tenants", "team-f.yaml"), "name: team-f\nowners: [\n");
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-d" }), p.tenantDir).map((m) => m.split(" (")[0]), [`${p.stackFile}: platform:tenants.directory.team-f.yaml: expected YAML`]);
            assert.throws(() => parsePlatformConfig(readStackConfig(p.dir, "dev").config, "platform", undefined, p.dir), /team-f\.yaml: expected YAML/);
        } finally {
            fs.rmSync(p.dir, { recursive: true, force: true });
        }
    });

    it("refuses bad input, one message per problem naming the key (and the stack file), the value and what is expected", () => {
        const file = path.join(PROJECT_DIR, "Pulumi.dev.yaml");
        assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": undefined })), [
            "platform-tenant:tenant: required key is missing; expected a string (The tenant this stack builds: its name among the platform stack file's tenants.)",
        ]);
        assert.deepStrictEqual(problems(keys({ "platform-tenant:platformStack": "dev", "platform-tenant:platformStackFile": "../dev.yaml" })), [
            'platform-tenant:platformStack: expected <organization>/<project>/<stack> (a platform stack\'s name has no dot), like acme/platform/dev; got "dev"',
            'platform-tenant:platformStackFile: expected the path of a platform stack file, like ../Pulumi.dev.yaml; got "../dev.yaml"',
        ]);
        // A stack named for another tenant, or another platform stack: its settings, its role's trust and its migration name it.
        for (const stack of ["dev.payments", "prod.team-a"]) {
            assert.throws(() => parseTenantStackConfig(keys(), NS, TENANT_PROJECT_DIR, stack), (e: { problems: string[] }) => {
                assert.deepStrictEqual(e.problems, [`platform-tenant:tenant: expected the tenant this stack is named after (stack ${stack}: <platform stack>.<tenant>, the platform stack being acme/platform/dev); got "team-a", whose stack is dev.team-a`]);
                return true;
            });
        }
        assert.strictEqual(parseTenantStackConfig(keys(), NS, TENANT_PROJECT_DIR, "dev.team-a").tenant.name, "team-a");
        // A dotted platform stack: its tenant stacks' names (<stack>.<tenant>) and its tenants' role's trust would be ambiguous.
        assert.deepStrictEqual(problems(keys({ "platform-tenant:platformStack": "acme/platform/prod.eu", "platform-tenant:platformStackFile": "../Pulumi.prod.eu.yaml" })), [
            'platform-tenant:platformStack: expected <organization>/<project>/<stack> (a platform stack\'s name has no dot), like acme/platform/dev; got "acme/platform/prod.eu"',
            'platform-tenant:platformStackFile: expected the path of a platform stack file, like ../Pulumi.dev.yaml; got "../Pulumi.prod.eu.yaml"',
        ]);
        assert.deepStrictEqual(problems(keys({ "platform-tenant:tenants": "team-a" })), ["platform-tenant:tenants: unknown key; expected one of: platformStack, platformStackFile, tenant"]);
        assert.deepStrictEqual(problems(keys({ "platform-tenant:platformStackFile": "../Pulumi.staging.yaml" })), [
            `platform-tenant:platformStackFile: expected an existing platform stack file (relative to ${TENANT_PROJECT_DIR}); got "../Pulumi.staging.yaml"`,
        ]);
        assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-z" })), [`${file}: platform:tenants: expected tenant team-z in tenants.list; got "team-z"`]);
        const p = scratchPlatform({ "team-d.yaml": "name: team-d\nowners: [erin]\ncostCentre: CC-D\nhostnames: [shop.example.org]\n" });
        try {
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-d" }), p.tenantDir), [
                `${p.stackFile}: platform:tenants.directory.team-d.yaml.hostnames[0]: expected <label>.dev.platform.acme.example (one name under the platform domain, covered by its certificate); got "shop.example.org"`,
            ]);
            // (Any tenant's problem is every tenant stack's: the folder is checked as a whole.)
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-z" }), p.tenantDir).length, 1);
            fs.writeFileSync(path.join(p.dir, "tenants", "team-d.yaml"), "name: team-d\nowners: [erin]\ncostCentre: CC-D\n");
            assert.deepStrictEqual(problems(keys({ "platform-tenant:tenant": "team-z" }), p.tenantDir), [`${p.stackFile}: platform:tenants: expected tenant team-z in tenants.list or as tenants/team-z.yaml; got "team-z"`]);
        } finally {
            fs.rmSync(p.dir, { recursive: true, force: true });
        }
    });
});

/** A tenant's resources in a plan: its Tenant and TenantDelivery components and everything below them. */
const tenantResources = (plan: Plan, tenant: string): PlannedResource[] => [...within(plan.resources, `tenant-${tenant}`), ...within(plan.resources, `tenant-${tenant}-delivery`)];
/** What must be equal for the tenant to be the same: what each resource is, what it is sent, and how it is kept. */
const identity = (r: PlannedResource) => ({ type: r.type, name: r.name, custom: r.custom, inputs: r.inputs, protect: r.protect, retainOnDelete: r.retainOnDelete, ignoreChanges: r.ignoreChanges, deleteBeforeReplace: r.deleteBeforeReplace });
const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
/** The platform stack of `stack` with its tenants (or `tenants`) placed as `placement`. */
const placed = (stack: string, placement: "PlatformStack" | "OwnStacks", tenants?: Record<string, unknown>): Promise<Plan> => {
    const current = JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:tenants"]);
    return planStack({ stack, configOverrides: { "platform:tenants": { ...(tenants ?? current), placement } } });
};

for (const stack of stacksWithTenants()) {
    describe(`tenant stacks of ${stack}: each tenant as its own stack @stack`, function () {
        this.timeout(180000);
        const configs = parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform").tenants.all;
        const tenants = configs.map((t) => t.name);
        const ciTenants = configs.filter((t) => t.ci.enabled).map((t) => t.name);
        const of = (plan: Plan, t: string) => tenantResources(plan, t);
        // committed: the stack file as it was before its tenants moved (PlatformStack), what the migration starts from;
        // own: its platform stack as committed (OwnStacks); plans: its tenant stacks as committed.
        let committed: Plan;
        let own: Plan;
        const plans = new Map<string, Plan>();
        before(async () => {
            committed = await placed(stack, "PlatformStack");
            const deployed = await deployedSet(stack);
            own = deployed.platform;
            deployed.tenants.forEach((p, i) => plans.set(tenants[i], p));
        });

        it("has example tenants to move, one with CI at least (a runner scale set to move), and runs them as tenant stacks (OwnStacks)", async () => {
            assert.ok(tenants.length >= 2, tenants.join(", "));
            assert.ok(ciTenants.length >= 1, tenants.join(", "));
            assert.strictEqual(parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform").tenants.placement, "OwnStacks");
            assert.deepStrictEqual([...plans.keys()], tenants);
            assert.deepStrictEqual([...plans.values()].map((p) => [p.project, p.stack]), tenants.map((t) => ["platform-tenant", `${stack}.${t}`]));
            assert.strictEqual(own, await platformPlan(stack));
        });

        it("with PlatformStack, the finalizer clean-ups wait for every Argo CD project and application and every runner set (they run first on destroy)", () => {
            const cleanup = (name: string) => committed.resources.find((r) => r.name === name)!;
            const argo = committed.resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProject" || r.type === "kubernetes:argoproj.io/v1alpha1:Application");
            const runnerSets = committed.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).endsWith("gha-runner-scale-set"));
            assert.ok(argo.length >= tenants.length && runnerSets.length >= ciTenants.length, `${argo.length} Argo CD objects, ${runnerSets.length} runner sets`);
            for (const r of argo) assert.ok(cleanup("platform-delivery-argocd-finalizer-cleanup").dependsOn.includes(r.urn), r.name);
            for (const r of runnerSets) assert.ok(cleanup("platform-delivery-runner-finalizer-cleanup").dependsOn.includes(r.urn), r.name);
        });

        it("the platform with OwnStacks lists none of their resources, and is resource for resource the platform with no tenants", async () => {
            for (const t of tenants) assert.deepStrictEqual(own.resources.filter((r) => r.name.startsWith(`tenant-${t}`)).map((r) => r.name), [], t);
            assert.deepStrictEqual(own.outputs.tenants, {});
            const none = await placed(stack, "OwnStacks", { list: [] });
            const shape = (p: Plan) => p.resources.map((r) => ({ key: r.key, inputs: r.inputs })).sort((a, b) => a.key.localeCompare(b.key));
            assert.deepStrictEqual(shape(own), shape(none));
            // Its tenants' resources go, and with per-tenant keys the shared signature policy too: each rule moves to its tenant's stack.
            const moved = tenants.flatMap((t) => of(committed, t)).map((r) => r.key);
            const perTenantRules = committed.resources.filter((r) => r.name.endsWith("-policy-tenant-verify-image-signatures") && (r.inputs as any).spec.rules.every((x: { name: string }) => x.name.startsWith("signed-") && x.name !== "signed"));
            const kept = new Set(own.resources.map((r) => r.key));
            assert.deepStrictEqual(committed.resources.filter((r) => !kept.has(r.key)).map((r) => r.key).sort(), [...moved, ...perTenantRules.map((r) => r.key)].sort());
            assert.strictEqual(own.resources.length, committed.resources.length - moved.length - perTenantRules.length);
        });

        for (const t of tenants) {
            it(`${t}: plans as ${stack}.${t} with the resources it had in the platform stack (names, types, inputs, protection)`, () => {
                const before = of(committed, t).map(identity).sort(byName);
                const after = of(plans.get(t)!, t).map(identity).sort(byName);
                assert.ok(before.length >= 20, `${t}: ${before.length} resources`);
                assert.deepStrictEqual(after, before);
            });

            it(`${t}: adds only its root, the four providers on the platform's outputs, and its own signature policy when it had a rule`, () => {
                const plan = plans.get(t)!;
                const inside = new Set(of(plan, t).map((r) => r.urn));
                const extras = plan.resources.filter((r) => !inside.has(r.urn)).map((r) => `${r.type} ${r.name}`).sort();
                const rule = committed.resources
                    .filter((r) => r.name.endsWith("-policy-tenant-verify-image-signatures"))
                    .flatMap((r) => (r.inputs as any).spec.rules as { name: string }[])
                    .find((r) => r.name === `signed-${t}`);
                const root = `tenant-${t}-stack`;
                assert.deepStrictEqual(extras, [
                    ...(rule ? [`kubernetes:kyverno.io/v1:ClusterPolicy tenant-${t}-verify-image-signatures`] : []),
                    `platform:tenants:TenantStack ${root}`,
                    `pulumi:providers:aws ${root}-aws`,
                    `pulumi:providers:keycloak ${root}-keycloak`,
                    `pulumi:providers:kubernetes ${root}-k8s`,
                    `pulumi:providers:vault ${root}-vault`,
                ]);
                if (rule) assert.deepStrictEqual((named(plan.resources, `tenant-${t}-verify-image-signatures`).inputs as any).spec.rules, [rule]);
            });

            it(`${t}: its Keycloak provider logs in with the password of the platform's secret (ssoAdminSecretArn), read through its AWS provider, kept secret`, () => {
                const provider = named(plans.get(t)!.resources, `tenant-${t}-stack-keycloak`);
                // The offline cloud answers a read of a secret through a configured AWS provider only, with a value naming the secret.
                assert.deepStrictEqual([secretInputs(provider).password, provider.inputs.password, provider.secretPaths.includes("password")], [fakeSecretString(String(own.outputs.ssoAdminSecretArn)), "[secret]", true]);
                assert.ok(!("ssoAdminPassword" in own.outputs));
            });

            it(`${t}: exports what the platform's tenants output held for it, and passes the policy pack`, async () => {
                const plan = plans.get(t)!;
                assert.deepStrictEqual(plan.outputs, { tenant: t, ...(committed.outputs.tenants as Record<string, object>)[t] });
                assert.deepStrictEqual(await checkPolicies(plan), []);
            });
        }

        it("moves each tenant by its two components, and its stack finds every moved resource by URN or alias (none deleted, none created)", () => {
            const urns = engineUrns(committed);
            let movedOnAws = 0;
            for (const t of tenants) {
                const move = tenantMove(committed, plans.get(t)!, t, "acme");
                assert.deepStrictEqual([move.orphaned, move.created, move.providerChanges], [[], [], []], t);
                assert.strictEqual(move.moved.length, of(committed, t).length, t);
                const roots = [named(committed.resources, `tenant-${t}`), named(committed.resources, `tenant-${t}-delivery`)];
                // Where the aliases say the components were is where the platform stack holds them.
                assert.deepStrictEqual(
                    roots.map((x) => urns.get(x.parent!)!.split("::").slice(2).join("::")),
                    [PLATFORM_STACK_PARENTS.tenant, PLATFORM_STACK_PARENTS.delivery],
                );
                assert.strictEqual(
                    move.command,
                    [`pulumi state move --source acme/platform/${stack} --dest acme/platform-tenant/${stack}.${t}`, ...roots.map((x) => `'${urns.get(x.urn)}'`)].join(" \\\n    "),
                );
                // Without its aliases the tenant stack would delete every moved resource and create it anew.
                const bare = { ...plans.get(t)!, resources: plans.get(t)!.resources.map((x) => ({ ...x, aliases: [] })) };
                assert.strictEqual(tenantMove(committed, bare, t).orphaned.length, move.moved.length, t);
                // The moved resources leave the platform's providers for the tenant stack's: configured otherwise (here its
                // AWS provider in another region), the new provider's DiffConfig decides whether each is replaced.
                const awsProvider = `tenant-${t}-stack-aws`;
                const elsewhere = { ...plans.get(t)!, resources: plans.get(t)!.resources.map((x) => (x.name === awsProvider ? { ...x, inputs: { ...x.inputs, region: "eu-central-1" } } : x)) };
                const onAws = of(committed, t).filter((x) => x.custom && x.type.startsWith("aws:"));
                movedOnAws += onAws.length;
                const changed = tenantMove(committed, elsewhere, t).providerChanges;
                assert.strictEqual(changed.length, onAws.length, t);
                assert.ok(changed.every((c) => c.endsWith(`(platform-aws -> ${awsProvider})`)), changed[0]);
            }
            assert.ok(movedOnAws >= 3, `${movedOnAws} AWS resources moved`);
        });

        it("plans one tenant stack from the command line on a saved plan of its platform, and refuses a plan of another stack", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-plan-"));
            // The command line's main in this process (test/plans.ts runPlanCli): the binary's own start is tested in plan.test.ts.
            const cli = runPlanCli;
            try {
                fs.writeFileSync(path.join(dir, "own.json"), JSON.stringify(own));
                const run = await cli("--stack", stack, "--tenant", tenants[0], "--platform-plan", path.join(dir, "own.json"));
                assert.strictEqual(run.status, 0, run.stderr);
                assert.match(run.stdout, new RegExp(`Stack platform-tenant/${stack}\\.${tenants[0]}: ${plans.get(tenants[0])!.resources.filter((r) => r.custom).length} resources`));
                assert.match(run.stdout, /Policies: all passed/);
                const other = await cli("--stack", stack === "dev" ? "prod" : "dev", "--tenant", tenants[0], "--platform-plan", path.join(dir, "own.json"));
                assert.deepStrictEqual([other.status, other.stderr.trim().split("\n").pop()], [1, `plan failed: --platform-plan ${path.join(dir, "own.json")}: not a saved plan of ${stack === "dev" ? "prod" : "dev"} (its stack: "${stack}")`]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("--migration on the committed stack file (OwnStacks) moves the tenant out of the platform stack as it was (PlatformStack), every resource found", () => {
            const t = ciTenants[0];
            const run = spawnSync(process.execPath, [...(COMPILED ? [] : ["--import", "tsx"]), path.join(__dirname, "..", "plan", `cli${path.extname(__filename)}`), "--stack", stack, "--tenant", t, "--migration"], { encoding: "utf8", cwd: PROJECT_DIR });
            assert.strictEqual(run.status, 0, run.stderr);
            const moved = tenantMove(committed, plans.get(t)!, t).moved.length;
            assert.ok(moved >= 20, `${moved}`);
            assert.match(run.stdout, new RegExp(`Move the tenant's state \\(${moved} resources\\), then pulumi up both stacks:\n  pulumi state move --source <org>/platform/${stack} --dest <org>/platform-tenant/${stack}\\.${t} `));
            assert.doesNotMatch(run.stderr, /^refused:/m);
        });

        it("refuses a platform stack that still creates its tenants (both would own the same objects)", async () => {
            await assert.rejects(planTenantStack({ platform: committed, tenant: tenants[0] }), /platform:tenants\.placement is PlatformStack: the platform stack creates its tenants itself/);
        });
    });
}

describe("tenant stacks: --plan on threads plans each stack as one thread alone does @stack", function () {
    this.timeout(180000);
    it("dev's tenants on two threads: the same verdicts, in the tenants' order, as each planned in this thread; a failing stack is a result", async () => {
        const platform = await platformPlan("dev");
        const tenants = tenantStacksOf("dev");
        assert.deepStrictEqual(tenants, ["team-a", "payments"]);
        const alone = [];
        for (const t of tenants) alone.push(await checkTenantStack({ platform }, t));
        assert.match(alone[0].line, /^dev\.team-a: \d+ resources, policies passed, chart contracts passed \(1 releases\)$/);
        const seen: string[] = [];
        const threaded = await checkTenantStacks({ platform, tenants: [...tenants, "no-such-tenant"], threads: 2, onResult: (r) => seen.push(r.tenant) });
        assert.deepStrictEqual(
            threaded.map((r) => [r.tenant, r.line, r.failed, r.resources]),
            [...alone.map((r) => [r.tenant, r.line, false, r.resources]), ["no-such-tenant", threaded[2].line, true, 0]],
        );
        assert.ok(alone.every((r) => r.resources > 20), "each tenant stack plans its resources");
        assert.match(threaded[2].line, /^dev\.no-such-tenant: failed: Invalid stack configuration \(1 problem\):\n.*expected tenant no-such-tenant in tenants.list/);
        // Reported in the tenants' order (the pull-request summary reads the same from run to run).
        assert.deepStrictEqual(seen, ["team-a", "payments", "no-such-tenant"]);
        // Each thread takes a tenant as soon as it starts: three tenants on two threads use both, and neither is this one.
        assert.deepStrictEqual([new Set(threaded.map((r) => r.thread)).size, alone.map((r) => r.thread), threaded.some((r) => r.thread === 0)], [2, [0, 0], false]);
        await assert.rejects(checkTenantStacks({ platform, tenants, threads: 0 }), /threads 0: expected a whole number of at least 1/);
        // Without a callback (the bench's use) it still finishes, with the same verdicts.
        assert.deepStrictEqual((await checkTenantStacks({ platform, tenants, threads: 1 })).map((r) => r.line), alone.map((r) => r.line));
    });
});

describe("tenant stacks: a rebuild after destroy adopts what a tenant's stack retained @stack", function () {
    this.timeout(120000);
    it("prod's team-a stack imports its repository and bucket by their fixed names with adoptRetained, and nothing without it", async () => {
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8"), /^ {2}platform:adoptRetained: false/m);
        // The stack file as `pulumi config set platform:adoptRetained true` leaves it.
        const dir = stackFileWith(PROJECT_DIR, "prod", { "platform:adoptRetained": "true" });
        try {
            // The platform rebuilt from the same stack file (a tenant stack refuses a platform updated from other settings).
            const platform = await planStack({ stack: "prod", configOverrides: { "platform:adoptRetained": true } });
            const plain = (await deployedSet("prod")).tenants[0];
            const rebuild = await planTenantStack({ platform, tenant: "team-a", platformStackFile: path.join(dir, "Pulumi.prod.yaml") });
            assert.deepStrictEqual(plain.resources.filter((r) => r.importId), []);
            assert.deepStrictEqual(rebuild.resources.filter((r) => r.importId).map((r) => [r.type, r.importId]), [
                ["aws:ecr/repository:Repository", "team-a/apps"],
                ["aws:s3/bucket:Bucket", "acme-prod-t-team-a-222222222222-eu-west-1"],
            ]);
            // A repository keeps its retained key (its own option) and leaves forceDelete, which the provider never reads back.
            assert.deepStrictEqual(named(rebuild.resources, "tenant-team-a-repository").ignoreChanges, ["encryptionConfigurations[0].kmsKey", "forceDelete"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("tenant stacks: never on a platform updated from other settings than their own commit's @stack", function () {
    this.timeout(120000);
    it("refuses, before anything is created, a platform whose published settings digest differs from its stack file's, and runs on its own", async () => {
        // This commit's stack file enforces instead of auditing (`pulumi config set --path`); the platform still runs the committed one.
        const policy = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:policy"]);
        assert.strictEqual(policy.action, "Audit");
        const dir = stackFileWith(PROJECT_DIR, "dev", { "platform:policy": JSON.stringify({ ...policy, action: "Enforce" }) });
        try {
            const platform = await platformPlan("dev");
            await assert.rejects(planTenantStack({ platform, tenant: "payments", platformStackFile: path.join(dir, "Pulumi.dev.yaml") }), (e: Error) => {
                assert.match(e.message, /organization\/platform\/dev: its last update was from other settings than this commit's stack file: update the platform stack to this commit first/);
                return true;
            });
            // A pull request's preview (the platform as deployed, from the target branch) shows the tenant and warns.
            const warnings: string[] = [];
            const warn = pulumi.log.warn;
            pulumi.log.warn = (message: string) => {
                warnings.push(message);
                return Promise.resolve();
            };
            try {
                const preview = await planTenantStack({ platform, tenant: "payments", platformStackFile: path.join(dir, "Pulumi.dev.yaml"), preview: true });
                assert.ok(preview.resources.length > 10);
            } finally {
                pulumi.log.warn = warn;
            }
            assert.deepStrictEqual(warnings.filter((w) => w.includes("other settings")), [
                "organization/platform/dev: its last update was from other settings than this commit's stack file: update the platform stack to this commit first (or wait for its deployment to finish), then this tenant stack (this preview shows the tenant on the platform as deployed)",
            ]);
            // Its own settings: it plans (the committed file, the committed platform).
            assert.ok((await planTenantStack({ platform, tenant: "payments" })).resources.length > 10);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
