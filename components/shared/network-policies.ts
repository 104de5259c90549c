// Ingress to the platform's own pods, as data: each platform namespace (and kube-system) denies all ingress, then
// admits exactly the callers its table lists (which pods, which ports, from whom, why). Egress stays open: the boundary
// is on the servers (kube-system's controllers call the EKS endpoint, AWS APIs and the node's Pod Identity agent at
// addresses no stable allow-list names).
// One helper writes the policies for every layer. Labels and ports are those the pinned charts render (their
// templates' selector labels and container ports; test/fixtures/platform-pods.yaml transcribes them with sources).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_ROLE_LABEL, PLATFORM_NAMESPACES } from "./namespaces";

type Labels = Readonly<Record<string, string>>;

/** Where the callers come from, beyond pods in a named namespace. */
export interface NetworkContext {
    /** The VPC's CIDR: EKS's control plane calls webhooks from its ENIs in the cluster's subnets, inside it. */
    readonly vpcCidr: string;
    /**
     * Where Envoy's listeners see connections from (IP targets): with PROXY protocol the NLB's own addresses, its public
     * subnets or an internal NLB's pinned private addresses (/32s in explicit reservations no pod is ever given);
     * without it, the clients' preserved addresses (0.0.0.0/0: no header to forge, the client policies see the real one).
     */
    readonly loadBalancerSourceCidrs: readonly string[];
}

export type Peer =
    /** Pods of a namespace (every pod when `pods` is absent). */
    | { readonly namespace: string; readonly pods?: Labels }
    /** Pods of every tenant namespace (by the role label tenants cannot set). */
    | { readonly tenants: true }
    /** Addresses: the control plane's (the VPC), the NLB's, or any source at all (a rule without `from`). */
    | { readonly source: "controlPlane" | "loadBalancer" | "anywhere" };

export interface IngressAllow {
    /** The policy is `allow-<name>`. */
    readonly name: string;
    /** The pods admitted to (matchLabels; {} = every pod of the namespace). */
    readonly pods: Labels;
    /** TCP container ports. */
    readonly ports: readonly number[];
    /** UDP container ports. */
    readonly udp?: readonly number[];
    readonly from: readonly Peer[];
    readonly why: string;
}

const NS = PLATFORM_NAMESPACES;
/** EKS's own namespace: the add-ons, Karpenter and the AWS Load Balancer Controller run there. */
export const KUBE_SYSTEM = "kube-system";
/** CoreDNS's pods (the EKS add-on labels them k8s-app=kube-dns, as the tenants' DNS egress selects them). */
export const COREDNS_LABELS: Labels = { "k8s-app": "kube-dns" };
const name = (n: string) => ({ "app.kubernetes.io/name": n });
/** Prometheus's pods (the operator labels them app.kubernetes.io/name=prometheus): every metrics port admits them. */
export const PROMETHEUS: Peer = { namespace: NS.monitoring, pods: name("prometheus") };
/** The gateway's Envoy proxies (Envoy Gateway labels them name=envoy, component=proxy), routing to the published backends. */
export const ENVOY_PROXY_LABELS: Labels = { "app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy" };
export const ENVOY: Peer = { namespace: NS.gatewayController, pods: ENVOY_PROXY_LABELS };
const CONTROL_PLANE: Peer = { source: "controlPlane" };
const pods = (namespace: string, labels: Labels): Peer => ({ namespace, pods: labels });
const metrics = (podLabels: Labels, ports: readonly number[], why = "Prometheus scrapes its metrics"): IngressAllow => ({
    name: `metrics-${Object.values(podLabels).join("-") || "all"}`,
    pods: podLabels,
    ports,
    from: [PROMETHEUS],
    why,
});
const argo = (n: string) => ({ "app.kubernetes.io/instance": "argocd", ...name(n) });
const loki = (component: string) => ({ ...name("loki"), "app.kubernetes.io/component": component });
const LOKI_GATEWAY = pods(NS.monitoring, loki("gateway"));
const GRAFANA = pods(NS.monitoring, name("grafana"));
const OTEL_COLLECTOR = pods(NS.monitoring, name("opentelemetry-collector"));
const KEYCLOAK_PODS = { app: "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator", "app.kubernetes.io/instance": "keycloak" };

