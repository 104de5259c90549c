// Typed IAM policy documents, built as data so tests can read every action and resource.
import { createHash } from "crypto";
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

/**
 * Trust policy letting an AWS service assume a role, scoped to this account (confused-deputy guard) where the service
 * documents that it supplies aws:SourceAccount; without `accountId`, the service's documented trust, unconditioned.
 */
export function serviceTrustPolicy(service: string, accountId?: string, sourceArnPattern?: string): PolicyDocument {
    const condition: Record<string, Record<string, string>> = accountId ? { StringEquals: { "aws:SourceAccount": accountId } } : {};
    if (sourceArnPattern) condition.ArnLike = { "aws:SourceArn": sourceArnPattern };
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
}

/** The statement every platform key policy starts with: the account (its IAM policies) administers the key. */
export function accountKeyAdministration(partition: string, accountId: string): PolicyStatement {
    return { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" };
}

/** IAM's limit on a role's name (CreateRole). */
export const ROLE_NAME_MAX = 64;
/** What pulumi-aws auto-naming appends to a logical name ("-" and 7 random characters). */
const AUTONAME_SUFFIX = 8;
/** What the provider appends to a `namePrefix` (Terraform's PrefixedUniqueId: a 26-character timestamp and counter). */
const PREFIX_UNIQUE_ID = 26;

/**
 * How a role named after `logicalName` gets a name IAM accepts: auto-named as before when the name and its suffix
 * fit, else a `namePrefix` cut to fit, kept distinct by a hash of the whole logical name (tenant names reach 40
 * characters). A prefix, not a fixed name: two stacks in one account never collide.
 */
export function roleNaming(logicalName: string): { namePrefix?: string } {
    if (logicalName.length + AUTONAME_SUFFIX <= ROLE_NAME_MAX) return {};
    const hash = createHash("sha256").update(logicalName).digest("hex").slice(0, 7);
    const room = ROLE_NAME_MAX - PREFIX_UNIQUE_ID - hash.length - 2;
    return { namePrefix: `${logicalName.slice(0, room).replace(/-+$/, "")}-${hash}-` };
}
