// What the first mutation run of the backup layer showed no test pinned: the cron parser's messages and edge cases,
// Velero's Helm values and IAM statements in full, and the Backup component's options (reports/mutation/SCORES.md).
import * as assert from "assert";
import { CRON_DESCRIPTORS, cronProblem, longestGapMinutes, parseCron } from "../components/backup/cron";
import { veleroPolicy, veleroValues } from "../components/backup/velero";
import { inputs, named, within } from "./helpers";
import { committedPlan } from "./plans";

/** The values a field allows, as a list (what `parseCron` keeps as a boolean per value). */
function allowed(expression: string, field: number): number[] {
    const parsed = parseCron(expression);
    assert.ok("schedule" in parsed, `${expression}: ${JSON.stringify(parsed)}`);
    return parsed.schedule.fields[field].flatMap((on, value) => (on ? [value] : []));
}

describe("backup details: Velero's cron grammar", () => {
    const messages: [string, string][] = [
        ["", "expected a schedule; got an empty string"],
        ["CRON_TZ=Europe/Paris 0 3 * * *", "expected no CRON_TZ/TZ prefix: platform schedules are written in UTC"],
        ["TZ=UTC 0 3 * * *", "expected no CRON_TZ/TZ prefix: platform schedules are written in UTC"],
        ["0 TZ=1 * * *", 'hour "TZ=1" is not a number'], // only a prefix names a time zone
        ["@every 0h", "expected @every with a positive Go duration like 1h30m"],
        ["@fortnightly", "expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>"],
        ["0 3 * *", "expected five cron fields (minute hour day-of-month month day-of-week) or a descriptor like @daily; got 4 fields"],
        ["0 24 * * *", 'hour "24" is outside 0-23'],
        ["0 0 0 * *", 'day-of-month "0" is outside 1-31'],
        ["0 0 * 0 *", 'month "0" is outside 1-12'],
        ["60 * * * *", 'minute "60" is outside 0-59'],
        ["0 3 * * 7", 'day-of-week "7" is outside 0-6'],
        ["1a * * * *", 'minute "1a" is not a number'],
        ["a1 * * * *", 'minute "a1" is not a number'],
        ["0 3 * * 5L", 'day-of-week "5L" is not a number or name'],
        ["0 3 * foo *", 'month "foo" is not a number or name'],
        ["0 1/2/3 * * *", 'too many slashes in hour "1/2/3"'],
        ["0 3 1-2-3 * *", 'too many hyphens in day-of-month "1-2-3"'],
        ["*/x * * * *", 'step of minute "*/x" must be a number'],
        ["*/0 * * * *", 'step of minute "*/0" must be a positive number'],
        ["0 5-3 * * *", 'hour range "5-3" starts after it ends'],
        ["0 0 31 2 *", "expected a schedule that runs (this one matches no date)"],
        ["0 , * * *", "expected a schedule that runs (this one matches no date)"],
    ];
    for (const [expression, message] of messages) {
        it(`says why ${JSON.stringify(expression)} is refused`, () => assert.strictEqual(cronProblem(expression), message));
    }

    it("reads every month and weekday name, in any case", () => {
        const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
        months.forEach((name, i) => assert.deepStrictEqual(allowed(`0 0 1 ${name.toUpperCase()} *`, 3), [i + 1], name));
        ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].forEach((name, i) => assert.deepStrictEqual(allowed(`0 0 * * ${name}`, 4), [i], name));
    });

    it("expands each descriptor to the schedule robfig/cron gives it", () => {
        const expected: Record<string, string> = {
            "@yearly": "0 0 1 1 *",
            "@annually": "0 0 1 1 *",
            "@monthly": "0 0 1 * *",
            "@weekly": "0 0 * * 0",
            "@daily": "0 0 * * *",
            "@midnight": "0 0 * * *",
            "@hourly": "0 * * * *",
        };
        assert.deepStrictEqual(CRON_DESCRIPTORS, expected);
        for (const [descriptor, standard] of Object.entries(expected)) assert.deepStrictEqual(parseCron(descriptor), parseCron(standard), descriptor);
        assert.strictEqual(longestGapMinutes("@weekly"), 7 * 1440);
    });

    it("runs `n/step` to the field's maximum and `a-b/step` to b", () => {
        assert.deepStrictEqual(allowed("5/15 * * * *", 0), [5, 20, 35, 50]);
        assert.deepStrictEqual(allowed("1-10/3 * * * *", 0), [1, 4, 7, 10]);
        assert.deepStrictEqual(allowed("0 22/1 * * *", 1), [22, 23]);
    });

    it("treats a day field as `*` only when written `*`/`?` with a step of at most 1 (robfig's star bit)", () => {
        const stars = (e: string) => {
            const p = parseCron(e);
            assert.ok("schedule" in p);
            return [p.schedule.dayOfMonthStar, p.schedule.dayOfWeekStar];
        };
        assert.deepStrictEqual(stars("0 0 * * *"), [true, true]);
        assert.deepStrictEqual(stars("0 0 */1 * ?"), [true, true]);
        assert.deepStrictEqual(stars("0 0 */2 * 1"), [false, false]);
        assert.deepStrictEqual(stars("0 0 1-31/1 * 1-5/1"), [false, false]);
    });

    it("keeps one flag per value of each field, and ignores blanks around and between fields", () => {
        const p = parseCron("  0\t3  * *   *  ");
        assert.ok("schedule" in p);
        assert.deepStrictEqual(p.schedule.fields.map((f) => f.length), [60, 24, 32, 13, 7]);
    });

    it("measures gaps inside a day as well as across days", () => {
        assert.strictEqual(longestGapMinutes("0 0,23 * * *"), 23 * 60); // 00:00 to 23:00; the night gap is 1 hour
        assert.strictEqual(longestGapMinutes("0 1,5 * * *"), 1440 - 240); // 05:00 to 01:00 the next day
        assert.strictEqual(longestGapMinutes("0 0 1 1 *"), 366 * 1440); // yearly, across 2024's leap day
    });
});

