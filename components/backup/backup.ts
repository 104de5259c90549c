import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { finalizerCleanup } from "../shared/finalizer-cleanup";
import type { BackupConfig } from "../../stacks/schema-storage";
import type { ClusterRef } from "../cluster/cluster-ref";
import { NODE_ROLE_LABEL } from "../cluster/node-group";
import { platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import type { Bucket } from "../storage/bucket";
import type { StorageRef } from "../storage/storage-ref";
import type { PlatformSecretStore } from "../secrets/secrets";
import { VELERO_CHART_REPOSITORY, VELERO_REPOSITORY_SECRET, VELERO_SERVICE_ACCOUNT, VOLUME_POLICY_CONFIGMAP, veleroPolicy, veleroValues, veleroVolumePolicy } from "./velero";

export interface BackupArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: ClusterRef;
    /** Delivers the Kopia repository password (Velero would otherwise use its built-in static one). */
    readonly secretStore: PlatformSecretStore;
    readonly storage: StorageRef;
    readonly region: string;
    readonly settings: BackupConfig;
    /** Namespace Velero runs in. */
    readonly namespace: string;
    /** The platform's namespaces: every PlatformNamespaces schedule includes them. */
    readonly platformNamespaces: readonly string[];
}

/** Velero: its own secure bucket, a Pod Identity role scoped to that bucket and EBS snapshots, schedules with TTLs. */
export class Backup extends pulumi.ComponentResource {
    public readonly bucket: Bucket;
    public readonly bucketName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly namespace: string;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backup:Backup", name, {}, opts);
        const s = args.settings;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        this.namespace = args.namespace;

        this.bucket = args.storage.createBucket(
            `${name}-bucket`,
            {
                purpose: "velero",
                lifecycleRules: [
                    {
                        id: "velero-objects",
                        transitions: s.lifecycle.transitions,
                        // Velero deletes expired backups; S3 keeps the old versions this long as an undo.
                        noncurrentVersionExpirationDays: s.lifecycle.noncurrentVersionExpirationDays,
                    },
                ],
                replicaRegion: s.replicaRegion,
            },
            { parent: this },
        );

        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const identity = args.cluster.workloadIdentity(
            `${name}-identity`,
            {
                namespace: args.namespace,
                serviceAccount: VELERO_SERVICE_ACCOUNT,
                // Pod Identity: Velero >= 1.14 and the AWS plugin >= 1.10 use an aws-sdk-go-v2 with the EKS container
                // credential provider (velero#7307). Server, node agent, data movers and maintenance jobs share this account.
                policy: pulumi
                    .all([partition, account, this.bucket.arn, args.storage.objectsKmsKeyArn, args.cluster.ebsKmsKeyArn])
                    .apply(([p, accountId, bucketArn, objectsKeyArn, ebsKeyArn]) =>
                        veleroPolicy({ partition: p, region: args.region, accountId, bucketArn, objectsKeyArn, ebsKeyArn }),
                    ),
            },
            { parent: this },
        );

        // The node agent mounts the kubelet's pod volumes from the host: the namespace must allow it.
        const namespace = platformNamespace(`${name}-namespace`, args.namespace, s.fileSystemBackup ? "privileged" : "baseline", k8sOpts);
        platformNetworkPolicies(name, args.namespace, args.network, { ...k8sOpts, dependsOn: [namespace] });
        const drivers = args.storage.csiDriversWithoutSnapshots;
        const volumePolicy =
            drivers.length > 0
                ? new k8s.core.v1.ConfigMap(
                      `${name}-volume-policy`,
                      { metadata: { name: VOLUME_POLICY_CONFIGMAP, namespace: namespace.metadata.name }, data: { "policy.yaml": veleroVolumePolicy(drivers) } },
                      k8sOpts,
                  )
                : undefined;
        // Velero creates velero-repo-credentials with a fixed, published password ("static-passw0rd") unless the Secret
        // exists at start-up: a generated one from Vault is delivered first.
        const repositoryPassword = args.secretStore.generatedSecret(
            `${name}-repository-password`,
            { path: "velero", namespace: args.namespace, secretName: VELERO_REPOSITORY_SECRET, key: "repository-password", dependsOn: [namespace] },
            this,
        );
        const velero = new k8s.helm.v3.Release(
            `${name}-velero`,
            {
                name: "velero",
                chart: "velero",
                version: s.chartVersion,
                repositoryOpts: { repo: VELERO_CHART_REPOSITORY },
                namespace: namespace.metadata.name,
                values: pulumi.all([this.bucket.bucketName, args.storage.objectsKmsKeyArn]).apply(([bucketName, kmsKeyArn]) =>
                    veleroValues({
                        bucketName,
                        region: args.region,
                        kmsKeyArn,
                        awsPluginVersion: s.awsPluginVersion,
                        fileSystemBackup: s.fileSystemBackup,
                        snapshotMoveData: s.snapshotMoveData,
                        schedules: s.schedules,
                        platformNamespaces: args.platformNamespaces,
                        volumePolicyConfigMap: volumePolicy ? VOLUME_POLICY_CONFIGMAP : undefined,
                        systemNodeSelector: { [NODE_ROLE_LABEL]: "system" },
                    }),
                ),
                maxHistory: 5,
            },
            // Schedules run their first backup at once: credentials (role, policy, association), the bucket with all
            // its settings, the snapshot class and the volume policy exist first.
            { ...k8sOpts, dependsOn: [identity, this.bucket, args.storage.volumeSnapshotClass, repositoryPassword, ...(volumePolicy ? [volumePolicy] : [])] },
        );

        // On destroy, before Velero goes: delete Restores, data movers and pod volume operations and wait while the
        // server and node agent clear their finalizers, or the namespace stays Terminating (as `velero uninstall` does).
        finalizerCleanup(
            `${name}-finalizer-cleanup`,
            {
                controllerChart: "velero",
                namespace: args.namespace,
                kubernetesVersion: args.cluster.kubernetesVersion,
                timeout: "10m",
            },
            { ...k8sOpts, dependsOn: [velero] },
        );

        this.bucketName = this.bucket.bucketName;
        this.roleArn = identity.roleArn;
        this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn });
    }
}
