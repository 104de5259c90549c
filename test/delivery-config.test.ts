import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { gitUrl } from "../stacks/schema-delivery";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const CI = { enabled: true, githubConfigUrl: "https://github.com/acme", githubApp: { appId: 1, installationId: 2 } };
const TEAM = { name: "team-b", owners: ["carol"], costCentre: "CC-B", ecrRepository: true };
/** The tenants, each signing (dev's keyless verifier) from a repository of its own, acme/<name>-app, unless its ci says otherwise. */
const withTenants = (raw: Raw, ...list: Record<string, unknown>[]): Raw => ({
    ...raw,
    "platform:tenants": JSON.stringify({ list: list.map((t) => ({ ...t, ci: { signingRepositories: [`acme/${t.name}-app`], ...(t.ci as object) } })) }),
});
const delivery = (raw: Raw, edit: (d: any) => void): Raw => {
    const d = JSON.parse(raw["platform:appDelivery"]);
    edit(d);
    return { ...raw, "platform:appDelivery": JSON.stringify(d) };
};

const cases: BadInput[] = [
    ["a source repository that is not a Git URL", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["ftp://example.org/repo"] } }), ["platform:tenants.list[0].gitops.sourceRepos[0]", "expected an https or ssh Git URL"]],
    ["an application repository over plain http", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["https://github.com/acme/a.git"], application: { repoURL: "http://github.com/acme/a.git" } } }), ["platform:tenants.list[0].gitops.application.repoURL", "expected an https or ssh Git URL"]],
    ["an application repository outside the project's sources", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["https://github.com/acme/a.git"], application: { repoURL: "https://github.com/acme/b.git" } } }), ["platform:tenants.list[0].gitops.application.repoURL", "one of gitops.sourceRepos"]],
    ["a project destination outside the tenant's namespaces", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["https://github.com/acme/a.git"], destinations: ["team-b", "kube-system"] } }), ["platform:tenants.list[0].gitops.destinations[1]", "expected one of the tenant's namespaces (team-b); got \"kube-system\""]],
    ["an application namespace of another tenant", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["https://github.com/acme/a.git"], application: { repoURL: "https://github.com/acme/a.git", namespace: "team-a" } } }), ["platform:tenants.list[0].gitops.application.namespace", "expected one of the tenant's namespaces"]],
    ["CI enabled without GitHub App settings", withTenants(dev, { ...TEAM, ci: { enabled: true, githubConfigUrl: "https://github.com/acme" } }), ["platform:tenants.list[0].ci.githubApp", "required with CI enabled"]],
    ["CI enabled without a GitHub URL", withTenants(dev, { ...TEAM, ci: { enabled: true, githubApp: { appId: 1, installationId: 2 } } }), ["platform:tenants.list[0].ci.githubConfigUrl", "required with CI enabled"]],
    ["CI without a repository to push to", withTenants(dev, { ...TEAM, ecrRepository: false, ci: CI }), ["platform:tenants.list[0].ecrRepository", "expected true with CI enabled"]],
    ["CI for a tenant without internet egress (runners reach GitHub)", withTenants(dev, { ...TEAM, internetEgress: false, ci: CI }), ["platform:tenants.list[0].internetEgress", "expected true with CI enabled"]],
    ["runners over the quota by a hair (millicores add up exactly)", withTenants(dev, { ...TEAM, quota: { requestsCpu: "1050m", limitsCpu: "3301m" }, ci: { ...CI, maxRunners: 3, runner: { requestsCpu: "101m", limitsCpu: "100m" } } }), ["platform:tenants.list[0].ci.maxRunners", "(runner.requestsCpu + its builder's) within the quota's requestsCpu (1050m); 3 runners need 101m + 250m each"]],
    ["more runners than the quota holds", withTenants(dev, { ...TEAM, quota: { limitsCpu: "4", requestsCpu: "2" }, ci: { ...CI, maxRunners: 5, runner: { limitsCpu: "1" } } }), ["platform:tenants.list[0].ci.maxRunners", "expected maxRunners x (runner.limitsCpu + its builder's) within the quota's limitsCpu (4); 5 runners need 1 + 1 each"]],
    ["runners whose memory outgrows the quota", withTenants(dev, { ...TEAM, ci: { ...CI, maxRunners: 5 } }), ["platform:tenants.list[0].ci.maxRunners", "(runner.limitsMemory + its builder's) within the quota's limitsMemory (16Gi)"]],
    ["a CI namespace longer than a DNS label", withTenants(dev, { ...TEAM, name: "team-bee", previousName: "team-b", namespaces: ["team-b"], dataName: "d".repeat(61), ci: CI }), ["platform:tenants.list[0].ci.enabled", "expected a data name of at most 60 characters"]],
    ["an SSH source repository no credential covers", withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["git@gitlab.example.org:acme/b.git"] } }), ["platform:tenants.list[0].gitops.sourceRepos[0]", "under the urlPrefix of an appDelivery.argocd.repositoryCredentials entry of type SshKey"]],
    ["an unknown repository encryption", withTenants(dev, { ...TEAM, repositoryEncryption: "SSE-C" }), ["platform:tenants.list[0].repositoryEncryption", "expected Kms | Aes256"]],
    ["a GitHub URL that is not GitHub", withTenants(dev, { ...TEAM, ci: { ...CI, githubConfigUrl: "https://gitlab.com/acme" } }), ["platform:tenants.list[0].ci.githubConfigUrl", "expected a GitHub organization or repository URL"]],
    ["organization runners holding a tenant's KMS signing key (prod: TenantKmsKeys)", withTenants(prod, { ...TEAM, ci: CI }), ["platform:tenants.list[0].ci.githubConfigUrl", "expected a repository URL (https://github.com/<owner>/<name>) with signatures.verifier TenantKmsKeys", '"https://github.com/acme"']],
    ["more idle runners than the maximum", withTenants(dev, { ...TEAM, ci: { ...CI, minRunners: 6, maxRunners: 5 } }), ["platform:tenants.list[0].ci.minRunners", "expected at most maxRunners (5)"]],
    ["runners placed in a namespace of the tenant's (they have their own, <data name>-ci)", withTenants(dev, { ...TEAM, ci: { ...CI, namespace: "team-b" } }), ["platform:tenants.list[0].ci", "namespace"]],
    ["a CI namespace taken by another tenant", withTenants(dev, { ...TEAM, ci: CI }, { ...TEAM, name: "team-c", namespaces: ["team-b-ci"] }), ["platform:tenants.list[1].namespaces", "belong to one tenant (also team-b)"]],
    ["a pull-through cache for an unknown upstream", delivery(dev, (d) => d.registry.pullThroughCache.push({ prefix: "gcr", upstream: "GoogleContainerRegistry" })), ["platform:appDelivery.registry.pullThroughCache[3].upstream", "expected DockerHub | GitHubContainerRegistry | Quay | EcrPublic | Kubernetes"]],
    ["a cache prefix ECR refuses", delivery(dev, (d) => (d.registry.pullThroughCache[0].prefix = "E")), ["platform:appDelivery.registry.pullThroughCache[0].prefix", "expected 2-30 lower-case letters"]],
    ["a cache prefix twice", delivery(dev, (d) => d.registry.pullThroughCache.push({ prefix: "quay", upstream: "Quay" })), ["platform:appDelivery.registry.pullThroughCache[3].prefix", "each prefix once"]],
    [
        "more pull-through caches than the tenants' IAM policies can name",
        delivery(dev, (d) => d.registry.pullThroughCache.push(...Array.from({ length: 8 }, (_, i) => ({ prefix: `quay-${i}`, upstream: "Quay" })))),
        ["platform:appDelivery.registry.pullThroughCache", "expected at most 10 caches (the tenants' deploy policy and workload boundary name each)"],
    ],
    ["a Docker Hub cache without credentials", delivery(dev, (d) => d.registry.pullThroughCache.push({ prefix: "docker-hub", upstream: "DockerHub" })), ["platform:pullThroughCacheCredentials.docker-hub", "required for the DockerHub cache"]],
    ["a signature policy enforced without a key or issuer", delivery(dev, (d) => (d.signatures = { action: "Enforce" })), ["platform:appDelivery.signatures.verifier", "expected a verifier (TenantKmsKeys, or Keyless with issuer)"]],
    ["one signing key for every tenant (the former KmsKey)", delivery(dev, (d) => (d.signatures.verifier = { type: "KmsKey", keyArn: "arn:aws:kms:eu-west-1:111111111111:key/k" })), ["platform:appDelivery.signatures.verifier.type", "expected a verifier with type TenantKmsKeys (a key per tenant, created by the platform) or Keyless"]],
    ["per-tenant keys given a key of their own", delivery(dev, (d) => (d.signatures.verifier = { type: "TenantKmsKeys", keyArn: "arn:aws:kms:eu-west-1:111111111111:key/k" })), ["platform:appDelivery.signatures.verifier", "keyArn"]],
    ["an unknown verifier type", delivery(dev, (d) => (d.signatures.verifier = { type: "Notary" })), ["platform:appDelivery.signatures.verifier", "expected a verifier with type TenantKmsKeys (a key per tenant, created by the platform) or Keyless"]],
    ["an Argo CD chart not pinned", delivery(dev, (d) => (d.argocd.chartVersion = "10.x")), ["platform:appDelivery.argocd.chartVersion", "expected a pinned chart version"]],
    ["a runner chart not pinned", delivery(dev, (d) => (d.runners.chartVersion = "latest")), ["platform:appDelivery.runners.chartVersion", "expected a pinned chart version"]],
    ["a runner image on latest", delivery(dev, (d) => (d.runners.runnerImage = "ghcr.io/actions/actions-runner:latest")), ["platform:appDelivery.runners.runnerImage", "expected an image pinned to a release"]],
    ["a builder that is not rootless", delivery(dev, (d) => (d.builder.image = "moby/buildkit:v0.32.2")), ["platform:appDelivery.builder.image", "expected the rootless BuildKit image"]],
    ["a GitHub App credential without its ids", delivery(dev, (d) => delete d.argocd.repositoryCredentials[0].githubApp), ["platform:appDelivery.argocd.repositoryCredentials[0].githubApp", "required with type GithubApp"]],
    ["a credential prefix that is not a Git URL", delivery(dev, (d) => (d.argocd.repositoryCredentials[0].urlPrefix = "github.com/acme")), ["platform:appDelivery.argocd.repositoryCredentials[0].urlPrefix", "expected an https or ssh Git URL"]],
    ["an unknown key", delivery(dev, (d) => (d.argocd.replicas = 2)), ["platform:appDelivery.argocd", "replicas"]],
    ["a lifecycle keeping no image", delivery(dev, (d) => (d.registry.lifecycle.keepImages = 0)), ["platform:appDelivery.registry.lifecycle.keepImages", "expected 1 to 10000 images"]],
    ["production: one application controller", delivery(prod, (d) => (d.argocd.controllerReplicas = 1)), ["platform:appDelivery.argocd.controllerReplicas", "at least 2 in production"]],
    ["production: one runner controller", delivery(prod, (d) => (d.runners.controllerReplicas = 1)), ["platform:appDelivery.runners.controllerReplicas", "at least 2 in production"]],
    ["production: one Argo CD server", delivery(prod, (d) => (d.argocd.serverReplicas = 1)), ["platform:appDelivery.argocd.serverReplicas", "at least 2 in production"]],
    ["production: no Redis HA", delivery(prod, (d) => (d.argocd.redisHa = false)), ["platform:appDelivery.argocd.redisHa", "expected true in production"]],
    ["production: the local admin kept", delivery(prod, (d) => (d.argocd.localAdmin = true)), ["platform:appDelivery.argocd.localAdmin", "logins through SSO only"]],
    ["production: replicas allowed in one zone", delivery(prod, (d) => (d.argocd.zoneSpread = "ScheduleAnyway")), ["platform:appDelivery.argocd.zoneSpread", "DoNotSchedule in production"]],
    ["production: unsigned images only reported", delivery(prod, (d) => (d.signatures.action = "Audit")), ["platform:appDelivery.signatures.action", "expected Enforce in production"]],
];

