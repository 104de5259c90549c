// Velero as data: Helm values at chart 12.1.x (keys checked against the chart's values.yaml) and its IAM policy.
import { stringify } from "yaml";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { BUILDER_NODE_POOL, NODE_POOL_LABEL } from "../shared/builder-nodes";
import { ebsKeyUsePolicy } from "../cluster/policies";
import { PolicyDocument, policyDocument } from "../shared/iam";
import { bucketObjectAccess } from "../storage/bucket-policies";
import { includedNamespaces, ScheduleScope } from "./schedules";

export const VELERO_CHART_REPOSITORY = "https://vmware-tanzu.github.io/helm-charts";
/** The Secret Velero reads the Kopia repository password from (velero pkg/repository/keys). */
export const VELERO_REPOSITORY_SECRET = "velero-repo-credentials";
export const VELERO_SERVICE_ACCOUNT = "velero-server";
export const BACKUP_STORAGE_LOCATION = "default";
export const VOLUME_SNAPSHOT_LOCATION = "default";
/** ConfigMap (in Velero's namespace) holding the volume policy every schedule follows. */
export const VOLUME_POLICY_CONFIGMAP = "velero-volume-policy";
/** Tag the AWS plugin puts on every EBS snapshot it takes; deletions are limited to snapshots carrying it. */
export const VELERO_SNAPSHOT_TAG = "velero.io/backup";

export interface VeleroSchedule {
    readonly name: string;
    readonly cron: string;
    readonly ttl: string;
    readonly scope: ScheduleScope;
    readonly extraNamespaces: readonly string[];
    readonly snapshotVolumes: boolean;
}

export interface VeleroValuesArgs {
    readonly bucketName: string;
    readonly region: string;
    readonly kmsKeyArn: string;
    readonly awsPluginVersion: string;
    readonly fileSystemBackup: boolean;
    readonly snapshotMoveData: boolean;
    readonly schedules: readonly VeleroSchedule[];
    /** Always backed up by PlatformNamespaces schedules. */
    readonly platformNamespaces: readonly string[];
    /**
     * The volume policy ConfigMap every schedule references (see `veleroVolumePolicy`).
     * @default none
     */
    readonly volumePolicyConfigMap?: string;
    /** Node label selecting the System node group. */
    readonly systemNodeSelector: Readonly<Record<string, string>>;
}

const restrictedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** The node agent's placement: every node but the builders' pool's. */
export const veleroNodeAgentAffinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: "NotIn", values: [BUILDER_NODE_POOL] }] }] } },
};