/**
 * What each platform namespace admits. Nothing from tenants but the OTLP gateway; the published backends only from
 * Envoy; webhooks from the control plane; metrics ports from Prometheus; the rest from the components that call them.
 * kubelet probes need no rule: the VPC CNI's policy agent always admits the node's own address.
 */
export const PLATFORM_INGRESS: Readonly<Record<string, readonly IngressAllow[]>> = {
    [NS.monitoring]: [
        { name: "otlp", pods: name("opentelemetry-collector"), ports: [4317, 4318], from: [{ tenants: true }], why: "tenants send telemetry to the OTLP gateway, and to nothing else here" },
        metrics(name("opentelemetry-collector"), [8888]),
        { name: "prometheus", pods: name("prometheus"), ports: [9090], from: [GRAFANA, OTEL_COLLECTOR, pods(NS.monitoring, name("tempo")), PROMETHEUS], why: "Grafana queries; the collector (OTLP) and Tempo's metrics generator (remote write) push; self-scrape" },
        metrics(name("prometheus"), [8080], "Prometheus scrapes its config reloader"),
        { name: "alertmanager", pods: name("alertmanager"), ports: [9093, 8080], from: [PROMETHEUS], why: "Prometheus sends alerts and scrapes it" },
        { name: "alertmanager-mesh", pods: name("alertmanager"), ports: [9094], from: [pods(NS.monitoring, name("alertmanager"))], why: "Alertmanager's cluster gossip" },
        { name: "operator", pods: name("kube-prometheus-stack-prometheus-operator"), ports: [10250], from: [CONTROL_PLANE, PROMETHEUS], why: "its admission webhook (PrometheusRules), and its metrics on the same port" },
        metrics(name("kube-state-metrics"), [8080]),
        { name: "grafana", pods: name("grafana"), ports: [3000], from: [ENVOY, PROMETHEUS], why: "published as grafana.<domain>; scraped" },
        { name: "loki-gateway", pods: loki("gateway"), ports: [8080], from: [GRAFANA, OTEL_COLLECTOR, pods(NS.monitoring, name("alloy"))], why: "Grafana queries, the collectors push (the gateway is Loki's only entry)" },
        { name: "loki", pods: loki("single-binary"), ports: [3100], from: [LOKI_GATEWAY, PROMETHEUS], why: "behind its gateway; scraped" },
        { name: "loki-cluster", pods: loki("single-binary"), ports: [3100, 9095, 7946], from: [pods(NS.monitoring, name("loki"))], why: "Loki's own gRPC and memberlist" },
        { name: "tempo", pods: name("tempo"), ports: [3200], from: [GRAFANA, PROMETHEUS], why: "Grafana queries; scraped" },
        { name: "tempo-otlp", pods: name("tempo"), ports: [4317], from: [OTEL_COLLECTOR], why: "traces only through the collector" },
        metrics(name("alloy"), [12345]),
    ],
    [NS.secrets]: [
        {
            name: "vault-api",
            pods: name("vault"),
            ports: [8200],
            from: [pods(NS.externalSecrets, name("external-secrets")), pods(NS.certManager, name("cert-manager")), ENVOY, pods(NS.secrets, name("vault-init"))],
            why: "External Secrets (every ExternalSecret, the tenants' too), cert-manager's PKI issuer, vault.<domain>, the init Job",
        },
        { name: "vault-cluster", pods: name("vault"), ports: [8200, 8201], from: [pods(NS.secrets, name("vault"))], why: "raft join and request forwarding" },
        metrics(name("vault"), [8210], "Prometheus scrapes the unauthenticated metrics listener"),
    ],
    [NS.externalSecrets]: [
        { name: "webhook", pods: name("external-secrets-webhook"), ports: [10250], from: [CONTROL_PLANE], why: "its admission webhook" },
        metrics({}, [8080]),
    ],
    [NS.certManager]: [
        { name: "webhook", pods: name("webhook"), ports: [10250], from: [CONTROL_PLANE], why: "cert-manager's admission webhook" },
        { name: "approver-policy", pods: name("cert-manager-approver-policy"), ports: [10250], from: [CONTROL_PLANE], why: "approver-policy's admission webhook" },
        metrics({}, [9402]),
    ],
    [NS.externalDns]: [metrics(name("external-dns"), [7979])],
    [NS.gatewayController]: [
        {
            name: "listeners",
            pods: ENVOY_PROXY_LABELS,
            ports: [10080, 10443],
            from: [{ source: "loadBalancer" }],
            why: "only the NLB: a pod reaching the listener could send its own PROXY header and pass the client-CIDR policies",
        },
        metrics(ENVOY_PROXY_LABELS, [19001]),
        { name: "xds", pods: name("gateway-helm"), ports: [18000], from: [ENVOY], why: "the proxies fetch their configuration" },
        { name: "controller-webhook", pods: name("gateway-helm"), ports: [9443], from: [CONTROL_PLANE], why: "its topology-injector webhook" },
        metrics(name("gateway-helm"), [19001]),
    ],
    // The Gateway object only; no pods.
    [NS.gateway]: [],
    [NS.policy]: [
        { name: "webhooks", pods: { "app.kubernetes.io/instance": "kyverno" }, ports: [9443], from: [CONTROL_PLANE], why: "Kyverno's admission and cleanup webhooks" },
        metrics({ "app.kubernetes.io/instance": "kyverno" }, [8000]),
    ],
    [NS.sso]: [
        { name: "keycloak", pods: KEYCLOAK_PODS, ports: [8443], from: [ENVOY], why: "sso.<domain> and sso-admin.<domain>; in-cluster clients use the public URL too" },
        metrics(KEYCLOAK_PODS, [9000], "Prometheus scrapes the management port"),
        { name: "keycloak-cluster", pods: KEYCLOAK_PODS, ports: [7800, 57800], from: [pods(NS.sso, KEYCLOAK_PODS)], why: "its JGroups cache cluster" },
    ],
    [NS.gitops]: [
        { name: "server", pods: argo("argocd-server"), ports: [8080], from: [ENVOY], why: "argocd.<domain>" },
        {
            name: "repo-server",
            pods: argo("argocd-repo-server"),
            ports: [8081],
            from: [pods(NS.gitops, argo("argocd-server")), pods(NS.gitops, argo("argocd-application-controller")), pods(NS.gitops, argo("argocd-applicationset-controller"))],
            why: "the server, the controller and the ApplicationSet controller render manifests",
        },
        {
            name: "redis",
            pods: argo("argocd-redis"),
            ports: [6379],
            from: [pods(NS.gitops, argo("argocd-server")), pods(NS.gitops, argo("argocd-application-controller")), pods(NS.gitops, argo("argocd-repo-server"))],
            why: "Argo CD's cache",
        },
        metrics(argo("argocd-server"), [8083]),
        metrics(argo("argocd-repo-server"), [8084]),
        metrics(argo("argocd-application-controller"), [8082]),
        metrics(argo("argocd-applicationset-controller"), [8080]),
        metrics(argo("argocd-notifications-controller"), [9001]),
    ],
    [NS.ciRunners]: [metrics({}, [8080], "Prometheus scrapes the controller and the listeners")],
    [NS.backup]: [metrics({}, [8085], "Prometheus scrapes Velero and its node agents")],
    // The EBS and EFS CSI controllers, the snapshot controller and Karpenter's health port serve kubelet probes only
    // (the node's address, always admitted); aws-node, kube-proxy, the Pod Identity agent and the EFS node plugin run
    // on the host network, where no NetworkPolicy applies (test/fixtures/platform-pods.yaml lists what runs here).
    [KUBE_SYSTEM]: [
        {
            name: "dns",
            pods: COREDNS_LABELS,
            ports: [53],
            udp: [53],
            from: [{ source: "anywhere" }],
            why: "every pod resolves names, and host-network pods ask from their node's address (any node's, not only CoreDNS's own)",
        },
        metrics(COREDNS_LABELS, [9153], "Prometheus scrapes CoreDNS (kube-prometheus-stack's coreDns monitor)"),
        {
            name: "lb-controller-webhook",
            pods: name("aws-load-balancer-controller"),
            ports: [9443],
            from: [CONTROL_PLANE],
            why: "its webhooks (TargetGroupBindings, the readiness gates of Envoy's pods) fail closed: refused, no NLB target registers",
        },
        metrics(name("aws-load-balancer-controller"), [8080]),
        metrics(name("karpenter"), [8080]),
    ],
};

