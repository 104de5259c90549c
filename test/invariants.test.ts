import * as assert from "assert";
import { Plan, PlannedResource, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { checkPolicies, Violation } from "../plan/policy-runner";
import { iamLeastPrivilegePolicy, statementProblems, UNSCOPED_ACTIONS } from "../policy/rules/iam";
import { podIdentityTrustPolicy } from "../policy/rules/workload-identity";
import { keyPolicyPrincipalsPolicy } from "../policy/rules/key-policies";
import {
    deleteBeforeReplacePolicy,
    helmReleasePolicy,
    kmsKeyRotationPolicy,
    kubernetesProviderPolicy,
    nodeBaselinePolicy,
    prerequisiteOrderPolicy,
    productionDataPolicy,
    resourceTreePolicy,
    s3BucketBaselinePolicy,
} from "../policy/rules/invariants";
import { committedPlan, deployedSet } from "./plans";

type Opts = { parent?: string; deps?: string[]; provider?: string; protect?: boolean; retain?: boolean; deleteFirst?: boolean };
function res(type: string, name: string, inputs: Record<string, unknown> = {}, o: Opts = {}): PlannedResource {
    const urn = `urn:pulumi:t::p::${type}::${name}`;
    return {
        urn, key: urn, type, name, custom: true, parent: o.parent, provider: o.provider, protect: o.protect ?? false, retainOnDelete: o.retain ?? false,
        deleteBeforeReplace: o.deleteFirst ?? false, dependsOn: o.deps ?? [], dependencies: o.deps ?? [], ignoreChanges: [], aliases: [], inputs, secretPaths: [],
    };
}
const run = async (policy: Parameters<typeof checkPolicies>[1], ...resources: PlannedResource[]) => (await checkPolicies({ resources }, policy)).map((v: Violation) => v.message);
const json = (v: unknown) => JSON.stringify(v);

describe("invariants hold on every committed stack, over non-empty sets @stack", function () {
    this.timeout(60000);
    // Every stack file, not only the committed examples: a new environment is held to the same rules.
    for (const stack of listStacks(PROJECT_DIR)) {
        it(`${stack}: each invariant has members to check`, async () => {
            const config = readStackConfig(PROJECT_DIR, stack).config;
            const section = (key: string) => JSON.parse(config[`platform:${key}`] ?? "{}");
            const plan: Plan = await committedPlan(stack);
            const count = (type: string) => plan.resources.filter((r) => r.type === type).length;
            assert.ok(count("aws:kms/key:Key") >= 3);
            assert.ok(count("aws:s3/bucket:Bucket") >= 1);
            assert.ok(count("aws:iam/rolePolicy:RolePolicy") >= 5);
            // node-baseline: one launch template per group the stack file configures (at least the System group: with
            // platformPods SystemNodes there may be no other), and one managed node group per group and zone.
            const groups: unknown[] = section("cluster").nodeGroups ?? [];
            assert.ok(groups.length >= 1, "no node group");
            assert.strictEqual(count("aws:ec2/launchTemplate:LaunchTemplate"), groups.length);
            assert.strictEqual(count("aws:eks/nodeGroup:NodeGroup"), groups.length * section("network").azCount);
            assert.strictEqual(count("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"), section("cluster").karpenter?.enabled === false ? 0 : 1);
            // node-baseline on EC2 instances: one NAT instance per NAT zone with natKind Instance, none with Gateway.
            const net = section("network");
            const natZones = net.natGateways === "None" ? 0 : net.natGateways === "Single" ? 1 : net.azCount;
            assert.strictEqual(count("aws:ec2/instance:Instance"), net.natKind === "Instance" ? natZones : 0);
            assert.ok(count("kubernetes:helm.sh/v3:Release") >= 8);
            assert.ok(plan.resources.filter((r) => r.type.startsWith("kubernetes:")).length >= 20);
            assert.strictEqual(count("aws:ec2/flowLog:FlowLog"), section("network").flowLogs?.enabled ? 1 : 0);
            const podIdentityRoles = plan.resources.filter((r) => r.type === "aws:iam/role:Role" && String(r.inputs.assumeRolePolicy).includes("pods.eks.amazonaws.com"));
            assert.ok(podIdentityRoles.length >= (section("storage").efs?.enabled ? 7 : 6), `${podIdentityRoles.length} Pod Identity roles`);
            // CrossGuard runs per stack: the platform stack, and each tenant stack.
            for (const one of (await deployedSet(stack)).stacks) assert.deepStrictEqual(await checkPolicies(one), [], one.stack);
        });
    }
});

describe("policy: resources under their layer", () => {
    const stack = "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t";
    const platform = res("platform:platform:Platform", "platform", {}, { parent: stack });
    it("refuses a resource at the stack's root, or with no parent, and a Platform below another component", async () => {
        assert.deepStrictEqual(await run([resourceTreePolicy], platform, res("aws:s3/bucket:Bucket", "b", {}, { parent: stack }), res("aws:kms/key:Key", "k")), [
            "aws:s3/bucket:Bucket b is registered at the stack's root, outside every layer (no parent)",
            "aws:kms/key:Key k is registered at the stack's root, outside every layer (no parent)",
        ]);
        assert.deepStrictEqual(await run([resourceTreePolicy], res("platform:platform:Platform", "inner", {}, { parent: platform.urn })), [
            "inner: the Platform belongs at the stack's root",
        ]);
    });
    it("leaves the stack resource itself alone", async () => {
        assert.deepStrictEqual(await run([resourceTreePolicy], res("pulumi:pulumi:Stack", "p-t")), []);
    });
    it("accepts the Platform at the root, resources below it and Pulumi's default providers", async () => {
        assert.deepStrictEqual(
            await run([resourceTreePolicy], platform, res("aws:s3/bucket:Bucket", "b", {}, { parent: platform.urn }), res("pulumi:providers:aws", "default_7_0_0", {}, { parent: stack })),
            [],
        );
        assert.deepStrictEqual(await run([resourceTreePolicy], res("pulumi:providers:aws", "regional", {}, { parent: stack })), [
            "pulumi:providers:aws regional is registered at the stack's root, outside every layer (no parent)",
        ]);
        // Only a provider may be a default one: a bucket named "default..." at the root is refused.
        assert.deepStrictEqual(await run([resourceTreePolicy], res("aws:s3/bucket:Bucket", "default-logs", {}, { parent: stack })), [
            "aws:s3/bucket:Bucket default-logs is registered at the stack's root, outside every layer (no parent)",
        ]);
    });
});

describe("policy: KMS key rotation", () => {
    it("refuses a symmetric key without rotation, accepts one with it and an asymmetric one without", async () => {
        assert.match((await run([kmsKeyRotationPolicy], res("aws:kms/key:Key", "k", { enableKeyRotation: false })))[0], /k: key rotation is off/);
        assert.deepStrictEqual(await run([kmsKeyRotationPolicy], res("aws:kms/key:Key", "k", { enableKeyRotation: true }), res("aws:kms/key:Key", "s", { customerMasterKeySpec: "RSA_2048" })), []);
    });
});

describe("policy: production data protected", () => {
    const provider = (tier: string) => res("pulumi:providers:aws", "aws", { defaultTags: json({ tags: { tier } }) });
    it("refuses unprotected or not-retained data in production, for every data type", async () => {
        const v = await run([productionDataPolicy], provider("production"), res("aws:kms/key:Key", "k", {}, { retain: true }), res("aws:cloudwatch/logGroup:LogGroup", "g", {}, { protect: true }));
        assert.deepStrictEqual(v, ["aws:kms/key:Key k is not protected in production", "aws:cloudwatch/logGroup:LogGroup g is not retained on delete in production"]);
    });
    it("holds every type that keeps data to it", async () => {
        const types = [
            "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:cloudwatch/logGroup:LogGroup", "aws:efs/fileSystem:FileSystem", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster",
            "aws:ebs/volume:Volume", "aws:dynamodb/table:Table", "aws:secretsmanager/secret:Secret", "aws:route53/zone:Zone", "aws:ecr/repository:Repository",
        ];
        const v = await run([productionDataPolicy], provider("production"), ...types.map((t, i) => res(t, `d${i}`, {}, { retain: true })), res("aws:iam/role:Role", "role", {}, { retain: true }));
        assert.deepStrictEqual(v, types.map((t, i) => `${t} d${i} is not protected in production`));
    });
    it("accepts protected and retained data in production, and anything outside production", async () => {
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), res("aws:s3/bucket:Bucket", "b", {}, { protect: true, retain: true })), []);
        assert.deepStrictEqual(await run([productionDataPolicy], provider("development"), res("aws:s3/bucket:Bucket", "b")), []);
    });
    it("lets production delete a secret only when the stack writes it again from config: recovery window 0, written by its own versions alone", async () => {
        const secret = (window?: number) => res("aws:secretsmanager/secret:Secret", "s", window === undefined ? {} : { recoveryWindowInDays: window }, { protect: true });
        const version = (name: string, deps: string[]) => res("aws:secretsmanager/secretVersion:SecretVersion", name, {}, { deps });
        const password = res("random:index/randomPassword:RandomPassword", "p");
        const notRetained = ["aws:secretsmanager/secret:Secret s is not retained on delete in production"];
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), secret(0), version("v", [secret(0).urn])), []);
        // A recovery window, no version of the stack, or a version carrying another resource's value (a generated password).
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), secret(7), version("v", [secret(7).urn])), notRetained);
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), secret(), version("v", [secret().urn])), notRetained);
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), secret(0)), notRetained);
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), secret(0), version("v", [secret(0).urn]), password, version("w", [secret(0).urn, password.urn])), notRetained);
        // Only a secret: another type with the same inputs is held to retention.
        assert.deepStrictEqual(await run([productionDataPolicy], provider("production"), res("aws:ecr/repository:Repository", "s", { recoveryWindowInDays: 0 }, { protect: true }), version("v", ["urn:pulumi:t::p::aws:ecr/repository:Repository::s"])), [
            "aws:ecr/repository:Repository s is not retained on delete in production",
        ]);
    });
    it("lets production delete an RDS instance whose delete takes a final snapshot (the data outlives the stack), and no other", async () => {
        const db = (name: string, inputs: Record<string, unknown>, type = "aws:rds/instance:Instance") => res(type, name, inputs, { protect: true });
        assert.deepStrictEqual(
            await run(
                [productionDataPolicy],
                provider("production"),
                db("snapshot", { skipFinalSnapshot: false, finalSnapshotIdentifier: "x-keycloak-final-0a1b2c3d" }),
                db("skipped", { skipFinalSnapshot: true, finalSnapshotIdentifier: "x-keycloak-final-0a1b2c3d" }),
                db("unnamed", { skipFinalSnapshot: false }),
                db("cluster", { skipFinalSnapshot: false, finalSnapshotIdentifier: "x-final" }, "aws:rds/cluster:Cluster"),
            ),
            [
                "aws:rds/instance:Instance skipped is not retained on delete in production",
                "aws:rds/instance:Instance unnamed is not retained on delete in production",
                "aws:rds/cluster:Cluster cluster is not retained on delete in production",
            ],
        );
    });
    it("reads the tier from the AWS provider only, not from another resource's defaultTags", async () => {
        const lookalike = res("pulumi:providers:kubernetes", "k8s", { defaultTags: json({ tags: { tier: "production" } }) });
        assert.deepStrictEqual(await run([productionDataPolicy], lookalike, provider("development"), res("aws:s3/bucket:Bucket", "b")), []);
    });
});

