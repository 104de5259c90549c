import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { allocatable, headroom, INSTANCE_SPECS, managedCapacity, maxPods } from "../plan/capacity";
import { fixtureChartDefaults } from "../plan/cost";
import { committedPlan } from "./plans";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";

const res = (urn: string, type: string, inputs: Record<string, unknown> = {}): PlannedResource =>
    ({ urn, key: urn, type, name: urn, custom: !type.startsWith("platform:"), inputs, dependencies: [], dependsOn: [], secretPaths: [] }) as unknown as PlannedResource;
const CAO = [{ key: "CriticalAddonsOnly", operator: "Exists" }];
const group = (urn: string, type: string, desiredSize: number, tainted: boolean) =>
    res(urn, "aws:eks/nodeGroup:NodeGroup", { instanceTypes: [type], scalingConfig: { desiredSize }, taints: tainted ? [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }] : [] });

describe("capacity: the platform's pods fit the managed node groups", () => {
    it("leaves to pods what the EKS AMI's kubelet reserves leave (hand-computed)", () => {
        // m7i.large: 2000m - (60 + 10); 8192 MiB - (255 + 11 x 29 pods) - 100. m7i.xlarge: 4000m - (60 + 10 + 5 + 5);
        // 16384 - (255 + 11 x 58) - 100. t4g.medium: 4096 - (255 + 11 x 17) - 100.
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["m7i.large"], 29), { cpuMillis: 1930, memoryMiB: 7518 });
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["m7i.xlarge"], 58), { cpuMillis: 3920, memoryMiB: 15391 });
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["t4g.medium"], 17), { cpuMillis: 1930, memoryMiB: 3554 });
        // m7g.2xlarge at 110 pods (prefix delegation): 8000m - (60 + 10 + 5 + 5 + 4 x 2.5); 32768 - (255 + 11 x 110) - 100.
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["m7g.2xlarge"], 110), { cpuMillis: 7910, memoryMiB: 31203 });
    });

    it("gives each node the kubelet's max pods: the ENI figure, or EKS's calculator with prefix delegation (hand-computed)", () => {
        const table: [string, { vcpu: number; memoryGiB: number; enis: number; ipv4PerEni: number }, number, number][] = [
            // ENIs x (IPv4 - 1) + 2; with prefixes ENIs x (IPv4 - 1) x 16 + 2, at most 110 up to 30 vCPUs.
            ["t4g.large", INSTANCE_SPECS["t4g.large"], 3 * 11 + 2, 110], // 3 x 11 x 16 + 2 = 530
            ["m7g.2xlarge", INSTANCE_SPECS["m7g.2xlarge"], 4 * 14 + 2, 110], // 4 x 14 x 16 + 2 = 898
            ["t4g.medium", INSTANCE_SPECS["t4g.medium"], 3 * 5 + 2, 110], // 3 x 5 x 16 + 2 = 242
            // Under the cap (t3.nano's 2 ENIs x 2 addresses): 2 x 1 x 16 + 2.
            ["2 ENIs of 2", { vcpu: 2, memoryGiB: 0.5, enis: 2, ipv4PerEni: 2 }, 4, 34],
            // 30 vCPUs is still "low CPU" (the calculator's -gt 30); 32 (m7g.8xlarge, 8 x 30) gets 250.
            ["30 vCPUs", { vcpu: 30, memoryGiB: 64, enis: 8, ipv4PerEni: 30 }, 234, 110],
            ["m7g.8xlarge", { vcpu: 32, memoryGiB: 128, enis: 8, ipv4PerEni: 30 }, 234, 250],
        ];
        for (const [name, spec, eni, prefixed] of table) {
            assert.deepStrictEqual([maxPods(spec, false), maxPods(spec, true)], [eni, prefixed], name);
        }
    });

    it("takes max pods and the memory reserve from the plan's CNI: prefix delegation lifts a group's slots", () => {
        const cni = (config: unknown) => res("cni", "aws:eks/addon:Addon", { addonName: "vpc-cni", configurationValues: JSON.stringify(config) });
        const groups = [group("sys", "m7g.2xlarge", 3, true)];
        const on = managedCapacity({ resources: [...groups, cni({ enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } })] });
        const off = managedCapacity({ resources: [...groups, cni({ enableNetworkPolicy: "true" })] });
        const unset = managedCapacity({ resources: [...groups, cni({ enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "false" } })] });
        // 3 nodes: 110 or 58 slots each; memory 32768 - (255 + 11 x pods) - 100.
        assert.deepStrictEqual([on.system.podSlots, on.system.allocatable.memoryMiB], [330, 3 * (32768 - 255 - 1210 - 100)]);
        assert.deepStrictEqual([off.system.podSlots, off.system.allocatable.memoryMiB], [174, 3 * (32768 - 255 - 638 - 100)]);
        assert.deepStrictEqual(unset.system.podSlots, 174);
        // Several types: every node gets the smallest max pods of the group's types (t4g.medium's 17 under t4g.large's 35).
        const mixed = res("mixed", "aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["t4g.large", "t4g.medium"], scalingConfig: { desiredSize: 2 }, taints: [] });
        assert.deepStrictEqual(managedCapacity({ resources: [mixed] }).workload.podSlots, 2 * 17);
    });

    it("places each pod by its tolerations, DaemonSets on every node, and subtracts them from each kind of node", () => {
        const plan = {
            resources: [
                group("sys", "m7i.large", 2, true),
                group("wk", "m7i.xlarge", 1, false),
                res("karpenter", "kubernetes:helm.sh/v3:Release", { chart: "karpenter", version: "x", values: { replicas: 2, tolerations: CAO, controller: { resources: { requests: { cpu: "1", memory: "1Gi" } } } } }),
                res("grafana", "kubernetes:helm.sh/v3:Release", { chart: "grafana", version: "x", values: { replicas: 1, resources: { requests: { cpu: "100m", memory: "256Mi" } } } }),
                res("velero", "kubernetes:helm.sh/v3:Release", { chart: "velero", version: "x", values: { tolerations: CAO, resources: { requests: { cpu: "100m", memory: "256Mi" } }, nodeAgent: { resources: { requests: { cpu: "100m", memory: "256Mi" } } } } }),
                // Envoy Gateway's controller tolerates the taint through deployment.pod, not deployment.
                res("eg", "kubernetes:helm.sh/v3:Release", { chart: "oci://docker.io/envoyproxy/gateway-helm", version: "x", values: { deployment: { replicas: 1, envoyGateway: { resources: { requests: { cpu: "100m", memory: "256Mi" } } }, pod: { tolerations: CAO } } } }),
                res("kc", "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak", { spec: { instances: 2, resources: { requests: { cpu: "500m", memory: "1250Mi" } } } }),
                // A tenant's pods are Karpenter's, not the groups'.
                res("tenant-x-builder", "kubernetes:helm.sh/v3:Release", { chart: "grafana", version: "x", values: { replicas: 9, resources: { requests: { cpu: "9", memory: "9Gi" } } } }),
            ],
        };
        const cap = managedCapacity(plan);
        assert.deepStrictEqual([cap.system.nodes, cap.system.allocatable, cap.system.podSlots], [2, { cpuMillis: 3860, memoryMiB: 15036 }, 58]);
        assert.deepStrictEqual([cap.workload.nodes, cap.workload.allocatable, cap.workload.podSlots], [1, { cpuMillis: 3920, memoryMiB: 15391 }, 58]);
        const h = headroom(plan, () => undefined);
        // System: add-ons' CoreDNS 200m/140Mi + 2 Karpenter 2000m/2048Mi + Envoy Gateway 100m/256Mi + Velero 100m/256Mi; per node: kube-proxy, CNI and
        // EBS node 155m/120Mi + Velero's node agent 100m/256Mi. Untainted: Grafana 100m/256Mi + 2 Keycloak 1000m/2500Mi,
        // and the EBS CSI controller's 120m/480Mi, which selects no group and goes to the untainted one.
        assert.deepStrictEqual(h.demand.system, { cpuMillis: 2400, memoryMiB: 2700 });
        assert.deepStrictEqual(h.demand.workload, { cpuMillis: 1100, memoryMiB: 2756 });
        assert.deepStrictEqual(h.demand.perNode, { cpuMillis: 255, memoryMiB: 376 });
        // Pods: System 2 CoreDNS + 2 Karpenter + 1 Envoy Gateway + 1 Velero; untainted 1 Grafana + 2 Keycloak + its
        // operator + 4 add-on controllers (EBS CSI, snapshots); per node kube-proxy, CNI, EBS node, Pod Identity agent,
        // Velero's node agent.
        assert.deepStrictEqual(h.demand.pods, { system: 6, workload: 4, anywhere: 4, perNode: 5 });
        assert.deepStrictEqual(h.system, { cpuMillis: 3860 - 2400 - 2 * 255, memoryMiB: 15036 - 2700 - 2 * 376, podSlots: 58 - 6 - 2 * 5 });
        assert.deepStrictEqual(h.workload, { cpuMillis: 3920 - 1100 - 120 - 255, memoryMiB: 15391 - 2756 - 480 - 376, podSlots: 58 - 4 - 4 - 5 });
    });

    it("counts every pod at rest for pod slots, places Keycloak and the Envoy proxies by their tolerations, and loses a zone's System nodes", () => {
        const sys = (urn: string) => group(urn, "t4g.large", 1, true);
        const plan = {
            resources: [
                sys("sys-a"),
                sys("sys-b"),
                // Placed on the System nodes, requests nothing, still 3 + 2 + 2 pods (cert-manager's controller, webhook, cainjector).
                res("cm", "kubernetes:helm.sh/v3:Release", { chart: "cert-manager", version: "x", values: { replicaCount: 3, tolerations: CAO, webhook: { replicaCount: 2, tolerations: CAO }, cainjector: { replicaCount: 2, tolerations: CAO } } }),
                res("kc", "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak", { spec: { instances: 2, scheduling: { tolerations: CAO }, resources: { requests: { cpu: "500m", memory: "1Gi" } } } }),
                res("proxy", "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy", { spec: { provider: { kubernetes: { envoyDeployment: { replicas: 2, pod: { tolerations: CAO } } } } } }),
            ],
        };
        const h = headroom(plan, () => undefined);
        // CPU: 2 CoreDNS 200m + 2 Keycloak 1000m + 2 proxies at Envoy Gateway's default 2 x 110m; the EBS CSI controller's
        // 120m joins them (no untainted group). Memory: 140 + 2048 + 2 x 544, + 480.
        assert.deepStrictEqual(h.demand.system, { cpuMillis: 1420, memoryMiB: 3276 });
        // Pods: 2 CoreDNS + 7 cert-manager + 2 Keycloak + its operator + 2 proxies; + 4 add-on controllers; 4 per node.
        assert.deepStrictEqual(h.demand.pods, { system: 14, workload: 0, anywhere: 4, perNode: 4 });
        // t4g.large: 35 pods, 1930m, 8192 - (255 + 11 x 35) - 100 = 7452 MiB.
        assert.deepStrictEqual(h.system, { cpuMillis: 2 * 1930 - 1420 - 120 - 2 * 155, memoryMiB: 2 * 7452 - 3276 - 480 - 2 * 120, podSlots: 70 - 14 - 4 - 2 * 4 });
        // One zone gone: one t4g.large holds them all.
        assert.deepStrictEqual(headroom(plan, () => undefined, { zoneLost: true }).system, { cpuMillis: 1930 - 1420 - 120 - 155, memoryMiB: 7452 - 3276 - 480 - 120, podSlots: 35 - 14 - 4 - 4 });
    });
});

