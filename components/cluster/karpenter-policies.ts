// Karpenter's controller permissions and interruption events, after the upstream v1 CloudFormation
// reference: every mutating action is scoped to this cluster's tags; only read-only calls that IAM
// cannot scope (Describe*, pricing) use "*", and those are pinned to the region.
import { PolicyDocument, policyDocument } from "../shared/iam";

export interface KarpenterScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
    readonly clusterName: string;
    readonly clusterArn: string;
    readonly nodeRoleArn: string;
    readonly queueArn: string;
}

/** Read-only EC2 calls without resource-level permissions. */
export const KARPENTER_UNSCOPED_READ_ACTIONS = [
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribePlacementGroups",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
    "pricing:GetProducts",
    "iam:ListInstanceProfiles",
] as const;

export function karpenterControllerPolicy(s: KarpenterScope): PolicyDocument {
    const ec2 = (resource: string) => `arn:${s.partition}:ec2:${s.region}:*:${resource}`;
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" };
    const requestOwned = {
        [`aws:RequestTag/kubernetes.io/cluster/${s.clusterName}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
    };
    const launched = [ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*")];
    const instanceProfiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
    const profileTags = {
        [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned",
        "aws:ResourceTag/topology.kubernetes.io/region": s.region,
    };
    return policyDocument(
        {
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: [
                `arn:${s.partition}:ec2:${s.region}::image/*`,
                `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
                ec2("security-group/*"),
                ec2("subnet/*"),
                ec2("capacity-reservation/*"),
                ec2("placement-group/*"),
            ],
        },
        {
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: ec2("launch-template/*"),
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Resource: launched,
            Condition: { StringEquals: requestOwned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: launched,
            Condition: {
                StringEquals: { ...requestOwned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: ec2("instance/*"),
            Condition: {
                StringEquals: owned,
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.clusterName },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Resource: [ec2("instance/*"), ec2("launch-template/*")],
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Action: KARPENTER_UNSCOPED_READ_ACTIONS.filter((a) => a.startsWith("ec2:")),
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": s.region } },
        },
        {
            Sid: "AllowSSMReadActions",
            Effect: "Allow",
            Action: "ssm:GetParameter",
            Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`,
        },
        { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        {
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            Resource: s.queueArn,
        },
        {
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: s.nodeRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com"] } },
        },
        {
            Sid: "AllowScopedInstanceProfileCreationActions",
            Effect: "Allow",
            Action: ["iam:CreateInstanceProfile"],
            Resource: instanceProfiles,
            Condition: {
                StringEquals: { ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": s.region },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileTagActions",
            Effect: "Allow",
            Action: ["iam:TagInstanceProfile"],
            Resource: instanceProfiles,
            Condition: {
                StringEquals: { ...profileTags, ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": s.region },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileActions",
            Effect: "Allow",
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Resource: instanceProfiles,
            Condition: { StringEquals: profileTags, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
        },
        { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: instanceProfiles },
        { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
        { Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Action: "eks:DescribeCluster", Resource: s.clusterArn },
    );
}

/**
 * EventBridge patterns Karpenter drains nodes on (spot reclaim, rebalance, health events, state changes). `name` is
 * short on purpose: rules are named `<cluster>-karpenter-<name>` within EventBridge's 64 characters.
 */
export const KARPENTER_INTERRUPTION_EVENTS = [
    { name: "health", pattern: { source: ["aws.health"], "detail-type": ["AWS Health Event"] } },
    { name: "spot", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] } },
    { name: "rebalance", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] } },
    { name: "state-change", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] } },
    { name: "capacity-reservation", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] } },
] as const;

/** Only EventBridge (and SQS itself) may send to the queue, and only over TLS. */
export function interruptionQueuePolicy(queueArn: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "EventBridgeWrite",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
            Action: "sqs:SendMessage",
            Resource: queueArn,
        },
        {
            Sid: "DenyHTTP",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: queueArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    );
}
