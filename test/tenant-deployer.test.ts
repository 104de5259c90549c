// The tenants' deploy role as an attacker holding it would use it (a tenant stack's Deployments run, or any stack
// created in platform-tenant/<stack>.*): what AWS refuses it, decided by the IAM policy simulator. Its lifecycle of
// every tenant stack's resources is allowed in deployer-lifecycle.test.ts; here, everything beyond it is not.
import * as assert from "assert";
import { partitionOfRegion, tenantDeployerParts, tenantDeployerPolicy, TENANT_DEPLOYER_SID_PREFIX } from "../deployments/tenant-deployer";
import { TENANT_WORKLOAD_BOUNDARY, tenantWorkloadBoundary } from "../components/tenants/workload-boundary";
import { MAX_PULL_THROUGH_CACHES } from "../stacks/schema-delivery";
import { Region } from "@pulumi/aws";
import { type ApiCall, type Context, type Deployer, refusedResources, requestTags, resourceTags } from "./deployer-iam";
import { checkPolicies } from "../plan/policy-runner";
import { tenantIdentityBoundaryPolicy } from "../policy/rules/workload-identity";
import type { PlannedResource } from "../plan/engine";

const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const scope = { name: "acme-prod", region: REGION, production: true, cachePrefixes: ["docker-hub", "ghcr"], partition: "aws" };
const tenantsRole: Deployer = {
    accountId: ACCOUNT,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-deployments-prod-tenants-1a2b3c4`,
    policy: { attached: tenantDeployerParts(tenantDeployerPolicy(scope)).map((policy, i) => ({ name: `tenant-deployer-${i + 1}`, policy })) },
};
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/${TENANT_WORKLOAD_BOUNDARY}-0a1b2c3`;
const PLATFORM_TAGS = { "managed-by": "pulumi", project: "platform", environment: "prod" };
const inRegion = { "aws:RequestedRegion": REGION };
const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** A key whose policy lets the account's IAM policies decide, as every platform and tenant key's does. */
const keyPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };
const symmetricKey: Context = { "kms:KeySpec": "SYMMETRIC_DEFAULT", "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:MultiRegion": "false" };
const signingKey: Context = { "kms:KeySpec": "ECC_NIST_P256", "kms:KeyUsage": "SIGN_VERIFY", "kms:MultiRegion": "false" };

const call = (action: string, resource: string, context: Context = {}, extra: Partial<ApiCall> = {}): ApiCall => ({ action, resources: [{ arn: resource, context, ...(action.startsWith("kms:") && resource.includes(":key/") ? { resourcePolicy: keyPolicy } : {}) }], context: inRegion, ...extra });
const allowed = async (d: Deployer, c: ApiCall) => (await refusedResources(d, c)).length === 0;

