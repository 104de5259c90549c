// What the first exact mutation run of components/tenants showed no test pinned (reports/mutation/SCORES.md): the
// namespace objects' specs in full.
import * as assert from "assert";
import { crossNamespaceAffinityQuotaSpec, limitRangeSpec, networkPolicySpecs, priorityQuotaSpec, resourceQuotaSpec, roleBindingSpecs, tenantClusterRoleSpecs } from "../components/tenants/tenant-objects";
import { signaturePolicySpec } from "../components/policy/admission-policies";
import { tenantSchema } from "../stacks/schema-tenants";
import { planStack, Plan, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";
import { committedPlan, deployedSet, deployedSetWith, describePlan, waitsFor } from "./plans";

// The schema's defaults: internet egress on, containers 100m/128Mi requested and 500m/512Mi limited.
const tenant = tenantSchema.parse({ name: "team-a", owners: ["alice@example.com", "bob@example.com"], costCentre: "CC-A" });

describe("tenant details: what each namespace holds", () => {
    it("caps each namespace's compute, pods and storage, and allows no load balancer or node port", () => {
        assert.deepStrictEqual(resourceQuotaSpec(tenant, "team-a"), {
            metadata: { name: "tenant-quota", namespace: "team-a" },
            spec: {
                hard: {
                    "requests.cpu": "4",
                    "requests.memory": "8Gi",
                    "limits.cpu": "8",
                    "limits.memory": "16Gi",
                    pods: "100",
                    "requests.storage": "100Gi",
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                },
            },
        });
    });

    it("admits no pod naming a PriorityClass (the built-in critical ones would preempt the platform's pods)", () => {
        assert.deepStrictEqual(priorityQuotaSpec("team-a"), {
            metadata: { name: "tenant-no-priority-class", namespace: "team-a" },
            spec: { hard: { pods: "0" }, scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "Exists" }] } },
        });
    });

    it("admits no pod whose pod (anti-)affinity names other namespaces (it would keep the platform's pods off its node)", () => {
        assert.deepStrictEqual(crossNamespaceAffinityQuotaSpec("team-a"), {
            metadata: { name: "tenant-no-cross-namespace-affinity", namespace: "team-a" },
            spec: { hard: { pods: "0" }, scopeSelector: { matchExpressions: [{ scopeName: "CrossNamespacePodAffinity", operator: "Exists" }] } },
        });
    });

    it("defaults every container's requests and limits", () => {
        assert.deepStrictEqual(limitRangeSpec(tenant, "team-a"), {
            metadata: { name: "tenant-defaults", namespace: "team-a" },
            spec: { limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { cpu: "500m", memory: "512Mi" } }] },
        });
    });

    it("denies all traffic, then allows DNS, the tenant itself, the gateway, monitoring, telemetry and the internet without private ranges", () => {
        const meta = (name: string) => ({ name, namespace: "team-a" });
        const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
        const sameTenant = { namespaceSelector: { matchLabels: { "platform.io/tenant": "team-a" } } };
        assert.deepStrictEqual(networkPolicySpecs(tenant, "team-a"), [
            { metadata: meta("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            {
                metadata: meta("allow-dns"),
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ...ns("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
                },
            },
            { metadata: meta("allow-same-tenant"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [sameTenant] }], egress: [{ to: [sameTenant] }] } },
            { metadata: meta("allow-gateway"), spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [ns("envoy-gateway-system")] }] } },
            { metadata: meta("allow-monitoring"), spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [ns("monitoring")] }] } },
            {
                metadata: meta("allow-telemetry"),
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [ns("monitoring")], ports: [{ protocol: "TCP", port: 4317 }, { protocol: "TCP", port: 4318 }] }] },
            },
            {
                metadata: meta("allow-internet"),
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] } }] }],
                },
            },
        ]);
        assert.deepStrictEqual(
            networkPolicySpecs({ ...tenant, internetEgress: false }, "team-a").map((p) => p.metadata.name),
            ["default-deny", "allow-dns", "allow-same-tenant", "allow-gateway", "allow-monitoring", "allow-telemetry"],
        );
    });

    it("binds the SSO group to the member role, each owner to the owner role and the CI account to the deployer role", () => {
        const roleRef = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });
        assert.deepStrictEqual(roleBindingSpecs(tenant, "team-a", "tenant-team-a"), [
            { metadata: { name: "tenant-members", namespace: "team-a" }, roleRef: roleRef("platform:tenant-member"), subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oidc:tenant-team-a" }] },
            {
                metadata: { name: "tenant-owners", namespace: "team-a" },
                roleRef: roleRef("platform:tenant-owner"),
                subjects: [
                    { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "oidc:alice@example.com" },
                    { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "oidc:bob@example.com" },
                ],
            },
            { metadata: { name: "tenant-ci", namespace: "team-a" }, roleRef: roleRef("platform:tenant-deployer"), subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "team-a" }] },
        ]);
    });

    it("writes the tenant roles: owners add Roles and RoleBindings, CI lacks exec, the CI viewer only reads, none binds, escalates or impersonates", () => {
        const roles = Object.fromEntries(tenantClusterRoleSpecs().map((r) => [r.metadata.name, r.rules]));
        assert.deepStrictEqual(Object.keys(roles), ["platform:tenant-member", "platform:tenant-owner", "platform:tenant-deployer", "platform:tenant-ci-viewer"]);
        assert.deepStrictEqual([...new Set(roles["platform:tenant-ci-viewer"].flatMap((r) => r.verbs))], ["get", "list", "watch"]);
        const verbs = (name: string) => new Set(roles[name].flatMap((r) => r.verbs));
        const resources = (name: string) => new Set(roles[name].flatMap((r) => r.resources));
        for (const name of Object.keys(roles)) {
            for (const v of ["bind", "escalate", "impersonate", "*"]) assert.ok(!verbs(name).has(v), `${name} ${v}`);
            assert.ok(!resources(name).has("*") && !roles[name].some((r) => r.apiGroups.includes("*")), name);
        }
        assert.ok(resources("platform:tenant-member").has("pods/exec") && !resources("platform:tenant-deployer").has("pods/exec"));
        const rbacWrites = (name: string) => roles[name].filter((r) => r.apiGroups.includes("rbac.authorization.k8s.io") && r.verbs.includes("create")).flatMap((r) => r.resources);
        assert.deepStrictEqual([rbacWrites("platform:tenant-member"), rbacWrites("platform:tenant-owner")], [[], ["roles", "rolebindings"]]);
    });
});