/** Pod slots production keeps free with a zone lost: room to add replicas, and to strand a few on full nodes. */
const ZONE_LOST_SPARE_SLOTS = 20;

describe("capacity: both stacks' platform pods fit their node groups @stack", function () {
    this.timeout(60000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: System nodes hold the tainted-tolerating pods, the untainted groups the rest, at desired size (CPU, memory, pod slots)`, async () => {
            const plan = await committedPlan(stack);
            const h = headroom(plan, fixtureChartDefaults());
            assert.ok(h.demand.pods.system > 0, `${stack}: no System pods counted`);
            for (const [kind, left] of Object.entries({ system: h.system, workload: h.workload })) {
                assert.ok(left.cpuMillis >= 0 && left.memoryMiB >= 0 && left.podSlots >= 0, `${stack} ${kind}: ${JSON.stringify(left)} left after ${h.demand.parts.join(", ")}`);
            }
            // Production keeps running with a zone lost: the System nodes of the other zones hold every System pod.
            if (parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform").tier !== "production") return;
            // Sums, not bin-packing: a margin of slots stands for the last slots of a full node no pod can use.
            const lost = headroom(plan, fixtureChartDefaults(), { zoneLost: true }).system;
            assert.ok(lost.cpuMillis >= 0 && lost.memoryMiB >= 0 && lost.podSlots >= ZONE_LOST_SPARE_SLOTS, `${stack} with a zone lost: ${JSON.stringify(lost)} left, want ${ZONE_LOST_SPARE_SLOTS} slots spare`);
        });
    }
});
