// Bad input that the schema refuses but no test pinned down before: each case names the key, the value and the rule.
import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, itRejects } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const section = (key: string) => JSON.parse(dev[`platform:${key}`]);
const patch = (key: string, value: Record<string, unknown>): Raw => ({ ...dev, [`platform:${key}`]: JSON.stringify({ ...section(key), ...value }) });
const without = (key: string): Raw => Object.fromEntries(Object.entries(dev).filter(([k]) => k !== `platform:${key}`));
const group = (i: number, value: Record<string, unknown>) => {
    const cluster = section("cluster");
    cluster.nodeGroups[i] = { ...cluster.nodeGroups[i], ...value };
    return { ...dev, "platform:cluster": JSON.stringify(cluster) };
};

const prod = readStackConfig(PROJECT_DIR, "prod").config;
const prodSection = (key: string) => JSON.parse(prod[`platform:${key}`]);
const prodPatch = (key: string, value: Record<string, unknown>): Raw => ({ ...prod, [`platform:${key}`]: JSON.stringify({ ...prodSection(key), ...value }) });
const prodGroup = (i: number, value: Record<string, unknown>) => {
    const cluster = prodSection("cluster");
    cluster.nodeGroups[i] = { ...cluster.nodeGroups[i], ...value };
    return { ...prod, "platform:cluster": JSON.stringify(cluster) };
};

const cases: BadInput[] = [
    ["owner with a character AWS tags refuse", { ...dev, "platform:owner": "platform 🚀 team" }, ["platform:owner", "tag value AWS accepts"]],
    ["extra tag value with a character AWS refuses", { ...dev, "platform:tags": JSON.stringify({ team: "a;b" }) }, ["platform:tags.team", '"a;b"', "tag value AWS accepts"]],
    ["extra tag overriding the tier tag", { ...dev, "platform:tags": JSON.stringify({ tier: "gold" }) }, ["platform:tags.tier", "other than the platform's own"]],
    ["a region AWS does not have", { ...dev, "platform:region": "eu-west-9" }, ["platform:region", '"eu-west-9"', "region AWS has"]],
    ["allowPublicCidr as a string", patch("network", { allowPublicCidr: "yes" }), ["platform:network.allowPublicCidr", '"yes"', "expected true or false"]],
    ["a public VPC range without the opt-in", patch("network", { cidr: "8.8.0.0/16", reservedCidrs: [] }), ["platform:network.cidr", '"8.8.0.0/16"', "private range", "allowPublicCidr"]],
    ["Kubernetes version unquoted", patch("cluster", { version: 1.36 }), ["platform:cluster.version", 'quote it ("1.36")']],
    ["flow logs off in production", prodPatch("network", { flowLogs: { enabled: false } }), ["platform:network.flowLogs.enabled", "flow logs on in production"]],
    ["a single NAT gateway in production", prodPatch("network", { natGateways: "Single" }), ["platform:network.natGateways", '"Single"', "OnePerAz in production"]],
    ["a NAT instance in production", prodPatch("network", { natKind: "Instance" }), ["platform:network.natKind", '"Instance"', "Gateway in production", "no managed failover"]],
    ["a NAT kind that does not exist", patch("network", { natKind: "Ec2" }), ["platform:network.natKind", '"Ec2"', "Gateway | Instance"]],
    ["a NAT instance with no NAT placed", patch("network", { natGateways: "None", natKind: "Instance" }), ["platform:network.natKind", '"Instance"', "Gateway (the default) with natGateways None"]],
    ["1-day flow-log retention in production", prodPatch("network", { flowLogs: { enabled: true, retentionDays: 1 } }), ["platform:network.flowLogs.retentionDays", "at least 90 days"]],
    ["1-day control-plane log retention in production", prodPatch("cluster", { logRetentionDays: 1 }), ["platform:cluster.logRetentionDays", "at least 90 days"]],
    ["spot System nodes in production", prodGroup(0, { capacityType: "SPOT" }), ["platform:cluster.nodeGroups[0].capacityType", '"SPOT"', "ON_DEMAND for the System group"]],
    ["service CIDR overlapping a reserved range", patch("cluster", { serviceCidr: "10.30.0.0/16" }), ["platform:cluster.serviceCidr", '"10.30.0.0/16"', "outside 10.30.0.0/16"]],
    ["service CIDR too large", patch("cluster", { serviceCidr: "172.0.0.0/8" }), ["platform:cluster.serviceCidr", '"172.0.0.0/8"', "/12 to /24"]],
    ["VPC CIDR smaller than /24", patch("network", { cidr: "10.20.0.0/25" }), ["platform:network.cidr", '"10.20.0.0/25"', "between /16 and /24"]],
    ["name with capitals and underscore", { ...dev, "platform:name": "Acme_Dev" }, ["platform:name", '"Acme_Dev"', "lower-case DNS label"]],
    ["node group larger than EKS allows", group(1, { maxSize: 451 }), ["platform:cluster.nodeGroups[1].maxSize", "451", "at most 450"]],
    ["Envoy replicas below 2", patch("ingress", { gateway: { replicas: 1, zoneSpread: "ScheduleAnyway" } }), ["platform:ingress.gateway.replicas", "1", "at least 2"]],
    ["Envoy replicas beyond 20", patch("ingress", { gateway: { replicas: 1000, zoneSpread: "ScheduleAnyway" } }), ["platform:ingress.gateway.replicas", "1000", "at most 20"]],
    ["controller replicas 0", patch("ingress", { controllerReplicas: 0 }), ["platform:ingress.controllerReplicas", "0", "1 to 3"]],
    ["controller replicas 50", patch("ingress", { controllerReplicas: 50 }), ["platform:ingress.controllerReplicas", "50", "1 to 3"]],
    ["access-log retention of 0 days", patch("storage", { accessLogs: { enabled: true, retentionDays: 0 } }), ["platform:storage.accessLogs.retentionDays", "0", "at least 1 day"]],
    ["flow-log retention CloudWatch does not offer", patch("network", { flowLogs: { enabled: true, retentionDays: 13 } }), ["platform:network.flowLogs.retentionDays", "13", "CloudWatch retention period"]],
    ["control plane in more zones than the VPC has", patch("cluster", { controlPlaneZoneCount: 3 }), ["platform:cluster.controlPlaneZoneCount", "3", "at most network.azCount (2)"]],
    ["control plane in one zone", patch("cluster", { controlPlaneZoneCount: 1 }), ["platform:cluster.controlPlaneZoneCount", "1", "at least 2 zones"]],
    ["missing region", without("region"), ["platform:region", "required key is missing"]],
    ["missing cluster section", without("cluster"), ["platform:cluster", "required key is missing"]],
];

