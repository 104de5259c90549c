import * as assert from "assert";
import * as path from "path";
import * as YAML from "yaml";
import { crdProblems, readCrdSchema } from "../plan/crd-contract";
import { PROJECT_DIR } from "../plan/engine";
import { applicationSpec, appProjectSpec, rbacPolicy, TENANT_DEPLOYABLE_KINDS } from "../components/delivery/app-projects";
import { argocdValues, oidcConfig } from "../components/delivery/argocd-values";
import { ecrPushPolicy, runnerLabels, scaleSetValues, signingKeyPolicy, signingPolicy, tenantSigningKeyAlias } from "../components/delivery/ci";
import { replacementRefused, replacingPaths } from "../plan/replacements";
import { lifecyclePolicyText, pullThroughNodePolicy } from "../components/registry/registry";
import { tenantSchema } from "../stacks/schema-tenants";
import { appDeliverySchema } from "../stacks/schema-delivery";
import type { PlannedResource } from "../plan/engine";
import { inputs, named, ofType } from "./helpers";
import { describeStacks, inPlatformStack, waitsFor } from "./plans";

const tenant = (over: Record<string, unknown> = {}) => tenantSchema.parse({ name: "team-b", owners: ["carol"], costCentre: "CC-B", ...over });
const CRDS = path.join(PROJECT_DIR, "test", "fixtures", "crds");
/** The signature ClusterPolicies of a deployed set: the shared one (`tenant-verify-image-signatures`) or each tenant's own (`-<tenant>`). */
const signaturePolicies = (all: PlannedResource[]) =>
    ofType(all, "kubernetes:kyverno.io/v1:ClusterPolicy").filter((r) => /^tenant-verify-image-signatures(-.+)?$/.test(String(inputs(r).metadata?.name)));

