// Who may obtain which publicly trusted certificate. The ACME issuers are namespaced (in the gateway's namespace),
// authenticate to Route 53 with a token of their own ServiceAccount (no ambient credentials anywhere in cert-manager),
// and cert-manager's automatic approval is off: approver-policy approves a CertificateRequest only when a
// CertificateRequestPolicy selecting its namespace and issuer allows every name in it.
import type * as pulumi from "@pulumi/pulumi";
import { ACME_ISSUERS, AcmeIssuerName } from "./constants";

/** ServiceAccount (in the gateway's namespace) whose token the ACME issuers exchange for the Route 53 role (IRSA). */
export const ACME_DNS01_SERVICE_ACCOUNT = "acme-dns01";

/** A namespaced ACME issuer solving DNS-01 in the platform zone with the role behind its ServiceAccount's token. */
export function acmeIssuerSpec(
    name: AcmeIssuerName,
    a: { namespace: string; email: string; region: string; hostedZoneId: pulumi.Input<string>; domain: string; roleArn: pulumi.Input<string> },
) {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Issuer",
        metadata: { name, namespace: a.namespace },
        spec: {
            acme: {
                server: ACME_ISSUERS[name],
                email: a.email,
                privateKeySecretRef: { name: `${name}-account-key` },
                solvers: [
                    {
                        selector: { dnsZones: [a.domain] },
                        dns01: {
                            route53: {
                                region: a.region,
                                hostedZoneID: a.hostedZoneId,
                                role: a.roleArn,
                                auth: { kubernetes: { serviceAccountRef: { name: ACME_DNS01_SERVICE_ACCOUNT } } },
                            },
                        },
                    },
                ],
            },
        },
    };
}

/** cert-manager may request tokens for the DNS-01 ServiceAccount only (cert-manager's documented RBAC for serviceAccountRef). */
export function tokenRequestRole(namespace: string, certManagerServiceAccount: { name: string; namespace: string }) {
    const name = "cert-manager-acme-dns01-token";
    return {
        role: {
            metadata: { name, namespace },
            rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [ACME_DNS01_SERVICE_ACCOUNT], verbs: ["create"] }],
        },
        binding: {
            metadata: { name, namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", ...certManagerServiceAccount }],
        },
    };
}

/** Key usages cert-manager puts in requests for TLS server certificates. */
export const SERVER_CERTIFICATE_USAGES = ["digital signature", "key encipherment", "server auth"] as const;

export interface CertificatePolicyArgs {
    /** The only namespace whose requests this policy decides. */
    readonly namespace: string;
    /** Names that may appear in a request: literal, or with a leading `*.` (what IAM can scope DNS-01 to as well). */
    readonly dnsNames: readonly string[];
}

/** A CertificateRequestPolicy: requests from one namespace, to the platform's ACME issuers, for these names only. */
export function certificateRequestPolicySpec(name: string, a: CertificatePolicyArgs) {
    return {
        apiVersion: "policy.cert-manager.io/v1alpha1",
        kind: "CertificateRequestPolicy",
        metadata: { name },
        spec: {
            allowed: { dnsNames: { values: [...a.dnsNames], required: true }, usages: [...SERVER_CERTIFICATE_USAGES] },
            selector: {
                issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "letsencrypt-*" },
                namespace: { matchNames: [a.namespace] },
            },
        },
    };
}

/** Key usages of a layer's private server certificates: TLS servers that are also clients of each other (raft peers). */
export const PRIVATE_SERVER_USAGES = ["digital signature", "key encipherment", "server auth", "client auth"] as const;

export interface PrivateCaArgs {
    /** The namespace whose own issuers these are. */
    readonly namespace: string;
    /** The self-signed issuer that signs the CA certificate, and only it. */
    readonly rootIssuer: string;
    /** Common name of the CA certificate. */
    readonly caCommonName: string;
    /** The CA issuer, and the names its server certificates may carry. */
    readonly caIssuer: string;
    readonly dnsNames: readonly string[];
    /** IP addresses server certificates may carry (e.g. 127.0.0.1 for a CLI inside the pod). @default none */
    readonly ipAddresses?: readonly string[];
}

