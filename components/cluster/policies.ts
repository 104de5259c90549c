// IAM and KMS policy documents of the cluster layer, as data.
import { accountKeyAdministration, PolicyDocument, policyDocument, PolicyStatement } from "../shared/iam";

export interface AccountRef {
    readonly partition: string;
    readonly accountId: string;
}


const keyAdministration = (a: AccountRef): PolicyStatement => accountKeyAdministration(a.partition, a.accountId);

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
 * EBS volumes, in the form AWS uses for its own aws/ebs key: any principal of this account may use the key, but only
 * through EC2 (node launches by the Auto Scaling service-linked role, the CSI driver, Karpenter), and grants only for
 * AWS resources. No principal is named that may not exist yet: on a fresh account the Auto Scaling service-linked
 * role appears only with the first Auto Scaling group, and KMS refuses a policy naming a missing principal.
 */
export function ebsKeyPolicy(a: AccountRef & { region: string }): PolicyDocument {
    const throughEc2 = { "kms:CallerAccount": a.accountId, "kms:ViaService": `ec2.${a.region}.amazonaws.com` };
    return policyDocument(
        keyAdministration(a),
        {
            Sid: "UseThroughEc2ByThisAccount",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: throughEc2 },
        },
        {
            Sid: "GrantsForEbsThroughEc2ByThisAccount",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { StringEquals: throughEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
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
