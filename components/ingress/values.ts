// Helm values and data-plane settings of the ingress controllers, as data (keys checked against each chart's values.yaml).
import type * as pulumi from "@pulumi/pulumi";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { NODE_ROLE_LABEL } from "../cluster/node-group";
import { placePod, type PodPlacement } from "../shared/placement";

/** Platform controllers run on the System node group (tainted CriticalAddonsOnly). */
export const SYSTEM_PLACEMENT = {
    nodeSelector: { [NODE_ROLE_LABEL]: "system" },
    tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }],
};

const zoneSpread = (labels: Record<string, string>, whenUnsatisfiable: string) => [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable, labelSelector: { matchLabels: labels } },
];

/** gateway-crds-helm: Gateway API (standard channel) and Envoy Gateway CRDs, installed before anything uses them. */
export function gatewayCrdsValues() {
    return { crds: { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } } };
}

/** gateway-helm (controller only; CRDs come from the CRD chart). */
export function envoyGatewayValues(replicas: number) {
    return {
        crds: { enabled: false },
        deployment: {
            replicas,
            priorityClassName: "system-cluster-critical",
            pod: {
                ...SYSTEM_PLACEMENT,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "gateway-helm" }, "ScheduleAnyway"),
            },
        },
        podDisruptionBudget: { minAvailable: replicas > 1 ? 1 : 0 },
    };
}

/**
 * The Service annotations that make the AWS Load Balancer Controller build the gateway's NLB. An internal NLB takes
 * one pinned private address per subnet (controller v3.5.0: each matched to the subnet whose CIDR holds it).
 */
export function nlbAnnotations<T extends pulumi.Input<string>>(lb: { scheme: string; proxyProtocol: boolean; subnetIds: T; privateIpv4Addresses?: readonly string[] }): Record<string, string | T> {
    const pinned = lb.privateIpv4Addresses ?? [];
    if (pinned.length > 0 && lb.scheme !== "internal") throw new Error("private IPv4 addresses are for an internal NLB only");
    return {
        ...(pinned.length > 0 ? { "service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses": pinned.join(",") } : {}),
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": lb.scheme,
        "service.beta.kubernetes.io/aws-load-balancer-subnets": lb.subnetIds,
        "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
        // Envoy sees the client address either from PROXY protocol v2 or from IP preservation, never both.
        ...(lb.proxyProtocol
            ? { "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*" }
            : { "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true" }),
    };
}

/** EnvoyProxy: the data plane behind the platform GatewayClass. */
export function envoyProxySpec(a: {
    name: string;
    namespace: string;
    replicas: number;
    zoneSpread: "ScheduleAnyway" | "DoNotSchedule";
    /** Values may be outputs (the subnets); the keys, and the scheme and client-address ones, stay known in a preview. */
    annotations: Record<string, pulumi.Input<string>>;
    /** Where the platform's pods go (the proxies are the platform's). */
    placement?: PodPlacement;
}) {
    return {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "EnvoyProxy",
        metadata: { name: a.name, namespace: a.namespace },
        spec: {
            provider: {
                type: "Kubernetes",
                kubernetes: {
                    envoyDeployment: {
                        replicas: a.replicas,
                        pod: placePod({ topologySpreadConstraints: zoneSpread({ "gateway.envoyproxy.io/owning-gateway-name": "platform" }, a.zoneSpread) }, a.placement ?? {}),
                    },
                    envoyPDB: { minAvailable: 1 },
                    envoyService: {
                        type: "LoadBalancer",
                        // Only the AWS Load Balancer Controller handles this Service (never the in-tree CLB controller).
                        loadBalancerClass: "service.k8s.aws/nlb",
                        externalTrafficPolicy: "Cluster",
                        annotations: a.annotations,
                    },
                },
            },
        },
    };
}

/** PROXY protocol on every listener of the platform Gateway, matching the NLB. */
export function proxyProtocolPolicy(namespace: string, gatewayName: string) {
    return {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "ClientTrafficPolicy",
        metadata: { name: "proxy-protocol", namespace },
        spec: {
            targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gatewayName }],
            // Connections without the header are refused: only the NLB reaches Envoy.
            proxyProtocol: {},
        },
    };
}

