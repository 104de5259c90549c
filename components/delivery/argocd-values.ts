// Argo CD's Helm values (argo/argo-cd 10.1.1, Argo CD v3.4.4) as a pure function of the stack's settings.
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import { rbacPolicy } from "./app-projects";

export const ARGOCD_REPOSITORY = "https://argoproj.github.io/argo-helm";
export const ARGOCD_RELEASE = "argocd";
/** Service of the API server and UI (the chart's `<release>-server`), plain HTTP: TLS ends at the gateway. */
export const ARGOCD_SERVER_SERVICE = `${ARGOCD_RELEASE}-server`;

export interface ArgoCdValuesArgs {
    readonly settings: AppDeliveryConfig["argocd"];
    /** argocd.<domain> */
    readonly host: string;
    readonly oidc: { readonly issuer: string; readonly clientId: string };
    readonly groups: { readonly admins: string; readonly viewers: string };
}

/** Argo CD through Keycloak (groups claim, PKCE), HA by config, metrics on, no Dex, local admin per stack. */
export function argocdValues(a: ArgoCdValuesArgs) {
    const s = a.settings;
    const component = (name: string, replicas: number) => ({
        replicas,
        pdb: { enabled: replicas > 1, minAvailable: 1 },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: s.zoneSpread,
                labelSelector: { matchLabels: { "app.kubernetes.io/name": `argocd-${name}`, "app.kubernetes.io/instance": ARGOCD_RELEASE } },
            },
        ],
        metrics: { enabled: true },
    });
    return {
        global: { domain: a.host },
        // Helm's keep annotation: uninstalling the chart never deletes the Applications and AppProjects with their CRDs.
        crds: { keep: true },
        // Keycloak is the identity provider; Dex would be a second one.
        dex: { enabled: false },
        configs: {
            cm: {
                "admin.enabled": s.localAdmin,
                "users.anonymous.enabled": false,
                "exec.enabled": false,
                // Syncs and delete hooks run as the account each project names for the destination (its
                // destinationServiceAccounts), not as the controller: v3.4.4 creates PreDelete/PostDelete hooks
                // without the project checks its syncs apply (controller/hook.go executeHooks).
                "application.sync.impersonation.enabled": true,
                "oidc.config": oidcConfig(a.oidc),
            },
            // TLS ends at the shared gateway (the route speaks HTTP to the server inside the cluster).
            params: {
                "server.insecure": true,
                // Argo CD v3.4 defaults: SCM/PR generators on for any API, tokenRef reading any secret in its namespace.
                // Only admins write ApplicationSets; these keep one that slips through from reaching out with a secret.
                "applicationsetcontroller.enable.scm.providers": false,
                "applicationsetcontroller.enable.tokenref.strict.mode": true,
            },
            rbac: rbacPolicy(a.groups),
        },
        // With several replicas the controller moves a lost shard's clusters to the others.
        controller: { ...component("application-controller", s.controllerReplicas), dynamicClusterDistribution: s.controllerReplicas > 1 },
        server: component("server", s.serverReplicas),
        repoServer: component("repo-server", s.repoServerReplicas),
        applicationSet: component("applicationset-controller", s.applicationSetReplicas),
        redis: { enabled: !s.redisHa },
        "redis-ha": { enabled: s.redisHa, topologySpreadConstraints: { enabled: s.redisHa, whenUnsatisfiable: s.zoneSpread } },
    };
}

/**
 * argocd-cm's oidc.config: Keycloak's issuer and a public client with PKCE (the UI runs the flow in the browser and the
 * CLI on localhost, so no client secret exists to leak), asking for the groups scope RBAC maps.
 */
export function oidcConfig(o: { readonly issuer: string; readonly clientId: string }): string {
    return [
        "name: Keycloak",
        `issuer: ${o.issuer}`,
        `clientID: ${o.clientId}`,
        "enablePKCEAuthentication: true",
        "requestedScopes: [openid, profile, email, groups]",
        "",
    ].join("\n");
}
