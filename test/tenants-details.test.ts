// What the first exact mutation run of components/tenants showed no test pinned (reports/mutation/SCORES.md): the
// namespace objects' specs in full.
import * as assert from "assert";
import { limitRangeSpec, networkPolicySpecs, roleBindingSpecs } from "../components/tenants/tenant-objects";
import { tenantSchema } from "../stacks/schema-tenants";

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
