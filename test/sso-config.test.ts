import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { MASKED_SECRET, parsePlatformConfig } from "../stacks/config";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";
import { OIDC_IDP } from "./sso-fixtures";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const sso = (raw: Raw, patch: (s: any) => any): Raw => ({ ...raw, "platform:sso": JSON.stringify(patch(JSON.parse(raw["platform:sso"]))) });
const realm = (raw: Raw, value: Record<string, unknown>) => sso(raw, (s) => ({ ...s, realm: { ...s.realm, ...value } }));
const keycloak = (raw: Raw, value: Record<string, unknown>) => sso(raw, (s) => ({ ...s, keycloak: { ...s.keycloak, ...value } }));
const database = (raw: Raw, value: Record<string, unknown>) => sso(raw, (s) => ({ ...s, database: { ...s.database, ...value } }));
const ingress = (raw: Raw, patch: (i: any) => any): Raw => ({ ...raw, "platform:ingress": JSON.stringify(patch(JSON.parse(raw["platform:ingress"]))) });

const CERT = "MIIC" + "A".repeat(200);
const SAML_IDP = { alias: "adfs", displayName: "ADFS", type: "Saml", saml: { singleSignOnServiceUrl: "https://adfs.acme.example/adfs/ls", signingCertificate: CERT } };
const withIdps = (raw: Raw, ...idps: unknown[]) => sso(raw, (s) => ({ ...s, identityProviders: idps }));
const brokerSecrets = (secrets: Record<string, string>): Raw => ({ "platform:ssoBrokerSecrets": JSON.stringify(secrets) });
/** Parses as Pulumi would with ssoBrokerSecrets stored as a secret. */
// The broker secrets set here are secret, as are the stack files' own (read offline as MASKED_SECRET).
const parseWithSecrets = (raw: Raw) => parsePlatformConfig(raw, "platform", (key) => key === "platform:ssoBrokerSecrets" || raw[key].includes(MASKED_SECRET));
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

