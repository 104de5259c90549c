// Backup schedules as data: TTLs, and which namespaces a schedule covers.

/** Hours per unit of a Go duration (time.ParseDuration). */
const GO_DURATION_UNIT_HOURS: Readonly<Record<string, number>> = {
    ns: 1 / 3.6e12,
    us: 1 / 3.6e9,
    "µs": 1 / 3.6e9,
    "μs": 1 / 3.6e9,
    ms: 1 / 3.6e6,
    s: 1 / 3600,
    m: 1 / 60,
    h: 1,
};
const GO_DURATION_TERM = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Hours in a Go duration as Velero reads TTLs and `@every` (time.ParseDuration: "720h", "36h30m", "1.5h", "-2h",
 * "0"); undefined when Go would refuse it.
 */
export function durationHours(value: string): number | undefined {
    const sign = value.startsWith("-") ? -1 : 1;
    let rest = /^[-+]/.test(value) ? value.slice(1) : value;
    if (rest === "0") return 0;
    if (rest === "") return undefined;
    let hours = 0;
    while (rest !== "") {
        const term = GO_DURATION_TERM.exec(rest);
        if (!term || (term[1] === "" && (term[2] ?? "") === "")) return undefined;
        hours += Number(`${term[1] || "0"}.${term[2] || "0"}`) * GO_DURATION_UNIT_HOURS[term[3]];
        rest = rest.slice(term[0].length);
    }
    return sign * hours;
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
