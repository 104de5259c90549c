import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterConfig } from "../../stacks/schema-cluster";
import { planAddons } from "./addons";
import type { ClusterRef, IdentityCluster } from "./cluster-ref";
import { ACCESS_POLICY, CLUSTER_MANAGED_POLICIES, NODE_MANAGED_POLICIES, SSM_MANAGED_POLICY } from "./constants";
import { WorkloadIdentity, WorkloadIdentityArgs } from "./identity";
import { podPlacement, type PodPlacement } from "../shared/placement";
import { Karpenter } from "./karpenter";
import { kubeconfig } from "./kubeconfig";
import { NodeGroup } from "./node-group";
import type { ZonalSubnet } from "../network/network";
import { deployerIsAdmin, existingPrincipal } from "../shared/prerequisites";
import { ebsKeyPolicy, ebsKeyUsePolicy, secretsKeyPolicy, serviceRoleTrust } from "./policies";
import { KUBE_SYSTEM, NetworkContext, platformNetworkPolicies } from "../shared/network-policies";

export interface ClusterArgs {
    /** EKS cluster name; the network's subnet tags use the same name. */
    readonly clusterName: string;
    readonly region: string;
    /**
     * The private subnets of every zone, by zone: node groups are made per zone. The control plane takes those of
     * the first `settings.controlPlaneZoneCount` zones only: EKS accepts later subnet changes only within the zones
     * it was created in, so an added zone must not change its list.
     */
    readonly privateSubnets: readonly ZonalSubnet[];
    readonly settings: ClusterConfig;
    /** What kube-system's NetworkPolicies admit by address (the control plane calling webhooks). */
    readonly network: NetworkContext;
    /** The config key of these settings (e.g. `platform:cluster`), for messages about missing principals. */
    readonly configKey: string;
    /**
     * Protect the cluster and keep its keys and audit logs on destroy (production).
     * @default false
     */
    readonly protect?: boolean;
}

/** An EKS cluster with encrypted secrets, API access entries, managed node groups, add-ons and Karpenter. */
export class Cluster extends pulumi.ComponentResource implements ClusterRef {
    public readonly name: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly endpoint: pulumi.Output<string>;
    public readonly certificateAuthority: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    public readonly nodeRoleArn: pulumi.Output<string>;
    /** The nodes' role (managed groups and Karpenter): layers add what nodes need (pulling through the caches). */
    public readonly nodeRoleName: pulumi.Output<string>;
    public readonly ebsKmsKeyArn: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly k8sProvider: k8s.Provider;
    public readonly snapshotController: pulumi.Resource;
    public readonly kubernetesVersion: string;
    public readonly identity: IdentityCluster;
    public readonly platformPods: PodPlacement;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const protect = args.protect ?? false;
        const s = args.settings;
        this.kubernetesVersion = s.version;
        this.platformPods = podPlacement(s.platformPods);
        const child = { parent: this };
        // Keys and audit logs in production: protected (destroy refuses until unprotected) and kept on delete.
        const kept = { parent: this, protect, retainOnDelete: protect };

