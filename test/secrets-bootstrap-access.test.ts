// Who can do what to the Vault bootstrap secret, decided as AWS decides it: the identity policy of the init role, the
// key policy and the secret's resource policy of every stack file's plan, evaluated together by an IAM policy
// simulator (@cloud-copilot/iam-simulate), not by this project's code. A Secrets Manager call on a secret encrypted
// with a customer managed key is allowed only when the secret's policy lets the caller make it and KMS lets the
// caller's principal, through Secrets Manager, use the key for it: PutSecretValue needs kms:GenerateDataKey and
// kms:Decrypt, GetSecretValue kms:Decrypt (AWS Secrets Manager UG, security-encryption, "Permissions for the KMS key"),
// each with the encryption context {SecretARN, SecretVersionId} ("Secrets Manager encryption context").
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { PROJECT_DIR, type Plan } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { inputs, named } from "./helpers";
import { committedPlan } from "./plans";

const STACKS = listStacks(PROJECT_DIR);
type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Policies {
    readonly accountId: string;
    readonly region: string;
    readonly secretArn: string;
    readonly keyArn: string;
    readonly initRoleArn: string;
    readonly admins: string[];
    readonly initIdentity: unknown;
    readonly keyPolicy: unknown;
    readonly secretPolicy: unknown;
}

/**
 * The offline plan gives the secret a placeholder ARN (`…:secret/<logical name>`); AWS gives it
 * `…:secret:<name>-<6 random characters>`, the name being the prefix plus the provider's unique id. The policies are
 * read with the ARN AWS would give, substituted wherever the placeholder stands.
 */
