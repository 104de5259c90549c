import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
type Raw = Record<string, string>;
const section = (key: string, base: Raw) => JSON.parse(base[`platform:${key}`] ?? "{}");
const patch = (key: string, change: Record<string, unknown>, base: Raw = dev): Raw => ({
    ...base,
    [`platform:${key}`]: JSON.stringify({ ...section(key, base), ...change }),
});
const storage = (change: Record<string, unknown>, base: Raw = dev) => patch("storage", change, base);
const backup = (change: Record<string, unknown>, base: Raw = dev) => patch("backup", change, base);
const schedule = (i: number, change: Record<string, unknown>, base: Raw = dev) => {
    const b = section("backup", base);
    b.schedules[i] = { ...b.schedules[i], ...change };
    return { ...base, "platform:backup": JSON.stringify(b) };
};
const without = (key: string, base: Raw = dev): Raw => Object.fromEntries(Object.entries(base).filter(([k]) => k !== `platform:${key}`));
const transitions = (...list: [days: number, storageClass: string][]) => backup({ lifecycle: { transitions: list.map(([days, storageClass]) => ({ days, storageClass })) } });
const S = "platform:storage";
const B = "platform:backup";
const K8S_NAME = "expected a Kubernetes name (lower-case, digits, '-', at most 63)";
const ORDER = "STANDARD_IA -> INTELLIGENT_TIERING -> GLACIER_IR (S3 only moves objects down, each class once)";
const KEPT = "expected a schedule of AllNamespaces kept at least 720h (30 days) in production";
const FREQUENT = "expected a schedule backing up the platform namespaces at least every 60 minutes in production";