        const accountId = aws.getCallerIdentityOutput({}, child).accountId;
        const partition = aws.getPartitionOutput({}, child).partition;
        const account = pulumi.all([accountId, partition]).apply(([id, p]) => ({ accountId: id, partition: p }));
        const managed = (policy: string) => pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`;

        const clusterRole = new aws.iam.Role(
            `${name}-role`,
            { description: `EKS control plane of ${args.clusterName}`, assumeRolePolicy: JSON.stringify(serviceRoleTrust("eks.amazonaws.com", true)) },
            child,
        );
        for (const policy of CLUSTER_MANAGED_POLICIES) {
            new aws.iam.RolePolicyAttachment(`${name}-role-${policy}`, { role: clusterRole.name, policyArn: managed(policy) }, child);
        }

        const secretsKey = new aws.kms.Key(
            `${name}-secrets-key`,
            {
                description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.all([account, clusterRole.arn]).apply(([a, role]) => JSON.stringify(secretsKeyPolicy(a, role))),
            },
            kept,
        );
        new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/${args.clusterName}-secrets`, targetKeyId: secretsKey.keyId }, child);
        const ebsKey = new aws.kms.Key(
            `${name}-ebs-key`,
            {
                description: `EBS volumes of ${args.clusterName} (node disks, persistent volumes)`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: account.apply((a) => JSON.stringify(ebsKeyPolicy({ ...a, region: args.region }))),
            },
            kept,
        );
        new aws.kms.Alias(`${name}-ebs-key-alias`, { name: `alias/${args.clusterName}-ebs`, targetKeyId: ebsKey.keyId }, child);

        // Created before the cluster so EKS writes into a group with bounded retention.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: s.logRetentionDays },
            kept,
        );

        const cluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: s.version,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: args.privateSubnets.slice(0, s.controlPlaneZoneCount).map((z) => z.subnetId),
                    endpointPrivateAccess: s.endpoint.privateAccess,
                    endpointPublicAccess: s.endpoint.publicAccess,
                    publicAccessCidrs: s.endpoint.publicAccess ? [...s.endpoint.publicAccessCidrs] : undefined,
                },
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                enabledClusterLogTypes: [...s.logTypes],
                accessConfig: {
                    authenticationMode: "API",
                    // Fixed at creation (a change replaces the cluster), so never derived from config: nobody gets
                    // invisible creator rights, and the deploying role is an explicit admin access entry.
                    bootstrapClusterCreatorAdminPermissions: false,
                },
                kubernetesNetworkConfig: { serviceIpv4Cidr: s.serviceCidr, ipFamily: "ipv4" },
                // Add-ons are EKS managed add-ons below, not the unmanaged defaults.
                bootstrapSelfManagedAddons: false,
                // Never drift into paid extended support silently.
                upgradePolicy: { supportType: "STANDARD" },
                deletionProtection: s.deletionProtection,
            },
            { parent: this, protect, dependsOn: [logGroup] },
        );

        const oidc = new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            { url: cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!), clientIdLists: ["sts.amazonaws.com"] },
            child,
        );

        const entries = (principals: readonly string[], policyArn: string, kind: "admin" | "viewer") =>
            principals.map((arn, i) => {
                const slug = arn.split(":").pop()!.replace(/[^A-Za-z0-9-]/g, "-").toLowerCase();
                // Looked up during preview: EKS refuses an access entry for a principal that does not exist.
                const principalArn = existingPrincipal(arn, `${args.configKey}.${kind}s[${i}]`, { parent: this });
                const entry = new aws.eks.AccessEntry(`${name}-${kind}-${slug}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, child);
                return new aws.eks.AccessPolicyAssociation(
                    `${name}-${kind}-${slug}`,
                    { clusterName: cluster.name, principalArn, policyArn, accessScope: { type: "cluster" } },
                    { parent: this, dependsOn: [entry] },
                );
            });
        const accessGrants = [...entries(s.admins, ACCESS_POLICY.clusterAdmin, "admin"), ...entries(s.viewers, ACCESS_POLICY.view, "viewer")];

        this.name = cluster.name;
        this.arn = cluster.arn;
        this.endpoint = cluster.endpoint;
        this.certificateAuthority = cluster.certificateAuthority.apply((ca) => ca.data!);
        this.oidcIssuerUrl = cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!);
        this.oidcProviderArn = oidc.arn;
        this.nodeSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId!);
        this.ebsKmsKeyArn = ebsKey.arn;
        this.identity = { name: cluster.name, arn: cluster.arn, accountId, oidcProviderArn: oidc.arn, oidcIssuerUrl: this.oidcIssuerUrl };

        const nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            { description: `Nodes of ${args.clusterName}`, assumeRolePolicy: JSON.stringify(serviceRoleTrust("ec2.amazonaws.com")) },
            child,
        );
        const nodePolicies = [...NODE_MANAGED_POLICIES, ...(s.ssmAccess ? [SSM_MANAGED_POLICY] : [])];
        const nodeAttachments = nodePolicies.map(
            (policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: managed(policy) }, child),
        );
        this.nodeRoleArn = nodeRole.arn;
        this.nodeRoleName = nodeRole.name;

        const addons = planAddons(s.addons, s.podAddressing);
        const installAddon = (plan: (typeof addons)[number], dependsOn: pulumi.Resource[]) => {
            const identity = plan.identity
                ? this.workloadIdentity(`${name}-${plan.addonName}`, {
                      namespace: plan.identity.namespace,
                      serviceAccount: plan.identity.serviceAccount,
                      managedPolicies: plan.identity.managedPolicies,
                      policy: plan.identity.needsEbsKey ? ebsKey.arn.apply(ebsKeyUsePolicy) : undefined,
                      associate: false,
                  })
                : undefined;
            return new aws.eks.Addon(
                `${name}-addon-${plan.addonName}`,
                {
                    clusterName: cluster.name,
                    addonName: plan.addonName,
                    addonVersion: plan.version,
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    configurationValues: plan.configuration ? JSON.stringify(plan.configuration) : undefined,
                    podIdentityAssociations: identity
                        ? [{ roleArn: identity.roleArn, serviceAccount: plan.identity!.serviceAccount }]
                        : undefined,
                },
                { parent: this, dependsOn },
            );
        };
        const earlyAddons = addons.filter((a) => a.phase === "beforeNodes").map((a) => installAddon(a, []));
        const nodeGroups = s.nodeGroups.map(
            (spec) =>
                new NodeGroup(
                    `${name}-ng-${spec.name}`,
                    {
                        clusterName: cluster.name,
                        kubernetesVersion: s.version,
                        nodeRoleArn: nodeRole.arn,
                        zonalSubnets: args.privateSubnets,
                        ebsKmsKeyArn: ebsKey.arn,
                        spec,
                        nodeRepair: s.nodeRepair,
                    },
                    { parent: this, dependsOn: [...nodeAttachments, ...earlyAddons] },
                ),
        );
        const lateAddons = addons.filter((a) => a.phase === "afterNodes").map((a) => installAddon(a, nodeGroups));
        const alongside = new Map(addons.filter((a) => a.phase === "alongside").map((a) => [a.addonName, installAddon(a, nodeGroups)]));
        this.snapshotController = alongside.get("snapshot-controller")!;

        // Checked during preview: the deployer must be an admin, or every Kubernetes call below would be refused.
        const deployer = deployerIsAdmin(s.admins, `${args.configKey}.admins`, { parent: this });
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, this.certificateAuthority, deployer])
                .apply(([clusterName, endpoint, ca]) => JSON.stringify(kubeconfig({ clusterName, endpoint, certificateAuthority: ca, region: args.region }))),
        );
        this.k8sProvider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            // Kubernetes calls wait until someone may actually authenticate and nodes can run pods.
            { parent: this, dependsOn: [...accessGrants, ...lateAddons] },
        );

        // kube-system denies ingress but DNS, the LB controller's webhook and Prometheus (shared/network-policies.ts).
        platformNetworkPolicies(`${name}-kube-system`, KUBE_SYSTEM, args.network, { parent: this, provider: this.k8sProvider }, s.karpenter.enabled ? [] : ["metrics-karpenter"]);

        if (s.karpenter.enabled) {
            new Karpenter(
                `${name}-karpenter`,
                {
                    cluster: this,
                    clusterName: args.clusterName,
                    region: args.region,
                    nodeRoleName: nodeRole.name,
                    nodeRoleArn: nodeRole.arn,
                    settings: s.karpenter,
                    amiFamily: s.nodeGroups[0].amiType.startsWith("BOTTLEROCKET") ? "bottlerocket" : "al2023",
                },
                { parent: this, dependsOn: nodeGroups },
            );
        }

        this.registerOutputs({
            name: this.name,
            endpoint: this.endpoint,
            certificateAuthority: this.certificateAuthority,
            oidcIssuerUrl: this.oidcIssuerUrl,
            oidcProviderArn: this.oidcProviderArn,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            nodeRoleArn: this.nodeRoleArn,
            ebsKmsKeyArn: this.ebsKmsKeyArn,
            kubeconfig: this.kubeconfig,
        });
    }

    public workloadIdentity(name: string, args: Omit<WorkloadIdentityArgs, "cluster">, opts?: pulumi.ComponentResourceOptions): WorkloadIdentity {
        return new WorkloadIdentity(name, { ...args, cluster: this.identity }, { parent: this, ...opts });
    }
}
