// Trust policies for workload identity: EKS Pod Identity (default) or IRSA through the cluster's OIDC provider.
import { PolicyDocument, policyDocument } from "../shared/iam";

/** Pod Identity: the EKS pods service assumes the role, only on behalf of this account's cluster. */
export function podIdentityTrustPolicy(accountId: string, clusterArn: string): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnEquals: { "aws:SourceArn": clusterArn } },
    });
}

/** IRSA: only the one service account, and only for STS, may exchange its token for the role. */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return policyDocument({
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                [`${issuer}:aud`]: "sts.amazonaws.com",
            },
        },
    });
}
