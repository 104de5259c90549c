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

export const PLATFORM_ADMIN_POLICY = "platform-admin";

/**
 * Operators of the platform: run Vault (mounts, auth, policies, audit) and manage every secret, but never raise their
 * own rights: not their own policy, not the mounts they log in through (`loginMounts`: their role, its config, the
 * mount's enabling and tuning), not identity groups or entities (they carry policies), not token roles or orphan
 * tokens (tokens with policies beyond their own; `auth/token/create` stays: a child token gets a subset). Root
 * generation, key rotation and raw storage are denied outright. Vault picks the longest matching path and a deny
 * there wins (Vault docs, concepts/policies: "Priority matching"), so each deny below outranks the grant it narrows.
 */
export function platformAdminRules(kvMount: string, loginMounts: readonly string[], self: string = PLATFORM_ADMIN_POLICY): AclRule[] {
    return [
        { path: "sys/mounts/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/mounts", capabilities: ["read"] },
        { path: "sys/auth/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/auth", capabilities: ["read"] },
        { path: "sys/policies/acl/*", capabilities: [...ALL] },
        { path: `sys/policies/acl/${self}`, capabilities: ["read"] },
        { path: "sys/policies/acl", capabilities: ["list"] },
        { path: "sys/audit", capabilities: ["read", "sudo"] },
        { path: "sys/audit/*", capabilities: [...ALL, "sudo"] },
        { path: "sys/storage/raft/*", capabilities: ["read", "update", "sudo"] },
        { path: "auth/*", capabilities: [...ALL] },
        ...loginMounts.flatMap((m): AclRule[] => [
            { path: `auth/${m}/*`, capabilities: ["read", "list"] },
            { path: `sys/auth/${m}`, capabilities: ["read"] },
            { path: `sys/auth/${m}/*`, capabilities: ["read"] },
            // The same mount tuned through sys/mounts (where the provider tunes auth mounts): TTLs of its tokens.
            { path: `sys/mounts/auth/${m}`, capabilities: ["read"] },
            { path: `sys/mounts/auth/${m}/*`, capabilities: ["read"] },
        ]),
        { path: "auth/token/roles/*", capabilities: ["read", "list"] },
        { path: "auth/token/create/*", capabilities: ["deny"] },
        { path: "auth/token/create-orphan", capabilities: ["deny"] },
        { path: "identity/*", capabilities: ["read", "list"] },
        { path: "sys/generate-root/*", capabilities: ["deny"] },
        { path: "sys/generate-root", capabilities: ["deny"] },
        { path: "sys/rotate", capabilities: ["deny"] },
        { path: "sys/rotate/*", capabilities: ["deny"] },
        { path: "sys/raw", capabilities: ["deny"] },
        { path: "sys/raw/*", capabilities: ["deny"] },
        { path: `${kvMount}/*`, capabilities: [...ALL] },
    ];
}

export const DEPLOYER = "deployer";

/**
 * The configuration step's login (AWS IAM, written by the init Job with the root token and never by the program):
 * everything platform-admin may do, but its own policy, and the AWS auth mount it logs in through (its role, the
 * client config that binds logins to this Vault, the mount's enabling and tuning), are read-only to it. Whoever holds
 * it can therefore neither widen it nor bind another principal to it: that takes a root token (docs/operations.md, Key custody).
 */
export function deployerRules(kvMount: string, awsAuthPath: string): AclRule[] {
    return platformAdminRules(kvMount, [awsAuthPath], DEPLOYER);
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

/** Below a tenant's prefix: its CI's secrets (the runners' GitHub App key), read by its CI namespace's store alone. */
export const TENANT_CI_SUBPATH = "ci";
/** The KV v2 API paths a secret is reached under (values, metadata and versions). */
const KV_V2_PATHS = ["data", "metadata", "delete", "undelete", "destroy"] as const;

/**
 * A tenant's own prefix: its team manages (and its stores read) the secrets below it, nothing of other tenants, and
 * nothing below `ci/`: that is its runners' (the GitHub App key registers runners for the whole organization). Vault
 * picks the longest matching prefix and a deny there wins (vault/acl.go CheckAllowedFromNonExactPaths, NewACL), so
 * `<prefix>/ci/*` outranks `<prefix>/*`.
 */
export function tenantRules(kvMount: string, tenant: string): AclRule[] {
    const prefix = `${TENANTS_PREFIX}/${tenant}`;
    return [
        { path: `${kvMount}/data/${prefix}/*`, capabilities: ["create", "read", "update", "patch", "delete"] },
        { path: `${kvMount}/metadata/${prefix}/*`, capabilities: ["read", "list", "delete"] },
        { path: `${kvMount}/delete/${prefix}/*`, capabilities: ["update"] },
        { path: `${kvMount}/undelete/${prefix}/*`, capabilities: ["update"] },
        { path: `${kvMount}/destroy/${prefix}/*`, capabilities: ["update"] },
        ...KV_V2_PATHS.map((p): AclRule => ({ path: `${kvMount}/${p}/${prefix}/${TENANT_CI_SUBPATH}/*`, capabilities: ["deny"] })),
    ];
}

/** A tenant's CI store and its Vault role and policy: `ci-tenant-<data name>`, which no tenant's `tenant-<name>` can be. */
export const tenantCiStoreName = (tenant: string) => `ci-tenant-${tenant}`;

/** A tenant's CI store: the values below `tenants/<tenant>/ci/` only (what the runners' GitHub App secret reads). */
export function tenantCiRules(kvMount: string, tenant: string): AclRule[] {
    return [{ path: `${kvMount}/data/${TENANTS_PREFIX}/${tenant}/${TENANT_CI_SUBPATH}/*`, capabilities: ["read"] }];
}
