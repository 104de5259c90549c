import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PlannedResource } from "../plan/engine";
import { PROJECT_DIR } from "../plan/engine";
import { checkPolicies, Violation } from "../plan/policy-runner";
import { PLATFORM_POLICIES } from "../policy/policies";
import {
    databaseBaselinePolicy,
    eksControlPlanePolicy,
    eksEndpointExposurePolicy,
    kmsKeyDeletionWindowPolicy,
    logRetentionPolicy,
    namespaceBaselinePolicy,
    noPlaintextSecretsPolicy,
    plaintextCredentials,
    registryBaselinePolicy,
    requiredTagsPolicy,
    securityGroupExposurePolicy,
} from "../policy/rules/baseline";

function res(type: string, name: string, inputs: Record<string, unknown> = {}): PlannedResource {
    const urn = `urn:pulumi:t::p::${type}::${name}`;
    return { urn, key: urn, type, name, custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs, secretPaths: [] };
}
const run = async (policy: Parameters<typeof checkPolicies>[1], ...resources: PlannedResource[]) => (await checkPolicies({ resources }, policy)).map((v: Violation) => v.message);
const TAGS = { project: "platform", environment: "prod", tier: "production", owner: "o", "cost-centre": "c", "managed-by": "pulumi" };
const provider = (tier: string, tags: Record<string, string> = { ...TAGS, tier }) => res("pulumi:providers:aws", "aws", { defaultTags: JSON.stringify({ tags }) });
const CLUSTER = {
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/k" } },
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] },
};
const DB = { storageEncrypted: true, kmsKeyId: "k", publiclyAccessible: false, autoMinorVersionUpgrade: true, multiAz: true, deletionProtection: true, backupRetentionPeriod: 7 };

describe("policies: the pack has at least 25 rules, each named in the table of docs/architecture.md", () => {
    it("counts them and finds each by name", () => {
        const names = PLATFORM_POLICIES.map((p) => p.name);
        assert.ok(names.length >= 25, `${names.length} rules`);
        assert.strictEqual(new Set(names).size, names.length);
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "architecture.md"), "utf8");
        for (const n of names) assert.ok(doc.includes(`| \`${n}\` |`), `docs/architecture.md lacks ${n}`);
    });
    it("describes each rule in a sentence (what `pulumi preview --policy-pack` shows) and makes every rule mandatory", () => {
        const undescribed = PLATFORM_POLICIES.filter((p) => !/^[A-Z].{30,}\.$/.test(p.description ?? "")).map((p) => p.name);
        assert.deepStrictEqual(undescribed, []);
        assert.deepStrictEqual(PLATFORM_POLICIES.filter((p) => p.enforcementLevel !== "mandatory").map((p) => p.name), []);
    });
});

describe("policy: security groups not open to the internet", () => {
    it("refuses a rule or an inline ingress from 0.0.0.0/0 or ::/0, accepts a private range", async () => {
        const v = await run(
            [securityGroupExposurePolicy],
            res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "open", { cidrIpv4: "0.0.0.0/0" }),
            res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "open6", { cidrIpv6: "::/0" }),
            res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "vpc", { cidrIpv4: "10.0.0.0/16" }),
            res("aws:ec2/securityGroup:SecurityGroup", "inline", { ingress: [{ cidrBlocks: ["0.0.0.0/0"] }] }),
        );
        assert.deepStrictEqual(v.map((m) => m.split(":")[0]), ["open", "open6", "inline"]);
    });
    it("names the open range, and checks inline IPv6 ranges and every inline rule", async () => {
        assert.deepStrictEqual(
            await run(
                [securityGroupExposurePolicy],
                res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "open6", { cidrIpv6: "::/0" }),
                res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "peer", { referencedSecurityGroupId: "sg-1" }),
                res("aws:ec2/securityGroup:SecurityGroup", "inline6", { ingress: [{ cidrBlocks: ["10.0.0.0/8"] }, { ipv6CidrBlocks: ["::/0"] }] }),
                res("aws:ec2/securityGroup:SecurityGroup", "private", { ingress: [{ cidrBlocks: ["10.0.0.0/8", "192.168.0.0/16"] }] }),
            ),
            ["open6: ingress from ::/0", "inline6: inline ingress from the internet"],
        );
        // The open range is the one named, whichever field holds it.
        assert.deepStrictEqual(await run([securityGroupExposurePolicy], res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "both", { cidrIpv4: "10.0.0.0/8", cidrIpv6: "::/0" })), [
            "both: ingress from ::/0",
        ]);
        // One open range among private ones in the same inline rule.
        assert.deepStrictEqual(await run([securityGroupExposurePolicy], res("aws:ec2/securityGroup:SecurityGroup", "mixed", { ingress: [{ cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }] })), [
            "mixed: inline ingress from the internet",
        ]);
    });
});

