// The attack catalogue (tenant-attacks.ts) on the plan of every stack file: each attack refused for every tenant and
// every identity it is tried as, and let through once its guards are removed; what tenants need still allowed; every
// pinned chart's aggregating RBAC transcribed, or listed as a gap.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR, Plan, PlannedResource, planContractStack, secretInputs, stackOutputValues } from "../plan/engine";
import { readerPermissions } from "../deployments/deployments";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { TENANT_ROLES } from "../components/tenants/tenant-objects";
import { TENANT_DEPLOYABLE_KINDS } from "../components/delivery/app-projects";
import { committedPlan, stacksWithTenants } from "./plans";
import { EXAMPLE_STACKS } from "../plan/new-stack";
import { aggregatedRbacFixture, clusterState, ClusterState, isProjectChart, releasesOf, storeServes } from "./cluster-state";
import { adminPasswords, attackPod, ATTACKS, AttackState, buildsOnSharedBuilder, Certificate, externalDnsPublishes, externalDnsRouteNames, githubAppKey, githubWorkflowCertificate, goRegexpMatch, goWildcardMatch, Guard, GUARDS, keylessMatches, kmsAllows, kyvernoAdmitsPod, kyvernoAdmitsRoute, kyvernoStringPattern, otlpDelivered, PlatformStackView, poolNode, Signature, stackAccount, stackRegion, succeeds, TenantView, usesCrossNamespacePodAffinity, vaultReads, Who } from "./tenant-attacks";
import { workflowSubjectRegExp } from "../components/policy/admission-policies";
import { runsOn, schedulerPlaces } from "./k8s-scheduling";
import { oidcUser, serviceAccountUser, UserInfo } from "./k8s-rbac";
import { jsonCopy } from "./fixture-cache";

/**
 * What a tenant's repository deploys: the project's kinds but those only controllers create, which the project lists so
 * that an application shows them (its ci account only reads them: argocd-endpointslice).
 */
const GENERATED_KINDS = ["ControllerRevision", "EndpointSlice"];
const DEPLOYED_KINDS = TENANT_DEPLOYABLE_KINDS.filter((k) => !GENERATED_KINDS.includes(k.kind));

interface StackTenant extends TenantView {
    readonly identities: Record<Who, UserInfo[]>;
}

/** The tenants of a stack file as its config states them (list and directory), with the identities acting for them. */
function stackTenants(stack: string, plan: Plan, state: ClusterState): StackTenant[] {
    const config = readStackConfig(PROJECT_DIR, stack).config;
    const raw = JSON.parse(config["platform:tenants"] ?? "{}") as { list?: any[]; directory?: string };
    const verifier = JSON.parse(config["platform:appDelivery"] ?? "{}").signatures?.verifier as { type: string; issuer?: string; organizations?: string[] } | undefined;
    const keyless = verifier?.type === "Keyless" ? { issuer: verifier.issuer as string, organization: (verifier.organizations as string[])[0] } : undefined;
    const fromDir = raw.directory
        ? fs
              .readdirSync(path.join(PROJECT_DIR, raw.directory))
              .filter((f) => /\.ya?ml$/.test(f))
              .map((f) => YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, raw.directory as string, f), "utf8")))
        : [];
    const associations = plan.resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => r.inputs as { namespace: string; roleArn: string });
    const serviceAccounts = plan.resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount").map((r) => (r.inputs as any).metadata as { name: string; namespace: string });
    return [...(raw.list ?? []), ...fromDir].map((t) => {
        const namespaces: string[] = t.namespaces ?? [t.name];
        // The runners' account, in the namespace labelled with the tenant (its CI namespace).
        const runner = serviceAccounts.find((sa) => sa.name === "ci-runner" && state.namespaces.get(sa.namespace)?.["platform.io/tenant"] === t.name);
        const others = namespaces.flatMap((ns) => [...new Set(["default", ...serviceAccounts.filter((sa) => sa.namespace === ns && sa.name !== "ci").map((sa) => sa.name)])].map((sa) => serviceAccountUser(ns, sa)));
        const group = `oidc:${t.ssoGroup ?? `tenant-${t.name}`}`;
        const signingKey = plan.resources.some((r) => r.type === "aws:kms/key:Key" && r.name === `tenant-${t.name}-delivery-signing-key`);
        const signingRepositories: string[] = keyless ? (t.ci?.signingRepositories ?? []) : [];
        // Its CI's keyless signature: a workflow of its first signing repository, run from its first signing ref (a
        // trailing * stands for a release tag).
        const ref = String(t.ci?.signingRefs?.[0] ?? "refs/heads/main").replace(/\*$/, "1.0.0");
        const ciSignature: Signature | undefined = signingKey
            ? { key: t.name }
            : keyless && signingRepositories.length > 0
              ? { certificate: githubWorkflowCertificate({ issuer: keyless.issuer, workflowRepository: signingRepositories[0], file: "build.yaml", ref }) }
              : undefined;
        return {
            name: t.name,
            namespaces,
            store: `tenant-${t.dataName ?? t.name}`,
            runnerNamespace: runner?.namespace,
            dataName: t.dataName ?? t.name,
            awsRoles: associations.filter((a) => namespaces.includes(a.namespace) || a.namespace === runner?.namespace).map((a) => String(a.roleArn)),
            runnerRoles: associations.filter((a) => a.namespace === runner?.namespace).map((a) => String(a.roleArn)),
            repository: t.ecrRepository ? `${stackAccount(plan.resources)}.dkr.ecr.${stackRegion(plan.resources)}.amazonaws.com/${t.dataName ?? t.name}/apps` : undefined,
            signingKey,
            ciSignature,
            signingRepositories,
            // Its own signing repository, or one of the organization's its members push to (any member may own one).
            memberWorkflows: keyless ? { repository: signingRepositories[0] ?? `${keyless.organization}/${t.name}-tools`, issuer: keyless.issuer } : undefined,
            hostnames: t.hostnames ?? [],
            identities: {
                member: [oidcUser("oidc:a-team-member", [group])],
                // Owners are in their team's group too (what Argo CD's project role names).
                owner: (t.owners as string[]).map((o) => oidcUser(`oidc:${o}`, [group])),
                ci: namespaces.map((ns) => serviceAccountUser(ns, "ci")),
                "service accounts": others,
            },
        };
    });
}

