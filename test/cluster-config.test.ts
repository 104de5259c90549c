import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
type Raw = Record<string, string>;
const clusterOf = (raw: Raw) => JSON.parse(raw["platform:cluster"]);
const cluster = (patch: Record<string, unknown>, base: Raw = dev) => ({ ...base, "platform:cluster": JSON.stringify({ ...clusterOf(base), ...patch }) });
// dev as it was with an untainted spot group (index 1): the node-group checks need a second group to bend.
const WORKERS = { name: "workers", role: "Workload", capacityType: "SPOT", instanceTypes: ["m7i.large", "m6i.large", "m7a.large"], minSize: 0, desiredSize: 1, maxSize: 2 };
const devWithWorkers: Raw = { ...dev, "platform:cluster": JSON.stringify({ ...clusterOf(dev), nodeGroups: [...clusterOf(dev).nodeGroups, WORKERS] }) };
const group = (i: number, patch: Record<string, unknown>, base: Raw = devWithWorkers) => {
    const c = clusterOf(base);
    c.nodeGroups[i] = { ...c.nodeGroups[i], ...patch };
    return { ...base, "platform:cluster": JSON.stringify(c) };
};
const karpenter = (patch: Record<string, unknown>) => cluster({ karpenter: { ...clusterOf(dev).karpenter, ...patch } });
/** `base` with its builder requesting `cpu`. */
const builderCpu = (cpu: string, base: Raw = dev) => {
    const d = JSON.parse(base["platform:appDelivery"]);
    d.builder = { ...d.builder, requests: { ...d.builder.requests, cpu } };
    return { ...base, "platform:appDelivery": JSON.stringify(d) };
};
const addons = (patch: Record<string, unknown>) => cluster({ addons: { ...clusterOf(dev).addons, ...patch } });
const network = (patch: Record<string, unknown>, base: Raw) => ({ ...base, "platform:network": JSON.stringify({ ...JSON.parse(base["platform:network"]), ...patch }) });
const P = "platform:cluster";

