import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { SsoConfig } from "../../stacks/schema-sso";
import { keycloakPoolMaxSize } from "./db-connections";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { IngressRef } from "../ingress/ingress";
import { platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import { PrivateCaGrant, privateServerCertificate } from "../shared/private-ca";
import { urlGate } from "../shared/readiness";
import { placePod, type PodPlacement } from "../shared/placement";
import {
    KEYCLOAK_ADMIN_SECRET,
    KEYCLOAK_API_VERSION,
    KEYCLOAK_CA_COMMON_NAME,
    KEYCLOAK_CA_ISSUER,
    KEYCLOAK_CA_SECRET,
    KEYCLOAK_DB_SECRET,
    KEYCLOAK_HTTPS_PORT,
    KEYCLOAK_NAME,
    KEYCLOAK_PUBLIC_BLOCKED_PATHS,
    KEYCLOAK_PUBLIC_PATHS,
    KEYCLOAK_ROOT_ISSUER,
    KEYCLOAK_SERVICE,
    KEYCLOAK_TLS_SECRET,
    keycloakDisruptionBudget,
    keycloakServerDnsNames,
    keycloakSpec,
    operatorKustomization,
} from "./keycloak-spec";

/** First label of the admin console's hostname (sso-admin.<domain>): the key of its CIDRs in `ingress.allowedCidrs`. */
export const KEYCLOAK_ADMIN_HOST_LABEL = "sso-admin";

/** Username of the bootstrap administrator of the master realm (its password is generated). */
export const KEYCLOAK_ADMIN_USERNAME = "platform-bootstrap-admin";

/** What Keycloak needs from its database: where it is and the credentials it was created with. */
export interface KeycloakDatabaseRef {
    readonly address: pulumi.Output<string>;
    readonly port: number;
    readonly databaseName: string;
    /** The RDS instance class: how many connections the pods' pools may share. */
    readonly instanceClass: string;
    readonly username: string;
    readonly password: pulumi.Output<string>;
}

export interface KeycloakArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "platformPods">;
    /** Publishes sso.<domain> on the shared Gateway. */
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    readonly certificates: PrivateCaGrant;
    readonly namespace: string;
    readonly settings: SsoConfig["keycloak"];
    readonly database: KeycloakDatabaseRef;
}

/** Adds the placement to the pod template of each Deployment the operator's kustomization renders. */
export function placeOperatorTransform(p: PodPlacement): pulumi.ResourceTransform {
    return (a) => {
        if (a.type !== "kubernetes:apps/v1:Deployment" || (!p.nodeSelector && !p.tolerations)) return undefined;
        const props = a.props as Record<string, any>;
        const template = props.spec?.template ?? {};
        return { props: { ...props, spec: { ...props.spec, template: { ...template, spec: placePod(template.spec, p) } } }, opts: a.opts };
    };
}

/**
 * Keycloak from its official operator and image: the operator's pinned release applied with kustomize, a `Keycloak`
 * CR on the RDS database, TLS to the pods from the layer's private CA, published on sso.<domain>.
 */
export class Keycloak extends pulumi.ComponentResource {
    /** https://sso.<domain>: the public base of every issuer URL (not of the master realm's: see KEYCLOAK_PUBLIC_BLOCKED_PATHS). */
    public readonly publicUrl: string;
    /** https://sso-admin.<domain>: the admin console and admin API, reachable only from the stack's admin CIDRs. */
    public readonly adminUrl: string;
    /**
     * The admin URL, resolved only once the console answers there from where `pulumi up` runs: where the Keycloak
     * provider and the master realm step log in (the master realm is served there only) and call the admin API.
     */
    public readonly readyAdminUrl: pulumi.Output<string>;
    public readonly adminUsername = KEYCLOAK_ADMIN_USERNAME;
    /** Generated; a Pulumi secret. */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly server: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KeycloakArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Keycloak", name, {}, opts);
        const ns = args.namespace;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        this.publicUrl = `https://sso.${args.ingress.domain}`;
        this.adminUrl = `https://${KEYCLOAK_ADMIN_HOST_LABEL}.${args.ingress.domain}`;

