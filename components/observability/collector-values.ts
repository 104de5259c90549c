// The collectors: Grafana Alloy on every node (pod logs, Vault's audit log) and once for Kubernetes events, and the
// OpenTelemetry Collector gateway that gives applications one OTLP endpoint.
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { BUILDER_TOLERATION } from "../shared/builder-nodes";
import { LOKI_GATEWAY_SERVICE, TEMPO_SERVICE } from "./constants";
import { prometheusReplicaUrls, requests, zoneSpread } from "./metrics-values";

export function lokiPushUrl(namespace: string): string {
    return `http://${LOKI_GATEWAY_SERVICE}.${namespace}.svc/loki/api/v1/push`;
}

/** LogQL selector of Vault's audit entries (the stdout audit device writes one JSON request/response per line). */
export const VAULT_AUDIT_SELECTOR = String.raw`{namespace="vault", container="vault"} |~ ` + "`" + String.raw`"type":"(request|response)"` + "`";

const riverString = (s: string) => JSON.stringify(s);

/** Alloy configuration of the node agents: this node's pod logs with Kubernetes labels, Vault's audit entries marked. */
export function podLogsConfig(lokiUrl: string): string {
    return `discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
  }
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_node_name"]
    target_label  = "node"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pod_logs" {
  path_targets = discovery.relabel.pod_logs.output
}

loki.source.file "pod_logs" {
  targets    = local.file_match.pod_logs.targets
  forward_to = [loki.process.pod_logs.receiver]
}

loki.process "pod_logs" {
  stage.cri {}
  stage.match {
    selector = ${riverString(VAULT_AUDIT_SELECTOR)}
    stage.static_labels {
      values = { log_type = "vault-audit" }
    }
  }
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = ${riverString(lokiUrl)}
  }
}
`;
}

/** Alloy configuration of the single events collector (one instance: every agent would ship each event again). */
export function eventsConfig(lokiUrl: string): string {
    return `loki.source.kubernetes_events "cluster" {
  job_name   = "kubernetes-events"
  log_format = "json"
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = ${riverString(lokiUrl)}
  }
}
`;
}

/** Read-only access to what the agents discover; not the chart's default, which reads every Secret in the cluster. */
export const ALLOY_RBAC_RULES = [{ apiGroups: [""], resources: ["pods", "namespaces", "events"], verbs: ["get", "list", "watch"] }];

export function alloyValues(a: { readonly settings: ObservabilityConfig["alloy"]; readonly config: string; readonly kind: "daemonset" | "deployment" }) {
    const nodeAgent = a.kind === "daemonset";
    return {
        // The node agent runs on every node: the System nodes (the platform's pods with platformPods: SystemNodes, Vault's
        // audit log among them) and the builders' (their logs), tolerating exactly those taints.
        controller: { type: a.kind, replicas: 1, ...(nodeAgent ? { tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }, { ...BUILDER_TOLERATION }] } : {}) },
        alloy: {
            configMap: { create: true, content: a.config },
            // Pod log files are the kubelet's, under /var/log/pods.
            mounts: { varlog: nodeAgent, dockercontainers: false },
            extraEnv: nodeAgent ? [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }] : [],
            resources: requests(a.settings.requests),
            enableReporting: false,
        },
        rbac: { create: true, rules: ALLOY_RBAC_RULES },
        // PodLogs CRDs are not used (and two releases would both own them).
        crds: { create: false },
        serviceMonitor: { enabled: true },
    };
}

export interface OtelValuesArgs {
    readonly settings: ObservabilityConfig["otelCollector"];
    readonly image: string;
    readonly zoneSpread: ObservabilityConfig["zoneSpread"];
    readonly namespace: string;
    readonly prometheusReplicas: number;
}

/**
 * Who sent a record, decided by the gateway and not by the sender (collector v0.158.0, the otelcol-k8s distribution):
 * what a sender claims as `k8s.*` (and `service.namespace`) is deleted from the resource and from each span, log
 * record and data point; then `k8s_attributes` sets them from the pod whose address the connection came from. It
 * never overwrites an attribute that is already set (processor.go setResourceAttribute), hence the deletion first;
 * it associates by the connection only (a `resource_attribute` source would trust a claimed pod IP or UID) and runs
 * before `batch`, which drops the connection's address. Hosts and host-network pods match no pod (the processor does
 * not index them by IP): their records are marked `(unattributed)`, a value no namespace can have.
 */
