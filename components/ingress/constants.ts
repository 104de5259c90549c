// Names the ingress layer shares between its components, its config schema and its tests.

/** ACME issuers the platform defines (namespaced, in the gateway's namespace); `ingress.certificates.issuer` picks the one the shared Gateway uses. */
export const ACME_ISSUERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-production": "https://acme-v02.api.letsencrypt.org/directory",
} as const;
export type AcmeIssuerName = keyof typeof ACME_ISSUERS;
export const ACME_ISSUER_NAMES = Object.keys(ACME_ISSUERS) as AcmeIssuerName[];

export const HOSTED_ZONE_MODES = ["Existing", "Delegated"] as const;
export const LOAD_BALANCER_SCHEMES = ["internet-facing", "internal"] as const;
export const EXTERNAL_DNS_POLICIES = ["sync", "upsert-only"] as const;
export const ZONE_SPREAD = ["ScheduleAnyway", "DoNotSchedule"] as const;

/** Route 53 hosted zone ids: Z followed by upper-case letters and digits. */
export const HOSTED_ZONE_ID_PATTERN = /^Z[A-Z0-9]{4,32}$/;
/** A lower-case DNS name of at least two labels, without trailing dot. */
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const GATEWAY_CLASS = "platform";
export const GATEWAY_NAME = "platform";
export const HTTPS_LISTENER = "https";
export const HTTP_LISTENER = "http";
export const GATEWAY_TLS_SECRET = "platform-gateway-tls";
/** A new NLB and the first Envoy target it reports healthy take minutes: how long `pulumi up` waits for the Gateway. */
export const GATEWAY_READY_TIMEOUT = "20m";

/** Namespaces with this label get the AWS Load Balancer Controller's target-health readiness gates. */
export const POD_READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

export const CHART_REPOSITORIES = {
    gatewayCrds: "oci://docker.io/envoyproxy/gateway-crds-helm",
    envoyGateway: "oci://docker.io/envoyproxy/gateway-helm",
    awsLoadBalancerController: "https://aws.github.io/eks-charts",
    certManager: "https://charts.jetstack.io",
    externalDns: "https://kubernetes-sigs.github.io/external-dns",
} as const;
