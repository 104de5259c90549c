// IAM and KMS policy documents of the cluster layer, as data.
import { PolicyDocument, policyDocument, PolicyStatement } from "../shared/iam";

export interface AccountRef {
    readonly partition: string;
    readonly accountId: string;
}

const accountRoot = (a: AccountRef) => `arn:${a.partition}:iam::${a.accountId}:root`;

const keyAdministration = (a: AccountRef): PolicyStatement => ({
    Sid: "AccountAdministration",
    Effect: "Allow",
    Principal: { AWS: accountRoot(a) },
    Action: "kms:*",
    Resource: "*",
});

/** A role an AWS service assumes (EKS control plane, EC2 nodes). */
export function serviceRoleTrust(service: string, tagSession = false): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: service },
        Action: tagSession ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole",
    });
}

/** Envelope encryption of Kubernetes secrets: only the account (administration) and the cluster role (use). */
export function secretsKeyPolicy(a: AccountRef, clusterRoleArn: string): PolicyDocument {
    return policyDocument(keyAdministration(a), {
        Sid: "ClusterRoleEnvelopeEncryption",
        Effect: "Allow",
        Principal: { AWS: clusterRoleArn },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
        Resource: "*",
    });
}

/**
 * EBS volumes: the account delegates to IAM (node launchers, the CSI driver, Karpenter get scoped grants),
 * and the Auto Scaling service-linked role may use the key, or managed node groups cannot launch encrypted disks.
 */
export function ebsKeyPolicy(a: AccountRef): PolicyDocument {
    const autoscaling = `arn:${a.partition}:iam::${a.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    return policyDocument(
        keyAdministration(a),
        {
            Sid: "AutoScalingUseOfTheKey",
            Effect: "Allow",
            Principal: { AWS: autoscaling },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: "*",
        },
        {
            Sid: "AutoScalingGrantsForEbs",
            Effect: "Allow",
            Principal: { AWS: autoscaling },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    );
}

/** What a principal that creates or attaches encrypted EBS volumes needs on the one key. */
export function ebsKeyUsePolicy(keyArn: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "UseEbsKey",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: keyArn,
        },
        {
            Sid: "GrantsForAttachedVolumes",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: keyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    );
}
