// A tenant's CI capacity as pure data: the GitHub App secret from its Vault path, the runner scale set's values,
// its push-only identity on its repository, and the rootless BuildKit builder its jobs build with.
import { createHash } from "crypto";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";
import { networkPolicySpecs } from "../tenants/tenant-objects";

/** The runners' service account (Pod Identity: push to the tenant's repository). */
export const RUNNER_SERVICE_ACCOUNT = "ci-runner";
/** Secret holding the GitHub App's ids and key, in the runners' namespace (the keys ARC reads). */
export const GITHUB_APP_SECRET = "github-app";
/** Below the tenant's KV prefix (`tenants/<name>/`): where its owners put the App's private key. */
export const GITHUB_APP_VAULT_PATH = "ci/github-app";
export const BUILDKIT_PORT = 1234;
export const BUILDER_NAME = "buildkitd";
/** What pods need to pass the platform's label policy. */
const APP_LABEL = "app.kubernetes.io/name";
/** The builder's pods: what the runners' namespace may reach. */
export const BUILDER_LABELS: Readonly<Record<string, string>> = { [APP_LABEL]: BUILDER_NAME };

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
                        // `buildctl build … --output type=image,push=true` reaches the builder here.
                        env: [{ name: "BUILDKIT_HOST", value: a.builderAddress }],
                    },
                ],
            },
        },
    };
}

/** The tenant's builder address, from any of its namespaces. */
export const builderAddress = (buildNamespace: string) => `tcp://${BUILDER_NAME}.${buildNamespace}.svc:${BUILDKIT_PORT}`;

/**
 * Rootless BuildKit (upstream's Kubernetes example): no privileged container, a non-root user, its own user
 * namespace. It needs seccomp and AppArmor unconfined, which no Pod Security level short of privileged allows: hence
 * its own namespace, where the tenant has no rights and only this Deployment runs.
 */
export function builderDeploymentSpec(a: { readonly namespace: string; readonly builder: AppDeliveryConfig["builder"] }) {
    const labels = { ...BUILDER_LABELS };
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
                    containers: [
                        {
                            name: BUILDER_NAME,
                            image: a.builder.image,
                            args: ["--addr", "unix:///run/user/1000/buildkit/buildkitd.sock", "--addr", `tcp://0.0.0.0:${BUILDKIT_PORT}`, "--oci-worker-no-process-sandbox"],
                            ports: [{ name: "buildkit", containerPort: BUILDKIT_PORT }],
                            securityContext: { privileged: false, seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" }, runAsUser: 1000, runAsGroup: 1000 },
                            resources: { requests: { ...a.builder.requests }, limits: { ...a.builder.limits } },
                            readinessProbe: { exec: { command: ["buildctl", "debug", "workers"] }, initialDelaySeconds: 5, periodSeconds: 30 },
                            volumeMounts: [{ name: "cache", mountPath: "/home/user/.local/share/buildkit" }],
                        },
                    ],
                    volumes: [{ name: "cache", emptyDir: { sizeLimit: a.builder.cacheSize } }],
                },
            },
        },
    };
}

export function builderServiceSpec(namespace: string) {
    return {
        metadata: { name: BUILDER_NAME, namespace },
        spec: { selector: { [APP_LABEL]: BUILDER_NAME }, ports: [{ name: "buildkit", port: BUILDKIT_PORT, targetPort: BUILDKIT_PORT }] },
    };
}
