// A tenant's CI capacity as pure data: the GitHub App secret from its Vault path, the runner scale set's values,
// its push-only identity on its repository, and the rootless BuildKit builder each job builds with (a sidecar of its pod).
import { createHash } from "crypto";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";
import { BUILDER_NODE_POOL, BUILDER_TOLERATION, NODE_POOL_LABEL } from "../shared/builder-nodes";
import { NAMESPACE_ROLE_LABEL } from "../shared/namespaces";
import { TENANT_CI_SUBPATH } from "../secrets/vault-policies";

/** The runners' service account (Pod Identity: push to the tenant's repository). */
export const RUNNER_SERVICE_ACCOUNT = "ci-runner";
/** Secret holding the GitHub App's ids and key, in the runners' namespace (the keys ARC reads). */
export const GITHUB_APP_SECRET = "github-app";
/** Below the tenant's KV prefix (`tenants/<name>/`): where a platform admin puts the App's private key (its CI store alone reads `ci/`). */
export const GITHUB_APP_VAULT_PATH = `${TENANT_CI_SUBPATH}/github-app`;
export const BUILDKIT_PORT = 1234;
/** The builder sidecar's container name. */
export const BUILDER_NAME = "buildkitd";
/** What pods need to pass the platform's label policy. */
const APP_LABEL = "app.kubernetes.io/name";
/** The runner pods' name label: what their anti-affinity and the CI namespace's policies select. */
export const RUNNER_APP = "ci-runner";
/**
 * Where a job's builds reach its own buildkitd: the pod's loopback, which containers of one pod share and nothing
 * outside it reaches (no Service, no pod port). buildctl reads `BUILDKIT_HOST` (v0.32.2 cmd/buildctl/main.go).
 */
export const BUILDKIT_LOCAL_ADDRESS = `tcp://127.0.0.1:${BUILDKIT_PORT}`;
/** Karpenter v1 (karpenter.sh reference, annotations): a pod's do-not-disrupt blocks consolidation of its node, and drift unless its NodeClaim has a terminationGracePeriod. */
export const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
/** The EKS pod identity webhook's per-pod list of containers it injects no AWS credentials into (comma-separated names). */
export const SKIP_CREDENTIALS_ANNOTATION = "eks.amazonaws.com/skip-containers";

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

/** ECR's image push calls (the runners' builds push to their tenant's `<data name>/apps`). */
export const ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
] as const;

/** The push calls that write into a repository (the rest of ECR_PUSH_ACTIONS only read). */
export const ECR_LAYER_WRITE_ACTIONS = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"] as const;

