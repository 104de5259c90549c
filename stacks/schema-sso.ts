// Schema of `platform:sso`: the Keycloak server, the realm's security settings, how people log in to the cluster,
// brokered corporate identity providers, and Keycloak's RDS PostgreSQL database.
import { z } from "zod";
import { durationSeconds } from "../components/shared/duration";
import { DB_CONNECTION_MARGIN, KEYCLOAK_POOL_FLOOR, keycloakPoolMaxSize, rdsPostgresMaxConnections } from "../components/sso/db-connections";
import { type Issue, oneOf } from "./schema-common";

export const RDS_MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;
/** Oidc: an EKS OIDC identity provider on the realm (kubectl oidc-login). AccessEntriesOnly: IAM only. */
export const CLUSTER_LOGINS = ["Oidc", "AccessEntriesOnly"] as const;
export const IDENTITY_PROVIDER_TYPES = ["Oidc", "Saml"] as const;
/** The realm's groups a brokered group may map to (the tenants layer adds its own groups itself). */
export const PLATFORM_GROUPS = ["platform-admins", "platform-viewers"] as const;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * A manual DB snapshot's identifier (RDS: 1-255 letters, digits and hyphens, a letter first, no "--", no "-" last)
 * or its ARN, which a snapshot shared from another account needs (RestoreDBInstanceFromDBSnapshot).
 */
export function isRestoreSnapshot(value: string): boolean {
    const id = /^arn:aws(?:-[a-z]+)*:rds:[a-z0-9-]+:\d{12}:snapshot:(.*)$/.exec(value)?.[1] ?? value;
    return /^[A-Za-z](?:-?[A-Za-z0-9])*$/.test(id) && id.length <= 255;
}

/** A duration in whole s, m and h ("5m", "10h", "1h30m"); Keycloak stores seconds. */
const lifetime = (min: string, max: string) =>
    z.string().superRefine((value, ctx) => {
        if (!/^(\d+[smh])+$/.test(value)) {
            ctx.addIssue({ code: "custom", message: "expected a duration in s, m and h like 5m, 10h or 1h30m", input: value });
        } else if (durationSeconds(value) < durationSeconds(min) || durationSeconds(value) > durationSeconds(max)) {
            ctx.addIssue({ code: "custom", message: `expected ${min} to ${max}`, input: value });
        }
    });
const httpsUrl = z.url({ protocol: /^https$/, error: "expected an https:// URL" });

const identityProvider = z.strictObject({
    alias: z
        .string()
        .regex(DNS_LABEL, "expected a DNS label (lower-case letters, digits, '-'): it is part of the broker's redirect URI")
        .describe("Keycloak's name of the provider: part of the broker's redirect URI, and the key of its secret in ssoBrokerSecrets."),
    displayName: z.string().min(1, "expected the name shown on the login page").describe("Name of the provider shown on the login page."),
    type: z.enum(IDENTITY_PROVIDER_TYPES, oneOf(IDENTITY_PROVIDER_TYPES)).describe("Protocol of the corporate IdP; the block of the same name (oidc or saml) holds its settings."),
    oidc: z
        .strictObject({
            issuer: httpsUrl.describe("The IdP's issuer URL."),
            authorizationUrl: httpsUrl.describe("The IdP's authorization endpoint."),
            tokenUrl: httpsUrl.describe("The IdP's token endpoint."),
            jwksUrl: httpsUrl.describe("The IdP's signing keys (JWKS): its tokens' signatures are checked against them."),
            clientId: z.string().min(1, "expected the client id registered at the corporate IdP").describe("Client id of Keycloak, registered at the corporate IdP."),
        })
        .optional()
        .describe("Type Oidc: the corporate IdP's endpoints; the client secret is the secret key ssoBrokerSecrets.<alias>."),
    saml: z
        .strictObject({
            singleSignOnServiceUrl: httpsUrl.describe("The IdP's single sign-on endpoint, where Keycloak posts its authentication requests."),
            signingCertificate: z
                .string()
                .regex(/^[A-Za-z0-9+/=\s]{100,}$/, "expected the IdP's signing certificate, base64 DER without PEM headers")
                .describe("Assertions are accepted only when signed with it."),
        })
        .optional()
        .describe("Type Saml: the corporate IdP's endpoint and signing certificate (Keycloak is the service provider)."),
    /** Corporate group (claim or attribute value) → platform group. */
    groupsClaim: z.string().min(1).default("groups").describe("Claim (OIDC) or attribute (SAML) carrying the user's corporate groups."),
    groupMappings: z
        .array(
            z.strictObject({
                from: z.string().min(1, "expected the corporate group's name").describe("The corporate group's name, as the groups claim or attribute carries it."),
                to: z.enum(PLATFORM_GROUPS, oneOf(PLATFORM_GROUPS)).describe("The platform group its members join."),
            }),
        )
        .default([])
        .describe("Members of a corporate group join a platform group at each login."),
});
export type IdentityProviderConfig = z.infer<typeof identityProvider>;

