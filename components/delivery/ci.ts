// A tenant's CI capacity as pure data: the GitHub App secret from its Vault path, the runner scale set's values,
// its push-only identity on its repository, and the rootless BuildKit builder its jobs build with.
import { createHash } from "crypto";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";
import { networkPolicySpecs, TENANT_LABEL } from "../tenants/tenant-objects";
import { BUILDER_NODE_POOL, BUILDER_TOLERATION, NODE_POOL_LABEL } from "../shared/builder-nodes";
import { NAMESPACE_ROLE_LABEL } from "../shared/namespaces";
import { durationSeconds } from "../shared/duration";
import { TENANT_CI_SUBPATH } from "../secrets/vault-policies";

/** The runners' service account (Pod Identity: push to the tenant's repository). */
export const RUNNER_SERVICE_ACCOUNT = "ci-runner";
/** Secret holding the GitHub App's ids and key, in the runners' namespace (the keys ARC reads). */
export const GITHUB_APP_SECRET = "github-app";
/** Below the tenant's KV prefix (`tenants/<name>/`): where a platform admin puts the App's private key (its CI store alone reads `ci/`). */
export const GITHUB_APP_VAULT_PATH = `${TENANT_CI_SUBPATH}/github-app`;
export const BUILDKIT_PORT = 1234;
export const BUILDER_NAME = "buildkitd";
/** What pods need to pass the platform's label policy. */
const APP_LABEL = "app.kubernetes.io/name";
/** The builder's pods: what the runners' namespace may reach. */
export const BUILDER_LABELS: Readonly<Record<string, string>> = { [APP_LABEL]: BUILDER_NAME };
/** The builder's server certificate (cert-manager's tls.crt, tls.key and its CA's ca.crt), in its namespace. */
export const BUILDER_TLS_SECRET = "buildkitd-tls";
/** The runners' client certificate for their builder, in the CI namespace. */
export const BUILDER_CLIENT_TLS_SECRET = "buildkit-client-tls";
/** Where the runner container finds its client certificate: what `buildctl --tlsdir` reads (ca.crt, tls.crt, tls.key). */
export const RUNNER_BUILDKIT_TLS_DIR = "/buildkit-tls";
const BUILDER_CERTS_DIR = "/certs";

/** The ExternalSecret building ARC's GitHub App secret: ids from config, the private key from the tenant's own Vault path. */
export function githubAppSecretSpec(a: { readonly namespace: string; readonly store: string; readonly vaultPrefix: string; readonly app: { appId: number; installationId: number } }) {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        // Not awaited: the key is written by the tenant's owners; until then the scale set's listener waits for it.
        metadata: { name: GITHUB_APP_SECRET, namespace: a.namespace, annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            refreshInterval: "1h",
            secretStoreRef: { kind: "ClusterSecretStore", name: a.store },
            target: {
                name: GITHUB_APP_SECRET,
                creationPolicy: "Owner",
                template: {
                    engineVersion: "v2",
                    data: {
                        github_app_id: String(a.app.appId),
                        github_app_installation_id: String(a.app.installationId),
                        github_app_private_key: "{{ .privateKey }}",
                    },
                },
            },
            data: [{ secretKey: "privateKey", remoteRef: { key: `${a.vaultPrefix}/${GITHUB_APP_VAULT_PATH}`, property: "github_app_private_key" } }],
        },
    };
}

/**
 * Push and pull on the tenant's repository only (the registry token is account-wide by AWS's design), and base
 * images through the caches.
 */
export function ecrPushPolicy(repositoryArn: string, cachePrefixes: readonly string[] = []): PolicyDocument {
    // The builder pulls base images through the caches with these credentials (the first pull imports the image).
    const registry = repositoryArn.replace(/:repository\/.*$/, ":repository");
    return policyDocument(
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "PushToTenantRepository",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ],
            Resource: repositoryArn,
        },
        ...(cachePrefixes.length > 0
            ? [
                  {
                      Sid: "PullThroughCaches",
                      Effect: "Allow" as const,
                      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                      Resource: cachePrefixes.map((p) => `${registry}/${p}/*`),
                  },
              ]
            : []),
    );
}

