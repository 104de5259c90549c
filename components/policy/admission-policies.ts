// The admission policies every tenant namespace gets, as Kyverno ClusterPolicies (kyverno.io/v1, Kyverno 1.19).
// They match namespaces by the platform's role label only: platform namespaces are exempt by label, never by name.
import type { PolicyConfig } from "../../stacks/schema-tenants";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import { NAMESPACE_ROLE_LABEL } from "../shared/namespaces";
import { BUILDER_NODE_POOL, BUILDER_NODE_ROLE, BUILDER_TAINT, NODE_POOL_LABEL, NODE_ROLE_LABEL } from "../shared/builder-nodes";
import { SYSTEM_NODE_ROLE } from "../shared/placement";
import { CRITICAL_ADDONS_TAINT } from "../cluster/constants";
import { CI_SERVICE_ACCOUNT, SECRET_STORE_SERVICE_ACCOUNT } from "../tenants/tenant-objects";

/** Namespace annotation listing the hostnames a tenant's HTTPRoutes may use (comma-separated). */
export const ALLOWED_HOSTNAMES_ANNOTATION = "platform.io/allowed-hostnames";
/**
 * external-dns publishes the comma-separated names of this annotation of a route (or Service) besides its
 * `spec.hostnames` (v0.21.0 source/gateway.go hosts(); the default `--annotation-prefix`).
 */
export const EXTERNAL_DNS_HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname";
/** The routes' policy, and its rule refusing that annotation. */
export const ROUTE_HOSTNAMES_POLICY = "tenant-route-hostnames";
export const DNS_ANNOTATION_RULE = "no-dns-hostname-annotation";

const TENANT_NAMESPACES = { matchLabels: { [NAMESPACE_ROLE_LABEL]: "tenant" } };
/** The namespace label naming a namespace's tenant (tenant-objects.ts TENANT_LABEL; not imported: that module imports this one). */
const TENANT_LABEL = "platform.io/tenant";
const PODS = { any: [{ resources: { kinds: ["Pod"], namespaceSelector: TENANT_NAMESPACES } }] };

export interface AdmissionRule {
    readonly name: string;
    readonly match: Record<string, unknown>;
    readonly validate: Record<string, unknown>;
    readonly context?: readonly Record<string, unknown>[];
}

export interface AdmissionPolicy {
    readonly name: string;
    readonly title: string;
    /** Extra annotations of the ClusterPolicy (Kyverno settings). */
    readonly annotations?: Readonly<Record<string, string>>;
    /**
     * A boundary between tenants and the platform (what a tenant could otherwise take that is not its own): enforced
     * in every stack, whatever `policy.action` says; that action is for the advisory policies.
     */
    readonly boundary?: true;
    readonly rules: readonly AdmissionRule[];
}

