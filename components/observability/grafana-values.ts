// Grafana: login through the platform's Keycloak, roles from groups, datasources wired for metrics↔logs↔traces jumps.
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { requests } from "./metrics-values";
import { DATASOURCE_UIDS, GRAFANA_ADMIN_SECRET, GRAFANA_OAUTH_MOUNT, GRAFANA_OAUTH_SECRET, LOKI_GATEWAY_SERVICE, PROMETHEUS_SERVICE, TEMPO_SERVICE } from "./constants";

/** Keycloak groups → Grafana roles; anyone in neither group is refused (role_attribute_strict). */
export const GRAFANA_ROLE_ATTRIBUTE_PATH = "contains(groups[*], 'platform-admins') && 'Admin' || contains(groups[*], 'platform-viewers') && 'Viewer'";
/** Label the dashboard sidecar loads ConfigMaps by. */
export const DASHBOARD_LABEL = "grafana_dashboard";

export interface GrafanaValuesArgs {
    readonly settings: ObservabilityConfig["grafana"];
    readonly url: string;
    /** The realm's issuer and Grafana's client id (its secret is mounted from GRAFANA_OAUTH_SECRET). */
    readonly oidc: { readonly issuerUrl: string; readonly clientId: string };
    readonly namespace: string;
    readonly storageClass: string;
}

/** The generic OAuth section: every endpoint of the realm, PKCE (the client requires it), the secret from a file. */
export function genericOauth(oidc: GrafanaValuesArgs["oidc"]) {
    const endpoint = (path: string) => `${oidc.issuerUrl}/protocol/openid-connect/${path}`;
    return {
        enabled: true,
        name: "Platform SSO",
        client_id: oidc.clientId,
        client_secret: `$__file{${GRAFANA_OAUTH_MOUNT}/client-secret}`,
        scopes: "openid profile email",
        auth_url: endpoint("auth"),
        token_url: endpoint("token"),
        api_url: endpoint("userinfo"),
        use_pkce: true,
        login_attribute_path: "preferred_username",
        groups_attribute_path: "groups",
        role_attribute_path: GRAFANA_ROLE_ATTRIBUTE_PATH,
        role_attribute_strict: true,
        allow_sign_up: true,
        allow_assign_grafana_admin: false,
    };
}

/** Prometheus, Loki and Tempo, each linking to the others (trace ids in logs, logs and metrics of a span). */
export function datasources(namespace: string) {
    const url = (service: string, port: number) => `http://${service}.${namespace}.svc:${port}`;
    return [
        { name: "Prometheus", uid: DATASOURCE_UIDS.prometheus, type: "prometheus", access: "proxy", isDefault: true, url: url(PROMETHEUS_SERVICE, 9090), jsonData: { exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: DATASOURCE_UIDS.tempo }] } },
        {
            name: "Loki",
            uid: DATASOURCE_UIDS.loki,
            type: "loki",
            access: "proxy",
            url: url(LOKI_GATEWAY_SERVICE, 80),
            jsonData: {
                derivedFields: [
                    // In the line (apps logging to stdout) and in structured metadata (logs sent over OTLP).
                    { name: "trace_id", matcherRegex: '(?:trace_?[iI][dD])"?[:=]"?(\\w+)', url: "${__value.raw}", datasourceUid: DATASOURCE_UIDS.tempo },
                    { name: "trace_id (OTLP)", matcherType: "label", matcherRegex: "trace_id", url: "${__value.raw}", datasourceUid: DATASOURCE_UIDS.tempo },
                ],
            },
        },
        {
            name: "Tempo",
            uid: DATASOURCE_UIDS.tempo,
            type: "tempo",
            access: "proxy",
            url: url(TEMPO_SERVICE, 3200),
            jsonData: {
                tracesToLogsV2: { datasourceUid: DATASOURCE_UIDS.loki, filterByTraceID: true, spanStartTimeShift: "-5m", spanEndTimeShift: "5m", customQuery: false },
                tracesToMetrics: { datasourceUid: DATASOURCE_UIDS.prometheus },
                serviceMap: { datasourceUid: DATASOURCE_UIDS.prometheus },
                nodeGraph: { enabled: true },
                lokiSearch: { datasourceUid: DATASOURCE_UIDS.loki },
            },
        },
    ];
}

export function grafanaValues(a: GrafanaValuesArgs) {
    return {
        // One replica on a volume (SQLite: users, preferences, UI-made dashboards); several would need a shared database.
        replicas: 1,
        persistence: { enabled: true, storageClassName: a.storageClass, size: a.settings.storageSize },
        // A second pod cannot mount the volume before the first lets go of it.
        deploymentStrategy: { type: "Recreate" },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
        "grafana.ini": {
            server: { root_url: a.url },
            "auth.generic_oauth": genericOauth(a.oidc),
            analytics: { reporting_enabled: false, check_for_updates: false },
        },
        extraSecretMounts: [{ name: "oauth", secretName: GRAFANA_OAUTH_SECRET, defaultMode: 0o440, mountPath: GRAFANA_OAUTH_MOUNT, readOnly: true }],
        datasources: { "datasources.yaml": { apiVersion: 1, datasources: datasources(a.namespace) } },
        sidecar: { dashboards: { enabled: true, label: DASHBOARD_LABEL, labelValue: "1", searchNamespace: a.namespace, provider: { folder: "Platform" } } },
        resources: requests(a.settings.requests),
        testFramework: { enabled: false },
        serviceMonitor: { enabled: true },
    };
}
