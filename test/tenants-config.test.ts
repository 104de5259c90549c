import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const TEAM = { name: "team-b", owners: ["carol"], costCentre: "CC-B" };
const withTenants = (raw: Raw, ...list: Record<string, unknown>[]): Raw => ({ ...raw, "platform:tenants": JSON.stringify({ list }) });
const policy = (raw: Raw, value: Record<string, unknown>): Raw => ({ ...raw, "platform:policy": JSON.stringify({ ...JSON.parse(raw["platform:policy"]), ...value }) });
/** The stack's own tenants and these after them. */
const addTenants = (raw: Raw, ...list: Record<string, unknown>[]): Raw => withTenants(raw, ...JSON.parse(raw["platform:tenants"]).list, ...list);
const T = "platform:tenants.list";
const PP = "platform:policy";
const LABEL = "(a-z, 0-9, '-'; starts with a letter, at most 63)";
const COST_CENTRE = "expected a cost centre usable as a label value (letters, digits, '-', '_', '.'; at most 63)";
const HOSTNAME = "expected <label>.dev.platform.acme.example (one name under the platform domain, covered by its certificate)";
const REGISTRY = "expected a registry host with an optional path, like 123456789012.dkr.ecr.eu-west-1.amazonaws.com or ghcr.io/acme";
const HOST = "x.dev.platform.acme.example";
const HOOK_TAG = "expected a Kyverno release tag like v1.19.0 (the chart's appVersion)";
/** Runs `check` in a project folder holding these files under tenants/ (removed afterwards). */
const inFolder = (files: Record<string, string>, check: (dir: string) => void): void => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenants-"));
    try {
        fs.mkdirSync(path.join(dir, "tenants"));
        for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "tenants", file), text);
        check(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
};
const fromFolder: Raw = { ...dev, "platform:tenants": JSON.stringify({ directory: "tenants" }) };
const TEAM_D = "name: team-d\nowners: [erin]\ncostCentre: CC-D\n";

