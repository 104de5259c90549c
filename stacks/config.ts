// The only module that reads Pulumi configuration. Everything else receives a parsed PlatformConfig.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { ConfigError, configPath, describeIssue, show } from "./errors";
import { checkTenants, resolveTenants, tenantNamespaces, tenantSchema } from "./schema-tenants";
import { checkDelivery } from "./schema-delivery";
import { configKeys, ConfigKey, PlatformConfig, platformConfigSchema, platformKeysSchema } from "./schema";

export { ConfigError } from "./errors";
export type { PlatformConfig } from "./schema";

/**
 * Validates raw Pulumi config (`namespace:key` -> stored string) into a PlatformConfig.
 * Keys of other namespaces (aws:, kubernetes:, ...) are left alone. Throws ConfigError listing every problem.
 */
export function parsePlatformConfig(
    raw: Readonly<Record<string, string>>,
    namespace: string,
    isSecret: (fullKey: string) => boolean = (key) => isMaskedSecret(raw[key]),
    projectDir: string = process.cwd(),
    options: ParseOptions = {},
): PlatformConfig {
    return resolvePlatformTenants(parsePlatformKeys(raw, namespace, isSecret), namespace, projectDir, options);
}

/**
 * The first half of parsePlatformConfig: every key against the schema and the rules across keys, tenants from the
 * list only (`tenants.all`). Throws ConfigError listing every problem.
 */
export function parsePlatformKeys(raw: Readonly<Record<string, string>>, namespace: string, isSecret: (fullKey: string) => boolean = (key) => isMaskedSecret(raw[key])): PlatformConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    /** Keys refused before the schema (a plaintext secret, text that is not JSON): absent from `values`. */
    const unreadable = new Set<string>();
    for (const [fullKey, stored] of Object.entries(raw)) {
        if (!fullKey.startsWith(`${namespace}:`)) continue;
        const key = fullKey.slice(namespace.length + 1);
        if (!(key in configKeys)) {
            problems.push(`${fullKey}: unknown key; expected one of: ${Object.keys(configKeys).join(", ")}`);
            continue;
        }
        const entry: { type: string; secret?: true } = configKeys[key as ConfigKey];
        const type = entry.type;
        // An optional secret's empty default from Pulumi.yaml (never ciphertext, see there): the key is not set.
        if (entry.secret && !isSecret(fullKey) && isUnsetSecret(stored)) continue;
        if (entry.secret && !isSecret(fullKey)) {
            problems.push(`${fullKey}: expected a secret value (set it with pulumi config set --secret); got a plaintext value`);
            unreadable.add(key);
            continue;
        }
        // A secret (or a --path secret inside) under a plain setting: tenant stacks read the stack file, where it stays
        // ciphertext, so they could not follow the setting; the secrets have keys of their own.
        if (!entry.secret && isSecret(fullKey)) {
            const secretKeys = Object.entries(configKeys).filter(([, v]) => "secret" in v && v.secret).map(([k]) => k);
            problems.push(`${fullKey}: expected a plaintext value (it is not a secret setting; secrets go in ${secretKeys.join(", ")}); got a secret value`);
            unreadable.add(key);
            continue;
        }
        if (type === "string") {
            values[key] = stored;
            continue;
        }
        try {
            values[key] = JSON.parse(stored);
        } catch {
            problems.push(`${fullKey}: expected ${/^[aeiou]/.test(type) ? "an" : "a"} ${type} (JSON); got ${entry.secret ? "[secret]" : JSON.stringify(stored)}`);
            unreadable.add(key);
        }
    }
    // An unreadable key is reported once: neither as missing nor by a cross-key rule that would misread its absence.
    const schema = unreadable.size > 0 ? platformKeysSchema : platformConfigSchema;
    const result = schema.safeParse(values, { reportInput: true });
    if (!result.success) {
        const secretKeys = Object.entries(configKeys).filter(([, v]) => "secret" in v && v.secret).map(([k]) => k);
        const issues = result.error.issues.filter((issue) => !unreadable.has(String(issue.path[0])));
        problems.push(...issues.flatMap((issue) => describeIssue(schema, namespace, secretKeys.includes(String(issue.path[0])) && issue.input !== undefined ? ({ ...issue, input: "[secret]" } as z.core.$ZodIssue) : issue)));
    }
    if (problems.length > 0 || !result.success) throw new ConfigError(problems);
    return result.data;
}

/**
 * The second half: tenants from the directory, then the rules across the tenants and with the platform; with
 * `options.tenant`, that tenant alone of the checked whole. Returns a new config; `keys` (parsePlatformKeys's) is left
 * as it was, so it may be shared.
 */