describe("tenant details: what the plan holds for each tenant @stack", function () {
    this.timeout(120000);
    let prod: Plan;
    let renamed: Plan;
    before(async () => {
        prod = await committedPlan("prod");
        const list = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:tenants"]).list as Record<string, unknown>[];
        const old = { name: "team-b", owners: ["carol"], costCentre: "CC-B", ecrRepository: true, repositoryEncryption: "Aes256", ci: { signingRepositories: ["acme/team-b-app"] } };
        renamed = await planStack({ stack: "dev", configOverrides: { "platform:tenants": { list: [...list, { ...old, name: "team-bee", previousName: "team-b", dataName: "team-b", namespaces: ["team-b"] }] } } });
    });

    it("creates each namespace after every admission policy, so nothing lands in it unchecked", async () => {
        // The platform's shared policies, and each tenant's own: its registry boundary and its signature rule.
        const set = await deployedSet("prod");
        const shared = ofType(prod.resources, "kubernetes:kyverno.io/v1:ClusterPolicy").filter((p) => p.name.startsWith("platform-policy-"));
        assert.strictEqual(shared.length, 10);
        for (const t of ["team-a", "payments"]) {
            const namespace = named(prod.resources, `tenant-${t}-${t}`);
            const own = [`tenant-${t}-own-repository`, `tenant-${t}-verify-image-signatures`].map((n) => named(prod.resources, n).urn);
            assert.deepStrictEqual([...namespace.dependsOn].sort(), own.sort(), t);
            for (const p of shared) assert.ok(waitsFor(set, namespace, p), `${t} after ${p.name}`);
        }
    });

    it("gives each namespace its CI and secret-store service accounts, created in it", () => {
        const namespace = named(prod.resources, "tenant-payments-payments").urn;
        for (const sa of ["ci", "vault-secret-store"]) {
            const account = named(prod.resources, `tenant-payments-payments-${sa}`);
            assert.deepStrictEqual([account.type, inputs(account).metadata, account.dependsOn], ["kubernetes:core/v1:ServiceAccount", { name: sa, namespace: "payments" }, [namespace]]);
        }
    });

    it("encrypts a repository with the registry key and tags it with the tenant and its cost centre", () => {
        assert.deepStrictEqual(inputs(named(prod.resources, "tenant-team-a-repository")), {
            name: "team-a/apps",
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:222222222222:key/platform-registry-key" }],
            forceDelete: false,
            tags: { tenant: "team-a", "cost-centre": "CC-TEAM-A" },
        });
    });

    it("keeps a repository created before the registry key on AES256, and a renamed tenant's identity and data name", () => {
        const repository = inputs(named(renamed.resources, "tenant-team-bee-repository"));
        assert.deepStrictEqual([repository.name, repository.encryptionConfigurations], ["team-b/apps", [{ encryptionType: "AES256" }]]);
        // The engine records an alias as its spec: the old name under the same parent.
        const [alias, ...more] = named(renamed.resources, "tenant-team-bee").aliases as { spec: { name: string; parenturn: string } }[];
        assert.deepStrictEqual([alias.spec.name, alias.spec.parenturn, more], ["tenant-team-b", named(renamed.resources, "platform-tenants").urn, []]);
        assert.deepStrictEqual(named(renamed.resources, "tenant-team-a").aliases, []);
    });

    it("points the runners' GitHub App secret at the CI namespace's own store, which serves that namespace alone", () => {
        assert.deepStrictEqual(inputs(named(prod.resources, "tenant-team-a-delivery-github-app")).spec.secretStoreRef, { kind: "ClusterSecretStore", name: "ci-tenant-team-a" });
        const ci = inputs(named(prod.resources, "tenant-team-a-secret-store-ci"));
        assert.deepStrictEqual([ci.metadata.name, ci.spec.conditions, ci.spec.provider.vault.auth.kubernetes], [
            "ci-tenant-team-a",
            [{ namespaces: ["team-a-ci"] }],
            { mountPath: "kubernetes", role: "ci-tenant-team-a", serviceAccountRef: { name: "vault-secret-store" } },
        ]);
        assert.strictEqual(inputs(named(prod.resources, "tenant-team-a-secret-store")).metadata.name, "tenant-team-a");
    });
});