export function loadBalancerControllerValues(a: { clusterName: string; region: string; vpcId: string; replicas: number; serviceAccount: string }) {
    return {
        clusterName: a.clusterName,
        // Nodes allow one IMDS hop: pods cannot discover region and VPC themselves.
        region: a.region,
        vpcId: a.vpcId,
        replicaCount: a.replicas,
        serviceAccount: { create: true, name: a.serviceAccount },
        // Only Services that ask for it (loadBalancerClass) get an NLB; nothing is rewritten behind our back.
        enableServiceMutatorWebhook: false,
        // Gateways belong to Envoy Gateway: the controller's own ALB/NLB Gateway API support (on by default once the
        // Gateway API CRDs exist) stays off, so it watches and reconciles nothing of the shared Gateway.
        controllerConfig: { featureGates: { ALBGatewayAPI: false, NLBGatewayAPI: false, GatewayListenerSet: false } },
        podDisruptionBudget: { maxUnavailable: 1 },
        priorityClassName: "system-cluster-critical",
        ...SYSTEM_PLACEMENT,
    };
}

// The chart's default nodeSelector (linux) is kept alongside the System role.
const certManagerPlacement = { ...SYSTEM_PLACEMENT, nodeSelector: { "kubernetes.io/os": "linux", ...SYSTEM_PLACEMENT.nodeSelector } };

export function certManagerValues(a: { replicas: number; serviceAccount: string }) {
    return {
        crds: { enabled: true, keep: true },
        replicaCount: a.replicas,
        podDisruptionBudget: { enabled: a.replicas > 1, minAvailable: 1 },
        serviceAccount: { create: true, name: a.serviceAccount },
        // Requests are approved by approver-policy's CertificateRequestPolicies only, never automatically.
        disableAutoApproval: true,
        config: {
            apiVersion: "controller.config.cert-manager.io/v1alpha1",
            kind: "ControllerConfiguration",
            // Certificates for Gateway listeners from annotations (tenants' own Gateways); v1.21 form of the setting.
            gatewayAPI: { enabled: true },
            // No issuer may borrow credentials from cert-manager's environment: DNS-01 uses each issuer's own account.
            issuerAmbientCredentials: false,
            clusterIssuerAmbientCredentials: false,
        },
        ...certManagerPlacement,
        webhook: { replicaCount: a.replicas, podDisruptionBudget: { enabled: a.replicas > 1, minAvailable: 1 }, ...certManagerPlacement },
        cainjector: { replicaCount: a.replicas, podDisruptionBudget: { enabled: a.replicas > 1, minAvailable: 1 }, ...certManagerPlacement },
        startupapicheck: certManagerPlacement,
        prometheus: { enabled: true },
    };
}

/** cert-manager-approver-policy (keys as in its values.yaml at v0.27.0). */
export function approverPolicyValues(replicas: number) {
    return {
        // The CertificateRequestPolicy CRD (and the policies) stay when the chart is uninstalled.
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
        // Only the platform's ACME issuers' requests are its to approve.
        app: { approveSignerNames: ["issuers.cert-manager.io/*"] },
        ...certManagerPlacement,
    };
}

export function externalDnsValues(a: { domain: string; zoneId: string; policy: string; ownerId: string; region: string; serviceAccount: string }) {
    return {
        provider: { name: "aws" },
        sources: ["gateway-httproute", "gateway-grpcroute"],
        domainFilters: [a.domain],
        policy: a.policy,
        registry: "txt",
        txtOwnerId: a.ownerId,
        // No --ignore-hostname-annotation: v0.21.0 refuses to start with it unless --fqdn-template is set; tenants'
        // routes may not carry the hostname annotation instead (tenant-route-hostnames), the platform's use none.
        extraArgs: [`--zone-id-filter=${a.zoneId}`, "--aws-zone-type=public"],
        env: [{ name: "AWS_REGION", value: a.region }],
        serviceAccount: { create: true, name: a.serviceAccount },
        ...SYSTEM_PLACEMENT,
    };
}
