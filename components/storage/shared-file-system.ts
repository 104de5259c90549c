import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { efsStorageClass } from "./storage-classes";

/** The EFS CSI controller's AWS managed policy and service account (aws-efs-csi-driver add-on). */
export const EFS_CSI_MANAGED_POLICY = "service-role/AmazonEFSCSIDriverPolicy";
export const EFS_CSI_SERVICE_ACCOUNT = "efs-csi-controller-sa";
const NFS_PORT = 2049;

export interface SharedFileSystemArgs {
    readonly cluster: ClusterRef;
    readonly vpcId: pulumi.Input<string>;
    /** One mount target per subnet (one per AZ). */
    readonly subnetIds: pulumi.Input<string[]>;
    readonly subnetCount: number;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** EKS managed add-on build of aws-efs-csi-driver. */
    readonly addonVersion: string;
    /**
     * EFS throughput mode (the schema's default is `elastic`).
     */
    readonly throughputMode: "elastic" | "bursting";
    /**
     * Protect the file system, keep it on destroy, keep volumes on claim deletion and turn on AWS Backup. Always
     * stated by the caller.
     */
    readonly protect: boolean;
}

/** EFS for ReadWriteMany claims: encrypted file system, NFS from nodes only, CSI add-on and an `efs` StorageClass. */
export class SharedFileSystem extends pulumi.ComponentResource {
    public readonly fileSystemId: pulumi.Output<string>;
    public readonly storageClassName: pulumi.Output<string>;

    constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:SharedFileSystem", name, {}, opts);
        const throughputMode = args.throughputMode;
        const protect = args.protect;
        const child = { parent: this };

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: "NFS to EFS mount targets from cluster nodes" },
            child,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-nfs-from-nodes`,
            {
                securityGroupId: securityGroup.id,
                referencedSecurityGroupId: args.cluster.nodeSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: NFS_PORT,
                toPort: NFS_PORT,
                description: "NFS from EKS nodes",
            },
            child,
        );
        const fileSystem = new aws.efs.FileSystem(
            `${name}-fs`,
            {
                encrypted: true,
                kmsKeyId: args.kmsKeyArn,
                performanceMode: "generalPurpose",
                throughputMode,
                lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
                tags: { Name: name },
            },
            { parent: this, protect, retainOnDelete: protect },
        );
        new aws.efs.BackupPolicy(`${name}-backup`, { fileSystemId: fileSystem.id, backupPolicy: { status: protect ? "ENABLED" : "DISABLED" } }, child);
        const mountTargets = Array.from(
            { length: args.subnetCount },
            (_, i) =>
                new aws.efs.MountTarget(
                    `${name}-mount-${i}`,
                    { fileSystemId: fileSystem.id, subnetId: pulumi.output(args.subnetIds).apply((ids) => ids[i]), securityGroups: [securityGroup.id] },
                    child,
                ),
        );

        const identity = args.cluster.workloadIdentity(
            `${name}-csi`,
            { namespace: "kube-system", serviceAccount: EFS_CSI_SERVICE_ACCOUNT, managedPolicies: [EFS_CSI_MANAGED_POLICY], associate: false },
            child,
        );
        const addon = new aws.eks.Addon(
            `${name}-addon`,
            {
                clusterName: args.cluster.name,
                addonName: "aws-efs-csi-driver",
                addonVersion: args.addonVersion,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                podIdentityAssociations: [{ roleArn: identity.roleArn, serviceAccount: EFS_CSI_SERVICE_ACCOUNT }],
            },
            { parent: this, dependsOn: mountTargets },
        );
        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-class`,
            efsStorageClass(fileSystem.id, protect ? "Retain" : "Delete"),
            { parent: this, provider: args.cluster.k8sProvider, dependsOn: [addon], deleteBeforeReplace: true },
        );

        this.fileSystemId = fileSystem.id;
        this.storageClassName = storageClass.metadata.name;
        this.registerOutputs({ fileSystemId: this.fileSystemId, storageClassName: this.storageClassName });
    }
}
