/** The zones to use: the explicit list, or the region's first `count` zone letters (a, b, c, ...). */
export function resolveAvailabilityZones(region: string, count: number, explicit?: readonly string[]): string[] {
    if (explicit) return [...explicit];
    return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}
