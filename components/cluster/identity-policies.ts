// Trust policies for workload identity: EKS Pod Identity (default) or IRSA through the cluster's OIDC provider.
import { PolicyDocument, policyDocument } from "../shared/iam";

/** Who may use a Pod Identity role: one service account of one cluster. */
export interface PodIdentitySubject {
    readonly accountId: string;
    readonly clusterArn: string;
    readonly namespace: string;
    readonly serviceAccount: string;
}

/**
 * Pod Identity, as EKS documents it (pod-id-role.html): the pods service assumes the role and tags the session with
 * the cluster, namespace and service account, so the trust is scoped by those session tags. `aws:SourceArn` is not
 * set to the cluster by EKS: a condition on it leaves pods without credentials.
 */
export function podIdentityTrustPolicy(s: PodIdentitySubject): PolicyDocument {
    return policyDocument({
        Sid: "AllowEksAuthToAssumeRoleForPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
            StringEquals: {
                "aws:SourceAccount": s.accountId,
                "aws:RequestTag/eks-cluster-arn": s.clusterArn,
                "aws:RequestTag/kubernetes-namespace": s.namespace,
                "aws:RequestTag/kubernetes-service-account": s.serviceAccount,
            },
        },
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