/** A writable copy of the plan's resources, for a guard's removal. */
const copy = (resources: readonly PlannedResource[]): PlannedResource[] => jsonCopy(resources) as PlannedResource[];
/** The cluster and AWS as the (possibly unguarded) resources leave them, and the platform stack's outputs. */
const attackState = (resources: readonly PlannedResource[], platform: PlatformStackView): AttackState => ({ ...clusterState(resources), resources, platform });
/** A writable copy of the platform stack's outputs, for a guard's removal. */
const copyPlatform = (p: PlatformStackView): PlatformStackView => ({ ...p, outputs: jsonCopy(p.outputs) as Record<string, unknown> });
/** What `pulumi stack export --show-secrets` shows of a planned stack: each resource's inputs (secrets in the clear) and the stack's outputs. */
const exportedState = (plan: Plan) => ({ resources: plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: secretInputs(r) })), outputs: stackOutputValues(plan) });
/** Attacks tried on some stack file (each must be, on one at least). */
const tried = new Set<string>();

const attemptsOf = (attack: (typeof ATTACKS)[number], t: StackTenant, tenants: readonly StackTenant[]) => attack.attempts(t, tenants.filter((o) => o.name !== t.name));

/** Every (tenant, identity) with an attempt that gets through. */
async function breaches(state: AttackState, tenants: readonly StackTenant[], attack: (typeof ATTACKS)[number], who: readonly Who[]) {
    const got: string[] = [];
    let tried = 0;
    for (const t of tenants) {
        const attempts = attemptsOf(attack, t, tenants);
        for (const w of who)
            for (const id of t.identities[w]) {
                tried += attempts.length;
                for (const a of attempts)
                    if (await succeeds(state, id, a)) {
                        got.push(`${t.name} ${w} ${id.name}`);
                        break;
                    }
            }
    }
    return { got, tried };
}

describe("tenant attacks: the stack files they run on", () => {
    it("include the examples a new stack is written from (a stack without tenants has nothing to attack)", () => {
        assert.deepStrictEqual(EXAMPLE_STACKS.filter((s) => !stacksWithTenants().includes(s)), []);
    });
});

