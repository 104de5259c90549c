// The attacks a tenant could try on the platform through the Kubernetes API, as data: what it tries, which guard
// stops it, and the guard's removal that lets it through (tenant-attacks.test.ts runs every one on the plan of every
// stack file; the README's threat-model table lists them). Each attempt is a request to the API server (answered by
// the RBAC evaluator), a binding (the RBAC API's escalation check), or an ExternalSecret naming a ClusterSecretStore
// (External Secrets' namespace conditions).
import type { PlannedResource } from "../plan/engine";
import { TENANT_CI_VIEWER_ROLE, TENANT_ROLES } from "../components/tenants/tenant-objects";
import { PLATFORM_NAMESPACES } from "../components/shared/namespaces";
import { PLATFORM_SECRET_STORE } from "../components/secrets/external-secrets";
import { RUNNER_SERVICE_ACCOUNT } from "../components/delivery/ci";
import { OWN_REPOSITORY_POLICY } from "../components/policy/admission-policies";
import type { ClusterState } from "./cluster-state";
import { storeServes } from "./cluster-state";
import type { Request, RoleBinding, UserInfo } from "./k8s-rbac";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";

/** A tenant as the attacks see it: its namespaces and the identities acting in them. */
export interface TenantView {
    readonly name: string;
    readonly namespaces: readonly string[];
    /** Its ClusterSecretStore. */
    readonly store: string;
    /** The namespace its runners (and the runner's Pod Identity account) are in, when it has CI. */
    readonly runnerNamespace?: string;
    /** Whether it has a signing key of its own (per-tenant keys). */
    readonly signingKey?: boolean;
    /** Its repository as images name it (`<registry host>/<data name>/apps`), when it has one. */
    readonly repository?: string;
}

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
    /** Create a pod running `image` (in the registry, signed by tenant `signedBy`'s CI) in `namespace`: RBAC, then the plan's Kyverno policies. */
    | { readonly pod: { readonly namespace: string; readonly image: string; readonly signedBy: string } }
    /** kms:Sign with tenant `key`'s signing key as tenant `signer`'s runner role (what a member's workflow runs as). */
    | { readonly sign: { readonly signer: string; readonly key: string } }
    /** Create an ExternalSecret in `namespace` naming ClusterSecretStore `store` (relabelling the namespace first if it may). */
    | { readonly externalSecret: { readonly namespace: string; readonly store: string } };

