// Closed vocabularies shared by the network component and the config schema.

/** NAT gateway placement: none, one shared gateway, or one per availability zone. */
export const NAT_STRATEGIES = ["None", "Single", "OnePerAz"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** What does the NAT where `NatStrategy` places one: AWS's managed gateway, or a NAT instance (fck-nat). */
export const NAT_KINDS = ["Gateway", "Instance"] as const;
export type NatKind = (typeof NAT_KINDS)[number];

/** Services an EKS platform reaches privately (short names after `com.amazonaws.<region>.`). */
export const INTERFACE_ENDPOINT_SERVICES = [
    "autoscaling",
    "ec2",
    "ec2messages",
    "ecr.api",
    "ecr.dkr",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "kms",
    "logs",
    "monitoring",
    "secretsmanager",
    "sqs",
    "ssm",
    "ssmmessages",
    "sts",
    "xray",
] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
