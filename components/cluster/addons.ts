// EKS managed add-ons: which exist, when they install relative to nodes, and which AWS identity they use.
import { CNI_MANAGED_POLICY, EBS_CSI_MANAGED_POLICY, type PodAddressing } from "./constants";

export interface AddonVersions {
    readonly vpcCni: string;
    readonly coredns: string;
    readonly kubeProxy: string;
    readonly podIdentityAgent: string;
    readonly ebsCsiDriver: string;
    readonly snapshotController: string;
}

export interface AddonPlan {
    readonly addonName: string;
    readonly version: string;
    /**
     * Networking and identity must be in place as nodes join (beforeNodes); DNS and volumes need nodes to schedule on,
     * and every Kubernetes object waits for them (afterNodes); what nothing of the platform needs to start, after nodes
     * but awaited only by what uses it (alongside), so a controller that may need a node Karpenter launches cannot hold
     * Karpenter back.
     */
    readonly phase: "beforeNodes" | "afterNodes" | "alongside";
    /** The add-on's configuration (its JSON schema: `aws eks describe-addon-configuration`). */
    readonly configuration?: Readonly<Record<string, unknown>>;
    /** Pod Identity for the add-on's controller, when it calls AWS. */
    readonly identity?: { readonly namespace: string; readonly serviceAccount: string; readonly managedPolicies: readonly string[]; readonly needsEbsKey: boolean };
}

/**
 * The VPC CNI's configuration: its network policy agent always, and prefix delegation when pods take /28 prefixes
 * (aws/amazon-vpc-cni-k8s@v1.22.3 charts/aws-vpc-cni/values.yaml env: ENABLE_PREFIX_DELEGATION "false",
 * WARM_PREFIX_TARGET "1" by default; the add-on takes the same env keys as strings).
 */
export function vpcCniConfiguration(podAddressing: PodAddressing): Record<string, unknown> {
    // Without the network policy agent NetworkPolicies (the tenants' isolation) are not enforced.
    const base = { enableNetworkPolicy: "true" };
    if (podAddressing === "SecondaryIps") return base;
    // One spare /28 a node (the chart's default, written out): a new pod rarely waits for an EC2 call, few addresses idle.
    return { ...base, env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } };
}

export function planAddons(v: AddonVersions, podAddressing: PodAddressing): AddonPlan[] {
    return [
        { addonName: "eks-pod-identity-agent", version: v.podIdentityAgent, phase: "beforeNodes" },
        {
            addonName: "vpc-cni",
            version: v.vpcCni,
            phase: "beforeNodes",
            configuration: vpcCniConfiguration(podAddressing),
            identity: { namespace: "kube-system", serviceAccount: "aws-node", managedPolicies: [CNI_MANAGED_POLICY], needsEbsKey: false },
        },
        { addonName: "kube-proxy", version: v.kubeProxy, phase: "beforeNodes" },
        { addonName: "coredns", version: v.coredns, phase: "afterNodes" },
        {
            addonName: "aws-ebs-csi-driver",
            version: v.ebsCsiDriver,
            phase: "afterNodes",
            identity: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", managedPolicies: [EBS_CSI_MANAGED_POLICY], needsEbsKey: true },
        },
        // Its tolerations are the add-on's (not checked offline): with no untainted managed group it may wait for a
        // Karpenter node, so only the VolumeSnapshotClass (its CRDs) waits for it.
        { addonName: "snapshot-controller", version: v.snapshotController, phase: "alongside" },
    ];
}
