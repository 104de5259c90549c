// Which StorageClasses and VolumeSnapshotClass the platform defines, as data.
import type * as pulumi from "@pulumi/pulumi";

export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";
export const EFS_CSI_PROVISIONER = "efs.csi.aws.com";
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";
/** Velero picks the VolumeSnapshotClass of a CSI driver by this label. */
export const VELERO_SNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class";

export const DEFAULT_STORAGE_CLASS = "gp3";
export const RETAIN_STORAGE_CLASS = "gp3-retain";
export const SNAPSHOT_CLASS = "ebs-snapshots";
export const EFS_STORAGE_CLASS = "efs";

/** A StorageClass as plain data (assignable to k8s.storage.v1.StorageClassSpec). */
export interface StorageClassSpec {
    readonly metadata: { readonly name: string; readonly annotations: Record<string, string> };
    readonly provisioner: string;
    readonly parameters: Record<string, pulumi.Input<string>>;
    readonly reclaimPolicy: "Delete" | "Retain";
    readonly volumeBindingMode: "WaitForFirstConsumer" | "Immediate";
    readonly allowVolumeExpansion?: boolean;
}


/** gp3, encrypted with the platform's EBS key, bound where the pod lands, growable. */
export function ebsStorageClass(name: string, kmsKeyArn: pulumi.Input<string>, reclaimPolicy: "Delete" | "Retain", isDefault: boolean): StorageClassSpec {
    return {
        metadata: { name, annotations: { [DEFAULT_CLASS_ANNOTATION]: String(isDefault) } },
        provisioner: EBS_CSI_PROVISIONER,
        parameters: { type: "gp3", encrypted: "true", kmsKeyId: kmsKeyArn, "csi.storage.k8s.io/fstype": "ext4" },
        reclaimPolicy,
        // EBS volumes are zonal: create them in the zone the pod is scheduled to, not before.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}

/** The EBS classes: `gp3` (default, Delete) and, when stateful volumes are kept, `gp3-retain`. */
export function ebsStorageClasses(kmsKeyArn: pulumi.Input<string>, retainStatefulVolumes: boolean): StorageClassSpec[] {
    const classes = [ebsStorageClass(DEFAULT_STORAGE_CLASS, kmsKeyArn, "Delete", true)];
    if (retainStatefulVolumes) classes.push(ebsStorageClass(RETAIN_STORAGE_CLASS, kmsKeyArn, "Retain", false));
    return classes;
}

/** The class stateful platform services (Prometheus, Loki, Vault...) claim volumes from. */
export function statefulStorageClass(retainStatefulVolumes: boolean): string {
    return retainStatefulVolumes ? RETAIN_STORAGE_CLASS : DEFAULT_STORAGE_CLASS;
}

/** EFS access points per claim: ReadWriteMany, one directory per volume, owned by a dedicated uid range. */
export function efsStorageClass(fileSystemId: pulumi.Input<string>, reclaimPolicy: "Delete" | "Retain"): StorageClassSpec {
    return {
        metadata: { name: EFS_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "false" } },
        provisioner: EFS_CSI_PROVISIONER,
        parameters: {
            provisioningMode: "efs-ap",
            fileSystemId,
            directoryPerms: "700",
            basePath: "/dynamic",
            gidRangeStart: "50000",
            gidRangeEnd: "59999",
        },
        reclaimPolicy,
        volumeBindingMode: "Immediate",
    };
}

/** The CSI snapshot class Velero (and anyone taking VolumeSnapshots) uses for EBS volumes. */
export function ebsSnapshotClass() {
    return {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: {
            name: SNAPSHOT_CLASS,
            labels: { [VELERO_SNAPSHOT_CLASS_LABEL]: "true" },
            annotations: { [DEFAULT_SNAPSHOT_CLASS_ANNOTATION]: "true" },
        },
        driver: EBS_CSI_PROVISIONER,
        // Velero retains the snapshots it takes itself; ad-hoc snapshots go with their VolumeSnapshot.
        deletionPolicy: "Delete",
    };
}