const badInputs: BadInput[] = [
    ["unsupported Kubernetes version", cluster({ version: "1.29" }), ["platform:cluster.version", '"1.29"', "EKS standard support: 1.34, 1.35, 1.36"]],
    ["version as a number", cluster({ version: 1.36 }), ["platform:cluster.version", "1.36"]],
    ["unknown cluster key", cluster({ adminz: [] }), ["platform:cluster.adminz", "unknown key", "admins"]],
    ["malformed admin ARN", cluster({ admins: ["arn:aws:iam::1111:role/x"] }), ["platform:cluster.admins[0]", '"arn:aws:iam::1111:role/x"', "IAM role or user ARN"]],
    ["service-linked role as admin", cluster({ admins: ["arn:aws:iam::111111111111:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"] }), ["platform:cluster.admins[0]", "service-linked roles"]],
    ["role ARN with an empty path segment", cluster({ admins: ["arn:aws:iam::111111111111:role//Admin"] }), ["platform:cluster.admins[0]", "IAM role or user ARN"]],
    ["viewer that is not an IAM ARN", cluster({ viewers: ["developers"] }), ["platform:cluster.viewers[0]", '"developers"']],
    ["empty admin list (no creator rights are bootstrapped)", cluster({ admins: [] }), ["platform:cluster.admins", "at least one admin", "role that runs pulumi up"]],
    ["missing admin list", cluster({ admins: undefined }), ["platform:cluster.admins", "required key is missing"]],
    ["public endpoint open to the world in production", cluster({ endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }, prod), ["platform:cluster.endpoint.publicAccessCidrs", "not 0.0.0.0/0"]],
    ["public endpoint without CIDRs in production", cluster({ endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: [] } }, prod), ["platform:cluster.endpoint.publicAccessCidrs", "specific CIDRs"]],
    ["endpoint with no access at all", cluster({ endpoint: { privateAccess: false, publicAccess: false } }), ["platform:cluster.endpoint", "private or public access"]],
    ["malformed public access CIDR", cluster({ endpoint: { publicAccess: true, publicAccessCidrs: ["198.51.100.0/33"] } }), ["platform:cluster.endpoint.publicAccessCidrs[0]", '"198.51.100.0/33"', "IPv4 CIDR"]],
    ["CIDRs while the public endpoint is off", cluster({ endpoint: { publicAccess: false, publicAccessCidrs: ["198.51.100.0/24"] } }), ["platform:cluster.endpoint.publicAccessCidrs", "publicAccess is off"]],
    ["deletion protection off in production", cluster({ deletionProtection: false }, prod), ["platform:cluster.deletionProtection", "true in production"]],
    ["log types without audit", cluster({ logTypes: ["api", "authenticator"] }), ["platform:cluster.logTypes", "include audit"]],
    ["unknown log type", cluster({ logTypes: ["api", "audit", "authenticator", "kubelet"] }), ["platform:cluster.logTypes[3]", '"kubelet"', "controllerManager"]],
    ["log retention CloudWatch does not offer", cluster({ logRetentionDays: 10 }), ["platform:cluster.logRetentionDays", "10", "CloudWatch retention"]],
    ["service CIDR overlapping the VPC", cluster({ serviceCidr: "10.20.0.0/16" }), ["platform:cluster.serviceCidr", '"10.20.0.0/16"', "outside 10.20.0.0/16"]],
    ["service CIDR too small", cluster({ serviceCidr: "172.20.0.0/28" }), ["platform:cluster.serviceCidr", "/12 to /24"]],
    ["no node groups", cluster({ nodeGroups: [] }), ["platform:cluster.nodeGroups", "at least one node group"]],
    ["min greater than max", group(1, { minSize: 5, desiredSize: 5, maxSize: 4 }), ["platform:cluster.nodeGroups[1].minSize", "5", "minSize <= maxSize (4)"]],
    ["desired above max", group(1, { desiredSize: 9 }), ["platform:cluster.nodeGroups[1].desiredSize", "9", "within [minSize, maxSize] = [0, 2]"]],
    ["desired below min", group(0, { desiredSize: 0 }), ["platform:cluster.nodeGroups[0].desiredSize", "0", "[1, 2]"]],
    ["negative min", group(1, { minSize: -1 }), ["platform:cluster.nodeGroups[1].minSize", "-1", "0 or more"]],
    ["instance type with a bad family format", group(1, { instanceTypes: ["large.m7i"] }), ["platform:cluster.nodeGroups[1].instanceTypes[0]", '"large.m7i"', "instance type like m7i.large"]],
    ["instance type without a size", group(1, { instanceTypes: ["m7i"] }), ["platform:cluster.nodeGroups[1].instanceTypes[0]", '"m7i"']],
    ["x86 instance on an ARM AMI", group(1, { amiType: "AL2023_ARM_64_STANDARD" }), ["platform:cluster.nodeGroups[1].instanceTypes[0]", '"m7i.large"', "Graviton"]],
    ["capacity type typo", group(1, { capacityType: "SPOTS" }), ["platform:cluster.nodeGroups[1].capacityType", '"SPOTS"', "ON_DEMAND | SPOT"]],
    ["unknown AMI type", group(1, { amiType: "AL2_x86_64" }), ["platform:cluster.nodeGroups[1].amiType", '"AL2_x86_64"', "AL2023_x86_64_STANDARD"]],
    ["taint effect typo", group(1, { taints: [{ key: "gpu", effect: "NoSchedule" }] }), ["platform:cluster.nodeGroups[1].taints[0].effect", '"NoSchedule"', "NO_SCHEDULE"]],
    ["duplicate node group names", group(1, { name: "system", role: "Workload" }), ["platform:cluster.nodeGroups[1].name", "unique node group name"]],
    ["two System groups", group(1, { role: "System" }), ["platform:cluster.nodeGroups", "exactly one System node group, got 2"]],
    ["platform pods strategy typo", cluster({ platformPods: "System" }), ["platform:cluster.platformPods", '"System"', "SystemNodes | AnyNode"]],
    ["pod addressing typo", cluster({ podAddressing: "PrefixDelegation" }), ["platform:cluster.podAddressing", '"PrefixDelegation"', "SecondaryIps | Prefixes"]],
    ["pod addressing as a boolean", cluster({ podAddressing: true }), ["platform:cluster.podAddressing", "true", "SecondaryIps | Prefixes"]],
    ["unknown node group key", group(1, { instanceType: "m7i.large" }), ["platform:cluster.nodeGroups[1].instanceType", "unknown key", "instanceTypes"]],
    ["System group below 2 nodes in production", group(0, { minSize: 0, desiredSize: 0 }, prod), ["platform:cluster.nodeGroups", "at least 2 nodes in production", "per zone, 3 zones"]],
    ["node group name too long for per-zone EKS names", group(1, { name: "workers-general-purpose" }), ["platform:cluster.nodeGroups[1].name", '"workers-general-purpose"', "at most 20 characters"]],
    ["disk too small", group(1, { diskSizeGiB: 8 }), ["platform:cluster.nodeGroups[1].diskSizeGiB", "8", "20 to 1000 GiB"]],
    ["add-on version without eksbuild", addons({ coredns: "v1.11.1" }), ["platform:cluster.addons.coredns", '"v1.11.1"', "v1.2.3-eksbuild.1 for coredns"]],
    ["missing add-on version", addons({ snapshotController: undefined }), ["platform:cluster.addons.snapshotController", "required key is missing"]],
    ["unpinned Karpenter chart", karpenter({ chartVersion: "latest" }), ["platform:cluster.karpenter.chartVersion", '"latest"', "pinned chart version"]],
    ["Karpenter duration without unit", karpenter({ consolidateAfter: "30" }), ["platform:cluster.karpenter.consolidateAfter", '"30"', "duration like 30s"]],
    ["Karpenter capacity type typo", karpenter({ capacityTypes: ["ondemand"] }), ["platform:cluster.karpenter.capacityTypes[0]", '"ondemand"', "spot | on-demand"]],
    ["private access as a string", cluster({ endpoint: { privateAccess: "yes", publicAccess: true, publicAccessCidrs: [] } }), ["platform:cluster.endpoint.privateAccess", '"yes"', "expected true or false"]],
    ["node repair as a string", cluster({ nodeRepair: "true" }), ["platform:cluster.nodeRepair", '"true"', "expected true or false"]],
    ["SSM access as a number", cluster({ ssmAccess: 1 }), ["platform:cluster.ssmAccess", "1", "expected true or false"]],
    ["node label value not a string", group(1, { labels: { tier: 3 } }), ["platform:cluster.nodeGroups[1].labels.tier", "3", "expected a string"]],
    ["maxUnavailablePercent zero", group(1, { maxUnavailablePercent: 0 }), ["platform:cluster.nodeGroups[1].maxUnavailablePercent", "0", "1 to 100 percent"]],
    ["node group name with capitals", group(1, { name: "Workers" }), ["platform:cluster.nodeGroups[1].name", '"Workers"', "lower-case name"]],
    ["Karpenter enabled as a string", karpenter({ enabled: "yes" }), ["platform:cluster.karpenter.enabled", '"yes"', "expected true or false"]],
    ["Karpenter architecture typo", karpenter({ architectures: ["x86_64"] }), ["platform:cluster.karpenter.architectures[0]", '"x86_64"', "amd64 | arm64"]],
    ["Karpenter instance category word", karpenter({ instanceCategories: ["compute"] }), ["platform:cluster.karpenter.instanceCategories[0]", '"compute"', "category letter"]],
    ["Karpenter expiry in minutes", karpenter({ expireAfter: "30m" }), ["platform:cluster.karpenter.expireAfter", '"30m"', "hours like 720h"]],
    ["Karpenter without a CPU limit", karpenter({ cpuLimit: 0 }), ["platform:cluster.karpenter.cpuLimit", "0", "positive vCPU limit"]],
    ["Karpenter AMI following latest in production", cluster({ karpenter: { ...clusterOf(prod).karpenter, amiVersion: "latest" } }, prod), ["platform:cluster.karpenter.amiVersion", '"latest"', "pinned AMI release in production"]],
    ["Karpenter AMI version malformed", karpenter({ amiVersion: "2026-07-14" }), ["platform:cluster.karpenter.amiVersion", '"2026-07-14"', "release tag like v20260714"]],
    ["Karpenter AMI version missing", karpenter({ amiVersion: undefined }), ["platform:cluster.karpenter.amiVersion", "required key is missing"]],
    ["Bottlerocket release on AL2023 nodes", karpenter({ amiVersion: "v1.50.0" }), ["platform:cluster.karpenter.amiVersion", '"v1.50.0"', "AL2023 release like v20260714"]],
    ["Karpenter controller without replicas", karpenter({ controller: { replicas: 0 } }), ["platform:cluster.karpenter.controller.replicas", "0", "at least 1 replica"]],
    ["Karpenter controller replicas beyond leader election's use", karpenter({ controller: { replicas: 5 } }), ["platform:cluster.karpenter.controller.replicas", "5", "at most 3 replicas"]],
    ["Karpenter controller CPU as a word", karpenter({ controller: { requests: { cpu: "half" } } }), ["platform:cluster.karpenter.controller.requests.cpu", '"half"', "CPU quantity like 250m"]],
    ["Karpenter controller memory in decimal units", karpenter({ controller: { requests: { memory: "1G" } } }), ["platform:cluster.karpenter.controller.requests.memory", '"1G"', "memory quantity like 512Mi"]],
    ["unknown Karpenter controller key", karpenter({ controller: { limits: {} } }), ["platform:cluster.karpenter.controller.limits", "unknown key", "replicas, requests"]],
    ["Karpenter termination grace in days", karpenter({ terminationGracePeriod: "1d" }), ["platform:cluster.karpenter.terminationGracePeriod", '"1d"', "duration like 2h"]],
];

