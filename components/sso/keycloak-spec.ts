// The Keycloak custom resource (k8s.keycloak.org/v2alpha1) and its neighbours as pure data: table-tested, and checked
// against the operator's CRD (test/fixtures/crds).
import type { SsoConfig } from "../../stacks/schema-sso";
import { requiredNodeAffinity, type PodPlacement } from "../shared/placement";

export const KEYCLOAK_API_VERSION = "k8s.keycloak.org/v2alpha1";
/** The Keycloak CR's name: the operator names the StatefulSet and `<name>-service` after it. */
export const KEYCLOAK_NAME = "keycloak";
export const KEYCLOAK_SERVICE = `${KEYCLOAK_NAME}-service`;
export const KEYCLOAK_HTTPS_PORT = 8443;
/** Labels the operator puts on every server pod (Constants.DEFAULT_LABELS + app.kubernetes.io/instance). */
export const KEYCLOAK_POD_LABELS = { app: "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator", "app.kubernetes.io/instance": KEYCLOAK_NAME } as const;
export const KEYCLOAK_DB_SECRET = "keycloak-db";
export const KEYCLOAK_ADMIN_SECRET = "keycloak-bootstrap-admin";
export const KEYCLOAK_TLS_SECRET = "keycloak-server-tls";
export const KEYCLOAK_CA_SECRET = "keycloak-ca";
export const KEYCLOAK_ROOT_ISSUER = "keycloak-root";
export const KEYCLOAK_CA_ISSUER = "keycloak-ca";
export const KEYCLOAK_CA_COMMON_NAME = "Keycloak internal CA";
/** The operator and CRDs of one release, applied with kustomize (the kustomization sets namespace `keycloak`). */
export const KEYCLOAK_OPERATOR_REPOSITORY = "https://github.com/keycloak/keycloak-k8s-resources";

/**
 * What sso.<domain> routes to Keycloak: the paths Keycloak's reverse-proxy guide lists as exposed ("Exposed path
 * recommendations": /realms/ for every OIDC endpoint and login page, /resources/ for their assets, /.well-known/ for
 * RFC 8414 metadata). Not /admin/ (console and admin REST API: sso-admin.<domain> only), nor /, /metrics, /health.
 */
export const KEYCLOAK_PUBLIC_PATHS = ["/realms", "/resources", "/.well-known"] as const;

/**
 * What sso.<domain> answers with a 404 from the gateway itself although a public path takes it: the master realm,
 * whose logins are the bootstrap administrator's (Pulumi's). Its brute-force detection disables a user after 5
 * failures for up to 15 minutes and refuses even the right password meanwhile (Keycloak 26.x
 * BruteForceProtector/BruteForceTest.testGrantInvalidPassword; the server admin guide, "Brute force detection",
 * warns this lets anyone lock an account out): anyone could keep `pulumi up` out for good. Its logins go to
 * sso-admin.<domain> instead, which only the stack's admin CIDRs reach. Envoy matches the path after its own
 * normalisation (dot segments, merged slashes); that it also covers every escaped spelling of `master` is not
 * checked offline (docs/architecture.md, "SSO").
 */
export const KEYCLOAK_PUBLIC_BLOCKED_PATHS = ["/realms/master"] as const;

export function operatorKustomization(version: string): string {
    return `${KEYCLOAK_OPERATOR_REPOSITORY}/tree/${version}/kubernetes`;
}

/** Names the server certificate carries: the operator's Service in every form a client may use. */
export function keycloakServerDnsNames(namespace: string): string[] {
    return [KEYCLOAK_SERVICE, `${KEYCLOAK_SERVICE}.${namespace}`, `${KEYCLOAK_SERVICE}.${namespace}.svc`, `${KEYCLOAK_SERVICE}.${namespace}.svc.cluster.local`];
}

