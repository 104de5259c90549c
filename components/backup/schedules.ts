// Backup schedules as data: TTLs, and which namespaces a schedule covers.
const GO_DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Hours in a Go duration of hours/minutes/seconds ("720h", "36h30m"); undefined when it is not one. */
export function durationHours(value: string): number | undefined {
    const match = GO_DURATION.exec(value);
    if (!match || value === "") return undefined;
    const [, h, m, s] = match.map((part) => Number(part ?? 0));
    return h + m / 60 + s / 3600;
}

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
