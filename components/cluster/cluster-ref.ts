import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { WorkloadIdentity, WorkloadIdentityArgs } from "./identity";
import type { PodPlacement } from "../shared/placement";

/** What a workload identity needs to know about its cluster. */
export interface IdentityCluster {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
    readonly accountId: pulumi.Input<string>;
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL with https:// */
    readonly oidcIssuerUrl: pulumi.Input<string>;
}

/** The narrow view of the cluster that later layers take as an argument. */
export interface ClusterRef {
    readonly name: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly certificateAuthority: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    /** The cluster security group EKS attaches to managed nodes (and Karpenter's nodes). */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** Customer-managed key for EBS volumes (node disks and persistent volumes). */
    readonly ebsKmsKeyArn: pulumi.Output<string>;
    /** Kubernetes minor version of the control plane, e.g. "1.36" (tools like kubectl are pinned to it). */
    readonly kubernetesVersion: string;
    /** Every Kubernetes object of the platform goes through this provider. */
    readonly k8sProvider: k8s.Provider;
    /** The CSI snapshot controller add-on (it brings the VolumeSnapshot CRDs): what creates snapshot classes waits for it. */
    readonly snapshotController: pulumi.Resource;
    readonly identity: IdentityCluster;
    /** Where the platform's own pods go (platformPods): each layer adds it to its charts' pods. */
    readonly platformPods: PodPlacement;
    /** Creates an IAM role a Kubernetes service account can use (Pod Identity unless IRSA is asked for). */
    workloadIdentity(name: string, args: Omit<WorkloadIdentityArgs, "cluster">, opts?: pulumi.ComponentResourceOptions): WorkloadIdentity;
}
