// Schema of `platform:appDelivery` (Argo CD, GitHub Actions runners, the image builder, ECR pull-through caches and
// repositories, image signatures) and of the secret key `pullThroughCacheCredentials`. The per-tenant parts
// (`gitops`, `ci`) are in the tenant schema; the rules across both are checkDelivery's.
import { z } from "zod";
import { chartVersion, cpuQuantity, Issue, mebibytes, memoryQuantity, millicores, oneOf } from "./schema-common";
import type { TenantConfig } from "./schema-tenants";

/**
 * Upstream registries ECR can cache, with the URL a rule names and whether the upstream needs credentials
 * (a Secrets Manager secret `ecr-pullthroughcache/<prefix>`). The keys are what config names.
 */
export const PULL_THROUGH_UPSTREAMS = {
    DockerHub: { url: "registry-1.docker.io", credentials: true, hosts: ["docker.io", "registry-1.docker.io"] },
    GitHubContainerRegistry: { url: "ghcr.io", credentials: true, hosts: ["ghcr.io"] },
    Quay: { url: "quay.io", credentials: false, hosts: ["quay.io"] },
    EcrPublic: { url: "public.ecr.aws", credentials: false, hosts: ["public.ecr.aws"] },
    Kubernetes: { url: "registry.k8s.io", credentials: false, hosts: ["registry.k8s.io"] },
} as const;
export type PullThroughUpstream = keyof typeof PULL_THROUGH_UPSTREAMS;
const UPSTREAMS = Object.keys(PULL_THROUGH_UPSTREAMS) as PullThroughUpstream[];
/** At most this many pull-through caches: the tenants' IAM policies list each (a test sizes them at this many). */
export const MAX_PULL_THROUGH_CACHES = 10;

export const ZONE_SPREADS = ["DoNotSchedule", "ScheduleAnyway"] as const;
export const SIGNATURE_ACTIONS = ["Audit", "Enforce"] as const;
export const REPOSITORY_CREDENTIAL_TYPES = ["GithubApp", "SshKey"] as const;

/** https://host/path or ssh (git@host:path, ssh://user@host/path): what Argo CD and runners clone. */
const GIT_URL = /^(https:\/\/[a-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)+(\.git)?\/?|ssh:\/\/[a-z0-9._-]+@[a-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)+(\.git)?|[a-z0-9._-]+@[a-z0-9.-]+:[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*(\.git)?)$/;
export const gitUrl = z.string().regex(GIT_URL, "expected an https or ssh Git URL, like https://github.com/acme/app.git or git@github.com:acme/app.git");
/** An image pinned to a release tag (or a digest): never latest, never untagged. */
const pinnedImage = (example: string) =>
    z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9._-]*\d[A-Za-z0-9._-]*|@sha256:[a-f0-9]{64})$/, `expected an image pinned to a release, like ${example}`);
const replicas = (what: string, max = 10) => z.number().int(`expected a whole number of ${what}`).min(1, `expected 1 to ${max} ${what}`).max(max, `expected 1 to ${max} ${what}`);
const githubId = (what: string) => z.number().int(`expected the GitHub App's ${what} (a number)`).positive(`expected the GitHub App's ${what} (a number)`);

export const githubAppSchema = z.strictObject({
    appId: githubId("app id").describe("The GitHub App's id."),
    installationId: githubId("installation id").describe("Id of the App's installation on the organization or repository."),
});

