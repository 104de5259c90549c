import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type PolicyDocument, roleNaming } from "../shared/iam";
import type { IdentityCluster } from "./cluster-ref";
import { irsaTrustPolicy, podIdentityTrustPolicy } from "./identity-policies";

export type IdentityMode = "PodIdentity" | "Irsa";

export interface WorkloadIdentityArgs {
    readonly cluster: IdentityCluster;
    readonly namespace: string;
    readonly serviceAccount: string;
    /** Inline permissions; write them scoped to the resources the workload touches. */
    readonly policy?: pulumi.Input<PolicyDocument>;
    /**
     * AWS managed policies to attach, by name (e.g. AmazonEBSCSIDriverPolicy).
     * @default []
     */
    readonly managedPolicies?: readonly string[];
    /**
     * Pod Identity for SDKs that support it; IRSA for those that do not.
     * @default "PodIdentity"
     */
    readonly mode?: IdentityMode;
    /**
     * Create the Pod Identity association. EKS managed add-ons create theirs from `podIdentityAssociations`.
     * @default true
     */
    readonly associate?: boolean;
    /** The managed policy that caps the role's permissions whatever its own policies say (tenants' identities). */
    readonly permissionsBoundary?: pulumi.Input<string>;
}

/** An IAM role for one Kubernetes service account, and its association. */
export class WorkloadIdentity extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:WorkloadIdentity", name, {}, opts);
        const mode = args.mode ?? "PodIdentity";
        const managedPolicies = args.managedPolicies ?? [];
        const associate = args.associate ?? true;
        const child = { parent: this };
        const c = args.cluster;

        const trust =
            mode === "PodIdentity"
                ? pulumi
                      .all([c.accountId, c.arn])
                      .apply(([accountId, clusterArn]) => podIdentityTrustPolicy({ accountId, clusterArn, namespace: args.namespace, serviceAccount: args.serviceAccount }))
                : pulumi
                      .all([c.oidcProviderArn, c.oidcIssuerUrl])
                      .apply(([provider, issuer]) => irsaTrustPolicy(provider, issuer, args.namespace, args.serviceAccount));
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                ...roleNaming(`${name}-role`),
                description: `Workload identity of ${args.namespace}/${args.serviceAccount} (${mode})`,
                assumeRolePolicy: trust.apply((t) => JSON.stringify(t)),
                permissionsBoundary: args.permissionsBoundary,
            },
            child,
        );
        if (args.policy) {
            new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: pulumi.output(args.policy).apply((p) => JSON.stringify(p)) }, child);
        }
        const partition = aws.getPartitionOutput({}, child).partition;
        for (const policy of managedPolicies) {
            new aws.iam.RolePolicyAttachment(
                `${name}-${policy}`,
                { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}` },
                child,
            );
        }
        if (mode === "PodIdentity" && associate) {
            new aws.eks.PodIdentityAssociation(
                `${name}-association`,
                { clusterName: c.name, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: role.arn },
                child,
            );
        }
        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }
}
