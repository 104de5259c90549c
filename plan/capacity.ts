// Whether the platform's own pods fit the managed node groups at their desired size: the requests the plan renders
// (release values over the pinned charts' defaults, the Keycloak and EnvoyProxy resources, the EKS add-ons) against
// each group's allocatable CPU and memory. Sums, not bin-packing: a group that fails the sum cannot hold the pods; one
// that passes may still strand a pod on a full node, so the test keeps a margin. Pods that request nothing are not
// counted (they fit anywhere).
import type { Plan, PlannedResource } from "./engine";
import { CRITICAL_ADDONS_TAINT } from "../components/cluster/constants";
import { ChartDefaults, mergeValues } from "./cost";

export interface Requests {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

export function cpuMillis(q: unknown): number {
    const s = String(q ?? "0");
    return s.endsWith("m") ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}

export function memoryMiB(q: unknown): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(String(q ?? "0"));
    if (!m) return 0;
    return Number(m[1]) * ({ Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as "Ki" | "Mi" | "Gi"] ?? 1 / (1024 * 1024));
}

/** Instance types the managed groups may use: vCPUs, memory, and the VPC CNI's max pods (eni-max-pods.txt). */
export const INSTANCE_SPECS: Readonly<Record<string, { vcpu: number; memoryGiB: number; maxPods: number }>> = {
    "m7i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
    "m7i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58 },
    "m7i.2xlarge": { vcpu: 8, memoryGiB: 32, maxPods: 58 },
    "m6i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
    "m6i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58 },
    "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, maxPods: 58 },
    "m7a.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
    "m7g.large": { vcpu: 2, memoryGiB: 8, maxPods: 29 },
    "c7g.large": { vcpu: 2, memoryGiB: 4, maxPods: 29 },
    "t4g.medium": { vcpu: 2, memoryGiB: 4, maxPods: 17 },
    "t4g.large": { vcpu: 2, memoryGiB: 8, maxPods: 35 },
};

/**
 * What the kubelet leaves to pods on an EKS AL2023 node (the AMI's bootstrap): CPU minus 6% of the first core, 1% of the
 * second, 0.5% of the next two and 0.25% of the rest; memory minus 255 MiB + 11 MiB per pod the node may run, minus the
 * 100 MiB hard eviction threshold.
 */
export function allocatable(spec: { vcpu: number; memoryGiB: number; maxPods: number }): Requests {
    const cores = [60, 10, 5, 5];
    let reserved = 0;
    for (let c = 0; c < spec.vcpu; c++) reserved += c < cores.length ? cores[c] : 2.5;
    return { cpuMillis: spec.vcpu * 1000 - reserved, memoryMiB: spec.memoryGiB * 1024 - (255 + 11 * spec.maxPods) - 100 };
}

/** Pods by where they may run: on System nodes (they tolerate its taint and select it) or on untainted nodes. */
export interface PlatformDemand {
    readonly system: Requests;
    readonly workload: Requests;
    /** DaemonSet pods on every node. */
    readonly perNode: Requests;
    /** What was counted, for the test's message. */
    readonly parts: readonly string[];
}

type V = Record<string, any>;
const at = (v: unknown, p: string): any => p.split(".").reduce<any>((x, k) => (x && typeof x === "object" ? x[k] : undefined), v);
const req = (r: unknown): Requests => ({ cpuMillis: cpuMillis(at(r, "cpu")), memoryMiB: memoryMiB(at(r, "memory")) });
const tolerates = (component: unknown) => (at(component, "tolerations") ?? []).some((t: V) => t.key === CRITICAL_ADDONS_TAINT.key || (t.key === undefined && t.operator === "Exists"));

/** A pod group of a chart: where its requests and replicas live in the merged values. */
interface PodGroup {
    readonly name: string;
    /** The component's map in the values (its tolerations decide the placement). */
    readonly component: string;
    readonly requests: string;
    /** A path to the replica count, a number, or "perNode" (a DaemonSet). */
    readonly replicas: string | number | "perNode";
}