const argocdSchema = z.strictObject({
    chartVersion: chartVersion().describe("argo/argo-cd chart, pinned."),
    controllerReplicas: replicas("application controllers").default(1).describe("Application controller replicas (shards; a lost one's clusters move to the others)."),
    serverReplicas: replicas("API servers").default(1).describe("API server replicas (production >= 2)."),
    repoServerReplicas: replicas("repo servers").default(1).describe("Repo server replicas (production >= 2)."),
    applicationSetReplicas: replicas("ApplicationSet controllers", 3).default(1).describe("ApplicationSet controller replicas (production >= 2)."),
    redisHa: z.boolean().default(false).describe("Redis with Sentinel over 3 zones (production) instead of one Redis."),
    zoneSpread: z.enum(ZONE_SPREADS, oneOf(ZONE_SPREADS)).default("ScheduleAnyway").describe("How replicas spread over zones (production: DoNotSchedule)."),
    localAdmin: z.boolean().default(true).describe("Keep Argo CD's local admin account (break-glass); production: false, logins through SSO only."),
    repositoryCredentials: z
        .array(
            z.strictObject({
                name: z
                    .string()
                    .regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, "expected a DNS label (at most 42 characters)")
                    .describe("Names the credential's Vault path (platform/delivery/argocd/<name>) and its repo-creds Secret."),
                urlPrefix: gitUrl.describe("Every repository under this URL uses these credentials."),
                type: z
                    .enum(REPOSITORY_CREDENTIAL_TYPES, oneOf(REPOSITORY_CREDENTIAL_TYPES))
                    .describe("GithubApp: an https prefix, through a GitHub App (githubAppPrivateKey in Vault); SshKey: through an SSH key (sshPrivateKey in Vault), which ssh source repositories need."),
                githubApp: githubAppSchema.optional().describe("With type GithubApp; the private key is in Vault at platform/delivery/argocd/<name> (githubAppPrivateKey)."),
            }),
        )
        .default([])
        .describe("Credential templates by URL prefix; their secrets live in Vault (platform/delivery/argocd/<name>), never in config."),
});

const runnersSchema = z.strictObject({
    chartVersion: chartVersion().describe("gha-runner-scale-set-controller and gha-runner-scale-set charts (one release line), pinned."),
    controllerReplicas: replicas("controllers", 3).default(1).describe("Runner controller replicas; above 1 they elect a leader, so one keeps running."),
    runnerImage: pinnedImage("ghcr.io/actions/actions-runner:2.330.0").describe("The runner image every scale set runs."),
});

const builderSchema = z.strictObject({
    image: pinnedImage("moby/buildkit:v0.26.2-rootless")
        .refine((i) => /-rootless$/.test(i.split("@")[0]) || i.includes("@sha256:"), { message: "expected the rootless BuildKit image (a tag ending in -rootless)" })
        .describe("Rootless BuildKit: builds without privileged containers."),
    requests: z
        .strictObject({
            cpu: cpuQuantity.default("500m").describe("CPU the builder reserves."),
            memory: memoryQuantity.default("1Gi").describe("Memory the builder reserves."),
        })
        .prefault({})
        .describe("Resource requests of each job's builder (a sidecar of the runner pod)."),
    limits: z
        .strictObject({
            cpu: cpuQuantity.default("2").describe("Most CPU a build may use."),
            memory: memoryQuantity.default("4Gi").describe("Most memory a build may use."),
        })
        .prefault({})
        .describe("Resource limits of each job's builder (a sidecar of the runner pod)."),
    cacheSize: memoryQuantity.default("20Gi").describe("Layer cache of each job's builder: an emptyDir that ends with the job."),
});

const lifecycleSchema = z.strictObject({
    untaggedExpireDays: z.number().int("expected whole days").min(1, "expected 1 to 365 days").max(365, "expected 1 to 365 days").default(14).describe("Untagged images expire after this many days."),
    keepImages: z.number().int("expected a whole number").min(1, "expected 1 to 10000 images").max(10000, "expected 1 to 10000 images").default(200).describe("Only the newest this many images are kept."),
});

