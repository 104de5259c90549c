import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { Tenant, TenantArgs } from "./tenant";
import { tenantClusterRoleSpecs } from "./tenant-objects";

export interface TenantsArgs extends Omit<TenantArgs, "tenant" | "roles"> {
    readonly tenants: readonly TenantConfig[];
}

/**
 * Every tenant of the stack, each its own component: adding or removing one touches only its own resources. The
 * tenant roles are written once for all of them.
 */
export class Tenants extends pulumi.ComponentResource {
    public readonly tenants: ReadonlyMap<string, Tenant>;

    constructor(name: string, args: TenantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:tenants:Tenants", name, {}, opts);
        const { tenants, ...shared } = args;
        const roles = tenantClusterRoleSpecs().map((r) => new k8s.rbac.v1.ClusterRole(`${name}-${r.metadata.name.replace(/^platform:/, "")}-role`, r, { parent: this, provider: args.cluster.k8sProvider }));
        this.tenants = new Map(tenants.map((t) => [t.name, new Tenant(`tenant-${t.name}`, { ...shared, roles, tenant: t }, { parent: this })]));
        this.registerOutputs({ tenants: [...this.tenants.keys()] });
    }
}
