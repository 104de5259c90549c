import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { Tenant, TenantArgs } from "./tenant";
import { tenantClusterRoleSpecs } from "./tenant-objects";
import { tenantWorkloadBoundary } from "./workload-boundary";

export interface TenantsArgs extends Omit<TenantArgs, "tenant" | "roles"> {
    readonly tenants: readonly TenantConfig[];
    /** Where tenants' workload identities live: their permissions boundary names the account's repositories and keys. */
    readonly workloadBoundary: {
        readonly partition: pulumi.Input<string>;
        readonly region: string;
        readonly accountId: pulumi.Input<string>;
        /** The registry's pull-through cache prefixes. */
        readonly cachePrefixes: readonly string[];
    };
}

/**
 * Every tenant of the stack, each its own component: adding or removing one touches only its own resources. The
 * tenant roles are written once for all of them.
 */
export class Tenants extends pulumi.ComponentResource {
    public readonly tenants: ReadonlyMap<string, Tenant>;
    /** The permissions boundary of every tenant workload identity, this stack's tenants' and the tenant stacks' (tenantWorkloadBoundary). */
    public readonly workloadBoundaryArn: pulumi.Output<string>;

    constructor(name: string, args: TenantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:tenants:Tenants", name, {}, opts);
        const { tenants, workloadBoundary: b, ...shared } = args;
        // Named TENANT_WORKLOAD_BOUNDARY in the platform (the tenants' deploy policy names it).
        const boundary = new aws.iam.Policy(
            `${name}-workload-boundary`,
            {
                description: "Permissions boundary of tenants' workload identities: their repositories, the pull-through caches, their signing keys",
                policy: pulumi.all([b.partition, b.accountId]).apply(([partition, accountId]) => JSON.stringify(tenantWorkloadBoundary({ partition, accountId, region: b.region, cachePrefixes: b.cachePrefixes }))),
            },
            { parent: this },
        );
        this.workloadBoundaryArn = boundary.arn;
        const roles = tenantClusterRoleSpecs().map((r) => new k8s.rbac.v1.ClusterRole(`${name}-${r.metadata.name.replace(/^platform:/, "")}-role`, r, { parent: this, provider: args.cluster.k8sProvider }));
        this.tenants = new Map(tenants.map((t) => [t.name, new Tenant(`tenant-${t.name}`, { ...shared, roles, tenant: t }, { parent: this })]));
        this.registerOutputs({ tenants: [...this.tenants.keys()], workloadBoundaryArn: this.workloadBoundaryArn });
    }
}
