// The tenant project's composition: its config (which platform, which tenant), the platform's outputs through
// PlatformReference, and the tenant's resources (TenantStack). A function, so the offline plan can run many stacks
// in one process without reloading the program's modules.
import { PlatformReference } from "../packages/platform-reference";
import { TenantStack, TenantStackExports, tenantStackRoot } from "../components/tenants/tenant-stack";
import { loadTenantStackConfig } from "../stacks/tenant-stack-config";

/** Builds the tenant stack configured for this stack; `projectDir` is the tenant project's directory. */
export function tenantProgram(projectDir: string): TenantStackExports {
    const cfg = loadTenantStackConfig(projectDir);
    const platform = new PlatformReference("platform", { stack: cfg.platformStack });
    return new TenantStack(tenantStackRoot(cfg.tenant.name), { tenant: cfg.tenant, settings: cfg.settings, platform, platformStack: cfg.platformStack }).exports;
}