describePlan("admission policy details: the production plan in full", "prod", ({ plan, res, the, urn }) => {
    const ACCOUNT_ECR = "222222222222.dkr.ecr.eu-west-1.amazonaws.com";
    const tenantOnly = (kinds: string[]) => ({ any: [{ resources: { kinds, namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant" } } } }] });
    const pods = tenantOnly(["Pod"]);
    const routes = tenantOnly(["gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/GRPCRoute"]);
    const policy = (name: string, title: string, rules: unknown[], extra: { annotations?: Record<string, string>; background?: boolean; spec?: Record<string, unknown> } = {}) => ({
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: { annotations: { ...extra.annotations, "policies.kyverno.io/title": title, "pulumi.com/waitFor": "condition=Ready" }, name },
        spec: { background: extra.background ?? true, rules, ...extra.spec },
    });
    const validate = (name: string, match: unknown, message: string, check: Record<string, unknown>) => ({ match, name, validate: { failureAction: "Enforce", message, ...check } });
    const everyContainer = (item: unknown) => ({ spec: { "=(initContainers)": [item], containers: [item] } });

    it("installs Kyverno highly available, its webhooks on tenant namespaces only, its admission controller with the signature reader", () => {
        const spread = (component: string) => [
            { labelSelector: { matchLabels: { "app.kubernetes.io/component": component, "app.kubernetes.io/instance": "kyverno" } }, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" },
        ];
        // platformPods: SystemNodes: every Kyverno pod (global, each controller, the CRD migration, test and cleanup Jobs).
        const onSystem = { nodeSelector: { "platform.io/node-role": "system" }, tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] };
        const controller = (component: string, replicas: number) => ({ ...onSystem, podDisruptionBudget: { enabled: true }, replicas, topologySpreadConstraints: spread(component) });
        assert.deepStrictEqual(the("platform-policy-kyverno"), {
            chart: "kyverno",
            compat: "true",
            maxHistory: 5,
            name: "kyverno",
            namespace: "kyverno",
            repositoryOpts: { repo: "https://kyverno.github.io/kyverno/" },
            values: {
                admissionController: { ...controller("admission-controller", 3), container: { extraEnvVars: [{ name: "AWS_REGION", value: "eu-west-1" }, { name: "AWS_DEFAULT_REGION", value: "eu-west-1" }] } },
                backgroundController: controller("background-controller", 2),
                cleanupController: controller("cleanup-controller", 2),
                config: { webhooks: { namespaceSelector: { matchExpressions: [{ key: "platform.io/namespace-role", operator: "In", values: ["tenant"] }] } } },
                crds: { migration: onSystem },
                global: onSystem,
                reportsController: controller("reports-controller", 2),
                rbac: { roles: { aggregate: { admin: false } } },
                test: { ...onSystem, image: { tag: "v1.19.0" } },
                webhooksCleanup: { ...onSystem, image: { tag: "v1.19.0" } },
            },
            version: "3.9.0",
        });
        assert.deepStrictEqual(
            res("platform-policy-kyverno").dependsOn,
            ["namespace", "signature-reader-role", "signature-reader-policy", "signature-reader-association"].map((n) => urn(`platform-policy-${n}`)),
        );
        assert.deepStrictEqual(the("platform-policy-namespace").metadata, {
            labels: { "platform.io/namespace-role": "platform", "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" },
            name: "kyverno",
        });
        assert.deepStrictEqual(JSON.parse(the("platform-policy-signature-reader-policy").policy).Statement, [
            { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "ReadSignatures", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: "arn:aws:ecr:eu-west-1:222222222222:repository/*/apps" },
        ]);
        assert.deepStrictEqual(the("platform-policy-signature-reader-association"), {
            clusterName: "acme-prod",
            namespace: "kyverno",
            roleArn: "arn:aws:iam::222222222222:role/platform-policy-signature-reader-role",
            serviceAccount: "kyverno-admission-controller",
        });
    });

    it("writes each tenant policy in full, each waiting for Kyverno and Ready before anything relies on it", async () => {
        const allowed = [
            `${ACCOUNT_ECR}/*`,
            "public.ecr.aws/*",
            `${ACCOUNT_ECR}/*/apps:*`,
            `${ACCOUNT_ECR}/*/apps@*`,
            ...["docker-hub", "ghcr", "ecr-public", "quay", "k8s"].map((cache) => `${ACCOUNT_ECR}/${cache}/*`),
        ];
        const expected = {
            "tenant-pod-security-restricted": policy("tenant-pod-security-restricted", "Pod Security Standard restricted (no privilege, host namespaces or host paths)", [
                validate("restricted", pods, "Pods in tenant namespaces must meet the restricted Pod Security Standard.", { podSecurity: { level: "restricted", version: "latest" } }),
            ]),
            "tenant-require-requests-limits": policy(
                "tenant-require-requests-limits",
                "CPU and memory requests, memory limits on every container",
                [
                    validate("requests-and-limits", pods, "Every container needs CPU and memory requests and a memory limit.", {
                        pattern: everyContainer({ resources: { limits: { memory: "?*" }, requests: { cpu: "?*", memory: "?*" } } }),
                    }),
                ],
                { annotations: { "pod-policies.kyverno.io/autogen-controllers": "none" } },
            ),
            "tenant-pinned-images": policy("tenant-pinned-images", "No :latest and no untagged images", [
                validate("pinned", pods, "Images must name a tag other than latest (or a digest).", { pattern: everyContainer({ image: "*:* | *@sha256:*" }) }),
                validate("not-latest", pods, "The latest tag is not allowed.", { pattern: everyContainer({ image: "!*:latest" }) }),
            ]),
            "tenant-allowed-registries": policy("tenant-allowed-registries", "Images only from the platform's registry allow-list", [
                validate(
                    "registries",
                    pods,
                    `Images must come from: ${ACCOUNT_ECR}, public.ecr.aws, ${allowed.slice(2).join(", ")}.`,
                    { pattern: everyContainer({ image: allowed.join(" | ") }) },
                ),
            ]),
            "tenant-required-labels": policy("tenant-required-labels", "The platform's standard labels on every pod", [
                validate("labels", pods, "Pods need the labels app.kubernetes.io/name, app.kubernetes.io/version.", { pattern: { metadata: { labels: { "app.kubernetes.io/name": "?*", "app.kubernetes.io/version": "?*" } } } }),
            ]),
            "tenant-no-host-access": policy("tenant-no-host-access", "No host network, host ports, host paths or privileged containers", [
                validate("host", pods, "Host network, host PID/IPC, hostPath volumes and privileged containers are not allowed.", {
                    pattern: { spec: { "=(hostIPC)": false, "=(hostNetwork)": false, "=(hostPID)": false, "=(volumes)": [{ "X(hostPath)": "null" }], containers: [{ "=(securityContext)": { "=(privileged)": false } }] } },
                }),
            ]),
            "tenant-route-hostnames": policy("tenant-route-hostnames", "HTTPRoutes only for the tenant's own hostnames (and no DNS names by annotation)", [
                {
                    context: [{ apiCall: { jmesPath: `metadata.annotations."platform.io/allowed-hostnames" || ''`, urlPath: "/api/v1/namespaces/{{request.namespace}}" }, name: "allowed" }],
                    ...validate("hostnames", routes, "Routes may only use the hostnames in the namespace's platform.io/allowed-hostnames annotation.", {
                        deny: { conditions: { any: [{ key: "{{ request.object.spec.hostnames || `[]` }}", operator: "AnyNotIn", value: "{{ split(allowed, ',') }}" }] } },
                    }),
                },
                validate(
                    "no-dns-hostname-annotation",
                    tenantOnly(["gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/GRPCRoute", "Service"]),
                    "Routes and Services in tenant namespaces may not carry external-dns.alpha.kubernetes.io/hostname: DNS names come from the routes' spec.hostnames only.",
                    { pattern: { metadata: { "=(annotations)": { "X(external-dns.alpha.kubernetes.io/hostname)": "null" } } } },
                ),
                validate("hostnames-required", routes, "Routes must name their hostnames (a route without any would take every hostname of the gateway).", { pattern: { spec: { hostnames: ["?*"] } } }),
            ]),
            "tenant-builder-nodes": policy("tenant-builder-nodes", "No tenant pod on the builders' or the System nodes", [
                validate("no-builder-toleration", pods, "Pods in tenant namespaces may not tolerate the builder nodes' taint platform.io/builder or the System nodes' CriticalAddonsOnly, nor every taint (a toleration needs a key).", {
                    pattern: { spec: { "=(tolerations)": [{ key: "!platform.io/builder & !CriticalAddonsOnly" }] } },
                }),
                validate(
                    "no-builder-pool",
                    pods,
                    "Pods in tenant namespaces may not select the builders' or the System nodes (karpenter.sh/nodepool=builders, platform.io/node-role=builder or system); their required node affinity names neither label.",
                    {
                        pattern: {
                            spec: {
                                "=(nodeSelector)": { "=(karpenter.sh/nodepool)": "!builders", "=(platform.io/node-role)": "!builder & !system" },
                                "=(affinity)": {
                                    "=(nodeAffinity)": {
                                        "=(requiredDuringSchedulingIgnoredDuringExecution)": { nodeSelectorTerms: [{ "=(matchExpressions)": [{ key: "!karpenter.sh/nodepool & !platform.io/node-role" }] }] },
                                    },
                                },
                            },
                        },
                    },
                ),
                validate(
                    "no-node-name",
                    { any: [{ resources: { kinds: ["Pod"], operations: ["CREATE"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant" } } } }] },
                    "Pods in tenant namespaces may not be created bound to a node (spec.nodeName): the scheduler places them, and the kubelet would ignore the System nodes' NoSchedule taint.",
                    { pattern: { spec: { "X(nodeName)": "null" } } },
                ),
            ]),
            "tenant-service-external-ips": policy("tenant-service-external-ips", "No externalIPs on tenant Services", [
                validate(
                    "no-external-ips",
                    { any: [{ resources: { kinds: ["Service"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant" } } } }] },
                    "Services in tenant namespaces may not set externalIPs (kube-proxy would send other pods' traffic for those addresses to them).",
                    { pattern: { spec: { "X(externalIPs)": "null" } } },
                ),
            ]),
            "tenant-service-account-tokens": policy("tenant-service-account-tokens", "No long-lived tokens, and no pods, for the platform's accounts in tenant namespaces", [
                validate(
                    "no-token-secrets",
                    { any: [{ resources: { kinds: ["Secret"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant" } } } }] },
                    "Secrets in tenant namespaces may not be service account tokens (kubernetes.io/service-account-token): they never expire.",
                    { pattern: { "=(type)": "!kubernetes.io/service-account-token" } },
                ),
                validate(
                    "no-platform-accounts",
                    { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant" } } } }] },
                    "Pods in tenant namespaces may not run as ci or vault-secret-store (the accounts Argo CD and External Secrets act as).",
                    { pattern: { spec: { "=(serviceAccountName)": "!ci & !vault-secret-store" } } },
                ),
            ]),
        };
        // One rule per tenant with a repository: its namespaces, its own key (by the alias its key gets); each in a
        // policy of its own, in its tenant's stack.
        const signatures = (tenant: string) =>
            policy(
                `tenant-verify-image-signatures-${tenant}`,
                "Signed images only (cosign)",
                [tenant].map((tenant) => ({
                    match: { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant", "platform.io/tenant": tenant } } } }] },
                    name: `signed-${tenant}`,
                    verifyImages: [
                        {
                            attestors: [{ count: 1, entries: [{ keys: { ctlog: { ignoreSCT: true }, kms: `awskms:///alias/acme-prod-${tenant}-signing`, rekor: { ignoreTlog: true } } }] }],
                            failureAction: "Enforce",
                            imageReferences: [`${ACCOUNT_ECR}/*/apps:*`, `${ACCOUNT_ECR}/*/apps@*`],
                            imageRegistryCredentials: { providers: ["amazon"] },
                            mutateDigest: true,
                            required: true,
                            type: "Cosign",
                            verifyDigest: true,
                        },
                    ],
                })),
                { annotations: { "pod-policies.kyverno.io/autogen-controllers": "none" }, background: false, spec: { webhookConfiguration: { timeoutSeconds: 30 } } },
            );
        const set = await deployedSet("prod");
        for (const tenant of ["team-a", "payments"]) {
            assert.deepStrictEqual(the(`tenant-${tenant}-verify-image-signatures`), signatures(tenant), tenant);
            assert.ok(waitsFor(set, res(`tenant-${tenant}-verify-image-signatures`), res("platform-policy-kyverno")), tenant);
        }
        const policies = plan().resources.filter((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && r.name.startsWith("platform-policy-"));
        assert.deepStrictEqual(policies.map((p) => p.name.replace("platform-policy-", "")).sort(), Object.keys(expected).sort());
        // Each tenant's registry boundary: its own repository (by tag or digest) and the caches, enforced; after Kyverno's policies.
        const caches = ["docker-hub", "ghcr", "ecr-public", "quay", "k8s"].map((c) => `${ACCOUNT_ECR}/${c}/*`);
        assert.deepStrictEqual(
            the("tenant-team-a-own-repository"),
            policy("tenant-own-repository-team-a", "Images of the platform's registry only from the tenant's own repository or the caches", [
                validate(
                    "own-repository",
                    { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant", "platform.io/tenant": "team-a" } } } }] },
                    `Images of ${ACCOUNT_ECR} (under any of its registry's names) must come from the tenant's repository ${ACCOUNT_ECR}/team-a/apps or the pull-through caches, by that host.`,
                    // Every name of the account's registry (dual-stack, FIPS, other regions) but these.
                    { pattern: everyContainer({ image: ["!222222222222.dkr*", `${ACCOUNT_ECR}/team-a/apps:*`, `${ACCOUNT_ECR}/team-a/apps@*`, ...caches].join(" | ") }) },
                ),
            ]),
        );
        assert.deepStrictEqual(res("tenant-team-a-own-repository").dependsOn, [urn("tenant-team-a-verify-image-signatures")]);
        for (const p of policies) assert.ok(waitsFor(set, res("tenant-team-a-own-repository"), p), p.name);
        for (const [name, spec] of Object.entries(expected)) {
            assert.deepStrictEqual(the(`platform-policy-${name}`), spec, name);
            assert.deepStrictEqual(res(`platform-policy-${name}`).dependsOn, [urn("platform-policy-kyverno")], name);
        }
    });
});

describe("admission policy details: keyless signatures, and no signature check without a verifier @stack", function () {
    this.timeout(120000);
    let dev: Plan;
    let unsigned: Plan;
    before(async () => {
        dev = await committedPlan("dev");
        const delivery = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:appDelivery"]);
        // Every stack of the set: a tenant stack's own signature policy would be the one to go.
        unsigned = (await deployedSetWith("dev", { "platform:appDelivery": JSON.stringify({ ...delivery, signatures: { action: "Audit" } }) })).plan;
    });

    it("checks development's images against the keyless identities of each tenant's own repositories, in the public transparency log, enforcing", () => {
        const ecr = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
        // team-a signs from acme/team-a-app's workflows on main; payments has no repository and nothing to verify.
        assert.deepStrictEqual(inputs(named(dev.resources, "tenant-team-a-verify-image-signatures")).spec.rules, [
            {
                match: { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { "platform.io/namespace-role": "tenant", "platform.io/tenant": "team-a" } } } }] },
                name: "signed-team-a",
                verifyImages: [
                    {
                        attestors: [
                            {
                                count: 1,
                                entries: [
                                    {
                                        keyless: {
                                            additionalExtensions: { githubWorkflowRepository: "acme/team-a-app" },
                                            issuer: "https://token.actions.githubusercontent.com",
                                            rekor: { url: "https://rekor.sigstore.dev" },
                                            subjectRegExp: "^https://github\\.com/acme/team-a-app/\\.github/workflows/[^/@]+@(?:refs/heads/main)$",
                                        },
                                    },
                                ],
                            },
                        ],
                        failureAction: "Enforce",
                        imageReferences: [`${ecr}/*/apps:*`, `${ecr}/*/apps@*`],
                        imageRegistryCredentials: { providers: ["amazon"] },
                        // Kyverno mutates digests only when it enforces.
                        mutateDigest: true,
                        required: true,
                        type: "Cosign",
                        verifyDigest: true,
                    },
                ],
            },
        ]);
    });

    it("gives the admission controller its signature reader from the policy layer, without a KMS statement for keyless signatures", () => {
        const reader = named(dev.resources, "platform-policy-signature-reader");
        assert.strictEqual(reader.parent, named(dev.resources, "platform-policy").urn);
        assert.deepStrictEqual(
            (JSON.parse(inputs(named(dev.resources, "platform-policy-signature-reader-policy")).policy).Statement as { Sid: string }[]).map((s) => s.Sid),
            ["RegistryLogin", "ReadSignatures"],
        );
    });

    it("has no signature policy and no signature reader when no verifier is configured", () => {
        const policies = ofType(unsigned.resources, "kubernetes:kyverno.io/v1:ClusterPolicy").map((p) => p.name).filter((n) => n.startsWith("platform-policy-"));
        assert.strictEqual(policies.length, 10);
        // Neither the shared policy nor a tenant's own (the committed dev set has team-a's).
        assert.ok(dev.resources.some((r) => r.name === "tenant-team-a-verify-image-signatures"));
        assert.deepStrictEqual(unsigned.resources.filter((r) => r.name.endsWith("verify-image-signatures")).map((r) => r.name), []);
        assert.deepStrictEqual(unsigned.resources.filter((r) => r.name.includes("signature-reader")), []);
        assert.deepStrictEqual(named(unsigned.resources, "platform-policy-kyverno").dependsOn, [named(unsigned.resources, "platform-policy-namespace").urn]);
        assert.strictEqual(signaturePolicySpec({ action: "Audit" }, ["r/*"]), undefined);
    });
});
