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
    /** First label of the hostname: <name>.<domain>. */
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

/** The HTTPRoute publishing a Service at https://<name>.<domain> through the shared Gateway. */
/** Pulumi waits until the shared Gateway has accepted the route (what depends on the hostname waits for that). */
export const ROUTE_ACCEPTED = 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True';

export function httpRouteSpec(s: PublishedService, domain: string, gatewayNamespace: string) {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        metadata: { name: s.name, namespace: s.namespace, annotations: { "pulumi.com/waitFor": ROUTE_ACCEPTED } },
        spec: {
            parentRefs: [{ group: GATEWAY_API_GROUP, kind: "Gateway", name: GATEWAY_NAME, namespace: gatewayNamespace, sectionName: HTTPS_LISTENER }],
            hostnames: [`${s.name}.${domain}`],
            rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: s.serviceName, port: s.servicePort }] }],
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