for (const stack of stacksWithTenants()) {
    describe(`tenant attacks, stack file ${stack} @stack`, function () {
        this.timeout(120000);
        let plan: Plan;
        let state: AttackState;
        let tenants: StackTenant[];
        let platform: PlatformStackView;
        before(async () => {
            plan = await committedPlan(stack);
            // What `pulumi stack output --show-secrets` shows of the platform stack, and the passwords to look for.
            // The contract stack (contract/) planned on it; its StackReference's state holds the platform's outputs.
            const contract = await planContractStack({ platform: plan });
            const grants = readerPermissions({ organization: "acme", stacks: [{ stack, pushToDeploy: false }], readerTeams: ["app-developers"] });
            assert.strictEqual(grants.length, 1);
            platform = {
                outputs: stackOutputValues(plan),
                adminPasswords: adminPasswords(plan.resources),
                teamReads: String(grants[0].project),
                platformProject: plan.project,
                states: {
                    [plan.project]: exportedState(plan),
                    [contract.project]: { ...exportedState(contract), references: [{ type: "pulumi:pulumi:StackReference", outputs: stackOutputValues(plan) }] },
                },
            };
            state = attackState(plan.resources, platform);
            tenants = stackTenants(stack, plan, state);
        });

        it("has two tenants or more, each with owners, namespaces and a store (the cross-tenant attacks need another)", () => {
            assert.ok(tenants.length >= 2, `${tenants.length} tenants`);
            for (const t of tenants) assert.ok(t.identities.owner.length > 0 && t.namespaces.length > 0 && state.clusterSecretStores.has(t.store), t.name);
        });

        for (const attack of ATTACKS) {
            if (attack.open !== undefined) {
                it(`${attack.id}: still possible (open), as the threat model says`, async function () {
                    if (!tenants.some((t) => t.runnerNamespace)) this.skip();
                    const { got, tried } = await breaches(state, tenants.filter((t) => t.runnerNamespace), attack, attack.getsThroughUnguarded);
                    assert.ok(tried > 0);
                    assert.strictEqual(got.length, tenants.filter((t) => t.runnerNamespace).reduce((n, t) => n + attack.getsThroughUnguarded.reduce((m, w) => m + t.identities[w].length, 0), 0), got.join("\n"));
                });
                continue;
            }
            it(`${attack.id}: refused, ${attack.everyGuardNeeded ? "and let through by removing any one" : "by each"} of ${attack.guards.join(", ")}${attack.everyGuardNeeded ? "" : " alone; without them it gets through"}`, async function () {
                const refused = await breaches(state, tenants, attack, attack.who);
                // Not every attack applies to every stack file (signing keys exist only with TenantKmsKeys); each applies to one at least (below).
                if (refused.tried === 0) this.skip();
                tried.add(attack.id);
                assert.deepStrictEqual(refused.got, [], "got through");
                // The guards this stack has (some are configured per stack file).
                const guards = attack.guards.filter((g) => (GUARDS[g] as Guard).present?.(plan.resources) ?? true);
                assert.ok(guards.length > 0, "no guard in this stack");

                // Every tenant with something to try, and each identity that could get through.
                const expected = tenants.filter((t) => attemptsOf(attack, t, tenants).length > 0).flatMap((t) => attack.getsThroughUnguarded.flatMap((w) => t.identities[w].map((id) => `${t.name} ${w} ${id.name}`)));
                assert.ok(expected.length > 0);
                const without = async (removed: readonly (keyof typeof GUARDS)[]) => {
                    const resources = copy(plan.resources);
                    const outputs = copyPlatform(platform);
                    for (const g of removed) GUARDS[g].remove(resources, outputs);
                    return (await breaches(attackState(resources, outputs), tenants, attack, attack.getsThroughUnguarded)).got;
                };

                if (attack.everyGuardNeeded) {
                    // Each guard closes its own way in: removing it alone opens it.
                    for (const g of guards) assert.deepStrictEqual(await without([g]), expected, `without ${g} alone it should get through`);
                    return;
                }
                // Each guard alone holds: the attack is refused with every other guard removed.
                if (guards.length > 1)
                    for (const kept of guards) {
                        const alone = copy(plan.resources);
                        const outputs = copyPlatform(platform);
                        for (const g of guards) if (g !== kept) GUARDS[g].remove(alone, outputs);
                        assert.deepStrictEqual((await breaches(attackState(alone, outputs), tenants, attack, attack.who)).got, [], `${kept} alone should refuse it`);
                    }
                assert.deepStrictEqual(await without(guards), expected, "the guards' removal should let every one of them through");
            });
        }

        // What docs/tenants.md promises tenants, still allowed: their workloads and routes, secrets from their own store,
        // debugging their pods, owners delegating the tenant roles, CI deploying.
        const MEMBER_CREATES: readonly [string, string][] = [
            ["", "configmaps"],
            ["", "secrets"],
            ["", "services"],
            ["", "serviceaccounts"],
            ["", "persistentvolumeclaims"],
            ["", "pods"],
            ["apps", "deployments"],
            ["apps", "statefulsets"],
            ["batch", "jobs"],
            ["batch", "cronjobs"],
            ["autoscaling", "horizontalpodautoscalers"],
            ["policy", "poddisruptionbudgets"],
            ["gateway.networking.k8s.io", "httproutes"],
            ["gateway.networking.k8s.io", "grpcroutes"],
            ["external-secrets.io", "externalsecrets"],
        ];
        it("still lets members deploy, publish, read their store and debug their pods in each of their namespaces", () => {
            const refused: string[] = [];
            for (const t of tenants)
                for (const ns of t.namespaces) {
                    const [member] = t.identities.member;
                    const check = (what: string, ok: boolean) => ok || refused.push(`${t.name} ${ns}: ${what}`);
                    for (const [group, resource] of MEMBER_CREATES) for (const verb of ["create", "update", "delete"]) check(`${verb} ${resource}`, state.rbac.allows(member, { verb, group, resource, namespace: ns }));
                    for (const sub of ["exec", "portforward", "attach"]) check(`pods/${sub}`, state.rbac.allows(member, { verb: "create", group: "", resource: "pods", subresource: sub, namespace: ns, name: "p" }));
                    check("pods/log", state.rbac.allows(member, { verb: "get", group: "", resource: "pods", subresource: "log", namespace: ns, name: "p" }));
                    check("scale deployments", state.rbac.allows(member, { verb: "patch", group: "apps", resource: "deployments", subresource: "scale", namespace: ns, name: "d" }));
                    for (const r of ["resourcequotas", "limitranges", "events"]) check(`list ${r}`, state.rbac.allows(member, { verb: "list", group: "", resource: r, namespace: ns }));
                    check("list networkpolicies", state.rbac.allows(member, { verb: "list", group: "networking.k8s.io", resource: "networkpolicies", namespace: ns }));
                    if (t.runnerNamespace) {
                        const [member] = t.identities.member;
                        for (const sub of [undefined, "log"]) check(`pods${sub ? `/${sub}` : ""} of its runners`, state.rbac.allows(member, { verb: "get", group: "", resource: "pods", subresource: sub, namespace: t.runnerNamespace, name: "runner" }));
                    }
                    const store = state.clusterSecretStores.get(t.store);
                    check("its own store", store !== undefined && storeServes(store, ns, state.namespaces.get(ns) ?? {}));
                }
            assert.ok(tenants.length > 0);
            assert.deepStrictEqual(refused, []);
        });

        it("still lets each tenant's stores read its secrets: members' its own prefix, its CI namespace's the runners' GitHub App key", () => {
            const refused: string[] = [];
            for (const t of tenants) {
                for (const ns of t.namespaces) if (!vaultReads(plan.resources, t.store, ns, `tenants/${t.dataName}/app/database`)) refused.push(`${t.name} ${ns}: tenants/${t.dataName}/app/database`);
                if (t.runnerNamespace) {
                    // What the runners' ExternalSecret names (its store and key), as the plan holds it.
                    const appSecret = plan.resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && (r.inputs as any).metadata.namespace === t.runnerNamespace)?.inputs as any;
                    assert.ok(appSecret, `${t.name}: no ExternalSecret in ${t.runnerNamespace}`);
                    const [store, key] = [appSecret.spec.secretStoreRef.name, appSecret.spec.data[0].remoteRef.key];
                    assert.strictEqual(key, githubAppKey(t));
                    if (!vaultReads(plan.resources, store, t.runnerNamespace, key)) refused.push(`${t.name} ${t.runnerNamespace}: ${key} through ${store}`);
                }
            }
            assert.ok(tenants.some((t) => t.runnerNamespace), "no tenant with CI");
            assert.deepStrictEqual(refused, []);
        });

        it("gives every CI tenant an image signature rule of its own (validation requires its signing configuration; none is skipped)", () => {
            const rules = plan.resources
                .filter((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && String((r.inputs as any).metadata?.name).startsWith("tenant-verify-image-signatures"))
                .flatMap((r) => ((r.inputs as any).spec.rules as any[]).map((rule) => rule.name as string));
            const ci = tenants.filter((t) => t.runnerNamespace);
            assert.ok(ci.length > 0, "no CI tenant");
            for (const t of ci) assert.ok(rules.includes(`signed-${t.name}`), `${t.name}: no signature rule (${rules.join(", ")})`);
        });

        it("still runs the node agents (Alloy's pod logs, node-exporter) on the builders' nodes, by their exact toleration", () => {
            // A builders' node as Karpenter launches it (with the kubelet's own OS label).
            const builders = poolNode(plan.resources, "builders");
            const node = { ...builders, labels: { ...builders.labels, "kubernetes.io/os": "linux" } };
            const release = (chart: string, namespaceOf = (r: PlannedResource) => String((r.inputs as any).namespace)) =>
                plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String((r.inputs as any).chart).split("/").pop() === chart).map((r) => ({ values: (r.inputs as any).values, namespace: namespaceOf(r) }));
            const agents = release("alloy").filter((r) => r.values.controller.type === "daemonset");
            const exporters = release("kube-prometheus-stack");
            assert.strictEqual(agents.length, 1);
            assert.strictEqual(exporters.length, 1);
            // What the charts put on the DaemonSets' pods: alloy's controller.nodeSelector/tolerations; node-exporter's
            // subchart default nodeSelector (kubernetes.io/os: linux) and the tolerations the values give.
            const pods = [
                { namespace: agents[0].namespace, labels: {}, spec: { nodeSelector: agents[0].values.controller.nodeSelector, tolerations: agents[0].values.controller.tolerations } },
                { namespace: exporters[0].namespace, labels: {}, spec: { nodeSelector: { "kubernetes.io/os": "linux" }, tolerations: exporters[0].values["prometheus-node-exporter"].tolerations } },
            ];
            for (const pod of pods) assert.ok(schedulerPlaces(pod, node, { namespaces: state.namespaces, podsOn: () => [] }), JSON.stringify(pod.spec));
            // Exactly the builders' taint (and Alloy the System nodes', where the platform's pods log): no toleration without
            // a key (which would tolerate every taint there is) but node-exporter's chart NoSchedule one.
            for (const pod of pods) for (const t of pod.spec.tolerations as any[]) assert.ok(t.key === "platform.io/builder" || t.key === "CriticalAddonsOnly" || (t.effect === "NoSchedule" && t.key === undefined), JSON.stringify(t));
        });

        it("still takes each tenant's telemetry, attributed to the namespace and pod it comes from; a host's is marked unattributed", () => {
            const wrong: string[] = [];
            let pipelines = 0;
            for (const t of tenants)
                for (const ns of t.namespaces)
                    for (const [pipeline, r] of Object.entries(otlpDelivered(state, ns, { resource: { "service.name": "checkout" }, record: {} }))) {
                        pipelines++;
                        const got = r && [r.resource["k8s.namespace.name"], r.resource["service.namespace"], r.resource["k8s.pod.name"], r.resource["service.name"]];
                        if (JSON.stringify(got) !== JSON.stringify([ns, ns, "sender", "checkout"])) wrong.push(`${ns} ${pipeline}: ${JSON.stringify(got)}`);
                    }
            assert.ok(pipelines >= 3 * tenants.length, `${pipelines} pipelines tried`);
            const host = Object.values(otlpDelivered(state, "-", { resource: { "k8s.namespace.name": "vault" }, record: {} }, true));
            assert.ok(host.length >= 3);
            for (const r of host) assert.deepStrictEqual([r?.resource["k8s.namespace.name"], r?.resource["service.namespace"]], ["(unattributed)", "(unattributed)"]);
            assert.deepStrictEqual(wrong, []);
        });

        it("still lets each tenant run its own image, signed by its own CI, and the caches' images", async () => {
            const withRepository = tenants.filter((t) => t.repository);
            assert.ok(withRepository.length > 0);
            const refused: string[] = [];
            for (const t of withRepository) {
                // Each tenant with a repository signs: with its key, or keylessly from its own repository's workflow.
                assert.ok(t.ciSignature, `${t.name} signs its images`);
                for (const ns of t.namespaces) {
                    const cache = `${t.repository!.split("/")[0]}/quay/org/image:1.0.0`;
                    for (const image of [`${t.repository}:1.0.0`, `${t.repository}@sha256:${"a".repeat(64)}`, cache])
                        if (!(await succeeds(state, t.identities.member[0], { pod: { namespace: ns, image, signatures: [t.ciSignature!] } }))) refused.push(`${t.name} ${ns} ${image}`);
                }
            }
            assert.deepStrictEqual(refused, []);
        });

        it("still lets each tenant's CI sign with its own key, and the admission controller read every key", function () {
            const keyed = tenants.filter((t) => t.signingKey);
            if (keyed.length === 0) this.skip();
            for (const t of keyed) {
                if (t.runnerNamespace) assert.ok(kmsAllows(plan.resources, `tenant-${t.name}-delivery-runner-role`, "kms:Sign", `tenant-${t.name}-delivery-signing-key`), `${t.name} signs`);
                for (const action of ["kms:GetPublicKey", "kms:DescribeKey"]) assert.ok(kmsAllows(plan.resources, "platform-policy-signature-reader-role", action, `tenant-${t.name}-delivery-signing-key`), `${action} on ${t.name}'s key`);
            }
            assert.ok(keyed.some((t) => t.runnerNamespace), "a tenant with runners and a key");
        });

        it("still lets owners bind the tenant roles to their team's users, and CI deploy", () => {
            const refused: string[] = [];
            for (const t of tenants)
                for (const ns of t.namespaces) {
                    for (const role of [TENANT_ROLES.member, TENANT_ROLES.owner, TENANT_ROLES.deployer])
                        for (const owner of t.identities.owner) {
                            const binding = { kind: "RoleBinding" as const, metadata: { name: "team", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role }, subjects: [{ kind: "User", name: "oidc:new-colleague" }] };
                            if (!state.rbac.mayCreateBinding(owner, binding)) refused.push(`${t.name} ${ns}: ${owner.name} binds ${role}`);
                        }
                    const ci = serviceAccountUser(ns, "ci");
                    for (const [group, resource] of [["apps", "deployments"], ["", "services"], ["gateway.networking.k8s.io", "httproutes"], ["external-secrets.io", "externalsecrets"]])
                        if (!state.rbac.allows(ci, { verb: "patch", group, resource, namespace: ns, name: "x" })) refused.push(`${t.name} ${ns}: ci patches ${resource}`);
                    // Pipelines deploy; they do not open shells in pods.
                    if (state.rbac.allows(ci, { verb: "create", group: "", resource: "pods", subresource: "exec", namespace: ns, name: "p" })) refused.push(`${t.name} ${ns}: ci may exec`);
                }
            assert.ok(tenants.length > 0);
            assert.deepStrictEqual(refused, []);
        });
        it("still lets members and owners use Argo CD for their own project: its applications, their logs, every kind a repository deploys in each namespace (synced as its ci account)", async () => {
            const refused: string[] = [];
            for (const t of tenants)
                for (const id of [...t.identities.member, ...t.identities.owner]) {
                    const tryIt = async (what: string, a: Parameters<typeof succeeds>[2]) => (await succeeds(state, id, a)) || refused.push(`${t.name} ${id.name}: ${what}`);
                    for (const action of ["get", "create", "update", "sync", "delete"]) await tryIt(`${action} its application`, { argocd: { resource: "applications", action, object: `${t.name}/${t.name}` } });
                    await tryIt("its project", { argocd: { resource: "projects", action: "get", object: t.name } });
                    await tryIt("its logs", { argocd: { resource: "logs", action: "get", object: `${t.name}/${t.name}` } });
                    for (const ns of t.namespaces)
                        for (const k of DEPLOYED_KINDS)
                            await tryIt(`a ${k.kind} in ${ns}`, { argocdApp: { project: t.name, destination: { server: "https://kubernetes.default.svc", namespace: ns }, resource: { ...k, name: "web" } } });
                }
            assert.ok(tenants.length > 0);
            assert.deepStrictEqual(refused, []);
        });

        it("still lets each job build on its own builder, on a builders' node of its own", function () {
            const withRunners = tenants.filter((t) => t.runnerNamespace);
            if (withRunners.length === 0) this.skip();
            for (const t of withRunners) {
                const runners = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).namespace === t.runnerNamespace && String((r.inputs as any).chart).endsWith("/gha-runner-scale-set"))!;
                const template = (runners.inputs as any).values.template;
                // buildctl dials BUILDKIT_HOST: the loopback address its own sidecar's buildkitd listens on.
                assert.strictEqual(buildsOnSharedBuilder(template.spec), false, t.name);
                assert.strictEqual(template.spec.containers.find((c: any) => c.name === "runner").env.find((e: any) => e.name === "BUILDKIT_HOST").value, "tcp://127.0.0.1:1234", t.name);
                const pod = { namespace: t.runnerNamespace!, labels: template.metadata.labels, spec: template.spec };
                assert.ok(schedulerPlaces(pod, poolNode(plan.resources, "builders"), { namespaces: state.namespaces, podsOn: () => [] }), `${t.name}: on an empty builders' node`);
            }
        });

        it("still lets tenants run pods that leave scheduling to the platform, on the default pool's nodes", () => {
            const refused: string[] = [];
            for (const t of tenants)
                for (const ns of t.namespaces) {
                    const pod = attackPod(plan.resources, ns, {});
                    const admitted = kyvernoAdmitsPod(plan.resources, state.namespaces.get(ns) ?? {}, pod);
                    if (!admitted || !runsOn({ namespace: ns, labels: pod.metadata.labels, spec: pod.spec }, poolNode(plan.resources, "default"), { namespaces: state.namespaces, podsOn: () => [] })) refused.push(`${t.name} ${ns}`);
                }
            assert.ok(tenants.length > 0);
            assert.deepStrictEqual(refused, []);
        });

        it("still lets the CI runner push to and pull from its own repository", async function () {
            const withCi = tenants.filter((t) => t.awsRoles.length > 0);
            if (withCi.length === 0) this.skip();
            const refused: string[] = [];
            for (const t of withCi) {
                const repo = `arn:aws:ecr:${state.aws.region}:${state.aws.accountId}:repository/${t.dataName}/apps`;
                for (const action of ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchGetImage"])
                    if (!(await succeeds(state, serviceAccountUser(t.runnerNamespace as string, "ci-runner"), { aws: { actions: [action], resources: () => [{ arn: repo }], workflowRoles: [] } }))) refused.push(`${t.name}: ${action}`);
            }
            assert.deepStrictEqual(refused, []);
        });
    });
}

