// Exact inputs of the network layer that mutation testing showed no test pinned: discovery tags, VPC DNS, public IPs,
// names, routes, and the flow-log key, trust and delivery documents.
import * as assert from "assert";
import { record, PlannedResource } from "../plan/engine";
import { Network, NetworkArgs } from "../components/network/network";
import { subnetTags } from "../components/network/tags";
import { resolveAvailabilityZones } from "../components/network/zones";
import { flowLogsDeliveryPolicy, flowLogsKeyPolicy, flowLogsTrustPolicy, logGroupArn } from "../components/network/flow-logs";
import { AWS_REGION_PATTERN } from "../components/network/constants";
import { carveSubnets, cidrsOverlap, cidrWithin, MAX_SUBNET_PREFIX, MIN_SUBNET_PREFIX } from "../components/network/cidr";
import { idOf, inputs, named, ofType } from "./helpers";

const base: NetworkArgs = {
    namePrefix: "t-env",
    clusterName: "t-cluster",
    region: "eu-west-1",
    cidr: "10.0.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    tiers: [
        { tier: "private", prefixLength: 19 },
        { tier: "public", prefixLength: 24 },
        { tier: "isolated", prefixLength: 24 },
    ],
    natGateways: "Single",
};

async function build(args: Partial<NetworkArgs> = {}): Promise<PlannedResource[]> {
    return (await record({ project: "platform", stack: "test", cloud: { accountId: "123456789012", region: "eu-west-1", partition: "aws" } }, () => new Network("net", { ...base, ...args })))
        .resources;
}

