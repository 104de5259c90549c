// The tenants' deploy role: what the tenant stacks of one platform stack may do in AWS (docs/deployer-policy.md, "The
// tenants' deploy role"). It trusts every `platform-tenant/<stack>.*` stack, so it holds only what a tenant stack
// creates: tenants' repositories, buckets, signing keys and their aliases, `tenant-*` roles within the tenants'
// workload boundary and their pod identities, and a read of the Keycloak admin password. Nothing of the platform's
// own network, cluster, databases, keys or roles.
import { TENANT_WORKLOAD_BOUNDARY } from "../components/tenants/workload-boundary";
import type { PlatformConfig } from "../stacks/schema";

/** One platform stack's names, as its stack file sets them: what its tenants' resources are named after. */
export interface TenantDeployerScope {
    /** `platform:name` (acme-prod): the cluster, tenants' buckets `<name>-t-…`, signing key aliases `alias/<name>-…-signing`, the admin secret `<name>/admin/keycloak-…`. */
    readonly name: string;
    readonly region: string;
    /** Production: a destroy never empties a tenant's bucket (the program does not force-destroy them there). */
    readonly production: boolean;
    /** The registry's pull-through cache prefixes: `<prefix>/…/apps` is a cached image, never a tenant's repository. */
    readonly cachePrefixes: readonly string[];
    /** The region's partition (partitionOfRegion). */
    readonly partition: string;
}

/** The partition a region belongs to (AWS's partitions: China, GovCloud, the ISO regions, the European Sovereign Cloud). */
export function partitionOfRegion(region: string): string {
    const partitions: readonly [RegExp, string][] = [
        [/^cn-/, "aws-cn"],
        [/^us-gov-/, "aws-us-gov"],
        [/^us-iso-/, "aws-iso"],
        [/^us-isob-/, "aws-iso-b"],
        [/^eu-isoe-/, "aws-iso-e"],
        [/^us-isof-/, "aws-iso-f"],
        [/^eusc-/, "aws-eusc"],
    ];
    return partitions.find(([pattern]) => pattern.test(region))?.[1] ?? "aws";
}

/** A platform stack's scope, from its settings (its stack file, as the deployments program reads it). */
export function tenantDeployerScope(settings: Pick<PlatformConfig, "name" | "region" | "tier" | "appDelivery">): TenantDeployerScope {
    return {
        name: settings.name,
        region: settings.region,
        production: settings.tier === "production",
        cachePrefixes: settings.appDelivery.registry.pullThroughCache.map((c) => c.prefix),
        partition: partitionOfRegion(settings.region),
    };
}

/** The statements' names all start with it (a test keeps them distinct from the platform deployer's). */
export const TENANT_DEPLOYER_SID_PREFIX = "Tenant";

/**
 * The tenants' deploy policy in the managed policies the role holds, split by Sid prefix (IAM's 6,144 characters a
 * managed policy; a test keeps each part under it and each statement in exactly one part).
 */
export const TENANT_DEPLOYER_PARTS: readonly (readonly string[])[] = [
    ["TenantCallerIdentity", "TenantRepositor", "TenantNotCacheRepositories", "TenantRoles", "TenantPodIdentity"],
    ["TenantSigningKey", "TenantBuckets", "TenantSsoAdminPassword"],
];

/** The parts of a tenants' deploy policy, as the deployments program attaches them. */
export function tenantDeployerParts(policy: ReturnType<typeof tenantDeployerPolicy>): { Version: "2012-10-17"; Statement: typeof policy.Statement }[] {
    return TENANT_DEPLOYER_PARTS.map((prefixes) => ({ Version: policy.Version, Statement: policy.Statement.filter((st) => prefixes.some((p) => st.Sid.startsWith(p))) }));
}