describe("policy: the EKS endpoint", () => {
    it("refuses a cluster without private access anywhere, and a public endpoint open to all in production", async () => {
        const open = { ...CLUSTER, vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } };
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("development"), res("aws:eks/cluster:Cluster", "c", open)), []);
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("production"), res("aws:eks/cluster:Cluster", "c", open)), ["c: public endpoint open to the internet in production"]);
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("production"), res("aws:eks/cluster:Cluster", "c", { ...open, vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true } })), ["c: public endpoint open to the internet in production"]);
        assert.match((await run([eksEndpointExposurePolicy], provider("development"), res("aws:eks/cluster:Cluster", "c", { vpcConfig: { endpointPrivateAccess: false } })))[0], /private endpoint access is off/);
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("production"), res("aws:eks/cluster:Cluster", "c", CLUSTER)), []);
        // Public endpoint off; one open range among named ones.
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("production"), res("aws:eks/cluster:Cluster", "c", { vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false } })), []);
        const mixed = { vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24", "::/0"] } };
        assert.deepStrictEqual(await run([eksEndpointExposurePolicy], provider("production"), res("aws:eks/cluster:Cluster", "c", mixed)), ["c: public endpoint open to the internet in production"]);
    });
});

describe("policy: the EKS control plane", () => {
    it("refuses missing audit logs and unencrypted Secrets", async () => {
        const v = await run([eksControlPlanePolicy], res("aws:eks/cluster:Cluster", "c", { ...CLUSTER, enabledClusterLogTypes: ["api"], encryptionConfig: undefined }));
        assert.deepStrictEqual(v, ["c: control-plane logs audit, authenticator off", "c: Kubernetes Secrets not encrypted with a KMS key"]);
        assert.deepStrictEqual(await run([eksControlPlanePolicy], res("aws:eks/cluster:Cluster", "c", CLUSTER)), []);
    });
});

describe("policy: databases", () => {
    it("refuses unencrypted, public or frozen databases anywhere, and single-AZ, unprotected or short-backup ones in production", async () => {
        const anywhere = await run([databaseBaselinePolicy], provider("development"), res("aws:rds/instance:Instance", "d", { ...DB, storageEncrypted: false, publiclyAccessible: true, autoMinorVersionUpgrade: false, multiAz: false }));
        assert.deepStrictEqual(anywhere, ["d: storage not encrypted with a KMS key", "d: publicly accessible", "d: minor version upgrades off"]);
        const prod = await run([databaseBaselinePolicy], provider("production"), res("aws:rds/instance:Instance", "d", { ...DB, multiAz: false, deletionProtection: false, backupRetentionPeriod: 3 }));
        assert.deepStrictEqual(prod, ["d: single-AZ in production", "d: no deletion protection in production", "d: backups kept under 7 days in production"]);
        assert.deepStrictEqual(await run([databaseBaselinePolicy], provider("production"), res("aws:rds/instance:Instance", "d", DB)), []);
        const { backupRetentionPeriod: _days, ...unset } = DB;
        assert.deepStrictEqual(await run([databaseBaselinePolicy], provider("production"), res("aws:rds/instance:Instance", "d", unset)), ["d: backups kept under 7 days in production"]);
    });
});

