// The RBAC evaluator held to what Kubernetes documents and does ("Using RBAC Authorization",
// kubernetes.io/docs/reference/access-authn-authz/rbac/, and the functions k8s-rbac.ts names).
import * as assert from "assert";
import { aggregate, ClusterRole, oidcUser, PolicyRule, Rbac, RbacObject, readRbacList, Request, ruleAllows, selectorMatches, serviceAccountUser, Subject, uncovered } from "./k8s-rbac";
import { BOOTSTRAP_ROLES } from "./cluster-state";

const pods = (verb: string, extra: Partial<Extract<Request, { resource: string }>> = {}): Request => ({ verb, group: "", resource: "pods", namespace: "ns", ...extra });

describe("RBAC evaluator: one rule against one request", () => {
    const cases: [string, PolicyRule, Request, boolean][] = [
        ["a listed verb", { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, pods("get"), true],
        ["an unlisted verb", { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, pods("delete"), false],
        ["verb *", { verbs: ["*"], apiGroups: [""], resources: ["pods"] }, pods("deletecollection"), true],
        ["the core group is \"\", not apps", { verbs: ["get"], apiGroups: ["apps"], resources: ["pods"] }, pods("get"), false],
        ["apiGroups *", { verbs: ["get"], apiGroups: ["*"], resources: ["deployments"] }, { verb: "get", group: "apps", resource: "deployments", namespace: "ns" }, true],
        // Docs: "pods" does not grant the log subresource; "pods/log" must be named.
        ["a resource does not grant its subresources", { verbs: ["get"], apiGroups: [""], resources: ["pods"] }, pods("get", { subresource: "log", name: "p" }), false],
        ["a named subresource", { verbs: ["get"], apiGroups: [""], resources: ["pods", "pods/log"] }, pods("get", { subresource: "log", name: "p" }), true],
        ["a subresource does not grant its resource", { verbs: ["create"], apiGroups: [""], resources: ["pods/exec"] }, pods("create"), false],
        // ResourceMatches: "*/scale" is any resource's scale subresource, and nothing else.
        ["*/scale grants deployments/scale", { verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] }, { verb: "update", group: "apps", resource: "deployments", subresource: "scale", namespace: "ns", name: "d" }, true],
        ["*/scale does not grant deployments", { verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] }, { verb: "update", group: "apps", resource: "deployments", namespace: "ns", name: "d" }, false],
        ["*/scale does not grant deployments/status", { verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] }, { verb: "update", group: "apps", resource: "deployments", subresource: "status", namespace: "ns", name: "d" }, false],
        ["resources * grants subresources", { verbs: ["create"], apiGroups: [""], resources: ["*"] }, pods("create", { subresource: "exec", name: "p" }), true],
        // Docs: resourceNames restrict get, update, delete...; a create has no name, so a named rule never grants it.
        ["resourceNames: the named object", { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, { verb: "get", group: "", resource: "configmaps", namespace: "ns", name: "a" }, true],
        ["resourceNames: another object", { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, { verb: "get", group: "", resource: "configmaps", namespace: "ns", name: "b" }, false],
        ["resourceNames never grant create", { verbs: ["create"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, { verb: "create", group: "", resource: "configmaps", namespace: "ns" }, false],
        ["resourceNames never grant list", { verbs: ["list"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"] }, { verb: "list", group: "", resource: "configmaps", namespace: "ns" }, false],
        // NonResourceURLMatches: a trailing * is a prefix; "/healthz/*" does not grant "/healthz".
        ["a non-resource URL", { verbs: ["get"], nonResourceURLs: ["/healthz"] }, { verb: "get", path: "/healthz" }, true],
        ["a URL prefix", { verbs: ["get"], nonResourceURLs: ["/healthz/*"] }, { verb: "get", path: "/healthz/etcd" }, true],
        ["a URL prefix is not its parent", { verbs: ["get"], nonResourceURLs: ["/healthz/*"] }, { verb: "get", path: "/healthz" }, false],
        ["a resource rule grants no URL", { verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verb: "get", path: "/metrics" }, false],
    ];
    for (const [name, rule, request, expected] of cases) it(name, () => assert.strictEqual(ruleAllows(rule, request), expected));
});

describe("RBAC evaluator: label selectors (aggregation rules)", () => {
    const labels = { a: "1", b: "2" };
    const cases: [string, Parameters<typeof selectorMatches>[0], boolean][] = [
        ["matchLabels, all present", { matchLabels: { a: "1", b: "2" } }, true],
        ["matchLabels, one different", { matchLabels: { a: "1", b: "3" } }, false],
        ["In", { matchExpressions: [{ key: "a", operator: "In", values: ["0", "1"] }] }, true],
        ["In, label absent", { matchExpressions: [{ key: "c", operator: "In", values: ["1"] }] }, false],
        ["NotIn, label absent", { matchExpressions: [{ key: "c", operator: "NotIn", values: ["1"] }] }, true],
        ["NotIn, value listed", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, false],
        ["Exists", { matchExpressions: [{ key: "b", operator: "Exists" }] }, true],
        ["DoesNotExist", { matchExpressions: [{ key: "b", operator: "DoesNotExist" }] }, false],
        ["labels and expressions together", { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "DoesNotExist" }] }, false],
        ["an empty selector matches everything", {}, true],
    ];
    for (const [name, selector, expected] of cases) it(name, () => assert.strictEqual(selectorMatches(selector, labels), expected));
});

describe("RBAC evaluator: bindings, subjects and namespaces", () => {
    const role = (name: string, rules: PolicyRule[]): ClusterRole => ({ kind: "ClusterRole", metadata: { name }, rules });
    const readPods = role("read-pods", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]);
    const rb = (namespace: string, subjects: Subject[], ref = "read-pods"): RbacObject => ({ kind: "RoleBinding", metadata: { name: "b", namespace }, roleRef: { kind: "ClusterRole", name: ref }, subjects });
    const get = (namespace: string): Request => ({ verb: "get", group: "", resource: "pods", namespace, name: "p" });

    it("a RoleBinding to a ClusterRole grants it in the binding's namespace only (docs: 'RoleBinding referencing a ClusterRole')", () => {
        const rbac = new Rbac([readPods, rb("a", [{ kind: "User", name: "jane" }])]);
        assert.deepStrictEqual([rbac.allows(oidcUser("jane"), get("a")), rbac.allows(oidcUser("jane"), get("b")), rbac.allows(oidcUser("jane"), { ...get(""), name: undefined })], [true, false, false]);
    });
    it("a ClusterRoleBinding grants in every namespace and cluster-wide", () => {
        const rbac = new Rbac([readPods, { kind: "ClusterRoleBinding", metadata: { name: "c" }, roleRef: { kind: "ClusterRole", name: "read-pods" }, subjects: [{ kind: "User", name: "jane" }] }]);
        assert.deepStrictEqual([rbac.allows(oidcUser("jane"), get("a")), rbac.allows(oidcUser("jane"), { verb: "get", group: "", resource: "pods" })], [true, true]);
    });
    it("a RoleBinding never grants non-resource URLs (they are checked without a namespace)", () => {
        const urls = role("urls", [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }]);
        assert.strictEqual(new Rbac([urls, rb("a", [{ kind: "User", name: "jane" }], "urls")]).allows(oidcUser("jane"), { verb: "get", path: "/metrics" }), false);
    });
    it("a RoleBinding may name a Role of its own namespace only", () => {
        const r: RbacObject = { kind: "Role", metadata: { name: "r", namespace: "b" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] };
        const binding: RbacObject = { kind: "RoleBinding", metadata: { name: "x", namespace: "a" }, roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "User", name: "jane" }] };
        assert.strictEqual(new Rbac([r, binding]).allows(oidcUser("jane"), get("a")), false);
    });
    it("Group subjects match the user's groups, system:authenticated included", () => {
        const rbac = new Rbac([readPods, rb("a", [{ kind: "Group", name: "system:authenticated" }])]);
        assert.deepStrictEqual([rbac.allows(oidcUser("anyone"), get("a")), rbac.allows({ name: "anonymous", groups: ["system:unauthenticated"] }, get("a"))], [true, false]);
    });
    it("a ServiceAccount subject without a namespace is the binding's namespace's (validation/rule.go appliesToUser)", () => {
        const rbac = new Rbac([readPods, rb("a", [{ kind: "ServiceAccount", name: "ci" }])]);
        assert.deepStrictEqual([rbac.allows(serviceAccountUser("a", "ci"), get("a")), rbac.allows(serviceAccountUser("b", "ci"), get("a"))], [true, false]);
    });
    it("service accounts are in system:serviceaccounts and system:serviceaccounts:<namespace> (docs: 'Referring to subjects')", () => {
        const rbac = new Rbac([readPods, rb("a", [{ kind: "Group", name: "system:serviceaccounts:a" }])]);
        assert.deepStrictEqual([rbac.allows(serviceAccountUser("a", "x"), get("a")), rbac.allows(serviceAccountUser("b", "x"), get("a")), rbac.allows(oidcUser("system:serviceaccount:a:x"), get("a"))], [true, false, false]);
    });
    it("a binding to a role that does not exist grants nothing", () => {
        assert.strictEqual(new Rbac([rb("a", [{ kind: "User", name: "jane" }], "missing")]).allows(oidcUser("jane"), get("a")), false);
    });
});

