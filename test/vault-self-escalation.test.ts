// No Vault policy of any stack file's plan lets its holder raise its own rights: rewrite its own policy, the login
// role that grants it, the auth mount it logs in through, identity groups or entities (which carry policies), token
// roles (tokens with other policies), root generation, key rotation or raw storage. Decided by the repository's ACL
// oracle (test/vault-acl.ts: Vault's longest-prefix rule, deny wins), not by the code that writes the policies.
import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { inputs } from "./helpers";
import { committedPlan } from "./plans";
import { allowed, parseAcl } from "./vault-acl";
import { DEPLOYER_ROLE_PATH } from "../components/secrets/bootstrap-job";

const STACKS = listStacks(PROJECT_DIR);
const WRITES = ["create", "update", "patch", "delete", "sudo"] as const;
const LOGIN_ROLE_TYPES = ["vault:jwt/authBackendRole:AuthBackendRole", "vault:kubernetes/authBackendRole:AuthBackendRole"];

/** Paths whose writes would let the holder of `policy`, logging in at `mount` as `role`, widen its own rights. */
function selfEscalationPaths(policy: string, mount: string, role: string): string[] {
    return [
        `sys/policies/acl/${policy}`,
        `auth/${mount}/role/${role}`,
        `auth/${mount}/config`,
        `sys/auth/${mount}`,
        `sys/auth/${mount}/tune`,
        "identity/group",
        "identity/group/name/admins",
        "identity/group/id/0000",
        "identity/entity",
        "identity/entity/name/someone",
        "identity/entity-alias",
        "identity/group-alias",
        "auth/token/roles/anything",
        "auth/token/create/anything",
        "auth/token/create-orphan",
        "sys/generate-root/attempt",
        "sys/generate-root/update",
        "sys/rotate",
        "sys/rotate/config",
        "sys/raw/core/auth",
        // Tuning its login mount through sys/mounts (its tokens' TTLs).
        `sys/mounts/auth/${mount}/tune`,
    ];
}

describe("vault policies: none lets its holder raise its own rights, in every stack file @stack", function () {
    this.timeout(120_000);

    it("finds the stack files", () => assert.ok(STACKS.length >= 1, `no Pulumi.<stack>.yaml in ${PROJECT_DIR}`));

    for (const stack of STACKS) {
        it(`${stack}: no policy writes itself, its login role or mount, identity, token roles, root generation, rotation or raw storage`, async () => {
            const plan = await committedPlan(stack);
            const policies = new Map(plan.resources.filter((r) => r.type === "vault:index/policy:Policy").map((p) => [String(inputs(p).name), parseAcl(String(inputs(p).policy))]));
            const logins = plan.resources
                .filter((r) => LOGIN_ROLE_TYPES.includes(r.type))
                .flatMap((r) => (inputs(r).tokenPolicies as string[]).map((policy) => ({ policy, mount: String(inputs(r).backend), role: String(inputs(r).roleName) })));
            // The platform's administrators are among the holders checked (the policy with the widest rights).
            assert.ok(logins.some((l) => l.policy === "platform-admin"), `login roles: ${JSON.stringify(logins)}`);
            const found: string[] = [];
            for (const l of logins) {
                const rules = policies.get(l.policy);
                assert.ok(rules && rules.length > 0, `login role ${l.mount}/${l.role} grants policy ${l.policy}, which the plan does not write`);
                for (const path of selfEscalationPaths(l.policy, l.mount, l.role)) {
                    for (const c of WRITES) if (allowed(rules, path, c)) found.push(`${l.policy} (login ${l.mount}/${l.role}) may ${c} ${path}`);
                }
            }
            assert.deepStrictEqual(found, []);
        });
    }
});

/**
 * The Vault API paths and capabilities the provider needs for each resource type the plan has (terraform-provider-
 * vault: Audit PUT sys/audit/<path> (sudo); Mount sys/mounts/<path> and its tune; AuthBackend sys/auth/<path> (sudo),
 * tuned through sys/mounts/auth/<path>/tune; auth backends' config and roles; ACL policies; KV v2 data and metadata).
 * A type the plan gains that is not here fails the test: say what it writes before the deployer is trusted with it.
 */
function writesOf(type: string, i: Record<string, any>): [string, string[]][] {
    switch (type) {
        case "vault:index/audit:Audit":
            return [[`sys/audit/${i.path}`, ["update", "sudo", "delete"]], ["sys/audit", ["read", "sudo"]]];
        case "vault:index/mount:Mount":
            return [[`sys/mounts/${i.path}`, ["create", "update", "read", "delete"]], [`sys/mounts/${i.path}/tune`, ["update", "read"]]];
        case "vault:index/authBackend:AuthBackend":
        case "vault:jwt/authBackend:AuthBackend":
            return [
                [`sys/auth/${i.path}`, ["update", "sudo", "delete"]],
                ["sys/auth", ["read"]],
                [`sys/mounts/auth/${i.path}/tune`, ["update", "read"]],
                ...(type === "vault:jwt/authBackend:AuthBackend" ? ([[`auth/${i.path}/config`, ["update", "read"]]] as [string, string[]][]) : []),
            ];
        case "vault:kubernetes/authBackendConfig:AuthBackendConfig":
            return [[`auth/${i.backend}/config`, ["update", "read"]]];
        case "vault:kubernetes/authBackendRole:AuthBackendRole":
        case "vault:jwt/authBackendRole:AuthBackendRole":
            return [[`auth/${i.backend}/role/${i.roleName}`, ["create", "update", "read", "delete"]]];
        case "vault:index/policy:Policy":
            return [[`sys/policies/acl/${i.name}`, ["create", "update", "read", "delete"]]];
        case "vault:kv/secretV2:SecretV2":
            return [
                [`${i.mount}/data/${i.name}`, ["create", "update", "read", "delete"]],
                [`${i.mount}/metadata/${i.name}`, ["read", "update", "delete"]],
                [`${i.mount}/config`, ["read"]],
            ];
        default:
            return assert.fail(`the plan has a Vault resource of type ${type}: add the paths it writes to writesOf`);
    }
}

