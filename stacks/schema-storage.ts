// Schemas of `platform:storage` (volumes, file systems, bucket logging) and `platform:backup` (Velero).
import { z } from "zod";
import { AWS_REGION_PATTERN } from "../components/network/constants";
import { cronProblem, longestGapMinutes } from "../components/backup/cron";
import { BACKUP_STORAGE_CLASSES, durationHours, MIN_DAYS_BEFORE_STANDARD_IA } from "../components/backup/schedules";
import { addonVersion, chartVersion, Issue } from "./schema-common";

export const storageSchema = z.strictObject({
    retainStatefulVolumes: z
        .boolean()
        .default(false)
        .describe("Add the gp3-retain class (reclaimPolicy Retain) and use it for stateful platform services."),
    accessLogs: z
        .strictObject({
            enabled: z.boolean().default(false).describe("Collect S3 server access logs of every platform bucket in one log bucket."),
            retentionDays: z
                .number()
                .int("expected whole days")
                .min(1, "expected at least 1 day")
                .max(3650, "expected at most 3650 days")
                .default(365)
                .describe("Days the log bucket keeps access-log objects before they expire."),
        })
        .prefault({})
        .describe("S3 server access logs of the platform buckets."),
    efs: z
        .strictObject({
            enabled: z.boolean().default(false).describe("An encrypted EFS file system and `efs` StorageClass for ReadWriteMany claims."),
            addonVersion: addonVersion("aws-efs-csi-driver").optional().describe("aws-efs-csi-driver managed add-on build; required when enabled."),
            throughputMode: z
                .enum(["elastic", "bursting"], { error: "expected elastic | bursting" })
                .default("elastic")
                .describe("EFS throughput mode: elastic scales with the load and bills per use, bursting follows the stored size."),
        })
        .prefault({})
        .describe("Shared file system (EFS) for ReadWriteMany volumes."),
});
export type StorageConfig = z.infer<typeof storageSchema>;

/** A backup that expires before the next hourly one has run protects nothing. */
const MIN_TTL_HOURS = 1;

const ttl = z.string().superRefine((value, ctx) => {
    const hours = durationHours(value);
    if (hours === undefined) ctx.addIssue({ code: "custom", message: "expected a Go duration like 168h or 720h0m0s", input: value });
    else if (hours <= 0) ctx.addIssue({ code: "custom", message: "expected a TTL above zero", input: value });
    else if (hours < MIN_TTL_HOURS) ctx.addIssue({ code: "custom", message: `expected a TTL of at least ${MIN_TTL_HOURS}h`, input: value });
});

const cron = z.string().superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
});

const k8sName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a Kubernetes name (lower-case, digits, '-', at most 63)");

export const scheduleSchema = z.strictObject({
    name: k8sName.describe("Schedule name (Velero names it velero-<name>)."),
    cron: cron.describe("Five-field cron in UTC as Velero parses it (robfig/cron), @daily/@hourly..., or @every <duration>."),
    ttl: ttl.describe("How long each backup is kept (Go duration)."),
    scope: z
        .enum(["AllNamespaces", "PlatformNamespaces"], { error: "expected AllNamespaces | PlatformNamespaces" })
        .describe("Everything, or the platform's namespaces (always included) plus extraNamespaces."),
    extraNamespaces: z.array(k8sName).default([]).describe("Namespaces a PlatformNamespaces schedule backs up besides the platform's."),
    snapshotVolumes: z.boolean().default(true).describe("Snapshot persistent volumes (CSI) with the backup."),
});

const transitionSchema = z.strictObject({
    days: z.number().int("expected whole days").min(0, "expected 0 or more days").describe("Age in days at which backup objects move to storageClass."),
    storageClass: z
        .enum(BACKUP_STORAGE_CLASSES, {
            error: `expected ${BACKUP_STORAGE_CLASSES.join(" | ")} (backups are read in place: no archive tiers)`,
        })
        .describe("S3 storage class the objects move to (no archive tiers: Velero reads backups in place)."),
});

export const backupSchema = z.strictObject({
    enabled: z.boolean().default(true).describe("Install Velero with its bucket, identity and schedules."),
    chartVersion: chartVersion().describe("vmware-tanzu/velero Helm chart version."),
    awsPluginVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, "expected a plugin image tag like v1.13.0").describe("velero/velero-plugin-for-aws image tag."),
    fileSystemBackup: z.boolean().default(true).describe("Run the node agent: file-system (Kopia) backups of volumes without snapshots, and the data mover."),
    snapshotMoveData: z.boolean().default(false).describe("Copy CSI snapshot data into the bucket (survives loss of the region's snapshots); needs fileSystemBackup."),
    schedules: z.array(scheduleSchema).default([]).describe("Velero backup schedules: when, what and how long each backup is kept."),
    lifecycle: z
        .strictObject({
            transitions: z.array(transitionSchema).default([]).describe("Storage-class steps of the backup bucket's objects as they age, to cut storage cost."),
            noncurrentVersionExpirationDays: z
                .number()
                .int("expected whole days")
                .min(1, "expected at least 1 day")
                .default(30)
                .describe("Days S3 keeps the old versions of objects Velero deleted or overwrote: an undo window."),
        })
        .prefault({})
        .describe("S3 lifecycle of the backup bucket."),
    replicaRegion: z.string().regex(AWS_REGION_PATTERN, "expected an AWS region like eu-central-1").optional().describe("Copy the backup bucket to this region."),
});
export type BackupConfig = z.infer<typeof backupSchema>;