describe("backup details: Velero's values and IAM", () => {
    const args = {
        bucketName: "b",
        region: "eu-west-1",
        kmsKeyArn: "arn:k",
        awsPluginVersion: "v1.14.0",
        fileSystemBackup: false,
        snapshotMoveData: true,
        schedules: [
            { name: "daily", cron: "0 3 * * *", ttl: "168h", scope: "PlatformNamespaces" as const, extraNamespaces: [], snapshotVolumes: true },
            { name: "manifests", cron: "@hourly", ttl: "24h", scope: "AllNamespaces" as const, extraNamespaces: [], snapshotVolumes: false },
        ],
        platformNamespaces: ["vault"],
        systemNodeSelector: { role: "system" },
    };

    it("renders the chart values in full", () => {
        const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
        const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };
        const { schedules, ...rest } = veleroValues(args) as Record<string, any>;
        assert.deepStrictEqual(rest, {
            initContainers: [
                {
                    name: "velero-plugin-for-aws",
                    image: "velero/velero-plugin-for-aws:v1.14.0",
                    imagePullPolicy: "IfNotPresent",
                    volumeMounts: [{ mountPath: "/target", name: "plugins" }],
                    securityContext: restricted,
                },
            ],
            credentials: { useSecret: false },
            serviceAccount: { server: { create: true, name: "velero-server" } },
            configuration: {
                backupStorageLocation: [{ name: "default", provider: "aws", bucket: "b", default: true, accessMode: "ReadWrite", config: { region: "eu-west-1", kmsKeyId: "arn:k" } }],
                volumeSnapshotLocation: [{ name: "default", provider: "aws", config: { region: "eu-west-1" } }],
                features: "EnableCSI",
                uploaderType: "kopia",
                defaultSnapshotMoveData: true,
                logFormat: "json",
            },
            backupsEnabled: true,
            snapshotsEnabled: true,
            upgradeCRDs: true,
            cleanUpCRDs: false,
            deployNodeAgent: false,
            nodeAgent: {
                tolerations: [{ operator: "Exists" }],
                affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "NotIn", values: ["builders"] }] }] } } },
                resources,
            },
            podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: restricted,
            resources,
            priorityClassName: "system-cluster-critical",
            nodeSelector: { role: "system" },
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            metrics: { enabled: true },
        });
        assert.deepStrictEqual(schedules, {
            daily: {
                disabled: false,
                schedule: "0 3 * * *",
                useOwnerReferencesInBackup: false,
                template: {
                    ttl: "168h",
                    storageLocation: "default",
                    includedNamespaces: ["vault"],
                    snapshotVolumes: true,
                    snapshotMoveData: true,
                    volumeSnapshotLocations: ["default"],
                },
            },
            manifests: {
                disabled: false,
                schedule: "@hourly",
                useOwnerReferencesInBackup: false,
                template: { ttl: "24h", storageLocation: "default", includedNamespaces: ["*"], snapshotVolumes: false, snapshotMoveData: false, volumeSnapshotLocations: [] },
            },
        });
    });

    it("grants the AWS plugin's EC2 actions on this account's volumes and this region's snapshots only", () => {
        const doc = veleroPolicy({ partition: "aws-cn", region: "cn-north-1", accountId: "111", bucketArn: "arn:b", objectsKeyArn: "arn:o", ebsKeyArn: "arn:e" });
        const volumes = "arn:aws-cn:ec2:cn-north-1:111:volume/*";
        const snapshots = "arn:aws-cn:ec2:cn-north-1::snapshot/*";
        assert.deepStrictEqual(doc.Statement.slice(0, 5), [
            { Sid: "DescribeVolumesAndSnapshots", Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"], Resource: "*" },
            { Sid: "SnapshotVolumes", Effect: "Allow", Action: "ec2:CreateSnapshot", Resource: [volumes, snapshots] },
            { Sid: "RestoreVolumes", Effect: "Allow", Action: "ec2:CreateVolume", Resource: [volumes, snapshots] },
            {
                Sid: "TagWhatItCreates",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: [volumes, snapshots],
                Condition: { StringEquals: { "ec2:CreateAction": ["CreateSnapshot", "CreateVolume"] } },
            },
            { Sid: "DeleteOwnSnapshots", Effect: "Allow", Action: "ec2:DeleteSnapshot", Resource: snapshots, Condition: { Null: { "aws:ResourceTag/velero.io/backup": "false" } } },
        ]);
        assert.deepStrictEqual(
            doc.Statement.slice(5).map((s) => s.Sid),
            ["BucketObjects", "ListBucket", "BucketKey", "UseEbsKey", "GrantsForAttachedVolumes"],
        );
    });
});

