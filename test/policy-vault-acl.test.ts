import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { vaultPolicySelfWritePolicy } from "../policy/rules/vault-acl";

/** A planned Vault policy with only what the rule reads. */
function policy(name: string, hcl: string): PlannedResource {
    const type = "vault:index/policy:Policy";
    const urn = `urn:pulumi:t::p::${type}::${name}`;
    return {
        urn, key: urn, type, name, custom: true, parent: undefined, provider: undefined, protect: false, retainOnDelete: false,
        deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs: { name, policy: hcl }, secretPaths: [],
    };
}
const block = (path: string, ...caps: string[]) => `path "${path}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(", ")}]\n}\n`;
const run = async (...resources: PlannedResource[]) => (await checkPolicies({ resources }, [vaultPolicySelfWritePolicy])).map((v) => v.message);

describe("policy: a Vault policy never writes itself", () => {
    it("refuses a policy that may write every ACL policy, its own included", async () => {
        const found = await run(policy("admin", block("sys/policies/acl/*", "create", "read", "update", "delete", "list")));
        assert.deepStrictEqual(found, [`Vault policy admin may create, update, delete sys/policies/acl/admin, its own policy: add path "sys/policies/acl/admin" with read (or deny) only`]);
    });
    it("accepts it once its own path is narrower (read only, or deny): the longest match wins", async () => {
        const all = block("sys/policies/acl/*", "create", "update", "patch", "delete");
        assert.deepStrictEqual(await run(policy("admin", all + block("sys/policies/acl/admin", "read")), policy("b", all + block("sys/policies/acl/b", "deny"))), []);
    });
    it("reads `+` segments and partial globs as Vault does, and a deny on a longer glob wins", async () => {
        assert.strictEqual((await run(policy("p", block("sys/+/acl/p", "update")))).length, 1);
        assert.strictEqual((await run(policy("p", block("sys/policies/acl/p*", "patch")))).length, 1);
        assert.deepStrictEqual(await run(policy("p", block("sys/*", "update") + block("sys/policies/*", "deny"))), []);
        assert.deepStrictEqual(await run(policy("p", block("sys/policies/acl/q", "update") + block("sys/policies/acl", "update"))), [], "another policy, and the list path");
    });
    it("leaves a policy whose text is unknown (a preview) to be checked once known", async () => {
        const unknown = { ...policy("p", ""), inputs: { name: "p" } };
        assert.deepStrictEqual(await run(unknown), []);
    });
});
