// Gateway API and cert-manager objects of the shared entry point, as data.
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_ROLE_LABEL } from "../shared/namespaces";
import { AcmeIssuerName, GATEWAY_CLASS, GATEWAY_NAME, GATEWAY_TLS_SECRET, HTTP_LISTENER, HTTPS_LISTENER } from "./constants";

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;

/** Routes are admitted only from namespaces the platform labelled as platform or tenant namespaces. */
export const ADMITTED_NAMESPACES = {
    from: "Selector",
    selector: { matchExpressions: [{ key: NAMESPACE_ROLE_LABEL, operator: "In", values: ["platform", "tenant"] }] },
};

export function gatewayClassSpec(controllerName: string, parameters: { name: string; namespace: string }) {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "GatewayClass",
        metadata: { name: GATEWAY_CLASS },
        spec: {
            controllerName,
            // Data-plane shape (replicas, PDB, NLB annotations) lives in the EnvoyProxy this points to.
            parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: parameters.name, namespace: parameters.namespace },
        },
    };
}

/** HTTP (redirect only) and HTTPS for *.<domain> with the cert-manager wildcard certificate. */
export function gatewaySpec(namespace: string, domain: string) {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "Gateway",
        metadata: {
            name: GATEWAY_NAME,
            namespace,
            // `pulumi up` waits until the load balancer is provisioned and its address is in status.
            annotations: { "pulumi.com/waitFor": "condition=Programmed" },
        },
        spec: {
            gatewayClassName: GATEWAY_CLASS,
            listeners: [
                // Also what lets the Gateway become Programmed before the certificate exists: Envoy Gateway builds
                // no proxies for a Gateway without a valid listener, and the HTTPS one waits for its Secret.
                { name: HTTP_LISTENER, protocol: "HTTP", port: 80, allowedRoutes: { namespaces: { from: "Same" } } },
                {
                    name: HTTPS_LISTENER,
                    protocol: "HTTPS",
                    port: 443,
                    hostname: `*.${domain}`,
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: GATEWAY_TLS_SECRET }] },
                    allowedRoutes: { namespaces: ADMITTED_NAMESPACES, kinds: [{ kind: "HTTPRoute" }, { kind: "GRPCRoute" }] },
                },
            ],
        },
    };
}

/** Every plain-HTTP request is answered with a permanent redirect to HTTPS. */
export function httpsRedirectRoute(namespace: string) {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        metadata: { name: "https-redirect", namespace },
        spec: {
            parentRefs: [{ name: GATEWAY_NAME, namespace, sectionName: HTTP_LISTENER }],
            rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
        },
    };
}

export interface PublishedService {
    /** First label of the hostname (<name>.<domain>), and the route's name. */
    readonly name: string;
    readonly namespace: string;
    readonly serviceName: pulumi.Input<string>;
    readonly servicePort: number;
    /**
     * The Service speaks TLS: the gateway verifies it with this CA (`ca.crt` of a Secret in the Service's namespace,
     * which Envoy Gateway accepts besides the Gateway API's core ConfigMap) against this hostname.
     * @default plain HTTP to the backend
     */
    readonly backendTls?: { readonly caSecretName: string; readonly hostname: string };
    /** Path prefixes routed to the Service (element-wise: `/realms` takes `/realms/x`, not `/realmsx`). @default ["/"] */
    readonly paths?: readonly string[];
    /** Path prefixes the gateway answers with a 404 itself, never reaching the Service (the longer prefix wins). */
    readonly blockedPaths?: readonly string[];
}

/** The BackendTLSPolicy (Gateway API v1, standard channel since v1.4) making the gateway speak verified TLS to a Service. */
export function backendTlsPolicySpec(s: PublishedService & { backendTls: NonNullable<PublishedService["backendTls"]> }) {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "BackendTLSPolicy",
        metadata: { name: s.name, namespace: s.namespace },
        spec: {
            targetRefs: [{ group: "", kind: "Service", name: s.serviceName }],
            validation: { caCertificateRefs: [{ group: "", kind: "Secret", name: s.backendTls.caSecretName }], hostname: s.backendTls.hostname },
        },
    };
}

