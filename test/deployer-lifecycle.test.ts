// May the deploy role create what each stack file deploys? Every AWS resource of the platform stack and of each of its
// tenant stacks, whose create calls an ARN names (IAM, KMS, S3, ECR, Secrets Manager, SQS, logs, EventBridge, pod
// identities), is put to the IAM policy simulator as the provider would call AWS: the physical name the provider
// gives it (auto-named: `<logical name>-<7 hex>`), its tags, the condition keys the call carries. EC2, EKS's cluster
// and node groups, RDS, EFS and Route 53 are written out below as checked elsewhere, so a new type fails here until
// someone decides.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, type Plan, type PlannedResource } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { tenantDeployerParts, tenantDeployerPolicy, tenantDeployerScope, type TenantDeployerScope } from "../deployments/tenant-deployer";
import { deployedSet } from "./plans";
import { type ApiCall, type Context, contextFor, type Deployer, refusedResources, requestTags, resourceTags } from "./deployer-iam";

const policy = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "docs", "deployer-policy.json"), "utf8")) as Deployer["policy"];
const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : (v ?? {})) as Record<string, any>;
/** The policy KMS gives a key created without one: the account's IAM policies decide. */
const defaultKeyPolicy = (account: string) => ({ Version: "2012-10-17", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }] });
const keyPolicyOf = (key: PlannedResource, account: string) => (key.inputs.policy === undefined ? defaultKeyPolicy(account) : json(key.inputs.policy));

/** Types whose create authorization is proved elsewhere (or has no ARN of its own to simulate), with where. */
const CHECKED_ELSEWHERE: Readonly<Record<string, string>> = {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "EC2: tag-scoped statements, deployer-nat-instance.test.ts",
    "aws:ec2/eip:Eip": "EC2",
    "aws:ec2/flowLog:FlowLog": "EC2",
    "aws:ec2/instance:Instance": "deployer-nat-instance.test.ts",
    "aws:ec2/internetGateway:InternetGateway": "EC2",
    "aws:ec2/launchTemplate:LaunchTemplate": "EC2",
    "aws:ec2/natGateway:NatGateway": "EC2",
    "aws:ec2/networkInterface:NetworkInterface": "deployer-nat-instance.test.ts",
    "aws:ec2/route:Route": "EC2",
    "aws:ec2/routeTable:RouteTable": "EC2",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "EC2",
    "aws:ec2/securityGroup:SecurityGroup": "EC2",
    "aws:ec2/subnet:Subnet": "EC2",
    "aws:ec2/vpc:Vpc": "EC2",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "EC2",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "EC2",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "EC2",
    "aws:efs/backupPolicy:BackupPolicy": "EFS (service-level, deployer-policy.test.ts)",
    "aws:efs/fileSystem:FileSystem": "EFS",
    "aws:efs/mountTarget:MountTarget": "EFS",
    "aws:eks/accessEntry:AccessEntry": "EKS cluster children (cluster/acme-* scoped)",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "EKS cluster children",
    "aws:eks/addon:Addon": "EKS cluster children",
    "aws:eks/cluster:Cluster": "EKS",
    "aws:eks/identityProviderConfig:IdentityProviderConfig": "EKS cluster children",
    "aws:eks/nodeGroup:NodeGroup": "EKS (its launch template's RunInstances: docs/deployer-policy.md residuals)",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM OIDC provider (one per cluster issuer)",
    "aws:rds/instance:Instance": "RDS (final snapshots: deployer-policy.test.ts)",
    "aws:rds/parameterGroup:ParameterGroup": "RDS",
    "aws:rds/subnetGroup:SubnetGroup": "RDS",
    "aws:route53/zone:Zone": "Route 53",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "ECR registry-wide (Resource *)",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "ECR registry-wide (Resource *)",
    "aws:cloudwatch/eventTarget:EventTarget": "EventBridge (its rule's PutRule below)",
};