describe("network details: discovery tags and zones", () => {
    it("tags public subnets for internet-facing load balancers, private ones for internal ones and Karpenter, isolated ones for nothing", () => {
        assert.deepStrictEqual(subnetTags("public", "c1"), { "platform.io/subnet-tier": "public", "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/c1": "shared" });
        assert.deepStrictEqual(subnetTags("private", "c1"), {
            "platform.io/subnet-tier": "private",
            "kubernetes.io/role/internal-elb": "1",
            "kubernetes.io/cluster/c1": "shared",
            "karpenter.sh/discovery": "c1",
        });
        assert.deepStrictEqual(subnetTags("isolated", "c1"), { "platform.io/subnet-tier": "isolated" });
    });

    it("uses the explicit zones as given, else the region's first zone letters", () => {
        assert.deepStrictEqual(resolveAvailabilityZones("eu-west-1", 3), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
        assert.deepStrictEqual(resolveAvailabilityZones("eu-west-1", 2, ["eu-west-1c", "eu-west-1a"]), ["eu-west-1c", "eu-west-1a"]);
    });

    it("recognises AWS region names, whole names only", () => {
        for (const r of ["eu-west-1", "us-gov-west-1", "us-isob-east-1", "ap-southeast-4"]) assert.ok(AWS_REGION_PATTERN.test(r), r);
        for (const r of ["xeu-west-1", "eu-west-1x", "eu-west-12", "eu-west", "us-iso1-east-1"]) assert.ok(!AWS_REGION_PATTERN.test(r), r);
    });
});

describe("network details: what the VPC and its subnets are created with", () => {
    let res: PlannedResource[];
    before(async () => {
        res = await build();
    });

    it("a VPC with DNS support and hostnames (EKS and endpoints need both), named by the prefix", () => {
        assert.deepStrictEqual(inputs(named(res, "net-vpc")), { cidrBlock: "10.0.0.0/16", enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: "t-env-vpc" } });
    });

    it("adopts the default security group of this VPC (stripped of rules) and attaches the internet gateway to it", () => {
        assert.deepStrictEqual(inputs(named(res, "net-default-sg")), { vpcId: idOf("net-vpc"), tags: { Name: "t-env-default-deny" } });
        assert.deepStrictEqual(inputs(named(res, "net-igw")), { vpcId: idOf("net-vpc"), tags: { Name: "t-env-igw" } });
        for (const r of res.filter((x) => x.type !== "platform:network:Network")) assert.ok(r.parent?.endsWith("::net"), `${r.name} under the component`);
    });

    it("gives no subnet public IPs on launch, and tags each with its name, tier and discovery tags", () => {
        const subnets = ofType(res, "aws:ec2/subnet:Subnet");
        assert.strictEqual(subnets.length, 6);
        for (const s of subnets) {
            const [, tier, az] = /^net-(public|private|isolated)-(.+)$/.exec(s.name)!;
            assert.strictEqual(inputs(s).mapPublicIpOnLaunch, false, s.name);
            assert.strictEqual(inputs(s).availabilityZone, az);
            assert.deepStrictEqual(inputs(s).tags, { Name: `t-env-${tier}-${az}`, ...subnetTags(tier as "public", "t-cluster") }, s.name);
        }
    });

    it("routes the public table to the internet gateway and associates every public subnet with it", () => {
        assert.deepStrictEqual(inputs(named(res, "net-public-rt")), { vpcId: idOf("net-vpc"), tags: { Name: "t-env-public" } });
        assert.deepStrictEqual(inputs(named(res, "net-public-default")), { routeTableId: idOf("net-public-rt"), destinationCidrBlock: "0.0.0.0/0", gatewayId: idOf("net-igw") });
        for (const az of ["eu-west-1a", "eu-west-1b"]) {
            const association = res.find((r) => r.type === "aws:ec2/routeTableAssociation:RouteTableAssociation" && inputs(r).subnetId === idOf(`net-public-${az}`));
            assert.ok(association, az);
            assert.strictEqual(inputs(association).routeTableId, idOf("net-public-rt"));
        }
        assert.deepStrictEqual(inputs(named(res, "net-nat-eip-eu-west-1a")).tags, { Name: "t-env-nat-eu-west-1a" });
        assert.deepStrictEqual(inputs(named(res, "net-nat-eu-west-1a")).tags, { Name: "t-env-nat-eu-west-1a" });
        assert.deepStrictEqual(inputs(named(res, "net-private-rt-eu-west-1b")).tags, { Name: "t-env-private-eu-west-1b" });
    });

    it("creates the S3 gateway endpoint only: no interface endpoint, flow log or retained resource unless asked", () => {
        const endpoints = ofType(res, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.deepStrictEqual(endpoints.map((e) => [inputs(e).serviceName, inputs(e).vpcEndpointType]), [["com.amazonaws.eu-west-1.s3", "Gateway"]]);
        assert.strictEqual(ofType(res, "aws:ec2/securityGroup:SecurityGroup").length, 0);
        assert.strictEqual(ofType(res, "aws:ec2/flowLog:FlowLog").length, 0);
        assert.ok(res.every((r) => !r.retainOnDelete && !r.protect));
    });
});

describe("network details: flow logs", () => {
    const scope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
    const group = "/platform/t-env/vpc-flow-logs";
    const groupArn = "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/t-env/vpc-flow-logs";

    it("key policy: the account administers it, CloudWatch Logs of the region uses it for this log group only", () => {
        assert.strictEqual(logGroupArn(scope, group), groupArn);
        assert.deepStrictEqual(flowLogsKeyPolicy(scope, group), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudWatchLogsForFlowLogGroup",
                    Effect: "Allow",
                    Principal: { Service: "logs.eu-west-1.amazonaws.com" },
                    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                    Resource: "*",
                    Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": groupArn } },
                },
            ],
        });
    });

    it("trust: only the flow-logs service, for flow logs of this account and region; delivery: streams of its one group", () => {
        const trust = flowLogsTrustPolicy(scope).Statement[0] as any;
        assert.deepStrictEqual(trust.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
        assert.deepStrictEqual(JSON.stringify(trust.Condition).includes("arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"), true);
        assert.deepStrictEqual(flowLogsDeliveryPolicy(scope, group), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [groupArn, `${groupArn}:*`] }],
        });
    });

    it("the component: an encrypted, retained (when asked) group, its alias, and the flow log after the group", async () => {
        const res = await build({ flowLogs: { enabled: true, retentionDays: 90, trafficType: "ALL", aggregationIntervalSeconds: 600 }, retainAuditData: true });
        const key = named(res, "net-flow-logs-key");
        assert.deepStrictEqual([inputs(key).description, key.protect, key.retainOnDelete], [`Encrypts ${group}`, true, true]);
        assert.deepStrictEqual(inputs(named(res, "net-flow-logs-key-alias")).name, "alias/t-env-vpc-flow-logs");
        const logGroup = named(res, "net-flow-logs-group");
        assert.deepStrictEqual([inputs(logGroup).name, logGroup.protect, logGroup.retainOnDelete], [group, true, true]);
        assert.strictEqual(inputs(named(res, "net-flow-logs-role")).description, "Delivers VPC flow logs to CloudWatch Logs");
        const flowLog = named(res, "net-flow-logs-vpc");
        assert.ok(flowLog.dependsOn.includes(logGroup.urn), "the flow log waits for its log group");
        assert.ok(flowLog.parent?.endsWith("::net-flow-logs"));
        const notRetained = await build({ flowLogs: { enabled: true, retentionDays: 90, trafficType: "ALL", aggregationIntervalSeconds: 600 } });
        assert.deepStrictEqual([named(notRetained, "net-flow-logs-key").protect, named(notRetained, "net-flow-logs-group").retainOnDelete], [false, false]);
    });
});

