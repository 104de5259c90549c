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
import { listStacks } from "../plan/stack-files";
import { deployedSet } from "./plans";
import { type ApiCall, type Deployer, refusedResources, requestTags } from "./deployer-iam";

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
}

function cloudOf(stack: Plan): Cloud {
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
        keyPolicy: (ref) => {
            const key = stack.resources.find((r) => r.type === "aws:kms/key:Key" && [r.name, `key-${r.name}`, `${r.name}-id`].includes(String(ref).split("/").pop()!));
            assert.ok(key, `${stack.stack}: no KMS key ${String(ref)} in the plan`);
            return keyPolicyOf(key, account);
        },
        physical: (type, ref) => {
            const last = String(ref).split(/[/:]/).pop()!;
            const name = names.get(`${type}|${last}`);
            assert.ok(name, `${stack.stack}: no ${type} ${String(ref)} in the plan`);
            return name;
        },
    };
}

/** The calls the provider makes to create `r` (terraform-provider-aws's Create functions), on the ARNs AWS authorizes. */
function createCalls(r: PlannedResource, c: Cloud): ApiCall[] | undefined {
    const i = r.inputs as Record<string, any>;
    const region = String(i.region ?? c.region);
    const at = (service: string, rest: string) => `arn:aws:${service}:${region}:${c.account}:${rest}`;
    const role = (ref: unknown) => `arn:aws:iam::${c.account}:role/${c.physical("aws:iam/role:Role", ref)}`;
    const secret = (ref: unknown) => at("secretsmanager", `secret:${c.physical("aws:secretsmanager/secret:Secret", ref)}-AbCdEf`);
    const inRegion = { "aws:RequestedRegion": region };
    const tags = c.tags(r);
    switch (r.type) {
        case "aws:iam/role:Role": {
            const arn = role(r.name);
            const boundary: Record<string, string> = i.permissionsBoundary ? { "iam:PermissionsBoundary": String(i.permissionsBoundary) } : {};
            return [
                { action: "iam:CreateRole", resources: [{ arn, context: { ...requestTags(tags), ...boundary } }] },
                { action: "iam:TagRole", resources: [{ arn, context: requestTags(tags) }] },
            ];
        }
        case "aws:iam/rolePolicy:RolePolicy":
            return [{ action: "iam:PutRolePolicy", resources: [{ arn: role(i.role) }] }];
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            return [{ action: "iam:AttachRolePolicy", resources: [{ arn: role(i.role), context: { "iam:PolicyARN": String(i.policyArn) } }] }];
        case "aws:iam/policy:Policy":
            return [{ action: "iam:CreatePolicy", resources: [{ arn: `arn:aws:iam::${c.account}:policy/${c.physical(r.type, r.name)}`, context: requestTags(tags) }] }];
        case "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            return [
                { action: "eks:CreatePodIdentityAssociation", resources: [{ arn: at("eks", `cluster/${i.clusterName}`), context: requestTags(tags) }] },
                { action: "iam:PassRole", resources: [{ arn: role(i.roleArn), context: { "iam:PassedToService": "pods.eks.amazonaws.com" } }] },
            ];
        case "aws:kms/key:Key":
            return [
                {
                    action: "kms:CreateKey",
                    resources: [{ arn: "*" }],
                    context: { ...inRegion, ...requestTags(tags), "kms:KeySpec": String(i.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT"), "kms:KeyUsage": String(i.keyUsage ?? "ENCRYPT_DECRYPT"), "kms:MultiRegion": String(i.multiRegion ?? false) },
                },
                // Tagging on create needs kms:TagResource on every key of the account and region (KMS developer guide).
                { action: "kms:TagResource", resources: [{ arn: at("kms", "key/1234abcd-new-key"), resourcePolicy: keyPolicyOf(r, c.account) }], context: { ...inRegion, ...requestTags(tags) } },
            ];
        case "aws:kms/alias:Alias":
            return [{ action: "kms:CreateAlias", resources: [{ arn: at("kms", String(i.name)) }, { arn: at("kms", `key/${i.targetKeyId}`), resourcePolicy: c.keyPolicy(i.targetKeyId) }], context: inRegion }];
        case "aws:s3/bucket:Bucket":
            return [{ action: "s3:CreateBucket", resources: [{ arn: `arn:aws:s3:::${i.bucket}` }], context: { ...requestTags(tags), "aws:RequestedRegion": region } }];
        case "aws:s3/bucketPolicy:BucketPolicy":
        case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
        case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
        case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        case "aws:s3/bucketVersioning:BucketVersioning":
        case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        case "aws:s3/bucketLogging:BucketLogging":
        case "aws:s3/bucketReplicationConfig:BucketReplicationConfig": {
            const action = {
                "aws:s3/bucketPolicy:BucketPolicy": "s3:PutBucketPolicy",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "s3:PutBucketOwnershipControls",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "s3:PutEncryptionConfiguration",
                "aws:s3/bucketVersioning:BucketVersioning": "s3:PutBucketVersioning",
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
                "aws:s3/bucketLogging:BucketLogging": "s3:PutBucketLogging",
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "s3:PutReplicationConfiguration",
            }[r.type];
            const calls: ApiCall[] = [{ action, resources: [{ arn: `arn:aws:s3:::${i.bucket}` }], context: { "aws:RequestedRegion": region } }];
            if (i.role) calls.push({ action: "iam:PassRole", resources: [{ arn: role(i.role), context: { "iam:PassedToService": "s3.amazonaws.com" } }] });
            return calls;
        }
        case "aws:ecr/repository:Repository":
            return [
                { action: "ecr:CreateRepository", resources: [{ arn: at("ecr", `repository/${i.name}`) }], context: requestTags(tags) },
                { action: "ecr:TagResource", resources: [{ arn: at("ecr", `repository/${i.name}`) }], context: requestTags(tags) },
            ];
        case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
            return [{ action: "ecr:PutLifecyclePolicy", resources: [{ arn: at("ecr", `repository/${i.repository}`) }] }];
        case "aws:secretsmanager/secret:Secret":
            return [{ action: "secretsmanager:CreateSecret", resources: [{ arn: secret(r.name) }], context: { ...inRegion, ...requestTags(tags) } }];
        case "aws:secretsmanager/secretPolicy:SecretPolicy":
            return [{ action: "secretsmanager:PutResourcePolicy", resources: [{ arn: secret(i.secretArn) }], context: inRegion }];
        case "aws:secretsmanager/secretVersion:SecretVersion":
            return [{ action: "secretsmanager:PutSecretValue", resources: [{ arn: secret(i.secretId) }], context: inRegion }];
        case "aws:sqs/queue:Queue":
            return [{ action: "sqs:CreateQueue", resources: [{ arn: at("sqs", String(i.name)) }], context: requestTags(tags) }];
        case "aws:sqs/queuePolicy:QueuePolicy":
            return [{ action: "sqs:SetQueueAttributes", resources: [{ arn: at("sqs", String(i.queueUrl).split("/").pop()!) }] }];
        case "aws:cloudwatch/logGroup:LogGroup":
            return [{ action: "logs:CreateLogGroup", resources: [{ arn: at("logs", `log-group:${i.name}`) }], context: requestTags(tags) }];
        case "aws:cloudwatch/eventRule:EventRule":
            return [{ action: "events:PutRule", resources: [{ arn: at("events", `rule/${i.name}`) }], context: requestTags(tags) }];
        default:
            return undefined;
    }
}

const deployer = (account: string): Deployer => ({ accountId: account, roleArn: `arn:aws:iam::${account}:role/pulumi-deployments-1a2b3c4`, policy });

describe("the deploy role may create every named AWS resource each stack file deploys (IAM policy simulator) @stack", () => {
    for (const stackName of listStacks(PROJECT_DIR)) {
        it(`${stackName}: the platform stack and each tenant stack`, async function () {
            this.timeout(120_000);
            const set = await deployedSet(stackName);
            const refused: string[] = [];
            const simulated = new Set<string>();
            const unknown = new Set<string>();
            for (const stack of set.stacks) {
                const cloud = cloudOf(stack);
                for (const r of stack.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
                    const calls = createCalls(r, cloud);
                    if (!calls) {
                        if (!CHECKED_ELSEWHERE[r.type]) unknown.add(r.type);
                        continue;
                    }
                    simulated.add(r.type);
                    for (const call of calls) {
                        const denied = await refusedResources(deployer(cloud.account), call);
                        refused.push(...denied.map((arn) => `${stack.stack} ${r.name}: ${call.action} on ${arn}`));
                    }
                }
            }
            assert.deepStrictEqual([...unknown], [], "AWS types this test neither simulates nor names as checked elsewhere");
            // The tenants' and the platform's identities are among them, so the loop above simulated what matters.
            for (const t of ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:ecr/repository:Repository"]) {
                assert.ok(simulated.has(t), `${stackName}: no ${t} simulated`);
            }
            assert.ok(set.tenants.length > 0, `${stackName}: tenant stacks`);
            assert.deepStrictEqual(refused, []);
        });
    }
});
