import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { StorageConfig } from "../../stacks/schema-storage";
import type { ClusterRef } from "../cluster/cluster-ref";
import { accountKeyAdministration, policyDocument } from "../shared/iam";
import { Bucket } from "./bucket";
import { platformBucketName } from "./bucket-policies";
import { SharedFileSystem } from "./shared-file-system";
import { EFS_CSI_PROVISIONER, ebsSnapshotClass, ebsStorageClasses, statefulStorageClass } from "./storage-classes";
import type { PlatformBucketArgs, StorageRef } from "./storage-ref";

export interface StorageArgs {
    readonly cluster: ClusterRef;
    /** Prefix of bucket names and key aliases (the platform name). */
    readonly namePrefix: string;
    readonly region: string;
    /** The account, when the stack is pinned to one: bucket names are then plain strings known at preview. */
    readonly accountId?: string;
    readonly settings: StorageConfig;
    /** Where EFS mount targets go (private subnets, one per AZ). */
    readonly network: { readonly vpcId: pulumi.Input<string>; readonly privateSubnetIds: pulumi.Input<string[]>; readonly subnetCount: number };
    /**
     * Protect buckets, keys and file systems and retain them on destroy (production). Always stated by the caller.
     */
    readonly protect: boolean;
}

/**
 * Block, file and object storage: gp3 classes on the cluster's EBS key (the EBS CSI driver and snapshot
 * controller are EKS managed add-ons of the cluster layer), a CSI snapshot class, optional EFS, and the
 * secure-bucket factory every layer uses.
 */
export class Storage extends pulumi.ComponentResource implements StorageRef {
    public readonly objectsKmsKeyArn: pulumi.Output<string>;
    public readonly statefulStorageClass: string;
    public readonly defaultStorageClass: pulumi.Output<string>;
    public readonly snapshotClass: pulumi.Output<string>;
    public readonly volumeSnapshotClass: k8s.apiextensions.CustomResource;
    public readonly csiDriversWithoutSnapshots: readonly string[];
    public readonly accessLogsBucket: Bucket | undefined;
    public readonly sharedFileSystem: SharedFileSystem | undefined;
    private readonly accountId: pulumi.Output<string>;
    private readonly pinnedAccountId: string | undefined;
    private readonly namePrefix: string;
    private readonly region: string;
    private readonly protect: boolean;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:Storage", name, {}, opts);
        const s = args.settings;
        this.protect = args.protect;
        this.namePrefix = args.namePrefix;
        this.region = args.region;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        this.pinnedAccountId = args.accountId;
        this.accountId = args.accountId ? pulumi.output(args.accountId) : aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;

