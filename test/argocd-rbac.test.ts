// Argo CD's authorizer (test/argocd-rbac.ts) against what Argo CD v3.4.4's own tests and docs state: glob objects
// crossing `/`, regex mode unanchored, deny winning, the default role, project policies loaded only for their project,
// and the project checks.
import * as assert from "assert";
import { argoCdSettings, ArgoCdRbac, ArgoCdSettings, AppProject, globMatch, impersonatedAccount, isDestinationPermitted, isGroupKindNamePermitted, pathMatch } from "./argocd-rbac";

const settings = (over: Partial<ArgoCdSettings> = {}): ArgoCdSettings => ({
    policyCsv: "",
    policyDefault: "",
    scopes: ["groups"],
    matchMode: "glob",
    execEnabled: false,
    namespace: "argocd",
    applicationNamespaces: [],
    impersonation: false,
    ...over,
});
const project: AppProject = {
    metadata: { name: "team" },
    spec: {
        destinations: [{ server: "https://kubernetes.default.svc", namespace: "team-*" }],
        namespaceResourceWhitelist: [{ group: "apps", kind: "*" }],
        clusterResourceWhitelist: [],
        roles: [{ name: "dev", groups: ["devs"], policies: ["p, proj:team:dev, applications, *, team/*, allow", "p, proj:team:dev, applications, delete, team/prod, deny"] }],
    },
};

