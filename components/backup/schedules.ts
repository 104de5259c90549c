// Backup schedules as data: TTLs, and which namespaces a schedule covers.

// Go durations are parsed in one place (shared with the secrets layer's TTLs).
export { durationHours } from "../shared/duration";

/** S3 storage classes a Velero bucket may move objects to: backups are read in place, so no archive tiers. */
export const BACKUP_STORAGE_CLASSES = ["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"] as const;
/** S3 refuses transitions to Standard-IA before 30 days. */
export const MIN_DAYS_BEFORE_STANDARD_IA = 30;

export type ScheduleScope = "AllNamespaces" | "PlatformNamespaces";

/** Namespaces a schedule includes: everything, or the platform's own plus any listed extras. */
export function includedNamespaces(scope: ScheduleScope, platformNamespaces: readonly string[], extra: readonly string[]): string[] {
    if (scope === "AllNamespaces") return ["*"];
    return [...new Set([...platformNamespaces, ...extra])].sort();
}