/** The runners sign with their tenant's key, and no other (cosign reads the public key to write the signature). */
export function signingPolicy(keyArn: string): PolicyDocument {
    return policyDocument({ Sid: "SignImages", Effect: "Allow", Action: ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"], Resource: keyArn });
}

/** What cosign and Kyverno name a tenant's key by (`awskms:///alias/…`): known before the key exists, stable across renames. */
export const tenantSigningKeyAlias = (namePrefix: string, dataName: string) => `alias/${namePrefix}-${dataName}-signing`;

/**
 * A tenant's signing key: the account administers it, its CI role alone signs (a Deny: no identity policy, an
 * administrator's included, signs with it), and the admission controller reads its public key. Without CI, nobody
 * signs until the tenant gets it.
 */
export function signingKeyPolicy(a: { readonly partition: string; readonly accountId: string; readonly signerRoleArn?: string; readonly verifierRoleArn?: string }): PolicyDocument {
    return policyDocument(
        accountKeyAdministration(a.partition, a.accountId),
        {
            Sid: "OnlyTenantCiSigns",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "kms:Sign",
            Resource: "*",
            ...(a.signerRoleArn ? { Condition: { ArnNotEquals: { "aws:PrincipalArn": a.signerRoleArn } } } : {}),
        },
        ...(a.signerRoleArn ? [{ Sid: "TenantCiSigns", Effect: "Allow" as const, Principal: { AWS: a.signerRoleArn }, Action: ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"], Resource: "*" }] : []),
        ...(a.verifierRoleArn ? [{ Sid: "AdmissionVerifies", Effect: "Allow" as const, Principal: { AWS: a.verifierRoleArn }, Action: ["kms:GetPublicKey", "kms:DescribeKey"], Resource: "*" }] : []),
    );
}

export interface ScaleSetValuesArgs {
    readonly tenant: Pick<TenantConfig, "name" | "ci">;
    /** The stack's environment: the scale set's name carries it (see runnerScaleSetName). */
    readonly environment: string;
    readonly runnerImage: string;
    readonly builderAddress: string;
    /** The controller's service account: the chart would look it up with Helm's `lookup`, which fails when rendered by Pulumi. */
    readonly controller: { readonly serviceAccount: string; readonly namespace: string };
    /** Karpenter's NodePool the runners land on (spot where the pool allows it). */
    readonly nodePool: string;
    /** Labels the admission policy requires on tenant pods (policy.requiredLabels). */
    readonly requiredLabels: readonly string[];
}

/** The runner pods' labels: every label the admission policy requires, with the runner's name and version. */
export function runnerLabels(requiredLabels: readonly string[], a: { readonly tenant: string; readonly runnerImage: string }): Record<string, string> {
    // A tag, or the first 12 hex digits of a digest; a label value holds at most 63 characters, alphanumeric at both ends.
    const [, tag, digest] = /(?::([A-Za-z0-9._-]+))?(?:@sha256:([a-f0-9]{12}))?[a-f0-9]*$/.exec(a.runnerImage) ?? [];
    const version = (digest ? `sha256-${digest}` : (tag ?? "")).slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "unknown";
    const known: Record<string, string> = { [APP_LABEL]: "ci-runner", "app.kubernetes.io/version": version, "app.kubernetes.io/part-of": a.tenant };
    return Object.fromEntries([...new Set([APP_LABEL, ...requiredLabels])].map((l) => [l, known[l] ?? a.tenant]));
}

/**
 * What CI pods reach besides the tenant's own egress: the AWS endpoints inside the VPC (ECR and STS through interface
 * endpoints resolve to private addresses, which the tenant's internet rule excludes), HTTPS only, and, for pods with
 * an identity, the node's Pod Identity agent (a link-local address the tenant's policy excludes too). Other tenants'
 * pods in the VPC stay closed: their namespaces admit only their own tenant, the gateway and monitoring.
 */
export function awsEgressSpec(a: { readonly name: string; readonly namespace: string; readonly podSelector: Record<string, unknown>; readonly vpcCidr: string; readonly podIdentity: boolean }) {
    return {
        metadata: { name: a.name, namespace: a.namespace },
        spec: {
            podSelector: a.podSelector,
            policyTypes: ["Egress"],
            egress: [
                ...(a.podIdentity ? [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] }] : []),
                { to: [{ ipBlock: { cidr: a.vpcCidr } }], ports: [{ protocol: "TCP", port: 443 }] },
            ],
        },
    };
}

/**
 * The builder's namespace: deny by default; DNS, the internet (base images, sources) and the AWS endpoints out; in,
 * only the tenant's runner pods, on the builder's port. The tenant's workloads and other pods of its CI namespace
 * never reach buildkitd, which runs what it is sent.
 */
export function builderNetworkPolicySpecs(t: TenantConfig, a: { readonly namespace: string; readonly ciNamespace: string; readonly vpcCidr: string }) {
    const kept = ["default-deny", "allow-dns", "allow-internet"];
    return [
        ...networkPolicySpecs(t, a.namespace).filter((p) => kept.includes(p.metadata.name)),
        builderAwsEgressSpec(a.namespace, a.vpcCidr),
        {
            metadata: { name: "allow-runners", namespace: a.namespace },
            spec: {
                podSelector: { matchLabels: { ...BUILDER_LABELS } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": a.ciNamespace } }, podSelector: { matchLabels: { [APP_LABEL]: "ci-runner" } } }],
                        ports: [{ protocol: "TCP", port: BUILDKIT_PORT }],
                    },
                ],
            },
        },
    ];
}

/** The runners' egress to AWS (their identity, ECR). */
export const runnerAwsEgressSpec = (namespace: string, vpcCidr: string) =>
    awsEgressSpec({ name: "allow-aws-ci-runner", namespace, podSelector: { matchLabels: { [APP_LABEL]: "ci-runner" } }, vpcCidr, podIdentity: true });
/** The builder's egress to ECR (pushes, and base images through the caches); it has no AWS identity of its own. */
export const builderAwsEgressSpec = (namespace: string, vpcCidr: string) => awsEgressSpec({ name: "allow-aws", namespace, podSelector: {}, vpcCidr, podIdentity: false });

/**
 * What workflows name in `runs-on:`. GitHub registers scale sets per organization or repository, not per cluster:
 * with the tenant's name alone, dev's and prod's sets share one label and a prod job may run on dev's runners.
 */
export function runnerScaleSetName(tenant: string, environment: string): string {
    const name = `${tenant}-${environment}`;
    if (name.length <= RUNNER_SCALE_SET_NAME_MAX) return name;
    // Tenant names reach 40 characters and environments 16: cut the tenant part, keep the environment, and keep two
    // long tenants apart with a hash of the whole name.
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
    const room = RUNNER_SCALE_SET_NAME_MAX - environment.length - hash.length - 2;
    return `${tenant.slice(0, room).replace(/-+$/, "")}-${hash}-${environment}`;
}

/** gha-runner-scale-set 0.14.2 refuses longer names (templates/autoscalingrunnerset.yaml: "Name must have up to 45 characters"). */
export const RUNNER_SCALE_SET_NAME_MAX = 45;

/** gha-runner-scale-set values: the tenant's runners, restricted Pod Security, zero when idle, on Karpenter capacity. */
export function scaleSetValues(a: ScaleSetValuesArgs) {
    const ci = a.tenant.ci;
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: false };
    return {
        githubConfigUrl: ci.githubConfigUrl,
        githubConfigSecret: GITHUB_APP_SECRET,
        runnerScaleSetName: runnerScaleSetName(a.tenant.name, a.environment),
        minRunners: ci.minRunners,
        maxRunners: ci.maxRunners,
        controllerServiceAccount: { name: a.controller.serviceAccount, namespace: a.controller.namespace },
        template: {
            metadata: { labels: runnerLabels(a.requiredLabels, { tenant: a.tenant.name, runnerImage: a.runnerImage }) },
            spec: {
                serviceAccountName: RUNNER_SERVICE_ACCOUNT,
                // No Kubernetes API token: the runner (no containerMode: jobs run in the pod) talks to GitHub only, and
                // Pod Identity mounts a token of its own (the EKS pod identity webhook's projected eks-pod-identity-token,
                // audience pods.eks.amazonaws.com), whatever this says. A workflow would otherwise hold ci-runner's token.
                automountServiceAccountToken: false,
                // The runner image's user (runner, 1001).
                securityContext: { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
                nodeSelector: { "karpenter.sh/nodepool": a.nodePool },
                containers: [
                    {
                        name: "runner",
                        image: a.runnerImage,
                        command: ["/home/runner/run.sh"],
                        securityContext: restricted,
                        resources: {
                            requests: { cpu: ci.runner.requestsCpu, memory: ci.runner.requestsMemory },
                            limits: { cpu: ci.runner.limitsCpu, memory: ci.runner.limitsMemory },
                        },
                        // `buildctl --tlsdir "$BUILDKIT_TLS_DIR" build … --output type=image,push=true` reaches the builder here.
                        // buildctl reads no TLS setting from the environment (v0.32.2 cmd/buildctl/main.go): workflows pass --tlsdir.
                        env: [
                            { name: "BUILDKIT_HOST", value: a.builderAddress },
                            { name: "BUILDKIT_TLS_DIR", value: RUNNER_BUILDKIT_TLS_DIR },
                        ],
                        volumeMounts: [{ name: "buildkit-tls", mountPath: RUNNER_BUILDKIT_TLS_DIR, readOnly: true }],
                    },
                ],
                // The runner user's group (fsGroup) reads the key; nobody else in the pod.
                volumes: [{ name: "buildkit-tls", secret: { secretName: BUILDER_CLIENT_TLS_SECRET, defaultMode: 0o440 } }],
            },
        },
    };
}

/** The tenant's builder address, from its CI namespace (the only one its network policies admit). */
export const builderAddress = (buildNamespace: string) => `tcp://${BUILDER_NAME}.${buildNamespace}.svc:${BUILDKIT_PORT}`;

/**
 * Rootless BuildKit (upstream's Kubernetes example, moby/buildkit v0.32.2 examples/kubernetes/deployment+service.rootless.yaml):
 * no privileged container, a non-root user, its own user namespace. It needs seccomp and AppArmor unconfined, which
 * no Pod Security level short of privileged allows: hence its own namespace, where the tenant has no rights and only
 * this Deployment runs, and its own node (a `RUN` step that escapes the sandbox lands where nothing else of the
 * cluster runs): it tolerates and selects the builders' pool only, and never shares a node with another tenant's
 * builder. `--oci-worker-no-process-sandbox` stays (docs/architecture.md says why). TCP with mutual TLS: the server
 * certificate, and `--tlscacert`, with which buildkitd requires and verifies a client certificate of the tenant's
 * builder CA (cmd/buildkitd/main.go serverCredentials: tls.RequireAndVerifyClientCert); the unix socket, for the
 * probe, is never on the network.
 */
export function builderDeploymentSpec(a: { readonly namespace: string; readonly tenant: string; readonly builder: AppDeliveryConfig["builder"] }) {
    const labels = { ...BUILDER_LABELS };
    const certs = (file: string) => `${BUILDER_CERTS_DIR}/${file}`;
    return {
        metadata: { name: BUILDER_NAME, namespace: a.namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
                    nodeSelector: { [NODE_POOL_LABEL]: BUILDER_NODE_POOL },
                    tolerations: [{ ...BUILDER_TOLERATION }],
                    affinity: {
                        podAntiAffinity: {
                            // Another tenant's builder is never on this node (and, symmetrically, never lands on its node):
                            // builder pods of builder namespaces labelled with another tenant, per node.
                            requiredDuringSchedulingIgnoredDuringExecution: [
                                {
                                    labelSelector: { matchLabels: { ...BUILDER_LABELS } },
                                    namespaceSelector: {
                                        matchLabels: { [NAMESPACE_ROLE_LABEL]: "builder" },
                                        matchExpressions: [{ key: TENANT_LABEL, operator: "NotIn", values: [a.tenant] }],
                                    },
                                    topologyKey: "kubernetes.io/hostname",
                                },
                            ],
                        },
                    },
                    containers: [
                        {
                            name: BUILDER_NAME,
                            image: a.builder.image,
                            args: [
                                "--addr",
                                "unix:///run/user/1000/buildkit/buildkitd.sock",
                                "--addr",
                                `tcp://0.0.0.0:${BUILDKIT_PORT}`,
                                "--tlscert",
                                certs("tls.crt"),
                                "--tlskey",
                                certs("tls.key"),
                                "--tlscacert",
                                certs("ca.crt"),
                                "--oci-worker-no-process-sandbox",
                            ],
                            ports: [{ name: "buildkit", containerPort: BUILDKIT_PORT }],
                            securityContext: { privileged: false, seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" }, runAsUser: 1000, runAsGroup: 1000 },
                            resources: { requests: { ...a.builder.requests }, limits: { ...a.builder.limits } },
                            readinessProbe: { exec: { command: ["buildctl", "debug", "workers"] }, initialDelaySeconds: 5, periodSeconds: 30 },
                            volumeMounts: [
                                { name: "cache", mountPath: "/home/user/.local/share/buildkit" },
                                { name: "certs", mountPath: BUILDER_CERTS_DIR, readOnly: true },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "cache", emptyDir: { sizeLimit: a.builder.cacheSize } },
                        // The Secret's default mode, as upstream's example mounts it (buildkitd reads it from inside
                        // rootlesskit's user namespace; nothing else runs in the pod).
                        { name: "certs", secret: { secretName: BUILDER_TLS_SECRET } },
                    ],
                },
            },
        },
    };
}

/**
 * How long the builder's server certificate lives and when it is renewed. buildkitd reads it once, at start: the
 * builder must restart before the certificate it holds expires. Its node does not outlive Karpenter's `expireAfter`
 * plus the forced drain, and the builder restarts with the node; renewing that long (and a day) before expiry means
 * the certificate a running builder holds always outlives it.
 */
export function builderCertificateLifetimes(node: { readonly expireAfter: string; readonly terminationGracePeriod: string }): { duration: string; renewBefore: string } {
    const hours = Math.ceil((durationSeconds(node.expireAfter) + durationSeconds(node.terminationGracePeriod)) / 3600) + 24;
    return { duration: `${Math.max(2160, 2 * hours)}h`, renewBefore: `${hours}h` };
}

/** A tenant's builder CA, as cert-manager names it: a ClusterIssuer `builds-<data name>`, its key in cert-manager's namespace. */
export const builderCaName = (dataName: string) => `builds-${dataName}`;
/** The shared self-signed Issuer (cert-manager's namespace) that signs each tenant's builder CA certificate, and nothing else. */
export const BUILDER_CA_ROOT_ISSUER = "builder-ca-root";
/** The X.509 usages of the builder's server and its runners' client certificates. */
export const BUILDER_SERVER_USAGES = ["digital signature", "key encipherment", "server auth"] as const;
export const BUILDER_CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"] as const;
/** The names the builder's certificate carries: the address the runners use (buildctl checks the server name against its host). */
export const builderServerNames = (buildNamespace: string) => [`${BUILDER_NAME}.${buildNamespace}.svc`];
/** The runners' client certificate's common name: their namespace (at most 59 characters, within X.509's 64). */
export const builderClientCommonName = (ciNamespace: string) => ciNamespace;

const issuerRef = (kind: "Issuer" | "ClusterIssuer", name: string) => ({ group: "cert-manager.io", kind, name });

/**
 * A tenant's builder CA: a CA certificate in cert-manager's namespace (from the shared self-signed issuer) and a
 * ClusterIssuer signing with it. A ClusterIssuer because the builder's certificate (its namespace) and the runners'
 * (the CI namespace) come from one CA and a namespaced Issuer serves only its own namespace; the CA's key stays in
 * cert-manager's namespace, where no tenant has rights. Other namespaces cannot use it: approver-policy approves its
 * requests from the tenant's build and CI namespaces only, and tenants may create no certificates at all.
 */
export function builderCaSpecs(a: { readonly dataName: string; readonly caNamespace: string }) {
    const name = builderCaName(a.dataName);
    return {
        certificate: {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: `${name}-ca`, namespace: a.caNamespace },
            spec: {
                isCA: true,
                commonName: name,
                secretName: `${name}-ca`,
                duration: "87600h", // 10 years: the CA outlives many server and client certificates
                usages: ["digital signature", "key encipherment", "cert sign"],
                privateKey: { algorithm: "ECDSA", size: 256 },
                issuerRef: issuerRef("Issuer", BUILDER_CA_ROOT_ISSUER),
            },
        },
        issuer: { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name }, spec: { ca: { secretName: `${name}-ca` } } },
    };
}

