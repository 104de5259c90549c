// Every platform component that exposes Prometheus metrics, in one typed list: the observability layer turns each
// into a ServiceMonitor or PodMonitor. A test holds every chart the platform installs to this list (or to the
// exemptions below, with a reason), so no component is scraped by accident or forgotten silently.
import { PLATFORM_NAMESPACES } from "../shared/namespaces";

export interface ScrapeTarget {
    /** Name of the monitor object (and the `job` label). */
    readonly name: string;
    /** The chart (or operator) that runs the component: what the completeness test matches releases against. */
    readonly chart: string;
    readonly namespace: string;
    /** ServiceMonitor: a Service's named port. PodMonitor: a pod's named container port. */
    readonly kind: "ServiceMonitor" | "PodMonitor";
    readonly selector: Readonly<Record<string, string>>;
    readonly port: string;
    readonly path: string;
    readonly params?: Readonly<Record<string, readonly string[]>>;
    /** https with the component's own CA (`ca.crt` of a Secret in its namespace) for this server name. */
    readonly tls?: { readonly caSecret: string; readonly serverName: string };
}

const ns = PLATFORM_NAMESPACES;

/** Sources: each chart's templates at its pinned version (see docs/architecture.md, "Observability"). */
export const SCRAPE_TARGETS: readonly ScrapeTarget[] = [
    // The release is auto-named: the chart's name label is Karpenter's alone in kube-system.
    { name: "karpenter", chart: "karpenter", namespace: "kube-system", kind: "ServiceMonitor", selector: { "app.kubernetes.io/name": "karpenter" }, port: "http-metrics", path: "/metrics" },
    {
        name: "velero",
        chart: "velero",
        namespace: ns.backup,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero" },
        port: "http-monitoring",
        path: "/metrics",
    },
    { name: "velero-node-agent", chart: "velero", namespace: ns.backup, kind: "PodMonitor", selector: { name: "node-agent" }, port: "http-monitoring", path: "/metrics" },
    {
        name: "cert-manager",
        chart: "cert-manager",
        namespace: ns.certManager,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" },
        port: "http-metrics",
        path: "/metrics",
    },
    {
        name: "approver-policy",
        chart: "cert-manager-approver-policy",
        namespace: ns.certManager,
        kind: "ServiceMonitor",
        selector: { app: "cert-manager-approver-policy" },
        port: "metrics",
        path: "/metrics",
    },
    {
        name: "external-dns",
        chart: "external-dns",
        namespace: ns.externalDns,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/name": "external-dns", "app.kubernetes.io/instance": "external-dns" },
        port: "http",
        path: "/metrics",
    },
    // The chart creates its metrics Service only together with a ServiceMonitor (before these CRDs exist): pods instead.
    {
        name: "aws-load-balancer-controller",
        chart: "aws-load-balancer-controller",
        namespace: "kube-system",
        kind: "PodMonitor",
        selector: { "app.kubernetes.io/name": "aws-load-balancer-controller" },
        port: "metrics-server",
        path: "/metrics",
    },
    { name: "envoy-gateway", chart: "gateway-helm", namespace: ns.gatewayController, kind: "ServiceMonitor", selector: { "control-plane": "envoy-gateway" }, port: "metrics", path: "/metrics" },
    {
        name: "envoy-proxy",
        chart: "gateway-helm",
        namespace: ns.gatewayController,
        kind: "PodMonitor",
        selector: { "app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway" },
        port: "metrics",
        path: "/stats/prometheus",
    },
    // Every server (standbys and sealed ones included) on its metrics listener, which needs no token and is on no
    // Service (secrets/vault-values.ts): pods, by the labels of the chart's server pods (server-statefulset.yaml).
    {
        name: "vault",
        chart: "vault",
        namespace: ns.secrets,
        kind: "PodMonitor",
        selector: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" },
        port: "metrics",
        path: "/v1/sys/metrics",
        params: { format: ["prometheus"] },
        tls: { caSecret: "vault-server-tls", serverName: "vault.vault.svc" },
    },
    {
        name: "external-secrets",
        chart: "external-secrets",
        namespace: ns.externalSecrets,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": "external-secrets" },
        port: "metrics",
        path: "/metrics",
    },
    {
        name: "keycloak",
        chart: "keycloak-operator",
        namespace: ns.sso,
        kind: "ServiceMonitor",
        selector: { app: "keycloak", "app.kubernetes.io/instance": "keycloak" },
        port: "management",
        path: "/metrics",
        tls: { caSecret: "keycloak-server-tls", serverName: "keycloak-service.keycloak.svc" },
    },
    // Every controller's metrics Service (admission, background, cleanup, reports) carries port metrics-port.
    {
        name: "kyverno",
        chart: "kyverno",
        namespace: ns.policy,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/instance": "kyverno", "app.kubernetes.io/part-of": "kyverno" },
        port: "metrics-port",
        path: "/metrics",
    },
    // argo-cd 10.1.1: each component's metrics Service (<component>.metrics.enabled) names its port http-metrics.
    {
        name: "argocd",
        chart: "argo-cd",
        namespace: ns.gitops,
        kind: "ServiceMonitor",
        selector: { "app.kubernetes.io/part-of": "argocd", "app.kubernetes.io/instance": "argocd" },
        port: "http-metrics",
        path: "/metrics",
    },
    // ARC 0.14.2: the controller's container port `metrics` (with the chart's metrics value); app.kubernetes.io/name is its base name.
    { name: "arc-controller", chart: "gha-runner-scale-set-controller", namespace: ns.ciRunners, kind: "PodMonitor", selector: { "app.kubernetes.io/name": "gha-rs-controller" }, port: "metrics", path: "/metrics" },
    // The listeners the controller creates per scale set, in its own namespace (resourcebuilder.go: port `metrics`).
    {
        name: "arc-listeners",
        chart: "gha-runner-scale-set",
        namespace: ns.ciRunners,
        kind: "PodMonitor",
        selector: { "app.kubernetes.io/component": "runner-scale-set-listener" },
        port: "metrics",
        path: "/metrics",
    },
];