describe("the attacks' Kyverno string patterns, as Kyverno's pattern package reads them", () => {
    it("takes alternatives, negation and wildcards (a wildcard crosses '/')", () => {
        const p = "!r.io/* | r.io/a/apps:* | r.io/quay/*";
        const table: [string, boolean][] = [
            ["ghcr.io/x/y:1", true],
            ["r.io/a/apps:1.0", true],
            ["r.io/quay/org/img:2", true],
            ["r.io/b/apps:1.0", false],
            ["r.io/a/apps@sha256:ab", false],
        ];
        assert.deepStrictEqual(table.map(([image]) => [image, kyvernoStringPattern(p, image)]), table);
        assert.strictEqual(kyvernoStringPattern("*:* | *@sha256:*", "r.io/a"), false);
        assert.strictEqual(kyvernoStringPattern("!*:latest", "r.io/a:latest"), false);
    });
});

describe("the quota scope CrossNamespacePodAffinity, as Kubernetes' pods.go usesCrossNamespacePodAffinity reads a pod", () => {
    // Cases from KEP-2249 and pkg/quota/v1/evaluator/core/pods_test.go: a namespace list or any selector (even `{}`) counts, the pod's own namespace (neither) does not.
    const term = (extra: object) => ({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "x" } }, ...extra });
    const cases: [string, object | undefined, boolean][] = [
        ["no affinity", undefined, false],
        ["a required anti-affinity term in its own namespace", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({})] } }, false],
        ["a required anti-affinity term with a namespaceSelector", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaceSelector: { matchLabels: { a: "b" } } })] } }, true],
        ["an empty namespaceSelector (every namespace)", { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaceSelector: {} })] } }, true],
        ["a required affinity term with a namespace list", { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaces: ["vault"] })] } }, true],
        ["an empty namespace list", { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaces: [] })] } }, false],
        ["a preferred anti-affinity term with a namespaceSelector", { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term({ namespaceSelector: {} }) }] } }, true],
    ];
    for (const [what, affinity, expected] of cases) it(`${what}: ${expected ? "in" : "out of"} the scope`, () => assert.strictEqual(usesCrossNamespacePodAffinity(affinity as any), expected));
});