/** The baseline: Pod Security restricted, requests and limits, pinned images from allowed registries, labels, routes. */
export function admissionPolicies(p: PolicyConfig, platformImages: readonly string[] = []): AdmissionPolicy[] {
    // The configured registries (any image below them), plus the platform's own image patterns (tenant repositories,
    // pull-through caches).
    const allowed = [...p.allowedRegistries, ...platformImages];
    const registries = [...p.allowedRegistries.map((r) => `${r}/*`), ...platformImages].join(" | ");
    return [
        {
            name: "tenant-pod-security-restricted",
            title: "Pod Security Standard restricted (no privilege, host namespaces or host paths)",
            rules: [{ name: "restricted", match: PODS, validate: { message: "Pods in tenant namespaces must meet the restricted Pod Security Standard.", podSecurity: { level: "restricted", version: "latest" } } }],
        },
        {
            name: "tenant-require-requests-limits",
            title: "CPU and memory requests, memory limits on every container",
            // Pods only, not their controllers: the namespace's LimitRange fills in defaults when the pod is created,
            // before this validation; a Deployment relying on them would be refused if checked itself.
            annotations: { "pod-policies.kyverno.io/autogen-controllers": "none" },
            rules: [
                {
                    name: "requests-and-limits",
                    match: PODS,
                    validate: {
                        message: "Every container needs CPU and memory requests and a memory limit.",
                        pattern: { spec: { "=(initContainers)": [{ resources: { requests: { cpu: "?*", memory: "?*" }, limits: { memory: "?*" } } }], containers: [{ resources: { requests: { cpu: "?*", memory: "?*" }, limits: { memory: "?*" } } }] } },
                    },
                },
            ],
        },
        {
            name: "tenant-pinned-images",
            title: "No :latest and no untagged images",
            rules: [
                {
                    name: "pinned",
                    match: PODS,
                    validate: {
                        message: "Images must name a tag other than latest (or a digest).",
                        pattern: { spec: { "=(initContainers)": [{ image: "*:* | *@sha256:*" }], containers: [{ image: "*:* | *@sha256:*" }] } },
                    },
                },
                {
                    name: "not-latest",
                    match: PODS,
                    validate: { message: "The latest tag is not allowed.", pattern: { spec: { "=(initContainers)": [{ image: "!*:latest" }], containers: [{ image: "!*:latest" }] } } },
                },
            ],
        },
        {
            name: "tenant-allowed-registries",
            title: "Images only from the platform's registry allow-list",
            rules: [
                {
                    name: "registries",
                    match: PODS,
                    validate: {
                        message: `Images must come from: ${allowed.join(", ")}.`,
                        pattern: { spec: { "=(initContainers)": [{ image: registries }], containers: [{ image: registries }] } },
                    },
                },
            ],
        },
        {
            name: "tenant-required-labels",
            title: "The platform's standard labels on every pod",
            rules: [
                {
                    name: "labels",
                    match: PODS,
                    validate: { message: `Pods need the labels ${p.requiredLabels.join(", ")}.`, pattern: { metadata: { labels: Object.fromEntries(p.requiredLabels.map((l) => [l, "?*"])) } } },
                },
            ],
        },
        {
            name: "tenant-no-host-access",
            title: "No host network, host ports, host paths or privileged containers",
            rules: [
                {
                    name: "host",
                    match: PODS,
                    validate: {
                        message: "Host network, host PID/IPC, hostPath volumes and privileged containers are not allowed.",
                        pattern: {
                            spec: {
                                "=(hostNetwork)": false,
                                "=(hostPID)": false,
                                "=(hostIPC)": false,
                                "=(volumes)": [{ "X(hostPath)": "null" }],
                                containers: [{ "=(securityContext)": { "=(privileged)": false } }],
                            },
                        },
                    },
                },
            ],
        },
        {
            name: ROUTE_HOSTNAMES_POLICY,
            title: "HTTPRoutes only for the tenant's own hostnames (and no DNS names by annotation)",
            // Audited only, a tenant's longer prefix on a platform name (sso.<domain>/realms/platform/...) wins over
            // the platform's route (Gateway API: the longest prefix match across routes of a listener).
            boundary: true,
            rules: [
                {
                    name: "hostnames",
                    match: { any: [{ resources: { kinds: ["gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/GRPCRoute"], namespaceSelector: TENANT_NAMESPACES } }] },
                    context: [{ name: "allowed", apiCall: { urlPath: "/api/v1/namespaces/{{request.namespace}}", jmesPath: `metadata.annotations."${ALLOWED_HOSTNAMES_ANNOTATION}" || ''` } }],
                    validate: {
                        message: `Routes may only use the hostnames in the namespace's ${ALLOWED_HOSTNAMES_ANNOTATION} annotation.`,
                        deny: { conditions: { any: [{ key: "{{ request.object.spec.hostnames || `[]` }}", operator: "AnyNotIn", value: "{{ split(allowed, ',') }}" }] } },
                    },
                },
                {
                    // external-dns would publish these names too, pointing at the shared load balancer, unchecked by the
                    // rule above. Its `--ignore-hostname-annotation` is no way out: v0.21.0 refuses to start with it
                    // unless `--fqdn-template` is set too. Services as well, should the `service` source be turned on.
                    name: DNS_ANNOTATION_RULE,
                    match: { any: [{ resources: { kinds: ["gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/GRPCRoute", "Service"], namespaceSelector: TENANT_NAMESPACES } }] },
                    validate: {
                        message: `Routes and Services in tenant namespaces may not carry ${EXTERNAL_DNS_HOSTNAME_ANNOTATION}: DNS names come from the routes' spec.hostnames only.`,
                        pattern: { metadata: { "=(annotations)": { [`X(${EXTERNAL_DNS_HOSTNAME_ANNOTATION})`]: "null" } } },
                    },
                },
                {
                    name: "hostnames-required",
                    match: { any: [{ resources: { kinds: ["gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/GRPCRoute"], namespaceSelector: TENANT_NAMESPACES } }] },
                    validate: { message: "Routes must name their hostnames (a route without any would take every hostname of the gateway).", pattern: { spec: { hostnames: ["?*"] } } },
                },
            ],
        },
        builderNodesPolicy(),
        serviceExternalIpsPolicy(),
        serviceAccountTokensPolicy(),
    ];
}

