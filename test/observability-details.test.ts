// The production plan's observability layer in full: every chart's values, the alerts, the dashboards, the monitors,
// the buckets' lifecycles and the workload identities. A snapshot written out once and
// reviewed, so any change to what is deployed shows up as a reviewed change to this file.
import * as assert from "assert";
import { inputs } from "./helpers";
import { describePlan } from "./plans";

/** What platformPods: SystemNodes adds to each of a chart's pod components: the System nodes' label and taint. */
const ON_SYSTEM = {"nodeSelector": {"platform.io/node-role": "system"}, "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}]};

/** Inputs by resource name; dashboards' JSON and IAM documents parsed. */
const PROD_INPUTS: Record<string, Record<string, any>> = {
    "platform-observability-grafana-admin-password": {"length": 32, "special": false},
    "platform-observability-namespace": {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "labels": {
                "platform.io/namespace-role": "platform",
                "pod-security.kubernetes.io/enforce": "privileged",
                "pod-security.kubernetes.io/warn": "restricted",
            },
            "name": "monitoring",
        },
    },
    "platform-observability-dashboard-platform-capacity": {
        "apiVersion": "v1",
        "data": {
            "platform-capacity.json": {
                "uid": "platform-capacity",
                "title": "Platform / Cluster capacity",
                "tags": ["platform"],
                "schemaVersion": 39,
                "time": {"from": "now-6h", "to": "now"},
                "refresh": "1m",
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "CPU requested / allocatable",
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(kube_pod_container_resource_requests{resource=\"cpu\"}) / sum(kube_node_status_allocatable{resource=\"cpu\"})",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 2,
                        "type": "timeseries",
                        "title": "Memory requested / allocatable",
                        "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(kube_pod_container_resource_requests{resource=\"memory\"}) / sum(kube_node_status_allocatable{resource=\"memory\"})",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 3,
                        "type": "timeseries",
                        "title": "Nodes by zone",
                        "gridPos": {"x": 0, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "count by (label_topology_kubernetes_io_zone) (kube_node_labels)",
                                "legendFormat": "{{label_topology_kubernetes_io_zone}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 4,
                        "type": "timeseries",
                        "title": "Pods not running",
                        "gridPos": {"x": 12, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (namespace) (kube_pod_status_phase{phase=~\"Pending|Failed|Unknown\"})",
                                "legendFormat": "{{namespace}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                ],
            },
        },
        "kind": "ConfigMap",
        "metadata": {"labels": {"grafana_dashboard": "1"}, "name": "platform-capacity", "namespace": "monitoring"},
    },
    "platform-observability-dashboard-platform-karpenter": {
        "apiVersion": "v1",
        "data": {
            "platform-karpenter.json": {
                "uid": "platform-karpenter",
                "title": "Platform / Karpenter",
                "tags": ["platform"],
                "schemaVersion": 39,
                "time": {"from": "now-6h", "to": "now"},
                "refresh": "1m",
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "Nodes by node pool",
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (nodepool) (karpenter_nodes_allocatable{resource_type=\"cpu\"} > bool 0)",
                                "legendFormat": "{{nodepool}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 2,
                        "type": "timeseries",
                        "title": "Node claims created",
                        "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (nodepool) (increase(karpenter_nodeclaims_created_total[1h]))",
                                "legendFormat": "{{nodepool}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 3,
                        "type": "timeseries",
                        "title": "Disruptions",
                        "gridPos": {"x": 0, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (reason) (increase(karpenter_nodeclaims_disrupted_total[1h]))",
                                "legendFormat": "{{reason}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 4,
                        "type": "timeseries",
                        "title": "Cloud provider errors",
                        "gridPos": {"x": 12, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (method) (rate(karpenter_cloudprovider_errors_total[5m]))",
                                "legendFormat": "{{method}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                ],
            },
        },
        "kind": "ConfigMap",
        "metadata": {"labels": {"grafana_dashboard": "1"}, "name": "platform-karpenter", "namespace": "monitoring"},
    },
    "platform-observability-dashboard-platform-gateway": {
        "apiVersion": "v1",
        "data": {
            "platform-gateway.json": {
                "uid": "platform-gateway",
                "title": "Platform / Gateway traffic",
                "tags": ["platform"],
                "schemaVersion": 39,
                "time": {"from": "now-6h", "to": "now"},
                "refresh": "1m",
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "Requests per second",
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(rate(envoy_http_downstream_rq_total[5m]))",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 2,
                        "type": "timeseries",
                        "title": "Responses by class",
                        "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx[5m]))",
                                "legendFormat": "{{envoy_response_code_class}}xx",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 3,
                        "type": "timeseries",
                        "title": "5xx ratio",
                        "gridPos": {"x": 0, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(rate(envoy_http_downstream_rq_xx{envoy_response_code_class=\"5\"}[5m])) / sum(rate(envoy_http_downstream_rq_total[5m]))",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 4,
                        "type": "timeseries",
                        "title": "p99 latency",
                        "gridPos": {"x": 12, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "ms"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "histogram_quantile(0.99, sum by (le) (rate(envoy_http_downstream_rq_time_bucket[5m])))",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                ],
            },
        },
        "kind": "ConfigMap",
        "metadata": {"labels": {"grafana_dashboard": "1"}, "name": "platform-gateway", "namespace": "monitoring"},
    },
    "platform-observability-dashboard-platform-velero": {
        "apiVersion": "v1",
        "data": {
            "platform-velero.json": {
                "uid": "platform-velero",
                "title": "Platform / Velero backups",
                "tags": ["platform"],
                "schemaVersion": 39,
                "time": {"from": "now-6h", "to": "now"},
                "refresh": "1m",
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "Hours since last successful backup",
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "h"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "(time() - velero_backup_last_successful_timestamp{schedule!=\"\"}) / 3600",
                                "legendFormat": "{{schedule}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 2,
                        "type": "timeseries",
                        "title": "Backups succeeded (24h)",
                        "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (schedule) (increase(velero_backup_success_total[24h]))",
                                "legendFormat": "{{schedule}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 3,
                        "type": "timeseries",
                        "title": "Backups failed (24h)",
                        "gridPos": {"x": 0, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum by (schedule) (increase(velero_backup_failure_total[24h]))",
                                "legendFormat": "{{schedule}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 4,
                        "type": "timeseries",
                        "title": "Backup duration p95",
                        "gridPos": {"x": 12, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "s"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "histogram_quantile(0.95, sum by (le, schedule) (rate(velero_backup_duration_seconds_bucket[24h])))",
                                "legendFormat": "{{schedule}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                ],
            },
        },
        "kind": "ConfigMap",
        "metadata": {"labels": {"grafana_dashboard": "1"}, "name": "platform-velero", "namespace": "monitoring"},
    },
    "platform-observability-dashboard-platform-vault": {
        "apiVersion": "v1",
        "data": {
            "platform-vault.json": {
                "uid": "platform-vault",
                "title": "Platform / Vault",
                "tags": ["platform"],
                "schemaVersion": 39,
                "time": {"from": "now-6h", "to": "now"},
                "refresh": "1m",
                "panels": [
                    {
                        "id": 1,
                        "type": "timeseries",
                        "title": "Unsealed servers",
                        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(vault_core_unsealed)",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 2,
                        "type": "timeseries",
                        "title": "Active server",
                        "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "vault_core_active",
                                "legendFormat": "{{pod}}",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 3,
                        "type": "timeseries",
                        "title": "Requests per second",
                        "gridPos": {"x": 0, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(rate(vault_core_handle_request_count[5m]))",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                    {
                        "id": 4,
                        "type": "timeseries",
                        "title": "Tokens",
                        "gridPos": {"x": 12, "y": 8, "w": 12, "h": 8},
                        "datasource": {"type": "prometheus", "uid": "prometheus"},
                        "fieldConfig": {"defaults": {"unit": "short"}, "overrides": []},
                        "targets": [
                            {
                                "refId": "A",
                                "expr": "sum(vault_token_count)",
                                "legendFormat": "__auto",
                                "datasource": {"type": "prometheus", "uid": "prometheus"},
                            },
                        ],
                    },
                ],
            },
        },
        "kind": "ConfigMap",
        "metadata": {"labels": {"grafana_dashboard": "1"}, "name": "platform-vault", "namespace": "monitoring"},
    },
    "platform-observability-alert-receiver": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "alert-receiver", "namespace": "monitoring"},
        "stringData": "[secret]",
    },
    "platform-observability-grafana-admin": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "grafana-admin", "namespace": "monitoring"},
        "stringData": "[secret]",
    },
    "platform-observability-grafana-oauth": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "grafana-oauth", "namespace": "monitoring"},
        "stringData": "[secret]",
    },
    "platform-observability-prometheus-stack": {
        "chart": "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack",
        "compat": "true",
        "maxHistory": 5,
        "name": "kube-prometheus-stack",
        "namespace": "monitoring",
        "values": {
            "alertmanager": {
                "alertmanagerSpec": {
                    ...ON_SYSTEM,
                    "replicas": 2,
                    "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "20m", "memory": "128Mi"}},
                    "secrets": ["alert-receiver"],
                    "storage": {
                        "volumeClaimTemplate": {
                            "spec": {
                                "accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "5Gi"}},
                                "storageClassName": "gp3-retain",
                            },
                        },
                    },
                    "topologySpreadConstraints": [
                        {
                            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}},
                            "maxSkew": 1,
                            "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "DoNotSchedule",
                        },
                    ],
                },
                "config": {
                    "receivers": [
                        {"name": "null"},
                        {
                            "name": "platform",
                            "slack_configs": [
                                {
                                    "api_url_file": "/etc/alertmanager/secrets/alert-receiver/secret",
                                    "channel": "#platform-alerts",
                                    "send_resolved": true,
                                },
                            ],
                        },
                    ],
                    "route": {
                        "group_by": ["alertname", "namespace"],
                        "group_interval": "5m",
                        "group_wait": "30s",
                        "receiver": "platform",
                        "repeat_interval": "4h",
                        "routes": [
                            {"matchers": ["alertname = \"Watchdog\""], "receiver": "null"},
                            {"matchers": ["alertname = \"InfoInhibitor\""], "receiver": "null"},
                        ],
                    },
                },
            },
            "crds": {"upgradeJob": {"enabled": true, ...ON_SYSTEM}},
            "defaultRules": {
                "rules": {
                    "etcd": false,
                    "kubeControllerManager": false,
                    "kubeProxy": false,
                    "kubeSchedulerAlerting": false,
                    "kubeSchedulerRecording": false,
                },
            },
            "grafana": {"enabled": false},
            "kube-state-metrics": {...ON_SYSTEM, "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "10m", "memory": "256Mi"}}},
            "kubeControllerManager": {"enabled": false},
            "kubeEtcd": {"enabled": false},
            "kubeProxy": {"enabled": false},
            "kubeScheduler": {"enabled": false},
            "prometheus": {
                "prometheusSpec": {
                    ...ON_SYSTEM,
                    "enableOTLPReceiver": true,
                    "enableRemoteWriteReceiver": true,
                    "podMonitorSelectorNilUsesHelmValues": false,
                    "probeSelectorNilUsesHelmValues": false,
                    "replicas": 2,
                    "resources": {"limits": {"memory": "4Gi"}, "requests": {"cpu": "1", "memory": "4Gi"}},
                    "retention": "30d",
                    "ruleSelectorNilUsesHelmValues": false,
                    "scrapeConfigSelectorNilUsesHelmValues": false,
                    "serviceMonitorSelectorNilUsesHelmValues": false,
                    "storageSpec": {
                        "volumeClaimTemplate": {
                            "spec": {
                                "accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "200Gi"}},
                                "storageClassName": "gp3-retain",
                            },
                        },
                    },
                    "topologySpreadConstraints": [
                        {
                            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                            "maxSkew": 1,
                            "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "DoNotSchedule",
                        },
                    ],
                },
            },
            "prometheus-node-exporter": {"resources": {"limits": {"memory": "32Mi"}, "requests": {"cpu": "10m", "memory": "32Mi"}}, "tolerations": [{"effect": "NoSchedule", "operator": "Exists"}, {"effect": "NoExecute", "key": "platform.io/builder", "operator": "Equal", "value": "true"}]},
            "prometheusOperator": {
                ...ON_SYSTEM,
                "admissionWebhooks": {"deployment": ON_SYSTEM, "patch": ON_SYSTEM},
                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
            },
            // Off in the chart; placed all the same, should it be turned on.
            "thanosRuler": {"thanosRulerSpec": ON_SYSTEM},
        },
        "version": "88.5.3",
    },
    "platform-observability-platform-alerts": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "platform-alerts", "namespace": "monitoring"},
        "spec": {
            "groups": [
                {
                    "name": "platform",
                    "rules": [
                        {
                            "alert": "PlatformNodeNotReady",
                            "annotations": {"summary": "Node {{ $labels.node }} has not been Ready for 10 minutes."},
                            "expr": "kube_node_status_condition{condition=\"Ready\",status=\"true\"} == 0",
                            "for": "10m",
                            "labels": {"severity": "critical"},
                        },
                        {
                            "alert": "PlatformVolumeFilling",
                            "annotations": {
                                "summary": "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% space left.",
                            },
                            "expr": "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10 and kubelet_volume_stats_used_bytes > 0",
                            "for": "15m",
                            "labels": {"severity": "warning"},
                        },
                        {
                            "alert": "PlatformCertificateExpiring",
                            "annotations": {
                                "summary": "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days (renewal is failing).",
                            },
                            "expr": "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
                            "for": "1h",
                            "labels": {"severity": "warning"},
                        },
                        {
                            "alert": "PlatformBackupFailed",
                            "annotations": {"summary": "A Velero backup of schedule {{ $labels.schedule }} failed."},
                            "expr": "increase(velero_backup_failure_total[1h]) > 0",
                            "for": "0m",
                            "labels": {"severity": "critical"},
                        },
                        {
                            "alert": "PlatformBackupMissing",
                            "annotations": {"summary": "Schedule {{ $labels.schedule }} has had no successful backup for more than 26 hours."},
                            "expr": "time() - velero_backup_last_successful_timestamp{schedule!=\"\"} > 26 * 3600",
                            "for": "30m",
                            "labels": {"severity": "critical"},
                        },
                        {
                            "alert": "PlatformVaultSealed",
                            "annotations": {"summary": "Vault server {{ $labels.pod }} is sealed or not answering."},
                            "expr": "vault_core_unsealed == 0 or up{namespace=\"vault\"} == 0",
                            "for": "5m",
                            "labels": {"severity": "critical"},
                        },
                        {
                            "alert": "PlatformKarpenterCannotLaunch",
                            "annotations": {"summary": "Karpenter fails to launch nodes (capacity, quotas or permissions)."},
                            "expr": "sum by (nodepool) (increase(karpenter_nodeclaims_terminated_total{reason=\"launch_failed\"}[15m])) > 0 or sum(increase(karpenter_cloudprovider_errors_total{method=\"Create\"}[15m])) > 0",
                            "for": "15m",
                            "labels": {"severity": "warning"},
                        },
                        {
                            "alert": "PlatformExternalDnsErrors",
                            "annotations": {"summary": "external-dns cannot read sources or write records: published names may be stale."},
                            "expr": "increase(external_dns_registry_errors_total[15m]) > 0 or increase(external_dns_source_errors_total[15m]) > 0",
                            "for": "15m",
                            "labels": {"severity": "warning"},
                        },
                        {
                            "alert": "PlatformGateway5xx",
                            "annotations": {"summary": "More than 5% of requests through the shared gateway end in 5xx."},
                            "expr": "sum(rate(envoy_http_downstream_rq_xx{envoy_response_code_class=\"5\"}[5m])) / sum(rate(envoy_http_downstream_rq_total[5m])) > 0.05",
                            "for": "10m",
                            "labels": {"severity": "warning"},
                        },
                        {
                            "alert": "PlatformLogIngestionFailing",
                            "annotations": {"summary": "Loki refuses pushes or the collectors drop log entries."},
                            "expr": "sum(rate(loki_request_duration_seconds_count{route=~\"loki_api_v1_push|otlp_v1_logs\",status_code=~\"5..\"}[5m])) > 0 or sum(rate(loki_write_dropped_entries_total[5m])) > 0",
                            "for": "10m",
                            "labels": {"severity": "critical"},
                        },
                    ],
                },
            ],
        },
    },
    "platform-observability-grafana": {
        "chart": "oci://ghcr.io/grafana-community/helm-charts/grafana",
        "compat": "true",
        "maxHistory": 5,
        "name": "grafana",
        "namespace": "monitoring",
        "values": {
            "admin": {"existingSecret": "grafana-admin", "passwordKey": "admin-password", "userKey": "admin-user"},
            "datasources": {
                "datasources.yaml": {
                    "apiVersion": 1,
                    "datasources": [
                        {
                            "access": "proxy",
                            "isDefault": true,
                            "jsonData": {"exemplarTraceIdDestinations": [{"datasourceUid": "tempo", "name": "trace_id"}]},
                            "name": "Prometheus",
                            "type": "prometheus",
                            "uid": "prometheus",
                            "url": "http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
                        },
                        {
                            "access": "proxy",
                            "jsonData": {
                                "derivedFields": [
                                    {
                                        "datasourceUid": "tempo",
                                        "matcherRegex": "(?:trace_?[iI][dD])\"?[:=]\"?(\\w+)",
                                        "name": "trace_id",
                                        "url": "${__value.raw}",
                                    },
                                    {
                                        "datasourceUid": "tempo",
                                        "matcherRegex": "trace_id",
                                        "matcherType": "label",
                                        "name": "trace_id (OTLP)",
                                        "url": "${__value.raw}",
                                    },
                                ],
                            },
                            "name": "Loki",
                            "type": "loki",
                            "uid": "loki",
                            "url": "http://loki-gateway.monitoring.svc:80",
                        },
                        {
                            "access": "proxy",
                            "jsonData": {
                                "lokiSearch": {"datasourceUid": "loki"},
                                "nodeGraph": {"enabled": true},
                                "serviceMap": {"datasourceUid": "prometheus"},
                                "tracesToLogsV2": {
                                    "customQuery": false,
                                    "datasourceUid": "loki",
                                    "filterByTraceID": true,
                                    "spanEndTimeShift": "5m",
                                    "spanStartTimeShift": "-5m",
                                },
                                "tracesToMetrics": {"datasourceUid": "prometheus"},
                            },
                            "name": "Tempo",
                            "type": "tempo",
                            "uid": "tempo",
                            "url": "http://tempo.monitoring.svc:3200",
                        },
                    ],
                },
            },
            "deploymentStrategy": {"type": "Recreate"},
            "extraSecretMounts": [
                {"defaultMode": 288, "mountPath": "/etc/secrets/oauth", "name": "oauth", "readOnly": true, "secretName": "grafana-oauth"},
            ],
            ...ON_SYSTEM,
            "imageRenderer": ON_SYSTEM,
            "grafana.ini": {
                "analytics": {"check_for_updates": false, "reporting_enabled": false},
                "auth.generic_oauth": {
                    "allow_assign_grafana_admin": false,
                    "allow_sign_up": true,
                    "api_url": "https://sso.platform.acme.example/realms/platform/protocol/openid-connect/userinfo",
                    "auth_url": "https://sso.platform.acme.example/realms/platform/protocol/openid-connect/auth",
                    "client_id": "grafana",
                    "client_secret": "$__file{/etc/secrets/oauth/client-secret}",
                    "enabled": true,
                    "groups_attribute_path": "groups",
                    "login_attribute_path": "preferred_username",
                    "name": "Platform SSO",
                    "role_attribute_path": "contains(groups[*], 'platform-admins') && 'Admin' || contains(groups[*], 'platform-viewers') && 'Viewer'",
                    "role_attribute_strict": true,
                    "scopes": "openid profile email",
                    "token_url": "https://sso.platform.acme.example/realms/platform/protocol/openid-connect/token",
                    "use_pkce": true,
                },
                "server": {"root_url": "https://grafana.platform.acme.example"},
            },
            "persistence": {"enabled": true, "size": "10Gi", "storageClassName": "gp3-retain"},
            "replicas": 1,
            "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
            "serviceMonitor": {"enabled": true},
            "sidecar": {
                "dashboards": {
                    "enabled": true,
                    "label": "grafana_dashboard",
                    "labelValue": "1",
                    "provider": {"folder": "Platform"},
                    "searchNamespace": "monitoring",
                },
            },
            "testFramework": {"enabled": false},
        },
        "version": "12.11.1",
    },
    "platform-observability-loki": {
        "chart": "oci://ghcr.io/grafana-community/helm-charts/loki",
        "compat": "true",
        "maxHistory": 5,
        "name": "loki",
        "namespace": "monitoring",
        "values": {
            "backend": {...ON_SYSTEM, "replicas": 0},
            "bloomBuilder": {...ON_SYSTEM, "replicas": 0},
            "bloomGateway": {...ON_SYSTEM, "replicas": 0},
            "bloomPlanner": {...ON_SYSTEM, "replicas": 0},
            "chunksCache": {...ON_SYSTEM, "enabled": false, "l2": ON_SYSTEM},
            "compactor": {...ON_SYSTEM, "replicas": 1, "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}}},
            "defaults": ON_SYSTEM,
            "deploymentMode": "Distributed",
            "distributor": {
                ...ON_SYSTEM,
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "distributor", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
            },
            "gateway": {...ON_SYSTEM, "replicas": 3},
            "indexGateway": {
                ...ON_SYSTEM,
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "index-gateway", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
            },
            "ingester": {
                ...ON_SYSTEM,
                "persistence": {"claims": [{"accessModes": ["ReadWriteOnce"], "name": "data", "size": "20Gi", "storageClass": "gp3-retain"}], "enabled": true},
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "ingester", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
                // The chart gives each zone's pods the zone's nodeSelector alone: the System label is in each.
                "zoneAwareReplication": {
                    "enabled": true,
                    "zoneA": {"nodeSelector": {"platform.io/node-role": "system", "topology.kubernetes.io/zone": "eu-west-1a"}},
                    "zoneB": {"nodeSelector": {"platform.io/node-role": "system", "topology.kubernetes.io/zone": "eu-west-1b"}},
                    "zoneC": {"nodeSelector": {"platform.io/node-role": "system", "topology.kubernetes.io/zone": "eu-west-1c"}},
                },
            },
            "loki": {
                "auth_enabled": false,
                "commonConfig": {"replication_factor": 3},
                "compactor": {"delete_request_store": "s3", "retention_enabled": true},
                "limits_config": {"retention_period": "2160h"},
                "schemaConfig": {
                    "configs": [
                        {
                            "from": "2026-01-01",
                            "index": {"period": "24h", "prefix": "loki_index_"},
                            "object_store": "s3",
                            "schema": "v13",
                            "store": "tsdb",
                        },
                    ],
                },
                "storage": {
                    "bucketNames": {
                        "admin": "acme-prod-loki-222222222222-eu-west-1",
                        "chunks": "acme-prod-loki-222222222222-eu-west-1",
                        "ruler": "acme-prod-loki-222222222222-eu-west-1",
                    },
                    "s3": {"region": "eu-west-1"},
                    "type": "s3",
                },
            },
            "lokiCanary": {"enabled": false},
            "monitoring": {"serviceMonitor": {"enabled": true}},
            "overridesExporter": ON_SYSTEM,
            "patternIngester": {...ON_SYSTEM, "replicas": 0},
            "querier": {
                ...ON_SYSTEM,
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "querier", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
            },
            "queryFrontend": {
                ...ON_SYSTEM,
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "query-frontend", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
            },
            "queryScheduler": {
                ...ON_SYSTEM,
                "replicas": 3,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
                "topologySpreadConstraints": [
                    {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "query-scheduler", "app.kubernetes.io/name": "loki"}},
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                ],
            },
            "read": {...ON_SYSTEM, "replicas": 0},
            "resultsCache": {...ON_SYSTEM, "enabled": false},
            "ruler": {...ON_SYSTEM, "enabled": false},
            "serviceAccount": {"create": true, "name": "loki"},
            "singleBinary": {
                ...ON_SYSTEM,
                "persistence": {"enabled": true, "size": "20Gi", "storageClass": "gp3-retain"},
                "replicas": 0,
                "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "250m", "memory": "1Gi"}},
            },
            "tableManager": ON_SYSTEM,
            "test": {"enabled": false},
            "write": {...ON_SYSTEM, "replicas": 0},
        },
        "version": "18.11.0",
    },
    "platform-observability-tempo": {
        "chart": "oci://ghcr.io/grafana-community/helm-charts/tempo",
        "compat": "true",
        "maxHistory": 5,
        "name": "tempo",
        "namespace": "monitoring",
        "values": {
            ...ON_SYSTEM,
            "persistence": {"enabled": true, "size": "20Gi", "storageClassName": "gp3-retain"},
            "replicas": 1,
            "serviceAccount": {
                "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::222222222222:role/platform-observability-tempo-identity-role"},
                "create": true,
                "name": "tempo",
            },
            "serviceMonitor": {"enabled": true},
            "tempo": {
                "metricsGenerator": {
                    "enabled": true,
                    "storage": {
                        "remote_write": [
                            {"url": "http://prometheus-kube-prometheus-stack-prometheus-0.prometheus-operated.monitoring.svc:9090/api/v1/write"},
                            {"url": "http://prometheus-kube-prometheus-stack-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/write"},
                        ],
                    },
                },
                "overrides": {"defaults": {"metrics_generator": {"processors": ["service-graphs", "span-metrics"]}}},
                "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}, "http": {"endpoint": "0.0.0.0:4318"}}}},
                "reportingEnabled": false,
                "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "2Gi"}},
                "retention": "336h",
                "storage": {
                    "trace": {
                        "backend": "s3",
                        "s3": {"bucket": "acme-prod-tempo-222222222222-eu-west-1", "endpoint": "s3.eu-west-1.amazonaws.com", "region": "eu-west-1"},
                        "wal": {"path": "/var/tempo/wal"},
                    },
                },
            },
            "tempoQuery": {"enabled": true},
        },
        "version": "2.2.4",
    },
    "platform-observability-alloy-events": {
        "chart": "alloy",
        "compat": "true",
        "maxHistory": 5,
        "name": "alloy-events",
        "namespace": "monitoring",
        "repositoryOpts": {"repo": "https://grafana.github.io/helm-charts"},
        "values": {
            "alloy": {
                "configMap": {
                    "content": "loki.source.kubernetes_events \"cluster\" {\n  job_name   = \"kubernetes-events\"\n  log_format = \"json\"\n  forward_to = [loki.write.default.receiver]\n}\n\nloki.write \"default\" {\n  endpoint {\n    url = \"http://loki-gateway.monitoring.svc/loki/api/v1/push\"\n  }\n}\n",
                    "create": true,
                },
                "enableReporting": false,
                "extraEnv": [],
                "mounts": {"dockercontainers": false, "varlog": false},
                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
            },
            "controller": {...ON_SYSTEM, "replicas": 1, "type": "deployment"},
            "crds": {"create": false},
            "rbac": {"create": true, "rules": [{"apiGroups": [""], "resources": ["pods", "namespaces", "events"], "verbs": ["get", "list", "watch"]}]},
            "serviceMonitor": {"enabled": true},
        },
        "version": "1.11.1",
    },
    "platform-observability-alloy": {
        "chart": "alloy",
        "compat": "true",
        "maxHistory": 5,
        "name": "alloy",
        "namespace": "monitoring",
        "repositoryOpts": {"repo": "https://grafana.github.io/helm-charts"},
        "values": {
            "alloy": {
                "configMap": {
                    "content": "discovery.kubernetes \"pods\" {\n  role = \"pod\"\n  selectors {\n    role  = \"pod\"\n    field = \"spec.nodeName=\" + sys.env(\"NODE_NAME\")\n  }\n}\n\ndiscovery.relabel \"pod_logs\" {\n  targets = discovery.kubernetes.pods.targets\n  rule {\n    source_labels = [\"__meta_kubernetes_namespace\"]\n    target_label  = \"namespace\"\n  }\n  rule {\n    source_labels = [\"__meta_kubernetes_pod_name\"]\n    target_label  = \"pod\"\n  }\n  rule {\n    source_labels = [\"__meta_kubernetes_pod_container_name\"]\n    target_label  = \"container\"\n  }\n  rule {\n    source_labels = [\"__meta_kubernetes_pod_label_app_kubernetes_io_name\"]\n    target_label  = \"app\"\n  }\n  rule {\n    source_labels = [\"__meta_kubernetes_pod_node_name\"]\n    target_label  = \"node\"\n  }\n  rule {\n    source_labels = [\"__meta_kubernetes_pod_uid\", \"__meta_kubernetes_pod_container_name\"]\n    separator     = \"/\"\n    target_label  = \"__path__\"\n    replacement   = \"/var/log/pods/*$1/*.log\"\n  }\n}\n\nlocal.file_match \"pod_logs\" {\n  path_targets = discovery.relabel.pod_logs.output\n}\n\nloki.source.file \"pod_logs\" {\n  targets    = local.file_match.pod_logs.targets\n  forward_to = [loki.process.pod_logs.receiver]\n}\n\nloki.process \"pod_logs\" {\n  stage.cri {}\n  stage.match {\n    selector = \"{namespace=\\\"vault\\\", container=\\\"vault\\\"} |~ `\\\"type\\\":\\\"(request|response)\\\"`\"\n    stage.static_labels {\n      values = { log_type = \"vault-audit\" }\n    }\n  }\n  forward_to = [loki.write.default.receiver]\n}\n\nloki.write \"default\" {\n  endpoint {\n    url = \"http://loki-gateway.monitoring.svc/loki/api/v1/push\"\n  }\n}\n",
                    "create": true,
                },
                "enableReporting": false,
                "extraEnv": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                "mounts": {"dockercontainers": false, "varlog": true},
                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
            },
            "controller": {"replicas": 1, "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}, {"effect": "NoExecute", "key": "platform.io/builder", "operator": "Equal", "value": "true"}], "type": "daemonset"},
            "crds": {"create": false},
            "rbac": {"create": true, "rules": [{"apiGroups": [""], "resources": ["pods", "namespaces", "events"], "verbs": ["get", "list", "watch"]}]},
            "serviceMonitor": {"enabled": true},
        },
        "version": "1.11.1",
    },
    "platform-observability-otel-collector": {
        "chart": "opentelemetry-collector",
        "compat": "true",
        "maxHistory": 5,
        "name": "otel-collector",
        "namespace": "monitoring",
        "repositoryOpts": {"repo": "https://open-telemetry.github.io/opentelemetry-helm-charts"},
        "values": {
            ...ON_SYSTEM,
            "clusterRole": {"create": true, "rules": [{"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]}]},
            "command": {"name": "otelcol-k8s"},
            "config": {
                "exporters": {
                    "otlp/tempo": {"endpoint": "tempo.monitoring.svc:4317", "tls": {"insecure": true}},
                    "otlphttp/loki": {"endpoint": "http://loki-gateway.monitoring.svc/otlp"},
                    "otlphttp/prometheus-0": {
                        "endpoint": "http://prometheus-kube-prometheus-stack-prometheus-0.prometheus-operated.monitoring.svc:9090/api/v1/otlp",
                    },
                    "otlphttp/prometheus-1": {
                        "endpoint": "http://prometheus-kube-prometheus-stack-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/otlp",
                    },
                },
                "processors": {
                    "attributes/untrusted-claims": {"actions": [{"action": "delete", "pattern": "^k8s\\."}]},
                    "k8s_attributes": {
                        "auth_type": "serviceAccount",
                        "extract": {"metadata": ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.node.name", "service.namespace"]},
                        "passthrough": false,
                        "pod_association": [{"sources": [{"from": "connection"}]}],
                        "wait_for_metadata": true,
                    },
                    "resource/unattributed": {
                        "attributes": [
                            {"action": "insert", "key": "k8s.namespace.name", "value": "(unattributed)"},
                            {"action": "insert", "key": "service.namespace", "value": "(unattributed)"},
                        ],
                    },
                    "resource/untrusted-claims": {"attributes": [{"action": "delete", "pattern": "^k8s\\."}, {"action": "delete", "key": "service.namespace"}]},
                },
                "receivers": {
                    "jaeger": null,
                    "otlp": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:4317"}, "http": {"endpoint": "${env:MY_POD_IP}:4318"}}},
                    "prometheus": null,
                    "zipkin": null,
                },
                "service": {
                    "pipelines": {
                        "logs": {"exporters": ["otlphttp/loki"], "processors": ["memory_limiter", "resource/untrusted-claims", "attributes/untrusted-claims", "k8s_attributes", "resource/unattributed", "batch"], "receivers": ["otlp"]},
                        "metrics": {
                            "exporters": ["otlphttp/prometheus-0", "otlphttp/prometheus-1"],
                            "processors": ["memory_limiter", "resource/untrusted-claims", "attributes/untrusted-claims", "k8s_attributes", "resource/unattributed", "batch"],
                            "receivers": ["otlp"],
                        },
                        "traces": {"exporters": ["otlp/tempo"], "processors": ["memory_limiter", "resource/untrusted-claims", "attributes/untrusted-claims", "k8s_attributes", "resource/unattributed", "batch"], "receivers": ["otlp"]},
                    },
                },
            },
            "image": {"repository": "otel/opentelemetry-collector-k8s", "tag": "0.158.0"},
            "mode": "deployment",
            "podDisruptionBudget": {"enabled": true, "maxUnavailable": 1},
            "ports": {
                "jaeger-compact": {"enabled": false},
                "jaeger-grpc": {"enabled": false},
                "jaeger-thrift": {"enabled": false},
                "metrics": {"enabled": true},
                "zipkin": {"enabled": false},
            },
            "replicaCount": 2,
            "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "200m", "memory": "512Mi"}},
            "serviceMonitor": {"enabled": true},
            "topologySpreadConstraints": [
                {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "opentelemetry-collector"}},
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                },
            ],
        },
        "version": "0.170.0",
    },
    "monitoring-grafana-route": {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {
            "annotations": {"pulumi.com/waitFor": "jsonpath={.status.parents[0].conditions[?(@.type==\"Accepted\")].status}=True"},
            "name": "grafana",
            "namespace": "monitoring",
        },
        "spec": {
            "hostnames": ["grafana.platform.acme.example"],
            "parentRefs": [
                {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "platform", "namespace": "platform-gateway", "sectionName": "https"},
            ],
            "rules": [
                {"backendRefs": [{"name": "grafana", "port": 80}], "matches": [{"path": {"type": "PathPrefix", "value": "/"}}]},
                {
                    "filters": [{"extensionRef": {"group": "gateway.envoyproxy.io", "kind": "HTTPRouteFilter", "name": "grafana-not-found"}, "type": "ExtensionRef"}],
                    "matches": [{"path": {"type": "PathPrefix", "value": "/metrics"}}],
                },
            ],
        },
    },
    "monitoring-grafana-not-found": {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "HTTPRouteFilter",
        "metadata": {"name": "grafana-not-found", "namespace": "monitoring"},
        "spec": {"directResponse": {"statusCode": 404}},
    },
    "platform-observability-monitor-karpenter": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-karpenter", "namespace": "kube-system"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "http-metrics"}],
            "namespaceSelector": {"matchNames": ["kube-system"]},
            "selector": {"matchLabels": {"app.kubernetes.io/name": "karpenter"}},
        },
    },
    "platform-observability-monitor-velero-node-agent": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-velero-node-agent", "namespace": "velero"},
        "spec": {
            "namespaceSelector": {"matchNames": ["velero"]},
            "podMetricsEndpoints": [{"interval": "30s", "path": "/metrics", "port": "http-monitoring"}],
            "selector": {"matchLabels": {"name": "node-agent"}},
        },
    },
    "platform-observability-monitor-approver-policy": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "labels": {"app.kubernetes.io/part-of": "platform-observability"},
            "name": "platform-approver-policy",
            "namespace": "cert-manager",
        },
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
            "namespaceSelector": {"matchNames": ["cert-manager"]},
            "selector": {"matchLabels": {"app": "cert-manager-approver-policy"}},
        },
    },
    "platform-observability-monitor-aws-load-balancer-controller": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {
            "labels": {"app.kubernetes.io/part-of": "platform-observability"},
            "name": "platform-aws-load-balancer-controller",
            "namespace": "kube-system",
        },
        "spec": {
            "namespaceSelector": {"matchNames": ["kube-system"]},
            "podMetricsEndpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics-server"}],
            "selector": {"matchLabels": {"app.kubernetes.io/name": "aws-load-balancer-controller"}},
        },
    },
    "platform-observability-monitor-envoy-gateway": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "labels": {"app.kubernetes.io/part-of": "platform-observability"},
            "name": "platform-envoy-gateway",
            "namespace": "envoy-gateway-system",
        },
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
            "namespaceSelector": {"matchNames": ["envoy-gateway-system"]},
            "selector": {"matchLabels": {"control-plane": "envoy-gateway"}},
        },
    },
    "platform-observability-monitor-arc-controller": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-arc-controller", "namespace": "arc-systems"},
        "spec": {
            "namespaceSelector": {"matchNames": ["arc-systems"]},
            "podMetricsEndpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
            "selector": {"matchLabels": {"app.kubernetes.io/name": "gha-rs-controller"}},
        },
    },
    "platform-observability-monitor-arc-listeners": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-arc-listeners", "namespace": "arc-systems"},
        "spec": {
            "namespaceSelector": {"matchNames": ["arc-systems"]},
            "podMetricsEndpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
            "selector": {"matchLabels": {"app.kubernetes.io/component": "runner-scale-set-listener"}},
        },
    },
    "platform-observability-monitor-velero": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-velero", "namespace": "velero"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "http-monitoring"}],
            "namespaceSelector": {"matchNames": ["velero"]},
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "velero", "app.kubernetes.io/name": "velero"}},
        },
    },
    "platform-observability-monitor-cert-manager": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-cert-manager", "namespace": "cert-manager"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "http-metrics"}],
            "namespaceSelector": {"matchNames": ["cert-manager"]},
            "selector": {"matchLabels": {"app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "cert-manager"}},
        },
    },
    "platform-observability-monitor-external-dns": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-external-dns", "namespace": "external-dns"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "http"}],
            "namespaceSelector": {"matchNames": ["external-dns"]},
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "external-dns", "app.kubernetes.io/name": "external-dns"}},
        },
    },
    "platform-observability-monitor-envoy-proxy": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {
            "labels": {"app.kubernetes.io/part-of": "platform-observability"},
            "name": "platform-envoy-proxy",
            "namespace": "envoy-gateway-system",
        },
        "spec": {
            "namespaceSelector": {"matchNames": ["envoy-gateway-system"]},
            "podMetricsEndpoints": [{"interval": "30s", "path": "/stats/prometheus", "port": "metrics"}],
            "selector": {"matchLabels": {"app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway"}},
        },
    },
    "platform-observability-monitor-external-secrets": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "labels": {"app.kubernetes.io/part-of": "platform-observability"},
            "name": "platform-external-secrets",
            "namespace": "external-secrets",
        },
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics"}],
            "namespaceSelector": {"matchNames": ["external-secrets"]},
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "external-secrets", "app.kubernetes.io/name": "external-secrets"}},
        },
    },
    "platform-observability-monitor-kyverno": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-kyverno", "namespace": "kyverno"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "metrics-port"}],
            "namespaceSelector": {"matchNames": ["kyverno"]},
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "kyverno", "app.kubernetes.io/part-of": "kyverno"}},
        },
    },
    "platform-observability-monitor-argocd": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-argocd", "namespace": "argocd"},
        "spec": {
            "endpoints": [{"interval": "30s", "path": "/metrics", "port": "http-metrics"}],
            "namespaceSelector": {"matchNames": ["argocd"]},
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "argocd", "app.kubernetes.io/part-of": "argocd"}},
        },
    },
    "platform-observability-monitor-keycloak": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-keycloak", "namespace": "keycloak"},
        "spec": {
            "endpoints": [
                {
                    "interval": "30s",
                    "path": "/metrics",
                    "port": "management",
                    "scheme": "https",
                    "tlsConfig": {"ca": {"secret": {"key": "ca.crt", "name": "keycloak-server-tls"}}, "serverName": "keycloak-service.keycloak.svc"},
                },
            ],
            "namespaceSelector": {"matchNames": ["keycloak"]},
            "selector": {"matchLabels": {"app": "keycloak", "app.kubernetes.io/instance": "keycloak"}},
        },
    },
    "platform-observability-monitor-vault": {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"labels": {"app.kubernetes.io/part-of": "platform-observability"}, "name": "platform-vault", "namespace": "vault"},
        "spec": {
            "namespaceSelector": {"matchNames": ["vault"]},
            "podMetricsEndpoints": [
                {
                    "interval": "30s",
                    "params": {"format": ["prometheus"]},
                    "path": "/v1/sys/metrics",
                    "port": "metrics",
                    "scheme": "https",
                    "tlsConfig": {"ca": {"secret": {"key": "ca.crt", "name": "vault-server-tls"}}, "serverName": "vault.vault.svc"},
                },
            ],
            "selector": {"matchLabels": {"app.kubernetes.io/instance": "vault", "app.kubernetes.io/name": "vault", "component": "server"}},
        },
    },
    "platform-observability-loki-bucket-lifecycle": {
        "bucket": "acme-prod-loki-222222222222-eu-west-1",
        "rules": [
            {
                "expiration": {"days": 97},
                "filter": {"prefix": ""},
                "id": "loki-retention",
                "noncurrentVersionExpiration": {"noncurrentDays": 1},
                "status": "Enabled",
            },
            {
                "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
                "filter": {"prefix": ""},
                "id": "abort-incomplete-multipart-uploads",
                "status": "Enabled",
            },
        ],
    },
    "platform-observability-tempo-bucket-lifecycle": {
        "bucket": "acme-prod-tempo-222222222222-eu-west-1",
        "rules": [
            {
                "expiration": {"days": 21},
                "filter": {"prefix": ""},
                "id": "tempo-retention",
                "noncurrentVersionExpiration": {"noncurrentDays": 1},
                "status": "Enabled",
            },
            {
                "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
                "filter": {"prefix": ""},
                "id": "abort-incomplete-multipart-uploads",
                "status": "Enabled",
            },
        ],
    },
    "platform-observability-loki-identity-role": {
        "assumeRolePolicy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
                    "Effect": "Allow",
                    "Principal": {"Service": "pods.eks.amazonaws.com"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": {
                        "StringEquals": {
                            "aws:SourceAccount": "222222222222",
                            "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:222222222222:cluster/acme-prod",
                            "aws:RequestTag/kubernetes-namespace": "monitoring",
                            "aws:RequestTag/kubernetes-service-account": "loki",
                        },
                    },
                },
            ],
        },
        "description": "Workload identity of monitoring/loki (PodIdentity)",
    },
    "platform-observability-loki-identity-policy": {
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BucketObjects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    "Resource": "arn:aws:s3:::acme-prod-loki-222222222222-eu-west-1/*",
                },
                {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-prod-loki-222222222222-eu-west-1"},
                {
                    "Sid": "BucketKey",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                    "Resource": "arn:aws:kms:eu-west-1:222222222222:key/platform-storage-objects-key",
                    "Condition": {
                        "StringLike": {
                            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                            "kms:EncryptionContext:aws:s3:arn": [
                                "arn:aws:s3:::acme-prod-loki-222222222222-eu-west-1",
                                "arn:aws:s3:::acme-prod-loki-222222222222-eu-west-1/*",
                            ],
                        },
                    },
                },
            ],
        },
        "role": "platform-observability-loki-identity-role-id",
    },
    "platform-observability-tempo-identity-role": {
        "assumeRolePolicy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147",
                    },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147:sub": "system:serviceaccount:monitoring:tempo",
                            "oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147:aud": "sts.amazonaws.com",
                        },
                    },
                },
            ],
        },
        "description": "Workload identity of monitoring/tempo (Irsa)",
    },
    "platform-observability-loki-identity-association": {
        "clusterName": "acme-prod",
        "namespace": "monitoring",
        "roleArn": "arn:aws:iam::222222222222:role/platform-observability-loki-identity-role",
        "serviceAccount": "loki",
    },
    "platform-observability-tempo-identity-policy": {
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BucketObjects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    "Resource": "arn:aws:s3:::acme-prod-tempo-222222222222-eu-west-1/*",
                },
                {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-prod-tempo-222222222222-eu-west-1"},
                {
                    "Sid": "BucketKey",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                    "Resource": "arn:aws:kms:eu-west-1:222222222222:key/platform-storage-objects-key",
                    "Condition": {
                        "StringLike": {
                            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                            "kms:EncryptionContext:aws:s3:arn": [
                                "arn:aws:s3:::acme-prod-tempo-222222222222-eu-west-1",
                                "arn:aws:s3:::acme-prod-tempo-222222222222-eu-west-1/*",
                            ],
                        },
                    },
                },
            ],
        },
        "role": "platform-observability-tempo-identity-role-id",
    },
};

