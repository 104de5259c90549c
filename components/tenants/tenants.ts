import * as pulumi from "@pulumi/pulumi";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { Tenant, TenantArgs } from "./tenant";

export interface TenantsArgs extends Omit<TenantArgs, "tenant"> {
    readonly tenants: readonly TenantConfig[];
}

/** Every tenant of the stack, each its own component: adding or removing one touches only its own resources. */
export class Tenants extends pulumi.ComponentResource {
    public readonly tenants: ReadonlyMap<string, Tenant>;

    constructor(name: string, args: TenantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:tenants:Tenants", name, {}, opts);
        const { tenants, ...shared } = args;
        this.tenants = new Map(tenants.map((t) => [t.name, new Tenant(`tenant-${t.name}`, { ...shared, tenant: t }, { parent: this })]));
        this.registerOutputs({ tenants: [...this.tenants.keys()] });
    }
}
