import * as assert from "assert";
import { record, PlannedResource } from "../plan/engine";
import { Network, NetworkArgs } from "../components/network/network";
import { NatStrategy, NAT_STRATEGIES } from "../components/network/constants";
import { carveSubnets } from "../components/network/cidr";
import { idOf, inputs, named, ofType } from "./helpers";

const zonesOf = (n: number) => Array.from({ length: n }, (_, i) => `eu-west-1${"abcdef"[i]}`);
const base: NetworkArgs = {
    namePrefix: "t-env",
    clusterName: "t-env",
    region: "eu-west-1",
    cidr: "10.0.0.0/16",
    availabilityZones: zonesOf(2),
    tiers: [
        { tier: "private", prefixLength: 19 },
        { tier: "public", prefixLength: 24 },
    ],
};

async function build(args: Partial<NetworkArgs> = {}): Promise<PlannedResource[]> {
    const rec = await record({ project: "platform", stack: "test" }, () => {
        new Network("net", { ...base, ...args });
    });
    return rec.resources;
}

describe("network: NAT strategies across 1-6 availability zones", function () {
    for (const strategy of NAT_STRATEGIES) {
        for (let azs = 1; azs <= 6; azs++) {
            it(`${strategy} x ${azs} AZ`, async () => {
                const zones = zonesOf(azs);
                const res = await build({ availabilityZones: zones, natGateways: strategy as NatStrategy, cidr: "10.0.0.0/16", azSlots: 6 });
                const subnets = ofType(res, "aws:ec2/subnet:Subnet");
                assert.strictEqual(subnets.length, 2 * azs);
                const expectedNat = strategy === "None" ? 0 : strategy === "Single" ? 1 : azs;
                assert.strictEqual(ofType(res, "aws:ec2/natGateway:NatGateway").length, expectedNat);
                assert.strictEqual(ofType(res, "aws:ec2/eip:Eip").length, expectedNat);
                // A private route table per zone always; default routes only with NAT.
                assert.strictEqual(ofType(res, "aws:ec2/routeTable:RouteTable").length, 1 + azs);
                const privateDefaults = ofType(res, "aws:ec2/route:Route").filter((r) => r.name.startsWith("net-private-default"));
                assert.strictEqual(privateDefaults.length, strategy === "None" ? 0 : azs);
                zones.forEach((az) => {
                    if (strategy === "None") return;
                    const route = named(res, `net-private-default-${az}`);
                    const natAz = strategy === "Single" ? zones[0] : az;
                    assert.strictEqual(inputs(route).natGatewayId, idOf(`net-nat-${natAz}`));
                    assert.strictEqual(inputs(route).routeTableId, idOf(`net-private-rt-${az}`));
                    assert.strictEqual(inputs(route).destinationCidrBlock, "0.0.0.0/0");
                });
                for (const nat of ofType(res, "aws:ec2/natGateway:NatGateway")) {
                    const az = nat.name.replace("net-nat-", "");
                    assert.strictEqual(inputs(nat).subnetId, idOf(`net-public-${az}`), "NAT sits in its zone's public subnet");
                    assert.strictEqual(inputs(nat).allocationId, idOf(`net-nat-eip-${az}`));
                    assert.ok(nat.dependsOn.some((u) => u.endsWith("::net-igw")), "NAT waits for the internet gateway");
                }
                for (const eip of ofType(res, "aws:ec2/eip:Eip")) assert.strictEqual(inputs(eip).domain, "vpc");
            });
        }
    }
});

