// The attacks a tenant could try on the platform through the Kubernetes API, as data: what it tries, which guard
// stops it, and the guard's removal that lets it through (tenant-attacks.test.ts runs every one on the plan of every
// stack file; the threat-model table of docs/tenants.md lists them). Each attempt is a request to the API server (answered by
// the RBAC evaluator), a binding (the RBAC API's escalation check), or an ExternalSecret naming a ClusterSecretStore
// (External Secrets' namespace conditions), a request to Argo CD's API (its casbin RBAC, test/argocd-rbac.ts), an
// Application in the tenant's own project (Argo CD's project checks, none for delete hooks, then the RBAC of the account
// it impersonates), an AWS call with the Pod Identity roles of the
// tenant's namespaces (an IAM policy simulator, test/tenant-iam.ts), or a pod with a signed image (the plan's Kyverno
// policies: image patterns, and signatures by KMS key or keyless certificate as Kyverno 1.19 matches them).
import { isDeepStrictEqual } from "util";
import { secretInputs, type PlannedResource } from "../plan/engine";
import { KEYCLOAK_ADMIN_SECRET } from "../components/sso/keycloak-spec";
import { GRAFANA_ADMIN_SECRET } from "../components/observability/constants";
import { TENANT_CI_VIEWER_ROLE, TENANT_ROLES } from "../components/tenants/tenant-objects";
import { PLATFORM_NAMESPACES } from "../components/shared/namespaces";
import { PLATFORM_SECRET_STORE } from "../components/secrets/external-secrets";
import { OWN_REPOSITORY_POLICY } from "../components/policy/admission-policies";
import type { ClusterState } from "./cluster-state";
import { BOOTSTRAP_ROLES, releasesOf, releaseValuesWithDefaults, storeServes, truthy } from "./cluster-state";
import { parsedOnce } from "./fixture-cache";
import { Rbac, readRbacList, serviceAccountUser, type RbacObject, type Request, type RoleBinding, type UserInfo } from "./k8s-rbac";
import { impersonatedAccount, isAppNamespacePermitted, isDestinationPermitted, isGroupKindNamePermitted, matchStringInList, type GroupKind } from "./argocd-rbac";
import { roleMay, type AwsState } from "./tenant-iam";
import { TENANT_LABEL } from "../components/tenants/tenant-objects";
import { IN_CLUSTER } from "../components/delivery/app-projects";
import { attackerLabelSets, platformPods, reaches } from "./network-reach";
import { CollectorConfig, KnownPod, OtlpRecord, throughPipeline } from "./otlp-pipeline";
import { KUBE_SYSTEM } from "../components/shared/network-policies";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { BUILDER_NODE_POOL, BUILDER_TAINT, NODE_POOL_LABEL, NODE_ROLE_LABEL } from "../components/shared/builder-nodes";
import { SYSTEM_NODE_ROLE } from "../components/shared/placement";
import { CRITICAL_ADDONS_TAINT } from "../components/cluster/constants";
import { BUILDER_NODES_POLICY, SERVICE_ACCOUNT_TOKENS_POLICY, SERVICE_EXTERNAL_IPS_POLICY } from "../components/policy/admission-policies";
import { ALLOWED_HOSTNAMES_ANNOTATION, DNS_ANNOTATION_RULE, EXTERNAL_DNS_HOSTNAME_ANNOTATION, ROUTE_HOSTNAMES_POLICY } from "../components/policy/admission-policies";
import { BUILDKIT_PORT, GITHUB_APP_VAULT_PATH, RUNNER_SERVICE_ACCOUNT } from "../components/delivery/ci";
import { matchPattern, wildcard as kyvernoWildcard } from "./kyverno-pattern";
import { Node as K8sNode, Pod as K8sPod, PodSpec, runsOn, schedulerPlaces } from "./k8s-scheduling";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { allowed as vaultAllows, parseAcl } from "./vault-acl";
import { aclPolicy, tenantCiStoreName } from "../components/secrets/vault-policies";

/** A tenant as the attacks see it: its namespaces and the identities acting in them. */
export interface TenantView {
    readonly name: string;
    readonly namespaces: readonly string[];
    /** Its ClusterSecretStore. */
    readonly store: string;
    /** The namespace its runners (and the runner's Pod Identity account) are in, when it has CI. */
    readonly runnerNamespace?: string;
    /** Its name for data (repository `<dataName>/apps`, bucket, Vault path). */
    readonly dataName: string;
    /** The roles its namespaces' service accounts and its runners get through Pod Identity. */
    readonly awsRoles: readonly string[];
    /** The roles its runners run as (what a member's workflow acts with). */
    readonly runnerRoles: readonly string[];
    /** Whether it has a signing key of its own (per-tenant keys). */
    readonly signingKey?: boolean;
    /** Its repository as images name it (`<registry host>/<data name>/apps`), when it has one. */
    readonly repository?: string;
    /** How its CI signs its images (its key, or a certificate of its own repository's workflow), when it signs. */
    readonly ciSignature?: Signature;
    /** With keyless signatures: the GitHub repositories whose workflows sign for it (`ci.signingRepositories`). */
    readonly signingRepositories?: readonly string[];
    /** With keyless signatures: a repository of the organization its members push workflows to, and the issuer of their tokens. */
    readonly memberWorkflows?: { readonly repository: string; readonly issuer: string };
    /** The hostnames its routes may use (`<label>.<domain>`, its namespaces' `platform.io/allowed-hostnames`). */
    readonly hostnames?: readonly string[];
}

/**
 * A Fulcio certificate as Kyverno reads it: the OIDC issuer (1.3.6.1.4.1.57264.1.1), the subject alternative names
 * and the extensions by cosign's names (`githubWorkflowRepository`: 1.3.6.1.4.1.57264.1.5, the run's repository).
 */
export interface Certificate {
    readonly issuer: string;
    readonly subjects: readonly string[];
    readonly extensions: Readonly<Record<string, string>>;
}

/** A cosign signature on an image: made with tenant `key`'s KMS key, or keylessly with a certificate. */
export type Signature = { readonly key: string } | { readonly certificate: Certificate };

/**
 * The certificate Fulcio issues to a GitHub Actions job (its config/identity/config.yaml, github-workflow): the
 * subject is `https://github.com/<job_workflow_ref>`, the workflow that runs the job (a reusable workflow's own,
 * when one is called), and the repository extension is the repository the run is for (the caller's).
 */
export const githubWorkflowCertificate = (a: { issuer: string; workflowRepository: string; file: string; ref: string; runRepository?: string }): Certificate => ({
    issuer: a.issuer,
    subjects: [`https://github.com/${a.workflowRepository}/.github/workflows/${a.file}@${a.ref}`],
    extensions: { githubWorkflowRepository: a.runRepository ?? a.workflowRepository },
});

export type Who = "member" | "owner" | "ci" | "service accounts";
/** Who the attack is tried as: a user of the team's SSO group, an owner, the `ci` account, every other account of the namespace. */
export const WHO_TEXT: Record<Who, string> = {
    member: "a member (a user of the team's SSO group)",
    owner: "an owner",
    ci: "the `ci` service account",
    "service accounts": "the namespace's other service accounts",
};

export type Attempt =
    | { readonly request: Request }
    | { readonly binding: RoleBinding }
    /** Create a pod running `image` (in the registry, carrying `signatures`) in `namespace`: RBAC, then the plan's Kyverno policies. */
    | { readonly pod: { readonly namespace: string; readonly image: string; readonly signatures: readonly Signature[] } }
    /** A pod running `image` (carrying `signatures`) that `namespace`'s own deployments create (its tenant's Argo CD application): the plan's Kyverno policies alone decide. */
    | { readonly admitted: { readonly namespace: string; readonly image: string; readonly signatures: readonly Signature[] } }
    /** kms:Sign with tenant `key`'s signing key as tenant `signer`'s runner role (what a member's workflow runs as). */
    | { readonly sign: { readonly signer: string; readonly key: string } }
    /** Create an ExternalSecret in `namespace` naming ClusterSecretStore `store` (relabelling the namespace first if it may). */
    | { readonly externalSecret: { readonly namespace: string; readonly store: string } }
    /** Create an ExternalSecret in `namespace` naming ClusterSecretStore `store` for KV key `key`: External Secrets' conditions, then Vault's login and ACL. */
    | { readonly vaultSecret: { readonly namespace: string; readonly store: string; readonly key: string } }
    /** A call to Argo CD's API: its RBAC request (resource, action, object), with the user's SSO token. */
    | { readonly argocd: { readonly resource: string; readonly action: string; readonly object: string } }
    /** Exec into a pod of an application from Argo CD's UI (terminal.go: `exec.enabled`, then `applications, get` and `exec, create`). */
    | { readonly argocdExec: { readonly object: string } }
    /** Create an Application in `project` (in `appNamespace`, Argo CD's own when absent) deploying one resource, and sync it. */
    | { readonly argocdApp: ArgoApplication }
    /** An AWS call with every role the user's pods can run as, on each resource the plan's state yields. */
    /** An AWS call with every role the user's pods can run as, and (a member or owner, through a workflow) the roles its tenant's runners run as, on each resource the plan's state yields. */
    | { readonly aws: { readonly actions: readonly string[]; readonly resources: (aws: AwsState) => { readonly arn: string; readonly policy?: unknown }[]; readonly workflowRoles: readonly string[] } }
    /** From a pod it creates in `from` (with any labels it likes), open a TCP connection to pod `pod` of `namespace` on `port`. */
    | { readonly connect: { readonly from: string; readonly namespace: string; readonly pod: string; readonly port: number } }
    /** From a pod it creates in `from`, send the OTLP gateway records claiming to be pod `pod` of `namespace` (resource and record attributes). */
    | { readonly otlp: { readonly from: string; readonly namespace: string; readonly pod: string } }
    /** Create `manifest` (an object of API resource `resource` in `group`) in `namespace`: RBAC, then the plan's enforced Kyverno patterns for its kind. */
    | { readonly object: { readonly namespace: string; readonly group: string; readonly resource: string; readonly manifest: { readonly kind: string } & Record<string, unknown> } }
    /** Create an HTTPRoute or GRPCRoute in `namespace` on `hostnames`, with external-dns's hostname annotation `annotation` (RBAC, the plan's enforced Kyverno rules for routes), attached to the shared Gateway: the names external-dns then publishes, against the namespace's allowed hostnames. */
    | { readonly dnsRoute: { readonly namespace: string; readonly kind: "HTTPRoute" | "GRPCRoute"; readonly hostnames: readonly string[]; readonly annotation: string } }
    /** Create a pod in `namespace` naming PriorityClass `priorityClassName` (RBAC, the namespace's ResourceQuotas as admission counts them, the plan's enforced Kyverno patterns). */
    | { readonly priorityPod: { readonly namespace: string; readonly priorityClassName: string } }
    /** Create a pod in `namespace` whose required anti-affinity names platform pod `victim` (by its labels, in its namespace), then keep that pod off the node it runs on: RBAC, ResourceQuotas, the plan's enforced Kyverno patterns, then the scheduler placing the victim beside it. */
    | { readonly affinityPod: { readonly namespace: string; readonly victim: { readonly namespace: string; readonly name: string } } }
    /** Create a pod in `namespace` with these scheduling fields (RBAC, the plan's enforced Kyverno patterns) that then runs on a node of NodePool `pool`. */
    | { readonly podOnNode: { readonly namespace: string; readonly pool: string; readonly spec: PodSpec } }
    /** Where a job of the runners of CI namespace `runner` may run: beside a job of the runners of `beside` (its own, or another tenant's), or on a node of NodePool `pool`. */
    | { readonly jobPlacement: { readonly runner: string; readonly beside?: string; readonly pool?: string } }
    /** From a pod it creates in `from`, a build on the builder of a job of the runners of CI namespace `runnerNamespace`: the network, then what buildkitd checks. */
    | { readonly build: { readonly from: string; readonly runnerNamespace: string } }
    /** (Through a workflow of a branch on its runners of CI namespace `runnerNamespace`) build on a builder another job of them uses: one whose address is outside the job's own pod. */
    | { readonly sharedBuilder: { readonly runnerNamespace: string } }
    /** (Through a workflow on its runners) hold a Kubernetes API token of the runners' account: the kubelet mounts one unless the pod, or else its account, says `automountServiceAccountToken: false`. */
    | { readonly runnerApiToken: { readonly namespace: string } }
    | { readonly builderCredentials: { readonly namespace: string } }
    /** (Through a workflow on its runners of CI namespace `runner`, whose build escapes to the job's node) make `request` with the token of a node DaemonSet's account there (the kubelet's credentials request one for each pod bound to the node). */
    | { readonly nodeEscape: { readonly runner: string; readonly request: Request } }
    /** Show the platform stack's outputs, secret ones in the clear (what the read permission its stack references need allows), and find an admin password. */
    | { readonly platformOutputs: true }
    /** Export the state of the stack its team may read, secrets shown (`pulumi stack export --show-secrets`: Stack Read includes stack:export and stack:decrypt), and find an admin password. */
    | { readonly stateExport: true };

export interface ArgoApplication {
    readonly project: string;
    readonly appNamespace?: string;
    readonly destination: { readonly server: string; readonly namespace: string };
    /**
     * The resource its source renders: namespaced when `namespace` is given (else in the destination's), cluster-scoped
     * with `cluster`; with `hook`, annotated `argocd.argoproj.io/hook` PreDelete or PostDelete (created when the
     * application is deleted).
     */
    readonly resource: GroupKind & { readonly name: string; readonly namespace?: string; readonly cluster?: true; readonly hook?: "PreDelete" | "PostDelete" };
}

/** The API resource (plural) of each kind the Argo CD attacks render: what Kubernetes RBAC names. */
const KIND_RESOURCES: Readonly<Record<string, string>> = {
    Deployment: "deployments",
    Secret: "secrets",
    Pod: "pods",
    Namespace: "namespaces",
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
    Role: "roles",
    RoleBinding: "rolebindings",
    CustomResourceDefinition: "customresourcedefinitions",
    MutatingWebhookConfiguration: "mutatingwebhookconfigurations",
    ClusterSecretStore: "clustersecretstores",
    SecretStore: "secretstores",
    PushSecret: "pushsecrets",
    NetworkPolicy: "networkpolicies",
    ResourceQuota: "resourcequotas",
    LimitRange: "limitranges",
    PolicyException: "policyexceptions",
    Gateway: "gateways",
    // The kinds a tenant's repository deploys (app-projects.ts TENANT_DEPLOYABLE_KINDS).
    ConfigMap: "configmaps",
    Service: "services",
    ServiceAccount: "serviceaccounts",
    PersistentVolumeClaim: "persistentvolumeclaims",
    StatefulSet: "statefulsets",
    ReplicaSet: "replicasets",
    ControllerRevision: "controllerrevisions",
    Job: "jobs",
    CronJob: "cronjobs",
    HorizontalPodAutoscaler: "horizontalpodautoscalers",
    PodDisruptionBudget: "poddisruptionbudgets",
    HTTPRoute: "httproutes",
    GRPCRoute: "grpcroutes",
    ExternalSecret: "externalsecrets",
    EndpointSlice: "endpointslices",
};
const resourceOf = (kind: string) => {
    const r = KIND_RESOURCES[kind];
    if (r === undefined) throw new Error(`no API resource known for kind ${kind}`);
    return r;
};

/** The platform stack as a reader of it sees it: its outputs (secret ones in the clear), and the admin passwords to look for. */
export interface PlatformStackView {
    readonly outputs: Record<string, unknown>;
    /** The project whose stacks application teams get Stack Read on (deployments/ readerPermissions). */
    readonly teamReads: string;
    /** The platform's project (the stack the contract stack reads). */
    readonly platformProject: string;
    /** What `pulumi stack export --show-secrets` shows of each project's stack: its resources' inputs and outputs, its outputs, secrets in the clear. */
    readonly states: Readonly<Record<string, unknown>>;
    /** Keycloak's master-realm admin's and Grafana's `admin` password, by role: what the platform logs them in with (adminPasswords). */
    readonly adminPasswords: Readonly<Record<"keycloak" | "grafana", string>>;
}

export interface Guard {
    readonly text: string;
    /** Takes the guard away from (a copy of) the plan's resources, and of the platform stack's outputs. */
    remove(resources: PlannedResource[], platform: PlatformStackView): void;
    /** Whether the stack has it (a guard only some stack files configure); default: every stack (remove throws if not). */
    present?(resources: readonly PlannedResource[]): boolean;
}

export interface Attack {
    readonly id: string;
    readonly attack: string;
    /** Who tries it; every one must be refused. */
    readonly who: readonly Who[];
    /** Who gets through once every guard is removed (the guards, not an accident, stop them). Each guard alone stops
     * the attack (the others removed), so none of them is dead weight. */
    readonly getsThroughUnguarded: readonly Who[];
    readonly guards: readonly (keyof typeof GUARDS)[];
    readonly attempts: (t: TenantView, others: readonly TenantView[]) => Attempt[];
    /** The guards close different ways in (Argo CD's global policy or a project's role…): each one's removal alone lets
     * the attack through, instead of each one alone stopping it. */
    readonly everyGuardNeeded?: true;
    /** Still possible: why, and what would close it (the test asserts it stands, so the table stays true). */
    readonly open?: string;
}