export const ssoSchema = z.strictObject({
    keycloak: z
        .strictObject({
        version: z
            .string()
            .regex(/^2[6-9]\.\d+\.\d+$/, "expected a Keycloak release like 26.6.3 (operator and server, one release)")
            .describe("Keycloak release: the operator (keycloak-k8s-resources) and the server image."),
        instances: z
            .number()
            .int("expected a whole number")
            .min(1, "expected 1 to 5 instances")
            .max(5, "expected 1 to 5 instances")
            .default(1)
            .describe("Keycloak server instances (sharing a distributed cache); from 2 on, a PodDisruptionBudget keeps one up."),
        zoneSpread: z
            .enum(["DoNotSchedule", "ScheduleAnyway"], oneOf(["DoNotSchedule", "ScheduleAnyway"]))
            .default("ScheduleAnyway")
            .describe("Zone topology spread of the instances: DoNotSchedule keeps them in different zones even if a pod must wait."),
    })
        .describe("The Keycloak server, run by its operator."),
    realm: z
        .strictObject({
            name: z
                .string()
                .regex(DNS_LABEL, "expected a DNS label (lower-case letters, digits, '-'): it is part of the issuer URL")
                .default("platform")
                .describe("Name of the platform realm: part of the issuer URL https://sso.<domain>/realms/<name>."),
            accessTokenLifespan: lifetime("1m", "1h").default("5m").describe("Lifetime of access and ID tokens (kubectl re-reads after it)."),
            ssoSessionIdleTimeout: lifetime("5m", "24h").default("30m").describe("A login ends after this long without activity."),
            ssoSessionMaxLifespan: lifetime("1h", "720h").default("10h").describe("Longest a login lasts, idle or not."),
            passwordMinLength: z.number().int().min(12, "expected at least 12 characters").max(128).default(14).describe("Minimum length of the realm's password policy (which also requires every character class)."),
            eventsRetention: lifetime("1h", "2160h").default("168h").describe("How long login and admin events are kept in the database."),
        })
        .prefault({})
        .describe("The platform realm's token and session lifetimes, password policy and event retention."),
    clusterLogin: z
        .enum(CLUSTER_LOGINS, oneOf(CLUSTER_LOGINS))
        .default("Oidc")
        .describe("Oidc: kubectl logs in through Keycloak (EKS identity provider); AccessEntriesOnly: IAM access entries only."),
    identityProviders: z.array(identityProvider).default([]).describe("Corporate identity providers Keycloak brokers (OIDC or SAML)."),
    database: z
        .strictObject({
        engineVersion: z
            .string()
            .regex(/^1[5-9]$/, 'expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself)')
            .describe("PostgreSQL major version of the RDS instance; minor versions follow RDS's automatic upgrades."),
        instanceClass: z
            .string()
            .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected a DB instance class like db.t4g.small (db.<family>.<size>)")
            .describe("RDS instance class (db.<family>.<size>): the database's CPU and memory."),
        allocatedStorageGiB: z
            .number()
            .int("expected whole GiB")
            .min(20, "expected at least 20 GiB (gp3)")
            .max(65536, "expected at most 65536 GiB")
            .default(20)
            .describe("gp3 storage of the instance in GiB."),
        multiAz: z.boolean().default(false).describe("A standby in another zone (required in production)."),
        backupRetentionDays: z
            .number()
            .int("expected whole days")
            .min(0, "expected 0-35 days")
            .max(35, "expected 0-35 days")
            .default(7)
            .describe("Automated backups kept (production: at least 7)."),
        performanceInsights: z.boolean().default(false).describe("RDS Performance Insights (query-level load), encrypted with the database's key."),
        monitoringIntervalSeconds: z
            .number()
            .refine((n) => (RDS_MONITORING_INTERVALS as readonly number[]).includes(n), { message: `expected one of ${RDS_MONITORING_INTERVALS.join(", ")} (0: no enhanced monitoring)` })
            .default(0)
            .describe("Seconds between RDS enhanced-monitoring samples (OS metrics, through a monitoring role); 0 turns it off."),
        restoreSnapshot: z
            .string()
            .refine(isRestoreSnapshot, {
                message: "expected a DB snapshot identifier (1-255 letters, digits and single hyphens, a letter first) or its ARN (arn:aws:rds:<region>:<account>:snapshot:<identifier>)",
            })
            .optional()
            .describe(
                "Rebuild after a teardown: the DB snapshot (identifier or ARN) a new instance starts from, e.g. the last generation's final snapshot <name>-keycloak-final-<hex>. Read when the instance is created only; engineVersion must be the snapshot's major.",
            ),
    })
        .describe("Keycloak's RDS PostgreSQL database."),
});
export type SsoConfig = z.infer<typeof ssoSchema>;

