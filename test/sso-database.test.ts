import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { databaseParameters } from "../components/sso/database";
import { BadInput, inputs, itRejects, named } from "./helpers";
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

describe("sso: database decisions", () => {
    it("forces TLS on every connection", () => assert.deepStrictEqual(databaseParameters(), [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }]));
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

        it("is sized, replicated and kept per tier: Multi-AZ, deletion protection, final snapshot and protect in production", () => {
            const i = instance();
            const r = named(res(), "platform-sso-database-instance");
            assert.deepStrictEqual(
                [i.instanceClass, i.multiAz, i.backupRetentionPeriod, i.deletionProtection, i.skipFinalSnapshot, i.finalSnapshotIdentifier, r.protect, r.retainOnDelete],
                production ? ["db.m7g.large", true, 14, true, false, "acme-prod-keycloak-final", true, true] : ["db.t4g.small", false, 1, false, true, undefined, false, false],
            );
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
            assert.deepStrictEqual([parameters.family, parameters.parameters], ["postgres17", [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }]]);
        });

        it("puts no database credential in any output", () => {
            assert.doesNotMatch(JSON.stringify(plan().outputs), /keycloak/i);
        });
});
