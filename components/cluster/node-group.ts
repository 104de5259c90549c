import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AmiType, CRITICAL_ADDONS_TAINT } from "./constants";
import type { ZonalSubnet } from "../network/network";

export interface NodeGroupSpec {
    readonly name: string;
    readonly role: "System" | "Workload";
    readonly capacityType: "ON_DEMAND" | "SPOT";
    readonly instanceTypes: readonly string[];
    readonly amiType: AmiType;
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly diskSizeGiB: number;
    readonly labels: Readonly<Record<string, string>>;
    readonly taints: readonly { key: string; value?: string; effect: "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE" }[];
    readonly maxUnavailablePercent: number;
}

/** Root (AL2023) or data (Bottlerocket) volume: where images and pod storage live. */
export function nodeVolumeDevice(amiType: AmiType): string {
    return amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda";
}

/** Node label naming the group's role (system | workload); platform controllers select system nodes by it. */
export const NODE_ROLE_LABEL = "platform.io/node-role";

/** Labels and taints with the System role's marking added. */
export function nodeGroupScheduling(spec: NodeGroupSpec) {
    const labels = { ...spec.labels, [NODE_ROLE_LABEL]: spec.role.toLowerCase() };
    const taints = spec.role === "System" && !spec.taints.some((t) => t.key === CRITICAL_ADDONS_TAINT.key)
        ? [...spec.taints, { ...CRITICAL_ADDONS_TAINT }]
        : [...spec.taints];
    return { labels, taints };
}

/** IMDSv2 only, and one hop: pods take credentials from Pod Identity, never from the node role. */
export const NODE_METADATA_OPTIONS = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
    instanceMetadataTags: "disabled",
} as const;

export interface NodeGroupArgs {
    readonly clusterName: pulumi.Input<string>;
    readonly kubernetesVersion: string;
    readonly nodeRoleArn: pulumi.Input<string>;
    /**
     * One managed group per zone, each pinned to its zone's subnet: a node group's subnet list forces its replacement,
     * so an added zone adds a group and changes none. Sizes in `spec` are per zone.
     */
    readonly zonalSubnets: readonly ZonalSubnet[];
    readonly ebsKmsKeyArn: pulumi.Input<string>;
    readonly spec: NodeGroupSpec;
    /**
     * Let EKS replace unhealthy nodes.
     * @default false
     */
    readonly nodeRepair?: boolean;
}

/** A managed node group per zone on one launch template (IMDSv2, encrypted gp3, no SSH). */
export class NodeGroup extends pulumi.ComponentResource {
    /** Names of the per-zone EKS node groups, in zone order. */
    public readonly nodeGroupNames: pulumi.Output<string[]>;

    constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:NodeGroup", name, {}, opts);
        const nodeRepair = args.nodeRepair ?? false;
        const spec = args.spec;
        const child = { parent: this };
        const { labels, taints } = nodeGroupScheduling(spec);

        const template = new aws.ec2.LaunchTemplate(
            `${name}-lt`,
            {
                description: `Nodes of group ${spec.name}`,
                updateDefaultVersion: true,
                metadataOptions: { ...NODE_METADATA_OPTIONS },
                blockDeviceMappings: [
                    {
                        deviceName: nodeVolumeDevice(spec.amiType),
                        ebs: {
                            volumeSize: spec.diskSizeGiB,
                            volumeType: "gp3",
                            encrypted: "true",
                            kmsKeyId: args.ebsKmsKeyArn,
                            deleteOnTermination: "true",
                        },
                    },
                ],
                tagSpecifications: ["instance", "volume"].map((resourceType) => ({
                    resourceType,
                    tags: { "platform.io/node-group": spec.name },
                })),
            },
            child,
        );
        const groups = args.zonalSubnets.map(
            ({ zone, subnetId }) =>
                new aws.eks.NodeGroup(
                    `${name}-${zone}`,
                    {
                        clusterName: args.clusterName,
                        nodeGroupNamePrefix: `${spec.name}-${zone}-`,
                        version: args.kubernetesVersion,
                        nodeRoleArn: args.nodeRoleArn,
                        subnetIds: [subnetId],
                        amiType: spec.amiType,
                        capacityType: spec.capacityType,
                        instanceTypes: [...spec.instanceTypes],
                        scalingConfig: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize },
                        updateConfig: { maxUnavailablePercentage: spec.maxUnavailablePercent },
                        nodeRepairConfig: { enabled: nodeRepair },
                        launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
                        labels,
                        taints,
                    },
                    // Autoscalers own the desired size once the group exists.
                    { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
                ),
        );
        this.nodeGroupNames = pulumi.all(groups.map((g) => g.nodeGroupName));
        this.registerOutputs({ nodeGroupNames: this.nodeGroupNames });
    }
}