describe("policy: S3 bucket baseline", () => {
    const bucket = res("aws:s3/bucket:Bucket", "b", { bucket: "b" });
    const block = (flags = true) => res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "b", blockPublicAcls: flags, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, { deps: [bucket.urn] });
    const sse = (rule: object) => res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", { rules: [{ applyServerSideEncryptionByDefault: rule }] }, { deps: [bucket.urn] });
    const tls = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } };
    const policy = (statements: object[], deps: string[]) => res("aws:s3/bucketPolicy:BucketPolicy", "pol", { policy: json({ Statement: statements }) }, { deps: [bucket.urn, ...deps] });
    const kms = { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/k" };
    it("accepts a bucket with the whole baseline", async () => {
        const b = block();
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse(kms), policy([tls], [b.urn])), []);
    });
    it("refuses each missing part", async () => {
        const b = block(false);
        const v = await run([s3BucketBaselinePolicy], bucket, b, sse({ sseAlgorithm: "AES256" }), policy([], []));
        assert.deepStrictEqual(v, [
            "b: public access is not fully blocked",
            "b: not encrypted with a platform KMS key",
            "b: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects",
            "b: its policy does not wait for the public-access block (PutBucketPolicy may be refused)",
        ]);
    });
    it("refuses a TLS statement that leaves a gap: some principals, some actions, the bucket or its objects, or an Allow", async () => {
        const gaps: [string, object][] = [
            ["one principal", { ...tls, Principal: { AWS: "arn:aws:iam::1:root" } }],
            ["reads only", { ...tls, Action: "s3:GetObject" }],
            ["the bucket, not its objects", { ...tls, Resource: "arn:aws:s3:::b" }],
            ["the objects, not the bucket", { ...tls, Resource: "arn:aws:s3:::b/*" }],
            ["another bucket", { ...tls, Resource: ["arn:aws:s3:::c", "arn:aws:s3:::c/*"] }],
            ["an Allow", { ...tls, Effect: "Allow" }],
            ["TLS required, not refused", { ...tls, Condition: { Bool: { "aws:SecureTransport": "true" } } }],
        ];
        for (const [gap, statement] of gaps) {
            const b = block();
            assert.deepStrictEqual(
                await run([s3BucketBaselinePolicy], bucket, b, sse(kms), policy([statement], [b.urn])),
                ["b: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects"],
                gap,
            );
        }
        const b = block();
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse(kms), policy([{ ...tls, Principal: { AWS: "*" }, Action: ["s3:*"] }], [b.urn])), []);
        // No principal, or a null one, is nobody.
        const { Principal: _everyone, ...noPrincipal } = tls;
        for (const statement of [noPrincipal, { ...tls, Principal: null }] as object[]) {
            assert.deepStrictEqual(
                await run([s3BucketBaselinePolicy], bucket, b, sse(kms), policy([statement], [b.urn])),
                ["b: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects"],
                JSON.stringify(statement),
            );
        }
    });
    it("accepts a TLS statement on every resource, and any resource while the bucket's name is unknown", async () => {
        const b = block();
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse(kms), policy([{ ...tls, Resource: "*" }], [b.urn])), []);
        // The same bucket "b" (same URN, so the same settings) before its name is known.
        const unnamed = res("aws:s3/bucket:Bucket", "b", {});
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], unnamed, b, sse(kms), policy([{ ...tls, Resource: ["arn:aws:s3:::x", "arn:aws:s3:::x/*"] }], [b.urn])), []);
    });
    it("lets only a bucket that receives access logs use SSE-S3", async () => {
        const b = block();
        const logging = res("aws:s3/bucketLogging:BucketLogging", "log", { bucket: "data", targetBucket: "b" }, { deps: [bucket.urn] });
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse({ sseAlgorithm: "AES256" }), policy([tls], [b.urn]), logging), []);
        // Logging its own requests does not make a bucket a log bucket.
        const itself = res("aws:s3/bucketLogging:BucketLogging", "log", { bucket: "b", targetBucket: "b" }, { deps: [bucket.urn] });
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse({ sseAlgorithm: "AES256" }), policy([tls], [b.urn]), itself), ["b: not encrypted with a platform KMS key"]);
        // Logging between two other buckets that waits for b does not make b a log bucket either.
        const between = res("aws:s3/bucketLogging:BucketLogging", "log", { bucket: "data", targetBucket: "logs" }, { deps: [bucket.urn] });
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, sse({ sseAlgorithm: "AES256" }), policy([tls], [b.urn]), between), ["b: not encrypted with a platform KMS key"]);
        // A log bucket still needs SSE-S3 at least.
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, policy([tls], [b.urn]), logging), ["b: not encrypted with a platform KMS key"]);
    });
    it("refuses KMS encryption without a key (the AWS-managed key), and a bucket with no encryption settings", async () => {
        const cases: [string, PlannedResource[]][] = [
            ["no key id", [sse({ sseAlgorithm: "aws:kms" })]],
            ["an empty key id", [sse({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "" })]],
            ["a key id on SSE-S3", [sse({ sseAlgorithm: "AES256", kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/k" })]],
            ["no encryption settings", []],
        ];
        for (const [what, encryption] of cases) {
            const b = block();
            assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, b, ...encryption, policy([tls], [b.urn])), ["b: not encrypted with a platform KMS key"], what);
        }
    });
    it("refuses a bucket without a public-access block or a policy, and settings that belong to another bucket", async () => {
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, sse(kms)), [
            "b: public access is not fully blocked",
            "b: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects",
        ]);
        // A policy with no block to wait for: only the missing block is reported.
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, sse(kms), policy([tls], [])), ["b: public access is not fully blocked"]);
        const other = res("aws:s3/bucket:Bucket", "c", { bucket: "c" });
        const b = block();
        // Each setting depends on bucket b only: bucket c has none of them.
        assert.deepStrictEqual(await run([s3BucketBaselinePolicy], bucket, other, b, sse(kms), policy([tls], [b.urn])), [
            "c: public access is not fully blocked",
            "c: not encrypted with a platform KMS key",
            "c: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects",
        ]);
    });
});

