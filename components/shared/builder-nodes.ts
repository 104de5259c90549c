// The nodes tenants' image builders run on, as every layer names them: the cluster layer's NodePool launches them,
// the delivery layer's builders tolerate and select them, and the admission policy keeps tenant pods off them.

/** Karpenter's NodePool of the builders' nodes. */
export const BUILDER_NODE_POOL = "builders";
/** The label Karpenter puts on every node it launches, naming its NodePool. */
export const NODE_POOL_LABEL = "karpenter.sh/nodepool";

/** The node label every NodePool of the platform sets (`workload` on the default pool). */
export const NODE_ROLE_LABEL = "platform.io/node-role";
export const BUILDER_NODE_ROLE = "builder";

/**
 * The builders' nodes' taint. NoExecute, not NoSchedule: a pod bound to a node by name (`spec.nodeName`, or a
 * Binding) skips the scheduler, and the kubelet's admission checks NoExecute taints only
 * (kubernetes pkg/kubelet/lifecycle/predicate.go, generalFilter); NoSchedule would bind the scheduler alone.
 */
export const BUILDER_TAINT = { key: "platform.io/builder", value: "true", effect: "NoExecute" } as const;

/** What a builder pod tolerates: the builder taint, exactly. */
export const BUILDER_TOLERATION = { key: BUILDER_TAINT.key, operator: "Equal", value: BUILDER_TAINT.value, effect: BUILDER_TAINT.effect } as const;