for (const stack of ["dev", "prod"] as const) {
    describe(`backup details in stack ${stack} @stack`, function () {
        this.timeout(60000);
        let res: ReturnType<typeof within>;
        before(async () => {
            res = within((await committedPlan(stack)).resources, "platform-backup");
        });

        it("names the bucket's lifecycle rule", () => {
            assert.strictEqual(inputs(named(res, "platform-backup-bucket-lifecycle")).rules[0].id, "velero-objects");
        });

        it("delivers the Kopia repository password from Vault into the Secret Velero reads, after the namespace exists", () => {
            assert.strictEqual(inputs(named(res, "platform-backup-repository-password-vault")).name, "platform/velero");
            const external = named(res, "platform-backup-repository-password-external-secret");
            assert.deepStrictEqual(inputs(external).spec.data, [{ remoteRef: { key: "platform/velero", property: "repository-password" }, secretKey: "repository-password" }]);
            assert.strictEqual(inputs(external).metadata.name, "velero-repo-credentials");
            assert.ok(external.dependsOn.includes(named(res, "platform-backup-namespace").urn));
        });

        it("installs the release as `velero`, on the System nodes", () => {
            const velero = inputs(named(res, "platform-backup-velero"));
            assert.strictEqual(velero.name, "velero");
            assert.deepStrictEqual(velero.values.nodeSelector, { "platform.io/node-role": "system" });
        });

        it("cleans Velero's finalizers up through the cluster provider, after Velero, within 10 minutes", () => {
            const cleanup = named(res, "platform-backup-finalizer-cleanup");
            const velero = named(res, "platform-backup-velero");
            assert.deepStrictEqual(cleanup.dependsOn, [velero.urn]);
            assert.strictEqual(cleanup.provider, velero.provider);
            assert.strictEqual(cleanup.parent, velero.parent);
            assert.strictEqual(inputs(cleanup).timeout, 600 + 300 + 60);
        });
    });
}
