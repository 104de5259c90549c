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
