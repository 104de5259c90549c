import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { OidcLoginArgs } from "../secrets/vault-config";
import type { OidcClient } from "./realm";
import { GROUPS_CLAIM, VAULT_CLI_REDIRECT_URI } from "./realm-settings";

/** Prefix of OIDC users and groups in Kubernetes: an IAM principal can never collide with one. */
export const KUBERNETES_OIDC_PREFIX = "oidc:";
/** Name of the identity provider association on the cluster. */
export const EKS_IDENTITY_PROVIDER_NAME = "keycloak";

/** Which platform group gets which built-in ClusterRole (IAM access entries stay for break-glass). */
export const CLUSTER_ROLE_BINDINGS = [
    { group: "platform-admins", clusterRole: "cluster-admin" },
    { group: "platform-viewers", clusterRole: "view" },
] as const;

/** Which platform group gets which of the secrets layer's Vault policies; the first is Vault's default role. */
export const VAULT_OIDC_ROLES = [
    { roleName: "platform-viewer", group: "platform-viewers", policies: ["auditor"] },
    { roleName: "platform-admin", group: "platform-admins", policies: ["platform-admin"] },
] as const;

/** The EKS OIDC identity provider configuration: every field of it forces a (40-minute) replacement. */
export function eksOidcConfig(issuerUrl: string, clientId: string) {
    return {
        identityProviderConfigName: EKS_IDENTITY_PROVIDER_NAME,
        issuerUrl,
        clientId,
        usernameClaim: "preferred_username",
        usernamePrefix: KUBERNETES_OIDC_PREFIX,
        groupsClaim: GROUPS_CLAIM,
        groupsPrefix: KUBERNETES_OIDC_PREFIX,
    };
}

export interface ClusterLoginArgs {
    readonly clusterName: pulumi.Input<string>;
    readonly k8sProvider: k8s.Provider;
    readonly client: OidcClient;
    /** The realm and its client exist before EKS fetches the issuer's discovery document. */
    readonly dependsOn: pulumi.Resource[];
}

/** kubectl through Keycloak: the EKS OIDC identity provider on the realm, and the platform groups' ClusterRoleBindings. */
export class ClusterLogin extends pulumi.ComponentResource {
    public readonly identityProvider: aws.eks.IdentityProviderConfig;

    constructor(name: string, args: ClusterLoginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:ClusterLogin", name, {}, opts);
        this.identityProvider = new aws.eks.IdentityProviderConfig(
            `${name}-identity-provider`,
            { clusterName: args.clusterName, oidc: eksOidcConfig(args.client.issuerUrl, args.client.clientId) },
            // A replacement with the same name must remove the old association first; associations take minutes.
            { parent: this, dependsOn: args.dependsOn, deleteBeforeReplace: true, customTimeouts: { create: "40m", update: "40m", delete: "40m" } },
        );
        for (const b of CLUSTER_ROLE_BINDINGS) {
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-${b.group}`,
                {
                    metadata: { name: `oidc-${b.group}` },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.clusterRole },
                    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${KUBERNETES_OIDC_PREFIX}${b.group}` }],
                },
                { parent: this, provider: args.k8sProvider },
            );
        }
        this.registerOutputs({ identityProviderArn: this.identityProvider.arn });
    }
}

/** What the SSO layer needs from the secrets layer: an OIDC login mount on Vault. */
export interface VaultOidcLogin {
    oidcLogin(name: string, a: OidcLoginArgs, parent: pulumi.Resource): { backend: pulumi.Resource; roles: pulumi.Resource[] };
}

/** Vault's login for people through the realm: the platform groups map to the secrets layer's policies. */
export function vaultOidcLogin(vault: VaultOidcLogin, client: OidcClient, vaultAddress: string, dependsOn: pulumi.Resource[], parent: pulumi.Resource) {
    return vault.oidcLogin("oidc", {
        issuerUrl: client.issuerUrl,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        groupsClaim: GROUPS_CLAIM,
        redirectUris: [`${vaultAddress}/ui/vault/auth/oidc/oidc/callback`, VAULT_CLI_REDIRECT_URI],
        roles: VAULT_OIDC_ROLES,
        dependsOn,
    }, parent);
}
