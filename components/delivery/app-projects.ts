// What Argo CD holds per tenant, as pure data: its AppProject (sources, destinations, what it may not touch, who may
// use it) and the optional Application that syncs its configuration repository.
import type { TenantConfig } from "../../stacks/schema-tenants";
import { tenantNamespaces } from "../../stacks/schema-tenants";
import { CI_SERVICE_ACCOUNT } from "../tenants/tenant-objects";

/** Where Argo CD deploys: the cluster it runs in (the platform never registers other clusters for tenants). */
export const IN_CLUSTER = "https://kubernetes.default.svc";

/**
 * The namespaced kinds a tenant deploys through Argo CD: what its member role (tenant-objects.ts) may create itself,
 * none of what the platform owns in its namespaces. The application controller is cluster-admin (syncs impersonate the
 * destination's `ci` account, see appProjectSpec), so the project must not let a tenant's repository create what the tenant could not (a Gateway with its own load balancer, a Kyverno policy, a
 * PushSecret, its quota or network policies): everything not listed is refused.
 */
export const TENANT_DEPLOYABLE_KINDS = [
    { group: "", kind: "ConfigMap" },
    { group: "", kind: "Secret" },
    { group: "", kind: "Service" },
    { group: "", kind: "ServiceAccount" },
    { group: "", kind: "PersistentVolumeClaim" },
    { group: "apps", kind: "Deployment" },
    { group: "apps", kind: "StatefulSet" },
    { group: "batch", kind: "Job" },
    { group: "batch", kind: "CronJob" },
    { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
    { group: "policy", kind: "PodDisruptionBudget" },
    { group: "gateway.networking.k8s.io", kind: "HTTPRoute" },
    { group: "gateway.networking.k8s.io", kind: "GRPCRoute" },
    { group: "external-secrets.io", kind: "ExternalSecret" },
    // What those create: Argo CD hides from an application's tree every kind its project does not permit, and the
    // tenant's member role may create pods and replica sets anyway.
    { group: "", kind: "Pod" },
    { group: "apps", kind: "ReplicaSet" },
    { group: "apps", kind: "ControllerRevision" },
    { group: "discovery.k8s.io", kind: "EndpointSlice" },
] as const;

/** The namespaces a tenant's project may deploy to: its list when given (checked to be its own), else all of them. */
export function projectDestinations(t: Pick<TenantConfig, "name" | "namespaces" | "gitops">): string[] {
    return t.gitops?.destinations ?? tenantNamespaces(t);
}

/** One project per tenant: its repositories, its namespaces on this cluster, no cluster-scoped resources, its group only. */
export function appProjectSpec(t: Pick<TenantConfig, "name" | "namespaces" | "gitops">, a: { readonly namespace: string; readonly ssoGroup: string }) {
    const project = t.name;
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { name: project, namespace: a.namespace },
        spec: {
            description: `Tenant ${t.name}`,
            sourceRepos: [...(t.gitops?.sourceRepos ?? [])],
            destinations: projectDestinations(t).map((namespace) => ({ server: IN_CLUSTER, namespace })),
            // What Argo CD acts as in each destination (argocd-cm application.sync.impersonation.enabled): the
            // namespace's `ci` account, which holds the deployer role there and nothing elsewhere. Its RBAC, not only
            // the kinds below, bounds a sync, and bounds the delete hooks, which v3.4.4 creates without these checks.
            destinationServiceAccounts: projectDestinations(t).map((namespace) => ({ server: IN_CLUSTER, namespace, defaultServiceAccount: CI_SERVICE_ACCOUNT })),
            // Empty: no cluster-scoped kind at all (namespaces, CRDs, cluster roles, webhooks).
            clusterResourceWhitelist: [],
            namespaceResourceWhitelist: TENANT_DEPLOYABLE_KINDS.map((k) => ({ ...k })),
            orphanedResources: { warn: true },
            roles: [
                {
                    name: "members",
                    description: `Members of ${a.ssoGroup}: their own applications, nothing else`,
                    groups: [a.ssoGroup],
                    policies: [
                        `p, proj:${project}:members, applications, *, ${project}/*, allow`,
                        // No ApplicationSets: their SCM and pull-request generators send a tokenRef's secret to any
                        // API they name, from Argo CD's namespace (Argo CD's docs: only admins create them).
                        `p, proj:${project}:members, logs, get, ${project}/*, allow`,
                        // No `projects` line: Argo CD refuses it in a project role (policy/rules/argocd-projects.ts).
                    ],
                },
            ],
        },
    };
}

/**
 * The tenant's starting Application: automated sync of its repository path into its namespace, pruning and
 * self-healing. No resources finalizer: removing the tenant deletes its namespaces (and what the app created with
 * them), and a finalizer would hang a destroy whenever Argo CD is gone first.
 */
export function applicationSpec(t: Pick<TenantConfig, "name" | "namespaces" | "gitops">, a: { readonly namespace: string }) {
    const app = t.gitops?.application;
    if (app === undefined) return undefined;
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: t.name, namespace: a.namespace },
        spec: {
            project: t.name,
            source: { repoURL: app.repoURL, path: app.path, targetRevision: app.targetRevision },
            destination: { server: IN_CLUSTER, namespace: app.namespace ?? tenantNamespaces(t)[0] },
            syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=false", "PruneLast=true"] },
        },
    };
}

/** Argo CD's global RBAC (argocd-rbac-cm): platform groups only; tenants get their projects' roles. Nothing by default. */
export function rbacPolicy(groups: { readonly admins: string; readonly viewers: string }) {
    return {
        "policy.csv": [`g, ${groups.admins}, role:admin`, `g, ${groups.viewers}, role:readonly`].join("\n"),
        "policy.default": "",
        scopes: "[groups]",
    };
}