describe("keyless signatures: the subjects a tenant's rule admits, by Kyverno's matching", () => {
    const ISSUER = "https://token.actions.githubusercontent.com";
    const subject = (repository: string, ref = "refs/heads/main", file = "build.yaml") => `https://github.com/${repository}/.github/workflows/${file}@${ref}`;

    it("admits the repository's own workflows from its refs, and no look-alike repository, ref or path", () => {
        const main = workflowSubjectRegExp("acme/shop", ["refs/heads/main"]);
        const table: [string, boolean][] = [
            [subject("acme/shop"), true],
            [subject("acme/shop", "refs/heads/main", "release.yml"), true],
            // Look-alike repositories: an unescaped '.' would take acme/shopXevil, an unanchored end acme/shop-evil.
            [subject("acme/shop.evil"), false],
            [subject("acme/shop-evil"), false],
            [subject("acme/shopXevil"), false],
            [subject("acme/shop/../x"), false],
            [subject("evil/acme/shop"), false],
            [`https://github.com.evil.example/acme/shop/.github/workflows/build.yaml@refs/heads/main`, false],
            [`https://evil.example/?https://github.com/acme/shop/.github/workflows/build.yaml@refs/heads/main`, false],
            // Other refs: a branch, a pull request's merge ref, a tag, a branch named to end like main.
            [subject("acme/shop", "refs/heads/feature"), false],
            [subject("acme/shop", "refs/pull/7/merge"), false],
            [subject("acme/shop", "refs/tags/v1.0.0"), false],
            [subject("acme/shop", "refs/heads/main-evil"), false],
            [subject("acme/shop", "refs/heads/x@refs/heads/main"), false],
            [`${subject("acme/shop")}\n`, false],
            // A workflow outside .github/workflows (GitHub runs none there) or a file with an '@'.
            [`https://github.com/acme/shop/.github/workflows/sub/build.yaml@refs/heads/main`, false],
            [`https://github.com/acme/shop/.github/workflows/x@refs/heads/y.yaml@refs/heads/main`, false],
        ];
        assert.deepStrictEqual(table.map(([s]) => [s, goRegexpMatch(main, s)]), table);
        // A dotted name matches itself only, not a name with any character in the dot's place.
        const dotted = workflowSubjectRegExp("acme/shop.evil", ["refs/heads/main"]);
        assert.deepStrictEqual([goRegexpMatch(dotted, subject("acme/shop.evil")), goRegexpMatch(dotted, subject("acme/shopXevil"))], [true, false]);
        // A tag pattern: its trailing * takes any rest, the prefix stays literal.
        const tags = workflowSubjectRegExp("acme/shop", ["refs/heads/main", "refs/tags/v*"]);
        const tagTable: [string, boolean][] = [
            [subject("acme/shop", "refs/tags/v1.2.3"), true],
            [subject("acme/shop"), true],
            [subject("acme/shop", "refs/tags/1.2.3"), false],
            [subject("acme/shop", "refs/heads/v1"), false],
        ];
        assert.deepStrictEqual(tagTable.map(([s]) => [s, goRegexpMatch(tags, s)]), tagTable);
    });

    it("reads subjects and issuers as Kyverno does: a wildcard subject or issuer, an unanchored regexp, either subject form, every extension", () => {
        const cert = (repository: string, runRepository = repository): Certificate => ({ issuer: ISSUER, subjects: [subject(repository)], extensions: { githubWorkflowRepository: runRepository } });
        const table: [string, Record<string, unknown>, Certificate, boolean][] = [
            ["an exact subject", { subject: subject("acme/shop"), issuer: ISSUER }, cert("acme/shop"), true],
            // `subject` is go-wildcard's: '*' crosses '/' and '@', so a subject pattern takes any branch named to end like main.
            ["a wildcard subject", { subject: "https://github.com/acme/shop/.github/workflows/*@refs/heads/main", issuer: ISSUER }, { ...cert("acme/shop"), subjects: [subject("acme/shop", "refs/heads/x@refs/heads/main")] }, true],
            ["'?' takes one character", { subject: "https://github.com/acme/sho?/*", issuer: ISSUER }, cert("acme/shop"), true],
            // Go's MatchString: unanchored, a pattern matches inside the subject.
            ["an unanchored regexp", { subjectRegExp: "github\\.com/acme/", issuer: ISSUER }, cert("evil/github.com/acme/x"), true],
            ["a subject or a regexp: either one suffices", { subject: "https://nowhere.example/*", subjectRegExp: "^https://github\\.com/acme/shop/", issuer: ISSUER }, cert("acme/shop"), true],
            ["another issuer", { subjectRegExp: ".*", issuer: ISSUER }, { ...cert("acme/shop"), issuer: "https://token.actions.githubusercontent.com/acme-enterprise" }, false],
            ["an issuer regexp as well as the issuer", { issuer: ISSUER, issuerRegExp: "^https://gitlab\\.com$" }, cert("acme/shop"), false],
            ["the run's repository", { subjectRegExp: ".*", issuer: ISSUER, additionalExtensions: { githubWorkflowRepository: "acme/shop" } }, cert("acme/shop", "acme/other"), false],
            ["the run's repository, by OID", { subjectRegExp: ".*", issuer: ISSUER, additionalExtensions: { "1.3.6.1.4.1.57264.1.5": "acme/shop" } }, cert("acme/shop"), true],
            ["an extension Kyverno does not know", { subjectRegExp: ".*", issuer: ISSUER, additionalExtensions: { sourceRepositoryURI: "*" } }, cert("acme/shop"), false],
            ["no identity asked", {}, cert("acme/shop"), true],
        ];
        assert.deepStrictEqual(table.map(([what, k, c]) => [what, keylessMatches(k, c)]), table.map(([what, , , ok]) => [what, ok]));
    });

    it("takes go-wildcard's * and ? and nothing else, and refuses to read what RE2 reads otherwise", () => {
        const table: [string, string, boolean][] = [
            ["a*c", "a/b@c", true],
            ["a?c", "abc", true],
            ["a?c", "ac", false],
            ["a.c", "abc", false],
            ["", "", true],
            ["", "a", false],
            ["*", "", true],
        ];
        assert.deepStrictEqual(table.map(([p, n]) => [p, n, goWildcardMatch(p, n)]), table);
        for (const re2Only of ["(?i)acme", "^a(?=b)", "(a)\\1", "\\Aacme\\z", "\\pL", "a\\sb"]) assert.throws(() => goRegexpMatch(re2Only, "acme"), /outside the modelled RE2 subset/, re2Only);
        assert.strictEqual(goRegexpMatch("(?:a|b)c$", "xbc"), true);
    });
});