/** What a stack's AWS resources are called and tagged as in AWS: its provider's region, account and default tags. */
interface Cloud {
    readonly region: string;
    readonly account: string;
    readonly tags: (r: PlannedResource) => Record<string, string>;
    /** The physical name of an auto-named resource, found by the name the plan gives it (its logical name). */
    readonly physical: (type: string, ref: unknown) => string;
    /** A KMS key's policy, by the plan's reference to the key (KMS authorizes nothing its key policy does not admit). */
    readonly keyPolicy: (ref: unknown) => unknown;
    /** A KMS key as IAM sees it on calls about it: its spec and usage. */
    readonly keyAttributes: (ref: unknown) => Context;
    /** An IAM role as IAM sees it on calls about it: its permissions boundary, when it has one. */
    readonly roleAttributes: (ref: unknown) => Context;
    /** Whether the role (by its logical name) has inline policies in the stack. */
    readonly hasInlinePolicies: (roleName: string) => boolean;
}

/** A key's spec and usage as KMS reports them (its defaults when the program sets none). */
const keySpec = (key: PlannedResource): Record<string, string> => ({
    "kms:KeySpec": String(key.inputs.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT"),
    "kms:KeyUsage": String(key.inputs.keyUsage ?? "ENCRYPT_DECRYPT"),
    "kms:MultiRegion": String(key.inputs.multiRegion ?? false),
});

/** The cloud of `stack`, whose platform stack is `platform` (a tenant stack uses the platform's keys). */
function cloudOf(stack: Plan, platform: Plan): Cloud {
    const known = stack === platform ? stack.resources : [...stack.resources, ...platform.resources];
    const keyOf = (ref: unknown) => {
        const key = known.find((r) => r.type === "aws:kms/key:Key" && [r.name, `key-${r.name}`, `${r.name}-id`].includes(String(ref).split("/").pop()!));
        assert.ok(key, `${stack.stack}: no KMS key ${String(ref)} in the plan`);
        return key;
    };
    const providers = stack.resources.filter((r) => r.type === "pulumi:providers:aws");
    const main = providers.find((p) => !p.inputs.region || !String(p.name).includes("replica")) ?? providers[0];
    assert.ok(main, `${stack.stack}: an AWS provider`);
    const account = (JSON.parse(String(main.inputs.allowedAccountIds ?? "[]")) as string[])[0];
    assert.ok(account, `${stack.stack}: a pinned account`);
    const byUrn = new Map(providers.map((p) => [p.urn, p]));
    // The provider's names: a given name; a prefix and 26 characters (terraform's PrefixedUniqueId); else Pulumi's
    // auto-name, the logical name, "-" and 7 hex. The plan refers to a resource by its logical name, id or fake ARN.
    const names = new Map<string, string>();
    for (const r of stack.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
        const given = r.inputs.name ?? (r.inputs.namePrefix !== undefined ? `${r.inputs.namePrefix}20261207120000000000000001` : `${r.name}-1a2b3c4`);
        for (const ref of [r.name, `${r.name}-id`]) names.set(`${r.type}|${ref}`, String(given));
    }
    return {
        region: String(main.inputs.region),
        account,
        tags: (r) => ({ ...((json(byUrn.get(r.provider ?? "")?.inputs.defaultTags).tags ?? {}) as Record<string, string>), ...((r.inputs.tags ?? {}) as Record<string, string>) }),
        keyPolicy: (ref) => keyPolicyOf(keyOf(ref), account),
        keyAttributes: (ref) => {
            // Its aliases as KMS reports them (kms:ResourceAliases): the plan's aliases that target it.
            const key = keyOf(ref);
            const aliases = known.filter((a) => a.type === "aws:kms/alias:Alias" && [key.name, `key-${key.name}`, `${key.name}-id`].includes(String(a.inputs.targetKeyId))).map((a) => String(a.inputs.name));
            return { ...keySpec(key), ...(aliases.length > 0 ? { "kms:ResourceAliases": aliases } : {}) };
        },
        hasInlinePolicies: (roleName) => stack.resources.some((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && [roleName, `${roleName}-id`].includes(String(r.inputs.role))),
        roleAttributes: (ref) => {
            const last = String(ref).split("/").pop()!;
            const role = stack.resources.find((r) => r.type === "aws:iam/role:Role" && [r.name, `${r.name}-id`].includes(last));
            assert.ok(role, `${stack.stack}: no role ${String(ref)} in the plan`);
            const attributes: Record<string, string> = role.inputs.permissionsBoundary ? { "iam:PermissionsBoundary": String(role.inputs.permissionsBoundary) } : {};
            return attributes;
        },
        physical: (type, ref) => {
            const last = String(ref).split(/[/:]/).pop()!;
            const name = names.get(`${type}|${last}`);
            assert.ok(name, `${stack.stack}: no ${type} ${String(ref)} in the plan`);
            return name;
        },
    };
}

/** A resource's calls to AWS in each step of its life (terraform-provider-aws's Create, Read and Delete functions). */
interface Lifecycle {
    readonly create: readonly ApiCall[];
    readonly read: readonly ApiCall[];
    /** Updates every existing deployment makes once (a role created before it had its boundary gets it). */
    readonly update?: readonly ApiCall[];
    readonly delete: readonly ApiCall[];
}

/** The calls the provider makes for `r`, on the ARNs AWS authorizes; undefined for a type not modelled here. */
function lifecycle(r: PlannedResource, c: Cloud): Lifecycle | undefined {
    const i = r.inputs as Record<string, any>;
    const region = String(i.region ?? c.region);
    const at = (service: string, rest: string) => `arn:aws:${service}:${region}:${c.account}:${rest}`;
    const role = (ref: unknown) => `arn:aws:iam::${c.account}:role/${c.physical("aws:iam/role:Role", ref)}`;
    const secret = (ref: unknown) => at("secretsmanager", `secret:${c.physical("aws:secretsmanager/secret:Secret", ref)}-AbCdEf`);
    const inRegion = { "aws:RequestedRegion": region };
    const tags = c.tags(r);
    /** Whether the role of that name has inline policies (RolePolicy resources) in this stack. */
    const inline = (roleName: string) => c.hasInlinePolicies(roleName);
    /** A call on an existing resource: its tags and attributes reach the call where the SAR says they do. */
    const on = (action: string, arn: string, attributes: Context = {}, resourcePolicy?: unknown): ApiCall => ({
        action,
        resources: [{ arn, context: contextFor(action, arn, { ...resourceTags(tags), ...attributes }), resourcePolicy }],
        context: inRegion,
    });
    const each = (actions: readonly string[], arn: string, attributes?: Context, resourcePolicy?: unknown) => actions.map((a) => on(a, arn, attributes, resourcePolicy));
    switch (r.type) {
        case "aws:iam/role:Role": {
            const arn = role(r.name);
            const boundary: Record<string, string> = i.permissionsBoundary ? { "iam:PermissionsBoundary": String(i.permissionsBoundary) } : {};
            return {
                create: [
                    { action: "iam:CreateRole", resources: [{ arn, context: { ...requestTags(tags), ...boundary } }] },
                    { action: "iam:TagRole", resources: [{ arn, context: requestTags(tags) }] },
                ],
                // Read lists the inline policies and reads each; delete removes each first (terraform-provider-aws iam/role.go).
                read: [...each(["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], arn), ...(inline(r.name) ? [on("iam:GetRolePolicy", arn, boundary)] : [])],
                update: i.permissionsBoundary ? [on("iam:PutRolePermissionsBoundary", arn, boundary)] : [],
                delete: [
                    ...each(["iam:ListInstanceProfilesForRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"], arn),
                    ...(inline(r.name) ? [on("iam:DeleteRolePolicy", arn, boundary)] : []),
                    on("iam:DeleteRole", arn),
                ],
            };
        }
        case "aws:iam/rolePolicy:RolePolicy":
            return {
                create: [on("iam:PutRolePolicy", role(i.role), c.roleAttributes(i.role))],
                read: [on("iam:GetRolePolicy", role(i.role), c.roleAttributes(i.role))],
                delete: [on("iam:DeleteRolePolicy", role(i.role), c.roleAttributes(i.role))],
            };
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            return {
                create: [on("iam:AttachRolePolicy", role(i.role), { "iam:PolicyARN": String(i.policyArn) })],
                read: [on("iam:ListAttachedRolePolicies", role(i.role))],
                delete: [on("iam:DetachRolePolicy", role(i.role), { "iam:PolicyARN": String(i.policyArn) })],
            };
        case "aws:iam/policy:Policy": {
            const arn = `arn:aws:iam::${c.account}:policy/${c.physical(r.type, r.name)}`;
            return {
                create: [{ action: "iam:CreatePolicy", resources: [{ arn, context: requestTags(tags) }] }],
                read: each(["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"], arn),
                delete: each(["iam:ListPolicyVersions", "iam:DeletePolicy"], arn),
            };
        }
        case "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
            const association = at("eks", `podidentityassociation/${i.clusterName}/a-1234567890abcdef0`);
            return {
                create: [
                    { action: "eks:CreatePodIdentityAssociation", resources: [{ arn: at("eks", `cluster/${i.clusterName}`), context: requestTags(tags) }], context: inRegion },
                    { action: "iam:PassRole", resources: [{ arn: role(i.roleArn), context: { "iam:PassedToService": "pods.eks.amazonaws.com" } }] },
                ],
                read: [on("eks:DescribePodIdentityAssociation", association)],
                delete: [on("eks:DeletePodIdentityAssociation", association)],
            };
        }
        case "aws:kms/key:Key": {
            const policy = keyPolicyOf(r, c.account);
            const arn = at("kms", `key/key-${r.name}`);
            const spec = keySpec(r);
            return {
                create: [
                    // KMS evaluates a parameter the request leaves out (MultiRegion unless true) at its default (KMS developer guide, condition keys).
                    { action: "kms:CreateKey", resources: [{ arn: "*" }], context: { ...inRegion, ...requestTags(tags), ...spec } },
                    // Tagging on create needs kms:TagResource on every key of the account and region (KMS developer guide).
                    { action: "kms:TagResource", resources: [{ arn: at("kms", "key/1234abcd-new-key"), resourcePolicy: policy }], context: { ...inRegion, ...requestTags(tags) } },
                    ...(i.enableKeyRotation ? [on("kms:EnableKeyRotation", arn, spec, policy)] : []),
                ],
                read: each(["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"], arn, spec, policy),
                delete: [on("kms:ScheduleKeyDeletion", arn, { ...spec, "kms:ScheduleKeyDeletionPendingWindowInDays": String(i.deletionWindowInDays ?? 30) }, policy)],
            };
        }
        case "aws:kms/alias:Alias": {
            const key = at("kms", `key/${i.targetKeyId}`);
            const both = (action: string): ApiCall => ({
                action,
                resources: [{ arn: at("kms", String(i.name)) }, { arn: key, context: contextFor(action, key, c.keyAttributes(i.targetKeyId)), resourcePolicy: c.keyPolicy(i.targetKeyId) }],
                context: inRegion,
            });
            return { create: [both("kms:CreateAlias")], read: [{ action: "kms:ListAliases", resources: [{ arn: "*" }], context: inRegion }], delete: [both("kms:DeleteAlias")] };
        }
        case "aws:s3/bucket:Bucket": {
            const arn = `arn:aws:s3:::${i.bucket}`;
            return {
                create: [{ action: "s3:CreateBucket", resources: [{ arn }], context: { ...requestTags(tags), ...inRegion } }],
                read: each(
                    [
                        "s3:ListBucket",
                        "s3:GetBucketTagging",
                        "s3:GetBucketPolicy",
                        "s3:GetBucketAcl",
                        "s3:GetBucketCORS",
                        "s3:GetBucketWebsite",
                        "s3:GetAccelerateConfiguration",
                        "s3:GetBucketRequestPayment",
                        "s3:GetBucketObjectLockConfiguration",
                        "s3:GetBucketVersioning",
                        "s3:GetEncryptionConfiguration",
                        "s3:GetLifecycleConfiguration",
                        "s3:GetBucketLogging",
                        "s3:GetReplicationConfiguration",
                    ],
                    arn,
                ),
                delete: each(["s3:DeleteBucket", ...(i.forceDestroy ? ["s3:ListBucketVersions"] : [])], arn),
            };
        }
        case "aws:s3/bucketPolicy:BucketPolicy":
        case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
        case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
        case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        case "aws:s3/bucketVersioning:BucketVersioning":
        case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        case "aws:s3/bucketLogging:BucketLogging":
        case "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {
            // [create/update, read, delete]: S3's Delete APIs for a setting are authorized by its Put action.
            const [put, get, del] = {
                "aws:s3/bucketPolicy:BucketPolicy": ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"],
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"],
                "aws:s3/bucketVersioning:BucketVersioning": ["s3:PutBucketVersioning", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"],
                "aws:s3/bucketLogging:BucketLogging": ["s3:PutBucketLogging", "s3:GetBucketLogging", "s3:PutBucketLogging"],
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ["s3:PutReplicationConfiguration", "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration"],
            }[r.type]!;
            const arn = `arn:aws:s3:::${i.bucket}`;
            const pass: ApiCall[] = i.role ? [{ action: "iam:PassRole", resources: [{ arn: role(i.role), context: { "iam:PassedToService": "s3.amazonaws.com" } }] }] : [];
            return { create: [on(put, arn), ...pass], read: [on(get, arn)], delete: [on(del, arn)] };
        }
        case "aws:ecr/repository:Repository": {
            const arn = at("ecr", `repository/${i.name}`);
            // With a KMS key, ECR describes the key and creates two grants on it with the caller's credentials (ECR user
            // guide, "Encryption at rest"; both grants carry the same context, one simulated). On delete ECR retires them
            // itself, as their grantee.
            const kms = (i.encryptionConfigurations as { encryptionType?: string; kmsKey?: string }[] | undefined)?.find((e) => e.encryptionType === "KMS" && e.kmsKey);
            const viaEcr = (action: string, extra: Context = {}): ApiCall => {
                const key = String(kms!.kmsKey);
                return { action, resources: [{ arn: key, context: contextFor(action, key, c.keyAttributes(key)), resourcePolicy: c.keyPolicy(key) }], context: { ...inRegion, "kms:ViaService": `ecr.${region}.amazonaws.com`, ...extra } };
            };
            return {
                create: [
                    { action: "ecr:CreateRepository", resources: [{ arn }], context: { ...inRegion, ...requestTags(tags) } },
                    { action: "ecr:TagResource", resources: [{ arn }], context: { ...inRegion, ...requestTags(tags) } },
                    ...(kms ? [viaEcr("kms:DescribeKey"), viaEcr("kms:CreateGrant", { "kms:GrantIsForAWSResource": "true" })] : []),
                ],
                read: each(["ecr:DescribeRepositories", "ecr:ListTagsForResource"], arn),
                delete: [on("ecr:DeleteRepository", arn)],
            };
        }
        case "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
            const arn = at("ecr", `repository/${i.repository}`);
            return { create: [on("ecr:PutLifecyclePolicy", arn)], read: [on("ecr:GetLifecyclePolicy", arn)], delete: [on("ecr:DeleteLifecyclePolicy", arn)] };
        }
        case "aws:secretsmanager/secret:Secret":
            return {
                create: [{ action: "secretsmanager:CreateSecret", resources: [{ arn: secret(r.name) }], context: { ...inRegion, ...requestTags(tags) } }],
                read: each(["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"], secret(r.name)),
                delete: [on("secretsmanager:DeleteSecret", secret(r.name))],
            };
        case "aws:secretsmanager/secretPolicy:SecretPolicy":
            return { create: [on("secretsmanager:PutResourcePolicy", secret(i.secretArn))], read: [on("secretsmanager:GetResourcePolicy", secret(i.secretArn))], delete: [on("secretsmanager:DeleteResourcePolicy", secret(i.secretArn))] };
        case "aws:secretsmanager/secretVersion:SecretVersion":
            // Deleting a version moves its staging label off (UpdateSecretVersionStage) unless it is the current one; the secret's delete ends it.
            return { create: [on("secretsmanager:PutSecretValue", secret(i.secretId))], read: [on("secretsmanager:GetSecretValue", secret(i.secretId))], delete: [] };
        case "aws:sqs/queue:Queue": {
            const arn = at("sqs", String(i.name));
            return {
                create: [{ action: "sqs:CreateQueue", resources: [{ arn }], context: { ...inRegion, ...requestTags(tags) } }],
                read: each(["sqs:GetQueueAttributes", "sqs:ListQueueTags"], arn),
                delete: [on("sqs:DeleteQueue", arn)],
            };
        }
        case "aws:sqs/queuePolicy:QueuePolicy": {
            const arn = at("sqs", String(i.queueUrl).split("/").pop()!);
            return { create: [on("sqs:SetQueueAttributes", arn)], read: [on("sqs:GetQueueAttributes", arn)], delete: [on("sqs:SetQueueAttributes", arn)] };
        }
        case "aws:cloudwatch/logGroup:LogGroup": {
            const arn = at("logs", `log-group:${i.name}`);
            return {
                create: [{ action: "logs:CreateLogGroup", resources: [{ arn }], context: { ...inRegion, ...requestTags(tags) } }],
                read: [on("logs:ListTagsForResource", arn)],
                delete: [on("logs:DeleteLogGroup", arn)],
            };
        }
        case "aws:cloudwatch/eventRule:EventRule": {
            const arn = at("events", `rule/${i.name}`);
            return {
                create: [{ action: "events:PutRule", resources: [{ arn }], context: { ...inRegion, ...requestTags(tags) } }],
                read: each(["events:DescribeRule", "events:ListTagsForResource"], arn),
                delete: [on("events:DeleteRule", arn)],
            };
        }
        default:
            return undefined;
    }
}

/** The role a stack deploys with: the platform stack's (the deployer policy in its parts); a tenant stack's, the tenants' role of its platform stack. */
function deployerOf(stack: Plan, platform: Plan, account: string): Deployer {
    if (stack === platform) return { accountId: account, roleArn: `arn:aws:iam::${account}:role/platform-deployments-${platform.stack}-1a2b3c4`, policy };
    return { accountId: account, roleArn: `arn:aws:iam::${account}:role/platform-deployments-${platform.stack}-tenants-1a2b3c4`, policy: { attached: tenantDeployerParts(tenantDeployerPolicy(scopeOf(platform.stack))).map((policy, i) => ({ name: `tenant-deployer-${i + 1}`, policy })) } };
}

/** A platform stack's tenants' deploy scope, from its stack file as the deployments program reads it. */
function scopeOf(stack: string): TenantDeployerScope {
    const file = readStackConfig(PROJECT_DIR, stack);
    return tenantDeployerScope(parsePlatformConfig(file.config, file.project, undefined, PROJECT_DIR));
}

describe("each stack's deploy role may create, read and delete every named AWS resource it deploys (IAM policy simulator): the platform's role its stack's, the tenants' role each tenant stack's @stack", () => {
    for (const stackName of listStacks(PROJECT_DIR)) {
        it(`${stackName}: the platform stack and each tenant stack`, async function () {
            this.timeout(120_000);
            const set = await deployedSet(stackName);
            const refused: string[] = [];
            const simulated = new Map<string, number>();
            const unknown = new Set<string>();
            for (const stack of set.stacks) {
                const cloud = cloudOf(stack, set.platform);
                for (const r of stack.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
                    const life = lifecycle(r, cloud);
                    if (!life) {
                        if (!CHECKED_ELSEWHERE[r.type]) unknown.add(r.type);
                        continue;
                    }
                    // A kept resource (retainOnDelete) is never deleted by Pulumi; a protected one is, once unprotected.
                    const steps = { create: life.create, read: life.read, update: life.update ?? [], delete: r.retainOnDelete ? [] : life.delete };
                    for (const [step, calls] of Object.entries(steps)) {
                        for (const call of calls) {
                            simulated.set(step, (simulated.get(step) ?? 0) + 1);
                            const denied = await refusedResources(deployerOf(stack, set.platform, cloud.account), call);
                            refused.push(...denied.map((arn) => `${stack.stack} ${r.name} (${step}): ${call.action} on ${arn}`));
                        }
                    }
                }
            }
            assert.deepStrictEqual([...unknown], [], "AWS types this test neither simulates nor names as checked elsewhere");
            // The loop ran over each step, the tenants' stacks included.
            assert.ok(set.tenants.length > 0, `${stackName}: tenant stacks`);
            for (const step of ["create", "read", "delete"]) assert.ok((simulated.get(step) ?? 0) > 50, `${stackName}: ${step}: ${simulated.get(step) ?? 0} calls`);
            // Every tenant role of the set (a tenant stack's, with the boundary) got its boundary set on an existing role.
            assert.ok((simulated.get("update") ?? 0) >= set.tenants.filter((t) => t.resources.some((r) => r.type === "aws:iam/role:Role")).length && (simulated.get("update") ?? 0) > 0, `${stackName}: update`);
            assert.deepStrictEqual(refused, []);
        });
    }
});

/** The role the stack file's cluster.admins names for its tenant stacks (the example files' `pulumi-deployments-tenants`). */
function tenantsRoleOf(stack: string): string {
    const file = readStackConfig(PROJECT_DIR, stack);
    const admins = parsePlatformConfig(file.config, file.project, undefined, PROJECT_DIR).cluster.admins;
    const role = admins.find((a) => a.endsWith(":role/pulumi-deployments-tenants"));
    assert.ok(role, `${stack}: cluster.admins names the tenants' deploy role`);
    return role;
}

describe("each tenant stack reads the Keycloak admin password as the tenants' role, through the secret's and its key's policies (IAM policy simulator) @stack", () => {
    for (const stackName of listStacks(PROJECT_DIR)) {
        it(`${stackName}: the tenants' role in cluster.admins reads it; the same role outside cluster.admins cannot`, async function () {
            this.timeout(60_000);
            const set = await deployedSet(stackName);
            assert.ok(set.tenants.length > 0, `${stackName}: tenant stacks`);
            const platform = set.platform;
            const cloud = cloudOf(platform, platform);
            // What platformRefs reads: the platform's ssoAdminSecretArn output, with getSecretVersion (GetSecretValue, and
            // the Decrypt Secrets Manager makes with the caller's credentials and the secret's ARN as encryption context).
            const planned = String(platform.outputs.ssoAdminSecretArn);
            const secret = platform.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && planned.endsWith(`/${r.name}`));
            assert.ok(secret, `${stackName}: the Keycloak admin secret`);
            const arn = `arn:aws:secretsmanager:${cloud.region}:${cloud.account}:secret:${cloud.physical(secret.type, secret.name)}-AbCdEf`;
            // The key's own tags (aws:ResourceTag on Decrypt).
            const keyOfSecret = platform.resources.find((r) => r.type === "aws:kms/key:Key" && String(secret.inputs.kmsKeyId).endsWith(`/${r.name}`));
            assert.ok(keyOfSecret, `${stackName}: the secret's key`);
            const secretPolicy = platform.resources.find((r) => r.type === "aws:secretsmanager/secretPolicy:SecretPolicy" && r.inputs.secretArn === planned);
            assert.ok(secretPolicy, `${stackName}: the secret's policy`);
            const calls: ApiCall[] = [
                { action: "secretsmanager:GetSecretValue", resources: [{ arn, resourcePolicy: JSON.parse(String(secretPolicy.inputs.policy).split(planned).join(arn)) }], context: { "aws:RequestedRegion": cloud.region } },
                {
                    action: "kms:Decrypt",
                    resources: [{ arn: String(secret.inputs.kmsKeyId), context: contextFor("kms:Decrypt", String(secret.inputs.kmsKeyId), { ...resourceTags(cloud.tags(keyOfSecret)), ...cloud.keyAttributes(secret.inputs.kmsKeyId) }), resourcePolicy: cloud.keyPolicy(secret.inputs.kmsKeyId) }],
                    context: { "aws:RequestedRegion": cloud.region, "kms:ViaService": `secretsmanager.${cloud.region}.amazonaws.com`, "kms:EncryptionContext:SecretARN": arn },
                },
            ];
            const attached = { attached: tenantDeployerParts(tenantDeployerPolicy(scopeOf(stackName))).map((policy, i) => ({ name: `tenant-deployer-${i + 1}`, policy })) };
            const asAdmin: Deployer = { accountId: cloud.account, roleArn: tenantsRoleOf(stackName), policy: attached };
            const notAdmin: Deployer = { ...asAdmin, roleArn: `arn:aws:iam::${cloud.account}:role/platform-deployments-${stackName}-tenants-1a2b3c4` };
            for (const call of calls) {
                assert.deepStrictEqual(await refusedResources(asAdmin, call), [], `${call.action} as ${asAdmin.roleArn}`);
                assert.ok((await refusedResources(notAdmin, call)).length > 0, `${call.action} refused to a role cluster.admins does not name`);
            }
        });
    }
});

