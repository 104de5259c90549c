// Durations as Kubernetes controllers and Pulumi write them: whole units of s, m and h ("90m", "1h30m", "45s").

/** Seconds in such a duration; 0 for text with no unit in it. */
export function durationSeconds(duration: string): number {
    let total = 0;
    for (const [, n, unit] of duration.matchAll(/(\d+)([smh])/g)) total += Number(n) * { s: 1, m: 60, h: 3600 }[unit as "s" | "m" | "h"];
    return total;
}

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
 * Hours in a Go duration as Velero and Vault read them (time.ParseDuration: "720h", "36h30m", "1.5h", "-2h",
 * "0"); undefined when Go would refuse it.
 */
export function durationHours(value: string): number | undefined {
    const sign = value.startsWith("-") ? -1 : 1;
    let rest = value.replace(/^[-+]/, "");
    if (rest === "0") return 0;
    if (rest === "") return undefined;
    let hours = 0;
    while (rest !== "") {
        const term = GO_DURATION_TERM.exec(rest);
        if (!term || (term[1] === "" && (term[2] ?? "") === "")) return undefined;
        // "1." and ".5" are numbers too: the empty side of the point needs no zero.
        hours += Number(`${term[1]}.${term[2] ?? ""}`) * GO_DURATION_UNIT_HOURS[term[3]];
        rest = rest.slice(term[0].length);
    }
    return sign * hours;
}