/** Per chart: its pods that request resources, read in the pinned charts' templates. */
export const CHART_PODS: Readonly<Record<string, readonly PodGroup[] | ((v: V) => readonly PodGroup[])>> = {
    karpenter: [{ name: "karpenter", component: "", requests: "controller.resources.requests", replicas: "replicas" }],
    // gateway-helm v1.9.0 templates/envoy-gateway-deployment.yaml: tolerations and nodeSelector from deployment.pod.
    "gateway-helm": [{ name: "envoy-gateway", component: "deployment.pod", requests: "deployment.envoyGateway.resources.requests", replicas: "deployment.replicas" }],
    kyverno: [
        { name: "kyverno admission", component: "admissionController", requests: "admissionController.container.resources.requests", replicas: "admissionController.replicas" },
        ...["backgroundController", "cleanupController", "reportsController"].map((c) => ({ name: `kyverno ${c}`, component: c, requests: `${c}.resources.requests`, replicas: `${c}.replicas` })),
    ],
    "kube-prometheus-stack": [
        { name: "prometheus", component: "prometheus.prometheusSpec", requests: "prometheus.prometheusSpec.resources.requests", replicas: "prometheus.prometheusSpec.replicas" },
        { name: "alertmanager", component: "alertmanager.alertmanagerSpec", requests: "alertmanager.alertmanagerSpec.resources.requests", replicas: "alertmanager.alertmanagerSpec.replicas" },
        { name: "prometheus-operator", component: "prometheusOperator", requests: "prometheusOperator.resources.requests", replicas: 1 },
        { name: "kube-state-metrics", component: "kube-state-metrics", requests: "kube-state-metrics.resources.requests", replicas: 1 },
        { name: "node-exporter", component: "prometheus-node-exporter", requests: "prometheus-node-exporter.resources.requests", replicas: "perNode" },
    ],
    grafana: [{ name: "grafana", component: "", requests: "resources.requests", replicas: "replicas" }],
    tempo: [{ name: "tempo", component: "", requests: "tempo.resources.requests", replicas: "replicas" }],
    loki: ["singleBinary", "write", "read", "backend", "ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"].map((c) => ({
        name: `loki ${c}`,
        component: c,
        requests: `${c}.resources.requests`,
        replicas: `${c}.replicas`,
    })),
    alloy: (v) => [{ name: "alloy", component: "controller", requests: "alloy.resources.requests", replicas: at(v, "controller.type") === "daemonset" ? "perNode" : "controller.replicas" }],
    "opentelemetry-collector": (v) => [{ name: "otel-collector", component: "", requests: "resources.requests", replicas: at(v, "mode") === "daemonset" ? "perNode" : "replicaCount" }],
    vault: (v) => [{ name: "vault", component: "server", requests: "server.resources.requests", replicas: at(v, "server.ha.enabled") === true ? "server.ha.replicas" : 1 }],
    velero: [
        { name: "velero", component: "", requests: "resources.requests", replicas: 1 },
        { name: "velero node-agent", component: "nodeAgent", requests: "nodeAgent.resources.requests", replicas: "perNode" },
    ],
};

/**
 * EKS managed add-ons at their default requests (the add-ons' manifests): CoreDNS 2 x 100m/70Mi on System nodes (it
 * tolerates CriticalAddonsOnly), the EBS CSI controller 2 x 6 containers of 10m/40Mi; per node kube-proxy 100m, the VPC
 * CNI 25m, the EBS CSI node 3 x 10m/40Mi.
 */
export const EKS_ADDONS = {
    system: { cpuMillis: 2 * 100, memoryMiB: 2 * 70 },
    workload: { cpuMillis: 2 * 60, memoryMiB: 2 * 240 },
    perNode: { cpuMillis: 100 + 25 + 30, memoryMiB: 120 },
} as const;

/** Envoy Gateway's default for an Envoy proxy without resources: 100m/512Mi, plus its shutdown manager's 10m/32Mi. */
export const ENVOY_PROXY_DEFAULT: Requests = { cpuMillis: 110, memoryMiB: 544 };

