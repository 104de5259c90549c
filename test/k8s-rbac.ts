// A Kubernetes RBAC evaluator for tests: what the kube-apiserver's RBAC authorizer answers for a request, what the
// clusterrole-aggregation controller writes into an aggregated ClusterRole's rules, and the RBAC API's refusal to let
// a subject create a role or binding granting more than it holds. Written from Kubernetes' own code (each function
// names the function it follows); the table tests in k8s-rbac.test.ts hold it to the answers the docs and code give.
//   - plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows), pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches,
//     APIGroupMatches, ResourceMatches, ResourceNameMatches, NonResourceURLMatches)
//   - pkg/registry/rbac/validation/rule.go (VisitRulesFor, appliesToUser)
//   - pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go (syncClusterRole)
//   - pkg/registry/rbac/escalation_check.go (EscalationAllowed, BindingAuthorized, RoleEscalationAuthorized),
//     pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go (Create),
//     pkg/registry/rbac/validation/policy_comparator.go (Covers)
// Kubernetes' authorizer chain on EKS is Node, RBAC and the webhook EKS adds for its access entries; the platform
// grants tenants nothing through access entries, so RBAC alone answers for them.
import * as fs from "fs";
import * as YAML from "yaml";

export interface PolicyRule {
    readonly verbs: readonly string[];
    readonly apiGroups?: readonly string[];
    readonly resources?: readonly string[];
    readonly resourceNames?: readonly string[];
    readonly nonResourceURLs?: readonly string[];
}

export interface LabelSelectorRequirement {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values?: readonly string[];
}
export interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

interface Meta {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
}
export interface ClusterRole {
    readonly kind: "ClusterRole";
    readonly metadata: Meta;
    readonly rules?: readonly PolicyRule[] | null;
    readonly aggregationRule?: { readonly clusterRoleSelectors?: readonly LabelSelector[] };
}
export interface Role {
    readonly kind: "Role";
    readonly metadata: Meta & { readonly namespace: string };
    readonly rules?: readonly PolicyRule[] | null;
}
export interface Subject {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly apiGroup?: string;
}
export interface RoleRef {
    readonly apiGroup?: string;
    readonly kind: "Role" | "ClusterRole" | string;
    readonly name: string;
}
export interface RoleBinding {
    readonly kind: "RoleBinding";
    readonly metadata: Meta & { readonly namespace: string };
    readonly roleRef: RoleRef;
    readonly subjects?: readonly Subject[];
}
export interface ClusterRoleBinding {
    readonly kind: "ClusterRoleBinding";
    readonly metadata: Meta;
    readonly roleRef: RoleRef;
    readonly subjects?: readonly Subject[];
}
export type RbacObject = ClusterRole | Role | RoleBinding | ClusterRoleBinding;

/** An authenticated identity as the authorizer sees it (user.Info). */
export interface UserInfo {
    readonly name: string;
    readonly groups: readonly string[];
}

/** A user from the cluster's OIDC provider with its groups; every authenticated user is in system:authenticated. */
export function oidcUser(name: string, groups: readonly string[] = []): UserInfo {
    return { name, groups: [...groups, "system:authenticated"] };
}

/** A service account's identity (pkg/serviceaccount: MakeUsername, MakeGroupNames) once its token is authenticated. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
    return { name: `system:serviceaccount:${namespace}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"] };
}

/** A request on an API resource: namespace empty (or absent) for cluster-scoped resources and for requests across namespaces. */
export interface ResourceRequest {
    readonly verb: string;
    readonly group: string;
    readonly resource: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
}
export interface NonResourceRequest {
    readonly verb: string;
    readonly path: string;
}
export type Request = ResourceRequest | NonResourceRequest;
const isResource = (r: Request): r is ResourceRequest => "resource" in r;

