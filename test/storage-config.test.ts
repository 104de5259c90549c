import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, itRejects } from "./helpers";

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

describe("config: bad storage and backup input is rejected with key, value and expectation", () => {
    itRejects(badInputs, (raw) => parsePlatformConfig(raw, "platform"));

    it("defaults the whole storage section when it is left out", () => {
        const cfg = parsePlatformConfig(without("storage"), "platform");
        assert.deepStrictEqual(cfg.storage, { retainStatefulVolumes: false, accessLogs: { enabled: false, retentionDays: 365 }, efs: { enabled: false, throughputMode: "elastic" } });
    });
});
