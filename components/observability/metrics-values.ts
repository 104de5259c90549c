// kube-prometheus-stack values and the Alertmanager configuration, as pure functions of the stack's settings.
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { BUILDER_TOLERATION } from "../shared/builder-nodes";
import { ALERT_RECEIVER_SECRET, ALERTMANAGER_SECRETS_DIR } from "./constants";

type Receiver = ObservabilityConfig["alertmanager"]["receiver"];
/** Where Alertmanager reads the receiver's secret (the Secret's only key). */
export const RECEIVER_SECRET_FILE = `${ALERTMANAGER_SECRETS_DIR}/${ALERT_RECEIVER_SECRET}/secret`;

/** Each Prometheus replica's own address: an HA pair must each receive what is pushed (the Service picks one). */
export function prometheusReplicaUrls(namespace: string, replicas: number, path: string): string[] {
    return Array.from({ length: replicas }, (_, i) => `http://prometheus-kube-prometheus-stack-prometheus-${i}.prometheus-operated.${namespace}.svc:9090${path}`);
}

export function zoneSpread(whenUnsatisfiable: string, matchLabels: Record<string, string>) {
    return [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable, labelSelector: { matchLabels } }];
}

/** Requests as configured, the memory request also the limit (no CPU limit: throttling hurts more than it helps). */
export const requests = (r: { cpu: string; memory: string }) => ({ requests: { cpu: r.cpu, memory: r.memory }, limits: { memory: r.memory } });

/** The platform receiver's configuration: its secret half read from a file, never in the configuration itself. */
export function receiverConfig(r: Receiver): Record<string, unknown> {
    switch (r.type) {
        case "Webhook":
            return { webhook_configs: [{ url_file: RECEIVER_SECRET_FILE, send_resolved: true }] };
        case "Slack":
            return { slack_configs: [{ api_url_file: RECEIVER_SECRET_FILE, channel: r.slackChannel, send_resolved: true }] };
        case "Email":
            return {
                email_configs: [
                    { to: r.emailTo, from: r.emailFrom, smarthost: r.smtpHost, auth_username: r.smtpUsername, auth_password_file: RECEIVER_SECRET_FILE, require_tls: true, send_resolved: true },
                ],
            };
        case "None":
            return {};
    }
}

/** Every alert to the platform receiver, grouped per alert and namespace; the always-firing Watchdog nowhere. */
export function alertmanagerConfig(r: Receiver) {
    return {
        route: {
            receiver: "platform",
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }, { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] }],
        },
        receivers: [{ name: "null" }, { name: "platform", ...receiverConfig(r) }],
    };
}

export interface PrometheusStackValuesArgs {
    readonly settings: ObservabilityConfig;
    readonly storageClass: string;
}

export function prometheusStackValues(a: PrometheusStackValuesArgs) {
    const s = a.settings;
    const claim = (size: string) => ({ volumeClaimTemplate: { spec: { storageClassName: a.storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } });
    return {
        // Grafana runs from its own chart (SSO, datasources and dashboards as code).
        grafana: { enabled: false },
        // EKS runs etcd, the scheduler and the controller manager out of reach; kube-proxy binds its metrics to 127.0.0.1.
        kubeEtcd: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeProxy: { enabled: false },
        defaultRules: { rules: { etcd: false, kubeControllerManager: false, kubeProxy: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false } },
        prometheus: {
            prometheusSpec: {
                replicas: s.prometheus.replicas,
                retention: s.prometheus.retention,
                storageSpec: claim(s.prometheus.storageSize),
                resources: requests(s.prometheus.requests),
                topologySpreadConstraints: zoneSpread(s.zoneSpread, { "app.kubernetes.io/name": "prometheus" }),
                // Every monitor and rule in every namespace, not only those labelled for this release.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                // The OpenTelemetry gateway writes applications' metrics here.
                enableRemoteWriteReceiver: true,
                enableOTLPReceiver: true,
            },
        },
        alertmanager: {
            config: alertmanagerConfig(s.alertmanager.receiver),
            alertmanagerSpec: {
                replicas: s.alertmanager.replicas,
                resources: requests(s.alertmanager.requests),
                storage: claim(s.alertmanager.storageSize),
                topologySpreadConstraints: zoneSpread(s.zoneSpread, { "app.kubernetes.io/name": "alertmanager" }),
                secrets: s.alertmanager.receiver.type === "None" ? [] : [ALERT_RECEIVER_SECRET],
            },
        },
        prometheusOperator: { resources: requests(s.prometheus.operatorRequests) },
        "kube-state-metrics": { resources: requests(s.exporters.kubeStateMetrics) },
        // The chart's own toleration (NoSchedule, any key) and the builders' NoExecute taint exactly: their nodes get metrics.
        "prometheus-node-exporter": { resources: requests(s.exporters.nodeExporter), tolerations: [{ effect: "NoSchedule", operator: "Exists" }, { ...BUILDER_TOLERATION }] },
        // Helm never upgrades CRDs: the chart's job applies the new ones (server-side) before an upgrade.
        crds: { upgradeJob: { enabled: true } },
    };
}
