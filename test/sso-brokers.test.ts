import * as assert from "assert";
import * as http from "http";
import { spawn } from "child_process";
import { PROJECT_DIR, record, secretInputs } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { Platform } from "../components/platform/platform";
import { WAIT_FOR_URL_SCRIPT } from "../components/shared/readiness";
import { inputs, named, ofType } from "./helpers";
import { OIDC_IDP } from "./sso-fixtures";

const dev = readStackConfig(PROJECT_DIR, "dev").config;
const DEV_CLOUD = { accountId: "111111111111", region: "eu-west-1", partition: "aws", callerArn: "arn:aws:sts::111111111111:assumed-role/PlatformAdmin/test" };
const BROKER_SECRET = "corporate-client-secret-0123456789";
const OIDC = OIDC_IDP;
const SAML = {
    alias: "adfs",
    displayName: "ADFS",
    type: "Saml",
    saml: { singleSignOnServiceUrl: "https://adfs.acme.example/adfs/ls", signingCertificate: `MIIC${"A".repeat(120)}\n${"B".repeat(40)}` },
    groupsClaim: "http://schemas.xmlsoap.org/claims/Group",
    groupMappings: [{ from: "Platform Viewers", to: "platform-viewers" }],
};

describe("sso: brokered identity providers and tenant groups on the real program @stack", function () {
    this.timeout(60000);
    const sso = JSON.parse(dev["platform:sso"]);
    const raw = { ...dev, "platform:sso": JSON.stringify({ ...sso, identityProviders: [OIDC, SAML] }), "platform:ssoBrokerSecrets": JSON.stringify({ corporate: BROKER_SECRET }) };
    const secretKeys = ["platform:ssoBrokerSecrets"];
    let rec: Awaited<ReturnType<typeof record>>;
    before(async () => {
        const cfg = parsePlatformConfig(raw, "platform", (k) => secretKeys.includes(k));
        rec = await record({ project: "platform", stack: "dev", config: raw, secretKeys, cloud: DEV_CLOUD }, () => {
            const platform = new Platform("platform", { project: "platform", config: cfg });
            platform.sso.tenantGroup("team-a");
        });
    });

    it("brokers the OIDC provider with validated signatures and its client secret kept secret", () => {
        const idp = named(rec.resources, "platform-sso-realm-idp-corporate");
        const i = inputs(idp);
        assert.deepStrictEqual(
            [i.alias, i.authorizationUrl, i.tokenUrl, i.jwksUrl, i.issuer, i.clientId, i.clientSecret, i.validateSignature, i.syncMode],
            ["corporate", OIDC.oidc.authorizationUrl, OIDC.oidc.tokenUrl, OIDC.oidc.jwksUrl, OIDC.oidc.issuer, "platform", "[secret]", true, "FORCE"],
        );
        assert.doesNotMatch(JSON.stringify(rec.resources.map((r) => r.inputs)), new RegExp(BROKER_SECRET));
        // What Keycloak receives is the configured secret itself.
        assert.strictEqual(secretInputs(idp).clientSecret, BROKER_SECRET);
    });

    it("brokers the SAML provider: signed assertions, the realm as service provider, the certificate without whitespace", () => {
        const i = inputs(named(rec.resources, "platform-sso-realm-idp-adfs"));
        assert.deepStrictEqual(
            [i.entityId, i.singleSignOnServiceUrl, i.validateSignature, i.wantAssertionsSigned, i.signingCertificate],
            ["https://sso.dev.platform.acme.example/realms/platform", SAML.saml.singleSignOnServiceUrl, true, true, `MIIC${"A".repeat(120)}${"B".repeat(40)}`],
        );
    });

    it("brokers each provider in full: enabled, trusted e-mail, no stored tokens, forced sync, signed and posted SAML", () => {
        const common = { realm: "platform", enabled: true, trustEmail: true, storeToken: false, syncMode: "FORCE" };
        assert.deepStrictEqual(inputs(named(rec.resources, "platform-sso-realm-idp-corporate")), {
            ...common,
            alias: "corporate",
            displayName: "Acme SSO",
            ...OIDC.oidc,
            clientSecret: "[secret]",
            validateSignature: true,
            defaultScopes: "openid profile email",
        });
        assert.deepStrictEqual(inputs(named(rec.resources, "platform-sso-realm-idp-adfs")), {
            ...common,
            alias: "adfs",
            displayName: "ADFS",
            entityId: "https://sso.dev.platform.acme.example/realms/platform",
            singleSignOnServiceUrl: SAML.saml.singleSignOnServiceUrl,
            signingCertificate: `MIIC${"A".repeat(120)}${"B".repeat(40)}`,
            validateSignature: true,
            wantAssertionsSigned: true,
            postBindingResponse: true,
            postBindingAuthnRequest: true,
            principalType: "SUBJECT",
            nameIdPolicyFormat: "Persistent",
        });
        const mappings = ofType(rec.resources, "keycloak:index/customIdentityProviderMapping:CustomIdentityProviderMapping");
        assert.deepStrictEqual(mappings.map((m) => inputs(m).name), ["corp-platform-admins to platform-admins", "Platform Viewers to platform-viewers"]);
    });

    it("maps corporate groups to platform groups after the provider and the group exist", () => {
        const mappings = ofType(rec.resources, "keycloak:index/customIdentityProviderMapping:CustomIdentityProviderMapping");
        assert.deepStrictEqual(
            mappings.map((m) => [inputs(m).identityProviderAlias, inputs(m).identityProviderMapper, inputs(m).extraConfig.group]),
            [["corporate", "oidc-advanced-group-idp-mapper", "/platform-admins"], ["adfs", "saml-advanced-group-idp-mapper", "/platform-viewers"]],
        );
        const needs = (m: (typeof mappings)[number], names: string[]) => names.every((n) => m.dependsOn.includes(named(rec.resources, n).urn));
        assert.ok(needs(mappings[0], ["platform-sso-realm-idp-corporate", "platform-sso-realm-group-platform-admins"]));
        assert.ok(needs(mappings[1], ["platform-sso-realm-idp-adfs", "platform-sso-realm-group-platform-viewers"]));
    });

    it("creates a tenant's group in the realm on request", () => {
        const group = named(rec.resources, "platform-sso-realm-tenant-team-a");
        assert.deepStrictEqual([inputs(group).name, inputs(group).realmId], ["tenant-team-a", "platform-sso-realm-realm-id"]);
        assert.strictEqual(group.provider, named(rec.resources, "platform-sso-realm-provider").urn);
    });

    it("puts Vault's OIDC login under the SSO layer, so nothing waiting for Vault's configuration waits for SSO", () => {
        const backend = ofType(rec.resources, "vault:jwt/authBackend:AuthBackend")[0];
        assert.ok(backend.parent?.endsWith("::platform-sso"), backend.parent);
        assert.strictEqual(backend.provider, named(rec.resources, "platform-secrets-config-provider").urn);
        const repository = named(rec.resources, "platform-backup-repository-password-vault");
        const sso = rec.resources.filter((r) => r.type.startsWith("vault:jwt/") || r.type.startsWith("keycloak:"));
        assert.ok(sso.length > 5);
        for (const r of sso) assert.ok(!repository.dependencies.includes(r.urn), `the backup's Vault secret waits for ${r.name}`);
    });
});

describe("readiness gate: the script the runner polls with", function () {
    this.timeout(20000);
    const runScript = (url: string, timeoutSeconds: number) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ["-e", WAIT_FOR_URL_SCRIPT], { env: { ...process.env, URL: url, TIMEOUT_SECONDS: String(timeoutSeconds), INTERVAL_SECONDS: "0.1" } });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });

    it("waits through failures and answers the URL once it serves 2xx", async () => {
        let calls = 0;
        const server = http.createServer((_, res) => {
            calls += 1;
            res.writeHead(calls < 3 ? 503 : 200).end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/realms/master`;
        const result = await runScript(url, 10);
        server.close();
        assert.deepStrictEqual([result.code, result.stdout, calls], [0, url, 3]);
    });

    it("fails with the last answer when the deadline passes", async () => {
        const server = http.createServer((_, res) => res.writeHead(503).end());
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/sys/health`;
        const result = await runScript(url, 0.3);
        server.close();
        assert.strictEqual(result.code, 1);
        assert.match(result.stderr, /did not answer 2xx in time \(last: HTTP 503\)/);
    });
});
