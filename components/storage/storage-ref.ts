import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { Bucket } from "./bucket";
import type { LifecycleRule } from "./bucket-policies";

/** What a layer asks for when it needs object storage. */
export interface PlatformBucketArgs {
    /** Short purpose, part of the bucket name and its access-log prefix (e.g. "velero", "loki"). */
    readonly purpose: string;
    /** @default [] */
    readonly lifecycleRules?: readonly LifecycleRule[];
    /**
     * Region of a cross-region copy.
     * @default no replica
     */
    readonly replicaRegion?: string;
}

/** The narrow view of the storage layer other layers take as an argument. */
export interface StorageRef {
    /** Key every platform bucket is encrypted with. */
    readonly objectsKmsKeyArn: pulumi.Output<string>;
    /** StorageClass stateful platform services claim volumes from (gp3-retain where volumes are kept). */
    readonly statefulStorageClass: string;
    /** The CSI VolumeSnapshotClass backups select (by Velero's label). */
    readonly volumeSnapshotClass: k8s.apiextensions.CustomResource;
    /** CSI drivers whose volumes cannot be snapshotted (EFS): backups copy them file by file. */
    readonly csiDriversWithoutSnapshots: readonly string[];
    /** A secure bucket named and encrypted the platform's way, logging to the access-log bucket when there is one. */
    createBucket(name: string, args: PlatformBucketArgs, opts: pulumi.ComponentResourceOptions): Bucket;
}