describe("the names external-dns takes from a route, as v0.21.0 source/gateway.go hosts() reads it", () => {
    const HOST = "external-dns.alpha.kubernetes.io/hostname";
    const SOURCE = "external-dns.alpha.kubernetes.io/gateway-hostname-source";
    const route = (hostnames: string[], annotations: Record<string, string> = {}) => ({ metadata: { name: "r", namespace: "n", annotations }, spec: { hostnames } });
    const cases: [string, ReturnType<typeof route>, string[], string[]][] = [
        ["spec.hostnames alone", route(["a.d.io"]), [], ["a.d.io"]],
        ["no hostnames: the listener's (\"\")", route([]), [], [""]],
        ["plus the annotation's names, spaces dropped", route(["a.d.io"], { [HOST]: "www.d.io, login.d.io" }), [], ["a.d.io", "www.d.io", "login.d.io"]],
        ["the annotation ignored (with a template, unused: the route has hostnames)", route(["a.d.io"], { [HOST]: "www.d.io" }), ["--fqdn-template={{.Name}}.d.io", "--ignore-hostname-annotation"], ["a.d.io"]],
        ["annotation-only", route(["a.d.io"], { [HOST]: "www.d.io", [SOURCE]: "annotation-only" }), [], ["www.d.io"]],
        ["defined-hosts-only", route(["a.d.io"], { [HOST]: "www.d.io", [SOURCE]: "Defined-Hosts-Only" }), [], ["a.d.io"]],
        ["an unknown source value: as without it", route(["a.d.io"], { [HOST]: "www.d.io", [SOURCE]: "both" }), [], ["a.d.io", "www.d.io"]],
    ];
    for (const [what, r, args, expected] of cases) it(what, () => assert.deepStrictEqual(externalDnsRouteNames(r, args), expected));
    it("--ignore-hostname-annotation without --fqdn-template: external-dns does not start", () =>
        assert.throws(() => externalDnsRouteNames(route(["a.d.io"]), ["--ignore-hostname-annotation"]), /FQDN Template must be set/));
});