export function veleroValues(a: VeleroValuesArgs): Record<string, unknown> {
    const schedules = Object.fromEntries(
        a.schedules.map((s) => [
            s.name,
            {
                disabled: false,
                schedule: s.cron,
                // Backups must outlive a `helm uninstall`; owner references would garbage-collect them.
                useOwnerReferencesInBackup: false,
                template: {
                    ttl: s.ttl,
                    storageLocation: BACKUP_STORAGE_LOCATION,
                    includedNamespaces: includedNamespaces(s.scope, a.platformNamespaces, s.extraNamespaces),
                    snapshotVolumes: s.snapshotVolumes,
                    snapshotMoveData: s.snapshotVolumes && a.snapshotMoveData,
                    volumeSnapshotLocations: s.snapshotVolumes ? [VOLUME_SNAPSHOT_LOCATION] : [],
                    ...(a.volumePolicyConfigMap ? { resourcePolicy: { kind: "configmap", name: a.volumePolicyConfigMap } } : {}),
                },
            },
        ]),
    );
    return {
        initContainers: [
            {
                name: "velero-plugin-for-aws",
                image: `velero/velero-plugin-for-aws:${a.awsPluginVersion}`,
                imagePullPolicy: "IfNotPresent",
                volumeMounts: [{ mountPath: "/target", name: "plugins" }],
                securityContext: restrictedContainer,
            },
        ],
        // Credentials come from the service account's Pod Identity association, never a key in a Secret.
        credentials: { useSecret: false },
        serviceAccount: { server: { create: true, name: VELERO_SERVICE_ACCOUNT } },
        configuration: {
            backupStorageLocation: [
                {
                    name: BACKUP_STORAGE_LOCATION,
                    provider: "aws",
                    bucket: a.bucketName,
                    default: true,
                    accessMode: "ReadWrite",
                    config: { region: a.region, kmsKeyId: a.kmsKeyArn },
                },
            ],
            volumeSnapshotLocation: [{ name: VOLUME_SNAPSHOT_LOCATION, provider: "aws", config: { region: a.region } }],
            features: "EnableCSI",
            uploaderType: "kopia",
            defaultSnapshotMoveData: a.snapshotMoveData,
            logFormat: "json",
        },
        backupsEnabled: true,
        snapshotsEnabled: true,
        upgradeCRDs: true,
        cleanUpCRDs: false,
        deployNodeAgent: a.fileSystemBackup,
        nodeAgent: {
            // File-system backups read every node's volumes: the agent runs on all nodes, tainted or not.
            tolerations: [{ operator: "Exists" }],
            // Except the builders' nodes (emptyDir jobs only, nothing to back up): the agent runs as the server's account,
            // which the chart binds to cluster-admin (rbac.clusterAdministrator), and a build escaping its sandbox there
            // would take its token. NotIn also matches nodes without the label (the system node group).
            affinity: veleroNodeAgentAffinity,
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        },
        // fsGroup lets the non-root server read the projected Pod Identity token.
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: restrictedContainer,
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        priorityClassName: "system-cluster-critical",
        nodeSelector: a.systemNodeSelector,
        tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }],
        metrics: { enabled: true },
        schedules,
    };
}

/**
 * Velero resource policy (v1): volumes of these CSI drivers are copied file by file by the node agent instead of
 * snapshotted, which their drivers cannot do (a snapshot attempt would leave every backup PartiallyFailed).
 */
export function veleroVolumePolicy(fileCopyCsiDrivers: readonly string[]): string {
    return stringify({
        version: "v1",
        volumePolicies: fileCopyCsiDrivers.map((driver) => ({ conditions: { csi: { driver } }, action: { type: "fs-backup" } })),
    });
}

export interface VeleroPolicyArgs {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly bucketArn: string;
    readonly objectsKeyArn: string;
    readonly ebsKeyArn: string;
}

/** The plugin's documented permissions, scoped: this bucket, this region's volumes and snapshots, Velero's own snapshots. */
export function veleroPolicy(a: VeleroPolicyArgs): PolicyDocument {
    const ec2 = (resource: string) => `arn:${a.partition}:ec2:${a.region}:${resource}`;
    const volumes = ec2(`${a.accountId}:volume/*`);
    const snapshots = ec2(":snapshot/*");
    return policyDocument(
        { Sid: "DescribeVolumesAndSnapshots", Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"], Resource: "*" },
        { Sid: "SnapshotVolumes", Effect: "Allow", Action: "ec2:CreateSnapshot", Resource: [volumes, snapshots] },
        { Sid: "RestoreVolumes", Effect: "Allow", Action: "ec2:CreateVolume", Resource: [volumes, snapshots] },
        {
            Sid: "TagWhatItCreates",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: [volumes, snapshots],
            Condition: { StringEquals: { "ec2:CreateAction": ["CreateSnapshot", "CreateVolume"] } },
        },
        {
            Sid: "DeleteOwnSnapshots",
            Effect: "Allow",
            Action: "ec2:DeleteSnapshot",
            Resource: snapshots,
            Condition: { Null: { [`aws:ResourceTag/${VELERO_SNAPSHOT_TAG}`]: "false" } },
        },
        ...bucketObjectAccess(a.bucketArn, a.objectsKeyArn, a.region),
        // Snapshots of encrypted volumes and volumes restored from them use the platform's EBS key.
        ...ebsKeyUsePolicy(a.ebsKeyArn).Statement,
    );
}