/** Pulumi waits until the shared Gateway has accepted the route (what depends on the hostname waits for that). */
export const ROUTE_ACCEPTED = 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True';

const ENVOY_GATEWAY_VERSION = "gateway.envoyproxy.io/v1alpha1";
const prefixes = (paths: readonly string[]) => paths.map((value) => ({ path: { type: "PathPrefix", value } }));

/** The HTTPRouteFilter a route's blocked paths point to: Envoy answers 404 itself (Envoy Gateway's direct response). */
export function notFoundFilterSpec(s: Pick<PublishedService, "name" | "namespace">) {
    return {
        apiVersion: ENVOY_GATEWAY_VERSION,
        kind: "HTTPRouteFilter",
        metadata: { name: `${s.name}-not-found`, namespace: s.namespace },
        spec: { directResponse: { statusCode: 404 } },
    };
}

/**
 * The HTTPRoute publishing a Service at https://<name>.<domain> through the shared Gateway: its paths to the Service,
 * its blocked paths to a 404. Gateway API gives a request to the rule with the longest matching path prefix, so a
 * blocked path under a published one is never forwarded.
 */
export function httpRouteSpec(s: PublishedService, domain: string, gatewayNamespace: string) {
    const blocked = s.blockedPaths ?? [];
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        metadata: { name: s.name, namespace: s.namespace, annotations: { "pulumi.com/waitFor": ROUTE_ACCEPTED } },
        spec: {
            parentRefs: [{ group: GATEWAY_API_GROUP, kind: "Gateway", name: GATEWAY_NAME, namespace: gatewayNamespace, sectionName: HTTPS_LISTENER }],
            hostnames: [`${s.name}.${domain}`],
            rules: [
                { matches: prefixes(s.paths ?? ["/"]), backendRefs: [{ name: s.serviceName, port: s.servicePort }] },
                ...(blocked.length > 0
                    ? [{ matches: prefixes(blocked), filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: notFoundFilterSpec(s).metadata.name } }] }]
                    : []),
            ],
        },
    };
}

/**
 * Only clients from these CIDRs reach the route; everyone else gets a 403 from Envoy. Envoy Gateway matches
 * `clientCIDRs` against the client address Envoy resolved (internal/xds/translator/authorization.go@v1.9.0:
 * SourceIPInput): with no ClientTrafficPolicy clientIPDetection the HTTP connection manager uses the downstream
 * address and trusts no X-Forwarded-For (listener.go: use_remote_address, 0 trusted hops), and that address is the
 * client's own through PROXY protocol or the NLB's client-IP preservation (nlbAnnotations), so it cannot be forged
 * with a header.
 */
export function clientCidrPolicySpec(route: Pick<PublishedService, "name" | "namespace">, cidrs: readonly string[]) {
    return {
        apiVersion: ENVOY_GATEWAY_VERSION,
        kind: "SecurityPolicy",
        metadata: { name: `${route.name}-client-cidrs`, namespace: route.namespace },
        spec: {
            targetRefs: [{ group: GATEWAY_API_GROUP, kind: "HTTPRoute", name: route.name }],
            authorization: { defaultAction: "Deny", rules: [{ name: "allowed-client-cidrs", action: "Allow", principal: { clientCIDRs: [...cidrs] } }] },
        },
    };
}

/** The wildcard certificate the HTTPS listener terminates with. */
export function gatewayCertificateSpec(namespace: string, domain: string, issuer: AcmeIssuerName) {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: "platform-gateway", namespace },
        spec: {
            secretName: GATEWAY_TLS_SECRET,
            dnsNames: [domain, `*.${domain}`],
            issuerRef: { group: "cert-manager.io", kind: "Issuer", name: issuer },
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
    };
}