describe("policy: IAM least privilege", () => {
    const doc = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
    const allow = (Action: unknown, Resource: unknown, Condition?: object) => ({ Sid: "S", Effect: "Allow", Action, Resource, Condition });
    const table: [string, object, RegExp | null][] = [
        ["an empty statement list", doc(), /no statement/],
        ["a wildcard action", doc(allow("*", "arn:aws:s3:::b")), /wildcard action \*/],
        ["a service wildcard", doc(allow("s3:*", "arn:aws:s3:::b")), /wildcard action s3:\*/],
        ["a partial wildcard on *", doc(allow("s3:Get*", "*")), /partial wildcard s3:Get\*/],
        ["a partial wildcard on arn:aws:s3:::*", doc(allow("s3:Get*", "arn:aws:s3:::*")), /partial wildcard/],
        ["a write on * without scoping", doc(allow("ec2:TerminateInstances", "*")), /ec2:TerminateInstances on an unscoped resource/],
        ["PassRole without PassedToService", doc(allow("iam:PassRole", "arn:aws:iam::1:role/r")), /iam:PassedToService/],
        ["CreateGrant without GrantIsForAWSResource", doc(allow("kms:CreateGrant", "arn:aws:kms:eu-west-1:1:key/k")), /kms:GrantIsForAWSResource/],
        ["a read-only call on *", doc(allow("ec2:DescribeInstances", "*")), null],
        ["a tag-scoped write on *", doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "aws:ResourceTag/owner": "me" } })), null],
        ["PassRole with PassedToService", doc(allow("iam:PassRole", "arn:aws:iam::1:role/r", { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } })), null],
        ["a Price List read on * (Karpenter's pricing; the API has no resource-level permissions)", doc(allow("pricing:GetProducts", "*")), null],
        ["a Deny with wildcards", doc({ Effect: "Deny", Action: "*", Resource: "*" }, allow("s3:GetObject", "arn:aws:s3:::b/*")), null],
        ["an Allow without actions", doc(allow([], "arn:aws:s3:::b")), /^S: no action$/],
        ["CreateServiceLinkedRole without AWSServiceName", doc(allow("iam:CreateServiceLinkedRole", "arn:aws:iam::1:role/aws-service-role/*")), /iam:CreateServiceLinkedRole without iam:AWSServiceName/],
        ["CreateServiceLinkedRole with AWSServiceName", doc(allow("iam:CreateServiceLinkedRole", "*", { StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } })), null],
        ["a write on an account-wide ARN", doc(allow("ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:1:*")), /^S: ec2:TerminateInstances on an unscoped resource without a scoping condition$/],
        ["a write on a named resource", doc(allow("ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:1:instance/*")), null],
        ["a write on * scoped by a non-scoping key", doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "aws:SourceAccount": "1" } })), /ec2:TerminateInstances on an unscoped resource/],
        ["a write on * scoped by a look-alike region key", doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "aws:RequestedRegionX": "eu-west-1" } })), /ec2:TerminateInstances on an unscoped resource/],
        ["a write on * scoped by region", doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "aws:RequestedRegion": "eu-west-1" } })), null],
        ["a write on * scoped by EC2 resource tag", doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "ec2:ResourceTag/owner": "me" } })), null],
        ["a write on * scoped by request tags", doc(allow("ec2:CreateFleet", "*", { StringEquals: { "aws:RequestTag/owner": "me" } })), null],
        ["a write on * scoped by tag keys", doc(allow("ec2:CreateTags", "*", { "ForAllValues:StringEquals": { "aws:TagKeys": ["owner"] } })), null],
        ["a call named like a read without a name", doc(allow("ec2:Describe", "*")), /ec2:Describe on an unscoped resource/],
        ["a vetted action of the load balancer controller", doc(allow("elasticloadbalancing:SetWebAcl", "*")), null],
        ["a statement without Sid, named by its actions", doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" }), /^"s3:\*": wildcard action s3:\*$/],
    ];
    it("reports each problem of every role policy and managed policy, and skips other types and unknown documents", async () => {
        const bad = json(doc(allow("s3:*", "arn:aws:s3:::b")));
        assert.deepStrictEqual(
            await run(
                [iamLeastPrivilegePolicy],
                res("aws:iam/rolePolicy:RolePolicy", "inline", { policy: bad }),
                res("aws:iam/policy:Policy", "managed", { policy: bad }),
                res("aws:s3/bucketPolicy:BucketPolicy", "bucket", { policy: bad }),
                res("aws:iam/rolePolicy:RolePolicy", "unknown", {}),
            ),
            ["inline: S: wildcard action s3:*", "managed: S: wildcard action s3:*"],
        );
    });
    it("lets a role only one service assumes go without a condition that service's documented policy lacks (ECR's template role)", async () => {
        const grant = json(doc(allow("kms:CreateGrant", "arn:aws:kms:eu-west-1:1:key/k")));
        const trust = (principal: unknown) => json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
        const role = (name: string, principal: unknown) => res("aws:iam/role:Role", name, { assumeRolePolicy: trust(principal) });
        const policy = (name: string, on: PlannedResource) => res("aws:iam/rolePolicy:RolePolicy", name, { policy: grant }, { deps: [on.urn] });
        const [ecr, ec2, both, user] = [role("ecr", { Service: "ecr.amazonaws.com" }), role("ec2", { Service: "ec2.amazonaws.com" }), role("both", { Service: ["ecr.amazonaws.com", "ec2.amazonaws.com"] }), role("user", { AWS: "arn:aws:iam::1:root", Service: "ecr.amazonaws.com" })];
        const missing = (n: string) => `${n}: S: kms:CreateGrant without kms:GrantIsForAWSResource (grants only for AWS resources (EBS, EFS), never to principals)`;
        assert.deepStrictEqual(
            await run([iamLeastPrivilegePolicy], ecr, ec2, both, user, policy("on-ecr", ecr), policy("on-ec2", ec2), policy("on-both", both), policy("on-user", user)),
            [missing("on-ec2"), missing("on-both"), missing("on-user")],
        );
        assert.deepStrictEqual(statementProblems(doc(allow("kms:CreateGrant", "k")), "ecr.amazonaws.com"), []);
        assert.deepStrictEqual(statementProblems(doc(allow("iam:PassRole", "r")), "ecr.amazonaws.com"), ["S: iam:PassRole without iam:PassedToService (a role may be passed only to the service that needs it)"]);
    });
    it("anchors its patterns: a read-like name inside another action, a scoping key as a suffix, a wildcard ARN inside text", () => {
        assert.match(statementProblems(doc(allow("ec2:TerminateInstances", "*", { StringEquals: { "x-aws:RequestedRegion": "eu-west-1" } }))).join(), /unscoped resource without a scoping condition/);
        assert.match(statementProblems(doc(allow("custom-ec2:DescribeX.Delete", "*"))).join(), /on an unscoped resource without a scoping condition/);
        assert.match(statementProblems(doc(allow("X:ec2:DescribeInstances", "*"))).join(), /on an unscoped resource without a scoping condition/);
        assert.deepStrictEqual(statementProblems(doc(allow("s3:Get*", "arn:aws:s3:::*-logs"))), []);
        assert.deepStrictEqual(statementProblems(doc(allow("s3:Get*", "prefix/arn:aws:s3:::*"))), []);
        for (const key of ["iam:AWSServiceNameX", "aws:TagKeysX"]) {
            assert.match(statementProblems(doc(allow("ec2:CreateTags", "*", { StringLike: { [key]: "x" } }))).join(), /unscoped resource without a scoping condition/, key);
        }
        // One unscoped resource among scoped ones makes the statement unscoped.
        assert.match(statementProblems(doc(allow("ec2:TerminateInstances", ["arn:aws:ec2:eu-west-1:1:instance/i-1", "*"]))).join(), /unscoped resource/);
    });
    it("names each required condition's key and why it is required", () => {
        assert.deepStrictEqual(statementProblems(doc(allow(["iam:PassRole", "kms:CreateGrant", "iam:CreateServiceLinkedRole"], "arn:aws:iam::1:role/r"))), [
            "S: iam:PassRole without iam:PassedToService (a role may be passed only to the service that needs it)",
            "S: kms:CreateGrant without kms:GrantIsForAWSResource (grants only for AWS resources (EBS, EFS), never to principals)",
            "S: iam:CreateServiceLinkedRole without iam:AWSServiceName (only the named service's role)",
        ]);
    });
    it("gives every vetted unscoped action its source", () => {
        const actions = Object.entries(UNSCOPED_ACTIONS);
        assert.ok(actions.length > 0);
        assert.deepStrictEqual(actions.filter(([, why]) => !/^AWS Load Balancer Controller v\d+\.\d+\.\d+ upstream iam_policy\.json/.test(why)).map(([a]) => a), []);
    });
    for (const [what, d, want] of table) {
        it(want ? `refuses ${what}` : `accepts ${what}`, () => {
            const problems = statementProblems(d);
            if (want) assert.match(problems.join("\n"), want);
            else assert.deepStrictEqual(problems, []);
        });
    }
});

