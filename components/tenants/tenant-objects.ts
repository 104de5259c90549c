// What every tenant namespace holds, as pure data: labels, quota, limits, network policies, role bindings.
import type { TenantConfig } from "../../stacks/schema-tenants";
import { ALLOWED_HOSTNAMES_ANNOTATION } from "../policy/admission-policies";
import { namespaceLabels, PLATFORM_NAMESPACES } from "../shared/namespaces";

/** Label naming a namespace's tenant: same-tenant traffic and the tenant's secret store select by it. */
export const TENANT_LABEL = "platform.io/tenant";
/** The service account a tenant's pipelines deploy with (edit in the tenant's namespaces). */
export const CI_SERVICE_ACCOUNT = "ci";
/** The service account the tenant's secret store logs in to Vault as, in each of its namespaces. */
export const SECRET_STORE_SERVICE_ACCOUNT = "vault-secret-store";
/** Kubernetes sees SSO users and groups under this prefix (the EKS identity provider's). */
const OIDC = "oidc:";

export function namespaceSpec(t: TenantConfig, namespace: string, costCentre: string) {
    return {
        metadata: {
            name: namespace,
            labels: { ...namespaceLabels("tenant", "restricted"), [TENANT_LABEL]: t.name, "platform.io/cost-centre": costCentre },
            annotations: { [ALLOWED_HOSTNAMES_ANNOTATION]: t.hostnames.join(",") },
        },
    };
}

export function resourceQuotaSpec(t: TenantConfig, namespace: string) {
    const q = t.quota;
    return {
        metadata: { name: "tenant-quota", namespace },
        spec: {
            hard: {
                "requests.cpu": q.requestsCpu,
                "requests.memory": q.requestsMemory,
                "limits.cpu": q.limitsCpu,
                "limits.memory": q.limitsMemory,
                pods: String(q.pods),
                "requests.storage": q.storage,
                // Tenants publish through the shared gateway, never with their own load balancers or node ports.
                "services.loadbalancers": "0",
                "services.nodeports": "0",
            },
        },
    };
}

export function limitRangeSpec(t: TenantConfig, namespace: string) {
    const d = t.containerDefaults;
    return {
        metadata: { name: "tenant-defaults", namespace },
        spec: { limits: [{ type: "Container", defaultRequest: { cpu: d.requestsCpu, memory: d.requestsMemory }, default: { cpu: d.limitsCpu, memory: d.limitsMemory } }] },
    };
}

const nsSelector = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });

/**
 * Default deny in and out, then what a tenant needs: DNS, its own namespaces, the gateway's proxies and the
 * monitoring scrapes in; the internet (never the metadata service or private ranges) out when allowed.
 */
export function networkPolicySpecs(t: TenantConfig, namespace: string) {
    const sameTenant = { namespaceSelector: { matchLabels: { [TENANT_LABEL]: t.name } } };
    const policy = (name: string, spec: Record<string, unknown>) => ({ metadata: { name, namespace }, spec: { podSelector: {}, ...spec } });
    return [
        policy("default-deny", { policyTypes: ["Ingress", "Egress"] }),
        policy("allow-dns", {
            policyTypes: ["Egress"],
            egress: [{ to: [{ ...nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        }),
        policy("allow-same-tenant", { policyTypes: ["Ingress", "Egress"], ingress: [{ from: [sameTenant] }], egress: [{ to: [sameTenant] }] }),
        // Envoy's proxies run in the controller's namespace.
        policy("allow-gateway", { policyTypes: ["Ingress"], ingress: [{ from: [nsSelector(PLATFORM_NAMESPACES.gatewayController)] }] }),
        policy("allow-monitoring", { policyTypes: ["Ingress"], ingress: [{ from: [nsSelector(PLATFORM_NAMESPACES.monitoring)] }] }),
        // Traces, metrics and logs to the platform's OTLP gateway.
        policy("allow-telemetry", {
            policyTypes: ["Egress"],
            egress: [{ to: [nsSelector(PLATFORM_NAMESPACES.monitoring)], ports: [{ protocol: "TCP", port: 4317 }, { protocol: "TCP", port: 4318 }] }],
        }),
        ...(t.internetEgress
            ? [
                  policy("allow-internet", {
                      policyTypes: ["Egress"],
                      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] } }] }],
                  }),
              ]
            : []),
    ];
}

/** The team's SSO group edits, its owners administer, its CI account deploys. */
export function roleBindingSpecs(t: TenantConfig, namespace: string, ssoGroup: string) {
    const binding = (name: string, role: string, subjects: { kind: string; name: string; apiGroup?: string; namespace?: string }[]) => ({
        metadata: { name, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects,
    });
    return [
        binding("tenant-members", "edit", [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${OIDC}${ssoGroup}` }]),
        binding("tenant-owners", "admin", t.owners.map((o) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: `${OIDC}${o}` }))),
        binding("tenant-ci", "edit", [{ kind: "ServiceAccount", name: CI_SERVICE_ACCOUNT, namespace }]),
    ];
}

