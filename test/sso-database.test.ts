import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { isRestoreSnapshot } from "../stacks/schema-sso";
import { CREATE_ONLY_INPUTS, databaseDeletion, databaseParameters, finalSnapshotIdentifier } from "../components/sso/database";
import { BadInput, ExactBadInput, inputs, itRejects, itRejectsExactly, named } from "./helpers";
import { describeStacks } from "./plans";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const database = (raw: Raw, value: Record<string, unknown>): Raw => {
    const sso = JSON.parse(raw["platform:sso"]);
    return { ...raw, "platform:sso": JSON.stringify({ ...sso, database: { ...sso.database, ...value } }) };
};

const cases: BadInput[] = [
    ["no sso section", Object.fromEntries(Object.entries(dev).filter(([k]) => k !== "platform:sso")), ["platform:sso", "expected a mapping"]],
    ["an engine version that is a minor release", database(dev, { engineVersion: "17.7" }), ["platform:sso.database.engineVersion", '"17.7"', "PostgreSQL major version"]],
    ["an engine version unquoted", database(dev, { engineVersion: 17 }), ["platform:sso.database.engineVersion"]],
    ["an instance class not db.<family>.<size>", database(dev, { instanceClass: "t4g.small" }), ["platform:sso.database.instanceClass", '"t4g.small"', "db.<family>.<size>"]],
    ["backup retention above 35 days", database(dev, { backupRetentionDays: 36 }), ["platform:sso.database.backupRetentionDays", "0-35 days"]],
    ["negative backup retention", database(dev, { backupRetentionDays: -1 }), ["platform:sso.database.backupRetentionDays", "0-35 days"]],
    ["short backup retention in production", database(prod, { backupRetentionDays: 3 }), ["platform:sso.database.backupRetentionDays", "at least 7 days in production"]],
    ["Multi-AZ off in production", database(prod, { multiAz: false }), ["platform:sso.database.multiAz", "expected true in production"]],
    ["a monitoring interval RDS does not offer", database(dev, { monitoringIntervalSeconds: 20 }), ["platform:sso.database.monitoringIntervalSeconds", "expected one of 0, 1, 5, 10, 15, 30, 60"]],
    ["storage below gp3's minimum", database(dev, { allocatedStorageGiB: 10 }), ["platform:sso.database.allocatedStorageGiB", "at least 20 GiB"]],
];

describe("config: bad SSO database input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));
});

const RESTORE_EXPECTED =
    "expected a DB snapshot identifier (1-255 letters, digits and single hyphens, a letter first) or its ARN (arn:aws:rds:<region>:<account>:snapshot:<identifier>)";
/** Snapshot names RDS refuses (or the automated kind, which a delete removes with its instance), in every stack file. */
const restoreCases: ExactBadInput[] = listStacks(PROJECT_DIR).flatMap((stack) => {
    const raw = readStackConfig(PROJECT_DIR, stack).config;
    const bad = (what: string, value: unknown, got: string): ExactBadInput => [`${stack}: ${what}`, database(raw, { restoreSnapshot: value }), [`platform:sso.database.restoreSnapshot: ${RESTORE_EXPECTED}; got ${got}`]];
    return [
        bad("an automated snapshot (rds:...)", "rds:acme-prod-keycloak-2026-01-01-00-00", '"rds:acme-prod-keycloak-2026-01-01-00-00"'),
        bad("a name starting with a digit", "1-keycloak-final", '"1-keycloak-final"'),
        bad("two hyphens in a row", "acme--final", '"acme--final"'),
        bad("a trailing hyphen", "acme-final-", '"acme-final-"'),
        bad("an empty name", "", '""'),
        // The message shows the first 117 characters of a long value.
        bad("a name of 256 characters", `a${"b".repeat(255)}`, `${JSON.stringify(`a${"b".repeat(255)}`).slice(0, 117)}...`),
        bad("an ARN of another resource type", "arn:aws:rds:eu-west-1:222222222222:db:acme-prod-keycloak-1", '"arn:aws:rds:eu-west-1:222222222222:db:acme-prod-keycloak-1"'),
        [`${stack}: a snapshot as a number`, database(raw, { restoreSnapshot: 42 }), ["platform:sso.database.restoreSnapshot: expected a string; got 42"]],
    ];
});