describe("network: VPC, subnets and routing", () => {
    let res: PlannedResource[];
    before(async () => {
        res = await build({
            availabilityZones: zonesOf(3),
            tiers: [...base.tiers, { tier: "isolated", prefixLength: 24 }],
            azSlots: 4,
        });
    });

    it("creates a VPC with DNS support and hostnames on", () => {
        const [vpc] = ofType(res, "aws:ec2/vpc:Vpc");
        assert.deepStrictEqual(
            { cidr: inputs(vpc).cidrBlock, host: inputs(vpc).enableDnsHostnames, dns: inputs(vpc).enableDnsSupport },
            { cidr: "10.0.0.0/16", host: true, dns: true },
        );
    });

    it("gives every subnet the CIDR the carving function assigns to its tier and zone", () => {
        const carved = carveSubnets("10.0.0.0/16", [...base.tiers, { tier: "isolated", prefixLength: 24 }], 4);
        for (const tier of ["public", "private", "isolated"] as const) {
            zonesOf(3).forEach((az, i) => {
                const subnet = named(res, `net-${tier}-${az}`);
                assert.strictEqual(inputs(subnet).cidrBlock, carved[tier][i]);
                assert.strictEqual(inputs(subnet).availabilityZone, az);
                assert.strictEqual(inputs(subnet).mapPublicIpOnLaunch, false);
                assert.strictEqual(inputs(subnet).tags.Name, `t-env-${tier}-${az}`);
            });
        }
    });

    it("tags subnets for load-balancer and Karpenter discovery, keyed by the cluster name", () => {
        const pub = inputs(named(res, "net-public-eu-west-1a")).tags;
        const priv = inputs(named(res, "net-private-eu-west-1a")).tags;
        const iso = inputs(named(res, "net-isolated-eu-west-1a")).tags;
        assert.strictEqual(pub["kubernetes.io/role/elb"], "1");
        assert.strictEqual(pub["kubernetes.io/cluster/t-env"], "shared");
        assert.strictEqual(pub["kubernetes.io/role/internal-elb"], undefined);
        assert.strictEqual(priv["kubernetes.io/role/internal-elb"], "1");
        assert.strictEqual(priv["kubernetes.io/cluster/t-env"], "shared");
        assert.strictEqual(priv["karpenter.sh/discovery"], "t-env");
        assert.strictEqual(priv["kubernetes.io/role/elb"], undefined);
        assert.deepStrictEqual(Object.keys(iso).filter((k) => k.includes("kubernetes") || k.includes("karpenter")), []);
    });

    it("routes the public tier to the internet gateway and keeps the isolated tier offline", () => {
        const route = named(res, "net-public-default");
        assert.strictEqual(inputs(route).gatewayId, idOf("net-igw"));
        assert.strictEqual(inputs(route).routeTableId, idOf("net-public-rt"));
        const routes = ofType(res, "aws:ec2/route:Route").map((r) => inputs(r).routeTableId);
        assert.ok(!routes.includes(idOf("net-isolated-rt")), "isolated route table has no default route");
        const assoc = ofType(res, "aws:ec2/routeTableAssociation:RouteTableAssociation");
        assert.strictEqual(assoc.length, 9);
        for (const az of zonesOf(3)) {
            assert.strictEqual(inputs(named(assoc, `net-isolated-${az}`)).routeTableId, idOf("net-isolated-rt"));
            assert.strictEqual(inputs(named(assoc, `net-private-${az}`)).routeTableId, idOf(`net-private-rt-${az}`));
            assert.strictEqual(inputs(named(assoc, `net-public-${az}`)).routeTableId, idOf("net-public-rt"));
        }
    });

    it("attaches the S3 gateway endpoint to private and isolated route tables only", () => {
        const s3 = named(res, "net-s3-endpoint");
        assert.strictEqual(inputs(s3).serviceName, "com.amazonaws.eu-west-1.s3");
        assert.strictEqual(inputs(s3).vpcEndpointType, "Gateway");
        assert.deepStrictEqual(inputs(s3).routeTableIds, [...zonesOf(3).map((az) => idOf(`net-private-rt-${az}`)), idOf("net-isolated-rt")]);
    });

    it("locks down the default security group (no rules)", () => {
        const [sg] = ofType(res, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        assert.strictEqual(inputs(sg).ingress, undefined);
        assert.strictEqual(inputs(sg).egress, undefined);
    });

    it("parents every resource to the network component", () => {
        const network = res.find((r) => r.type === "platform:network:Network")!;
        for (const r of res.filter((x) => x !== network)) assert.strictEqual(r.parent, network.urn, r.name);
    });

    it("creates no interface endpoints, security group or flow logs unless asked", () => {
        assert.strictEqual(ofType(res, "aws:ec2/securityGroup:SecurityGroup").length, 0);
        assert.strictEqual(ofType(res, "aws:ec2/vpcEndpoint:VpcEndpoint").length, 1);
        assert.strictEqual(ofType(res, "aws:ec2/flowLog:FlowLog").length, 0);
    });
});

describe("network: interface endpoints", () => {
    const lists: string[][] = [["sts"], ["ecr.api", "ecr.dkr", "sts", "ec2", "logs", "elasticloadbalancing"]];
    for (const list of lists) {
        it(`creates ${list.length} endpoint(s) in the private subnets behind an HTTPS-from-VPC group`, async () => {
            const res = await build({ interfaceEndpoints: list as NetworkArgs["interfaceEndpoints"] });
            const endpoints = ofType(res, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => inputs(e).vpcEndpointType === "Interface");
            assert.deepStrictEqual(endpoints.map((e) => inputs(e).serviceName), list.map((s) => `com.amazonaws.eu-west-1.${s}`));
            for (const e of endpoints) {
                assert.strictEqual(inputs(e).privateDnsEnabled, true);
                assert.deepStrictEqual(inputs(e).subnetIds, zonesOf(2).map((az) => idOf(`net-private-${az}`)));
                assert.deepStrictEqual(inputs(e).securityGroupIds, [idOf("net-endpoints-sg")]);
            }
            const rules = ofType(res, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.strictEqual(rules.length, 1);
            assert.deepStrictEqual(
                { ...inputs(rules[0]), description: undefined },
                { securityGroupId: idOf("net-endpoints-sg"), ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.0.0.0/16", description: undefined },
            );
        });
    }
});

describe("network: flow logs", () => {
    const settings = { enabled: true, retentionDays: 365, trafficType: "ALL" as const, aggregationIntervalSeconds: 60 as const };

    for (const retain of [false, true]) {
        it(`delivers to a KMS-encrypted, bounded log group (retained: ${retain})`, async () => {
            const res = await build({ flowLogs: settings, retainAuditData: retain });
            const [group] = ofType(res, "aws:cloudwatch/logGroup:LogGroup");
            const [key] = ofType(res, "aws:kms/key:Key");
            const [flow] = ofType(res, "aws:ec2/flowLog:FlowLog");
            assert.strictEqual(inputs(group).retentionInDays, 365);
            assert.strictEqual(inputs(group).kmsKeyId, `arn:aws:kms:us-east-1:123456789012:key/net-flow-logs-key`);
            assert.strictEqual(inputs(key).enableKeyRotation, true);
            assert.strictEqual(group.retainOnDelete, retain);
            assert.strictEqual(key.retainOnDelete, retain);
            assert.deepStrictEqual(
                { vpc: inputs(flow).vpcId, traffic: inputs(flow).trafficType, type: inputs(flow).logDestinationType, agg: inputs(flow).maxAggregationInterval },
                { vpc: idOf("net-vpc"), traffic: "ALL", type: "cloud-watch-logs", agg: 60 },
            );
            assert.strictEqual(inputs(flow).logDestination, "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/t-env/vpc-flow-logs");
            const keyPolicy = JSON.parse(inputs(key).policy);
            const logsGrant = keyPolicy.Statement.find((s: any) => s.Principal?.Service === "logs.eu-west-1.amazonaws.com");
            assert.deepStrictEqual(logsGrant.Condition, {
                ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/platform/t-env/vpc-flow-logs" },
            });
        });
    }

    it("gives the delivery role only log-stream writes on its own group", async () => {
        const res = await build({ flowLogs: settings });
        const [role] = ofType(res, "aws:iam/role:Role");
        const trust = JSON.parse(inputs(role).assumeRolePolicy);
        assert.strictEqual(trust.Statement[0].Principal.Service, "vpc-flow-logs.amazonaws.com");
        assert.strictEqual(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"], "123456789012");
        const policy = JSON.parse(inputs(named(res, "net-flow-logs-delivery")).policy);
        for (const st of policy.Statement) {
            for (const action of [st.Action].flat()) assert.ok(!action.includes("*"), `wildcard action ${action}`);
            for (const resource of [st.Resource].flat()) assert.ok(resource.startsWith("arn:aws:logs:eu-west-1:123456789012:log-group:/platform/t-env/vpc-flow-logs"), resource);
        }
    });
});

describe("network: NAT instances (natKind Instance)", () => {
    for (const [strategy, azs, natZones] of [["Single", 2, ["eu-west-1a"]], ["OnePerAz", 3, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]]] as const) {
        it(`${strategy} x ${azs} AZ: ${natZones.length} fck-nat instance(s), each zone's default route to its interface, no NAT gateway`, async () => {
            const zones = zonesOf(azs);
            const res = await build({ availabilityZones: zones, natGateways: strategy, natKind: "Instance", azSlots: 3 });
            assert.strictEqual(ofType(res, "aws:ec2/natGateway:NatGateway").length, 0);
            assert.deepStrictEqual(ofType(res, "aws:ec2/instance:Instance").map((i) => i.name), natZones.map((z) => `net-nat-instance-${z}-instance`));
            zones.forEach((az, i) => {
                const natAz = strategy === "Single" ? zones[0] : zones[i];
                const route = inputs(named(res, `net-private-default-${az}`));
                assert.deepStrictEqual(route, { routeTableId: idOf(`net-private-rt-${az}`), destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: idOf(`net-nat-instance-${natAz}-eni`) });
            });
            for (const z of natZones) {
                const eni = inputs(named(res, `net-nat-instance-${z}-eni`));
                assert.strictEqual(eni.subnetId, idOf(`net-public-${z}`), "the interface sits in its zone's public subnet");
                assert.strictEqual(eni.sourceDestCheck, false, "forwarding needs the source/destination check off");
                assert.deepStrictEqual(eni.securityGroups, [idOf("net-nat-sg")]);
                const eip = named(res, `net-nat-instance-${z}-eip`);
                assert.deepStrictEqual({ domain: inputs(eip).domain, eni: inputs(eip).networkInterface }, { domain: "vpc", eni: idOf(`net-nat-instance-${z}-eni`) });
                assert.ok(eip.dependsOn.some((u) => u.endsWith("::net-igw")), "the address waits for the internet gateway");
            }
        });
    }

    it("runs each instance on the pinned fck-nat AMI, t4g.nano, IMDSv2 with one hop, an encrypted root volume on its own key, no SSH key, role or user data", async () => {
        const res = await build({ natGateways: "Single", natKind: "Instance" });
        const vm = named(res, "net-nat-instance-eu-west-1a-instance");
        const i = inputs(vm);
        // The offline plan's AMI lookup answers only a lookup by owner and name filter (plan/fakes.ts).
        assert.match(i.ami, /^ami-0offline\d{3}$/);
        assert.strictEqual(i.instanceType, "t4g.nano");
        assert.deepStrictEqual(i.primaryNetworkInterface, { networkInterfaceId: idOf("net-nat-instance-eu-west-1a-eni") });
        assert.deepStrictEqual(i.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.deepStrictEqual(i.rootBlockDevice, { volumeType: "gp3", volumeSize: 4, encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/net-nat-key", deleteOnTermination: true });
        assert.deepStrictEqual(i.maintenanceOptions, { autoRecovery: "default" });
        assert.deepStrictEqual([i.keyName, i.iamInstanceProfile, i.userData, i.associatePublicIpAddress], [undefined, undefined, undefined, undefined]);
        assert.strictEqual(vm.deleteBeforeReplace, true, "a replacement frees the interface before the new instance takes it");
        // The provider plans sourceDestCheck true for an instance on a primary interface and would turn the interface's
        // check back on (terraform-provider-aws#44768); a later lookup answer must not replace it unasked.
        assert.deepStrictEqual(vm.ignoreChanges, ["sourceDestCheck", "ami"]);
        const key = inputs(named(res, "net-nat-key"));
        assert.strictEqual(key.enableKeyRotation, true);
        const use = JSON.parse(key.policy).Statement.find((s: any) => s.Sid === "UseThroughEc2ByThisAccount");
        assert.deepStrictEqual(use.Condition, { StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": "ec2.eu-west-1.amazonaws.com" } });
        assert.strictEqual(inputs(named(res, "net-nat-key-alias")).name, "alias/t-env-nat");
    });

    it("admits any traffic from the VPC's range only, and lets it out to the internet", async () => {
        const res = await build({ natGateways: "Single", natKind: "Instance" });
        const ingress = ofType(res, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(inputs);
        const egress = ofType(res, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map(inputs);
        assert.deepStrictEqual(ingress.map(({ description, ...r }) => r), [{ securityGroupId: idOf("net-nat-sg"), ipProtocol: "-1", cidrIpv4: "10.0.0.0/16" }]);
        assert.deepStrictEqual(egress.map(({ description, ...r }) => r), [{ securityGroupId: idOf("net-nat-sg"), ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }]);
        assert.strictEqual(inputs(named(res, "net-nat-sg")).vpcId, idOf("net-vpc"));
    });

    it("publishes the instances' addresses as the egress IPs, and creates nothing for None", async () => {
        const res = await build({ natGateways: "OnePerAz", natKind: "Instance" });
        const registered = (name: string) => res.find((r) => r.name === name)!.registeredOutputs!;
        const ips = ["eu-west-1a", "eu-west-1b"].map((z) => registered(`net-nat-instance-${z}`).publicIp as string);
        assert.deepStrictEqual(registered("net").natGatewayPublicIps, ips);
        assert.strictEqual(new Set(ips).size, 2);
        for (const ip of ips) assert.match(ip, /^203\.0\.113\.\d+$/);
        assert.strictEqual(ofType(res, "aws:ec2/eip:Eip").length, 2, "one address per instance, none spare");
        const none = await build({ natGateways: "None", natKind: "Instance" });
        assert.deepStrictEqual(["aws:ec2/instance:Instance", "aws:ec2/eip:Eip", "aws:kms/key:Key", "aws:ec2/securityGroup:SecurityGroup"].map((t) => ofType(none, t).length), [0, 0, 0, 0]);
    });
});