export interface Guard {
    readonly text: string;
    /** Takes the guard away from (a copy of) the plan's resources. */
    remove(resources: PlannedResource[]): void;
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
const addToTenantRoles = (resources: PlannedResource[], ...rules: object[]) => {
    const roles = resources.filter(isTenantRole) as Mutable[];
    if (roles.length !== tenantRoleNames.length) throw new Error(`expected the ${tenantRoleNames.length} tenant roles, found ${roles.length}`);
    for (const r of roles) r.inputs.rules = [...r.inputs.rules, ...rules];
};

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const CLUSTER_POLICY = "kubernetes:kyverno.io/v1:ClusterPolicy";
/** The signature policy's rules that verify with a KMS key. */
const kmsSignatureRules = (resources: readonly PlannedResource[]) =>
    resources
        .filter((r) => r.type === CLUSTER_POLICY && (r.inputs as any).metadata?.name === "tenant-verify-image-signatures")
        .flatMap((r) => (r.inputs as any).spec.rules as any[])
        .filter((r) => r.verifyImages?.[0]?.attestors?.[0]?.entries?.some((e: any) => e.keys?.kms));
/** The delivery layer's names: `tenant-<name>-delivery-signing-key`, `…-runner-role`. */
const signingKeys = (resources: readonly PlannedResource[]) => resources.filter((r) => r.type === "aws:kms/key:Key" && /^tenant-.+-delivery-signing-key$/.test(r.name)) as Mutable[];

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
    tenantStoreConditions: {
        text: "a tenant's ClusterSecretStore serves only namespaces labelled with its tenant (`platform.io/tenant`), a label tenants cannot set",
        remove: (resources) => {
            const stores = resources.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore" && (r.inputs as any).metadata.name !== PLATFORM_SECRET_STORE) as Mutable[];
            if (stores.length === 0) throw new Error("no tenant store in the plan");
            for (const s of stores) delete s.inputs.spec.conditions;
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

/** The attacks, in the order of the README's table (the open ones last). */
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
        id: "runner-identity-pod",
        attack: "run a pod (or a Deployment) as the CI runner's service account (`ci-runner`, Pod Identity: push to the tenant's repository, sign its images)",
        who: ["member", "owner"],
        getsThroughUnguarded: ["member", "owner"],
        guards: ["ciNamespace"],
        attempts: (t) => (t.runnerNamespace ? [req("create", "", "pods", t.runnerNamespace), req("create", "apps", "deployments", t.runnerNamespace)] : []),
    },
    {
        id: "other-tenant-image",
        attack: "run another tenant's image (from its repository, signed by its CI) in its own namespace: the nodes pull with one role that reads every repository",
        who: ALL,
        getsThroughUnguarded: HOLDERS,
        guards: ["ownRepository", "tenantSigningKeys"],
        attempts: (t, others) => inEach(t, (ns) => others.filter((o) => o.repository).map((o) => ({ pod: { namespace: ns, image: `${o.repository}:1.0.0`, signedBy: o.name } }))),
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
];

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
 * Whether the plan's Kyverno ClusterPolicies admit a pod running `image` in a namespace with `labels`: every enforced
 * rule selecting the namespace (by its namespaceSelector's labels) whose pattern names the containers' image, and
 * every enforced verifyImages rule covering the image, whose KMS attestor must be the signer's key (its alias's
 * target). The pod is otherwise compliant (labels, resources, security context); keyless attestors are not modelled.
 */
function kyvernoAdmits(resources: readonly PlannedResource[], labels: Readonly<Record<string, string>>, image: string, signedBy: string): boolean {
    const selects = (rule: any) =>
        (rule.match?.any ?? []).some((m: any) => m.resources?.kinds?.includes("Pod") && Object.entries(m.resources.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    const keyOf = (ref: string) => {
        const alias = resources.find((r) => r.type === "aws:kms/alias:Alias" && `awskms:///${(r.inputs as any).name}` === ref);
        return String((alias?.inputs as any)?.targetKeyId ?? "").replace(/^key-/, "");
    };
    for (const p of resources.filter((r) => r.type === CLUSTER_POLICY)) {
        for (const rule of (p.inputs as any).spec.rules as any[]) {
            if (!selects(rule)) continue;
            const pattern = rule.validate?.pattern?.spec?.containers?.[0]?.image;
            if (rule.validate?.failureAction === "Enforce" && typeof pattern === "string" && !kyvernoStringPattern(pattern, image)) return false;
            for (const v of rule.verifyImages ?? []) {
                if (v.failureAction !== "Enforce" || !v.imageReferences.some((ref: string) => wildcard(ref, image))) continue;
                const entries = v.attestors.flatMap((a: any) => a.entries);
                if (!entries.some((e: any) => (e.keys?.kms ? keyOf(e.keys.kms) === `tenant-${signedBy}-delivery-signing-key` : true))) return false;
            }
        }
    }
    return true;
}

/** The stack's region and account: its main AWS provider's (`platform-aws`; others serve replicas). */
export const stackRegion = (resources: readonly PlannedResource[]) => (resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "platform-aws")?.inputs as { region?: string } | undefined)?.region;
export const stackAccount = (resources: readonly PlannedResource[]) => {
    const ids = (resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "platform-aws")?.inputs as { allowedAccountIds?: string } | undefined)?.allowedAccountIds;
    return ids ? (JSON.parse(ids) as string[])[0] : undefined;
};

/** What an attack is evaluated against: the cluster, and the plan's resources it was built from (the AWS side). */
export type AttackState = ClusterState & { readonly resources: readonly PlannedResource[] };

/** Whether `user` gets through with one attempt in the cluster `state`. */
export function succeeds(state: AttackState, user: UserInfo, attempt: Attempt): boolean {
    if ("request" in attempt) return state.rbac.allows(user, attempt.request);
    if ("pod" in attempt) {
        const { namespace, image, signedBy } = attempt.pod;
        if (!state.rbac.allows(user, { verb: "create", group: "", resource: "pods", namespace })) return false;
        return kyvernoAdmits(state.resources, state.namespaces.get(namespace) ?? {}, image, signedBy);
    }
    if ("sign" in attempt) return kmsAllows(state.resources, `tenant-${attempt.sign.signer}-delivery-runner-role`, "kms:Sign", `tenant-${attempt.sign.key}-delivery-signing-key`);
    if ("binding" in attempt) return state.rbac.mayCreateBinding(user, attempt.binding);
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
