// Whether the platform's own pods fit the managed node groups at their desired size: the requests the plan renders
// (release values over the pinned charts' defaults, the Keycloak and EnvoyProxy resources, the EKS add-ons) against
// each group's allocatable CPU and memory, and the pods against each node's pod slots (the kubelet's max pods: the
// VPC CNI's ENI limits, or EKS's cap when the plan's CNI delegates prefixes). Sums, not bin-packing: a group that fails the sum cannot hold the pods; one that passes may
// still strand a pod on a full node, so the test keeps a margin. Pods that request nothing count for slots only.
import type { Plan, PlannedResource } from "./engine";
import { CRITICAL_ADDONS_TAINT } from "../components/cluster/constants";
import { ChartDefaults, mergeValues } from "./cost";
import { CHART_POD_COMPONENTS } from "../components/shared/placement";

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

/** An instance type as the kubelet's max pods sees it: vCPUs, memory, ENIs and IPv4 addresses per ENI. */
export interface InstanceSpec {
    readonly vcpu: number;
    readonly memoryGiB: number;
    readonly enis: number;
    readonly ipv4PerEni: number;
}

/**
 * Instance types the managed groups may use (all Nitro), with their ENI limits (awslabs/amazon-eks-ami v20260714,
 * nodeadm/internal/kubelet/instance-info.jsonl: t4g.medium 3 x 6, t4g.large 3 x 12, m7g.2xlarge 4 x 15).
 */
export const INSTANCE_SPECS: Readonly<Record<string, InstanceSpec>> = {
    "m7i.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
    "m7i.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
    "m7i.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
    "m6i.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
    "m6i.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
    "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
    "m7a.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
    "m7g.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
    "m7g.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
    "m6g.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
    "c7g.large": { vcpu: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 10 },
    "t4g.medium": { vcpu: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 6 },
    "t4g.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 12 },
    "t4g.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
};

/**
 * The kubelet's max pods on a managed node group's node (its launch template names no AMI). Without prefix delegation,
 * the EKS AMI's figure: ENIs x (IPv4 per ENI - 1) + 2 (nodeadm v20260714 eni_max_pods.go). With it, EKS's max-pods
 * calculator (amazon-eks-ami templates/al2/runtime/max-pods-calculator.sh before b228903): each address slot but the
 * ENI's own holds a /28 of 16, ENIs x (IPv4 per ENI - 1) x 16 + 2, capped at 110, or 250 above 30 vCPUs.
 */
export function maxPods(spec: InstanceSpec, prefixes: boolean): number {
    const slots = spec.enis * (spec.ipv4PerEni - 1);
    if (!prefixes) return slots + 2;
    return Math.min(slots * 16 + 2, spec.vcpu > 30 ? 250 : 110);
}

/**
 * What the kubelet leaves to pods on an EKS AL2023 node (the AMI's bootstrap): CPU minus 6% of the first core, 1% of the
 * second, 0.5% of the next two and 0.25% of the rest; memory minus 255 MiB + 11 MiB per pod the node may run (its max
 * pods: more with prefix delegation), minus the 100 MiB hard eviction threshold.
 */
export function allocatable(spec: Pick<InstanceSpec, "vcpu" | "memoryGiB">, pods: number): Requests {
    const cores = [60, 10, 5, 5];
    let reserved = 0;
    for (let c = 0; c < spec.vcpu; c++) reserved += c < cores.length ? cores[c] : 2.5;
    return { cpuMillis: spec.vcpu * 1000 - reserved, memoryMiB: spec.memoryGiB * 1024 - (255 + 11 * pods) - 100 };
}

/** Whether the plan's VPC CNI add-on delegates prefixes (its configuration's env.ENABLE_PREFIX_DELEGATION). */
export function prefixDelegation(plan: Pick<Plan, "resources">): boolean {
    const cni = plan.resources.find((r) => r.type === "aws:eks/addon:Addon" && (r.inputs as V).addonName === "vpc-cni");
    const values = (cni?.inputs as V | undefined)?.configurationValues;
    if (values === undefined) return false;
    return at(typeof values === "string" ? JSON.parse(values) : values, "env.ENABLE_PREFIX_DELEGATION") === "true";
}