/** The entries above that sit in the layer's buckets and workload identities, not directly in the layer. */
const IN_CHILD_COMPONENTS = [
    "platform-observability-loki-bucket-lifecycle",
    "platform-observability-tempo-bucket-lifecycle",
    "platform-observability-loki-identity-role",
    "platform-observability-loki-identity-policy",
    "platform-observability-loki-identity-association",
    "platform-observability-tempo-identity-role",
    "platform-observability-tempo-identity-policy",
];

/** What each resource waits for (the monitors wait for every layer they watch: pinned by count below). */
const PROD_DEPENDS_ON: Record<string, string[]> = {
    "platform-observability-grafana-admin-password": [],
    "platform-observability-namespace": [],
    "platform-observability-dashboard-platform-capacity": ["platform-observability-namespace"],
    "platform-observability-dashboard-platform-karpenter": ["platform-observability-namespace"],
    "platform-observability-dashboard-platform-gateway": ["platform-observability-namespace"],
    "platform-observability-dashboard-platform-velero": ["platform-observability-namespace"],
    "platform-observability-dashboard-platform-vault": ["platform-observability-namespace"],
    "platform-observability-alert-receiver": ["platform-observability-namespace"],
    "platform-observability-grafana-admin": ["platform-observability-namespace"],
    "platform-observability-grafana-oauth": ["platform-observability-namespace"],
    "platform-observability-prometheus-stack": ["platform-observability-namespace", "platform-observability-alert-receiver"],
    "platform-observability-platform-alerts": ["platform-observability-prometheus-stack"],
    "platform-observability-grafana": [
        "platform-observability-namespace",
        "platform-observability-prometheus-stack",
        "platform-observability-grafana-admin",
        "platform-observability-grafana-oauth",
    ],
    "platform-observability-loki": [
        "platform-observability-namespace",
        "platform-observability-prometheus-stack",
        "platform-observability-loki-identity-role",
        "platform-observability-loki-identity-policy",
        "platform-observability-loki-identity-association",
    ],
    "platform-observability-tempo": [
        "platform-observability-namespace",
        "platform-observability-prometheus-stack",
        "platform-observability-tempo-identity-policy",
    ],
    "platform-observability-alloy-events": ["platform-observability-namespace", "platform-observability-prometheus-stack"],
    "platform-observability-alloy": ["platform-observability-namespace", "platform-observability-prometheus-stack"],
    "platform-observability-otel-collector": ["platform-observability-namespace", "platform-observability-prometheus-stack"],
    "monitoring-grafana-route": ["platform-ingress-gateway", "platform-observability-grafana", "monitoring-grafana-not-found"],
    "monitoring-grafana-not-found": ["platform-ingress-gateway", "platform-observability-grafana"],
    "platform-observability-loki-bucket-lifecycle": [],
    "platform-observability-tempo-bucket-lifecycle": [],
    "platform-observability-loki-identity-role": [],
    "platform-observability-loki-identity-policy": [],
    "platform-observability-tempo-identity-role": [],
    "platform-observability-loki-identity-association": [],
    "platform-observability-tempo-identity-policy": [],
};