describe("config: a snapshot to restore the database from that RDS would refuse is rejected, in every stack file", () => {
    itRejectsExactly(restoreCases, (raw) => parsePlatformConfig(raw, "platform"));
});

describe("sso: database decisions", () => {
    it("forces TLS on every connection, and sets max_connections to the figure Keycloak's pools are sized from", () => {
        // db.t4g.micro: 1 GiB x 0.75 / 9,531,392 bytes = 84; db.t4g.small: 2 GiB -> 168 (hand-computed).
        assert.deepStrictEqual(databaseParameters("db.t4g.micro"), [
            { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
            { name: "max_connections", value: "84", applyMethod: "pending-reboot" },
        ]);
        assert.deepStrictEqual(databaseParameters("db.t4g.small")[1], { name: "max_connections", value: "168", applyMethod: "pending-reboot" });
        assert.deepStrictEqual(databaseParameters("db.z9.nano"), [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }]);
    });
    it("keeps production's data as a final snapshot with deletion protection and the key kept, and deletes the rest outright", () => {
        assert.deepStrictEqual(databaseDeletion(true), { deletionProtection: true, skipFinalSnapshot: false, keepKey: true });
        assert.deepStrictEqual(databaseDeletion(false), { deletionProtection: false, skipFinalSnapshot: true, keepKey: false });
    });
    it("names the final snapshot after the stack and the generation's random suffix, as RDS accepts names", () => {
        assert.strictEqual(finalSnapshotIdentifier("acme-prod", "0a1b2c3d"), "acme-prod-keycloak-final-0a1b2c3d");
        assert.ok(isRestoreSnapshot(finalSnapshotIdentifier("acme-prod", "0a1b2c3d")), "the rebuild takes it back as restoreSnapshot");
    });
    it("takes a snapshot and the instance's key at creation only", () => assert.deepStrictEqual(CREATE_ONLY_INPUTS, ["snapshotIdentifier", "kmsKeyId"]));
    it("accepts manual snapshot identifiers and their ARNs, in every partition", () => {
        const accepted = [
            "acme-prod-keycloak-final-0a1b2c3d",
            "A",
            `a${"b".repeat(254)}`,
            "arn:aws:rds:eu-west-1:222222222222:snapshot:acme-prod-keycloak-final-0a1b2c3d",
            "arn:aws-us-gov:rds:us-gov-west-1:222222222222:snapshot:keycloak",
            "arn:aws-cn:rds:cn-north-1:222222222222:snapshot:keycloak",
        ];
        assert.deepStrictEqual(accepted.filter((v) => !isRestoreSnapshot(v)), []);
        const refused = ["arn:aws:rds:eu-west-1:2222:snapshot:keycloak", "arn:aws:rds:eu-west-1:222222222222:snapshot:", "keycloak_final", "arn:aws:rds:eu-west-1:222222222222:snapshot:keycloak-"];
        assert.deepStrictEqual(refused.filter((v) => isRestoreSnapshot(v)), []);
    });
});