/** The service accounts' policy: `tenant-service-account-tokens`. */
export const SERVICE_ACCOUNT_TOKENS_POLICY = "tenant-service-account-tokens";

/**
 * Tenants never hold a token of the accounts the platform uses in their namespaces: `ci` (what Argo CD's syncs
 * impersonate) and `vault-secret-store` (External Secrets' Vault login). A member may create Secrets and pods, so
 * without this a `kubernetes.io/service-account-token` Secret (a token that never expires, kept after the member
 * leaves the team) or a pod running as one of them would hand the member that account. Short-lived tokens for them
 * are requested by the controllers (TokenRequest), which a member may not do. A boundary: enforced in every stack.
 */
export function serviceAccountTokensPolicy(): AdmissionPolicy {
    const platformAccounts = [CI_SERVICE_ACCOUNT, SECRET_STORE_SERVICE_ACCOUNT].map((a) => `!${a}`).join(" & ");
    return {
        name: SERVICE_ACCOUNT_TOKENS_POLICY,
        title: "No long-lived tokens, and no pods, for the platform's accounts in tenant namespaces",
        boundary: true,
        rules: [
            {
                name: "no-token-secrets",
                match: { any: [{ resources: { kinds: ["Secret"], namespaceSelector: TENANT_NAMESPACES } }] },
                validate: {
                    message: "Secrets in tenant namespaces may not be service account tokens (kubernetes.io/service-account-token): they never expire.",
                    pattern: { "=(type)": "!kubernetes.io/service-account-token" },
                },
            },
            {
                name: "no-platform-accounts",
                match: { any: [{ resources: { kinds: ["Pod"], namespaceSelector: TENANT_NAMESPACES } }] },
                validate: {
                    message: `Pods in tenant namespaces may not run as ${CI_SERVICE_ACCOUNT} or ${SECRET_STORE_SERVICE_ACCOUNT} (the accounts Argo CD and External Secrets act as).`,
                    pattern: { spec: { "=(serviceAccountName)": platformAccounts } },
                },
            },
        ],
    };
}

/** The Services' policy: `tenant-service-external-ips`. */
export const SERVICE_EXTERNAL_IPS_POLICY = "tenant-service-external-ips";

/**
 * No `externalIPs` on a tenant's Service (CVE-2020-8554): kube-proxy on every node sends what any pod or the node
 * itself sends to those addresses and ports to the Service's endpoints, so a tenant would receive, say, what the
 * gateway's proxies or Prometheus send to a platform pod's address (its namespaces admit both). EKS does not turn on
 * the DenyServiceExternalIPs admission plugin. A boundary: enforced in every stack. `X(…)` (Kyverno's negation
 * anchor): the field must be absent.
 */
export function serviceExternalIpsPolicy(): AdmissionPolicy {
    return {
        name: SERVICE_EXTERNAL_IPS_POLICY,
        title: "No externalIPs on tenant Services",
        boundary: true,
        rules: [
            {
                name: "no-external-ips",
                match: { any: [{ resources: { kinds: ["Service"], namespaceSelector: TENANT_NAMESPACES } }] },
                validate: {
                    message: "Services in tenant namespaces may not set externalIPs (kube-proxy would send other pods' traffic for those addresses to them).",
                    pattern: { spec: { "X(externalIPs)": "null" } },
                },
            },
        ],
    };
}

/** The builders' nodes' policy: `tenant-builder-nodes`. */
export const BUILDER_NODES_POLICY = "tenant-builder-nodes";