const badInputs: BadInput[] = [
    ["negative TTL", schedule(0, { ttl: "-24h" }), ["platform:backup.schedules[0].ttl", '"-24h"', "TTL above zero"]],
    ["zero TTL", schedule(0, { ttl: "0h" }), ["platform:backup.schedules[0].ttl", '"0h"', "TTL above zero"]],
    ["TTL in days", schedule(0, { ttl: "7d" }), ["platform:backup.schedules[0].ttl", '"7d"', "Go duration"]],
    ["TTL as a number", schedule(0, { ttl: 168 }), ["platform:backup.schedules[0].ttl", "168", "expected a string"]],
    ["cron minute out of range", schedule(0, { cron: "61 3 * * *" }), ["platform:backup.schedules[0].cron", '"61 3 * * *"', 'minute "61" is outside 0-59']],
    ["TTL of a second", schedule(0, { ttl: "0h0m1s" }), ["platform:backup.schedules[0].ttl", '"0h0m1s"', "at least 1h"]],
    ["cron day-of-week 7 (Velero counts Sunday as 0 only)", schedule(0, { cron: "0 3 * * 7" }), ["platform:backup.schedules[0].cron", 'day-of-week "7" is outside 0-6']],
    ["cron 'last day of month' (not in Velero's cron)", schedule(0, { cron: "0 3 L * *" }), ["platform:backup.schedules[0].cron", '"0 3 L * *"', 'day-of-month "L" is not a number']],
    ["cron that matches no date", schedule(0, { cron: "0 0 31 2 *" }), ["platform:backup.schedules[0].cron", '"0 0 31 2 *"', "matches no date"]],
    ["cron with a seconds field", schedule(0, { cron: "0 0 3 * * *" }), ["platform:backup.schedules[0].cron", "five cron fields", "got 6 fields"]],
    ["cron that is prose", schedule(0, { cron: "every day" }), ["platform:backup.schedules[0].cron", '"every day"', "five cron fields"]],
    ["unknown descriptor", schedule(0, { cron: "@fortnightly" }), ["platform:backup.schedules[0].cron", '"@fortnightly"', "@daily"]],
    ["unknown lifecycle storage class", backup({ lifecycle: { transitions: [{ days: 30, storageClass: "COLD" }] } }), ["platform:backup.lifecycle.transitions[0].storageClass", '"COLD"', "STANDARD_IA | INTELLIGENT_TIERING | GLACIER_IR"]],
    ["archive storage class for backups", backup({ lifecycle: { transitions: [{ days: 90, storageClass: "DEEP_ARCHIVE" }] } }), ["platform:backup.lifecycle.transitions[0].storageClass", '"DEEP_ARCHIVE"', "no archive tiers"]],
    ["Standard-IA before 30 days", backup({ lifecycle: { transitions: [{ days: 7, storageClass: "STANDARD_IA" }] } }), ["platform:backup.lifecycle.transitions[0].days", "7", "at least 30 days"]],
    ["transition back up the S3 waterfall", backup({ lifecycle: { transitions: [{ days: 30, storageClass: "GLACIER_IR" }, { days: 60, storageClass: "STANDARD_IA" }] } }), ["platform:backup.lifecycle.transitions[1].storageClass", '"STANDARD_IA"', "a class after GLACIER_IR"]],
    ["the same transition class twice", backup({ lifecycle: { transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 60, storageClass: "STANDARD_IA" }] } }), ["platform:backup.lifecycle.transitions[1].storageClass", "a class after STANDARD_IA"]],
    ["transitions out of day order", backup({ lifecycle: { transitions: [{ days: 60, storageClass: "STANDARD_IA" }, { days: 30, storageClass: "GLACIER_IR" }] } }), ["platform:backup.lifecycle.transitions[1].days", "30", "at least 90 days (30 after the STANDARD_IA transition at 60)"]],
    ["leaving Standard-IA within 30 days", backup({ lifecycle: { transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 31, storageClass: "GLACIER_IR" }] } }), ["platform:backup.lifecycle.transitions[1].days", "31", "at least 60 days"]],
    ["two transitions on the same day", backup({ lifecycle: { transitions: [{ days: 10, storageClass: "INTELLIGENT_TIERING" }, { days: 10, storageClass: "GLACIER_IR" }] } }), ["platform:backup.lifecycle.transitions[1].days", "10", "at least 11 days (1 after the INTELLIGENT_TIERING transition at 10)"]],
    ["negative transition days", backup({ lifecycle: { transitions: [{ days: -1, storageClass: "GLACIER_IR" }] } }), ["platform:backup.lifecycle.transitions[0].days", "-1", "0 or more"]],
    ["noncurrent versions expiring at once", backup({ lifecycle: { noncurrentVersionExpirationDays: 0 } }), ["platform:backup.lifecycle.noncurrentVersionExpirationDays", "0", "at least 1 day"]],
    ["unknown lifecycle key", backup({ lifecycle: { expireDays: 3 } }), ["platform:backup.lifecycle.expireDays", "unknown key"]],
    ["unpinned Velero chart", backup({ chartVersion: "latest" }), ["platform:backup.chartVersion", '"latest"', "pinned chart version"]],
    ["plugin tag without v", backup({ awsPluginVersion: "1.14.0" }), ["platform:backup.awsPluginVersion", '"1.14.0"', "v1.13.0"]],
    ["backup section missing", without("backup"), ["platform:backup", "required"]],
    ["unknown backup key", backup({ schedule: [] }), ["platform:backup.schedule", "unknown key", "schedules"]],
    ["unknown schedule key", schedule(0, { retention: "168h" }), ["platform:backup.schedules[0].retention", "unknown key"]],
    ["schedule scope typo", schedule(0, { scope: "All" }), ["platform:backup.schedules[0].scope", '"All"', "AllNamespaces | PlatformNamespaces"]],
    ["schedule name with capitals", schedule(0, { name: "Daily" }), ["platform:backup.schedules[0].name", '"Daily"', "Kubernetes name"]],
    ["extra namespace that is not a name", schedule(0, { scope: "PlatformNamespaces", extraNamespaces: ["Team_A"] }), ["platform:backup.schedules[0].extraNamespaces[0]", '"Team_A"', "Kubernetes name"]],
    ["extra namespaces on an all-namespace schedule", schedule(0, { extraNamespaces: ["team-a"] }), ["platform:backup.schedules[0].extraNamespaces", "none with scope AllNamespaces"]],
    ["snapshotVolumes as a string", schedule(0, { snapshotVolumes: "yes" }), ["platform:backup.schedules[0].snapshotVolumes", '"yes"', "expected true or false"]],
    ["duplicate schedule names", schedule(1, { name: "platform-hourly" }, prod), ["platform:backup.schedules[1].name", '"platform-hourly"', "unique schedule names"]],
    ["replica in the platform's own region", backup({ replicaRegion: "eu-west-1" }), ["platform:backup.replicaRegion", '"eu-west-1"', "other than the platform's (eu-west-1)"]],
    ["replica region that is not a region", backup({ replicaRegion: "frankfurt" }), ["platform:backup.replicaRegion", '"frankfurt"', "AWS region"]],
    ["fileSystemBackup as a string", backup({ fileSystemBackup: "true" }), ["platform:backup.fileSystemBackup", '"true"', "expected true or false"]],
    ["snapshotMoveData as a number", backup({ snapshotMoveData: 1 }), ["platform:backup.snapshotMoveData", "1", "expected true or false"]],
    ["snapshot data movement without the node agent", backup({ snapshotMoveData: true, fileSystemBackup: false }), ["platform:backup.fileSystemBackup", "false", "true when snapshotMoveData is true"]],
    ["backups off in production", backup({ enabled: false }, prod), ["platform:backup.enabled", "true in production"]],
    ["production keeping full backups under 30 days", schedule(1, { ttl: "336h" }, prod), ["platform:backup.schedules", "kept at least 720h (30 days) in production"]],
    ["production backing up platform namespaces only every 2 hours", schedule(0, { cron: "0 */2 * * *" }, prod), ["platform:backup.schedules", "at least every 60 minutes in production", "platform-hourly:0 */2 * * *"]],
    ["EFS without file-system backups", backup({ fileSystemBackup: false, snapshotMoveData: false }, prod), ["platform:backup.fileSystemBackup", "true when storage.efs.enabled is true"]],
    ["production with only platform-namespace schedules", backup({ schedules: [section("backup", prod).schedules[0]] }, prod), ["platform:backup.schedules", "AllNamespaces"]],
    ["unknown storage key", storage({ retainVolumes: true }), ["platform:storage.retainVolumes", "unknown key", "retainStatefulVolumes"]],
    ["retainStatefulVolumes as a string", storage({ retainStatefulVolumes: "no" }), ["platform:storage.retainStatefulVolumes", '"no"', "expected true or false"]],
    ["volumes not retained in production", storage({ retainStatefulVolumes: false }, prod), ["platform:storage.retainStatefulVolumes", "true in production"]],
    ["access-log retention of zero days", storage({ accessLogs: { enabled: true, retentionDays: 0 } }), ["platform:storage.accessLogs.retentionDays", "0", "at least 1 day"]],
    ["access logs enabled as a string", storage({ accessLogs: { enabled: "on" } }), ["platform:storage.accessLogs.enabled", '"on"', "expected true or false"]],
    ["EFS without an add-on version", storage({ efs: { enabled: true } }), ["platform:storage.efs.addonVersion", "aws-efs-csi-driver add-on version when efs.enabled"]],
    ["EFS add-on version without eksbuild", storage({ efs: { enabled: true, addonVersion: "v2.1.0" } }), ["platform:storage.efs.addonVersion", '"v2.1.0"', "eksbuild"]],
    ["EFS throughput mode typo", storage({ efs: { enabled: true, addonVersion: "v2.1.0-eksbuild.1", throughputMode: "provisioned" } }), ["platform:storage.efs.throughputMode", '"provisioned"', "elastic | bursting"]],
];

