// The digest of a platform's settings as its tenant stacks follow them: the platform publishes it (tenantStack
// output), and a tenant stack compares it with its own commit's stack file. A leaf module: the tenant program loads it.
import { createHash } from "crypto";
import { ConfigKey, configKeys, type PlatformConfig } from "./schema";

/** JSON with every object's keys sorted (undefined left out): the same text for the same data, however it was built. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value).filter(([, v]) => v !== undefined);
        return `{${entries
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

/**
 * The digest of a platform's settings as a tenant stack follows them: every key of its stack file but its tenants (a
 * tenant's own change needs no platform update) and its secrets (the digest is a plain output), as SHA-256 of their
 * canonical JSON.
 */
export function tenantSettingsDigest(config: PlatformConfig): string {
    const followed = Object.entries(config).filter(([key]) => key !== "tenants" && !(key in configKeys && "secret" in configKeys[key as ConfigKey]));
    return createHash("sha256").update(canonicalJson(Object.fromEntries(followed))).digest("hex");
}
