import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { BadInput, itRejects } from "./helpers";
import { OIDC_IDP } from "./sso-fixtures";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const sso = (raw: Raw, patch: (s: any) => any): Raw => ({ ...raw, "platform:sso": JSON.stringify(patch(JSON.parse(raw["platform:sso"]))) });
const realm = (raw: Raw, value: Record<string, unknown>) => sso(raw, (s) => ({ ...s, realm: { ...s.realm, ...value } }));
const keycloak = (raw: Raw, value: Record<string, unknown>) => sso(raw, (s) => ({ ...s, keycloak: { ...s.keycloak, ...value } }));
const ingress = (raw: Raw, patch: (i: any) => any): Raw => ({ ...raw, "platform:ingress": JSON.stringify(patch(JSON.parse(raw["platform:ingress"]))) });

const CERT = "MIIC" + "A".repeat(200);
const SAML_IDP = { alias: "adfs", displayName: "ADFS", type: "Saml", saml: { singleSignOnServiceUrl: "https://adfs.acme.example/adfs/ls", signingCertificate: CERT } };
const withIdps = (raw: Raw, ...idps: unknown[]) => sso(raw, (s) => ({ ...s, identityProviders: idps }));
const brokerSecrets = (secrets: Record<string, string>): Raw => ({ "platform:ssoBrokerSecrets": JSON.stringify(secrets) });
/** Parses as Pulumi would with ssoBrokerSecrets stored as a secret. */
const parseWithSecrets = (raw: Raw) => parsePlatformConfig(raw, "platform", (key) => key === "platform:ssoBrokerSecrets");
const SECRET = "s3cr3t-value-of-the-broker-0123";

const cases: BadInput[] = [
    ["an access token lifetime that is not a duration", realm(dev, { accessTokenLifespan: "five minutes" }), ["platform:sso.realm.accessTokenLifespan", '"five minutes"', "duration in s, m and h"]],
    ["an access token lifetime above an hour", realm(dev, { accessTokenLifespan: "2h" }), ["platform:sso.realm.accessTokenLifespan", '"2h"', "expected 1m to 1h"]],
    ["an idle timeout below 5 minutes", realm(dev, { ssoSessionIdleTimeout: "1m" }), ["platform:sso.realm.ssoSessionIdleTimeout", "expected 5m to 24h"]],
    ["a session max shorter than the idle timeout", realm(dev, { ssoSessionIdleTimeout: "12h", ssoSessionMaxLifespan: "10h" }), ["platform:sso.realm.ssoSessionMaxLifespan", "at least ssoSessionIdleTimeout (12h)"]],
    ["events kept beyond 90 days", realm(dev, { eventsRetention: "2200h" }), ["platform:sso.realm.eventsRetention", "expected 1h to 2160h"]],
    ["a realm name that is not a DNS label", realm(dev, { name: "Platform_Realm" }), ["platform:sso.realm.name", '"Platform_Realm"', "DNS label"]],
    ["a short password policy", realm(dev, { passwordMinLength: 8 }), ["platform:sso.realm.passwordMinLength", "at least 12"]],
    ["a Keycloak version that is not a release", keycloak(dev, { version: "latest" }), ["platform:sso.keycloak.version", '"latest"', "Keycloak release like 26.6.3"]],
    ["a Keycloak version without its patch", keycloak(dev, { version: "26.7" }), ["platform:sso.keycloak.version", '"26.7"']],
    ["one Keycloak instance in production", keycloak(prod, { instances: 1 }), ["platform:sso.keycloak.instances", "at least 2 in production"]],
    ["best-effort zone spread in production", keycloak(prod, { zoneSpread: "ScheduleAnyway" }), ["platform:sso.keycloak.zoneSpread", "DoNotSchedule in production"]],
    ["an unknown zone spread", keycloak(dev, { zoneSpread: "Anywhere" }), ["platform:sso.keycloak.zoneSpread", "DoNotSchedule | ScheduleAnyway"]],
    ["an unknown cluster login", sso(dev, (s) => ({ ...s, clusterLogin: "Iam" })), ["platform:sso.clusterLogin", '"Iam"', "Oidc | AccessEntriesOnly"]],
    [
        "kubectl through OIDC behind an internal load balancer",
        ingress(dev, (i) => ({ ...i, loadBalancer: { scheme: "internal", proxyProtocol: false } })),
        ["platform:sso.clusterLogin", "AccessEntriesOnly with an internal load balancer"],
    ],
    [
        "an untrusted (staging) certificate for the SSO issuer",
        ingress(dev, (i) => ({ ...i, certificates: { ...i.certificates, issuer: "letsencrypt-staging" } })),
        ["platform:ingress.certificates.issuer", '"letsencrypt-staging"', "verify the SSO issuer's certificate"],
    ],
    ["an unknown identity provider type", withIdps(dev, { ...SAML_IDP, type: "Ldap" }), ["platform:sso.identityProviders[0].type", '"Ldap"', "Oidc | Saml"]],
    ["an Oidc provider without its oidc block", { ...withIdps(dev, { ...OIDC_IDP, oidc: undefined }), ...brokerSecrets({ corporate: SECRET }) }, ["platform:sso.identityProviders[0].oidc", "required with type Oidc"]],
    ["a Saml provider without its saml block", withIdps(dev, { ...SAML_IDP, saml: undefined }), ["platform:sso.identityProviders[0].saml", "required with type Saml"]],
    ["a Saml provider with an oidc block", withIdps(dev, { ...SAML_IDP, oidc: OIDC_IDP.oidc }), ["platform:sso.identityProviders[0].oidc", "no oidc block with type Saml"]],
    ["an Oidc provider with a plain-http endpoint", { ...withIdps(dev, { ...OIDC_IDP, oidc: { ...OIDC_IDP.oidc, tokenUrl: "http://login.acme.example/token" } }), ...brokerSecrets({ corporate: SECRET }) }, ["platform:sso.identityProviders[0].oidc.tokenUrl", "https:// URL"]],
    ["an Oidc provider without its client secret", withIdps(dev, OIDC_IDP), ["platform:ssoBrokerSecrets.corporate", "required for the Oidc identity provider corporate", "--secret"]],
    ["a broker secret for no provider", { ...withIdps(dev, SAML_IDP), ...brokerSecrets({ corporate: SECRET }) }, ["platform:ssoBrokerSecrets.corporate", "alias of an Oidc entry"]],
    ["two providers with one alias", withIdps(dev, SAML_IDP, SAML_IDP), ["platform:sso.identityProviders[1].alias", "each alias once"]],
    ["an alias that is not a DNS label", withIdps(dev, { ...SAML_IDP, alias: "ADFS Prod" }), ["platform:sso.identityProviders[0].alias", "DNS label"]],
    ["a mapping to a group the platform does not have", withIdps(dev, { ...SAML_IDP, groupMappings: [{ from: "x", to: "admins" }] }), ["platform:sso.identityProviders[0].groupMappings[0].to", "platform-admins | platform-viewers"]],
    ["a signing certificate in PEM armour", withIdps(dev, { ...SAML_IDP, saml: { ...SAML_IDP.saml, signingCertificate: `-----BEGIN CERTIFICATE-----${CERT}` } }), ["platform:sso.identityProviders[0].saml.signingCertificate", "without PEM headers"]],
];