describe("network details: CIDR arithmetic at its boundaries", () => {
    it("blocks that share exactly one address overlap, at either end", () => {
        assert.strictEqual(cidrsOverlap("10.0.0.1/32", "10.0.0.0/31"), true);
        assert.strictEqual(cidrsOverlap("10.0.0.0/31", "10.0.0.1/32"), true);
        assert.strictEqual(cidrsOverlap("10.0.0.0/31", "10.0.0.2/31"), false);
    });

    it("a block lies within another only entirely, equal bounds included", () => {
        assert.strictEqual(cidrWithin("10.0.0.0/16", "10.0.0.0/16"), true);
        assert.strictEqual(cidrWithin("10.0.255.0/24", "10.0.0.0/16"), true);
        assert.strictEqual(cidrWithin("10.0.0.0/15", "10.0.0.0/16"), false, "larger at the end");
        assert.strictEqual(cidrWithin("9.255.255.0/24", "10.0.0.0/16"), false, "before the start");
        assert.strictEqual(cidrWithin("10.1.0.0/24", "10.0.0.0/16"), false, "after the end");
    });

    it("accepts subnet prefixes from /16 to /28 inclusive, and a tier as large as the VPC", () => {
        assert.deepStrictEqual([MIN_SUBNET_PREFIX, MAX_SUBNET_PREFIX], [16, 28]);
        assert.deepStrictEqual(carveSubnets("10.0.0.0/16", [{ tier: "private", prefixLength: 16 }], 1).private, ["10.0.0.0/16"]);
        assert.deepStrictEqual(carveSubnets("10.0.0.0/24", [{ tier: "private", prefixLength: 28 }], 1).private, ["10.0.0.0/28"]);
        assert.throws(() => carveSubnets("10.0.0.0/16", [{ tier: "private", prefixLength: 29 }], 1), /between \/16 and \/28, got \/29/);
        assert.throws(() => carveSubnets("10.0.0.0/8", [{ tier: "private", prefixLength: 15 }], 1), /between \/16 and \/28, got \/15/);
    });

    it("keeps the request order among tiers of the same size (a later tier never moves an earlier one)", () => {
        const carved = carveSubnets("10.0.0.0/16", [{ tier: "public", prefixLength: 24 }, { tier: "isolated", prefixLength: 24 }, { tier: "private", prefixLength: 24 }], 1);
        assert.deepStrictEqual([carved.public, carved.isolated, carved.private], [["10.0.0.0/24"], ["10.0.1.0/24"], ["10.0.2.0/24"]]);
    });
});

describe("network details: the isolated tier and the VPC endpoints", () => {
    it("routes the isolated tier nowhere but S3, and reaches interface endpoints over HTTPS from the VPC only", async () => {
        const r = await build({ interfaceEndpoints: ["sts", "ecr.api"] });
        // A dotted service's logical name uses dashes.
        assert.strictEqual(inputs(named(r, "net-endpoint-ecr-api")).serviceName, "com.amazonaws.eu-west-1.ecr.api");
        const vpc = idOf("net-vpc");
        assert.deepStrictEqual(inputs(named(r, "net-isolated-rt")), { vpcId: vpc, tags: { Name: "t-env-isolated" } });
        assert.deepStrictEqual(inputs(named(r, "net-s3-endpoint")), {
            vpcId: vpc,
            serviceName: "com.amazonaws.eu-west-1.s3",
            vpcEndpointType: "Gateway",
            routeTableIds: [idOf("net-private-rt-eu-west-1a"), idOf("net-private-rt-eu-west-1b"), idOf("net-isolated-rt")],
            tags: { Name: "t-env-s3" },
        });
        assert.deepStrictEqual(inputs(named(r, "net-endpoints-sg")), { vpcId: vpc, description: "Interface VPC endpoints: HTTPS from inside the VPC only", tags: { Name: "t-env-endpoints" } });
        assert.deepStrictEqual(inputs(named(r, "net-endpoints-https")), {
            securityGroupId: idOf("net-endpoints-sg"),
            description: "HTTPS from the VPC",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrIpv4: "10.0.0.0/16",
        });
        assert.deepStrictEqual(inputs(named(r, "net-endpoint-sts")), {
            vpcId: vpc,
            serviceName: "com.amazonaws.eu-west-1.sts",
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: ["eu-west-1a", "eu-west-1b"].map((z) => idOf(`net-private-${z}`)),
            securityGroupIds: [idOf("net-endpoints-sg")],
            tags: { Name: "t-env-sts" },
        });
    });
});