const cases: BadInput[] = [
    ["duplicate tenant names", withTenants(dev, TEAM, { ...TEAM, namespaces: ["other"] }), ["platform:tenants.list[1].name", "each tenant once"]],
    ["a namespace owned by two tenants", withTenants(dev, TEAM, { ...TEAM, name: "team-c", namespaces: ["team-b"] }), ["platform:tenants.list[1].namespaces", "belong to one tenant (also team-b)"]],
    ["a namespace listed twice", withTenants(dev, { ...TEAM, namespaces: ["team-b", "team-b"] }), ["platform:tenants.list[0].namespaces", "each namespace once"]],
    ["a namespace of the platform", withTenants(dev, { ...TEAM, namespaces: ["vault"] }), ["platform:tenants.list[0].namespaces", "vault is the platform's"]],
    ["kube-system as a tenant namespace", withTenants(dev, { ...TEAM, namespaces: ["kube-system"] }), ["platform:tenants.list[0].namespaces", "kube-system is the platform's"]],
    ["a name that is not a DNS label", withTenants(dev, { ...TEAM, name: "Team_B" }), ["platform:tenants.list[0].name", '"Team_B"', "DNS label"]],
    ["a namespace that is not a DNS label", withTenants(dev, { ...TEAM, namespaces: ["team.b"] }), ["platform:tenants.list[0].namespaces[0]", '"team.b"', "DNS label"]],
    ["a quota that is not a quantity", withTenants(dev, { ...TEAM, quota: { requestsMemory: "8GB" } }), ["platform:tenants.list[0].quota.requestsMemory", '"8GB"', "512Mi, 2Gi or 1Ti"]],
    ["a CPU quota that is not a quantity", withTenants(dev, { ...TEAM, quota: { requestsCpu: "two" } }), ["platform:tenants.list[0].quota.requestsCpu", '"two"']],
    ["quota limits below requests", withTenants(dev, { ...TEAM, quota: { requestsCpu: "8", limitsCpu: "4" } }), ["platform:tenants.list[0].quota.limitsCpu", "at least requestsCpu (8)"]],
    ["memory limits below requests", withTenants(dev, { ...TEAM, quota: { requestsMemory: "32Gi", limitsMemory: "16Gi" } }), ["platform:tenants.list[0].quota.limitsMemory", "at least requestsMemory (32Gi)"]],
    ["container default limits below requests", withTenants(dev, { ...TEAM, containerDefaults: { requestsMemory: "1Gi", limitsMemory: "512Mi" } }), ["platform:tenants.list[0].containerDefaults.limitsMemory", "at least requestsMemory"]],
    ["a hostname outside the platform domain", withTenants(dev, { ...TEAM, hostnames: ["shop.example.org"] }), ["platform:tenants.list[0].hostnames[0]", '"shop.example.org"', "<label>.dev.platform.acme.example"]],
    ["a hostname two labels deep", withTenants(dev, { ...TEAM, hostnames: ["a.b.dev.platform.acme.example"] }), ["platform:tenants.list[0].hostnames[0]", "one name under the platform domain"]],
    ["a hostname claimed by two tenants", withTenants(dev, { ...TEAM, hostnames: ["x.dev.platform.acme.example"] }, { ...TEAM, name: "team-c", hostnames: ["x.dev.platform.acme.example"] }), ["platform:tenants.list[1].hostnames", "belong to one tenant (also team-b)"]],
    ["an SSO group named like a platform group", withTenants(dev, { ...TEAM, ssoGroup: "platform-admins" }), ["platform:tenants.list[0].ssoGroup", '"platform-admins"', "other than the platform's"]],
    ["a cost centre Kubernetes refuses as a label value", withTenants(dev, { ...TEAM, costCentre: "CC:platform/42" }), ["platform:tenants.list[0].costCentre", '"CC:platform/42"', "label value"]],
    ["a tenant without owners", withTenants(dev, { ...TEAM, owners: [] }), ["platform:tenants.list[0].owners", "at least one owner"]],
    ["a rename onto a current tenant's name", withTenants(dev, { ...TEAM, namespaces: ["team-b"] }, { ...TEAM, name: "team-c", previousName: "team-b", namespaces: ["team-c"] }), ["platform:tenants.list[1].previousName", "no current tenant has"]],
    ["a rename without its namespaces listed", withTenants(dev, { ...TEAM, previousName: "team-old", dataName: "team-old" }), ["platform:tenants.list[0].namespaces", "listed when renaming", "replace namespace team-old by team-b"]],
    ["a rename without its data name", withTenants(dev, { ...TEAM, previousName: "team-old", namespaces: ["team-old"] }), ["platform:tenants.list[0].dataName", "when renaming", "team-old if this is the first rename"]],
    ["a hostname the platform publishes", withTenants(dev, { ...TEAM, hostnames: ["grafana.dev.platform.acme.example"] }), ["platform:tenants.list[0].hostnames[0]", "the platform does not publish itself"]],
    ["two tenants in one SSO group", withTenants(dev, TEAM, { ...TEAM, name: "team-c", ssoGroup: "tenant-team-b" }), ["platform:tenants.list[1].ssoGroup", "belong to one tenant (also team-b)"]],
    ["a name too long for its bucket", withTenants(dev, { ...TEAM, name: "a-rather-long-team-name-for-s3-abc", bucket: true }), ["platform:tenants.list[0].name", "S3 allows 63"]],
    ["an unknown policy action", policy(dev, { action: "Deny" }), ["platform:policy.action", '"Deny"', "Audit | Enforce"]],
    ["audit only in production", policy(prod, { action: "Audit" }), ["platform:policy.action", "Enforce in production"]],
    ["best-effort Kyverno spread in production", policy(prod, { zoneSpread: "ScheduleAnyway" }), ["platform:policy.zoneSpread", "DoNotSchedule in production"]],
    ["an unknown Kyverno spread", policy(dev, { zoneSpread: "Anywhere" }), ["platform:policy.zoneSpread", '"Anywhere"', "DoNotSchedule | ScheduleAnyway"]],
    ["one admission controller in production", policy(prod, { replicas: 1 }), ["platform:policy.replicas", "at least 3 admission controllers in production"]],
    ["an empty registry allow-list", policy(dev, { allowedRegistries: [] }), ["platform:policy.allowedRegistries", "at least one registry"]],
    ["a registry given as a URL", policy(dev, { allowedRegistries: ["https://ghcr.io"] }), ["platform:policy.allowedRegistries[0]", '"https://ghcr.io"', "registry host"]],
    ["a policy chart not pinned", policy(dev, { chartVersion: "3.x" }), ["platform:policy.chartVersion", '"3.x"', "pinned chart version"]],
    ["a Kyverno hook image on latest", policy(dev, { hookImageTag: "latest" }), ["platform:policy.hookImageTag", '"latest"', "Kyverno release tag"]],
];