/** Backups kept at least this long in production. */
export const PRODUCTION_MIN_RETENTION_HOURS = 30 * 24;
/** Production backs up the platform's own namespaces at least this often (recovery point objective). */
export const PRODUCTION_PLATFORM_BACKUP_MINUTES = 60;

/** S3 moves objects only down this order (the transition waterfall), each class at most once. */
const TRANSITION_ORDER: readonly string[] = BACKUP_STORAGE_CLASSES;

export function checkStorage(storage: StorageConfig, ctx: { production: boolean }, issue: Issue) {
    if (storage.efs.enabled && storage.efs.addonVersion === undefined) {
        issue(["storage", "efs", "addonVersion"], "expected an aws-efs-csi-driver add-on version when efs.enabled is true", undefined);
    }
    if (ctx.production && !storage.retainStatefulVolumes) {
        issue(["storage", "retainStatefulVolumes"], "expected true in production (stateful volumes must outlive their claims)", false);
    }
}

export function checkBackup(backup: BackupConfig, ctx: { production: boolean; region: string; efs: boolean }, issue: Issue) {
    const at = (...p: (string | number)[]) => ["backup", ...p];
    const names = new Set<string>();
    backup.schedules.forEach((s, i) => {
        if (names.has(s.name)) issue(at("schedules", i, "name"), "expected unique schedule names", s.name);
        names.add(s.name);
        if (s.scope === "AllNamespaces" && s.extraNamespaces.length > 0) {
            issue(at("schedules", i, "extraNamespaces"), "expected none with scope AllNamespaces (it already includes every namespace)", s.extraNamespaces);
        }
    });
    backup.lifecycle.transitions.forEach((t, i) => {
        if (t.storageClass === "STANDARD_IA" && t.days < MIN_DAYS_BEFORE_STANDARD_IA) {
            issue(at("lifecycle", "transitions", i, "days"), `expected at least ${MIN_DAYS_BEFORE_STANDARD_IA} days before STANDARD_IA (S3 minimum)`, t.days);
        }
        const previous = backup.lifecycle.transitions[i - 1];
        if (previous === undefined) return;
        if (TRANSITION_ORDER.indexOf(t.storageClass) <= TRANSITION_ORDER.indexOf(previous.storageClass)) {
            issue(at("lifecycle", "transitions", i, "storageClass"), `expected a class after ${previous.storageClass} in ${TRANSITION_ORDER.join(" -> ")} (S3 only moves objects down, each class once)`, t.storageClass);
        }
        // S3 refuses a transition sooner than 30 days after one to Standard-IA (which bills 30 days anyway).
        const gap = previous.storageClass === "STANDARD_IA" ? MIN_DAYS_BEFORE_STANDARD_IA : 1;
        if (t.days < previous.days + gap) {
            issue(at("lifecycle", "transitions", i, "days"), `expected at least ${previous.days + gap} days (${gap} after the ${previous.storageClass} transition at ${previous.days})`, t.days);
        }
    });
    if (backup.snapshotMoveData && !backup.fileSystemBackup) {
        issue(at("fileSystemBackup"), "expected true when snapshotMoveData is true (Velero's data mover runs in the node agent)", false);
    }
    if (backup.enabled && ctx.efs && !backup.fileSystemBackup) {
        issue(at("fileSystemBackup"), "expected true when storage.efs.enabled is true (EFS volumes have no snapshots: Velero copies them file by file)", false);
    }
    if (backup.replicaRegion === ctx.region) issue(at("replicaRegion"), `expected a region other than the platform's (${ctx.region})`, backup.replicaRegion);
    if (!ctx.production) return;
    if (!backup.enabled) issue(at("enabled"), "expected true in production", false);
    const kept = backup.schedules.some((s) => s.scope === "AllNamespaces" && (durationHours(s.ttl) ?? 0) >= PRODUCTION_MIN_RETENTION_HOURS);
    if (backup.enabled && !kept) {
        issue(at("schedules"), `expected a schedule of AllNamespaces kept at least ${PRODUCTION_MIN_RETENTION_HOURS}h (30 days) in production`, backup.schedules.map((s) => `${s.name}:${s.ttl}`));
    }
    // Every schedule covers the platform namespaces (AllNamespaces includes them); one must run hourly or more often.
    const frequent = backup.schedules.some((s) => (longestGapMinutes(s.cron) ?? Infinity) <= PRODUCTION_PLATFORM_BACKUP_MINUTES);
    if (backup.enabled && !frequent) {
        issue(at("schedules"), `expected a schedule backing up the platform namespaces at least every ${PRODUCTION_PLATFORM_BACKUP_MINUTES} minutes in production`, backup.schedules.map((s) => `${s.name}:${s.cron}`));
    }
}