const RBAC = "rbac.authorization.k8s.io";
type Mutable = { -readonly [K in keyof PlannedResource]: PlannedResource[K] } & { inputs: Record<string, any> };
const tenantRoleNames: readonly string[] = Object.values(TENANT_ROLES);
/** The tenant bindings, by the names roleBindingSpecs gives them (their role may already be swapped by another removal). */
const TENANT_BINDINGS = ["tenant-members", "tenant-owners", "tenant-ci"];
const isTenantBinding = (r: PlannedResource) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && TENANT_BINDINGS.includes((r.inputs as any).metadata?.name);
const isTenantRole = (r: PlannedResource) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole" && tenantRoleNames.includes((r.inputs as any).metadata?.name);
const releaseOf = (resources: PlannedResource[], chart: string) => {
    const found = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).split("/").pop() === chart) as Mutable[];
    if (found.length !== 1) throw new Error(`expected one ${chart} release, found ${found.length}`);
    const r = found[0];
    r.inputs.values = r.inputs.values ?? {};
    return r.inputs.values as Record<string, any>;
};
/** The OTLP gateway's collector configuration, as its release's values hold it (read only). */
export const collectorConfig = (resources: readonly PlannedResource[]): CollectorConfig => {
    const found = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).split("/").pop() === "opentelemetry-collector");
    if (found.length !== 1) throw new Error(`expected one opentelemetry-collector release, found ${found.length}`);
    return (found[0].inputs as any).values.config as CollectorConfig;
};
/** Takes a processor out of every pipeline of the OTLP gateway. */
const dropCollectorProcessor = (resources: PlannedResource[], id: string) => {
    const pipelines = Object.values(releaseOf(resources, "opentelemetry-collector").config.service.pipelines) as { processors: string[] }[];
    if (!pipelines.some((p) => p.processors.includes(id))) throw new Error(`no pipeline of the OTLP gateway runs ${id}`);
    for (const p of pipelines) p.processors = p.processors.filter((x) => x !== id);
};
const addToTenantRoles = (resources: PlannedResource[], ...rules: object[]) => {
    const roles = resources.filter(isTenantRole) as Mutable[];
    if (roles.length !== tenantRoleNames.length) throw new Error(`expected the ${tenantRoleNames.length} tenant roles, found ${roles.length}`);
    for (const r of roles) r.inputs.rules = [...r.inputs.rules, ...rules];
};

const tenantProjects = (resources: PlannedResource[]) => {
    const found = resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProject") as Mutable[];
    if (found.length === 0) throw new Error("no AppProject in the plan");
    return found.map((r) => r.inputs.spec as Record<string, any>);
};
const argoConfigs = (resources: PlannedResource[]) => {
    const v = releaseOf(resources, "argo-cd");
    v.configs = v.configs ?? {};
    return v.configs as Record<string, Record<string, unknown>>;
};
/** Namespaces labelled with a tenant (its own and its CI namespace). */
const tenantNamespaceNames = (resources: PlannedResource[]) =>
    new Set(resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata?.labels?.[TENANT_LABEL]).map((r) => (r.inputs as any).metadata.name as string));
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
/** The namespaces whose ingress tables the platform writes: its own and kube-system. */
const platformNamespaces: readonly string[] = [...Object.values(PLATFORM_NAMESPACES), KUBE_SYSTEM];
const tenantNamespaces = (resources: PlannedResource[]) =>
    resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.labels?.["platform.io/namespace-role"] === "tenant").map((r) => (r.inputs as any).metadata.name as string);
/** Adds a policy letting every pod of each tenant namespace in or out freely (NetworkPolicies only add up). */
const openTenants = (resources: PlannedResource[], type: "Ingress" | "Egress") => {
    const namespaces = tenantNamespaces(resources);
    if (namespaces.length === 0) throw new Error("no tenant namespace in the plan");
    for (const namespace of namespaces)
        resources.push({ type: NETWORK_POLICY, name: `open-${namespace}`, inputs: { metadata: { name: `open-${type}`, namespace }, spec: { podSelector: {}, policyTypes: [type], [type.toLowerCase()]: [{}] } } } as unknown as PlannedResource);
};
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const CLUSTER_POLICY = "kubernetes:kyverno.io/v1:ClusterPolicy";

/** Takes a ClusterPolicy out of the plan by name (the guard removed); its absence is an error, never a silent pass. */
function removeClusterPolicy(resources: PlannedResource[], name: string): void {
    const i = resources.findIndex((r) => r.type === CLUSTER_POLICY && (r.inputs as any).metadata?.name === name);
    if (i < 0) throw new Error(`no ${name} policy in the plan`);
    resources.splice(i, 1);
}
const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
/** The tenants' signature policies: the platform stack's shared one, and each tenant stack's own (`-<tenant>`). */
const signaturePolicy = (r: PlannedResource) => r.type === CLUSTER_POLICY && /^tenant-verify-image-signatures(-.+)?$/.test(String((r.inputs as any).metadata?.name));
/** The signature policy's rules that verify with a KMS key. */
const kmsSignatureRules = (resources: readonly PlannedResource[]) =>
    resources
        .filter(signaturePolicy)
        .flatMap((r) => (r.inputs as any).spec.rules as any[])
        .filter((r) => r.verifyImages?.[0]?.attestors?.[0]?.entries?.some((e: any) => e.keys?.kms));
/** The signature policy's keyless attestor entries (with Keyless, each tenant's rule has one per signing repository). */
const keylessEntries = (resources: readonly PlannedResource[]) =>
    resources
        .filter(signaturePolicy)
        .flatMap((r) => (r.inputs as any).spec.rules as any[])
        .flatMap((r) => (r.verifyImages ?? []).flatMap((v: any) => v.attestors.flatMap((a: any) => a.entries)))
        .filter((e: any) => e.keyless)
        .map((e: any) => e.keyless as Record<string, any>);
/** The registry allow-list's rules (`tenant-allowed-registries`). */
const allowListRules = (resources: readonly PlannedResource[]) =>
    resources.filter((r) => r.type === CLUSTER_POLICY && (r.inputs as any).metadata?.name === "tenant-allowed-registries").flatMap((r) => (r.inputs as any).spec.rules as any[]);
/** The same repository by the registry's dual-stack name (`<account>.dkr-ecr.<region>.on.aws`), which ECR serves too. */
const dualStack = (repository: string) => repository.replace(/^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\//, "$1.dkr-ecr.$2.on.aws/");
/** The delivery layer's names: `tenant-<name>-delivery-signing-key`, `…-runner-role`. */
const signingKeys = (resources: readonly PlannedResource[]) => resources.filter((r) => r.type === "aws:kms/key:Key" && /^tenant-.+-delivery-signing-key$/.test(r.name)) as Mutable[];

const VAULT_POLICY = "vault:index/policy:Policy";
const VAULT_K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
const CLUSTER_SECRET_STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
/** The tenants' CI stores (`ci-tenant-<data name>`). */
const ciStores = (resources: PlannedResource[]) => {
    const found = resources.filter((r) => r.type === CLUSTER_SECRET_STORE && String((r.inputs as any).metadata?.name).startsWith(tenantCiStoreName(""))) as Mutable[];
    if (found.length === 0) throw new Error("no CI store in the plan");
    return found;
};

/** The tenants' runner scale sets (gha-runner-scale-set releases). */
const runnerReleases = (resources: readonly PlannedResource[]) => {
    const found = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).endsWith("/gha-runner-scale-set")) as Mutable[];
    if (found.length === 0) throw new Error("no runner scale set in the plan");
    return found;
};

/** The runner pod template of each scale set (`values.template.spec`). */
const runnerSpecs = (resources: PlannedResource[]) => runnerReleases(resources).map((r) => r.inputs.values.template.spec as Record<string, any>);
/** The builder sidecar of a runner pod template: the init container that keeps running and runs buildkitd. */
const builderSidecarOf = (spec: Record<string, any>) => {
    const c = (spec.initContainers ?? []).find((c: any) => c.restartPolicy === "Always" && (c.args ?? []).includes("--addr"));
    if (c === undefined) throw new Error("no builder sidecar in a runner pod template");
    return c as Record<string, any>;
};