// Every message of the cluster section, written out in full: the key, the value and what is expected.
const exactProblems: ExactBadInput[] = [
    ["unknown role", group(1, { role: "Worker" }), [`${P}.nodeGroups[1].role: expected one of System | Workload; got "Worker"`]],
    ["unknown capacity type", group(1, { capacityType: "RESERVED" }), [`${P}.nodeGroups[1].capacityType: expected one of ON_DEMAND | SPOT; got "RESERVED"`]],
    ["no instance types", group(1, { instanceTypes: [] }), [`${P}.nodeGroups[1].instanceTypes: expected at least one instance type; got []`]],
    [
        "unknown AMI type",
        group(1, { amiType: "AL2_x86_64" }),
        [`${P}.nodeGroups[1].amiType: expected one of AL2023_x86_64_STANDARD | AL2023_ARM_64_STANDARD | BOTTLEROCKET_x86_64 | BOTTLEROCKET_ARM_64; got "AL2_x86_64"`],
    ],
    [
        "fractional sizes",
        group(1, { minSize: 0.5, desiredSize: 1.5, maxSize: 2.5, diskSizeGiB: 50.5 }),
        [
            `${P}.nodeGroups[1].minSize: expected an integer; got 0.5`,
            `${P}.nodeGroups[1].desiredSize: expected an integer; got 1.5`,
            `${P}.nodeGroups[1].maxSize: expected an integer; got 2.5`,
            `${P}.nodeGroups[1].diskSizeGiB: expected an integer; got 50.5`,
        ],
    ],
    ["negative desired size", group(1, { desiredSize: -1 }), [`${P}.nodeGroups[1].desiredSize: expected 0 or more nodes; got -1`]],
    ["no room for a node", group(1, { minSize: 0, desiredSize: 0, maxSize: 0 }), [`${P}.nodeGroups[1].maxSize: expected at least 1 node; got 0`]],
    ["more nodes than EKS allows in a group", group(1, { maxSize: 451 }), [`${P}.nodeGroups[1].maxSize: expected at most 450 nodes per group; got 451`]],
    ["disk too large", group(1, { diskSizeGiB: 1001 }), [`${P}.nodeGroups[1].diskSizeGiB: expected 20 to 1000 GiB; got 1001`]],
    ["taint without a key", group(1, { taints: [{ key: "", effect: "NO_SCHEDULE" }] }), [`${P}.nodeGroups[1].taints[0].key: expected a taint key; got ""`]],
    [
        "unknown taint effect",
        group(1, { taints: [{ key: "gpu", effect: "NoSchedule" }] }),
        [`${P}.nodeGroups[1].taints[0].effect: expected one of NO_SCHEDULE | NO_EXECUTE | PREFER_NO_SCHEDULE; got "NoSchedule"`],
    ],
    ["surge above 100 percent", group(1, { maxUnavailablePercent: 101 }), [`${P}.nodeGroups[1].maxUnavailablePercent: expected 1 to 100 percent; got 101`]],
    ["Karpenter capacity type", karpenter({ capacityTypes: ["reserved"] }), [`${P}.karpenter.capacityTypes[0]: expected one of spot | on-demand; got "reserved"`]],
    ["builders' capacity type", karpenter({ builders: { capacityTypes: ["reserved"], cpuLimit: 16 } }), [`${P}.karpenter.builders.capacityTypes[0]: expected one of spot | on-demand; got "reserved"`]],
    ["builders' CPU limit of zero", karpenter({ builders: { cpuLimit: 0 } }), [`${P}.karpenter.builders.cpuLimit: expected a positive vCPU limit; got 0`]],
    ["unknown builders' key", karpenter({ builders: { cpuLimit: 16, taint: "x" } }), [`${P}.karpenter.builders.taint: unknown key; expected one of: capacityTypes, cpuLimit`]],
    [
        // dev's one CI tenant: its runner (500m) and builder (500m) request 1 CPU, so a job needs a node of 2 vCPUs, more than a pool of 1.
        "builders' pool too small for one job per CI tenant",
        builderCpu("500m", karpenter({ builders: { capacityTypes: ["spot"], cpuLimit: 1 } })),
        [`${P}.karpenter.builders.cpuLimit: expected at least 2 vCPUs: a node for one job of each of the 1 CI tenants at once, each of more vCPUs than its runner and builder request (ci.runner.requestsCpu + appDelivery.builder.requests.cpu 500m, plus what the kubelet reserves); got 1`],
    ],
    ["Karpenter architecture", karpenter({ architectures: ["x86_64"] }), [`${P}.karpenter.architectures[0]: expected one of amd64 | arm64; got "x86_64"`]],
    [
        "every add-on names itself in its message",
        addons({ vpcCni: "1.22.3", coredns: "v1.14", kubeProxy: "latest", podIdentityAgent: "v1.3.10", ebsCsiDriver: "v1.66.0-eksbuild", snapshotController: "v8.5.0-eks.3" }),
        [
            `${P}.addons.vpcCni: expected an EKS add-on version like v1.2.3-eksbuild.1 for vpc-cni; got "1.22.3"`,
            `${P}.addons.coredns: expected an EKS add-on version like v1.2.3-eksbuild.1 for coredns; got "v1.14"`,
            `${P}.addons.kubeProxy: expected an EKS add-on version like v1.2.3-eksbuild.1 for kube-proxy; got "latest"`,
            `${P}.addons.podIdentityAgent: expected an EKS add-on version like v1.2.3-eksbuild.1 for eks-pod-identity-agent; got "v1.3.10"`,
            `${P}.addons.ebsCsiDriver: expected an EKS add-on version like v1.2.3-eksbuild.1 for aws-ebs-csi-driver; got "v1.66.0-eksbuild"`,
            `${P}.addons.snapshotController: expected an EKS add-on version like v1.2.3-eksbuild.1 for snapshot-controller; got "v8.5.0-eks.3"`,
        ],
    ],
    ["control plane zones as a fraction", cluster({ controlPlaneZoneCount: 2.5 }), [`${P}.controlPlaneZoneCount: expected an integer; got 2.5`]],
    ["control plane in seven zones", cluster({ controlPlaneZoneCount: 7 }), [`${P}.controlPlaneZoneCount: expected at most 6 zones; got 7`]],
    [
        "unknown log type",
        cluster({ logTypes: ["api", "audit", "authenticator", "kubelet"] }),
        [`${P}.logTypes[3]: expected one of api | audit | authenticator | controllerManager | scheduler; got "kubelet"`],
    ],
    ["service CIDR of /11", cluster({ serviceCidr: "172.0.0.0/11" }), [`${P}.serviceCidr: expected a /12 to /24 block; got "172.0.0.0/11"`]],
    // A key's own problem is reported once: the cross-key rules wait until every key is valid.
    ["service CIDR that is no CIDR", cluster({ serviceCidr: "172.20.0.0/33" }), [`${P}.serviceCidr: expected an IPv4 CIDR block like 10.0.0.0/16; got "172.20.0.0/33"`]],
    ["no node groups (not also: no System group)", cluster({ nodeGroups: [], karpenter: { ...clusterOf(dev).karpenter, amiVersion: "v20260714" } }), [`${P}.nodeGroups: expected at least one node group; got []`]],
    // A malformed release gets the schema's message only, not also the family rule's.
    [
        "malformed Karpenter AMI release",
        karpenter({ amiVersion: "2026-07-14" }),
        [`${P}.karpenter.amiVersion: expected latest or an AMI release tag like v20260714 (AL2023) or v1.50.0 (Bottlerocket); got "2026-07-14"`],
    ],
    ["service CIDR of /25", cluster({ serviceCidr: "172.20.0.0/25" }), [`${P}.serviceCidr: expected a /12 to /24 block; got "172.20.0.0/25"`]],
    [
        "service CIDR overlapping a reserved range",
        cluster({ serviceCidr: "10.30.0.0/20" }),
        [`${P}.serviceCidr: expected a range outside 10.30.0.0/16 (they overlap); got "10.30.0.0/20"`],
    ],
    ["Graviton instance on an x86 AMI", group(1, { instanceTypes: ["m7i.large", "c7g.large"] }), [`${P}.nodeGroups[1].instanceTypes[1]: expected an x86_64 instance type for amiType AL2023_x86_64_STANDARD; got "c7g.large"`]],
    [
        "x86 instance on an ARM AMI",
        group(1, { amiType: "AL2023_ARM_64_STANDARD", instanceTypes: ["c7g.large", "m7i.large"] }),
        [`${P}.nodeGroups[1].instanceTypes[1]: expected a Graviton (arm64) instance type for amiType AL2023_ARM_64_STANDARD; got "m7i.large"`],
    ],
    [
        "AnyNode with no Workload group to hold the platform's pods",
        cluster({ platformPods: "AnyNode", nodeGroups: [clusterOf(dev).nodeGroups[0]] }),
        [`${P}.platformPods: expected SystemNodes, or a Workload node group to hold the platform's pods (AnyNode leaves them no untainted managed nodes); got "AnyNode"`],
    ],
    [
        "a Xen instance type with prefix delegation",
        group(1, { instanceTypes: ["m7i.large", "m4.large"] }, { ...devWithWorkers, "platform:cluster": JSON.stringify({ ...clusterOf(devWithWorkers), podAddressing: "Prefixes" }) }),
        [`${P}.nodeGroups[1].instanceTypes[1]: expected a Nitro instance type with podAddressing Prefixes (Xen types take no IP prefixes); got "m4.large"`],
    ],
    ["two System groups, named", group(1, { role: "System" }), [`${P}.nodeGroups: expected exactly one System node group, got 2; got ["system","workers"]`]],
    [
        "AL2023 release for Bottlerocket nodes",
        cluster({ nodeGroups: clusterOf(dev).nodeGroups.map((g: { amiType?: string }) => ({ ...g, amiType: g.amiType?.includes("ARM") ? "BOTTLEROCKET_ARM_64" : "BOTTLEROCKET_x86_64" })), karpenter: { ...clusterOf(dev).karpenter, amiVersion: "v20260714" } }),
        [`${P}.karpenter.amiVersion: expected a Bottlerocket release like v1.50.0 (the node groups run Bottlerocket); got "v20260714"`],
    ],
];

