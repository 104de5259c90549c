import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { placeChartValues } from "../shared/placement";
import * as k8s from "@pulumi/kubernetes";
import type { IngressConfig } from "../../stacks/schema-ingress";
import type { ClusterRef } from "../cluster/cluster-ref";
import { PLATFORM_NAMESPACES, platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import { CHART_REPOSITORIES, GATEWAY_NAME, GATEWAY_READY_TIMEOUT, POD_READINESS_GATE_LABEL } from "./constants";
import {
    backendTlsPolicySpec,
    clientCidrPolicySpec,
    gatewayClassSpec,
    gatewaySpec,
    httpRouteSpec,
    httpsRedirectRoute,
    notFoundFilterSpec,
    PublishedService,
} from "./gateway-objects";
import { HostedZone } from "./hosted-zone";
import { Certificates } from "./certificates";
import { LOAD_BALANCER_CONTROLLER_POLICY } from "./load-balancer-controller-policy";
import { externalDnsPolicy } from "./policies";
import { loadBalancerAddresses } from "../network/cidr";
import {
    envoyGatewayValues,
    envoyProxySpec,
    externalDnsValues,
    gatewayCrdsValues,
    loadBalancerControllerValues,
    nlbAnnotations,
    proxyProtocolPolicy,
} from "./values";

export interface IngressArgs {
    readonly cluster: ClusterRef;
    readonly clusterName: string;
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<string[]>;
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    /** The private subnets' CIDRs, in the order of their ids: an internal NLB's pinned addresses are carved from them. */
    readonly privateSubnetCidrs: readonly string[];
    readonly settings: IngressConfig;
    /** The config key of these settings (e.g. `platform:ingress`), for messages about missing prerequisites. */
    readonly configKey: string;
    /** TXT owner id of external-dns: unique per stack so environments never take over each other's records. */
    readonly dnsOwnerId: string;
    /**
     * Protect a created hosted zone (production).
     */
    readonly protect: boolean;
}

/** What other layers need to publish a service through the shared Gateway. */
export interface IngressRef {
    readonly domain: string;
    readonly gatewayName: string;
    readonly gatewayNamespace: string;
    /**
     * Publishes a Service at https://<name>.<domain> (an HTTPRoute on the shared Gateway's HTTPS listener), reachable
     * only from the stack's `allowedCidrs` for that name where it lists some.
     */
    publishService(service: PublishedService, opts: PublishOptions): k8s.apiextensions.CustomResource;
}

export interface PublishOptions {
    /** The component publishing the service. */
    readonly parent: pulumi.Resource;
    /** Usually the Service (or its chart) the route points to. */
    readonly dependsOn?: pulumi.Resource[];
}

const SERVICE_ACCOUNTS = { loadBalancerController: "aws-load-balancer-controller", externalDns: "external-dns" };

/**
 * Gateway API routing: pinned CRDs, Envoy Gateway, an NLB from the AWS Load Balancer Controller,
 * cert-manager with Let's Encrypt DNS-01 on Route 53, external-dns, and the shared platform Gateway.
 */
export class Ingress extends pulumi.ComponentResource implements IngressRef {
    public readonly domain: string;
    public readonly gatewayName = GATEWAY_NAME;
    public readonly gatewayNamespace: string = PLATFORM_NAMESPACES.gateway;
    public readonly hostedZoneId: pulumi.Output<string>;
    public readonly nameServers: pulumi.Output<string[]>;
    public readonly loadBalancerHostname: pulumi.Output<string>;
    /** cert-manager and the certificate policies; later layers call `certificates.allowCertificates` for tenants. */
    public readonly certificates: Certificates;
    private readonly k8sProvider: k8s.Provider;
    private readonly gateway: k8s.apiextensions.CustomResource;
    private readonly allowedCidrs: Readonly<Record<string, readonly string[] | undefined>>;

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:Ingress", name, {}, opts);
        const s = args.settings;
        this.domain = s.domain;
        this.allowedCidrs = s.allowedCidrs;
        this.k8sProvider = args.cluster.k8sProvider;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const replicas = s.controllerReplicas;

        const zone = new HostedZone(
            `${name}-zone`,
            { domain: s.domain, ...s.hostedZone, protect: args.protect, configKey: `${args.configKey}.hostedZone` },
            { parent: this },
        );
        this.hostedZoneId = zone.zoneId;
        this.nameServers = zone.nameServers;

        const ns = (role: string, namespace: string) => platformNamespace(`${name}-ns-${role}`, namespace, "restricted", k8sOpts);
        const certManagerNs = ns("cert-manager", PLATFORM_NAMESPACES.certManager);
        const externalDnsNs = ns("external-dns", PLATFORM_NAMESPACES.externalDns);
        const gatewayNs = ns("gateway", PLATFORM_NAMESPACES.gateway);
        for (const [role, namespace, resource] of [
            ["cert-manager", PLATFORM_NAMESPACES.certManager, certManagerNs],
            ["external-dns", PLATFORM_NAMESPACES.externalDns, externalDnsNs],
            ["gateway", PLATFORM_NAMESPACES.gateway, gatewayNs],
        ] as const)
            platformNetworkPolicies(`${name}-${role}`, namespace, args.network, { ...k8sOpts, dependsOn: [resource] });

        const release = (role: string, a: k8s.helm.v3.ReleaseArgs, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(`${name}-${role}`, { maxHistory: 5, ...a, values: placeChartValues(String(a.chart), a.values ?? {}, args.cluster.platformPods) }, { ...k8sOpts, dependsOn });

        // Gateway API CRDs (standard channel) and Envoy Gateway's own, before any user of them. Rendered and applied
        // object by object (server-side apply): as a Helm release they would overflow Helm's 1 MiB release Secret
        // (envoyproxy/gateway#6105), which is why upstream installs this chart with `helm template | kubectl apply`.
        const crds = new k8s.helm.v4.Chart(
            `${name}-gateway-crds`,
            {
                chart: CHART_REPOSITORIES.gatewayCrds,
                version: s.charts.envoyGateway,
                // Only cluster-scoped objects (CRDs, an admission policy): the namespace need not exist yet.
                namespace: PLATFORM_NAMESPACES.gatewayController,
                values: gatewayCrdsValues(),
            },
            k8sOpts,
        );

        // AWS Load Balancer Controller: turns the gateway's LoadBalancer Service into an NLB.
        const lbcIdentity = args.cluster.workloadIdentity(
            `${name}-lbc-identity`,
            { namespace: "kube-system", serviceAccount: SERVICE_ACCOUNTS.loadBalancerController, policy: LOAD_BALANCER_CONTROLLER_POLICY },
            { parent: this },
        );
        const lbc = release(
            "aws-load-balancer-controller",
            {
                name: "aws-load-balancer-controller",
                chart: "aws-load-balancer-controller",
                version: s.charts.awsLoadBalancerController,
                repositoryOpts: { repo: CHART_REPOSITORIES.awsLoadBalancerController },
                namespace: "kube-system",
                values: pulumi.output(args.vpcId).apply((vpcId) =>
                    loadBalancerControllerValues({ clusterName: args.clusterName, region: args.region, vpcId, replicas, serviceAccount: SERVICE_ACCOUNTS.loadBalancerController }),
                ),
            },
            [lbcIdentity],
        );

        // Envoy proxies run next to their controller (envoy and shutdown-manager: non-root, no privilege, RuntimeDefault).
        // The namespace waits for the LB controller, so on destroy it is emptied while the controller still runs: the
        // Envoy Service's finalizer is released and its NLB deleted, not leaked. The readiness-gate label has the
        // controller's webhook hold each new Envoy pod unready until the NLB reports its target healthy, so rollouts and
        // node consolidation never drain the old pods first.
        const controllerNs = platformNamespace(
            `${name}-ns-envoy-gateway`,
            PLATFORM_NAMESPACES.gatewayController,
            "restricted",
            { ...k8sOpts, dependsOn: [lbc] },
            { [POD_READINESS_GATE_LABEL]: "enabled" },
        );
        platformNetworkPolicies(`${name}-envoy-gateway`, PLATFORM_NAMESPACES.gatewayController, args.network, { ...k8sOpts, dependsOn: [controllerNs] });
        const envoyGateway = release(
            "envoy-gateway",
            {
                name: "envoy-gateway",
                chart: CHART_REPOSITORIES.envoyGateway,
                version: s.charts.envoyGateway,
                namespace: controllerNs.metadata.name,
                skipCrds: true,
                values: envoyGatewayValues(replicas),
            },
            [crds],
        );

        // cert-manager and approver-policy: certificates only for the names a policy gives a namespace.
        this.certificates = new Certificates(
            `${name}-certificates`,
            {
                cluster: args.cluster,
                region: args.region,
                domain: s.domain,
                email: s.certificates.email,
                gatewayIssuer: s.certificates.issuer,
                zoneId: zone.zoneId,
                zoneArn: zone.arn,
                certManagerNamespace: { name: PLATFORM_NAMESPACES.certManager, resource: certManagerNs },
                gatewayNamespace: { name: PLATFORM_NAMESPACES.gateway, resource: gatewayNs },
                charts: { certManager: s.charts.certManager, approverPolicy: s.charts.approverPolicy },
                replicas,
                // Gateway API support needs the Gateway CRDs at start-up.
                dependsOn: [crds],
            },
            { parent: this },
        );

        const externalDnsIdentity = args.cluster.workloadIdentity(
            `${name}-external-dns-identity`,
            { namespace: PLATFORM_NAMESPACES.externalDns, serviceAccount: SERVICE_ACCOUNTS.externalDns, policy: zone.arn.apply(externalDnsPolicy) },
            { parent: this },
        );
        release(
            "external-dns",
            {
                name: "external-dns",
                chart: "external-dns",
                version: s.charts.externalDns,
                repositoryOpts: { repo: CHART_REPOSITORIES.externalDns },
                namespace: externalDnsNs.metadata.name,
                values: zone.zoneId.apply((zoneId) =>
                    externalDnsValues({
                        domain: s.domain,
                        zoneId,
                        policy: s.externalDns.policy,
                        ownerId: args.dnsOwnerId,
                        region: args.region,
                        serviceAccount: SERVICE_ACCOUNTS.externalDns,
                    }),
                ),
            },
            [externalDnsIdentity, crds],
        );

        // The data plane and the shared Gateway.
        const subnets = s.loadBalancer.scheme === "internet-facing" ? args.publicSubnetIds : args.privateSubnetIds;
        // An internal NLB shares the private subnets with the pods: with PROXY protocol its addresses are pinned in
        // explicit reservations (EC2 assigns none of them automatically, so no pod gets one), and Envoy's listeners admit
        // those alone. Without PROXY protocol Envoy sees the clients' own addresses: nothing to pin.
        const internalAddresses = s.loadBalancer.scheme === "internal" && s.loadBalancer.proxyProtocol ? loadBalancerAddresses(args.privateSubnetCidrs) : [];
        const reservations = internalAddresses.map(
            (a, i) =>
                new aws.ec2.SubnetCidrReservation(
                    `${name}-nlb-address-${i}`,
                    {
                        subnetId: pulumi.output(args.privateSubnetIds).apply((ids) => ids[i]),
                        cidrBlock: a.reservation,
                        reservationType: "explicit",
                        description: `The internal gateway NLB's address ${a.address}: never assigned to a pod`,
                    },
                    { parent: this },
                ),
        );
        const envoyProxy = new k8s.apiextensions.CustomResource(
            `${name}-envoy-proxy`,
            envoyProxySpec({
                name: "platform",
                namespace: PLATFORM_NAMESPACES.gatewayController,
                replicas: s.gateway.replicas,
                zoneSpread: s.gateway.zoneSpread,
                placement: args.cluster.platformPods,
                // Only the subnet ids wait for the network: the scheme and client-address annotations are known in a
                // preview, where the public-gateway-exposure policy reads them.
                annotations: nlbAnnotations({
                    scheme: s.loadBalancer.scheme,
                    proxyProtocol: s.loadBalancer.proxyProtocol,
                    subnetIds: pulumi.output(subnets).apply((ids) => ids.join(",")),
                    privateIpv4Addresses: internalAddresses.map((a) => a.address),
                }),
            }),
            // Every custom resource waits for its controller: on destroy it goes first, while its finalizers can clear.
            // The NLB takes its pinned addresses once they are reserved.
            { ...k8sOpts, dependsOn: [crds, controllerNs, envoyGateway, ...reservations] },
        );
        const gatewayClass = new k8s.apiextensions.CustomResource(
            `${name}-gateway-class`,
            gatewayClassSpec("gateway.envoyproxy.io/gatewayclass-controller", { name: "platform", namespace: PLATFORM_NAMESPACES.gatewayController }),
            { ...k8sOpts, dependsOn: [crds, envoyProxy, envoyGateway] },
        );
        const gatewayArgs = { ...gatewaySpec(PLATFORM_NAMESPACES.gateway, s.domain), status: undefined };
        this.gateway = new k8s.apiextensions.CustomResource(`${name}-gateway`, gatewayArgs, {
            ...k8sOpts,
            customTimeouts: { create: GATEWAY_READY_TIMEOUT, update: GATEWAY_READY_TIMEOUT },
            // The NLB needs its controller, the listener its certificate, the class its controller.
            dependsOn: [gatewayClass, envoyGateway, lbc, this.certificates.certificate],
        });
        new k8s.apiextensions.CustomResource(`${name}-https-redirect`, httpsRedirectRoute(PLATFORM_NAMESPACES.gateway), { ...k8sOpts, dependsOn: [this.gateway] });
        if (s.loadBalancer.proxyProtocol) {
            new k8s.apiextensions.CustomResource(`${name}-proxy-protocol`, proxyProtocolPolicy(PLATFORM_NAMESPACES.gateway, GATEWAY_NAME), {
                ...k8sOpts,
                dependsOn: [crds, this.gateway],
            });
        }

        const status = (this.gateway as unknown as { status: pulumi.Output<{ addresses?: { value: string }[] } | undefined> }).status;
        this.loadBalancerHostname = status.apply((st) => st?.addresses?.[0]?.value ?? "");

        this.registerOutputs({
            domain: this.domain,
            hostedZoneId: this.hostedZoneId,
            nameServers: this.nameServers,
            gatewayName: this.gatewayName,
            gatewayNamespace: this.gatewayNamespace,
            loadBalancerHostname: this.loadBalancerHostname,
        });
    }

    public publishService(service: PublishedService, opts: PublishOptions): k8s.apiextensions.CustomResource {
        const k8sOpts = { parent: opts.parent, provider: this.k8sProvider, dependsOn: [this.gateway, ...(opts.dependsOn ?? [])] };
        const object = (role: string, spec: k8s.apiextensions.CustomResourceArgs) => new k8s.apiextensions.CustomResource(`${service.namespace}-${service.name}-${role}`, spec, k8sOpts);
        // What guards the route exists first, so the route never serves a request unguarded: the backend's TLS policy
        // (never plain HTTP to a TLS backend), the 404 of its blocked paths, its client-CIDR policy.
        const cidrs = this.allowedCidrs[service.name];
        const guards = [
            ...(service.backendTls ? [object("backend-tls", backendTlsPolicySpec({ ...service, backendTls: service.backendTls }))] : []),
            ...((service.blockedPaths ?? []).length > 0 ? [object("not-found", notFoundFilterSpec(service))] : []),
            ...(cidrs ? [object("client-cidrs", clientCidrPolicySpec(service, cidrs))] : []),
        ];
        return new k8s.apiextensions.CustomResource(`${service.namespace}-${service.name}-route`, httpRouteSpec(service, this.domain, this.gatewayNamespace), {
            ...k8sOpts,
            dependsOn: [...k8sOpts.dependsOn, ...guards],
        });
    }
}
