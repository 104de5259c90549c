import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AccountScope, flowLogsDeliveryPolicy, flowLogsKeyPolicy, flowLogsTrustPolicy, logGroupArn } from "./flow-logs";

export interface FlowLogSettings {
    readonly enabled: boolean;
    /** Days records are kept (a CloudWatch retention value). */
    readonly retentionDays: number;
    readonly trafficType: "ALL" | "ACCEPT" | "REJECT";
    readonly aggregationIntervalSeconds: 60 | 600;
}

export interface FlowLogsArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Prefix of the log group name and key alias. */
    readonly namePrefix: string;
    readonly region: string;
    readonly settings: FlowLogSettings;
    /** Keep the log group and its key when the stack is destroyed. */
    readonly retain: boolean;
}

/** VPC flow logs into a KMS-encrypted CloudWatch log group with bounded retention. */
export class FlowLogs extends pulumi.ComponentResource {
    public readonly logGroupName: pulumi.Output<string>;
    public readonly keyArn: pulumi.Output<string>;

    constructor(name: string, args: FlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:FlowLogs", name, {}, opts);
        const child = { parent: this };
        // Audit data in production: protected (destroy refuses until unprotected) and kept on delete.
        const kept = { parent: this, protect: args.retain, retainOnDelete: args.retain };
        const logGroupName = `/platform/${args.namePrefix}/vpc-flow-logs`;

        const caller = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child);
        const scope: pulumi.Output<AccountScope> = pulumi
            .all([caller.accountId, partition.partition])
            .apply(([accountId, p]) => ({ accountId, partition: p, region: args.region }));

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts ${logGroupName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: scope.apply((s) => JSON.stringify(flowLogsKeyPolicy(s, logGroupName))),
            },
            kept,
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.namePrefix}-vpc-flow-logs`, targetKeyId: key.keyId }, child);
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-group`,
            { name: logGroupName, retentionInDays: args.settings.retentionDays, kmsKeyId: key.arn },
            kept,
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "Delivers VPC flow logs to CloudWatch Logs",
                assumeRolePolicy: scope.apply((s) => JSON.stringify(flowLogsTrustPolicy(s))),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-delivery`,
            { role: role.id, policy: scope.apply((s) => JSON.stringify(flowLogsDeliveryPolicy(s, logGroupName))) },
            child,
        );
        new aws.ec2.FlowLog(
            `${name}-vpc`,
            {
                vpcId: args.vpcId,
                trafficType: args.settings.trafficType,
                logDestinationType: "cloud-watch-logs",
                logDestination: scope.apply((s) => logGroupArn(s, logGroupName)),
                iamRoleArn: role.arn,
                maxAggregationInterval: args.settings.aggregationIntervalSeconds,
            },
            { parent: this, dependsOn: [logGroup] },
        );

        this.logGroupName = logGroup.name;
        this.keyArn = key.arn;
        this.registerOutputs({ logGroupName: this.logGroupName, keyArn: this.keyArn });
    }
}