describe("config: bad input the earlier cases left out", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));

    it("accepts a public VPC range with the explicit opt-in, and a tag value in any script", () => {
        assert.doesNotThrow(() => parsePlatformConfig(patch("network", { cidr: "8.8.0.0/16", reservedCidrs: [], allowPublicCidr: true }), "platform"));
        assert.doesNotThrow(() => parsePlatformConfig({ ...dev, "platform:owner": "équipe-plateforme@acme.example" }, "platform"));
    });

    it("accepts a NAT instance with Single or OnePerAz outside production, and defaults to the managed gateway", () => {
        const kinds = (raw: Raw) => {
            const net = parsePlatformConfig(raw, "platform").network;
            return [net.natGateways, net.natKind];
        };
        assert.deepStrictEqual(kinds(patch("network", { natGateways: "Single", natKind: "Instance" })), ["Single", "Instance"]);
        assert.deepStrictEqual(kinds(patch("network", { natGateways: "OnePerAz", natKind: "Instance" })), ["OnePerAz", "Instance"]);
        assert.deepStrictEqual(kinds(patch("network", { natGateways: "None", natKind: "Gateway" })), ["None", "Gateway"]);
        const { natKind: _, ...withoutKind } = section("network");
        assert.deepStrictEqual(kinds({ ...dev, "platform:network": JSON.stringify(withoutKind) }), ["Single", "Gateway"]);
        assert.deepStrictEqual(kinds(prod), ["OnePerAz", "Gateway"]);
    });
});