export const GUARDS = {
    tenantRoles: {
        text: "tenants hold the platform's tenant roles (`platform:tenant-member`, `-owner`, `-deployer`), not Kubernetes' `edit`/`admin`",
        remove: (resources) => {
            const bindings = resources.filter(isTenantBinding) as Mutable[];
            if (bindings.length === 0) throw new Error("no tenant RoleBinding in the plan");
            for (const b of bindings) b.inputs.roleRef = { ...b.inputs.roleRef, name: b.inputs.metadata.name === "tenant-owners" ? "admin" : "edit" };
        },
    },
    esoAggregation: {
        text: "External Secrets' chart does not aggregate its roles into `edit`/`admin` (`rbac.aggregateToEdit`/`aggregateToAdmin: false`)",
        remove: (resources) => {
            const v = releaseOf(resources, "external-secrets");
            v.rbac = { ...(v.rbac ?? {}), aggregateToEdit: true, aggregateToAdmin: true };
        },
    },
    kyvernoAggregation: {
        text: "Kyverno's chart does not aggregate its policy and exception roles into `admin` (`rbac.roles.aggregate.admin: false`)",
        remove: (resources) => {
            const v = releaseOf(resources, "kyverno");
            v.rbac = { ...(v.rbac ?? {}), roles: { aggregate: { admin: true, view: true } } };
        },
    },
    argoAggregation: {
        text: "Argo CD's chart creates no roles aggregating its objects into `edit`/`admin` (`createAggregateRoles` stays false)",
        remove: (resources) => {
            releaseOf(resources, "argo-cd").createAggregateRoles = true;
        },
    },
    namespaced: {
        text: "tenant roles are bound by RoleBindings in the tenant's own namespaces only",
        remove: (resources) => {
            const bindings = resources.filter(isTenantBinding) as Mutable[];
            if (bindings.length === 0) throw new Error("no tenant RoleBinding in the plan");
            for (const b of bindings) {
                b.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
                b.inputs.metadata = { name: `${b.inputs.metadata.namespace}-${b.inputs.metadata.name}` };
            }
        },
    },
    enumerated: {
        text: "tenant roles name each API group, resource and verb (no `*`)",
        remove: (resources) => addToTenantRoles(resources, { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }),
    },
    noBind: {
        text: "tenant roles grant no `bind` or `escalate`, so the RBAC API lets owners bind only roles whose every rule they hold",
        remove: (resources) => addToTenantRoles(resources, { apiGroups: [RBAC], resources: ["roles", "clusterroles"], verbs: ["bind", "escalate"] }),
    },
    platformStoreConditions: {
        text: "the platform's ClusterSecretStore serves only namespaces labelled `platform.io/namespace-role=platform`, a label tenants cannot set",
        remove: (resources) => {
            const store = resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore" && r.inputs.metadata && (r.inputs as any).metadata.name === PLATFORM_SECRET_STORE) as Mutable | undefined;
            if (!store) throw new Error("no platform store in the plan");
            delete store.inputs.spec.conditions;
        },
    },
    ciNamespace: {
        text: "the runners run in a namespace of their own (`<tenant>-ci`), where the team holds `platform:tenant-ci-viewer` (pods and logs, read only)",
        remove: (resources) => {
            // As before the move: the team holds the member role where the runners (and their account) are.
            const bindings = resources.filter((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && (r.inputs as any).roleRef?.name === TENANT_CI_VIEWER_ROLE) as Mutable[];
            if (bindings.length === 0) throw new Error("no CI viewer RoleBinding in the plan");
            for (const b of bindings) b.inputs.roleRef = { ...b.inputs.roleRef, name: TENANT_ROLES.member };
        },
    },
    keyPolicySigner: {
        text: "each tenant's signing key denies `kms:Sign` to every principal but its own CI role (key policy)",
        remove: (resources) => {
            const keys = signingKeys(resources);
            if (keys.length === 0) throw new Error("no tenant signing key in the plan");
            for (const k of keys) {
                const doc = JSON.parse(k.inputs.policy);
                doc.Statement = doc.Statement.filter((st: { Effect: string; Action: unknown }) => !(st.Effect === "Deny" && st.Action === "kms:Sign"));
                k.inputs.policy = JSON.stringify(doc);
            }
        },
    },
    runnerSignScope: {
        text: "a runner's identity policy grants `kms:Sign` on its own tenant's key only",
        remove: (resources) => {
            const policies = resources.filter((r) => r.type === ROLE_POLICY && r.name.endsWith("-runner-signing")) as Mutable[];
            if (policies.length === 0) throw new Error("no runner signing policy in the plan");
            for (const p of policies) {
                const doc = JSON.parse(p.inputs.policy);
                for (const st of doc.Statement) st.Resource = "*";
                p.inputs.policy = JSON.stringify(doc);
            }
        },
    },
    ownRepository: {
        text: "each tenant's namespaces admit images of the platform's registry only from its own repository or the caches (`tenant-own-repository-<tenant>`, a boundary enforced in every stack)",
        remove: (resources) => {
            const own = (r: PlannedResource) => r.type === CLUSTER_POLICY && String((r.inputs as any).metadata?.name).startsWith(`${OWN_REPOSITORY_POLICY}-`);
            if (!resources.some(own)) throw new Error("no tenant-own-repository policy in the plan");
            for (let i = resources.length - 1; i >= 0; i--) if (own(resources[i])) resources.splice(i, 1);
        },
    },
    allowList: {
        text: "`tenant-allowed-registries` enforced (stacks whose `policy.action` is Enforce): its list names the registry by its regional host only",
        present: (resources) => allowListRules(resources).some((r) => r.validate.failureAction === "Enforce"),
        remove: (resources) => {
            const rules = allowListRules(resources);
            if (rules.length === 0) throw new Error("no tenant-allowed-registries rule in the plan");
            for (const r of rules) r.validate.failureAction = "Audit";
        },
    },
    tenantSigningKeys: {
        text: "each tenant's namespaces verify signatures against its own key only (`tenant-verify-image-signatures`, one rule per tenant)",
        present: (resources) => kmsSignatureRules(resources).length > 0,
        remove: (resources) => {
            // As with one key for all: every tenant's rule accepts any tenant's key.
            const rules = kmsSignatureRules(resources);
            if (rules.length === 0) throw new Error("no per-tenant signature rule in the plan");
            const entries = rules.flatMap((r) => r.verifyImages[0].attestors[0].entries);
            for (const r of rules) r.verifyImages[0].attestors = [{ count: 1, entries }];
        },
    },
    tenantKeylessSubjects: {
        text: "each tenant's namespaces admit keyless signatures only of its own repositories' workflows, run from its signing refs (`tenant-verify-image-signatures`, one rule per tenant: an anchored `subjectRegExp` per repository)",
        present: (resources) => keylessEntries(resources).length > 0,
        remove: (resources) => {
            // As with the former stack-wide subject: any workflow of the organization (the repository's owner).
            const entries = keylessEntries(resources);
            if (entries.length === 0) throw new Error("no keyless signature rule in the plan");
            for (const e of entries) {
                const owner = String(e.additionalExtensions?.githubWorkflowRepository ?? /^\^https:\/\/github\\\.com\/([A-Za-z0-9-]+)\//.exec(e.subjectRegExp)?.[1]).split("/")[0];
                e.subjectRegExp = `^https://github\\.com/${owner}/.+$`;
            }
        },
    },
    tenantKeylessRepository: {
        text: "each keyless entry also requires the run's repository to be that signing repository (`additionalExtensions.githubWorkflowRepository`: another repository calling its reusable workflow is refused)",
        present: (resources) => keylessEntries(resources).length > 0,
        remove: (resources) => {
            const entries = keylessEntries(resources);
            if (entries.length === 0) throw new Error("no keyless signature rule in the plan");
            for (const e of entries) delete e.additionalExtensions;
        },
    },
    tenantStoreConditions: {
        text: "a tenant's ClusterSecretStore serves only namespaces labelled with its tenant (`platform.io/tenant`), a label tenants cannot set",
        remove: (resources) => {
            const stores = resources.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore" && (r.inputs as any).metadata.name !== PLATFORM_SECRET_STORE) as Mutable[];
            if (stores.length === 0) throw new Error("no tenant store in the plan");
            for (const s of stores) delete s.inputs.spec.conditions;
        },
    },
    argoGlobalPolicy: {
        text: "Argo CD's global policy grants tenants nothing: `policy.default` empty, `policy.csv` binding the platform's admin and viewer groups only",
        remove: (resources) => {
            const c = argoConfigs(resources);
            c.rbac = { ...(c.rbac ?? {}), "policy.default": "role:admin" };
        },
    },
    projectRoleGroups: {
        text: "each tenant's AppProject role names its own team's SSO group only",
        remove: (resources) => {
            const specs = tenantProjects(resources);
            const groups = [...new Set(specs.flatMap((s) => (s.roles ?? []).flatMap((r: any) => r.groups ?? [])))];
            for (const s of specs) s.roles = (s.roles ?? []).map((r: any) => ({ ...r, groups }));
        },
    },
    projectRolePolicies: {
        text: "project roles grant `applications` and `logs` in their own project only: no `applicationsets`, `exec`, `projects` (the policy rule `argocd-projects` refuses more)",
        remove: (resources) => {
            const projects = resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProject") as Mutable[];
            if (projects.length === 0) throw new Error("no AppProject in the plan");
            for (const p of projects)
                p.inputs.spec.roles = p.inputs.spec.roles.map((r: any) => ({ ...r, policies: [...r.policies, `p, proj:${p.inputs.metadata.name}:${r.name}, *, *, *, allow`] }));
        },
    },
    argoExecDisabled: {
        text: "Argo CD's web terminal is off (`exec.enabled: false`)",
        remove: (resources) => {
            const c = argoConfigs(resources);
            c.cm = { ...(c.cm ?? {}), "exec.enabled": true };
        },
    },
    projectDestinations: {
        text: "a tenant's project deploys to its own namespaces on the in-cluster server only",
        remove: (resources) => {
            for (const s of tenantProjects(resources)) s.destinations = [{ server: "*", namespace: "*" }];
        },
    },
    argoImpersonation: {
        text: "Argo CD syncs and runs delete hooks as the `ci` account of the destination namespace (argocd-cm `application.sync.impersonation.enabled`, each project's `destinationServiceAccounts`), which holds the deployer role there and nothing elsewhere",
        remove: (resources) => {
            const c = argoConfigs(resources);
            c.cm = { ...(c.cm ?? {}), "application.sync.impersonation.enabled": false };
        },
    },
    projectClusterKinds: {
        text: "projects permit no cluster-scoped kind (`clusterResourceWhitelist: []`)",
        remove: (resources) => {
            for (const s of tenantProjects(resources)) s.clusterResourceWhitelist = [{ group: "*", kind: "*" }];
        },
    },
    projectNamespacedKinds: {
        text: "projects permit only the kinds the tenant's member role writes (`namespaceResourceWhitelist`)",
        remove: (resources) => {
            for (const s of tenantProjects(resources)) delete s.namespaceResourceWhitelist;
        },
    },
    argoAppNamespaces: {
        text: "Argo CD accepts Applications in its own namespace only (`application.namespaces` unset)",
        remove: (resources) => {
            const c = argoConfigs(resources);
            c.params = { ...(c.params ?? {}), "application.namespaces": "*" };
        },
    },
    projectSourceNamespaces: {
        text: "projects list no `sourceNamespaces`",
        remove: (resources) => {
            for (const s of tenantProjects(resources)) s.sourceNamespaces = ["*"];
        },
    },
    tenantIdentityPolicies: {
        text: "a tenant identity's policy (the CI runner's) names ECR actions on its own repository and the pull-through caches only",
        remove: (resources) => {
            const namespaces = tenantNamespaceNames(resources);
            const roles = resources
                .filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && namespaces.has(String(r.inputs.namespace)))
                .map((r) => String(r.inputs.roleArn).split("/").pop());
            const policies = resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && roles.some((n) => r.inputs.role === `${n}-id`)) as Mutable[];
            if (policies.length === 0) throw new Error("no tenant identity policy in the plan");
            for (const p of policies) {
                const doc = JSON.parse(String(p.inputs.policy));
                p.inputs.policy = JSON.stringify({ ...doc, Statement: [...doc.Statement, { Effect: "Allow", Action: "*", Resource: "*" }] });
            }
        },
    },
    roleTrust: {
        text: "every other role trusts only its AWS service (Pod Identity for one namespace and service account, EKS, EC2, …) or one IRSA subject, not the account",
        remove: (resources) => {
            const roles = resources.filter((r) => r.type === "aws:iam/role:Role") as Mutable[];
            if (roles.length === 0) throw new Error("no role in the plan");
            for (const r of roles) {
                const doc = JSON.parse(String(r.inputs.assumeRolePolicy));
                const account = JSON.stringify(resources.filter((x) => x.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")[0]?.inputs.roleArn ?? "").split(":")[4];
                r.inputs.assumeRolePolicy = JSON.stringify({ ...doc, Statement: [...doc.Statement, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "sts:AssumeRole" }] });
            }
        },
    },
    platformIngress: {
        text: "every platform namespace and kube-system denies ingress and admits only the callers its table lists (`components/shared/network-policies.ts`)",
        remove: (resources) => {
            const before = resources.length;
            for (let i = resources.length - 1; i >= 0; i--) if (resources[i].type === NETWORK_POLICY && platformNamespaces.includes((resources[i].inputs as any).metadata.namespace)) resources.splice(i, 1);
            if (resources.length === before) throw new Error("no platform NetworkPolicy in the plan");
        },
    },
    otlpResourceClaims: {
        text: "the OTLP gateway deletes the `k8s.*` and `service.namespace` resource attributes a sender claims before `k8s_attributes` sets them from the connection's pod",
        remove: (resources) => dropCollectorProcessor(resources, "resource/untrusted-claims"),
    },
    otlpRecordClaims: {
        text: "the OTLP gateway deletes the `k8s.*` attributes of every span, log record and data point",
        remove: (resources) => dropCollectorProcessor(resources, "attributes/untrusted-claims"),
    },
    tenantEgress: {
        text: "tenant namespaces deny egress but DNS, their own namespaces, the OTLP ports of `monitoring` and the internet",
        remove: (resources) => openTenants(resources, "Egress"),
    },
    tenantIngress: {
        text: "tenant namespaces deny ingress but from their own namespaces, the gateway's and monitoring's",
        remove: (resources) => openTenants(resources, "Ingress"),
    },
    builderAdmission: {
        text: "`tenant-builder-nodes` (a boundary, enforced in every stack) refuses tenant pods that tolerate the builders' or the System nodes' taint (or every taint), select their pool or role, or are created bound to a node by name",
        remove: (resources) => removeClusterPolicy(resources, BUILDER_NODES_POLICY),
    },
    serviceExternalIps: {
        text: "`tenant-service-external-ips` (a boundary, enforced in every stack) refuses a tenant Service with `externalIPs`",
        remove: (resources) => removeClusterPolicy(resources, SERVICE_EXTERNAL_IPS_POLICY),
    },
    serviceAccountTokens: {
        text: "`tenant-service-account-tokens` (a boundary, enforced in every stack) refuses a tenant Secret of type `kubernetes.io/service-account-token` (and pods running as `ci` or `vault-secret-store`)",
        remove: (resources) => removeClusterPolicy(resources, SERVICE_ACCOUNT_TOKENS_POLICY),
    },
    priorityQuota: {
        text: "each tenant namespace (and its CI namespace) holds a ResourceQuota of no pods in the scope PriorityClass `Exists`",
        remove: (resources) => {
            const quotas = resources.filter((r) => r.type === RESOURCE_QUOTA && (r.inputs as any).metadata?.name === "tenant-no-priority-class");
            if (quotas.length === 0) throw new Error("no tenant-no-priority-class quota in the plan");
            for (const q of quotas) resources.splice(resources.indexOf(q), 1);
        },
    },
    crossNamespaceAffinityQuota: {
        text: "each tenant namespace holds a ResourceQuota of no pods in the scope CrossNamespacePodAffinity",
        remove: (resources) => {
            const quotas = resources.filter((r) => r.type === RESOURCE_QUOTA && (r.inputs as any).metadata?.name === "tenant-no-cross-namespace-affinity");
            if (quotas.length === 0) throw new Error("no tenant-no-cross-namespace-affinity quota in the plan");
            for (const q of quotas) resources.splice(resources.indexOf(q), 1);
        },
    },
    runnerAntiAffinity: {
        text: "each runner pod (a job and its builder) requires, per node, no other runner pod of any CI namespace (pod anti-affinity by `kubernetes.io/hostname`; Karpenter provisions by it)",
        remove: (resources) => {
            for (const spec of runnerSpecs(resources)) delete spec.affinity;
        },
    },
    runnerPlacement: {
        text: "runner pods select the builders' NodePool (`karpenter.sh/nodepool: builders`), whose taint keeps other pods off",
        remove: (resources) => {
            for (const spec of runnerSpecs(resources)) delete spec.nodeSelector;
        },
    },
    ciIngress: {
        text: "the CI namespace admits nothing in (deny by default, no ingress rule)",
        remove: (resources) => {
            const namespaces = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.labels?.["platform.io/namespace-role"] === "ci").map((r) => (r.inputs as any).metadata.name as string);
            if (namespaces.length === 0) throw new Error("no CI namespace in the plan");
            for (const namespace of namespaces)
                resources.push({ type: NETWORK_POLICY, name: `open-${namespace}`, inputs: { metadata: { name: "open-ingress", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] } } } as unknown as PlannedResource);
        },
    },
    builderLoopback: {
        text: "each job's buildkitd listens on its pod's loopback (`tcp://127.0.0.1:1234`) and a unix socket only: no address other pods reach",
        remove: (resources) => {
            for (const spec of runnerSpecs(resources)) {
                const c = builderSidecarOf(spec);
                c.args = (c.args as string[]).map((a) => a.replace(/^tcp:\/\/127\.0\.0\.1:/, "tcp://0.0.0.0:"));
            }
        },
    },
    nodeAgentOffBuilders: {
        text: "Velero's node agent (it runs as Velero's server account, which the chart binds to `cluster-admin`) requires a node outside the builders' pool (`karpenter.sh/nodepool` NotIn `builders`)",
        present: (resources) => veleroNodeAgent(resources) !== undefined,
        remove: (resources) => {
            const v = releaseOf(resources, "velero");
            if (v.nodeAgent?.affinity === undefined) throw new Error("no node affinity on Velero's node agent");
            delete v.nodeAgent.affinity;
        },
    },
    builderPerJob: {
        text: "each job builds on its own buildkitd, a sidecar of its runner pod (`BUILDKIT_HOST` is the pod's loopback): no builder, cache or state outlives the job or serves another",
        // Removed: the shape it replaced, one long-lived builder behind a Service that every job of the scale set builds on.
        remove: (resources) => {
            for (const r of runnerReleases(resources)) {
                const spec = r.inputs.values.template.spec;
                builderSidecarOf(spec);
                spec.initContainers = spec.initContainers.filter((c: any) => c.restartPolicy !== "Always");
                const runner = spec.containers.find((c: any) => c.name === "runner");
                runner.env = runner.env.map((e: any) => (e.name === "BUILDKIT_HOST" ? { ...e, value: `tcp://buildkitd.${r.inputs.namespace}-builds.svc:${BUILDKIT_PORT}` } : e));
            }
        },
    },
    tenantVaultCiDeny: {
        text: "each tenant's Vault policy denies its `ci/` path (the longest prefix, and a deny, win over its `tenants/<tenant>/*` grant)",
        remove: (resources) => {
            const policies = resources.filter((r) => r.type === VAULT_POLICY && /^tenant-/.test(String(r.inputs.name))) as Mutable[];
            const denying = policies.filter((p) => parseAcl(String(p.inputs.policy)).some((rule) => rule.capabilities.includes("deny")));
            if (denying.length === 0) throw new Error("no tenant Vault policy with a deny in the plan");
            for (const p of denying) p.inputs.policy = aclPolicy(parseAcl(String(p.inputs.policy)).filter((rule) => !rule.capabilities.includes("deny")));
        },
    },
    runnerNoApiToken: {
        text: "runner pods set `automountServiceAccountToken: false` (Pod Identity mounts its own token)",
        remove: (resources) => {
            const sets = runnerReleases(resources);
            for (const r of sets) delete r.inputs.values.template.spec.automountServiceAccountToken;
        },
    },
    builderNoCredentials: {
        text: "runner pods name the builder in `eks.amazonaws.com/skip-containers`: the EKS pod identity webhook injects the job's AWS credentials into every other container",
        remove: (resources) => {
            const sets = runnerReleases(resources);
            for (const r of sets) delete r.inputs.values.template.metadata.annotations["eks.amazonaws.com/skip-containers"];
        },
    },
    routeDnsAnnotation: {
        text: "`tenant-route-hostnames` (enforced in every stack) refuses a tenant's route or Service annotated `external-dns.alpha.kubernetes.io/hostname`",
        remove: (resources) => {
            const policy = resources.find((r) => r.type === CLUSTER_POLICY && (r.inputs as any).metadata?.name === ROUTE_HOSTNAMES_POLICY) as Mutable | undefined;
            if (policy === undefined) throw new Error(`no ${ROUTE_HOSTNAMES_POLICY} policy in the plan`);
            const rules = policy.inputs.spec.rules as { name: string }[];
            if (!rules.some((r) => r.name === DNS_ANNOTATION_RULE)) throw new Error(`no ${DNS_ANNOTATION_RULE} rule in ${ROUTE_HOSTNAMES_POLICY}`);
            policy.inputs.spec.rules = rules.filter((r) => r.name !== DNS_ANNOTATION_RULE);
        },
    },
    ciStoreConditions: {
        text: "a tenant's CI store (`ci-tenant-<tenant>`) serves only its CI namespace, by name",
        remove: (resources) => {
            const stores = ciStores(resources);
            for (const s of stores) delete s.inputs.spec.conditions;
        },
    },
    ciVaultRoleNamespace: {
        text: "the CI store's Vault role binds the `vault-secret-store` account of the CI namespace only",
        remove: (resources) => {
            const roles = resources.filter((r) => r.type === VAULT_K8S_ROLE && String(r.inputs.roleName).startsWith(tenantCiStoreName(""))) as Mutable[];
            if (roles.length === 0) throw new Error("no CI Vault role in the plan");
            for (const r of roles) r.inputs.boundServiceAccountNamespaces = ["*"];
        },
    },
    adminPasswordsOutOfOutputs: {
        text: "the admin passwords are in Secrets Manager secrets (admins-only resource policy and key); the platform exports their ARNs",
        // The contract before: both passwords as (secret) outputs.
        remove: (_resources, platform) => {
            platform.outputs.ssoAdminPassword = platform.adminPasswords.keycloak;
            platform.outputs.grafanaAdminPassword = platform.adminPasswords.grafana;
        },
    },
    teamsReadContractOnly: {
        text: "application teams get Stack Read on the platform-contract stacks only (deployments/ readerPermissions), whose state holds the contract and its StackReference's copy of it: no credential",
        // Before: application stacks referenced the platform stack, so teams read it.
        remove: (_resources, platform) => {
            (platform as { teamReads: string }).teamReads = platform.platformProject;
        },
    },
} satisfies Record<string, Guard>;

const req = (verb: string, group: string, resource: string, namespace = "", name?: string, subresource?: string): Attempt => ({ request: { verb, group, resource, namespace, name, subresource } });
const inEach = (t: TenantView, f: (ns: string) => Attempt[]) => t.namespaces.flatMap(f);
const bindingTo = (namespace: string, roleRef: { kind: string; name: string }, name = "attack"): Attempt => ({
    binding: { kind: "RoleBinding", metadata: { name, namespace }, roleRef: { apiGroup: RBAC, ...roleRef }, subjects: [{ apiGroup: RBAC, kind: "User", name: "oidc:attacker" }] },
});
const WRITE = ["create", "update", "patch", "delete"];
const ALL: readonly Who[] = ["member", "owner", "ci", "service accounts"];
const HOLDERS: readonly Who[] = ["member", "owner", "ci"];
/** Who surely reaches the runner's identity: users of every tenant namespace, who create pods (the `ci` account only in its own namespace). */
const POD_CREATORS: readonly Who[] = ["member", "owner"];
/** Who logs in to Argo CD: the team's users, with their SSO token (service accounts have no Argo CD login). */
const ARGO_USERS: readonly Who[] = ["member", "owner"];
const argo = (resource: string, action: string, object: string): Attempt => ({ argocd: { resource, action, object } });
const app = (t: TenantView, destination: ArgoApplication["destination"], resource: ArgoApplication["resource"]): Attempt => ({ argocdApp: { project: t.name, destination, resource } });
/** AWS attempts for a tenant with an AWS identity in reach (its namespaces' Pod Identities, its runners'): none without one. */
const awsAttempt = (t: TenantView, actions: readonly string[], resources: (aws: AwsState) => { arn: string; policy?: unknown }[]): Attempt[] =>
    t.awsRoles.length > 0 ? [{ aws: { actions, resources, workflowRoles: t.runnerRoles } }] : [];

/** A node of each NodePool, as Karpenter launches it: the pool's template labels, `karpenter.sh/nodepool`, its taints. */
const poolNodeName = (pool: string) => `${pool}-node`;
/** Ways onto a builders' node: tolerating its taint or every taint, selecting its pool or role, bound to it by name. */
const systemNodeName = "ip-10-0-0-10.system.internal";
const ONTO_BUILDER_NODE: readonly PodSpec[] = [
    { tolerations: [{ key: BUILDER_TAINT.key, operator: "Exists" }], nodeSelector: { [NODE_POOL_LABEL]: BUILDER_NODE_POOL } },
    { tolerations: [{ operator: "Exists" }], nodeSelector: { [NODE_ROLE_LABEL]: "builder" } },
    { tolerations: [{ operator: "Exists" }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: "In", values: [BUILDER_NODE_POOL] }] }] } } } },
    { tolerations: [{ key: BUILDER_TAINT.key, operator: "Equal", value: BUILDER_TAINT.value, effect: BUILDER_TAINT.effect }] },
    { nodeName: poolNodeName(BUILDER_NODE_POOL) },
    { nodeName: poolNodeName(BUILDER_NODE_POOL), tolerations: [{ operator: "Exists" }] },
];
/** The System managed node group, where every platform pod runs (platformPods: SystemNodes), as podOnNode names it. */
const SYSTEM_NODES_POOL = "system (managed node group)";
const ONTO_SYSTEM_NODE: readonly PodSpec[] = [
    { tolerations: [{ key: CRITICAL_ADDONS_TAINT.key, operator: "Exists" }], nodeSelector: { [NODE_ROLE_LABEL]: SYSTEM_NODE_ROLE } },
    { tolerations: [{ operator: "Exists" }], nodeSelector: { [NODE_ROLE_LABEL]: SYSTEM_NODE_ROLE } },
    { nodeName: systemNodeName },
];
const withRunners = (ts: readonly TenantView[]) => ts.filter((o) => o.runnerNamespace !== undefined);

const connect = (namespace: string, pod: string, ...ports: number[]) => (t: TenantView): Attempt[] => inEach(t, (from) => ports.map((port) => ({ connect: { from, namespace, pod, port } })));
const NET: Pick<Attack, "who" | "getsThroughUnguarded"> = { who: ALL, getsThroughUnguarded: HOLDERS };
const M = PLATFORM_NAMESPACES.monitoring;

