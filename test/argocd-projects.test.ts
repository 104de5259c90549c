import * as assert from "assert";
import { appProjectSpec } from "../components/delivery/app-projects";
import { argocdProjectRolesPolicy, groupNameError, projectPolicyError, projectRoleErrors } from "../policy/rules/argocd-projects";
import { checkPolicies } from "../plan/policy-runner";
import type { PlannedResource } from "../plan/engine";

describe("policy: AppProject roles pass Argo CD's own validation (v3.4.4 validatePolicy)", () => {
    const refused: [string, string][] = [
        ["p, proj:t:members, projects, get, t, allow", "invalid policy rule 'p, proj:t:members, projects, get, t, allow': project resource must be: 'applications', 'applicationsets', 'repositories', 'exec', 'logs' or 'clusters', not 'projects'"],
        ["p, proj:t:members, applications, get, t/*", "invalid policy rule 'p, proj:t:members, applications, get, t/*': must be of the form: 'p, sub, res, act, obj, eft'"],
        ["g, proj:t:members, applications, get, t/*, allow", "invalid policy rule 'g, proj:t:members, applications, get, t/*, allow': must be of the form: 'p, sub, res, act, obj, eft'"],
        ["p, proj:other:members, applications, get, t/*, allow", "invalid policy rule 'p, proj:other:members, applications, get, t/*, allow': policy subject must be: 'proj:t:members', not 'proj:other:members'"],
        ["p, proj:t:members, applications, read, t/*, allow", "invalid policy rule 'p, proj:t:members, applications, read, t/*, allow': invalid action 'read'"],
        ["p, proj:t:members, applications, get, other/*, allow", "invalid policy rule 'p, proj:t:members, applications, get, other/*, allow': object must be of form 't/*', 't[/<NAMESPACE>]/<APPNAME>' or 't/<APPNAME>', not 'other/*'"],
        ["p, proj:t:members, applications, get, t, allow", "invalid policy rule 'p, proj:t:members, applications, get, t, allow': object must be of form 't/*', 't[/<NAMESPACE>]/<APPNAME>' or 't/<APPNAME>', not 't'"],
        ["p, proj:t:members, applications, get, t/*, permit", "invalid policy rule 'p, proj:t:members, applications, get, t/*, permit': effect must be: 'allow' or 'deny'"],
    ];
    for (const [policy, message] of refused) it(`refuses ${policy}`, () => assert.strictEqual(projectPolicyError("t", "members", policy), message));

    const accepted = [
        "p, proj:t:members, applications, *, t/*, allow",
        "p, proj:t:members, applicationsets, get, t/*, allow",
        "p, proj:t:members, logs, get, t/ns/app, allow",
        "p, proj:t:members, applications, action/apps/Deployment/restart, t/app.v1, deny",
        "p, proj:t:members, exec, create, t/*, allow",
    ];
    for (const policy of accepted) it(`accepts ${policy}`, () => assert.strictEqual(projectPolicyError("t", "members", policy), undefined));

    it("group names: quoted when they hold a comma, no quotes or tabs inside, not empty", () => {
        assert.strictEqual(groupNameError("tenant-a"), undefined);
        assert.strictEqual(groupNameError('"a,b"'), undefined);
        assert.strictEqual(groupNameError("a,b"), "group 'a,b' must be quoted");
        assert.strictEqual(groupNameError("  "), "group '' is empty");
        assert.strictEqual(groupNameError('a"b'), "group 'a\"b' contains invalid characters");
        assert.strictEqual(groupNameError(" ab"), "group 'ab' contains a leading space");
    });

    it("roles: names, duplicates", () => {
        assert.deepStrictEqual(projectRoleErrors("t", [{ name: "-x", policies: [] }, { name: "a", groups: ["g", "g"] }, { name: "a" }]), [
            "invalid role name '-x'. Must consist of alphanumeric characters, '-' or '_', and must start and end with an alphanumeric character",
            "group 'g' already exists for role 'a'",
            "role 'a' already exists",
        ]);
    });

    it("the tenant project the platform writes passes, and the rule reports each refused line on the AppProject", async () => {
        const spec = appProjectSpec({ name: "team-a", gitops: { sourceRepos: ["https://github.com/acme/a.git"] } } as Parameters<typeof appProjectSpec>[0], { namespace: "argocd", ssoGroup: "tenant-team-a" });
        assert.deepStrictEqual(spec.spec.roles[0].policies, ["p, proj:team-a:members, applications, *, team-a/*, allow", "p, proj:team-a:members, logs, get, team-a/*, allow"]);
        assert.deepStrictEqual(projectRoleErrors("team-a", spec.spec.roles), []);
        const withProjects = { ...spec, spec: { ...spec.spec, roles: [{ ...spec.spec.roles[0], policies: [...spec.spec.roles[0].policies, "p, proj:team-a:members, projects, get, team-a, allow"] }] } };
        const resource = (inputs: object): PlannedResource => {
            const urn = "urn:pulumi:t::p::kubernetes:argoproj.io/v1alpha1:AppProject::team-a";
            return { urn, key: urn, type: "kubernetes:argoproj.io/v1alpha1:AppProject", name: "team-a", custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs: inputs as Record<string, unknown>, secretPaths: [] };
        };
        assert.deepStrictEqual(await checkPolicies({ resources: [resource(spec)] }, [argocdProjectRolesPolicy]), []);
        const violations = await checkPolicies({ resources: [resource(withProjects)] }, [argocdProjectRolesPolicy]);
        assert.deepStrictEqual(violations.map((v) => v.message), [
            "AppProject team-a: invalid policy rule 'p, proj:team-a:members, projects, get, team-a, allow': project resource must be: 'applications', 'applicationsets', 'repositories', 'exec', 'logs' or 'clusters', not 'projects'",
        ]);
    });
});