/**
 * Tenant pods stay off the builders' nodes, where builds run with seccomp and AppArmor unconfined, and off the System
 * nodes, which hold every platform pod (platformPods: SystemNodes) sized to their requests: no toleration of either
 * taint (nor a toleration without a key, which tolerates every taint), no node selector naming their pool or role, no
 * required node affinity naming the pool or role label at all, and no pod created bound to a node by name (the kubelet
 * ignores a NoSchedule taint, the System nodes'; the builders' NoExecute taint refuses it there too). Pods are refused
 * `nodeName` on create only: the scheduler sets it on every pod through the binding, and later updates carry it. A
 * boundary: enforced in every stack. Patterns as Kyverno 1.19 reads them (pkg/engine/validate, pkg/engine/pattern): a
 * key the pattern names but the toleration lacks fails `!…`, so a keyless toleration is refused; `=(…)` applies only
 * where the pod has the field.
 */
export function builderNodesPolicy(): AdmissionPolicy {
    const keys = [`!${NODE_POOL_LABEL}`, `!${NODE_ROLE_LABEL}`].join(" & ");
    return {
        name: BUILDER_NODES_POLICY,
        title: "No tenant pod on the builders' or the System nodes",
        boundary: true,
        rules: [
            {
                name: "no-builder-toleration",
                match: PODS,
                validate: {
                    message: `Pods in tenant namespaces may not tolerate the builder nodes' taint ${BUILDER_TAINT.key} or the System nodes' ${CRITICAL_ADDONS_TAINT.key}, nor every taint (a toleration needs a key).`,
                    pattern: { spec: { "=(tolerations)": [{ key: `!${BUILDER_TAINT.key} & !${CRITICAL_ADDONS_TAINT.key}` }] } },
                },
            },
            {
                name: "no-builder-pool",
                match: PODS,
                validate: {
                    message: `Pods in tenant namespaces may not select the builders' or the System nodes (${NODE_POOL_LABEL}=${BUILDER_NODE_POOL}, ${NODE_ROLE_LABEL}=${BUILDER_NODE_ROLE} or ${SYSTEM_NODE_ROLE}); their required node affinity names neither label.`,
                    pattern: {
                        spec: {
                            "=(nodeSelector)": { [`=(${NODE_POOL_LABEL})`]: `!${BUILDER_NODE_POOL}`, [`=(${NODE_ROLE_LABEL})`]: `!${BUILDER_NODE_ROLE} & !${SYSTEM_NODE_ROLE}` },
                            "=(affinity)": {
                                "=(nodeAffinity)": {
                                    "=(requiredDuringSchedulingIgnoredDuringExecution)": { nodeSelectorTerms: [{ "=(matchExpressions)": [{ key: keys }] }] },
                                },
                            },
                        },
                    },
                },
            },
            {
                name: "no-node-name",
                match: { any: [{ resources: { kinds: ["Pod"], operations: ["CREATE"], namespaceSelector: TENANT_NAMESPACES } }] },
                validate: {
                    message: "Pods in tenant namespaces may not be created bound to a node (spec.nodeName): the scheduler places them, and the kubelet would ignore the System nodes' NoSchedule taint.",
                    pattern: { spec: { "X(nodeName)": "null" } },
                },
            },
        ],
    };
}

/**
 * Every name the account's registry answers to, as an image pattern: `<account>.dkr*`. Besides the regional host
 * (`<account>.dkr.ecr.<region>.amazonaws.com`) ECR serves the same repositories as `<account>.dkr-ecr.<region>.on.aws`
 * (dual-stack), under `dkr.ecr-fips`/`dkr-ecr-fips` and in every other region, and the nodes' credential provider
 * logs in to all of them (amazon-eks-ami nodeadm `image-credential-provider.go` matchImages): a boundary naming the
 * regional host alone is passed by the same image under another name, which no signature rule names either.
 */
export function registryNames(host: string): string {
    const account = /^(\d{12})\.dkr[.-]/.exec(host)?.[1];
    if (account === undefined) throw new Error(`expected an ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com), got ${host}`);
    return `${account}.dkr*`;
}

/**
 * Images of the platform's registry, for one tenant: its own repository (`<data name>/apps`, when it has one) and the
 * pull-through caches by the registry's regional host, nothing else of the account under any of its names
 * (registryNames). Nodes pull with one role that reads every repository, and the allow-list admits the whole registry
 * host, so without this a tenant runs another's private image. A boundary: enforced in every stack. One policy per
 * tenant (the tenant's own object): onboarding changes no shared policy.
 */