describeStacks((stack) => `sso: Keycloak's database in stack ${stack}`, "platform-sso-database", ({ stack, production, plan, res }) => {
        const instance = () => inputs(named(res(), "platform-sso-database-instance"));

        it("runs the pinned PostgreSQL major, encrypted with its own rotating key, private, minor upgrades on", () => {
            const i = instance();
            assert.deepStrictEqual(
                [i.allowMajorVersionUpgrade, i.engine, i.engineVersion, i.autoMinorVersionUpgrade, i.storageEncrypted, i.kmsKeyId, i.publiclyAccessible, i.storageType, i.dbName, i.username],
                [true, "postgres", "17", true, true, `arn:aws:kms:eu-west-1:${production ? "222222222222" : "111111111111"}:key/platform-sso-database-key`, false, "gp3", "keycloak", "keycloak"],
            );
            assert.strictEqual(inputs(named(res(), "platform-sso-database-key")).enableKeyRotation, true);
            assert.strictEqual(i.password, "[secret]");
            assert.ok(named(res(), "platform-sso-database-instance").secretPaths.includes("password"));
        });

        it("is sized, replicated and kept per tier: Multi-AZ, deletion protection, a final snapshot per generation and protect in production", () => {
            const i = instance();
            const r = named(res(), "platform-sso-database-instance");
            assert.deepStrictEqual(
                [i.instanceClass, i.multiAz, i.backupRetentionPeriod, i.deletionProtection, i.skipFinalSnapshot, r.protect, r.retainOnDelete, r.ignoreChanges],
                production
                    ? ["db.t4g.small", true, 14, true, false, true, false, ["snapshotIdentifier", "kmsKeyId"]]
                    : ["db.t4g.micro", false, 1, false, true, false, false, ["snapshotIdentifier", "kmsKeyId"]],
            );
            // The final snapshot is named after a RandomId of the stack (the offline plan's fake hex); nothing is restored.
            const suffix = res().find((x) => x.name === "platform-sso-database-final-snapshot-suffix");
            assert.deepStrictEqual([i.finalSnapshotIdentifier?.replace(/[0-9a-f]{8}$/, "<hex>"), suffix?.inputs, i.snapshotIdentifier], production ? ["acme-prod-keycloak-final-<hex>", { byteLength: 4 }, undefined] : [undefined, undefined, undefined]);
            if (suffix) assert.deepStrictEqual(r.propertyDependencies?.finalSnapshotIdentifier, [suffix.urn]);
            // The key encrypts the final snapshot: it outlives the stack with it.
            const key = named(res(), "platform-sso-database-key");
            assert.deepStrictEqual([key.protect, key.retainOnDelete], [production, production]);
            assert.deepStrictEqual([i.performanceInsightsEnabled, i.monitoringInterval], production ? [true, 60] : [false, 0]);
            assert.strictEqual(res().some((x) => x.name === "platform-sso-database-monitoring"), production, "the monitoring role exists only with enhanced monitoring");
        });

        it("sits in the database tier (isolated subnets where the network has them) behind a group open to the nodes only", () => {
            const subnets = inputs(named(res(), "platform-sso-database-subnets")).subnetIds;
            assert.ok(subnets.length >= 2 && subnets.every((s: string) => s.includes(production ? "-isolated-" : "-private-")), JSON.stringify(subnets));
            const rule = inputs(named(res(), "platform-sso-database-from-nodes"));
            assert.deepStrictEqual([rule.ipProtocol, rule.fromPort, rule.toPort, rule.referencedSecurityGroupId, rule.cidrIpv4], ["tcp", 5432, 5432, `sg-acme-${stack}-cluster`, undefined]);
            assert.strictEqual(res().filter((x) => x.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length, 1);
            const parameters = inputs(named(res(), "platform-sso-database-parameters"));
            // dev's db.t4g.micro takes 84 connections (1 pod x 74 + 10), prod's db.t4g.small 168 (2 x 79 + 10).
            assert.deepStrictEqual(
                [parameters.family, parameters.parameters],
                ["postgres17", [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }, { name: "max_connections", value: production ? "168" : "84", applyMethod: "pending-reboot" }]],
            );
        });

        it("puts no database credential in any output", () => {
            // The admin secret's ARN names Keycloak but holds no credential (Secrets Manager, admins only).
            const { ssoAdminSecretArn, ...rest } = plan().outputs as Record<string, unknown>;
            assert.match(String(ssoAdminSecretArn), /^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret[:/]platform-admin-credentials-keycloak/);
            assert.doesNotMatch(JSON.stringify(rest), /keycloak/i);
        });
});
