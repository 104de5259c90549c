// Workloads without a syscall sandbox (each CI job's image builder) kept on nodes of their own, one to a node, and
// buildkitd's TCP listener closed to clients without a certificate unless it is on the pod's loopback.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { BUILDER_NODE_POOL, BUILDER_TAINT } from "../../components/shared/builder-nodes";
import { asArray, isTenantStack } from "./support";

type Obj = Record<string, any>;
const WORKLOADS: Readonly<Record<string, (props: Obj) => Obj | undefined>> = {
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template && { ...p.spec.template.spec, metadata: p.spec.template.metadata },
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template && { ...p.spec.template.spec, metadata: p.spec.template.metadata },
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template && { ...p.spec.template.spec, metadata: p.spec.template.metadata },
    "kubernetes:batch/v1:Job": (p) => p.spec?.template && { ...p.spec.template.spec, metadata: p.spec.template.metadata },
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template && { ...p.spec.jobTemplate.spec.template.spec, metadata: p.spec.jobTemplate.spec.template.metadata },
    "kubernetes:core/v1:Pod": (p) => p.spec && { ...p.spec, metadata: p.metadata },
    // The runner pods a gha-runner-scale-set release describes (the chart copies template.spec into each job's pod).
    "kubernetes:helm.sh/v3:Release": (p) => (String(p.chart ?? "").endsWith("/gha-runner-scale-set") ? { ...p.values?.template?.spec, metadata: p.values?.template?.metadata } : undefined),
};

/** Whether a pod spec runs anything without seccomp or AppArmor confinement (pod level, or any container). */
export function unconfined(pod: Obj): boolean {
    const loose = (sc: Obj | undefined) => sc?.seccompProfile?.type === "Unconfined" || sc?.appArmorProfile?.type === "Unconfined";
    return loose(pod.securityContext) || [...asArray(pod.containers), ...asArray(pod.initContainers)].some((c: Obj) => loose(c.securityContext));
}

/** Kubernetes' Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go). */
const tolerates = (t: Obj, taint: Obj) =>
    (!t.effect || t.effect === taint.effect) && (!t.key || t.key === taint.key) && (t.operator === "Exists" || ((t.operator ?? "Equal") === "Equal" && (t.value ?? "") === (taint.value ?? "")));

/**
 * buildkitd's arguments: a TCP address without `--tlscacert` accepts any client (cmd/buildkitd serverCredentials),
 * unless it is the pod's loopback (127.0.0.1, which only the pod's own containers reach).
 */
export function openBuildkitListener(args: readonly string[]): boolean {
    const addresses = args.flatMap((a, i) => (a === "--addr" ? [String(args[i + 1] ?? "")] : a.startsWith("--addr=") ? [a.slice("--addr=".length)] : []));
    const exposed = addresses.some((a) => a.startsWith("tcp://") && !/^tcp:\/\/127\.0\.0\.1:\d+$/.test(a));
    return exposed && !args.some((a) => a === "--tlscacert" || a.startsWith("--tlscacert="));
}

/** Whether a required anti-affinity term by hostname selects the pod's own labels: no two such pods share a node. */
const apartFromItsKind = (pod: Obj): boolean =>
    asArray(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).some(
        (t: Obj) =>
            t.topologyKey === "kubernetes.io/hostname" &&
            t.labelSelector?.matchExpressions === undefined &&
            Object.keys(t.labelSelector?.matchLabels ?? {}).length > 0 &&
            Object.entries(t.labelSelector.matchLabels as Obj).every(([k, v]) => pod.metadata?.labels?.[k] === v),
    );

export const unconfinedWorkloadsIsolatedPolicy: StackValidationPolicy = {
    name: "unconfined-workloads-isolated",
    description:
        "A workload with seccomp or AppArmor unconfined runs only on a Karpenter NodePool whose NoExecute taint it tolerates, alone of its kind on its node (a required anti-affinity by hostname selecting its own labels), and buildkitd listens on TCP beyond the pod's loopback only verifying client certificates.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const pools = new Map(
            resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool").map((r) => [String((r.props.metadata as Obj)?.name), asArray((r.props.spec as Obj)?.template?.spec?.taints) as Obj[]] as const),
        );
        // A tenant stack's runners run on the platform stack's builders' pool, which the cluster layer creates with
        // this taint (the stack file's check requires Karpenter with CI); no other pool is taken as in place.
        if (isTenantStack(resources) && !pools.has(BUILDER_NODE_POOL)) pools.set(BUILDER_NODE_POOL, [{ ...BUILDER_TAINT }]);
        const check = (r: PolicyResource, pod: Obj) => {
            for (const c of [...asArray(pod.containers), ...asArray(pod.initContainers)] as Obj[]) {
                if (openBuildkitListener(asArray(c.args).map(String))) report(`${r.name}: buildkitd listens on TCP beyond the pod's loopback without --tlscacert (any client may build)`, r.urn);
            }
            if (!unconfined(pod)) return;
            const pool = pod.nodeSelector?.["karpenter.sh/nodepool"];
            const taints = pool === undefined ? undefined : pools.get(String(pool));
            if (taints === undefined) {
                report(`${r.name}: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)`, r.urn);
            } else if (!taints.some((taint) => taint.effect === "NoExecute" && asArray(pod.tolerations).some((t: Obj) => tolerates(t, taint)))) {
                report(`${r.name}: unconfined, on NodePool ${pool}, which has no NoExecute taint it tolerates (other pods would share its nodes)`, r.urn);
            }
            if (!apartFromItsKind(pod)) report(`${r.name}: unconfined, without a required pod anti-affinity by kubernetes.io/hostname selecting its own labels (another job's pod could share its node)`, r.urn);
        };
        for (const r of resources) {
            const spec = WORKLOADS[r.type]?.(r.props as Obj);
            if (spec) check(r, spec);
        }
    },
};