/** The builder's server certificate (its namespace) and the runners' client certificate (the CI namespace), both from the tenant's builder CA. */
export function builderCertificateSpecs(a: { readonly dataName: string; readonly buildNamespace: string; readonly ciNamespace: string; readonly lifetimes: { duration: string; renewBefore: string } }) {
    const issuer = issuerRef("ClusterIssuer", builderCaName(a.dataName));
    const privateKey = { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" };
    return {
        server: {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: BUILDER_TLS_SECRET, namespace: a.buildNamespace },
            spec: { secretName: BUILDER_TLS_SECRET, dnsNames: builderServerNames(a.buildNamespace), ...a.lifetimes, usages: [...BUILDER_SERVER_USAGES], privateKey, issuerRef: issuer },
        },
        // Runner pods live for one job and read the Secret as it is when they start: cert-manager's defaults suffice.
        client: {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: BUILDER_CLIENT_TLS_SECRET, namespace: a.ciNamespace },
            spec: { secretName: BUILDER_CLIENT_TLS_SECRET, commonName: builderClientCommonName(a.ciNamespace), usages: [...BUILDER_CLIENT_USAGES], privateKey, issuerRef: issuer },
        },
    };
}

export function builderServiceSpec(namespace: string) {
    return {
        metadata: { name: BUILDER_NAME, namespace },
        spec: { selector: { [APP_LABEL]: BUILDER_NAME }, ports: [{ name: "buildkit", port: BUILDKIT_PORT, targetPort: BUILDKIT_PORT }] },
    };
}