/** The tenants' deploy policy of one platform stack (attached in TENANT_DEPLOYER_PARTS). */
export function tenantDeployerPolicy(s: TenantDeployerScope) {
    const region = s.region;
    const p = s.partition;
    const roles = `arn:${p}:iam::*:role/tenant-*`;
    // Auto-named by the platform stack (platform-tenants-workload-boundary-<7 hex>), which only the platform deployer can write.
    const withBoundary = { ArnLike: { "iam:PermissionsBoundary": `arn:${p}:iam::*:policy/${TENANT_WORKLOAD_BOUNDARY}*` } };
    const platformTags = { "aws:RequestTag/managed-by": "pulumi", "aws:RequestTag/project": "platform" };
    const keys = `arn:${p}:kms:${region}:*:key/*`;
    // The platform's keys are symmetric; a tenant's signing key is the only ECC signing key (TenantDelivery).
    const signingKey = { "kms:KeySpec": "ECC_NIST_P256", "kms:KeyUsage": "SIGN_VERIFY" };
    const buckets = `arn:${p}:s3:::${s.name}-t-*`;
    return {
        Version: "2012-10-17" as const,
        Statement: [
            { Sid: "TenantCallerIdentity", Effect: "Allow", Action: ["sts:GetCallerIdentity"], Resource: "*" },
            {
                Sid: "TenantRepositories",
                Effect: "Allow",
                Action: [
                    "ecr:CreateRepository",
                    "ecr:DeleteRepository",
                    "ecr:DescribeRepositories",
                    "ecr:ListTagsForResource",
                    "ecr:PutImageScanningConfiguration",
                    "ecr:PutImageTagMutability",
                    "ecr:TagResource",
                    "ecr:UntagResource",
                    "ecr:PutLifecyclePolicy",
                    "ecr:GetLifecyclePolicy",
                    "ecr:DeleteLifecyclePolicy",
                ],
                Resource: `arn:${p}:ecr:${region}:*:repository/*/apps`,
            },
            {
                // `*/apps` would also match a cached image named …/apps, or a nested `<a>/<b>/apps`: a tenant's is `<data name>/apps`.
                Sid: "TenantNotCacheRepositories",
                Effect: "Deny",
                Action: ["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource", "ecr:UntagResource", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
                Resource: [`arn:${p}:ecr:${region}:*:repository/*/*/apps`, ...s.cachePrefixes.map((prefix) => `arn:${p}:ecr:${region}:*:repository/${prefix}/*`)],
            },
            // A repository encrypted with the registry's key: ECR describes the key and grants itself its use, with the
            // caller's credentials (Amazon ECR user guide, "Encryption at rest"); only that key, only through ECR.
            {
                Sid: "TenantRepositoriesEncryption",
                Effect: "Allow",
                Action: ["kms:DescribeKey", "kms:CreateGrant", "kms:RetireGrant"],
                Resource: keys,
                Condition: {
                    StringEquals: { "kms:ViaService": `ecr.${region}.amazonaws.com` },
                    "ForAnyValue:StringEquals": { "kms:ResourceAliases": `alias/${s.name}-images` },
                    BoolIfExists: { "kms:GrantIsForAWSResource": "true" },
                },
            },
            // Whatever a tenant role's policies say, the boundary caps it: no role without it, and none loses it.
            { Sid: "TenantRolesCreateWithinBoundary", Effect: "Allow", Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"], Resource: roles, Condition: withBoundary },
            { Sid: "TenantRolesEditWithinBoundary", Effect: "Allow", Action: ["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy"], Resource: roles, Condition: withBoundary },
            {
                Sid: "TenantRolesManage",
                Effect: "Allow",
                Action: [
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListRolePolicies",
                    "iam:ListRoleTags",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                ],
                Resource: roles,
            },
            { Sid: "TenantRolesPassToPodIdentity", Effect: "Allow", Action: ["iam:PassRole"], Resource: roles, Condition: { StringEquals: { "iam:PassedToService": "pods.eks.amazonaws.com" } } },
            { Sid: "TenantPodIdentityCreate", Effect: "Allow", Action: ["eks:CreatePodIdentityAssociation", "eks:TagResource"], Resource: `arn:${p}:eks:${region}:*:cluster/${s.name}` },
            {
                Sid: "TenantPodIdentityManage",
                Effect: "Allow",
                Action: ["eks:DescribePodIdentityAssociation", "eks:UpdatePodIdentityAssociation", "eks:DeletePodIdentityAssociation", "eks:TagResource", "eks:UntagResource"],
                Resource: `arn:${p}:eks:${region}:*:podidentityassociation/${s.name}/*`,
            },
            {
                Sid: "TenantSigningKeysCreate",
                Effect: "Allow",
                Action: ["kms:CreateKey"],
                Resource: "*",
                // The provider sends MultiRegion only when true (kms/key.go); KMS evaluates a left-out parameter at its default.
                Condition: { StringEquals: { ...platformTags, ...signingKey, "aws:RequestedRegion": region }, BoolIfExists: { "kms:MultiRegion": "false", "kms:BypassPolicyLockoutSafetyCheck": "false" } },
            },
            // Tags on create need kms:TagResource on every key of the region (KMS developer guide); on an existing key only a signing key's.
            { Sid: "TenantSigningKeysTag", Effect: "Allow", Action: ["kms:TagResource"], Resource: keys, Condition: { StringEquals: platformTags, StringEqualsIfExists: signingKey } },
            {
                Sid: "TenantSigningKeysManage",
                Effect: "Allow",
                Action: ["kms:DescribeKey", "kms:DisableKey", "kms:EnableKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:UntagResource", "kms:UpdateKeyDescription"],
                Resource: keys,
                Condition: { StringEquals: signingKey, BoolIfExists: { "kms:BypassPolicyLockoutSafetyCheck": "false" } },
            },
            {
                Sid: "TenantSigningKeysScheduleDeletion",
                Effect: "Allow",
                Action: ["kms:ScheduleKeyDeletion"],
                Resource: keys,
                Condition: { StringEquals: signingKey, NumericGreaterThanEquals: { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" } },
            },
            { Sid: "TenantSigningKeyAliasesList", Effect: "Allow", Action: ["kms:ListAliases"], Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": region } } },
            { Sid: "TenantSigningKeyAliases", Effect: "Allow", Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"], Resource: `arn:${p}:kms:${region}:*:alias/${s.name}-*-signing` },
            { Sid: "TenantSigningKeyAliasTargets", Effect: "Allow", Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"], Resource: keys, Condition: { StringEquals: signingKey } },
            { Sid: "TenantBucketsCreate", Effect: "Allow", Action: ["s3:CreateBucket"], Resource: buckets, Condition: { StringEquals: { ...platformTags, "aws:RequestedRegion": region } } },
            {
                Sid: "TenantBucketsManage",
                Effect: "Allow",
                Action: [
                    "s3:DeleteBucket",
                    "s3:DeleteBucketPolicy",
                    "s3:GetAccelerateConfiguration",
                    "s3:GetBucketAcl",
                    "s3:GetBucketCORS",
                    "s3:GetBucketLocation",
                    "s3:GetBucketLogging",
                    "s3:GetBucketObjectLockConfiguration",
                    "s3:GetBucketOwnershipControls",
                    "s3:GetBucketPolicy",
                    "s3:GetBucketPublicAccessBlock",
                    "s3:GetBucketRequestPayment",
                    "s3:GetBucketTagging",
                    "s3:GetBucketVersioning",
                    "s3:GetBucketWebsite",
                    "s3:GetEncryptionConfiguration",
                    "s3:GetLifecycleConfiguration",
                    "s3:GetReplicationConfiguration",
                    "s3:ListBucket",
                    "s3:ListBucketVersions",
                    "s3:ListTagsForResource",
                    "s3:PutBucketLogging",
                    "s3:PutBucketOwnershipControls",
                    "s3:PutBucketPolicy",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketTagging",
                    "s3:PutBucketVersioning",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutLifecycleConfiguration",
                    "s3:TagResource",
                    "s3:UntagResource",
                ],
                Resource: buckets,
            },
            ...(s.production ? [] : [{ Sid: "TenantBucketsEmptyOnDestroy", Effect: "Allow", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"], Resource: `${buckets}/*` }]),
            // The Keycloak provider logs in as the master admin (its password is no platform output).
            { Sid: "TenantSsoAdminPassword", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], Resource: `arn:${p}:secretsmanager:${region}:*:secret:${s.name}/admin/keycloak-*` },
            {
                Sid: "TenantSsoAdminPasswordDecrypt",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: keys,
                Condition: {
                    StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com`, "aws:ResourceTag/managed-by": "pulumi", "aws:ResourceTag/project": "platform" },
                    // Secrets Manager names the secret in the encryption context (SecretARN): the Keycloak secret's only.
                    ArnLike: { "kms:EncryptionContext:SecretARN": `arn:${p}:secretsmanager:${region}:*:secret:${s.name}/admin/keycloak-*` },
                },
            },
        ],
    };
}
