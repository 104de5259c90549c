// Decisions of the SSO layer as pure data: the realm's security settings, the platform's OIDC clients and their
// exact redirect URIs, and how brokered groups map to platform groups.
import type { IdentityProviderConfig, SsoConfig } from "../../stacks/schema-sso";
import { durationSeconds } from "../shared/duration";

/** The claim every platform client receives the user's groups in (EKS, Vault, Grafana and Argo CD read it). */
export const GROUPS_CLAIM = "groups";
/** Client scope carrying the groups claim; also requested by name by clients that ask for `groups` (Argo CD). */
export const GROUPS_SCOPE = "groups";
/** Keycloak's built-in scopes every client keeps (`basic` carries `sub` since Keycloak 25). */
export const BUILT_IN_DEFAULT_SCOPES = ["basic", "profile", "email", "roles", "web-origins", "acr"] as const;
/** kubelogin's local callback ports (8000, then 18000 when 8000 is taken). */
export const KUBELOGIN_REDIRECT_URIS = ["http://localhost:8000", "http://localhost:18000"] as const;
/** The Vault CLI's local callback (`vault login -method=oidc`). */
export const VAULT_CLI_REDIRECT_URI = "http://localhost:8250/oidc/callback";
/** Where `argocd login --sso` listens for the code (its default port). */
export const ARGOCD_CLI_REDIRECT_URI = "http://localhost:8085/auth/callback";

export type PlatformClientName = "kubernetes" | "grafana" | "argocd" | "vault";

export interface PlatformClientSpec {
    readonly clientId: PlatformClientName;
    readonly name: string;
    /** PUBLIC: no secret (kubectl on a laptop), PKCE required. CONFIDENTIAL: a generated secret. */
    readonly accessType: "PUBLIC" | "CONFIDENTIAL";
    readonly validRedirectUris: readonly string[];
    readonly validPostLogoutRedirectUris: readonly string[];
    readonly webOrigins: readonly string[];
}

/** The realm's issuer: what every token's `iss` is and what EKS, Vault and Grafana are configured with. */
export function issuerUrl(keycloakUrl: string, realm: string): string {
    return `${keycloakUrl}/realms/${realm}`;
}

/** Password policy in Keycloak's syntax: length from config, every class, not the username or email, no reuse. */
export function passwordPolicy(minLength: number): string {
    return [`length(${minLength})`, "upperCase(1)", "lowerCase(1)", "digits(1)", "specialChars(1)", "notUsername", "notEmail", "passwordHistory(5)"].join(" and ");
}

/** Realm arguments that are decisions, not wiring (the provider and names are added by the component). */
export function realmSecurity(realm: SsoConfig["realm"]) {
    return {
        realm: realm.name,
        enabled: true,
        sslRequired: "all",
        registrationAllowed: false,
        editUsernameAllowed: false,
        duplicateEmailsAllowed: false,
        loginWithEmailAllowed: true,
        resetPasswordAllowed: false, // no SMTP: administrators reset passwords
        rememberMe: false,
        revokeRefreshToken: true,
        refreshTokenMaxReuse: 0,
        passwordPolicy: passwordPolicy(realm.passwordMinLength),
        accessTokenLifespan: realm.accessTokenLifespan,
        ssoSessionIdleTimeout: realm.ssoSessionIdleTimeout,
        ssoSessionMaxLifespan: realm.ssoSessionMaxLifespan,
        securityDefenses: { bruteForceDetection: { ...BRUTE_FORCE_DETECTION } },
    };
}

/**
 * Brute-force detection of every realm the platform runs (the platform realm and master): temporary lockouts only,
 * so guessing can lock an account out for at most 15 minutes, never for good.
 */
export const BRUTE_FORCE_DETECTION = {
    permanentLockout: false,
    maxLoginFailures: 5,
    waitIncrementSeconds: 60,
    maxFailureWaitSeconds: 900,
    failureResetTimeSeconds: 43200,
    quickLoginCheckMilliSeconds: 1000,
    minimumQuickLoginWaitSeconds: 60,
} as const;

