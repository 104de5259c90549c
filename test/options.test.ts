// Optional features that both committed stacks turn the same way: each is exercised the other way here.
import * as assert from "assert";
import { Plan, planStack, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";

const devSection = (key: string) => JSON.parse(readStackConfig(PROJECT_DIR, "dev").config[`platform:${key}`]);
const devWith = (key: string, patch: Record<string, unknown>): Promise<Plan> =>
    planStack({ stack: "dev", configOverrides: { [`platform:${key}`]: { ...devSection(key), ...patch } } });

describe("optional features, the other way round @stack", function () {
    this.timeout(60000);

    it("ssmAccess off: nodes get no Session Manager policy", async () => {
        const plan = await devWith("cluster", { ssmAccess: false });
        const attached = ofType(plan.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => a.name.startsWith("platform-cluster-node-"))
            .map((a) => inputs(a).policyArn.split("/").pop())
            .sort();
        assert.deepStrictEqual(attached, ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy"]);
    });

    it("a private-only endpoint: no public access and no public CIDRs sent", async () => {
        const plan = await devWith("cluster", { endpoint: { privateAccess: true, publicAccess: false } });
        const vpc = inputs(named(plan.resources, "platform-cluster-eks")).vpcConfig;
        assert.deepStrictEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, false, undefined]);
    });

    it("fileSystemBackup off: no node agent, and Velero's namespace stays at the baseline Pod Security level", async () => {
        const plan = await devWith("backup", { fileSystemBackup: false });
        const velero = ofType(plan.resources, "kubernetes:helm.sh/v3:Release").find((r) => inputs(r).chart === "velero")!;
        assert.strictEqual(inputs(velero).values.deployNodeAgent, false);
        assert.strictEqual(inputs(named(plan.resources, "platform-backup-namespace")).metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
    });

    it("Bottlerocket nodes: the data volume is the encrypted one, and Karpenter's class follows the family", async () => {
        const cluster = devSection("cluster");
        // Each group keeps its architecture: dev's System group is Graviton, and an x86 Workload group is added beside it
        // (dev has no other group with platformPods: SystemNodes) so both Bottlerocket families are planned.
        const workers = { name: "workers", role: "Workload", instanceTypes: ["m7i.large"], amiType: "AL2023_x86_64_STANDARD", minSize: 0, desiredSize: 0, maxSize: 2 };
        const nodeGroups = [...cluster.nodeGroups, workers].map((g: Record<string, unknown>) => ({ ...g, amiType: String(g.amiType ?? "").includes("ARM") ? "BOTTLEROCKET_ARM_64" : "BOTTLEROCKET_x86_64" }));
        const plan = await devWith("cluster", { nodeGroups, karpenter: { ...cluster.karpenter, amiVersion: "v1.50.0" } });
        const templates = ofType(plan.resources, "aws:ec2/launchTemplate:LaunchTemplate");
        assert.strictEqual(templates.length, 2);
        for (const lt of templates) assert.strictEqual(inputs(lt).blockDeviceMappings[0].deviceName, "/dev/xvdb");
        assert.deepStrictEqual(ofType(plan.resources, "aws:eks/nodeGroup:NodeGroup").map((g) => inputs(g).amiType).sort(), [...Array(2).fill("BOTTLEROCKET_ARM_64"), ...Array(2).fill("BOTTLEROCKET_x86_64")]);
        const nodeClass = inputs(ofType(plan.resources, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")[0]).spec;
        assert.deepStrictEqual([nodeClass.amiSelectorTerms, nodeClass.blockDeviceMappings[0].deviceName], [[{ alias: "bottlerocket@v1.50.0" }], "/dev/xvdb"]);
    });
});