/** The attacks, in the order of the table in docs/tenants.md (the open ones last). */
export const ATTACKS: readonly Attack[] = [
    {
        id: "secret-store",
        attack: "create a SecretStore (e.g. `auth.kubernetes` without a serviceAccountRef: Vault sees the External Secrets controller's token)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles", "esoAggregation"],
        attempts: (t) => inEach(t, (ns) => [req("create", "external-secrets.io", "secretstores", ns)]),
    },
    {
        id: "cluster-secret-store",
        attack: "create a ClusterSecretStore",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles", "esoAggregation", "namespaced"],
        attempts: () => [req("create", "external-secrets.io", "clustersecretstores")],
    },
    {
        id: "generators-push-secrets",
        attack: "create External Secrets generators (`webhooks`, `vaultdynamicsecrets`, …) or a PushSecret",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles", "esoAggregation"],
        attempts: (t) =>
            inEach(t, (ns) => [
                req("create", "generators.external-secrets.io", "webhooks", ns),
                req("create", "generators.external-secrets.io", "vaultdynamicsecrets", ns),
                req("create", "external-secrets.io", "pushsecrets", ns),
            ]),
    },
    {
        id: "platform-store",
        attack: "create an ExternalSecret naming the platform's store (`platform-vault`), relabelling its namespace first if it could",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["platformStoreConditions"],
        attempts: (t) => inEach(t, (ns) => [{ externalSecret: { namespace: ns, store: PLATFORM_SECRET_STORE } }]),
    },
    {
        id: "other-tenant-store",
        attack: "create an ExternalSecret naming another tenant's store",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantStoreConditions"],
        attempts: (t, others) => inEach(t, (ns) => others.map((o) => ({ externalSecret: { namespace: ns, store: o.store } }))),
    },
    {
        id: "ci-github-app-key",
        attack: "create an ExternalSecret naming its own store for its runners' GitHub App key (`tenants/<tenant>/ci/github-app`: the App registers runners for the whole organization)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantVaultCiDeny"],
        attempts: (t) => (t.runnerNamespace ? inEach(t, (ns) => [{ vaultSecret: { namespace: ns, store: t.store, key: githubAppKey(t) } }]) : []),
    },
    {
        id: "ci-store",
        attack: "create an ExternalSecret naming its CI namespace's store (`ci-tenant-<tenant>`) for the same key",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["ciStoreConditions", "ciVaultRoleNamespace"],
        attempts: (t) => (t.runnerNamespace ? inEach(t, (ns) => [{ vaultSecret: { namespace: ns, store: tenantCiStoreName(t.dataName), key: githubAppKey(t) } }]) : []),
    },
    {
        id: "network-policies",
        attack: "delete or change its namespaces' NetworkPolicies (`default-deny`, …)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles"],
        attempts: (t) => inEach(t, (ns) => [...WRITE.map((v) => req(v, "networking.k8s.io", "networkpolicies", ns, "default-deny")), req("create", "networking.k8s.io", "networkpolicies", ns)]),
    },
    {
        id: "quota-limits",
        attack: "change or delete its ResourceQuota or LimitRange",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["enumerated"],
        attempts: (t) => inEach(t, (ns) => ["update", "patch", "delete"].flatMap((v) => [req(v, "", "resourcequotas", ns, "tenant-quota"), req(v, "", "limitranges", ns, "tenant-defaults")])),
    },
    {
        id: "relabel-namespace",
        attack: "relabel or delete its own Namespace (its tenant, role and Pod Security labels)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["enumerated"],
        attempts: (t) => inEach(t, (ns) => ["update", "patch", "delete"].map((v) => req(v, "", "namespaces", ns, ns))),
    },
    {
        id: "bind-builtin-admin",
        attack: "create a RoleBinding to `admin` or `edit`",
        who: ALL,
        getsThroughUnguarded: ["owner"],
        guards: ["tenantRoles"],
        attempts: (t) => inEach(t, (ns) => [bindingTo(ns, { kind: "ClusterRole", name: "admin" }), bindingTo(ns, { kind: "ClusterRole", name: "edit" })]),
    },
    {
        id: "bind-cluster-admin",
        attack: "create a RoleBinding to `cluster-admin` or to a platform ClusterRole (e.g. `cert-manager-policy:vault-ca`)",
        who: ALL,
        getsThroughUnguarded: ["owner"],
        guards: ["noBind"],
        attempts: (t) => inEach(t, (ns) => [bindingTo(ns, { kind: "ClusterRole", name: "cluster-admin" }), bindingTo(ns, { kind: "ClusterRole", name: "cert-manager-policy:vault-ca" })]),
    },
    {
        id: "member-binds",
        attack: "(a member or the `ci` account) create any RoleBinding, even to its own role",
        who: ["member", "ci", "service accounts"],
        getsThroughUnguarded: ["member", "ci"],
        guards: ["enumerated"],
        attempts: (t) => inEach(t, (ns) => [bindingTo(ns, { kind: "ClusterRole", name: TENANT_ROLES.member })]),
    },
    {
        id: "impersonate-service-account",
        attack: "impersonate a service account (its namespace's `ci` or `vault-secret-store`, or a platform controller's)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles"],
        attempts: (t) => [
            ...inEach(t, (ns) => [req("impersonate", "", "serviceaccounts", ns, "ci"), req("impersonate", "", "serviceaccounts", ns, "vault-secret-store")]),
            req("impersonate", "", "serviceaccounts", PLATFORM_NAMESPACES.externalSecrets, "external-secrets"),
        ],
    },
    {
        id: "impersonate-user-group",
        attack: "impersonate a user or a group (`system:masters`, `oidc:platform-admins`)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["enumerated", "namespaced"],
        attempts: () => [req("impersonate", "", "users", "", "oidc:someone-else"), req("impersonate", "", "groups", "", "oidc:platform-admins"), req("impersonate", "", "groups", "", "system:masters")],
    },
    {
        id: "token-request",
        attack: "request a token (TokenRequest, `serviceaccounts/token`) for another service account, the CI runner's Pod Identity one included",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles"],
        attempts: (t) => [
            ...inEach(t, (ns) => ["ci", "vault-secret-store", "default"].map((sa) => req("create", "", "serviceaccounts", ns, sa, "token"))),
            ...(t.runnerNamespace ? [req("create", "", "serviceaccounts", t.runnerNamespace, RUNNER_SERVICE_ACCOUNT, "token")] : []),
        ],
    },
    {
        id: "exec-platform",
        attack: "exec, attach or port-forward into pods of platform namespaces (and `kube-system`)",
        who: ALL,
        getsThroughUnguarded: ["member", "owner"],
        guards: ["namespaced"],
        attempts: () =>
            [...Object.values(PLATFORM_NAMESPACES), "kube-system"].flatMap((ns) => ["exec", "attach", "portforward"].map((sub) => req("create", "", "pods", ns, "any-pod", sub))),
    },
    {
        id: "other-tenant-secrets",
        attack: "read or write another tenant's Secrets (or anything else in its namespaces)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["namespaced"],
        attempts: (_t, others) => others.flatMap((o) => o.namespaces.flatMap((ns) => [req("get", "", "secrets", ns, "any"), req("list", "", "secrets", ns), req("create", "apps", "deployments", ns)])),
    },
    {
        id: "policy-exceptions",
        attack: "create a Kyverno PolicyException (or a Kyverno policy) in its namespace",
        who: ALL,
        getsThroughUnguarded: ["owner"],
        guards: ["tenantRoles", "kyvernoAggregation"],
        attempts: (t) =>
            inEach(t, (ns) => [req("create", "policies.kyverno.io", "policyexceptions", ns), req("create", "kyverno.io", "policies", ns), req("create", "policies.kyverno.io", "namespacedvalidatingpolicies", ns)]),
    },
    {
        id: "argocd-objects",
        attack: "create or change Argo CD Applications, ApplicationSets or AppProjects with kubectl (bypassing Argo CD's project RBAC)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantRoles", "argoAggregation"],
        attempts: (t) =>
            inEach(t, (ns) => ["applications", "applicationsets", "appprojects"].map((r) => req("create", "argoproj.io", r, ns))),
    },
    {
        id: "webhooks-crds",
        attack: "create validating or mutating webhooks, admission policies or CRDs",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["enumerated", "namespaced"],
        attempts: () => [
            req("create", "admissionregistration.k8s.io", "validatingwebhookconfigurations"),
            req("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
            req("create", "admissionregistration.k8s.io", "validatingadmissionpolicies"),
            req("create", "apiextensions.k8s.io", "customresourcedefinitions"),
        ],
    },
    {
        id: "namespaces",
        attack: "create a Namespace",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["enumerated", "namespaced"],
        attempts: () => [req("create", "", "namespaces")],
    },
    {
        id: "service-external-ips",
        attack: "create a Service with `externalIPs` (CVE-2020-8554): kube-proxy on every node then sends traffic for that address and port (a platform pod's, the NLB's) to the tenant's pods, which admit the gateway's proxies and monitoring",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["serviceExternalIps"],
        attempts: (t) =>
            inEach(t, (ns) => [
                {
                    object: {
                        namespace: ns,
                        group: "",
                        resource: "services",
                        manifest: { apiVersion: "v1", kind: "Service", metadata: { name: "attack", namespace: ns }, spec: { selector: { "app.kubernetes.io/name": "attack" }, ports: [{ port: 3000 }], externalIPs: ["10.0.1.10"] } },
                    },
                },
            ]),
    },
    {
        id: "route-dns-annotation",
        attack: "an HTTPRoute or GRPCRoute on its own hostname annotated `external-dns.alpha.kubernetes.io/hostname: www.<domain>,login.<domain>`: external-dns (v0.21.0) publishes the annotation's names besides `spec.hostnames`, which is all the hostname rule checks, so any name under the platform domain (one nobody was given, or before its tenant is onboarded) would point at the shared load balancer, whose `*.<domain>` listener matches it",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["routeDnsAnnotation"],
        attempts: (t) => {
            const own = t.hostnames?.[0];
            if (own === undefined) return [];
            const domain = own.slice(own.indexOf(".") + 1);
            return inEach(t, (namespace) =>
                (["HTTPRoute", "GRPCRoute"] as const).map((kind) => ({ dnsRoute: { namespace, kind, hostnames: [own], annotation: `www.${domain}, login.${domain}` } })),
            );
        },
    },
    {
        id: "ci-token-secret",
        attack: "create a Secret of type `kubernetes.io/service-account-token` for the namespace's `ci` account (what Argo CD's syncs impersonate): a token that never expires and outlives the member's removal from the team",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["serviceAccountTokens"],
        attempts: (t) =>
            inEach(t, (ns) => [
                {
                    object: {
                        namespace: ns,
                        group: "",
                        resource: "secrets",
                        manifest: { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token", metadata: { name: "attack", namespace: ns, annotations: { "kubernetes.io/service-account.name": "ci" } } },
                    },
                },
            ]),
    },
    {
        id: "critical-priority",
        attack: "run a pod with `priorityClassName: system-node-critical` (or `system-cluster-critical`, usable in any namespace): on a full node the scheduler preempts lower-priority pods for it, the platform's (Vault, Keycloak, the gateway's proxies) and other tenants' (a required pod affinity picks the node)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["priorityQuota"],
        attempts: (t) => inEach(t, (namespace) => ["system-node-critical", "system-cluster-critical"].map((priorityClassName) => ({ priorityPod: { namespace, priorityClassName } }))),
    },
    {
        id: "cross-namespace-anti-affinity",
        attack: "run a pod whose required anti-affinity (`namespaceSelector`, topology `kubernetes.io/hostname`) selects Vault's or Keycloak's pods: the scheduler honours an existing pod's anti-affinity against every pod it places, so no replica of theirs lands on a node running such a pod (a Deployment of them, spread over the nodes, leaves the platform's pods Pending as nodes are replaced)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["crossNamespaceAffinityQuota"],
        attempts: (t) =>
            inEach(t, (namespace) =>
                [
                    { namespace: PLATFORM_NAMESPACES.secrets, name: "vault" },
                    { namespace: PLATFORM_NAMESPACES.sso, name: "keycloak" },
                ].map((victim) => ({ affinityPod: { namespace, victim } })),
            ),
    },
    { id: "net-loki", attack: "from a pod: push to or query Loki (every tenant's logs, Vault's audit stream), at its gateway or directly", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: (t) => [...connect(M, "loki-gateway", 8080)(t), ...connect(M, "loki", 3100, 9095)(t)] },
    { id: "net-prometheus", attack: "from a pod: query Prometheus or write to it (remote write, OTLP)", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(M, "prometheus", 9090) },
    { id: "net-alertmanager", attack: "from a pod: silence alerts in Alertmanager", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(M, "alertmanager", 9093) },
    { id: "net-tempo", attack: "from a pod: query Tempo (every tenant's traces)", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(M, "tempo", 3200) },
    { id: "net-tempo-otlp", attack: "from a pod: send traces to Tempo directly, past the OTLP gateway (tenant egress admits the OTLP ports of all of `monitoring`)", ...NET, guards: ["platformIngress"], attempts: connect(M, "tempo", 4317, 4318) },
    { id: "net-grafana", attack: "from a pod: Grafana's backend port, past the gateway", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(M, "grafana", 3000) },
    { id: "net-argocd", attack: "from a pod: Argo CD's repo-server (renders any repository's manifests) or its Redis", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: (t) => [...connect(PLATFORM_NAMESPACES.gitops, "argocd-repo-server", 8081)(t), ...connect(PLATFORM_NAMESPACES.gitops, "argocd-redis", 6379)(t)] },
    { id: "net-vault", attack: "from a pod: Vault's API directly (tenants' secrets reach them through External Secrets)", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(PLATFORM_NAMESPACES.secrets, "vault", 8200, 8201) },
    { id: "net-keycloak", attack: "from a pod: Keycloak's management port or its HTTPS port past the gateway (the admin console's client-CIDR policy)", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: connect(PLATFORM_NAMESPACES.sso, "keycloak", 9000, 8443) },
    { id: "net-envoy", attack: "from a pod: Envoy's listeners with a forged PROXY header (passes `allowedCidrs`), or Envoy Gateway's xDS", ...NET, guards: ["tenantEgress", "platformIngress"], attempts: (t) => [...connect(PLATFORM_NAMESPACES.gatewayController, "envoy-platform", 10443, 10080)(t), ...connect(PLATFORM_NAMESPACES.gatewayController, "envoy-gateway", 18000)(t)] },
    {
        id: "net-controller-metrics",
        attack: "from a pod: the platform controllers' metrics ports",
        ...NET,
        guards: ["tenantEgress", "platformIngress"],
        attempts: (t) => [
            ...connect(PLATFORM_NAMESPACES.certManager, "cert-manager", 9402)(t),
            ...connect(PLATFORM_NAMESPACES.externalSecrets, "external-secrets", 8080)(t),
            ...connect(PLATFORM_NAMESPACES.policy, "kyverno-admission-controller", 8000)(t),
            ...connect(PLATFORM_NAMESPACES.gitops, "argocd-application-controller", 8082)(t),
            ...connect(PLATFORM_NAMESPACES.backup, "velero", 8085)(t),
            ...connect(M, "kube-state-metrics", 8080)(t),
        ],
    },
    {
        id: "net-kube-system",
        attack: "from a pod: kube-system's controllers (Karpenter's and the AWS Load Balancer Controller's metrics, CoreDNS's metrics)",
        ...NET,
        guards: ["tenantEgress", "platformIngress"],
        attempts: (t) => [...connect(KUBE_SYSTEM, "karpenter", 8080)(t), ...connect(KUBE_SYSTEM, "aws-load-balancer-controller", 8080)(t), ...connect(KUBE_SYSTEM, "coredns", 9153)(t)],
    },
    {
        id: "otlp-forged-namespace",
        attack: "from a pod: send the OTLP gateway telemetry that claims another namespace's identity (`k8s.namespace.name`, pod name, UID and IP of another tenant's or a platform pod, on the resource or on each record), to land in the shared streams as theirs",
        ...NET,
        guards: ["otlpResourceClaims", "otlpRecordClaims"],
        everyGuardNeeded: true,
        attempts: (t, others) =>
            inEach(t, (from) =>
                [...others.map((o) => ({ namespace: o.namespaces[0], pod: "tenant-app" })), { namespace: PLATFORM_NAMESPACES.secrets, pod: "vault" }, { namespace: KUBE_SYSTEM, pod: "coredns" }].map((v) => ({
                    otlp: { from, ...v },
                })),
            ),
    },
    { id: "net-other-tenant", attack: "from a pod: another tenant's pods", ...NET, guards: ["tenantEgress", "tenantIngress"], attempts: (t, others) => others.flatMap((o) => connect(o.namespaces[0], "tenant-app", 8080)(t)) },
    {
        id: "argocd-other-tenant-apps",
        attack: "in Argo CD, get, update, sync, override, delete or run actions on another tenant's applications, or read their logs",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoGlobalPolicy", "projectRoleGroups"],
        everyGuardNeeded: true,
        attempts: (_t, others) =>
            others.flatMap((o) => [
                ...["get", "update", "sync", "override", "delete", "action/apps/Deployment/restart"].flatMap((a) => [argo("applications", a, `${o.name}/${o.name}`), argo("applications", a, `${o.name}/${o.namespaces[0]}/${o.name}`)]),
                argo("logs", "get", `${o.name}/${o.name}`),
            ]),
    },
    {
        id: "argocd-other-projects",
        attack: "in Argo CD, create an application in another tenant's project or in `default` (any destination, any kind)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoGlobalPolicy", "projectRoleGroups"],
        everyGuardNeeded: true,
        attempts: (_t, others) => [...others.map((o) => argo("applications", "create", `${o.name}/attack`)), argo("applications", "create", "default/attack")],
    },
    {
        id: "argocd-projects",
        attack: "in Argo CD, update or delete its own AppProject (widening its destinations or kinds), or create one",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoGlobalPolicy", "projectRolePolicies"],
        everyGuardNeeded: true,
        attempts: (t) => [argo("projects", "update", t.name), argo("projects", "delete", t.name), argo("projects", "create", "attack")],
    },
    {
        id: "argocd-applicationsets",
        attack: "in Argo CD, create or update an ApplicationSet (its generators template applications into any project, and SCM generators send secrets out)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoGlobalPolicy", "projectRolePolicies"],
        everyGuardNeeded: true,
        attempts: (t) => [argo("applicationsets", "create", `${t.name}/attack`), argo("applicationsets", "update", `${t.name}/attack`)],
    },
    {
        id: "argocd-exec",
        attack: "exec into its applications' pods from Argo CD's UI (as Argo CD's server, outside the tenant's RBAC and audit)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoExecDisabled", "projectRolePolicies"],
        attempts: (t) => [{ argocdExec: { object: `${t.name}/${t.name}` } }],
    },
    {
        id: "argocd-global-resources",
        attack: "in Argo CD, read or write clusters, repositories and their credentials, certificates, GPG keys, accounts, or invoke extensions",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoGlobalPolicy"],
        attempts: () => [
            ...["get", "create", "update", "delete"].flatMap((a) => [argo("clusters", a, IN_CLUSTER), argo("repositories", a, "https://github.com/acme/other.git"), argo("write-repositories", a, "https://github.com/acme/other.git")]),
            ...["get", "create", "delete"].flatMap((a) => [argo("certificates", a, "*"), argo("gpgkeys", a, "*")]),
            argo("accounts", "get", "admin"),
            argo("accounts", "update", "admin"),
            argo("extensions", "invoke", "*"),
        ],
    },
    {
        id: "argocd-deploy-outside",
        attack: "through an application of its own project, deploy into a platform namespace, `kube-system` or another tenant's namespace (as destination, or a resource's own namespace)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["projectDestinations", "argoImpersonation"],
        attempts: (t, others) =>
            [...Object.values(PLATFORM_NAMESPACES), "kube-system", ...others.flatMap((o) => o.namespaces)].flatMap((ns) => [
                app(t, { server: IN_CLUSTER, namespace: ns }, { group: "apps", kind: "Deployment", name: "attack" }),
                app(t, { server: IN_CLUSTER, namespace: t.namespaces[0] }, { group: "", kind: "Secret", name: "attack", namespace: ns }),
            ]),
    },
    {
        id: "argocd-cluster-kinds",
        attack: "through an application of its own project, deploy a cluster-scoped object (Namespace, ClusterRole, ClusterRoleBinding, CRD, webhook)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["projectClusterKinds", "argoImpersonation"],
        attempts: (t) =>
            [
                { group: "", kind: "Namespace" },
                { group: RBAC, kind: "ClusterRole" },
                { group: RBAC, kind: "ClusterRoleBinding" },
                { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
                { group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration" },
                { group: "external-secrets.io", kind: "ClusterSecretStore" },
            ].map((k) => app(t, { server: IN_CLUSTER, namespace: t.namespaces[0] }, { ...k, name: "attack", cluster: true })),
    },
    {
        id: "argocd-namespaced-kinds",
        attack: "through an application of its own project, deploy in its namespace what its roles may not write (RoleBinding, NetworkPolicy, quota, SecretStore, PushSecret, Kyverno PolicyException, Gateway)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["projectNamespacedKinds", "argoImpersonation"],
        attempts: (t) =>
            [
                { group: RBAC, kind: "RoleBinding" },
                { group: RBAC, kind: "Role" },
                { group: "networking.k8s.io", kind: "NetworkPolicy" },
                { group: "", kind: "ResourceQuota" },
                { group: "", kind: "LimitRange" },
                { group: "external-secrets.io", kind: "SecretStore" },
                { group: "external-secrets.io", kind: "PushSecret" },
                { group: "policies.kyverno.io", kind: "PolicyException" },
                { group: "gateway.networking.k8s.io", kind: "Gateway" },
            ].map((k) => app(t, { server: IN_CLUSTER, namespace: t.namespaces[0] }, { ...k, name: "attack" })),
    },
    {
        id: "argocd-delete-hooks",
        attack: "through an application of its own project, a PreDelete or PostDelete hook (a ClusterRoleBinding to `cluster-admin`, a pod in `kube-system`, a Secret in another tenant's namespace), then delete the application: Argo CD v3.4.4 creates delete hooks without the project's kinds and destinations",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoImpersonation"],
        attempts: (t, others) =>
            (["PreDelete", "PostDelete"] as const).flatMap((hook) =>
                [
                    { group: RBAC, kind: "ClusterRoleBinding", name: "attack", cluster: true as const, hook },
                    { group: "", kind: "Pod", name: "attack", namespace: KUBE_SYSTEM, hook },
                    ...others.map((o) => ({ group: "", kind: "Secret", name: "attack", namespace: o.namespaces[0], hook })),
                ].map((r) => app(t, { server: IN_CLUSTER, namespace: t.namespaces[0] }, r)),
            ),
    },
    {
        id: "argocd-endpointslice",
        attack: "through an application of its own project, an EndpointSlice for a Service of its own (no selector) listing a platform pod's address (Keycloak's 8443, Vault's 8200), then an HTTPRoute on its hostname to that Service: Envoy Gateway routes to the slice's endpoints, which admit the gateway's proxies, so Keycloak's admin console (sso-admin.<domain> is open to the admin CIDRs only) or Vault is served to anyone under the tenant's hostname. The project lists EndpointSlice (Argo CD hides kinds it does not permit from an application's tree)",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoImpersonation"],
        attempts: (t) => t.namespaces.map((ns) => app(t, { server: IN_CLUSTER, namespace: ns }, { group: "discovery.k8s.io", kind: "EndpointSlice", name: "attack" })),
    },
    {
        id: "argocd-app-namespaces",
        attack: "create an Application outside Argo CD's namespace (in its own), where Argo CD's project checks read it as `<project>/<namespace>/<app>`",
        who: ARGO_USERS,
        getsThroughUnguarded: ARGO_USERS,
        guards: ["argoAppNamespaces", "projectSourceNamespaces"],
        attempts: (t) => t.namespaces.map((ns) => ({ argocdApp: { project: t.name, appNamespace: ns, destination: { server: IN_CLUSTER, namespace: ns }, resource: { group: "apps", kind: "Deployment", name: "attack" } } })),
    },
    {
        id: "aws-other-repository",
        attack: "with its pods' AWS identity (the CI runner's), push to or pull from another tenant's repository",
        who: ALL,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["tenantIdentityPolicies"],
        attempts: (t, others) =>
            awsAttempt(t, ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], (aws) =>
                others.map((o) => ({ arn: `arn:aws:ecr:${aws.region}:${aws.accountId}:repository/${o.dataName}/apps` })),
            ),
    },
    {
        id: "aws-buckets",
        attack: "with its pods' AWS identity, read or write any bucket: another tenant's, the platform's (backups, logs, traces), its own (no tenant identity is given one)",
        who: ALL,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["tenantIdentityPolicies"],
        attempts: (t) =>
            awsAttempt(t, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], (aws) => [...aws.buckets].map(([arn, policy]) => ({ arn: `${arn}/attack`, policy }))),
    },
    {
        id: "aws-platform-secrets",
        attack: "with its pods' AWS identity, read the platform's secrets (Vault's bootstrap secret, the pull-through caches' credentials)",
        who: ALL,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["tenantIdentityPolicies"],
        attempts: (t) => awsAttempt(t, ["secretsmanager:GetSecretValue"], (aws) => [...aws.secrets].map(([arn, policy]) => ({ arn, policy }))),
    },
    {
        id: "platform-outputs-admin-password",
        attack: "read the platform stack's outputs (its application stacks' StackReference needs read on it, which shows secret outputs too) for Keycloak's master admin or Grafana's `admin` password",
        who: POD_CREATORS,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["adminPasswordsOutOfOutputs"],
        attempts: () => [{ platformOutputs: true }],
    },
    {
        id: "platform-state-export",
        attack: "export the state of the stack its team may read (Stack Read includes `stack:export` and `stack:decrypt`: every resource's inputs, secrets shown) for Keycloak's master admin or Grafana's `admin` password",
        who: POD_CREATORS,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["teamsReadContractOnly"],
        attempts: () => [{ stateExport: true }],
    },
    {
        id: "aws-assume-roles",
        attack: "with its pods' AWS identity, assume another role (a platform controller's, another tenant's)",
        who: ALL,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["tenantIdentityPolicies", "roleTrust"],
        attempts: (t) => awsAttempt(t, ["sts:AssumeRole"], (aws) => [...aws.roles].filter(([arn]) => !t.awsRoles.includes(arn)).map(([arn, r]) => ({ arn, policy: r.trust }))),
    },
    {
        id: "aws-pass-roles",
        attack: "with its pods' AWS identity, pass a role to a service (to run something with the platform's rights)",
        who: ALL,
        getsThroughUnguarded: POD_CREATORS,
        guards: ["tenantIdentityPolicies"],
        attempts: (t) => awsAttempt(t, ["iam:PassRole"], (aws) => [...aws.roles].map(([arn]) => ({ arn }))),
    },
    {
        id: "runner-identity-pod",
        attack: "run a pod (or a Deployment) as the CI runner's service account (`ci-runner`, Pod Identity: push to the tenant's repository, sign its images)",
        who: ["member", "owner"],
        getsThroughUnguarded: ["member", "owner"],
        guards: ["ciNamespace"],
        attempts: (t) => (t.runnerNamespace ? [req("create", "", "pods", t.runnerNamespace), req("create", "apps", "deployments", t.runnerNamespace)] : []),
    },
    {
        id: "runner-api-token",
        attack: "(through a workflow on its runners) read the pod's Kubernetes API token, an identity of `ci-runner` that outlives the job for its lifetime",
        who: ["member", "owner"],
        getsThroughUnguarded: ["member", "owner"],
        guards: ["runnerNoApiToken"],
        attempts: (t) => (t.runnerNamespace ? [{ runnerApiToken: { namespace: t.runnerNamespace } }] : []),
    },
    {
        id: "builder-aws-identity",
        attack: "(through a Dockerfile `RUN` step of a job, a base image's script or a dependency's install hook, which runs under buildkitd unsandboxed) take the job's AWS identity: push to the tenant's repository and, in production, sign with its key",
        who: ["member", "owner"],
        getsThroughUnguarded: ["member", "owner"],
        guards: ["builderNoCredentials"],
        attempts: (t) => (t.runnerNamespace ? [{ builderCredentials: { namespace: t.runnerNamespace } }] : []),
    },
    {
        id: "builder-node",
        attack: "run a pod on a builders' node, where builds run with seccomp and AppArmor unconfined: tolerating its taint (or every taint), selecting its pool or role, or bound to it by name",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        // The pool's NoExecute taint also refuses a pod bound by name that does not tolerate it (defence in depth: the
        // admission boundary refuses every pod created with nodeName first).
        guards: ["builderAdmission"],
        attempts: (t) => inEach(t, (namespace) => ONTO_BUILDER_NODE.map((spec) => ({ podOnNode: { namespace, pool: BUILDER_NODE_POOL, spec } }))),
    },
    {
        id: "system-node",
        attack: "run a pod on a System node, beside Vault, Keycloak and every other platform pod, or fill it so the platform's pods (Karpenter's among them) stay pending: tolerating its taint (or every taint), selecting its role, or bound to it by name (the kubelet ignores its NoSchedule taint)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["builderAdmission"],
        attempts: (t) => inEach(t, (namespace) => ONTO_SYSTEM_NODE.map((spec) => ({ podOnNode: { namespace, pool: SYSTEM_NODES_POOL, spec } }))),
    },
    {
        id: "builder-shared-node",
        attack: "(through a job on its runners whose `RUN` step escapes the sandbox) land on the node of another tenant's job",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["runnerAntiAffinity"],
        attempts: (t, others) => (t.runnerNamespace ? withRunners(others).map((o) => ({ jobPlacement: { runner: t.runnerNamespace!, beside: o.runnerNamespace } })) : []),
    },
    {
        id: "builder-shared-pool",
        attack: "(the same) land on a node of the default pool, among other tenants' and the platform's pods",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["runnerPlacement"],
        attempts: (t) => (t.runnerNamespace ? [{ jobPlacement: { runner: t.runnerNamespace, pool: "default" } }] : []),
    },
    {
        id: "builder-node-escape",
        attack: "(through a job on its runners whose `RUN` step escapes the sandbox onto its node) take the API token of a node DaemonSet's pod there (the kubelet's credentials may request one for each pod bound to its node): Velero's node agent tolerates every taint and runs as Velero's server account, which its chart binds to `cluster-admin`; with it, read another tenant's Secrets or bind itself `cluster-admin`",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["nodeAgentOffBuilders"],
        attempts: (t, others) => {
            const runner = t.runnerNamespace;
            if (runner === undefined) return [];
            return [
                { nodeEscape: { runner, request: { verb: "create", group: RBAC, resource: "clusterrolebindings", namespace: "" } } },
                ...others.map((o) => ({ nodeEscape: { runner, request: { verb: "get", group: "", resource: "secrets", namespace: o.namespaces[0] } } })),
            ];
        },
    },
    {
        id: "builder-cache-poisoning",
        attack: "(a member, through a workflow of a feature branch on its runners) reach the builder, or its cache and state, that a later job of a signing ref (`main`) builds on, so that what main's job builds and signs is the branch's",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["builderPerJob", "runnerAntiAffinity"],
        everyGuardNeeded: true,
        attempts: (t) => (t.runnerNamespace ? [{ sharedBuilder: { runnerNamespace: t.runnerNamespace } }, { jobPlacement: { runner: t.runnerNamespace, beside: t.runnerNamespace } }] : []),
    },
    {
        id: "builder-unauthenticated",
        attack: "from a pod of its namespaces (not its runners): build on one of its jobs' builders, which runs what it is sent and checks no client",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["builderLoopback", "ciIngress"],
        attempts: (t) => (t.runnerNamespace ? inEach(t, (from) => [{ build: { from, runnerNamespace: t.runnerNamespace! } }]) : []),
    },
    {
        id: "other-tenant-builder",
        attack: "from a pod: build on another tenant's job's builder (its cache, its pushes)",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["tenantEgress", "builderLoopback", "ciIngress"],
        attempts: (t, others) => withRunners(others).flatMap((o) => inEach(t, (from) => [{ build: { from, runnerNamespace: o.runnerNamespace! } }])),
    },
    {
        id: "other-tenant-image",
        attack: "run another tenant's image (from its repository, signed by its CI) in its own namespace: the nodes pull with one role that reads every repository",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["ownRepository", "tenantSigningKeys"],
        attempts: (t, others) => inEach(t, (ns) => others.filter((o) => o.repository).map((o) => ({ pod: { namespace: ns, image: `${o.repository}:1.0.0`, signatures: o.ciSignature ? [o.ciSignature] : [] } }))),
    },
    {
        id: "registry-alias-image",
        attack: "run another tenant's image, unsigned, by another name of the account's registry (dual-stack `<account>.dkr-ecr.<region>.on.aws`, which the nodes' credential provider logs in to as well): the signature rules name only the regional host",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["ownRepository", "allowList"],
        attempts: (t, others) =>
            inEach(t, (ns) =>
                others
                    .filter((o) => o.repository)
                    .map((o) => {
                        const image = `${dualStack(o.repository!)}:1.0.0`;
                        if (image.startsWith(o.repository!)) throw new Error(`${o.repository}: not a regional ECR repository`);
                        return { pod: { namespace: ns, image, signatures: [] } };
                    }),
            ),
    },
    {
        id: "sign-other-tenant-key",
        attack: "(a member, through a workflow on its tenant's runners) sign with another tenant's key, so that tenant's namespaces admit the image",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["keyPolicySigner", "runnerSignScope"],
        // Stacks whose signatures use per-tenant keys; the signer is a tenant with runners.
        attempts: (t, others) => (t.runnerNamespace && t.signingKey ? others.filter((o) => o.signingKey).map((o) => ({ sign: { signer: t.name, key: o.name } })) : []),
    },
    {
        id: "keyless-other-tenant-workflow",
        attack: "(a member, with a workflow of a repository of the organization it writes, run on another tenant's runners, which serve every repository of an organization they register with) push an image to that tenant's repository and sign it keyless, so that tenant's namespaces admit it",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["tenantKeylessSubjects", "tenantKeylessRepository"],
        // Stacks with keyless signatures; the victim is a tenant with a repository and signing repositories.
        attempts: (t, others) => {
            const own = t.memberWorkflows;
            if (own === undefined) return [];
            const certificate = githubWorkflowCertificate({ issuer: own.issuer, workflowRepository: own.repository, file: "build.yaml", ref: "refs/heads/main" });
            return keylessVictims(t, others).flatMap((o) => o.namespaces.map((ns) => ({ admitted: { namespace: ns, image: `${o.repository}:1.0.0`, signatures: [{ certificate }] } })));
        },
    },
    {
        id: "keyless-reusable-workflow",
        attack: "(a member, from a repository it writes, on another tenant's runners) call a reusable workflow of that tenant's signing repository: the certificate's subject is that workflow, so that tenant's namespaces would admit what the call builds",
        who: ["member"],
        getsThroughUnguarded: ["member"],
        guards: ["tenantKeylessRepository"],
        attempts: (t, others) => {
            const own = t.memberWorkflows;
            if (own === undefined) return [];
            return keylessVictims(t, others).flatMap((o) => {
                const certificate = githubWorkflowCertificate({ issuer: own.issuer, workflowRepository: o.signingRepositories![0], file: "build.yaml", ref: "refs/heads/main", runRepository: own.repository });
                return o.namespaces.map((ns) => ({ admitted: { namespace: ns, image: `${o.repository}:1.0.0`, signatures: [{ certificate }] } }));
            });
        },
    },
];

