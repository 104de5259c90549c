import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { SsoConfig } from "../../stacks/schema-sso";
import { accountKeyAdministration, policyDocument, serviceTrustPolicy } from "../shared/iam";
import { rdsPostgresMaxConnections } from "./db-connections";

export const KEYCLOAK_DATABASE = "keycloak";
export const KEYCLOAK_DATABASE_USER = "keycloak";
export const POSTGRES_PORT = 5432;

/** RDS parameters every Keycloak database gets: TLS only (RDS for PostgreSQL 15+ defaults to it; stated, not assumed). */
export function databaseParameters(instanceClass: string): { name: string; value: string; applyMethod: string }[] {
    // max_connections written out as the figure Keycloak's pools are sized from (db-connections.ts): the class default's
    // DBInstanceClassMemory is unpublished, so the pools and the limit agree by construction, not by estimate.
    const maxConnections = rdsPostgresMaxConnections(instanceClass);
    return [
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
        ...(maxConnections === undefined ? [] : [{ name: "max_connections", value: String(maxConnections), applyMethod: "pending-reboot" }]),
    ];
}

/** Random bytes in a final snapshot's name: 8 hex digits, one name per generation of the stack. */
export const FINAL_SNAPSHOT_SUFFIX_BYTES = 4;

/**
 * The final snapshot a delete of the instance takes: `<name>-keycloak-final-<hex>`, the hex generated once per
 * generation of the stack (a random.RandomId kept in its state; terraform-provider-random
 * internal/provider/resource_id.go replaces it only when keepers, byte_length or prefix change, none of which the
 * stack sets). A fixed name would be refused by the second teardown's DeleteDBInstance (DBSnapshotAlreadyExists):
 * DeleteDBInstance keeps manual snapshots, the first teardown's among them.
 */
export function finalSnapshotIdentifier(namePrefix: string, suffixHex: string): string {
    return `${namePrefix}-keycloak-final-${suffixHex}`;
}

/** What a delete of the instance does, per tier. */
export interface DatabaseDeletion {
    /** RDS refuses DeleteDBInstance while on; the first teardown step of docs/operations.md turns it off (as the cluster's). */
    readonly deletionProtection: boolean;
    /** Production: false, so the delete leaves a final snapshot that outlives the stack (snapshots are not in the state). */
    readonly skipFinalSnapshot: boolean;
    /** The instance's key outlives the stack where its final snapshot does: the snapshot is encrypted with it. */
    readonly keepKey: boolean;
}

/**
 * Production keeps the data as a final snapshot, not as a retained instance: a kept instance stays in its subnets and
 * security group, so AWS refuses to delete them, its subnet and parameter groups, and the VPC, and the destroy stops.
 */
export function databaseDeletion(protect: boolean): DatabaseDeletion {
    return { deletionProtection: protect, skipFinalSnapshot: !protect, keepKey: protect };
}

/**
 * Inputs the instance takes only when it is created. snapshotIdentifier: the provider replaces the instance when it
 * changes (internal/service/rds/instance.go: snapshot_identifier ForceNew), so a snapshot set on a live stack would
 * delete its database; it is for the rebuild's create only. kmsKeyId: ForceNew too, and RestoreDBInstanceFromDBSnapshot
 * takes no key (the provider passes none; the instance stays on the snapshot's key, which the provider then reads
 * back), so after a restore the stack's new key would replace the restored database. pulumi-terraform-bridge drops
 * ignored attributes from the provider's diff (pkg/tfshim/sdk-v2/provider2.go, processIgnoreChanges).
 */
export const CREATE_ONLY_INPUTS: readonly string[] = ["snapshotIdentifier", "kmsKeyId"];

export interface KeycloakDatabaseArgs {
    readonly namePrefix: string;
    readonly vpcId: pulumi.Input<string>;
    /** The isolated subnets when the network has them, else the private ones. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** The cluster security group of the nodes: the only source admitted on 5432. */
    readonly nodeSecurityGroupId: pulumi.Input<string>;
    readonly accountId: pulumi.Input<string>;
    readonly settings: SsoConfig["database"];
    /** Production: deletion protection, `protect`, a final snapshot under a generated name, the key kept. */
    readonly protect: boolean;
}

/** Keycloak's database: RDS for PostgreSQL in the isolated tier, encrypted with its own key, TLS only, reachable from the nodes only. */
export class KeycloakDatabase extends pulumi.ComponentResource {
    public readonly address: pulumi.Output<string>;
    public readonly port = POSTGRES_PORT;
    public readonly databaseName = KEYCLOAK_DATABASE;
    public readonly username = KEYCLOAK_DATABASE_USER;
    public readonly instanceClass: string;
    /** Generated; a Pulumi secret, for Keycloak's Kubernetes Secret only. */
    public readonly password: pulumi.Output<string>;

    constructor(name: string, args: KeycloakDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Database", name, {}, opts);
        const protect = args.protect;
        const deletion = databaseDeletion(protect);
        const child = { parent: this };
        const s = args.settings;
        this.instanceClass = s.instanceClass;
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
            // Encrypts the final snapshot, so it outlives the stack with it.
            { parent: this, protect, retainOnDelete: deletion.keepKey },
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
            { namePrefix: `${args.namePrefix}-keycloak-`, family: `postgres${s.engineVersion}`, description: "Keycloak database: TLS only", parameters: databaseParameters(s.instanceClass) },
            child,
        );
        const monitoring = s.monitoringIntervalSeconds > 0 ? this.monitoringRole(name, args.accountId, partition) : undefined;
        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, child);
        const finalSnapshot = deletion.skipFinalSnapshot
            ? undefined
            : new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: FINAL_SNAPSHOT_SUFFIX_BYTES }, child).hex.apply((hex) => finalSnapshotIdentifier(args.namePrefix, hex));
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
                deletionProtection: deletion.deletionProtection,
                skipFinalSnapshot: deletion.skipFinalSnapshot,
                finalSnapshotIdentifier: finalSnapshot,
                // The rebuild after a teardown: the new instance starts from the old one's final snapshot (docs/operations.md,
                // "Rebuild"). Engine, storage encryption, its key, the database and its master user come from the
                // snapshot; the provider then sets engine version, storage, backups, monitoring and the new password
                // with ModifyDBInstance (internal/service/rds/instance.go, the snapshot_identifier branch).
                snapshotIdentifier: s.restoreSnapshot,
                performanceInsightsEnabled: s.performanceInsights,
                performanceInsightsKmsKeyId: s.performanceInsights ? key.arn : undefined,
                monitoringInterval: s.monitoringIntervalSeconds,
                monitoringRoleArn: monitoring?.arn,
            },
            // Keycloak's users and realm: protected in production, and kept by the final snapshot a delete takes, not by
            // retainOnDelete (a kept instance would hold its subnets, security group and the VPC, and stop the destroy).
            { parent: this, protect, ignoreChanges: [...CREATE_ONLY_INPUTS] },
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
