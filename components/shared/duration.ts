// Durations as Kubernetes controllers and Pulumi write them: whole units of s, m and h ("90m", "1h30m", "45s").

/** Seconds in such a duration; 0 for text with no unit in it. */
export function durationSeconds(duration: string): number {
    let total = 0;
    for (const [, n, unit] of duration.matchAll(/(\d+)([smh])/g)) total += Number(n) * { s: 1, m: 60, h: 3600 }[unit as "s" | "m" | "h"];
    return total;
}