describe("a tenant route's DNS names and admission, on the dev plan @stack", function () {
    this.timeout(120000);
    let resources: readonly PlannedResource[];
    before(async () => {
        resources = (await committedPlan("dev")).resources;
    });
    const tenantNamespace = () => {
        const ns = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.annotations?.["platform.io/allowed-hostnames"]);
        assert.ok(ns, "a tenant namespace with hostnames");
        const m = (ns.inputs as any).metadata;
        return { namespace: m.name as string, hostname: String(m.annotations["platform.io/allowed-hostnames"]).split(",")[0] };
    };
    it("publishes a route's own hostname through the wildcard listener; refuses it with the annotation, admits it without", () => {
        const { namespace, hostname } = tenantNamespace();
        const route = { kind: "HTTPRoute", metadata: { name: "app", namespace }, spec: { hostnames: [hostname] } };
        assert.ok(kyvernoAdmitsRoute(resources, route));
        assert.deepStrictEqual(externalDnsPublishes(resources, route), [hostname]);
        const other = `www.${hostname.slice(hostname.indexOf(".") + 1)}`;
        const annotated = { ...route, metadata: { ...route.metadata, annotations: { "external-dns.alpha.kubernetes.io/hostname": other } } };
        assert.strictEqual(kyvernoAdmitsRoute(resources, annotated), false);
        assert.deepStrictEqual(externalDnsPublishes(resources, annotated), [hostname, other]);
        // The hostname rule: a name not the namespace's is refused.
        assert.strictEqual(kyvernoAdmitsRoute(resources, { ...route, spec: { hostnames: [other] } }), false);
    });
});

