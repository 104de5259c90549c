// A custom resource a controller owns must be deleted while that controller still runs: finalizers it sets (Envoy's
// GatewayClass, Karpenter's NodeClaims, Velero's Restores, cert-manager's ACME orders) clear only then. Pulumi deletes a
// resource before everything it depends on, so each such resource depends, directly or through its parents, on the
// controller's release.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { deletedBefore, deletedBeforeSome, isTenantStack } from "./support";
import { CLEANUP_CHART_NAME, FINALIZER_CLEANUPS } from "../../components/shared/finalizer-cleanup";

export interface ControllerOwner {
    /** API groups of the custom resources this controller reconciles. */
    readonly groups: readonly string[];
    /** What to call it in messages. */
    readonly controller: string;
    /** Whether `r` is the resource that runs the controller (a chart release or an EKS add-on). */
    readonly runsController: (r: PolicyResource) => boolean;
}

/** Last path segment of a chart reference: `oci://docker.io/envoyproxy/gateway-helm` -> `gateway-helm`. */
export const chartName = (chart: unknown) => (typeof chart === "string" ? chart.split("/").pop() : undefined);
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const release = (chart: string) => (r: PolicyResource) => r.type === HELM_RELEASE && chartName(r.props.chart) === chart;
const kustomization = (repository: string) => (r: PolicyResource) =>
    r.type === "kubernetes:kustomize/v2:Directory" && typeof r.props.directory === "string" && r.props.directory.startsWith(`https://github.com/${repository}/`);
const addon = (name: string) => (r: PolicyResource) => r.type === "aws:eks/addon:Addon" && r.props.addonName === name;

/** Each controller the platform installs and the API groups it owns; a new layer's controller gets its row here. */
export const CONTROLLER_OWNERS: readonly ControllerOwner[] = [
    { groups: ["gateway.networking.k8s.io", "gateway.envoyproxy.io"], controller: "Envoy Gateway (chart gateway-helm)", runsController: release("gateway-helm") },
    { groups: ["cert-manager.io", "acme.cert-manager.io"], controller: "cert-manager (chart cert-manager)", runsController: release("cert-manager") },
    { groups: ["policy.cert-manager.io"], controller: "approver-policy (chart cert-manager-approver-policy)", runsController: release("cert-manager-approver-policy") },
    { groups: ["karpenter.sh", "karpenter.k8s.aws"], controller: "Karpenter (chart karpenter)", runsController: release("karpenter") },
    { groups: ["velero.io"], controller: "Velero (chart velero)", runsController: release("velero") },
    { groups: ["external-secrets.io", "generators.external-secrets.io"], controller: "External Secrets (chart external-secrets)", runsController: release("external-secrets") },
    { groups: ["snapshot.storage.k8s.io"], controller: "the snapshot-controller add-on", runsController: addon("snapshot-controller") },
    { groups: ["kyverno.io"], controller: "Kyverno (chart kyverno)", runsController: release("kyverno") },
    { groups: ["monitoring.coreos.com"], controller: "the Prometheus Operator (chart kube-prometheus-stack)", runsController: release("kube-prometheus-stack") },
    { groups: ["argoproj.io"], controller: "Argo CD (chart argo-cd)", runsController: release("argo-cd") },
    { groups: ["actions.github.com"], controller: "the runner scale set controller (chart gha-runner-scale-set-controller)", runsController: release("gha-runner-scale-set-controller") },
    { groups: ["k8s.keycloak.org"], controller: "the Keycloak Operator (keycloak-k8s-resources kustomization)", runsController: kustomization("keycloak/keycloak-k8s-resources") },
];

/** API groups Kubernetes itself serves: no separate controller to order against. */
export const BUILT_IN_GROUPS = new Set([
    "core", "apps", "batch", "policy", "autoscaling", "storage.k8s.io", "rbac.authorization.k8s.io", "networking.k8s.io",
    "scheduling.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "node.k8s.io",
    "discovery.k8s.io", "certificates.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "helm.sh", "kustomize", "yaml",
]);

