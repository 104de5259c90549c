// With no untainted managed node group (platformPods: SystemNodes), a platform pod that does not tolerate the System
// taint and select the System nodes has nowhere to run but Karpenter's pools: the tenants' nodes, launched for it
// and billed outside the floor. Every pod template the plan creates or a chart release renders is checked.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CRITICAL_ADDONS_TAINT } from "../../components/cluster/constants";
import { NODE_ROLE_LABEL } from "../../components/shared/builder-nodes";
import { CHART_POD_COMPONENTS, CHART_ZONE_SELECTORS, SYSTEM_NODE_ROLE } from "../../components/shared/placement";
import { asArray } from "./support";

type Obj = Record<string, any>;
const at = (v: unknown, p: string): any => (p === "" ? v : p.split(".").reduce<any>((x, k) => (x && typeof x === "object" ? x[k] : undefined), v));

/** Pod specs by kind: DaemonSets are exempt (they run on every node). */
const POD_SPECS: Readonly<Record<string, (o: Obj) => Obj | undefined>> = {
    Deployment: (o) => o.spec?.template?.spec,
    StatefulSet: (o) => o.spec?.template?.spec,
    Job: (o) => o.spec?.template?.spec,
    CronJob: (o) => o.spec?.jobTemplate?.spec?.template?.spec,
    Pod: (o) => o.spec,
};

/** Kubernetes' Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go) against the System group's taint. */
const toleratesSystem = (tolerations: unknown) =>
    asArray(tolerations as Obj[]).some(
        (t) => (!t.effect || t.effect === "NoSchedule") && (!t.key || t.key === CRITICAL_ADDONS_TAINT.key) && (t.operator === "Exists" || ((t.operator ?? "Equal") === "Equal" && t.value === CRITICAL_ADDONS_TAINT.value)),
    );
/** Required on the System nodes: the nodeSelector, or a required node-affinity term, names their role label. */
const selectsSystem = (nodeSelector: unknown, affinity?: Obj) =>
    (nodeSelector as Obj | undefined)?.[NODE_ROLE_LABEL] === SYSTEM_NODE_ROLE ||
    (asArray(affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms) as Obj[]).some((term) =>
        asArray(term.matchExpressions as Obj[]).some((e) => e.key === NODE_ROLE_LABEL && e.operator === "In" && asArray(e.values).length === 1 && e.values[0] === SYSTEM_NODE_ROLE),
    );

/** What is wrong with a pod's placement ("" when it is on the System nodes). */
export function systemPlacementProblem(p: { tolerations?: unknown; nodeSelector?: unknown; affinity?: Obj } | undefined): string {
    const missing = [toleratesSystem(p?.tolerations) ? "" : `tolerate ${CRITICAL_ADDONS_TAINT.key}`, selectsSystem(p?.nodeSelector, p?.affinity) ? "" : `select ${NODE_ROLE_LABEL}=${SYSTEM_NODE_ROLE}`].filter(Boolean);
    return missing.length === 0 ? "" : `does not ${missing.join(" or ")}`;
}

/** Whether the plan has managed nodes without the System taint (AnyNode's Workload groups). */
const untaintedManagedNodes = (resources: readonly PolicyResource[]) =>
    resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && !asArray(r.props.taints as Obj[]).some((t) => t.key === CRITICAL_ADDONS_TAINT.key));

// Tenants' pods are theirs (their namespaces, Karpenter's pools), not the platform's.
const isTenants = (r: PolicyResource) => r.name.startsWith("tenant-");

export const platformPodsOnSystemNodesPolicy: StackValidationPolicy = {
    name: "platform-pods-on-system-nodes",
    description:
        "With System nodes and no untainted managed node group, every platform pod template (Deployment, StatefulSet, Job, CronJob, Pod, the Keycloak and EnvoyProxy resources' pods, each pod component of a chart release and its per-zone selectors, the objects a project chart renders; DaemonSets exempt) tolerates the System taint and selects the System nodes.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        // A tenant stack has no node groups (its pods are the tenant's); AnyNode keeps untainted ones.
        if (!resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup") || untaintedManagedNodes(resources)) return;
        const check = (r: PolicyResource, what: string, p: Obj | undefined) => {
            const problem = systemPlacementProblem(p);
            if (problem) report(`${r.name}: ${what} ${problem} (no untainted managed nodes: it would land on tenants' Karpenter nodes)`, r.urn);
        };
        for (const r of resources) {
            if (isTenants(r)) continue;
            const props = r.props as Obj;
            const kind = /^kubernetes:(?:apps|batch|core)\/v1:(\w+)$/.exec(r.type)?.[1];
            if (kind && POD_SPECS[kind]) {
                check(r, `${kind} pod`, POD_SPECS[kind](props));
            } else if (r.type === "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak") {
                const s = props.spec?.scheduling as Obj | undefined;
                check(r, "Keycloak pod", { tolerations: s?.tolerations, affinity: s?.affinity });
            } else if (r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy") {
                check(r, "Envoy proxy pod", props.spec?.provider?.kubernetes?.envoyDeployment?.pod);
            } else if (r.type === "kubernetes:helm.sh/v3:Release") {
                const values = (props.values ?? {}) as Obj;
                // A project chart renders its objects from values.objects.
                for (const o of asArray(values.objects as Obj[])) {
                    const spec = POD_SPECS[String(o?.kind)]?.(o);
                    if (spec) check(r, `${o.kind} ${o.metadata?.name}`, spec);
                }
                const chart = String(props.chart ?? "").split("/").pop() ?? "";
                const paths = CHART_POD_COMPONENTS[chart]?.(values) ?? [];
                // Charts with a global (or Loki's defaults) map use it where a component's own value is empty.
                const fallback = paths.includes("global") ? (values.global as Obj | undefined) : paths.includes("defaults") ? (values.defaults as Obj | undefined) : undefined;
                const own = (c: Obj | undefined, k: string) => {
                    const v = c?.[k];
                    const empty = v === undefined || v === null || (typeof v === "object" && Object.keys(v).length === 0);
                    return empty ? fallback?.[k] : v;
                };
                const zones = CHART_ZONE_SELECTORS[chart]?.(values) ?? [];
                for (const path of paths) {
                    if (path === "global" || path === "defaults") continue;
                    const c = at(values, path) as Obj | undefined;
                    check(r, `chart ${chart} pod component ${path === "" ? "(top level)" : path}`, { tolerations: own(c, "tolerations"), nodeSelector: own(c, "nodeSelector"), affinity: c?.affinity });
                    // Its per-zone pods: the zone's nodeSelector alone (the chart ignores the component's), its tolerations.
                    for (const z of zones.filter((x) => x.component === path)) {
                        check(r, `chart ${chart} pod component ${z.selector}`, { tolerations: own(c, "tolerations"), nodeSelector: (at(values, z.selector) as Obj | undefined)?.nodeSelector });
                    }
                }
            }
        }
    },
};