describe("the tenants' deploy role (deployments/tenant-deployer.ts): what a tenant stack needs, nothing of the platform's", () => {
    it("fits in its managed policies (6,144 characters each without whitespace), each statement in one, named Tenant…, no '*' action", () => {
        const policy = tenantDeployerPolicy(scope);
        const parts = tenantDeployerParts(policy);
        for (const part of parts) assert.ok(JSON.stringify(part).replace(/\s/g, "").length <= 6144, `${JSON.stringify(part).replace(/\s/g, "").length} characters`);
        assert.deepStrictEqual(parts.flatMap((p) => p.Statement.map((st) => st.Sid)).sort(), policy.Statement.map((st) => st.Sid).sort());
        assert.ok(policy.Statement.every((s) => s.Sid.startsWith(TENANT_DEPLOYER_SID_PREFIX)));
        assert.strictEqual(new Set(policy.Statement.map((s) => s.Sid)).size, policy.Statement.length);
        assert.ok(policy.Statement.every((s) => s.Action.every((a) => !a.includes("*"))));
        // The largest scope the schema admits: a 24-character name and its most caches, each prefix 30 characters.
        const longestRegion = Object.values(Region).reduce((a, b) => (b.length > a.length ? b : a));
        const widest = { name: "a".repeat(24), region: longestRegion, production: false, cachePrefixes: Array.from({ length: MAX_PULL_THROUGH_CACHES }, (_, i) => `c${i}`.padEnd(30, "x")), partition: "aws-us-gov" };
        for (const part of tenantDeployerParts(tenantDeployerPolicy(widest))) assert.ok(JSON.stringify(part).replace(/\s/g, "").length <= 6144, `widest: ${JSON.stringify(part).replace(/\s/g, "").length}`);
        const widestBoundary = tenantWorkloadBoundary({ partition: widest.partition, region: widest.region, accountId: ACCOUNT, cachePrefixes: widest.cachePrefixes });
        assert.ok(JSON.stringify(widestBoundary).replace(/\s/g, "").length <= 6144, "the widest boundary");
        // A production stack's tenant buckets are never emptied; a development stack's are on destroy.
        assert.ok(!policy.Statement.some((s) => s.Action.includes("s3:DeleteObject")));
        assert.ok(tenantDeployerPolicy({ ...scope, production: false }).Statement.some((s) => s.Action.includes("s3:DeleteObject")));
    });

    it("creates and edits tenant roles only within the tenants' workload boundary, and no role of the platform's", async () => {
        const create = (name: string, context: Context) => call("iam:CreateRole", role(name), { ...requestTags(PLATFORM_TAGS), ...context });
        assert.ok(await allowed(tenantsRole, create("tenant-team-a-delivery-runner-role-1a2b3c4", { "iam:PermissionsBoundary": BOUNDARY })));
        assert.ok(!(await allowed(tenantsRole, create("tenant-team-a-delivery-runner-role-1a2b3c4", {}))), "a tenant role without a boundary");
        assert.ok(!(await allowed(tenantsRole, create("tenant-escalate-1a2b3c4", { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/platform-deployer-1-0a1b2c3` }))), "another boundary");
        assert.ok(!(await allowed(tenantsRole, create("tenant-escalate-1a2b3c4", { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" }))), "an AWS managed policy as boundary");
        assert.ok(!(await allowed(tenantsRole, create("platform-cluster-role-1a2b3c4", { "iam:PermissionsBoundary": BOUNDARY }))), "a platform-named role");
        const bounded = { "iam:PermissionsBoundary": BOUNDARY };
        assert.ok(await allowed(tenantsRole, call("iam:PutRolePolicy", role("tenant-team-a-delivery-runner-role-1a2b3c4"), bounded)));
        assert.ok(!(await allowed(tenantsRole, call("iam:PutRolePolicy", role("tenant-team-a-delivery-runner-role-1a2b3c4")))), "a tenant role without the boundary");
        assert.ok(!(await allowed(tenantsRole, call("iam:UpdateAssumeRolePolicy", role("tenant-unbounded-1a2b3c4")))), "trusting anyone on an unbounded role");
        for (const platformRole of ["platform-cluster-node-role-1a2b3c4", "platform-deployments-prod-tenants-1a2b3c4", "platform-deployments-prod-1a2b3c4"]) {
            for (const action of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:TagRole"]) {
                assert.ok(!(await allowed(tenantsRole, call(action, role(platformRole), action === "iam:TagRole" ? {} : bounded))), `${action} on ${platformRole}`);
            }
        }
        for (const action of ["iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"]) {
            const context = action === "iam:AttachRolePolicy" ? { ...bounded, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } : bounded;
            assert.ok(!(await allowed(tenantsRole, call(action, role("tenant-team-a-delivery-runner-role-1a2b3c4"), context))), action);
        }
        assert.ok(!(await allowed(tenantsRole, call("iam:CreatePolicyVersion", `arn:aws:iam::${ACCOUNT}:policy/${TENANT_WORKLOAD_BOUNDARY}-0a1b2c3`))), "rewriting the boundary");
    });

    it("passes tenant roles to pod identities only, and no platform role at all", async () => {
        const pass = (name: string, service: string) => call("iam:PassRole", role(name), { "iam:PassedToService": service });
        assert.ok(await allowed(tenantsRole, pass("tenant-team-a-delivery-runner-role-1a2b3c4", "pods.eks.amazonaws.com")));
        assert.ok(!(await allowed(tenantsRole, pass("tenant-team-a-delivery-runner-role-1a2b3c4", "ec2.amazonaws.com"))));
        assert.ok(!(await allowed(tenantsRole, pass("platform-backup-identity-role-1a2b3c4", "pods.eks.amazonaws.com"))));
        assert.ok(!(await allowed(tenantsRole, call("eks:CreatePodIdentityAssociation", arn("eks", "cluster/acme-dev")))), "another platform's cluster");
        for (const action of ["eks:DeleteCluster", "eks:UpdateClusterConfig", "eks:CreateAccessEntry"]) assert.ok(!(await allowed(tenantsRole, call(action, arn("eks", "cluster/acme-prod")))), action);
    });

    it("manages tenants' signing keys and their aliases, never a platform key", async () => {
        const platformKey = arn("kms", "key/platform-secrets-vault-unseal-key");
        for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:UntagResource", "kms:Decrypt", "kms:CreateGrant"]) {
            const context = action === "kms:ScheduleKeyDeletion" ? { ...symmetricKey, "kms:ScheduleKeyDeletionPendingWindowInDays": "30" } : symmetricKey;
            assert.ok(!(await allowed(tenantsRole, call(action, platformKey, action === "kms:Decrypt" || action === "kms:CreateGrant" ? { ...resourceTags(PLATFORM_TAGS) } : context))), `${action} on a platform key`);
        }
        // Tagging a platform key (to pass for a tenant's, or to steer the platform deployer's tag conditions): refused.
        assert.ok(!(await allowed(tenantsRole, call("kms:TagResource", platformKey, symmetricKey, { context: { ...inRegion, ...requestTags(PLATFORM_TAGS) } }))), "tagging a platform key");
        const tenantKey = arn("kms", "key/tenant-team-a-delivery-signing-key");
        assert.ok(await allowed(tenantsRole, call("kms:PutKeyPolicy", tenantKey, signingKey)));
        assert.ok(!(await allowed(tenantsRole, call("kms:ScheduleKeyDeletion", tenantKey, { ...signingKey, "kms:ScheduleKeyDeletionPendingWindowInDays": "7" }))), "a deletion window under 30 days");
        // An alias of the tenants' pattern pointed at a platform key: the key side is refused.
        const alias = arn("kms", "alias/acme-prod-evil-signing");
        assert.deepStrictEqual(
            await refusedResources(tenantsRole, { action: "kms:CreateAlias", resources: [{ arn: alias }, { arn: platformKey, context: symmetricKey, resourcePolicy: keyPolicy }], context: inRegion }),
            [platformKey],
        );
        assert.ok(!(await allowed(tenantsRole, call("kms:UpdateAlias", arn("kms", "alias/acme-prod-registry")))), "a platform alias");
        assert.ok(!(await allowed(tenantsRole, { action: "kms:CreateKey", resources: [{ arn: "*" }], context: { ...inRegion, ...requestTags(PLATFORM_TAGS), ...symmetricKey } })), "an encryption key");
        // A repository on the registry's key: ECR describes it and grants itself its use; no other key, nor outside ECR.
        const imagesKey = arn("kms", "key/platform-registry-key");
        const viaEcr = { context: { ...inRegion, "kms:ViaService": `ecr.${REGION}.amazonaws.com`, "kms:GrantIsForAWSResource": "true" } };
        assert.ok(await allowed(tenantsRole, call("kms:CreateGrant", imagesKey, { ...symmetricKey, "kms:ResourceAliases": ["alias/acme-prod-images"] }, viaEcr)));
        assert.ok(!(await allowed(tenantsRole, call("kms:CreateGrant", platformKey, { ...symmetricKey, "kms:ResourceAliases": ["alias/acme-prod-vault-unseal"] }, viaEcr))), "a grant on another key through ECR");
        assert.ok(!(await allowed(tenantsRole, call("kms:CreateGrant", imagesKey, { ...symmetricKey, "kms:ResourceAliases": ["alias/acme-prod-images"] }, { context: { ...inRegion, "kms:GrantIsForAWSResource": "false" } }))), "a grant outside ECR");
        // Decrypting goes through Secrets Manager only (the Keycloak admin password).
        const viaSecretsManager = (secretName: string) => ({ context: { ...inRegion, "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`, "kms:EncryptionContext:SecretARN": arn("secretsmanager", `secret:${secretName}-AbCdEf`) } });
        assert.ok(await allowed(tenantsRole, call("kms:Decrypt", platformKey, resourceTags(PLATFORM_TAGS), viaSecretsManager("acme-prod/admin/keycloak-20261207120000000000000001"))));
        // Secrets Manager names the secret it decrypts for: the Grafana password's and Vault's bootstrap material are refused.
        for (const other of ["acme-prod/admin/grafana-20261207120000000000000001", "acme-prod/vault/bootstrap-20261207120000000000000001"]) {
            assert.ok(!(await allowed(tenantsRole, call("kms:Decrypt", platformKey, resourceTags(PLATFORM_TAGS), viaSecretsManager(other)))), other);
        }
        assert.ok(!(await allowed(tenantsRole, call("kms:Decrypt", platformKey, resourceTags(PLATFORM_TAGS), { context: { ...inRegion, "kms:ViaService": `s3.${REGION}.amazonaws.com` } }))));
    });

    it("creates and empties only tenants' buckets (never in production), and reads only the Keycloak admin password", async () => {
        const create = (bucket: string) => ({ action: "s3:CreateBucket", resources: [{ arn: `arn:aws:s3:::${bucket}` }], context: { ...inRegion, ...requestTags(PLATFORM_TAGS) } });
        assert.ok(await allowed(tenantsRole, create(`acme-prod-t-team-a-${ACCOUNT}-${REGION}`)));
        for (const bucket of [`acme-prod-velero-${ACCOUNT}-${REGION}`, `acme-prod-loki-${ACCOUNT}-${REGION}`, `acme-prod-tempo-${ACCOUNT}-${REGION}`, `acme-dev-t-team-a-111111111111-${REGION}`]) {
            assert.ok(!(await allowed(tenantsRole, create(bucket))), bucket);
            assert.ok(!(await allowed(tenantsRole, call("s3:PutBucketPolicy", `arn:aws:s3:::${bucket}`))), bucket);
        }
        assert.ok(!(await allowed(tenantsRole, call("s3:DeleteObject", `arn:aws:s3:::acme-prod-t-team-a-${ACCOUNT}-${REGION}/data`))), "emptying a production tenant bucket");
        const secret = (name: string) => arn("secretsmanager", `secret:${name}-AbCdEf`);
        assert.ok(await allowed(tenantsRole, call("secretsmanager:GetSecretValue", secret("acme-prod/admin/keycloak-20261207120000000000000001"))));
        for (const name of ["acme-prod/admin/grafana-20261207120000000000000001", "acme-prod/vault/bootstrap-20261207120000000000000001", "ecr-pullthroughcache/acme-prod-ghcr"]) {
            assert.ok(!(await allowed(tenantsRole, call("secretsmanager:GetSecretValue", secret(name)))), name);
        }
        for (const action of ["secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret"]) {
            assert.ok(!(await allowed(tenantsRole, call(action, secret("acme-prod/admin/keycloak-20261207120000000000000001")))), action);
        }
    });

    it("touches no platform repository, network, database or file system", async () => {
        assert.ok(await allowed(tenantsRole, call("ecr:DeleteRepository", arn("ecr", "repository/team-a/apps"))));
        assert.ok(!(await allowed(tenantsRole, call("ecr:DeleteRepository", arn("ecr", "repository/docker-hub/library/nginx")))));
        // A cached image whose name ends in /apps is still the cache's.
        assert.ok(!(await allowed(tenantsRole, call("ecr:DeleteRepository", arn("ecr", "repository/docker-hub/someorg/apps")))), "a cache repository named …/apps");
        assert.ok(!(await allowed(tenantsRole, call("ecr:PutLifecyclePolicy", arn("ecr", "repository/ghcr/someorg/apps")))), "a cache repository's lifecycle");
        assert.ok(!(await allowed(tenantsRole, call("ecr:CreateRepository", arn("ecr", "repository/future-cache/someorg/apps"), requestTags(PLATFORM_TAGS)))), "a nested …/apps");
        assert.ok(!(await allowed(tenantsRole, { action: "ecr:DeletePullThroughCacheRule", resources: [{ arn: "*" }], context: inRegion })));
        assert.ok(!(await allowed(tenantsRole, call("ec2:TerminateInstances", arn("ec2", "instance/i-0123456789abcdef0")))));
        assert.ok(!(await allowed(tenantsRole, call("ec2:DeleteVpc", arn("ec2", "vpc/vpc-0123456789abcdef0")))));
        assert.ok(!(await allowed(tenantsRole, call("rds:DeleteDBInstance", arn("rds", "db:platform-sso-database-instance")))));
        assert.ok(!(await allowed(tenantsRole, call("elasticfilesystem:DeleteFileSystem", arn("elasticfilesystem", "file-system/fs-0123456789abcdef0")))));
    });
});

describe("partitionOfRegion: the partition of every region the schema admits", () => {
    it("names China, GovCloud, the ISO regions and the European Sovereign Cloud, and aws for the rest", () => {
        const table: [string, string][] = [
            ["eu-west-1", "aws"],
            ["ap-southeast-4", "aws"],
            ["cn-north-1", "aws-cn"],
            ["cn-northwest-1", "aws-cn"],
            ["us-gov-west-1", "aws-us-gov"],
            ["us-iso-east-1", "aws-iso"],
            ["us-isob-east-1", "aws-iso-b"],
            ["eu-isoe-west-1", "aws-iso-e"],
            ["us-isof-south-1", "aws-iso-f"],
            ["eusc-de-east-1", "aws-eusc"],
        ];
        assert.deepStrictEqual(table.map(([r]) => partitionOfRegion(r)), table.map(([, p]) => p));
        // The policy's ARNs follow it.
        const gov = tenantDeployerPolicy({ ...scope, region: "us-gov-west-1", partition: partitionOfRegion("us-gov-west-1") });
        assert.ok(JSON.stringify(gov).includes("arn:aws-us-gov:ecr:us-gov-west-1:*:repository/*/apps"));
        assert.ok(!JSON.stringify(gov).includes("arn:aws:"));
    });
});

describe("the tenants' workload boundary (components/tenants/workload-boundary.ts): the most a tenant role can do", () => {
    const boundary = tenantWorkloadBoundary({ partition: "aws", region: REGION, accountId: ACCOUNT, cachePrefixes: ["docker-hub", "ghcr"] });
    // A tenant role whose own policy the tenants' deploy role rewrote into everything.
    const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const tenantRole: Deployer = { accountId: ACCOUNT, roleArn: role("tenant-team-a-delivery-runner-role-1a2b3c4"), policy: { attached: [{ name: "inline", policy: everything }] }, boundary };

    it("lets a runner push to tenants' repositories, pull through the caches and sign with a tenant's signing key", async () => {
        assert.ok(await allowed(tenantRole, { action: "ecr:GetAuthorizationToken", resources: [{ arn: "*" }], context: inRegion }));
        assert.ok(await allowed(tenantRole, call("ecr:PutImage", arn("ecr", "repository/team-a/apps"))));
        assert.ok(await allowed(tenantRole, call("ecr:BatchImportUpstreamImage", arn("ecr", "repository/docker-hub/library/alpine"))));
        assert.ok(await allowed(tenantRole, call("kms:Sign", arn("kms", "key/tenant-team-a-delivery-signing-key"), signingKey)));
    });

    it("caps whatever its own policy says: no platform key, bucket, role, secret or cache write", async () => {
        const refusedCalls: [string, string, Context][] = [
            ["kms:Sign", arn("kms", "key/platform-registry-key"), symmetricKey],
            ["kms:Decrypt", arn("kms", "key/platform-secrets-vault-unseal-key"), symmetricKey],
            ["s3:GetObject", `arn:aws:s3:::acme-prod-velero-${ACCOUNT}-${REGION}/backups/x`, {}],
            ["iam:PutRolePolicy", role("platform-cluster-role-1a2b3c4"), {}],
            ["iam:CreateRole", role("tenant-x-1a2b3c4"), {}],
            ["secretsmanager:GetSecretValue", arn("secretsmanager", "secret:acme-prod/admin/keycloak-x-AbCdEf"), {}],
            ["ecr:PutImage", arn("ecr", "repository/docker-hub/library/alpine"), {}],
            ["ecr:PutImage", arn("ecr", "repository/quay/prometheus/node-exporter"), {}],
            ["ecr:PutImage", arn("ecr", "repository/docker-hub/someorg/apps"), {}],
            ["ecr:InitiateLayerUpload", arn("ecr", "repository/ghcr/someorg/apps"), {}],
            ["ecr:PutImage", arn("ecr", "repository/future-cache/someorg/apps"), {}],
            ["eks:DescribeCluster", arn("eks", "cluster/acme-prod"), {}],
        ];
        for (const [action, resource, context] of refusedCalls) assert.ok(!(await allowed(tenantRole, call(action, resource, context))), `${action} on ${resource}`);
    });
});

describe("policy tenant-identity-boundary: every tenant role has the tenants' workload boundary", () => {
    const tenantRole = (inputs: Record<string, unknown>, name = "tenant-team-a-delivery-runner-role"): PlannedResource => {
        const urn = `urn:pulumi:prod.team-a::platform-tenant::platform:cluster:WorkloadIdentity$aws:iam/role:Role::${name}`;
        return { urn, key: urn, type: "aws:iam/role:Role", name, custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs, secretPaths: [] };
    };

    it("passes the boundary (as planned and as auto-named), refuses none or another", async () => {
        assert.deepStrictEqual(await checkPolicies({ resources: [tenantRole({ permissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/${TENANT_WORKLOAD_BOUNDARY}` })] }, [tenantIdentityBoundaryPolicy]), []);
        assert.deepStrictEqual(await checkPolicies({ resources: [tenantRole({ permissionsBoundary: BOUNDARY })] }, [tenantIdentityBoundaryPolicy]), []);
        const none = await checkPolicies({ resources: [tenantRole({})] }, [tenantIdentityBoundaryPolicy]);
        assert.deepStrictEqual(none.map((v) => v.message), [`tenant-team-a-delivery-runner-role: its permissions boundary is null, not the tenants' workload boundary (${TENANT_WORKLOAD_BOUNDARY})`]);
        const other = await checkPolicies({ resources: [tenantRole({ permissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess" })] }, [tenantIdentityBoundaryPolicy]);
        assert.strictEqual(other.length, 1);
        // A platform role is not a tenant's.
        assert.deepStrictEqual(await checkPolicies({ resources: [tenantRole({}, "platform-backup-identity-role")] }, [tenantIdentityBoundaryPolicy]), []);
    });
});