describe("every attack of the catalogue is tried on some stack file @stack", () => {
    it("tried each one (the per-stack suites above ran first)", () => {
        assert.deepStrictEqual(ATTACKS.filter((a) => a.open === undefined && !tried.has(a.id)).map((a) => a.id), []);
    });
});

describe("the threat-model table of docs/tenants.md lists every attack of the catalogue", () => {
    it("has one row per attack, naming its test", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "tenants.md"), "utf8");
        const start = doc.indexOf("### Tenant roles and threat model");
        const end = doc.indexOf("### Onboard a team by pull request");
        assert.ok(start >= 0 && end > start, "the section and the one after it");
        const section = doc.slice(start, end);
        const named = [...section.matchAll(/\| `([a-z-]+)`(?: \(asserts it is still possible\))? \|$/gm)].map((m) => m[1]);
        assert.ok(ATTACKS.length >= 20);
        assert.deepStrictEqual(named, ATTACKS.map((a) => a.id));
    });
});

/**
 * Charts whose aggregating RBAC is not transcribed under test/fixtures/charts/<chart>-<version>/rbac-aggregated.yaml:
 * the attacks above do not see what they would add to edit, admin or view. Empty: every pinned chart is covered.
 */
const RBAC_GAPS: readonly string[] = [];

describe("every pinned chart's aggregating RBAC is transcribed, or listed as a gap @stack", function () {
    this.timeout(120000);
    it("finds a transcription for each release of every stack file's plan, and no stale gap", async () => {
        const charts = new Set<string>();
        for (const stack of listStacks(PROJECT_DIR)) for (const r of releasesOf((await committedPlan(stack)).resources)) if (!isProjectChart(r.chart)) charts.add(`${r.chart.split("/").pop()} ${r.version}`);
        assert.ok(charts.size >= 10, [...charts].join(", "));
        const missing = [...charts].filter((c) => aggregatedRbacFixture({ chart: c.split(" ")[0], version: c.split(" ")[1] }) === undefined).sort();
        assert.deepStrictEqual(missing, [...RBAC_GAPS].sort());
    });
});