/** Charts the platform installs that need no monitor of this list, and why. */
export const METRICS_EXEMPT_CHARTS: Readonly<Record<string, string>> = {
    "karpenter-crd": "CRDs only",
    "gateway-crds-helm": "CRDs only",
    "kube-prometheus-stack": "scrapes itself, node-exporter and kube-state-metrics through its own monitors",
    loki: "its own ServiceMonitor (monitoring.serviceMonitor in its chart)",
    tempo: "its own ServiceMonitor (serviceMonitor in its chart)",
    grafana: "its own ServiceMonitor (serviceMonitor in its chart)",
    alloy: "its own ServiceMonitor (serviceMonitor in its chart)",
    "opentelemetry-collector": "its own ServiceMonitor (serviceMonitor in its chart)",
    "finalizer-cleanup": "a pre-delete Job, no long-running process",
};

/**
 * The ServiceMonitor or PodMonitor of one target, in the target's own namespace: a TLS CA Secret is read from the
 * monitor's namespace. The platform's Prometheus selects monitors in every namespace.
 */
export function monitorSpec(t: ScrapeTarget) {
    const endpoint = {
        port: t.port,
        path: t.path,
        interval: "30s",
        ...(t.params ? { params: t.params } : {}),
        ...(t.tls ? { scheme: "https", tlsConfig: { ca: { secret: { name: t.tls.caSecret, key: "ca.crt" } }, serverName: t.tls.serverName } } : {}),
    };
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: t.kind,
        metadata: { name: `platform-${t.name}`, namespace: t.namespace, labels: { "app.kubernetes.io/part-of": "platform-observability" } },
        spec: {
            namespaceSelector: { matchNames: [t.namespace] },
            selector: { matchLabels: { ...t.selector } },
            [t.kind === "ServiceMonitor" ? "endpoints" : "podMetricsEndpoints"]: [endpoint],
        },
    };
}

/** Which optional components the stack runs. */
export interface RunningComponents {
    readonly backup: boolean;
    /** Velero's node agent (file-system backups). */
    readonly nodeAgent: boolean;
    readonly karpenter: boolean;
}

/** The targets of the components this stack runs. */
export function scrapeTargetsFor(p: RunningComponents): ScrapeTarget[] {
    return SCRAPE_TARGETS.filter((t) => {
        if (t.name === "velero-node-agent") return p.backup && p.nodeAgent;
        if (t.chart === "velero") return p.backup;
        if (t.chart === "karpenter") return p.karpenter;
        return true;
    });
}
