// Policies for VPC flow logs delivered to a KMS-encrypted CloudWatch log group.
import { accountKeyAdministration, PolicyDocument, policyDocument, serviceTrustPolicy } from "../shared/iam";

export interface AccountScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

export function logGroupArn(scope: AccountScope, logGroupName: string): string {
    return `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${logGroupName}`;
}

/** Key policy: the account administers the key; CloudWatch Logs may use it for this log group only. */
export function flowLogsKeyPolicy(scope: AccountScope, logGroupName: string): PolicyDocument {
    return policyDocument(
        accountKeyAdministration(scope.partition, scope.accountId),
        {
            Sid: "CloudWatchLogsForFlowLogGroup",
            Effect: "Allow",
            Principal: { Service: `logs.${scope.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn(scope, logGroupName) } },
        },
    );
}

export function flowLogsTrustPolicy(scope: AccountScope): PolicyDocument {
    return serviceTrustPolicy(
        "vpc-flow-logs.amazonaws.com",
        scope.accountId,
        `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:vpc-flow-log/*`,
    );
}

/** What the flow-logs service role may do: write streams of its one log group. */
export function flowLogsDeliveryPolicy(scope: AccountScope, logGroupName: string): PolicyDocument {
    const arn = logGroupArn(scope, logGroupName);
    return policyDocument({
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [arn, `${arn}:*`],
    });
}
