// Policy documents and lifecycle rules of the secure bucket, as data.
import type * as aws from "@pulumi/aws";
import { PolicyDocument, policyDocument, PolicyStatement } from "../shared/iam";

/** Storage classes lifecycle transitions may use. */
export const LIFECYCLE_STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] as const;
export type LifecycleStorageClass = (typeof LIFECYCLE_STORAGE_CLASSES)[number];

export interface LifecycleRule {
    /** Rule id, unique in the bucket. */
    readonly id: string;
    /** Key prefix the rule applies to; the whole bucket when omitted. */
    readonly prefix?: string;
    readonly transitions?: readonly { readonly days: number; readonly storageClass: LifecycleStorageClass }[];
    /** Delete current objects this many days after creation. */
    readonly expirationDays?: number;
    /** Delete overwritten/deleted versions this many days after they stop being current. */
    readonly noncurrentVersionExpirationDays?: number;
}

/** Days after which unfinished multipart uploads are aborted (they cost money and are invisible). */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/** S3 lifecycle rules; every bucket also aborts stale multipart uploads. */
export function lifecycleRules(rules: readonly LifecycleRule[]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const own = rules.map((r) => ({
        id: r.id,
        status: "Enabled",
        filter: { prefix: r.prefix ?? "" },
        transitions: r.transitions?.map((t) => ({ days: t.days, storageClass: t.storageClass })),
        expiration: r.expirationDays === undefined ? undefined : { days: r.expirationDays },
        noncurrentVersionExpiration:
            r.noncurrentVersionExpirationDays === undefined ? undefined : { noncurrentDays: r.noncurrentVersionExpirationDays },
    }));
    return [
        ...own,
        {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
        },
    ];
}

/** Plain HTTP is refused for everyone, whatever their IAM permissions. */
export function denyInsecureTransport(bucketArn: string): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Buckets whose S3 server access logs a log bucket accepts: from this account, and only from these source buckets. */
export interface AccessLogSources {
    readonly accountId: string;
    /** ARN or ARN pattern of the source buckets, e.g. arn:aws:s3:::acme-prod-* */
    readonly bucketArnPattern: string;
}

/** S3 server access logging delivers with the logging service principal; the conditions stop other buckets writing here. */
export function allowAccessLogDelivery(bucketArn: string, sources: AccessLogSources): PolicyStatement {
    return {
        Sid: "AllowServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": sources.accountId }, ArnLike: { "aws:SourceArn": sources.bucketArnPattern } },
    };
}

/** TLS-only for everyone; log buckets also let S3 log delivery write for their sources. */
export function bucketPolicy(bucketArn: string, logSources?: AccessLogSources): PolicyDocument {
    return policyDocument(denyInsecureTransport(bucketArn), ...(logSources ? [allowAccessLogDelivery(bucketArn, logSources)] : []));
}

export interface ReplicationPolicyArgs {
    readonly sourceBucketArn: string;
    readonly sourceRegion: string;
    readonly destinationBucketArn: string;
    readonly destinationRegion: string;
    readonly sourceKeyArn: string;
    readonly destinationKeyArn: string;
}

/** Key use only through S3 in the bucket's region, only for that bucket's objects (bucket keys put the bucket ARN in the context). */
function keyUseThroughS3(region: string, bucketArn: string) {
    return { StringLike: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } };
}

/** Read, write and delete objects of one bucket (Velero's documented S3 actions), with its key used only through S3. */
export function bucketObjectAccess(bucketArn: string, keyArn: string, region: string): PolicyStatement[] {
    return [
        {
            Sid: "BucketObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: `${bucketArn}/*`,
        },
        { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
        { Sid: "BucketKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn, Condition: keyUseThroughS3(region, bucketArn) },
    ];
}

/** What S3 replication needs: read versions of the source, write replicas, decrypt/encrypt with the two keys. */
export function replicationPolicy(a: ReplicationPolicyArgs): PolicyDocument {
    return policyDocument(
        {
            Sid: "ReadSourceConfiguration",
            Effect: "Allow",
            Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resource: a.sourceBucketArn,
        },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: `${a.sourceBucketArn}/*`,
        },
        {
            Sid: "WriteReplicas",
            Effect: "Allow",
            Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            Resource: `${a.destinationBucketArn}/*`,
        },
        { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: a.sourceKeyArn, Condition: keyUseThroughS3(a.sourceRegion, a.sourceBucketArn) },
        {
            Sid: "EncryptReplicas",
            Effect: "Allow",
            // Decrypt as well: the replica bucket uses an S3 Bucket Key, which S3 must unwrap on the role's behalf.
            Action: ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
            Resource: a.destinationKeyArn,
            Condition: keyUseThroughS3(a.destinationRegion, a.destinationBucketArn),
        },
    );
}

/** S3 bucket names are global: prefix, purpose, account and region make them unique and self-describing. */
export function platformBucketName(prefix: string, purpose: string, accountId: string, region: string): string {
    const name = `${prefix}-${purpose}-${accountId}-${region}`;
    if (name.length > 63 || !/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) {
        throw new Error(`bucket name ${JSON.stringify(name)} is not a valid S3 name (lower-case, digits, '-', at most 63 characters)`);
    }
    return name;
}
