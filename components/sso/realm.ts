import * as pulumi from "@pulumi/pulumi";
import * as keycloak from "@pulumi/keycloak";
import * as random from "@pulumi/random";
import * as command from "@pulumi/command";
import { urlGate } from "../shared/readiness";
import { masterRealmDefensesCommand } from "./master-realm";
import type { SsoConfig } from "../../stacks/schema-sso";
import { PLATFORM_GROUPS } from "../../stacks/schema-sso";
import {
    BUILT_IN_DEFAULT_SCOPES,
    GROUPS_CLAIM,
    GROUPS_SCOPE,
    groupMapping,
    issuerUrl,
    platformClients,
    PlatformClientName,
    PlatformClientSpec,
    realmEvents,
    realmSecurity,
} from "./realm-settings";

const PKCE_METHOD = "S256";

export interface SsoRealmArgs {
    /**
     * Where `pulumi up` logs in to the master realm and reaches the admin API (sso-admin.<domain>); resolves only once
     * it answers there. The public name does not serve the master realm (KEYCLOAK_PUBLIC_BLOCKED_PATHS).
     */
    readonly keycloakAdminUrl: pulumi.Input<string>;
    /** The same URL as known at plan time: the master realm's frontendUrl. */
    readonly adminUrl: string;
    /** The public base URL tokens are issued under (https://sso.<domain>). */
    readonly publicUrl: string;
    readonly adminUsername: string;
    readonly adminPassword: pulumi.Input<string>;
    readonly domain: string;
    /** Vault's address: its OIDC callback is one of the Vault client's redirect URIs. */
    readonly vaultAddress: string;
    readonly settings: SsoConfig["realm"];
    readonly identityProviders: SsoConfig["identityProviders"];
    /** Client secrets of the Oidc identity providers, by alias (plain here; made Pulumi secrets at use). */
    readonly brokerSecrets: Readonly<Record<string, string>>;
    /** Production: the realm (users, groups, sessions) is protected. */
    readonly protect: boolean;
}

/** An OIDC client of the realm, as its consumer needs it. */
export interface OidcClient {
    readonly clientId: string;
    readonly issuerUrl: string;
    /** Empty for public clients; a Pulumi secret otherwise. */
    readonly clientSecret: pulumi.Output<string>;
    /** Every platform client requires PKCE: its consumer must send an S256 code challenge (Grafana: use_pkce). */
    readonly pkce: "S256";
}

/** A caller's component and its name: resources it asks for are its children, named after it (so its aliases apply). */
export interface ChildOf {
    readonly parent: pulumi.Resource;
    readonly name: string;
}

/** What the tenants layer needs from SSO: a group per tenant, and the name Kubernetes sees it under. */
export interface TenantGroups {
    tenantGroup(tenant: string, groupName?: string, owner?: ChildOf): { readonly group: keycloak.Group; readonly name: string };
}

/** A tenant's group owned by the tenant's component (named after it, so its aliases apply), in the realm `realmId`. */
export function ownedTenantGroup(realmId: pulumi.Input<string>, groupName: string, owner: ChildOf, provider: keycloak.Provider): { readonly group: keycloak.Group; readonly name: string } {
    return { group: new keycloak.Group(`${owner.name}-sso-group`, { realmId, name: groupName }, { parent: owner.parent, provider }), name: groupName };
}

/**
 * The `platform` realm as code: security settings, events, the platform groups, a `groups` client scope, the
 * Kubernetes, Grafana and Vault clients, and brokered corporate identity providers.
 */
export class SsoRealm extends pulumi.ComponentResource implements TenantGroups {
    public readonly provider: keycloak.Provider;
    public readonly realm: keycloak.Realm;
    public readonly issuerUrl: string;
    /** Opens once the realm's issuer answers on the public name from the runner (what EKS and Vault read at configure time). */
    public readonly issuerReady: command.local.Command;
    public readonly groups: Readonly<Record<(typeof PLATFORM_GROUPS)[number], keycloak.Group>>;
    public readonly clients: Readonly<Record<PlatformClientName, OidcClient>>;
    private readonly name: string;
    private readonly child: pulumi.CustomResourceOptions;