// Every message of the storage and backup sections, written out in full: the key, the value and what is expected.
const exactProblems: ExactBadInput[] = [
    ["access logs kept no day", storage({ accessLogs: { enabled: true, retentionDays: 0 } }), [`${S}.accessLogs.retentionDays: expected at least 1 day; got 0`]],
    ["access logs kept 3651 days", storage({ accessLogs: { enabled: true, retentionDays: 3651 } }), [`${S}.accessLogs.retentionDays: expected at most 3650 days; got 3651`]],
    ["access logs kept half a day", storage({ accessLogs: { enabled: true, retentionDays: 1.5 } }), [`${S}.accessLogs.retentionDays: expected whole days; got 1.5`]],
    [
        "EFS add-on version without eksbuild",
        storage({ efs: { enabled: true, addonVersion: "v2.1.0" } }),
        [`${S}.efs.addonVersion: expected an EKS add-on version like v1.2.3-eksbuild.1 for aws-efs-csi-driver; got "v2.1.0"`],
    ],
    ["EFS throughput mode typo", storage({ efs: { throughputMode: "provisioned" } }), [`${S}.efs.throughputMode: expected elastic | bursting; got "provisioned"`]],
    ["EFS without an add-on version", storage({ efs: { enabled: true } }), [`${S}.efs.addonVersion: expected an aws-efs-csi-driver add-on version when efs.enabled is true; got undefined`]],
    [
        "volumes not retained in production",
        storage({ retainStatefulVolumes: false }, prod),
        [`${S}.retainStatefulVolumes: expected true in production (stateful volumes must outlive their claims); got false`],
    ],
    ["TTL in days", schedule(0, { ttl: "7d" }), [`${B}.schedules[0].ttl: expected a Go duration like 168h or 720h0m0s; got "7d"`]],
    ["TTL of zero", schedule(0, { ttl: "0" }), [`${B}.schedules[0].ttl: expected a TTL above zero; got "0"`]],
    ["negative TTL", schedule(0, { ttl: "-24h" }), [`${B}.schedules[0].ttl: expected a TTL above zero; got "-24h"`]],
    ["TTL of 59 minutes", schedule(0, { ttl: "59m" }), [`${B}.schedules[0].ttl: expected a TTL of at least 1h; got "59m"`]],
    ["cron minute out of range", schedule(0, { cron: "61 3 * * *" }), [`${B}.schedules[0].cron: minute "61" is outside 0-59; got "61 3 * * *"`]],
    ["cron that matches no date", schedule(0, { cron: "0 0 31 2 *" }), [`${B}.schedules[0].cron: expected a schedule that runs (this one matches no date); got "0 0 31 2 *"`]],
    ["schedule name with capitals", schedule(0, { name: "Daily" }), [`${B}.schedules[0].name: ${K8S_NAME}; got "Daily"`]],
    ["schedule name starting with a hyphen", schedule(0, { name: "-daily" }), [`${B}.schedules[0].name: ${K8S_NAME}; got "-daily"`]],
    ["schedule name ending with a hyphen", schedule(0, { name: "daily-" }), [`${B}.schedules[0].name: ${K8S_NAME}; got "daily-"`]],
    ["schedule name of 64 characters", schedule(0, { name: "d".repeat(64) }), [`${B}.schedules[0].name: ${K8S_NAME}; got "${"d".repeat(64)}"`]],
    ["extra namespace that is not a name", schedule(0, { scope: "PlatformNamespaces", extraNamespaces: ["team-a", "Team_A"] }), [`${B}.schedules[0].extraNamespaces[1]: ${K8S_NAME}; got "Team_A"`]],
    ["schedule scope typo", schedule(0, { scope: "All" }), [`${B}.schedules[0].scope: expected AllNamespaces | PlatformNamespaces; got "All"`]],
    ["transition after half a day", transitions([1.5, "GLACIER_IR"]), [`${B}.lifecycle.transitions[0].days: expected whole days; got 1.5`]],
    ["negative transition days", transitions([-1, "GLACIER_IR"]), [`${B}.lifecycle.transitions[0].days: expected 0 or more days; got -1`]],
    [
        "archive storage class for backups",
        transitions([90, "DEEP_ARCHIVE"]),
        [`${B}.lifecycle.transitions[0].storageClass: expected STANDARD_IA | INTELLIGENT_TIERING | GLACIER_IR (backups are read in place: no archive tiers); got "DEEP_ARCHIVE"`],
    ],
    ["plugin tag without v", backup({ awsPluginVersion: "1.14.0" }), [`${B}.awsPluginVersion: expected a plugin image tag like v1.13.0; got "1.14.0"`]],
    ["noncurrent versions expiring at once", backup({ lifecycle: { noncurrentVersionExpirationDays: 0 } }), [`${B}.lifecycle.noncurrentVersionExpirationDays: expected at least 1 day; got 0`]],
    ["noncurrent versions kept half a day", backup({ lifecycle: { noncurrentVersionExpirationDays: 1.5 } }), [`${B}.lifecycle.noncurrentVersionExpirationDays: expected whole days; got 1.5`]],
    ["replica region that is not a region", backup({ replicaRegion: "frankfurt" }), [`${B}.replicaRegion: expected an AWS region like eu-central-1; got "frankfurt"`]],
    ["unpinned Velero chart", backup({ chartVersion: "latest" }), [`${B}.chartVersion: expected a pinned chart version like 1.8.1; got "latest"`]],
    ["duplicate schedule names", schedule(1, { name: "platform-hourly" }, prod), [`${B}.schedules[1].name: expected unique schedule names; got "platform-hourly"`]],
    [
        "extra namespaces on an all-namespace schedule",
        schedule(0, { extraNamespaces: ["team-a"] }),
        [`${B}.schedules[0].extraNamespaces: expected none with scope AllNamespaces (it already includes every namespace); got ["team-a"]`],
    ],
    ["Standard-IA after 29 days", transitions([29, "STANDARD_IA"]), [`${B}.lifecycle.transitions[0].days: expected at least 30 days before STANDARD_IA (S3 minimum); got 29`]],
    [
        "transition back up the S3 waterfall",
        transitions([30, "GLACIER_IR"], [60, "STANDARD_IA"]),
        [`${B}.lifecycle.transitions[1].storageClass: expected a class after GLACIER_IR in ${ORDER}; got "STANDARD_IA"`],
    ],
    [
        "the same transition class twice",
        transitions([30, "STANDARD_IA"], [60, "STANDARD_IA"]),
        [`${B}.lifecycle.transitions[1].storageClass: expected a class after STANDARD_IA in ${ORDER}; got "STANDARD_IA"`],
    ],
    [
        "leaving Standard-IA a day early",
        transitions([30, "STANDARD_IA"], [59, "GLACIER_IR"]),
        [`${B}.lifecycle.transitions[1].days: expected at least 60 days (30 after the STANDARD_IA transition at 30); got 59`],
    ],
    [
        "two transitions on the same day",
        transitions([10, "INTELLIGENT_TIERING"], [10, "GLACIER_IR"]),
        [`${B}.lifecycle.transitions[1].days: expected at least 11 days (1 after the INTELLIGENT_TIERING transition at 10); got 10`],
    ],
    [
        "snapshot data movement without the node agent",
        backup({ snapshotMoveData: true, fileSystemBackup: false }),
        [`${B}.fileSystemBackup: expected true when snapshotMoveData is true (Velero's data mover runs in the node agent); got false`],
    ],
    [
        "EFS without file-system backups",
        backup({ fileSystemBackup: false }, storage({ efs: { enabled: true, addonVersion: "v3.4.0-eksbuild.1" } })),
        [`${B}.fileSystemBackup: expected true when storage.efs.enabled is true (EFS volumes have no snapshots: Velero copies them file by file); got false`],
    ],
    // Production moves snapshot data and runs EFS: both rules name the node agent.
    [
        "no node agent in production",
        backup({ fileSystemBackup: false }, prod),
        [
            `${B}.fileSystemBackup: expected true when snapshotMoveData is true (Velero's data mover runs in the node agent); got false`,
            `${B}.fileSystemBackup: expected true when storage.efs.enabled is true (EFS volumes have no snapshots: Velero copies them file by file); got false`,
        ],
    ],
    ["replica in the platform's own region", backup({ replicaRegion: "eu-west-1" }), [`${B}.replicaRegion: expected a region other than the platform's (eu-west-1); got "eu-west-1"`]],
    ["backups off in production", backup({ enabled: false }, prod), [`${B}.enabled: expected true in production; got false`]],
    ["production keeping full backups 719 hours", schedule(1, { ttl: "719h" }, prod), [`${B}.schedules: ${KEPT}; got ["platform-hourly:72h","daily-full:719h"]`]],
    ["production keeping only the platform namespaces 30 days", schedule(1, { scope: "PlatformNamespaces" }, prod), [`${B}.schedules: ${KEPT}; got ["platform-hourly:72h","daily-full:720h"]`]],
    ["production backing up every 2 hours", schedule(0, { cron: "0 */2 * * *" }, prod), [`${B}.schedules: ${FREQUENT}; got ["platform-hourly:0 */2 * * *","daily-full:0 2 * * *"]`]],
    ["production backing up every 61 minutes", schedule(0, { cron: "@every 61m" }, prod), [`${B}.schedules: ${FREQUENT}; got ["platform-hourly:@every 61m","daily-full:0 2 * * *"]`]],
];