/** `kubernetes:karpenter.sh/v1:NodePool` -> `karpenter.sh`; undefined for non-Kubernetes types. */
export function apiGroup(type: string): string | undefined {
    const m = /^kubernetes:([^/:]+)\/[^:]+:/.exec(type) ?? /^kubernetes:([^:]+):/.exec(type);
    return m ? m[1] : undefined;
}

export const controllerDependencyPolicy: StackValidationPolicy = {
    name: "custom-resources-after-their-controller",
    description:
        "Every custom resource depends (directly or through its parents) on the release of the controller that owns it, so destroy removes it while its finalizers can still clear (in a tenant stack, a controller of the platform stack is destroyed after it).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const tenantStack = isTenantStack(resources);
        for (const r of resources) {
            const group = apiGroup(r.type);
            // Providers (pulumi:providers:kubernetes) have no API group: apiGroup reads only kubernetes: types.
            if (group === undefined || BUILT_IN_GROUPS.has(group)) continue;
            const owner = CONTROLLER_OWNERS.find((o) => o.groups.includes(group));
            if (!owner) {
                report(`${r.type}: no controller is known for API group ${group}; add it to CONTROLLER_OWNERS (policy/rules/controllers.ts)`, r.urn);
                continue;
            }
            // A tenant stack's objects of a controller it does not run: the platform stack's, destroyed after it.
            if (tenantStack && !resources.some(owner.runsController)) continue;
            if (!deletedBeforeSome(r, resources, owner.runsController)) {
                report(`${r.type} ${r.name} does not depend on ${owner.controller}: on destroy the controller can go first and its finalizers never clear`, r.urn);
            }
        }
    },
};

/** The kinds a cleanup release's pre-delete Job deletes (its kubectl command's resource list). */
export function cleanupKinds(r: PolicyResource): string[] {
    const objects: unknown = r.props.values?.objects;
    if (!Array.isArray(objects)) return [];
    const job = objects.find((o) => o?.kind === "Job");
    const command: unknown = job?.spec?.template?.spec?.containers?.[0]?.command;
    return Array.isArray(command) && command[1] === "delete" && typeof command[2] === "string" ? command[2].split(",") : [];
}

/** The cleanup Job's activeDeadlineSeconds. */
export function cleanupJobDeadline(r: PolicyResource): number | undefined {
    const objects: unknown = r.props.values?.objects;
    const job = Array.isArray(objects) ? objects.find((o) => o?.kind === "Job") : undefined;
    return typeof job?.spec?.activeDeadlineSeconds === "number" ? job.spec.activeDeadlineSeconds : undefined;
}

export const finalizerCleanupPolicy: StackValidationPolicy = {
    name: "finalizer-cleanup-before-controller",
    description: "A controller whose objects carry finalizers it alone clears has a cleanup release, removed before it on destroy, that deletes those objects and waits.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const [chart, kinds] of Object.entries(FINALIZER_CLEANUPS)) {
            for (const controller of resources.filter(release(chart))) {
                const cleanups = resources.filter((r) => release(CLEANUP_CHART_NAME)(r) && deletedBefore(r, resources).has(controller));
                const missing = kinds.filter((k) => !cleanups.some((c) => cleanupKinds(c).includes(k)));
                for (const c of cleanups) {
                    const deadline = cleanupJobDeadline(c);
                    if (deadline !== undefined && !(Number(c.props.timeout) > deadline)) {
                        report(`${c.name}: Helm waits ${c.props.timeout ?? 300} s for the pre-delete hook, less than its Job's deadline of ${deadline} s; set the release timeout above it`, c.urn);
                    }
                }
                if (missing.length > 0) {
                    report(`${controller.name} (chart ${chart}): no cleanup release ordered after it deletes ${missing.join(", ")}; on destroy their finalizers would never clear`, controller.urn);
                }
            }
        }
    },
};