/** A GitHub owner (organization or user): letters, digits and single hyphens, at most 39 characters. */
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A GitHub repository as `owner/name` (GitHub's names: letters, digits, '.', '_', '-'; never `.` or `..`). */
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

const verifierSchema = z.discriminatedUnion(
    "type",
    [
        // One key for every tenant would let each tenant's CI sign images every tenant's namespaces admit.
        z.strictObject({ type: z.literal("TenantKmsKeys").describe("TenantKmsKeys: a KMS key per tenant, created by the platform (cosign --key awskms://); Keyless: signatures by identities of an OIDC issuer.") }).describe("A KMS signing key per tenant with a repository, created by the platform: only its CI signs with it, and only its namespaces admit what it signs."),
        // No stack-wide subject: one would let any tenant's workflow sign for every tenant. Each tenant's
        // ci.signingRepositories bind its namespaces; organizations only bounds what a tenant may name.
        z.strictObject({
            type: z.literal("Keyless").describe("TenantKmsKeys: a KMS key per tenant, created by the platform (cosign --key awskms://); Keyless: signatures by identities of an OIDC issuer."),
            issuer: z
                .string()
                // Kyverno matches the issuer as a wildcard pattern: '*' or '?' would admit other issuers.
                .regex(/^https:\/\/[a-z0-9.-]+(\/[^\s*?]*)?$/, "expected the OIDC issuer of the signing identities (no wildcards), like https://token.actions.githubusercontent.com")
                .describe("Type Keyless: GitHub Actions' OIDC token issuer (https://token.actions.githubusercontent.com), matched exactly."),
            organizations: z
                .array(z.string().regex(GITHUB_OWNER, "expected a GitHub organization (or user) name, like acme"))
                .min(1, "expected at least one GitHub organization")
                .describe("Type Keyless: the GitHub organizations whose repositories may sign; every tenant's ci.signingRepositories must belong to one of them."),
            rekorUrl: z
                .string()
                .regex(/^https:\/\//, "expected an https URL")
                .default("https://rekor.sigstore.dev")
                .describe("Type Keyless: the Rekor transparency log the signatures are checked against."),
        }),
    ],
    { error: "expected a verifier with type TenantKmsKeys (a key per tenant, created by the platform) or Keyless (issuer, organizations)" },
);

const signaturesSchema = z.strictObject({
    action: z.enum(SIGNATURE_ACTIONS, oneOf(SIGNATURE_ACTIONS)).default("Audit").describe("Audit reports unsigned images; Enforce refuses them (production)."),
    verifier: verifierSchema.optional().describe("Who signs: each tenant's CI with its own KMS key (cosign), or keyless identities from an issuer; required with Enforce."),
    imageReferences: z
        .array(z.string().regex(/^[a-z0-9.*-]+(:\d+)?(\/[a-z0-9._*-]+)*\*?$/, "expected an image reference pattern, like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/*"))
        .optional()
        .describe("Images that must be signed; default: the tenants' own ECR repositories."),
});

export const appDeliverySchema = z.strictObject({
    argocd: argocdSchema.describe("Argo CD: chart, replicas, Redis HA, zone spread, local admin and repository credentials."),
    runners: runnersSchema.describe("GitHub Actions Runner Controller: charts, controller replicas and the runner image."),
    builder: builderSchema.describe("The rootless BuildKit builder each CI job gets beside its runner: image, resources and cache."),
    registry: z
        .strictObject({
            pullThroughCache: z
                .array(
                    z.strictObject({
                        prefix: z
                            .string()
                            .regex(/^[a-z][a-z0-9._-]{1,29}$/, "expected 2-30 lower-case letters, digits, '.', '_' or '-' (ECR's repository prefix)")
                            .describe("ECR repository prefix of the cache: images are pulled as <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<path>."),
                        upstream: z
                            .enum(UPSTREAMS, oneOf(UPSTREAMS))
                            .describe("The public registry cached; DockerHub and GitHubContainerRegistry need pullThroughCacheCredentials.<prefix>."),
                    }),
                )
                // The tenants' deploy policy and workload boundary name each cache (IAM's 6,144 characters a policy).
                .max(MAX_PULL_THROUGH_CACHES, `expected at most ${MAX_PULL_THROUGH_CACHES} caches (the tenants' deploy policy and workload boundary name each)`)
                .default([])
                .describe("ECR caches of public registries: nodes pull through the VPC, free of rate limits."),
            lifecycle: lifecycleSchema.prefault({}).describe("Lifecycle policy of the tenant repositories."),
        })
        .prefault({})
        .describe("ECR: pull-through caches of public registries and the tenant repositories' lifecycle."),
    signatures: signaturesSchema.prefault({}).describe("Image signatures: a Kyverno verifyImages policy on tenant namespaces."),
});
export type AppDeliveryConfig = z.infer<typeof appDeliverySchema>;

/** Secret: the credentials of upstreams that need them, by cache prefix. */
export const pullThroughCacheCredentialsSchema = z.record(
    z.string(),
    z.strictObject({
        username: z.string().min(1, "expected the registry user").describe("User name at the upstream registry."),
        accessToken: z.string().min(1, "expected an access token").describe("Access token of that user (stored in Secrets Manager where ECR reads it)."),
    }),
);
export type PullThroughCacheCredentials = z.infer<typeof pullThroughCacheCredentialsSchema>;

/** The tenant's GitOps: what its Argo CD project may deploy from, and optionally the Application it starts with. */
export const tenantGitopsSchema = z.strictObject({
    sourceRepos: z.array(gitUrl).min(1, "expected at least one repository").describe("Repositories its Argo CD project may deploy from."),
    destinations: z.array(z.string()).optional().describe("Namespaces its project may deploy to; default all of the tenant's (never another's)."),
    application: z
        .strictObject({
            repoURL: gitUrl.describe("Repository the Application syncs; one of sourceRepos."),
            path: z.string().regex(/^[A-Za-z0-9._/-]+$/, "expected a path in the repository, like deploy/dev").default(".").describe("Folder in the repository holding the manifests."),
            targetRevision: z.string().regex(/^[A-Za-z0-9._/-]+$/, "expected a branch, tag or commit").default("HEAD").describe("Branch, tag or commit the Application follows."),
            namespace: z.string().optional().describe("Default namespace of its resources; default the tenant's first."),
        })
        .optional()
        .describe("An Application syncing this path (automated, pruning, self-healing)."),
});

/** The tenant's CI capacity: a runner scale set in its CI namespace (<data name>-ci), scaled to zero when idle. */
export const tenantCiSchema = z.strictObject({
    enabled: z.boolean().default(false).describe("Give the tenant a runner scale set <tenant>-<environment>, each job with a builder of its own."),
    githubConfigUrl: z
        .string()
        .regex(/^https:\/\/github\.com\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/, "expected a GitHub organization or repository URL, like https://github.com/acme or https://github.com/acme/app")
        .optional()
        .describe("GitHub organization or repository the runners register with."),
    githubApp: githubAppSchema.optional().describe("The tenant's GitHub App; its private key is in Vault at tenants/<name>/ci/github-app (github_app_private_key)."),
    signingRepositories: z
        .array(z.string().regex(GITHUB_REPOSITORY, "expected a GitHub repository as owner/name, like acme/shop"))
        .default([])
        .describe("With signatures.verifier Keyless: the repositories (owner/name, spelt as GitHub does) whose own workflows sign the tenant's images; its namespaces admit no other workflow's signatures. Required for a tenant with a repository; one tenant each."),
    signingRefs: z
        .array(z.string().regex(/^refs\/(heads|tags)\/([A-Za-z0-9._/-]+|[A-Za-z0-9._/-]*\*)$/, "expected a branch or tag ref, like refs/heads/main or refs/tags/v* (one trailing * at most)"))
        .min(1, "expected at least one ref")
        .default(["refs/heads/main"])
        .describe("With signatures.verifier Keyless: the refs a signing workflow may run from (refs/heads/<branch>, refs/tags/<tag>, a trailing * for any rest); default the main branch only, so a pull request or another branch signs nothing."),
    minRunners: z
        .number()
        .int()
        .min(0, "expected 0 to 20 idle runners")
        .max(20, "expected 0 to 20 idle runners")
        .default(0)
        .describe("Runners kept idle, ready for jobs; 0 costs nothing while idle."),
    maxRunners: z
        .number()
        .int()
        .min(1, "expected 1 to 100 runners")
        .max(100, "expected 1 to 100 runners")
        .default(5)
        .describe("Most runners at once; maxRunners times the runner's requests and limits must fit the namespace's quota."),
    runner: z
        .strictObject({
            requestsCpu: cpuQuantity.default("500m").describe("CPU request of each runner."),
            requestsMemory: memoryQuantity.default("1Gi").describe("Memory request of each runner."),
            limitsCpu: cpuQuantity.default("2").describe("CPU limit of each runner."),
            limitsMemory: memoryQuantity.default("4Gi").describe("Memory limit of each runner."),
        })
        .prefault({})
        .describe("Resources of each runner pod."),
});

type TenantDelivery = Pick<TenantConfig, "name" | "dataName" | "gitops" | "ci" | "ecrRepository" | "internetEgress" | "quota"> & { readonly namespaces: readonly string[] };


/** Does an SSH repository URL fall under a credential's URL prefix? (Argo CD compares them without a trailing .git.) */
const covers = (prefix: string, url: string) => {
    const [p, u] = [prefix, url].map((x) => x.replace(/\.git$/, ""));
    // A prefix is a Git URL (it never ends in "/" or ":"): it covers itself and what lies under it.
    return u === p || u.startsWith(`${p}/`);
};

/** Rules across the delivery settings, the tenants that use them and the environment. */
export function checkDelivery(
    d: AppDeliveryConfig,
    ctx: {
        production: boolean;
        karpenter: boolean;
        /** The builders' NodePool's vCPU limit (cluster.karpenter.builders.cpuLimit), with Karpenter. */
        builderCpuLimit?: number;
        credentials: PullThroughCacheCredentials;
        tenants: readonly TenantDelivery[];
        where: (i: number) => (string | number)[];
    },
    issue: Issue,
) {
    const at = (...p: (string | number)[]) => ["appDelivery", ...p];
    const a = d.argocd;
    if (ctx.production) {
        for (const key of ["serverReplicas", "repoServerReplicas", "applicationSetReplicas"] as const) {
            if (a[key] < 2) issue(at("argocd", key), "expected at least 2 in production (spread over zones)", a[key]);
        }
        if (!a.redisHa) issue(at("argocd", "redisHa"), "expected true in production (one Redis is a single point of failure)", a.redisHa);
        if (a.zoneSpread !== "DoNotSchedule") issue(at("argocd", "zoneSpread"), "expected DoNotSchedule in production", a.zoneSpread);
        if (a.controllerReplicas < 2) issue(at("argocd", "controllerReplicas"), "expected at least 2 in production (a lost controller's shard moves to another)", a.controllerReplicas);
        if (d.runners.controllerReplicas < 2) issue(at("runners", "controllerReplicas"), "expected at least 2 in production (leader election keeps one running)", d.runners.controllerReplicas);
        if (a.localAdmin) issue(at("argocd", "localAdmin"), "expected false in production (logins through SSO only)", a.localAdmin);
        if (d.signatures.action !== "Enforce") issue(at("signatures", "action"), "expected Enforce in production", d.signatures.action);
    }
    if (d.signatures.action === "Enforce" && d.signatures.verifier === undefined) {
        issue(at("signatures", "verifier"), "expected a verifier (TenantKmsKeys, or Keyless with issuer) with action Enforce", undefined);
    }
    const credentialNames = new Set<string>();
    a.repositoryCredentials.forEach((c, i) => {
        if (credentialNames.has(c.name)) issue(at("argocd", "repositoryCredentials", i, "name"), "expected each name once", c.name);
        credentialNames.add(c.name);
        if (c.type === "GithubApp" && c.githubApp === undefined) issue(at("argocd", "repositoryCredentials", i, "githubApp"), "required with type GithubApp (appId, installationId)", undefined);
        if (c.type !== "GithubApp" && c.githubApp !== undefined) issue(at("argocd", "repositoryCredentials", i, "githubApp"), `expected no githubApp with type ${c.type}`, c.githubApp);
        if (c.type === "GithubApp" && !c.urlPrefix.startsWith("https://")) issue(at("argocd", "repositoryCredentials", i, "urlPrefix"), "expected an https URL with type GithubApp", c.urlPrefix);
    });
    const prefixes = new Set<string>();
    const rules = d.registry.pullThroughCache;
    rules.forEach((r, i) => {
        if (prefixes.has(r.prefix)) issue(at("registry", "pullThroughCache", i, "prefix"), "expected each prefix once", r.prefix);
        prefixes.add(r.prefix);
        if (PULL_THROUGH_UPSTREAMS[r.upstream].credentials && ctx.credentials[r.prefix] === undefined) {
            issue(
                ["pullThroughCacheCredentials", r.prefix],
                `required for the ${r.upstream} cache: pulumi config set --secret --path 'pullThroughCacheCredentials.${r.prefix}.username' ... and '.accessToken'`,
                undefined,
            );
        }
    });
    for (const prefix of Object.keys(ctx.credentials)) {
        if (!rules.some((r) => r.prefix === prefix && PULL_THROUGH_UPSTREAMS[r.upstream].credentials)) {
            issue(["pullThroughCacheCredentials", prefix], "expected the prefix of a pull-through cache whose upstream needs credentials", "[secret]");
        }
    }
    ctx.tenants.forEach((t, i) => {
        const where = (...p: (string | number)[]) => [...ctx.where(i), ...p];
        (t.gitops?.destinations ?? []).forEach((ns, j) => {
            if (!t.namespaces.includes(ns)) issue(where("gitops", "destinations", j), `expected one of the tenant's namespaces (${t.namespaces.join(", ")})`, ns);
        });
        const appNs = t.gitops?.application?.namespace;
        if (appNs !== undefined && !t.namespaces.includes(appNs)) issue(where("gitops", "application", "namespace"), `expected one of the tenant's namespaces (${t.namespaces.join(", ")})`, appNs);
        (t.gitops?.sourceRepos ?? []).forEach((repo, j) => {
            // Argo CD reaches an SSH repository only with a key: one of the credential templates must cover it.
            const ssh = !repo.startsWith("https://");
            if (ssh && !a.repositoryCredentials.some((c) => c.type === "SshKey" && covers(c.urlPrefix, repo))) {
                issue(where("gitops", "sourceRepos", j), "expected an https URL, or an SSH URL under the urlPrefix of an appDelivery.argocd.repositoryCredentials entry of type SshKey", repo);
            }
        });
        const appRepo = t.gitops?.application?.repoURL;
        if (appRepo !== undefined && !t.gitops!.sourceRepos.includes(appRepo)) issue(where("gitops", "application", "repoURL"), "expected one of gitops.sourceRepos", appRepo);
        const ci = t.ci;
        if (!ci.enabled) return;
        if (ci.githubApp === undefined) issue(where("ci", "githubApp"), "required with CI enabled: the tenant's GitHub App (appId, installationId)", undefined);
        if (ci.githubConfigUrl === undefined) issue(where("ci", "githubConfigUrl"), "required with CI enabled: the organization or repository its runners serve", undefined);
        if (!t.ecrRepository) issue(where("ecrRepository"), "expected true with CI enabled: the runners push to the tenant's repository", t.ecrRepository);
        if (!t.internetEgress) issue(where("internetEgress"), "expected true with CI enabled: runners reach GitHub over the internet", t.internetEgress);
        const data = t.dataName ?? t.name;
        if (`${data}-ci`.length > 63) issue(where("ci", "enabled"), `expected a data name of at most 60 characters with CI enabled (its CI namespace ${data}-ci must be a DNS label)`, data);
        // All runners busy at once must fit the namespace's quota (else the last ones never start). A runner pod
        // counts its builder too: a sidecar's requests and limits add to the pod's.
        const n = ci.maxRunners;
        const b = d.builder;
        const fits: ["limitsCpu" | "limitsMemory" | "requestsCpu" | "requestsMemory", number, number, string][] = [
            ["limitsCpu", n * (millicores(ci.runner.limitsCpu) + millicores(b.limits.cpu)), millicores(t.quota.limitsCpu), b.limits.cpu],
            ["limitsMemory", n * (mebibytes(ci.runner.limitsMemory) + mebibytes(b.limits.memory)), mebibytes(t.quota.limitsMemory), b.limits.memory],
            ["requestsCpu", n * (millicores(ci.runner.requestsCpu) + millicores(b.requests.cpu)), millicores(t.quota.requestsCpu), b.requests.cpu],
            ["requestsMemory", n * (mebibytes(ci.runner.requestsMemory) + mebibytes(b.requests.memory)), mebibytes(t.quota.requestsMemory), b.requests.memory],
        ];
        for (const [key, need, quota, builder] of fits) {
            if (need > quota) issue(where("ci", "maxRunners"), `expected maxRunners x (runner.${key} + its builder's) within the quota's ${key} (${t.quota[key]}); ${n} runners need ${ci.runner[key]} + ${builder} each`, n);
        }
        if (ci.minRunners > ci.maxRunners) issue(where("ci", "minRunners"), `expected at most maxRunners (${ci.maxRunners})`, ci.minRunners);
        if (!ctx.karpenter) issue(where("ci", "enabled"), "expected cluster.karpenter.enabled: runners run on Karpenter capacity", ci.enabled);
    });
    // Each job runs on a builders' node of its own, of more vCPUs than its pod requests (the kubelet reserves part of
    // every node's CPU): the pool must hold one job of each CI tenant at once, or a tenant's jobs may wait on others'.
    const ciTenants = ctx.tenants.filter((t) => t.ci.enabled);
    const perNode = (t: (typeof ciTenants)[number]) => Math.floor((millicores(t.ci.runner.requestsCpu) + millicores(d.builder.requests.cpu)) / 1000) + 1;
    const need = ciTenants.reduce((sum, t) => sum + perNode(t), 0);
    if (ctx.builderCpuLimit !== undefined && need > ctx.builderCpuLimit) {
        issue(
            ["cluster", "karpenter", "builders", "cpuLimit"],
            `expected at least ${need} vCPUs: a node for one job of each of the ${ciTenants.length} CI tenants at once, each of more vCPUs than its runner and builder request (ci.runner.requestsCpu + appDelivery.builder.requests.cpu ${d.builder.requests.cpu}, plus what the kubelet reserves)`,
            ctx.builderCpuLimit,
        );
    }
    checkSigningRepositories(d.signatures.verifier, ctx, issue);
}

/**
 * Keyless signatures: each tenant's namespaces admit the workflows of its own repositories only (see
 * signaturePolicySpec), so a repository signs for one tenant, lies in the stack's organizations and is one its
 * runners serve (only they push to the tenant's repository, where the signature goes next to the image).
 * GitHub's owner and repository names are case-insensitive: claims are compared so.
 */
function checkSigningRepositories(verifier: AppDeliveryConfig["signatures"]["verifier"], ctx: { tenants: readonly TenantDelivery[]; where: (i: number) => (string | number)[] }, issue: Issue) {
    const claimed = new Map<string, string>();
    ctx.tenants.forEach((t, i) => {
        const at = (...p: (string | number)[]) => [...ctx.where(i), "ci", ...p];
        const repositories = t.ci.signingRepositories;
        // With TenantKmsKeys the runners hold the key: organization runners run the workflow of any repository the
        // organization's runner group admits (GitHub's default group: all of them), which this program does not manage.
        if (verifier?.type === "TenantKmsKeys" && t.ci.enabled && t.ci.githubConfigUrl !== undefined && !/^https:\/\/github\.com\/[^/]+\/[^/]+$/.test(t.ci.githubConfigUrl)) {
            issue(at("githubConfigUrl"), "expected a repository URL (https://github.com/<owner>/<name>) with signatures.verifier TenantKmsKeys: runners of a whole organization sign with the tenant's key for any repository its runner group admits", t.ci.githubConfigUrl);
        }
        // Without Keyless they sign for nobody (a tenant's own KMS key binds its signatures).
        if (verifier?.type !== "Keyless") return;
        if (repositories.length === 0 && (t.ecrRepository || t.ci.enabled)) {
            issue(at("signingRepositories"), `required with signatures.verifier Keyless for a tenant with ${t.ci.enabled ? "CI" : "a repository"}: the GitHub repositories (owner/name) whose workflows sign its images`, repositories);
        }
        const organizations = verifier.organizations.map((o) => o.toLowerCase());
        // What the runners serve: an organization, or one repository (https://github.com/<owner>[/<name>]).
        const served = t.ci.githubConfigUrl?.replace(/^https:\/\/github\.com\//, "").toLowerCase();
        repositories.forEach((repository, j) => {
            const lower = repository.toLowerCase();
            const owner = lower.split("/")[0];
            if (!organizations.includes(owner)) issue(at("signingRepositories", j), `expected a repository of ${verifier.organizations.join(", ")} (appDelivery.signatures.verifier.organizations)`, repository);
            if (served !== undefined && (served.includes("/") ? lower !== served : owner !== served)) {
                issue(at("signingRepositories", j), `expected a repository its runners serve (ci.githubConfigUrl ${t.ci.githubConfigUrl}): only they push the signature next to the image`, repository);
            }
            const other = claimed.get(lower);
            if (other === t.name) issue(at("signingRepositories", j), "expected each repository once", repository);
            else if (other !== undefined) issue(at("signingRepositories", j), `expected a repository that signs for one tenant (also ${other}): its workflows would be admitted in both tenants' namespaces`, repository);
            else claimed.set(lower, t.name);
        });
    });
}
