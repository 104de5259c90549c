import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { SsoConfig } from "../../stacks/schema-sso";
import { accountKeyAdministration, policyDocument, serviceTrustPolicy } from "../shared/iam";

export const KEYCLOAK_DATABASE = "keycloak";
export const KEYCLOAK_DATABASE_USER = "keycloak";
export const POSTGRES_PORT = 5432;

/** RDS parameters every Keycloak database gets: TLS only (RDS for PostgreSQL 15+ defaults to it; stated, not assumed). */
export function databaseParameters(): { name: string; value: string; applyMethod: string }[] {
    return [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }];
}

export interface KeycloakDatabaseArgs {
    readonly namePrefix: string;
    readonly vpcId: pulumi.Input<string>;
    /** The isolated subnets when the network has them, else the private ones. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** The cluster security group of the nodes: the only source admitted on 5432. */
    readonly nodeSecurityGroupId: pulumi.Input<string>;
    readonly accountId: pulumi.Input<string>;
    readonly settings: SsoConfig["database"];
    /** Production: deletion protection, `protect`, a final snapshot, the key kept. */
    readonly protect: boolean;
}

/** Keycloak's database: RDS for PostgreSQL in the isolated tier, encrypted with its own key, TLS only, reachable from the nodes only. */
export class KeycloakDatabase extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    public readonly port = POSTGRES_PORT;
    public readonly databaseName = KEYCLOAK_DATABASE;
    public readonly username = KEYCLOAK_DATABASE_USER;
    /** Generated; a Pulumi secret, for Keycloak's Kubernetes Secret only. */
    public readonly password: pulumi.Output<string>;

    constructor(name: string, args: KeycloakDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Database", name, {}, opts);
        const protect = args.protect;
        const child = { parent: this };
        const kept = { parent: this, protect, retainOnDelete: protect };
        const s = args.settings;
        const partition = aws.getPartitionOutput({}, child).partition;

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Keycloak database of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.all([partition, args.accountId]).apply(([p, account]) =>
                    JSON.stringify(policyDocument(accountKeyAdministration(p, account))),
                ),
            },
            kept,
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.namePrefix}-keycloak-db`, targetKeyId: key.keyId }, child);
        const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { namePrefix: `${args.namePrefix}-keycloak-`, subnetIds: args.subnetIds }, child);
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { namePrefix: `${args.namePrefix}-keycloak-db-`, vpcId: args.vpcId, description: "Keycloak database: PostgreSQL from the cluster's nodes only" },
            child,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-nodes`,
            { securityGroupId: securityGroup.id, referencedSecurityGroupId: args.nodeSecurityGroupId, ipProtocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, description: "PostgreSQL from the cluster's nodes" },
            child,
        );
        const parameters = new aws.rds.ParameterGroup(
            `${name}-parameters`,
            { namePrefix: `${args.namePrefix}-keycloak-`, family: `postgres${s.engineVersion}`, description: "Keycloak database: TLS only", parameters: databaseParameters() },
            child,
        );
        const monitoring = s.monitoringIntervalSeconds > 0 ? this.monitoringRole(name, args.accountId, partition) : undefined;
        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, child);
        const instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                identifierPrefix: `${args.namePrefix}-keycloak-`,
                engine: "postgres",
                engineVersion: s.engineVersion,
                autoMinorVersionUpgrade: true,
                // A new major in config is a deliberate upgrade; without this AWS refuses the change.
                allowMajorVersionUpgrade: true,
                instanceClass: s.instanceClass,
                allocatedStorage: s.allocatedStorageGiB,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: key.arn,
                dbName: KEYCLOAK_DATABASE,
                username: KEYCLOAK_DATABASE_USER,
                password: pulumi.secret(password.result),
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [securityGroup.id],
                parameterGroupName: parameters.name,
                publiclyAccessible: false,
                multiAz: s.multiAz,
                backupRetentionPeriod: s.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: protect,
                skipFinalSnapshot: !protect,
                finalSnapshotIdentifier: protect ? `${args.namePrefix}-keycloak-final` : undefined,
                performanceInsightsEnabled: s.performanceInsights,
                performanceInsightsKmsKeyId: s.performanceInsights ? key.arn : undefined,
                monitoringInterval: s.monitoringIntervalSeconds,
                monitoringRoleArn: monitoring?.arn,
            },
            // Keycloak's users and realm: protected and kept in production (a forced delete still leaves a final snapshot).
            kept,
        );
        this.address = instance.address;
        this.password = pulumi.secret(password.result);
        this.registerOutputs({ address: this.address });
    }

    /** The role RDS enhanced monitoring publishes OS metrics with (AWS's managed policy for exactly that). */
    private monitoringRole(name: string, accountId: pulumi.Input<string>, partition: pulumi.Output<string>): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-monitoring`,
            {
                description: "RDS enhanced monitoring of the Keycloak database",
                assumeRolePolicy: pulumi.output(accountId).apply((a) => JSON.stringify(serviceTrustPolicy("monitoring.rds.amazonaws.com", a))),
            },
            { parent: this },
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-monitoring-policy`,
            { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole` },
            { parent: this },
        );
        return role;
    }
}
