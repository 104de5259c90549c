// What the first mutation run of the storage layer showed no test pinned (reports/mutation/SCORES.md): the bucket
// statements and lifecycle rules in full, the replication set-up, EFS and the classes, and the objects key's policy.
import * as assert from "assert";
import { bucketObjectAccess, lifecycleRules, platformBucketName } from "../components/storage/bucket-policies";
import { ebsSnapshotClass, efsStorageClass } from "../components/storage/storage-classes";
import { inputs, named, within } from "./helpers";
import { committedPlan } from "./plans";
import { PlanError, PlannedResource, record } from "../plan/engine";
import { Bucket } from "../components/storage/bucket";

describe("storage details: bucket statements and rules", () => {
    it("writes each lifecycle rule enabled, over its prefix or the whole bucket, and always aborts stale uploads", () => {
        assert.deepStrictEqual(
            lifecycleRules([
                { id: "logs", prefix: "logs/", expirationDays: 30 },
                { id: "all", transitions: [{ days: 30, storageClass: "STANDARD_IA" }], noncurrentVersionExpirationDays: 7 },
            ]),
            [
                { id: "logs", status: "Enabled", filter: { prefix: "logs/" }, transitions: undefined, expiration: { days: 30 }, noncurrentVersionExpiration: undefined },
                {
                    id: "all",
                    status: "Enabled",
                    filter: { prefix: "" },
                    transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
                    expiration: undefined,
                    noncurrentVersionExpiration: { noncurrentDays: 7 },
                },
                { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            ],
        );
    });

    it("grants object access: the objects, the listing, and the key only through S3 for this bucket", () => {
        assert.deepStrictEqual(bucketObjectAccess("arn:aws:s3:::b", "arn:k", "eu-west-1"), [
            {
                Sid: "BucketObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: "arn:aws:s3:::b/*",
            },
            { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b" },
            {
                Sid: "BucketKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: "arn:k",
                Condition: { StringLike: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] } },
            },
        ]);
    });

    it("refuses a bucket without a KMS key unless it receives access logs, and a replica of an access-log bucket", async () => {
        const build = (program: () => unknown) => record({ project: "p", stack: "t" }, program);
        await assert.rejects(build(() => new Bucket("b", { bucketName: "b", protect: false })), (e: PlanError) =>
            /Bucket b: kmsKeyArn is required \(only access-log buckets use SSE-S3\)/.test(e.message),
        );
        await assert.rejects(
            build(() => new Bucket("logs", { bucketName: "logs", protect: false, receivesAccessLogsFrom: "arn:aws:s3:::acme-*", replica: { region: "eu-central-1", bucketName: "logs-copy" } })),
            (e: PlanError) => /Bucket logs: access-log buckets are not replicated/.test(e.message),
        );
        const { resources } = await build(() => new Bucket("logs", { bucketName: "logs", protect: false, receivesAccessLogsFrom: "arn:aws:s3:::acme-*" }));
        assert.ok(resources.some((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "logs-bucket"));
    });

    it("accepts a bucket name of exactly 63 characters and refuses 64", () => {
        const prefix = "p".repeat(63 - "-x-123456789012-eu-west-1".length);
        assert.strictEqual(platformBucketName(prefix, "x", "123456789012", "eu-west-1").length, 63);
        assert.throws(() => platformBucketName(`${prefix}p`, "x", "123456789012", "eu-west-1"), /is not a valid S3 name/);
    });

    it("defines the EFS class (access point per claim, never default) and the EBS snapshot class (default, Velero's)", () => {
        assert.deepStrictEqual(efsStorageClass("fs-1", "Retain"), {
            metadata: { name: "efs", annotations: { "storageclass.kubernetes.io/is-default-class": "false" } },
            provisioner: "efs.csi.aws.com",
            parameters: { provisioningMode: "efs-ap", fileSystemId: "fs-1", directoryPerms: "700", basePath: "/dynamic", gidRangeStart: "50000", gidRangeEnd: "59999" },
            reclaimPolicy: "Retain",
            volumeBindingMode: "Immediate",
        });
        assert.deepStrictEqual(ebsSnapshotClass(), {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotClass",
            metadata: {
                name: "ebs-snapshots",
                labels: { "velero.io/csi-volumesnapshot-class": "true" },
                annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" },
            },
            driver: "ebs.csi.aws.com",
            deletionPolicy: "Delete",
        });
    });
});

const accounts = { dev: "111111111111", prod: "222222222222" } as const;

for (const stack of ["dev", "prod"] as const) {
    describe(`storage details in stack ${stack} @stack`, function () {
        this.timeout(60000);
        let res: PlannedResource[];
        let all: PlannedResource[];
        before(async () => {
            all = (await committedPlan(stack)).resources;
            res = within(all, "platform-storage");
        });

        it("keeps the objects key administered by the account only, under its alias", () => {
            const key = inputs(named(res, "platform-storage-objects-key"));
            assert.deepStrictEqual(JSON.parse(key.policy).Statement, [
                { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accounts[stack]}:root` }, Action: "kms:*", Resource: "*" },
            ]);
            assert.strictEqual(key.description, `Objects in the platform buckets of acme-${stack}`);
            const alias = named(res, "platform-storage-objects-key-alias");
            assert.strictEqual(inputs(alias).name, `alias/acme-${stack}-objects`);
            assert.strictEqual(alias.parent, named(res, "platform-storage").urn);
        });

        it("replaces a StorageClass by deleting it first (Kubernetes refuses two classes of one name)", () => {
            const classes = res.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass");
            assert.ok(classes.length >= 1);
            for (const c of classes) assert.strictEqual(c.deleteBeforeReplace, true, c.name);
        });

        if (stack === "prod") {
            it("expires access logs after the configured days under a named rule", () => {
                const [rule] = inputs(named(res, "platform-storage-access-logs-lifecycle")).rules;
                assert.strictEqual(rule.id, "expire-access-logs");
                assert.deepStrictEqual(rule.expiration, { days: 365 });
            });

            it("replicates the backup bucket: every object, deletes, KMS objects, into the replica key, after versioning and the replica", () => {
                const backup = within(all, "platform-backup-bucket");
                const replication = named(backup, "platform-backup-bucket-replication");
                assert.deepStrictEqual(inputs(replication).rules, [
                    {
                        id: "cross-region-copy",
                        status: "Enabled",
                        filter: { prefix: "" },
                        deleteMarkerReplication: { status: "Enabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: {
                            bucket: "arn:aws:s3:::acme-prod-velero-222222222222-eu-central-1",
                            encryptionConfiguration: { replicaKmsKeyId: "arn:aws:kms:eu-central-1:222222222222:key/platform-backup-bucket-replica-key" },
                        },
                    },
                ]);
                assert.ok(replication.dependsOn.includes(named(backup, "platform-backup-bucket-versioning").urn));
                assert.ok(replication.dependsOn.includes(named(backup, "platform-backup-bucket-replica-policy").urn), "waits for the whole replica bucket");
                const trust = JSON.parse(inputs(named(backup, "platform-backup-bucket-replication-role")).assumeRolePolicy);
                assert.deepStrictEqual(trust.Statement, [
                    {
                        Effect: "Allow",
                        Principal: { Service: "s3.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": "222222222222" }, ArnLike: { "aws:SourceArn": "arn:aws:s3:::acme-prod-velero-222222222222-eu-west-1" } },
                    },
                ]);
                const key = inputs(named(backup, "platform-backup-bucket-replica-key"));
                assert.deepStrictEqual([key.region, key.description], ["eu-central-1", "Replica of platform-backup-bucket in eu-central-1"]);
                assert.strictEqual(named(backup, "platform-backup-bucket-replica").parent, named(backup, "platform-backup-bucket").urn);
                const access = JSON.parse(inputs(named(backup, "platform-backup-bucket-replica-access")).policy);
                assert.deepStrictEqual(access.Statement.map((s: { Resource: unknown }) => s.Resource), [
                    "arn:aws:s3:::acme-prod-velero-222222222222-eu-central-1/*",
                    "arn:aws:s3:::acme-prod-velero-222222222222-eu-central-1",
                    "arn:aws:kms:eu-central-1:222222222222:key/platform-backup-bucket-replica-key",
                ]);
            });

            it("serves EFS over NFS from the nodes only, general purpose, tiered, with the CSI driver on its own role", () => {
                const efs = within(all, "platform-storage-efs");
                assert.deepStrictEqual(inputs(named(efs, "platform-storage-efs-sg")).description, "NFS to EFS mount targets from cluster nodes");
                const nfs = inputs(named(efs, "platform-storage-efs-nfs-from-nodes"));
                assert.deepStrictEqual([nfs.ipProtocol, nfs.fromPort, nfs.toPort, nfs.description], ["tcp", 2049, 2049, "NFS from EKS nodes"]);
                const fs = inputs(named(efs, "platform-storage-efs-fs"));
                assert.deepStrictEqual([fs.performanceMode, fs.throughputMode, fs.tags], ["generalPurpose", "elastic", { Name: "platform-storage-efs" }]);
                assert.deepStrictEqual(fs.lifecyclePolicies, [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }]);
                const mounts = efs.filter((r) => r.type === "aws:efs/mountTarget:MountTarget");
                assert.strictEqual(mounts.length, 3);
                for (const m of mounts) assert.deepStrictEqual(inputs(m).securityGroups, ["platform-storage-efs-sg-id"]);
                const addon = named(efs, "platform-storage-efs-addon");
                assert.deepStrictEqual(
                    [inputs(addon).addonName, inputs(addon).resolveConflictsOnCreate, inputs(addon).resolveConflictsOnUpdate],
                    ["aws-efs-csi-driver", "OVERWRITE", "OVERWRITE"],
                );
                assert.deepStrictEqual(addon.dependsOn, mounts.map((m) => m.urn));
                const trust = JSON.parse(inputs(named(efs, "platform-storage-efs-csi-role")).assumeRolePolicy);
                assert.strictEqual(trust.Statement[0].Condition.StringEquals["aws:RequestTag/kubernetes-namespace"], "kube-system");
                assert.ok(efs.some((r) => r.name === "platform-storage-efs-csi-service-role/AmazonEFSCSIDriverPolicy"), "the managed EFS CSI policy is attached");
                assert.ok(!efs.some((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation"), "the add-on associates the role itself");
                const cls = named(efs, "platform-storage-efs-class");
                assert.deepStrictEqual([cls.dependsOn, cls.deleteBeforeReplace], [[addon.urn], true]);
            });
        }
    });
}
