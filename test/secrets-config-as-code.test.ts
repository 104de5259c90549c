import * as assert from "assert";
import { record } from "../plan/engine";
import { aclPolicy, auditorRules, platformAdminRules, prefixReaderRules, tenantCiRules, tenantRules } from "../components/secrets/vault-policies";
import { allowed, parseAcl } from "./vault-acl";
import { VaultConfiguration } from "../components/secrets/vault-config";
import { inputs, named, ofType } from "./helpers";
import { describeStacks } from "./plans";

describe("secrets: Vault policies on their exact paths", () => {
    const kv = "platform";
    it("platform-admin runs Vault and every secret, with sudo only where Vault requires it", () => {
        const rules = platformAdminRules(kv, ["oidc"]);
        assert.ok(allowed(rules, "platform/data/tenants/a/db", "read"));
        // Administers every other policy, auth mount and role, reads its own but never writes it.
        assert.ok(allowed(rules, "sys/policies/acl/platform-admin", "read"));
        assert.ok(!allowed(rules, "sys/policies/acl/platform-admin", "update"));
        assert.ok(allowed(rules, "auth/kubernetes/role/tenant-a", "update"));
        assert.ok(allowed(rules, "auth/oidc/role/platform-admin", "read"));
        assert.ok(!allowed(rules, "auth/oidc/role/platform-admin", "update"), "not the role it logs in with");
        assert.ok(!allowed(rules, "sys/auth/oidc", "delete"), "not the mount it logs in through");
        assert.ok(allowed(rules, "auth/token/create", "update"), "child tokens (a subset of its policies)");
        assert.ok(!allowed(rules, "auth/token/create-orphan", "update"));
        assert.ok(!allowed(rules, "identity/group", "update"));
        assert.ok(allowed(rules, "identity/group/name/x", "read"));
        assert.ok(allowed(rules, "sys/audit/file", "sudo"));
        assert.ok(allowed(rules, "sys/policies/acl/auditor", "update"));
        assert.ok(!allowed(rules, "sys/policies/acl/auditor", "sudo"));
        assert.ok(!allowed(rules, "other/data/x", "read"), "no mount but the platform's");
        assert.ok(!allowed(rules, "sys/raw/anything", "read"), "no raw storage access");
    });
    it("auditor reads configuration and secret metadata, never a secret's value, and changes nothing", () => {
        const rules = auditorRules(kv);
        assert.ok(allowed(rules, "sys/audit", "read"));
        assert.ok(allowed(rules, "platform/metadata/tenants/a/db", "list"));
        assert.ok(!allowed(rules, "platform/data/tenants/a/db", "read"));
        assert.ok(!allowed(rules, "sys/policies/acl/auditor", "update"));
        assert.ok(rules.every((r) => r.capabilities.every((c) => ["read", "list", "sudo"].includes(c))));
    });
    it("a platform reader reads its prefix only", () => {
        const rules = prefixReaderRules(kv, "platform");
        assert.ok(allowed(rules, "platform/data/platform/grafana", "read"));
        assert.ok(!allowed(rules, "platform/data/platform/grafana", "update"));
        assert.ok(!allowed(rules, "platform/data/tenants/a/db", "read"));
    });
    it("a tenant manages its own prefix and nothing of another tenant's", () => {
        const rules = tenantRules(kv, "team-a");
        assert.ok(allowed(rules, "platform/data/tenants/team-a/db", "create"));
        assert.ok(allowed(rules, "platform/destroy/tenants/team-a/db", "update"), "may destroy old versions of its own");
        assert.ok(allowed(rules, "platform/metadata/tenants/team-a/db", "list"));
        assert.ok(!allowed(rules, "platform/data/tenants/team-ab/db", "read"), "team-a is not a prefix of team-ab");
        assert.ok(!allowed(rules, "platform/data/tenants/team-b/db", "read"));
        assert.ok(!allowed(rules, "platform/data/platform/grafana", "read"));
    });
    it("a tenant's members' policy reads nothing below its ci/ path, which its CI's policy alone reads", () => {
        const rules = tenantRules(kv, "team-a");
        for (const [path, capability] of [
            ["platform/data/tenants/team-a/ci/github-app", "read"],
            ["platform/data/tenants/team-a/ci/github-app", "update"],
            ["platform/metadata/tenants/team-a/ci/github-app", "read"],
            ["platform/destroy/tenants/team-a/ci/github-app", "update"],
        ] as const)
            assert.ok(!allowed(rules, path, capability), `${capability} ${path}`);
        assert.ok(allowed(rules, "platform/data/tenants/team-a/cidr-notes", "read"), "only the ci/ folder, not names starting with ci");
        const ci = tenantCiRules(kv, "team-a");
        assert.ok(allowed(ci, "platform/data/tenants/team-a/ci/github-app", "read"));
        assert.ok(!allowed(ci, "platform/data/tenants/team-a/ci/github-app", "update"));
        assert.ok(!allowed(ci, "platform/data/tenants/team-a/db", "read"));
        assert.ok(!allowed(ci, "platform/data/tenants/team-ab/ci/github-app", "read"));
    });
    it("renders HCL Vault parses: one path block per rule", () => {
        assert.strictEqual(aclPolicy([{ path: "a/*", capabilities: ["read", "list"] }]), 'path "a/*" {\n  capabilities = ["read", "list"]\n}\n');
    });
});

