// Namespaces the platform itself runs in, and the labels that tell platform and tenant namespaces apart.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Every platform layer's namespace, in one place: backups always include them, routes from them are admitted. */
export const PLATFORM_NAMESPACES = {
    backup: "velero",
    certManager: "cert-manager",
    externalSecrets: "external-secrets",
    externalDns: "external-dns",
    gatewayController: "envoy-gateway-system",
    gateway: "platform-gateway",
    monitoring: "monitoring",
    // The Kyverno chart's pre-delete scale-to-zero hook only works in this namespace (its default).
    policy: "kyverno",
    secrets: "vault",
    sso: "keycloak",
    gitops: "argocd",
    ciRunners: "arc-systems",
} as const;

/** Label on every namespace the platform manages; the shared Gateway admits routes by it. */
export const NAMESPACE_ROLE_LABEL = "platform.io/namespace-role";
/**
 * ci: a tenant's CI runners and each job's builder, managed by the platform (the tenant reads pods and logs only:
 * creating a pod there would name the runners' Pod Identity account).
 */
export type NamespaceRole = "platform" | "tenant" | "ci";

/** Pod Security Admission level enforced in the namespace. */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export function namespaceLabels(role: NamespaceRole, podSecurity: PodSecurityLevel): Record<string, string> {
    return {
        [NAMESPACE_ROLE_LABEL]: role,
        "pod-security.kubernetes.io/enforce": podSecurity,
        "pod-security.kubernetes.io/warn": "restricted",
    };
}

/** A platform namespace with its role and Pod Security labels (plus any the layer needs). */
export function platformNamespace(
    name: string,
    namespace: string,
    podSecurity: PodSecurityLevel,
    opts: pulumi.CustomResourceOptions,
    extraLabels: Readonly<Record<string, string>> = {},
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, { metadata: { name: namespace, labels: { ...extraLabels, ...namespaceLabels("platform", podSecurity) } } }, opts);
}