export interface KeycloakSpecArgs {
    readonly settings: SsoConfig["keycloak"];
    /** https://sso.<domain>: tokens carry <url>/realms/<realm> as issuer, whatever host a request came in on. */
    readonly publicUrl: string;
    /** https://sso-admin.<domain>: where the admin console is served and calls the admin API (only admin CIDRs reach it). */
    readonly adminUrl: string;
    /** poolMaxSize: each pod's share of the instance's connections (db-connections.ts, keycloakPoolMaxSize). */
    readonly database: { readonly host: string; readonly port: number; readonly name: string; readonly poolMaxSize: number };
    /** Where the platform's pods go. */
    readonly placement?: PodPlacement;
}

/** spec of the Keycloak CR. */
export function keycloakSpec(a: KeycloakSpecArgs) {
    return {
        instances: a.settings.instances,
        // No `image`: the operator runs its own release's server image (the same version). A custom image would be
        // started `--optimized`, ignoring build options such as db, health and metrics.
        db: {
            vendor: "postgres",
            host: a.database.host,
            port: a.database.port,
            database: a.database.name,
            usernameSecret: { name: KEYCLOAK_DB_SECRET, key: "username" },
            passwordSecret: { name: KEYCLOAK_DB_SECRET, key: "password" },
            // Not Keycloak's default of 100 per pod: the pods' pools together must fit the instance's max_connections.
            poolMaxSize: a.database.poolMaxSize,
        },
        // The full URL fixes scheme, host and port of every issued URL, whatever the request's Host header says. `admin`
        // becomes hostname-admin (the operator's KeycloakDistConfigurator.configureHostname): the console loads from and
        // calls the admin API on that URL; Keycloak still answers /admin on any host, so the gateway keeps it off sso.
        hostname: { hostname: a.publicUrl, admin: a.adminUrl, strict: true, backchannelDynamic: false },
        // Envoy sets X-Forwarded-For/-Proto; without this Keycloak would see the gateway as the client.
        proxy: { headers: "xforwarded" },
        // TLS to the pods too (the gateway verifies it with the layer's CA); no plain HTTP listener.
        http: { tlsSecret: KEYCLOAK_TLS_SECRET, httpEnabled: false },
        // Published through the shared Gateway, not an Ingress of the operator.
        ingress: { enabled: false },
        // The operator's own NetworkPolicy (on by default since 26.x) admits 8443 and the management port from anywhere,
        // and policies only add up: the namespace's table (shared/network-policies.ts) decides instead.
        networkPolicy: { enabled: false },
        bootstrapAdmin: { user: { secret: KEYCLOAK_ADMIN_SECRET } },
        // The CR's scheduling has no nodeSelector: the System nodes are required by node affinity.
        scheduling: {
            ...(a.placement?.tolerations ? { tolerations: a.placement.tolerations.map((t) => ({ ...t })) } : {}),
            ...(requiredNodeAffinity(a.placement ?? {}) ? { affinity: requiredNodeAffinity(a.placement ?? {}) } : {}),
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: a.settings.zoneSpread,
                    labelSelector: { matchLabels: { ...KEYCLOAK_POD_LABELS } },
                },
            ],
        },
        resources: { requests: { cpu: "500m", memory: "1250Mi" }, limits: { memory: "2Gi" } },
        additionalOptions: [
            // RDS refuses plain connections (rds.force_ssl); the driver is told to never try one.
            { name: "db-url-properties", value: "?sslmode=require" },
            { name: "log-console-output", value: "json" },
            { name: "metrics-enabled", value: "true" },
            // Successful logins are logged at debug by default: info puts every login and admin event in the log.
            { name: "spi-events-listener--jboss-logging--success-level", value: "info" },
        ],
    };
}

/** Keeps a rolling node drain from taking more than one server down; none for a single instance (it would block drains). */
export function keycloakDisruptionBudget(namespace: string, instances: number) {
    if (instances < 2) return undefined;
    return { metadata: { name: KEYCLOAK_NAME, namespace }, spec: { maxUnavailable: 1, selector: { matchLabels: { ...KEYCLOAK_POD_LABELS } } } };
}
