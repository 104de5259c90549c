// Names the observability layer fixes (charts derive their objects from the release names).

export const PROMETHEUS_STACK_REPOSITORY = "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack";
/** Grafana's OSS charts moved to the community organisation in 2026 (the grafana/ repository keeps enterprise ones). */
export const GRAFANA_COMMUNITY_REPOSITORY = "oci://ghcr.io/grafana-community/helm-charts";
export const GRAFANA_REPOSITORY = "https://grafana.github.io/helm-charts";
export const OTEL_REPOSITORY = "https://open-telemetry.github.io/opentelemetry-helm-charts";

export const RELEASES = {
    prometheusStack: "kube-prometheus-stack",
    loki: "loki",
    tempo: "tempo",
    grafana: "grafana",
    alloy: "alloy",
    alloyEvents: "alloy-events",
    otelCollector: "otel-collector",
} as const;

/** Services the charts create for those release names, and their ports. */
export const PROMETHEUS_SERVICE = "kube-prometheus-stack-prometheus";
export const LOKI_GATEWAY_SERVICE = "loki-gateway";
export const TEMPO_SERVICE = "tempo";
export const GRAFANA_SERVICE = "grafana";
/** The OpenTelemetry collector chart names its objects <release>-opentelemetry-collector. */
export const OTEL_SERVICE = "otel-collector-opentelemetry-collector";

export const LOKI_SERVICE_ACCOUNT = "loki";
export const TEMPO_SERVICE_ACCOUNT = "tempo";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_OAUTH_SECRET = "grafana-oauth";
export const GRAFANA_OAUTH_MOUNT = "/etc/secrets/oauth";
export const ALERT_RECEIVER_SECRET = "alert-receiver";
/** Alertmanager mounts each of `alertmanagerSpec.secrets` here. */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/** Datasource uids the dashboards and the cross-links name. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", tempo: "tempo" } as const;