/**
 * The master realm's brute-force settings as Keycloak's RealmRepresentation names them (the admin REST API's
 * `PUT /admin/realms/master` body; the Keycloak provider's keycloak/realm.go maps its arguments to the same fields).
 * Keycloak applies only the fields a body carries (RepresentationToModel.updateRealm: `if (rep.isX() != null)`), so
 * the realm's other settings stay as Keycloak created them.
 */
export function masterRealmDefenses() {
    const b = BRUTE_FORCE_DETECTION;
    return {
        bruteForceProtected: true,
        permanentLockout: b.permanentLockout,
        failureFactor: b.maxLoginFailures,
        waitIncrementSeconds: b.waitIncrementSeconds,
        maxFailureWaitSeconds: b.maxFailureWaitSeconds,
        maxDeltaTimeSeconds: b.failureResetTimeSeconds,
        quickLoginCheckMilliSeconds: b.quickLoginCheckMilliSeconds,
        minimumQuickLoginWaitSeconds: b.minimumQuickLoginWaitSeconds,
    };
}

/** Login and admin events, kept for the configured time and written to the log (where the log collector reads them). */
export function realmEvents(realm: SsoConfig["realm"]) {
    return {
        eventsEnabled: true,
        eventsExpiration: durationSeconds(realm.eventsRetention),
        eventsListeners: ["jboss-logging"],
        adminEventsEnabled: true,
        adminEventsDetailsEnabled: true,
    };
}

/** The platform's OIDC clients, with exact redirect URIs (no wildcards). */
export function platformClients(domain: string, vaultAddress: string): PlatformClientSpec[] {
    const grafana = `https://grafana.${domain}`;
    const argocd = `https://argocd.${domain}`;
    return [
        {
            clientId: "kubernetes",
            name: "Kubernetes (kubectl oidc-login)",
            accessType: "PUBLIC",
            validRedirectUris: [...KUBELOGIN_REDIRECT_URIS],
            validPostLogoutRedirectUris: [],
            webOrigins: [],
        },
        {
            clientId: "grafana",
            name: "Grafana",
            accessType: "CONFIDENTIAL",
            validRedirectUris: [`${grafana}/login/generic_oauth`],
            validPostLogoutRedirectUris: [`${grafana}/login`],
            webOrigins: [grafana],
        },
        {
            // Public with PKCE, as Argo CD's PKCE mode requires: the UI finishes the login in the browser, the CLI on localhost.
            clientId: "argocd",
            name: "Argo CD",
            accessType: "PUBLIC",
            validRedirectUris: [`${argocd}/auth/callback`, `${argocd}/pkce/verify`, ARGOCD_CLI_REDIRECT_URI],
            validPostLogoutRedirectUris: [`${argocd}/applications`],
            webOrigins: [argocd],
        },
        {
            clientId: "vault",
            name: "Vault",
            accessType: "CONFIDENTIAL",
            validRedirectUris: [`${vaultAddress}/ui/vault/auth/oidc/oidc/callback`, VAULT_CLI_REDIRECT_URI],
            validPostLogoutRedirectUris: [],
            webOrigins: [vaultAddress],
        },
    ];
}

/** Keycloak's "advanced claim/attribute to group" mapper of one brokered group. */
export function groupMapping(
    idp: IdentityProviderConfig,
    mapping: IdentityProviderConfig["groupMappings"][number],
): { identityProviderMapper: string; extraConfig: Record<string, string> } {
    const match = JSON.stringify([{ key: idp.groupsClaim, value: mapping.from }]);
    return idp.type === "Oidc"
        ? { identityProviderMapper: "oidc-advanced-group-idp-mapper", extraConfig: { syncMode: "FORCE", claims: match, "are.claim.values.regex": "false", group: `/${mapping.to}` } }
        : { identityProviderMapper: "saml-advanced-group-idp-mapper", extraConfig: { syncMode: "FORCE", attributes: match, "are.attribute.values.regex": "false", group: `/${mapping.to}` } };
}