describe("policy: log retention, registries, deletion windows", () => {
    it("refuses a log group kept forever", async () => {
        assert.deepStrictEqual(await run([logRetentionPolicy], res("aws:cloudwatch/logGroup:LogGroup", "g", {}), res("aws:cloudwatch/logGroup:LogGroup", "ok", { retentionInDays: 30 })), ["g: no retention"]);
        // 0 is CloudWatch's "never expire".
        assert.deepStrictEqual(await run([logRetentionPolicy], res("aws:cloudwatch/logGroup:LogGroup", "zero", { retentionInDays: 0 }), res("aws:cloudwatch/logGroup:LogGroup", "day", { retentionInDays: 1 })), ["zero: no retention"]);
    });
    it("refuses a repository without scans or with mutable tags (whether a destroy may delete its images is the teardown rule's)", async () => {
        const v = await run([registryBaselinePolicy], res("aws:ecr/repository:Repository", "r", { imageTagMutability: "MUTABLE", forceDelete: true }));
        assert.deepStrictEqual(v, ["r: no scan on push", "r: mutable tags"]);
        assert.deepStrictEqual(await run([registryBaselinePolicy], res("aws:ecr/repository:Repository", "r", { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } })), []);
    });
    it("refuses a key that could be deleted in less than 30 days", async () => {
        assert.deepStrictEqual(await run([kmsKeyDeletionWindowPolicy], res("aws:kms/key:Key", "k", {}), res("aws:kms/key:Key", "k7", { deletionWindowInDays: 7 }), res("aws:kms/key:Key", "ok", { deletionWindowInDays: 30 })), [
            "k: deletion window 7 (default) days",
            "k7: deletion window 7 days",
        ]);
    });
});

describe("policy: required tags", () => {
    it("refuses a provider whose default tags lack one of the required ones", async () => {
        const { owner: _owner, ...withoutOwner } = TAGS;
        assert.deepStrictEqual(await run([requiredTagsPolicy], provider("production", withoutOwner as Record<string, string>)), ["aws: default tags lack owner"]);
        assert.deepStrictEqual(await run([requiredTagsPolicy], provider("production")), []);
        assert.deepStrictEqual(await run([requiredTagsPolicy], provider("production", { ...TAGS, owner: "", project: 7 as unknown as string })), ["aws: default tags lack project, owner"]);
    });
});

