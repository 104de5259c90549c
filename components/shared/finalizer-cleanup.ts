// Destroy order for controllers whose objects carry finalizers that only the running controller clears (Velero's
// Restores and data movers, Karpenter's NodeClaims, cert-manager's ACME challenges). A small release installed after
// the controller carries a Helm pre-delete hook: on `pulumi destroy` it is uninstalled before the controller, and its
// Job deletes those objects and waits until the controller has finalized them, as `velero uninstall` does.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { NODE_ROLE_LABEL } from "../cluster/node-group";
import { durationSeconds } from "./duration";

/** The local chart that renders the objects below (charts/pre-delete-cleanup), relative to the project root. */
export const CLEANUP_CHART = "charts/pre-delete-cleanup";
export const CLEANUP_CHART_NAME = "pre-delete-cleanup";

/** Per controller chart, the objects (`plural.group`) to delete while it still runs, in order. */
export const FINALIZER_CLEANUPS: Readonly<Record<string, readonly string[]>> = {
    velero: ["restores.velero.io", "datauploads.velero.io", "datadownloads.velero.io", "podvolumebackups.velero.io", "podvolumerestores.velero.io"],
    // NodePools first (no new nodes), then their NodeClaims: Karpenter drains and terminates each instance.
    karpenter: ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh"],
    "cert-manager": ["challenges.acme.cert-manager.io", "orders.acme.cert-manager.io"],
    // External Secrets 2.x puts a finalizer on every ExternalSecret (and PushSecret, ClusterExternalSecret).
    "external-secrets": ["clusterexternalsecrets.external-secrets.io", "externalsecrets.external-secrets.io", "pushsecrets.external-secrets.io"],
    // ApplicationSets first (they would recreate Applications), then Applications (resources finalizer).
    "argo-cd": ["applicationsets.argoproj.io", "applications.argoproj.io"],
    // Each runner set's listener, roles and service account carry finalizers only the controller removes.
    "gha-runner-scale-set-controller": ["autoscalingrunnersets.actions.github.com"],
};

export interface CleanupObjectsArgs {
    /** Name of the hook objects (ServiceAccount, ClusterRole, Job). */
    readonly name: string;
    /** Namespace the Job runs in (the controller's). */
    readonly namespace: string;
    /** `plural.group` of every object kind to delete, in order. */
    readonly resources: readonly string[];
    /** kubectl image, pinned to the cluster's minor version. */
    readonly kubectlImage: string;
    /** How long the Job waits for the controller to finalize them (Go duration, e.g. 10m). */
    readonly timeout: string;
    /** Node label selecting the System node group (where the Job still has a node while workers go). */
    readonly systemNodeSelector: Readonly<Record<string, string>>;
}

const hook = (weight: number) => ({
    "helm.sh/hook": "pre-delete",
    "helm.sh/hook-weight": String(weight),
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
});


/** The hook objects: RBAC for exactly these kinds (get/list/watch/delete), then the Job that deletes and waits. */
export function cleanupObjects(a: CleanupObjectsArgs): Record<string, unknown>[] {
    const byGroup = new Map<string, string[]>();
    for (const r of a.resources) {
        const [plural, ...group] = r.split(".");
        byGroup.set(group.join("."), [...(byGroup.get(group.join(".")) ?? []), plural]);
    }
    const meta = (weight: number, namespaced: boolean) => ({ name: a.name, ...(namespaced ? { namespace: a.namespace } : {}), annotations: hook(weight) });
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(-10, true) },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: meta(-10, false),
            rules: [...byGroup].map(([group, resources]) => ({ apiGroups: [group], resources, verbs: ["get", "list", "watch", "delete"] })),
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: meta(-5, false),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: a.name },
            subjects: [{ kind: "ServiceAccount", name: a.name, namespace: a.namespace }],
        },
        {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: meta(0, true),
            spec: {
                backoffLimit: 2,
                activeDeadlineSeconds: durationSeconds(a.timeout) + 300,
                template: {
                    spec: {
                        serviceAccountName: a.name,
                        restartPolicy: "Never",
                        nodeSelector: { ...a.systemNodeSelector },
                        tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }],
                        securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "delete-and-wait",
                                image: a.kubectlImage,
                                // One kubectl call (the image has no shell): delete every object of these kinds and
                                // wait until the controller has removed its finalizers.
                                command: ["kubectl", "delete", a.resources.join(","), "--all", "--all-namespaces", "--ignore-not-found", "--wait", `--timeout=${a.timeout}`],
                                env: [{ name: "HOME", value: "/tmp" }],
                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                        volumes: [{ name: "tmp", emptyDir: {} }],
                    },
                },
            },
        },
    ];
}

/** kubectl at the cluster's minor version (registry.k8s.io publishes one image per Kubernetes release). */
export const kubectlImage = (kubernetesVersion: string) => `registry.k8s.io/kubectl:v${kubernetesVersion}.0`;

export interface FinalizerCleanupArgs {
    /** The controller's chart name, a key of FINALIZER_CLEANUPS. */
    readonly controllerChart: keyof typeof FINALIZER_CLEANUPS & string;
    /** Namespace the Job runs in (the controller's). */
    readonly namespace: string;
    /** The cluster's Kubernetes minor version: kubectl is pinned to it. */
    readonly kubernetesVersion: string;
    /** How long the Job waits for the controller to finalize the objects (e.g. 10m, 8100s). */
    readonly timeout: string;
}

/**
 * The cleanup release for one controller. Pass the controller's release (and the objects it reconciles that Pulumi
 * owns) as `dependsOn`: created after them, it is removed before them on destroy.
 */
export function finalizerCleanup(name: string, args: FinalizerCleanupArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const objects = cleanupObjects({
        name: `${args.controllerChart}-finalizer-cleanup`,
        namespace: args.namespace,
        resources: FINALIZER_CLEANUPS[args.controllerChart],
        kubectlImage: kubectlImage(args.kubernetesVersion),
        timeout: args.timeout,
        // The System nodes stay while workers (Karpenter's among them) are drained away.
        systemNodeSelector: { [NODE_ROLE_LABEL]: "system" },
    });
    return new k8s.helm.v3.Release(
        name,
        {
            name: `${args.controllerChart}-finalizer-cleanup`,
            chart: CLEANUP_CHART,
            namespace: args.namespace,
            values: { objects },
            maxHistory: 3,
            // Helm's uninstall waits this long for the pre-delete hook (the provider's default is 300 s): the Job's
            // whole deadline, so a long drain is not cut short and retried from the start.
            timeout: releaseTimeoutSeconds(args.timeout),
        },
        opts,
    );
}

/** Seconds the release waits for its hook: the Job's active deadline plus a minute to schedule and finish. */
export const releaseTimeoutSeconds = (timeout: string) => durationSeconds(timeout) + 300 + 60;