describe("Argo CD authorization (casbin with Argo CD v3.4.4's model and built-in policy)", () => {
    it("globs as gobwas (util/glob) and as filepath.Match (kinds)", () => {
        const cases: [string, string, boolean, boolean][] = [
            // pattern, text, gobwas, filepath
            ["*", "a/b", true, false],
            ["team/*", "team/ns/app", true, false],
            ["a?c", "abc", true, true],
            ["{a,b}c", "bc", true, false],
            ["[!a]x", "bx", true, false],
            ["[^a]x", "bx", false, true],
            ["a[", "a[", false, false],
        ];
        for (const [p, t, g, f] of cases) {
            assert.strictEqual(globMatch(p, t), g, `gobwas ${p} ${t}`);
            assert.strictEqual(pathMatch(p, t), f, `filepath ${p} ${t}`);
        }
    });

    it("built-in roles, groups from the token's scopes, deny wins, the default role", async () => {
        const rbac = new ArgoCdRbac(settings({ policyCsv: "g, admins, role:admin\ng, readers, role:reader\np, role:reader, applications, get, */*, allow\np, role:reader, applications, get, secret/*, deny\np, direct, clusters, get, *, allow" }), new Map());
        assert.ok(await rbac.enforceClaims({ sub: "u", groups: ["admins"] }, "clusters", "create", "https://x"));
        assert.ok(!(await rbac.enforceClaims({ sub: "u", groups: ["others"] }, "clusters", "get", "https://x")));
        assert.ok(await rbac.enforceClaims({ sub: "u", groups: ["readers"] }, "applications", "get", "p/a"));
        assert.ok(!(await rbac.enforceClaims({ sub: "u", groups: ["readers"] }, "applications", "get", "secret/a")));
        // EnforceClaims tries only the groups some `g` line names: a group that is only a `p` subject gets nothing.
        assert.ok(!(await rbac.enforceClaims({ sub: "u", groups: ["direct"] }, "clusters", "get", "https://x")));
        // A claim outside the scopes is not a group.
        assert.ok(!(await rbac.enforceClaims({ sub: "u", roles: ["admins"] }, "clusters", "create", "https://x")));
        const byDefault = new ArgoCdRbac(settings({ policyDefault: "role:readonly" }), new Map());
        assert.ok(await byDefault.enforceClaims({ sub: "u" }, "clusters", "get", "https://x"));
        assert.ok(!(await byDefault.enforceClaims({ sub: "u" }, "clusters", "create", "https://x")));
    });

    it("regex mode matches unanchored (casbin's RegexMatch)", async () => {
        const rbac = new ArgoCdRbac(settings({ matchMode: "regex", policyCsv: "g, devs, role:devs\np, role:devs, applications, get, ^team/.*, allow\np, role:devs, applications, sync, team/, allow" }), new Map());
        assert.ok(await rbac.enforceClaims({ sub: "u", groups: ["devs"] }, "applications", "get", "team/a"));
        assert.ok(!(await rbac.enforceClaims({ sub: "u", groups: ["devs"] }, "applications", "get", "other/team/a")));
        assert.ok(await rbac.enforceClaims({ sub: "u", groups: ["devs"] }, "applications", "sync", "other/team/a"), "no anchors: a match anywhere");
    });

    it("loads a project's roles for requests naming that project only", async () => {
        const rbac = new ArgoCdRbac(settings(), new Map([["team", project]]));
        const devs = { sub: "u", groups: ["devs"] };
        assert.ok(await rbac.enforceClaims(devs, "applications", "sync", "team/a"));
        assert.ok(await rbac.enforceClaims(devs, "applications", "sync", "team/ns/a"));
        assert.ok(await rbac.enforceClaims(devs, "projects", "get", "team"));
        assert.ok(!(await rbac.enforceClaims(devs, "projects", "update", "team")));
        assert.ok(!(await rbac.enforceClaims(devs, "applications", "delete", "team/prod")));
        assert.ok(!(await rbac.enforceClaims(devs, "applications", "get", "other/a")));
    });

    it("project checks: destinations (globs), namespaced kinds (whitelist), cluster kinds (empty whitelist: none)", () => {
        assert.ok(isDestinationPermitted(project, { server: "https://kubernetes.default.svc", namespace: "team-x" }));
        assert.ok(!isDestinationPermitted(project, { server: "https://kubernetes.default.svc", namespace: "kube-system" }));
        assert.ok(!isDestinationPermitted(project, { server: "https://other", namespace: "team-x" }));
        assert.ok(isGroupKindNamePermitted(project, { group: "apps", kind: "Deployment" }, "d", true));
        assert.ok(!isGroupKindNamePermitted(project, { group: "", kind: "Secret" }, "s", true));
        assert.ok(!isGroupKindNamePermitted(project, { group: "", kind: "Namespace" }, "n", false));
        assert.ok(isGroupKindNamePermitted({ metadata: { name: "p" }, spec: {} }, { group: "", kind: "Secret" }, "s", true), "no whitelist: every namespaced kind");
    });

    it("impersonation (controller/sync.go deriveServiceAccountToImpersonate): the first entry matching server and namespace; a bare name is in the destination's namespace; no match or a forbidden character fails", () => {
        const server = "https://kubernetes.default.svc";
        const p = (accounts: { server: string; namespace?: string; defaultServiceAccount: string }[]): AppProject => ({ metadata: { name: "p" }, spec: { destinationServiceAccounts: accounts } });
        const cases: [AppProject, string, { namespace: string; name: string } | undefined][] = [
            [p([{ server, namespace: "team-a", defaultServiceAccount: "ci" }]), "team-a", { namespace: "team-a", name: "ci" }],
            [p([{ server, namespace: "team-a", defaultServiceAccount: "ci" }]), "kube-system", undefined],
            [p([{ server, namespace: "team-*", defaultServiceAccount: "ci" }]), "team-b", { namespace: "team-b", name: "ci" }],
            [p([{ server, namespace: "*", defaultServiceAccount: "argocd:deployer" }, { server, namespace: "team-a", defaultServiceAccount: "ci" }]), "team-a", { namespace: "argocd", name: "deployer" }],
            [p([{ server: "https://other", namespace: "*", defaultServiceAccount: "ci" }]), "team-a", undefined],
            [p([{ server, namespace: "*", defaultServiceAccount: "c*" }]), "team-a", undefined],
            [p([]), "team-a", undefined],
        ];
        for (const [project, namespace, want] of cases) assert.deepStrictEqual(impersonatedAccount(project, { server, namespace }), want, JSON.stringify([project.spec, namespace]));
        // argocd-cm holds strings: only "true" turns it on.
        assert.deepStrictEqual([true, "true", false, undefined].map((v) => argoCdSettings({ configs: { cm: { "application.sync.impersonation.enabled": v } } }, "argocd").impersonation), [true, true, false, false]);
    });
});