export function resolvePlatformTenants(keys: PlatformConfig, namespace: string, projectDir: string, options: ParseOptions = {}): PlatformConfig {
    return options.tenant === undefined ? resolveAllTenants(keys, namespace, projectDir) : oneTenant(resolveAllTenants(keys, namespace, projectDir), namespace, options.tenant);
}

/**
 * One tenant of a config whose tenants were all read and checked (resolvePlatformTenants): what a tenant stack builds.
 * Throws ConfigError when the config has no tenant of that name.
 */
export function oneTenant(all: PlatformConfig, namespace: string, tenant: string): PlatformConfig {
    const one = all.tenants.all.filter((t) => t.name === tenant);
    if (one.length === 0) {
        const where = all.tenants.directory === undefined ? "in tenants.list" : `in tenants.list or as ${all.tenants.directory}/${tenant}.yaml`;
        throw new ConfigError([`${configPath(namespace, ["tenants"])}: expected tenant ${tenant} ${where}; got ${show(tenant)}`]);
    }
    return { ...all, tenants: { ...all.tenants, all: one } };
}

function resolveAllTenants(keys: PlatformConfig, namespace: string, projectDir: string): PlatformConfig {
    const problems: string[] = [];
    const issue = (path: (string | number)[], message: string, input: unknown) => problems.push(`${configPath(namespace, path)}: ${message}; got ${show(input)}`);
    const fromFiles = resolveTenants(
        keys.tenants,
        projectDir,
        issue,
        (file, issues) => problems.push(...issues.flatMap((i) => describeIssue(tenantSchema, namespace, i, ["tenants", "directory", file]))),
    );
    const entries = [
        ...keys.tenants.list.map((tenant, i) => ({ tenant, at: ["tenants", "list", i] as (string | number)[] })),
        ...fromFiles.map((f) => ({ tenant: f.tenant, at: ["tenants", "directory", f.file] as (string | number)[] })),
    ];
    const cfg: PlatformConfig = { ...keys, tenants: { ...keys.tenants, all: entries.map((e) => e.tenant) } };
    const where = (i: number) => entries[i].at;
    checkDelivery(
        cfg.appDelivery,
        {
            production: cfg.tier === "production",
            karpenter: cfg.cluster.karpenter.enabled,
            builderCpuLimit: cfg.cluster.karpenter.enabled ? cfg.cluster.karpenter.builders.cpuLimit : undefined,
            credentials: cfg.pullThroughCacheCredentials ?? {},
            tenants: cfg.tenants.all.map((t) => ({ ...t, namespaces: tenantNamespaces(t) })),
            where,
        },
        issue,
    );
    checkTenants(
        cfg.tenants.all,
        {
            domain: cfg.ingress.domain,
            where,
            // <name>-t-<tenant>-<account>-<region>, as the storage layer names buckets.
            bucketNameLength: (tenant) => `${cfg.name}-t-${tenant}-123456789012-${cfg.region}`.length,
            cachePrefixes: cfg.appDelivery.registry.pullThroughCache.map((c) => c.prefix),
        },
        issue,
    );
    if (problems.length > 0) throw new ConfigError(problems);
    return cfg;
}

export interface ParseOptions {
    /**
     * This tenant only (a tenant stack), once every tenant is read and the rules across them are checked: a tenant
     * stack deploys on its own (Deployments on push), so it must refuse what the platform stack would, such as another
     * tenant's data name (its Vault role and path).
     */
    readonly tenant?: string;
}

/** The empty default Pulumi.yaml declares for an optional secret key, per type: what the CLI passes when it is unset. */
export const UNSET_SECRET_DEFAULT = { string: "", object: {} } as const;

function isUnsetSecret(stored: string): boolean {
    return stored === UNSET_SECRET_DEFAULT.string || stored === JSON.stringify(UNSET_SECRET_DEFAULT.object);
}

/** What the offline plan and the tests read from a stack file in place of a `secure:` value (plan/stack-files). */
export const MASKED_SECRET = "[secret]";

/** A value read offline from a `secure:` entry (whole, or inside an object): Pulumi holds it as a secret. */
function isMaskedSecret(stored: string): boolean {
    return stored === MASKED_SECRET || stored.includes(JSON.stringify(MASKED_SECRET));
}

/** Whether Pulumi holds this key as a secret (the SDK exports the check from its runtime, untyped). */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(fullKey) ?? false;
}

/** Reads and validates this stack's configuration; throws before any resource is registered. */
export function loadPlatformConfig(): PlatformConfig {
    return parsePlatformConfig(pulumi.runtime.allConfig(), pulumi.getProject(), isConfigSecret);
}