/** Where a tenant's runners' GitHub App key lives in Vault (below the KV mount). */
export const githubAppKey = (t: Pick<TenantView, "dataName">) => `tenants/${t.dataName}/${GITHUB_APP_VAULT_PATH}`;

/**
 * Whether External Secrets reads KV v2 key `key` for an ExternalSecret of `namespace` through ClusterSecretStore
 * `storeName`: it logs in to Vault's Kubernetes auth as the store's `serviceAccountRef` in the ExternalSecret's
 * namespace (a ClusterSecretStore's ref without a namespace), which the store's role must bind (account and namespace,
 * `*` for any); the token carries the role's policies, decided by Vault's ACL (test/vault-acl.ts) on `<mount>/data/<key>`.
 */
export function vaultReads(resources: readonly PlannedResource[], storeName: string, namespace: string, key: string): boolean {
    const store = resources.find((r) => r.type === CLUSTER_SECRET_STORE && (r.inputs as any).metadata?.name === storeName);
    if (store === undefined) return false;
    const vault = (store.inputs as any).spec.provider.vault;
    const auth = vault.auth?.kubernetes;
    if (vault.version !== "v2" || auth?.serviceAccountRef?.name === undefined || auth.serviceAccountRef.namespace !== undefined) throw new Error(`${storeName}: only KV v2 stores logging in as the ExternalSecret's namespace's account are modelled`);
    const role = resources.find((r) => r.type === VAULT_K8S_ROLE && (r.inputs as any).roleName === auth.role)?.inputs as any;
    if (role === undefined) return false;
    const binds = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === "*" || x === v);
    if (!binds(role.boundServiceAccountNames, auth.serviceAccountRef.name) || !binds(role.boundServiceAccountNamespaces, namespace)) return false;
    const rules = resources.filter((r) => r.type === VAULT_POLICY && (role.tokenPolicies as string[]).includes(String(r.inputs.name))).flatMap((r) => parseAcl(String(r.inputs.policy)));
    return vaultAllows(rules, `${vault.path}/data/${key}`, "read");
}