const has = (set: readonly string[] | undefined, e: string) => (set ?? []).includes(e);
const hasAll = (set: readonly string[] | undefined, contains: readonly string[] | undefined) => (contains ?? []).every((c) => has(set, c));

// evaluation_helpers.go
function verbMatches(rule: PolicyRule, verb: string): boolean {
    return rule.verbs.some((v) => v === "*" || v === verb);
}
function apiGroupMatches(rule: PolicyRule, group: string): boolean {
    return (rule.apiGroups ?? []).some((g) => g === "*" || g === group);
}
function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
    return (rule.resources ?? []).some((r) => r === "*" || r === combined || (subresource !== "" && r === `*/${subresource}`));
}
function resourceNameMatches(rule: PolicyRule, name: string): boolean {
    return (rule.resourceNames ?? []).length === 0 || has(rule.resourceNames, name);
}
function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
    return (rule.nonResourceURLs ?? []).some((u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))));
}

/** rbac.go RuleAllows: one rule against one request. */
export function ruleAllows(rule: PolicyRule, request: Request): boolean {
    if (isResource(request)) {
        const sub = request.subresource ?? "";
        const combined = sub === "" ? request.resource : `${request.resource}/${sub}`;
        return verbMatches(rule, request.verb) && apiGroupMatches(rule, request.group) && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, request.name ?? "");
    }
    return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
}

/** metav1.LabelSelectorAsSelector(selector).Matches(labels); an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>> = {}): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e) => {
        const present = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In":
                return present && has(e.values, labels[e.key]);
            case "NotIn":
                return !present || !has(e.values, labels[e.key]);
            case "Exists":
                return present;
            case "DoesNotExist":
                return !present;
            default:
                throw new Error(`unknown selector operator ${String(e.operator)}`);
        }
    });
    return byLabels && byExpressions;
}

/** validation/rule.go appliesToUser: a ServiceAccount subject without a namespace takes the binding's. */
export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
    switch (subject.kind) {
        case "User":
            return user.name === subject.name;
        case "Group":
            return has(user.groups, subject.name);
        case "ServiceAccount": {
            const ns = subject.namespace || bindingNamespace;
            return ns !== "" && user.name === `system:serviceaccount:${ns}:${subject.name}`;
        }
        default:
            return false;
    }
}

/** Two rules are the same rule when every field of theirs is. */
const ruleKey = (r: PolicyRule) => JSON.stringify([r.verbs, r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);

/**
 * The rules the clusterrole-aggregation controller converges to: for each aggregated role, the rules of every other
 * ClusterRole its selectors match (by name, each rule once), repeated until nothing changes (an aggregated role may
 * select another aggregated role, as admin selects edit and edit selects view).
 */
export function aggregate(clusterRoles: readonly ClusterRole[]): ClusterRole[] {
    let roles = clusterRoles.map((r) => ({ ...r, rules: r.rules ?? [] }));
    for (let round = 0; round < 20; round++) {
        let changed = false;
        const current = new Map(roles.map((r) => [r.metadata.name, r]));
        roles = roles.map((role) => {
            const selectors = role.aggregationRule?.clusterRoleSelectors;
            if (role.aggregationRule === undefined || role.aggregationRule === null) return role;
            const rules: PolicyRule[] = [];
            // Each rule once: the keys of those taken so far (a set, not a search of the list: thousands of rules).
            const taken = new Set<string>();
            for (const selector of selectors ?? []) {
                const matched = [...current.values()].filter((r) => selectorMatches(selector, r.metadata.labels)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
                for (const m of matched) {
                    if (m.metadata.name === role.metadata.name) continue;
                    for (const rule of m.rules) {
                        const key = ruleKey(rule);
                        if (taken.has(key)) continue;
                        taken.add(key);
                        rules.push(rule);
                    }
                }
            }
            if (rules.length === role.rules.length && rules.every((r, i) => ruleKey(r) === ruleKey(role.rules[i]))) return role;
            changed = true;
            return { ...role, rules };
        });
        if (!changed) return roles;
    }
    throw new Error("cluster role aggregation did not converge");
}

// policy_comparator.go
function breakdown(rule: PolicyRule): PolicyRule[] {
    const out: PolicyRule[] = [];
    for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
            for (const verb of rule.verbs)
                if ((rule.resourceNames ?? []).length > 0) for (const n of rule.resourceNames ?? []) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
                else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
    for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
    return out;
}
function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
    if (has(set, "*") || hasAll(set, covers)) return true;
    return (covers ?? []).every((path) => has(set, path) || (path.includes("/") && has(set, `*/${path.split("/").slice(1).join("/")}`)));
}
const nonResourceURLCovers = (owner: string, sub: string) => owner === sub || (owner.endsWith("*") && sub.startsWith(owner.replace(/\*+$/, "")));
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
    const verbs = has(owner.verbs, "*") || hasAll(owner.verbs, sub.verbs);
    const groups = has(owner.apiGroups, "*") || hasAll(owner.apiGroups, sub.apiGroups);
    const resources = resourceCoversAll(owner.resources, sub.resources);
    const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
    const names = (sub.resourceNames ?? []).length === 0 ? (owner.resourceNames ?? []).length === 0 : (owner.resourceNames ?? []).length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
    return verbs && groups && resources && names && urls;
}