describe("secrets: tenantSecrets, what the tenants layer calls", () => {
    it("creates a policy on the tenant's prefix and a role bound to its namespaces' store account, with the platform's TTLs", async () => {
        const rec = await record({ project: "p", stack: "s" }, () => {
            const config = new VaultConfiguration("c", { address: "https://vault.example.org", login: { role: "deployer", mount: "aws", headerValue: "vault.example.org", region: "eu-west-1" }, kvMount: "platform", tokenTtl: { default: "1h", max: "8h" }, issuer: "https://oidc", dependsOn: [], protect: false });
            config.tenantSecrets("team-a", ["team-a-dev", "team-a-prod"]);
        });
        const policy = inputs(named(rec.resources, "c-tenant-team-a-policy"));
        assert.strictEqual(policy.name, "tenant-team-a");
        const rules = parseAcl(policy.policy);
        assert.ok(rules.length >= 4);
        assert.ok(allowed(rules, "platform/data/tenants/team-a/db", "read") && allowed(rules, "platform/data/tenants/team-a/db", "update"));
        assert.ok(!allowed(rules, "platform/data/tenants/team-b/db", "read") && !allowed(rules, "platform/data/platform/grafana", "read"));
        const role = inputs(named(rec.resources, "c-tenant-team-a-role"));
        assert.deepStrictEqual(
            [role.roleName, role.backend, role.boundServiceAccountNames, role.boundServiceAccountNamespaces, role.tokenPolicies, role.tokenTtl, role.tokenMaxTtl],
            ["tenant-team-a", "kubernetes", ["vault-secret-store"], ["team-a-dev", "team-a-prod"], ["tenant-team-a"], 3600, 28800],
        );
        const provider = named(rec.resources, "c-provider");
        assert.ok(named(rec.resources, "c-tenant-team-a-role").provider?.endsWith("::c-provider"), "through the configured Vault provider");
        assert.deepStrictEqual(provider.secretPaths, [], "no token: the provider logs in with AWS IAM");
    });
});

