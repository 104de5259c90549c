import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, itRejects } from "./helpers";

const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
type Raw = Record<string, string>;
const clusterOf = (raw: Raw) => JSON.parse(raw["platform:cluster"]);
const cluster = (patch: Record<string, unknown>, base: Raw = dev) => ({ ...base, "platform:cluster": JSON.stringify({ ...clusterOf(base), ...patch }) });
const group = (i: number, patch: Record<string, unknown>, base: Raw = dev) => {
    const c = clusterOf(base);
    c.nodeGroups[i] = { ...c.nodeGroups[i], ...patch };
    return { ...base, "platform:cluster": JSON.stringify(c) };
};
const karpenter = (patch: Record<string, unknown>) => cluster({ karpenter: { ...clusterOf(dev).karpenter, ...patch } });
const addons = (patch: Record<string, unknown>) => cluster({ addons: { ...clusterOf(dev).addons, ...patch } });

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
    ["Karpenter termination grace in days", karpenter({ terminationGracePeriod: "1d" }), ["platform:cluster.karpenter.terminationGracePeriod", '"1d"', "duration like 2h"]],
];

describe("config: bad cluster input is rejected with key, value and expectation", () => {
    itRejects(badInputs, (raw) => parsePlatformConfig(raw, "platform"));

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
