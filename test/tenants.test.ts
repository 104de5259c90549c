import * as assert from "assert";
import * as path from "path";
import { crdProblems, readCrdSchema } from "../plan/crd-contract";
import { Plan, PROJECT_DIR } from "../plan/engine";
import { diffPlans, refusedMoves, renderDiff } from "../plan/diff";
import { readStackConfig } from "../plan/stack-files";
import { admissionPolicies, clusterPolicySpec, signaturePolicySpec } from "../components/policy/admission-policies";
import { kyvernoValues } from "../components/policy/policy";
import { networkPolicySpecs } from "../components/tenants/tenant-objects";
import { PLATFORM_HOST_LABELS, tenantSchema } from "../stacks/schema-tenants";
import { parseAcl } from "./vault-acl";
import { inputs, named, ofType } from "./helpers";
import { committedPlan, DeployedSet, deployedSetWith, describeStacks } from "./plans";

const tenant = (over: Record<string, unknown> = {}) => tenantSchema.parse({ name: "team-b", owners: ["carol"], costCentre: "CC-B", ...over });
const POLICY = { chartVersion: "3.9.0", hookImageTag: "v1.19.0", replicas: 3, action: "Enforce" as const, zoneSpread: "DoNotSchedule" as const, allowedRegistries: ["111111111111.dkr.ecr.eu-west-1.amazonaws.com", "ghcr.io/acme"], requiredLabels: ["app.kubernetes.io/name"] };