/** Pods by where they may run: on System nodes (they tolerate its taint and select it) or on untainted nodes. */
export interface PlatformDemand {
    readonly system: Requests;
    readonly workload: Requests;
    /** DaemonSet pods on every node. */
    readonly perNode: Requests;
    /** The add-on controllers that select no group: on untainted nodes when there are any, else on System ones. */
    readonly anywhere: Requests;
    /** Pods at rest (Deployments, StatefulSets, the CRs' pods; not Jobs, which finish), by where they may run. */
    readonly pods: { readonly system: number; readonly workload: number; readonly anywhere: number; readonly perNode: number };
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

const n = (v: V, p: string, dflt = 1): number => Number(at(v, p) ?? dflt);
const when = (v: V, p: string, count: number, dflt = true): number => ((at(v, p) ?? dflt) === false ? 0 : count);

/**
 * Per chart: its pods at rest, requests or not (each takes a pod slot), read in the pinned charts' templates: Deployments
 * and StatefulSets at their replica counts, not Jobs (hooks finish) nor DaemonSets (perNode in CHART_PODS).
 */
export const CHART_POD_COUNT: Readonly<Record<string, (v: V) => number>> = {
    karpenter: (v) => n(v, "replicas"),
    "aws-load-balancer-controller": (v) => n(v, "replicaCount"),
    "external-dns": () => 1,
    "cert-manager": (v) => n(v, "replicaCount") + n(v, "webhook.replicaCount") + when(v, "cainjector.enabled", n(v, "cainjector.replicaCount")),
    "cert-manager-approver-policy": (v) => n(v, "replicaCount"),
    "gateway-helm": (v) => n(v, "deployment.replicas"),
    "external-secrets": (v) => n(v, "replicaCount") + when(v, "webhook.create", n(v, "webhook.replicaCount")) + when(v, "certController.create", n(v, "certController.replicaCount")),
    "gha-runner-scale-set-controller": (v) => n(v, "replicaCount"),
    kyverno: (v) => n(v, "admissionController.replicas") + ["backgroundController", "cleanupController", "reportsController"].reduce((a, c) => a + when(v, `${c}.enabled`, n(v, `${c}.replicas`)), 0),
    // redis-ha is a subchart: 3 Redis servers and 3 HAProxies by default.
    "argo-cd": (v) =>
        ["controller", "server", "repoServer", "applicationSet"].reduce((a, c) => a + n(v, `${c}.replicas`), 0) +
        when(v, "notifications.enabled", 1) +
        when(v, "dex.enabled", 1) +
        when(v, "commitServer.enabled", 1, false) +
        when(v, "redis.enabled", 1) +
        when(v, "redis-ha.enabled", n(v, "redis-ha.replicas", 3) + when(v, "redis-ha.haproxy.enabled", n(v, "redis-ha.haproxy.replicas", 3)), false),
    "kube-prometheus-stack": (v) =>
        when(v, "prometheus.enabled", n(v, "prometheus.prometheusSpec.replicas")) +
        when(v, "alertmanager.enabled", n(v, "alertmanager.alertmanagerSpec.replicas")) +
        when(v, "thanosRuler.enabled", n(v, "thanosRuler.thanosRulerSpec.replicas"), false) +
        when(v, "prometheusOperator.enabled", 1 + when(v, "prometheusOperator.admissionWebhooks.deployment.enabled", n(v, "prometheusOperator.admissionWebhooks.deployment.replicas"), false)) +
        when(v, "kubeStateMetrics.enabled", 1),
    grafana: (v) => n(v, "replicas") + when(v, "imageRenderer.enabled", n(v, "imageRenderer.replicas"), false),
    loki: (v) =>
        when(v, "gateway.enabled", n(v, "gateway.replicas")) +
        [
            "singleBinary", "write", "read", "backend", "ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler",
            "patternIngester", "bloomGateway", "bloomPlanner", "bloomBuilder", "overridesExporter",
        ].reduce((a, c) => a + when(v, `${c}.enabled`, n(v, `${c}.replicas`, 0)), 0) +
        ["resultsCache", "chunksCache"].reduce((a, c) => a + when(v, `${c}.enabled`, n(v, `${c}.replicas`), false), 0),
    tempo: (v) => n(v, "replicas"),
    vault: (v) => (at(v, "server.ha.enabled") === true ? n(v, "server.ha.replicas") : 1) + when(v, "injector.enabled", n(v, "injector.replicas")),
    velero: () => 1,
    alloy: (v) => (at(v, "controller.type") === "daemonset" ? 0 : n(v, "controller.replicas")),
    "opentelemetry-collector": (v) => (at(v, "mode") === "daemonset" ? 0 : n(v, "replicaCount")),
};

/**
 * EKS managed add-ons at their default requests (the add-ons' manifests): CoreDNS 2 x 100m/70Mi on System nodes (it
 * tolerates CriticalAddonsOnly); the EBS CSI controller 2 x 6 containers of 10m/40Mi and the snapshot controller's 2
 * pods, which select no node group (on untainted nodes when there are any, else on the System nodes, whose taint the
 * EBS controller tolerates); per node kube-proxy 100m, the VPC CNI 25m, the EBS CSI node 3 x 10m/40Mi and the Pod
 * Identity agent.
 */
export const EKS_ADDONS = {
    system: { cpuMillis: 2 * 100, memoryMiB: 2 * 70 },
    anywhere: { cpuMillis: 2 * 60, memoryMiB: 2 * 240 },
    perNode: { cpuMillis: 100 + 25 + 30, memoryMiB: 120 },
    pods: { system: 2, workload: 0, anywhere: 4, perNode: 4 },
} as const;

/** The EFS CSI add-on (when the plan installs it): 2 controller pods, and a node pod on every node. */
export const EFS_ADDON_PODS = { anywhere: 2, perNode: 1 } as const;

/** Envoy Gateway's default for an Envoy proxy without resources: 100m/512Mi, plus its shutdown manager's 10m/32Mi. */
export const ENVOY_PROXY_DEFAULT: Requests = { cpuMillis: 110, memoryMiB: 544 };

const add = (a: Requests, b: Requests, n = 1): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis * n, memoryMiB: a.memoryMiB + b.memoryMiB * n });

