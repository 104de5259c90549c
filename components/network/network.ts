import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { carveSubnets, SubnetTier, TierRequest } from "./cidr";
import { InterfaceEndpointService, NatKind, NatStrategy } from "./constants";
import { FCK_NAT, fckNatAmiName, planNatGateways } from "./nat";
import { NatInstance } from "./nat-instance";
import { ebsKeyPolicy } from "../cluster/policies";
import { subnetTags } from "./tags";
import { FlowLogs, FlowLogSettings } from "./flow-logs-component";

export interface NetworkArgs {
    /** Prefix of the AWS `Name` tags, e.g. `acme-dev`. */
    readonly namePrefix: string;
    /** EKS cluster the subnets are tagged for (load-balancer and Karpenter discovery). */
    readonly clusterName: string;
    /** AWS region, for endpoint service names. */
    readonly region: string;
    /** VPC IPv4 CIDR (network address, /16 to /24). */
    readonly cidr: string;
    /** Availability zones, one subnet per tier in each. */
    readonly availabilityZones: readonly string[];
    /** Subnet tiers and sizes; `private` and `public` are required, `isolated` optional. */
    readonly tiers: readonly TierRequest[];
    /**
     * Slots reserved per tier when carving, so zones can be added without moving existing subnets.
     * @default availabilityZones.length
     */
    readonly azSlots?: number;
    /** @default "OnePerAz" */
    readonly natGateways?: NatStrategy;
    /**
     * What runs in each NAT zone: AWS's managed gateway or a NAT instance (fck-nat).
     * @default "Gateway"
     */
    readonly natKind?: NatKind;
    /**
     * Services reached through interface endpoints in the private subnets.
     * @default []
     */
    readonly interfaceEndpoints?: readonly InterfaceEndpointService[];
    /** @default disabled */
    readonly flowLogs?: FlowLogSettings;
    /**
     * Keep audit data (flow-log group and key) when the stack is destroyed.
     * @default false
     */
    readonly retainAuditData?: boolean;
}

/** Per NAT zone: what its private route tables' default route targets, and the egress address. */
interface NatTarget {
    readonly route: { natGatewayId: pulumi.Input<string> } | { networkInterfaceId: pulumi.Input<string> };
    readonly publicIp: pulumi.Output<string>;
}

/** One zone's subnet of a tier. */
export interface ZonalSubnet {
    readonly zone: string;
    readonly subnetId: pulumi.Output<string>;
}