        const objectsKey = new aws.kms.Key(
            `${name}-objects-key`,
            {
                description: `Objects in the platform buckets of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                // Administration by the account; use is granted per role in IAM, scoped to the bucket it needs.
                policy: pulumi.all([this.accountId, partition]).apply(([account, p]) =>
                    JSON.stringify(
                        policyDocument(accountKeyAdministration(p, account)),
                    ),
                ),
            },
            { parent: this, protect: this.protect, retainOnDelete: this.protect },
        );
        new aws.kms.Alias(`${name}-objects-key-alias`, { name: `alias/${args.namePrefix}-objects`, targetKeyId: objectsKey.keyId }, { parent: this });
        this.objectsKmsKeyArn = objectsKey.arn;

        if (s.accessLogs.enabled) {
            this.accessLogsBucket = new Bucket(
                `${name}-access-logs`,
                {
                    bucketName: this.bucketName("s3-access", args.region),
                    // Every platform bucket is named <prefix>-<purpose>-...: only those may log here.
                    receivesAccessLogsFrom: pulumi.interpolate`arn:${partition}:s3:::${args.namePrefix}-*`,
                    lifecycleRules: [{ id: "expire-access-logs", expirationDays: s.accessLogs.retentionDays, noncurrentVersionExpirationDays: 1 }],
                    protect: this.protect,
                },
                { parent: this },
            );
        }

        const classes = ebsStorageClasses(args.cluster.ebsKmsKeyArn, s.retainStatefulVolumes).map(
            (spec) => new k8s.storage.v1.StorageClass(`${name}-class-${spec.metadata.name}`, spec, { ...k8sOpts, deleteBeforeReplace: true }),
        );
        this.defaultStorageClass = classes[0].metadata.name;
        this.statefulStorageClass = statefulStorageClass(s.retainStatefulVolumes);
        // No patch of EKS's gp2 class: since Kubernetes 1.30 EKS no longer marks it default (and a patch of a class a
        // cluster may not have fails), so gp3 is the one default class.
        this.volumeSnapshotClass = new k8s.apiextensions.CustomResource(`${name}-snapshot-class`, ebsSnapshotClass(), { ...k8sOpts, dependsOn: [args.cluster.snapshotController] });
        this.snapshotClass = this.volumeSnapshotClass.metadata.name;

        if (s.efs.enabled) {
            this.sharedFileSystem = new SharedFileSystem(
                `${name}-efs`,
                {
                    cluster: args.cluster,
                    vpcId: args.network.vpcId,
                    subnetIds: args.network.privateSubnetIds,
                    subnetCount: args.network.subnetCount,
                    kmsKeyArn: objectsKey.arn,
                    addonVersion: s.efs.addonVersion!,
                    throughputMode: s.efs.throughputMode,
                    protect: this.protect,
                },
                { parent: this },
            );
        }

        this.csiDriversWithoutSnapshots = this.sharedFileSystem ? [EFS_CSI_PROVISIONER] : [];

        this.registerOutputs({
            objectsKmsKeyArn: this.objectsKmsKeyArn,
            defaultStorageClass: this.defaultStorageClass,
            statefulStorageClass: this.statefulStorageClass,
            snapshotClass: this.snapshotClass,
            accessLogsBucket: this.accessLogsBucket?.bucketName,
            efsFileSystemId: this.sharedFileSystem?.fileSystemId,
        });
    }

    public createBucket(name: string, args: PlatformBucketArgs, opts: pulumi.ComponentResourceOptions): Bucket {
        return createPlatformBucket(name, args, this.bucketContext(), opts);
    }

    private bucketContext(): PlatformBucketContext {
        const c = { namePrefix: this.namePrefix, region: this.region, pinnedAccountId: this.pinnedAccountId, accountId: this.accountId, protect: this.protect };
        return { ...c, kmsKeyArn: this.objectsKmsKeyArn, accessLogsBucket: this.accessLogsBucket?.bucketName };
    }

    private bucketName(purpose: string, region: string): pulumi.Input<string> {
        return platformBucketNameOf({ namePrefix: this.namePrefix, pinnedAccountId: this.pinnedAccountId, accountId: this.accountId }, purpose, region);
    }
}

/** What every platform bucket is made with: names, key, access logs, protection (the storage layer's, or a tenant stack's from the platform's outputs). */
export interface PlatformBucketContext {
    readonly namePrefix: string;
    readonly region: string;
    /** The account, when the stack is pinned to one: names are then known at preview. */
    readonly pinnedAccountId: string | undefined;
    readonly accountId: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The access-log bucket's name; undefined without one. */
    readonly accessLogsBucket: pulumi.Input<string> | undefined;
    readonly protect: boolean;
}

function platformBucketNameOf(c: Pick<PlatformBucketContext, "namePrefix" | "pinnedAccountId" | "accountId">, purpose: string, region: string): pulumi.Input<string> {
    // Known at preview when the account is pinned (so a retained bucket can be adopted by name on a rebuild).
    if (c.pinnedAccountId) return platformBucketName(c.namePrefix, purpose, c.pinnedAccountId, region);
    platformBucketName(c.namePrefix, purpose, "000000000000", region); // fail now, not inside an apply
    return pulumi.output(c.accountId).apply((account) => platformBucketName(c.namePrefix, purpose, account, region));
}

/** A secure bucket named and encrypted the platform's way, logging to the access-log bucket when there is one. */
export function createPlatformBucket(name: string, args: PlatformBucketArgs, c: PlatformBucketContext, opts: pulumi.ComponentResourceOptions): Bucket {
    return new Bucket(
        name,
        {
            bucketName: platformBucketNameOf(c, args.purpose, c.region),
            kmsKeyArn: c.kmsKeyArn,
            lifecycleRules: args.lifecycleRules,
            accessLogs: c.accessLogsBucket !== undefined ? { bucket: c.accessLogsBucket, prefix: `${args.purpose}/` } : undefined,
            protect: c.protect,
            replica: args.replicaRegion ? { region: args.replicaRegion, bucketName: platformBucketNameOf(c, args.purpose, args.replicaRegion) } : undefined,
        },
        opts,
    );
}