/** The tenants a member of `t` may try keyless signatures on: those with a repository whose workflows sign for them, none of them `t`'s. */
const keylessVictims = (t: TenantView, others: readonly TenantView[]) =>
    others.filter((o) => o.repository && (o.signingRepositories ?? []).length > 0 && !(o.signingRepositories ?? []).includes(t.memberWorkflows!.repository));

/** The claims Argo CD sees for a Kubernetes OIDC identity (the `oidc:` prefix is the EKS identity provider's); none for service accounts. */
function argoClaims(user: UserInfo): { sub: string; groups: string[] } | undefined {
    if (!user.name.startsWith("oidc:")) return undefined;
    return { sub: user.name.slice(5), groups: (user.groups ?? []).filter((g) => g.startsWith("oidc:")).map((g) => g.slice(5)) };
}

/** The roles `user` acts with in AWS: its own service account's, and those of every service account of a namespace it may create pods in. */
function awsRolesOf(state: ClusterState, user: UserInfo): string[] {
    const roles: string[] = [];
    for (const [key, role] of state.aws.associations) {
        const [namespace] = key.split("/");
        if (user.name === `system:serviceaccount:${key.replace("/", ":")}` || state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) roles.push(role);
    }
    return roles;
}

/**
 * AWS's decision on one call, by an IAM policy simulator (@cloud-copilot/iam-simulate) over the plan's policies: the
 * caller role's identity policies (every RolePolicy on it) and the key's policy. The offline plan names a role
 * `arn:aws:iam::<account>:role/<logical name>` and a key `arn:aws:kms:<region>:<account>:key/<logical name>`.
 */
export function kmsAllows(resources: readonly PlannedResource[], roleName: string, action: string, keyName: string): boolean {
    const key = resources.find((r) => r.type === "aws:kms/key:Key" && r.name === keyName);
    const role = resources.find((r) => r.type === "aws:iam/role:Role" && r.name === roleName);
    if (!key || !role) throw new Error(`no ${keyName} or ${roleName} in the plan`);
    const keyPolicy = JSON.parse(String(key.inputs.policy));
    const root = keyPolicy.Statement.find((st: { Sid?: string }) => st.Sid === "AccountAdministration").Principal.AWS as string;
    const [, partition, , , account] = root.split(":");
    const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`;
    const region = stackRegion(resources);
    if (!region) throw new Error("no AWS provider region in the plan");
    const identityPolicies = resources
        .filter((r) => r.type === ROLE_POLICY && String(r.inputs.role).replace(/-id$/, "") === roleName)
        .map((r, i) => ({ name: `identity-${i}`, policy: JSON.parse(String(r.inputs.policy)) }));
    const decision = runUnsafeSimulation(
        {
            request: {
                principal: `arn:${partition}:sts::${account}:assumed-role/${roleName}/session`,
                action,
                resource: { resource: `arn:${partition}:kms:${region}:${account}:key/${keyName}`, accountId: account },
                contextVariables: { "aws:PrincipalArn": roleArn, "aws:PrincipalAccount": account },
            },
            identityPolicies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: createValidatedPolicy(keyPolicy, validateResourcePolicy, { name: keyName }),
        },
        {},
    );
    return decision === "Allowed";
}

/** Kyverno's string pattern (pkg/engine/pattern): alternatives split by `|`, a leading `!` negates, `*` and `?` are wildcards. */
export function kyvernoStringPattern(pattern: string, value: string): boolean {
    return pattern.split("|").some((alt) => {
        const p = alt.trim();
        return p.startsWith("!") ? !wildcard(p.slice(1), value) : wildcard(p, value);
    });
}
const wildcard = (p: string, v: string) => new RegExp(`^${p.replace(/[.+^${}()[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(v);

/**
 * go-wildcard v1.0.3's Match, which Kyverno 1.19 (ext/wildcard) applies to a keyless `subject`, `issuer` and each
 * `additionalExtensions` value: `*` takes any run of characters ('/' and '@' included), `?` exactly one; anything
 * else is itself; an empty pattern matches only the empty string.
 */
export function goWildcardMatch(pattern: string, name: string): boolean {
    const deep = (str: string, p: string): boolean => {
        for (; p.length > 0; str = str.slice(1), p = p.slice(1)) {
            if (p[0] === "*") return deep(str, p.slice(1)) || (str.length > 0 && deep(str.slice(1), p));
            if (p[0] === "?" ? str.length === 0 : str[0] !== p[0]) return false;
        }
        return str.length === 0;
    };
    if (pattern === "") return name === "";
    return pattern === "*" || deep(name, pattern);
}

/**
 * Go's regexp.MatchString (RE2): a match anywhere in `text` unless anchored. JavaScript's RegExp (no flags) agrees on
 * the subset written here (literals, escaped metacharacters, classes, groups, `|`, `*`, `+`, `?`, `^`/`$` at the
 * ends of the text, `.` for any character but a newline; subjects are ASCII URLs). Whatever RE2 reads otherwise, or
 * refuses (lookarounds, backreferences, inline flags, `\A`/`\z`, Unicode classes, `\s` which RE2 keeps to ASCII), is
 * not evaluated: it throws, so a policy relying on it fails the test instead of passing by JavaScript's reading.
 */
export function goRegexpMatch(pattern: string, text: string): boolean {
    if (/\(\?[^:]|\\[1-9AzQECpPsSkg]/.test(pattern)) throw new Error(`regular expression outside the modelled RE2 subset: ${pattern}`);
    return new RegExp(pattern).test(text);
}

/** Cosign's extension names Kyverno 1.19 reads (extractCertExtensionValue), by name or OID; any other key fails verification. */
const CERT_EXTENSIONS: Readonly<Record<string, string>> = {
    "1.3.6.1.4.1.57264.1.1": "oidcIssuer",
    "1.3.6.1.4.1.57264.1.2": "githubWorkflowTrigger",
    "1.3.6.1.4.1.57264.1.3": "githubWorkflowSha",
    "1.3.6.1.4.1.57264.1.4": "githubWorkflowName",
    "1.3.6.1.4.1.57264.1.5": "githubWorkflowRepository",
    "1.3.6.1.4.1.57264.1.6": "githubWorkflowRef",
};

/**
 * Kyverno 1.19's identity check of a keyless attestor on one certificate (pkg/image/verifiers/cpol/cosign,
 * matchCertificateData): `subject` (a wildcard) or `subjectRegExp` matching any subject alternative name (either
 * one suffices; skipped for a certificate without any), then `issuer` (a wildcard) and `issuerRegExp` both, then
 * every additional extension (a wildcard on its value). The certificate chain to Fulcio's roots and the Rekor entry
 * are taken as valid: the workflows sign with the public instances.
 */
export function keylessMatches(keyless: Record<string, any>, cert: Certificate): boolean {
    if ((keyless.subject || keyless.subjectRegExp) && cert.subjects.length > 0) {
        const bySubject = !!keyless.subject && cert.subjects.some((s) => goWildcardMatch(keyless.subject, s));
        const byRegExp = !!keyless.subjectRegExp && cert.subjects.some((s) => goRegexpMatch(keyless.subjectRegExp, s));
        if (!bySubject && !byRegExp) return false;
    }
    if (keyless.issuer && !goWildcardMatch(keyless.issuer, cert.issuer)) return false;
    if (keyless.issuerRegExp && !goRegexpMatch(keyless.issuerRegExp, cert.issuer)) return false;
    for (const [key, value] of Object.entries((keyless.additionalExtensions ?? {}) as Record<string, string>)) {
        const name = CERT_EXTENSIONS[key] ?? (Object.values(CERT_EXTENSIONS).includes(key) ? key : undefined);
        if (name === undefined) return false;
        const actual = name === "oidcIssuer" ? cert.issuer : (cert.extensions[name] ?? "");
        if (!goWildcardMatch(value, actual)) return false;
    }
    return true;
}

/**
 * Whether the plan's Kyverno ClusterPolicies admit a pod running `image` in a namespace with `labels`: every enforced
 * rule selecting the namespace (by its namespaceSelector's labels) whose pattern names the containers' image, and
 * every enforced verifyImages rule covering the image: each attestor set needs `count` of its entries (all of them
 * without one) verified by one of the image's signatures: a KMS entry by a signature with the key its alias targets,
 * a keyless entry by a certificate whose identity it matches (keylessMatches). The pod is otherwise compliant
 * (labels, resources, security context).
 */
function kyvernoAdmits(resources: readonly PlannedResource[], labels: Readonly<Record<string, string>>, image: string, signatures: readonly Signature[]): boolean {
    const selects = (rule: any) =>
        (rule.match?.any ?? []).some((m: any) => m.resources?.kinds?.includes("Pod") && Object.entries(m.resources.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    const keyOf = (ref: string) => {
        const alias = resources.find((r) => r.type === "aws:kms/alias:Alias" && `awskms:///${(r.inputs as any).name}` === ref);
        return String((alias?.inputs as any)?.targetKeyId ?? "").replace(/^key-/, "");
    };
    const verifies = (entry: any) =>
        signatures.some((sig) =>
            "key" in sig ? entry.keys?.kms !== undefined && keyOf(entry.keys.kms) === `tenant-${sig.key}-delivery-signing-key` : entry.keyless !== undefined && keylessMatches(entry.keyless, sig.certificate),
        );
    for (const p of resources.filter((r) => r.type === CLUSTER_POLICY)) {
        for (const rule of (p.inputs as any).spec.rules as any[]) {
            if (!selects(rule)) continue;
            const pattern = rule.validate?.pattern?.spec?.containers?.[0]?.image;
            if (rule.validate?.failureAction === "Enforce" && typeof pattern === "string" && !kyvernoStringPattern(pattern, image)) return false;
            for (const v of rule.verifyImages ?? []) {
                if (v.failureAction !== "Enforce" || !v.imageReferences.some((ref: string) => wildcard(ref, image))) continue;
                for (const set of v.attestors as any[]) {
                    if (set.entries.length === 0) throw new Error("an attestor set without entries (Kyverno answers it with a rule error)");
                    if (set.entries.filter(verifies).length < (set.count || set.entries.length)) return false;
                }
            }
        }
    }
    return true;
}

/** A node of NodePool `pool` as Karpenter launches it: its template's labels, `karpenter.sh/nodepool`, its hostname, its taints. */
/** A node of the System managed group, as EKS labels and taints it from the plan's NodeGroup. */
function systemNode(resources: readonly PlannedResource[]): K8sNode {
    const g = resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && (r.inputs as any).labels?.[NODE_ROLE_LABEL] === SYSTEM_NODE_ROLE);
    if (g === undefined) throw new Error("no System node group in the plan");
    const effects: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };
    const taints = ((g.inputs as any).taints ?? []).map((t: any) => ({ key: t.key, value: t.value, effect: effects[t.effect] }));
    return { name: systemNodeName, labels: { ...(g.inputs as any).labels, "kubernetes.io/hostname": systemNodeName }, taints };
}

export function poolNode(resources: readonly PlannedResource[], pool: string): K8sNode {
    if (pool === SYSTEM_NODES_POOL) return systemNode(resources);
    const p = resources.find((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool" && (r.inputs as any).metadata.name === pool);
    if (p === undefined) throw new Error(`no NodePool ${pool} in the plan`);
    const template = (p.inputs as any).spec.template;
    const name = poolNodeName(pool);
    return { name, labels: { ...(template.metadata?.labels ?? {}), [NODE_POOL_LABEL]: pool, "kubernetes.io/hostname": name }, taints: template.spec.taints ?? [] };
}
const poolNames = (resources: readonly PlannedResource[]) => resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool").map((r) => (r.inputs as any).metadata.name as string);

/** The runner scale set release of CI namespace `namespace`. */
function runnerScaleSet(resources: readonly PlannedResource[], namespace: string): PlannedResource {
    const r = resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && String(x.inputs.chart).endsWith("/gha-runner-scale-set") && x.inputs.namespace === namespace);
    if (r === undefined) throw new Error(`no runner scale set in ${namespace}`);
    return r;
}

/** A job's runner pod in CI namespace `namespace`, as its scale set's template describes it. */
function runnerPod(resources: readonly PlannedResource[], namespace: string): K8sPod {
    const r = runnerScaleSet(resources, namespace);
    const template = (r.inputs as any).values.template;
    return { namespace, labels: template.metadata.labels, spec: template.spec };
}

/**
 * Velero's node agent as chart velero 12.1.0 renders it (templates/node-agent-daemonset.yaml: only with
 * `deployNodeAgent`; the server's service account, `velero.serverServiceAccount`; `nodeAgent.tolerations`,
 * `nodeSelector` and `affinity`), and the binding that account holds (templates/clusterrolebinding.yaml: with
 * `rbac.create` and `rbac.clusterAdministrator`, to ClusterRole `rbac.clusterAdministratorName`).
 */
export function veleroNodeAgent(resources: readonly PlannedResource[]): { readonly pod: K8sPod; readonly account: UserInfo; readonly rbac: readonly RbacObject[] } | undefined {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).split("/").pop() === "velero");
    if (release === undefined) return undefined;
    const [r] = releasesOf([release]);
    if (r.version !== "12.1.0") throw new Error(`velero ${r.version}: the node agent is transcribed from chart 12.1.0`);
    const v = releaseValuesWithDefaults(r) as Record<string, any>;
    if (!truthy(v, "deployNodeAgent")) return undefined;
    const namespace = String(release.inputs.namespace);
    const name = v.serviceAccount?.server?.name;
    if (!v.serviceAccount?.server?.create || !name) throw new Error("Velero's server account: only a created, named one is transcribed");
    const binding: RbacObject = {
        kind: "ClusterRoleBinding",
        metadata: { name: `${r.name}-server` },
        roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: String(v.rbac.clusterAdministratorName) },
        subjects: [{ kind: "ServiceAccount", namespace, name }],
    };
    const spec: PodSpec = { tolerations: v.nodeAgent?.tolerations ?? [], nodeSelector: v.nodeAgent?.nodeSelector ?? {}, ...(truthy(v, "nodeAgent.affinity") ? { affinity: v.nodeAgent.affinity } : {}) };
    return {
        pod: { namespace, labels: { name: "node-agent" }, spec },
        account: serviceAccountUser(namespace, name),
        rbac: truthy(v, "rbac.create") && truthy(v, "rbac.clusterAdministrator") ? [binding] : [],
    };
}

/**
 * Whether a job's builds go to a builder other jobs share: the runner's `BUILDKIT_HOST` is anything but an address of
 * its own pod where a sidecar of that pod listens (a loopback or unix `--addr` of its buildkitd).
 */
export function buildsOnSharedBuilder(spec: { readonly containers: readonly any[]; readonly initContainers?: readonly any[] }): boolean {
    const runner = spec.containers.find((c) => c.name === "runner");
    const host = (runner?.env ?? []).find((e: any) => e.name === "BUILDKIT_HOST")?.value as string | undefined;
    if (host === undefined) throw new Error("the runner sets no BUILDKIT_HOST");
    const local = /^tcp:\/\/127\.0\.0\.1:\d+$/.test(host) || host.startsWith("unix://");
    const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
    const listens = sidecars.some((c) => (c.args ?? []).some((a: string, i: number, args: string[]) => (a === "--addr" && args[i + 1] === host) || a === `--addr=${host}`));
    return !(local && listens);
}

/**
 * A pod a tenant could write in `namespace`, compliant with every baseline policy (the plan's required labels, an
 * image of a pull-through cache, requests and limits, the restricted security context), with these scheduling fields.
 */
export function attackPod(resources: readonly PlannedResource[], namespace: string, spec: PodSpec & { readonly priorityClassName?: string }) {
    const labelsRule = resources
        .filter((r) => r.type === CLUSTER_POLICY && (r.inputs as any).metadata?.name === "tenant-required-labels")
        .flatMap((r) => (r.inputs as any).spec.rules as any[])[0];
    const labels = Object.fromEntries(Object.keys(labelsRule?.validate?.pattern?.metadata?.labels ?? {}).map((k) => [k, "attack"]));
    const cache = resources.find((r) => r.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")?.inputs as { ecrRepositoryPrefix?: string } | undefined;
    if (!cache?.ecrRepositoryPrefix) throw new Error("no pull-through cache in the plan");
    const image = `${stackAccount(resources)}.dkr.ecr.${stackRegion(resources)}.amazonaws.com/${cache.ecrRepositoryPrefix}/org/image:1.0.0`;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "attack", namespace, labels },
        spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    name: "app",
                    image,
                    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
                },
            ],
            ...spec,
        },
    };
}