/** validation.Covers: the servant's rules, broken down to one verb, group, resource and name each, that no owner rule covers. */
export function uncovered(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): PolicyRule[] {
    return servantRules.flatMap(breakdown).filter((sub) => !ownerRules.some((o) => ruleCovers(o, sub)));
}

/** fullAuthority of the RBAC registry: `*` on every resource and every non-resource URL. */
const FULL_AUTHORITY: readonly PolicyRule[] = [
    { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
    { verbs: ["*"], nonResourceURLs: ["*"] },
];

/** The RBAC state of a cluster: its roles (aggregated as the controller leaves them) and bindings. */
export class Rbac {
    public readonly clusterRoles: ReadonlyMap<string, ClusterRole>;
    private readonly roles: ReadonlyMap<string, Role>;
    private readonly roleBindings: readonly RoleBinding[];
    private readonly clusterRoleBindings: readonly ClusterRoleBinding[];

    constructor(public readonly objects: readonly RbacObject[]) {
        const byKind = <K extends RbacObject["kind"]>(kind: K) => objects.filter((o): o is Extract<RbacObject, { kind: K }> => o.kind === kind);
        const clusterRoles = byKind("ClusterRole");
        const names = clusterRoles.map((r) => r.metadata.name);
        const twice = names.filter((n, i) => names.indexOf(n) !== i);
        if (twice.length > 0) throw new Error(`ClusterRoles defined twice: ${[...new Set(twice)].join(", ")}`);
        this.clusterRoles = new Map(aggregate(clusterRoles).map((r) => [r.metadata.name, r]));
        this.roles = new Map(byKind("Role").map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
        this.roleBindings = byKind("RoleBinding");
        this.clusterRoleBindings = byKind("ClusterRoleBinding");
    }

    /** The same cluster with more objects (or with `replace` applied to the objects first). */
    public with(more: readonly RbacObject[], replace: (objects: readonly RbacObject[]) => readonly RbacObject[] = (o) => o): Rbac {
        return new Rbac([...replace(this.objects), ...more]);
    }

    /** GetRoleReferenceRules: a RoleBinding may name a Role of its namespace or a ClusterRole; a missing role grants nothing. */
    public roleRefRules(ref: RoleRef, bindingNamespace: string): readonly PolicyRule[] {
        if (ref.kind === "ClusterRole") return this.clusterRoles.get(ref.name)?.rules ?? [];
        if (ref.kind === "Role" && bindingNamespace !== "") return this.roles.get(`${bindingNamespace}/${ref.name}`)?.rules ?? [];
        return [];
    }

    /** VisitRulesFor: every ClusterRoleBinding's rules, then, for a namespace, the RoleBindings of that namespace. */
    public rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
        const rules: PolicyRule[] = [];
        for (const b of this.clusterRoleBindings) if ((b.subjects ?? []).some((s) => appliesTo(user, s, ""))) rules.push(...this.roleRefRules(b.roleRef, ""));
        if (namespace !== "")
            for (const b of this.roleBindings)
                if (b.metadata.namespace === namespace && (b.subjects ?? []).some((s) => appliesTo(user, s, b.metadata.namespace))) rules.push(...this.roleRefRules(b.roleRef, b.metadata.namespace));
        return rules;
    }

    /** The RBAC authorizer's answer (a non-resource request is answered by ClusterRoleBindings alone). */
    public allows(user: UserInfo, request: Request): boolean {
        const namespace = isResource(request) ? (request.namespace ?? "") : "";
        return this.rulesFor(user, namespace).some((r) => ruleAllows(r, request));
    }

    /**
     * Whether `user` may create `role` (role/clusterrole policybased storage): RBAC must allow the create, and then the
     * user is in system:masters, or holds `escalate` on it, or already holds every rule it grants (in its namespace)
     * and, for an aggregation rule, everything.
     */
    public mayCreateRole(user: UserInfo, role: Role | ClusterRole): boolean {
        const namespace = role.kind === "Role" ? role.metadata.namespace : "";
        const resource = role.kind === "Role" ? "roles" : "clusterroles";
        const attrs = { group: "rbac.authorization.k8s.io", resource, namespace, name: role.metadata.name };
        if (!this.allows(user, { ...attrs, verb: "create" })) return false;
        if (has(user.groups, "system:masters") || this.allows(user, { ...attrs, verb: "escalate" })) return true;
        const owner = this.rulesFor(user, namespace);
        if (uncovered(owner, role.rules ?? []).length > 0) return false;
        // An aggregation rule can gather anything: setting one takes `*` on everything ("must have cluster-admin
        // privileges to use the aggregationRule").
        const aggregates = role.kind === "ClusterRole" && (role.aggregationRule?.clusterRoleSelectors ?? []).length > 0;
        return !aggregates || uncovered(owner, FULL_AUTHORITY).length === 0;
    }

    /**
     * Whether `user` may create `binding` (rolebinding/clusterrolebinding policybased storage): RBAC must allow the
     * create, and then the user is in system:masters, or holds `bind` on the role it names, or already holds every
     * rule of that role (in the binding's namespace).
     */
    public mayCreateBinding(user: UserInfo, binding: RoleBinding | ClusterRoleBinding): boolean {
        const namespace = binding.kind === "RoleBinding" ? binding.metadata.namespace : "";
        const resource = binding.kind === "RoleBinding" ? "rolebindings" : "clusterrolebindings";
        if (!this.allows(user, { verb: "create", group: "rbac.authorization.k8s.io", resource, namespace, name: binding.metadata.name })) return false;
        if (has(user.groups, "system:masters")) return true;
        const ref = binding.roleRef;
        const bind = { verb: "bind", group: ref.apiGroup ?? "rbac.authorization.k8s.io", resource: ref.kind === "ClusterRole" ? "clusterroles" : "roles", namespace, name: ref.name };
        if ((ref.kind === "ClusterRole" || ref.kind === "Role") && this.allows(user, bind)) return true;
        return uncovered(this.rulesFor(user, namespace), this.roleRefRules(ref, namespace)).length === 0;
    }
}

/** A YAML `kind: List` (or a plain list) of RBAC objects, as Kubernetes' bootstrap policy testdata is written. */
export function readRbacList(file: string): RbacObject[] {
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { items?: RbacObject[] } | RbacObject[];
    return Array.isArray(doc) ? doc : (doc.items ?? []);
}
