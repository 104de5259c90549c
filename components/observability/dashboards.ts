// The platform's dashboards as code: a few panels each, on the metrics the scrape targets provide.
import { DATASOURCE_UIDS } from "./constants";

export interface Panel {
    readonly title: string;
    readonly expr: string;
    readonly unit?: string;
    readonly legend?: string;
}

export interface DashboardSpec {
    /** A component the stack may not run: the dashboard exists only with it. */
    readonly requires?: "karpenter" | "backup";
    readonly uid: string;
    readonly title: string;
    readonly panels: readonly Panel[];
}

export const PLATFORM_DASHBOARDS: readonly DashboardSpec[] = [
    {
        uid: "platform-capacity",
        title: "Platform / Cluster capacity",
        panels: [
            { title: "CPU requested / allocatable", expr: 'sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})', unit: "percentunit" },
            { title: "Memory requested / allocatable", expr: 'sum(kube_pod_container_resource_requests{resource="memory"}) / sum(kube_node_status_allocatable{resource="memory"})', unit: "percentunit" },
            { title: "Nodes by zone", expr: 'count by (label_topology_kubernetes_io_zone) (kube_node_labels)', legend: "{{label_topology_kubernetes_io_zone}}" },
            { title: "Pods not running", expr: 'sum by (namespace) (kube_pod_status_phase{phase=~"Pending|Failed|Unknown"})', legend: "{{namespace}}" },
        ],
    },
    {
        requires: "karpenter",
        uid: "platform-karpenter",
        title: "Platform / Karpenter",
        panels: [
            { title: "Nodes by node pool", expr: "sum by (nodepool) (karpenter_nodes_allocatable{resource_type=\"cpu\"} > bool 0)", legend: "{{nodepool}}" },
            { title: "Node claims created", expr: "sum by (nodepool) (increase(karpenter_nodeclaims_created_total[1h]))", legend: "{{nodepool}}" },
            { title: "Disruptions", expr: "sum by (reason) (increase(karpenter_nodeclaims_disrupted_total[1h]))", legend: "{{reason}}" },
            { title: "Cloud provider errors", expr: "sum by (method) (rate(karpenter_cloudprovider_errors_total[5m]))", legend: "{{method}}" },
        ],
    },
    {
        uid: "platform-gateway",
        title: "Platform / Gateway traffic",
        panels: [
            { title: "Requests per second", expr: "sum(rate(envoy_http_downstream_rq_total[5m]))", unit: "reqps" },
            { title: "Responses by class", expr: "sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx[5m]))", legend: "{{envoy_response_code_class}}xx", unit: "reqps" },
            { title: "5xx ratio", expr: 'sum(rate(envoy_http_downstream_rq_xx{envoy_response_code_class="5"}[5m])) / sum(rate(envoy_http_downstream_rq_total[5m]))', unit: "percentunit" },
            { title: "p99 latency", expr: "histogram_quantile(0.99, sum by (le) (rate(envoy_http_downstream_rq_time_bucket[5m])))", unit: "ms" },
        ],
    },
    {
        requires: "backup",
        uid: "platform-velero",
        title: "Platform / Velero backups",
        panels: [
            { title: "Hours since last successful backup", expr: '(time() - velero_backup_last_successful_timestamp{schedule!=""}) / 3600', legend: "{{schedule}}", unit: "h" },
            { title: "Backups succeeded (24h)", expr: "sum by (schedule) (increase(velero_backup_success_total[24h]))", legend: "{{schedule}}" },
            { title: "Backups failed (24h)", expr: "sum by (schedule) (increase(velero_backup_failure_total[24h]))", legend: "{{schedule}}" },
            { title: "Backup duration p95", expr: "histogram_quantile(0.95, sum by (le, schedule) (rate(velero_backup_duration_seconds_bucket[24h])))", legend: "{{schedule}}", unit: "s" },
        ],
    },
    {
        uid: "platform-vault",
        title: "Platform / Vault",
        panels: [
            { title: "Unsealed servers", expr: "sum(vault_core_unsealed)" },
            { title: "Active server", expr: "vault_core_active", legend: "{{pod}}" },
            { title: "Requests per second", expr: "sum(rate(vault_core_handle_request_count[5m]))", unit: "reqps" },
            { title: "Tokens", expr: "sum(vault_token_count)" },
        ],
    },
];

/** A Grafana dashboard model: one time-series panel per query, two per row. */
export function dashboardJson(d: DashboardSpec): string {
    return JSON.stringify({
        uid: d.uid,
        title: d.title,
        tags: ["platform"],
        schemaVersion: 39,
        time: { from: "now-6h", to: "now" },
        refresh: "1m",
        panels: d.panels.map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            datasource: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
            fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
            targets: [{ refId: "A", expr: p.expr, legendFormat: p.legend ?? "__auto", datasource: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus } }],
        })),
    });
}
