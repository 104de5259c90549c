// Which tenant stacks a change concerns: the paths Pulumi Deployments previews a tenant stack on (its settings'
// `github.paths`) and the pull-request workflow's choice of tenant stacks to plan, from one list. No Pulumi imports:
// the tenant-stacks CLI loads it.
import { posix } from "path";

/** What every tenant stack is built from, besides its own entry and its platform's stack file: a change here concerns them all. */
// tsconfig.json: tenant/tsconfig.json extends it, so it decides how Pulumi compiles the program; plan/stack-files.ts
// and plan/cli-config-rules.ts: the program reads its platform's stack file with them; Pulumi.yaml: the platform's
// project file, read with the stack file at run time (its name and config declarations).
export const TENANT_STACK_SOURCES = ["tenant/**", "components/**", "stacks/**", "packages/**", "plan/stack-files.ts", "plan/cli-config-rules.ts", "Pulumi.yaml", "tsconfig.json", "package.json", "package-lock.json"] as const;

/** A tenant stack's place in the repository: its platform stack and the file holding its entry (from the repository's root). */
export interface TenantStackFile {
    /** The platform stack whose tenant it is. */
    readonly platformStack: string;
    readonly tenant: string;
    /** Its own file in tenants.directory, or the platform's stack file (a list entry). */
    readonly file: string;
}

/** A tenant's own stack (the tenant/ project, tenants.placement OwnStacks): deployed like its platform stack. */
export interface TenantStackDeployment extends TenantStackFile {
    readonly pushToDeploy: boolean;
    readonly agentPoolId?: string;
}

/**
 * The tenant stacks of a platform stack file's tenants (none unless tenants.placement is OwnStacks): a list entry is
 * in the stack file, a folder's tenant in `<directory>/<name>.yaml`.
 */
export function tenantStackDeployments(
    s: { readonly stack: string; readonly pushToDeploy: boolean; readonly agentPoolId?: string },
    tenants: { readonly placement: string; readonly list: readonly { readonly name: string }[]; readonly all: readonly { readonly name: string }[]; readonly directory?: string },
    fileOf: (directory: string, tenant: string) => string = (d, t) => `${tenantFolder(d)}/${t}.yaml`,
): TenantStackDeployment[] {
    if (tenants.placement !== "OwnStacks") return [];
    const listed = new Set(tenants.list.map((t) => t.name));
    return tenants.all.map((t) => ({
        platformStack: s.stack,
        tenant: t.name,
        file: listed.has(t.name) || tenants.directory === undefined ? `Pulumi.${s.stack}.yaml` : fileOf(tenants.directory, t.name),
        pushToDeploy: s.pushToDeploy,
        agentPoolId: s.agentPoolId,
    }));
}

/**
 * `tenants.directory` as a path from the repository's root, as Deployments' filters and `git diff --name-only` give
 * paths: `./tenants/` and `tenants` are the same folder (a filter must match the whole path).
 */
export const tenantFolder = (directory: string): string => posix.normalize(directory).replace(/\/+$/, "");

/**
 * The paths whose change concerns a tenant stack: its entry's file (a folder's tenant file may be `.yaml` or `.yml`, as
 * the loader reads both), its platform's stack file, what builds tenants.
 */
export function tenantStackPaths(t: TenantStackFile): string[] {
    const own = t.file.endsWith(".yaml") && t.file !== `Pulumi.${t.platformStack}.yaml` ? [t.file, `${t.file.slice(0, -".yaml".length)}.yml`] : [t.file];
    return [...new Set([...own, `Pulumi.${t.platformStack}.yaml`, ...TENANT_STACK_SOURCES])];
}

/** Whether `file` is `pattern` or, for `dir/**` (the only glob these paths use), anywhere under dir. */
export function pathMatches(pattern: string, file: string): boolean {
    if (pattern.endsWith("/**")) return file.startsWith(pattern.slice(0, -2));
    if (/[*?[\]{}]/.test(pattern)) throw new Error(`${pattern}: only exact paths and dir/** are matched`);
    return file === pattern;
}

/** The tenant stacks a change concerns (changed files from the repository's root, as `git diff --name-only` lists them). */
export function changedTenantStacks<T extends TenantStackFile>(stacks: readonly T[], changed: readonly string[]): T[] {
    const files = changed.map((f) => f.trim()).filter((f) => f !== "");
    return stacks.filter((t) => tenantStackPaths(t).some((p) => files.some((f) => pathMatches(p, f))));
}