function peerSpec(p: Peer, net: NetworkContext): object[] {
    if ("tenants" in p) return [{ namespaceSelector: { matchLabels: { [NAMESPACE_ROLE_LABEL]: "tenant" } } }];
    if ("source" in p && p.source === "anywhere") throw new Error("a rule admitting any source has no from list");
    if ("source" in p) return (p.source === "controlPlane" ? [net.vpcCidr] : net.loadBalancerSourceCidrs).map((cidr) => ({ ipBlock: { cidr } }));
    return [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } }, ...(p.pods ? { podSelector: { matchLabels: { ...p.pods } } } : {}) }];
}

/**
 * The namespace's NetworkPolicies: `default-deny-ingress`, then one `allow-<name>` per row of its table but the rows
 * `except` names (the rows of components the stack does not run).
 */
export function ingressPolicySpecs(namespace: string, net: NetworkContext, except: readonly string[] = []) {
    const table = PLATFORM_INGRESS[namespace];
    if (table === undefined) throw new Error(`no ingress table for platform namespace ${namespace}`);
    const unknown = except.filter((n) => !table.some((r) => r.name === n));
    if (unknown.length > 0) throw new Error(`no row ${unknown.join(", ")} in the ingress table of ${namespace}`);
    return [
        { metadata: { name: "default-deny-ingress", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        ...table.filter((r) => !except.includes(r.name)).map((r) => {
            const anywhere = r.from.some((p) => "source" in p && p.source === "anywhere");
            if (anywhere && r.from.length > 1) throw new Error(`allow-${r.name}: any source already admits the other peers`);
            const ports = [...r.ports.map((port) => ({ protocol: "TCP", port })), ...(r.udp ?? []).map((port) => ({ protocol: "UDP", port }))];
            return {
                metadata: { name: `allow-${r.name}`, namespace },
                spec: {
                    podSelector: { matchLabels: { ...r.pods } },
                    policyTypes: ["Ingress"],
                    ingress: [anywhere ? { ports } : { from: r.from.flatMap((p) => peerSpec(p, net)), ports }],
                },
            };
        }),
    ];
}

/**
 * The policies of one platform namespace, as children `${name}-netpol-<policy>` of the layer that owns it. The
 * default deny waits for the allows: a namespace that already runs (kube-system's CoreDNS and webhooks) is never cut
 * off between the two.
 */
export function platformNetworkPolicies(
    name: string,
    namespace: string,
    net: NetworkContext,
    opts: pulumi.CustomResourceOptions,
    except: readonly string[] = [],
): k8s.networking.v1.NetworkPolicy[] {
    const [deny, ...allows] = ingressPolicySpecs(namespace, net, except);
    const allowed = allows.map((p) => new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${p.metadata.name}`, p, opts));
    const dependsOn = [...(opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn]), ...allowed] as pulumi.Input<pulumi.Resource>[];
    return [new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${deny.metadata.name}`, deny, { ...opts, dependsOn }), ...allowed];
}
