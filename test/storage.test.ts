import * as assert from "assert";
import { Plan, PlannedResource, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { bucketPolicy, lifecycleRules, platformBucketName, replicationPolicy } from "../components/storage/bucket-policies";
import { ebsSnapshotClass, ebsStorageClasses, statefulStorageClass } from "../components/storage/storage-classes";
import { assertLeastPrivilege, inputs, named, ofType, within } from "./helpers";
import { committedPlan } from "./plans";

const BUCKET_SETTINGS = [
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
];

describe("storage decisions", () => {
    it("marks exactly one EBS class default, and adds gp3-retain only when stateful volumes are kept", () => {
        for (const retain of [false, true]) {
            const classes = ebsStorageClasses("arn:key", retain);
            const defaults = classes.filter((c) => c.metadata.annotations["storageclass.kubernetes.io/is-default-class"] === "true");
            assert.deepStrictEqual(defaults.map((c) => c.metadata.name), ["gp3"]);
            assert.deepStrictEqual(classes.map((c) => [c.metadata.name, c.reclaimPolicy]), retain ? [["gp3", "Delete"], ["gp3-retain", "Retain"]] : [["gp3", "Delete"]]);
            for (const c of classes) {
                assert.deepStrictEqual(c.parameters, { type: "gp3", encrypted: "true", kmsKeyId: "arn:key", "csi.storage.k8s.io/fstype": "ext4" });
                assert.strictEqual(c.volumeBindingMode, "WaitForFirstConsumer");
                assert.strictEqual(c.allowVolumeExpansion, true);
            }
            assert.strictEqual(statefulStorageClass(retain), retain ? "gp3-retain" : "gp3");
        }
    });

    it("labels the EBS snapshot class for Velero", () => {
        const c = ebsSnapshotClass();
        assert.strictEqual(c.driver, "ebs.csi.aws.com");
        assert.strictEqual(c.metadata.labels["velero.io/csi-volumesnapshot-class"], "true");
    });

    it("always aborts stale multipart uploads and maps transitions and version expiry", () => {
        const rules = lifecycleRules([{ id: "a", transitions: [{ days: 30, storageClass: "STANDARD_IA" }], noncurrentVersionExpirationDays: 9 }]);
        assert.deepStrictEqual(rules.map((r) => r.id), ["a", "abort-incomplete-multipart-uploads"]);
        assert.deepStrictEqual(rules[0].transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);
        assert.deepStrictEqual(rules[0].noncurrentVersionExpiration, { noncurrentDays: 9 });
        assert.strictEqual(rules[0].expiration, undefined);
        assert.deepStrictEqual(lifecycleRules([]).map((r) => r.id), ["abort-incomplete-multipart-uploads"]);
    });

    it("denies plain HTTP on the bucket and its objects; lets log delivery in only on log buckets", () => {
        const doc = bucketPolicy("arn:aws:s3:::b");
        assert.deepStrictEqual(doc.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
        const logs = bucketPolicy("arn:aws:s3:::l", { accountId: "111111111111", bucketArnPattern: "arn:aws:s3:::acme-*" }).Statement[1];
        assert.deepStrictEqual(logs, {
            Sid: "AllowServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: "arn:aws:s3:::l/*",
            Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:s3:::acme-*" } },
        });
    });

    it("scopes the replication role to the two buckets and two keys", () => {
        const doc = replicationPolicy({
            sourceBucketArn: "arn:s",
            sourceRegion: "eu-west-1",
            destinationBucketArn: "arn:d",
            destinationRegion: "eu-central-1",
            sourceKeyArn: "arn:ks",
            destinationKeyArn: "arn:kd",
        });
        assertLeastPrivilege(doc);
        // Keys are used only through S3 in their region, for their bucket; the replica's bucket key needs Decrypt too.
        const via = (region: string, bucket: string) => ({ StringLike: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": [bucket, `${bucket}/*`] } });
        assert.deepStrictEqual(doc.Statement, [
            { Sid: "ReadSourceConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: "arn:s" },
            { Sid: "ReadSourceVersions", Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: "arn:s/*" },
            { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: "arn:d/*" },
            { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:ks", Condition: via("eu-west-1", "arn:s") },
            { Sid: "EncryptReplicas", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"], Resource: "arn:kd", Condition: via("eu-central-1", "arn:d") },
        ]);
    });

    it("names buckets prefix-purpose-account-region and refuses names S3 would", () => {
        assert.strictEqual(platformBucketName("acme-dev", "velero", "111111111111", "eu-west-1"), "acme-dev-velero-111111111111-eu-west-1");
        assert.throws(() => platformBucketName("a-very-long-platform-name", "s3-access-logs", "111111111111", "ap-southeast-1"), /at most 63/);
        assert.throws(() => platformBucketName("acme", "Velero", "111111111111", "eu-west-1"), /not a valid S3 name/);
    });
});

const accounts = { dev: "111111111111", prod: "222222222222" } as const;

for (const stack of ["dev", "prod"] as const) {
    describe(`storage in stack ${stack} @stack`, () => {
        const cfg = parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform");
        const protect = stack === "prod";
        let plan: Plan;
        let res: PlannedResource[];
        before(async () => {
            plan = await committedPlan(stack);
            res = within(plan.resources, "platform-storage");
        });

        it("creates every bucket of the platform through the secure bucket component, with all its settings", () => {
            const buckets = ofType(plan.resources, "aws:s3/bucket:Bucket");
            // Loki's and Tempo's everywhere; prod also the access logs, velero and its replica, team-a's; dev velero.
            assert.strictEqual(buckets.length, stack === "prod" ? 6 : 3);
            for (const b of buckets) assert.ok(b.parent?.endsWith(`platform:storage:Bucket::${b.name.replace(/-bucket$/, "")}`), `${b.name} outside a Bucket component`);
            for (const type of BUCKET_SETTINGS) {
                const settings = ofType(plan.resources, type);
                assert.strictEqual(settings.length, buckets.length, type);
                assert.deepStrictEqual(settings.map((s) => inputs(s).bucket).sort(), buckets.map((b) => inputs(b).bucket).sort(), type);
            }
            for (const block of ofType(plan.resources, BUCKET_SETTINGS[0])) {
                const i = inputs(block);
                assert.ok(i.blockPublicAcls && i.blockPublicPolicy && i.ignorePublicAcls && i.restrictPublicBuckets);
            }
            for (const o of ofType(plan.resources, BUCKET_SETTINGS[1])) assert.strictEqual(inputs(o).rule.objectOwnership, "BucketOwnerEnforced");
            for (const v of ofType(plan.resources, BUCKET_SETTINGS[3])) assert.strictEqual(inputs(v).versioningConfiguration.status, "Enabled");
            for (const p of ofType(plan.resources, BUCKET_SETTINGS[4])) {
                assert.ok(JSON.parse(inputs(p).policy).Statement.some((s: any) => s.Sid === "DenyInsecureTransport" && s.Effect === "Deny"));
            }
        });

        it("encrypts data buckets with SSE-KMS and bucket keys (access-log buckets with SSE-S3, as S3 logging requires)", () => {
            for (const e of ofType(plan.resources, BUCKET_SETTINGS[2])) {
                const rule = inputs(e).rules[0];
                if (e.name === "platform-storage-access-logs-encryption") {
                    assert.strictEqual(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
                    continue;
                }
                assert.strictEqual(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                assert.match(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, /^arn:aws:kms:/);
                assert.strictEqual(rule.bucketKeyEnabled, true);
            }
        });

        it(`${protect ? "protects and retains" : "lets pulumi destroy remove"} buckets, keys and file systems`, () => {
            const stateful = [
                ...ofType(plan.resources, "aws:s3/bucket:Bucket"),
                named(res, "platform-storage-objects-key"),
                ...ofType(plan.resources, "aws:efs/fileSystem:FileSystem"),
            ];
            for (const r of stateful) {
                assert.strictEqual(r.protect, protect, r.name);
                assert.strictEqual(r.retainOnDelete, protect, r.name);
            }
            for (const b of ofType(plan.resources, "aws:s3/bucket:Bucket")) assert.strictEqual(inputs(b).forceDestroy, !protect, b.name);
            // A kept bucket keeps its public-access block and encryption too.
            for (const type of BUCKET_SETTINGS) for (const s of ofType(plan.resources, type)) assert.strictEqual(s.retainOnDelete, protect, s.name);
        });

        it("makes gp3 (on the cluster's EBS key) the only default class, without patching a class EKS may not create", () => {
            const classes = ofType(plan.resources, "kubernetes:storage.k8s.io/v1:StorageClass");
            const defaults = classes.filter((c) => inputs(c).metadata.annotations["storageclass.kubernetes.io/is-default-class"] === "true");
            assert.deepStrictEqual(defaults.map((c) => inputs(c).metadata.name), ["gp3"]);
            assert.strictEqual(inputs(defaults[0]).parameters.kmsKeyId, `arn:aws:kms:eu-west-1:${accounts[stack]}:key/platform-cluster-ebs-key`);
            assert.deepStrictEqual(ofType(plan.resources, "kubernetes:storage.k8s.io/v1:StorageClassPatch"), []);
            const names = classes.map((c) => inputs(c).metadata.name).sort();
            assert.deepStrictEqual(names, stack === "prod" ? ["efs", "gp3", "gp3-retain"] : ["gp3"]);
            if (stack === "prod") assert.strictEqual(inputs(classes.find((c) => inputs(c).metadata.name === "gp3-retain")!).reclaimPolicy, "Retain");
        });

        it("defines the EBS VolumeSnapshotClass Velero selects", () => {
            const [snap] = ofType(res, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass");
            assert.strictEqual(inputs(snap).driver, "ebs.csi.aws.com");
            assert.strictEqual(inputs(snap).metadata.labels["velero.io/csi-volumesnapshot-class"], "true");
        });

        it("puts every Kubernetes object of the layer on the cluster provider", () => {
            const provider = named(plan.resources, "platform-cluster-k8s");
            const kube = res.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.ok(kube.length >= 2);
            for (const r of kube) assert.strictEqual(r.provider, provider.urn, r.name);
        });

        it(cfg.storage.accessLogs.enabled ? "logs S3 access of the data buckets to the access-log bucket" : "has no access-log bucket", () => {
            const logging = ofType(plan.resources, "aws:s3/bucketLogging:BucketLogging");
            if (!cfg.storage.accessLogs.enabled) {
                assert.strictEqual(logging.length, 0);
                return;
            }
            const logBucket = inputs(named(plan.resources, "platform-storage-access-logs-bucket")).bucket;
            assert.strictEqual(logBucket, `acme-prod-s3-access-${accounts[stack]}-eu-west-1`);
            assert.deepStrictEqual(logging.map((l) => [inputs(l).targetBucket, inputs(l).targetPrefix]).sort(), [[logBucket, "loki/"], [logBucket, "t-team-a/"], [logBucket, "tempo/"], [logBucket, "velero/"]]);
            const expiry = inputs(named(plan.resources, "platform-storage-access-logs-lifecycle")).rules[0];
            assert.deepStrictEqual(expiry.expiration, { days: cfg.storage.accessLogs.retentionDays });
            // Log delivery is accepted only for this account's platform buckets.
            const delivery = JSON.parse(inputs(named(plan.resources, "platform-storage-access-logs-policy")).policy).Statement.find(
                (s: any) => s.Sid === "AllowServerAccessLogDelivery",
            );
            assert.deepStrictEqual(delivery.Condition, {
                StringEquals: { "aws:SourceAccount": accounts[stack] },
                ArnLike: { "aws:SourceArn": "arn:aws:s3:::acme-prod-*" },
            });
        });

        it(cfg.storage.efs.enabled ? "runs EFS: encrypted, NFS from nodes only, mount target per AZ, CSI add-on on Pod Identity" : "has no EFS", () => {
            const fs = ofType(plan.resources, "aws:efs/fileSystem:FileSystem");
            if (!cfg.storage.efs.enabled) {
                assert.strictEqual(fs.length + ofType(plan.resources, "aws:efs/mountTarget:MountTarget").length, 0);
                return;
            }
            assert.strictEqual(inputs(fs[0]).encrypted, true);
            assert.strictEqual(inputs(fs[0]).throughputMode, cfg.storage.efs.throughputMode);
            assert.strictEqual(ofType(res, "aws:efs/mountTarget:MountTarget").length, cfg.network.azCount);
            const ingress = inputs(named(res, "platform-storage-efs-nfs-from-nodes"));
            assert.deepStrictEqual([ingress.fromPort, ingress.toPort, ingress.referencedSecurityGroupId], [2049, 2049, "sg-acme-prod-cluster"]);
            const addon = inputs(named(res, "platform-storage-efs-addon"));
            assert.strictEqual(addon.addonVersion, cfg.storage.efs.addonVersion);
            assert.deepStrictEqual(addon.podIdentityAssociations[0].serviceAccount, "efs-csi-controller-sa");
            assert.strictEqual(inputs(named(res, "platform-storage-efs-backup")).backupPolicy.status, "ENABLED");
            const efsClass = inputs(named(res, "platform-storage-efs-class"));
            assert.deepStrictEqual([efsClass.provisioner, efsClass.parameters.provisioningMode, efsClass.parameters.fileSystemId], ["efs.csi.aws.com", "efs-ap", "platform-storage-efs-fs-id"]);
        });
    });
}
