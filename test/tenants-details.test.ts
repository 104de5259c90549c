// What the first exact mutation run of components/tenants showed no test pinned (reports/mutation/SCORES.md): the
// namespace objects' specs in full.
import * as assert from "assert";
import { limitRangeSpec, networkPolicySpecs, roleBindingSpecs } from "../components/tenants/tenant-objects";
import { tenantSchema } from "../stacks/schema-tenants";
import { planStack, Plan, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";
import { committedPlan } from "./plans";

// The schema's defaults: internet egress on, containers 100m/128Mi requested and 500m/512Mi limited.
const tenant = tenantSchema.parse({ name: "team-a", owners: ["alice@example.com", "bob@example.com"], costCentre: "CC-A" });

describe("tenant details: what each namespace holds", () => {
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

    it("binds the SSO group to edit, each owner to admin and the CI account to edit", () => {
        const roleRef = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });
        assert.deepStrictEqual(roleBindingSpecs(tenant, "team-a", "tenant-team-a"), [
            { metadata: { name: "tenant-members", namespace: "team-a" }, roleRef: roleRef("edit"), subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "oidc:tenant-team-a" }] },
            {
                metadata: { name: "tenant-owners", namespace: "team-a" },
                roleRef: roleRef("admin"),
                subjects: [
                    { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "oidc:alice@example.com" },
                    { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "oidc:bob@example.com" },
                ],
            },
            { metadata: { name: "tenant-ci", namespace: "team-a" }, roleRef: roleRef("edit"), subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "team-a" }] },
        ]);
    });
});

describe("tenant details: what the plan holds for each tenant @stack", function () {
    this.timeout(120000);
    let prod: Plan;
    let renamed: Plan;
    before(async () => {
        prod = await committedPlan("prod");
        const list = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:tenants"]).list as Record<string, unknown>[];
        const old = { name: "team-b", owners: ["carol"], costCentre: "CC-B", ecrRepository: true, repositoryEncryption: "Aes256" };
        renamed = await planStack({ stack: "dev", configOverrides: { "platform:tenants": { list: [...list, { ...old, name: "team-bee", previousName: "team-b", dataName: "team-b", namespaces: ["team-b"] }] } } });
    });

    it("creates each namespace after every admission policy, so nothing lands in it unchecked", () => {
        const policies = ofType(prod.resources, "kubernetes:kyverno.io/v1:ClusterPolicy").map((p) => p.urn).sort();
        assert.strictEqual(policies.length, 8);
        for (const ns of ["tenant-team-a-team-a", "tenant-payments-payments"]) assert.deepStrictEqual([...named(prod.resources, ns).dependsOn].sort(), policies, ns);
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

    it("points the tenant's ExternalSecrets at its own store", () => {
        assert.deepStrictEqual(inputs(named(prod.resources, "tenant-team-a-delivery-github-app")).spec.secretStoreRef, { kind: "ClusterSecretStore", name: "tenant-team-a" });
        assert.strictEqual(inputs(named(prod.resources, "tenant-team-a-secret-store")).metadata.name, "tenant-team-a");
    });
});