describe("policy: node baseline", () => {
    const metadata = { httpTokens: "required", httpPutResponseHopLimit: 1 };
    const disk = { ebs: { encrypted: "true", kmsKeyId: "k" } };
    it("refuses IMDSv1, a second hop, an unencrypted disk and a node group without a launch template", async () => {
        const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [{ ebs: { encrypted: "false" } }] });
        const group = res("aws:eks/nodeGroup:NodeGroup", "ng");
        assert.deepStrictEqual(await run([nodeBaselinePolicy], lt, group), [
            "lt: IMDSv2 not required",
            "lt: hop limit 2 (expected 1)",
            "lt: a volume without KMS encryption",
            "ng: no launch template (IMDS, disk encryption and SSH are then EKS defaults)",
        ]);
    });
    it("refuses a launch template with an SSH key, no disk, a disk without a KMS key, or no metadata options", async () => {
        const lt = (name: string, inputs: Record<string, unknown>) => res("aws:ec2/launchTemplate:LaunchTemplate", name, { metadataOptions: metadata, blockDeviceMappings: [disk], ...inputs });
        assert.deepStrictEqual(
            await run(
                [nodeBaselinePolicy],
                lt("ssh", { keyName: "admin" }),
                lt("diskless", { blockDeviceMappings: [] }),
                lt("default-key", { blockDeviceMappings: [{ ebs: { encrypted: "true" } }] }),
                lt("one-plain", { blockDeviceMappings: [disk, { ebs: { encrypted: "false", kmsKeyId: "k" } }] }),
                lt("no-metadata", { metadataOptions: undefined }),
            ),
            [
                "ssh: an SSH key",
                "diskless: a volume without KMS encryption",
                "default-key: a volume without KMS encryption",
                "one-plain: a volume without KMS encryption",
                "no-metadata: IMDSv2 not required",
                "no-metadata: hop limit undefined (expected 1)",
            ],
        );
    });
    it("refuses a node group that names a launch template the stack does not create, or creates one it does not name", async () => {
        const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { metadataOptions: metadata, blockDeviceMappings: [disk] });
        assert.deepStrictEqual(
            await run([nodeBaselinePolicy], lt, res("aws:eks/nodeGroup:NodeGroup", "foreign", { launchTemplate: { id: "lt-0123" } }), res("aws:eks/nodeGroup:NodeGroup", "unnamed", {}, { deps: [lt.urn] })),
            ["foreign: no launch template (IMDS, disk encryption and SSH are then EKS defaults)", "unnamed: no launch template (IMDS, disk encryption and SSH are then EKS defaults)"],
        );
    });
    it("refuses a Karpenter node class with IMDSv1, no disk, or a disk without encryption or a KMS key", async () => {
        const nc = (name: string, spec: Record<string, unknown>) =>
            res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", name, { spec: { metadataOptions: metadata, blockDeviceMappings: [{ ebs: { encrypted: true, kmsKeyID: "k" } }], ...spec } });
        assert.deepStrictEqual(
            await run(
                [nodeBaselinePolicy],
                nc("imdsv1", { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
                nc("diskless", { blockDeviceMappings: [] }),
                nc("plain", { blockDeviceMappings: [{ ebs: { encrypted: false, kmsKeyID: "k" } }] }),
                nc("default-key", { blockDeviceMappings: [{ ebs: { encrypted: true } }] }),
                nc("no-spec-metadata", { metadataOptions: undefined }),
                nc("one-plain-disk", { blockDeviceMappings: [{ ebs: { encrypted: true, kmsKeyID: "k" } }, { ebs: { encrypted: false } }] }),
                res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "no-spec", {}),
                nc("sound", {}),
            ),
            [
                "imdsv1: IMDSv2 not required",
                "diskless: a volume without KMS encryption",
                "plain: a volume without KMS encryption",
                "default-key: a volume without KMS encryption",
                "no-spec-metadata: IMDSv2 not required",
                "no-spec-metadata: hop limit undefined (expected 1)",
                "one-plain-disk: a volume without KMS encryption",
                "no-spec: IMDSv2 not required",
                "no-spec: hop limit undefined (expected 1)",
                "no-spec: a volume without KMS encryption",
            ],
        );
    });
    it("refuses an EC2 instance (a NAT instance) with IMDSv1, a second hop, a root or extra volume without a KMS key, or an SSH key", async () => {
        const root = { encrypted: true, kmsKeyId: "k" };
        const vm = (name: string, inputs: Record<string, unknown>) => res("aws:ec2/instance:Instance", name, { metadataOptions: metadata, rootBlockDevice: root, ...inputs });
        assert.deepStrictEqual(
            await run(
                [nodeBaselinePolicy],
                vm("imdsv1", { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
                vm("two-hops", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }),
                vm("default-root", { rootBlockDevice: undefined }),
                vm("aws-key-root", { rootBlockDevice: { encrypted: true } }),
                vm("plain-root", { rootBlockDevice: { encrypted: false, kmsKeyId: "k" } }),
                vm("plain-extra", { ebsBlockDevices: [root, { encrypted: false }] }),
                vm("ssh", { keyName: "admin" }),
                vm("sound", { ebsBlockDevices: [root] }),
            ),
            [
                "imdsv1: IMDSv2 not required",
                "two-hops: hop limit 2 (expected 1)",
                "default-root: a volume without KMS encryption",
                "aws-key-root: a volume without KMS encryption",
                "plain-root: a volume without KMS encryption",
                "plain-extra: a volume without KMS encryption",
                "ssh: an SSH key",
            ],
        );
    });
    it("accepts a node group on a sound launch template, and checks Karpenter's node class the same way", async () => {
        const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { metadataOptions: metadata, blockDeviceMappings: [disk] });
        assert.deepStrictEqual(await run([nodeBaselinePolicy], lt, res("aws:eks/nodeGroup:NodeGroup", "ng", { launchTemplate: { id: "lt-id" } }, { deps: [lt.urn] })), []);
        const nc = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc", { spec: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [{ ebs: { encrypted: true, kmsKeyID: "k" } }] } });
        assert.deepStrictEqual(await run([nodeBaselinePolicy], nc), ["nc: hop limit 2 (expected 1)"]);
    });
});