describe("policy: no plaintext secrets in Kubernetes", () => {
    it("finds literal credentials in Helm values, not references to files, Secrets or masked values", () => {
        const values = { auth: { password: "hunter2", existingSecret: "db-creds", token: "" }, grafana: { client_secret: "$__file{/etc/s}" }, slack: [{ apiKey: "xoxb-123" }], masked: { secret: "[secret]" } };
        assert.deepStrictEqual(plaintextCredentials(values), ["auth.password", "slack[0].apiKey"]);
    });
    it("refuses a release with one, and a Secret whose data reached the engine in plaintext", async () => {
        const v = await run(
            [noPlaintextSecretsPolicy],
            res("kubernetes:helm.sh/v3:Release", "chart", { values: { db: { password: "hunter2" } } }),
            res("kubernetes:core/v1:Secret", "plain", { stringData: { password: "hunter2" } }),
            res("kubernetes:core/v1:Secret", "masked", { stringData: "[secret]" }),
        );
        assert.deepStrictEqual(v, ["chart: values.db.password holds a literal credential", "plain: stringData is not a Pulumi secret"]);
    });
    it("knows every spelling of a credential key, only at a key's end, and every reference that is not one", () => {
        const literal = ["passwd", "api_key", "api-key", "apikey", "APIKey", "private_key", "private-key", "privateKey", "credential", "credentials", "client_secret", "bearerToken"];
        assert.deepStrictEqual(plaintextCredentials(Object.fromEntries(literal.map((k) => [k, "x"]))), literal);
        // A key ending in "Secret" holds one, unless it is a chart's name for an existing Secret (whole key only).
        const secrets = ["clientSecret", "adminSecret", "notexistingSecret", "existingSecretPassword", "githubConfigSecretToken", "mygithubConfigSecret"];
        assert.deepStrictEqual(plaintextCredentials(Object.fromEntries(secrets.map((k) => [k, "x"]))), secrets);
        const notCredentials = ["passwordFile", "tokenPath", "secretKeyRef", "existing", "secretName", "existingSecret", "existingAdminSecret", "githubConfigSecret", "adminSecretRef", "adminSecretName"];
        assert.deepStrictEqual(plaintextCredentials(Object.fromEntries(notCredentials.map((k) => [k, "x"]))), []);
        // References: Grafana's file and env expansion, masked, empty; anything around them is a literal.
        const refs = { a: { password: "$__env{PW}" }, b: { password: "[secret]" }, c: { password: "" }, d: { password: "x$__file{/s}" }, e: { password: "[secret]x" } };
        assert.deepStrictEqual(plaintextCredentials(refs), ["d.password", "e.password"]);
        assert.deepStrictEqual(plaintextCredentials({ existingSecretX: "x" }), []);
        // Only the whole key names a reference: a password after "secretName" is a password.
        assert.deepStrictEqual(plaintextCredentials({ secretNamePassword: "x" }), ["secretNamePassword"]);
    });
    it("checks v4 charts and both of a Secret's maps, and accepts an empty or masked map", async () => {
        assert.deepStrictEqual(
            await run(
                [noPlaintextSecretsPolicy],
                res("kubernetes:helm.sh/v4:Chart", "v4", { values: { token: "t" } }),
                res("kubernetes:core/v1:Secret", "data", { data: { key: "dmFsdWU=" } }),
                res("kubernetes:core/v1:Secret", "empty", { data: {}, stringData: "[secret]" }),
                res("kubernetes:core/v1:ConfigMap", "cm", { data: { password: "p" } }),
            ),
            ["v4: values.token holds a literal credential", "data: data is not a Pulumi secret"],
        );
    });
    it("reads values only of Helm releases and charts, and takes a null map as empty", async () => {
        assert.deepStrictEqual(
            await run(
                [noPlaintextSecretsPolicy],
                res("kubernetes:apps/v1:Deployment", "deploy", { values: { password: "p" } }),
                res("kubernetes:core/v1:Secret", "nulls", { data: null, stringData: null }),
            ),
            [],
        );
    });
});

describe("policy: namespaces labelled", () => {
    it("refuses a namespace without role or Pod Security level, a former builder role, and a tenant namespace below restricted; a CI namespace may be privileged (its jobs' builders)", async () => {
        const ns = (name: string, labels: Record<string, string>) => res("kubernetes:core/v1:Namespace", name, { metadata: { name, labels } });
        const v = await run(
            [namespaceBaselinePolicy],
            ns("bare", {}),
            ns("loose", { "platform.io/namespace-role": "tenant", "pod-security.kubernetes.io/enforce": "baseline" }),
            ns("builds", { "platform.io/namespace-role": "builder", "pod-security.kubernetes.io/enforce": "privileged" }),
            ns("privileged-ci", { "platform.io/namespace-role": "ci", "pod-security.kubernetes.io/enforce": "privileged" }),
            ns("ok", { "platform.io/namespace-role": "platform", "pod-security.kubernetes.io/enforce": "privileged" }),
            ns("ci", { "platform.io/namespace-role": "ci", "pod-security.kubernetes.io/enforce": "restricted" }),
        );
        assert.deepStrictEqual(v, [
            "bare: no platform.io/namespace-role (platform, tenant or ci)",
            "bare: no Pod Security level enforced",
            "loose: a tenant namespace enforcing baseline, not restricted",
            "builds: no platform.io/namespace-role (platform, tenant or ci)",
        ]);
    });
});
