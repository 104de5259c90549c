// Where the platform's own pods run. With SystemNodes every platform pod (Deployments, StatefulSets, Jobs and hooks;
// DaemonSets run on every node anyway) tolerates the System group's taint and selects its nodes: tenants' pods, which
// never tolerate that taint, share no node with them, and the platform needs no untainted worker group at rest.
// With AnyNode the charts keep their own placement (untainted nodes), as before.
import * as pulumi from "@pulumi/pulumi";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { NODE_ROLE_LABEL } from "./builder-nodes";

export const PLATFORM_POD_PLACEMENTS = ["SystemNodes", "AnyNode"] as const;
export type PlatformPodPlacement = (typeof PLATFORM_POD_PLACEMENTS)[number];

/** The System group's node-role label value (node-group.ts labels each group with its role, lower-cased). */
export const SYSTEM_NODE_ROLE = "system";

export interface PodPlacement {
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly { readonly key: string; readonly operator: "Exists" }[];
}

/** Tolerate the System taint (any value, any effect it is given) and require the System nodes. */
export const SYSTEM_NODES: PodPlacement = {
    nodeSelector: { [NODE_ROLE_LABEL]: SYSTEM_NODE_ROLE },
    tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }],
};

/** The placement a strategy gives the platform's pods: nothing added for AnyNode. */
export function podPlacement(strategy: PlatformPodPlacement): PodPlacement {
    return strategy === "SystemNodes" ? SYSTEM_NODES : {};
}

/** The same choice as required node affinity, for pod specs without a nodeSelector field (Keycloak's spec.scheduling). */
export function requiredNodeAffinity(p: PodPlacement): Record<string, unknown> | undefined {
    const terms = Object.entries(p.nodeSelector ?? {}).map(([key, value]) => ({ key, operator: "In", values: [value] }));
    return terms.length === 0 ? undefined : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: terms }] } } };
}

type V = Record<string, any>;
const isMap = (v: unknown): v is V => v !== null && typeof v === "object" && !Array.isArray(v);

/** A pod spec (or a chart component's values map) with the placement added: its own selector and tolerations kept. */
export function placePod<T extends V>(pod: T | undefined, p: PodPlacement): T {
    const base = (pod ?? {}) as V;
    if (!p.nodeSelector && !p.tolerations) return base as T;
    const tolerations = [...((base.tolerations as V[] | undefined) ?? [])];
    for (const t of p.tolerations ?? []) if (!tolerations.some((x) => x.key === t.key && x.operator === t.operator && x.effect === undefined)) tolerations.push({ ...t });
    return { ...base, nodeSelector: { ...(base.nodeSelector ?? {}), ...p.nodeSelector }, tolerations } as unknown as T;
}

/**
 * Per chart: the values maps holding a pod template's `nodeSelector` and `tolerations` (read in each pinned chart's
 * values.yaml, test/fixtures/charts; "" is the top level), for every Deployment, StatefulSet and Job (hooks included) the
 * chart can render. DaemonSets are not here: they run on every node. test/placement.test.ts checks each chart's
 * values.yaml has no other map with `tolerations` than those listed here or in CHART_POD_EXEMPT.
 */
export const CHART_POD_COMPONENTS: Readonly<Record<string, (values: V) => readonly string[]>> = {
    karpenter: () => [""],
    "aws-load-balancer-controller": () => [""],
    "external-dns": () => [""],
    "cert-manager": () => ["", "webhook", "cainjector", "startupapicheck"],
    "cert-manager-approver-policy": () => [""],
    "gateway-helm": () => ["deployment.pod", "certgen.job"],
    "external-secrets": () => ["global", "", "webhook", "certController"],
    "gha-runner-scale-set-controller": () => [""],
    // global covers the components; each is set too, since a component's own non-empty value replaces global's.
    kyverno: () => ["global", "crds.migration", "test", "webhooksCleanup", "admissionController", "backgroundController", "cleanupController", "reportsController"],
    "argo-cd": () => ["global", "controller", "dex", "redis", "redis-ha", "redis-ha.haproxy", "redisSecretInit", "server", "repoServer", "applicationSet", "notifications", "commitServer"],
    // kube-state-metrics is a subchart (its own values.yaml: nodeSelector, tolerations at its top level).
    "kube-prometheus-stack": () => [
        "crds.upgradeJob",
        "alertmanager.alertmanagerSpec",
        "prometheusOperator",
        "prometheusOperator.admissionWebhooks.deployment",
        "prometheusOperator.admissionWebhooks.patch",
        "prometheus.prometheusSpec",
        "thanosRuler.thanosRulerSpec",
        "kube-state-metrics",
    ],
    grafana: () => ["", "imageRenderer"],
    loki: () => [
        "defaults", "gateway", "singleBinary", "write", "read", "backend", "ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway",
        "compactor", "bloomGateway", "bloomPlanner", "bloomBuilder", "patternIngester", "ruler", "overridesExporter", "resultsCache", "chunksCache", "chunksCache.l2", "tableManager",
    ],
    tempo: () => [""],
    vault: () => ["server", "injector"],
    velero: () => [""],
    // A DaemonSet release (the node agent) has no pod to place; a Deployment one (the events collector) has.
    alloy: (v) => (v.controller?.type === "daemonset" ? [] : ["controller"]),
    "opentelemetry-collector": (v) => (v.mode === "daemonset" ? [] : [""]),
};