export const OTEL_ATTRIBUTION_PROCESSORS = {
    "resource/untrusted-claims": { attributes: [{ pattern: "^k8s\\.", action: "delete" }, { key: "service.namespace", action: "delete" }] },
    "attributes/untrusted-claims": { actions: [{ pattern: "^k8s\\.", action: "delete" }] },
    k8s_attributes: {
        auth_type: "serviceAccount",
        passthrough: false,
        // Not ready until the pod cache is synced: no record passes unattributed at start-up.
        wait_for_metadata: true,
        pod_association: [{ sources: [{ from: "connection" }] }],
        // service.namespace from the pod's namespace: Prometheus names pushed series' job `<namespace>/<service.name>`.
        extract: { metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.node.name", "service.namespace"] },
    },
    "resource/unattributed": {
        attributes: [
            { key: "k8s.namespace.name", value: "(unattributed)", action: "insert" },
            { key: "service.namespace", value: "(unattributed)", action: "insert" },
        ],
    },
} as const;
/** Every pipeline's processors, in order: attribution before batch (which drops the connection's address). */
export const OTEL_PIPELINE_PROCESSORS = ["memory_limiter", ...Object.keys(OTEL_ATTRIBUTION_PROCESSORS), "batch"];
/** What k8s_attributes reads: the pods it matches connections to, and their namespaces. */
export const OTEL_RBAC_RULES = [{ apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] }];

/** The gateway's pipelines: traces to Tempo, metrics to Prometheus (OTLP), logs to Loki (OTLP). */
export function otelConfig(namespace: string, prometheusReplicas: number) {
    const svc = (s: string) => `${s}.${namespace}.svc`;
    const pipeline = (...exporters: string[]) => ({ receivers: ["otlp"], processors: [...OTEL_PIPELINE_PROCESSORS], exporters });
    // Every Prometheus replica gets every metric (through the Service, each would hold a part).
    const prometheus = Object.fromEntries(prometheusReplicaUrls(namespace, prometheusReplicas, "/api/v1/otlp").map((endpoint, i) => [`otlphttp/prometheus-${i}`, { endpoint }]));
    return {
        processors: OTEL_ATTRIBUTION_PROCESSORS,
        receivers: {
            otlp: { protocols: { grpc: { endpoint: "${env:MY_POD_IP}:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } } },
            jaeger: null,
            zipkin: null,
            prometheus: null,
        },
        exporters: {
            "otlp/tempo": { endpoint: `${svc(TEMPO_SERVICE)}:4317`, tls: { insecure: true } },
            ...prometheus,
            "otlphttp/loki": { endpoint: `http://${svc(LOKI_GATEWAY_SERVICE)}/otlp` },
        },
        service: { pipelines: { traces: pipeline("otlp/tempo"), metrics: pipeline(...Object.keys(prometheus)), logs: pipeline("otlphttp/loki") } },
    };
}

export function otelValues(a: OtelValuesArgs) {
    const [repository, tag] = a.image.split(":");
    return {
        mode: "deployment",
        replicaCount: a.settings.replicas,
        image: { repository, tag },
        command: { name: "otelcol-k8s" },
        config: otelConfig(a.namespace, a.prometheusReplicas),
        // A ClusterRole of the chart's (no preset: its k8sattributes preset trusts claimed pod IPs and UIDs first).
        clusterRole: { create: true, rules: OTEL_RBAC_RULES },
        // OTLP only (gRPC 4317, HTTP 4318).
        ports: { "jaeger-compact": { enabled: false }, "jaeger-thrift": { enabled: false }, "jaeger-grpc": { enabled: false }, zipkin: { enabled: false }, metrics: { enabled: true } },
        resources: requests(a.settings.requests),
        topologySpreadConstraints: zoneSpread(a.zoneSpread, { "app.kubernetes.io/name": "opentelemetry-collector" }),
        podDisruptionBudget: { enabled: a.settings.replicas > 1, maxUnavailable: 1 },
        serviceMonitor: { enabled: true },
    };
}