describePlan("observability details: the production plan in full", "prod", ({ plan, res }) => {
    const decoded = (name: string): Record<string, any> => {
        const r = res(name);
        const i = structuredClone(r.inputs) as Record<string, any>;
        if (r.type === "kubernetes:core/v1:ConfigMap") i.data = Object.fromEntries(Object.entries(i.data as Record<string, string>).map(([k, v]) => [k, JSON.parse(v)]));
        for (const key of ["assumeRolePolicy", "policy"]) if (r.type.startsWith("aws:iam") && typeof i[key] === "string") i[key] = JSON.parse(i[key]);
        return i;
    };

    it("has exactly these resources directly in the layer", () => {
        // Its NetworkPolicies come from the ingress table and are checked by what they let through (network-reach.test.ts).
        const direct = plan().resources.filter((r) => r.custom && r.parent?.endsWith("::platform-observability") && r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.name);
        assert.deepStrictEqual(direct.sort(), Object.keys(PROD_INPUTS).filter((n) => !IN_CHILD_COMPONENTS.includes(n)).sort());
    });

    for (const [name, expected] of Object.entries(PROD_INPUTS)) {
        it(`${name}: inputs`, () => assert.deepStrictEqual(decoded(name), expected));
    }

    for (const [name, expected] of Object.entries(PROD_DEPENDS_ON)) {
        it(`${name}: waits for ${expected.length === 0 ? "nothing" : expected.join(", ")}`, () => {
            assert.deepStrictEqual(res(name).dependsOn.map((u) => u.split("::").pop()), expected);
        });
    }

    it("creates each monitor after the Prometheus operator and, directly or through what it waits for, after its namespace", () => {
        const monitors = plan().resources.filter((r) => r.name.startsWith("platform-observability-monitor-"));
        assert.strictEqual(monitors.length, 16);
        const byUrn = new Map(plan().resources.map((r) => [r.urn, r]));
        const waitsFor = (from: string, target: string, seen = new Set<string>()): boolean =>
            !seen.has(from) && (seen.add(from), (byUrn.get(from)?.dependsOn ?? []).some((d) => d === target || waitsFor(d, target, seen)));
        const namespace = (ns: string) => plan().resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && inputs(r).metadata.name === ns);
        for (const m of monitors) {
            assert.strictEqual(m.dependsOn[0], res("platform-observability-prometheus-stack").urn, m.name);
            const ns: string = inputs(m).metadata.namespace;
            if (ns !== "kube-system") assert.ok(waitsFor(m.urn, namespace(ns)!.urn), `${m.name} waits for namespace ${ns}`);
        }
        assert.deepStrictEqual([...new Set(monitors.map((m) => inputs(m).metadata.namespace))].sort(), [
            "arc-systems", "argocd", "cert-manager", "envoy-gateway-system", "external-dns", "external-secrets", "keycloak", "kube-system", "kyverno", "vault", "velero",
        ]);
    });
});