describe("config: bad storage and backup input is rejected with key, value and expectation", () => {
    itRejects(badInputs, (raw) => parsePlatformConfig(raw, "platform"));

    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("accepts access logs kept 1 and 3650 days", () => {
        for (const retentionDays of [1, 3650]) assert.strictEqual(parsePlatformConfig(storage({ accessLogs: { enabled: true, retentionDays } }), "platform").storage.accessLogs.retentionDays, retentionDays);
    });

    it("accepts EFS off without an add-on version, and EFS without file-system backups when backups are off", () => {
        assert.strictEqual(parsePlatformConfig(storage({ efs: { enabled: false } }), "platform").storage.efs.addonVersion, undefined);
        const raw = backup({ enabled: false, fileSystemBackup: false }, storage({ efs: { enabled: true, addonVersion: "v3.4.0-eksbuild.1" } }));
        assert.strictEqual(parsePlatformConfig(raw, "platform").backup.fileSystemBackup, false);
    });

    it("accepts a TTL of 1h, a schedule name of 63 characters or one digit, and transitions at their earliest day", () => {
        assert.strictEqual(parsePlatformConfig(schedule(0, { ttl: "1h" }), "platform").backup.schedules[0].ttl, "1h");
        for (const name of ["d".repeat(63), "1"]) assert.strictEqual(parsePlatformConfig(schedule(0, { name }), "platform").backup.schedules[0].name, name);
        for (const list of [[[0, "GLACIER_IR"]], [[30, "STANDARD_IA"], [60, "GLACIER_IR"]], [[10, "INTELLIGENT_TIERING"], [11, "GLACIER_IR"]]] as [number, string][][]) {
            assert.strictEqual(parsePlatformConfig(transitions(...list), "platform").backup.lifecycle.transitions.length, list.length);
        }
    });

    it("accepts production keeping full backups 720h written any way, and backing up every 60 minutes", () => {
        assert.strictEqual(parsePlatformConfig(schedule(1, { ttl: "720h0m0s" }, prod), "platform").backup.schedules[1].ttl, "720h0m0s");
        for (const cron of ["@every 1h", "@hourly", "*/30 * * * *"]) assert.strictEqual(parsePlatformConfig(schedule(0, { cron }, prod), "platform").backup.schedules[0].cron, cron);
    });

    it("defaults the whole storage section when it is left out", () => {
        const cfg = parsePlatformConfig(without("storage"), "platform");
        assert.deepStrictEqual(cfg.storage, { retainStatefulVolumes: false, accessLogs: { enabled: false, retentionDays: 365 }, efs: { enabled: false, throughputMode: "elastic" } });
    });
});