describe("policy: Helm releases", () => {
    const release = (chart: string, version: unknown, values: object = {}) => res("kubernetes:helm.sh/v3:Release", chart, { chart, version, values });
    it("refuses unpinned versions and accepts exact ones and the local chart", async () => {
        const v = await run([helmReleasePolicy], release("external-dns", "1.x"), release("karpenter", "latest"), release("x", undefined));
        assert.strictEqual(v.length, 3);
        assert.deepStrictEqual(await run([helmReleasePolicy], release("external-dns", "1.21.1"), release("gateway-helm", "v1.9.0"), release("charts/pre-delete-cleanup", undefined)), []);
    });
    it("refuses Velero's CRD clean-up and cert-manager charts that drop their CRDs (unset counts as unsafe)", async () => {
        assert.match((await run([helmReleasePolicy], release("velero", "12.1.0", { cleanUpCRDs: true })))[0], /cleanUpCRDs must be false/);
        assert.match((await run([helmReleasePolicy], release("cert-manager", "v1.21.1", { crds: { enabled: true } })))[0], /crds.keep must be true/);
        assert.deepStrictEqual(await run([helmReleasePolicy], release("velero", "12.1.0", { cleanUpCRDs: false })), []);
    });
    it("holds every CRD-keeping chart to its safe value, by the chart's last path segment, for v3 releases and v4 charts", async () => {
        const chart = (chart: string, values: object) => res("kubernetes:helm.sh/v4:Chart", chart, { chart, version: "1.0.0", values });
        assert.deepStrictEqual(
            await run(
                [helmReleasePolicy],
                release("oci://registry/charts/velero", "12.1.0", { cleanUpCRDs: true }),
                chart("cert-manager-approver-policy", { crds: { keep: false } }),
                chart("external-secrets", { crds: { annotations: {} } }),
                chart("external-secrets-keeping", { crds: { annotations: { "helm.sh/resource-policy": "keep" } } }),
            ),
            [
                "oci://registry/charts/velero: cleanUpCRDs must be false (uninstall would delete CRDs and the objects in them)",
                "cert-manager-approver-policy: crds.keep must be true (uninstall would delete CRDs and the objects in them)",
                'external-secrets: crds.annotations.helm.sh/resource-policy must be "keep" (uninstall would delete CRDs and the objects in them)',
            ],
        );
        assert.deepStrictEqual(await run([helmReleasePolicy], res("kubernetes:helm.sh/v3:Release", "es", { chart: "external-secrets", version: "1.0.0", values: { crds: { annotations: { "helm.sh/resource-policy": "keep" } } } })), []);
    });
    it("accepts only exact versions: a pre-release yes, a two-part or four-part version no", async () => {
        assert.deepStrictEqual(await run([helmReleasePolicy], release("a", "1.2.3-rc.1"), release("b", "v0.10.0"), release("c", "10.20.30")), []);
        // A safe value under a path that is not an object is not there.
        assert.deepStrictEqual(await run([helmReleasePolicy], release("cert-manager", "1.0.0", { crds: "keep" })), ["cert-manager: crds.keep must be true (uninstall would delete CRDs and the objects in them)"]);
        assert.deepStrictEqual(await run([helmReleasePolicy], release("cert-manager", "1.0.0", { crds: null })), ["cert-manager: crds.keep must be true (uninstall would delete CRDs and the objects in them)"]);
        // A release without a chart or version names neither.
        assert.deepStrictEqual(await run([helmReleasePolicy], res("kubernetes:helm.sh/v3:Release", "bare", {})), ["bare: chart  not pinned to an exact version (undefined)"]);
        assert.deepStrictEqual(await run([helmReleasePolicy], release("c", "1.2"), release("d", "1.2.3.4"), release("e", "~1.2.3")), [
            'c: chart c not pinned to an exact version ("1.2")',
            'd: chart d not pinned to an exact version ("1.2.3.4")',
            'e: chart e not pinned to an exact version ("~1.2.3")',
        ]);
    });
});