/** Maps with `tolerations` in a chart's values.yaml that are not a pod to place, and why. */
export const CHART_POD_EXEMPT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    loki: { lokiCanary: "DaemonSet" },
    vault: { "csi.pod": "DaemonSet (the CSI provider)" },
    velero: { nodeAgent: "DaemonSet" },
    alloy: { controller: "a DaemonSet when controller.type is daemonset (the node agent)" },
    "opentelemetry-collector": { "": "a DaemonSet when mode is daemonset" },
};

/**
 * Maps whose `nodeSelector` a chart renders instead of its component's own, per component: loki 18.11.0's _pod.tpl gives
 * a zone-aware ingester (`ingester.zoneAwareReplication.enabled`, true by the chart's default) the zone's nodeSelector
 * alone, never `ingester.nodeSelector` (its tolerations still come from `ingester`). The System selector is merged in.
 */
export const CHART_ZONE_SELECTORS: Readonly<Record<string, (values: V) => readonly { readonly component: string; readonly selector: string }[]>> = {
    loki: (v) => (v.ingester?.zoneAwareReplication?.enabled === false ? [] : ["zoneA", "zoneB", "zoneC"].map((z) => ({ component: "ingester", selector: `ingester.zoneAwareReplication.${z}` }))),
};

/** Charts whose releases run no pods (CRDs only) or that tenants own (their runner sets: namespaced to the tenant). */
export const CHARTS_WITHOUT_PLATFORM_PODS = new Set(["karpenter-crd", "gateway-crds-helm", "gha-runner-scale-set"]);

const setAt = (values: V, path: string, f: (component: V | undefined) => V): V => {
    if (path === "") return f(values);
    const [head, ...rest] = path.split(".");
    const child = isMap(values[head]) ? (values[head] as V) : undefined;
    return { ...values, [head]: rest.length === 0 ? f(child) : setAt(child ?? {}, rest.join("."), f) };
};

/** A chart's values with the placement added at each of its pod components (CHART_POD_COMPONENTS). */
export function placeChart<T extends object>(chart: string, values: T, p: PodPlacement): T {
    const name = chart.split("/").pop() ?? chart;
    const components = CHART_POD_COMPONENTS[name];
    if (!components) {
        if (CHARTS_WITHOUT_PLATFORM_PODS.has(name)) return values;
        throw new Error(`chart ${name}: no pod components known; add them to CHART_POD_COMPONENTS (components/shared/placement.ts)`);
    }
    if (!p.nodeSelector && !p.tolerations) return values;
    let out = values as V;
    for (const path of components(out)) out = setAt(out, path, (c) => placePod(c, p));
    if (p.nodeSelector) {
        for (const { selector } of CHART_ZONE_SELECTORS[name]?.(out) ?? []) out = setAt(out, selector, (z) => ({ ...z, nodeSelector: { ...(z?.nodeSelector ?? {}), ...p.nodeSelector } }));
    }
    return out as T;
}

/** placeChart over values that may still be unresolved (bucket names, role ARNs). */
export function placeChartValues(chart: string, values: pulumi.Input<object>, p: PodPlacement): pulumi.Input<object> {
    if (!p.nodeSelector && !p.tolerations) return values;
    return pulumi.output(values).apply((v) => placeChart(chart, v as object, p));
}