/** What would let the deployer widen its own rights or undo the custody of Vault's root (README, Key custody). */
const DEPLOYER_ESCALATIONS = [
    ...selfEscalationPaths("deployer", "aws", "deployer"),
    "auth/aws/role/another",
    "auth/aws/config/client",
    "auth/aws/config/sts/123456789012",
    "sys/mounts/auth/aws/tune",
    "sys/mounts/auth/aws",
    "sys/auth/aws",
    "auth/token/create/root-role",
    "identity/entity/id/0000",
    "identity/entity-alias/id/0000",
    "identity/group-alias/id/0000",
    "identity/group/id/0000",
    "sys/generate-root/attempt",
    "sys/rotate/root",
    "sys/rekey-recovery-key/init",
];

describe("vault: the deployer policy the init Job writes, evaluated with Vault's ACL rules, in every stack file @stack", function () {
    this.timeout(120_000);

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let rules: ReturnType<typeof parseAcl>;
            let plan: Awaited<ReturnType<typeof committedPlan>>;
            before(async () => {
                plan = await committedPlan(stack);
                const job = plan.resources.find((r) => r.name === "platform-secrets-bootstrap-job") ?? assert.fail("no init Job");
                const configure = (inputs(job).spec.template.spec.initContainers as { name: string; env: { name: string; value: string }[] }[]).find((c) => c.name === "configure");
                rules = parseAcl(configure?.env.find((e) => e.name === "DEPLOYER_POLICY")?.value ?? assert.fail("no DEPLOYER_POLICY"));
                assert.ok(rules.length >= 10, "the deployer policy parsed");
            });

            it("lets the deployer write every path the plan's Vault resources write", () => {
                const resources = plan.resources.filter((r) => r.custom && r.type.startsWith("vault:") && !r.type.startsWith("pulumi:providers:"));
                const types = new Set(resources.map((r) => r.type));
                for (const t of ["vault:index/audit:Audit", "vault:index/mount:Mount", "vault:index/authBackend:AuthBackend", "vault:index/policy:Policy", "vault:kv/secretV2:SecretV2", "vault:kubernetes/authBackendRole:AuthBackendRole", "vault:jwt/authBackendRole:AuthBackendRole"]) {
                    assert.ok(types.has(t), `the plan has no ${t}: ${[...types]}`);
                }
                const refused: string[] = [];
                for (const r of resources) for (const [path, caps] of writesOf(r.type, inputs(r))) for (const c of caps) if (!allowed(rules, path, c as never)) refused.push(`${r.name}: ${c} ${path}`);
                assert.deepStrictEqual(refused, []);
                // The provider's own calls: its login token's lookup (skipChildToken: no child token), and the read of its
                // own login role the secrets layer compares with cluster.admins (components/secrets/secrets.ts).
                assert.ok(allowed(rules, "auth/token/lookup-self", "read"));
                assert.ok(allowed(rules, DEPLOYER_ROLE_PATH, "read"), `the deployer cannot read ${DEPLOYER_ROLE_PATH}`);
            });

            it("denies the deployer its own policy, the AWS login, root generation, rotation, raw storage, token roles, orphan tokens and identity writes", () => {
                const found: string[] = [];
                for (const path of DEPLOYER_ESCALATIONS) for (const c of WRITES) if (allowed(rules, path, c)) found.push(`may ${c} ${path}`);
                assert.deepStrictEqual(found, []);
                // Not vacuous: the same oracle grants what the policy grants next to each refusal.
                assert.ok(allowed(rules, "sys/policies/acl/platform-admin", "update") && allowed(rules, "auth/oidc/role/x", "update") && allowed(rules, "sys/auth/oidc", "sudo"));
            });
        });
    }
});

describe("vault ACL oracle: Vault's priority matching (docs, concepts/policies)", () => {
    const r = (path: string, ...capabilities: string[]) => ({ path, capabilities }) as ReturnType<typeof parseAcl>[number];
    it("a later first wildcard, no trailing glob, fewer + segments, then the longer path win; deny wins in the winner", () => {
        assert.ok(allowed([r("secret/*", "read"), r("secret/+/x", "deny")], "secret/a/x", "read") === false, "no trailing glob beats a glob");
        assert.ok(allowed([r("secret/+/*", "deny"), r("secret/*", "read")], "secret/a/b", "read"), "fewer + segments win");
        assert.ok(!allowed([r("sys/mounts/*", "update"), r("sys/mounts/auth/aws/*", "read")], "sys/mounts/auth/aws/tune", "update"), "the later first wildcard wins");
        assert.ok(allowed([r("sys/auth/*", "sudo"), r("sys/auth/aws", "read")], "sys/auth/oidc", "sudo"));
        assert.ok(!allowed([r("a/*", "update"), r("a/*", "deny")], "a/b", "update"), "same path merged: deny wins");
        assert.ok(!allowed([r("a/+", "update")], "a/b/c", "update") && allowed([r("a/+", "update")], "a/b", "update"), "+ is one segment");
        assert.ok(allowed([r("sys/policies/acl/p*", "patch")], "sys/policies/acl/p", "patch"), "a partial glob");
    });
});
