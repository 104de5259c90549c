// Vault ACL policies as code (HCL), one per role, least privilege on exact path globs (tests pin each path).

export interface AclRule {
    readonly path: string;
    readonly capabilities: readonly ("create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny")[];
}

export function aclPolicy(rules: readonly AclRule[]): string {
    return rules.map((r) => `path "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`).join("\n");
}

/** KV v2 prefixes below the platform mount: the platform's own secrets, and one prefix per tenant. */
export const PLATFORM_PREFIX = "platform";
export const TENANTS_PREFIX = "tenants";

const ALL = ["create", "read", "update", "patch", "delete", "list"] as const;

/** Operators of the platform: run Vault (mounts, auth, policies, audit) and manage every secret. */
export function platformAdminRules(kvMount: string): AclRule[] {
    return [
        { path: "sys/mounts/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/mounts", capabilities: ["read"] },
        { path: "sys/auth/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/auth", capabilities: ["read"] },
        { path: "sys/policies/acl/*", capabilities: [...ALL] },
        { path: "sys/policies/acl", capabilities: ["list"] },
        { path: "sys/audit", capabilities: ["read", "sudo"] },
        { path: "sys/audit/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/storage/raft/*", capabilities: ["read", "update", "sudo"] },
        { path: "auth/*", capabilities: [...ALL] },
        { path: "identity/*", capabilities: [...ALL] },
        { path: `${kvMount}/*`, capabilities: [...ALL] },
    ];
}

/** Reviewers: configuration and the audit setup, and which secrets exist (metadata), never a secret's value. */
export function auditorRules(kvMount: string): AclRule[] {
    return [
        { path: "sys/mounts", capabilities: ["read"] },
        { path: "sys/auth", capabilities: ["read"] },
        { path: "sys/policies/acl", capabilities: ["list"] },
        { path: "sys/policies/acl/*", capabilities: ["read"] },
        { path: "sys/audit", capabilities: ["read", "sudo"] },
        { path: `${kvMount}/metadata/*`, capabilities: ["read", "list"] },
    ];
}

/** A reader of one KV v2 prefix (External Secrets' platform store): values and listing below it, nothing else. */
export function prefixReaderRules(kvMount: string, prefix: string): AclRule[] {
    return [
        { path: `${kvMount}/data/${prefix}/*`, capabilities: ["read"] },
        { path: `${kvMount}/metadata/${prefix}/*`, capabilities: ["read", "list"] },
    ];
}

/** A tenant's own prefix: its team manages (and its stores read) the secrets below it, nothing of other tenants. */
export function tenantRules(kvMount: string, tenant: string): AclRule[] {
    const prefix = `${TENANTS_PREFIX}/${tenant}`;
    return [
        { path: `${kvMount}/data/${prefix}/*`, capabilities: ["create", "read", "update", "patch", "delete"] },
        { path: `${kvMount}/metadata/${prefix}/*`, capabilities: ["read", "list", "delete"] },
        { path: `${kvMount}/delete/${prefix}/*`, capabilities: ["update"] },
        { path: `${kvMount}/undelete/${prefix}/*`, capabilities: ["update"] },
        { path: `${kvMount}/destroy/${prefix}/*`, capabilities: ["update"] },
    ];
}
