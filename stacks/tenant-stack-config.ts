// The tenant project's only config reader (tenant/): which platform stack a tenant stack reads and which tenant it
// builds, and that tenant with the platform's settings, read from the platform's stack file and checked by the
// platform's own schema and its rules across tenants.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { deepFreeze, readOnce, readStackConfigOnce, StackConfig, StackFileError } from "../plan/stack-files";
import { ConfigError, oneTenant, parsePlatformKeys, resolvePlatformTenants } from "./config";
import { describeIssue } from "./errors";
import type { PlatformConfig } from "./schema";
import { TenantConfig, tenantFiles, tenantSchema } from "./schema-tenants";

/** What a platform stack's name may hold: no dot, since its tenant stacks are `<stack>.<tenant>` (tenant names have none). */
const PLATFORM_STACK_CHARS = "[A-Za-z0-9_-]";
/** Pulumi's limit on a stack's name. */
export const STACK_NAME_MAX = 100;
/** A platform stack's name (the new-stack generator, the deployments program and this project's config check it). */
export const PLATFORM_STACK_NAME = new RegExp(`^${PLATFORM_STACK_CHARS}{1,${STACK_NAME_MAX}}$`);
const STACK_FILE = new RegExp(`^(.*/)?Pulumi\\.(${PLATFORM_STACK_CHARS}+)\\.yaml$`);

/** The keys of `platform-tenant:` (tenant/Pulumi.yaml declares exactly these, all strings, none with a default). */
export const tenantStackConfigSchema = z.strictObject({
    platformStack: z
        .string()
        .regex(new RegExp(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/${PLATFORM_STACK_CHARS}+$`), "expected <organization>/<project>/<stack> (a platform stack's name has no dot), like acme/platform/dev")
        .describe("The platform stack whose outputs this stack reads (a StackReference): <organization>/<project>/<stack>."),
    platformStackFile: z
        .string()
        .regex(STACK_FILE, "expected the path of a platform stack file, like ../Pulumi.dev.yaml")
        .describe("The platform's stack file, relative to the tenant project (../Pulumi.dev.yaml): the settings the tenant follows, and its entry (tenants.list or tenants.directory)."),
    tenant: tenantSchema.shape.name.describe("The tenant this stack builds: its name among the platform stack file's tenants."),
});
export type TenantStackKeys = z.infer<typeof tenantStackConfigSchema>;

export interface TenantStackConfig {
    /** `<organization>/<project>/<stack>` of the platform. */
    readonly platformStack: string;
    /** The platform's stack file, resolved. */
    readonly platformStackFile: string;
    /** The platform's settings (its tenants: this one only, checked against all the others). */
    readonly settings: PlatformConfig;
    readonly tenant: TenantConfig;
}

/**
 * Validates a tenant stack's config (`<namespace>:<key>` -> stored string) and reads its tenant from the platform's
 * stack file, `projectDir` being the tenant project's directory. Throws ConfigError listing every problem, each
 * naming the file and key, the bad value and what is expected.
 */
export function parseTenantStackConfig(raw: Readonly<Record<string, string>>, namespace: string, projectDir: string, stackName?: string): TenantStackConfig {
    const values: Record<string, unknown> = {};
    for (const [fullKey, stored] of Object.entries(raw)) {
        if (fullKey.startsWith(`${namespace}:`)) values[fullKey.slice(namespace.length + 1)] = stored;
    }
    const keys = tenantStackConfigSchema.safeParse(values, { reportInput: true });
    if (!keys.success) throw new ConfigError(keys.error.issues.flatMap((i) => describeIssue(tenantStackConfigSchema, namespace, i)));
    // Its Deployments settings, its deploy role's trust (<stack>.*) and the migration commands name it so.
    const expected = tenantStackName(keys.data.platformStack.split("/")[2], keys.data.tenant);
    if (stackName !== undefined && stackName !== expected)
        throw new ConfigError([`${namespace}:tenant: expected the tenant this stack is named after (stack ${stackName}: <platform stack>.<tenant>, the platform stack being ${keys.data.platformStack}); got ${JSON.stringify(keys.data.tenant)}, whose stack is ${expected}`]);
    const file = path.resolve(projectDir, keys.data.platformStackFile);
    const [, , stack] = STACK_FILE.exec(file)!;
    if (!fs.existsSync(file)) throw new ConfigError([`${namespace}:platformStackFile: expected an existing platform stack file (relative to ${projectDir}); got ${JSON.stringify(keys.data.platformStackFile)}`]);
    let settings: PlatformConfig;
    try {
        const platform = readStackConfigOnce(path.dirname(file), stack);
        settings = oneTenant(checkedTenants(platform, path.dirname(file)), platform.project, keys.data.tenant);
    } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => `${file}: ${p}`));
        if (e instanceof StackFileError) throw new ConfigError([e.message]);
        throw e;
    }
    return { platformStack: keys.data.platformStack, platformStackFile: file, settings, tenant: settings.tenants.all[0] };
}

/** The platform's keys checked once per read of its stack file (a process planning many tenant stacks reads it once). */
const checkedKeys = new WeakMap<StackConfig, PlatformConfig>();
function platformKeys(platform: StackConfig): PlatformConfig {
    const known = checkedKeys.get(platform);
    if (known) return known;
    // Secret as the file has them (`secure:` ciphertext), as the platform's runtime has them.
    const keys = parsePlatformKeys(platform.config, platform.project, (k) => platform.secretKeys.includes(k));
    checkedKeys.set(platform, keys);
    return keys;
}

/**
 * Every tenant of the platform's stack file, read and checked against each other as the platform stack checks them (a
 * tenant stack deploys on its own: it must not take another tenant's name, data name, namespace or hostname). Once per
 * process while neither the stack file nor any tenant file changes: an offline run plans many tenant stacks of one
 * platform (the check reads every tenant; the stamp only stats them).
 */
function checkedTenants(platform: StackConfig, platformDir: string): PlatformConfig {
    const keys = platformKeys(platform);
    const dir = keys.tenants.directory === undefined ? undefined : path.resolve(platformDir, keys.tenants.directory);
    const stackFiles = [path.join(platformDir, "Pulumi.yaml"), path.join(platformDir, `Pulumi.${platform.stack}.yaml`)];
    const files = () => (dir === undefined || !fs.existsSync(dir) ? stackFiles : [...stackFiles, dir, ...tenantFiles(dir).map((f) => path.join(dir, f))]);
    return readOnce(`tenants of ${stackFiles[1]}`, files, () => deepFreeze(resolvePlatformTenants(keys, platform.project, platformDir)));
}

/** Reads and validates this tenant stack's configuration; throws before any resource is registered. */
export function loadTenantStackConfig(projectDir: string): TenantStackConfig {
    return parseTenantStackConfig(pulumi.runtime.allConfig(), pulumi.getProject(), projectDir, pulumi.getStack());
}

/** The stack config of the tenant stack of `tenant` on a platform stack (what `pulumi config set` would write, and the offline plan runs with). */
export function tenantStackConfig(a: { readonly platformStack: string; readonly platformStackFile: string; readonly tenant: string }, namespace = "platform-tenant"): Record<string, string> {
    return { [`${namespace}:platformStack`]: a.platformStack, [`${namespace}:platformStackFile`]: a.platformStackFile, [`${namespace}:tenant`]: a.tenant };
}

/** A tenant stack's name: the platform stack's, a dot, the tenant's (tenant names have no dots; they are DNS labels). */
export const tenantStackName = (platformStack: string, tenant: string): string => `${platformStack}.${tenant}`;
