// Where a pod may run, as Kubernetes decides it: the scheduler's filters that depend on the pod spec (NodeAffinity:
// nodeSelector and required node affinity; TaintToleration: NoSchedule and NoExecute taints; InterPodAffinity:
// required pod anti-affinity, the incoming pod's terms and, symmetrically, the terms of the pods already on the node),
// and, for a pod bound by name (`spec.nodeName`, which skips the scheduler), the kubelet's admission: node affinity
// and NoExecute taints only (pkg/kubelet/lifecycle/predicate.go generalFilter: "Kubelet is only interested in the
// NoExecute taint"). Capacity and ports are not modelled: nodes are taken to fit. Toleration semantics are
// k8s.io/api core/v1 toleration.go ToleratesTaint; selectors as the API defines them.
import { LabelSelector, selectorMatches } from "./k8s-rbac";

type Labels = Readonly<Record<string, string>>;
export interface Taint {
    readonly key: string;
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}
export interface Toleration {
    readonly key?: string;
    readonly operator?: "Exists" | "Equal";
    readonly value?: string;
    readonly effect?: string;
}
export interface NodeSelectorRequirement {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    readonly values?: readonly string[];
}
export interface PodAffinityTerm {
    readonly labelSelector?: LabelSelector;
    readonly namespaces?: readonly string[];
    readonly namespaceSelector?: LabelSelector;
    readonly topologyKey: string;
}
export interface PodSpec {
    readonly nodeName?: string;
    readonly nodeSelector?: Labels;
    readonly tolerations?: readonly Toleration[];
    readonly affinity?: {
        readonly nodeAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: readonly { readonly matchExpressions?: readonly NodeSelectorRequirement[]; readonly matchFields?: readonly NodeSelectorRequirement[] }[] } };
        readonly podAntiAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[] };
    };
}
export interface Pod {
    readonly namespace: string;
    readonly labels: Labels;
    readonly spec: PodSpec;
}
export interface Node {
    readonly name: string;
    readonly labels: Labels;
    readonly taints: readonly Taint[];
}
/** The cluster around a decision: namespaces with their labels (namespaceSelector) and the pods already on each node. */
export interface Placement {
    readonly namespaces: ReadonlyMap<string, Labels>;
    readonly podsOn: (node: Node) => readonly Pod[];
}

/** Toleration.ToleratesTaint: an empty effect matches every effect, an empty key (with Exists) every key. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    switch (t.operator ?? "Equal") {
        case "Equal":
            return (t.value ?? "") === (taint.value ?? "");
        case "Exists":
            return true;
        default:
            return false;
    }
}

/** FindMatchingUntoleratedTaint over the taints `filter` keeps. */
const untolerated = (taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean) =>
    taints.filter(filter).some((taint) => !tolerations.some((t) => toleratesTaint(t, taint)));

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
    switch (r.operator) {
        case "In":
            return value !== undefined && (r.values ?? []).includes(value);
        case "NotIn":
            return value === undefined || !(r.values ?? []).includes(value);
        case "Exists":
            return value !== undefined;
        case "DoesNotExist":
            return value === undefined;
        case "Gt":
        case "Lt": {
            if (value === undefined || !/^-?\d+$/.test(value) || (r.values ?? []).length !== 1) return false;
            return r.operator === "Gt" ? Number(value) > Number(r.values![0]) : Number(value) < Number(r.values![0]);
        }
    }
}

/** NodeAffinity's filter: every nodeSelector label, and one required term whose expressions (labels) and fields (metadata.name) all hold. */
export function nodeAffinityMatches(spec: PodSpec, node: Node): boolean {
    if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => node.labels[k] === v)) return false;
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required === undefined) return true;
    return required.nodeSelectorTerms.some(
        (term) =>
            ((term.matchExpressions ?? []).length > 0 || (term.matchFields ?? []).length > 0) &&
            (term.matchExpressions ?? []).every((r) => requirementMatches(r, node.labels[r.key])) &&
            (term.matchFields ?? []).every((r) => r.key === "metadata.name" && requirementMatches(r, node.name)),
    );
}

/** The namespaces a term selects: its list and selector; neither means the term's pod's own namespace ({} selects all). */
function termNamespaces(term: PodAffinityTerm, ownNamespace: string, namespace: string, placement: Placement): boolean {
    if ((term.namespaces ?? []).length === 0 && term.namespaceSelector === undefined) return namespace === ownNamespace;
    if ((term.namespaces ?? []).includes(namespace)) return true;
    return term.namespaceSelector !== undefined && selectorMatches(term.namespaceSelector, placement.namespaces.get(namespace) ?? { "kubernetes.io/metadata.name": namespace });
}

/** Whether `term` (of a pod in `ownNamespace`) selects `other`; a term without a labelSelector selects nothing. */
const termSelects = (term: PodAffinityTerm, ownNamespace: string, other: Pod, placement: Placement) =>
    term.labelSelector !== undefined && termNamespaces(term, ownNamespace, other.namespace, placement) && selectorMatches(term.labelSelector, other.labels);

/** InterPodAffinity's filter for required anti-affinity, with hostname topology (the node is the domain). */
export function antiAffinityAllows(pod: Pod, node: Node, placement: Placement): boolean {
    const others = placement.podsOn(node);
    const terms = (p: Pod) => (p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).filter((t) => t.topologyKey === "kubernetes.io/hostname");
    const anyOther = (p: Pod) => (p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t) => t.topologyKey !== "kubernetes.io/hostname");
    if (anyOther(pod) || others.some(anyOther)) throw new Error("anti-affinity by a topology other than kubernetes.io/hostname is not modelled");
    if (terms(pod).some((t) => others.some((o) => termSelects(t, pod.namespace, o, placement)))) return false;
    return !others.some((o) => terms(o).some((t) => termSelects(t, o.namespace, pod, placement)));
}

/** The scheduler puts `pod` on `node`: node affinity, every NoSchedule and NoExecute taint tolerated, anti-affinity. */
export function schedulerPlaces(pod: Pod, node: Node, placement: Placement): boolean {
    if (!nodeAffinityMatches(pod.spec, node)) return false;
    if (untolerated(node.taints, pod.spec.tolerations ?? [], (t) => t.effect === "NoSchedule" || t.effect === "NoExecute")) return false;
    return antiAffinityAllows(pod, node, placement);
}

/** The kubelet runs a pod bound to its node by name: node affinity, and NoExecute taints tolerated (not NoSchedule). */
export function kubeletAdmits(pod: Pod, node: Node): boolean {
    return nodeAffinityMatches(pod.spec, node) && !untolerated(node.taints, pod.spec.tolerations ?? [], (t) => t.effect === "NoExecute");
}

/** Whether `pod` ends up running on `node`: bound by name (the kubelet decides), or through the scheduler. */
export function runsOn(pod: Pod, node: Node, placement: Placement): boolean {
    if (pod.spec.nodeName !== undefined) return pod.spec.nodeName === node.name && kubeletAdmits(pod, node);
    return schedulerPlaces(pod, node, placement);
}