/** Client secrets of brokered OIDC providers, by alias: the secret key `ssoBrokerSecrets`. */
export const ssoBrokerSecretsSchema = z.record(z.string().regex(DNS_LABEL, "expected an identity provider alias"), z.string().min(1, "expected the client secret the corporate IdP issued"));

export interface SsoContext {
    readonly production: boolean;
    readonly brokerSecrets: Readonly<Record<string, string>>;
    readonly ingress: { readonly issuer: string; readonly scheme: string };
}

/** Rules across keys of `sso`, the ingress it is published on, the broker secrets and the tier. */
export function checkSso(sso: SsoConfig, ctx: SsoContext, issue: Issue) {
    const at = (...p: (string | number)[]) => ["sso", ...p];
    if (ctx.production && !sso.database.multiAz) issue(at("database", "multiAz"), "expected true in production (a zone's loss must not take the login down)", sso.database.multiAz);
    if (ctx.production && sso.database.backupRetentionDays < 7) {
        issue(at("database", "backupRetentionDays"), "expected at least 7 days in production", sso.database.backupRetentionDays);
    }
    if (ctx.production && sso.keycloak.instances < 2) issue(at("keycloak", "instances"), "expected at least 2 in production (spread over zones)", sso.keycloak.instances);
    if (ctx.production && sso.keycloak.zoneSpread !== "DoNotSchedule") {
        issue(at("keycloak", "zoneSpread"), "expected DoNotSchedule in production (instances in different zones)", sso.keycloak.zoneSpread);
    }
    const pool = keycloakPoolMaxSize(sso.database.instanceClass, sso.keycloak.instances);
    if (pool === undefined) {
        issue(at("database", "instanceClass"), "expected a class of the t3/t4g, m or r families (Keycloak's connection pools are sized from the class's memory)", sso.database.instanceClass);
    } else if (pool < KEYCLOAK_POOL_FLOOR) {
        const fits = Math.floor(((rdsPostgresMaxConnections(sso.database.instanceClass) ?? 0) - DB_CONNECTION_MARGIN) / KEYCLOAK_POOL_FLOOR);
        issue(
            at("keycloak", "instances"),
            `expected at most ${fits} instance(s) on ${sso.database.instanceClass}, or a larger sso.database.instanceClass: each opens a pool of at least ${KEYCLOAK_POOL_FLOOR} connections, and the class takes about ${rdsPostgresMaxConnections(sso.database.instanceClass)} (LEAST(DBInstanceClassMemory/9531392, 5000)), ${DB_CONNECTION_MARGIN} of them kept for administrators`,
            sso.keycloak.instances,
        );
    }
    if (durationSeconds(sso.realm.ssoSessionMaxLifespan) < durationSeconds(sso.realm.ssoSessionIdleTimeout)) {
        issue(at("realm", "ssoSessionMaxLifespan"), `expected at least ssoSessionIdleTimeout (${sso.realm.ssoSessionIdleTimeout})`, sso.realm.ssoSessionMaxLifespan);
    }
    // EKS, Vault and Grafana fetch the issuer's discovery document over TLS and verify it (production's own rule
    // already demands a trusted certificate).
    if (ctx.ingress.issuer !== "letsencrypt-production" && !ctx.production) {
        issue(["ingress", "certificates", "issuer"], "expected letsencrypt-production: EKS, Vault and Grafana verify the SSO issuer's certificate (staging is untrusted)", ctx.ingress.issuer);
    }
    if (sso.clusterLogin === "Oidc" && ctx.ingress.scheme !== "internet-facing") {
        issue(at("clusterLogin"), "expected AccessEntriesOnly with an internal load balancer (EKS fetches the issuer from the internet)", sso.clusterLogin);
    }
    const aliases = new Set<string>();
    sso.identityProviders.forEach((idp, i) => {
        if (aliases.has(idp.alias)) issue(at("identityProviders", i, "alias"), "expected each alias once", idp.alias);
        aliases.add(idp.alias);
        const own = idp.type === "Oidc" ? "oidc" : "saml";
        const other = idp.type === "Oidc" ? "saml" : "oidc";
        if (idp[own] === undefined) issue(at("identityProviders", i, own), `required with type ${idp.type}`, undefined);
        if (idp[other] !== undefined) issue(at("identityProviders", i, other), `expected no ${other} block with type ${idp.type}`, idp[other]);
        if (idp.type === "Oidc" && ctx.brokerSecrets[idp.alias] === undefined) {
            issue(["ssoBrokerSecrets", idp.alias], `required for the Oidc identity provider ${idp.alias}: pulumi config set --secret --path 'ssoBrokerSecrets.${idp.alias}' <client secret>`, undefined);
        }
    });
    for (const alias of Object.keys(ctx.brokerSecrets)) {
        if (!sso.identityProviders.some((idp) => idp.alias === alias && idp.type === "Oidc")) {
            issue(["ssoBrokerSecrets", alias], "expected the alias of an Oidc entry of sso.identityProviders", alias);
        }
    }
}
