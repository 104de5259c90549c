// What the detail tests expect of the production example (Pulumi.prod.yaml, on the mock runtime), written by hand
// once for every layer's detail tests: its account, IAM documents and the Pod Identity trust AWS documents.

/** The account the production example pins (allowedAccountIds), which the mock runtime reports. */
export const ACCOUNT = "222222222222";

/** An IAM policy document with these statements. */
export const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });

/** The trust EKS Pod Identity documents, for one service account of the production cluster (acme-prod). */
export const podIdentityTrust = (namespace: string, serviceAccount: string) =>
    doc({
        Sid: "AllowEksAuthToAssumeRoleForPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
            StringEquals: {
                "aws:SourceAccount": ACCOUNT,
                "aws:RequestTag/eks-cluster-arn": `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/acme-prod`,
                "aws:RequestTag/kubernetes-namespace": namespace,
                "aws:RequestTag/kubernetes-service-account": serviceAccount,
            },
        },
    });