    constructor(name: string, args: SsoRealmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Realm", name, {}, opts);
        this.name = name;
        this.issuerUrl = issuerUrl(args.publicUrl, args.settings.name);
        // The master realm's step first: it moves the master realm's frontendUrl (so its issuer) to the admin name, and a
        // token issued before that would be refused by the admin API (its issuer no longer the realm's).
        const master = masterRealmDefensesCommand(
            `${name}-master-defenses`,
            { adminUrl: args.keycloakAdminUrl, frontendUrl: args.adminUrl, adminUsername: args.adminUsername, adminPassword: args.adminPassword },
            { parent: this },
        );
        // The URLs resolve only after Keycloak answers on the admin name and the step ran: the provider logs in at
        // configure time (pulumi/pulumi#8917). It logs in at `url` and sends every admin API call to `adminUrl`
        // (terraform-provider-keycloak v5.9.0, keycloak/keycloak_client.go: authUrl from url, baseUrl from adminUrl):
        // both the admin name, which only the admin CIDRs reach.
        const afterMaster = pulumi.all([master.stdout, args.keycloakAdminUrl]).apply(([, url]) => url);
        this.provider = new keycloak.Provider(
            `${name}-provider`,
            {
                url: afterMaster,
                adminUrl: args.keycloakAdminUrl,
                realm: "master",
                clientId: "admin-cli",
                username: args.adminUsername,
                password: pulumi.secret(args.adminPassword),
            },
            { parent: this },
        );
        this.child = { parent: this, provider: this.provider };
        this.realm = new keycloak.Realm(`${name}-realm`, { ...realmSecurity(args.settings), displayName: `Platform (${args.domain})` }, { ...this.child, protect: args.protect });
        // The public name serves no realm before this one (the master realm is blocked there): its issuer is the gate.
        this.issuerReady = urlGate(`${name}-issuer-ready`, { url: this.issuerUrl, baseUrl: this.issuerUrl, dependsOn: [this.realm] }, { parent: this }).gate;
        new keycloak.RealmEvents(`${name}-events`, { realmId: this.realm.id, ...realmEvents(args.settings) }, this.child);

        const group = (groupName: string) => new keycloak.Group(`${name}-group-${groupName}`, { realmId: this.realm.id, name: groupName }, this.child);
        this.groups = { "platform-admins": group("platform-admins"), "platform-viewers": group("platform-viewers") };

        const groupsScope = new keycloak.openid.ClientScope(
            `${name}-groups-scope`,
            { realmId: this.realm.id, name: GROUPS_SCOPE, description: "The user's groups, as the groups claim", includeInTokenScope: true },
            this.child,
        );
        new keycloak.openid.GroupMembershipProtocolMapper(
            `${name}-groups-mapper`,
            { realmId: this.realm.id, clientScopeId: groupsScope.id, name: GROUPS_CLAIM, claimName: GROUPS_CLAIM, fullPath: false, addToIdToken: true, addToAccessToken: true, addToUserinfo: true },
            this.child,
        );
        const clients = platformClients(args.domain, args.vaultAddress).map((spec) => [spec.clientId, this.client(spec, groupsScope)] as const);
        this.clients = Object.fromEntries(clients) as Record<PlatformClientName, OidcClient>;

        for (const idp of args.identityProviders) this.identityProvider(idp, args);
        this.registerOutputs({ issuerUrl: this.issuerUrl });
    }