describe("RBAC evaluator: aggregation, as the clusterrole-aggregation controller fills rules", () => {
    it("gathers the rules of every other ClusterRole a selector matches, each once, in name order", () => {
        const [agg] = aggregate([
            { kind: "ClusterRole", metadata: { name: "agg", labels: { pick: "yes" } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { pick: "yes" } }, { matchExpressions: [{ key: "extra", operator: "Exists" }] }] } },
            { kind: "ClusterRole", metadata: { name: "b", labels: { pick: "yes", extra: "" } }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["b"] }] },
            { kind: "ClusterRole", metadata: { name: "a", labels: { pick: "yes" } }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["a"] }] },
            { kind: "ClusterRole", metadata: { name: "c", labels: { pick: "no" } }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["c"] }] },
        ]);
        assert.deepStrictEqual(agg.rules?.map((r) => r.resources?.[0]), ["a", "b"]);
    });
    it("chains: admin holds edit's aggregated rules, edit view's (the bootstrap roles)", () => {
        const roles = new Map(aggregate(readRbacList(BOOTSTRAP_ROLES).filter((o): o is ClusterRole => o.kind === "ClusterRole")).map((r) => [r.metadata.name, r]));
        const rbac = new Rbac([...roles.values()].filter((r) => ["admin", "edit", "view"].includes(r.metadata.name) || r.metadata.name.startsWith("system:aggregate-to-")));
        assert.ok(rbac.clusterRoles.get("view")!.rules!.length >= 10);
        assert.deepStrictEqual(uncovered(rbac.clusterRoles.get("edit")!.rules!, rbac.clusterRoles.get("view")!.rules!), []);
        assert.deepStrictEqual(uncovered(rbac.clusterRoles.get("admin")!.rules!, rbac.clusterRoles.get("edit")!.rules!), []);
    });
});