const D = "platform:appDelivery";
const credential = (patch: Record<string, unknown>) => (d: any) => d.argocd.repositoryCredentials.push({ name: "extra", urlPrefix: "git@gitlab.example.org:acme", type: "SshKey", ...patch });
const noKarpenter = (raw: Raw): Raw => {
    const c = JSON.parse(raw["platform:cluster"]);
    return { ...raw, "platform:cluster": JSON.stringify({ ...c, karpenter: { ...c.karpenter, enabled: false } }) };
};
// Every message of the delivery section, written out in full.
const exactProblems: ExactBadInput[] = [
    [
        "replica counts: fractions, none, too many",
        delivery(dev, (d) => Object.assign(d.argocd, { controllerReplicas: 1.5, serverReplicas: 0, repoServerReplicas: 11, applicationSetReplicas: 4 })),
        [
            `${D}.argocd.controllerReplicas: expected a whole number of application controllers; got 1.5`,
            `${D}.argocd.serverReplicas: expected 1 to 10 API servers; got 0`,
            `${D}.argocd.repoServerReplicas: expected 1 to 10 repo servers; got 11`,
            `${D}.argocd.applicationSetReplicas: expected 1 to 3 ApplicationSet controllers; got 4`,
        ],
    ],
    ["runner controllers beyond three", delivery(dev, (d) => (d.runners.controllerReplicas = 4)), [`${D}.runners.controllerReplicas: expected 1 to 3 controllers; got 4`]],
    [
        "GitHub App ids that are no ids",
        delivery(dev, (d) => (d.argocd.repositoryCredentials[0].githubApp = { appId: 1.5, installationId: 0 })),
        [
            `${D}.argocd.repositoryCredentials[0].githubApp.appId: expected the GitHub App's app id (a number); got 1.5`,
            `${D}.argocd.repositoryCredentials[0].githubApp.installationId: expected the GitHub App's installation id (a number); got 0`,
        ],
    ],
    ["a credential name twice", delivery(dev, credential({ name: "github-acme" })), [`${D}.argocd.repositoryCredentials[2].name: expected each name once; got "github-acme"`]],
    [
        "GitHub App ids on an SSH key credential",
        delivery(dev, credential({ githubApp: { appId: 1, installationId: 2 } })),
        [`${D}.argocd.repositoryCredentials[2].githubApp: expected no githubApp with type SshKey; got {"appId":1,"installationId":2}`],
    ],
    [
        "a GitHub App credential over SSH",
        delivery(dev, credential({ type: "GithubApp", urlPrefix: "git@github.com:other", githubApp: { appId: 1, installationId: 2 } })),
        [`${D}.argocd.repositoryCredentials[2].urlPrefix: expected an https URL with type GithubApp; got "git@github.com:other"`],
    ],
    [
        "a runner image on latest",
        delivery(dev, (d) => (d.runners.runnerImage = "ghcr.io/actions/actions-runner:latest")),
        [`${D}.runners.runnerImage: expected an image pinned to a release, like ghcr.io/actions/actions-runner:2.330.0; got "ghcr.io/actions/actions-runner:latest"`],
    ],
    [
        "a builder without a tag",
        delivery(dev, (d) => (d.builder.image = "moby/buildkit")),
        [
            `${D}.builder.image: expected an image pinned to a release, like moby/buildkit:v0.26.2-rootless; got "moby/buildkit"`,
            `${D}.builder.image: expected the rootless BuildKit image (a tag ending in -rootless); got "moby/buildkit"`,
        ],
    ],
    [
        "a builder tag with -rootless in its middle",
        delivery(dev, (d) => (d.builder.image = "moby/buildkit:v0.32.2-rootless-debug")),
        [`${D}.builder.image: expected the rootless BuildKit image (a tag ending in -rootless); got "moby/buildkit:v0.32.2-rootless-debug"`],
    ],
    [
        "lifecycle: fractions and bounds",
        delivery(dev, (d) => (d.registry.lifecycle = { untaggedExpireDays: 1.5, keepImages: 2.5 })),
        [`${D}.registry.lifecycle.untaggedExpireDays: expected whole days; got 1.5`, `${D}.registry.lifecycle.keepImages: expected a whole number; got 2.5`],
    ],
    [
        "lifecycle: none and too many",
        delivery(dev, (d) => (d.registry.lifecycle = { untaggedExpireDays: 0, keepImages: 10001 })),
        [`${D}.registry.lifecycle.untaggedExpireDays: expected 1 to 365 days; got 0`, `${D}.registry.lifecycle.keepImages: expected 1 to 10000 images; got 10001`],
    ],
    ["untagged images kept over a year", delivery(dev, (d) => (d.registry.lifecycle.untaggedExpireDays = 366)), [`${D}.registry.lifecycle.untaggedExpireDays: expected 1 to 365 days; got 366`]],
    [
        "a keyless verifier without issuer, organizations or an https Rekor",
        delivery(dev, (d) => (d.signatures.verifier = { type: "Keyless", issuer: "token.actions.githubusercontent.com", organizations: [], rekorUrl: "http://rekor.example.org" })),
        [
            `${D}.signatures.verifier.issuer: expected the OIDC issuer of the signing identities (no wildcards), like https://token.actions.githubusercontent.com; got "token.actions.githubusercontent.com"`,
            `${D}.signatures.verifier.organizations: expected at least one GitHub organization; got []`,
            `${D}.signatures.verifier.rekorUrl: expected an https URL; got "http://rekor.example.org"`,
        ],
    ],
    [
        // Kyverno reads the issuer as a wildcard pattern: this one would take any issuer under GitHub's host.
        "a keyless issuer with a wildcard, and an organization that is no GitHub name",
        delivery(dev, (d) => (d.signatures.verifier = { type: "Keyless", issuer: "https://token.actions.githubusercontent.com*", organizations: ["acme", "acme.evil"] })),
        [
            `${D}.signatures.verifier.issuer: expected the OIDC issuer of the signing identities (no wildcards), like https://token.actions.githubusercontent.com; got "https://token.actions.githubusercontent.com*"`,
            `${D}.signatures.verifier.organizations[1]: expected a GitHub organization (or user) name, like acme; got "acme.evil"`,
        ],
    ],
    [
        "the former stack-wide subject (any workflow of the organization signed for every tenant)",
        delivery(dev, (d) => (d.signatures.verifier.subjectRegExp = "^https://github\\.com/acme/.+$")),
        [`${D}.signatures.verifier.subjectRegExp: unknown key; expected one of: type, issuer, organizations, rekorUrl`],
    ],
    [
        "a tenant with CI under Keyless, no repository signing for it",
        withTenants(dev, { ...TEAM, ci: { ...CI, maxRunners: 2, signingRepositories: [] } }),
        ["platform:tenants.list[0].ci.signingRepositories: required with signatures.verifier Keyless for a tenant with CI: the GitHub repositories (owner/name) whose workflows sign its images; got []"],
    ],
    [
        "a tenant with a repository (no CI) under Keyless, no repository signing for it",
        withTenants(dev, { ...TEAM, ci: { signingRepositories: [] } }),
        ["platform:tenants.list[0].ci.signingRepositories: required with signatures.verifier Keyless for a tenant with a repository: the GitHub repositories (owner/name) whose workflows sign its images; got []"],
    ],
    [
        "a signing repository outside the stack's organizations",
        withTenants(dev, { ...TEAM, ci: { signingRepositories: ["acme-evil/shop"] } }),
        ['platform:tenants.list[0].ci.signingRepositories[0]: expected a repository of acme (appDelivery.signatures.verifier.organizations); got "acme-evil/shop"'],
    ],
    [
        "a signing repository the tenant's runners do not serve (they serve one repository)",
        withTenants(dev, { ...TEAM, ci: { ...CI, githubConfigUrl: "https://github.com/acme/shop", maxRunners: 2, signingRepositories: ["acme/Shop", "acme/shop-tools"] } }),
        [
            'platform:tenants.list[0].ci.signingRepositories[1]: expected a repository its runners serve (ci.githubConfigUrl https://github.com/acme/shop): only they push the signature next to the image; got "acme/shop-tools"',
        ],
    ],
    [
        "a signing repository claimed by two tenants (GitHub's names ignore case), and one listed twice",
        withTenants(dev, { ...TEAM, ci: { signingRepositories: ["acme/shop", "acme/shop"] } }, { ...TEAM, name: "team-c", ci: { signingRepositories: ["ACME/Shop"] } }),
        [
            'platform:tenants.list[0].ci.signingRepositories[1]: expected each repository once; got "acme/shop"',
            "platform:tenants.list[1].ci.signingRepositories[0]: expected a repository that signs for one tenant (also team-b): its workflows would be admitted in both tenants' namespaces; got \"ACME/Shop\"",
        ],
    ],
    [
        "signing repositories that are not owner/name: a path, a dot name, an owner alone, GitHub's forbidden characters",
        withTenants(dev, { ...TEAM, ci: { signingRepositories: ["acme/shop/../x", "acme/..", "acme", "-acme/shop", "acme/shop evil", "acme/shop*"] } }),
        ["acme/shop/../x", "acme/..", "acme", "-acme/shop", "acme/shop evil", "acme/shop*"].map(
            (r, i) => `platform:tenants.list[0].ci.signingRepositories[${i}]: expected a GitHub repository as owner/name, like acme/shop; got ${JSON.stringify(r)}`,
        ),
    ],
    [
        "signing refs that are no branch or tag, a wildcard inside, none at all",
        withTenants(dev, { ...TEAM, ci: { signingRefs: ["main", "refs/pull/1/merge", "refs/heads/*/x"] } }, { ...TEAM, name: "team-c", ci: { signingRefs: [] } }),
        [
            ...["main", "refs/pull/1/merge", "refs/heads/*/x"].map((r, i) => `platform:tenants.list[0].ci.signingRefs[${i}]: expected a branch or tag ref, like refs/heads/main or refs/tags/v* (one trailing * at most); got ${JSON.stringify(r)}`),
            "platform:tenants.list[1].ci.signingRefs: expected at least one ref; got []",
        ],
    ],
    [
        "an image reference with a space",
        delivery(dev, (d) => (d.signatures.imageReferences = ["ghcr.io/acme /*"])),
        [`${D}.signatures.imageReferences[0]: expected an image reference pattern, like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/*; got "ghcr.io/acme /*"`],
    ],
    [
        "cache credentials with empty fields",
        {
            ...delivery(dev, (d) => d.registry.pullThroughCache.push({ prefix: "docker-hub", upstream: "DockerHub" })),
            "platform:pullThroughCacheCredentials": JSON.stringify({ "docker-hub": { username: "", accessToken: "" } }),
        },
        [
            `platform:pullThroughCacheCredentials.docker-hub.username: expected the registry user; got "[secret]"`,
            `platform:pullThroughCacheCredentials.docker-hub.accessToken: expected an access token; got "[secret]"`,
        ],
    ],
    ["a tenant project with no source", withTenants(dev, { ...TEAM, gitops: { sourceRepos: [] } }), [`platform:tenants.list[0].gitops.sourceRepos: expected at least one repository; got []`]],
    [
        "idle runners beyond 20, or negative",
        withTenants(dev, { ...TEAM, ci: { ...CI, minRunners: 21, maxRunners: 30 } }, { ...TEAM, name: "team-c", ci: { ...CI, minRunners: -1 } }),
        [`platform:tenants.list[0].ci.minRunners: expected 0 to 20 idle runners; got 21`, `platform:tenants.list[1].ci.minRunners: expected 0 to 20 idle runners; got -1`],
    ],
    [
        "namespaces outside the tenant's, each message listing its namespaces",
        withTenants(dev, {
            ...TEAM,
            namespaces: ["team-b", "team-b-preview"],
            gitops: { sourceRepos: ["https://github.com/acme/b.git"], destinations: ["team-a"], application: { repoURL: "https://github.com/acme/b.git", namespace: "team-a" } },
            ci: { ...CI, maxRunners: 2 },
        }),
        [
            `platform:tenants.list[0].gitops.destinations[0]: expected one of the tenant's namespaces (team-b, team-b-preview); got "team-a"`,
            `platform:tenants.list[0].gitops.application.namespace: expected one of the tenant's namespaces (team-b, team-b-preview); got "team-a"`,
        ],
    ],
    [
        "an SSH source repository under a GitHub App credential's (SSH) prefix",
        delivery(withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["git@gitlab.example.org:acme/b.git"] } }), credential({ type: "GithubApp", githubApp: { appId: 1, installationId: 2 } })),
        [
            `${D}.argocd.repositoryCredentials[2].urlPrefix: expected an https URL with type GithubApp; got "git@gitlab.example.org:acme"`,
            "platform:tenants.list[0].gitops.sourceRepos[0]: expected an https URL, or an SSH URL under the urlPrefix of an appDelivery.argocd.repositoryCredentials entry of type SshKey; got \"git@gitlab.example.org:acme/b.git\"",
        ],
    ],
    [
        "runners whose memory requests outgrow the quota",
        withTenants(dev, { ...TEAM, quota: { requestsMemory: "2560Mi" }, ci: { ...CI, maxRunners: 2, runner: { requestsMemory: "1Gi" } } }),
        ["platform:tenants.list[0].ci.maxRunners: expected maxRunners x (runner.requestsMemory + its builder's) within the quota's requestsMemory (2560Mi); 2 runners need 1Gi + 512Mi each; got 2"],
    ],
    [
        "no runners at most, or more than 100",
        withTenants(dev, { ...TEAM, ci: { ...CI, maxRunners: 0 } }, { ...TEAM, name: "team-c", ci: { ...CI, maxRunners: 101 } }),
        ["platform:tenants.list[0].ci.maxRunners: expected 1 to 100 runners; got 0", "platform:tenants.list[1].ci.maxRunners: expected 1 to 100 runners; got 101"],
    ],
    [
        "CI without Karpenter",
        noKarpenter(withTenants(dev, { ...TEAM, ci: { ...CI, maxRunners: 2 } })),
        [`platform:tenants.list[0].ci.enabled: expected cluster.karpenter.enabled: runners run on Karpenter capacity; got true`],
    ],
];

