import * as assert from "assert";
import type { PolicyResource } from "@pulumi/policy";
import { PlannedResource, planStack, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { diffPlans, refusedReplacements } from "../plan/diff";
import { checkPolicies, policyResources, renderViolations, Violation } from "../plan/policy-runner";
import { ADOPTABLE_NAME_INPUT } from "../components/platform/adopt";
import { NAME_LIMITS } from "../policy/rules/names";
import { leavesFinalSnapshot, productionDataPolicy } from "../policy/rules/invariants";
import { DELETE_REFUSALS, IN_USE_BY_KEPT, NOT_ADOPTED, retainedAdoptablePolicy, teardownPolicy } from "../policy/rules/teardown";
import { committedPlan, deployedSetWith } from "./plans";

/** propertyDependencies: per input, the URNs its value comes from (and so also dependencies). */
type Opts = { deps?: string[]; retain?: boolean; props?: Record<string, string[]> };
function res(type: string, name: string, inputs: Record<string, unknown> = {}, o: Opts = {}): PlannedResource {
    const urn = `urn:pulumi:t::p::${type}::${name}`;
    const deps = [...new Set([...(o.deps ?? []), ...Object.values(o.props ?? {}).flat()])];
    return {
        urn, key: urn, type, name, custom: true, protect: false, retainOnDelete: o.retain ?? false,
        deleteBeforeReplace: false, dependsOn: o.deps ?? [], dependencies: deps, propertyDependencies: o.props ?? {}, ignoreChanges: [], aliases: [], inputs, secretPaths: [],
    };
}
const run = async (policy: Parameters<typeof checkPolicies>[1], ...resources: PlannedResource[]) => (await checkPolicies({ resources }, policy)).map((v: Violation) => v.message);
const tier = (t: string) => res("pulumi:providers:aws", "aws", { defaultTags: JSON.stringify({ tags: { tier: t } }) });

describe("teardown and rebuild: every stack file's plan, through the steps of docs/operations.md @stack", function () {
    this.timeout(240000);
    const stacks = listStacks(PROJECT_DIR);

    it("tears down every stack: nothing AWS refuses to delete, no name left taken, nothing kept that loses its key, nothing of production's data deleted", async () => {
        let walked = 0;
        for (const stack of stacks) {
            const plan = await committedPlan(stack);
            // What the walk decides on (types with a delete refusal, secrets): every stack has buckets at least.
            const data = plan.resources.filter((r) => r.type in DELETE_REFUSALS || r.type === "aws:secretsmanager/secret:Secret");
            assert.ok(data.length >= 2, `${stack}: ${data.length}`);
            walked += data.length;
            const violations = await checkPolicies(plan, [teardownPolicy, retainedAdoptablePolicy, productionDataPolicy]);
            assert.deepStrictEqual(violations, [], `${stack}:\n${renderViolations(violations)}`);
        }
        assert.ok(walked > 0);
    });

    it("rebuilds every stack: adoptRetained imports each resource the destroy kept under a fixed name, by that name, and nothing else", async () => {
        const adoptedEverywhere: string[] = [];
        for (const stack of stacks) {
            const kept = (await committedPlan(stack)).resources.filter((r) => r.retainOnDelete);
            // The fixed physical names, by each type's name input (names.ts); generated names, and names AWS lets
            // repeat (a hosted zone's), cannot collide.
            const fixed = kept.filter((r) => !(r.type in NOT_ADOPTED)).flatMap((r) => {
                const name = NAME_LIMITS[r.type] ? r.inputs[NAME_LIMITS[r.type].property] : undefined;
                return typeof name === "string" ? [`${r.type} ${name}`] : [];
            });
            // A stack that keeps nothing under a fixed name needs no adoption (nor the one pinned account it requires).
            if (fixed.length === 0) continue;
            // The rebuild's steps: adoptRetained set in the stack file, the platform stack up, then each tenant stack
            // (which reads the same file) on the platform's outputs.
            const rebuild = (await deployedSetWith(stack, { "platform:adoptRetained": "true" })).plan;
            const imported = rebuild.resources.filter((r) => r.importId !== undefined);
            assert.deepStrictEqual(imported.map((r) => `${r.type} ${r.importId}`).sort(), fixed.sort(), stack);
            adoptedEverywhere.push(...fixed);
        }
        // At least one stack keeps data under fixed names (the production example), so the check above has members.
        assert.ok(adoptedEverywhere.length > 0);
    });

    it("rebuilds every stack's database that a destroy leaves as a final snapshot from that snapshot, on a new instance only: neither the snapshot nor its key replaces a live one", async () => {
        const restored: string[] = [];
        for (const stack of stacks) {
            const plan = await committedPlan(stack);
            const instance = plan.resources.find((r) => r.type === "aws:rds/instance:Instance" && leavesFinalSnapshot({ type: r.type, props: r.inputs }));
            if (!instance) continue;
            const snapshot = instance.inputs.finalSnapshotIdentifier as string;
            const sso = JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:sso"]);
            const rebuild = await planStack({ stack, configOverrides: { "platform:sso": { ...sso, database: { ...sso.database, restoreSnapshot: snapshot } } } });
            const rebuilt = rebuild.resources.find((r) => r.name === instance.name)!;
            assert.strictEqual(rebuilt.inputs.snapshotIdentifier, snapshot, stack);
            // Set on a live stack, the snapshot is ignored: the provider would replace the instance (snapshot_identifier
            // is ForceNew), deleting the live database.
            const live = diffPlans(plan, rebuild);
            assert.deepStrictEqual(live.changed.filter((c) => c.name === instance.name), [], stack);
            // After the restore the provider reads back the snapshot's key, the last generation's (RDS restores no other):
            // the stack's own key, ForceNew too, is ignored as well.
            const state = { ...rebuild, resources: rebuild.resources.map((r) => (r === rebuilt ? { ...r, inputs: { ...r.inputs, kmsKeyId: String(r.inputs.kmsKeyId).replace(/key\/.*$/, "key/last-generation") } } : r)) };
            assert.deepStrictEqual(refusedReplacements(diffPlans(state, rebuild)), [], stack);
            // Without those ignored inputs both diffs replace the database.
            const unguarded = { ...rebuild, resources: rebuild.resources.map((r) => (r === rebuilt ? { ...r, ignoreChanges: [] } : r)) };
            assert.deepStrictEqual(refusedReplacements(diffPlans(plan, unguarded)).map((c) => c.replacedBy), [["inputs.snapshotIdentifier"]], stack);
            assert.deepStrictEqual(refusedReplacements(diffPlans(state, unguarded)).map((c) => c.replacedBy), [["inputs.kmsKeyId"]], stack);
            restored.push(stack);
        }
        // The production example leaves its database as a final snapshot, so the walk above has members.
        assert.ok(restored.length > 0);
    });
});

describe("policy: retained resources adoptable", () => {
    it("refuses a resource kept under a fixed name its type cannot be adopted by (a secret's import id is its ARN)", async () => {
        const secret = res("aws:secretsmanager/secret:Secret", "s", { name: "ecr-pullthroughcache/x" }, { retain: true });
        assert.deepStrictEqual(await run([retainedAdoptablePolicy], secret), [
            'aws:secretsmanager/secret:Secret s is kept on destroy under the fixed name "ecr-pullthroughcache/x", which the rebuild cannot adopt (no row in ADOPTABLE_NAME_INPUT, components/platform/adopt.ts): its create would find the name taken. Adopt it, generate its name, or do not keep it.',
        ]);
    });
    it("accepts kept log groups, buckets and repositories by name, a kept secret with a generated name, and a fixed-name secret the destroy deletes", async () => {
        assert.deepStrictEqual(
            await run(
                [retainedAdoptablePolicy],
                res("aws:cloudwatch/logGroup:LogGroup", "g", { name: "/aws/eks/x/cluster" }, { retain: true }),
                res("aws:s3/bucket:Bucket", "b", { bucket: "x-logs" }, { retain: true }),
                res("aws:ecr/repository:Repository", "r", { name: "team/apps" }, { retain: true }),
                res("aws:secretsmanager/secret:Secret", "prefixed", { namePrefix: "x/vault/bootstrap-" }, { retain: true }),
                res("aws:secretsmanager/secret:Secret", "deleted", { name: "ecr-pullthroughcache/x" }),
            ),
            [],
        );
    });
    it("leaves a kept hosted zone to be created anew: Route 53 lets zones share a name (only a repeated CallerReference is refused)", async () => {
        assert.deepStrictEqual(Object.keys(NOT_ADOPTED), ["aws:route53/zone:Zone"]);
        assert.deepStrictEqual(await run([retainedAdoptablePolicy], res("aws:route53/zone:Zone", "z", { name: "prod.example.org" }, { retain: true })), []);
    });
    it("adopts each type by the input that is the provider's id, and the same input names.ts reads the name from", () => {
        // terraform-provider-aws: a log group's and an ECR repository's id is their name, a bucket's its bucket name;
        // a secret's is its ARN (internal/service/secretsmanager/secret.go: d.SetId(ARN)), so it has no row.
        assert.deepStrictEqual(ADOPTABLE_NAME_INPUT, { "aws:cloudwatch/logGroup:LogGroup": "name", "aws:s3/bucket:Bucket": "bucket", "aws:ecr/repository:Repository": "name" });
        for (const [type, input] of Object.entries(ADOPTABLE_NAME_INPUT)) assert.strictEqual(NAME_LIMITS[type].property, input, type);
    });
});

describe("policy: teardown completes", () => {
    it("refuses deleting what still holds data unless its input deletes the data too, per type, and leaves kept ones alone", async () => {
        // [type, inputs the delete is refused with, inputs it goes through with, what AWS or the provider answers]
        const rows: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
            ["aws:s3/bucket:Bucket", { forceDestroy: false }, { forceDestroy: true }, /BucketNotEmpty/],
            ["aws:ecr/repository:Repository", { forceDelete: false }, { forceDelete: true }, /RepositoryNotEmptyException/],
            ["aws:route53/zone:Zone", {}, { forceDestroy: true }, /HostedZoneNotEmpty/],
            // A final snapshot's name goes through too (named per generation, below).
            ["aws:rds/instance:Instance", { skipFinalSnapshot: false }, { skipFinalSnapshot: true }, /neither skipFinalSnapshot nor a finalSnapshotIdentifier/],
        ];
        assert.deepStrictEqual([...new Set(rows.map((r) => r[0]))].sort(), Object.keys(DELETE_REFUSALS).sort());
        for (const [type, refused, deletes, answer] of rows) {
            const v = await run([teardownPolicy], res(type, "d", refused));
            assert.strictEqual(v.length, 1, type);
            assert.match(v[0], answer);
            assert.match(v[0], new RegExp(`^${type} d: the teardown's destroy is refused: `));
            assert.deepStrictEqual(await run([teardownPolicy], res(type, "d", deletes)), [], type);
            assert.deepStrictEqual(await run([teardownPolicy], res(type, "d", refused, { retain: true })), [], `${type} kept`);
        }
    });
    it("leaves the EKS cluster's and the RDS instance's deletion protection to the first step of docs/operations.md's teardown", async () => {
        assert.deepStrictEqual(
            await run([teardownPolicy], res("aws:eks/cluster:Cluster", "c", { name: "x", deletionProtection: true }), res("aws:rds/instance:Instance", "db", { deletionProtection: true, skipFinalSnapshot: true })),
            [],
        );
    });
    it("refuses keeping a resource in what the destroy deletes, per type AWS refuses to delete while in use, and accepts it kept together or deleted", async () => {
        // [what the kept instance is in, the refusal AWS answers the destroy's delete with]
        const rows: [string, RegExp][] = [
            ["aws:rds/subnetGroup:SubnetGroup", /InvalidDBSubnetGroupStateFault/],
            ["aws:rds/parameterGroup:ParameterGroup", /InvalidDBParameterGroupState/],
            ["aws:ec2/securityGroup:SecurityGroup", /security group .*DependencyViolation/],
            ["aws:ec2/subnet:Subnet", /subnet .*DependencyViolation/],
            ["aws:ec2/vpc:Vpc", /VPC .*DependencyViolation/],
        ];
        assert.deepStrictEqual(rows.map((r) => r[0]).sort(), Object.keys(IN_USE_BY_KEPT).sort());
        for (const [type, answer] of rows) {
            const instance = (used: PlannedResource, retain: boolean) => res("aws:rds/instance:Instance", "db", { skipFinalSnapshot: true }, { deps: [used.urn], retain });
            const v = await run([teardownPolicy], res(type, "in"), instance(res(type, "in"), true));
            assert.strictEqual(v.length, 1, type);
            assert.match(v[0], answer);
            assert.match(v[0], new RegExp(`^aws:rds/instance:Instance db is kept on destroy but still in ${type} in, which the destroy deletes: .*, so the destroy stops there\\.`));
            const kept = res(type, "in", {}, { retain: true });
            assert.deepStrictEqual(await run([teardownPolicy], kept, instance(kept, true)), [], `${type} kept too`);
            assert.deepStrictEqual(await run([teardownPolicy], res(type, "in"), instance(res(type, "in"), false)), [], `${type} with the instance deleted`);
        }
        // What a kept instance uses but AWS deletes regardless (its monitoring role, a generated password) is no refusal.
        const role = res("aws:iam/role:Role", "monitoring");
        const password = res("random:index/randomPassword:RandomPassword", "password");
        assert.deepStrictEqual(await run([teardownPolicy], role, password, res("aws:rds/instance:Instance", "db", { skipFinalSnapshot: true }, { deps: [role.urn, password.urn], retain: true })), []);
    });
    it("refuses, for the Keycloak database as the code had it, the subnet group, parameter group and security group the kept instance holds", async () => {
        const [subnets, parameters, group] = [res("aws:rds/subnetGroup:SubnetGroup", "subnets"), res("aws:rds/parameterGroup:ParameterGroup", "parameters"), res("aws:ec2/securityGroup:SecurityGroup", "sg")];
        const key = res("aws:kms/key:Key", "key", {}, { retain: true });
        const instance = res("aws:rds/instance:Instance", "instance", { deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "acme-prod-keycloak-final" }, { deps: [subnets.urn, parameters.urn, group.urn, key.urn], retain: true });
        assert.deepStrictEqual(await run([teardownPolicy], subnets, parameters, group, key, instance), [
            "aws:rds/instance:Instance instance is kept on destroy but still in aws:rds/subnetGroup:SubnetGroup subnets, which the destroy deletes: RDS refuses to delete a DB subnet group an instance is in (InvalidDBSubnetGroupStateFault), so the destroy stops there. Keep its data another way (an RDS instance: a final snapshot) or keep what it is in.",
            "aws:rds/instance:Instance instance is kept on destroy but still in aws:rds/parameterGroup:ParameterGroup parameters, which the destroy deletes: RDS refuses to delete a DB parameter group an instance uses (InvalidDBParameterGroupState), so the destroy stops there. Keep its data another way (an RDS instance: a final snapshot) or keep what it is in.",
            "aws:rds/instance:Instance instance is kept on destroy but still in aws:ec2/securityGroup:SecurityGroup sg, which the destroy deletes: EC2 refuses to delete a security group a network interface still uses (DependencyViolation), so the destroy stops there. Keep its data another way (an RDS instance: a final snapshot) or keep what it is in.",
        ]);
    });
    it("refuses a final snapshot named the same in every generation of the stack (the second teardown finds it taken), and accepts one named after a generated value", async () => {
        const suffix = res("random:index/randomId:RandomId", "suffix", { byteLength: 4 });
        const key = res("aws:kms/key:Key", "key", {}, { retain: true });
        const instance = (name: string, props: Record<string, string[]>, retain = false) =>
            res("aws:rds/instance:Instance", name, { skipFinalSnapshot: false, finalSnapshotIdentifier: `x-keycloak-final${name === "fixed" || name === "kept" ? "" : "-0a1b2c3d"}` }, { props, retain });
        assert.deepStrictEqual(await run([teardownPolicy], suffix, key, instance("fixed", { kmsKeyId: [key.urn] })), [
            'aws:rds/instance:Instance fixed: every generation of the stack names its final snapshot "x-keycloak-final", so the second teardown\'s DeleteDBInstance is refused (DBSnapshotAlreadyExists: the first teardown\'s snapshot is kept). Name it after a value generated once per generation (random.RandomId).',
        ]);
        // Derived from something that is no generated value (the key), it is still the same name in every generation.
        assert.strictEqual((await run([teardownPolicy], key, instance("from-key", { finalSnapshotIdentifier: [key.urn] }))).length, 1);
        assert.deepStrictEqual(await run([teardownPolicy], suffix, key, instance("generated", { finalSnapshotIdentifier: [suffix.urn], kmsKeyId: [key.urn] })), []);
        // A kept instance takes no final snapshot on destroy.
        assert.deepStrictEqual(await run([teardownPolicy], instance("kept", {}, true)), []);
    });
    it("refuses deleting an instance with a final snapshot whose KMS key the destroy schedules for deletion (the snapshot is encrypted with it)", async () => {
        const suffix = res("random:index/randomId:RandomId", "suffix", { byteLength: 4 });
        const instance = (key: PlannedResource, skipFinalSnapshot: boolean) =>
            res("aws:rds/instance:Instance", "db", { skipFinalSnapshot, finalSnapshotIdentifier: skipFinalSnapshot ? undefined : "x-final-0a1b2c3d" }, { props: { finalSnapshotIdentifier: [suffix.urn], kmsKeyId: [key.urn] } });
        const deletedKey = res("aws:kms/key:Key", "key");
        assert.deepStrictEqual(await run([teardownPolicy], suffix, deletedKey, instance(deletedKey, false)), [
            "aws:rds/instance:Instance db leaves a final snapshot on destroy, but key, which it depends on, is scheduled for deletion: keep the key too.",
        ]);
        const keptKey = res("aws:kms/key:Key", "key", {}, { retain: true });
        assert.deepStrictEqual(await run([teardownPolicy], suffix, keptKey, instance(keptKey, false)), []);
        // Without a final snapshot nothing outlives the instance: its key may go with it.
        assert.deepStrictEqual(await run([teardownPolicy], suffix, deletedKey, instance(deletedKey, true)), []);
    });
    it("refuses a deleted fixed-name secret whose recovery window holds its name from the rebuild", async () => {
        const secret = (name: string, inputs: Record<string, unknown>) => res("aws:secretsmanager/secret:Secret", name, inputs);
        assert.deepStrictEqual(await run([teardownPolicy], secret("default", { name: "a" }), secret("week", { name: "b", recoveryWindowInDays: 7 })), [
            'aws:secretsmanager/secret:Secret default: a destroy leaves the name "a" taken for 30 days, so the rebuild\'s create is refused. Generate its name, or delete it at once where the stack re-creates its content.',
            'aws:secretsmanager/secret:Secret week: a destroy leaves the name "b" taken for 7 days, so the rebuild\'s create is refused. Generate its name, or delete it at once where the stack re-creates its content.',
        ]);
        // Deleted at once, named with a prefix, or kept (then adoption is the other rule's).
        assert.deepStrictEqual(
            await run([teardownPolicy], secret("now", { name: "c", recoveryWindowInDays: 0 }), secret("prefixed", { namePrefix: "p-" }), res("aws:secretsmanager/secret:Secret", "kept", { name: "d" }, { retain: true })),
            [],
        );
    });
    it("refuses keeping a resource whose KMS key the destroy schedules for deletion", async () => {
        const key = res("aws:kms/key:Key", "key");
        const keptKey = res("aws:kms/key:Key", "kept-key", {}, { retain: true });
        const group = (name: string, k: PlannedResource, retain: boolean) => res("aws:cloudwatch/logGroup:LogGroup", name, { name, kmsKeyId: k.urn }, { deps: [k.urn], retain });
        assert.deepStrictEqual(await run([teardownPolicy], key, keptKey, group("kept", key, true), group("safe", keptKey, true), group("deleted", key, false)), [
            "aws:cloudwatch/logGroup:LogGroup kept is kept on destroy, but key, which it depends on, is scheduled for deletion: keep the key too.",
        ]);
    });
    it("refuses, in production only, platform volumes on a class that deletes them with their claims or that the stack does not create", async () => {
        const cls = (name: string, reclaimPolicy: string) => res("kubernetes:storage.k8s.io/v1:StorageClass", name, { metadata: { name }, reclaimPolicy });
        const release = res("kubernetes:helm.sh/v3:Release", "loki", { values: { singleBinary: { persistence: { storageClass: "gp3" } }, ingester: { persistence: { claims: [{ storageClass: "gp3-retain" }] } } } });
        const sts = res("kubernetes:apps/v1:StatefulSet", "db", { spec: { volumeClaimTemplates: [{ spec: { storageClassName: "gp2" } }] } });
        // An S3 lifecycle's storage class is not a volume's.
        const lifecycle = res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "l", { rules: [{ transitions: [{ storageClass: "STANDARD_IA" }] }] });
        const all = [cls("gp3", "Delete"), cls("gp3-retain", "Retain"), release, sts, lifecycle];
        assert.deepStrictEqual(await run([teardownPolicy], tier("production"), ...all), [
            "kubernetes:helm.sh/v3:Release loki claims volumes from StorageClass gp3, whose reclaimPolicy is Delete: in production a destroy would delete them.",
            "kubernetes:apps/v1:StatefulSet db claims volumes from StorageClass gp2, which the stack does not create: in production a destroy would delete them.",
        ]);
        assert.deepStrictEqual(await run([teardownPolicy], tier("development"), ...all), []);
    });
    it("walks only what it sees retained or not: under CrossGuard (no retainOnDelete) only the volume classes are checked", async () => {
        const view = policyResources({ resources: [tier("production"), res("aws:s3/bucket:Bucket", "b", {}), res("kubernetes:helm.sh/v3:Release", "r", { values: { storageClassName: "gp3" } })] });
        const crossGuard: PolicyResource[] = view.map((r) => ({ ...r, opts: { ...r.opts, retainOnDelete: undefined } as PolicyResource["opts"] }));
        const messages: string[] = [];
        await teardownPolicy.validateStack({ resources: crossGuard, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable: () => undefined as never }, (m) => messages.push(m));
        assert.deepStrictEqual(messages, ["kubernetes:helm.sh/v3:Release r claims volumes from StorageClass gp3, which the stack does not create: in production a destroy would delete them."]);
    });
});