describe("tenants: decisions", () => {
    it("denies everything by default, then allows DNS, the tenant's own namespaces, the gateway, monitoring and telemetry", () => {
        const specs = networkPolicySpecs(tenant(), "team-b") as any[];
        const byName = Object.fromEntries(specs.map((p) => [p.metadata.name, p.spec]));
        assert.deepStrictEqual(Object.keys(byName), ["default-deny", "allow-dns", "allow-same-tenant", "allow-gateway", "allow-monitoring", "allow-telemetry", "allow-internet"]);
        assert.deepStrictEqual(byName["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepStrictEqual(byName["allow-dns"].egress[0].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        assert.deepStrictEqual(byName["allow-dns"].egress[0].to[0].podSelector, { matchLabels: { "k8s-app": "kube-dns" } });
        assert.deepStrictEqual(byName["allow-same-tenant"].ingress[0].from, [{ namespaceSelector: { matchLabels: { "platform.io/tenant": "team-b" } } }]);
        assert.deepStrictEqual(byName["allow-gateway"].ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } } }]);
        assert.deepStrictEqual(byName["allow-telemetry"].egress[0].ports.map((p: any) => p.port), [4317, 4318]);
        // The internet, never the instance metadata service or private ranges (other tenants' pods, the VPC).
        assert.deepStrictEqual(byName["allow-internet"].egress[0].to[0].ipBlock.except, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]);
        assert.ok(!networkPolicySpecs(tenant({ internetEgress: false }), "team-b").some((p) => p.metadata.name === "allow-internet"));
    });

    it("applies every policy to tenant namespaces only (by label), with the stack's action on every rule", () => {
        const policies = admissionPolicies(POLICY).map((p) => clusterPolicySpec(p, "Enforce"));
        assert.deepStrictEqual(policies.map((p) => p.metadata.name), [
            "tenant-pod-security-restricted",
            "tenant-require-requests-limits",
            "tenant-pinned-images",
            "tenant-allowed-registries",
            "tenant-required-labels",
            "tenant-no-host-access",
            "tenant-route-hostnames",
            "tenant-builder-nodes",
            "tenant-service-external-ips",
            "tenant-service-account-tokens",
        ]);
        const rules = policies.flatMap((p) => p.spec.rules as any[]);
        assert.ok(rules.length >= 9);
        for (const r of rules) {
            assert.strictEqual(r.validate.failureAction, "Enforce", r.name);
            assert.deepStrictEqual(r.match.any[0].resources.namespaceSelector, { matchLabels: { "platform.io/namespace-role": "tenant" } }, r.name);
        }
        const registries = rules.find((r) => r.name === "registries").validate.pattern.spec.containers[0].image;
        assert.strictEqual(registries, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/* | ghcr.io/acme/*");
        assert.deepStrictEqual(rules.find((r) => r.name === "restricted").validate.podSecurity, { level: "restricted", version: "latest" });
        // Requests and limits are checked on pods (after the LimitRange's defaults), not on their controllers.
        const annotations = (i: number): Record<string, string> => policies[i].metadata.annotations;
        assert.strictEqual(annotations(1)["pod-policies.kyverno.io/autogen-controllers"], "none");
        assert.strictEqual(annotations(0)["pod-policies.kyverno.io/autogen-controllers"], undefined);
        const hostnames = rules.find((r) => r.name === "hostnames");
        assert.deepStrictEqual(hostnames.context[0].apiCall.jmesPath, `metadata.annotations."platform.io/allowed-hostnames" || ''`);
        assert.deepStrictEqual(hostnames.validate.deny.conditions.any[0].operator, "AnyNotIn");
    });

    it("points Kyverno's webhooks at tenant namespaces only, HA by config", () => {
        const v = kyvernoValues(POLICY) as any;
        assert.strictEqual(v.admissionController.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        assert.deepStrictEqual(v.config.webhooks.namespaceSelector, { matchExpressions: [{ key: "platform.io/namespace-role", operator: "In", values: ["tenant"] }] });
        assert.deepStrictEqual([v.admissionController.replicas, v.backgroundController.replicas, v.admissionController.podDisruptionBudget.enabled], [3, 2, true]);
        assert.deepStrictEqual(kyvernoValues({ ...POLICY, replicas: 1, zoneSpread: "ScheduleAnyway" }).admissionController.podDisruptionBudget, { enabled: false });
    });

    it("pins the readiness-checker image of Kyverno's pre-delete hooks and test pods to the configured tag, not the chart's default", () => {
        // kyverno 3.9.0 leaves webhooksCleanup.image.tag and test.image.tag empty (its appVersion and latest).
        const v = kyvernoValues({ ...POLICY, hookImageTag: "v1.18.2" }) as any;
        assert.deepStrictEqual([v.webhooksCleanup.image, v.test.image], [{ tag: "v1.18.2" }, { tag: "v1.18.2" }]);
    });
});

const TEAM_B = { name: "team-b", owners: ["carol"], costCentre: "CC-B", hostnames: [] as string[], ecrRepository: true, bucket: true, ci: { signingRepositories: ["acme/team-b-app"] } };
/** Another team like team-b, signing (dev's keyless verifier) from its own repository. */
const TEAM_C = { ...TEAM_B, name: "team-c", owners: ["dave"], ci: { signingRepositories: ["acme/team-c-app"] } };
/** A tenant's own signature policy's rules, in its stack (OwnStacks). */
const signatureRules = (p: Plan, tenant: string) => inputs(named(p.resources, `tenant-${tenant}-verify-image-signatures`)).spec.rules as { name: string }[];
const listOf = (stack: string) => JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:tenants"]).list as Record<string, unknown>[];

describeStacks((stack) => `tenants in stack ${stack}`, "platform-tenants", ({ stack, production, plan, res }) => {
    const ns = (name: string) => named(res(), `tenant-team-a-${name}`);
    const domain = production ? "platform.acme.example" : "dev.platform.acme.example";
    const namespaces = production ? ["team-a"] : ["team-a", "team-a-preview"];

    it("creates each namespace of team-a labelled for the gateway, Pod Security, the tenant and its hostnames, after the policies", () => {
        // Its runners' namespace (team-a-ci, role ci) is tested with the delivery layer.
        const created = ofType(res(), "kubernetes:core/v1:Namespace").map((n) => inputs(n).metadata).filter((m) => m.labels["platform.io/tenant"] === "team-a" && m.labels["platform.io/namespace-role"] === "tenant");
        assert.deepStrictEqual(created.map((m) => m.name), namespaces);
        // The stack's other tenant (payments) gets its own, under its own label.
        assert.deepStrictEqual(ofType(res(), "kubernetes:core/v1:Namespace").map((n) => inputs(n).metadata.name).filter((n) => !namespaces.includes(n)), production ? ["team-a-ci", "payments-ci", "payments"] : ["team-a-ci", "payments"]);
        assert.deepStrictEqual(
            [created[0].labels["platform.io/namespace-role"], created[0].labels["pod-security.kubernetes.io/enforce"], created[0].labels["platform.io/tenant"]],
            ["tenant", "restricted", "team-a"],
        );
        assert.strictEqual(created[0].annotations["platform.io/allowed-hostnames"], production ? `team-a.${domain},shop.${domain}` : `team-a.${domain}`);
        const policies = ofType(plan().resources, "kubernetes:kyverno.io/v1:ClusterPolicy");
        // The ten baseline policies are the platform stack's (up before any tenant stack); each tenant's stack holds its
        // registry boundary and its signature policy (prod: both tenants sign; dev: payments has no signing repository).
        const shared = policies.filter((p) => p.name.startsWith("platform-policy-"));
        assert.strictEqual(shared.length, 10);
        for (const p of shared) assert.ok(p.urn.startsWith(`urn:pulumi:${stack}::platform::`), p.urn);
        assert.deepStrictEqual(
            policies.filter((p) => !shared.includes(p)).map((p) => p.name),
            ["tenant-team-a-verify-image-signatures", "tenant-team-a-own-repository", ...(production ? ["tenant-payments-verify-image-signatures"] : []), "tenant-payments-own-repository"],
        );
        // In its stack, its namespace waits for its own two policies, and for no other tenant's.
        assert.ok(ns("team-a").urn.startsWith(`urn:pulumi:${stack}.team-a::platform-tenant::`), ns("team-a").urn);
        for (const p of [named(plan().resources, "tenant-team-a-verify-image-signatures"), ns("own-repository")]) assert.ok(ns("team-a").dependsOn.includes(p.urn), `namespace before ${p.name}`);
        assert.ok(!ns("team-a").dependsOn.includes(named(plan().resources, "tenant-payments-own-repository").urn), "not after another tenant's");
    });

    it("bounds each namespace with a quota (no load balancers or node ports) and container defaults", () => {
        const quota = inputs(ns("team-a-quota")).spec.hard;
        assert.deepStrictEqual(
            [quota["requests.cpu"], quota["limits.memory"], quota.pods, quota["services.loadbalancers"], quota["services.nodeports"]],
            production ? ["8", "32Gi", "200", "0", "0"] : ["2", "8Gi", "50", "0", "0"],
        );
        assert.deepStrictEqual(inputs(ns("team-a-limits")).spec.limits[0].default, { cpu: "500m", memory: "512Mi" });
        // No pod naming a PriorityClass, in each of its namespaces and its runners'.
        const priority = ofType(res(), "kubernetes:core/v1:ResourceQuota").filter((q) => q.name.startsWith("tenant-team-a-") && q.name.endsWith("-priority-quota"));
        assert.deepStrictEqual(
            priority.map((q) => [inputs(q).metadata.namespace, inputs(q).spec.hard.pods, inputs(q).spec.scopeSelector.matchExpressions[0].operator]).sort(),
            [...namespaces, "team-a-ci"].sort().map((n) => [n, "0", "Exists"]),
        );
        // Seven in each of its namespaces, three in its runners'.
        assert.strictEqual(ofType(res(), "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.name.startsWith("tenant-team-a-")).length, 7 * namespaces.length + 3);
    });

    it("binds the team's SSO group, its owners and its CI account to the tenant roles, written once for every tenant", () => {
        const subjects = (name: string) => inputs(ns(`team-a-${name}`)).subjects.map((s: any) => `${s.kind}:${s.name}`);
        assert.deepStrictEqual(subjects("tenant-members"), ["Group:oidc:tenant-team-a"]);
        assert.deepStrictEqual(subjects("tenant-owners"), (production ? ["alice", "bob"] : ["alice"]).map((o) => `User:oidc:${o}`));
        assert.deepStrictEqual(subjects("tenant-ci"), ["ServiceAccount:ci"]);
        assert.deepStrictEqual(
            ["tenant-members", "tenant-owners", "tenant-ci"].map((b) => inputs(ns(`team-a-${b}`)).roleRef.name),
            ["platform:tenant-member", "platform:tenant-owner", "platform:tenant-deployer"],
        );
        const roles = ofType(res(), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => inputs(r).metadata.name);
        assert.deepStrictEqual(roles.sort(), ["platform:tenant-ci-viewer", "platform:tenant-deployer", "platform:tenant-member", "platform:tenant-owner"]);
        // A binding needs its role written first (a binding to a role not yet written grants nothing until it is): the
        // roles are the platform stack's, which is up before any tenant stack (docs/tenants.md, "Order").
        const roleUrns = ofType(res(), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => r.urn);
        assert.strictEqual(roleUrns.length, 4);
        for (const urn of roleUrns) assert.ok(urn.startsWith(`urn:pulumi:${stack}::platform::`), urn);
        assert.strictEqual(inputs(named(res(), "tenant-team-a-sso-group")).name, "tenant-team-a");
    });

    it("gives team-a its own Vault path, read through a store only its namespaces can use", () => {
        const acl = parseAcl(inputs(named(res(), "tenant-team-a-vault-policy")).policy);
        assert.ok(acl.some((r) => r.path === "platform/data/tenants/team-a/*" && r.capabilities.includes("read")));
        assert.ok(acl.every((r) => r.path.includes("/tenants/team-a/")), "no path outside tenants/team-a/");
        const role = inputs(named(res(), "tenant-team-a-vault-role"));
        assert.deepStrictEqual([role.roleName, role.boundServiceAccountNamespaces, role.boundServiceAccountNames], ["tenant-team-a", namespaces, ["vault-secret-store"]]);
        // Its CI namespace logs in with a role of its own (the runners' GitHub App key is under tenants/team-a/ci/).
        const ci = inputs(named(res(), "tenant-team-a-vault-ci-role"));
        assert.deepStrictEqual([ci.roleName, ci.boundServiceAccountNamespaces, ci.boundServiceAccountNames], ["ci-tenant-team-a", ["team-a-ci"], ["vault-secret-store"]]);
        const store = inputs(named(res(), "tenant-team-a-secret-store"));
        assert.deepStrictEqual(store.spec.conditions, [{ namespaceSelector: { matchLabels: { "platform.io/tenant": "team-a" } } }]);
        assert.deepStrictEqual(store.spec.provider.vault.auth.kubernetes, { mountPath: "kubernetes", role: "tenant-team-a", serviceAccountRef: { name: "vault-secret-store" } });
    });

    it("gives team-a a scanned, immutable repository (and, in prod, a bucket through the secure component)", () => {
        const repo = inputs(named(res(), "tenant-team-a-repository"));
        // Kept with its images in production (adopted on a rebuild), deleted with them elsewhere.
        assert.deepStrictEqual([repo.name, repo.imageTagMutability, repo.imageScanningConfiguration.scanOnPush, repo.forceDelete], ["team-a/apps", "IMMUTABLE", true, !production]);
        const options = named(res(), "tenant-team-a-repository");
        assert.deepStrictEqual([options.protect, options.retainOnDelete, named(res(), "tenant-team-a-repository-lifecycle").retainOnDelete], [production, production, production]);
        // A new registry key (a rebuild makes one) does not replace the repository and its images.
        assert.deepStrictEqual(options.ignoreChanges, ["encryptionConfigurations[0].kmsKey"]);
        assert.strictEqual(ofType(res(), "aws:s3/bucket:Bucket").length, production ? 1 : 0);
    });
});

describe("tenants: self-service by pull request, as the offline plan's diff shows it @stack", function () {
    this.timeout(240000);
    const tenants = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:tenants"]) as Record<string, unknown>;
    // The stack file with this list, as the pull request changes it: its platform stack and, with OwnStacks, each
    // tenant's stack (what the workflow plans: the platform's diff, and the tenant stacks the change concerns).
    const plan = (list: Record<string, unknown>[]) => deployedSetWith("dev", { "platform:tenants": JSON.stringify({ ...tenants, list }) });
    let base: DeployedSet;
    before(async () => {
        base = await plan([...listOf("dev"), TEAM_B]);
    });
    // A tenant's resources in its stack: its components' and its builder CA's grant (named after its data name).
    const ownedBy = (name: string, tenantName: string) => name.startsWith(`tenant-${tenantName}-`) || name === `tenant-${tenantName}` || name.startsWith(`platform-ingress-certificates-builds-${tenantName}-`);
    const stackOf = (set: DeployedSet, tenant: string) => set.tenants.find((p) => p.stack === `dev.${tenant}`);
    const nothing = (d: ReturnType<typeof diffPlans>) => [d.added, d.removed, d.changed, d.reordered].map((x) => x.map((r) => r.name));
    /** Every stack the two sets share, diffed: the platform's and each tenant stack's in both. */
    const unchanged = (a: DeployedSet, b: DeployedSet) => {
        assert.deepStrictEqual(nothing(diffPlans(a.platform, b.platform)), [[], [], [], []], "the platform stack");
        const shared = a.tenants.filter((p) => b.tenants.some((q) => q.stack === p.stack));
        assert.ok(shared.length >= 2, shared.map((p) => p.stack).join(", "));
        for (const p of shared) assert.deepStrictEqual(nothing(diffPlans(p, b.tenants.find((q) => q.stack === p.stack)!)), [[], [], [], []], p.stack);
    };

    it("runs dev's tenants in stacks of their own (OwnStacks), the list's tenants and team-b each in one", () => {
        assert.strictEqual(tenants.placement, "OwnStacks");
        assert.deepStrictEqual(base.tenants.map((p) => p.stack), [...listOf("dev").map((t) => `dev.${t.name}`), "dev.team-b"]);
    });

    it("onboarding a tenant adds its own stack, with only that tenant's resources, and changes no other stack", async () => {
        const onboarded = await plan([...listOf("dev"), TEAM_B, TEAM_C]);
        unchanged(base, onboarded);
        assert.deepStrictEqual(onboarded.tenants.map((p) => p.stack), [...base.tenants.map((p) => p.stack), "dev.team-c"]);
        const created = diffPlans({ ...stackOf(onboarded, "team-c")!, resources: [] }, stackOf(onboarded, "team-c")!);
        assert.ok(created.added.length >= 20, `${created.added.length} added`);
        assert.deepStrictEqual(created.added.filter((r) => !ownedBy(r.name, "team-c")).map((r) => r.name), []);
        // Its signature rule (its signing repository) in its own policy; the others' policies as they were (above).
        assert.deepStrictEqual(signatureRules(stackOf(onboarded, "team-c")!, "team-c").map((r) => r.name), ["signed-team-c"]);
    });

    it("removing a tenant removes its stack, and with it only that tenant's resources", async () => {
        const removed = await plan(listOf("dev"));
        unchanged(removed, base);
        assert.deepStrictEqual(removed.tenants.map((p) => p.stack), base.tenants.map((p) => p.stack).filter((s) => s !== "dev.team-b"));
        // What `pulumi destroy` of its stack deletes: every resource of it, each team-b's (its signature rule among them).
        const destroyed = diffPlans(stackOf(base, "team-b")!, { ...stackOf(base, "team-b")!, resources: [] }).removed;
        assert.ok(destroyed.length >= 20, `${destroyed.length}`);
        assert.deepStrictEqual(destroyed.filter((r) => !ownedBy(r.name, "team-b")).map((r) => r.name), []);
        assert.ok(destroyed.some((r) => r.name === "tenant-team-b-verify-image-signatures"));
    });

    it("renaming with previousName keeps every resource of its stack (aliases; `pulumi stack rename`); only names and labels change", async () => {
        const renamed = await plan([...listOf("dev"), { ...TEAM_B, name: "team-bee", previousName: "team-b", dataName: "team-b", namespaces: ["team-b"], ssoGroup: "tenant-team-b" }]);
        unchanged(base, renamed);
        // The renamed stack's plan against the old stack's state (URNs compared without the stack's name, as after the rename).
        const diff = diffPlans(stackOf(base, "team-b")!, stackOf(renamed, "team-bee")!);
        assert.deepStrictEqual([diff.added.map((r) => r.name), diff.removed.map((r) => r.name)], [[], []]);
        assert.ok(diff.changed.length > 0 && diff.changed.every((c) => ownedBy(c.name, "team-bee")), diff.changed.map((c) => c.name).join(", "));
        // The signature rule follows the tenant's new name (its namespaces' label).
        assert.deepStrictEqual(signatureRules(stackOf(renamed, "team-bee")!, "team-bee").map((r) => r.name), ["signed-team-bee"]);
        // The Vault path, role and store, the repository and the bucket keep the data name: nothing holding data moves.
        const r = renamed.plan.resources;
        const role = inputs(named(r, "tenant-team-bee-vault-role"));
        assert.deepStrictEqual([role.roleName, inputs(named(r, "tenant-team-bee-secret-store")).metadata.name], ["tenant-team-b", "tenant-team-b"]);
        assert.strictEqual(inputs(named(r, "tenant-team-bee-repository")).name, "team-b/apps");
        assert.match(inputs(named(r, "tenant-team-bee-bucket-bucket")).bucket, /^acme-dev-t-team-b-/);
        assert.ok(!diff.changed.some((c) => c.replacedBy.length > 0), "a rename replaces nothing");
    });

    it("refuses a rename written without previousName: the namespace would be deleted and created empty", async () => {
        const renamed = await plan([...listOf("dev"), { ...TEAM_B, name: "team-bee", namespaces: ["team-b"] }]);
        const diff = diffPlans(stackOf(base, "team-b")!, stackOf(renamed, "team-bee")!);
        assert.deepStrictEqual(refusedMoves(diff), [{ type: "kubernetes:core/v1:Namespace", objectName: "team-b", from: "tenant-team-b-team-b", to: "tenant-team-bee-team-b" }]);
        assert.match(renderDiff(diff), /REFUSED: namespace team-b would be deleted \(tenant-team-b-team-b\) and created empty \(tenant-team-bee-team-b\): a renamed tenant needs previousName/);
        const onboarded = await plan([...listOf("dev"), TEAM_B, TEAM_C]);
        assert.deepStrictEqual(refusedMoves(diffPlans({ ...stackOf(onboarded, "team-c")!, resources: [] }, stackOf(onboarded, "team-c")!)), []);
    });

    it("keeps tenant B's Vault policy blind to tenant A's path", () => {
        const b = parseAcl(inputs(named(base.plan.resources, "tenant-team-b-vault-policy")).policy);
        assert.ok(b.length > 0);
        assert.ok(b.every((r) => r.path.includes("/tenants/team-b/") && !r.path.includes("team-a")));
        const a = parseAcl(inputs(named(base.plan.resources, "tenant-team-a-vault-policy")).policy);
        // team-a must not reach team-a-something or team-b: every path ends its tenant segment with a slash (its CI's
        // paths, tenants/team-a/ci/, are its members' denied ones).
        assert.ok(a.length > 0 && a.every((r) => /\/tenants\/team-a\/(ci\/)?\*$/.test(r.path)), a.map((r) => r.path).join(", "));
        assert.ok(a.filter((r) => r.path.includes("/team-a/ci/")).every((r) => r.capabilities.join() === "deny"), JSON.stringify(a));
    });
});

describe("policy: the ClusterPolicies against Kyverno 1.19's CRD", () => {
    it("sets only fields the CRD declares, with their types, in every rule", () => {
        const schema = readCrdSchema(path.join(PROJECT_DIR, "test", "fixtures", "crds", "kyverno-3.9.0", "kyverno.io_clusterpolicies.yaml"), "v1");
        const policies = admissionPolicies(POLICY).map((p) => clusterPolicySpec(p, "Audit"));
        assert.strictEqual(policies.length, 10);
        for (const p of policies) assert.deepStrictEqual(crdProblems(schema, { spec: p.spec }), [], p.metadata.name);
        // The signature check, with each kind of verifier.
        const signed = [
            signaturePolicySpec({ action: "Enforce", verifier: { type: "TenantKmsKeys" } }, ["r/*"], [{ tenant: "team-a", keyAlias: "alias/acme-prod-team-a-signing" }]),
            signaturePolicySpec({ action: "Audit", verifier: { type: "Keyless", issuer: "https://token.actions.githubusercontent.com", organizations: ["acme"], rekorUrl: "https://rekor.sigstore.dev" } }, ["r/*"], [], [{ tenant: "team-a", repositories: ["acme/shop"], refs: ["refs/heads/main"] }]),
        ];
        for (const p of signed) assert.deepStrictEqual(crdProblems(schema, { spec: p!.spec }), [], JSON.stringify(p!.spec.rules[0].verifyImages[0].attestors));
        // The check can fail: a misspelt action and a rule field Kyverno does not have.
        const broken = { spec: { ...policies[0].spec, rules: [{ ...(policies[0].spec.rules[0] as object), validate: { failureActions: "Audit" }, matches: {} }] } };
        assert.deepStrictEqual(crdProblems(schema, broken).sort(), ["spec.rules[0].matches: unknown field (the API server would prune it)", "spec.rules[0].validate.failureActions: unknown field (the API server would prune it)"]);
    });
});

describe("tenants: what keeps them apart on the real program @stack", function () {
    this.timeout(60000);
    it("reserves every hostname the platform publishes itself, and keeps the platform's store to platform namespaces", async () => {
        const plan = await committedPlan("prod");
        // Published services' routes (the gateway's own HTTP→HTTPS redirect names no hostname).
        const platformRoutes = ofType(plan.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => Array.isArray(inputs(r).spec.hostnames));
        const labels = platformRoutes.flatMap((r) => (inputs(r).spec.hostnames as string[]).map((h) => h.split(".")[0]));
        assert.ok(labels.length >= 3, labels.join(", "));
        for (const l of labels) assert.ok((PLATFORM_HOST_LABELS as readonly string[]).includes(l), `${l} is published by the platform but not reserved from tenants`);
        const store = inputs(named(plan.resources, "platform-secrets-external-secrets-platform-store"));
        assert.deepStrictEqual(store.spec.conditions, [{ namespaceSelector: { matchLabels: { "platform.io/namespace-role": "platform" } } }]);
    });

    it("turns on the VPC CNI's network policy agent, without which no NetworkPolicy is enforced", async () => {
        const plan = await committedPlan("dev");
        const cni = inputs(named(plan.resources, "platform-cluster-addon-vpc-cni"));
        // With dev's prefix delegation (podAddressing: Prefixes) beside it.
        assert.deepStrictEqual(JSON.parse(cni.configurationValues), { enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } });
    });

    it("creates tenant namespaces only once every admission policy is Ready", async () => {
        const plan = await committedPlan("dev");
        const policies = ofType(plan.resources, "kubernetes:kyverno.io/v1:ClusterPolicy");
        for (const p of policies) assert.strictEqual(inputs(p).metadata.annotations["pulumi.com/waitFor"], "condition=Ready", p.name);
    });
});