describe("delivery: decisions", () => {
    it("gives a tenant's project exactly its namespaces on this cluster, no cluster-scoped kind, and its group only", () => {
        const t = tenant({ namespaces: ["team-b", "team-b-preview"], gitops: { sourceRepos: ["https://github.com/acme/b.git"] } });
        const p = appProjectSpec(t, { namespace: "argocd", ssoGroup: "tenant-team-b" });
        assert.deepStrictEqual(p.spec.destinations, [
            { server: "https://kubernetes.default.svc", namespace: "team-b" },
            { server: "https://kubernetes.default.svc", namespace: "team-b-preview" },
        ]);
        assert.deepStrictEqual([p.spec.sourceRepos, p.spec.clusterResourceWhitelist], [["https://github.com/acme/b.git"], []]);
        // Argo CD acts in each destination as its `ci` account (impersonation), delete hooks included.
        assert.deepStrictEqual(p.spec.destinationServiceAccounts, [
            { server: "https://kubernetes.default.svc", namespace: "team-b", defaultServiceAccount: "ci" },
            { server: "https://kubernetes.default.svc", namespace: "team-b-preview", defaultServiceAccount: "ci" },
        ]);
        // Only what the tenant's own edit role could create: never its quota, policies, RBAC, a Gateway or a PushSecret.
        const kinds = p.spec.namespaceResourceWhitelist.map((k) => k.kind as string);
        assert.ok(kinds.includes("Deployment") && kinds.includes("HTTPRoute") && kinds.includes("ExternalSecret"), kinds.join());
        for (const never of ["ResourceQuota", "LimitRange", "NetworkPolicy", "Role", "RoleBinding", "SecretStore", "Gateway", "PushSecret", "Policy", "DaemonSet"]) assert.ok(!kinds.includes(never), never);
        assert.strictEqual(p.spec.namespaceResourceWhitelist.length, TENANT_DEPLOYABLE_KINDS.length);
        assert.deepStrictEqual(p.spec.roles[0].groups, ["tenant-team-b"]);
        // Every policy line is about this project only.
        assert.ok(p.spec.roles[0].policies.every((line) => line.startsWith("p, proj:team-b:members, ") && line.endsWith(", team-b/*, allow") && !line.includes("applicationsets")));
        // Narrowed destinations win; no sources without gitops.
        assert.deepStrictEqual(appProjectSpec({ ...t, gitops: { ...t.gitops!, destinations: ["team-b-preview"] } }, { namespace: "argocd", ssoGroup: "g" }).spec.destinations.map((d) => d.namespace), ["team-b-preview"]);
        assert.deepStrictEqual(appProjectSpec(tenant(), { namespace: "argocd", ssoGroup: "g" }).spec.sourceRepos, []);
    });

    it("syncs the tenant's application into its first namespace, pruning and self-healing, without a finalizer", () => {
        assert.strictEqual(applicationSpec(tenant(), { namespace: "argocd" }), undefined);
        const app = applicationSpec(tenant({ gitops: { sourceRepos: ["https://github.com/acme/b.git"], application: { repoURL: "https://github.com/acme/b.git", path: "envs/dev" } } }), { namespace: "argocd" })!;
        assert.deepStrictEqual([app.spec.project, app.spec.source, app.spec.destination.namespace], ["team-b", { repoURL: "https://github.com/acme/b.git", path: "envs/dev", targetRevision: "HEAD" }, "team-b"]);
        assert.deepStrictEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true });
        assert.ok(!("finalizers" in app.metadata));
    });

    it("writes Argo CD's global RBAC for the platform groups only, nothing by default", () => {
        assert.deepStrictEqual(rbacPolicy({ admins: "platform-admins", viewers: "platform-viewers" }), {
            "policy.csv": "g, platform-admins, role:admin\ng, platform-viewers, role:readonly",
            "policy.default": "",
            scopes: "[groups]",
        });
    });

    it("logs Argo CD in through Keycloak with PKCE and the groups scope, and no client secret", () => {
        const text = oidcConfig({ issuer: "https://sso.example.org/realms/platform", clientId: "argocd" });
        assert.deepStrictEqual(YAML.parse(text), {
            name: "Keycloak",
            issuer: "https://sso.example.org/realms/platform",
            clientID: "argocd",
            enablePKCEAuthentication: true,
            requestedScopes: ["openid", "profile", "email", "groups"],
        });
    });

    it("labels runner pods with their version from a tag, or a digest's first 12 digits (a label holds at most 63)", () => {
        assert.strictEqual(runnerLabels(["app.kubernetes.io/version"], { tenant: "t", runnerImage: "ghcr.io/actions/actions-runner:2.336.0" })["app.kubernetes.io/version"], "2.336.0");
        const digest = runnerLabels(["app.kubernetes.io/version"], { tenant: "t", runnerImage: `ghcr.io/actions/actions-runner@sha256:${"ab12".repeat(16)}` })["app.kubernetes.io/version"];
        assert.strictEqual(digest, "sha256-ab12ab12ab12");
    });

    it("lets CI sign with its tenant's key only, and pushes without signing rights of its own", () => {
        assert.deepStrictEqual(signingPolicy("arn:aws:kms:eu-west-1:1:key/k").Statement, [{ Sid: "SignImages", Effect: "Allow", Action: ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"], Resource: "arn:aws:kms:eu-west-1:1:key/k" }]);
        assert.strictEqual(ecrPushPolicy("arn:aws:ecr:eu-west-1:1:repository/b/apps").Statement.length, 2);
        const caches = ecrPushPolicy("arn:aws:ecr:eu-west-1:1:repository/b/apps", ["quay"]).Statement[2];
        assert.deepStrictEqual([caches.Sid, caches.Resource], ["PullThroughCaches", ["arn:aws:ecr:eu-west-1:1:repository/quay/*"]]);
        assert.strictEqual(tenantSigningKeyAlias("acme-prod", "team-a"), "alias/acme-prod-team-a-signing");
    });

    it("writes a tenant key's policy: the account administers, its CI alone signs (a Deny), the admission controller reads", () => {
        const doc = signingKeyPolicy({ partition: "aws", accountId: "1", signerRoleArn: "arn:aws:iam::1:role/ci", verifierRoleArn: "arn:aws:iam::1:role/kyverno" });
        assert.deepStrictEqual(doc.Statement.map((s) => [s.Sid, s.Effect, s.Principal, s.Action, s.Condition]), [
            ["AccountAdministration", "Allow", { AWS: "arn:aws:iam::1:root" }, "kms:*", undefined],
            ["OnlyTenantCiSigns", "Deny", { AWS: "*" }, "kms:Sign", { ArnNotEquals: { "aws:PrincipalArn": "arn:aws:iam::1:role/ci" } }],
            ["TenantCiSigns", "Allow", { AWS: "arn:aws:iam::1:role/ci" }, ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"], undefined],
            ["AdmissionVerifies", "Allow", { AWS: "arn:aws:iam::1:role/kyverno" }, ["kms:GetPublicKey", "kms:DescribeKey"], undefined],
        ]);
        // Without CI, nobody signs: the Deny is unconditional.
        const unsigned = signingKeyPolicy({ partition: "aws", accountId: "1", verifierRoleArn: "arn:aws:iam::1:role/kyverno" });
        assert.deepStrictEqual(unsigned.Statement.map((s) => [s.Sid, s.Condition]), [["AccountAdministration", undefined], ["OnlyTenantCiSigns", undefined], ["AdmissionVerifies", undefined]]);
    });

    it("refuses, in the plan diff, a change of a repository's encryption (it would replace the repository and its images)", () => {
        assert.deepStrictEqual(replacingPaths("aws:ecr/repository:Repository", ["inputs.encryptionConfigurations[0].encryptionType", "inputs.tags.team"]), ["inputs.encryptionConfigurations[0].encryptionType"]);
        assert.strictEqual(replacementRefused({ type: "aws:ecr/repository:Repository", protect: false }), true);
    });

    it("pushes from CI to the tenant's repository only (the registry token is account-wide by AWS's design)", () => {
        const doc = ecrPushPolicy("arn:aws:ecr:eu-west-1:111111111111:repository/team-b/apps");
        assert.deepStrictEqual(doc.Statement.map((s) => [s.Action, s.Resource]), [
            ["ecr:GetAuthorizationToken", "*"],
            [
                ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"],
                "arn:aws:ecr:eu-west-1:111111111111:repository/team-b/apps",
            ],
        ]);
    });

    it("expires untagged images first and keeps the newest N (the any-status rule last, as ECR requires)", () => {
        const rules = JSON.parse(lifecyclePolicyText({ untaggedExpireDays: 7, keepImages: 50 })).rules;
        assert.deepStrictEqual(
            rules.map((r: any) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber]),
            [
                [1, "untagged", "sinceImagePushed", 7],
                [2, "any", "imageCountMoreThan", 50],
            ],
        );
    });

    it("lets nodes import images through the caches' prefixes only", () => {
        const doc = pullThroughNodePolicy({ partition: "aws", region: "eu-west-1", accountId: "111111111111", prefixes: ["quay", "k8s"] });
        assert.deepStrictEqual(doc.Statement[0].Resource, ["arn:aws:ecr:eu-west-1:111111111111:repository/quay/*", "arn:aws:ecr:eu-west-1:111111111111:repository/k8s/*"]);
        assert.deepStrictEqual(doc.Statement[0].Action, ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]);
    });

    it("runs the tenant's runners restricted, as the runner user, on the builders' pool, zero when idle by default", () => {
        const v = scaleSetValues({
            tenant: tenant({ ci: { enabled: true, githubConfigUrl: "https://github.com/acme", githubApp: { appId: 1, installationId: 2 } } }),
            environment: "qa",
            runnerImage: "ghcr.io/actions/actions-runner:2.336.0",
            builder: { image: "moby/buildkit:v0.32.2-rootless", requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" }, cacheSize: "20Gi" },
            controller: { serviceAccount: "arc-gha-rs-controller", namespace: "arc-systems" },
            requiredLabels: ["app.kubernetes.io/name", "app.kubernetes.io/version", "acme.example/team"],
        });
        assert.deepStrictEqual([v.minRunners, v.maxRunners, v.runnerScaleSetName, v.githubConfigSecret], [0, 5, "team-b-qa", "github-app"]);
        // Every label the admission policy requires, so its pods are admitted.
        assert.deepStrictEqual(v.template.metadata.labels, { "app.kubernetes.io/name": "ci-runner", "app.kubernetes.io/version": "2.336.0", "acme.example/team": "team-b" });
        const c = v.template.spec.containers[0];
        assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: false });
        assert.deepStrictEqual(v.template.spec.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.deepStrictEqual(v.template.spec.nodeSelector, { "karpenter.sh/nodepool": "builders" });
        // buildctl reaches the job's own builder on the pod's loopback.
        assert.deepStrictEqual(c.env, [{ name: "BUILDKIT_HOST", value: "tcp://127.0.0.1:1234" }]);
    });

    it("writes AppProjects and Applications the Argo CD v3.4.4 CRDs accept", () => {
        const project = readCrdSchema(path.join(CRDS, "argo-cd-v3.4.4", "appproject-crd.yaml"), "v1alpha1");
        const application = readCrdSchema(path.join(CRDS, "argo-cd-v3.4.4", "application-crd.yaml"), "v1alpha1");
        const t = tenant({ gitops: { sourceRepos: ["https://github.com/acme/b.git"], application: { repoURL: "https://github.com/acme/b.git" } } });
        assert.deepStrictEqual(crdProblems(project, { spec: appProjectSpec(t, { namespace: "argocd", ssoGroup: "g" }).spec }), []);
        assert.deepStrictEqual(crdProblems(application, { spec: applicationSpec(t, { namespace: "argocd" })!.spec }), []);
        // The check can fail: a misspelt field.
        assert.deepStrictEqual(crdProblems(project, { spec: { clusterResourceWhitelists: [] } }), ["spec.clusterResourceWhitelists: unknown field (the API server would prune it)"]);
    });
});

