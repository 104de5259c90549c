// What every tenant namespace holds, as pure data: labels, quota, limits, network policies, role bindings.
import type { TenantConfig } from "../../stacks/schema-tenants";
import { ALLOWED_HOSTNAMES_ANNOTATION } from "../policy/admission-policies";
import { namespaceLabels, PLATFORM_NAMESPACES } from "../shared/namespaces";

/** Label naming a namespace's tenant: same-tenant traffic and the tenant's secret store select by it. */
export const TENANT_LABEL = "platform.io/tenant";
/** The service account a tenant's pipelines deploy with (the deployer role in the tenant's namespaces). */
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

/** The namespace of a tenant's runners: the tenant's label (its secret store serves it), no hostnames. */
/**
 * The runners' namespace enforces Pod Security privileged: each job's builder sidecar runs with seccomp and AppArmor
 * unconfined, which no other level admits. Nobody but the platform creates pods here (the team reads only; runner
 * pods mount no API token), and CrossGuard's unconfined-workloads-isolated keeps such pods on the builders' nodes.
 */
export function ciNamespaceSpec(t: TenantConfig, namespace: string, costCentre: string) {
    return { metadata: { name: namespace, labels: { ...namespaceLabels("ci", "privileged"), [TENANT_LABEL]: t.name, "platform.io/cost-centre": costCentre } } };
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

/**
 * No pod naming a PriorityClass: the built-in system-node-critical and system-cluster-critical (2000001000,
 * 2000000000) are usable in every namespace since Kubernetes 1.17 (the Priority plugin's kube-system restriction became
 * an opt-in `limitedResources` of the ResourceQuota admission config, which EKS does not set), so a tenant's pod would
 * preempt the platform's (Vault, Keycloak, the gateway) and other tenants' on a full node. ResourceQuota admission
 * counts a pod against every quota of its namespace whose scope it matches (PriorityClass `Exists`: any name): none
 * may exist. A PriorityClass marked globalDefault would put every tenant pod in this scope.
 */
export function priorityQuotaSpec(namespace: string) {
    return {
        metadata: { name: "tenant-no-priority-class", namespace },
        spec: { hard: { pods: "0" }, scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "Exists" }] } },
    };
}

/**
 * No pod whose pod (anti-)affinity names other namespaces (`namespaces` or `namespaceSelector`): the scheduler honours
 * an existing pod's required anti-affinity against every pod it places, so a tenant pod with such a term against
 * Vault's or Keycloak's labels would keep them off its node, or draw itself onto theirs. ResourceQuota's scope
 * CrossNamespacePodAffinity (Kubernetes pkg/quota/v1/evaluator/core/pods.go) exists for this. Tenant namespaces only:
 * the runner pods of a CI namespace need their cross-namespace anti-affinity.
 */