describe("config: bad cluster input is rejected with key, value and expectation", () => {
    itRejects(badInputs, (raw) => parsePlatformConfig(raw, "platform"));

    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("takes Graviton families however their name goes on: c7g, c7gn, im4gn, hpc7g and a two-digit generation", () => {
        const types = ["c7g.large", "c7gn.large", "im4gn.large", "hpc7g.4xlarge", "c10g.large"];
        const parsed = parsePlatformConfig(group(1, { amiType: "AL2023_ARM_64_STANDARD", instanceTypes: types }), "platform");
        assert.deepStrictEqual(parsed.cluster.nodeGroups[1].instanceTypes, types);
    });

    it("accepts the bounds themselves: a /12 and a /24 service CIDR, sizes equal to the maximum", () => {
        for (const serviceCidr of ["172.16.0.0/12", "172.20.0.0/24"]) assert.strictEqual(parsePlatformConfig(cluster({ serviceCidr }), "platform").cluster.serviceCidr, serviceCidr);
        const full = parsePlatformConfig(group(1, { minSize: 2, desiredSize: 2, maxSize: 2 }), "platform").cluster.nodeGroups[1];
        assert.deepStrictEqual([full.minSize, full.desiredSize, full.maxSize], [2, 2, 2]);
    });

    it("takes a Bottlerocket release for Bottlerocket node groups", () => {
        const bottlerocket = cluster({ nodeGroups: clusterOf(dev).nodeGroups.map((g: { amiType?: string }) => ({ ...g, amiType: g.amiType?.includes("ARM") ? "BOTTLEROCKET_ARM_64" : "BOTTLEROCKET_x86_64" })), karpenter: { ...clusterOf(dev).karpenter, amiVersion: "v1.50.0" } });
        assert.strictEqual(parsePlatformConfig(bottlerocket, "platform").cluster.karpenter.amiVersion, "v1.50.0");
    });

    it("keeps a production System group of exactly 2 nodes: one per zone over two zones", () => {
        const twoZones = network({ azCount: 2, availabilityZones: ["eu-west-1a", "eu-west-1b"] }, group(0, { minSize: 1, desiredSize: 1 }, prod));
        const c = { ...clusterOf(twoZones), controlPlaneZoneCount: 2 };
        const parsed = parsePlatformConfig({ ...twoZones, "platform:cluster": JSON.stringify(c) }, "platform");
        assert.deepStrictEqual([parsed.network.azCount, parsed.cluster.nodeGroups[0].minSize], [2, 1]);
    });

    it("accepts an IAM Identity Center role ARN with its path, as IAM shows it (access entries take it)", () => {
        const sso = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef";
        assert.deepStrictEqual(parsePlatformConfig(cluster({ admins: [sso] }), "platform").cluster.admins, [sso]);
    });

    it("defaults the Karpenter termination grace period to 2h", () => {
        assert.strictEqual(parsePlatformConfig(karpenter({ terminationGracePeriod: undefined }), "platform").cluster.karpenter.terminationGracePeriod, "2h");
    });

    it("accepts both committed stack files", () => {
        assert.doesNotThrow(() => parsePlatformConfig(dev, "platform"));
        assert.doesNotThrow(() => parsePlatformConfig(prod, "platform"));
    });
});