describe("RBAC evaluator: the built-in roles as the docs describe them (bootstrap policy fixture)", () => {
    const rbac = new Rbac([
        ...readRbacList(BOOTSTRAP_ROLES),
        ...["view", "edit", "admin"].map((role): RbacObject => ({ kind: "RoleBinding", metadata: { name: role, namespace: "ns" }, roleRef: { kind: "ClusterRole", name: role }, subjects: [{ kind: "User", name: role }] })),
    ]);
    const can = (who: string, r: Partial<Extract<Request, { resource: string }>> & { verb: string; resource: string }) => rbac.allows(oidcUser(who), { group: "", namespace: "ns", ...r });
    const cases: [string, boolean][] = [
        // view: "does not allow viewing Secrets, since reading the contents of Secrets enables access to ServiceAccount credentials".
        ["view reads pods", can("view", { verb: "list", resource: "pods" })],
        ["view reads no secrets", !can("view", { verb: "get", resource: "secrets", name: "s" })],
        ["view reads no roles or bindings", !can("view", { verb: "list", group: "rbac.authorization.k8s.io", resource: "rolebindings" })],
        // edit: "allows read/write access to most objects... does not allow viewing or modifying roles or role bindings.
        // However, this role allows accessing Secrets and running Pods as any ServiceAccount in the namespace".
        ["edit reads secrets", can("edit", { verb: "get", resource: "secrets", name: "s" })],
        ["edit creates pods", can("edit", { verb: "create", resource: "pods" })],
        ["edit writes network policies", can("edit", { verb: "delete", group: "networking.k8s.io", resource: "networkpolicies", name: "default-deny" })],
        ["edit impersonates service accounts", can("edit", { verb: "impersonate", resource: "serviceaccounts", name: "ci" })],
        ["edit requests service account tokens", can("edit", { verb: "create", resource: "serviceaccounts", subresource: "token", name: "ci" })],
        ["edit creates no role bindings", !can("edit", { verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings" })],
        // admin: "includes the ability to create roles and role bindings within the namespace. This role does not allow
        // write access to resource quota or to the namespace itself."
        ["admin creates role bindings", can("admin", { verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings" })],
        ["admin does not write resource quotas", !can("admin", { verb: "update", resource: "resourcequotas", name: "q" })],
        ["admin does not write its namespace", !can("admin", { verb: "patch", resource: "namespaces", name: "ns" })],
        ["admin does not create namespaces", !rbac.allows(oidcUser("admin"), { verb: "create", group: "", resource: "namespaces" })],
    ];
    for (const [name, ok] of cases) it(name, () => assert.ok(ok));
});

describe("RBAC evaluator: the RBAC API's escalation checks", () => {
    const rules = (...r: PolicyRule[]) => r;
    const base = (userRules: PolicyRule[]): Rbac =>
        new Rbac([
            { kind: "ClusterRole", metadata: { name: "held" }, rules: userRules },
            { kind: "ClusterRole", metadata: { name: "target" }, rules: rules({ verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] }) },
            { kind: "RoleBinding", metadata: { name: "b", namespace: "ns" }, roleRef: { kind: "ClusterRole", name: "held" }, subjects: [{ kind: "User", name: "jane" }] },
        ]);
    const binding = (name = "target"): RbacObject & { kind: "RoleBinding" } => ({ kind: "RoleBinding", metadata: { name: "new", namespace: "ns" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "User", name: "bob" }] });
    const createBindings: PolicyRule = { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"] };
    const createRoles: PolicyRule = { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] };
    const readSecrets: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] };
    const jane = oidcUser("jane");

    // Docs, "Privilege escalation prevention and bootstrapping": "you can only create/update a role if ... you already
    // have all the permissions contained in the role, at the same scope as the role ... or you have explicit permission
    // to perform the escalate verb"; "you can only create/update a role binding if you already have all the permissions
    // contained in the referenced role (at the same scope as the role binding) or if you have been authorized to
    // perform the bind verb on the referenced role".
    const cases: [string, boolean, boolean][] = [
        ["binding a role it holds", base([createBindings, readSecrets]).mayCreateBinding(jane, binding()), true],
        ["binding a role it does not hold", base([createBindings]).mayCreateBinding(jane, binding()), false],
        ["binding a role with `bind` on it", base([createBindings, { verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["target"] }]).mayCreateBinding(jane, binding()), true],
        ["`bind` on another role does not help", base([createBindings, { verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], resourceNames: ["other"] }]).mayCreateBinding(jane, binding()), false],
        ["binding needs `create rolebindings` first", base([readSecrets]).mayCreateBinding(jane, binding()), false],
        ["holding the rules in another namespace does not count", base([createBindings]).with([{ kind: "RoleBinding", metadata: { name: "x", namespace: "other" }, roleRef: { kind: "ClusterRole", name: "target" }, subjects: [{ kind: "User", name: "jane" }] }]).mayCreateBinding(jane, binding()), false],
        ["a Role of rules it holds", base([createRoles, readSecrets]).mayCreateRole(jane, { kind: "Role", metadata: { name: "r", namespace: "ns" }, rules: [readSecrets] }), true],
        ["a Role with more than it holds", base([createRoles, { verbs: ["get"], apiGroups: [""], resources: ["secrets"] }]).mayCreateRole(jane, { kind: "Role", metadata: { name: "r", namespace: "ns" }, rules: [readSecrets] }), false],
        ["a Role with more, with `escalate`", base([createRoles, { verbs: ["escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }]).mayCreateRole(jane, { kind: "Role", metadata: { name: "r", namespace: "ns" }, rules: [readSecrets] }), true],
        // policy_comparator.go resourceCoversAll: "*/scale" covers any resource's scale.
        ["`*/scale` covers deployments/scale", uncovered([{ verbs: ["update"], apiGroups: ["apps"], resources: ["*/scale"] }], [{ verbs: ["update"], apiGroups: ["apps"], resources: ["deployments/scale"] }]).length === 0, true],
        ["a named rule does not cover an unnamed one", uncovered([{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }], [readSecrets]).length === 0, false],
    ];
    for (const [name, got, expected] of cases) it(name, () => assert.strictEqual(got, expected));

    it("an aggregation rule takes `*` on everything (clusterrole policybased storage)", () => {
        const holding = (...r: PolicyRule[]) =>
            new Rbac([
                { kind: "ClusterRole", metadata: { name: "held" }, rules: r },
                { kind: "ClusterRoleBinding", metadata: { name: "b" }, roleRef: { kind: "ClusterRole", name: "held" }, subjects: [{ kind: "User", name: "jane" }] },
            ]);
        const createClusterRoles: PolicyRule = { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"] };
        const agg: ClusterRole = { kind: "ClusterRole", metadata: { name: "agg" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] } };
        // No rules of its own to cover, yet refused: it could gather anything.
        assert.strictEqual(holding(createClusterRoles, { verbs: ["get", "list", "watch"], apiGroups: ["*"], resources: ["*"] }).mayCreateRole(oidcUser("jane"), agg), false);
        assert.strictEqual(holding(createClusterRoles).mayCreateRole(oidcUser("jane"), { ...agg, aggregationRule: undefined }), true);
        assert.strictEqual(holding({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }).mayCreateRole(oidcUser("jane"), agg), true);
    });
});