export function ownRepositoryPolicy(a: { readonly host: string; readonly caches: readonly string[]; readonly tenant: string; readonly repository?: string }): AdmissionPolicy {
    const own = a.repository ? [`${a.host}/${a.repository}:*`, `${a.host}/${a.repository}@*`] : [];
    const images = [`!${registryNames(a.host)}`, ...own, ...a.caches.map((c) => `${c}/*`)].join(" | ");
    return {
        name: `${OWN_REPOSITORY_POLICY}-${a.tenant}`,
        title: "Images of the platform's registry only from the tenant's own repository or the caches",
        boundary: true,
        rules: [
            {
                name: "own-repository",
                match: { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { ...TENANT_NAMESPACES.matchLabels, [TENANT_LABEL]: a.tenant } } } }] },
                validate: {
                    message: `Images of ${a.host} (under any of its registry's names) must come from ${a.repository ? `the tenant's repository ${a.host}/${a.repository} or ` : ""}the pull-through caches, by that host.`,
                    pattern: { spec: { "=(initContainers)": [{ image: images }], containers: [{ image: images }] } },
                },
            },
        ],
    };
}
/** Prefix of the tenants' registry boundary policies (`tenant-own-repository-<tenant>`). */
export const OWN_REPOSITORY_POLICY = "tenant-own-repository";

/** The metadata and spec of one policy's ClusterPolicy: every rule with the stack's action (Audit or Enforce), or Enforce for a boundary. */
export function clusterPolicySpec(policy: AdmissionPolicy, stackAction: PolicyConfig["action"]) {
    const action = policy.boundary ? "Enforce" : stackAction;
    return {
        // Ready once Kyverno has registered its webhook rules: tenant namespaces are created only after that.
        metadata: { name: policy.name, annotations: { "policies.kyverno.io/title": policy.title, "pulumi.com/waitFor": "condition=Ready", ...policy.annotations } },
        spec: {
            background: true,
            rules: policy.rules.map((r) => ({
                name: r.name,
                match: r.match,
                ...(r.context ? { context: r.context } : {}),
                validate: { failureAction: action, ...r.validate },
            })),
        },
    };
}

/** Kyverno's reference to an AWS KMS key (sigstore's KMS URI: a key or alias ARN, or `alias/<name>`). */
export const kmsKeyRef = (keyOrAlias: string) => `awskms:///${keyOrAlias}`;

/** A tenant's signing key, as the signature policy names it. */
export interface TenantKey {
    readonly tenant: string;
    /** `alias/…`: known before the key is created (by the delivery layer, after the policies). */
    readonly keyAlias: string;
}


/** A tenant's keyless signers: the GitHub repositories (owner/name) whose own workflows sign its images, and the refs they may run from. */
export interface TenantWorkflows {
    readonly tenant: string;
    readonly repositories: readonly string[];
    readonly refs: readonly string[];
}

/** Who signs for which tenant: the policy's rules, one per tenant. */
export interface TenantSigners {
    readonly tenantKeys: readonly TenantKey[];
    readonly tenantWorkflows: readonly TenantWorkflows[];
}

/** What of a tenant decides its signers. */
export type SigningTenant = { readonly name: string; readonly ecrRepository: boolean; readonly ci: { readonly signingRepositories: readonly string[]; readonly signingRefs: readonly string[] } };

/**
 * The signers of these tenants under the stack's verifier: with TenantKmsKeys each tenant with a repository (what
 * its CI pushes and signs) by its key's alias; with Keyless each tenant naming signing repositories by their
 * workflows (validation requires a repository with them); none without a verifier.
 */
export function tenantSigners<T extends SigningTenant>(s: AppDeliveryConfig["signatures"], tenants: readonly T[], keyAlias: (tenant: T) => string): TenantSigners {
    const type = s.verifier?.type;
    return {
        tenantKeys: type === "TenantKmsKeys" ? tenants.filter((t) => t.ecrRepository).map((t) => ({ tenant: t.name, keyAlias: keyAlias(t) })) : [],
        tenantWorkflows:
            type === "Keyless" ? tenants.filter((t) => t.ci.signingRepositories.length > 0).map((t) => ({ tenant: t.name, repositories: t.ci.signingRepositories, refs: t.ci.signingRefs })) : [],
    };
}

/** Where GitHub Actions' keyless identities point: Fulcio writes `https://github.com/<job_workflow_ref>` as the certificate's subject. */
export const GITHUB_URL = "https://github.com";