describe("config: bad application delivery input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));
    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform", (key) => key === "platform:pullThroughCacheCredentials")));

    it("requires the appDelivery key", () => {
        const { ["platform:appDelivery"]: _omitted, ...raw } = dev;
        assert.throws(() => parsePlatformConfig(raw, "platform"), /platform:appDelivery: required key is missing/);
    });

    it("takes cache credentials only as a secret, and never echoes them", () => {
        const raw = { ...delivery(dev, (d) => d.registry.pullThroughCache.push({ prefix: "docker-hub", upstream: "DockerHub" })), "platform:pullThroughCacheCredentials": JSON.stringify({ "docker-hub": { username: "bot", accessToken: "dckr_pat_SECRET" } }) };
        assert.throws(() => parsePlatformConfig(raw, "platform", () => false), (e: Error) => /platform:pullThroughCacheCredentials: expected a secret value/.test(e.message) && !e.message.includes("dckr_pat_SECRET"));
        const cfg = parsePlatformConfig(raw, "platform", (k) => k === "platform:pullThroughCacheCredentials");
        assert.deepStrictEqual(cfg.pullThroughCacheCredentials, { "docker-hub": { username: "bot", accessToken: "dckr_pat_SECRET" } });
        const stray = { ...raw, "platform:pullThroughCacheCredentials": JSON.stringify({ quay: { username: "u", accessToken: "t" } }) };
        assert.throws(() => parsePlatformConfig(stray, "platform", (k) => k === "platform:pullThroughCacheCredentials"), /platform:pullThroughCacheCredentials\.quay: expected the prefix of a pull-through cache whose upstream needs credentials; got "\[secret\]"/);
    });

    it("accepts an SSH repository under an SshKey credential's prefix, and runners that fit the quota exactly", () => {
        const cfg = parsePlatformConfig(withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["git@github.com:acme/b.git"] }, quota: { requestsCpu: "1050m", limitsCpu: "6", limitsMemory: "18Gi" }, ci: { ...CI, maxRunners: 3, runner: { requestsCpu: "100m", limitsCpu: "1" } } }), "platform");
        // 3 x (100m + the builder's 250m) is exactly 1050m (no floating-point excess).
        assert.deepStrictEqual([cfg.tenants.all[0].gitops?.sourceRepos, cfg.tenants.all[0].ci.maxRunners, cfg.tenants.all[0].repositoryEncryption], [["git@github.com:acme/b.git"], 3, "Kms"]);
        // The prefix is a path boundary: git@github.com:acme does not cover git@github.com:acme-evil/x.git.
        assert.throws(() => parsePlatformConfig(withTenants(dev, { ...TEAM, gitops: { sourceRepos: ["git@github.com:acme-evil/x.git"] } }), "platform"), /sourceRepos\[0\]: expected an https URL, or an SSH URL under the urlPrefix/);
    });

    it("accepts the bounds: as many idle runners as runners, a CI namespace of 63 characters, unsigned images only audited", () => {
        const cfg = parsePlatformConfig(
            withTenants(dev, { ...TEAM, ci: { ...CI, minRunners: 2, maxRunners: 2 } }, { ...TEAM, name: "team-c", previousName: "team-old", namespaces: ["team-c"], dataName: "d".repeat(60), ci: { ...CI, maxRunners: 2 } }),
            "platform",
        );
        assert.deepStrictEqual([cfg.tenants.all[0].ci.minRunners, cfg.tenants.all[1].dataName?.length], [2, 60]);
        const audit = parsePlatformConfig(delivery(dev, (d) => (d.signatures = { action: "Audit" })), "platform");
        assert.deepStrictEqual([audit.appDelivery.signatures.action, audit.appDelivery.signatures.verifier], ["Audit", undefined]);
    });

    it("takes signing repositories of the organizations that the runners serve, in any case, and branch and tag refs; main by default", () => {
        const cfg = parsePlatformConfig(
            withTenants(dev, { ...TEAM, ci: { ...CI, maxRunners: 2, signingRepositories: ["Acme/Shop.web", "acme/shop_api"], signingRefs: ["refs/heads/release/1.x", "refs/tags/v*", "refs/tags/*"] } }, { ...TEAM, name: "team-c" }),
            "platform",
        );
        assert.deepStrictEqual(
            cfg.tenants.all.map((t) => [t.ci.signingRepositories, t.ci.signingRefs]),
            [
                [["Acme/Shop.web", "acme/shop_api"], ["refs/heads/release/1.x", "refs/tags/v*", "refs/tags/*"]],
                [["acme/team-c-app"], ["refs/heads/main"]],
            ],
        );
    });

    it("takes an SSH repository equal to a credential's prefix, with or without .git (a host may hold .git too)", () => {
        const prefix = "git@code.git.example.org:acme/app.git";
        for (const repo of ["git@code.git.example.org:acme/app", "git@code.git.example.org:acme/app.git"]) {
            const cfg = parsePlatformConfig(delivery(withTenants(dev, { ...TEAM, gitops: { sourceRepos: [repo] } }), credential({ urlPrefix: prefix })), "platform");
            assert.deepStrictEqual(cfg.tenants.all[0].gitops?.sourceRepos, [repo]);
        }
    });

    it("accepts https and ssh Git URLs and nothing else", () => {
        for (const ok of ["https://github.com/acme/app.git", "https://gitlab.example.org/group/sub/app", "git@github.com:acme/app.git", "ssh://git@github.com/acme/app.git"]) assert.ok(gitUrl.safeParse(ok).success, ok);
        for (const bad of ["http://github.com/acme/app.git", "github.com/acme/app", "file:///tmp/repo", "https://", "git@github.com"]) assert.ok(!gitUrl.safeParse(bad).success, bad);
    });
});