describe("policy: Kubernetes objects through the cluster provider", () => {
    const grant = res("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "grant");
    const provider = (deps: string[]) => res("pulumi:providers:kubernetes", "platform-cluster-k8s", {}, { deps });
    it("refuses an object on the default provider, and a provider that does not wait for the access grants", async () => {
        assert.match((await run([kubernetesProviderPolicy], res("kubernetes:core/v1:Namespace", "ns")))[0], /does not go through the cluster's explicit provider/);
        const p = provider([]);
        assert.match((await run([kubernetesProviderPolicy], p, res("kubernetes:core/v1:Namespace", "ns", {}, { provider: p.urn })))[0], /does not wait for the cluster's access grants/);
    });
    it("refuses an explicit provider named like a default one, a provider of another package, and one waiting for something else", async () => {
        const defaultNamed = res("pulumi:providers:kubernetes", "default_4_18_0", {}, { deps: [grant.urn] });
        const aws = res("pulumi:providers:aws", "aws", {}, { deps: [grant.urn] });
        const waitsForKey = res("pulumi:providers:kubernetes", "k8s", {}, { deps: [res("aws:kms/key:Key", "k").urn] });
        assert.deepStrictEqual(
            await run(
                [kubernetesProviderPolicy],
                grant, defaultNamed, aws, waitsForKey, res("aws:kms/key:Key", "k"),
                res("kubernetes:core/v1:Namespace", "a", {}, { provider: defaultNamed.urn }),
                res("kubernetes:core/v1:Namespace", "b", {}, { provider: aws.urn }),
                res("kubernetes:core/v1:Namespace", "c", {}, { provider: waitsForKey.urn }),
            ),
            [
                "kubernetes:core/v1:Namespace a does not go through the cluster's explicit provider",
                "kubernetes:core/v1:Namespace b does not go through the cluster's explicit provider",
                "provider k8s does not wait for the cluster's access grants (the first calls would be refused)",
            ],
        );
    });
    it("accepts an object on a provider that waits for the grants", async () => {
        const p = provider([grant.urn]);
        assert.deepStrictEqual(await run([kubernetesProviderPolicy], grant, p, res("kubernetes:core/v1:Namespace", "ns", {}, { provider: p.urn })), []);
    });
});

describe("policy: prerequisites created first", () => {
    it("refuses a flow log that does not wait for its log group, and a cluster that does not wait for its log group", async () => {
        const group = res("aws:cloudwatch/logGroup:LogGroup", "g", { name: "/aws/eks/c/cluster" });
        const v = await run(
            [prerequisiteOrderPolicy],
            group,
            res("aws:ec2/flowLog:FlowLog", "fl", { logDestinationType: "cloud-watch-logs" }),
            res("aws:eks/cluster:Cluster", "eks", { name: "c", enabledClusterLogTypes: ["api"] }),
        );
        assert.deepStrictEqual(v.map((m) => m.split(":")[0]), ["fl", "eks"]);
    });
    it("accepts both when they depend on their groups", async () => {
        const group = res("aws:cloudwatch/logGroup:LogGroup", "g", { name: "/aws/eks/c/cluster" });
        const v = await run(
            [prerequisiteOrderPolicy],
            group,
            res("aws:ec2/flowLog:FlowLog", "fl", { logDestinationType: "cloud-watch-logs" }, { deps: [group.urn] }),
            res("aws:eks/cluster:Cluster", "eks", { name: "c", enabledClusterLogTypes: ["api"] }, { deps: [group.urn] }),
        );
        assert.deepStrictEqual(v, []);
    });
    it("reads flow-log and control-plane settings only on flow logs and clusters", async () => {
        assert.deepStrictEqual(
            await run(
                [prerequisiteOrderPolicy],
                res("aws:s3/bucketLogging:BucketLogging", "bl", { logDestinationType: "cloud-watch-logs" }),
                res("aws:eks/addon:Addon", "addon", { name: "c", enabledClusterLogTypes: ["api"] }),
            ),
            [],
        );
    });
    it("asks nothing of a flow log to S3 or a cluster without control-plane logs, and refuses a cluster waiting for another group", async () => {
        const other = res("aws:cloudwatch/logGroup:LogGroup", "other", { name: "/aws/eks/other/cluster" });
        const own = res("aws:cloudwatch/logGroup:LogGroup", "own", { name: "/aws/eks/c/cluster" });
        const key = res("aws:kms/key:Key", "k");
        assert.deepStrictEqual(
            await run(
                [prerequisiteOrderPolicy],
                other,
                own,
                key,
                res("aws:ec2/flowLog:FlowLog", "to-s3", { logDestinationType: "s3" }),
                res("aws:ec2/flowLog:FlowLog", "waits-for-other", { logDestinationType: "cloud-watch-logs" }, { deps: [key.urn] }),
                res("aws:eks/cluster:Cluster", "quiet", { name: "q", enabledClusterLogTypes: [] }),
                res("aws:eks/cluster:Cluster", "wrong-group", { name: "c", enabledClusterLogTypes: ["audit"] }, { deps: [other.urn] }),
            ),
            [
                "waits-for-other: does not wait for its log group",
                "wrong-group: control-plane logs go to /aws/eks/c/cluster, which the cluster does not wait for (EKS would create it with unbounded retention)",
            ],
        );
    });
});

describe("policy: an EKS identity provider after its realm, replaced delete-first", () => {
    const IDP = "aws:eks/identityProviderConfig:IdentityProviderConfig";
    const realm = res("keycloak:index/realm:Realm", "realm");
    it("refuses an identity provider that does not wait for the realm", async () => {
        assert.deepStrictEqual(await run([prerequisiteOrderPolicy], realm, res(IDP, "idp", {}, { deleteFirst: true })), ["idp: does not wait for the realm its issuer URL names"]);
    });
    it("refuses one without deleteBeforeReplace (EKS keeps its name unique)", async () => {
        const v = await run([deleteBeforeReplacePolicy], realm, res(IDP, "idp", {}, { deps: [realm.urn] }));
        assert.deepStrictEqual(v, [`${IDP} idp: needs deleteBeforeReplace (EKS refuses a second identity provider config with the same name or issuer)`]);
    });
    it("accepts one that waits for the realm and is deleted first", async () => {
        assert.deepStrictEqual(await run([prerequisiteOrderPolicy, deleteBeforeReplacePolicy], realm, res(IDP, "idp", {}, { deps: [realm.urn], deleteFirst: true })), []);
    });
});

describe("policy: Pod Identity trust", () => {
    const trust = (condition: object, action: string[] = ["sts:AssumeRole", "sts:TagSession"]) =>
        json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: action, Condition: condition }] });
    const tags = (namespace: string, serviceAccount: string) => ({
        StringEquals: {
            "aws:SourceAccount": "111111111111",
            "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:111111111111:cluster/c",
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": serviceAccount,
        },
    });
    const association = (role: PlannedResource, namespace: string, serviceAccount: string) =>
        res("aws:eks/podIdentityAssociation:PodIdentityAssociation", "assoc", { namespace, serviceAccount }, { deps: [role.urn] });
    it("accepts the documented session-tag trust for the associated service account", async () => {
        const role = res("aws:iam/role:Role", "r", { assumeRolePolicy: trust(tags("velero", "velero-server")) });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], role, association(role, "velero", "velero-server")), []);
        const addon = res("aws:eks/addon:Addon", "cni", { podIdentityAssociations: [{ serviceAccount: "aws-node" }] }, { deps: [] });
        const cniRole = res("aws:iam/role:Role", "cni-role", { assumeRolePolicy: trust(tags("kube-system", "aws-node")) });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], cniRole, { ...addon, dependencies: [cniRole.urn] }), []);
    });
    it("refuses an association with session tags disabled, or pointing at a role that does not trust Pod Identity", async () => {
        const role = res("aws:iam/role:Role", "r", { assumeRolePolicy: trust(tags("velero", "velero-server")) });
        const off = res("aws:eks/podIdentityAssociation:PodIdentityAssociation", "assoc", { namespace: "velero", serviceAccount: "velero-server", disableSessionTags: true }, { deps: [role.urn] });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], role, off), ["assoc: session tags disabled, so the role's trust (scoped by them) refuses the pods"]);
        const ec2 = res("aws:iam/role:Role", "ec2", { assumeRolePolicy: json({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], ec2, association(ec2, "velero", "velero-server")), ["assoc: its role ec2 does not trust pods.eks.amazonaws.com"]);
    });

    it("refuses aws:SourceArn, missing session tags or TagSession, another service account, and an unused role", async () => {
        const sourceArn = res("aws:iam/role:Role", "a", { assumeRolePolicy: trust({ StringEquals: { "aws:SourceAccount": "1" }, ArnEquals: { "aws:SourceArn": "arn:aws:eks:x" } }, ["sts:AssumeRole"]) });
        const v = await run([podIdentityTrustPolicy], sourceArn, association(sourceArn, "velero", "velero-server"));
        assert.deepStrictEqual(v.map((m) => m.replace(/^a: /, "").split(":")[0].split(" (")[0]), [
            "needs sts",
            "aws",
            "no StringEquals on aws",
            "no StringEquals on aws",
            "no StringEquals on aws",
            "assoc binds velero/velero-server, which the trust does not name",
        ]);
        const other = res("aws:iam/role:Role", "b", { assumeRolePolicy: trust(tags("velero", "velero-server")) });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], other, association(other, "velero", "node-agent")), ["b: assoc binds velero/node-agent, which the trust does not name"]);
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], other), ["b: no Pod Identity association or add-on uses it"]);
    });
    it("refuses another namespace, and names an add-on's binding by its service account", async () => {
        const role = res("aws:iam/role:Role", "r", { assumeRolePolicy: trust(tags("velero", "velero-server")) });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], role, association(role, "backup", "velero-server")), ["r: assoc binds backup/velero-server, which the trust does not name"]);
        const addon = res("aws:eks/addon:Addon", "cni", { podIdentityAssociations: [{ serviceAccount: "aws-node" }] }, { deps: [role.urn] });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], role, addon), ["r: cni binds (add-on)/aws-node, which the trust does not name"]);
    });
    it("reads bindings only from associations and add-ons, and trusts only roles", async () => {
        const role = res("aws:iam/role:Role", "r", { assumeRolePolicy: trust(tags("velero", "velero-server")) });
        const lookalike = res("aws:iam/rolePolicy:RolePolicy", "p", { podIdentityAssociations: [{ serviceAccount: "other" }] }, { deps: [role.urn] });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], role, association(role, "velero", "velero-server"), lookalike), []);
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], res("aws:iam/instanceProfile:InstanceProfile", "ip", { assumeRolePolicy: trust(tags("velero", "velero-server")) })), []);
    });
    it("finds an association's role among its other dependencies, and accepts a trust with Pod Identity among other services", async () => {
        const cluster = res("aws:eks/cluster:Cluster", "c");
        const ec2 = res("aws:iam/role:Role", "ec2", { assumeRolePolicy: json({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) });
        const assoc = res("aws:eks/podIdentityAssociation:PodIdentityAssociation", "assoc", { namespace: "velero", serviceAccount: "velero-server" }, { deps: [cluster.urn, ec2.urn] });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], cluster, ec2, assoc), ["assoc: its role ec2 does not trust pods.eks.amazonaws.com"]);
        const both = res("aws:iam/role:Role", "both", {
            assumeRolePolicy: json({
                Statement: [
                    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                    JSON.parse(trust(tags("velero", "velero-server"))).Statement[0],
                ],
            }),
        });
        assert.deepStrictEqual(await run([podIdentityTrustPolicy], both, association(both, "velero", "velero-server")), []);
    });
});