const S = "platform:sso";
const IDP = `${S}.identityProviders[0]`;
const B = "platform:ssoBrokerSecrets";
const internalLoadBalancer = (raw: Raw) => ingress(raw, (i) => ({ ...i, loadBalancer: { scheme: "internal", proxyProtocol: false } }));
const stagingIssuer = (raw: Raw) => ingress(raw, (i) => ({ ...i, certificates: { ...i.certificates, issuer: "letsencrypt-staging" } }));
// Broker secrets as the offline stack files read a `secure:` value: masked, hence a secret to parsePlatformConfig.
const withOidc = (raw: Raw, idp: Record<string, unknown>): Raw => ({ ...withIdps(raw, idp), ...brokerSecrets({ corporate: MASKED_SECRET }) });
// A signing certificate of exactly 100 characters using every class the rule allows (letters, digits, + / = and whitespace).
const CERT_EDGE = "MIIC+/=\n\t xyz09" + "A".repeat(85);
// Every message of the SSO section, written out in full: the key, the value and what is expected.
const exactProblems: ExactBadInput[] = [
    ["a Keycloak release before 26", keycloak(dev, { version: "25.0.0" }), [`${S}.keycloak.version: expected a Keycloak release like 26.6.3 (operator and server, one release); got "25.0.0"`]],
    ["a Keycloak release after 29", keycloak(dev, { version: "30.0.0" }), [`${S}.keycloak.version: expected a Keycloak release like 26.6.3 (operator and server, one release); got "30.0.0"`]],
    ["a Keycloak release with a leading digit", keycloak(dev, { version: "126.0.0" }), [`${S}.keycloak.version: expected a Keycloak release like 26.6.3 (operator and server, one release); got "126.0.0"`]],
    ["a Keycloak release with a fourth part", keycloak(dev, { version: "26.0.0.1" }), [`${S}.keycloak.version: expected a Keycloak release like 26.6.3 (operator and server, one release); got "26.0.0.1"`]],
    [
        "no Keycloak release (its description is the hint)",
        keycloak(dev, { version: undefined }),
        [`${S}.keycloak.version: required key is missing; expected a string (Keycloak release: the operator (keycloak-k8s-resources) and the server image.)`],
    ],
    ["no Keycloak instance", keycloak(dev, { instances: 0 }), [`${S}.keycloak.instances: expected 1 to 5 instances; got 0`]],
    ["six Keycloak instances", keycloak(dev, { instances: 6 }), [`${S}.keycloak.instances: expected 1 to 5 instances; got 6`]],
    ["a fraction of a Keycloak instance", keycloak(dev, { instances: 1.5 }), [`${S}.keycloak.instances: expected a whole number; got 1.5`]],
    ["an unknown Keycloak zone spread", keycloak(dev, { zoneSpread: "Anywhere" }), [`${S}.keycloak.zoneSpread: expected DoNotSchedule | ScheduleAnyway; got "Anywhere"`]],
    ["a realm name that is not a DNS label", realm(dev, { name: "Platform_Realm" }), [`${S}.realm.name: expected a DNS label (lower-case letters, digits, '-'): it is part of the issuer URL; got "Platform_Realm"`]],
    ["a realm name ending in '-'", realm(dev, { name: "platform-" }), [`${S}.realm.name: expected a DNS label (lower-case letters, digits, '-'): it is part of the issuer URL; got "platform-"`]],
    ["a realm name of 64 characters", realm(dev, { name: "a".repeat(64) }), [`${S}.realm.name: expected a DNS label (lower-case letters, digits, '-'): it is part of the issuer URL; got "${"a".repeat(64)}"`]],
    [
        "lifetimes that are not durations: text around one, a space, nothing",
        realm(dev, { accessTokenLifespan: "x5m", ssoSessionIdleTimeout: "30mx", ssoSessionMaxLifespan: "10 h", eventsRetention: "" }),
        [
            `${S}.realm.accessTokenLifespan: expected a duration in s, m and h like 5m, 10h or 1h30m; got "x5m"`,
            `${S}.realm.ssoSessionIdleTimeout: expected a duration in s, m and h like 5m, 10h or 1h30m; got "30mx"`,
            `${S}.realm.ssoSessionMaxLifespan: expected a duration in s, m and h like 5m, 10h or 1h30m; got "10 h"`,
            `${S}.realm.eventsRetention: expected a duration in s, m and h like 5m, 10h or 1h30m; got ""`,
        ],
    ],
    [
        "every lifetime a second below its range",
        realm(dev, { accessTokenLifespan: "59s", ssoSessionIdleTimeout: "4m59s", ssoSessionMaxLifespan: "59m59s", eventsRetention: "59m59s" }),
        [
            `${S}.realm.accessTokenLifespan: expected 1m to 1h; got "59s"`,
            `${S}.realm.ssoSessionIdleTimeout: expected 5m to 24h; got "4m59s"`,
            `${S}.realm.ssoSessionMaxLifespan: expected 1h to 720h; got "59m59s"`,
            `${S}.realm.eventsRetention: expected 1h to 2160h; got "59m59s"`,
        ],
    ],
    [
        "every lifetime a second above its range",
        realm(dev, { accessTokenLifespan: "1h1s", ssoSessionIdleTimeout: "24h1s", ssoSessionMaxLifespan: "720h1s", eventsRetention: "2160h1s" }),
        [
            `${S}.realm.accessTokenLifespan: expected 1m to 1h; got "1h1s"`,
            `${S}.realm.ssoSessionIdleTimeout: expected 5m to 24h; got "24h1s"`,
            `${S}.realm.ssoSessionMaxLifespan: expected 1h to 720h; got "720h1s"`,
            `${S}.realm.eventsRetention: expected 1h to 2160h; got "2160h1s"`,
        ],
    ],
    [
        "a session max a second shorter than the idle timeout",
        realm(dev, { ssoSessionIdleTimeout: "12h", ssoSessionMaxLifespan: "11h59m59s" }),
        [`${S}.realm.ssoSessionMaxLifespan: expected at least ssoSessionIdleTimeout (12h); got "11h59m59s"`],
    ],
    // Compared in seconds, not as text: "1h29m" sorts after "90m" but is shorter.
    ["a session max shorter than the idle timeout in other units", realm(dev, { ssoSessionIdleTimeout: "90m", ssoSessionMaxLifespan: "1h29m" }), [`${S}.realm.ssoSessionMaxLifespan: expected at least ssoSessionIdleTimeout (90m); got "1h29m"`]],
    ["passwords of 11 characters", realm(dev, { passwordMinLength: 11 }), [`${S}.realm.passwordMinLength: expected at least 12 characters; got 11`]],
    ["passwords of 129 characters", realm(dev, { passwordMinLength: 129 }), [`${S}.realm.passwordMinLength: expected at most 128; got 129`]],
    ["a fractional password length", realm(dev, { passwordMinLength: 12.5 }), [`${S}.realm.passwordMinLength: expected an integer; got 12.5`]],
    ["an unknown cluster login", sso(dev, (s) => ({ ...s, clusterLogin: "Iam" })), [`${S}.clusterLogin: expected Oidc | AccessEntriesOnly; got "Iam"`]],
    [
        "kubectl through OIDC behind an internal load balancer",
        internalLoadBalancer(dev),
        [`${S}.clusterLogin: expected AccessEntriesOnly with an internal load balancer (EKS fetches the issuer from the internet); got "Oidc"`],
    ],
    [
        "an untrusted (staging) certificate for the SSO issuer",
        stagingIssuer(dev),
        [`platform:ingress.certificates.issuer: expected letsencrypt-production: EKS, Vault and Grafana verify the SSO issuer's certificate (staging is untrusted); got "letsencrypt-staging"`],
    ],
    // Production's ingress rule already names the issuer: the SSO rule adds nothing.
    [
        "an untrusted (staging) certificate in production",
        stagingIssuer(prod),
        [`platform:ingress.certificates.issuer: expected letsencrypt-production in production (staging certificates are untrusted); got "letsencrypt-staging"`],
    ],
    [
        "a broker alias that is not a DNS label, no display name, an unknown type",
        withIdps(dev, { ...SAML_IDP, alias: "ADFS Prod", displayName: "", type: "Ldap" }),
        [
            `${IDP}.alias: expected a DNS label (lower-case letters, digits, '-'): it is part of the broker's redirect URI; got "ADFS Prod"`,
            `${IDP}.displayName: expected the name shown on the login page; got ""`,
            `${IDP}.type: expected Oidc | Saml; got "Ldap"`,
        ],
    ],
    [
        "OIDC endpoints that are not https URLs, and no client id",
        withOidc(dev, { ...OIDC_IDP, oidc: { issuer: "login.acme.example", authorizationUrl: "http://login.acme.example/authorize", tokenUrl: "http://login.acme.example/token", jwksUrl: "ftp://login.acme.example/jwks", clientId: "" } }),
        [
            `${IDP}.oidc.issuer: expected an https:// URL; got "login.acme.example"`,
            `${IDP}.oidc.authorizationUrl: expected an https:// URL; got "http://login.acme.example/authorize"`,
            `${IDP}.oidc.tokenUrl: expected an https:// URL; got "http://login.acme.example/token"`,
            `${IDP}.oidc.jwksUrl: expected an https:// URL; got "ftp://login.acme.example/jwks"`,
            `${IDP}.oidc.clientId: expected the client id registered at the corporate IdP; got ""`,
        ],
    ],
    [
        "a SAML endpoint over http and a certificate one character short",
        withIdps(dev, { ...SAML_IDP, saml: { singleSignOnServiceUrl: "http://adfs.acme.example/adfs/ls", signingCertificate: "A".repeat(99) } }),
        [
            `${IDP}.saml.singleSignOnServiceUrl: expected an https:// URL; got "http://adfs.acme.example/adfs/ls"`,
            `${IDP}.saml.signingCertificate: expected the IdP's signing certificate, base64 DER without PEM headers; got "${"A".repeat(99)}"`,
        ],
    ],
    [
        "a signing certificate in PEM armour",
        withIdps(dev, { ...SAML_IDP, saml: { ...SAML_IDP.saml, signingCertificate: `-----BEGIN CERTIFICATE-----${"A".repeat(80)}` } }),
        [`${IDP}.saml.signingCertificate: expected the IdP's signing certificate, base64 DER without PEM headers; got "-----BEGIN CERTIFICATE-----${"A".repeat(80)}"`],
    ],
    // No message of its own: platformMessage's wording for a string's minimum.
    ["an empty groups claim", withIdps(dev, { ...SAML_IDP, groupsClaim: "" }), [`${IDP}.groupsClaim: expected at least 1 character; got ""`]],
    [
        "a mapping from no group to one the platform does not have",
        withIdps(dev, { ...SAML_IDP, groupMappings: [{ from: "", to: "admins" }] }),
        [`${IDP}.groupMappings[0].from: expected the corporate group's name; got ""`, `${IDP}.groupMappings[0].to: expected platform-admins | platform-viewers; got "admins"`],
    ],
    ["two providers with one alias", withIdps(dev, SAML_IDP, SAML_IDP), [`${S}.identityProviders[1].alias: expected each alias once; got "adfs"`]],
    ["an Oidc provider without its oidc block", withOidc(dev, { ...OIDC_IDP, oidc: undefined }), [`${IDP}.oidc: required with type Oidc; got undefined`]],
    ["a Saml provider without its saml block", withIdps(dev, { ...SAML_IDP, saml: undefined }), [`${IDP}.saml: required with type Saml; got undefined`]],
    [
        "a Saml provider with an oidc block",
        withIdps(dev, { ...SAML_IDP, oidc: OIDC_IDP.oidc }),
        [`${IDP}.oidc: expected no oidc block with type Saml; got {"issuer":"https://login.acme.example","authorizationUrl":"https://login.acme.example/authorize","tokenUrl":"https://...`],
    ],
    [
        "an Oidc provider with a saml block",
        withOidc(dev, { ...OIDC_IDP, saml: SAML_IDP.saml }),
        [`${IDP}.saml: expected no saml block with type Oidc; got {"singleSignOnServiceUrl":"https://adfs.acme.example/adfs/ls","signingCertificate":"MIIC${"A".repeat(29)}...`],
    ],
    [
        "an Oidc provider without its client secret",
        withIdps(dev, OIDC_IDP),
        [`${B}.corporate: required for the Oidc identity provider corporate: pulumi config set --secret --path 'ssoBrokerSecrets.corporate' <client secret>; got undefined`],
    ],
    ["a broker secret for no provider", { ...dev, ...brokerSecrets({ corporate: MASKED_SECRET }) }, [`${B}.corporate: expected the alias of an Oidc entry of sso.identityProviders; got "[secret]"`]],
    ["a broker secret for a Saml provider", { ...withIdps(dev, SAML_IDP), ...brokerSecrets({ adfs: MASKED_SECRET }) }, [`${B}.adfs: expected the alias of an Oidc entry of sso.identityProviders; got "[secret]"`]],
    [
        "a broker secret under a key that is no alias, and an empty one",
        { ...withIdps(dev, OIDC_IDP), ...brokerSecrets({ Corporate: MASKED_SECRET, corporate: "" }) },
        [`${B}.Corporate: invalid key: expected an identity provider alias; got "[secret]"`, `${B}.corporate: expected the client secret the corporate IdP issued; got "[secret]"`],
    ],
    ["PostgreSQL 14", database(dev, { engineVersion: "14" }), [`${S}.database.engineVersion: expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself); got "14"`]],
    ["PostgreSQL 20", database(dev, { engineVersion: "20" }), [`${S}.database.engineVersion: expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself); got "20"`]],
    ["a PostgreSQL major with a digit before it", database(dev, { engineVersion: "117" }), [`${S}.database.engineVersion: expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself); got "117"`]],
    ["a PostgreSQL minor release", database(dev, { engineVersion: "17.7" }), [`${S}.database.engineVersion: expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself); got "17.7"`]],
    ["a PostgreSQL major unquoted", database(dev, { engineVersion: 17 }), [`${S}.database.engineVersion: expected a string; got 17`]],
    [
        "no engine version or instance class",
        database(dev, { engineVersion: undefined, instanceClass: undefined }),
        [
            `${S}.database.engineVersion: required key is missing; expected a string (PostgreSQL major version of the RDS instance; minor versions follow RDS's automatic upgrades.)`,
            `${S}.database.instanceClass: required key is missing; expected a string (RDS instance class (db.<family>.<size>): the database's CPU and memory.)`,
        ],
    ],
    ["an instance class without db.", database(dev, { instanceClass: "t4g.small" }), [`${S}.database.instanceClass: expected a DB instance class like db.t4g.small (db.<family>.<size>); got "t4g.small"`]],
    ["an instance class with text before db.", database(dev, { instanceClass: "xdb.t4g.small" }), [`${S}.database.instanceClass: expected a DB instance class like db.t4g.small (db.<family>.<size>); got "xdb.t4g.small"`]],
    ["an instance class with a fourth part", database(dev, { instanceClass: "db.t4g.small.x" }), [`${S}.database.instanceClass: expected a DB instance class like db.t4g.small (db.<family>.<size>); got "db.t4g.small.x"`]],
    [
        "four Keycloak instances on db.t4g.micro",
        keycloak(dev, { instances: 4 }),
        [`${S}.keycloak.instances: expected at most 3 instance(s) on db.t4g.micro, or a larger sso.database.instanceClass: each opens a pool of at least 20 connections, and the class takes about 84 (LEAST(DBInstanceClassMemory/9531392, 5000)), 10 of them kept for administrators; got 4`],
    ],
    ["a class whose memory the contract does not know", database(dev, { instanceClass: "db.z1d.large" }), [`${S}.database.instanceClass: expected a class of the t3/t4g, m or r families (Keycloak's connection pools are sized from the class's memory); got "db.z1d.large"`]],
    ["19 GiB of storage", database(dev, { allocatedStorageGiB: 19 }), [`${S}.database.allocatedStorageGiB: expected at least 20 GiB (gp3); got 19`]],
    ["65537 GiB of storage", database(dev, { allocatedStorageGiB: 65537 }), [`${S}.database.allocatedStorageGiB: expected at most 65536 GiB; got 65537`]],
    ["a fractional storage size", database(dev, { allocatedStorageGiB: 20.5 }), [`${S}.database.allocatedStorageGiB: expected whole GiB; got 20.5`]],
    ["negative backup retention", database(dev, { backupRetentionDays: -1 }), [`${S}.database.backupRetentionDays: expected 0-35 days; got -1`]],
    ["36 days of backups", database(dev, { backupRetentionDays: 36 }), [`${S}.database.backupRetentionDays: expected 0-35 days; got 36`]],
    ["a fractional backup retention", database(dev, { backupRetentionDays: 1.5 }), [`${S}.database.backupRetentionDays: expected whole days; got 1.5`]],
    ["a monitoring interval RDS does not offer", database(dev, { monitoringIntervalSeconds: 2 }), [`${S}.database.monitoringIntervalSeconds: expected one of 0, 1, 5, 10, 15, 30, 60 (0: no enhanced monitoring); got 2`]],
    ["production: Multi-AZ off", database(prod, { multiAz: false }), [`${S}.database.multiAz: expected true in production (a zone's loss must not take the login down); got false`]],
    ["production: six days of backups", database(prod, { backupRetentionDays: 6 }), [`${S}.database.backupRetentionDays: expected at least 7 days in production; got 6`]],
    ["production: one Keycloak instance", keycloak(prod, { instances: 1 }), [`${S}.keycloak.instances: expected at least 2 in production (spread over zones); got 1`]],
    ["production: best-effort zone spread", keycloak(prod, { zoneSpread: "ScheduleAnyway" }), [`${S}.keycloak.zoneSpread: expected DoNotSchedule in production (instances in different zones); got "ScheduleAnyway"`]],
];

