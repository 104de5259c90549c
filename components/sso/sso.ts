import * as pulumi from "@pulumi/pulumi";
import type { NetworkContext } from "../shared/network-policies";
import * as k8s from "@pulumi/kubernetes";
import type { SsoConfig } from "../../stacks/schema-sso";
import type { IngressRef } from "../ingress/ingress";
import type { PrivateCaGrant } from "../shared/private-ca";
import { KeycloakDatabase, KeycloakDatabaseArgs } from "./database";
import { Keycloak } from "./keycloak";
import { ClusterLogin, VaultOidcLogin, vaultOidcLogin } from "./logins";
import { ChildOf, OidcClient, SsoRealm, TenantGroups } from "./realm";
import type { PodPlacement } from "../shared/placement";

export interface SsoArgs extends Omit<KeycloakDatabaseArgs, "settings"> {
    readonly network: NetworkContext;
    readonly settings: SsoConfig;
    /** Client secrets of the brokered Oidc identity providers, by alias (from the secret config key). */
    readonly brokerSecrets: Readonly<Record<string, string>>;
    readonly cluster: { readonly name: pulumi.Input<string>; readonly k8sProvider: k8s.Provider; readonly platformPods: PodPlacement };
    /** Publishes sso.<domain>. */
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    readonly certificates: PrivateCaGrant;
    readonly namespace: string;
    /** The secrets layer: Vault's address (its OIDC callback) and its OIDC login mount. */
    readonly vault: { readonly address: string; readonly login: VaultOidcLogin };
}

/**
 * The SSO layer: Keycloak on RDS PostgreSQL, the `platform` realm as code, and single sign-on wired into EKS
 * (kubectl through an OIDC identity provider) and Vault (an OIDC login per platform group).
 */
export class Sso extends pulumi.ComponentResource implements TenantGroups {
    public readonly database: KeycloakDatabase;
    public readonly keycloak: Keycloak;
    public readonly realm: SsoRealm;
    /** Undefined with clusterLogin AccessEntriesOnly. */
    public readonly clusterLogin: ClusterLogin | undefined;
    /** https://sso.<domain>/realms/<realm>: every token's issuer. */
    public readonly issuerUrl: string;
    /** The client for kubectl (public, PKCE): what kubelogin is configured with. */
    public readonly kubernetesClient: OidcClient;
    /** Grafana's confidential client (its secret is a Pulumi secret), for the observability layer. */
    public readonly grafanaClient: OidcClient;
    /** Argo CD's public client (PKCE), for the delivery layer. */
    public readonly argocdClient: OidcClient;

    constructor(name: string, args: SsoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Sso", name, {}, opts);
        const child = { parent: this };
        this.database = new KeycloakDatabase(`${name}-database`, { ...args, settings: args.settings.database }, child);
        this.keycloak = new Keycloak(
            `${name}-keycloak`,
            { cluster: args.cluster, ingress: args.ingress, certificates: args.certificates, namespace: args.namespace, settings: args.settings.keycloak, database: this.database, network: args.network },
            child,
        );
        this.realm = new SsoRealm(
            `${name}-realm`,
            {
                keycloakAdminUrl: this.keycloak.readyAdminUrl,
                adminUrl: this.keycloak.adminUrl,
                publicUrl: this.keycloak.publicUrl,
                adminUsername: this.keycloak.adminUsername,
                adminPassword: this.keycloak.adminPassword,
                domain: args.ingress.domain,
                vaultAddress: args.vault.address,
                settings: args.settings.realm,
                identityProviders: args.settings.identityProviders,
                brokerSecrets: args.brokerSecrets,
                protect: args.protect,
            },
            child,
        );
        this.issuerUrl = this.realm.issuerUrl;
        this.kubernetesClient = this.realm.clients.kubernetes;
        this.grafanaClient = this.realm.clients.grafana;
        this.argocdClient = this.realm.clients.argocd;
        // EKS and Vault fetch the issuer's discovery document when configured: after it answers on the public name.
        const realmReady = [this.realm, this.realm.issuerReady];
        if (args.settings.clusterLogin === "Oidc") {
            this.clusterLogin = new ClusterLogin(
                `${name}-cluster-login`,
                { clusterName: args.cluster.name, k8sProvider: args.cluster.k8sProvider, client: this.kubernetesClient, dependsOn: realmReady },
                child,
            );
        }
        vaultOidcLogin(args.vault.login, this.realm.clients.vault, args.vault.address, realmReady, this);
        this.registerOutputs({ issuerUrl: this.issuerUrl, databaseAddress: this.database.address });
    }

    public tenantGroup(tenant: string, groupName?: string, owner?: ChildOf) {
        return this.realm.tenantGroup(tenant, groupName, owner);
    }
}