        // baseline, not restricted: the operator's own Deployment sets no securityContext (keycloak-k8s-resources).
        const namespace = platformNamespace(`${name}-namespace`, ns, "baseline", k8sOpts);
        platformNetworkPolicies(name, ns, args.network, { ...k8sOpts, dependsOn: [namespace] });
        const operator = new k8s.kustomize.v2.Directory(
            `${name}-operator`,
            { directory: operatorKustomization(args.settings.version), namespace: ns },
            // The operator's Deployment is rendered by the provider: placed by a transform (it also applies to the
            // resources a packaged component registers), as the charts' pods are by their values.
            { ...k8sOpts, dependsOn: [namespace], transforms: [placeOperatorTransform(args.cluster.platformPods)] },
        );
        const secrets = this.credentials(name, args, namespace, k8sOpts);
        const certificate = privateServerCertificate(
            name,
            {
                certificates: args.certificates,
                policyName: "keycloak",
                namespace: ns,
                namespaceResource: namespace,
                rootIssuer: KEYCLOAK_ROOT_ISSUER,
                caCommonName: KEYCLOAK_CA_COMMON_NAME,
                caIssuer: KEYCLOAK_CA_ISSUER,
                caSecret: KEYCLOAK_CA_SECRET,
                tlsSecret: KEYCLOAK_TLS_SECRET,
                dnsNames: keycloakServerDnsNames(ns),
                // Keycloak reloads its certificate files hourly (https-certificates-reload-period): no restart needed.
                duration: "2160h",
                renewBefore: "720h",
            },
            k8sOpts,
        );
        // The schema refuses a class whose memory is unknown or too small for the instances (stacks/schema-sso.ts).
        const poolMaxSize = keycloakPoolMaxSize(args.database.instanceClass, args.settings.instances);
        if (poolMaxSize === undefined) throw new Error(`${args.database.instanceClass}: no connection budget for an unknown DB instance class`);
        this.server = new k8s.apiextensions.CustomResource(
            `${name}-server`,
            {
                apiVersion: KEYCLOAK_API_VERSION,
                kind: "Keycloak",
                // Pulumi waits for Ready: the realm is configured only once Keycloak answers.
                metadata: { name: KEYCLOAK_NAME, namespace: ns, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
                spec: args.database.address.apply((host) =>
                    keycloakSpec({ settings: args.settings, placement: args.cluster.platformPods, publicUrl: this.publicUrl, adminUrl: this.adminUrl, database: { host, port: args.database.port, name: args.database.databaseName, poolMaxSize } }),
                ),
            },
            { ...k8sOpts, dependsOn: [operator, certificate, ...secrets.resources], customTimeouts: { create: "20m", update: "20m" } },
        );
        const budget = keycloakDisruptionBudget(ns, args.settings.instances);
        if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-disruption-budget`, budget, { ...k8sOpts, dependsOn: [namespace] });

        // Public: only the paths Keycloak's guide exposes, less the master realm (a 404 from Envoy). The rest of Keycloak
        // (the admin console, the admin API and the master realm's logins) only on sso-admin.<domain>, which the
        // ingress layer opens to the stack's `allowedCidrs.sso-admin` alone.
        const service = { namespace: ns, serviceName: KEYCLOAK_SERVICE, servicePort: KEYCLOAK_HTTPS_PORT };
        const route = args.ingress.publishService(
            {
                ...service,
                name: "sso",
                paths: [...KEYCLOAK_PUBLIC_PATHS],
                blockedPaths: [...KEYCLOAK_PUBLIC_BLOCKED_PATHS],
                backendTls: { caSecretName: KEYCLOAK_TLS_SECRET, hostname: `${KEYCLOAK_SERVICE}.${ns}.svc` },
            },
            // Not after the server: external-dns publishes the name while Keycloak starts.
            { parent: this, dependsOn: [namespace, certificate] },
        );
        // No BackendTLSPolicy of its own: the public route's targets the Service, so this route's traffic is TLS too.
        const adminRoute = args.ingress.publishService({ ...service, name: KEYCLOAK_ADMIN_HOST_LABEL }, { parent: this, dependsOn: [namespace, certificate, route] });
        // Open once the admin name answers from the runner: DNS published, certificate issued, Keycloak Ready, the runner
        // inside the admin CIDRs (a 403 from the gateway keeps the gate closed until it times out). The public name is
        // gated by the realm's issuer (SsoRealm.issuerReady): sso.<domain> serves no realm before the platform realm.
        this.readyAdminUrl = urlGate(
            `${name}-admin-ready`,
            { url: `${this.adminUrl}/admin/master/console/`, baseUrl: this.adminUrl, dependsOn: [this.server, adminRoute] },
            { parent: this },
        ).url;
        this.adminPassword = secrets.adminPassword;
        this.registerOutputs({ publicUrl: this.publicUrl, adminUrl: this.adminUrl });
    }

    /** The database credentials and the bootstrap administrator, as Secrets the CR names. */
    private credentials(name: string, args: KeycloakArgs, namespace: k8s.core.v1.Namespace, k8sOpts: { parent: pulumi.Resource; provider: k8s.Provider }) {
        const password = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
        const secret = (role: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            new k8s.core.v1.Secret(
                `${name}-${role}`,
                { metadata: { name: secretName, namespace: args.namespace }, type: "kubernetes.io/basic-auth", stringData: data },
                { ...k8sOpts, dependsOn: [namespace] },
            );
        const db = secret("db-credentials", KEYCLOAK_DB_SECRET, { username: args.database.username, password: pulumi.secret(args.database.password) });
        const admin = secret("admin-credentials", KEYCLOAK_ADMIN_SECRET, { username: KEYCLOAK_ADMIN_USERNAME, password: pulumi.secret(password.result) });
        return { resources: [db, admin], adminPassword: pulumi.secret(password.result) };
    }
}