function policiesOf(stack: string, plan: Plan): Policies {
    // The stack file's cluster admins: the principals docs/operations.md ("Key custody") says may read the bootstrap material.
    const cluster = readStackConfig(PROJECT_DIR, stack).config["platform:cluster"];
    const admins: string[] = cluster ? (JSON.parse(cluster) as { admins?: string[] }).admins ?? [] : [];
    const secret = named(plan.resources, "platform-secrets-bootstrap-secret");
    const placeholder = String(plan.outputs.vaultBootstrapSecretArn);
    const [, , , region, accountId] = placeholder.split(":");
    const secretArn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${inputs(secret).namePrefix}20260807120000000000000001-AbCdEf`;
    const read = (name: string, naming = true) => {
        const text = String(inputs(named(plan.resources, name)).policy);
        assert.strictEqual(text.includes(placeholder), naming, `${name} ${naming ? "names" : "cannot name"} the secret`);
        return JSON.parse(text.split(placeholder).join(secretArn));
    };
    return {
        accountId,
        region,
        secretArn,
        keyArn: String(inputs(secret).kmsKeyId),
        initRoleArn: String(inputs(named(plan.resources, "platform-secrets-bootstrap-init-association")).roleArn),
        admins,
        initIdentity: read("platform-secrets-bootstrap-init-policy"),
        keyPolicy: read("platform-secrets-bootstrap-key", false),
        secretPolicy: read("platform-secrets-bootstrap-secret-policy"),
    };
}

/** A role session of `roleArn` (what Pod Identity and an assumed admin role sign with). */
const sessionOf = (roleArn: string) => {
    const [, partition, , , account, resource] = roleArn.split(":");
    return `arn:${partition}:sts::${account}:assumed-role/${resource.replace(/^role\//, "")}/session`;
};

/**
 * iam-simulate 0.1.173 validates a request and drops the context keys it does not know for the action; it recognises
 * variable keys written with a slash only (aws:PrincipalTag/x, simulationEngine.js listHasVariableKeyMatch), so it
 * drops KMS's `kms:EncryptionContext:<key>`. So: the validating run checks the policies, action and resource and that
 * nothing else was dropped; the decision is the unvalidated engine's, which evaluates every key given.
 */
async function decide(
    p: Policies,
    principalRole: string,
    identityPolicy: unknown,
    action: string,
    resource: "secret" | "key",
    context: Record<string, string> = {},
): Promise<Decision> {
    const resourcePolicy = resource === "secret" ? p.secretPolicy : p.keyPolicy;
    const simulation: Simulation = {
        request: {
            principal: sessionOf(principalRole),
            action,
            resource: { resource: resource === "secret" ? p.secretArn : p.keyArn, accountId: p.accountId },
            contextVariables: { "aws:PrincipalArn": principalRole, "aws:PrincipalAccount": p.accountId, ...context },
        },
        identityPolicies: [{ name: "identity", policy: identityPolicy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
    };
    const validated = await runSimulation(simulation, {});
    if (validated.resultType === "error") assert.fail(`${action}: the simulator refused the request: ${JSON.stringify(validated.errors)}`);
    const dropped = validated.resultType === "single" ? (validated.result.ignoredContextKeys ?? []) : [];
    assert.deepStrictEqual(dropped.filter((k) => !/^kms:EncryptionContext:/.test(k)), [], `${action}: context keys the simulator does not know`);
    const decision = runUnsafeSimulation(
        { ...simulation, resourcePolicy: createValidatedPolicy(resourcePolicy, validateResourcePolicy, { name: `${resource} policy` }) },
        {},
    );
    if (dropped.length === 0) assert.strictEqual(decision, validated.overallResult, `${action}: both engines agree when nothing is dropped`);
    return decision as Decision;
}

/** What one Secrets Manager call needs: the call itself, then each KMS call Secrets Manager makes for the caller. */
async function secretsManagerCall(
    p: Policies,
    role: string,
    identity: unknown,
    action: "PutSecretValue" | "GetSecretValue" | "CreateSecret",
    context: { readonly secret?: Record<string, string>; readonly key?: Record<string, string> } = {},
): Promise<Record<string, Decision>> {
    const viaSecretsManager = {
        "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com`,
        "kms:EncryptionContext:SecretARN": p.secretArn,
        // CreateSecret with a KmsKeyId: Secrets Manager validates the caller's use of the key with this version id (same page).
        "kms:EncryptionContext:SecretVersionId": action === "CreateSecret" ? "RequestToValidateKeyAccess" : "5f8a1b2c-0000-4000-8000-000000000001",
        "kms:CallerAccount": p.accountId,
        ...context.key,
    };
    const kms = action === "GetSecretValue" ? ["kms:Decrypt"] : ["kms:GenerateDataKey", "kms:Decrypt"];
    const out: Record<string, Decision> = { [`secretsmanager:${action}`]: await decide(p, role, identity, `secretsmanager:${action}`, "secret", context.secret) };
    for (const a of kms) out[a] = await decide(p, role, identity, a, "key", viaSecretsManager);
    return out;
}

/** An administrator's identity policy, as broad as an admin role's is (AdministratorAccess). */
const ADMINISTRATOR_ACCESS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

describe("vault bootstrap secret: access, evaluated by an IAM policy simulator over every stack file's policies @stack", function () {
    this.timeout(120_000);

    it("finds the stack files", () => {
        assert.ok(STACKS.length >= 1, `no Pulumi.<stack>.yaml in ${PROJECT_DIR}`);
    });

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let p: Policies;
            let plan: Plan;
            before(async () => {
                plan = await committedPlan(stack);
                p = policiesOf(stack, plan);
                assert.ok(p.admins.length >= 1, "the stack has admins");
                assert.match(p.initRoleArn, /^arn:aws:iam::\d{12}:role\//);
            });

            it("the init role can store a version: PutSecretValue, and the GenerateDataKey and Decrypt Secrets Manager makes for it", async () => {
                const all = (d: Record<string, Decision>) => Object.values(d).every((v) => v === "Allowed");
                const decisions = await secretsManagerCall(p, p.initRoleArn, p.initIdentity, "PutSecretValue");
                assert.ok(all(decisions), JSON.stringify(decisions));
            });

            it("the init role cannot read the secret (GetSecretValue is denied whatever its identity policy says)", async () => {
                assert.strictEqual(await decide(p, p.initRoleArn, p.initIdentity, "secretsmanager:GetSecretValue", "secret"), "ExplicitlyDenied");
                // Even granted by some identity policy, the secret's policy denies it.
                assert.strictEqual(await decide(p, p.initRoleArn, ADMINISTRATOR_ACCESS, "secretsmanager:GetSecretValue", "secret"), "ExplicitlyDenied");
            });

            it("the init role cannot decrypt with the key directly, nor through Secrets Manager for another secret", async () => {
                assert.strictEqual(await decide(p, p.initRoleArn, p.initIdentity, "kms:Decrypt", "key"), "ExplicitlyDenied");
                // Its identity widened to everything: the key policy alone still denies.
                assert.strictEqual(await decide(p, p.initRoleArn, ADMINISTRATOR_ACCESS, "kms:Decrypt", "key"), "ExplicitlyDenied");
                const other = p.secretArn.replace(/:secret:.*$/, ":secret:other-AbCdEf");
                const forOther = { "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com`, "kms:EncryptionContext:SecretARN": other };
                assert.strictEqual(await decide(p, p.initRoleArn, ADMINISTRATOR_ACCESS, "kms:Decrypt", "key", forOther), "ExplicitlyDenied");
                assert.strictEqual(await decide(p, p.initRoleArn, ADMINISTRATOR_ACCESS, "kms:Decrypt", "key", { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": p.secretArn }), "ExplicitlyDenied");
            });

            it("an admin can read it (GetSecretValue and the Decrypt Secrets Manager makes for it)", async () => {
                for (const admin of p.admins) {
                    const decisions = await secretsManagerCall(p, admin, ADMINISTRATOR_ACCESS, "GetSecretValue");
                    assert.deepStrictEqual(decisions, { "secretsmanager:GetSecretValue": "Allowed", "kms:Decrypt": "Allowed" }, admin);
                }
            });

            it("the init role can list the versions and move the login label; another role, even with AdministratorAccess, cannot move it", async () => {
                assert.strictEqual(await decide(p, p.initRoleArn, p.initIdentity, "secretsmanager:ListSecretVersionIds", "secret"), "Allowed");
                assert.strictEqual(await decide(p, p.initRoleArn, p.initIdentity, "secretsmanager:UpdateSecretVersionStage", "secret"), "Allowed");
                const other = `arn:aws:iam::${p.accountId}:role/someone-else`;
                assert.strictEqual(await decide(p, other, ADMINISTRATOR_ACCESS, "secretsmanager:UpdateSecretVersionStage", "secret"), "ExplicitlyDenied");
            });

            it("Vault's role may resolve exactly the principals the deployer login is bound to (iam:GetRole), nothing else", async () => {
                const vaultPolicy = JSON.parse(String(inputs(named(plan.resources, "platform-secrets-vault-aws-auth-policy")).policy));
                const vaultRole = String(inputs(named(plan.resources, "platform-secrets-vault-aws-auth-policy")).role);
                const iam = async (action: string, resource: string): Promise<Decision> => {
                    const simulation: Simulation = {
                        request: {
                            principal: sessionOf(`arn:aws:iam::${p.accountId}:role/${vaultRole}`),
                            action,
                            resource: { resource, accountId: p.accountId },
                            contextVariables: {},
                        },
                        identityPolicies: [{ name: "identity", policy: vaultPolicy }],
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                    };
                    const result = await runSimulation(simulation, {});
                    if (result.resultType === "error") assert.fail(`${action}: the simulator refused the request: ${JSON.stringify(result.errors)}`);
                    return result.overallResult as Decision;
                };
                for (const admin of p.admins) assert.strictEqual(await iam("iam:GetRole", admin), "Allowed", admin);
                assert.strictEqual(await iam("iam:GetRole", `arn:aws:iam::${p.accountId}:role/someone-else`), "ImplicitlyDenied");
                assert.strictEqual(await iam("iam:GetUser", `arn:aws:iam::${p.accountId}:user/someone`), "ImplicitlyDenied");
                for (const action of ["iam:ListRoles", "iam:PassRole", "sts:AssumeRole"]) {
                    assert.strictEqual(await iam(action, action === "iam:ListRoles" ? "*" : p.admins[0]), "ImplicitlyDenied", action);
                }
            });

            it("another role of the account, even with AdministratorAccess, can neither read nor write it", async () => {
                const other = `arn:aws:iam::${p.accountId}:role/someone-else`;
                assert.deepStrictEqual(await secretsManagerCall(p, other, ADMINISTRATOR_ACCESS, "GetSecretValue"), {
                    "secretsmanager:GetSecretValue": "ExplicitlyDenied",
                    "kms:Decrypt": "ExplicitlyDenied",
                });
                assert.strictEqual(await decide(p, other, ADMINISTRATOR_ACCESS, "secretsmanager:PutSecretValue", "secret"), "ExplicitlyDenied");
            });
        });
    }
});

/** An admin password's secret (AdminCredentials) as Policies: its own resource policy, the bootstrap key it shares. */
function adminSecretPolicies(stack: string, plan: Plan, role: "keycloak" | "grafana"): Policies {
    const bootstrap = policiesOf(stack, plan);
    const secret = named(plan.resources, `platform-admin-credentials-${role}`);
    const placeholder = String(plan.outputs[role === "keycloak" ? "ssoAdminSecretArn" : "grafanaAdminSecretArn"]);
    const secretArn = `arn:aws:secretsmanager:${bootstrap.region}:${bootstrap.accountId}:secret:${inputs(secret).namePrefix}20260807120000000000000002-GhIjKl`;
    const policy = String(inputs(named(plan.resources, `platform-admin-credentials-${role}-policy`)).policy);
    assert.ok(policy.includes(placeholder), "the policy names its secret");
    return { ...bootstrap, secretArn, secretPolicy: JSON.parse(policy.split(placeholder).join(secretArn)), keyArn: String(inputs(secret).kmsKeyId) };
}

describe("admin passwords' secrets: access, evaluated by an IAM policy simulator over every stack file's policies @stack", function () {
    this.timeout(120_000);
    for (const stack of STACKS)
        for (const role of ["keycloak", "grafana"] as const)
            describe(`stack ${stack}, ${role}`, () => {
                let p: Policies;
                let plan: Plan;
                before(async () => {
                    plan = await committedPlan(stack);
                    p = adminSecretPolicies(stack, plan, role);
                    assert.ok(p.admins.length >= 1, "the stack has admins");
                });

                it("is kept as Vault's bootstrap secret is (protected and retained in production), with its policy and value", () => {
                    const bootstrap = named(plan.resources, "platform-secrets-bootstrap-secret");
                    for (const part of ["", "-policy", "-value"]) {
                        const r = named(plan.resources, `platform-admin-credentials-${role}${part}`);
                        assert.deepStrictEqual([r.protect, r.retainOnDelete], [bootstrap.protect, bootstrap.retainOnDelete], r.name);
                    }
                });

                it("is encrypted with the admins-only bootstrap key (whose policy the decisions below read)", () => {
                    assert.strictEqual(p.keyArn, policiesOf(stack, plan).keyArn);
                    assert.ok(p.keyArn !== "" && p.keyArn !== "undefined", p.keyArn);
                });

                it("an admin (the deployer, the tenant stacks' deploy role) can read it: GetSecretValue and the Decrypt Secrets Manager makes for it", async () => {
                    for (const admin of p.admins) assert.deepStrictEqual(await secretsManagerCall(p, admin, ADMINISTRATOR_ACCESS, "GetSecretValue"), { "secretsmanager:GetSecretValue": "Allowed", "kms:Decrypt": "Allowed" }, admin);
                });

                it("another role, even with AdministratorAccess, can neither read it, write it, delete or rotate it nor replace its policy; Vault's init role cannot read it either", async () => {
                    const other = `arn:aws:iam::${p.accountId}:role/someone-else`;
                    assert.deepStrictEqual(await secretsManagerCall(p, other, ADMINISTRATOR_ACCESS, "GetSecretValue"), { "secretsmanager:GetSecretValue": "ExplicitlyDenied", "kms:Decrypt": "ExplicitlyDenied" });
                    for (const action of ["secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret"])
                        assert.strictEqual(await decide(p, other, ADMINISTRATOR_ACCESS, action, "secret"), "ExplicitlyDenied", action);
                    // The key is shared with Vault's bootstrap secret: its init role decrypts through Secrets Manager for that secret only.
                    assert.deepStrictEqual(await secretsManagerCall(p, p.initRoleArn, ADMINISTRATOR_ACCESS, "GetSecretValue"), { "secretsmanager:GetSecretValue": "ExplicitlyDenied", "kms:Decrypt": "ExplicitlyDenied" });
                });
            });
});

/** The deployer's policy as the deployments program attaches it (docs/deployer-policy.json, its parts together). */
const DEPLOYER_POLICY = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "docs", "deployer-policy.json"), "utf8")) as { Statement: unknown[] };

describe("admin passwords' secrets: what pulumi up, refresh and destroy call as the deployer, with the deployer policy, and a tenant stack's read @stack", function () {
    this.timeout(120_000);
    for (const stack of STACKS)
        describe(`stack ${stack}`, () => {
            let plan: Plan;
            let deployers: string[];
            before(async () => {
                plan = await committedPlan(stack);
                // The role that runs pulumi up (and the tenant stacks) is one of the admins; whichever it is holds this policy.
                deployers = policiesOf(stack, plan).admins;
                assert.ok(deployers.length >= 1, "the stack has admins");
            });

            for (const role of ["keycloak", "grafana"] as const)
                it(`${role}: create (with the key check), tag, describe, set and read the policy, write and read the value, delete`, async () => {
                    const p = adminSecretPolicies(stack, plan, role);
                    const key = named(plan.resources, "platform-secrets-bootstrap-key");
                    const provider = plan.resources.find((r) => r.urn === key.provider);
                    assert.ok(provider, "the key's AWS provider is planned");
                    // The key carries the provider's default tags, which the deployer's KMS statement conditions on.
                    const tags: Record<string, string> = { ...JSON.parse(String(inputs(provider).defaultTags)).tags, ...(inputs(key).tags ?? {}) };
                    const region = { "aws:RequestedRegion": p.region };
                    const keyTags = { ...region, ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])) };
                    const allowed = (d: Record<string, Decision>) => Object.values(d).every((v) => v === "Allowed");
                    for (const deployer of deployers) {
                        for (const call of ["CreateSecret", "PutSecretValue", "GetSecretValue"] as const) {
                            const d = await secretsManagerCall(p, deployer, DEPLOYER_POLICY, call, { secret: region, key: keyTags });
                            assert.ok(allowed(d), `${deployer} ${call}: ${JSON.stringify(d)}`);
                        }
                        for (const action of ["TagResource", "DescribeSecret", "GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy", "DeleteSecret"])
                            assert.strictEqual(await decide(p, deployer, DEPLOYER_POLICY, `secretsmanager:${action}`, "secret", region), "Allowed", `${deployer} ${action}`);
                    }
                });
        });
});