/** Whether a release's pods tolerate the System taint: placeChart places all of a chart's pod components or none. */
function chartOnSystem(chart: string, v: V): boolean {
    return (CHART_POD_COMPONENTS[chart]?.(v) ?? []).some((p) => p !== "global" && p !== "defaults" && tolerates(p === "" ? v : at(v, p)));
}

/** The platform's pods' requests in a plan (tenants' pods are theirs: Karpenter capacity). */
export function platformDemand(plan: Pick<Plan, "resources">, chartDefaults: ChartDefaults): PlatformDemand {
    let system: Requests = EKS_ADDONS.system;
    let workload: Requests = { cpuMillis: 0, memoryMiB: 0 };
    let perNode: Requests = EKS_ADDONS.perNode;
    const pods: Record<keyof typeof EKS_ADDONS.pods, number> = { ...EKS_ADDONS.pods };
    const parts: string[] = ["EKS add-ons"];
    const isTenant = (r: PlannedResource) => r.name.startsWith("tenant-");
    for (const r of plan.resources) {
        if (isTenant(r)) continue;
        const i = r.inputs as V;
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const chart = String(i.chart ?? "").split("/").pop() ?? "";
            const rule = CHART_PODS[chart];
            const count = CHART_POD_COUNT[chart];
            if (!rule && !count) continue;
            const v = mergeValues(chartDefaults(String(i.chart), String(i.version)) ?? {}, i.values ?? {}) as V;
            if (count) pods[chartOnSystem(chart, v) ? "system" : "workload"] += count(v);
            for (const g of rule === undefined ? [] : typeof rule === "function" ? rule(v) : rule) {
                const one = req(at(v, g.requests));
                if (g.replicas === "perNode") {
                    pods.perNode += 1;
                    perNode = add(perNode, one);
                    parts.push(`${g.name} per node`);
                    continue;
                }
                if (one.cpuMillis === 0 && one.memoryMiB === 0) continue;
                const component = g.component === "" ? v : at(v, g.component);
                const n = typeof g.replicas === "number" ? g.replicas : Number(at(v, g.replicas) ?? 1);
                if (n === 0) continue;
                if (tolerates(component)) system = add(system, one, n);
                else workload = add(workload, one, n);
                parts.push(`${n} x ${g.name}`);
            }
        } else if (r.type === "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak") {
            const n = Number(at(i, "spec.instances") ?? 1);
            // The operator's Deployment (kustomization, placed by its transform like the server) takes a slot too.
            const where = tolerates(at(i, "spec.scheduling")) ? "system" : "workload";
            if (where === "system") system = add(system, req(at(i, "spec.resources.requests")), n);
            else workload = add(workload, req(at(i, "spec.resources.requests")), n);
            pods[where] += n + 1;
            parts.push(`${n} x keycloak`);
        } else if (r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy") {
            const d = at(i, "spec.provider.kubernetes.envoyDeployment");
            const own = at(d, "container.resources.requests");
            const n = Number(at(d, "replicas") ?? 1);
            const where = tolerates(at(d, "pod")) ? "system" : "workload";
            if (where === "system") system = add(system, own ? req(own) : ENVOY_PROXY_DEFAULT, n);
            else workload = add(workload, own ? req(own) : ENVOY_PROXY_DEFAULT, n);
            pods[where] += n;
            parts.push(`${n} x envoy proxy`);
        } else if (r.type === "aws:eks/addon:Addon" && i.addonName === "aws-efs-csi-driver") {
            pods.anywhere += EFS_ADDON_PODS.anywhere;
            pods.perNode += EFS_ADDON_PODS.perNode;
            parts.push("EFS CSI add-on");
        }
    }
    return { system, workload, anywhere: EKS_ADDONS.anywhere, perNode, pods, parts };
}

