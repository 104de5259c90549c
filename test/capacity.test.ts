import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { allocatable, headroom, INSTANCE_SPECS, managedCapacity } from "../plan/capacity";
import { fixtureChartDefaults } from "../plan/cost";
import { committedPlan } from "./plans";

const res = (urn: string, type: string, inputs: Record<string, unknown> = {}): PlannedResource =>
    ({ urn, key: urn, type, name: urn, custom: !type.startsWith("platform:"), inputs, dependencies: [], dependsOn: [], secretPaths: [] }) as unknown as PlannedResource;
const CAO = [{ key: "CriticalAddonsOnly", operator: "Exists" }];
const group = (urn: string, type: string, desiredSize: number, tainted: boolean) =>
    res(urn, "aws:eks/nodeGroup:NodeGroup", { instanceTypes: [type], scalingConfig: { desiredSize }, taints: tainted ? [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }] : [] });

describe("capacity: the platform's pods fit the managed node groups", () => {
    it("leaves to pods what the EKS AMI's kubelet reserves leave (hand-computed)", () => {
        // m7i.large: 2000m - (60 + 10); 8192 MiB - (255 + 11 x 29 pods) - 100. m7i.xlarge: 4000m - (60 + 10 + 5 + 5);
        // 16384 - (255 + 11 x 58) - 100. t4g.medium: 4096 - (255 + 11 x 17) - 100.
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["m7i.large"]), { cpuMillis: 1930, memoryMiB: 7518 });
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["m7i.xlarge"]), { cpuMillis: 3920, memoryMiB: 15391 });
        assert.deepStrictEqual(allocatable(INSTANCE_SPECS["t4g.medium"]), { cpuMillis: 1930, memoryMiB: 3554 });
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
        assert.deepStrictEqual(managedCapacity(plan), { system: { nodes: 2, allocatable: { cpuMillis: 3860, memoryMiB: 15036 } }, workload: { nodes: 1, allocatable: { cpuMillis: 3920, memoryMiB: 15391 } } });
        const h = headroom(plan, () => undefined);
        // System: add-ons' CoreDNS 200m/140Mi + 2 Karpenter 2000m/2048Mi + Envoy Gateway 100m/256Mi + Velero 100m/256Mi; per node: kube-proxy, CNI and
        // EBS node 155m/120Mi + Velero's node agent 100m/256Mi. Untainted: the EBS CSI controller 120m/480Mi + Grafana
        // 100m/256Mi + 2 Keycloak 1000m/2500Mi.
        assert.deepStrictEqual(h.demand.system, { cpuMillis: 2400, memoryMiB: 2700 });
        assert.deepStrictEqual(h.demand.workload, { cpuMillis: 1220, memoryMiB: 3236 });
        assert.deepStrictEqual(h.demand.perNode, { cpuMillis: 255, memoryMiB: 376 });
        assert.deepStrictEqual(h.system, { cpuMillis: 3860 - 2400 - 2 * 255, memoryMiB: 15036 - 2700 - 2 * 376 });
        assert.deepStrictEqual(h.workload, { cpuMillis: 3920 - 1220 - 255, memoryMiB: 15391 - 3236 - 376 });
    });
});

describe("capacity: both stacks' platform pods fit their node groups @stack", function () {
    this.timeout(60000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: System nodes hold the tainted-tolerating pods, the untainted groups the rest, at desired size`, async () => {
            const h = headroom(await committedPlan(stack), fixtureChartDefaults());
            for (const [kind, left] of Object.entries({ system: h.system, workload: h.workload })) {
                assert.ok(left.cpuMillis >= 0 && left.memoryMiB >= 0, `${stack} ${kind}: ${JSON.stringify(left)} left after ${h.demand.parts.join(", ")}`);
            }
        });
    }
});