const ARGO = { chartVersion: "10.1.1", controllerReplicas: 2, serverReplicas: 3, repoServerReplicas: 3, applicationSetReplicas: 2, redisHa: true, zoneSpread: "DoNotSchedule", localAdmin: false };

describe("delivery: Argo CD's values", () => {
    it("spreads every component over zones with a budget when it has replicas, and uses Redis HA instead of one Redis", () => {
        const settings = appDeliverySchema.shape.argocd.parse(ARGO);
        const v = argocdValues({ settings, host: "argocd.example.org", oidc: { issuer: "https://sso.example.org/realms/platform", clientId: "argocd" }, groups: { admins: "a", viewers: "v" } });
        assert.deepStrictEqual([v.controller.replicas, v.server.replicas, v.repoServer.replicas, v.applicationSet.replicas], [2, 3, 3, 2]);
        assert.deepStrictEqual([v.server.pdb, v.server.topologySpreadConstraints[0].whenUnsatisfiable], [{ enabled: true, minAvailable: 1 }, "DoNotSchedule"]);
        assert.deepStrictEqual(v.server.topologySpreadConstraints[0].labelSelector.matchLabels, { "app.kubernetes.io/name": "argocd-server", "app.kubernetes.io/instance": "argocd" });
        assert.deepStrictEqual([v.redis.enabled, v["redis-ha"].enabled, v.controller.dynamicClusterDistribution], [false, true, true]);
        assert.deepStrictEqual([v.configs.cm["admin.enabled"], v.configs.cm["users.anonymous.enabled"], v.dex.enabled, v.crds.keep], [false, false, false, true]);
        const single = argocdValues({ settings: appDeliverySchema.shape.argocd.parse({ chartVersion: "10.1.1" }), host: "h", oidc: { issuer: "i", clientId: "c" }, groups: { admins: "a", viewers: "v" } });
        assert.deepStrictEqual([single.server.pdb.enabled, single.redis.enabled, single["redis-ha"].enabled, single.configs.cm["admin.enabled"]], [false, true, false, true]);
    });
});