const add = (a: Requests, b: Requests, n = 1): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis * n, memoryMiB: a.memoryMiB + b.memoryMiB * n });

/** The platform's pods' requests in a plan (tenants' pods are theirs: Karpenter capacity). */
export function platformDemand(plan: Pick<Plan, "resources">, chartDefaults: ChartDefaults): PlatformDemand {
    let system: Requests = EKS_ADDONS.system;
    let workload: Requests = EKS_ADDONS.workload;
    let perNode: Requests = EKS_ADDONS.perNode;
    const parts: string[] = ["EKS add-ons"];
    const isTenant = (r: PlannedResource) => r.name.startsWith("tenant-");
    for (const r of plan.resources) {
        if (isTenant(r)) continue;
        const i = r.inputs as V;
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const chart = String(i.chart ?? "").split("/").pop() ?? "";
            const rule = CHART_PODS[chart];
            if (!rule) continue;
            const v = mergeValues(chartDefaults(String(i.chart), String(i.version)) ?? {}, i.values ?? {}) as V;
            for (const g of typeof rule === "function" ? rule(v) : rule) {
                const one = req(at(v, g.requests));
                if (one.cpuMillis === 0 && one.memoryMiB === 0) continue;
                const component = g.component === "" ? v : at(v, g.component);
                if (g.replicas === "perNode") {
                    perNode = add(perNode, one);
                    parts.push(`${g.name} per node`);
                    continue;
                }
                const n = typeof g.replicas === "number" ? g.replicas : Number(at(v, g.replicas) ?? 1);
                if (n === 0) continue;
                if (tolerates(component)) system = add(system, one, n);
                else workload = add(workload, one, n);
                parts.push(`${n} x ${g.name}`);
            }
        } else if (r.type === "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak") {
            workload = add(workload, req(at(i, "spec.resources.requests")), Number(at(i, "spec.instances") ?? 1));
            parts.push(`${at(i, "spec.instances")} x keycloak`);
        } else if (r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy") {
            const d = at(i, "spec.provider.kubernetes.envoyDeployment");
            const own = at(d, "container.resources.requests");
            workload = add(workload, own ? req(own) : ENVOY_PROXY_DEFAULT, Number(at(d, "replicas") ?? 1));
            parts.push(`${at(d, "replicas") ?? 1} x envoy proxy`);
        }
    }
    return { system, workload, perNode, parts };
}

/** The managed groups' nodes at desired size: System (tainted) and untainted. */
export function managedCapacity(plan: Pick<Plan, "resources">): { system: { nodes: number; allocatable: Requests }; workload: { nodes: number; allocatable: Requests } } {
    const out = { system: { nodes: 0, allocatable: { cpuMillis: 0, memoryMiB: 0 } }, workload: { nodes: 0, allocatable: { cpuMillis: 0, memoryMiB: 0 } } };
    for (const r of plan.resources.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup")) {
        const i = r.inputs as V;
        const spec = INSTANCE_SPECS[String(i.instanceTypes?.[0])];
        if (!spec) throw new Error(`no instance spec for ${i.instanceTypes?.[0]}: add it to INSTANCE_SPECS`);
        const nodes = Number(i.scalingConfig?.desiredSize ?? 0);
        const tainted = (i.taints ?? []).some((t: V) => t.key === CRITICAL_ADDONS_TAINT.key);
        const g = tainted ? out.system : out.workload;
        g.nodes += nodes;
        g.allocatable = add(g.allocatable, allocatable(spec), nodes);
    }
    return out;
}

/** What each kind of node has left after the platform's pods (negative: they do not fit). */
export function headroom(plan: Pick<Plan, "resources">, chartDefaults: ChartDefaults): { system: Requests; workload: Requests; demand: PlatformDemand } {
    const demand = platformDemand(plan, chartDefaults);
    const cap = managedCapacity(plan);
    const left = (c: { nodes: number; allocatable: Requests }, d: Requests) => add(c.allocatable, add(d, demand.perNode, c.nodes), -1);
    return { system: left(cap.system, demand.system), workload: left(cap.workload, demand.workload), demand };
}