/**
 * Whether the plan's Kyverno ClusterPolicies admit `pod` in a namespace with `labels`: every enforced `validate.pattern`
 * rule matching pods of the namespace must hold (test/kyverno-pattern.ts, Kyverno 1.19's semantics). `podSecurity`
 * rules are left out: the pod meets the restricted level by construction (scheduling fields are not part of it).
 */
export function kyvernoAdmitsPod(resources: readonly PlannedResource[], labels: Readonly<Record<string, string>>, pod: { readonly spec: { readonly containers: readonly { readonly image: string }[] } }): boolean {
    // The attacker creates the pod: a rule limited to other operations does not apply.
    const selects = (rule: any) =>
        (rule.match?.any ?? []).some(
            (m: any) => m.resources?.kinds?.includes("Pod") && (m.resources.operations ?? ["CREATE"]).includes("CREATE") && Object.entries(m.resources.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
        );
    for (const p of resources.filter((r) => r.type === CLUSTER_POLICY)) {
        for (const rule of (p.inputs as any).spec.rules as any[]) {
            if (!selects(rule)) continue;
            if (rule.preconditions !== undefined || rule.context !== undefined) throw new Error(`${rule.name}: preconditions and context are not modelled`);
            for (const v of rule.verifyImages ?? [])
                if (v.failureAction === "Enforce" && pod.spec.containers.some((c) => v.imageReferences.some((ref: string) => kyvernoWildcard(ref, c.image)))) throw new Error(`${rule.name}: the pod's image would need a signature`);
            if (rule.validate?.failureAction !== "Enforce" || rule.validate.pattern === undefined) continue;
            if (!matchPattern(pod, rule.validate.pattern)) return false;
        }
    }
    return true;
}

/**
 * Whether the plan's Kyverno ClusterPolicies admit `object` (not a pod) in a namespace with `labels`: every enforced
 * `validate.pattern` rule matching its kind there must hold (test/kyverno-pattern.ts). A matching rule with anything
 * this does not model (preconditions, context, deny, podSecurity, verifyImages) throws.
 */
export function kyvernoAdmitsObject(resources: readonly PlannedResource[], labels: Readonly<Record<string, string>>, object: { readonly kind: string }): boolean {
    const selects = (rule: any) =>
        (rule.match?.any ?? []).some((m: any) => m.resources?.kinds?.includes(object.kind) && Object.entries(m.resources.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    for (const p of resources.filter((r) => r.type === CLUSTER_POLICY)) {
        for (const rule of (p.inputs as any).spec.rules as any[]) {
            if (!selects(rule)) continue;
            if (rule.preconditions !== undefined || rule.context !== undefined || rule.verifyImages !== undefined || rule.validate?.deny !== undefined || rule.validate?.podSecurity !== undefined)
                throw new Error(`${rule.name}: only validate.pattern is modelled for ${object.kind}`);
            if (rule.validate?.failureAction === "Enforce" && !matchPattern(object, rule.validate.pattern)) return false;
        }
    }
    return true;
}

/** A route as the external-dns and Kyverno models read it. */
export interface Route {
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: { readonly hostnames?: readonly string[] };
}

/** The namespace object of the plan named `name`: its labels and annotations. */
const namespaceMeta = (resources: readonly PlannedResource[], name: string) => {
    const ns = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata?.name === name);
    if (ns === undefined) throw new Error(`no namespace ${name} in the plan`);
    const m = (ns.inputs as any).metadata as { labels?: Record<string, string>; annotations?: Record<string, string> };
    return { labels: m.labels ?? {}, annotations: m.annotations ?? {} };
};

/**
 * The one deny rule shape of the platform's route policy, as Kyverno 1.19 runs it: the namespace's allowed-hostnames
 * annotation (an apiCall context, '' when absent) split at ',', and `AnyNotIn`: denied when any of spec.hostnames is
 * not in it (none, `[]`, is never denied).
 */
const ALLOWED_HOSTNAMES_DENY = {
    context: [{ name: "allowed", apiCall: { urlPath: "/api/v1/namespaces/{{request.namespace}}", jmesPath: `metadata.annotations."${ALLOWED_HOSTNAMES_ANNOTATION}" || ''` } }],
    deny: { conditions: { any: [{ key: "{{ request.object.spec.hostnames || `[]` }}", operator: "AnyNotIn", value: "{{ split(allowed, ',') }}" }] } },
};

/**
 * Whether the plan's Kyverno ClusterPolicies admit `route` in its namespace: every enforced rule matching its kind
 * there holds: `validate.pattern` rules (test/kyverno-pattern.ts), and the allowed-hostnames deny rule above. Any other
 * rule shape (another deny, context or precondition) throws.
 */
export function kyvernoAdmitsRoute(resources: readonly PlannedResource[], route: Route): boolean {
    const { labels, annotations } = namespaceMeta(resources, route.metadata.namespace);
    const kinds = [`gateway.networking.k8s.io/v1/${route.kind}`, route.kind];
    const selects = (rule: any) =>
        (rule.match?.any ?? []).some((m: any) => kinds.some((k) => m.resources?.kinds?.includes(k)) && Object.entries(m.resources.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    for (const p of resources.filter((r) => r.type === CLUSTER_POLICY)) {
        for (const rule of (p.inputs as any).spec.rules as any[]) {
            if (!selects(rule) || rule.validate?.failureAction !== "Enforce") continue;
            if (rule.preconditions !== undefined || rule.verifyImages !== undefined || rule.validate.podSecurity !== undefined) throw new Error(`${rule.name}: not modelled for routes`);
            if (rule.validate.deny !== undefined || rule.context !== undefined) {
                if (!isDeepStrictEqual({ context: rule.context, deny: rule.validate.deny }, ALLOWED_HOSTNAMES_DENY)) throw new Error(`${rule.name}: only the allowed-hostnames deny rule is modelled`);
                const allowed = (annotations[ALLOWED_HOSTNAMES_ANNOTATION] ?? "").split(",");
                if ((route.spec.hostnames ?? []).some((h) => !allowed.includes(h))) return false;
                continue;
            }
            if (!matchPattern(route, rule.validate.pattern)) return false;
        }
    }
    return true;
}

/** Whether a kingpin boolean flag is on in `args` (`--flag`, `--flag=true`; `--no-flag` and absence are off). */
const flagOn = (args: readonly string[], flag: string) => args.some((a) => a === `--${flag}` || a === `--${flag}=true`);

/**
 * The names external-dns v0.21.0 takes from a Gateway API route (source/gateway.go gatewayRouteResolver.hosts()):
 * spec.hostnames; without any, "" (the listener's hostname); plus the comma-separated names of the hostname annotation
 * (spaces dropped: annotations.SplitHostnameAnnotation) unless `--ignore-hostname-annotation`. The route's
 * `external-dns.alpha.kubernetes.io/gateway-hostname-source` picks `annotation-only` (the annotation's names, none when
 * ignored) or `defined-hosts-only` (spec.hostnames). `--ignore-hostname-annotation` without `--fqdn-template`
 * throws: external-dns refuses to start (pkg/apis/externaldns/validation ValidateConfig). A template's names (for routes
 * without hostnames) and another `--annotation-prefix` are not modelled (throw).
 */
export function externalDnsRouteNames(route: Pick<Route, "metadata" | "spec">, args: readonly string[]): string[] {
    const ignore = flagOn(args, "ignore-hostname-annotation");
    const template = args.some((a) => a.startsWith("--fqdn-template"));
    if (ignore && !template) throw new Error("external-dns does not start: FQDN Template must be set if ignoring annotations");
    if (args.some((a) => a.startsWith("--annotation-prefix"))) throw new Error("--annotation-prefix is not modelled");
    const defined = [...(route.spec.hostnames ?? [])];
    if (template && (defined.length === 0 || flagOn(args, "combine-fqdn-annotation"))) throw new Error("--fqdn-template names are not modelled");
    const annotations = route.metadata.annotations ?? {};
    const annotated = () => (EXTERNAL_DNS_HOSTNAME_ANNOTATION in annotations ? annotations[EXTERNAL_DNS_HOSTNAME_ANNOTATION].replace(/ /g, "").trim().split(",") : []);
    const source = annotations["external-dns.alpha.kubernetes.io/gateway-hostname-source"]?.toLowerCase();
    if (source === "annotation-only") return ignore ? [] : annotated();
    if (source === "defined-hosts-only") return defined;
    return [...defined, ...(defined.length === 0 ? [""] : []), ...(ignore ? [] : annotated())];
}

/** external-dns's release in the plan, over its chart's defaults: the sources it watches, its domain filters and its extra flags (chart 1.21.1 templates/deployment.yaml). */
export function externalDnsConfig(resources: readonly PlannedResource[]): { sources: string[]; domainFilters: string[]; args: string[] } {
    const found = releasesOf(resources).filter((r) => r.chart.split("/").pop() === "external-dns");
    if (found.length !== 1) throw new Error(`expected one external-dns release, found ${found.length}`);
    const v = releaseValuesWithDefaults(found[0]) as Record<string, any>;
    const extra = v.extraArgs ?? [];
    // A map renders `--<key>=<value>` for each non-null value (a list value, once per element).
    const args: string[] = Array.isArray(extra)
        ? extra.map(String)
        : Object.entries(extra as Record<string, unknown>).flatMap(([k, x]) => (x === null || x === undefined ? [] : (Array.isArray(x) ? x : [x]).map((e) => `--${k}=${e}`)));
    return { sources: v.sources ?? [], domainFilters: v.domainFilters ?? [], args };
}

/** Gateway API's namespace selection of a listener's `allowedRoutes` (Same, All, Selector: matchLabels and In/NotIn/Exists/DoesNotExist). */
function listenerAdmitsNamespace(listener: any, gatewayNamespace: string, namespace: string, labels: Readonly<Record<string, string>>): boolean {
    const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
    if (from === "All") return true;
    if (from === "Same") return namespace === gatewayNamespace;
    const sel = listener.allowedRoutes.namespaces.selector ?? {};
    const exprOk = (e: { key: string; operator: string; values?: string[] }) => {
        const has = e.key in labels;
        switch (e.operator) {
            case "In":
                return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn":
                return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                throw new Error(`selector operator ${e.operator} is not modelled`);
        }
    };
    return Object.entries(sel.matchLabels ?? {}).every(([k, x]) => labels[k] === x) && (sel.matchExpressions ?? []).every(exprOk);
}

/**
 * The DNS names external-dns publishes for `route` attached to the plan's Gateways: none unless its source
 * (`gateway-httproute`, `gateway-grpcroute`) is on; each name matched against every listener admitting the route (its
 * kind and namespace) as source/gateway.go gwMatchingHost does ("" takes the listener's hostname, `*.<d>` covers a
 * longer name ending in `.<d>`; names are taken valid and lower case), then kept by `--domain-filter` (the domain
 * itself or a name below it). Protocols and sectionName are not checked: the shared Gateway's HTTP listener admits its
 * own namespace only.
 */
export function externalDnsPublishes(resources: readonly PlannedResource[], route: Route): string[] {
    const dns = externalDnsConfig(resources);
    if (!dns.sources.includes(`gateway-${route.kind.toLowerCase()}`)) return [];
    const { labels } = namespaceMeta(resources, route.metadata.namespace);
    const names = externalDnsRouteNames(route, dns.args);
    const matching = (listenerHost: string, name: string): string | undefined => {
        if (listenerHost === "") return name === "" ? undefined : name;
        if (name === "" || name === listenerHost) return listenerHost;
        if (listenerHost.startsWith("*.") && name.length > listenerHost.length && name.endsWith(listenerHost.slice(1))) return name;
        return undefined;
    };
    const published = new Set<string>();
    for (const gw of resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway")) {
        const g = gw.inputs as any;
        for (const l of g.spec.listeners ?? []) {
            if (l.allowedRoutes?.kinds !== undefined && !l.allowedRoutes.kinds.some((k: { kind: string }) => k.kind === route.kind)) continue;
            if (!listenerAdmitsNamespace(l, g.metadata.namespace, route.metadata.namespace, labels)) continue;
            for (const n of names) {
                const host = matching(l.hostname ?? "", n);
                if (host !== undefined && dns.domainFilters.some((d) => host === d || host.endsWith(`.${d}`))) published.add(host);
            }
        }
    }
    return [...published];
}

/**
 * Whether ResourceQuota admission admits `pod` as the first of its namespace (nothing used yet): refused when a quota
 * of the namespace whose scopes the pod matches allows no pods. Scopes as Kubernetes' pkg/quota/v1/evaluator/core/
 * pods.go podMatchesScopeFunc reads them: PriorityClass `Exists` is a non-empty priorityClassName, `In`/`NotIn`/
 * `DoesNotExist` a selector over it; CrossNamespacePodAffinity (`Exists`/`DoesNotExist`, the only operators its
 * validation allows) a pod (anti-)affinity term, required or preferred, with `namespaces` or a `namespaceSelector`
 * (usesCrossNamespacePodAffinity); every other scope throws (not modelled).
 */
export function quotaAdmitsPod(resources: readonly PlannedResource[], namespace: string, pod: { readonly spec: { readonly priorityClassName?: string; readonly affinity?: QuotaAffinity } }): boolean {
    const name = pod.spec.priorityClassName ?? "";
    const matches = (e: { scopeName: string; operator: string; values?: string[] }) => {
        if (e.scopeName === "CrossNamespacePodAffinity") {
            if (e.operator === "Exists") return usesCrossNamespacePodAffinity(pod.spec.affinity);
            if (e.operator === "DoesNotExist") return !usesCrossNamespacePodAffinity(pod.spec.affinity);
            throw new Error(`quota scope operator ${e.operator} is not valid for CrossNamespacePodAffinity`);
        }
        if (e.scopeName !== "PriorityClass") throw new Error(`quota scope ${e.scopeName} is not modelled`);
        switch (e.operator) {
            case "Exists":
                return name !== "";
            case "DoesNotExist":
                return name === "";
            case "In":
                return (e.values ?? []).includes(name);
            case "NotIn":
                return !(e.values ?? []).includes(name);
            default:
                throw new Error(`quota scope operator ${e.operator} is not modelled`);
        }
    };
    for (const q of resources.filter((r) => r.type === RESOURCE_QUOTA && (r.inputs as any).metadata?.namespace === namespace)) {
        const spec = (q.inputs as any).spec as { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: { matchExpressions: any[] } };
        if (spec.scopes !== undefined) throw new Error("quota spec.scopes is not modelled");
        if (!(spec.scopeSelector?.matchExpressions ?? []).every(matches)) continue;
        if (spec.hard?.pods !== undefined && Number(spec.hard.pods) < 1) return false;
    }
    return true;
}

type QuotaAffinityTerm = { readonly namespaces?: readonly string[]; readonly namespaceSelector?: unknown };
type QuotaAffinityTerms = { readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly QuotaAffinityTerm[]; readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly { readonly podAffinityTerm: QuotaAffinityTerm }[] };
type QuotaAffinity = { readonly podAffinity?: QuotaAffinityTerms; readonly podAntiAffinity?: QuotaAffinityTerms };
/** pods.go usesCrossNamespacePodAffinity: a term of either kind, required or preferred, naming namespaces (a list, or a selector, even empty). */
export function usesCrossNamespacePodAffinity(affinity: QuotaAffinity | undefined): boolean {
    const cross = (t: QuotaAffinityTerm) => (t.namespaces ?? []).length !== 0 || t.namespaceSelector !== undefined;
    return [affinity?.podAffinity, affinity?.podAntiAffinity].some(
        (a) => (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(cross) || (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((w) => cross(w.podAffinityTerm)),
    );
}

/** The stack's region and account: its main AWS provider's (`platform-aws`; others serve replicas). */
export const stackRegion = (resources: readonly PlannedResource[]) => (resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "platform-aws")?.inputs as { region?: string } | undefined)?.region;
export const stackAccount = (resources: readonly PlannedResource[]) => {
    const ids = (resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "platform-aws")?.inputs as { allowedAccountIds?: string } | undefined)?.allowedAccountIds;
    return ids ? (JSON.parse(ids) as string[])[0] : undefined;
};

/** What an attack is evaluated against: the cluster, the plan's resources it was built from (the AWS side), the platform stack's outputs. */
export type AttackState = ClusterState & { readonly resources: readonly PlannedResource[]; readonly platform: PlatformStackView };

/**
 * The passwords the platform's local admins log in with, as the plan gives them to Keycloak and Grafana: the Secret
 * the Keycloak CR names for its bootstrap admin, and the one Grafana's chart reads `admin-password` from.
 */
export function adminPasswords(resources: readonly PlannedResource[]): PlatformStackView["adminPasswords"] {
    const secretValue = (name: string, key: string) => {
        const found = resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata?.name === name);
        if (found.length !== 1) throw new Error(`expected one Secret ${name}, found ${found.length}`);
        const value = (secretInputs(found[0]) as any).stringData?.[key];
        if (typeof value !== "string" || value === "" || value === "[secret]") throw new Error(`Secret ${name} has no ${key} in the clear`);
        return value as string;
    };
    return { keycloak: secretValue(KEYCLOAK_ADMIN_SECRET, "password"), grafana: secretValue(GRAFANA_ADMIN_SECRET, "admin-password") };
}

/** Whether `user` gets through with one attempt in the cluster `state`. */
export async function succeeds(state: AttackState, user: UserInfo, attempt: Attempt): Promise<boolean> {
    if ("request" in attempt) return state.rbac.allows(user, attempt.request);
    if ("pod" in attempt) {
        const { namespace, image, signatures } = attempt.pod;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) return false;
        return kyvernoAdmits(state.resources, state.namespaces.get(namespace) ?? {}, image, signatures);
    }
    if ("admitted" in attempt) {
        const { namespace, image, signatures } = attempt.admitted;
        return kyvernoAdmits(state.resources, state.namespaces.get(namespace) ?? {}, image, signatures);
    }
    if ("sign" in attempt) return kmsAllows(state.resources, `tenant-${attempt.sign.signer}-delivery-runner-role`, "kms:Sign", `tenant-${attempt.sign.key}-delivery-signing-key`);
    if ("binding" in attempt) return state.rbac.mayCreateBinding(user, attempt.binding);
    if ("argocd" in attempt || "argocdExec" in attempt || "argocdApp" in attempt) {
        const claims = argoClaims(user);
        if (claims === undefined) return false;
        const argo = state.argocd;
        const may = (resource: string, action: string, object: string) => argo.enforceClaims(claims, resource, action, object);
        if ("argocd" in attempt) return may(attempt.argocd.resource, attempt.argocd.action, attempt.argocd.object);
        if ("argocdExec" in attempt) return argo.settings.execEnabled && (await may("applications", "get", attempt.argocdExec.object)) && may("exec", "create", attempt.argocdExec.object);
        const a = attempt.argocdApp;
        const appNamespace = a.appNamespace ?? argo.settings.namespace;
        const rbacName = appNamespace === argo.settings.namespace ? `${a.project}/attack` : `${a.project}/${appNamespace}/attack`;
        const project = argo.projects.get(a.project);
        if (project === undefined) return false;
        // server/application Create: the namespace enabled, RBAC, the project's app namespaces and destination; then the controller's per-resource check at sync.
        const namespaceEnabled = appNamespace === argo.settings.namespace || matchStringInList(argo.settings.applicationNamespaces, appNamespace);
        if (!namespaceEnabled || !(await may("applications", "create", rbacName)) || !isAppNamespacePermitted(project, appNamespace, argo.settings.namespace)) return false;
        if (!isDestinationPermitted(project, a.destination)) return false;
        const r = a.resource;
        const namespace = r.cluster ? "" : (r.namespace ?? a.destination.namespace);
        // Who writes it: the controller (cluster-admin), or with impersonation the account the project names for the
        // destination (none named: the operation fails), as Kubernetes RBAC allows it.
        let actor: UserInfo | undefined;
        if (argo.settings.impersonation) {
            const sa = impersonatedAccount(project, a.destination);
            if (sa === undefined) return false;
            actor = serviceAccountUser(sa.namespace, sa.name);
        }
        const writes = () => actor === undefined || state.rbac.allows(actor, { verb: "create", group: r.group, resource: resourceOf(r.kind), namespace });
        // A delete hook is created when the application is deleted, without the project's kinds or destinations
        // (v3.4.4 controller/hook.go executeHooks: kubectl CreateResource, no permission validator).
        if (r.hook) return (await may("applications", "delete", rbacName)) && writes();
        const permitted = r.cluster ? isGroupKindNamePermitted(project, r, r.name, false) : isGroupKindNamePermitted(project, r, r.name, true) && isDestinationPermitted(project, { server: a.destination.server, namespace });
        return permitted && writes();
    }
    if ("aws" in attempt) {
        // The team's users push workflows that its runners run: they act as the runners' role without creating a pod.
        const roles = [...awsRolesOf(state, user), ...(user.name.startsWith("oidc:") ? attempt.aws.workflowRoles : [])];
        for (const role of roles)
            for (const target of attempt.aws.resources(state.aws))
                for (const action of attempt.aws.actions) if (await roleMay(state.aws, role, action, target.arn, target.policy)) return true;
        return false;
    }
    if ("object" in attempt) {
        const o = attempt.object;
        if (!state.rbac.allows(user, { verb: "create", group: o.group, resource: o.resource, namespace: o.namespace })) return false;
        return kyvernoAdmitsObject(state.resources, state.namespaces.get(o.namespace) ?? {}, o.manifest);
    }
    if ("dnsRoute" in attempt) {
        const { namespace, kind, hostnames, annotation } = attempt.dnsRoute;
        if (!state.rbac.allows(user, { verb: "create", group: "gateway.networking.k8s.io", resource: resourceOf(kind), namespace })) return false;
        const route: Route = { kind, metadata: { name: "attack", namespace, annotations: { [EXTERNAL_DNS_HOSTNAME_ANNOTATION]: annotation } }, spec: { hostnames } };
        if (!kyvernoAdmitsRoute(state.resources, route)) return false;
        const allowed = (namespaceMeta(state.resources, namespace).annotations[ALLOWED_HOSTNAMES_ANNOTATION] ?? "").split(",");
        return externalDnsPublishes(state.resources, route).some((n) => !allowed.includes(n));
    }
    if ("priorityPod" in attempt) {
        const { namespace, priorityClassName } = attempt.priorityPod;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) return false;
        const pod = attackPod(state.resources, namespace, { priorityClassName });
        return quotaAdmitsPod(state.resources, namespace, pod) && kyvernoAdmitsPod(state.resources, state.namespaces.get(namespace) ?? {}, pod);
    }
    if ("affinityPod" in attempt) {
        const { namespace, victim } = attempt.affinityPod;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) return false;
        const target = platformPods().find((p) => p.namespace === victim.namespace && p.name === victim.name);
        if (target === undefined) throw new Error(`no platform pod ${victim.namespace}/${victim.name} in the fixture`);
        const term = { labelSelector: { matchLabels: target.labels }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": victim.namespace } }, topologyKey: "kubernetes.io/hostname" };
        const pod = attackPod(state.resources, namespace, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } });
        if (!quotaAdmitsPod(state.resources, namespace, pod) || !kyvernoAdmitsPod(state.resources, state.namespaces.get(namespace) ?? {}, pod)) return false;
        const own: K8sPod = { namespace, labels: pod.metadata.labels, spec: pod.spec };
        const victimPod: K8sPod = { namespace: victim.namespace, labels: target.labels, spec: {} };
        // A node of a pool the tenant's pod runs on, where the scheduler would then refuse the platform's pod.
        return poolNames(state.resources).some((p) => {
            const node = poolNode(state.resources, p);
            return runsOn(own, node, { namespaces: state.namespaces, podsOn: () => [] }) && !schedulerPlaces(victimPod, node, { namespaces: state.namespaces, podsOn: () => [own] });
        });
    }
    if ("podOnNode" in attempt) {
        const { namespace, pool, spec } = attempt.podOnNode;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) return false;
        const pod = attackPod(state.resources, namespace, spec);
        if (!kyvernoAdmitsPod(state.resources, state.namespaces.get(namespace) ?? {}, pod)) return false;
        return runsOn({ namespace, labels: pod.metadata.labels, spec: pod.spec }, poolNode(state.resources, pool), { namespaces: state.namespaces, podsOn: () => [] });
    }
    if ("jobPlacement" in attempt) {
        const { runner, beside, pool } = attempt.jobPlacement;
        const own = runnerPod(state.resources, runner);
        const placement = (on: readonly K8sPod[]) => ({ namespaces: state.namespaces, podsOn: () => on });
        if (pool !== undefined) return schedulerPlaces(own, poolNode(state.resources, pool), placement([]));
        const other = runnerPod(state.resources, beside!);
        // A node of any pool where the other job runs, and where this one would then be placed too.
        return poolNames(state.resources).some((p) => {
            const node = poolNode(state.resources, p);
            return schedulerPlaces(other, node, placement([])) && schedulerPlaces(own, node, placement([other]));
        });
    }
    if ("sharedBuilder" in attempt) return buildsOnSharedBuilder(runnerPod(state.resources, attempt.sharedBuilder.runnerNamespace).spec as any);
    if ("build" in attempt) {
        const { from, runnerNamespace } = attempt.build;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace: from })) return false;
        const dst = state.network.pods.find((p) => p.namespace === runnerNamespace);
        if (dst === undefined) throw new Error(`no runner pod in ${runnerNamespace} in the network state`);
        // buildkitd checks no client certificate: reaching its port is building on it.
        return attackerLabelSets(state.network).some((labels) => reaches(state.network, { pod: { namespace: from, name: "attacker", labels, ports: [], ip: state.network.podIp } }, dst, BUILDKIT_PORT));
    }
    if ("platformOutputs" in attempt) {
        // Humans read stacks (a team member runs its application stacks); the cluster's service accounts do not.
        if (!user.name.startsWith("oidc:")) return false;
        const shown = JSON.stringify(state.platform.outputs);
        return Object.values(state.platform.adminPasswords).some((p) => shown.includes(p));
    }
    if ("stateExport" in attempt) {
        // Humans hold Pulumi Cloud access (a team member runs its application stacks); the cluster's service accounts do not.
        if (!user.name.startsWith("oidc:")) return false;
        const exported = state.platform.states[state.platform.teamReads];
        if (exported === undefined) throw new Error(`no state of a ${state.platform.teamReads} stack to export`);
        const shown = JSON.stringify(exported);
        return Object.values(state.platform.adminPasswords).some((p) => shown.includes(p));
    }
    if ("builderCredentials" in attempt) {
        // Only the team's users push workflows its runners run.
        if (!user.name.startsWith("oidc:")) return false;
        const ns = attempt.builderCredentials.namespace;
        const release = runnerScaleSet(state.resources, ns);
        const template = (release.inputs as any).values.template;
        // The webhook (aws/amazon-eks-pod-identity-webhook) patches every container and init container of a pod whose
        // account has an association, but those its skip-containers annotation names.
        const skipped = String(template.metadata?.annotations?.["eks.amazonaws.com/skip-containers"] ?? "").split(",").map((x) => x.trim());
        const builder = (template.spec.initContainers ?? []).find((c: any) => c.name === "buildkitd");
        if (builder === undefined) throw new Error(`no buildkitd in ${ns}'s runner pod`);
        const associated = state.resources.some((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && r.inputs.namespace === ns && r.inputs.serviceAccount === template.spec.serviceAccountName);
        return associated && !skipped.includes(builder.name);
    }
    if ("runnerApiToken" in attempt) {
        // Only the team's users push workflows its runners run.
        if (!user.name.startsWith("oidc:")) return false;
        const ns = attempt.runnerApiToken.namespace;
        const release = runnerScaleSet(state.resources, ns);
        const spec = (release.inputs as any).values.template.spec;
        const account = state.resources.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && (r.inputs as any).metadata.namespace === ns && (r.inputs as any).metadata.name === spec.serviceAccountName)?.inputs as any;
        // The ServiceAccount admission plugin: the pod's field wins, else the account's; mounted unless one says false.
        return (spec.automountServiceAccountToken ?? account?.automountServiceAccountToken) !== false;
    }
    if ("nodeEscape" in attempt) {
        // Only the team's users push workflows its runners run.
        if (!user.name.startsWith("oidc:")) return false;
        const { runner, request } = attempt.nodeEscape;
        const own = runnerPod(state.resources, runner);
        const agent = veleroNodeAgent(state.resources);
        if (agent === undefined) return false;
        const alone = { namespaces: state.namespaces, podsOn: () => [] };
        // A node of a pool where the job runs and where the DaemonSet controller puts the agent (its pods are scheduled by the same filters).
        const beside = poolNames(state.resources).some((p) => {
            const node = poolNode(state.resources, p);
            return schedulerPlaces(own, node, alone) && schedulerPlaces(agent.pod, node, alone);
        });
        if (!beside) return false;
        // RBAC only adds: allowed by the plan's RBAC or by the chart's binding is allowed by both together.
        return state.rbac.allows(agent.account, request) || new Rbac([...parsedOnce("rbac list", BOOTSTRAP_ROLES, readRbacList), ...agent.rbac]).allows(agent.account, request);
    }
    if ("connect" in attempt) {
        const c = attempt.connect;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace: c.from })) return false;
        const dst = state.network.pods.find((p) => p.namespace === c.namespace && p.name === c.pod);
        if (dst === undefined) throw new Error(`no pod ${c.namespace}/${c.pod} in the network state`);
        return attackerLabelSets(state.network).some((labels) => reaches(state.network, { pod: { namespace: c.from, name: "attacker", labels, ports: [], ip: state.network.podIp } }, dst, c.port));
    }
    if ("otlp" in attempt) {
        const o = attempt.otlp;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace: o.from })) return false;
        const victim = knownPods(state).find((p) => p.namespace === o.namespace && p.name === o.pod);
        if (victim === undefined) throw new Error(`no pod ${o.namespace}/${o.pod} in the network state`);
        const forged: OtlpRecord = {
            resource: { "k8s.namespace.name": victim.namespace, "k8s.pod.name": victim.name, "k8s.pod.uid": victim.uid, "k8s.pod.ip": victim.ip, "service.namespace": victim.namespace },
            record: { "k8s.namespace.name": victim.namespace },
        };
        return Object.values(otlpDelivered(state, o.from, forged)).some(
            (r) => r !== undefined && (r.resource["k8s.namespace.name"] === victim.namespace || r.resource["service.namespace"] === victim.namespace || r.record["k8s.namespace.name"] === victim.namespace),
        );
    }
    if ("vaultSecret" in attempt) {
        const { namespace, store: storeName, key } = attempt.vaultSecret;
        if (!(await succeeds(state, user, { externalSecret: { namespace, store: storeName } }))) return false;
        return vaultReads(state.resources, storeName, namespace, key);
    }
    const { namespace, store: storeName } = attempt.externalSecret;
    if (!state.rbac.allows(user, { verb: "create", group: "external-secrets.io", resource: "externalsecrets", namespace })) return false;
    const store = state.clusterSecretStores.get(storeName);
    if (store === undefined) return false;
    const labels = state.namespaces.get(namespace) ?? { "kubernetes.io/metadata.name": namespace };
    if (storeServes(store, namespace, labels)) return true;
    // A namespace it may relabel takes any label but its name.
    const relabel = state.rbac.allows(user, { verb: "patch", group: "", resource: "namespaces", namespace, name: namespace });
    return relabel && (store.conditions ?? []).some((c) => c.namespaceSelector !== undefined);
}

