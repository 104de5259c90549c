import * as assert from "assert";
import { planStack, Plan, PlanError, PlannedResource, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { cronProblem, longestGapMinutes } from "../components/backup/cron";
import { durationHours, includedNamespaces } from "../components/backup/schedules";
import { parse as parseYaml } from "yaml";
import { veleroPolicy, veleroValues, veleroVolumePolicy } from "../components/backup/velero";
import { PLATFORM_NAMESPACES } from "../components/shared/namespaces";
import { assertLeastPrivilege, inputs, named, ofType, within } from "./helpers";
import { committedPlan } from "./plans";

const DESCRIBE_ONLY = ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"];

describe("backup decisions", () => {
    // What Velero's parser (robfig/cron v3 ParseStandard) accepts, and what only laxer cron dialects do.
    const cronTable: [string, boolean][] = [
        ["0 * * * *", true],
        ["*/15 2-4 * * 1-5", true],
        ["@daily", true],
        ["0 3 * * *", true],
        ["0 3 * * MON-FRI", true],
        ["0 3 1,15 jan,jul ?", true],
        ["5/15 * * * *", true],
        ["1, * * * *", true], // robfig drops empty list items
        ["+5 * * * *", true], // Go's Atoi takes a sign
        ["@every 1.5h", true],
        ["@daily ", false], // robfig matches descriptors exactly
        [" @daily", false],
        ["CRON_TZ=Europe/Paris 0 3 * * *", false],
        ["@every 1h", true],
        ["@every 36h30m", true],
        ["60 * * * *", false],
        ["0 24 * * *", false],
        ["0 0 0 * *", false],
        ["0 0 3 * * *", false],
        ["0 3 * * 7", false],
        ["0 3 L * *", false],
        ["0 3 * * 1#2", false],
        ["0 3 * * 5L", false],
        ["H 3 * * *", false],
        ["*/0 * * * *", false],
        ["0 5-3 * * *", false],
        ["0 3 1-2-3 * *", false],
        ["0 0 31 2 *", false],
        ["@every", false],
        ["@every 0h", false],
        ["@fortnightly", false],
        ["", false],
    ];
    for (const [expr, ok] of cronTable) {
        it(`cron ${JSON.stringify(expr)} is ${ok ? "valid" : "rejected"}`, () => assert.strictEqual(cronProblem(expr) === undefined, ok, cronProblem(expr)));
    }

    const gapTable: [string, number | undefined][] = [
        ["0 * * * *", 60],
        ["@hourly", 60],
        ["*/15 * * * *", 15],
        ["0 3 * * *", 1440],
        ["0 3 * * 1-5", 3 * 1440], // Friday to Monday
        ["0 0 1 * 1", 7 * 1440], // 1st of the month OR Mondays (both day fields restricted)
        ["0 0 1 * *", 31 * 1440],
        ["0 * * 1-6 *", 184 * 1440 + 60], // last run 30 June 23:00, next 1 January 00:00
        ["* * * * *", 1],
        ["0 * * 12 *", 335 * 1440 + 60], // December only: from 31 December 23:00 to 1 December 00:00
        ["0 * 29 2 *", 1460 * 1440 + 60], // leap days only
        ["@every 90m", 90],
        ["0 0 31 2 *", undefined],
    ];
    for (const [expr, minutes] of gapTable) {
        it(`${JSON.stringify(expr)} runs at most ${minutes ?? "never"} minutes apart`, () => assert.strictEqual(longestGapMinutes(expr), minutes));
    }

    it("copies volumes of drivers without snapshots file by file (Velero resource policy v1)", () => {
        assert.deepStrictEqual(parseYaml(veleroVolumePolicy(["efs.csi.aws.com"])), {
            version: "v1",
            volumePolicies: [{ conditions: { csi: { driver: "efs.csi.aws.com" } }, action: { type: "fs-backup" } }],
        });
    });

    // Go's time.ParseDuration, which Velero applies to TTLs and @every.
    const ttlTable: [string, number | undefined][] = [
        ["168h", 168],
        ["720h0m0s", 720],
        ["36h30m", 36.5],
        ["90m", 1.5],
        ["1.5h", 1.5],
        [".5h", 0.5],
        ["0h", 0],
        ["0", 0],
        ["-1h", -1],
        ["+2h", 2],
        ["7d", undefined],
        ["", undefined],
        ["h", undefined],
        ["1h ", undefined],
        ["12", undefined],
        ["1.25h", 1.25],
        ["1.h", 1],
        ["7d1h", undefined],
        ["1h-", undefined],
    ];
    for (const [ttl, hours] of ttlTable) {
        it(`duration ${JSON.stringify(ttl)} is ${hours ?? "not a Go duration"}`, () => assert.strictEqual(durationHours(ttl), hours));
    }
    it("reads sub-second units", () => assert.ok(Math.abs(durationHours("300ms")! * 3600 - 0.3) < 1e-9));
    it("reads every unit Go knows, down to nanoseconds", () => {
        const hourIn = ["3600000000000ns", "3600000000us", "3600000000µs", "3600000000μs", "3600000ms", "3600s", "60m", "1h"];
        for (const d of hourIn) assert.ok(Math.abs(durationHours(d)! - 1) < 1e-9, `${d}: ${durationHours(d)}`);
        assert.strictEqual(hourIn.length, 8);
    });

    it("includes every namespace, or the platform's own plus extras (deduplicated, sorted)", () => {
        assert.deepStrictEqual(includedNamespaces("AllNamespaces", ["vault"], []), ["*"]);
        assert.deepStrictEqual(includedNamespaces("PlatformNamespaces", ["vault", "keycloak"], ["team-a", "vault"]), ["keycloak", "team-a", "vault"]);
    });

    it("runs Velero with the AWS plugin, no key secret, CSI, kopia and the node agent", () => {
        const v = veleroValues({
            bucketName: "b",
            region: "eu-west-1",
            kmsKeyArn: "arn:k",
            awsPluginVersion: "v1.14.0",
            fileSystemBackup: true,
            snapshotMoveData: true,
            schedules: [{ name: "daily", cron: "0 3 * * *", ttl: "168h", scope: "PlatformNamespaces", extraNamespaces: ["team-a"], snapshotVolumes: true }],
            platformNamespaces: ["vault"],
            systemNodeSelector: { "platform.io/node-role": "system" },
        }) as any;
        assert.strictEqual(v.initContainers[0].image, "velero/velero-plugin-for-aws:v1.14.0");
        assert.deepStrictEqual(v.initContainers[0].volumeMounts, [{ mountPath: "/target", name: "plugins" }]);
        assert.deepStrictEqual(v.credentials, { useSecret: false });
        assert.deepStrictEqual(v.configuration.backupStorageLocation[0], {
            name: "default",
            provider: "aws",
            bucket: "b",
            default: true,
            accessMode: "ReadWrite",
            config: { region: "eu-west-1", kmsKeyId: "arn:k" },
        });
        assert.deepStrictEqual(v.configuration.volumeSnapshotLocation, [{ name: "default", provider: "aws", config: { region: "eu-west-1" } }]);
        assert.strictEqual(v.configuration.features, "EnableCSI");
        assert.strictEqual(v.deployNodeAgent, true);
        assert.deepStrictEqual(v.schedules.daily.template.includedNamespaces, ["team-a", "vault"]);
        assert.strictEqual(v.schedules.daily.template.snapshotMoveData, true);
        assert.strictEqual(v.schedules.daily.useOwnerReferencesInBackup, false);
    });
});

const accounts = { dev: "111111111111", prod: "222222222222" } as const;

for (const stack of ["dev", "prod"] as const) {
    describe(`backup in stack ${stack} @stack`, () => {
        const cfg = parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform");
        const bucketName = `acme-${stack}-velero-${accounts[stack]}-eu-west-1`;
        let plan: Plan;
        let res: PlannedResource[];
        let values: any;
        before(async () => {
            plan = await committedPlan(stack);
            res = within(plan.resources, "platform-backup");
            values = inputs(named(res, "platform-backup-velero")).values;
        });

        it("installs the pinned Velero chart into its platform namespace, on a Pod Identity role for its service account", () => {
            const release = named(res, "platform-backup-velero");
            const i = inputs(release);
            assert.deepStrictEqual([i.chart, i.version, i.repositoryOpts.repo, i.namespace], ["velero", cfg.backup.chartVersion, "https://vmware-tanzu.github.io/helm-charts", "velero"]);
            const role = named(res, "platform-backup-identity-role");
            // The first backup runs at once: the release waits for everything in the identity component (role, policy,
            // association) and the bucket component (encryption, policy, public-access block...), and the snapshot class.
            const waitsFor = (r: PlannedResource) => assert.ok(release.dependsOn.includes(r.urn), `release does not wait for ${r.name}`);
            for (const component of ["platform-backup-identity", "platform-backup-bucket"]) {
                // (The bucket itself is a dependency through its name in the values, so not listed as an explicit one.)
                const children = within(res, component).filter((r) => r.custom && r.type !== "aws:s3/bucket:Bucket");
                assert.ok(children.length >= 3, component);
                children.forEach(waitsFor);
            }
            waitsFor(named(plan.resources, "platform-storage-snapshot-class"));
            const [association] = ofType(res, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(inputs);
            assert.deepStrictEqual([association.namespace, association.serviceAccount, association.roleArn], ["velero", "velero-server", `arn:aws:iam::${accounts[stack]}:role/platform-backup-identity-role`]);
            const trust = JSON.parse(inputs(role).assumeRolePolicy).Statement[0];
            assert.deepStrictEqual(trust.Principal, { Service: "pods.eks.amazonaws.com" });
            assert.strictEqual(values.serviceAccount.server.name, "velero-server");
            assert.ok(!("annotations" in values.serviceAccount.server), "Pod Identity: no IRSA annotation");
            assert.deepStrictEqual(values.credentials, { useSecret: false });
            const ns = inputs(named(res, "platform-backup-namespace")).metadata;
            assert.strictEqual(ns.labels["platform.io/namespace-role"], "platform");
            assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "privileged"); // node agent uses host paths
        });

        it("stores backups in its own secure bucket, located in the platform region", () => {
            assert.strictEqual(inputs(named(res, "platform-backup-bucket-bucket")).bucket, bucketName);
            const bsl = values.configuration.backupStorageLocation[0];
            assert.deepStrictEqual([bsl.bucket, bsl.config.region, bsl.config.kmsKeyId], [bucketName, "eu-west-1", `arn:aws:kms:eu-west-1:${accounts[stack]}:key/platform-storage-objects-key`]);
            assert.strictEqual(values.configuration.volumeSnapshotLocation[0].config.region, "eu-west-1");
            assert.strictEqual(values.initContainers[0].image, `velero/velero-plugin-for-aws:${cfg.backup.awsPluginVersion}`);
            assert.strictEqual(values.configuration.features, "EnableCSI");
            assert.strictEqual(values.deployNodeAgent, cfg.backup.fileSystemBackup);
            assert.strictEqual(values.configuration.defaultSnapshotMoveData, cfg.backup.snapshotMoveData);
        });

        it("schedules the configured backups with their TTLs; platform schedules always include the platform namespaces", () => {
            const want = Object.fromEntries(cfg.backup.schedules.map((s) => [s.name, [s.cron, s.ttl]]));
            const got = Object.fromEntries(Object.entries(values.schedules).map(([n, s]: [string, any]) => [n, [s.schedule, s.template.ttl]]));
            assert.deepStrictEqual(got, want);
            assert.deepStrictEqual(Object.keys(got).sort(), stack === "dev" ? ["daily"] : ["daily-full", "platform-hourly"]);
            for (const [, s] of Object.entries(values.schedules) as [string, any][]) {
                const ns: string[] = s.template.includedNamespaces;
                if (ns[0] === "*") continue;
                for (const platform of ["vault", "keycloak", "monitoring", "velero"]) assert.ok(ns.includes(platform), `${platform} missing`);
                assert.deepStrictEqual(ns, [...Object.values(PLATFORM_NAMESPACES)].sort());
            }
            if (stack === "prod") {
                assert.strictEqual(values.schedules["platform-hourly"].schedule, "0 * * * *");
                assert.ok(durationHours(values.schedules["daily-full"].template.ttl)! >= 720);
            }
        });

        it(cfg.storage.efs.enabled ? "backs EFS volumes up file by file through a volume policy every schedule follows" : "needs no volume policy without EFS", () => {
            const maps = ofType(res, "kubernetes:core/v1:ConfigMap");
            const templates = Object.values(values.schedules).map((sc: any) => sc.template);
            if (!cfg.storage.efs.enabled) {
                assert.strictEqual(maps.length, 0);
                for (const t of templates) assert.ok(!("resourcePolicy" in t));
                return;
            }
            const [policy] = maps;
            assert.deepStrictEqual([inputs(policy).metadata.name, inputs(policy).metadata.namespace], ["velero-volume-policy", "velero"]);
            assert.deepStrictEqual(Object.keys(inputs(policy).data), ["policy.yaml"]); // Velero reads a ConfigMap with exactly one key
            assert.deepStrictEqual(parseYaml(inputs(policy).data["policy.yaml"]).volumePolicies, [
                { conditions: { csi: { driver: "efs.csi.aws.com" } }, action: { type: "fs-backup" } },
            ]);
            for (const t of templates) assert.deepStrictEqual(t.resourcePolicy, { kind: "configmap", name: "velero-volume-policy" });
            assert.ok(named(res, "platform-backup-velero").dependsOn.includes(policy.urn));
            assert.strictEqual(values.deployNodeAgent, true);
        });

        it("scopes Velero's IAM to its bucket, the objects key, the EBS key and Velero's own snapshots", () => {
            const doc = JSON.parse(inputs(named(res, "platform-backup-identity-policy")).policy);
            assertLeastPrivilege(doc, DESCRIBE_ONLY);
            const s3 = doc.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:")));
            assert.deepStrictEqual(s3.map((s: any) => s.Resource).sort(), [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
            const del = doc.Statement.find((s: any) => s.Action === "ec2:DeleteSnapshot");
            assert.deepStrictEqual(del.Condition, { Null: { "aws:ResourceTag/velero.io/backup": "false" } });
            assert.strictEqual(del.Resource, "arn:aws:ec2:eu-west-1::snapshot/*");
            const objectsKey = doc.Statement.find((s: any) => s.Sid === "BucketKey");
            assert.deepStrictEqual(objectsKey.Condition.StringLike, {
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`],
            });
            const kms = doc.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("kms:"))).map((s: any) => s.Resource);
            assert.deepStrictEqual([...new Set(kms)].sort(), [
                `arn:aws:kms:eu-west-1:${accounts[stack]}:key/platform-cluster-ebs-key`,
                `arn:aws:kms:eu-west-1:${accounts[stack]}:key/platform-storage-objects-key`,
            ]);
        });

        it(cfg.backup.replicaRegion ? "copies the bucket to the replica region with a key there" : "keeps no cross-region copy", () => {
            const replication = ofType(res, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
            if (!cfg.backup.replicaRegion) {
                assert.strictEqual(replication.length, 0);
                assert.deepStrictEqual([plan.outputs.backupReplicaBucketName, plan.outputs.backupReplicaAccessPolicyArn], ["", ""]);
                return;
            }
            assert.strictEqual(plan.outputs.backupReplicaBucketName, `acme-prod-velero-${accounts.prod}-${cfg.backup.replicaRegion}`);
            // What a recovery cluster's Velero needs on the copy: its objects, and its key only through S3 there.
            const access = named(res, "platform-backup-bucket-replica-access");
            assert.strictEqual(plan.outputs.backupReplicaAccessPolicyArn, `arn:aws:iam::${accounts.prod}:policy/platform-backup-bucket-replica-access`);
            const accessDoc = JSON.parse(inputs(access).policy);
            assertLeastPrivilege(accessDoc);
            const replicaArn = `arn:aws:s3:::acme-prod-velero-${accounts.prod}-${cfg.backup.replicaRegion}`;
            assert.deepStrictEqual(accessDoc.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:"))).map((s: any) => s.Resource).sort(), [replicaArn, `${replicaArn}/*`]);
            const key = accessDoc.Statement.find((s: any) => s.Sid === "BucketKey");
            assert.match(key.Resource, new RegExp(`^arn:aws:kms:${cfg.backup.replicaRegion}:`));
            assert.strictEqual(key.Condition.StringLike["kms:ViaService"], `s3.${cfg.backup.replicaRegion}.amazonaws.com`);
            // Kept with the kept replication configuration in production.
            for (const kept of ["platform-backup-bucket-replication-role", "platform-backup-bucket-replication-policy", "platform-backup-bucket-replication", "platform-backup-bucket-replica-access"]) {
                assert.strictEqual(named(res, kept).retainOnDelete, true, kept);
            }
            const replica = named(res, "platform-backup-bucket-replica-bucket");
            assert.strictEqual(inputs(replica).region, cfg.backup.replicaRegion);
            assert.strictEqual(inputs(replica).bucket, `acme-prod-velero-${accounts.prod}-${cfg.backup.replicaRegion}`);
            const rule = inputs(replication[0]).rules[0];
            assert.strictEqual(rule.destination.bucket, `arn:aws:s3:::acme-prod-velero-${accounts.prod}-${cfg.backup.replicaRegion}`);
            assert.match(rule.destination.encryptionConfiguration.replicaKmsKeyId, new RegExp(`^arn:aws:kms:${cfg.backup.replicaRegion}:`));
            assert.strictEqual(rule.sourceSelectionCriteria.sseKmsEncryptedObjects.status, "Enabled");
            assert.strictEqual(inputs(named(res, "platform-backup-bucket-replica-key")).region, cfg.backup.replicaRegion);
            const role = JSON.parse(inputs(named(res, "platform-backup-bucket-replication-role")).assumeRolePolicy);
            assert.deepStrictEqual(role.Statement[0].Principal, { Service: "s3.amazonaws.com" });
            assert.strictEqual(role.Statement[0].Condition.ArnLike["aws:SourceArn"], `arn:aws:s3:::${bucketName}`);
            const replicationDoc = JSON.parse(inputs(named(res, "platform-backup-bucket-replication-policy")).policy);
            assertLeastPrivilege(replicationDoc);
            const viaService = (sid: string) => replicationDoc.Statement.find((s: any) => s.Sid === sid).Condition.StringLike["kms:ViaService"];
            assert.deepStrictEqual([viaService("DecryptSource"), viaService("EncryptReplicas")], ["s3.eu-west-1.amazonaws.com", `s3.${cfg.backup.replicaRegion}.amazonaws.com`]);
            // The replica is a secure bucket as well, and versioned before replication starts.
            assert.strictEqual(named(res, "platform-backup-bucket-replica-public-access-block").parent, named(res, "platform-backup-bucket-replica").urn);
            assert.ok(replication[0].dependsOn.includes(named(res, "platform-backup-bucket-versioning").urn));
        });

        it("expires old versions in the bucket and moves objects only to tiers Velero can read in place", () => {
            const [rule] = inputs(named(res, "platform-backup-bucket-lifecycle")).rules;
            assert.deepStrictEqual(rule.noncurrentVersionExpiration, { noncurrentDays: cfg.backup.lifecycle.noncurrentVersionExpirationDays });
            assert.deepStrictEqual(rule.transitions ?? [], cfg.backup.lifecycle.transitions);
        });

        it(stack === "prod" ? "refuses backup.enabled: false in production, registering nothing" : "builds no Velero when backup.enabled is false", async () => {
            const plan = planStack({ stack, configOverrides: { "platform:backup": { ...cfg.backup, enabled: false } } });
            if (stack === "prod") {
                await assert.rejects(plan, (e: PlanError) => e.registered.length === 0 && /platform:backup\.enabled/.test(e.message));
                return;
            }
            const off = await plan;
            assert.strictEqual(off.resources.filter((r) => r.name.startsWith("platform-backup")).length, 0);
            assert.deepStrictEqual(ofType(off.resources, "aws:s3/bucket:Bucket").map((b) => inputs(b).bucket).filter((b: string) => b.includes("velero")), []);
            assert.ok(!off.resources.some((r) => /velero/.test(r.name)), "a Velero monitor or dashboard without Velero");
            assert.deepStrictEqual([off.outputs.backupBucketName, off.outputs.backupReplicaBucketName, off.outputs.backupReplicaAccessPolicyArn], ["", "", ""]);
        });
    });
}

describe("veleroPolicy", () => {
    it("tags only what it creates", () => {
        const doc = veleroPolicy({ partition: "aws", region: "eu-west-1", accountId: "1", bucketArn: "arn:b", objectsKeyArn: "arn:o", ebsKeyArn: "arn:e" });
        const tags = doc.Statement.find((s) => s.Action === "ec2:CreateTags")!;
        assert.deepStrictEqual(tags.Condition, { StringEquals: { "ec2:CreateAction": ["CreateSnapshot", "CreateVolume"] } });
    });
});