/** A VPC with public, private and optional isolated subnets, NAT, endpoints and flow logs. */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly cidr: pulumi.Output<string>;
    public readonly availabilityZones: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** The private subnet of each zone, in zone order: what per-zone node groups are pinned to. */
    public readonly privateSubnets: readonly ZonalSubnet[];
    /** Each tier's subnet CIDRs in zone order, known before anything is created (NetworkPolicies admit by them). */
    public readonly subnetCidrs: Readonly<Record<SubnetTier, readonly string[]>>;
    public readonly isolatedSubnetIds: pulumi.Output<string[]>;
    public readonly publicRouteTableIds: pulumi.Output<string[]>;
    public readonly privateRouteTableIds: pulumi.Output<string[]>;
    public readonly isolatedRouteTableIds: pulumi.Output<string[]>;
    public readonly natGatewayPublicIps: pulumi.Output<string[]>;
    public readonly endpointSecurityGroupId: pulumi.Output<string | undefined>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, {}, opts);
        const zones = [...args.availabilityZones];
        const azSlots = args.azSlots ?? zones.length;
        const natStrategy = args.natGateways ?? "OnePerAz";
        const natKind = args.natKind ?? "Gateway";
        const endpointServices = args.interfaceEndpoints ?? [];
        const retainAuditData = args.retainAuditData ?? false;
        const child = { parent: this };
        const nameTag = (suffix: string) => ({ Name: `${args.namePrefix}-${suffix}` });

        const carved = carveSubnets(args.cidr, args.tiers, azSlots);
        const tiers = new Set(args.tiers.map((t) => t.tier));
        this.subnetCidrs = { public: [], private: [], isolated: [], ...Object.fromEntries([...tiers].map((t) => [t, (carved[t] ?? []).slice(0, zones.length)])) };

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: nameTag("vpc") },
            child,
        );
        // Adopt the default security group and strip its rules so nothing can use it by accident (CIS 5.4).
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: nameTag("default-deny") }, child);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: nameTag("igw") }, child);

        const subnets = (tier: SubnetTier) =>
            tiers.has(tier)
                ? zones.map(
                      (az, i) =>
                          new aws.ec2.Subnet(
                              `${name}-${tier}-${az}`,
                              {
                                  vpcId: vpc.id,
                                  availabilityZone: az,
                                  cidrBlock: carved[tier][i],
                                  mapPublicIpOnLaunch: false,
                                  tags: { ...nameTag(`${tier}-${az}`), ...subnetTags(tier, args.clusterName) },
                              },
                              child,
                          ),
                  )
                : [];
        const publicSubnets = subnets("public");
        const privateSubnets = subnets("private");
        const isolatedSubnets = subnets("isolated");

        const publicRouteTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: nameTag("public") }, child);
        new aws.ec2.Route(
            `${name}-public-default`,
            { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
            child,
        );
        publicSubnets.forEach((subnet, i) => associate(`${name}-public-${zones[i]}`, subnet, publicRouteTable));

        const nat = planNatGateways(natStrategy, zones.length);
        // Per NAT zone: what its private route tables' default route targets, and the egress address.
        const natTargets: NatTarget[] =
            nat.gatewayZones.length === 0 ? [] : natKind === "Gateway" ? natGateways(nat.gatewayZones) : natInstances(nat.gatewayZones);

        function natGateways(natZones: number[]): NatTarget[] {
            return natZones.map((z) => {
                const eip = new aws.ec2.Eip(`${name}-nat-eip-${zones[z]}`, { domain: "vpc", tags: nameTag(`nat-${zones[z]}`) }, child);
                const gateway = new aws.ec2.NatGateway(
                    `${name}-nat-${zones[z]}`,
                    { allocationId: eip.id, subnetId: publicSubnets[z].id, tags: nameTag(`nat-${zones[z]}`) },
                    { parent: child.parent, dependsOn: [igw] },
                );
                return { route: { natGatewayId: gateway.id }, publicIp: eip.publicIp };
            });
        }

        function natInstances(natZones: number[]): NatTarget[] {
            const partition = aws.getPartitionOutput({}, child).partition;
            const accountId = aws.getCallerIdentityOutput({}, child).accountId;
            // The root volumes' key: the cluster's EBS key comes a layer later, and the node-baseline policy wants every
            // launched volume on a key of ours. Usable through EC2 only, as the cluster's.
            const key = new aws.kms.Key(
                `${name}-nat-key`,
                {
                    description: `Root volumes of ${args.namePrefix}'s NAT instances`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    policy: pulumi.all([partition, accountId]).apply(([p, a]) => JSON.stringify(ebsKeyPolicy({ partition: p, accountId: a, region: args.region }))),
                },
                child,
            );
            new aws.kms.Alias(`${name}-nat-key-alias`, { name: `alias/${args.namePrefix}-nat`, targetKeyId: key.keyId }, child);
            const ami = aws.ec2.getAmiOutput(
                {
                    owners: [FCK_NAT.owner],
                    mostRecent: true,
                    filters: [
                        { name: "name", values: [fckNatAmiName(FCK_NAT.version, FCK_NAT.architecture)] },
                        { name: "architecture", values: [FCK_NAT.architecture] },
                        { name: "root-device-type", values: ["ebs"] },
                    ],
                },
                child,
            );
            const sg = new aws.ec2.SecurityGroup(
                `${name}-nat-sg`,
                { vpcId: vpc.id, description: "NAT instances: any traffic from inside the VPC, out to anywhere", tags: nameTag("nat") },
                child,
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-nat-from-vpc`,
                { securityGroupId: sg.id, description: "Anything the VPC sends out", ipProtocol: "-1", cidrIpv4: args.cidr },
                child,
            );
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-nat-to-internet`,
                { securityGroupId: sg.id, description: "The forwarded traffic, to the internet", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
                child,
            );
            return natZones.map((z): NatTarget => {
                const instance = new NatInstance(
                    `${name}-nat-instance-${zones[z]}`,
                    {
                        namePrefix: args.namePrefix,
                        zone: zones[z],
                        subnetId: publicSubnets[z].id,
                        securityGroupId: sg.id,
                        amiId: ami.id,
                        kmsKeyArn: key.arn,
                        internetGateway: igw,
                    },
                    child,
                );
                return { route: { networkInterfaceId: instance.networkInterfaceId }, publicIp: instance.publicIp };
            });
        }

        // One private route table per zone, whatever the NAT strategy, so switching strategies only swaps routes.
        const privateRouteTables = privateSubnets.map((subnet, i) => {
            const table = new aws.ec2.RouteTable(`${name}-private-rt-${zones[i]}`, { vpcId: vpc.id, tags: nameTag(`private-${zones[i]}`) }, child);
            associate(`${name}-private-${zones[i]}`, subnet, table);
            const egress = nat.egressFor[i];
            if (egress !== undefined) {
                new aws.ec2.Route(
                    `${name}-private-default-${zones[i]}`,
                    { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", ...natTargets[egress].route },
                    child,
                );
            }
            return table;
        });

        // Isolated subnets never route to the internet.
        const isolatedRouteTables = isolatedSubnets.length
            ? [new aws.ec2.RouteTable(`${name}-isolated-rt`, { vpcId: vpc.id, tags: nameTag("isolated") }, child)]
            : [];
        isolatedSubnets.forEach((subnet, i) => associate(`${name}-isolated-${zones[i]}`, subnet, isolatedRouteTables[0]));

        new aws.ec2.VpcEndpoint(
            `${name}-s3-endpoint`,
            {
                vpcId: vpc.id,
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [...privateRouteTables, ...isolatedRouteTables].map((t) => t.id),
                tags: nameTag("s3"),
            },
            child,
        );

        let endpointSecurityGroup: aws.ec2.SecurityGroup | undefined;
        if (endpointServices.length > 0) {
            endpointSecurityGroup = new aws.ec2.SecurityGroup(
                `${name}-endpoints-sg`,
                { vpcId: vpc.id, description: "Interface VPC endpoints: HTTPS from inside the VPC only", tags: nameTag("endpoints") },
                child,
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-endpoints-https`,
                {
                    securityGroupId: endpointSecurityGroup.id,
                    description: "HTTPS from the VPC",
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrIpv4: args.cidr,
                },
                child,
            );
            for (const service of endpointServices) {
                new aws.ec2.VpcEndpoint(
                    `${name}-endpoint-${service.replace(/\./g, "-")}`,
                    {
                        vpcId: vpc.id,
                        serviceName: `com.amazonaws.${args.region}.${service}`,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds: privateSubnets.map((s) => s.id),
                        securityGroupIds: [endpointSecurityGroup.id],
                        tags: nameTag(service),
                    },
                    child,
                );
            }
        }

        if (args.flowLogs?.enabled) {
            new FlowLogs(
                `${name}-flow-logs`,
                { vpcId: vpc.id, namePrefix: args.namePrefix, region: args.region, settings: args.flowLogs, retain: retainAuditData },
                child,
            );
        }

        this.vpcId = vpc.id;
        this.cidr = vpc.cidrBlock;
        this.availabilityZones = pulumi.output(zones);
        this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
        this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
        this.privateSubnets = privateSubnets.map((s, i) => ({ zone: zones[i], subnetId: s.id }));
        this.isolatedSubnetIds = pulumi.all(isolatedSubnets.map((s) => s.id));
        this.publicRouteTableIds = pulumi.all([publicRouteTable.id]);
        this.privateRouteTableIds = pulumi.all(privateRouteTables.map((t) => t.id));
        this.isolatedRouteTableIds = pulumi.all(isolatedRouteTables.map((t) => t.id));
        this.natGatewayPublicIps = pulumi.all(natTargets.map((t) => t.publicIp));
        this.endpointSecurityGroupId = endpointSecurityGroup ? endpointSecurityGroup.id : pulumi.output(undefined);
        this.registerOutputs({
            vpcId: this.vpcId,
            cidr: this.cidr,
            availabilityZones: this.availabilityZones,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            publicRouteTableIds: this.publicRouteTableIds,
            privateRouteTableIds: this.privateRouteTableIds,
            isolatedRouteTableIds: this.isolatedRouteTableIds,
            natGatewayPublicIps: this.natGatewayPublicIps,
            endpointSecurityGroupId: this.endpointSecurityGroupId,
        });

        function associate(associationName: string, subnet: aws.ec2.Subnet, table: aws.ec2.RouteTable) {
            new aws.ec2.RouteTableAssociation(associationName, { subnetId: subnet.id, routeTableId: table.id }, child);
        }
    }
}