/** The pods the gateway's informer knows (every pod of the network state, each with an address and UID of its own). */
export function knownPods(state: AttackState): KnownPod[] {
    return state.network.pods.map((p, i) => ({ namespace: p.namespace, name: p.name, uid: `uid-${p.namespace}-${p.name}`, ip: `10.250.${Math.floor(i / 250)}.${(i % 250) + 1}`, nodeName: "node-1", hostNetwork: p.hostNetwork }));
}
/** An address no pod of `knownPods` has: the sender's own pod. */
export const SENDER_IP = "10.251.0.1";

/**
 * What reaches each pipeline's exporters when a pod of `from` (any labels) sends `input` to the OTLP gateway
 * (undefined for a pipeline when the network refuses it on 4317 and 4318), or, with `host`, a sender on a node's address.
 */
export function otlpDelivered(state: AttackState, from: string, input: OtlpRecord, host = false): Record<string, OtlpRecord | undefined> {
    const collector = state.network.pods.find((p) => p.namespace === PLATFORM_NAMESPACES.monitoring && p.name === "otel-collector");
    if (collector === undefined) throw new Error("no OTLP gateway pod in the network state");
    const sender = { pod: { namespace: from, name: "sender", labels: {}, ports: [], ip: state.network.podIp } };
    const reached = host || attackerLabelSets(state.network).some((labels) => [4317, 4318].some((port) => reaches(state.network, { pod: { ...sender.pod, labels } }, collector, port)));
    const config = collectorConfig(state.resources);
    const pods: KnownPod[] = [...knownPods(state), ...(host ? [] : [{ namespace: from, name: "sender", uid: "uid-sender", ip: SENDER_IP, nodeName: "node-1" }])];
    return Object.fromEntries(Object.keys(config.service.pipelines).map((p) => [p, reached ? throughPipeline(config, p, input, host ? "10.252.0.1" : SENDER_IP, pods) : undefined]));
}
