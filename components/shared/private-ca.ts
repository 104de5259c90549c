// A layer's own private CA and its server certificate, for TLS from the gateway (and in-cluster clients) to a
// platform service. Written once for every layer that terminates TLS itself (Vault, Keycloak).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PrivateCaArgs } from "../ingress/certificate-policy";
import { PRIVATE_SERVER_USAGES } from "../ingress/certificate-policy";

/** What a layer needs from the certificate machinery: a private CA of its own, approved for its names only. */
export interface PrivateCaGrant {
    allowPrivateCa(name: string, policyName: string, a: PrivateCaArgs): pulumi.Resource[];
}

export interface PrivateServerCertificateArgs extends PrivateCaArgs {
    readonly certificates: PrivateCaGrant;
    /** Name of the approver policies (`<policyName>-ca`, `<policyName>-servers`). */
    readonly policyName: string;
    /** Secret of the CA certificate (the CA issuer signs with it). */
    readonly caSecret: string;
    /** Secret of the server certificate, with the CA's ca.crt beside tls.crt/tls.key. */
    readonly tlsSecret: string;
    /** The namespace resource the issuers live in. */
    readonly namespaceResource: pulumi.Resource;
    /** Lifetime and renewal of the server certificate (the server must reload it in that window). */
    readonly duration: string;
    readonly renewBefore: string;
}

/**
 * A self-signed root issuer that signs only the CA certificate, the CA issuer that signs only server certificates
 * for the given names (both approved by approver-policy), and the server certificate. Returns the Certificate.
 */
export function privateServerCertificate(name: string, a: PrivateServerCertificateArgs, opts: { parent: pulumi.Resource; provider: k8s.Provider }): k8s.apiextensions.CustomResource {
    const ns = a.namespace;
    const grants = a.certificates.allowPrivateCa(name, a.policyName, a);
    const issuer = (role: string, issuerName: string, spec: object, dependsOn: pulumi.Resource[]) =>
        new k8s.apiextensions.CustomResource(
            `${name}-${role}`,
            { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: issuerName, namespace: ns }, spec },
            { ...opts, dependsOn: [a.namespaceResource, ...grants, ...dependsOn] },
        );
    const root = issuer("root-issuer", a.rootIssuer, { selfSigned: {} }, []);
    const ca = new k8s.apiextensions.CustomResource(
        `${name}-ca-certificate`,
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: a.caSecret, namespace: ns },
            spec: {
                isCA: true,
                commonName: a.caCommonName,
                secretName: a.caSecret,
                duration: "87600h", // 10 years: the CA outlives many server certificates
                usages: ["digital signature", "key encipherment", "cert sign"],
                privateKey: { algorithm: "ECDSA", size: 256 },
                issuerRef: { group: "cert-manager.io", kind: "Issuer", name: a.rootIssuer },
            },
        },
        { ...opts, dependsOn: [root, ...grants] },
    );
    const caIssuer = issuer("ca-issuer", a.caIssuer, { ca: { secretName: a.caSecret } }, [ca]);
    return new k8s.apiextensions.CustomResource(
        `${name}-server-certificate`,
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: a.tlsSecret, namespace: ns },
            spec: {
                secretName: a.tlsSecret,
                dnsNames: [...a.dnsNames],
                ...(a.ipAddresses?.length ? { ipAddresses: [...a.ipAddresses] } : {}),
                duration: a.duration,
                renewBefore: a.renewBefore,
                usages: [...PRIVATE_SERVER_USAGES],
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                issuerRef: { group: "cert-manager.io", kind: "Issuer", name: a.caIssuer },
            },
        },
        { ...opts, dependsOn: [caIssuer, ...grants] },
    );
}