    /** A group for a tenant (`tenant-<name>` unless named): its members get the tenant's access in Kubernetes, Vault and Argo CD. */
    public tenantGroup(tenant: string, groupName = `tenant-${tenant}`, owner?: ChildOf): { readonly group: keycloak.Group; readonly name: string } {
        if (owner) return ownedTenantGroup(this.realm.id, groupName, owner, this.provider);
        return { group: new keycloak.Group(`${this.name}-tenant-${tenant}`, { realmId: this.realm.id, name: groupName }, this.child), name: groupName };
    }

    private client(spec: PlatformClientSpec, groupsScope: keycloak.openid.ClientScope): OidcClient {
        const name = `${this.name}-client-${spec.clientId}`;
        const confidential = spec.accessType === "CONFIDENTIAL";
        const secret = confidential ? new random.RandomPassword(`${name}-secret`, { length: 48, special: false }, { parent: this }).result : undefined;
        const client = new keycloak.openid.Client(
            name,
            {
                realmId: this.realm.id,
                clientId: spec.clientId,
                name: spec.name,
                accessType: spec.accessType,
                clientSecret: secret && pulumi.secret(secret),
                standardFlowEnabled: true,
                implicitFlowEnabled: false,
                directAccessGrantsEnabled: false,
                serviceAccountsEnabled: false,
                // Public clients prove possession of the login with PKCE; confidential ones use it too.
                pkceCodeChallengeMethod: PKCE_METHOD,
                validRedirectUris: [...spec.validRedirectUris],
                validPostLogoutRedirectUris: [...spec.validPostLogoutRedirectUris],
                webOrigins: [...spec.webOrigins],
                fullScopeAllowed: false,
            },
            this.child,
        );
        new keycloak.openid.ClientDefaultScopes(
            `${name}-default-scopes`,
            { realmId: this.realm.id, clientId: client.id, defaultScopes: [...BUILT_IN_DEFAULT_SCOPES, groupsScope.name] },
            this.child,
        );
        return { clientId: spec.clientId, issuerUrl: this.issuerUrl, clientSecret: secret ? pulumi.secret(secret) : pulumi.output(""), pkce: "S256" };
    }

    private identityProvider(idp: SsoConfig["identityProviders"][number], args: SsoRealmArgs): void {
        const name = `${this.name}-idp-${idp.alias}`;
        const common = { realm: this.realm.realm, alias: idp.alias, displayName: idp.displayName, enabled: true, trustEmail: true, storeToken: false, syncMode: "FORCE" };
        let provider: pulumi.Resource;
        // The schema admits exactly the block its type names, so the block decides.
        if (idp.oidc) {
            provider = new keycloak.oidc.IdentityProvider(
                name,
                {
                    ...common,
                    ...idp.oidc,
                    clientSecret: pulumi.secret(args.brokerSecrets[idp.alias] ?? ""),
                    validateSignature: true,
                    defaultScopes: "openid profile email",
                },
                this.child,
            );
        } else if (idp.saml) {
            provider = new keycloak.saml.IdentityProvider(
                name,
                {
                    ...common,
                    entityId: this.issuerUrl, // this realm, as the service provider
                    singleSignOnServiceUrl: idp.saml.singleSignOnServiceUrl,
                    signingCertificate: idp.saml.signingCertificate.replace(/\s+/g, ""),
                    validateSignature: true,
                    wantAssertionsSigned: true,
                    postBindingResponse: true,
                    postBindingAuthnRequest: true,
                    principalType: "SUBJECT",
                    nameIdPolicyFormat: "Persistent",
                },
                this.child,
            );
        } else {
            throw new Error(`identity provider ${idp.alias}: type ${idp.type} without its ${idp.type.toLowerCase()} block (the schema refuses this)`);
        }
        idp.groupMappings.forEach((m, i) =>
            new keycloak.CustomIdentityProviderMapping(
                `${name}-group-${i}`,
                { realm: this.realm.realm, identityProviderAlias: idp.alias, name: `${m.from} to ${m.to}`, ...groupMapping(idp, m) },
                { ...this.child, dependsOn: [provider, this.groups[m.to]] },
            ),
        );
    }
}