/**
 * The two CertificateRequestPolicies of a layer's private CA in its own namespace: the CA certificate (isCA, its
 * common name, from the self-signed issuer), and server certificates from the CA issuer for the given names only.
 */
export function privateCaPolicySpecs(policyName: string, a: PrivateCaArgs) {
    const base = (name: string, issuer: string, allowed: Record<string, unknown>) => ({
        apiVersion: "policy.cert-manager.io/v1alpha1",
        kind: "CertificateRequestPolicy",
        metadata: { name },
        spec: { allowed, selector: { issuerRef: { group: "cert-manager.io", kind: "Issuer", name: issuer }, namespace: { matchNames: [a.namespace] } } },
    });
    return {
        ca: base(`${policyName}-ca`, a.rootIssuer, { isCA: true, commonName: { value: a.caCommonName, required: true }, usages: ["digital signature", "key encipherment", "cert sign"] }),
        servers: base(`${policyName}-servers`, a.caIssuer, {
            dnsNames: { values: [...a.dnsNames], required: true },
            ...(a.ipAddresses?.length ? { ipAddresses: { values: [...a.ipAddresses] } } : {}),
            usages: [...PRIVATE_SERVER_USAGES],
        }),
    };
}

/** approver-policy checks the requester may `use` a policy; the requester of a Certificate's requests is cert-manager. */
export function policyUseRbac(policyName: string, certManagerServiceAccount: { name: string; namespace: string }) {
    const name = `cert-manager-policy:${policyName}`;
    return {
        clusterRole: {
            metadata: { name },
            rules: [{ apiGroups: ["policy.cert-manager.io"], resources: ["certificaterequestpolicies"], resourceNames: [policyName], verbs: ["use"] }],
        },
        binding: {
            metadata: { name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ kind: "ServiceAccount", ...certManagerServiceAccount }],
        },
    };
}

/** approver-policy's wildcard: `*` stands for any string (dots included). */
export function wildcardMatches(pattern: string, value: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(value);
}

export interface CertificateRequestView {
    readonly namespace: string;
    readonly issuerRef: { readonly group: string; readonly kind: string; readonly name: string };
    readonly dnsNames: readonly string[];
    readonly usages: readonly string[];
}

interface PolicySpec {
    readonly spec: {
        readonly allowed: { readonly dnsNames?: { readonly values: readonly string[] }; readonly usages?: readonly string[] };
        readonly selector: { readonly issuerRef: { readonly group: string; readonly kind: string; readonly name: string }; readonly namespace: { readonly matchNames: readonly string[] } };
    };
}

/**
 * What approver-policy decides for a request, given the platform's policies: approved when a policy selecting the
 * request's namespace and issuer allows every name and usage in it; denied otherwise (cert-manager's own approver is off).
 */
export function approved(policies: readonly PolicySpec[], r: CertificateRequestView): boolean {
    return policies.some(({ spec }) => {
        const ref = spec.selector.issuerRef;
        const selects =
            wildcardMatches(ref.group, r.issuerRef.group) && wildcardMatches(ref.kind, r.issuerRef.kind) && wildcardMatches(ref.name, r.issuerRef.name) &&
            spec.selector.namespace.matchNames.some((n) => wildcardMatches(n, r.namespace));
        // A policy without dnsNames (a CA's) allows no name.
        const names = r.dnsNames.length > 0 && r.dnsNames.every((d) => (spec.allowed.dnsNames?.values ?? []).some((p) => wildcardMatches(p, d)));
        const usages = r.usages.every((u) => (spec.allowed.usages ?? []).includes(u));
        return selects && names && usages;
    });
}
