import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { FCK_NAT } from "./nat";

export interface NatInstanceArgs {
    /** Prefix of the AWS `Name` tags, e.g. `acme-dev`. */
    readonly namePrefix: string;
    /** The zone, for names. */
    readonly zone: string;
    /** The zone's public subnet: the instance's interface and address live there. */
    readonly subnetId: pulumi.Input<string>;
    /** Admits the VPC's traffic (shared by the network's NAT instances). */
    readonly securityGroupId: pulumi.Input<string>;
    /** The fck-nat AMI. */
    readonly amiId: pulumi.Input<string>;
    /** Encrypts the root volume. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** An Elastic IP is associated only once the VPC has its internet gateway. */
    readonly internetGateway: pulumi.Resource;
}

/**
 * One NAT instance in a zone's public subnet, fck-nat's plain layout (docs/deploying.md, "Terraform"): a network
 * interface of ours with source/destination checks off as the instance's primary interface, so the private route
 * tables and the Elastic IP point at the interface and both survive an instance replacement. No user data (fck-nat
 * masquerades out of the primary interface by default), no instance role, no SSH key.
 */
export class NatInstance extends pulumi.ComponentResource {
    /** What the private route tables' default route targets. */
    public readonly networkInterfaceId: pulumi.Output<string>;
    /** The egress address partners allow-list. */
    public readonly publicIp: pulumi.Output<string>;

    constructor(name: string, args: NatInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:NatInstance", name, {}, opts);
        const child = { parent: this };
        const tags = { Name: `${args.namePrefix}-nat-${args.zone}` };

        const eni = new aws.ec2.NetworkInterface(
            `${name}-eni`,
            {
                subnetId: args.subnetId,
                securityGroups: [args.securityGroupId],
                // Forwarded packets carry other hosts' addresses; EC2 drops them unless the check is off.
                sourceDestCheck: false,
                description: `NAT instance of ${args.zone} (fck-nat)`,
                tags,
            },
            child,
        );
        const eip = new aws.ec2.Eip(
            `${name}-eip`,
            { domain: "vpc", networkInterface: eni.id, tags },
            { parent: this, dependsOn: [args.internetGateway] },
        );
        new aws.ec2.Instance(
            `${name}-instance`,
            {
                ami: args.amiId,
                instanceType: FCK_NAT.instanceType,
                primaryNetworkInterface: { networkInterfaceId: eni.id },
                // fck-nat's service reads IMDS with a session token (service/fck-nat.sh), on the host: one hop.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                rootBlockDevice: {
                    volumeType: "gp3",
                    volumeSize: FCK_NAT.rootVolumeGiB,
                    encrypted: true,
                    kmsKeyId: args.kmsKeyArn,
                    deleteOnTermination: true,
                },
                // EC2 restarts the instance on healthy hardware (same id, interface and address) after a host failure.
                maintenanceOptions: { autoRecovery: "default" },
                tags,
            },
            {
                parent: this,
                // The interface attaches to one instance at a time: a replacement must let go of it first.
                deleteBeforeReplace: true,
                dependsOn: [eip],
                // sourceDestCheck: the provider reads it from the primary interface (false) but plans its default (true)
                // for an instance with primary_network_interface, where it may not be set (ConflictsWith); applying that
                // turns the interface's check back on and ends NAT (hashicorp/terraform-provider-aws#44768, fixes in
                // #47082 and #49198 open). The interface owns it. ami: see FCK_NAT.version.
                ignoreChanges: ["sourceDestCheck", "ami"],
            },
        );

        this.networkInterfaceId = eni.id;
        this.publicIp = eip.publicIp;
        this.registerOutputs({ networkInterfaceId: this.networkInterfaceId, publicIp: this.publicIp });
    }
}
