// Alerts for the platform itself, as PrometheusRule groups. Each expression names metrics of the component it
// watches at its pinned version (kube-state-metrics, kubelet, cert-manager, Velero, Vault, Karpenter, external-dns,
// Envoy, Loki).

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly severity: "critical" | "warning";
    readonly summary: string;
}

export const PLATFORM_ALERTS: readonly AlertRule[] = [
    { alert: "PlatformNodeNotReady", expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0', for: "10m", severity: "critical", summary: "Node {{ $labels.node }} has not been Ready for 10 minutes." },
    {
        alert: "PlatformVolumeFilling",
        expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10 and kubelet_volume_stats_used_bytes > 0",
        for: "15m",
        severity: "warning",
        summary: "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% space left.",
    },
    {
        alert: "PlatformCertificateExpiring",
        expr: "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
        for: "1h",
        severity: "warning",
        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days (renewal is failing).",
    },
    { alert: "PlatformBackupFailed", expr: "increase(velero_backup_failure_total[1h]) > 0", for: "0m", severity: "critical", summary: "A Velero backup of schedule {{ $labels.schedule }} failed." },
    {
        alert: "PlatformBackupMissing",
        expr: 'time() - velero_backup_last_successful_timestamp{schedule!=""} > 26 * 3600',
        for: "30m",
        severity: "critical",
        summary: "Schedule {{ $labels.schedule }} has had no successful backup for more than 26 hours.",
    },
    {
        alert: "PlatformVaultSealed",
        // A sealed server may publish no metrics at all: its failing scrape counts too.
        expr: 'vault_core_unsealed == 0 or up{namespace="vault"} == 0',
        for: "5m",
        severity: "critical",
        summary: "Vault server {{ $labels.pod }} is sealed or not answering.",
    },
    {
        alert: "PlatformKarpenterCannotLaunch",
        expr: 'sum by (nodepool) (increase(karpenter_nodeclaims_terminated_total{reason="launch_failed"}[15m])) > 0 or sum(increase(karpenter_cloudprovider_errors_total{method="Create"}[15m])) > 0',
        for: "15m",
        severity: "warning",
        summary: "Karpenter fails to launch nodes (capacity, quotas or permissions).",
    },
    {
        alert: "PlatformExternalDnsErrors",
        expr: "increase(external_dns_registry_errors_total[15m]) > 0 or increase(external_dns_source_errors_total[15m]) > 0",
        for: "15m",
        severity: "warning",
        summary: "external-dns cannot read sources or write records: published names may be stale.",
    },
    {
        alert: "PlatformGateway5xx",
        expr: 'sum(rate(envoy_http_downstream_rq_xx{envoy_response_code_class="5"}[5m])) / sum(rate(envoy_http_downstream_rq_total[5m])) > 0.05',
        for: "10m",
        severity: "warning",
        summary: "More than 5% of requests through the shared gateway end in 5xx.",
    },
    {
        alert: "PlatformLogIngestionFailing",
        expr: 'sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push|otlp_v1_logs",status_code=~"5.."}[5m])) > 0 or sum(rate(loki_write_dropped_entries_total[5m])) > 0',
        for: "10m",
        severity: "critical",
        summary: "Loki refuses pushes or the collectors drop log entries.",
    },
];

export function platformRuleSpec(namespace: string) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "platform-alerts", namespace },
        spec: {
            groups: [
                {
                    name: "platform",
                    rules: PLATFORM_ALERTS.map((r) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: { severity: r.severity }, annotations: { summary: r.summary } })),
                },
            ],
        },
    };
}