// Every message of the tenants and policy sections, written out in full: the key, the value and what is expected.
const exactProblems: ExactBadInput[] = [
    ["a name that is not a DNS label", withTenants(dev, { ...TEAM, name: "Team_B" }), [`${T}[0].name: expected a DNS label for the tenant's name ${LABEL}; got "Team_B"`]],
    ["a name starting with a digit", withTenants(dev, { ...TEAM, name: "9team" }), [`${T}[0].name: expected a DNS label for the tenant's name ${LABEL}; got "9team"`]],
    ["a name ending with a hyphen", withTenants(dev, { ...TEAM, name: "team-" }), [`${T}[0].name: expected a DNS label for the tenant's name ${LABEL}; got "team-"`]],
    ["a name of 41 characters", withTenants(dev, { ...TEAM, name: "t".repeat(41) }), [`${T}[0].name: expected at most 40 characters (it prefixes namespaces, roles and buckets); got "${"t".repeat(41)}"`]],
    [
        "a former name that is not a DNS label",
        withTenants(dev, { ...TEAM, previousName: "Team_Old", dataName: "team-old", namespaces: ["team-b"] }),
        [`${T}[0].previousName: expected a DNS label for the tenant's former name ${LABEL}; got "Team_Old"`],
    ],
    [
        "a data name that is not a DNS label",
        withTenants(dev, { ...TEAM, previousName: "team-old", dataName: "Team_Old", namespaces: ["team-b"] }),
        [`${T}[0].dataName: expected a DNS label for the name the tenant's data was created under ${LABEL}; got "Team_Old"`],
    ],
    ["an SSO group that is not a DNS label", withTenants(dev, { ...TEAM, ssoGroup: "Team B" }), [`${T}[0].ssoGroup: expected a DNS label for the SSO group ${LABEL}; got "Team B"`]],
    ["a namespace that is not a DNS label", withTenants(dev, { ...TEAM, namespaces: ["team-b", "team.b"] }), [`${T}[0].namespaces[1]: expected a DNS label for a namespace ${LABEL}; got "team.b"`]],
    ["a namespace of 64 characters", withTenants(dev, { ...TEAM, namespaces: ["n".repeat(64)] }), [`${T}[0].namespaces[0]: expected a DNS label for a namespace ${LABEL}; got "${"n".repeat(64)}"`]],
    ["an empty namespace list", withTenants(dev, { ...TEAM, namespaces: [] }), [`${T}[0].namespaces: expected at least one namespace; got []`]],
    ["no owners", withTenants(dev, { ...TEAM, owners: [] }), [`${T}[0].owners: expected at least one owner; got []`]],
    ["an owner with capitals", withTenants(dev, { ...TEAM, owners: ["carol", "Dave"] }), [`${T}[0].owners[1]: expected an SSO username; got "Dave"`]],
    ["an empty owner", withTenants(dev, { ...TEAM, owners: [""] }), [`${T}[0].owners[0]: expected an SSO username; got ""`]],
    ["an owner of 65 characters", withTenants(dev, { ...TEAM, owners: ["o".repeat(65)] }), [`${T}[0].owners[0]: expected an SSO username; got "${"o".repeat(65)}"`]],
    ["a cost centre with a colon", withTenants(dev, { ...TEAM, costCentre: "CC:platform/42" }), [`${T}[0].costCentre: ${COST_CENTRE}; got "CC:platform/42"`]],
    ["a cost centre starting with a hyphen", withTenants(dev, { ...TEAM, costCentre: "-CC" }), [`${T}[0].costCentre: ${COST_CENTRE}; got "-CC"`]],
    ["a cost centre ending with a dot", withTenants(dev, { ...TEAM, costCentre: "CC." }), [`${T}[0].costCentre: ${COST_CENTRE}; got "CC."`]],
    ["a cost centre of 64 characters", withTenants(dev, { ...TEAM, costCentre: "C".repeat(64) }), [`${T}[0].costCentre: ${COST_CENTRE}; got "${"C".repeat(64)}"`]],
    ["a quota of no pods", withTenants(dev, { ...TEAM, quota: { pods: 0 } }), [`${T}[0].quota.pods: expected at least 1 pod; got 0`]],
    ["a quota of 5001 pods", withTenants(dev, { ...TEAM, quota: { pods: 5001 } }), [`${T}[0].quota.pods: expected at most 5000; got 5001`]],
    ["a quota of half a pod", withTenants(dev, { ...TEAM, quota: { pods: 1.5 } }), [`${T}[0].quota.pods: expected an integer; got 1.5`]],
    ["a memory quota in GB", withTenants(dev, { ...TEAM, quota: { requestsMemory: "8GB" } }), [`${T}[0].quota.requestsMemory: expected a memory quantity like 512Mi, 2Gi or 1Ti; got "8GB"`]],
    ["a CPU quota in words", withTenants(dev, { ...TEAM, quota: { requestsCpu: "two" } }), [`${T}[0].quota.requestsCpu: expected a CPU quantity like 250m or 1; got "two"`]],
    ["an unknown repository encryption", withTenants(dev, { ...TEAM, repositoryEncryption: "SSE-C" }), [`${T}[0].repositoryEncryption: expected Kms | Aes256; got "SSE-C"`]],
    ["internet egress as a string", withTenants(dev, { ...TEAM, internetEgress: "yes" }), [`${T}[0].internetEgress: expected true or false; got "yes"`]],
    [
        "a folder path with a space",
        { ...dev, "platform:tenants": JSON.stringify({ directory: "my tenants" }) },
        [`platform:tenants.directory: expected a path relative to the project, like tenants; got "my tenants"`],
    ],
    // The index is the first tenant of the name: the second of three.
    [
        "the same tenant twice",
        withTenants(dev, { ...TEAM, name: "team-c" }, TEAM, { ...TEAM, namespaces: ["team-b-2"], ssoGroup: "team-b-2" }),
        [`${T}[2].name: expected each tenant once (also tenant 1); got "team-b"`],
    ],
    [
        "a rename onto a current tenant's name",
        withTenants(dev, TEAM, { ...TEAM, name: "team-c", previousName: "team-b", dataName: "team-b", namespaces: ["team-c"] }),
        [`${T}[1].previousName: expected a name no current tenant has; got "team-b"`],
    ],
    [
        "a rename without its data name",
        withTenants(dev, { ...TEAM, previousName: "team-old", namespaces: ["team-old"] }),
        [`${T}[0].dataName: expected the name the tenant's data lives under when renaming (its first name, team-old if this is the first rename), kept from then on; got undefined`],
    ],
    [
        "a rename without its namespaces",
        withTenants(dev, { ...TEAM, previousName: "team-old", dataName: "team-old" }),
        [`${T}[0].namespaces: expected the tenant's namespaces listed when renaming (the default would replace namespace team-old by team-b); got undefined`],
    ],
    // acme-dev-t-<name>-123456789012-eu-west-1: 34 characters and the name's 30.
    [
        "a bucket name of 64 characters",
        withTenants(dev, { ...TEAM, name: "b".repeat(30), bucket: true }),
        [`${T}[0].name: expected a shorter name: its bucket's name would be 64 characters (S3 allows 63); got "${"b".repeat(30)}"`],
    ],
    // Dev caches ecr-public, quay and k8s: a repository quay/apps would be a path of the quay cache.
    [
        "a tenant repository inside a pull-through cache",
        withTenants(dev, { ...TEAM, name: "k8s", namespaces: ["k8s-apps"], ecrRepository: true, ci: { signingRepositories: ["acme/k8s-app"] } }),
        [`${T}[0].name: expected a data name no pull-through cache uses as its prefix (ecr-public, quay, k8s): its repository k8s/apps would be inside that cache (a data name is kept for good: give the cache another prefix if it came later); got "k8s"`],
    ],
    [
        "a renamed tenant's data name inside a pull-through cache",
        withTenants(dev, { ...TEAM, previousName: "quay", dataName: "quay", namespaces: ["team-b"], ecrRepository: true, ci: { signingRepositories: ["acme/team-b-app"] } }),
        [`${T}[0].dataName: expected a data name no pull-through cache uses as its prefix (ecr-public, quay, k8s): its repository quay/apps would be inside that cache (a data name is kept for good: give the cache another prefix if it came later); got "quay"`],
    ],
    [
        "a namespace of the platform",
        withTenants(dev, { ...TEAM, namespaces: ["team-b", "vault"] }),
        [`${T}[0].namespaces: expected a namespace the platform does not use (vault is the platform's); got "vault"`],
    ],
    [
        "the namespaces Kubernetes keeps",
        withTenants(dev, { ...TEAM, namespaces: ["default", "kube-system", "kube-public", "kube-node-lease"] }),
        [
            `${T}[0].namespaces: expected a namespace the platform does not use (default is the platform's); got "default"`,
            `${T}[0].namespaces: expected a namespace the platform does not use (kube-system is the platform's); got "kube-system"`,
            `${T}[0].namespaces: expected a namespace the platform does not use (kube-public is the platform's); got "kube-public"`,
            `${T}[0].namespaces: expected a namespace the platform does not use (kube-node-lease is the platform's); got "kube-node-lease"`,
        ],
    ],
    [
        "a namespace owned by two tenants",
        withTenants(dev, { ...TEAM, namespaces: ["shared"] }, { ...TEAM, name: "team-c", namespaces: ["shared"] }),
        [`${T}[1].namespaces: expected namespace shared to belong to one tenant (also team-b); got "shared"`],
    ],
    // team-a runs CI: its runners have the namespace team-a-ci, where its members may not create pods (the runner identity's guard).
    [
        "another tenant's CI namespace",
        addTenants(dev, { ...TEAM, namespaces: ["team-a-ci"] }),
        [`${T}[2].namespaces: expected namespace team-a-ci to belong to one tenant (also team-a); got "team-a-ci"`],
    ],
    ["a namespace listed twice", withTenants(dev, { ...TEAM, namespaces: ["team-b", "team-b"] }), [`${T}[0].namespaces: expected each namespace once; got "team-b"`]],
    [
        "the platform's admin group",
        withTenants(dev, { ...TEAM, ssoGroup: "platform-admins" }),
        [`${T}[0].ssoGroup: expected a group other than the platform's (platform-admins, platform-viewers); got "platform-admins"`],
    ],
    [
        "the platform's viewer group",
        withTenants(dev, { ...TEAM, ssoGroup: "platform-viewers" }),
        [`${T}[0].ssoGroup: expected a group other than the platform's (platform-admins, platform-viewers); got "platform-viewers"`],
    ],
    [
        "another tenant's default group",
        withTenants(dev, TEAM, { ...TEAM, name: "team-c", ssoGroup: "tenant-team-b" }),
        [`${T}[1].ssoGroup: expected SSO group tenant-team-b to belong to one tenant (also team-b); got "tenant-team-b"`],
    ],
    ["a hostname outside the platform domain", withTenants(dev, { ...TEAM, hostnames: [HOST, "shop.example.org"] }), [`${T}[0].hostnames[1]: ${HOSTNAME}; got "shop.example.org"`]],
    ["a hostname two labels deep", withTenants(dev, { ...TEAM, hostnames: ["a.b.dev.platform.acme.example"] }), [`${T}[0].hostnames[0]: ${HOSTNAME}; got "a.b.dev.platform.acme.example"`]],
    ["a hostname with capitals", withTenants(dev, { ...TEAM, hostnames: ["Shop.dev.platform.acme.example"] }), [`${T}[0].hostnames[0]: ${HOSTNAME}; got "Shop.dev.platform.acme.example"`]],
    ["the platform domain itself", withTenants(dev, { ...TEAM, hostnames: ["dev.platform.acme.example"] }), [`${T}[0].hostnames[0]: ${HOSTNAME}; got "dev.platform.acme.example"`]],
    ["a hostname ending like the domain", withTenants(dev, { ...TEAM, hostnames: ["xdev.platform.acme.example"] }), [`${T}[0].hostnames[0]: ${HOSTNAME}; got "xdev.platform.acme.example"`]],
    [
        "the hostnames the platform publishes",
        withTenants(dev, { ...TEAM, hostnames: ["vault", "sso", "sso-admin", "grafana", "argocd"].map((h) => `${h}.dev.platform.acme.example`) }),
        ["vault", "sso", "sso-admin", "grafana", "argocd"].map(
            (h, i) => `${T}[0].hostnames[${i}]: expected a hostname the platform does not publish itself (vault, sso, sso-admin, grafana, argocd); got "${h}.dev.platform.acme.example"`,
        ),
    ],
    [
        "a hostname claimed by two tenants",
        withTenants(dev, { ...TEAM, hostnames: [HOST] }, { ...TEAM, name: "team-c", hostnames: [HOST] }),
        [`${T}[1].hostnames: expected hostname ${HOST} to belong to one tenant (also team-b); got "${HOST}"`],
    ],
    [
        "another tenant's data name (its Vault path, role and store)",
        withTenants(dev, TEAM, { ...TEAM, name: "team-c", dataName: "team-b" }),
        [`${T}[1].dataName: expected data name team-b to belong to one tenant (also team-b: its Vault path, stores, repository and bucket); got "team-b"`],
    ],
    [
        "a name another tenant keeps its data under",
        withTenants(dev, { ...TEAM, name: "team-c", dataName: "team-b" }, TEAM),
        [`${T}[1].name: expected data name team-b to belong to one tenant (also team-c: its Vault path, stores, repository and bucket); got "team-b"`],
    ],
    ["CPU limits below requests", withTenants(dev, { ...TEAM, quota: { requestsCpu: "8", limitsCpu: "4" } }), [`${T}[0].quota.limitsCpu: expected at least requestsCpu (8); got "4"`]],
    ["CPU limits below requests in millicores", withTenants(dev, { ...TEAM, quota: { requestsCpu: "1500m", limitsCpu: "1" } }), [`${T}[0].quota.limitsCpu: expected at least requestsCpu (1500m); got "1"`]],
    [
        "memory limits below requests",
        withTenants(dev, { ...TEAM, quota: { requestsMemory: "32Gi", limitsMemory: "16Gi" } }),
        [`${T}[0].quota.limitsMemory: expected at least requestsMemory (32Gi); got "16Gi"`],
    ],
    [
        "memory limits a MiB below requests",
        withTenants(dev, { ...TEAM, quota: { requestsMemory: "1Gi", limitsMemory: "1023Mi" } }),
        [`${T}[0].quota.limitsMemory: expected at least requestsMemory (1Gi); got "1023Mi"`],
    ],
    [
        "memory limits a GiB below a TiB",
        withTenants(dev, { ...TEAM, quota: { requestsMemory: "1Ti", limitsMemory: "1023Gi" } }),
        [`${T}[0].quota.limitsMemory: expected at least requestsMemory (1Ti); got "1023Gi"`],
    ],
    [
        "container CPU requests above the default limit",
        withTenants(dev, { ...TEAM, containerDefaults: { requestsCpu: "600m" } }),
        [`${T}[0].containerDefaults.limitsCpu: expected at least requestsCpu (600m); got "500m"`],
    ],
    [
        "container memory requests above the default limit",
        withTenants(dev, { ...TEAM, containerDefaults: { requestsMemory: "1Gi" } }),
        [`${T}[0].containerDefaults.limitsMemory: expected at least requestsMemory (1Gi); got "512Mi"`],
    ],
    ["a policy chart not pinned", policy(dev, { chartVersion: "3.x" }), [`${PP}.chartVersion: expected a pinned chart version like 1.8.1; got "3.x"`]],
    ["a Kyverno hook image on latest", policy(dev, { hookImageTag: "latest" }), [`${PP}.hookImageTag: ${HOOK_TAG}; got "latest"`]],
    ["a Kyverno hook image tag without its v", policy(dev, { hookImageTag: "1.19.0" }), [`${PP}.hookImageTag: ${HOOK_TAG}; got "1.19.0"`]],
    [
        "no Kyverno hook image tag",
        policy(dev, { hookImageTag: undefined }),
        [
            `${PP}.hookImageTag: required key is missing; expected a string (Tag of ghcr.io/kyverno/readiness-checker, the image of the chart's pre-delete hooks (webhooksCleanup) and of its helm test pods: the chart's appVersion (v1.19.0 for chart 3.9.0), written out so the image's arm64 build is checked for a fixed tag (the chart's test pods would otherwise take latest).)`,
        ],
    ],
    ["no admission controller", policy(dev, { replicas: 0 }), [`${PP}.replicas: expected 1 to 5 replicas; got 0`]],
    ["six admission controllers", policy(dev, { replicas: 6 }), [`${PP}.replicas: expected 1 to 5 replicas; got 6`]],
    ["half an admission controller", policy(dev, { replicas: 1.5 }), [`${PP}.replicas: expected an integer; got 1.5`]],
    ["an unknown policy action", policy(dev, { action: "Deny" }), [`${PP}.action: expected Audit | Enforce; got "Deny"`]],
    ["an unknown Kyverno spread", policy(dev, { zoneSpread: "Anywhere" }), [`${PP}.zoneSpread: expected DoNotSchedule | ScheduleAnyway; got "Anywhere"`]],
    ["an empty registry allow-list", policy(dev, { allowedRegistries: [] }), [`${PP}.allowedRegistries: expected at least one registry; got []`]],
    ["a registry given as a URL", policy(dev, { allowedRegistries: ["ghcr.io", "https://ghcr.io"] }), [`${PP}.allowedRegistries[1]: ${REGISTRY}; got "https://ghcr.io"`]],
    ["a registry with a port that is no number", policy(dev, { allowedRegistries: ["ghcr.io:https"] }), [`${PP}.allowedRegistries[0]: ${REGISTRY}; got "ghcr.io:https"`]],
    ["a registry with capitals", policy(dev, { allowedRegistries: ["GHCR.io"] }), [`${PP}.allowedRegistries[0]: ${REGISTRY}; got "GHCR.io"`]],
    ["a label key with a space", policy(dev, { requiredLabels: ["app name"] }), [`${PP}.requiredLabels[0]: expected a label key; got "app name"`]],
    ["a label key with an empty prefix", policy(dev, { requiredLabels: ["/name"] }), [`${PP}.requiredLabels[0]: expected a label key; got "/name"`]],
    ["a label name of 64 characters", policy(dev, { requiredLabels: [`acme.example/${"l".repeat(64)}`] }), [`${PP}.requiredLabels[0]: expected a label key; got "acme.example/${"l".repeat(64)}"`]],
    ["an unknown policy key", policy(dev, { replica: 3 }), [`${PP}.replica: unknown key; expected one of: chartVersion, hookImageTag, replicas, action, zoneSpread, allowedRegistries, requiredLabels`]],
    ["audit only in production", policy(prod, { action: "Audit" }), [`${PP}.action: expected Enforce in production; got "Audit"`]],
    [
        "best-effort Kyverno spread in production",
        policy(prod, { zoneSpread: "ScheduleAnyway" }),
        [`${PP}.zoneSpread: expected DoNotSchedule in production (a zone's loss must not take the admission webhook); got "ScheduleAnyway"`],
    ],
    [
        "two admission controllers in production",
        policy(prod, { replicas: 2 }),
        [`${PP}.replicas: expected at least 3 admission controllers in production (the webhook refuses requests when none answers); got 2`],
    ],
    // Through the transform that adds `all`: the keys a tenant takes, and its doc strings.
    [
        "an unknown tenant key lists the keys a tenant takes",
        withTenants(dev, { ...TEAM, namespace: ["team-b"] }),
        [`${T}[0].namespace: unknown key; expected one of: name, previousName, dataName, owners, ssoGroup, costCentre, namespaces, quota, containerDefaults, hostnames, internetEgress, ecrRepository, repositoryEncryption, bucket, gitops, ci`],
    ],
    ["an unknown key of tenants", { ...dev, "platform:tenants": JSON.stringify({ lists: [] }) }, ["platform:tenants.lists: unknown key; expected one of: directory, list, placement"]],
    ["a placement that is neither", { ...dev, "platform:tenants": JSON.stringify({ list: [], placement: "OwnStack" }) }, ['platform:tenants.placement: expected PlatformStack | OwnStacks; got "OwnStack"']],
    ["a missing owners list, with its doc string", withTenants(dev, { name: "team-b", costCentre: "CC-B" }), [`${T}[0].owners: required key is missing; expected a list (SSO usernames with the owner role in the tenant's namespaces (a member's rights, plus Roles and RoleBindings).)`]],
    // The bucket is named after the data name: a renamed tenant's long data name is blamed, not its new name.
    [
        "a data name too long for its bucket",
        withTenants(dev, { ...TEAM, name: "team-z", previousName: "team-old", dataName: "d".repeat(30), namespaces: ["team-b"], bucket: true }),
        [`${T}[0].dataName: expected a shorter name: its bucket's name would be 64 characters (S3 allows 63); got "${"d".repeat(30)}"`],
    ],
    ["a hostname listed twice by its tenant", withTenants(dev, { ...TEAM, hostnames: [HOST, HOST] }), [`${T}[0].hostnames: expected each hostname once; got ["${HOST}","${HOST}"]`]],
];

