// Closed vocabularies of the cluster layer.

/** Kubernetes versions in EKS standard support (November 2026); older ones bill extended support. */
export const EKS_STANDARD_SUPPORT_VERSIONS = ["1.34", "1.35", "1.36"] as const;
export type EksVersion = (typeof EKS_STANDARD_SUPPORT_VERSIONS)[number];

export const AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"] as const;
export type AmiType = (typeof AMI_TYPES)[number];

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
/** Always on: who called the API, what they did, and how they authenticated. */
export const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator"] as const;

export const ACCESS_POLICY = {
    clusterAdmin: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    view: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
} as const;

/** Managed policies of the node role: join the cluster and pull images; nothing else. */
export const NODE_MANAGED_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"] as const;
export const SSM_MANAGED_POLICY = "AmazonSSMManagedInstanceCore";
/** The CNI's permissions go to its own Pod Identity role, not to every node. */
export const CNI_MANAGED_POLICY = "AmazonEKS_CNI_Policy";
/** Under the service-role/ path, unlike the others. */
export const EBS_CSI_MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy";
export const CLUSTER_MANAGED_POLICIES = ["AmazonEKSClusterPolicy"] as const;

/** The taint that keeps ordinary workloads off System nodes. */
export const CRITICAL_ADDONS_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" } as const;

/**
 * How the VPC CNI gives pods addresses: one secondary IPv4 address at a time (the CNI's default), or /28 prefixes of 16
 * (prefix delegation, Nitro instances), which lifts the nodes' max pods from the ENI limit to EKS's 110 / 250 cap.
 */
export const POD_ADDRESSINGS = ["SecondaryIps", "Prefixes"] as const;
export type PodAddressing = (typeof POD_ADDRESSINGS)[number];