describeStacks((stack) => `delivery in stack ${stack}`, "platform-delivery", ({ production, plan, res, set }) => {
    const all = () => plan().resources;
    const account = production ? "222222222222" : "111111111111";

    it("installs Argo CD pinned, on SSO, HA in production, with the platform groups' RBAC, published on argocd.<domain>", () => {
        const release = named(res(), "platform-delivery-argocd");
        const v = inputs(release).values;
        assert.deepStrictEqual([inputs(release).chart, inputs(release).version, inputs(release).namespace], ["argo-cd", "10.1.1", "argocd"]);
        assert.deepStrictEqual([v.server.replicas, v.repoServer.replicas, v["redis-ha"].enabled, v.configs.cm["admin.enabled"]], production ? [3, 3, true, false] : [1, 1, false, true]);
        const oidc = YAML.parse(v.configs.cm["oidc.config"]);
        const domain = production ? "platform.acme.example" : "dev.platform.acme.example";
        assert.deepStrictEqual([oidc.issuer, oidc.clientID, oidc.clientSecret], [`https://sso.${domain}/realms/platform`, "argocd", undefined]);
        assert.strictEqual(v.configs.rbac["policy.csv"], "g, platform-admins, role:admin\ng, platform-viewers, role:readonly");
        const route = named(all(), "argocd-argocd-route");
        assert.deepStrictEqual(inputs(route).spec.hostnames, [`argocd.${domain}`]);
        assert.ok(route.dependsOn.includes(release.urn));
        // The SSO client the values name exists, public with PKCE.
        const client = inputs(named(all(), "platform-sso-realm-client-argocd"));
        assert.deepStrictEqual([client.clientId, client.accessType, client.pkceCodeChallengeMethod], ["argocd", "PUBLIC", "S256"]);
    });

    it("creates one AppProject per tenant with exactly its destinations, after Argo CD, and an Application where asked", () => {
        const projects = ofType(res(), "kubernetes:argoproj.io/v1alpha1:AppProject");
        assert.deepStrictEqual(projects.map((p) => inputs(p).metadata.name).sort(), ["payments", "team-a"]);
        const teamA = inputs(named(res(), "tenant-team-a-delivery-project"));
        assert.deepStrictEqual(teamA.spec.destinations.map((d: any) => d.namespace), production ? ["team-a"] : ["team-a", "team-a-preview"]);
        assert.deepStrictEqual(teamA.spec.clusterResourceWhitelist, []);
        assert.deepStrictEqual(inputs(named(res(), "tenant-payments-delivery-project")).spec.destinations.map((d: any) => d.namespace), ["payments"]);
        // Argo CD's finalizer clean-up waits for every project and application of its stack: on destroy it runs first,
        // deleting Applications while Argo CD and their projects still exist to finalize them. A tenant stack's go with
        // their stack, destroyed before the platform's (docs/operations.md); each is created after Argo CD either way.
        const cleanup = named(res(), "platform-delivery-argocd-finalizer-cleanup");
        assert.ok(cleanup.dependsOn.includes(named(res(), "platform-delivery-argocd").urn));
        assert.ok(inputs(cleanup).values.objects.some((o: any) => o.kind === "Job"));
        for (const p of [...projects, ...ofType(res(), "kubernetes:argoproj.io/v1alpha1:Application")]) {
            assert.strictEqual(cleanup.dependsOn.includes(p.urn), inPlatformStack(set(), p), p.name);
            assert.ok(waitsFor(set(), p, named(res(), "platform-delivery-argocd")), p.name);
        }
        const apps = ofType(res(), "kubernetes:argoproj.io/v1alpha1:Application");
        assert.deepStrictEqual(apps.map((a) => [inputs(a).metadata.name, inputs(a).spec.source.path]), [["team-a", production ? "envs/prod" : "envs/dev"]]);
    });

    it("gives runners only to tenants that opt in, with a push identity scoped to their repository", () => {
        const scaleSets = ofType(res(), "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart.endsWith("/gha-runner-scale-set"));
        // The production example gives its second tenant CI too (two tenants' builders, kept apart).
        assert.deepStrictEqual(
            scaleSets.map((r) => [inputs(r).name, inputs(r).namespace, inputs(r).values.runnerScaleSetName]),
            production ? [["team-a-runners", "team-a-ci", "team-a-prod"], ["payments-runners", "payments-ci", "payments-prod"]] : [["team-a-runners", "team-a-ci", "team-a-dev"]],
        );
        const values = inputs(scaleSets[0]).values;
        assert.deepStrictEqual(values.controllerServiceAccount, { name: "arc-gha-rs-controller", namespace: "arc-systems" });
        assert.strictEqual(values.template.spec.containers[0].image, production ? `${account}.dkr.ecr.eu-west-1.amazonaws.com/ghcr/actions/actions-runner:2.336.0` : "ghcr.io/actions/actions-runner:2.336.0");
        const push = JSON.parse(inputs(named(res(), "tenant-team-a-delivery-runner-policy")).policy);
        assert.strictEqual(push.Statement[1].Resource, "arn:aws:ecr:eu-west-1:" + account + ":repository/team-a/apps");
        const association = inputs(named(res(), "tenant-team-a-delivery-runner-association"));
        assert.deepStrictEqual([association.namespace, association.serviceAccount], ["team-a-ci", "ci-runner"]);
        assert.strictEqual(res().some((r) => r.name.startsWith("tenant-payments-delivery-runner")), production, "payments has CI in production only");
        // Its pods carry the labels the stack's admission policy requires, and may reach the Pod Identity agent and
        // the AWS endpoints in the VPC (ECR), which the tenant's internet rule excludes.
        assert.deepStrictEqual(Object.keys(values.template.metadata.labels).sort(), production ? ["app.kubernetes.io/name", "app.kubernetes.io/version"] : ["app.kubernetes.io/name"]);
        const aws = inputs(named(res(), "tenant-team-a-delivery-runner-aws")).spec;
        assert.deepStrictEqual(aws.podSelector.matchLabels, { "app.kubernetes.io/name": "ci-runner" });
        assert.deepStrictEqual(aws.egress.map((e: any) => [e.to[0].ipBlock.cidr, e.ports[0].port]), [["169.254.170.23/32", 80], [production ? "10.30.0.0/16" : "10.20.0.0/16", 443]]);
        assert.deepStrictEqual(push.Statement.map((st: any) => st.Sid), ["RegistryLogin", "PushToTenantRepository", "PullThroughCaches"]);
        // In production, where each tenant signs with a key of its own, CI may sign with its tenant's key (and no other).
        const signing = res().filter((r) => r.name.endsWith("-runner-signing"));
        assert.deepStrictEqual(signing.map((r) => r.name), production ? ["tenant-team-a-delivery-runner-signing", "tenant-payments-delivery-runner-signing"] : []);
        if (production) assert.strictEqual(JSON.parse(inputs(signing[0]).policy).Statement[0].Resource, `arn:aws:kms:eu-west-1:${account}:key/tenant-team-a-delivery-signing-key`);
        // The runner controller's finalizer clean-up waits for every runner set of its stack: on destroy it deletes them
        // first, while the controller still clears their finalizers (a tenant stack's go with their stack, before the platform's).
        const cleanup = named(res(), "platform-delivery-runner-finalizer-cleanup");
        for (const scaleSet of scaleSets) {
            assert.strictEqual(cleanup.dependsOn.includes(scaleSet.urn), inPlatformStack(set(), scaleSet), scaleSet.name);
            assert.ok(waitsFor(set(), scaleSet, named(res(), "platform-delivery-runner-controller")), scaleSet.name);
        }
        // Base images come through the caches with the runner's credentials (BuildKit uses them).
        assert.deepStrictEqual(push.Statement.find((st: any) => st.Sid === "PullThroughCaches").Resource, (production ? ["docker-hub", "ghcr", "ecr-public", "quay", "k8s"] : ["ecr-public", "quay", "k8s"]).map((p) => `arn:aws:ecr:eu-west-1:${account}:repository/${p}/*`));
        // The GitHub App's key comes from the tenant's own Vault path through its CI namespace's own store (members' cannot read it).
        const secret = inputs(named(res(), "tenant-team-a-delivery-github-app"));
        assert.deepStrictEqual([secret.spec.secretStoreRef.name, secret.spec.data[0].remoteRef.key], ["ci-tenant-team-a", "tenants/team-a/ci/github-app"]);
    });

    it("runs the runners in a CI namespace of their own: privileged for the builder sidecars, the tenant's quota, read-only for the team, nothing in", () => {
        const ns = inputs(named(all(), "tenant-team-a-ci")).metadata;
        assert.deepStrictEqual([ns.name, ns.labels["platform.io/namespace-role"], ns.labels["pod-security.kubernetes.io/enforce"], ns.labels["platform.io/tenant"]], ["team-a-ci", "ci", "privileged", "team-a"]);
        assert.strictEqual("payments-ci" in Object.fromEntries(ofType(all(), "kubernetes:core/v1:Namespace").map((n) => [inputs(n).metadata.name, 1])), production, "payments has CI in production only");
        const inCi = (type: string) => ofType(all(), type).filter((r) => inputs(r).metadata.namespace === "team-a-ci").map((r) => inputs(r));
        // The tenant's quota, and the quota admitting no pod that names a PriorityClass (no preempting platform pods).
        assert.deepStrictEqual(inCi("kubernetes:core/v1:ResourceQuota").map((q) => [q.metadata.name, q.spec.hard["limits.cpu"] ?? q.spec.hard.pods]).sort(), [
            ["tenant-no-priority-class", "0"],
            ["tenant-quota", production ? "16" : "4"],
        ]);
        assert.strictEqual(inCi("kubernetes:core/v1:LimitRange").length, 1);
        // The only binding: the team reads; it never holds the member role (which creates pods) there.
        assert.deepStrictEqual(inCi("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((b) => b.roleRef.name), ["platform:tenant-ci-viewer"]);
        const policies = inCi("kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.deepStrictEqual(policies.map((p) => p.metadata.name).sort(), ["allow-aws-ci-runner", "allow-dns", "allow-internet", "default-deny"]);
        assert.ok(policies.every((p) => p.spec.ingress === undefined), "nothing admitted in");
        // The GitHub App's secret comes from the tenant's store, which serves this namespace as the tenant's.
        assert.deepStrictEqual(inCi("kubernetes:core/v1:ServiceAccount").map((a) => a.metadata.name).sort(), ["ci-runner", "vault-secret-store"]);
        assert.strictEqual(inputs(named(res(), "tenant-team-a-delivery-github-app")).metadata.namespace, "team-a-ci");
    });

    it("builds each job's images in a rootless BuildKit of its own, a sidecar of its runner pod, on a builders' node of its own, kept there while the job runs", () => {
        // No builder namespace, Deployment, Service or certificate: nothing of a build outlives its job.
        assert.deepStrictEqual(ofType(all(), "kubernetes:core/v1:Namespace").filter((n) => /-builds$/.test(inputs(n).metadata.name)), []);
        assert.deepStrictEqual(ofType(res(), "kubernetes:apps/v1:Deployment"), []);
        assert.deepStrictEqual(ofType(all(), "kubernetes:cert-manager.io/v1:Certificate").filter((c) => /buildkit/.test(inputs(c).spec.secretName)), []);
        const scaleSets = ofType(res(), "kubernetes:helm.sh/v3:Release").filter((r) => String(inputs(r).chart).endsWith("/gha-runner-scale-set"));
        assert.deepStrictEqual(scaleSets.map((r) => inputs(r).namespace), production ? ["team-a-ci", "payments-ci"] : ["team-a-ci"]);
        for (const r of scaleSets) {
            const { metadata, spec } = inputs(r).values.template;
            const [builder] = spec.initContainers;
            assert.match(builder.image, /moby\/buildkit:v0\.32\.2-rootless$/);
            assert.deepStrictEqual([builder.restartPolicy, builder.securityContext.privileged, builder.securityContext.runAsUser, spec.automountServiceAccountToken], ["Always", false, 1000, false]);
            assert.deepStrictEqual(spec.containers[0].securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: false });
            assert.deepStrictEqual([spec.nodeSelector, spec.tolerations], [{ "karpenter.sh/nodepool": "builders" }, [{ key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" }]]);
            assert.deepStrictEqual(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels, { "app.kubernetes.io/name": metadata.labels["app.kubernetes.io/name"] });
            // The webhook injects the job's AWS credentials into every container but the builder, by its name.
            assert.deepStrictEqual(metadata.annotations, { "karpenter.sh/do-not-disrupt": "true", "eks.amazonaws.com/skip-containers": builder.name });
            assert.strictEqual(builder.name, "buildkitd");
        }
    });

    it("caches the public registries in ECR, with credentials only where the upstream needs them", () => {
        const rules = ofType(all(), "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").map((r) => inputs(r));
        const expected = production
            ? [["docker-hub", "registry-1.docker.io", true], ["ghcr", "ghcr.io", true], ["ecr-public", "public.ecr.aws", false], ["quay", "quay.io", false], ["k8s", "registry.k8s.io", false]]
            : [["ecr-public", "public.ecr.aws", false], ["quay", "quay.io", false], ["k8s", "registry.k8s.io", false]];
        const byPrefix = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
        assert.deepStrictEqual(rules.map((r) => [r.ecrRepositoryPrefix, r.upstreamRegistryUrl, r.credentialArn !== undefined]).sort(byPrefix), [...expected].sort(byPrefix));
        const secrets = ofType(all(), "aws:secretsmanager/secret:Secret").filter((s) => String(inputs(s).name).startsWith("ecr-pullthroughcache/"));
        assert.deepStrictEqual(secrets.map((s) => inputs(s).name), production ? ["ecr-pullthroughcache/acme-prod-docker-hub", "ecr-pullthroughcache/acme-prod-ghcr"] : []);
        const versions = ofType(all(), "aws:secretsmanager/secretVersion:SecretVersion").filter((s) => s.name.startsWith("platform-registry"));
        assert.strictEqual(versions.length, production ? 2 : 0);
        for (const v of versions) assert.ok(v.secretPaths.includes("secretString"), v.name);
        const templates = ofType(all(), "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate").map((t) => inputs(t));
        assert.deepStrictEqual(templates.map((t) => t.prefix).sort(), expected.map((e) => String(e[0])).sort());
        assert.ok(templates.every((t) => t.encryptionConfigurations[0].encryptionType === "KMS" && t.customRoleArn !== undefined));
    });

    it("encrypts tenant repositories with the registry key and gives them the lifecycle from config", () => {
        const repo = inputs(named(all(), "tenant-team-a-repository"));
        assert.deepStrictEqual(repo.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: `arn:aws:kms:eu-west-1:${account}:key/platform-registry-key` }]);
        const lifecycle = JSON.parse(inputs(named(all(), "tenant-team-a-repository-lifecycle")).policy);
        assert.strictEqual(lifecycle.rules[1].selection.countNumber, production ? 200 : 50);
    });

    it("checks image signatures in tenant namespaces, enforced: each tenant's own key in production, its own repositories' workflows in dev", () => {
        // One rule per tenant that signs (production: each with a repository; dev: each with signing repositories), matching
        // its namespaces by its label; each in its tenant's own policy (a tenant stack's), none in a shared one.
        const policies = signaturePolicies(all());
        assert.deepStrictEqual(policies.map((p) => p.name), (production ? ["team-a", "payments"] : ["team-a"]).map((t) => `tenant-${t}-verify-image-signatures`));
        const rules = policies.flatMap((p) => inputs(p).spec.rules);
        assert.deepStrictEqual(rules.map((r: any) => [r.name, r.match.any[0].resources.namespaceSelector]), (production ? ["team-a", "payments"] : ["team-a"]).map((t) => [`signed-${t}`, { matchLabels: { "platform.io/namespace-role": "tenant", "platform.io/tenant": t } }]));
        const rule = rules[0].verifyImages[0];
        assert.deepStrictEqual([rule.failureAction, rule.mutateDigest], ["Enforce", true]);
        assert.deepStrictEqual(rule.imageReferences, [`${account}.dkr.ecr.eu-west-1.amazonaws.com/*/apps:*`, `${account}.dkr.ecr.eu-west-1.amazonaws.com/*/apps@*`]);
        for (const p of policies) assert.strictEqual(inputs(p).metadata.annotations["pod-policies.kyverno.io/autogen-controllers"], "none", p.name);
        const entry = rule.attestors[0].entries[0];
        if (production) {
            // Each rule names its own tenant's key, by the alias the delivery layer gives that key.
            assert.deepStrictEqual(rules.map((r: any) => r.verifyImages[0].attestors[0].entries[0].keys.kms), ["awskms:///alias/acme-prod-team-a-signing", "awskms:///alias/acme-prod-payments-signing"]);
            const aliases = ofType(all(), "aws:kms/alias:Alias").filter((a) => a.name.endsWith("-signing-key-alias")).map((a) => [a.name, inputs(a).name]);
            assert.deepStrictEqual(aliases.sort(), [["tenant-payments-delivery-signing-key-alias", "alias/acme-prod-payments-signing"], ["tenant-team-a-delivery-signing-key-alias", "alias/acme-prod-team-a-signing"]]);
            const key = named(all(), "tenant-team-a-delivery-signing-key");
            assert.deepStrictEqual([inputs(key).keyUsage, inputs(key).customerMasterKeySpec, key.protect], ["SIGN_VERIFY", "ECC_NIST_P256", true]);
        } else {
            assert.deepStrictEqual([entry.keyless.issuer, entry.keyless.subjectRegExp, entry.keyless.additionalExtensions], [
                "https://token.actions.githubusercontent.com",
                "^https://github\\.com/acme/team-a-app/\\.github/workflows/[^/@]+@(?:refs/heads/main)$",
                { githubWorkflowRepository: "acme/team-a-app" },
            ]);
            assert.ok(!all().some((r) => r.name.endsWith("-signing-key")), "no tenant keys with keyless signatures");
        }
        // The keys' policies let the admission controller read their public half; its own policy names no key.
        const reader = JSON.parse(inputs(named(all(), "platform-policy-signature-reader-policy")).policy);
        assert.deepStrictEqual(reader.Statement.map((s: any) => s.Sid), ["RegistryLogin", "ReadSignatures"]);
        assert.strictEqual(reader.Statement[1].Resource, `arn:aws:ecr:eu-west-1:${account}:repository/*/apps`);
        // The allow-list takes the tenants' repositories and the caches without naming a tenant.
        const registries = inputs(named(all(), "platform-policy-tenant-allowed-registries")).spec.rules[0].validate.pattern.spec.containers[0].image as string;
        assert.ok(registries.includes(`${account}.dkr.ecr.eu-west-1.amazonaws.com/*/apps:*`) && registries.includes(`${account}.dkr.ecr.eu-west-1.amazonaws.com/quay/*`), registries);
    });

    it("keeps every secret out of values and outputs: the GitHub keys come from Vault, the cache credentials are secret", () => {
        // Every resource of every stack and their outputs: no key material, and the cache credentials only as secrets.
        const text = JSON.stringify([all().map((r) => inputs(r)), set().stacks.map((p) => p.outputs)]);
        assert.doesNotMatch(text, /BEGIN (RSA |OPENSSH |EC )?PRIVATE KEY|github_app_private_key": "[^{]/);
        const credentialValues = ofType(all(), "aws:secretsmanager/secretVersion:SecretVersion").filter((v) => v.name.startsWith("platform-registry"));
        for (const v of credentialValues) assert.strictEqual(inputs(v).secretString, "[secret]");
        assert.strictEqual(credentialValues.length, production ? 2 : 0);
        const creds = inputs(named(res(), "platform-delivery-repo-creds-github-acme"));
        assert.deepStrictEqual(creds.spec.data[0].remoteRef, { key: "platform/delivery/argocd/github-acme", property: "githubAppPrivateKey" });
        assert.strictEqual(creds.spec.target.template.metadata.labels["argocd.argoproj.io/secret-type"], "repo-creds");
        const outputs = plan().outputs as Record<string, any>;
        assert.strictEqual(outputs.argocdUrl, `https://argocd.${production ? "platform.acme.example" : "dev.platform.acme.example"}`);
        // Each tenant's project and runner set: its stack's outputs (OwnStacks), or the platform's `tenants` output.
        const exported = (t: string) => (set().tenants.find((p) => p.outputs.tenant === t)?.outputs ?? outputs.tenants[t]) as Record<string, any>;
        assert.deepStrictEqual([exported("team-a").argocdProject, exported("team-a").runnerScaleSet, exported("payments").runnerScaleSet], ["team-a", production ? "team-a-prod" : "team-a-dev", production ? "payments-prod" : ""]);
        assert.strictEqual(outputs.imageSignatureAction, "Enforce");
    });
});

describeStacks((stack) => `delivery details in stack ${stack}`, "platform-delivery", ({ production, plan, res }) => {
    const all = () => plan().resources;
    const account = production ? "222222222222" : "111111111111";

    it("installs the runner controller pinned from ARC's OCI charts, restricted, with metrics for it and its listeners", () => {
        const r = inputs(named(res(), "platform-delivery-runner-controller"));
        assert.deepStrictEqual([r.name, r.chart, r.version, r.namespace, r.maxHistory], ["arc", "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller", "0.14.2", "arc-systems", 5]);
        assert.strictEqual(r.values.replicaCount, production ? 2 : 1);
        assert.deepStrictEqual(r.values.metrics, { controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" });
        assert.deepStrictEqual(r.values.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 });
        assert.deepStrictEqual(r.values.podSecurityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        const ns = inputs(named(res(), "platform-delivery-runners-namespace")).metadata.labels;
        assert.deepStrictEqual([ns["platform.io/namespace-role"], ns["pod-security.kubernetes.io/enforce"]], ["platform", "baseline"]);
        const argoNs = inputs(named(res(), "platform-delivery-argocd-namespace")).metadata.labels;
        assert.deepStrictEqual([argoNs["platform.io/namespace-role"], argoNs["pod-security.kubernetes.io/enforce"]], ["platform", "restricted"]);
        const argo = inputs(named(res(), "platform-delivery-argocd"));
        assert.deepStrictEqual([argo.name, argo.repositoryOpts.repo, argo.maxHistory], ["argocd", "https://argoproj.github.io/argo-helm", 5]);
    });

    it("builds each repository credential from Vault as an Argo CD credential template, not awaited", () => {
        const app = inputs(named(res(), "platform-delivery-repo-creds-github-acme"));
        assert.deepStrictEqual([app.metadata.name, app.metadata.namespace, app.metadata.annotations["pulumi.com/skipAwait"]], ["repo-creds-github-acme", "argocd", "true"]);
        // Each stack file names a GitHub App of its own (npm run plan refuses one another stack file names).
        const [appId, installationId] = production ? ["110000", "210000"] : ["100000", "200000"];
        assert.deepStrictEqual(app.spec.target.template.data, { type: "git", url: "https://github.com/acme", githubAppID: appId, githubAppInstallationID: installationId, githubAppPrivateKey: "{{ .githubAppPrivateKey }}" });
        assert.deepStrictEqual([app.spec.secretStoreRef, app.spec.target.creationPolicy], [{ kind: "ClusterSecretStore", name: "platform-vault" }, "Owner"]);
        const ssh = inputs(named(res(), "platform-delivery-repo-creds-github-ssh-acme"));
        assert.deepStrictEqual(ssh.spec.target.template.data, { type: "git", url: "git@github.com:acme", sshPrivateKey: "{{ .sshPrivateKey }}" });
        assert.deepStrictEqual(ssh.spec.data[0].remoteRef, { key: "platform/delivery/argocd/github-ssh-acme", property: "sshPrivateKey" });
    });

    it("keys the registry with a rotating key the account administers, and lets the caches' template role use it for grants only", () => {
        const key = inputs(named(all(), "platform-registry-key"));
        assert.deepStrictEqual([key.enableKeyRotation, key.deletionWindowInDays], [true, 30]);
        assert.deepStrictEqual(JSON.parse(key.policy).Statement.map((s: any) => s.Principal.AWS), [`arn:aws:iam::${account}:root`]);
        assert.strictEqual(named(all(), "platform-registry-key").protect, production);
        assert.strictEqual(inputs(named(all(), "platform-registry-key-alias")).name, `alias/acme-${production ? "prod" : "dev"}-images`);
        const trust = JSON.parse(inputs(named(all(), "platform-registry-template-role")).assumeRolePolicy);
        // AWS's documented trust for a template's role (AmazonECR userguide, repository-creation-templates-create-iam).
        assert.deepStrictEqual(trust, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecr.amazonaws.com" }, Action: "sts:AssumeRole" }] });
        const policy = JSON.parse(inputs(named(all(), "platform-registry-template-role-policy")).policy);
        assert.strictEqual(policy.Statement[1].Condition, undefined);
        assert.match(policy.Statement[1].Resource, new RegExp(`^arn:aws:kms:eu-west-1:${account}:key/`));
        assert.ok((policy.Statement[0].Resource as string[]).every((r) => r.startsWith(`arn:aws:ecr:eu-west-1:${account}:repository/`) && r.endsWith("/*")));
        const nodes = JSON.parse(inputs(named(all(), "platform-registry-node-pull-through")).policy);
        assert.strictEqual(inputs(named(all(), "platform-registry-node-pull-through")).role, "platform-cluster-node-role");
        assert.strictEqual(nodes.Statement[0].Resource.length, production ? 5 : 3);
        // Rules wait for their template (and credentials): the first pull creates repositories from it.
        const rule = named(all(), "platform-registry-quay");
        assert.ok(rule.dependsOn.includes(named(all(), "platform-registry-quay-template").urn) && rule.deleteBeforeReplace);
        if (production) {
            const secret = named(all(), "platform-registry-docker-hub-credentials");
            // A copy of config: deleted at once on destroy (its name free for the rebuild), never kept.
            assert.deepStrictEqual([inputs(secret).recoveryWindowInDays, secret.protect, secret.retainOnDelete, inputs(secret).kmsKeyId], [0, true, false, undefined]);
            assert.ok(named(all(), "platform-registry-docker-hub").dependsOn.includes(named(all(), "platform-registry-docker-hub-credentials-value").urn));
        }
    });

    it("gives Kyverno's admission controller the region and its signature identity before it starts", () => {
        const kyverno = named(all(), "platform-policy-kyverno");
        assert.deepStrictEqual(inputs(kyverno).values.admissionController.container.extraEnvVars, [
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "AWS_DEFAULT_REGION", value: "eu-west-1" },
        ]);
        const association = named(all(), "platform-policy-signature-reader-association");
        assert.deepStrictEqual([inputs(association).namespace, inputs(association).serviceAccount], ["kyverno", "kyverno-admission-controller"]);
        assert.ok(kyverno.dependsOn.includes(association.urn), kyverno.dependsOn.join());
        const policies = signaturePolicies(all());
        assert.ok(policies.length > 0);
        for (const p of policies.map((x) => inputs(x))) {
            assert.deepStrictEqual([p.spec.background, p.spec.webhookConfiguration.timeoutSeconds], [false, 30], p.metadata.name);
            assert.deepStrictEqual(p.spec.rules[0].verifyImages[0].imageRegistryCredentials, { providers: ["amazon"] }, p.metadata.name);
        }
    });
});

describeStacks((stack) => `delivery ownership in stack ${stack}`, "platform-delivery", ({ plan, set }) => {
    it("parents every resource of the registry and delivery layers under its layer (aliases and destroy order follow parents)", () => {
        const byUrn = new Map(plan().resources.map((r) => [r.urn, r]));
        const layers = ["platform:registry:Registry", "platform:delivery:AppDelivery"];
        // In a tenant stack the layer is where an alias of an ancestor places it (the platform stack's layer it moved from).
        const aliasedLayer = (r: PlannedResource) =>
            (r.aliases as { spec?: { parenturn?: string } }[]).map((a) => a.spec?.parenturn?.split("::")[2]?.split("$").pop()).find((t) => t !== undefined && layers.includes(t));
        const layerOf = (urn: string | undefined): string | undefined => {
            for (let r = urn ? byUrn.get(urn) : undefined; r; r = r.parent ? byUrn.get(r.parent) : undefined) {
                if (layers.includes(r.type)) return r.type;
                if (!inPlatformStack(set(), r) && aliasedLayer(r)) return aliasedLayer(r);
            }
            return undefined;
        };
        const owned = plan().resources.filter((r) => r.custom && (r.name.startsWith("platform-registry-") || r.name.startsWith("platform-delivery-") || /^tenant-[a-z0-9-]+-delivery-/.test(r.name)));
        assert.ok(owned.length > 30, String(owned.length));
        for (const r of owned) {
            const want = r.name.startsWith("platform-registry-") ? "platform:registry:Registry" : "platform:delivery:AppDelivery";
            assert.strictEqual(layerOf(r.parent), want, r.name);
        }
        // Every Kubernetes object of the layer goes through the cluster's provider (the layer's, not a default one); in a
        // tenant stack, the provider that stack builds from the platform's kubeconfig output.
        for (const r of owned.filter((x) => x.type.startsWith("kubernetes:"))) {
            const provider = inPlatformStack(set(), r) ? "platform-cluster-k8s" : `${/^tenant-[a-z0-9-]+?(?=-delivery-)/.exec(r.name)![0]}-stack-k8s`;
            assert.ok(String(r.provider).endsWith(`$pulumi:providers:kubernetes::${provider}`), `${r.name}: ${r.provider}`);
        }
    });
});