export function crossNamespaceAffinityQuotaSpec(namespace: string) {
    return {
        metadata: { name: "tenant-no-cross-namespace-affinity", namespace },
        spec: { hard: { pods: "0" }, scopeSelector: { matchExpressions: [{ scopeName: "CrossNamespacePodAffinity", operator: "Exists" }] } },
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

/**
 * The CI namespace's policies: deny by default, DNS and the internet (GitHub, base images, sources) out. Nothing in:
 * the tenant's pods never reach the runners (and their identity), nor one job another (each job's builder listens on
 * its pod's loopback).
 */
export function ciNetworkPolicySpecs(t: TenantConfig, namespace: string) {
    const kept = ["default-deny", "allow-dns", "allow-internet"];
    return networkPolicySpecs(t, namespace).filter((p) => kept.includes(p.metadata.name));
}

/** The ClusterRoles the platform writes for tenants (bound per namespace), instead of Kubernetes' edit and admin. */
export const TENANT_ROLES = {
    /** The team's SSO group: its workloads and their objects, debugging its own pods; nothing the platform sets up. */
    member: "platform:tenant-member",
    /** The owners: a member's rights, plus Roles and RoleBindings in the namespace (the RBAC API's escalation check
     * limits them to rights they hold themselves: the tenant roles, or less). */
    owner: "platform:tenant-owner",
    /** The `ci` account pipelines deploy with: a member's writes, without exec, attach or port-forward. */
    deployer: "platform:tenant-deployer",
} as const;

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const rule = (apiGroups: string[], resources: string[], verbs: string[]): Rule => ({ apiGroups, resources, verbs });

/**
 * What a tenant creates and changes in its namespaces: the kinds its Argo CD project deploys (app-projects.ts
 * TENANT_DEPLOYABLE_KINDS) with their scale subresources, and leases for its applications' leader election. Not
 * here, so never writable by a tenant: NetworkPolicies, ResourceQuotas, LimitRanges, SecretStores and every other
 * External Secrets kind but ExternalSecret (a store or generator logs in with the controller's own identity), Argo CD
 * objects (tenants change them through Argo CD), Kyverno policies and exceptions, Ingresses, Gateways,
 * ReferenceGrants, DaemonSets, `serviceaccounts/token` (a token for any account of the namespace, the runner's Pod
 * Identity one included), `impersonate`, and the proxy subresources (the API server's proxy bypasses network policies).
 */
const WORKLOAD_RULES: Rule[] = [
    rule([""], ["configmaps", "secrets", "services", "persistentvolumeclaims", "serviceaccounts", "pods"], [...READ, ...WRITE]),
    rule(["apps"], ["deployments", "deployments/scale", "statefulsets", "statefulsets/scale", "replicasets", "replicasets/scale"], [...READ, ...WRITE]),
    rule(["batch"], ["jobs", "cronjobs"], [...READ, ...WRITE]),
    rule(["autoscaling"], ["horizontalpodautoscalers"], [...READ, ...WRITE]),
    rule(["policy"], ["poddisruptionbudgets"], [...READ, ...WRITE]),
    rule(["gateway.networking.k8s.io"], ["httproutes", "grpcroutes"], [...READ, ...WRITE]),
    // Only against the tenant's own store: the stores' conditions refuse other namespaces (external-secrets.ts).
    rule(["external-secrets.io"], ["externalsecrets"], [...READ, ...WRITE]),
    rule(["coordination.k8s.io"], ["leases"], [...READ, ...WRITE]),
    rule([""], ["pods/eviction"], ["create"]),
    // What the platform sets up in the namespace, and what tells a team why a pod does not start: read only.
    rule(
        [""],
        ["events", "endpoints", "limitranges", "resourcequotas", "resourcequotas/status", "pods/log", "pods/status", "services/status", "persistentvolumeclaims/status", "namespaces", "namespaces/status"],
        READ,
    ),
    rule(["apps"], ["controllerrevisions", "daemonsets", "deployments/status", "statefulsets/status", "replicasets/status"], READ),
    rule(["batch"], ["jobs/status", "cronjobs/status"], READ),
    rule(["autoscaling"], ["horizontalpodautoscalers/status"], READ),
    rule(["policy"], ["poddisruptionbudgets/status"], READ),
    rule(["discovery.k8s.io"], ["endpointslices"], READ),
    rule(["networking.k8s.io"], ["networkpolicies"], READ),
    rule(["gateway.networking.k8s.io"], ["httproutes/status", "grpcroutes/status"], READ),
    rule(["external-secrets.io"], ["externalsecrets/status"], READ),
    rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], READ),
    // Kyverno's audit results for the namespace (its chart's aggregation into admin is off).
    rule(["wgpolicyk8s.io"], ["policyreports"], READ),
];
/** What the tenant sees of its runners (in their namespace): pods, their logs and events; no writes. */
export const TENANT_CI_VIEWER_ROLE = "platform:tenant-ci-viewer";
const CI_VIEWER_RULES: Rule[] = [rule([""], ["pods", "pods/log", "pods/status", "events"], READ)];
/** Debugging its own pods (only ever bound in the tenant's namespaces). */
const INTERACTIVE_RULES: Rule[] = [rule([""], ["pods/exec", "pods/attach", "pods/portforward"], ["get", "create"])];
/** Owners delegate in their namespace; no `bind` or `escalate`, so only rights they hold themselves. */
const OWNER_RULES: Rule[] = [
    rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], WRITE),
    rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
];

export function tenantClusterRoleSpecs() {
    const role = (name: string, rules: Rule[]) => ({ metadata: { name, labels: { "app.kubernetes.io/part-of": "platform-tenants" } }, rules });
    return [
        role(TENANT_ROLES.member, [...WORKLOAD_RULES, ...INTERACTIVE_RULES]),
        role(TENANT_ROLES.owner, [...WORKLOAD_RULES, ...INTERACTIVE_RULES, ...OWNER_RULES]),
        role(TENANT_ROLES.deployer, WORKLOAD_RULES),
        role(TENANT_CI_VIEWER_ROLE, CI_VIEWER_RULES),
    ];
}

/** In the CI namespace, the team (its SSO group and owners) reads its runners' pods and logs, and nothing more. */
export function ciRoleBindingSpec(t: TenantConfig, namespace: string, ssoGroup: string) {
    return {
        metadata: { name: "tenant-ci-viewers", namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: TENANT_CI_VIEWER_ROLE },
        subjects: [
            { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${OIDC}${ssoGroup}` },
            ...t.owners.map((o) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: `${OIDC}${o}` })),
        ],
    };
}

/** The team's SSO group holds the member role, its owners the owner role, its CI account the deployer role. */
export function roleBindingSpecs(t: TenantConfig, namespace: string, ssoGroup: string) {
    const binding = (name: string, role: string, subjects: { kind: string; name: string; apiGroup?: string; namespace?: string }[]) => ({
        metadata: { name, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects,
    });
    return [
        binding("tenant-members", TENANT_ROLES.member, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${OIDC}${ssoGroup}` }]),
        binding("tenant-owners", TENANT_ROLES.owner, t.owners.map((o) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: `${OIDC}${o}` }))),
        binding("tenant-ci", TENANT_ROLES.deployer, [{ kind: "ServiceAccount", name: CI_SERVICE_ACCOUNT, namespace }]),
    ];
}