/** What a pull through a cache needs (the first pull imports the image into a repository the cache creates). */
export const ECR_CACHE_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"] as const;

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
            Action: [...ECR_PUSH_ACTIONS],
            Resource: repositoryArn,
        },
        ...(cachePrefixes.length > 0
            ? [
                  {
                      Sid: "PullThroughCaches",
                      Effect: "Allow" as const,
                      Action: [...ECR_CACHE_PULL_ACTIONS],
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
    /** Each job's own rootless BuildKit (appDelivery.builder). */
    readonly builder: AppDeliveryConfig["builder"];
    /** The controller's service account: the chart would look it up with Helm's `lookup`, which fails when rendered by Pulumi. */
    readonly controller: { readonly serviceAccount: string; readonly namespace: string };
    /** Labels the admission policy requires on tenant pods (policy.requiredLabels). */
    readonly requiredLabels: readonly string[];
}

/** The runner pods' labels: every label the admission policy requires, with the runner's name and version. */
export function runnerLabels(requiredLabels: readonly string[], a: { readonly tenant: string; readonly runnerImage: string }): Record<string, string> {
    // A tag, or the first 12 hex digits of a digest; a label value holds at most 63 characters, alphanumeric at both ends.
    const [, tag, digest] = /(?::([A-Za-z0-9._-]+))?(?:@sha256:([a-f0-9]{12}))?[a-f0-9]*$/.exec(a.runnerImage) ?? [];
    const version = (digest ? `sha256-${digest}` : (tag ?? "")).slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "unknown";
    const known: Record<string, string> = { [APP_LABEL]: RUNNER_APP, "app.kubernetes.io/version": version, "app.kubernetes.io/part-of": a.tenant };
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

/** The runners' egress to AWS (their identity, ECR). */
export const runnerAwsEgressSpec = (namespace: string, vpcCidr: string) =>
    awsEgressSpec({ name: "allow-aws-ci-runner", namespace, podSelector: { matchLabels: { [APP_LABEL]: RUNNER_APP } }, vpcCidr, podIdentity: true });

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

/**
 * A job's own builder: rootless BuildKit as a native sidecar of the runner pod (an init container with `restartPolicy:
 * Always`, as gha-runner-scale-set 0.14.2's dind mode runs dockerd), started before the runner and ended with the pod,
 * so its daemon, cache and `RUN` steps live and die with one job. Upstream's rootless example (moby/buildkit v0.32.2
 * examples/kubernetes/deployment+service.rootless.yaml): user 1000, seccomp and AppArmor unconfined (rootlesskit's
 * user namespace and mounts), `--oci-worker-no-process-sandbox` (docs/architecture.md says why). It listens on the
 * pod's loopback (rootlesskit keeps the pod's network) and its unix socket (the probe): only this job's runner is a
 * client, so it needs no certificate.
 */
export function builderSidecar(builder: AppDeliveryConfig["builder"]) {
    return {
        name: BUILDER_NAME,
        image: builder.image,
        restartPolicy: "Always",
        args: ["--addr", "unix:///run/user/1000/buildkit/buildkitd.sock", "--addr", BUILDKIT_LOCAL_ADDRESS, "--oci-worker-no-process-sandbox"],
        securityContext: { privileged: false, seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" }, runAsUser: 1000, runAsGroup: 1000 },
        resources: { requests: { ...builder.requests }, limits: { ...builder.limits } },
        // The runner starts once buildkitd lists its workers (a sidecar's startup probe gates the next container).
        startupProbe: { exec: { command: ["buildctl", "debug", "workers"] }, periodSeconds: 2, failureThreshold: 30 },
        volumeMounts: [{ name: "buildkit-cache", mountPath: "/home/user/.local/share/buildkit" }],
    };
}

/**
 * Each job on a builders' node of its own: the runner pods require, per node, no other runner pod of any CI
 * namespace (symmetric: the scheduler checks an existing pod's anti-affinity too; Karpenter provisions by it), so a
 * `RUN` step that escapes the sandbox finds no other job's builder, cache or workspace on its node.
 */
export const runnerAntiAffinity = () => ({
    podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { [APP_LABEL]: RUNNER_APP } }, namespaceSelector: { matchLabels: { [NAMESPACE_ROLE_LABEL]: "ci" } }, topologyKey: "kubernetes.io/hostname" },
        ],
    },
});

/**
 * gha-runner-scale-set values: the tenant's runners, zero when idle, each job in a pod of its own with its own
 * builder, on a builders' node of its own. The runner container stays restricted; only the builder is unconfined.
 */
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
            metadata: {
                labels: runnerLabels(a.requiredLabels, { tenant: a.tenant.name, runnerImage: a.runnerImage }),
                // Karpenter v1 does not consolidate a running job's node; drift and expiry still may (the pool sets a
                // terminationGracePeriod, after which do-not-disrupt no longer holds), cutting a job that outlives it.
                // The builder gets no AWS identity: the EKS pod identity webhook injects the job's credentials into every
                // container (init containers too) but those this names (aws/amazon-eks-pod-identity-webhook,
                // skip-containers). buildkitd pushes with the credentials the job's client passes it, and a Dockerfile
                // RUN step, which runs under buildkitd unsandboxed, would otherwise read its credentials.
                annotations: { [DO_NOT_DISRUPT]: "true", [SKIP_CREDENTIALS_ANNOTATION]: BUILDER_NAME },
            },
            spec: {
                serviceAccountName: RUNNER_SERVICE_ACCOUNT,
                // No Kubernetes API token: the runner (no containerMode: jobs run in the pod) talks to GitHub only, and
                // Pod Identity mounts a token of its own (the EKS pod identity webhook's projected eks-pod-identity-token,
                // audience pods.eks.amazonaws.com), whatever this says. A workflow would otherwise hold ci-runner's token.
                automountServiceAccountToken: false,
                // The runner image's user (runner, 1001); the builder sets its own (1000) and its profiles.
                securityContext: { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
                nodeSelector: { [NODE_POOL_LABEL]: BUILDER_NODE_POOL },
                tolerations: [{ ...BUILDER_TOLERATION }],
                affinity: runnerAntiAffinity(),
                initContainers: [builderSidecar(a.builder)],
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
                        // `buildctl build … --output type=image,push=true` reaches the job's own builder here.
                        env: [{ name: "BUILDKIT_HOST", value: BUILDKIT_LOCAL_ADDRESS }],
                    },
                ],
                volumes: [{ name: "buildkit-cache", emptyDir: { sizeLimit: a.builder.cacheSize } }],
            },
        },
    };
}