/** A literal for Go's regexp (RE2): its metacharacters escaped, so a repository's '.' matches a dot only. */
export const escapeRegExp = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/**
 * The certificate subject of a workflow of `repository` run from one of `refs`, as a regular expression: GitHub's
 * job_workflow_ref, `https://github.com/<owner>/<name>/.github/workflows/<file>@<ref>`. Anchored at both ends (Go's
 * MatchString finds a match anywhere); the repository escaped, so `acme/shop` matches neither `acme/shop.evil` nor
 * `acme/shop-evil`; the file takes no '/' or '@' (workflows live in .github/workflows itself, and the first '@' ends
 * the path), so a branch named `x@refs/heads/main` is not main. A ref's trailing `*` takes any rest.
 */
export function workflowSubjectRegExp(repository: string, refs: readonly string[]): string {
    const alternatives = refs.map((r) => (r.endsWith("*") ? `${escapeRegExp(r.slice(0, -1))}.*` : escapeRegExp(r)));
    return `^${escapeRegExp(`${GITHUB_URL}/${repository}/.github/workflows/`)}[^/@]+@(?:${alternatives.join("|")})$`;
}

/**
 * Image signatures in tenant namespaces (cosign): each tenant's own KMS key, or keyless identities of its own
 * repositories' workflows. Audit reports, Enforce refuses and pins the verified digest (Kyverno allows digest
 * mutation only when enforcing). One rule per tenant: its namespaces admit the covered images only when signed with
 * its own key, or by a workflow of one of its own repositories, so what another tenant's CI signs (in that tenant's
 * repository) runs nowhere but there.
 */
export function signaturePolicySpec(
    s: AppDeliveryConfig["signatures"],
    imageReferences: readonly string[],
    tenantKeys: readonly TenantKey[] = [],
    tenantWorkflows: readonly TenantWorkflows[] = [],
) {
    const verifier = s.verifier;
    if (verifier === undefined) return undefined;
    // Signed with `cosign sign --key awskms:///alias/… --tlog-upload=false`: nothing in the public logs to check.
    const kms = (alias: string) => ({ keys: { kms: kmsKeyRef(alias), rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } } });
    const rule = (tenant: string, entries: Record<string, unknown>[]) => ({
        name: `signed-${tenant}`,
        match: { any: [{ resources: { kinds: ["Pod"], namespaceSelector: { matchLabels: { ...TENANT_NAMESPACES.matchLabels, [TENANT_LABEL]: tenant } } } }] },
        verifyImages: [
            {
                type: "Cosign",
                imageReferences: [...imageReferences],
                failureAction: s.action,
                mutateDigest: s.action === "Enforce",
                verifyDigest: true,
                required: true,
                // Signatures sit next to the images in ECR: read with the admission controller's identity.
                imageRegistryCredentials: { providers: ["amazon"] },
                // One entry verifying is enough (one per key, or per signing repository).
                attestors: [{ count: 1, entries }],
            },
        ],
    });
    const rules =
        verifier.type === "TenantKmsKeys"
            ? tenantKeys.map((k) => rule(k.tenant, [kms(k.keyAlias)]))
            : tenantWorkflows.map((w) =>
                  rule(
                      w.tenant,
                      w.repositories.map((repository) => ({
                          keyless: {
                              issuer: verifier.issuer,
                              subjectRegExp: workflowSubjectRegExp(repository, w.refs),
                              // The repository the run is for (Fulcio's deprecated 1.3.6.1.4.1.57264.1.5, still issued):
                              // a reusable workflow of this repository called from another names that other one here.
                              additionalExtensions: { githubWorkflowRepository: repository },
                              rekor: { url: verifier.rekorUrl },
                          },
                      })),
                  ),
              );
    if (rules.length === 0) return undefined;
    return {
        metadata: {
            name: "tenant-verify-image-signatures",
            annotations: {
                "policies.kyverno.io/title": "Signed images only (cosign)",
                "pulumi.com/waitFor": "condition=Ready",
                // Pods only: pinning the digest into a Deployment would fight Argo CD's self-heal, which restores the tag.
                "pod-policies.kyverno.io/autogen-controllers": "none",
            },
        },
        spec: {
            background: false,
            // Fetching signatures takes longer than the 10 s default.
            webhookConfiguration: { timeoutSeconds: 30 },
            rules,
        },
    };
}
