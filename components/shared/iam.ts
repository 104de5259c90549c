// Typed IAM policy documents, built as data so tests can read every action and resource.
import type * as aws from "@pulumi/aws";

export type PolicyStatement = aws.iam.PolicyStatement;

/** A policy document whose statements are plain data (assignable to aws.iam.PolicyDocument). */
export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy letting an AWS service assume a role, scoped to this account (confused-deputy guard). */
export function serviceTrustPolicy(service: string, accountId: string, sourceArnPattern?: string): PolicyDocument {
    const condition: Record<string, Record<string, string>> = { StringEquals: { "aws:SourceAccount": accountId } };
    if (sourceArnPattern) condition.ArnLike = { "aws:SourceArn": sourceArnPattern };
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: condition,
    });
}

/** The statement every platform key policy starts with: the account (its IAM policies) administers the key. */
export function accountKeyAdministration(partition: string, accountId: string): PolicyStatement {
    return { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" };
}
