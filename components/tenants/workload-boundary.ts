// The permissions boundary of every tenant workload identity (the runners' roles). The tenants' deploy role may create
// and edit `tenant-*` roles only with this boundary (docs/deployer-policy.md, "The tenants' deploy role"), so whatever
// it writes into a tenant role's policies, the role can do no more than push to tenants' repositories, pull through the
// caches and sign with tenants' signing keys: no path from a tenant stack's deployment to the platform's AWS resources.
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterRef } from "../cluster/cluster-ref";
import { policyDocument, type PolicyDocument } from "../shared/iam";
import { ECR_CACHE_PULL_ACTIONS, ECR_LAYER_WRITE_ACTIONS, ECR_PUSH_ACTIONS } from "../delivery/ci";

export interface TenantWorkloadBoundaryArgs {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    /** The registry's pull-through cache prefixes (docker-hub, ghcr, ...). */
    readonly cachePrefixes: readonly string[];
}

/**
 * The boundary policy's logical name (the Tenants component `platform-tenants`, its child `-workload-boundary`): auto-named
 * from it, which the tenants' deploy policy and the tenant-identity-boundary rule rely on.
 */
export const TENANT_WORKLOAD_BOUNDARY = "platform-tenants-workload-boundary";

/** The most any tenant workload identity may do; each identity's own policy narrows it to its tenant. */
export function tenantWorkloadBoundary(a: TenantWorkloadBoundaryArgs): PolicyDocument {
    const registry = `arn:${a.partition}:ecr:${a.region}:${a.accountId}:repository`;
    return policyDocument(
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "TenantRepositories", Effect: "Allow", Action: [...ECR_PUSH_ACTIONS], Resource: `${registry}/*/apps` },
        ...(a.cachePrefixes.length > 0 ? [{ Sid: "PullThroughCaches", Effect: "Allow" as const, Action: [...ECR_CACHE_PULL_ACTIONS], Resource: a.cachePrefixes.map((p) => `${registry}/${p}/*`) }] : []),
        // `*/apps` also matches a cached image named …/apps and a nested <a>/<b>/apps: pushes go to <data name>/apps only.
        { Sid: "NoPushIntoCaches", Effect: "Deny", Action: [...ECR_LAYER_WRITE_ACTIONS], Resource: [`${registry}/*/*/apps`, ...a.cachePrefixes.map((p) => `${registry}/${p}/*`)] },
        {
            // The platform's own keys are symmetric: an ECC signing key is a tenant's (TenantDelivery's signing key).
            Sid: "SignWithTenantSigningKeys",
            Effect: "Allow",
            Action: ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"],
            Resource: `arn:${a.partition}:kms:${a.region}:${a.accountId}:key/*`,
            Condition: { StringEquals: { "kms:KeySpec": "ECC_NIST_P256", "kms:KeyUsage": "SIGN_VERIFY" } },
        },
    );
}

/** The cluster as tenants' components get it: every workload identity they create has `boundaryArn` as its permissions boundary. */
export function boundedIdentities(cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity">, boundaryArn: pulumi.Input<string>): Pick<ClusterRef, "k8sProvider" | "workloadIdentity"> {
    return { k8sProvider: cluster.k8sProvider, workloadIdentity: (name, args, opts) => cluster.workloadIdentity(name, { ...args, permissionsBoundary: boundaryArn }, opts) };
}