describe("config: bad SSO input is rejected with key, value and expectation", () => {
    itRejects(cases, parseWithSecrets);

    it("refuses broker secrets stored in plaintext, without echoing them", () => {
        assert.throws(
            () => parsePlatformConfig({ ...withIdps(dev, OIDC_IDP), ...brokerSecrets({ corporate: SECRET }) }, "platform"),
            (e: Error) => e.message.includes("platform:ssoBrokerSecrets: expected a secret value") && !e.message.includes(SECRET),
        );
    });

    it("never prints a broker secret that fails validation", () => {
        assert.throws(
            () => parseWithSecrets({ ...withIdps(dev, OIDC_IDP), ...brokerSecrets({ corporate: 42 as unknown as string }) }),
            (e: Error) => e.message.includes("platform:ssoBrokerSecrets.corporate") && e.message.includes("[secret]") && !e.message.includes("42"),
        );
    });

    it("never prints a broker secret that is not JSON", () => {
        assert.throws(
            () => parseWithSecrets({ ...withIdps(dev, OIDC_IDP), "platform:ssoBrokerSecrets": `{${SECRET}` }),
            (e: Error) => e.message.includes("platform:ssoBrokerSecrets: expected an object (JSON); got [secret]") && !e.message.includes(SECRET),
        );
    });

    it("accepts an Oidc broker with its secret, a Saml broker, and defaults groupsClaim", () => {
        const cfg = parseWithSecrets({ ...withIdps(dev, OIDC_IDP, SAML_IDP), ...brokerSecrets({ corporate: SECRET }) });
        assert.deepStrictEqual(cfg.sso.identityProviders.map((i) => [i.alias, i.type, i.groupsClaim]), [["corporate", "Oidc", "groups"], ["adfs", "Saml", "groups"]]);
        assert.deepStrictEqual(cfg.ssoBrokerSecrets, { corporate: SECRET });
    });

    it("allows IAM-only cluster login behind an internal load balancer", () => {
        const raw = sso(ingress(dev, (i) => ({ ...i, loadBalancer: { scheme: "internal", proxyProtocol: false } })), (s) => ({ ...s, clusterLogin: "AccessEntriesOnly" }));
        assert.strictEqual(parsePlatformConfig(raw, "platform").sso.clusterLogin, "AccessEntriesOnly");
    });

    it("reports the staging issuer once in production (the ingress rule already names it)", () => {
        const raw = ingress(prod, (i) => ({ ...i, certificates: { ...i.certificates, issuer: "letsencrypt-staging" } }));
        assert.throws(
            () => parsePlatformConfig(raw, "platform"),
            (e: Error) => (e.message.match(/platform:ingress\.certificates\.issuer/g) ?? []).length === 1,
        );
    });
});