describe("policy: key policies limit '*' to the key's own account", () => {
    const use = (condition: object) => ({ Sid: "Use", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: condition });
    const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" };
    it("refuses StringNotEquals (every other account), and an account it cannot check; takes the provider's pinned account", async () => {
        const notEquals = json({ Statement: [admin, use({ StringNotEquals: { "kms:CallerAccount": "111111111111" } })] });
        assert.match((await run([keyPolicyPrincipalsPolicy], res("aws:kms/key:Key", "k", { policy: notEquals })))[0], /without StringEquals kms:CallerAccount/);
        const noAdmin = json({ Statement: [use({ StringEquals: { "kms:CallerAccount": "111111111111" } })] });
        assert.match((await run([keyPolicyPrincipalsPolicy], res("aws:kms/key:Key", "k", { policy: noAdmin })))[0], /not known to check it/);
        const provider = res("pulumi:providers:aws", "aws", { allowedAccountIds: json(["111111111111"]) });
        assert.deepStrictEqual(await run([keyPolicyPrincipalsPolicy], provider, res("aws:kms/key:Key", "k", { policy: noAdmin })), []);
    });
    it("refuses kms:CallerAccount naming another account than the key's administration", async () => {
        const policy = json({
            Statement: [
                { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" },
                { Sid: "Use", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "999999999999" } } },
            ],
        });
        assert.deepStrictEqual(await run([keyPolicyPrincipalsPolicy], res("aws:kms/key:Key", "k", { policy })), [
            `key policy statement Use: "*" limited to kms:CallerAccount 999999999999, not this key's account 111111111111`,
        ]);
    });
});