/** The managed groups' nodes at desired size: System (tainted) and untainted, and the most nodes one zone holds. */
export interface GroupCapacity {
    readonly nodes: number;
    readonly allocatable: Requests;
    /** Pod slots: max pods of every node. */
    readonly podSlots: number;
    /** The largest single zone's share (each managed group resource is one zone's). */
    readonly largestZone: { readonly nodes: number; readonly allocatable: Requests; readonly podSlots: number };
}

export function managedCapacity(plan: Pick<Plan, "resources">): { system: GroupCapacity; workload: GroupCapacity } {
    const empty = (): { nodes: number; allocatable: Requests; podSlots: number } => ({ nodes: 0, allocatable: { cpuMillis: 0, memoryMiB: 0 }, podSlots: 0 });
    const out = { system: { ...empty(), largestZone: empty() }, workload: { ...empty(), largestZone: empty() } };
    const prefixes = prefixDelegation(plan);
    for (const r of plan.resources.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup")) {
        const i = r.inputs as V;
        const types: string[] = i.instanceTypes ?? [];
        const specs = types.map((t) => {
            if (!INSTANCE_SPECS[t]) throw new Error(`no instance spec for ${t}: add it to INSTANCE_SPECS`);
            return INSTANCE_SPECS[t];
        });
        if (specs.length === 0) throw new Error(`${r.name}: a node group with no instance types`);
        // CPU and memory from the first type (what EKS launches first); max pods the smallest of the group's types,
        // which EKS applies to every node of a group with several.
        const spec = specs[0];
        const pods = Math.min(...specs.map((x) => maxPods(x, prefixes)));
        const nodes = Number(i.scalingConfig?.desiredSize ?? 0);
        const tainted = (i.taints ?? []).some((t: V) => t.key === CRITICAL_ADDONS_TAINT.key);
        const g = tainted ? out.system : out.workload;
        const zone = { nodes, allocatable: add({ cpuMillis: 0, memoryMiB: 0 }, allocatable(spec, pods), nodes), podSlots: pods * nodes };
        g.nodes += nodes;
        g.allocatable = add(g.allocatable, zone.allocatable);
        g.podSlots += zone.podSlots;
        if (zone.allocatable.cpuMillis > g.largestZone.allocatable.cpuMillis) g.largestZone = zone;
    }
    return out;
}

/** What is left on a kind of node: CPU, memory and pod slots (negative: the pods do not fit). */
export interface Left extends Requests {
    readonly podSlots: number;
}

/**
 * What each kind of node has left after the platform's pods (negative: they do not fit). With `zoneLost`, the System
 * nodes of the largest zone are gone and their pods rescheduled on the rest (the production rule: a zone outage
 * leaves the platform running).
 */
export function headroom(plan: Pick<Plan, "resources">, chartDefaults: ChartDefaults, opts: { zoneLost?: boolean } = {}): { system: Left; workload: Left; demand: PlatformDemand } {
    const demand = platformDemand(plan, chartDefaults);
    const cap = managedCapacity(plan);
    const lose = (c: GroupCapacity): GroupCapacity =>
        opts.zoneLost ? { ...c, nodes: c.nodes - c.largestZone.nodes, allocatable: add(c.allocatable, c.largestZone.allocatable, -1), podSlots: c.podSlots - c.largestZone.podSlots } : c;
    // The add-on controllers that select no group go to untainted managed nodes when there are any.
    const floating = cap.workload.nodes > 0 ? "workload" : "system";
    const left = (c: GroupCapacity, d: Requests, pods: number, kind: "system" | "workload"): Left => {
        const r = add(add(c.allocatable, add(d, demand.perNode, c.nodes), -1), kind === floating ? demand.anywhere : { cpuMillis: 0, memoryMiB: 0 }, -1);
        return { ...r, podSlots: c.podSlots - pods - demand.pods.perNode * c.nodes - (kind === floating ? demand.pods.anywhere : 0) };
    };
    return { system: left(lose(cap.system), demand.system, demand.pods.system, "system"), workload: left(cap.workload, demand.workload, demand.pods.workload, "workload"), demand };
}