describe("config: bad SSO input is rejected with key, value and expectation", () => {
    itRejects(cases, parseWithSecrets);
    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

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

    it("accepts every bound at its lower edge", () => {
        const raw = database(keycloak(realm(dev, { name: "a", accessTokenLifespan: "1m", ssoSessionIdleTimeout: "5m", ssoSessionMaxLifespan: "1h", eventsRetention: "1h", passwordMinLength: 12 }), { version: "26.0.0", instances: 1 }), { engineVersion: "15", allocatedStorageGiB: 20, backupRetentionDays: 0 });
        const cfg = parsePlatformConfig(raw, "platform").sso;
        assert.deepStrictEqual(cfg.realm, { name: "a", accessTokenLifespan: "1m", ssoSessionIdleTimeout: "5m", ssoSessionMaxLifespan: "1h", eventsRetention: "1h", passwordMinLength: 12 });
        assert.deepStrictEqual([cfg.keycloak.version, cfg.keycloak.instances, cfg.database.engineVersion, cfg.database.allocatedStorageGiB, cfg.database.backupRetentionDays], ["26.0.0", 1, "15", 20, 0]);
    });

    it("accepts every bound at its upper edge", () => {
        const name = `a${"-".repeat(61)}0`;
        const raw = database(keycloak(realm(dev, { name, accessTokenLifespan: "1h", ssoSessionIdleTimeout: "24h", ssoSessionMaxLifespan: "720h", eventsRetention: "2160h", passwordMinLength: 128 }), { version: "29.10.12", instances: 5 }), {
            engineVersion: "19",
            instanceClass: "db.r8gd.24xlarge",
            allocatedStorageGiB: 65536,
            backupRetentionDays: 35,
            monitoringIntervalSeconds: 60,
        });
        const cfg = parsePlatformConfig(raw, "platform").sso;
        assert.deepStrictEqual(cfg.realm, { name, accessTokenLifespan: "1h", ssoSessionIdleTimeout: "24h", ssoSessionMaxLifespan: "720h", eventsRetention: "2160h", passwordMinLength: 128 });
        assert.deepStrictEqual(
            [cfg.keycloak.version, cfg.keycloak.instances, cfg.database.engineVersion, cfg.database.instanceClass, cfg.database.allocatedStorageGiB, cfg.database.backupRetentionDays, cfg.database.monitoringIntervalSeconds],
            ["29.10.12", 5, "19", "db.r8gd.24xlarge", 65536, 35, 60],
        );
    });

    it("accepts a session max equal to the idle timeout, compared in seconds", () => {
        assert.deepStrictEqual(parsePlatformConfig(realm(dev, { ssoSessionIdleTimeout: "12h", ssoSessionMaxLifespan: "12h" }), "platform").sso.realm.ssoSessionMaxLifespan, "12h");
        assert.deepStrictEqual(parsePlatformConfig(realm(dev, { ssoSessionIdleTimeout: "90m", ssoSessionMaxLifespan: "1h30m" }), "platform").sso.realm.ssoSessionMaxLifespan, "1h30m");
    });

    it("accepts production's minimums: 7 days of backups, 2 instances spread over zones, Multi-AZ", () => {
        const cfg = parsePlatformConfig(keycloak(database(prod, { backupRetentionDays: 7 }), { instances: 2 }), "platform").sso;
        assert.deepStrictEqual([cfg.database.backupRetentionDays, cfg.database.multiAz, cfg.keycloak.instances, cfg.keycloak.zoneSpread], [7, true, 2, "DoNotSchedule"]);
    });

    it("accepts a signing certificate of exactly 100 base64 characters and whitespace", () => {
        assert.strictEqual(CERT_EDGE.length, 100);
        const cfg = parsePlatformConfig(withIdps(dev, { ...SAML_IDP, saml: { ...SAML_IDP.saml, signingCertificate: CERT_EDGE } }), "platform").sso;
        assert.strictEqual(cfg.identityProviders[0].saml?.signingCertificate, CERT_EDGE);
    });
});