describe("config: bad tenant and policy input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));

    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("accepts every bound at its limit: a name of 40, a namespace, cost centre and label name of 63, an owner of 64, 5000 pods", () => {
        const team = { ...TEAM, name: "t".repeat(40), owners: ["a.b_c@d-".padEnd(64, "e")], costCentre: "C".repeat(63), namespaces: ["n".repeat(63)], quota: { pods: 5000 } };
        const cfg = parsePlatformConfig(policy(withTenants(dev, team), { requiredLabels: [`acme.example/${"l".repeat(63)}`] }), "platform");
        assert.deepStrictEqual(cfg.tenants.all.map((t) => [t.name, t.owners, t.costCentre, t.namespaces, t.quota.pods]), [[team.name, team.owners, team.costCentre, team.namespaces, 5000]]);
        assert.deepStrictEqual(cfg.policy.requiredLabels, [`acme.example/${"l".repeat(63)}`]);
    });

    it("accepts the shortest of each: a one-letter name and namespace, a one-character cost centre, one pod", () => {
        const cfg = parsePlatformConfig(withTenants(dev, { ...TEAM, name: "b", costCentre: "C", namespaces: ["n"], quota: { pods: 1 } }), "platform");
        assert.deepStrictEqual(cfg.tenants.all.map((t) => [t.name, t.costCentre, t.namespaces, t.quota.pods]), [["b", "C", ["n"], 1]]);
    });

    it("accepts a bucket name of exactly 63 characters, and measures the data name, not the new name", () => {
        const cfg = parsePlatformConfig(withTenants(dev, { ...TEAM, name: "b".repeat(29), bucket: true }), "platform");
        assert.strictEqual(cfg.tenants.all[0].name, "b".repeat(29));
        // Renamed to a 30-character name, its bucket keeps the short first name.
        const renamed = { ...TEAM, name: "b".repeat(30), previousName: "team-b", dataName: "team-b", namespaces: ["team-b"], bucket: true };
        assert.strictEqual(parsePlatformConfig(withTenants(dev, renamed), "platform").tenants.all[0].dataName, "team-b");
    });

    it("accepts limits equal to requests, in any unit", () => {
        const quota = { requestsCpu: "2", limitsCpu: "2000m", requestsMemory: "1Gi", limitsMemory: "1024Mi" };
        const containerDefaults = { requestsCpu: "500m", limitsCpu: "0.5", requestsMemory: "1Ti", limitsMemory: "1048576Mi" };
        const cfg = parsePlatformConfig(withTenants(dev, { ...TEAM, quota, containerDefaults }), "platform");
        assert.deepStrictEqual([cfg.tenants.all[0].quota.limitsCpu, cfg.tenants.all[0].containerDefaults.limitsMemory], ["2000m", "1048576Mi"]);
    });

    it("accepts five admission controllers, a registry with a port and path, and three in production", () => {
        assert.strictEqual(parsePlatformConfig(policy(dev, { replicas: 5 }), "platform").policy.replicas, 5);
        const registry = "registry.acme.example:5000/team_a/apps";
        assert.deepStrictEqual(parsePlatformConfig(policy(dev, { allowedRegistries: [registry] }), "platform").policy.allowedRegistries, [registry]);
        assert.strictEqual(parsePlatformConfig(policy(prod, { replicas: 3 }), "platform").policy.replicas, 3);
    });

    it("names each misnamed file of a folder and the tenant it holds, in the order of the file names", () => {
        // Written e before d: the files are read sorted.
        const files = { "team-e.yaml": "name: team-y\nowners: [erin]\ncostCentre: CC-E\n", "team-d.yaml": "name: team-x\nowners: [erin]\ncostCentre: CC-D\n" };
        inFolder(files, (dir) =>
            assert.throws(
                () => parsePlatformConfig(fromFolder, "platform", undefined, dir),
                (e: ConfigError) => {
                    assert.deepStrictEqual(e.problems, [
                        'platform:tenants.directory.team-d.yaml: expected the file to be named after its tenant (team-x.yaml); got "team-d.yaml"',
                        'platform:tenants.directory.team-e.yaml: expected the file to be named after its tenant (team-y.yaml); got "team-e.yaml"',
                    ]);
                    return true;
                },
            ),
        );
    });

    it("reads .yaml and .yml files only", () => {
        const files = { "team-d.yml": TEAM_D, "team-e.yaml": TEAM_D.replace(/team-d/, "team-e").replace(/CC-D/, "CC-E"), "README.md": "Not a tenant.\n", "team-f.json": "{}", "team-g.yaml.bak": "{}" };
        inFolder(files, (dir) => assert.deepStrictEqual(parsePlatformConfig(fromFolder, "platform", undefined, dir).tenants.all.map((t) => t.name), ["team-d", "team-e"]));
    });

    it("names the folder it cannot find and where it looked", () => {
        inFolder({}, (dir) =>
            assert.throws(
                () => parsePlatformConfig({ ...dev, "platform:tenants": JSON.stringify({ directory: "no-such-folder" }) }, "platform", undefined, dir),
                (e: ConfigError) => {
                    assert.deepStrictEqual(e.problems, [`platform:tenants.directory: expected an existing folder (relative to ${dir}); got "no-such-folder"`]);
                    return true;
                },
            ),
        );
    });

    it("reads tenants from a folder, one YAML file each, validated like the list", () => inFolder({}, (dir) => {
        fs.writeFileSync(path.join(dir, "tenants", "team-b.yaml"), "name: team-b\nowners: [carol]\ncostCentre: CC-B\n");
        fs.writeFileSync(path.join(dir, "tenants", "team-c.yaml"), "name: team-c\nowners: [dave]\ncostCentre: CC-C\nnamespaces: [team-a]\n");
        const raw = { ...dev, "platform:tenants": JSON.stringify({ directory: "tenants", list: JSON.parse(dev["platform:tenants"]).list }) };
        // team-c claims a namespace of the list's team-a: refused like two list entries would be.
        assert.throws(() => parsePlatformConfig(raw, "platform", undefined, dir), /platform:tenants\.directory\.team-c\.yaml\.namespaces: expected namespace team-a to belong to one tenant \(also team-a\)/);
        fs.writeFileSync(path.join(dir, "tenants", "team-c.yaml"), "name: team-c\nowners: [dave]\ncostCentre: CC-C\n");
        const cfg = parsePlatformConfig(raw, "platform", undefined, dir);
        assert.deepStrictEqual(cfg.tenants.all.map((t) => t.name), ["team-a", "payments", "team-b", "team-c"]);
        fs.writeFileSync(path.join(dir, "tenants", "team-d.yaml"), "name: team-x\nowners: [erin]\ncostCentre: CC-D\nquota: { pods: 0 }\n");
        assert.throws(
            () => parsePlatformConfig(raw, "platform", undefined, dir),
            (e: ConfigError) => (assert.deepStrictEqual(e.problems, ["platform:tenants.directory.team-d.yaml.quota.pods: expected at least 1 pod; got 0"]), true),
        );
        // The first tenant from the folder is named by its file too, not as one more list entry.
        fs.rmSync(path.join(dir, "tenants", "team-d.yaml"));
        fs.writeFileSync(path.join(dir, "tenants", "team-b.yaml"), "name: team-b\nowners: [carol]\ncostCentre: CC-B\nnamespaces: [team-a]\n");
        assert.throws(
            () => parsePlatformConfig(raw, "platform", undefined, dir),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, ['platform:tenants.directory.team-b.yaml.namespaces: expected namespace team-a to belong to one tenant (also team-a); got "team-a"']);
                return true;
            },
        );
    }));

    it("words a tenant file's problems as the list's: key path, value, the keys it takes, a missing key, YAML it cannot read", () => {
        const files = {
            "team-d.yaml": "name: team-d\nowners: [Erin]\ncostCentre: CC-D\nnamespace: [team-d]\n",
            "team-e.yaml": "name: team-e\nowners: [erin]\n",
            "team-f.yaml": "name: [team-f\n",
            "team-g.yaml": "",
        };
        inFolder(files, (dir) =>
            assert.throws(
                () => parsePlatformConfig(fromFolder, "platform", undefined, dir),
                (e: ConfigError) => {
                    const keys = "name, previousName, dataName, owners, ssoGroup, costCentre, namespaces, quota, containerDefaults, hostnames, internetEgress, ecrRepository, repositoryEncryption, bucket, gitops, ci";
                    assert.deepStrictEqual(e.problems, [
                        'platform:tenants.directory.team-d.yaml.owners[0]: expected an SSO username; got "Erin"',
                        `platform:tenants.directory.team-d.yaml.namespace: unknown key; expected one of: ${keys}`,
                        "platform:tenants.directory.team-e.yaml.costCentre: required key is missing; expected a string (The team's cost centre, for chargeback: the platform.io/cost-centre label of its namespaces and the cost-centre tag of its ECR repository.)",
                        'platform:tenants.directory.team-f.yaml: expected YAML (Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1); got "team-f.yaml"',
                        "platform:tenants.directory.team-g.yaml: expected a mapping; got null",
                    ]);
                    return true;
                },
            ),
        );
    });

    it("names a tenant file claiming another tenant's signing repository by its file", () => {
        inFolder({ "team-d.yaml": `${TEAM_D}ecrRepository: true\nci:\n  signingRepositories: [acme/team-a-app]\n` }, (dir) =>
            assert.throws(
                () => parsePlatformConfig({ ...dev, "platform:tenants": JSON.stringify({ directory: "tenants", list: JSON.parse(dev["platform:tenants"]).list }) }, "platform", undefined, dir),
                (e: ConfigError) => {
                    assert.deepStrictEqual(e.problems, [
                        "platform:tenants.directory.team-d.yaml.ci.signingRepositories[0]: expected a repository that signs for one tenant (also team-a): its workflows would be admitted in both tenants' namespaces; got \"acme/team-a-app\"",
                    ]);
                    return true;
                },
            ),
        );
    });

    it("names a .yml tenant's later problems by its file", () => {
        inFolder({ "team-d.yml": "name: team-d\nowners: [erin]\ncostCentre: CC-D\nnamespaces: [team-a]\n" }, (dir) =>
            assert.throws(
                () => parsePlatformConfig({ ...dev, "platform:tenants": JSON.stringify({ directory: "tenants", list: JSON.parse(dev["platform:tenants"]).list }) }, "platform", undefined, dir),
                (e: ConfigError) => {
                    assert.deepStrictEqual(e.problems, ['platform:tenants.directory.team-d.yml.namespaces: expected namespace team-a to belong to one tenant (also team-a); got "team-a"']);
                    return true;
                },
            ),
        );
    });

    it("stops at a single key's problem before the rules across tenants run", () => {
        // team-b claims team-a's namespace: the rule across tenants would refuse it, once the keys are right.
        const raw = { ...withTenants(dev, ...JSON.parse(dev["platform:tenants"]).list, { ...TEAM, namespaces: ["team-a"] }), "platform:netwrok": "{}" };
        assert.throws(
            () => parsePlatformConfig(raw, "platform"),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "platform:netwrok: unknown key; expected one of: environment, tier, name, owner, costCentre, region, allowedAccountIds, adoptRetained, tags, network, cluster, storage, ingress, secrets, sso, ssoBrokerSecrets, observability, alertReceiverSecret, policy, tenants, appDelivery, pullThroughCacheCredentials, backup",
                ]);
                return true;
            },
        );
    });

    it("refuses a folder that does not exist", () => {
        assert.throws(() => parsePlatformConfig({ ...dev, "platform:tenants": JSON.stringify({ directory: "no-such-folder" }) }, "platform", undefined, os.tmpdir()), /platform:tenants\.directory: expected an existing folder/);
    });
});