describeStacks((stack) => `secrets: Vault configuration as code in stack ${stack}`, "platform-secrets-config", ({ stack, plan, res }) => {

        it("configures Vault through a provider on its address that logs in with AWS IAM as the deployer (no token), after the init Job", () => {
            const provider = named(res(), "platform-secrets-config-provider");
            assert.deepStrictEqual([inputs(provider).address, inputs(provider).token, inputs(provider).skipChildToken], [plan().outputs.vaultAddress, undefined, "true"]);
            // The header value is Vault's hostname and the login signs for the regional STS endpoint: what the init Job
            // writes into auth/aws/config/client (its configure step's environment), so Vault accepts it.
            const login = JSON.parse(inputs(provider).authLoginAws);
            const configure = inputs(named(plan().resources, "platform-secrets-bootstrap-job")).spec.template.spec.initContainers.find((c: any) => c.name === "configure");
            const env = Object.fromEntries(configure.env.map((e: any) => [e.name, e.value]));
            assert.deepStrictEqual(login, {
                role: "deployer",
                mount: "aws",
                headerValue: new URL(String(plan().outputs.vaultAddress)).hostname,
                awsRegion: "eu-west-1",
                awsStsEndpoint: "https://sts.eu-west-1.amazonaws.com",
            });
            assert.deepStrictEqual([env.VAULT_HOSTNAME, env.AWS_REGION], [login.headerValue, login.awsRegion]);
            assert.match(configure.command[2], /sts_endpoint="https:\/\/sts\.\$AWS_REGION\.amazonaws\.com"/);
            const job = named(plan().resources, "platform-secrets-bootstrap-job");
            const route = named(plan().resources, "vault-vault-route");
            const gate = named(plan().resources, "platform-secrets-vault-ready");
            assert.deepStrictEqual(inputs(gate).environment, { URL: `${plan().outputs.vaultAddress}/v1/sys/health`, TIMEOUT_SECONDS: "900" });
            for (const dep of [job, route]) assert.ok(gate.dependsOn.includes(dep.urn), `the gate does not wait for ${dep.name}`);
            assert.ok(provider.dependencies.includes(gate.urn), "the provider's address resolves before Vault answers from the runner");
            for (const r of res().filter((x) => x.custom && x.type.startsWith("vault:"))) {
                assert.ok(r.dependencies.includes(gate.urn), `${r.name} waits for Vault to answer`);
                assert.ok(r.dependencies.includes(job.urn), `${r.name} waits for the init Job`);
                assert.ok(r.dependencies.includes(route.urn), `${r.name} waits for (and on destroy goes before) the route to Vault`);
            }
            assert.ok(res().filter((x) => x.type.startsWith("vault:")).length >= 6);
        });

        it("mounts KV v2 at the configured path, audits to the file on the audit volume", () => {
            const kv = inputs(named(res(), "platform-secrets-config-kv"));
            assert.deepStrictEqual([kv.path, kv.type, kv.options], ["platform", "kv", { version: "2" }]);
            const production = stack === "prod";
            assert.deepStrictEqual([named(res(), "platform-secrets-config-kv").protect, named(res(), "platform-secrets-config-kubernetes").protect], [production, production]);
            const audit = inputs(named(res(), "platform-secrets-config-audit-file"));
            assert.deepStrictEqual([audit.type, audit.options], ["file", { file_path: "/vault/audit/audit.log" }]);
        });

        it("binds Kubernetes auth to this cluster's issuer, with the configured token TTLs", () => {
            const backend = inputs(named(res(), "platform-secrets-config-kubernetes"));
            assert.deepStrictEqual([backend.type, backend.path, backend.tune], ["kubernetes", "kubernetes", { defaultLeaseTtl: "1h", maxLeaseTtl: stack === "prod" ? "8h" : "24h" }]);
            const config = inputs(named(res(), "platform-secrets-config-kubernetes-config"));
            const cluster = plan().resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
            assert.strictEqual(config.kubernetesHost, "https://kubernetes.default.svc");
            assert.strictEqual(config.disableIssValidation, false);
            assert.match(config.issuer, /^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
            assert.ok(cluster);
        });

        it("has the platform-admin and auditor policies from the pinned rules", () => {
            const policies = new Map(ofType(res(), "vault:index/policy:Policy").map((p) => [inputs(p).name, parseAcl(inputs(p).policy)]));
            // And one reader per platform component that needs secrets: External Secrets' platform store today.
            assert.deepStrictEqual([...policies.keys()].sort(), ["auditor", "platform-admin", "platform-external-secrets"]);
            const can = (policy: string, path: string, capability: "read" | "update" | "list" | "sudo") => allowed(policies.get(policy)!, path, capability);
            assert.deepStrictEqual(
                [can("platform-admin", "platform/data/tenants/a/x", "update"), can("platform-admin", "sys/audit/file", "sudo"), can("platform-admin", "sys/raw/x", "read")],
                [true, true, false],
            );
            assert.deepStrictEqual([can("auditor", "platform/metadata/a", "list"), can("auditor", "platform/data/a", "read"), can("auditor", "sys/policies/acl/x", "update")], [true, false, false]);
            assert.deepStrictEqual(
                [can("platform-external-secrets", "platform/data/platform/x", "read"), can("platform-external-secrets", "platform/data/tenants/a/x", "read"), can("platform-external-secrets", "platform/data/platform/x", "update")],
                [true, false, false],
            );
            assert.strictEqual(plan().outputs.vaultKvMount, "platform");
        });
});
