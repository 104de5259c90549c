import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { policyDocument, serviceTrustPolicy } from "../shared/iam";
import { bucketObjectAccess, bucketPolicy, LifecycleRule, lifecycleRules, replicationPolicy } from "./bucket-policies";

export interface BucketArgs {
    /** Globally unique bucket name. */
    readonly bucketName: pulumi.Input<string>;
    /**
     * Customer-managed KMS key for SSE-KMS (with S3 bucket keys). Required unless the bucket receives access logs.
     * @default none
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /**
     * The bucket is the target of S3 server access logging of these source buckets (ARN pattern): SSE-S3 (the
     * log delivery cannot write SSE-KMS) and the logging service may write to it for them.
     * @default not a log bucket
     */
    readonly receivesAccessLogsFrom?: pulumi.Input<string>;
    /**
     * Lifecycle rules; a rule aborting stale multipart uploads is always added.
     * @default []
     */
    readonly lifecycleRules?: readonly LifecycleRule[];
    /**
     * Send S3 server access logs of this bucket to another bucket under a prefix.
     * @default no access logging
     */
    readonly accessLogs?: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
    /**
     * Keep the data: protect the bucket and retain it (and its settings) on delete; never force-destroy. Always
     * stated by the caller: whether data outlives a destroy is not a default.
     */
    readonly protect: boolean;
    /**
     * Region of the bucket.
     * @default the provider's region
     */
    readonly region?: string;
    /**
     * Replicate every object (and deletes) to a bucket in another region, encrypted with a key there.
     * @default no replica
     */
    readonly replica?: { readonly region: string; readonly bucketName: pulumi.Input<string> };
}

/**
 * A private, encrypted, versioned S3 bucket: the only way the platform creates object storage.
 * Public access blocked, ACLs disabled, TLS-only policy, SSE-KMS with bucket keys, lifecycle rules.
 */
export class Bucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** Key objects are encrypted with; undefined for SSE-S3 (access-log buckets). */
    public readonly kmsKeyArn: pulumi.Output<string> | undefined;
    public readonly replica: Bucket | undefined;
    /**
     * Managed policy granting object access to the replica (and its key): attach it to the role that restores from
     * the copy, e.g. Velero's in a recovery cluster. Undefined without a replica.
     */
    public readonly replicaAccessPolicyArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:Bucket", name, {}, opts);
        const protect = args.protect;
        const receivesAccessLogs = args.receivesAccessLogsFrom !== undefined;
        const rules = args.lifecycleRules ?? [];
        const region = args.region;
        if (!receivesAccessLogs && args.kmsKeyArn === undefined) {
            throw new Error(`Bucket ${name}: kmsKeyArn is required (only access-log buckets use SSE-S3)`);
        }
        // Settings are retained with the bucket: a kept bucket must not lose its public-access block on destroy.
        const kept = { parent: this, retainOnDelete: protect };

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, forceDestroy: !protect, region },
            { ...kept, protect },
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, region },
            kept,
        );
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" }, region }, kept);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                region,
                rules: [
                    receivesAccessLogs
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
                ],
            },
            kept,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" }, region },
            kept,
        );
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                region,
                policy: pulumi
                    .all([bucket.arn, accountId, args.receivesAccessLogsFrom])
                    .apply(([arn, account, sources]) =>
                        JSON.stringify(bucketPolicy(arn, sources === undefined ? undefined : { accountId: account, bucketArnPattern: sources })),
                    ),
            },
            { ...kept, dependsOn: [publicAccess] },
        );
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: lifecycleRules(rules), region }, kept);
        if (args.accessLogs) {
            new aws.s3.BucketLogging(
                `${name}-logging`,
                { bucket: bucket.id, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix, region },
                kept,
            );
        }

        if (args.replica) {
            if (receivesAccessLogs) throw new Error(`Bucket ${name}: access-log buckets are not replicated`);
            const replicaRegion = args.replica.region;
            const replicaKey = new aws.kms.Key(
                `${name}-replica-key`,
                {
                    region: args.replica.region,
                    description: `Replica of ${name} in ${args.replica.region}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                },
                { ...kept, protect },
            );
            this.replica = new Bucket(
                `${name}-replica`,
                { bucketName: args.replica.bucketName, kmsKeyArn: replicaKey.arn, lifecycleRules: rules, protect, region: args.replica.region },
                { parent: this },
            );
            const role = new aws.iam.Role(
                `${name}-replication-role`,
                {
                    description: `S3 replication of ${name} to ${args.replica.region}`,
                    assumeRolePolicy: pulumi
                        .all([accountId, bucket.arn])
                        .apply(([account, sourceArn]) => JSON.stringify(serviceTrustPolicy("s3.amazonaws.com", account, sourceArn))),
                },
                kept,
            );
            new aws.iam.RolePolicy(
                `${name}-replication-policy`,
                {
                    role: role.id,
                    policy: pulumi
                        .all([bucket.arn, bucket.region, this.replica.arn, pulumi.output(args.kmsKeyArn!), replicaKey.arn])
                        .apply(([sourceBucketArn, sourceRegion, destinationBucketArn, sourceKeyArn, destinationKeyArn]) =>
                            JSON.stringify(
                                replicationPolicy({
                                    sourceBucketArn,
                                    sourceRegion,
                                    destinationBucketArn,
                                    destinationRegion: replicaRegion,
                                    sourceKeyArn,
                                    destinationKeyArn,
                                }),
                            ),
                        ),
                },
                // Kept with the kept replication configuration, which would otherwise point at a deleted role.
                kept,
            );
            this.replicaAccessPolicyArn = new aws.iam.Policy(
                `${name}-replica-access`,
                {
                    description: `Object access to the ${replicaRegion} copy of ${name}, for restores from it`,
                    policy: pulumi
                        .all([this.replica.arn, replicaKey.arn])
                        .apply(([replicaArn, keyArn]) => JSON.stringify(policyDocument(...bucketObjectAccess(replicaArn, keyArn, replicaRegion)))),
                },
                // Attached to a recovery cluster's role it could not be deleted anyway; it stays with the kept copy.
                kept,
            ).arn;
            new aws.s3.BucketReplicationConfig(
                `${name}-replication`,
                {
                    bucket: bucket.id,
                    region,
                    role: role.arn,
                    rules: [
                        {
                            id: "cross-region-copy",
                            status: "Enabled",
                            filter: { prefix: "" },
                            // Deletes replicate too, so the copy does not outlive Velero's TTLs (versions stay for recovery).
                            deleteMarkerReplication: { status: "Enabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: { bucket: this.replica.arn, encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn } },
                        },
                    ],
                },
                { ...kept, dependsOn: [versioning, this.replica] },
            );
        }

        this.bucketName = bucket.id;
        this.arn = bucket.arn;
        this.kmsKeyArn = args.kmsKeyArn === undefined || receivesAccessLogs ? undefined : pulumi.output(args.kmsKeyArn);
        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, kmsKeyArn: this.kmsKeyArn, replicaAccessPolicyArn: this.replicaAccessPolicyArn });
    }
}
